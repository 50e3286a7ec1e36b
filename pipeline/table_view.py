"""table_view: a table block as resolve, staff counts and unit inference read it: its grid, title,
the unit line above it, each cell's headers (read from pipeline/table_model.py, the one place that
builds them), and the evidence text of a cell."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import attrgetter

import regex

from extractors import units
from pipeline import table_model as tm
from pipeline.labels import LabelMatch, clean, is_total_label, match_label, title_scope, vocab
from pipeline.records import Amount, Block, Cell, Text


@dataclass(frozen=True)
class TableView:
    """One table block with the helpers the money extractor uses to find headers."""

    table_id: int
    block: Block
    grid: list[list[Cell]]
    title: str | None = None  # the caption, or the paragraph just above when the caption is a unit line
    unit_line: tuple[str, str] | None = None  # (unit, line): "编制部门：… 单位：元" printed just above

    @cached_property
    def flags(self) -> list[bool]:
        if self.grid is self.block.grid():
            return tm.block_header_flags(self.block)  # money has read them already
        return tm.header_flags(self.grid)

    @cached_property
    def texts(self) -> list[str]:
        """The texts of `block.cells`, in their order (asked by several passes over the table)."""
        return list(map(TEXT, self.block.cells))


    def headers(self, r: int, i: int) -> list[str]:
        return tm.column_headers(self.grid, self.flags, r, i)

    def row_label(self, r: int, i: int) -> str | None:
        return tm.row_label(self.grid[r], i)

    def header_row(self, r: int) -> int | None:
        """The nearest header row above row r."""
        return self._above[r]

    @cached_property
    def _above(self) -> list[int | None]:
        # the nearest header row above each row, in one pass (not a walk up from every cell:
        # long tables made that quadratic)
        out, last = [], None
        for r, flag in enumerate(self.flags):
            out.append(last)
            if flag:
                last = r
        return out

    @cached_property
    def _flagged(self) -> list[int]:
        return [r for r, flag in enumerate(self.flags) if flag]

    @cached_property
    def _spanning(self) -> dict[tuple[int | None, int], list[str]]:
        return {}

    @cached_property
    def _value_cols(self) -> dict[int, set[int]]:
        return {}

    @cached_property
    def _groups(self) -> dict[int, tuple[list[str], list[list[int]]] | None]:
        return {}

    def spanning_headers(self, r: int, i: int) -> list[str]:
        """Header texts over a cell's column, nearest first, taking a merged header from the nearest
        filled cell to its left in each header row above ("预算数" over six columns). Asked up to
        three times a cell (key, measure, blank part), and the same for every row under the same
        header rows: kept per (nearest header row, column), and shared, so callers must not change
        the list."""
        col = self.grid[r][i].col
        key = (self._above[r], col)
        got = self._spanning.get(key)
        if got is None:
            got = self._spanning[key] = self._spanning_headers(key[0], col)
        return got

    def _spanning_headers(self, hb: int | None, col: int) -> list[str]:
        # the header rows over the cell: the block of consecutive header rows ending at hb
        rows = []
        above = hb
        while above is not None and above >= 0 and self.flags[above]:
            rows.append(above)
            above -= 1
        out = []
        for k, above in enumerate(rows):
            left = [c for c in self.grid[above][: col + 1] if c.text]
            if not left:
                continue
            c0 = left[-1].col
            # a merged cell spans to the right only as far as the rows above it do not start a new one
            if c0 < col and any(c.text and c0 < c.col <= col for h in rows[k + 1:] for c in self.grid[h]):
                continue
            out.append(left[-1].text)
        return out

    def group_header(self, r: int, i: int) -> str | None:
        """A group header printed once over several columns (年度收入预算 over 财政拨款 … 收入合计):
        the header row is cut after each total column, and the k-th group label names the k-th run."""
        h = self.header_row(r)
        if h is None or h == 0 or not self.flags[h - 1]:
            return None
        if h not in self._groups:  # (the same for every cell under header row h)
            self._groups[h] = self._group_runs(h)
        if self._groups[h] is None:
            return None
        groups, runs = self._groups[h]
        col = self.grid[r][i].col
        for g, run in zip(groups, runs):
            if col in run:
                return g
        return None

    def _group_runs(self, h: int) -> tuple[list[str], list[list[int]]] | None:
        """(group labels of row h - 1, runs of columns of row h), or None when they do not pair up."""
        sub = [c for c in self.grid[h] if c.text]
        groups = [c.text for c in self.grid[h - 1] if c.text and tm.is_label(c.text)]
        runs, run = [], []
        for c in sub:
            run.append(c.col)
            if any(c.text.endswith(w) for w in vocab().total_words):
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        if len(runs) != len(groups) or len(runs) < 2:
            return None
        return groups, runs

    def total_by_parts(self, r: int, i: int) -> str | None:
        """The key of a total column ("合计") whose sibling columns (back to the previous total
        column) all name parts of one key."""
        import bisect

        col = self.grid[r][i].col
        flagged = self._flagged
        h = next((above for above in reversed(flagged[:bisect.bisect_left(flagged, r)])
                  if col < len(self.grid[above]) and self.grid[above][col].text), None)
        if h is None:
            return None
        row = self.grid[h]
        if not is_total_label(row[col].text):
            return None
        # the parts stand before the total ("… 公务接待费 | 合计") or, when none do, after it
        values = self._value_cols.get(r)
        if values is None:  # (the same for every cell of the row)
            num = tm.FIGURE
            values = self._value_cols[r] = {c.col for c in self.grid[r] if num.match(c.text)}
        for side in (reversed(row[:col]), row[col + 1:]):
            siblings = []
            for c in side:
                if not c.text or c.col not in values:
                    continue  # the row-label column (项目), or a part left blank in this row
                if any(c.text.endswith(w) for w in vocab().total_words):
                    break
                siblings.append(c.text)
            if siblings:
                break
        matches = [m for m in map(match_label, siblings) if m]
        keys = {m.key for m in matches}
        if not siblings or len(matches) != len(siblings):
            return None
        for spec in vocab().keys.values():
            if spec.parts and keys <= set(spec.parts):
                return spec.key
        return None

    def scope(self) -> frozenset[str]:
        """Scope words of the table's title ("政府性基金预算财政拨款支出表"): its figures are of that
        money only."""
        return self._scope

    @cached_property
    def _scope(self) -> frozenset[str]:
        return title_scope(self.title) if self.title else frozenset()

    def title_key(self) -> LabelMatch | None:
        """The key a table's title names ("一般公共预算“三公”经费支出预算表"): its total row is that key."""
        return self._title_key

    @cached_property
    def _title_key(self) -> LabelMatch | None:
        if not self.title:
            return None
        title = tm.TITLE_TAIL.sub("", clean(self.title))
        m = match_label(title)
        if m:
            return m
        for spec in vocab().keys.values():
            if any(title.endswith(t) for t in spec.titles) and not any(
                w in c.text for w in spec.titles_unless for c in self.block.cells
            ):
                return LabelMatch(spec.key, 0, title)
        return None


