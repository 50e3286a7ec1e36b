"""PDF, DOCX and HTML builders for tests (reportlab's built-in CID font, no font files).

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
class Image:
    """A grey picture, as a scanner would put a page."""

    x: float
    top: float
    width: float
    height: float


@dataclass
class Page:
    items: list[Text | Table | Image] = field(default_factory=list)


def pdf(pages: list[Page], *, encrypt: str | None = None, turn: int = 0, font: str = FONT) -> bytes:
    """`turn` (90, 180, 270): each page's content is drawn turned counterclockwise by that much
    on an A4 sheet that a viewer shows turned back (/Rotate), as landscape tables often are;
    item coordinates are then in the upright frame (842 x 595 for 90 and 270)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    global FONT
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt, invariant=1)
    saved, FONT = FONT, font
    try:
        for page in pages:
            c.saveState()
            height = _turned_frame(c, turn)
            _draw(c, page, height)
            c.restoreState()
            c.showPage()
    finally:
        FONT = saved
    c.save()
    return buf.getvalue()


def _turned_frame(c, turn: int) -> float:
    """Set up the canvas for content turned by `turn` degrees; the frame's height."""
    w, h = A4
    if turn:
        c.setPageRotation((360 - turn) % 360)
    if turn == 90:
        c.translate(w, 0)
        c.rotate(90)
        return w
    if turn == 180:
        c.translate(w, h)
        c.rotate(180)
    if turn == 270:
        c.translate(0, h)
        c.rotate(-90)
        return w
    return h


def _draw(c, page: Page, height: float) -> None:
    for item in page.items:
        if isinstance(item, Text):
            c.setFont(FONT, item.size)
            c.drawString(item.x, height - item.top - item.size * 0.88, item.text)
        elif isinstance(item, Image):
            from PIL import Image as PILImage
            from reportlab.lib.utils import ImageReader

            picture = ImageReader(PILImage.new("L", (60, 80), 200))
            c.drawImage(picture, item.x, height - item.top - item.height, item.width, item.height)
        else:
            _table(c, item, height)


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


# --- whole documents from a reader's blocks (for the cross-format tests) ---------------------

BODY_SIZE = 10.5
BODY_LEADING = 18.0
TABLE_SIZE = 8.0
TABLE_LEADING = 11.0
MARGIN_X = 60.0
MARGIN_TOP = 80.0
MARGIN_BOTTOM = 80.0
MAX_CHAR_SPACE_EM = 0.12  # justification stays well under the reader's gap thresholds


