"""Functional classification (支出功能分类) lines: code, level (类/款/项), name and amount.

Three ways a report states them (vocabulary in functional.toml):
- prose with codes: "一般公共服务（201类）政府办公厅（室）及相关机构事务（03款）行政运行（01项）:
  支出决算为455.65万元" -> code 2010301, level 项, name 行政运行 (the codes of the levels above are
  joined; a line without every code above it has code null);
- prose without codes: "社会保障和就业（类）支出25.87万元" (a bracketed level word),
  "其中行政运行事务项决算数为551.54万元" (a bare level word ending the label), and
  "一般公共服务支出794.82万元" (a national 类 name, functional.toml `lei`): level and name, code
  null unless the same document prints the code for that name;
- rows of the standard annexed tables, as the table model (pipeline/table_model.py) reads them: a
  row's code (201 / 20103 / 2010301, the length gives the level; 类|款|项 split over columns), its
  name, and the amount of the first column whose role is the total or a measure (合计, 决算数), or
  the first figure after the name. This module reads no header itself.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

import regex

from extractors import money, units
from pipeline import table_model as tm
from pipeline.records import Amount, Cell, Text
from schemas.vocab import numbering, read_toml


@dataclass(frozen=True)
class FunctionalLine:
    code: str | None
    level: str  # 类, 款, 项
    name: str
    amount_wan: Decimal
    measure: str | None
    start: int
    end: int
    page: int | None
    parent_code: str | None = None  # code of the line above (类 of a 款, 款 of a 项), where known
    parent_name: str | None = None  # name of the level above as the line states it
    lei_name: str | None = None  # name of the 类 the line belongs to, where stated
    origin: str = "prose"  # "prose" or "table"
    half_ulp: Decimal = Decimal("0.005")
    table_id: int | None = None  # the table the line is a row of

    def row(self, doc_id: str) -> dict:
        return {
            "doc_id": doc_id, "code": self.code, "level": self.level, "name": self.name,
            "amount_wan": self.amount_wan, "measure": self.measure, "start": self.start, "end": self.end,
            "page": self.page,
        }


@dataclass(frozen=True)
class _Vocab:
    digits: dict[str, int]
    levels: tuple[str, ...]
    segment: regex.Pattern
    bare: regex.Pattern
    lei: frozenset[str]
    total_labels: frozenset[str]
    first_digit: str
    link: regex.Pattern


# Characters that end a segment's name (and are no part of its bracket): see `vocab().segment`.
_NAME_STOPS = ":：，,。；;、.．"
# The brackets that close a segment ("（03款）", "(03款)").
_CLOSERS = "）)"


def _alt(words) -> str:
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def vocab() -> _Vocab:
    data = read_toml("extractors", "functional.toml")
    not_before = "".join(sorted(set(data["prose"]["not_before_level"])))
    levels = data["code"]["levels"]
    # Punctuation that ends a name. A segment can hold one only inside a short bracket of its name
    # ("（室）"), so such a character that does not follow a "（" closely is outside every segment:
    # `_segments` starts its search after the last one (see `_sync`).
    name_char = rf"[^（）()\s\d{regex.escape(_NAME_STOPS)}]"
    segment = regex.compile(
        rf"""
        # A name starts where the search starts or after a character that is not a name character:
        # had a search from the character before failed, one from here would fail too, so this only
        # spares the attempts (the name is lazy: each costs a scan to the next bracket)
        (?:\G|(?<!{name_char}))
        (?P<name>(?:{name_char}|（[^（）\d]{{1,2}}）)+?)   # 政府办公厅（室）及相关机构事务
        \s*[（(]\s*
        (?P<code>\d{{2,7}})?\s*                                           # 201 / 03 / 01, or none
        (?P<level>{_alt(levels)})
        \s*[）)]
        """,
        regex.VERBOSE,
    )
    bare = regex.compile(
        rf"""
        ^(?P<name>\p{{Han}}{{2,24}}?[^{regex.escape(not_before)}\P{{Han}}])  # 行政运行事务
        (?P<level>类|款|项)
        (?:{_alt(data["prose"]["after_level"])})?$
        """,
        regex.VERBOSE,
    )
    return _Vocab(
        digits={k: int(v) for k, v in data["code"]["digits"].items()},
        levels=tuple(data["code"]["levels"]),
        segment=segment,
        bare=bare,
        lei=frozenset(data["prose"]["lei"]),
        total_labels=frozenset(data["table"]["total_labels"]),
        first_digit=data["code"]["first_digit"],
        # what may stand between the last segment and its figure
        link=regex.compile(rf"[\s:：]|为|{_alt(data['prose']['after_level'])}"),
    )


def level_of_code(code: str) -> str | None:
    """201 -> 类, 20103 -> 款, 2010301 -> 项 (table_model.LEVELS, from functional.toml [code])."""
    return tm.LEVELS.get(len(code))


def parent_of_code(code: str | None) -> str | None:
    level = tm.LEVELS.get(len(code)) if code else None
    return code[: -vocab().digits[level]] if level and level != vocab().levels[0] else None


# what a name starts with that is no part of it: numbering (schemas/headings.toml), stray digits and
# stops, 其中
_LEAD = regex.compile(rf"^(?:\s|{numbering().item}|[\d.．、，,:：]|其中)*", regex.VERBOSE)


def _clean_name(name: str) -> str:
    return _LEAD.sub("", name).strip()


# --- prose ---------------------------------------------------------------------------------------


def _segments(text: str, lo: int, hi: int, close: int) -> list[regex.Match]:
    """The last run of adjacent bracketed segments in text[lo:hi], when nothing but linking words
    stands between it and hi; `close` is the last closing bracket in text[lo:hi] (-1: none).

    Searching the whole window is slow (its pattern starts with a character class), so the window
    is narrowed first, without changing the answer: the last segment must end at the window's last
    closing bracket (a later one would stand between it and the figure) behind a level word, and
    the search may start after the last name stop before it, which no segment spans."""
    v = vocab()
    if close < 0:
        return []
    k = close - 1
    while k >= lo and text[k].isspace():  # str whitespace covers the pattern's \s
        k -= 1
    if k < lo or text[k] not in v.levels or v.link.sub("", text[close + 1:hi]):
        return []
    segs = list(v.segment.finditer(text, _sync(text, lo, k), hi))
    if not segs:
        return []
    run = [segs[-1]]
    for m in reversed(segs[:-1]):
        between = text[m.end():run[0].start("name")]
        if between.strip():
            break
        run.insert(0, m)
    # nothing but linking words may stand between the last segment and the figure
    rest = v.link.sub("", text[run[-1].end():hi])
    return run if not rest else []


def _sync(text: str, lo: int, hi: int) -> int:
    """Where a search for segments ending by `hi` may start so as to find the same segments near hi
    as a search from lo: just after the last name stop in text[lo:hi] that is not inside a short
    bracket ("（，）"). No segment contains such a character, so the matches after it do not depend
    on what comes before."""
    end = hi
    while True:
        p = max(text.rfind(c, lo, end) for c in _NAME_STOPS)
        if p < 0:
            return lo
        if "（" not in text[max(p - 2, 0):p]:
            return p + 1
        end = p


def _line_from_segments(run: list[regex.Match], a: Amount, measure: str | None) -> FunctionalLine | None:
    got = _segments_line(tuple((m["name"], m["code"], m["level"]) for m in run))
    if got is None:
        return None
    code, level, name, parent_name, lei_name = got
    return FunctionalLine(
        code=code,
        level=level,
        name=name,
        amount_wan=a.amount_wan,
        measure=measure,
        start=a.start,
        end=a.end,
        page=a.page,
        parent_code=parent_of_code(code) if code else None,
        parent_name=parent_name,
        lei_name=lei_name,
        half_ulp=units.half_last_digit(a.value, a.unit),
    )


@lru_cache(maxsize=4096)
def _segments_line(run: tuple[tuple[str, str | None, str], ...]):
    """(code, level, name, parent name, 类 name) of a run of (name, code, level) segments."""
    v = vocab()
    code: str | None = ""
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for name, c, lv in run:
        names[lv] = _clean_name(name)
        if c and len(c) in (5, 7) and level_of_code(c) == lv:
            code = c
        elif c and code is not None and len(c) == v.digits[lv] and len(code) + len(c) == sum(
            v.digits[x] for x in v.levels[: v.levels.index(lv) + 1]
        ):
            code += c
        else:
            code = None
        if code:
            codes[lv] = code
    last = run[-1][2]
    if not names.get(last):
        return None
    idx = v.levels.index(last)
    parent_level = v.levels[idx - 1] if idx else None
    return code or None, last, names[last], names.get(parent_level) if parent_level else None, names.get("类")


def _line_from_label(a: Amount, measure: str | None) -> FunctionalLine | None:
    got = _label_line(a.label)
    if got is None:
        return None
    level, name, lei_name = got
    return FunctionalLine(None, level, name, a.amount_wan, measure, a.start, a.end, a.page,
                          lei_name=lei_name, half_ulp=units.half_last_digit(a.value, a.unit))


@lru_cache(maxsize=8192)
def _label_line(label: str) -> tuple[str, str, str | None] | None:
    """(level, name, 类 name) of a figure's label that names a line without codes: a national 类
    ("一般公共服务支出") or a name ending in a bare level word ("行政运行事务项"). Labels repeat."""
    v = vocab()
    label = _clean_name(label)
    base = label[:-2] if label.endswith("支出") else label
    if base in v.lei:
        return "类", base, base
    m = v.bare.match(label)
    if m:
        return m["level"], m["name"], None
    return None


def prose_to_lines(text: str, amounts: Sequence[Amount], default_measure: str | None) -> list[FunctionalLine]:
    closers = _closers(text)
    numeric = tm.FIGURE
    out = []
    prev_end = 0
    for a in amounts:
        if a.measure == "change" or a.measure == "prior_year":
            prev_end = a.end
            continue
        if a.table_id is not None and numeric.match(a.value_text):
            continue
        lo = max(prev_end, a.start - 200)
        i = bisect_left(closers, a.start) - 1
        run = _segments(text, lo, a.start, closers[i] if i >= 0 and closers[i] >= lo else -1)
        measure = a.measure or default_measure
        line = _line_from_segments(run, a, measure) if run else _line_from_label(a, measure)
        if line:
            out.append(line)
        prev_end = a.end
    return out


def _closers(text: str) -> list[int]:
    """Offsets of the closing brackets in text, ascending (one pass instead of a search per figure)."""
    found = []
    for c in _CLOSERS:
        i = text.find(c)
        while i >= 0:
            found.append(i)
            i = text.find(c, i + 1)
    found.sort()
    return found


# --- tables --------------------------------------------------------------------------------------


def _is_functional_table(table: tm.Table) -> bool:
    """A table of the table model whose rows carry functional codes (201 / 20103 / 2010301; an
    economic 301 or a revenue 1xx is not functional)."""
    first = vocab().first_digit
    return any(r.code and r.code.startswith(first) for r in table.rows)


def _amount_col(table: tm.Table, label: int) -> int | None:
    """The column holding the amount of a row labelled in column `label`: the first column right of
    it whose role (from the table model) is the total or a measure (合计, 决算数, 预算数), else None
    (the first figure after the label is taken)."""
    rs = tm.roles()
    for c in table.columns:
        if c.index > label and (c.role == "total" or c.role in rs.measures):
            return c.index
    return None


@dataclass(frozen=True)
class TableTotal:
    """The 合计 row of a functional table: what its 类 lines must sum to."""

    table_id: int
    amount_wan: Decimal
    measure: str | None
    start: int
    end: int
    half_ulp: Decimal


def _cell_amount(table: tm.Table, row: tm.Row, cell: Cell, by_start: dict[int, Amount], t_unit: str | None):
    """(万元, measure, half of the last digit) of a numeric cell, or None when its unit is unknown."""
    a = by_start.get(cell.start)
    if a is not None:
        return a.amount_wan, a.measure, units.half_last_digit(a.value, a.unit)
    value = tm.figure(cell.text)
    unit = tm.cell_unit(table, row, cell.col) or t_unit
    if value is None or not unit:
        return None
    return units.to_wan(value, unit), None, units.half_last_digit(value, unit)


def _row_amount(table: tm.Table, row: tm.Row, label: int, by_start: dict[int, Amount], t_unit: str | None):
    """(cell, (万元, measure, half)) of the amount of a row labelled in column `label`: the cell of
    its amount column, else the first figure right of the label."""
    figures = [c for c in row.cells if c.col > label and tm.FIGURE.match(c.text)]
    want = _amount_col(table, label)
    cell = next((c for c in figures if c.col == want), figures[0] if figures else None)
    got = _cell_amount(table, row, cell, by_start, t_unit) if cell else None
    return (cell, got) if got else (None, None)


def tables_to_lines(tables: Sequence[tm.Table], amounts: Sequence[Amount], default_measure: str | None,
                    inferred_units: dict[int, str] | None = None) -> tuple[list[FunctionalLine], list[TableTotal]]:
    """Rows of the standard annexed tables (the table model's rows and columns) with a functional
    code (they start with functional.toml's `first_digit`; 301 工资福利支出 is an economic line),
    and each table's 合计 row."""
    v = vocab()
    # a cell's amount by where it starts (the cell of a continued part keeps its own offsets)
    by_start = {a.start: a for a in amounts if a.table_id is not None}
    inferred_units = inferred_units or {}
    out: list[FunctionalLine] = []
    totals: list[TableTotal] = []
    for t in tables:
        if not _is_functional_table(t):
            continue
        t_unit = t.unit or inferred_units.get(t.table_id)
        names: dict[str, str] = {}
        for r in t.rows:
            if r.code is None:
                # 合计 in the name column, or printed in the code column
                label = next((c for c in r.cells if c.text.strip()), None)
                if label and _clean_name(label.text) in v.total_labels and not totals_of(totals, t.table_id):
                    cell, got = _row_amount(t, r, label.col, by_start, t_unit)
                    if got:
                        totals.append(TableTotal(t.table_id, got[0], got[1] or default_measure, cell.start,
                                                 cell.end, got[2]))
                continue
            if not r.code.startswith(v.first_digit) or not r.name:
                continue
            name = _clean_name(r.name)
            names[r.code] = name
            cell, got = _row_amount(t, r, r.name_col if r.name_col is not None else -1, by_start, t_unit)
            if got is None:
                continue
            wan, measure, half = got
            parent = parent_of_code(r.code)
            out.append(FunctionalLine(
                code=r.code, level=level_of_code(r.code), name=name, amount_wan=wan,
                measure=measure or default_measure, start=cell.start, end=cell.end, page=r.page,
                parent_code=parent, parent_name=names.get(parent) if parent else None,
                lei_name=names.get(r.code[:3]), origin="table", half_ulp=half, table_id=t.table_id,
            ))
    return out, totals


def totals_of(totals: Sequence[TableTotal], table_id: int) -> TableTotal | None:
    return next((t for t in totals if t.table_id == table_id), None)


def _base_name(name: str) -> str:
    """一般公共服务支出 and 一般公共服务 are one 类."""
    return name[:-2] if name.endswith("支出") and len(name) > 2 else name


def fill_codes(lines: Sequence[FunctionalLine]) -> list[FunctionalLine]:
    """A line without a code takes the code the same document prints for that name and level
    ("一般公共服务支出794.82万元" after "一般公共服务（201类）…")."""
    known: dict[tuple[str, str], str] = {}
    for ln in lines:
        if ln.code:
            known.setdefault((ln.level, _base_name(ln.name)), ln.code)
            if ln.lei_name and len(ln.code) >= 3:
                known.setdefault(("类", _base_name(ln.lei_name)), ln.code[:3])
            if ln.parent_name and ln.parent_code:
                level = "款" if ln.level == "项" else "类"
                known.setdefault((level, _base_name(ln.parent_name)), ln.parent_code)
    out = []
    for ln in lines:
        k = (ln.level, _base_name(ln.name))
        if ln.code is None and k in known:
            ln = replace(ln, code=known[k])
        out.append(ln)
    return out


@dataclass(frozen=True)
class Functional:
    lines: tuple[FunctionalLine, ...]
    totals: tuple[TableTotal, ...] = ()


def extract(text: Text, tables: Sequence[tm.Table], amounts: Sequence[Amount], default_measure: str | None,
            inferred_units: dict[int, str] | None = None) -> Functional:
    """All functional lines of a document (prose, and the rows of its tables as the table model
    reads them; codes filled from the document) and the 合计 rows of its functional tables."""
    table_lines, totals = tables_to_lines(tables, amounts, default_measure, inferred_units)
    lines = prose_to_lines(text.text, amounts, default_measure) + table_lines
    lines.sort(key=lambda ln: ln.start)
    return Functional(tuple(fill_codes(lines)), tuple(totals))
