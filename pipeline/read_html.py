"""Read a saved web page (.html/.htm) into paragraphs and tables, in document order.

- Encoding: a byte-order mark, else the <meta charset> / http-equiv content type, else UTF-8,
  else GB18030 (a superset of GBK and GB2312, so those names are read as GB18030).
- Flow content: block elements (p, div, h1-h6, li, br, ...) end a paragraph; h1-h6 are headings.
  Whitespace from the source's line wrapping between two Chinese characters is no space.
- Tables: rowspan/colspan give the text once, at the top-left position, and empty strings at
  the other positions. A table that holds another table is page layout, read as flow.
- script, style, nav, header, footer (and head, noscript, template, iframe, svg, select) are
  dropped.
- Positioned pages, as PDF-to-HTML converters write them (a fixed-size box per page with
  absolutely placed text runs and thin boxes for rulings), are laid out like PDF pages by
  `pipeline.layout`: their tables come back as grids, their pages numbered from 1.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from pipeline import layout
from pipeline.records import Decoded, DocumentError, Grid, Para

DROPPED = frozenset(
    "script style nav header footer head noscript template iframe svg select button".split()
)
BLOCKS = frozenset(
    """p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article aside main blockquote pre
    address figure figcaption form fieldset legend hr br center caption body html""".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())

META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*(?P<charset>[-\w:.]+)""", re.IGNORECASE | re.VERBOSE
)
STYLE_DECL = re.compile(r"(?P<prop>[-a-z]+)\s*:\s*(?P<value>[^;]+)", re.IGNORECASE)
LENGTH = re.compile(r"^\s*(?P<number>-?[\d.]+)\s*(?P<unit>pt|px)?\s*$", re.IGNORECASE)

