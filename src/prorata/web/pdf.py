"""Invoices as PDF, with reportlab (pure Python, from PyPI).

Why reportlab rather than a hand-written PDF writer: invoices must render Chinese, and a correct
CJK PDF needs CID fonts, CMaps and width tables. reportlab ships the Adobe STSong-Light CID font
metrics (a standard Asian font every PDF reader provides), so a Chinese invoice stays small and
correct without embedding a font or calling a system tool.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

_CJK_FONT = "STSong-Light"
_registered = False


def _fonts(chinese: bool) -> tuple[str, str]:
    global _registered
    if chinese:
        if not _registered:
            pdfmetrics.registerFont(UnicodeCIDFont(_CJK_FONT))
            _registered = True
        return _CJK_FONT, _CJK_FONT
    return "Helvetica", "Helvetica-Bold"


def invoice_pdf(
    invoice: Any,
    lines: list[Any],
    *,
    tenant_name: str,
    labels: dict[str, str],
    money: Callable[[int], str],
    day: Callable[[Any], str],
    chinese: bool,
) -> bytes:
    """One invoice on A4: header, the lines with their amounts, subtotal, credit, total, paid.

    `labels` are the already translated words; `money` and `day` format in the reader's locale.
    """
    regular, bold = _fonts(chinese)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=True)
    pdf.setTitle(f"{labels['invoice']} {invoice.number}")
    pdf.setAuthor("Prorata")
    width, height = A4
    margin = 56
    y = height - margin

    pdf.setFont(bold, 20)
    pdf.drawString(margin, y, f"{labels['invoice']} {invoice.number}")
    pdf.setFont(regular, 10)
    pdf.drawRightString(width - margin, y, "Prorata")
    y -= 30
    facts = [
        (labels["billed_to"], tenant_name),
        (labels["issued"], day(invoice.issued_at)),
        (labels["period"], f"{day(invoice.period_start)} – {day(invoice.period_end)}"),
        (labels["status"], labels["status_value"]),
    ]
    for label, value in facts:
        pdf.setFont(regular, 10)
        pdf.drawString(margin, y, label)
        pdf.setFont(bold, 10)
        pdf.drawString(margin + 120, y, value)
        y -= 16

    y -= 14
    pdf.setFont(bold, 10)
    pdf.drawString(margin, y, labels["description"])
    pdf.drawRightString(width - margin - 110, y, labels["quantity"])
    pdf.drawRightString(width - margin, y, labels["amount"])
    y -= 6
    pdf.line(margin, y, width - margin, y)
    y -= 16
    pdf.setFont(regular, 10)
    for line in lines:
        if y < margin + 90:
            pdf.showPage()
            pdf.setFont(regular, 10)
            y = height - margin
        text = line.description
        # Long descriptions are cut to the column, never over the amounts.
        while pdfmetrics.stringWidth(text, regular, 10) > width - 2 * margin - 170 and len(text) > 4:
            text = text[:-2]
        if text != line.description:
            text = text.rstrip() + "…"
        pdf.drawString(margin, y, text)
        pdf.drawRightString(width - margin - 110, y, str(line.quantity))
        pdf.drawRightString(width - margin, y, money(line.amount))
        y -= 18
    pdf.line(margin, y + 8, width - margin, y + 8)
    y -= 10
    for label, amount, font in (
        (labels["subtotal"], invoice.subtotal, regular),
        (labels["credit_applied"], -invoice.credit_applied, regular),
        (labels["total"], invoice.total, bold),
        (labels["amount_paid"], invoice.amount_paid, regular),
        (labels["amount_due"], invoice.total - invoice.amount_paid, bold),
    ):
        pdf.setFont(font, 10)
        pdf.drawRightString(width - margin - 110, y, label)
        pdf.drawRightString(width - margin, y, money(amount))
        y -= 16
    pdf.setFont(regular, 8)
    pdf.drawString(margin, margin - 20, labels["footer"])
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