def _unit_line(text: Text, i: int) -> tuple[str, str] | None:
    """A unit printed on a short line just above a table ("编制部门：某局  单位：元")."""
    for j in range(i - 1, max(-1, i - 4), -1):
        p = text.blocks[j]
        if p.kind != "paragraph":
            return None
        line = text.text[p.start:p.end].strip()
        u = units.header_unit(line) if len(line) <= 80 else None
        if u:
            return u, line
    return None


def table_views(text: Text) -> list[TableView]:
    out = []
    for i, b in enumerate(text.blocks):
        if b.kind == "table":
            out.append(TableView(len(out) + 1, b, b.grid(), tm.title_line(text, i), _unit_line(text, i)))
    return out


def table_context(t: TableView, label: str | None, chain: list[str], cell: Cell, unit_note: str = "") -> str:
    parts = []
    if t.block.caption:
        parts.append(f"表{t.table_id}: {t.block.caption}")
    else:
        parts.append(f"表{t.table_id}")
    if label:
        parts.append(f"行/列: {label}")
    if chain:
        parts.append(f"列: {' / '.join(chain)}")
    parts.append(f"单元格 r{cell.row} c{cell.col}: {cell.text or '(空)'}")
    if unit_note:
        parts.append(unit_note)
    return "; ".join(parts)


def cell_amounts(amounts: Sequence[Amount]) -> dict[int, dict[int, dict[int, Amount]]]:
    """The amounts money read from table cells, by table, row and column (the last one of a cell)."""
    out: dict[int, dict[int, dict[int, Amount]]] = {}
    for a in amounts:
        if a.table_id is not None:
            out.setdefault(a.table_id, {}).setdefault(a.row, {})[a.col] = a
    return out


@lru_cache(maxsize=1 << 16)
def figure_match(text: str) -> regex.Match | None:
    """money's numeric-cell match of a cell text (cell texts repeat: 0.00, 合计, 1 2 3 …)."""
    return tm.FIGURE.match(text)
TEXT = attrgetter("text")