def _width(text: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.stringWidth(text, FONT, size)


def _chunks(text: str) -> list[str]:
    """Pieces a line may break between: never next to a space, never inside a Latin word or
    number ("127.43", "1,240"), so that unwrapping gives the text back exactly."""
    out: list[str] = []
    for ch in text:
        if out and (
            ch.isspace()
            or out[-1][-1].isspace()
            or (ch.isascii() and ch.isalnum() and out[-1][-1].isascii() and out[-1][-1].isalnum())
            or (ch in ".,%" and out[-1][-1].isascii() and out[-1][-1].isalnum())
        ):
            out[-1] += ch
        else:
            out.append(ch)
    return out


SENTENCE_END = set("。：:；;！？!?")


def _visible_spaces(text: str) -> str:
    """A space between two Chinese characters drawn an em wide: STSong's own space (0.21 em)
    is no wider than justification, and the reader rightly ignores gaps that small there."""
    import unicodedata

    wide = lambda ch: unicodedata.east_asian_width(ch) in ("W", "F")  # noqa: E731
    chars = list(text)
    for k in range(1, len(chars) - 1):
        if chars[k] == " " and wide(chars[k - 1]) and wide(chars[k + 1]):
            chars[k] = "\u3000"
    return "".join(chars)


def wrap(text: str, width: float, size: float, first_indent: float = 0.0) -> list[str]:
    """Greedy wrap; a line never ends with sentence punctuation nor starts with an outline
    number ("1、", "（一）"), which would make the reader end the paragraph there."""
    from pipeline.layout import OUTLINE_START

    chunks = _chunks(_visible_spaces(text))
    lines: list[str] = []
    i = 0
    while i < len(chunks):
        avail = width - (first_indent if not lines else 0.0)
        j, w = i, 0.0
        while j < len(chunks) and (j == i or w + _width(chunks[j], size) <= avail):
            w += _width(chunks[j], size)
            j += 1
        if j < len(chunks):
            for _ in range(4):  # step the break back over bad places
                rest = "".join(chunks[j:])
                if j - 1 > i and (chunks[j - 1][-1] in SENTENCE_END or OUTLINE_START.match(rest)):
                    j -= 1
                else:
                    break
        lines.append("".join(chunks[i:j]))
        i = j
    return lines


class _Flow:
    def __init__(self, canvas):
        self.c = canvas
        self.width, self.height = A4
        self.page = 1
        self.y = MARGIN_TOP  # top-down

    def room(self) -> float:
        return self.height - MARGIN_BOTTOM - self.y

    def new_page(self) -> None:
        self.c.setFont(FONT, 9)
        label = f"— {self.page} —"
        self.c.drawString((self.width - _width(label, 9)) / 2, 30, label)
        self.c.showPage()
        self.page += 1
        self.y = MARGIN_TOP

    def line(self, text: str, x: float, size: float, justify_to: float | None = None) -> None:
        t = self.c.beginText()
        t.setFont(FONT, size)
        if justify_to is not None and len(text) > 1:
            extra = (justify_to - _width(text, size)) / (len(text) - 1)
            t.setCharSpace(max(0.0, min(extra, MAX_CHAR_SPACE_EM * size)))
        t.setTextOrigin(x, self.height - self.y - size * 0.88)
        t.textOut(text)
        self.c.drawText(t)


def pdf_from_blocks(blocks) -> bytes:
    """A PDF of paragraphs (first line indented 2 em, justified) and ruled tables."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from pipeline.records import Grid

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    flow = _Flow(c)
    text_width = A4[0] - 2 * MARGIN_X
    previous = None
    for block in blocks:
        if isinstance(block, Grid):
            if previous is not None:
                flow.y += 3 * BODY_LEADING  # far from the paragraph above: not a caption
            _grid(flow, block, text_width)
            flow.y += BODY_LEADING
        else:
            indent = 2 * BODY_SIZE
            lines = wrap(block.text, text_width, BODY_SIZE, indent)
            if len(lines) * BODY_LEADING > flow.room():
                flow.new_page()
            for k, line in enumerate(lines):
                x = MARGIN_X + (indent if k == 0 else 0.0)
                last = k == len(lines) - 1
                flow.line(line, x, BODY_SIZE, None if last else MARGIN_X + text_width - x)
                flow.y += BODY_LEADING
        previous = block
    flow.new_page()
    c.save()
    return buf.getvalue()


def _grid(flow: _Flow, grid, text_width: float) -> None:
    n = max(len(r) for r in grid.rows)
    grid = type(grid)(tuple(tuple(r) + ("",) * (n - len(r)) for r in grid.rows))
    natural = [
        max([_width(r[j], TABLE_SIZE) for r in grid.rows] + [2 * TABLE_SIZE]) + 6 for j in range(n)
    ]
    widths = list(natural)
    cap = text_width
    while sum(widths) > text_width:  # narrow the widest columns until the table fits
        cap *= 0.95
        widths = [min(w, cap) for w in natural]
    scale = text_width / sum(widths) if sum(widths) > text_width else 1.0
    widths = [w * scale for w in widths]
    c = flow.c
    for row in grid.rows:
        cells = [wrap(text, w - 6, TABLE_SIZE) if text else [] for text, w in zip(row, widths)]
        h = max([len(x) for x in cells] + [1]) * TABLE_LEADING + 4
        if h > flow.room():
            flow.new_page()
        x = MARGIN_X
        top = flow.height - flow.y
        c.setLineWidth(0.5)
        c.line(MARGIN_X, top, MARGIN_X + sum(widths), top)
        c.line(MARGIN_X, top - h, MARGIN_X + sum(widths), top - h)
        for w, lines in zip(widths, cells):
            c.line(x, top, x, top - h)
            for k, line in enumerate(lines):
                save = flow.y
                flow.y = flow.y + 2 + k * TABLE_LEADING
                flow.line(line, x + 3, TABLE_SIZE)
                flow.y = save
            x += w
        c.line(x, top, x, top - h)
        flow.y += h


def docx_from_blocks(blocks) -> bytes:
    """A .docx of paragraphs (headings in a Heading style) and Word tables."""
    import docx

    from pipeline.records import Grid

    d = docx.Document()
    for block in blocks:
        if isinstance(block, Grid):
            t = d.add_table(rows=len(block.rows), cols=max(len(r) for r in block.rows))
            for i, row in enumerate(block.rows):
                cells = t.rows[i].cells
                for j, text in enumerate(row):
                    if text:
                        cells[j].text = text
        elif block.heading:
            d.add_heading(block.text, level=2)
        else:
            d.add_paragraph(block.text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def html_from_blocks(blocks, encoding: str = "utf-8") -> bytes:
    """A web page of <p>/<h2> paragraphs and <table>s, with a script and a nav to be dropped."""
    from html import escape

    from pipeline.records import Grid

    parts = [
        f'<html><head><meta charset="{encoding}"><script>var t = "<p>1.00万元</p>";</script></head>',
        "<body><nav><a href='/'>首页</a></nav>",
    ]
    for block in blocks:
        if isinstance(block, Grid):
            rows = "".join(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in block.rows
            )
            parts.append(f"<table>{rows}</table>")
        else:
            tag = "h2" if block.heading else "p"
            parts.append(f"<{tag}>{escape(block.text)}</{tag}>")
    parts.append("<footer>版权所有</footer></body></html>")
    return "\n".join(parts).encode(encoding)
