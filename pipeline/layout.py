"""Positioned characters and rulings -> paragraphs and tables (the geometry shared by the PDF
reader and the positioned-page HTML that PDF converters produce).

Stages: glyphs -> lines (clustered by vertical centre, a space only where the page shows a gap)
-> tables from rulings by pdfplumber's `lines` algorithm, glyphs assigned to the cell they start
in -> running headers/footers and page numbers dropped -> captions above tables taken -> lines
unwrapped into paragraphs -> a table continued on the next page joined to its first part.
Coordinates are top-down points, like pdfplumber's.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from pipeline.records import Grid, Para
from schemas.vocab import numbering

# A page needs at least this many horizontal/vertical rulings (two rectangles, or a small grid)
# before the table finder runs; a lone rule or a framed box cannot be a table of 2+ cells.
TABLE_MIN_EDGES = 6

# A space is written between two wide (CJK) characters only when the page shows a gap of at
# least this many ems; between other characters from this many ems (pdfplumber's 3 pt at 12 pt).
WIDE_GAP_EM = 0.48  # justified CJK text runs at 0.1-0.2 em, a half-width space at ~0.5 em
NARROW_GAP_EM = 0.25
DRAWN_SPACE_EM = 0.15  # a drawn space character in a font with narrow spaces (STSong: 0.21 em)

# Running headers, footers and page numbers live in this share of the page height at the top
# and at the bottom; a line there that repeats (digits ignored) on this share of pages is dropped.
MARGIN_BAND = 0.08
RUNNING_MIN_SHARE = 0.5
PAGE_NUMBER_BAND = 0.15  # a page number may sit a little further in, below or above all else
RUNNING_MIN_PAGES = 3

# A line that spans this share of the page width shows where the text block's right edge is.
FULL_LINE_SHARE = 0.75

# Characters that never start a line (closing punctuation): a line's first word takes them along.
NO_LINE_START = "，。、；：？！,.;:?!%％）)】」』”’"

# A caption is at most this many short lines right above a table.
CAPTION_MAX_LINES = 3
CAPTION_MAX_CHARS = 60

PAGE_NUMBER = re.compile(
    r"""
    ^\s*
    (?P<lead>[-—–－―~·•]+\s*)?          # "— 1 —", "- 2 -"
    (?:第\s*)?
    (?P<number>\d{1,4})
    (?:\s*页)?
    (?:\s*(?:/|共)\s*(?P<total>\d{1,4})\s*页?)?   # "1/24", "第1页 共24页"
    (?:\s*[-—–－―~·•]+)?
    \s*$
    """,
    re.VERBOSE,
)


# A line that starts with an outline number opens a new paragraph even when the line above
# runs to the right margin (a table of contents, a list of items).
# A line that starts with an outline number opens a new paragraph even when the line above
# runs to the right margin (a table of contents, a list of items): schemas/headings.toml [numbering]
OUTLINE_START = re.compile(rf"^\s*(?:{numbering().item})", re.VERBOSE)


class Glyph(NamedTuple):
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    # the width of the line's first word: what would have had to fit at the end of the line above
    # for the text to run on there ("8,989.73" before " 万元", one CJK character, with the closing
    # punctuation after it)
    lead: float = 0.0


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]
    cols: tuple[float, ...]  # left x of each column
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass(frozen=True)
class PageLayout:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]
    tables: tuple[Table, ...]


# --- one page ---------------------------------------------------------------------------------


def arrange_page(
    number: int, width: float, height: float, glyphs: list[Glyph], edges: list[dict]
) -> PageLayout:
    """One page's lines and ruled tables; `edges` are pdfplumber-style edge dicts."""
    glyphs = dedupe(glyphs)
    tables: list[Table] = []
    if glyphs and len(edges) >= TABLE_MIN_EDGES:
        for cells in find_tables(edges):
            rows, cols = _table_rows(cells, glyphs)
            if rows:
                tables.append(Table(rows, cols, *_bbox(cells)))
    boxes = [t.bbox for t in tables]
    loose = [g for g in glyphs if not any(_inside(g, box) for box in boxes)]
    return PageLayout(number, width, height, tuple(_lines(loose)), tuple(tables))


