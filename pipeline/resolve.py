"""resolve: amounts + text + metadata -> facts (the canonical key figures of DESIGN §5): the
candidates and the selection. Vocabulary and rules are data in schemas/facts.toml.

The concepts it builds on, each a module: label matching (pipeline/labels.py: a label -> a key),
the table view it reads cells through (pipeline/table_view.py, over pipeline/table_model.py's
headers), the unit of a table that prints none (pipeline/table_units.py), staff counts
(pipeline/staff.py); the Fact record is pipeline/records.py's.

Candidates come from
- prose amounts (their label);
- table cells: the row's label, or, when the row is a total row, an "amount" row or has no label,
  the column header; a total column ("合计") whose sibling value columns are the parts of a key
  (facts.toml `parts`) is that key; the total row of a table whose title names a key
  ("一般公共预算“三公”经费支出预算表") is that key; a part left blank beside a total that the other
  parts already make up is 0 (a fallback, with the arithmetic as evidence);
- tables that print no unit, read in the unit table_units infers (returned in
  `Resolved.unit_inferences` and reported by `check`);
- staff counts (pipeline/staff.py);
- statements that a figure is nil ("本年度没有财政拨款“三公”经费支出"): 0, as a fallback;
- a prose figure of a wider scope whose other part the sentence states as 0 (facts.toml
  [[nil_part]]: "财政拨款收入692.25万元，其中政府性基金0万元" is the 一般公共预算 appropriation).

Selection rules (written down in facts.toml as well), per key and measure, first that decides:
synonym beats fallback; table beats prose; the report's own fiscal year beats no year; first in
reading order. A figure without a measure takes the document's (actual in a 决算 and in
performance reports, budget in a 预算); a figure for the year before is prior_year; changes and
other years are never facts. All candidates are returned so that `check` records every conflict.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

import regex

from extractors import money, units
from pipeline import prefilter
from pipeline import table_model as tm
from extractors.statements import kind_of_title
from pipeline.labels import (LabelMatch, is_nil_part, is_total_label, match_label, nil_part_whole, takes_column_key,
                             title_scope, vocab)
from pipeline.records import PROSE, TABLE, Amount, Cell, Fact, Metadata, Text, fact
from pipeline.staff import staff_prose, staff_tables
from pipeline.table_units import UnitInference, infer_table_units
from pipeline.table_view import TEXT, TableView, cell_amounts, figure_match, table_context, table_views
from pipeline.textutil import spans, spans_at

FACT_MEASURES = ("actual", "budget", "initial_budget", "adjusted_budget", "prior_year")


@dataclass(frozen=True)
class Resolved:
    facts: tuple[Fact, ...]  # one per key and measure (the selected candidate)
    candidates: tuple[Fact, ...]  # every candidate, selected or not
    unit_inferences: tuple[UnitInference, ...] = ()


# --- measures and years --------------------------------------------------------------------------


def default_measure(meta: Metadata) -> str:
    """The measure of a figure that states none: budget in a 预算, actual otherwise."""
    if "budget" in meta.doc_kinds and "final_accounts" not in meta.doc_kinds:
        return "budget"
    return "actual"


def _measure_year(measure: str | None, year: int | None, meta: Metadata) -> tuple[str, int | None, bool] | None:
    """(measure, year, year stated) of a fact from a figure's, or None when it is not a fact."""
    fy = meta.fiscal_year
    if measure == "change":
        return None
    measure = measure or default_measure(meta)
    if measure not in FACT_MEASURES:
        return None
    if year is not None and fy is not None and year != fy:
        if year == fy - 1 and measure in ("actual", "budget", "prior_year"):
            return "prior_year", year, True
        return None
    if measure == "prior_year":
        return measure, (fy - 1 if fy else year), year is not None
    return measure, (year or fy), year is not None


# --- prose and table amounts ---------------------------------------------------------------------


