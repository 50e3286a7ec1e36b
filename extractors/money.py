"""Money extractor: every figure given in 元/百元/千元/万元/亿元, in prose and in table cells.

Prose: a number followed by a unit ("1,240.56万元", "127.43 万元"). The label is the text between
the nearest clause delimiter (or the previous figure) and the number, stripped of linking words.
Tables: a numeric cell whose unit comes from its own text, the row's unit cell (度量单位), its
column header ("年度预算数（万元）", "预算额（百元）") or the table's caption ("单位：万元").
Vocabulary lives in money.toml; units in units.toml.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

import regex

from extractors import units
from pipeline import table_model as tm
from pipeline.records import Block, Cell
from schemas.vocab import read_toml



class Figure(NamedTuple):
    """A monetary figure found in a document, before ids and sections are attached: what
    text_to_figures and table_to_figures return. The pipeline itself takes the same figures as
    the fields of their Amount (prose_amounts, table_amounts), so that each is built once."""

    label: str
    value_text: str
    value: Decimal
    unit: str
    share_pct: Decimal | None
    change_pct: Decimal | None
    year: int | None
    measure: str | None
    block_id: int
    row: int | None
    col: int | None
    start: int
    end: int
    context: str


@dataclass(frozen=True)
class _Vocab:
    money: regex.Pattern
    unit_cell: regex.Pattern
    year: regex.Pattern
    share: regex.Pattern
    change: regex.Pattern
    change_sign: dict[str, int]
    delimiters: str
    trailing: tuple[str, ...]
    leading: tuple[str, ...]
    generic: frozenset[str]
    max_chars: int
    max_lookback: int
    prefix_measures: tuple[tuple[tuple[str, ...], str], ...]
    label_measures: tuple[tuple[tuple[str, ...], str], ...]
    comparison: tuple[str, ...]
    measure_ignore: tuple[str, ...]
    not_money_headers: tuple[str, ...]
    value_headers: tuple[str, ...]
    # --- derived from the above, for speed ---
    # the last character of every unit name ("元") -> the names ending in it, longest first: every
    # `money` match ends in one, so a paragraph without any is not searched (extract)
    unit_tails: dict[str, tuple[str, ...]]
    # The same patterns for the standard engine, `re`: a match costs it half, and a pattern that
    # starts with a character class is scanned in C (the `regex` module crawls). The engines agree
    # on \d and \s except on the characters `exotic` finds (digits newer than Python's Unicode
    # tables, \x1c-\x1f), so text with one is left to `regex`; tests/test_money.py checks both.
    exotic: re.Pattern
    money_scan: re.Pattern  # `money`, its lookbehind moved behind the first digit
    share_scan: re.Pattern
    change_scan: re.Pattern
    year_digits: re.Pattern  # the digits of `year`, fullmatched where they end before a 年
    year_back: regex.Pattern  # `year`, matched backwards from a 年
    # .match(text, lo, pos): the last of `delimiters` in text[lo:pos], its .end() where the clause
    # starts (greedy up to it, then back)
    clause_break: re.Pattern
    sentence_break: re.Pattern
    clause_end: re.Pattern  # .search(text, pos, hi): the first of `delimiters` from pos on


# a year: "2024年", "2023 年"; it ends with the word
_YEAR_WORD = "年"
_YEAR = rf"(?<!\d)(?P<year>(?:19|20)\d{{2}})\s*{_YEAR_WORD}"
_YEAR_DIGITS = r"(?<!\d)(?:19|20)\d{2}"  # the year of _YEAR, without the 年 and the spaces before it
# where a sentence starts: its year and its context are taken from there on
_SENTENCE_ENDS = "。；;！？!?\n"


def _alt(words) -> str:
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def vocab() -> _Vocab:
    data = read_toml("extractors", "money.toml")
    unit_alt = _alt(units.unit_names())
    number = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
    number_chars = r"[\d.,]"  # every character `number` (and the lookbehind below) can see
    money = regex.compile(
        rf"""
        (?<!{number_chars})          # not the tail of a longer number
        (?P<number>{number})
        (?P<gap>[ ]{{0,2}})        # converters leave a space between figure and unit
        (?P<unit>{unit_alt})
        """,
        regex.VERBOSE,
    )
    unit_cell = regex.compile(rf"^(?P<unit>{unit_alt})(?:\s*/\s*\S{{1,4}})?$")  # 元, 万元, 元/户
    change = data["pct"]["change"]
    change_sign = {w: int(c["sign"]) for c in change for w in c["words"]}
    pct = r"(?P<pct>\d+(?:\.\d+)?)\s*%"
    # used with .match(text, pos): anchored where the figure ends, without slicing the rest off
    share = rf"\s*[，,]?\s*(?:{_alt(data['pct']['share'])})[^，,。；;\d%]{{0,14}}?{pct}"
    change_re = rf"\s*[，,]?\s*(?:同比|比上年|较上年)?\s*(?P<dir>{_alt(change_sign)})\s*了?\s*{pct}"
    lab = data["label"]
    meas = data["measure"]
    return _Vocab(
        money=money,
        unit_cell=unit_cell,
        year=regex.compile(_YEAR),
        year_back=regex.compile(_YEAR, regex.REVERSE),
        share=regex.compile(share),
        change=regex.compile(change_re),
        exotic=re.compile("[\x1c-\x1f\U00010000-\U0010ffff]"),
        share_scan=re.compile(share),
        change_scan=re.compile(change_re),
        year_digits=re.compile(_YEAR_DIGITS),
        change_sign=change_sign,
        delimiters=lab["delimiters"],
        trailing=tuple(sorted(lab["trailing"], key=len, reverse=True)),
        leading=tuple(sorted(lab["leading"], key=len, reverse=True)),
        generic=frozenset(lab["generic"]),
        max_chars=int(lab["max_chars"]),
        max_lookback=int(lab["max_lookback"]),
        prefix_measures=tuple((tuple(r["words"]), r["measure"]) for r in meas["prefix"]),
        label_measures=tuple((tuple(r["words"]), r["measure"]) for r in meas["label"]),
        comparison=tuple(meas["comparison"]),
        measure_ignore=tuple(sorted(meas["ignore"], key=len, reverse=True)),
        not_money_headers=tuple(data["table"]["not_money_headers"]),
        value_headers=tuple(data["table"]["value_headers"]),
        unit_tails={t: tuple(n for n in units.unit_names() if n.endswith(t)) for t in {n[-1] for n in units.unit_names()}},
        # `number` is `\d{1,3}…|\d+…`: its first digit taken out of both branches, the rest atomic
        # (what follows a number is no number character, so giving one back never helps: without
        # that, each digit of "2024年" was retried against every unit)
        money_scan=re.compile(
            rf"(?P<number>\d(?<!{number_chars}\d)(?>\d{{0,2}}(?:,\d{{3}})+(?:\.\d+)?|\d*(?:\.\d+)?))"
            rf"(?P<gap>[ ]{{0,2}}+)(?P<unit>{unit_alt})"
        ),
        clause_break=_last_of(lab["delimiters"]),
        sentence_break=_last_of(_SENTENCE_ENDS),
        clause_end=re.compile("[" + "".join(re.escape(c) for c in lab["delimiters"]) + "]"),

    )


def _last_of(chars: str) -> re.Pattern:
    """Finds the last of `chars` before a position: .match(text, lo, pos).end() is just after it."""
    return re.compile("(?s:.*)[" + "".join(re.escape(c) for c in chars) + "]")


# --- labels and measures -----------------------------------------------------------------------


# "公务用车…支出决算比2022年度" / "较上年度": the comparison is the measure, not the label
_COMPARISON_TAIL = regex.compile(r"(?:比|较|与|同比)\s*(?:上年度?|上一年度?|去年|(?:19|20)\d{2}\s*年度?)(?:同期)?(?:相比)?$")


@lru_cache(maxsize=1 << 16)
def _strip_label(label: str) -> str:
    """The label left after linking words, a comparison and a leading year are stripped (labels
    repeat a lot across a corpus, hence the cache)."""
    v = vocab()
    label = label.strip(" \t\n\"'")
    changed = True
    while changed and label:
        changed = False
        for w in v.trailing:
            if label.endswith(w) and len(label) > len(w):
                label, changed = label[: -len(w)].rstrip(), True
                break
        for w in v.leading:
            if label.startswith(w) and len(label) > len(w):
                label, changed = label[len(w):].lstrip(), True
                break
    label = _COMPARISON_TAIL.sub("", label).rstrip()
    # a year in the label is context, not the label: "2024 年部门收入合计" -> "部门收入合计"
    years = list(v.year.finditer(label))
    if years:
        tail = label[years[-1].end():].lstrip("度 ").strip()
        if tail:
            label = tail
    return label[-v.max_chars:].strip()


@lru_cache(maxsize=1)
def _prefix_words() -> tuple[tuple[str, str], ...]:
    """money.toml's prefix measure words as (word, measure): rules in order, longest word first."""
    return tuple((w, measure) for words, measure in vocab().prefix_measures
                 for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1 << 16)