def turn(
    glyphs: list[Glyph], edges: list[dict], width: float, height: float, quarters: int
) -> tuple[list[Glyph], list[dict], float, float]:
    """The page turned clockwise by `quarters` x 90 degrees, so that text running up the page
    (1), upside down (2) or down the page (3) reads left to right; boxes stay top-down."""
    quarters %= 4
    if quarters == 0:
        return glyphs, edges, width, height

    def box(x0: float, x1: float, top: float, bottom: float) -> tuple[float, float, float, float]:
        if quarters == 1:
            return height - bottom, height - top, x0, x1
        if quarters == 2:
            return width - x1, width - x0, height - bottom, height - top
        return top, bottom, width - x1, width - x0

    turned = [Glyph(g.text, *box(g.x0, g.x1, g.top, g.bottom), g.size) for g in glyphs]
    out_edges = []
    for e in edges:
        x0, x1, top, bottom = box(e["x0"], e["x1"], e["top"], e["bottom"])
        vertical = (e["orientation"] == "v") == (quarters == 2)
        out_edges.append(
            {**e, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
             "orientation": "v" if vertical else "h", "width": x1 - x0, "height": bottom - top}
        )
    if quarters == 2:
        return turned, out_edges, width, height
    return turned, out_edges, height, width


def unmapped(page: PageLayout) -> int:
    """Characters without a Unicode mapping (U+FFFD) on the page."""
    texts = [ln.text for ln in page.lines] + [c for t in page.tables for r in t.rows for c in r]
    return sum(t.count("\ufffd") for t in texts)


def blocks(pages: list[PageLayout], slack_em: float = 1.5) -> list[Para | Grid]:
    """Paragraphs and grids of the pages in reading order, running headers/footers dropped."""
    return _blocks(_drop_running_lines(pages), slack_em)


def find_tables(edges: list[dict]) -> list[list[tuple]]:
    """pdfplumber's `lines` table finder (its default settings) run on PDFium's rulings."""
    from pdfplumber import table as pt
    from pdfplumber.utils import filter_edges

    s = pt.TableSettings.resolve(None)
    # only rulings: pdfminer gives a curve's or a slanted line's segments no orientation, and
    # pdfplumber's merge_edges fails on them (KeyError: None); its own table finder keeps h and v
    edges = [e for e in edges if e.get("orientation") in ("h", "v")]
    edges = filter_edges(edges, min_length=s.edge_min_length_prefilter)
    edges = pt.merge_edges(
        edges,
        snap_x_tolerance=s.snap_x_tolerance,
        snap_y_tolerance=s.snap_y_tolerance,
        join_x_tolerance=s.join_x_tolerance,
        join_y_tolerance=s.join_y_tolerance,
    )
    edges = filter_edges(edges, min_length=s.edge_min_length)
    points = pt.edges_to_intersections(edges, s.intersection_x_tolerance, s.intersection_y_tolerance)
    cells = pt.intersections_to_cells(points)
    return [group for group in pt.cells_to_tables(cells) if len(group) > 1]


def _bbox(cells) -> tuple[float, float, float, float]:
    return (
        min(c[0] for c in cells),
        min(c[1] for c in cells),
        max(c[2] for c in cells),
        max(c[3] for c in cells),
    )


def _inside(g: Glyph, box) -> bool:
    x0, top, x1, bottom = box
    cx = (g.x0 + g.x1) / 2
    return x0 <= cx <= x1 and top <= g.mid <= bottom