def _amount_fact(a: Amount, m: LabelMatch, meta: Metadata, origin: str, measure: str | None,
                 evidence: str, year: int | None = None) -> Fact | None:
    my = _measure_year(measure, a.year if a.year is not None else year, meta)
    if my is None:
        return None
    spec = vocab().keys[m.key]
    if spec.unit == "人":
        return None
    return fact(m.key, a.amount_wan, "万元", my[0], my[1], a.amount_id, a.start, a.end, a.page, evidence,
                 origin, m.tier, my[2], units.half_last_digit(a.value, a.unit))


def _cell_key(t: TableView, r: int, i: int, row_label: str | None) -> tuple[LabelMatch | None, str | None, list[str]]:
    """(match, the label matched, header chain) of a numeric cell with that row label."""
    m = match_label(row_label)
    if m is None and not takes_column_key(row_label):
        return None, row_label, []  # a row named by a label that is no key: its headers are never asked
    chain = t.headers(r, i)
    if m:
        return m, row_label, chain
    # the nearest header names the cell; an outer (group) header only when the nearer one is a
    # total ("公务用车购置及运行费 / 小计"), never over a named sub-column ("基本支出 / 人员支出")
    outer = [h for h in t.spanning_headers(r, i) if h not in chain]
    for h in chain + outer:  # "“三公”经费 / 小计": a merged group header over a 小计 column
        m = match_label(h)
        if m:
            return m, h, chain
        if not takes_column_key(h):
            break
    key = t.total_by_parts(r, i)
    if key:
        return LabelMatch(key, 0, chain[0] if chain else "合计"), chain[0] if chain else "合计", chain
    m = t.title_key() if row_label else None
    if m and vocab().keys[m.key].unit != "人" and (not chain or takes_column_key(chain[0])):
        # the total row's figure in its total column, not in a column of a part (事业收入 beside 合计:
        # 上海 2024 表2; 公务用车购置费 in a 三公 table: 杭州 2026 表7)
        return m, f"{t.title} / {row_label}", chain
    return None, row_label, chain


@lru_cache(maxsize=1 << 12)
def _chain_scope(chain: tuple[str, ...]) -> frozenset[str]:
    """The scope words of a cell's column headers ("政府性基金预算", "一般公共预算 / 小计")."""
    return frozenset().union(*map(title_scope, chain)) if chain else frozenset()


def header_measure(header: str | None) -> str | None:
    """The measure a table header states (money.toml's [measure] words and ignore list)."""
    return money.label_measure(header) if header else None


def _cell_measure(t: TableView, r: int, i: int, chain: list[str], row_label: str | None) -> str | None:
    for h in [*chain, t.group_header(r, i), *t.spanning_headers(r, i), row_label]:
        m = header_measure(h)
        if m:
            return m
    return None


def _cell_year(t: TableView, r: int, i: int) -> int | None:
    """The year a cell's column headers state ("2025年预算数 / 合计" over the 上年 half of a 三公
    table: 烟台 2026 公开表7), as the table model reads it (money's amounts carry the same)."""
    return tm.header_year(t.grid, t.flags, r, i)


def _skip_row(row: list[Cell], nums: list[str] | None = None) -> bool:
    """A classification line (its first cell a code) or a row that numbers the columns. `nums`:
    the texts of the row's numeric cells in order, when the caller has them (a numeric text is
    never empty, so they are the filled texts `figure_match` matches)."""
    filled = [c.text for c in row if c.text]
    if not filled:
        return True
    if nums is None:
        nums = [x for x in filled if figure_match(x)]
    if vocab().code_row.match(filled[0]) and len(filled) > 1 and filled[1] not in nums:
        return True  # "30217 | 公务接待费 | 41.95"; not "13045 | 2000" (figures in 元)
    if vocab().code_label.match(filled[0]):
        return True  # "[30217]公务接待费 | 3.40"
    if (vocab().code_row.match(filled[0]) and len(filled) > 2 and vocab().code_part.match(filled[1])
            and filled[2] not in nums):
        return True  # the code split over 类 | 款 columns: "302 | 17 | 公务接待费 | 502 | 06 | … | 3.00"
    return len(nums) >= 2 and nums[0] == "1" and nums == [str(k) for k in range(1, len(nums) + 1)]