def _prefix_measure(before: str) -> tuple[str | None, str]:
    """(measure, label without the measure words) from the words right before a number."""
    stripped = before.rstrip()
    for w, measure in _prefix_words():
        if stripped.endswith(w):
            return measure, stripped[: -len(w)]
    return None, before


def label_measure(label: str, v: _Vocab | None = None) -> str | None:
    if v is None or v is vocab():
        return _label_measure(label)
    return _label_measure_in(label, v)


@lru_cache(maxsize=1 << 16)
def _label_measure(label: str) -> str | None:
    return _label_measure_in(label, vocab())


def _label_measure_in(label: str, v: _Vocab) -> str | None:
    for w in v.measure_ignore:
        label = label.replace(w, "")
    for words, measure in v.label_measures:
        if any(w in label for w in words):
            return measure
    return None


# --- prose -------------------------------------------------------------------------------------


def _clause_start(text: str, lo: int, pos: int, v: _Vocab) -> int:
    m = v.clause_break.match(text, lo, pos)
    return m.end() if m else lo


def _sentence_start(text: str, lo: int, pos: int, v: _Vocab) -> int:
    m = v.sentence_break.match(text, lo, pos)
    return m.end() if m else lo


def _money_matches(text: str, lo: int, hi: int, v: _Vocab, plain: bool | None = None) -> list:
    """The matches of `v.money` in text[lo:hi], in order (with `v.money_scan` unless the text has
    an `exotic` character; `plain`: the caller knows it has none)."""
    if plain is None:
        plain = v.exotic.search(text, lo, hi) is None
    return list((v.money_scan if plain else v.money).finditer(text, lo, hi))