def _table_rows(cells: list[tuple], glyphs: list[Glyph]) -> tuple[tuple, tuple[float, ...]]:
    """Cell text from the glyphs that *start* in each cell.

    pdfplumber gives a glyph to the cell holding its centre; a glyph that overflows a narrow
    cell (and is clipped in print) then lands in the neighbour cell. Anchoring on the glyph's
    left part keeps the text in the cell where it is printed.
    """
    from pdfplumber.table import Table as PlumberTable

    grid = [list(row.cells) for row in PlumberTable(None, cells).rows]
    if not grid:
        return (), ()
    n_cols = max(len(r) for r in grid)
    grid = [r + [None] * (n_cols - len(r)) for r in grid]
    keep = [j for j in range(n_cols) if any(r[j] is not None for r in grid)]
    grid = [[r[j] for j in keep] for r in grid if any(r[j] is not None for j in keep)]
    cols = tuple(min(r[j][0] for r in grid if r[j]) for j in range(len(keep)))
    cells = [(bbox, i, j) for i, r in enumerate(grid) for j, bbox in enumerate(r) if bbox]
    # horizontal bands between consecutive cell edges, each with the cells covering it
    ys = sorted({c[0][1] for c in cells} | {c[0][3] for c in cells})
    bands = [[c for c in cells if c[0][1] <= y0 and c[0][3] >= y1] for y0, y1 in zip(ys, ys[1:])]
    x0s, tops, x1s, bottoms = _bbox([c[0] for c in cells])
    bucket: dict[tuple[int, int], list[Glyph]] = {}
    for g in glyphs:
        mid = g.mid
        if not (tops <= mid <= bottoms):
            continue
        anchor = g.x0 + 0.05 * (g.x1 - g.x0)  # just inside the glyph's left edge
        band = min(max(bisect.bisect_right(ys, mid) - 1, 0), len(bands) - 1)
        for (x0, top, x1, bottom), i, j in bands[band]:
            if x0 <= anchor < x1 and top <= mid <= bottom:
                bucket.setdefault((i, j), []).append(g)
                break
    rows = []
    for i, r in enumerate(grid):
        rows.append(
            tuple(
                _join_lines([ln.text for ln in _lines(bucket.get((i, j), []))]) if bbox else ""
                for j, bbox in enumerate(r)
            )
        )
    return _trim(rows), cols