def _table_candidates(text: Text, tables: Sequence[TableView], amounts: Sequence[Amount],
                      inferred: dict[int, UnitInference], meta: Metadata,
                      by_row: dict[int, dict[int, dict[int, Amount]]] | None = None) -> list[Fact]:
    by_row = cell_amounts(amounts) if by_row is None else by_row
    out: list[Fact] = []
    v = vocab()
    keys = v.keys
    for t in tables:
        inf = inferred.get(t.table_id)
        table_amounts = by_row.get(t.table_id, {})
        if inf is None and not table_amounts:
            continue  # every cell below would need an amount or an inferred unit: no fact, no blank part
        placed: list[tuple[Fact, int]] = []  # this table's facts with their row
        grid = t.grid
        projects = _rows_are_projects(t)
        # without an inferred unit only the cells money read give a fact: only their rows are read
        rows = range(len(grid)) if inf is not None else sorted(r for r in table_amounts if r is not None and 0 <= r < len(grid))
        for r in rows:
            row = grid[r]
            row_amounts = table_amounts.get(r, {})
            # only numeric cells are figures (a cell with its own unit inside is read as prose)
            numeric = list(map(figure_match, map(TEXT, row)))
            figures = [(i, row[i], m) for i, m in enumerate(numeric) if m is not None]
            if not figures:
                continue
            # the first test of _cell_key, before the row's own tests: most rows are named by a label
            # that is no key, and then nothing else about the row matters
            # without an inferred unit only the cells money read give a fact
            todo = figures if inf is not None else [f for f in figures if f[1].col in row_amounts]
            if not todo:
                continue
            named = []  # (figure, its row label) of the figures whose label may give a key
            # a numeric cell is never a label: across a run of them the row label stays the same
            if all(numeric[todo[0][0]:todo[-1][0] + 1]):
                row_label = tm.row_label(row, todo[0][0])  # one label for the whole row
                if match_label(row_label) is not None or takes_column_key(row_label):
                    named = [(f, row_label) for f in todo]
            else:
                last = -1  # the previous figure's index, and its row label and whether it names no key
                for f in todo:
                    i = f[0]
                    if last < 0 or not all(numeric[last:i]):
                        row_label = tm.row_label(row, i)
                        no_key = match_label(row_label) is None and not takes_column_key(row_label)
                    last = i
                    if not no_key:
                        named.append((f, row_label))
            if not named or _skip_row(row, [c.text for _, c, _ in figures]):
                continue
            if projects and not is_total_label(named[0][1] or ""):
                continue  # a project of a 项目支出 statement, whatever its name
            beside_total = None  # whether the row prints a figure in a column of all the money (合计)
            for (i, c, m_num), row_label in named:
                m, label, chain = _cell_key(t, r, i, row_label)
                if m is None or keys[m.key].unit == "人":
                    continue
                if any(w in h for h in chain for w in v.index_headers):
                    continue  # a column that numbers the rows or prints their codes (科目编码 / 类)
                if t.scope() - set(keys[m.key].accept):
                    continue  # a table of 财政拨款 / 政府性基金 … money only
                row_key = label not in chain  # the row's (or the title's) key, not its column's
                scope = _chain_scope(tuple(chain)) if row_key else frozenset()
                if scope - set(keys[m.key].accept):
                    continue  # the row's (or title's) key in a column of part of the money (政府性基金预算 beside 合计)
                if row_key and not (chain and is_total_label(chain[0]) and not scope):
                    if beside_total is None:
                        beside_total = _has_total_column(t, r, figures)
                    if beside_total:
                        # a column beside the row's 合计 holds a part of it: 一般公共预算 (广州 2026 表8
                        # “三公”经费 74.83 | 42.79 | 0 | 32.04), 人员经费 | 公用经费 (上海 2024 表8 公务接待费)
                        continue
                measure = _cell_measure(t, r, i, chain, row_label)  # the same headers money reads
                year = _cell_year(t, r, i)
                a = row_amounts.get(c.col)
                if a is not None:
                    f = _amount_fact(a, m, meta, TABLE, measure, table_context(t, label, chain, c), year)
                    if f:
                        out.append(f)
                        placed.append((f, r))
                    continue
                if inf is None:
                    continue
                value = units.to_decimal(m_num["number"])
                if value is None:
                    continue
                if m_num["sign"]:
                    value = -value
                my = _measure_year(measure, year, meta)
                if my is None:
                    continue
                out.append(fact(
                    key=m.key, value=units.to_wan(value, inf.unit), unit="万元", measure=my[0], year=my[1],
                    amount_id=None, start=c.start, end=c.end, page=t.block.page,
                    evidence=table_context(t, label, chain, c, f"unit {inf.unit} inferred: {inf.evidence}"),
                    origin=TABLE, tier=m.tier, year_stated=False, half_ulp=units.half_last_digit(value, inf.unit),
                ))
                placed.append((out[-1], r))
        out.extend(_blank_parts(t, placed))
    return out