# Chinese legacy encodings all read as their superset.
GB_NAMES = frozenset({"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "cp936", "euc-cn"})

PX_TO_PT = 0.75

# Converted pages give no glyph widths and lose justification, so line ends are estimates: a
# line that runs on may end this many ems short of the right margin (a PDF needs 1.5).
ESTIMATED_SLACK_EM = 4.0


def decode(data: bytes) -> Decoded:
    """Paragraphs and tables of an HTML page; positioned (converted-PDF) pages laid out."""
    text = _to_str(data)
    parser = _Parser()
    try:
        parser.feed(text)
        parser.close()
    except AssertionError as e:  # html.parser's last resort on hopeless markup
        raise DocumentError("broken_html", f"the markup cannot be parsed: {e}") from None
    parser.flush()
    items = parser.items
    out: list[Para | Grid] = []
    run: list[layout.PageLayout] = []
    n_pages = 0
    for item in items + [None]:
        if isinstance(item, _Page):
            n_pages += 1
            run.append(item.arrange(n_pages))
            continue
        if run:
            out.extend(layout.blocks(run, slack_em=ESTIMATED_SLACK_EM))
            run = []
        if item is not None:
            out.append(item)
    if not out:
        raise DocumentError("empty", "the page has no text outside scripts, styles and navigation")
    return Decoded(tuple(out), n_pages or None, ())


# --- bytes to text ---------------------------------------------------------------------------


def _to_str(data: bytes) -> str:
    return _decoded(data).lstrip("\ufeff")


def _decoded(data: bytes) -> str:
    if not data.strip():
        raise DocumentError("empty", "the file has no content")
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    declared = META_CHARSET.search(data[:8192])
    candidates = []
    if declared:
        name = declared["charset"].decode("ascii", "replace").lower()
        candidates.append("gb18030" if name in GB_NAMES else name)
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace")


# --- text helpers ----------------------------------------------------------------------------

WHITESPACE = re.compile(r"[\s\u00a0\u3000]+")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _collapse(text: str) -> str:
    """Runs of whitespace to one space, none where a source line break sits between two
    Chinese characters; trimmed."""

    def repl(m: re.Match) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if before and after and _wide(before) and _wide(after) and "\n" in m.group():
            return ""
        return " "

    return WHITESPACE.sub(repl, text).strip()


def _style(attrs: dict) -> dict[str, str]:
    return {m["prop"].lower(): m["value"].strip() for m in STYLE_DECL.finditer(attrs.get("style") or "")}


def _length(value: str | None) -> float | None:
    if value is None:
        return None
    m = LENGTH.match(value)
    if not m:
        return None
    number = float(m["number"])
    return number * PX_TO_PT if (m["unit"] or "px").lower() == "px" else number


# --- tables ----------------------------------------------------------------------------------


@dataclass
class _Table:
    rows: list[list[str | None]] = field(default_factory=list)
    taken: dict[tuple[int, int], bool] = field(default_factory=dict)  # spanned-into positions
    row: int = -1
    col: int = 0
    cell: list[str] | None = None  # text of the open cell
    span: tuple[int, int] = (1, 1)
    layout: bool = False  # holds another table: page layout, read as flow
    caption: list[str] = field(default_factory=list)
    in_caption: bool = False

    def start_row(self) -> None:
        self.finish_cell()
        self.row += 1
        self.col = 0
        self.rows.append([])

    def start_cell(self, rowspan: int, colspan: int) -> None:
        self.finish_cell()
        if self.row < 0:
            self.start_row()
        self.cell = []
        self.span = (rowspan, colspan)

    def finish_cell(self) -> None:
        if self.cell is None:
            return
        text = _collapse("".join(self.cell))
        row = self.rows[self.row]
        while (self.row, self.col) in self.taken:
            self._put(row, self.col, "")
            self.col += 1
        rowspan, colspan = self.span
        for dr in range(rowspan):
            for dc in range(colspan):
                if dr or dc:
                    self.taken[(self.row + dr, self.col + dc)] = True
        self._put(row, self.col, text)
        for dc in range(1, colspan):
            self._put(row, self.col + dc, "")
        self.col += colspan
        self.cell = None

    @staticmethod
    def _put(row: list, at: int, text: str) -> None:
        while len(row) <= at:
            row.append(None)
        row[at] = text

    def grid(self) -> Grid | None:
        self.finish_cell()
        # positions spanned into by a rowspan from above, in rows that ended early
        for (r, c) in self.taken:
            if r < len(self.rows):
                row = self.rows[r]
                while len(row) <= c:
                    row.append(None)
                if row[c] is None:
                    row[c] = ""
        rows = [r for r in self.rows if r]
        if not rows:
            return None
        width = max(len(r) for r in rows)
        cells = tuple(tuple((c or "") for c in r) + ("",) * (width - len(r)) for r in rows)
        if not any(c for r in cells for c in r):
            return None
        caption = _collapse("".join(self.caption)) or None
        return Grid(cells, caption=caption)


# --- positioned pages ------------------------------------------------------------------------


@dataclass
class _Run:
    left: float
    top: float
    size: float
    text: list[str] = field(default_factory=list)


@dataclass
class _Page:
    width: float
    height: float
    runs: list[_Run] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)  # text outside positioned runs

    def arrange(self, number: int) -> layout.PageLayout:
        glyphs: list[layout.Glyph] = []
        for run in self.runs:
            x = run.left
            for ch in _collapse("".join(run.text)):
                # converters give no glyph widths: a wide character is an em (so is an
                # ambiguous one, such as “ ”, in the CJK fonts these pages use), others half
                w = run.size * (1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5)
                glyphs.append(layout.Glyph(ch, x, x + w, run.top, run.top + run.size, run.size))
                x += w
        return layout.arrange_page(number, self.width, self.height, glyphs, self.edges)

    def rule(self, style: dict[str, str]) -> None:
        """Edges drawn by a box's borders (or a filled hairline box)."""
        left, top = _length(style.get("left")), _length(style.get("top"))
        width, height = _length(style.get("width")) or 0.0, _length(style.get("height")) or 0.0
        if left is None or top is None:
            return
        sides = {s for s in ("top", "bottom", "left", "right") if _border(style, s)}
        if not sides and "background" in " ".join(style) and (width < 2 or height < 2):
            sides = {"top"} if height < 2 else {"left"}
        for side in sides:
            if side in ("top", "bottom"):
                y = top if side == "top" else top + height
                self.edges.append(_h_edge(left, left + width, y))
            else:
                x = left if side == "left" else left + width
                self.edges.append(_v_edge(x, top, top + height))


def _border(style: dict[str, str], side: str) -> bool:
    tokens = (style.get(f"border-{side}") or style.get("border") or "").lower().split()
    if not tokens or "none" in tokens or "hidden" in tokens:
        return False
    width = _length(tokens[0])
    return width is None or width > 0


def _h_edge(x0: float, x1: float, y: float) -> dict:
    return {"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": y,
            "bottom": y, "width": x1 - x0, "height": 0.0, "doctop": y}


def _v_edge(x: float, top: float, bottom: float) -> dict:
    return {"object_type": "line", "orientation": "v", "x0": x, "x1": x, "top": top,
            "bottom": bottom, "width": 0.0, "height": bottom - top, "doctop": top}


# --- the parser ------------------------------------------------------------------------------


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list[Para | Grid | _Page] = []
        self.buffer: list[str] = []
        self.heading = 0  # depth inside h1-h6
        self.dropped: list[str] = []  # open dropped elements
        self.tables: list[_Table] = []
        self.page: _Page | None = None
        self.page_depth = 0  # open elements inside the positioned page
        self.run: _Run | None = None
        self.run_depth = 0

    # flow text

    def flush(self) -> None:
        text = _collapse("".join(self.buffer))
        self.buffer = []
        if text:
            self.items.append(Para(text, heading=self.heading > 0))

    def _sink(self) -> list[str]:
        table = self._open_table()
        if table is not None:
            if table.in_caption:
                return table.caption
            if table.cell is not None:
                return table.cell
        return self.buffer

    def _open_table(self) -> _Table | None:
        return self.tables[-1] if self.tables and not self.tables[-1].layout else None

    # events

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body" and "head" in self.dropped:  # <head> left open: the body closes it
            del self.dropped[self.dropped.index("head") :]
        if self.dropped:
            if tag not in VOID:
                self.dropped.append(tag)
            return
        if tag in DROPPED:
            self.dropped.append(tag)
            return
        if self.page is not None:
            self._page_start(tag, attrs)
            return
        style = _style(attrs)
        if (
            tag == "div"
            and _length(style.get("width"))
            and _length(style.get("height"))
            and style.get("position", "").strip() in ("relative", "absolute")
        ):
            if not self.tables or self.tables[-1].layout:
                self.flush()
                self.page = _Page(_length(style["width"]), _length(style["height"]))
                self.page_depth = 1
                return
        if tag == "table":
            if self.tables and self.tables[-1].cell is not None:
                self._to_layout()
            self.flush()
            self.tables.append(_Table())
            return
        table = self._open_table()
        if table is not None:
            if tag == "tr":
                table.start_row()
            elif tag in ("td", "th"):
                table.start_cell(_span(attrs, "rowspan"), _span(attrs, "colspan"))
            elif tag == "caption":
                table.in_caption = True
            elif tag in BLOCKS and table.cell is not None and table.cell:
                table.cell.append("\n")  # a line inside a cell: joined like wrapped lines
            return
        if tag in BLOCKS or tag in ("td", "th", "tr"):
            self.flush()
        if tag in HEADINGS:
            self.heading += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.dropped:
            if tag == self.dropped[-1]:
                self.dropped.pop()
            elif tag in self.dropped:  # unbalanced markup: close up to the matching element
                while self.dropped and self.dropped.pop() != tag:
                    pass
            return
        if self.page is not None:
            self._page_end(tag)
            return
        if tag == "table" and self.tables:
            table = self.tables.pop()
            if table.layout:
                self.flush()
            else:
                grid = table.grid()
                if grid is not None:
                    self.items.append(grid)
            return
        table = self._open_table()
        if table is not None:
            if tag in ("td", "th"):
                table.finish_cell()
            elif tag == "caption":
                table.in_caption = False
            return
        if tag in BLOCKS or tag in ("td", "th", "tr"):
            self.flush()
        if tag in HEADINGS and self.heading:
            self.heading -= 1

    def handle_data(self, data):
        if self.dropped:
            return
        if self.page is not None:
            (self.run.text if self.run is not None else self.page.loose).append(data)
            return
        self._sink().append(data)

    # tables that turn out to be layout

    def _to_layout(self) -> None:
        """A table inside a cell: the enclosing tables are page layout; what they hold so far
        becomes paragraphs, and from now on their cells are read as flow."""
        for table in self.tables:
            if table.layout:
                continue
            table.finish_cell()
            table.layout = True
            for row in table.rows:
                for cell in row:
                    if cell:
                        self.items.append(Para(cell))

    # positioned pages

    def _page_start(self, tag, attrs) -> None:
        if tag not in VOID:
            self.page_depth += 1
        style = _style(attrs)
        if "absolute" not in style.get("position", ""):
            return
        if any(k.startswith("border") for k in style) or (
            "background" in " ".join(style) and not self.run
        ):
            self.page.rule(style)
        left, top = _length(style.get("left")), _length(style.get("top"))
        size = _length(style.get("font-size")) or 12.0
        if left is not None and top is not None and self.run is None and tag not in VOID:
            self.run = _Run(left, top, size)
            self.run_depth = self.page_depth

    def _page_end(self, tag) -> None:
        if tag in VOID:
            return
        if self.run is not None and self.page_depth == self.run_depth:
            if "".join(self.run.text).strip():
                self.page.runs.append(self.run)
            self.run = None
        self.page_depth -= 1
        if self.page_depth == 0:
            if self.page.runs:
                self.items.append(self.page)
            else:  # a fixed-size box without placed text: ordinary flow after all
                self.buffer.extend(self.page.loose)
                self.flush()
            self.page = None


def _span(attrs: dict, name: str) -> int:
    try:
        return max(1, min(int(attrs.get(name) or 1), 1000))
    except ValueError:
        return 1
