"""Charges and credits per month, drawn on the server as SVG (no script, no external library).

The chart is an image with a text alternative; the same figures are in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class MonthBar:
    label: str
    charges: int  # minor units
    credits: int  # minor units


CHARGE_COLOUR = "#0f6cbd"
CREDIT_COLOUR = "#0e700e"


def _nice_ceiling(value: int) -> int:
    """The smallest 1/2/5 × 10^n at or above `value` (at least 1), for a readable axis."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def monthly_bars_svg(bars: list[MonthBar], *, title: str, description: str, format_amount, charges_label: str, credits_label: str) -> str:
    """An accessible SVG bar chart: two bars per month (charges, credits), a labelled y axis."""
    width, height = 720, 280
    left, right, top, bottom = 90, 16, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_ceiling(max([b.charges for b in bars] + [b.credits for b in bars] + [0]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        '<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
    ]
    for i in range(5):
        value = top_value * i // 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="#424242">{escape(format_amount(value))}</text>'
        )
    n = max(len(bars), 1)
    slot = plot_w / n
    bar_w = min(28.0, slot / 3)
    for i, bar in enumerate(bars):
        x0 = left + slot * i + slot / 2 - bar_w
        for j, (value, colour) in enumerate(((bar.charges, CHARGE_COLOUR), (bar.credits, CREDIT_COLOUR))):
            h = plot_h * value / top_value
            x = x0 + j * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="12" fill="#424242">{escape(bar.label)}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#616161"/>')
    lx = left
    for label, colour in ((charges_label, CHARGE_COLOUR), (credits_label, CREDIT_COLOUR)):
        parts.append(f'<rect x="{lx}" y="{height - 16}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 18}" y="{height - 6}" font-size="12" fill="#242424">{escape(label)}</text>')
        lx += 160
    parts.append("</svg>")
    return "".join(parts)