def _rows_are_projects(t: TableView) -> bool:
    """A statement whose rows are projects (facts.toml project_statements: the 项目支出 statement)."""
    kind = kind_of_title(t.title)
    return kind is not None and kind.key in vocab().project_statements


def _has_total_column(t: TableView, r: int, figures: Sequence[tuple]) -> bool:
    """Row r prints a figure in a total column (合计 / 总计 …) whose headers name no scope word."""
    for i, _, _ in figures:
        chain = t.headers(r, i)
        if chain and is_total_label(chain[0]) and not _chain_scope(tuple(chain)):
            return True
    return False


def _blank_parts(t: TableView, placed: Sequence[tuple[Fact, int]]) -> list[Fact]:
    """A part left blank in a row whose total equals the sum of the other parts is 0 (the table's
    own figures say so): seed 001's 因公出国（境）费 beside 合计 11.31 = 公务接待 11.31 + 公务用车 0."""
    out = []
    by_row: dict[int, dict[str, Fact]] = {}
    for f, r in placed:
        by_row.setdefault(r, {}).setdefault(f.key, f)
    for r, facts in by_row.items():
        for total in list(facts.values()):
            parts = vocab().keys[total.key].parts
            missing = [p for p in parts if p not in facts]
            if len(missing) != 1:
                continue
            blank = []  # (cell, header) of the empty cells of this row whose column names the missing part
            for i, c in enumerate(t.grid[r]):
                if c.text:
                    continue
                header = next((h for h in t.spanning_headers(r, i) if match_label(h)), None)
                if header and match_label(header).key == missing[0]:
                    blank.append((c, header))
            if len(blank) != 1:
                continue
            cell, header = blank[0]
            others = [facts[p] for p in parts if p in facts]
            rest = total.value - sum((o.value for o in others), Decimal(0))
            if abs(rest) > total.half_ulp + sum((o.half_ulp for o in others), Decimal(0)):
                continue
            out.append(replace(
                total, key=missing[0], value=Decimal(0), amount_id=None, start=cell.start, end=cell.end,
                evidence=table_context(t, header, [], cell,
                                        f"blank; {total.key} {total.value} = "
                                        + " + ".join(f"{o.key} {o.value}" for o in others) + " leaves 0"),
                tier=1, half_ulp=Decimal(0),
            ))
    return out