def _last_year(s: str, v: _Vocab, plain: bool | None = None) -> int | None:
    """The year of the last `year` match in s (`plain`: as for _money_matches)."""
    found = _last_year_at(s, v, plain)
    return found[0] if found else None


def _last_year_at(s: str, v: _Vocab, plain: bool | None = None) -> tuple[int, int] | None:
    """(year, where its digits start in s) of the last `year` match in s."""
    if _YEAR_WORD not in s:
        return None
    if plain is None:
        plain = v.exotic.search(s) is None
    # Every match ends with 年 and none overlaps, so the last is the one ending at the rightmost 年
    # that completes one: tried backwards from each 年
    if plain:  # `re` reads \s as str.isspace does: the spaces before 年, then the digits before them
        p = s.rfind(_YEAR_WORD)
        while p >= 0:
            q = p
            while q and s[q - 1].isspace():
                q -= 1
            if q >= 4 and v.year_digits.fullmatch(s, q - 4, q):
                return int(s[q - 4:q]), q - 4
            p = s.rfind(_YEAR_WORD, 0, p)
        return None
    p = s.rfind(_YEAR_WORD)
    while p >= 0:
        m = v.year_back.match(s, 0, p + 1)
        if m:
            return int(m["year"]), m.start("year")
        p = s.rfind(_YEAR_WORD, 0, p)
    return None


