"""Invoices as PDF, with reportlab (pure Python, from PyPI).

Chinese text is drawn with a TrueType CJK font embedded as a subset (only the glyphs the invoice
uses, a few kilobytes), so that every reader shows it the same, correctly spaced: a PDF that names
a standard Asian font without embedding it leaves the glyphs and their widths to the reader,
which mis-spaces them. reportlab embeds TrueType outlines only (not the CFF outlines of
Noto CJK's OpenType files), so the font is Debian's `fonts-wqy-microhei` (.ci/run installs it)
or any TrueType CJK font named by PRORATA_CJK_FONT. Latin-only text uses Helvetica.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

log = logging.getLogger(__name__)

CJK_FONT = "ProrataCJK"
# Where Debian's TrueType CJK fonts are installed, in order of preference.
CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_FALLBACK_CID = "STSong-Light"
_cjk: str | None = None


def cjk_font_path() -> Path | None:
    """The TrueType CJK font to embed: PRORATA_CJK_FONT, else the first Debian one installed."""
    from django.conf import settings

    configured = getattr(settings, "PRORATA_CJK_FONT", "")
    for candidate in ((configured,) if configured else ()) + CJK_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def _cjk_font() -> str:
    """Register the CJK font once. Without one installed, the standard CID font (not embedded)
    keeps the invoice readable, and the log says what to install."""
    global _cjk
    if _cjk is None:
        path = cjk_font_path()
        if path is not None:
            pdfmetrics.registerFont(TTFont(CJK_FONT, str(path), subfontIndex=0))
            _cjk = CJK_FONT
        else:
            log.warning("no TrueType CJK font found (apt-get install fonts-wqy-microhei, or set PRORATA_CJK_FONT): "
                        "Chinese invoices use the reader's %s", _FALLBACK_CID)
            pdfmetrics.registerFont(UnicodeCIDFont(_FALLBACK_CID))
            _cjk = _FALLBACK_CID
    return _cjk


def _latin(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Party:
    """A block of the invoice's header: the seller, or the customer billed."""

    name: str
    lines: Sequence[str] = field(default_factory=tuple)
    tax_id: str = ""
    email: str = ""


class _Writer:
    def __init__(self, pdf: canvas.Canvas, chinese: bool):
        self.pdf, self.chinese = pdf, chinese

    def font(self, text: str, bold: bool = False) -> str:
        if self.chinese or not _latin(text):
            return _cjk_font()
        return "Helvetica-Bold" if bold else "Helvetica"

    def text(self, x: float, y: float, text: str, size: float = 10, bold: bool = False, right: bool = False) -> None:
        self.pdf.setFont(self.font(text, bold), size)
        (self.pdf.drawRightString if right else self.pdf.drawString)(x, y, text)

    def width(self, text: str, size: float = 10, bold: bool = False) -> float:
        return pdfmetrics.stringWidth(text, self.font(text, bold), size)

    def wrap(self, text: str, width: float, size: float = 10) -> list[str]:
        """Greedy wrap to `width`: at spaces where there are, else between any two characters
        (Chinese has no spaces)."""
        lines: list[str] = []
        current = ""
        for token in _tokens(text):
            trial = current + token
            if current and self.width(trial.rstrip(), size) > width:
                lines.append(current.rstrip())
                current = token.lstrip()
            else:
                current = trial
        if current.strip():
            lines.append(current.rstrip())
        return lines or [""]


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in text:
        if ch == " ":
            out.append(word + " ")
            word = ""
        elif _latin(ch):
            word += ch
        else:
            if word:
                out.append(word)
                word = ""
            out.append(ch)
    if word:
        out.append(word)
    return out


def invoice_pdf(
    invoice: Any,
    lines: list[Any],
    *,
    seller: Party,
    customer: Party,
    labels: dict[str, str],
    money: Callable[[int], str],
    day: Callable[[Any], str],
    describe: Callable[[Any], str],
    chinese: bool,
) -> bytes:
    """One invoice on A4: the seller and the customer with their tax ids, the facts, the lines
    with their amounts, subtotal, credit, total, paid and due.

    `labels` are the already translated words; `money` and `day` format in the reader's locale;
    `describe` gives a line's description in the invoice's language.
    """
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=True)
    w = _Writer(pdf, chinese)
    pdf.setTitle(f"{labels['invoice']} {invoice.number}")
    pdf.setAuthor(seller.name)
    width, height = A4
    margin = 56
    right = width - margin
    y = height - margin

    w.text(margin, y, f"{labels['invoice']} {invoice.number}", 20, bold=True)
    # The seller, top right.
    sy = y
    w.text(right, sy, seller.name, 11, bold=True, right=True)
    for line in seller.lines:
        sy -= 13
        w.text(right, sy, line, 9, right=True)
    if seller.tax_id:
        sy -= 13
        w.text(right, sy, f"{labels['tax_id']}: {seller.tax_id}", 9, right=True)
    y = min(y - 40, sy - 24)

    # The customer, left; the invoice's facts, right.
    top = y
    w.text(margin, y, labels["billed_to"], 9)
    y -= 15
    w.text(margin, y, customer.name, 11, bold=True)
    for line in customer.lines:
        y -= 13
        w.text(margin, y, line, 9)
    if customer.tax_id:
        y -= 13
        w.text(margin, y, f"{labels['tax_id']}: {customer.tax_id}", 9)
    fy = top
    for label, value in (
        (labels["number"], invoice.number),
        (labels["issued"], day(invoice.issued_at)),
        (labels["period"], f"{day(invoice.period_start)} – {day(invoice.period_end)}"),
        (labels["status"], labels["status_value"]),
    ):
        w.text(right - 150, fy, label, 9, right=True)
        w.text(right, fy, value, 9, bold=True, right=True)
        fy -= 15
    y = min(y, fy) - 28

    w.text(margin, y, labels["description"], 10, bold=True)
    w.text(right - 110, y, labels["quantity"], 10, bold=True, right=True)
    w.text(right, y, labels["amount"], 10, bold=True, right=True)
    y -= 6
    pdf.line(margin, y, right, y)
    y -= 16
    column = width - 2 * margin - 170
    for line in lines:
        wrapped = w.wrap(describe(line), column)
        if y - 14 * (len(wrapped) - 1) < margin + 100:
            pdf.showPage()
            y = height - margin
        w.text(right - 110, y, str(line.quantity), right=True)
        w.text(right, y, money(line.amount), right=True)
        for part in wrapped:
            w.text(margin, y, part)
            y -= 14
        y -= 4
    pdf.line(margin, y + 8, right, y + 8)
    y -= 10
    for label, amount, bold in (
        (labels["subtotal"], invoice.subtotal, False),
        (labels["credit_applied"], -invoice.credit_applied, False),
        (labels["total"], invoice.total, True),
        (labels["amount_paid"], invoice.amount_paid, False),
        (labels["amount_due"], invoice.total - invoice.amount_paid, True),
    ):
        w.text(right - 110, y, label, bold=bold, right=True)
        w.text(right, y, money(amount), bold=bold, right=True)
        y -= 16
    footer = labels["footer"] + (f"  ·  {seller.email}" if seller.email else "")
    w.text(margin, margin - 20, footer, 8)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
