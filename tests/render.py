"""Small PDF and DOCX builders for tests (reportlab's built-in CID font, no font files).

Not collected by pytest. Coordinates are top-down points on an A4 page, like pdfplumber's.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

FONT = "STSong-Light"
A4 = (595.0, 842.0)


@dataclass
class Text:
    x: float
    top: float
    text: str
    size: float = 12.0


@dataclass
class Table:
    """A ruled table: every cell boxed, text drawn 2 pt inside the left border."""

    x: float
    top: float
    widths: list[float]
    rows: list[list[str]]
    row_height: float = 18.0
    size: float = 10.0


@dataclass
class Page:
    items: list[Text | Table] = field(default_factory=list)


def pdf(pages: list[Page], *, encrypt: str | None = None) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt, invariant=1)
    height = A4[1]
    for page in pages:
        for item in page.items:
            if isinstance(item, Text):
                c.setFont(FONT, item.size)
                c.drawString(item.x, height - item.top - item.size * 0.88, item.text)
            else:
                _table(c, item, height)
        c.showPage()
    c.save()
    return buf.getvalue()


def _table(c, t: Table, height: float) -> None:
    c.setLineWidth(0.5)
    xs = [t.x]
    for w in t.widths:
        xs.append(xs[-1] + w)
    y_top = height - t.top
    y_bottom = y_top - t.row_height * len(t.rows)
    for i in range(len(t.rows) + 1):
        y = y_top - i * t.row_height
        c.line(xs[0], y, xs[-1], y)
    for x in xs:
        c.line(x, y_top, x, y_bottom)
    c.setFont(FONT, t.size)
    for i, row in enumerate(t.rows):
        base = y_top - i * t.row_height - (t.row_height + t.size * 0.7) / 2
        for j, cell in enumerate(row):
            if cell:
                c.drawString(xs[j] + 2, base, cell)