def _prose_candidates(amounts: Sequence[Amount], meta: Metadata) -> list[Fact]:
    out = []
    for a in amounts:
        if a.table_id is not None and a.value_text.strip() == a.value_text and figure_match(a.value_text):
            continue  # a bare table cell: read with its headers in _table_candidates
        m = match_label(a.label)
        if m is None:
            continue
        f = _amount_fact(a, m, meta, TABLE if a.table_id is not None else PROSE, a.measure, a.context)
        if f:
            out.append(f)
    return out


_SENTENCE_ENDS = frozenset("。；;！？!?\n")


def _nil_part_candidates(text: Text, amounts: Sequence[Amount], meta: Metadata) -> list[Fact]:
    """facts.toml [[nil_part]]: a prose figure of a wider scope whose next figure in the sentence,
    its other part, is 0 ("1. 财政拨款收入692.25万元，其中政府性基金0万元") is the key's figure."""
    if not vocab().nil_parts:
        return []
    out = []
    prose = [a for a in amounts if a.table_id is None]
    for a, b in zip(prose, prose[1:]):
        rule = nil_part_whole(a.label)
        if rule is None or b.value != 0 or not is_nil_part(rule, b.label):
            continue
        if _SENTENCE_ENDS.intersection(text.text[a.end:b.start]):
            continue
        f = _amount_fact(a, LabelMatch(rule.key, 0, a.label), meta, PROSE, a.measure,
                         f"{a.context} (its part {b.label} {b.value_text}: the rest is {rule.key})")
        if f:
            out.append(f)
    return out


_LOOKAROUND = regex.compile(r"\(\?<?[=!]|\\[bBAZGmM]|[\^$]")


def _context_free(pattern: regex.Pattern) -> bool:
    """A pattern without lookaround or anchors matches a stretch of text whatever surrounds it: if
    it matches nowhere in the whole text, it matches in no span of it."""
    return not _LOOKAROUND.search(pattern.pattern)


@lru_cache(maxsize=64)
def required_literal(pattern: regex.Pattern) -> str | None:
    """The longest run of plain characters that every match of `pattern` contains
    (prefilter.required_literal); None when flags (case folding, version 1 sets) make the reading
    unsure."""
    if pattern.flags & (regex.IGNORECASE | regex.V1):
        return None
    return prefilter.required_literal(pattern.pattern, verbose=bool(pattern.flags & regex.VERBOSE))


def _literal_positions(text: str, literal: str) -> list[int]:
    out = []
    i = text.find(literal)
    while i >= 0:
        out.append(i)
        i = text.find(literal, i + 1)
    return out


def _zero_statements(text: Text, meta: Metadata) -> list[Fact]:
    """Fallback candidates of 0 from sentences that say a figure is nil."""
    out = []
    measure = default_measure(meta)
    zero = vocab().zero
    literals = [required_literal(p) for p, _ in zero]
    if zero and all(literals):
        # a match inside a span holds its pattern's literal there: only the spans with one of the
        # literals are scanned (str.find, not a regex over the whole text and then every span)
        found = spans_at(text, [i for lit in literals for i in _literal_positions(text.text, lit)])
    else:
        zero = [(p, keys) for p, keys in zero if not _context_free(p) or p.search(text.text)]
        found = spans(text) if zero else []
    for lo, hi, page in found:
        for pattern, keys in zero:
            for m in pattern.finditer(text.text, lo, hi):
                k = text.text.rfind("。", lo, m.start())
                ev = text.text[(k + 1 if k >= 0 else lo):min(hi, m.end() + 40)].replace("\n", " ")
                for key in keys:
                    out.append(fact(key=key, value=Decimal(0), unit="万元", measure=measure, year=meta.fiscal_year,
                                    amount_id=None, start=m.start(), end=m.end(), page=page, evidence=ev,
                                    origin=PROSE, tier=1, half_ulp=Decimal(0)))
    return out


# --- selection -----------------------------------------------------------------------------------