def _trim(rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """No rows at all when no cell has text, or all text sits in one column (a framed list, a
    boxed table of contents): such a frame is read as running text."""
    filled = {j for r in rows for j, cell in enumerate(r) if cell}
    return tuple(rows) if len(filled) >= 2 else ()


def _drop_empty_columns(block: Para | Grid) -> Para | Grid:
    """Columns without text in any row (after continued parts are joined) are ruling artefacts."""
    if not isinstance(block, Grid):
        return block
    keep = [j for j in range(len(block.rows[0])) if any(r[j] for r in block.rows)]
    if len(keep) == len(block.rows[0]):
        return block
    rows = tuple(tuple(r[j] for j in keep) for r in block.rows)
    return Grid(rows, page=block.page, caption=block.caption, row_pages=block.row_pages)


# --- glyphs to lines ------------------------------------------------------------------------


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def dedupe(glyphs: list[Glyph]) -> list[Glyph]:
    """Drop fake-bold doubles: the same character drawn again within 1 pt."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for g in glyphs:
        key = (g.text, round(g.x0), round(g.top))
        if key in seen or any(
            (g.text, round(g.x0) + dx, round(g.top) + dy) in seen
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
        ):
            continue
        seen.add(key)
        out.append(g)
    return out


def _lines(glyphs: list[Glyph]) -> list[Line]:
    rows: list[list[Glyph]] = []
    mid_sum = big = 0.0  # running sum of the current row's centres, its largest glyph
    for g in sorted(glyphs, key=lambda g: (g.mid, g.x0)):
        if rows:
            tol = max(1.5, 0.4 * min(g.size, big))
            if abs(g.mid - mid_sum / len(rows[-1])) <= tol:
                rows[-1].append(g)
                mid_sum += g.mid
                big = max(big, g.size)
                continue
        rows.append([g])
        mid_sum, big = g.mid, g.size
    lines = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        text = _line_text(row)
        if not text:
            continue
        ink = [g for g in row if not g.text.isspace()]
        lines.append(
            Line(
                text,
                min(g.x0 for g in ink),
                max(g.x1 for g in ink),
                min(g.top for g in ink),
                max(g.bottom for g in ink),
                Counter(round(g.size, 1) for g in ink).most_common(1)[0][0],
                _lead(ink),
            )
        )
    return lines


def _lead(ink: list[Glyph]) -> float:
    """The width of the first word of a line's (ink) glyphs: one wide character or a run of narrow
    ones without a gap (a figure, a Latin word), and the closing punctuation right after it."""
    first = ink[0]
    end = first.x1
    word = not _wide(first.text[0])
    for prev, g in zip(ink, ink[1:]):
        ch = g.text[0]
        if ch not in NO_LINE_START and (not word or _wide(ch) or g.x0 - prev.x1 > NARROW_GAP_EM * (g.size or 1.0)):
            break
        end = g.x1
    return end - first.x0


def _line_text(row: list[Glyph]) -> str:
    """Characters of one line, with a space where the page shows a gap: between two wide
    (CJK) characters from half an em; between others from a quarter em, or from a narrow
    word space when the file draws a space character there."""
    parts: list[str] = []
    prev: Glyph | None = None
    spaced = False  # a space character was drawn since `prev`
    for g in row:
        if g.text.isspace():
            spaced = True
            continue
        if prev is not None:
            gap = g.x0 - prev.x1
            em = min(g.size, prev.size) or 1.0
            if _wide(prev.text[-1]) and _wide(g.text[0]):
                need = WIDE_GAP_EM
            else:
                need = DRAWN_SPACE_EM if spaced else NARROW_GAP_EM
            if gap > need * em:
                parts.append(" ")
        parts.append(g.text)
        prev = g
        spaced = False
    return "".join(parts)


def _join_lines(texts: list[str]) -> str:
    """Unwrap lines: a space at a break only between two Latin letters ("annual" / "report");
    Chinese and figures split across lines ("127.43" / "万元") are joined directly."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if out and _letter(out[-1]) and _letter(t[0]):
            out += " "
        out += t
    return out


def _letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


# --- pages to blocks ---------------------------------------------------------------------------


def _margin(line: Line, page: PageLayout, share: float) -> bool:
    band = share * page.height
    return line.bottom <= band or line.top >= page.height - band


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _drop_running_lines(pages: list[PageLayout]) -> list[PageLayout]:
    """Drop page numbers and running headers/footers.

    A page number is a number-only line above or below everything else on its page, within
    `PAGE_NUMBER_BAND` of the edge; a running header/footer is a line in the `MARGIN_BAND` that
    repeats (digits ignored) on many pages.
    """
    counts: Counter[str] = Counter()
    for p in pages:
        counts.update({_running_key(ln.text) for ln in p.lines if _margin(ln, p, MARGIN_BAND)})
    with_text = sum(1 for p in pages if p.lines or p.tables)
    floor = max(RUNNING_MIN_PAGES, RUNNING_MIN_SHARE * with_text)
    out = []
    for p in pages:
        items = [(x.top, x.bottom) for x in (*p.lines, *p.tables)]

        def page_number(ln: Line) -> bool:
            others = [(t, b) for t, b in items if (t, b) != (ln.top, ln.bottom)]
            outermost = all(b <= ln.top + 1 for _, b in others) or all(
                t >= ln.bottom - 1 for t, _ in others
            )
            return bool(
                outermost and _margin(ln, p, PAGE_NUMBER_BAND) and PAGE_NUMBER.match(ln.text)
            )

        def running(ln: Line) -> bool:
            return _margin(ln, p, MARGIN_BAND) and counts[_running_key(ln.text)] >= floor

        kept = tuple(ln for ln in p.lines if not (page_number(ln) or running(ln)))
        out.append(PageLayout(p.number, p.width, p.height, kept, p.tables))
    return out


def _blocks(pages: list[PageLayout], slack_em: float) -> list[Para | Grid]:
    flow = _Flow(_right_margins(pages), slack_em)
    for p in pages:
        flow.start_page(p)
        items: list[tuple[float, Line | Table]] = [(ln.top, ln) for ln in p.lines]
        items += [(t.top, t) for t in p.tables]
        items.sort(key=lambda x: x[0])
        pending: list[Line] = []  # short lines that may turn out to be a table's caption
        for _, item in items:
            if isinstance(item, Table):
                caption = _caption(pending, item)
                for ln in pending[: len(pending) - len(caption)]:
                    flow.line(ln)
                pending = []
                flow.table(item, _caption_text(caption))
            elif _caption_candidate(item):
                pending.append(item)
            else:
                for ln in pending:
                    flow.line(ln)
                pending = []
                flow.line(item)
        for ln in pending:
            flow.line(ln)
        flow.end_page()
    flow.flush()
    return [_drop_empty_columns(b) for b in flow.blocks]


class _Flow:
    """Lines and tables in reading order -> paragraphs and grids."""

    def __init__(self, margins: dict[int, float], slack_em: float):
        self.margins = margins  # page width -> right margin of pages of that width
        self.slack_em = slack_em  # how close to that margin a line that runs on ends
        self.blocks: list[Para | Grid] = []
        self.para: list[Line] = []
        self.para_page = 0
        self.page: PageLayout | None = None
        self.left = 0.0
        self.right = 0.0
        self.leading = 0.0  # the page's usual gap between lines
        self.first_on_page = True
        self.runs_over = False  # the open paragraph reaches the end of the previous page
        self.last_grid_page = 0  # the page where the last block, a grid, ends
        self.last_cols: tuple[float, ...] = ()  # left x of that grid's columns

    def start_page(self, p: PageLayout) -> None:
        self.page = p
        self.left = min((ln.x0 for ln in p.lines), default=0.0)
        self.right = _page_right(p) or self.margins.get(round(p.width), float("inf"))
        self.first_on_page = True
        gaps = sorted(b.top - a.bottom for a, b in zip(p.lines, p.lines[1:]) if b.top > a.bottom)
        self.leading = gaps[len(gaps) // 2] if gaps else 0.0

    def end_page(self) -> None:
        self.runs_over = bool(self.para) and _runs_on(self.para[-1], self.right, self.slack_em)
        if not self.runs_over:
            self.flush()

    def flush(self) -> None:
        if self.para:
            text = _join_lines([ln.text for ln in self.para])
            self.blocks.append(Para(text, page=self.para_page))
        self.para = []

    def line(self, ln: Line) -> None:
        if self.first_on_page and self.para:
            if not (self.runs_over and not _indented(ln, self.left) and not OUTLINE_START.match(ln.text)):
                self.flush()  # else: a paragraph running over the page break
        elif self.para:
            prev = self.para[-1]
            if (
                _indented(ln, self.left)
                or OUTLINE_START.match(ln.text)
                or not (_runs_on(prev, self.right, self.slack_em) or _pushed_on(prev, ln, self.right))
                or ln.top - prev.bottom > max(1.0 * ln.size, 1.5 * self.leading)
                or abs(ln.size - prev.size) > 1.0
            ):
                self.flush()
        if not self.para:
            self.para_page = self.page.number
        self.para.append(ln)
        self.first_on_page = False

    def table(self, t: Table, caption: str | None) -> None:
        """A table; one that opens a page and continues the table ending the previous page
        (its columns among the first part's columns, no caption or the same caption) is joined
        to it, its repeated header rows dropped."""
        self.flush()
        last = self.blocks[-1] if self.blocks else None
        placed = None
        if (
            self.first_on_page
            and isinstance(last, Grid)
            and self.last_grid_page == self.page.number - 1
            and caption in (None, last.caption)
        ):
            placed = _place_columns(t.cols, self.last_cols)
        if placed is not None:
            width = len(self.last_cols)
            rows = []
            for r in t.rows:
                row = [""] * width
                for j, cell in zip(placed, r):
                    row[j] = cell
                rows.append(tuple(row))
            repeated = 0  # header rows repeated at the top of the continuation (at most all of last's)
            while repeated < min(len(rows) - 1, len(last.rows)) and rows[repeated] == last.rows[repeated]:
                repeated += 1
            pages = last.row_pages or (last.page,) * len(last.rows)
            self.blocks[-1] = Grid(
                last.rows + tuple(rows[repeated:]), page=last.page, caption=last.caption,
                row_pages=pages + (self.page.number,) * (len(rows) - repeated),
            )
        else:
            self.blocks.append(Grid(t.rows, page=self.page.number, caption=caption))
            self.last_cols = t.cols
        self.last_grid_page = self.page.number
        self.first_on_page = False


def _place_columns(cols: tuple[float, ...], first: tuple[float, ...]) -> list[int] | None:
    """Index of each continuation column in the first part's columns (same left x within 2 pt),
    or None when some column has no counterpart."""
    placed = []
    for x in cols:
        match = [k for k, y in enumerate(first) if abs(x - y) <= 2.0]
        if not match:
            return None
        placed.append(match[0])
    return placed


def _page_right(p: PageLayout) -> float | None:
    """The right edge of the page's text: the median end of the lines that reach near the longest
    when at least two do (one line squeezed past the margin does not move it: 泉州/福州 pages where
    a line overhangs by an em left the lines at the margin short of it, and a word split over two
    lines was two paragraphs), the longest when it runs across most of the page; one longer line
    among short ones is no margin (a list, a title)."""
    right = max((ln.x1 for ln in p.lines), default=0.0)
    reaching = sorted(ln.x1 for ln in p.lines if ln.x1 >= right - 1.5 * ln.size)
    if len(reaching) >= 2:
        return reaching[(len(reaching) - 1) // 2]
    return right if right >= FULL_LINE_SHARE * p.width else None


def _right_margins(pages: list[PageLayout]) -> dict[int, float]:
    """For each page width, the median right edge of the pages of that width that show one."""
    by_width: dict[int, list[float]] = {}
    for p in pages:
        right = _page_right(p)
        if right is not None:
            by_width.setdefault(round(p.width), []).append(right)
    return {w: sorted(r)[len(r) // 2] for w, r in by_width.items()}


def _indented(ln: Line, left: float) -> bool:
    return ln.x0 > left + 1.0 * ln.size


def _runs_on(ln: Line, right: float, slack_em: float = 1.5) -> bool:
    """The line reaches the right margin and does not end a sentence: the paragraph goes on."""
    return ln.x1 >= right - slack_em * ln.size and ln.text[-1] not in "。：:；;！？!?"


def _pushed_on(prev: Line, ln: Line, right: float) -> bool:
    """The next line's first word would not have fitted at the end of `prev` (a figure that cannot
    be broken leaves the line above short: 杭州 交通 2026 p15 "…财政拨款预算" / "8,989.73 万元，…"), and
    `prev` ends no sentence: the paragraph goes on."""
    return prev.x1 + ln.lead > right and prev.text[-1] not in "。：:；;！？!?"


def _caption_text(lines: list[Line]) -> str | None:
    """Caption lines (a title, a unit line) joined with a space."""
    return " ".join(ln.text for ln in lines) or None


def _caption_candidate(ln: Line) -> bool:
    return len(ln.text) <= CAPTION_MAX_CHARS and not ln.text.endswith(("。", "；", ";"))


def _caption(pending: list[Line], table: Table) -> list[Line]:
    """The short lines right above the table (each within two line heights of the next)."""
    taken: list[Line] = []
    below = table.top
    for ln in reversed(pending):
        if len(taken) == CAPTION_MAX_LINES or below - ln.bottom > 2.0 * ln.size:
            break
        taken.insert(0, ln)
        below = ln.top
    return taken