def _figure_year(text: str, sent_lo: int, clause_lo: int, start: int, v: _Vocab,
                 plain: bool) -> tuple[int | None, bool]:
    """(the year a figure at `start` is stated for, whether that year is a comparison's): the last
    year in its clause, else in an earlier clause of its sentence. A comparison with its own figure
    governs its clause only: in "2016本年支出702.47万元，比2015年决算数减少18.45万元，…，具体情况如下：
    1.基本支出103.19万元" 2015 is not 基本支出's year (平潭 2016 决算说明); one without a figure governs
    the clause after it ("与2022年度相比，收、支总计各增加46.73万元")."""
    own = text[clause_lo:start]
    found = _last_year_at(own, v, plain)
    if found:
        return found[0], any(w in own for w in v.comparison)
    hi = clause_lo
    while hi > sent_lo:
        found = _last_year_at(text[sent_lo:hi], v, plain)
        if found is None:
            break
        year, at = found[0], sent_lo + found[1]
        lo = _clause_start(text, sent_lo, at, v)
        m = v.clause_end.search(text, at, hi)
        end = m.start() if m else hi
        if not any(w in text[lo:end] for w in v.comparison):
            return year, False
        if not _money_matches(text, at, end, v, plain):
            return year, True
        hi = lo  # a comparison with its figure: look before its clause
    return None, False


def text_to_figures(text: str, lo: int, hi: int, fiscal_year: int | None, block_id: int,
                    cell: Cell | None = None) -> list[Figure]:
    """Figures with an explicit unit in text[lo:hi] (a paragraph, or one table cell)."""
    return [_figure(f, block_id) for f in prose_amounts(text, lo, hi, fiscal_year, None, None, cell)]


def _figure(f: dict, block_id: int) -> Figure:
    return Figure(f["label"], f["value_text"], f["value"], f["unit"], f["share_pct"], f["change_pct"], f["year"],
                  f["measure"], block_id, f["row"], f["col"], f["start"], f["end"], f["context"])