def _rank(f: Fact) -> tuple:
    """Lower is better: synonym, table, own year stated, reading order."""
    return (f.tier, f.origin != TABLE, not f.year_stated, f.start)


def select(candidates: Sequence[Fact]) -> list[Fact]:
    """One fact per key and measure, by the rules above."""
    best: dict[tuple[str, str | None], Fact] = {}
    for f in candidates:
        k = (f.key, f.measure)
        if k not in best or _rank(f) < _rank(best[k]):
            best[k] = f
    order = list(vocab().keys)
    return sorted(best.values(), key=lambda f: (order.index(f.key), FACT_MEASURES.index(f.measure) if f.measure in FACT_MEASURES else -1))


def resolve(text: Text, amounts: Sequence[Amount], meta: Metadata) -> Resolved:
    """All candidates for the keys of DESIGN §5 and the selected fact per key and measure."""
    tables = table_views(text)
    by_row = cell_amounts(amounts)  # (one pass over the amounts for both)
    inferences = infer_table_units(tables, amounts, by_row)
    inferred = {u.table_id: u for u in inferences if not u.ambiguous}
    candidates = (
        _prose_candidates(amounts, meta)
        + _nil_part_candidates(text, amounts, meta)
        + _table_candidates(text, tables, amounts, inferred, meta, by_row)
        + staff_prose(text, meta)
        + staff_tables(tables, meta)
        + _zero_statements(text, meta)
    )
    candidates.sort(key=lambda f: f.start)
    return Resolved(tuple(select(candidates)), tuple(candidates), tuple(inferences))


# --- facts from the statements first (issue 16) -----------------------------------------------------

STATEMENT_TIER = -1  # a statement line beats any other candidate of its key and measure


def with_statements(res: Resolved, found: Sequence[tuple[str, object]], meta: Metadata,
                    spans: dict[int, tuple[int, int]] | None = None) -> Resolved:
    """`res` with the key figures the standard statements print (statement_checks.statement_facts:
    (key, statement line)) as candidates that win their key and measure; the others stay candidates,
    so `check` compares them with the statement's. `spans`: each statement table's text span (first
    to last of its lines); resolve's own candidates for a key and measure read inside the table the
    statement fact comes from are dropped: the table model (statement lines) is the one reading of
    that table, and a second reading of its headers is no second figure of the document (杭州 2026
    表7: resolve read the 公务用车购置费 cell of the 合计 row as the “三公” total)."""
    if not found:
        return res
    by_cell = {(c.start, c.end): c.amount_id for c in res.candidates if c.amount_id is not None}
    extra, inside = [], []
    for key, ln in found:
        my = _measure_year(ln.measure, ln.year, meta)
        if my is None:
            continue
        measure, year, stated = my
        evidence = (f"{ln.statement_title or ln.statement}: {ln.name or ''} / {ln.column_header}: "
                    f"{ln.value} {ln.unit} (statement {ln.statement}, p{ln.page}, r{ln.row} c{ln.col})")
        extra.append(fact(
            key=key, value=units.to_wan(ln.value, ln.unit), unit="万元", measure=measure, year=year,
            amount_id=by_cell.get((ln.start, ln.end)), start=ln.start, end=ln.end, page=ln.page,
            evidence=evidence, origin=TABLE, tier=STATEMENT_TIER, year_stated=stated,
            half_ulp=units.half_last_digit(ln.value, ln.unit), statement=ln.statement,
        ))
        span = (spans or {}).get(ln.table_id)
        if span is not None:
            inside.append((key, measure, span))
    kept = [c for c in res.candidates
            if not (c.origin == TABLE and any(c.key == k and c.measure == m and a <= c.start and c.end <= b
                                              for k, m, (a, b) in inside))]
    candidates = sorted([*kept, *extra], key=lambda f: f.start)
    return Resolved(tuple(select(candidates)), tuple(candidates), res.unit_inferences)