@lru_cache(maxsize=1 << 16)
def _exact(number: str, unit: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """(value, amount in 元, amount in 万元) of a number printed in a unit; None when it is not a
    number. Numbers recur (0.00, totals printed twice), and the three Decimals cost more than the
    look-up."""
    value = units.to_decimal(number)
    if value is None or not units.plausible(value, unit):
        return None
    return (value, *units.to_yuan_wan(value, unit))


def prose_amounts(text: str, lo: int, hi: int, fiscal_year: int | None, page: int | None,
                  table_id: int | None = None, cell: Cell | None = None) -> list[dict]:
    """The figures with an explicit unit in text[lo:hi] (a paragraph, or one table cell) as the
    fields of their pipeline.records.Amount, in its order; amount_id and section_id are None for
    pipeline.extract to fill in. Built as the record's fields because ~55 figures a document were
    otherwise built twice (as a figure, then as its Amount)."""
    v = vocab()
    out: list[dict] = []
    prev_end = lo
    prev_label = ""
    row, col = (cell.row, cell.col) if cell else (None, None)
    plain = v.exotic.search(text, lo, hi) is None
    share_at, change_at = (v.share_scan.match, v.change_scan.match) if plain else (v.share.match, v.change.match)
    clause_break, sentence_break = v.clause_break.match, v.sentence_break.match
    for m in _money_matches(text, lo, hi, v, plain):
        unit = m["unit"]
        exact = _exact(m["number"], unit)
        if exact is None:
            continue
        start, end = m.span()
        back = max(lo, start - v.max_lookback)  # bounded: linear in the paragraph's length
        b = clause_break(text, back, start)
        clause = b.end() if b else back
        before = text[max(clause, prev_end):start]
        measure, before_label = _prefix_measure(before)
        label = _strip_label(before_label)
        if not label:
            label = prev_label  # "比上年1326.27万元减少21.76万元": same subject as before
        elif label in v.generic and clause > lo:
            # "行政运行（01项）: 支出决算为455.65万元": the clause before names the figure
            head = _strip_label(text[_clause_start(text, max(lo, clause - 1 - v.max_lookback), clause - 1, v):clause - 1])
            label = (head + label)[-v.max_chars:]
        b = sentence_break(text, back, start)
        sent_lo = b.end() if b else back
        year, compared = _figure_year(text, sent_lo, clause, start, v, plain)
        if measure is None:
            if _label_measure(before) == "prior_year":  # "比上年1326.27万元" (not "上年结转")
                measure = "prior_year"
            elif year and fiscal_year and year < fiscal_year and compared:
                measure = "prior_year"
            else:
                measure = _label_measure(label)
        if measure == "prior_year" and year is None and fiscal_year:
            year = fiscal_year - 1
        share = share_at(text, end, hi)
        change = change_at(text, end, hi)
        value, amount_yuan, amount_wan = exact
        out.append({
            "amount_id": None, "section_id": None, "label": label, "value_text": m.group(0), "value": value,
            "unit": unit, "amount_yuan": amount_yuan, "amount_wan": amount_wan,
            "share_pct": Decimal(share["pct"]) if share else None,
            "change_pct": Decimal(change["pct"]) * v.change_sign[change["dir"]] if change else None,
            "year": year, "measure": measure, "table_id": table_id, "row": row, "col": col,
            "start": start, "end": end, "page": page,
            "context": text[max(sent_lo, start - 80):min(hi, end + 40)].replace("\n", " "),
        })
        prev_end = end
        prev_label = label
    return out


# --- tables ------------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _cell_kind(t: str) -> tuple[str | None, str] | bool | None:
    """What a table cell's text is, once per distinct text (labels, 0.00, 100% recur): (sign, number)
    of a numeric cell, True for a cell with its own money unit ("≤760万元"), None otherwise."""
    v = vocab()
    m = tm.FIGURE.match(t)
    if m:
        return m["sign"], m["number"]
    return bool(v.money.search(t)) or None


_UNSET = object()
_SKIP = "skip"  # a column (or a unit cell) that says its numbers are not money


@lru_cache(maxsize=1 << 14)
def _right_cell_unit(right: str) -> str | None:
    """What the cell right of a number says: its money unit ("元", "万元/户"), _SKIP for a count unit
    (次/个/%), None for anything else."""
    unit_cell = vocab().unit_cell.match(right)
    if unit_cell:
        return unit_cell["unit"]
    if right and not tm.is_number(right) and len(right) <= 4 and units.is_count_unit(right):
        return _SKIP
    return None


def _column_unit(grid: list[list[Cell]], flags: list[bool], r: int, col: int, t_unit: str | None,
                 v: _Vocab) -> tuple[str | None, str | None, int | None]:
    """(column header, unit or _SKIP or None, the year the headers print) of the numbers in column
    `col` below the header rows nearest above row r: the same for every row under those header rows
    (and for row r itself when the row above it is the nearest header row, or when there is none:
    r = 0)."""
    chain, header_row_unit = tm.headers_above(grid, flags, r, col)
    col_header = chain[0] if chain else None
    chain_unit = next((u for u in map(units.header_unit, chain) if u), None)
    if chain_unit:
        unit = chain_unit
    elif col_header and (_never_money(col_header) or tm.chain_role(tuple(reversed(chain))) == "code"):
        # 序号/编码 columns, and a code column as the table model reads its header ("科目编码 / 类":
        # 502 under it is a 类 code, not 502 万元)
        unit = _SKIP
    elif chain or not header_row_unit:
        unit = header_row_unit or t_unit
    else:
        unit = None
    return col_header, unit, tm.header_year(grid, flags, r, col)


@lru_cache(maxsize=1 << 14)
def _never_money(col_header: str) -> bool:
    v = vocab()
    return any(w in col_header for w in v.not_money_headers + v.value_headers)


def table_to_figures(text: str, block: Block, fiscal_year: int | None) -> list[Figure]:
    return [_figure(f, block.block_id) for f in table_amounts(text, block, fiscal_year, None)]


@lru_cache(maxsize=1 << 16)
def _cell_class(t: str) -> tuple[tuple[str | None, str] | bool | None, bool]:
    """(_cell_kind(t), whether the cell can be a row label for the cells right of it: tm.row_label's
    test), once per distinct text."""
    return _cell_kind(t), tm.is_label(t) and not units.is_count_unit(t)


@lru_cache(maxsize=1 << 16)
def _cell_exact(t: str, unit: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """(value, amount in 元, amount in 万元) of a numeric cell's text in a unit (see _exact)."""
    sign, number = _cell_kind(t)
    value = units.to_decimal(number)
    if value is None or not units.plausible(value, unit):
        return None
    if sign:
        value = -value
    return (value, *units.to_yuan_wan(value, unit))


def table_amounts(text: str, block: Block, fiscal_year: int | None, table_id: int | None) -> list[dict]:
    """The figures of a table as the fields of their Amount (see prose_amounts)."""
    v = vocab()
    grid = block.grid()
    flags = tm.block_header_flags(block)
    t_unit = tm.table_unit(block)
    page = block.page
    out: list[dict] = []
    # (header row, column) -> (column header, unit or _SKIP or None, the header's measure, its year)
    columns: dict[tuple[int | None, int], tuple[str | None, str | None, str | None, int | None]] = {}
    contexts: dict[tuple[str | None, str | None], str] = {}
    alignments: dict[tuple[int | None, tuple[int, ...]], dict[int, int] | None] = {}
    header_at = None  # the nearest header row above row r
    # a unit stated in a header cell ("年度预算数（万元）") applies to the numbers below it
    for r, row in enumerate(grid):
        if r and flags[r - 1]:
            header_at = r - 1
        aligned = _UNSET
        row_label = None  # tm.row_label(row, i), kept up to date left to right
        for i, c in enumerate(row):
            t = c.text
            if not t:
                continue
            kind, labels = _cell_class(t)
            if kind is None:
                pass
            elif kind is True:
                # a cell with its own unit: "≤760万元"
                head = _table_context(row_label, None, block) + " | "
                for f in prose_amounts(text, c.start, c.end, fiscal_year, page, table_id, cell=c):
                    label = f["label"]
                    if row_label and label in ("", "≤", "≥"):
                        f["label"] = row_label
                    elif not label:
                        f["label"] = row_label or ""
                    f["context"] = head + f["context"]
                    out.append(f)
            else:
                if aligned is _UNSET:
                    # once per header row and columns of the value-like cells
                    values = tuple([x.col for x in row if tm.is_value_like(x.text)])
                    key = (header_at, values)
                    aligned = alignments.get(key, _UNSET)
                    if aligned is _UNSET:
                        header = None if header_at is None else grid[header_at]
                        aligned = alignments[key] = tm.alignment(values, header)
                col = aligned.get(c.col, c.col) if aligned else c.col
                key = (header_at, col)
                column = columns.get(key)
                if column is None:
                    # read from just below the nearest header row: the rows between it and r are
                    # no header rows, so _headers_above finds the same ones without walking them
                    below = 0 if header_at is None else header_at + 1
                    col_header, unit, col_year = _column_unit(grid, flags, below, col, t_unit, v)
                    column = columns[key] = col_header, unit, _label_measure(col_header or ""), col_year
                col_header, unit, measure, col_year = column
                if i + 1 < len(row):
                    right = _right_cell_unit(row[i + 1].text)
                    if right is not None:
                        unit = right
                if unit is not None and unit is not _SKIP:
                    exact = _cell_exact(t, unit)
                    if exact is not None:
                        ctx_key = (row_label, col_header)
                        context = contexts.get(ctx_key)
                        if context is None:
                            context = contexts[ctx_key] = _table_context(row_label, col_header, block)
                        value, amount_yuan, amount_wan = exact
                        out.append({
                            "amount_id": None, "section_id": None, "label": row_label or col_header or "",
                            "value_text": t, "value": value, "unit": unit, "amount_yuan": amount_yuan,
                            "amount_wan": amount_wan, "share_pct": None, "change_pct": None, "year": col_year,
                            "measure": measure or _label_measure(row_label or ""), "table_id": table_id,
                            "row": c.row, "col": c.col, "start": c.start, "end": c.end, "page": page,
                            "context": context,
                        })
            if labels:
                row_label = t
    return out


def _table_context(row_label: str | None, col_header: str | None, block: Block) -> str:
    parts = []
    if block.caption:
        parts.append(f"表: {block.caption}")
    if row_label:
        parts.append(f"行: {row_label}")
    if col_header:
        parts.append(f"列: {col_header}")
    return "; ".join(parts)
