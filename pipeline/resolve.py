"""resolve: amounts + text + metadata -> facts (the canonical key figures of DESIGN §5).

Vocabulary and rules are data in schemas/facts.toml; this module only applies them.

Matching a label to a key: the label is cut into words by jieba (with the fiscal terms of
facts.toml added to its dictionary, once per process); a synonym matches when it stands in the
label on word boundaries and only measure or filler words follow it. A scope word before it
(财政拨款, 一般公共预算 …) makes the label a narrower figure, not a candidate, unless the key accepts
that scope (“三公”经费 are always 财政拨款). The longest synonym decides the key.

Candidates come from
- prose amounts (their label);
- table cells: the row's label, or, when the row is a total row, an "amount" row or has no label,
  the column header; a total column ("合计") whose sibling value columns are the parts of a key
  (facts.toml `parts`) is that key; the total row of a table whose title names a key
  ("一般公共预算“三公”经费支出预算表") is that key; a part left blank beside a total that the other
  parts already make up is 0 (a fallback, with the arithmetic as evidence);
- tables that print no unit: their figures are money in unit U when figures of the table (with
  decimals, not zero) are stated in U in the document's prose, and no figure matches another unit
  (the inference is returned in `Resolved.unit_inferences` and reported by `check`);
- staff counts (人/名) in prose ("部门编制人数 23 名") and in tables (a 编制人数 cell, the count to
  its right or below it);
- statements that a figure is nil ("本年度没有财政拨款“三公”经费支出"): 0, as a fallback.

Selection rules (written down in facts.toml as well), per key and measure, first that decides:
synonym beats fallback; table beats prose; the report's own fiscal year beats no year; first in
reading order. A figure without a measure takes the document's (actual in a 决算 and in
performance reports, budget in a 预算); a figure for the year before is prior_year; changes and
other years are never facts. All candidates are returned so that `check` records every conflict.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from itertools import compress
from operator import attrgetter, le

import regex

from extractors import money, units
from pipeline import table_model as tm
from pipeline import prefilter
from pipeline.records import Amount, Block, Cell, Metadata, Text
from pipeline.textutil import new_record
from schemas.vocab import read_toml

FACT_MEASURES = ("actual", "budget", "initial_budget", "adjusted_budget", "prior_year")
TABLE, PROSE = "table", "prose"


@dataclass(frozen=True)
class KeySpec:
    key: str
    unit: str
    synonyms: tuple[str, ...]
    fallback: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()  # a table whose title ends so has this key as its total
    titles_unless: tuple[str, ...] = ()  # … unless one of its cells says this (a wider total)


@dataclass(frozen=True)
class Synonym:
    text: str  # as written in facts.toml
    canon: str  # words joined after connectors are dropped
    key: str
    tier: int  # 0 synonym, 1 fallback


@dataclass(frozen=True)
class _Vocab:
    keys: dict[str, KeySpec]
    synonyms: tuple[Synonym, ...]
    connectors: frozenset[str]
    after: frozenset[str]
    qualifiers: frozenset[str]
    total_words: frozenset[str]
    value_words: frozenset[str]
    index_headers: tuple[str, ...]
    code_row: regex.Pattern
    staff_units: tuple[str, ...]
    zero: tuple[tuple[regex.Pattern, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class LabelMatch:
    key: str
    tier: int
    synonym: str


@dataclass(frozen=True)
class Fact:
    """A canonical figure (a facts row) and, for `check`, where and how precisely it was printed."""

    key: str
    value: Decimal
    unit: str
    measure: str | None
    year: int | None
    amount_id: int | None
    start: int
    end: int
    page: int | None
    evidence: str
    origin: str = PROSE  # "table" or "prose"
    tier: int = 0
    year_stated: bool = False
    half_ulp: Decimal = Decimal("0.005")  # half the last printed digit, in `unit`

    def row(self, doc_id: str) -> dict:
        return {
            "doc_id": doc_id, "key": self.key, "value": self.value, "unit": self.unit, "measure": self.measure,
            "year": self.year, "amount_id": self.amount_id, "start": self.start, "end": self.end,
            "page": self.page, "evidence": self.evidence,
        }


def _fact(key: str, value: Decimal, unit: str, measure: str | None, year: int | None, amount_id: int | None,
          start: int, end: int, page: int | None, evidence: str, origin: str = PROSE, tier: int = 0,
          year_stated: bool = False, half_ulp: Decimal = Decimal("0.005")) -> Fact:
    """Fact(...) built as textutil.new_record builds a record (every field, in order), not through
    the frozen __init__ (~0.3 µs a field): candidates are made by the dozen per document.
    tests/test_facts.py checks it equals Fact(...)."""
    return new_record(Fact, {
        "key": key, "value": value, "unit": unit, "measure": measure, "year": year, "amount_id": amount_id,
        "start": start, "end": end, "page": page, "evidence": evidence, "origin": origin, "tier": tier,
        "year_stated": year_stated, "half_ulp": half_ulp,
    })


@dataclass(frozen=True)
class UnitInference:
    """A table printed without a unit, read in `unit` because `value` is stated so in prose."""

    table_id: int
    unit: str
    value: Decimal | None  # the table's figure found in prose (None: a unit line above the table)
    amount_id: int | None  # the prose amount that states it
    evidence: str
    ambiguous: tuple[str, ...] = ()  # units other figures of the table match too: nothing is read


@dataclass(frozen=True)
class Resolved:
    facts: tuple[Fact, ...]  # one per key and measure (the selected candidate)
    candidates: tuple[Fact, ...]  # every candidate, selected or not
    unit_inferences: tuple[UnitInference, ...] = ()


# --- vocabulary --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tokenizer():
    from pipeline.words import tokenizer

    data = read_toml("schemas", "facts.toml")["tokenizer"]
    tok = tokenizer()  # jieba's default dictionary without its one-second load
    for w in data["split"]:
        tok.del_word(w)
    for w in data["words"]:
        tok.add_word(w, freq=2_000_000)
    return tok


_MARKERS = regex.compile(
    r"""
    ^(?:\s*
        (?: 其中\s*[:：]?                         # 其中：
          | [（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]   # （一） (1)
          | [一二三四五六七八九十\d]{1,3}\s*[、.．]\s*(?!\d)  # 一、 1.
          | 第[一二三四五六七八九十]+部分
        )
    )+
    """,
    regex.VERBOSE,
)
_DROP_CHARS = regex.compile(r"[\s“”‘’\"'「」『』《》:：]")


@lru_cache(maxsize=1 << 16)
def _clean(label: str) -> str:
    # labels repeat a lot (every row of every table): two regex.sub per call are worth caching
    label = label.replace("(", "（").replace(")", "）")
    label = _MARKERS.sub("", label)
    return _DROP_CHARS.sub("", label)


def words(label: str, connectors: frozenset[str] | None = None) -> list[str]:
    """The label's words (jieba with the fiscal dictionary), connectors dropped."""
    connectors = vocab().connectors if connectors is None else connectors
    return [w for w in _tokenizer().lcut(_clean(label), HMM=False) if w.strip() and w not in connectors]


@lru_cache(maxsize=1)
def vocab() -> _Vocab:
    data = read_toml("schemas", "facts.toml")
    connectors = frozenset(data["match"]["connectors"])
    keys = {}
    syns = []
    for k in data["key"]:
        spec = KeySpec(
            key=k["key"], unit=k["unit"], synonyms=tuple(k["synonyms"]), fallback=tuple(k.get("fallback", ())),
            accept=tuple(k.get("accept", ())), parts=tuple(k.get("parts", ())),
            titles=tuple(k.get("titles", ())), titles_unless=tuple(k.get("titles_unless", ())),
        )
        keys[spec.key] = spec
        for tier, group in enumerate((spec.synonyms, spec.fallback)):
            for s in group:
                syns.append(Synonym(s, "".join(words(s, connectors)), spec.key, tier))
    syns.sort(key=lambda s: (-len(s.canon), s.tier))
    return _Vocab(
        keys=keys,
        synonyms=tuple(syns),
        connectors=connectors,
        after=frozenset(data["match"]["after"]),
        qualifiers=frozenset(data["match"]["qualifiers"]),
        total_words=frozenset(data["match"]["total_words"]),
        value_words=frozenset(data["match"]["value_words"]),
        index_headers=tuple(data["match"]["index_headers"]),
        code_row=regex.compile(data["match"]["code_row"]),
        staff_units=tuple(data["staff"]["units"]),
        zero=tuple((regex.compile(z["pattern"]), tuple(z["keys"])) for z in data.get("zero", ())),
    )


@lru_cache(maxsize=1 << 16)
def match_label(label: str | None) -> LabelMatch | None:
    """The key a label names (longest synonym on word boundaries), or None."""
    if not label:
        return None
    v = vocab()
    if _cannot_match(_clean(label)):
        return None  # (jieba is the cost of a new label)
    ws = words(label)
    if not ws:
        return None
    joined = "".join(ws)
    bounds = [0]
    for w in ws:
        bounds.append(bounds[-1] + len(w))
    at = {b: i for i, b in enumerate(bounds)}
    for syn in v.synonyms:
        i = joined.find(syn.canon)
        while i >= 0:
            j = i + len(syn.canon)
            if i in at and j in at:
                before, after = ws[: at[i]], ws[at[j]:]
                scoped = [w for w in before if w in v.qualifiers and w not in v.keys[syn.key].accept]
                if all(w in v.after for w in after) and not scoped:
                    return LabelMatch(syn.key, syn.tier, syn.text)
            i = joined.find(syn.canon, i + 1)
    return None


@lru_cache(maxsize=1)
def _any_synonym() -> tuple[regex.Pattern, dict] | None:
    """Any synonym as matched, and a table that deletes the connectors' characters; None when a
    synonym has a connector character itself (then deleting them could hide it)."""
    v = vocab()
    chars = set("".join(v.connectors))
    canons = sorted({s.canon for s in v.synonyms}, key=len, reverse=True)
    if any(chars & set(c) or "".join(c.split()) != c for c in canons):
        return None
    return regex.compile("|".join(regex.escape(c) for c in canons)), str.maketrans("", "", "".join(chars))


def _cannot_match(cleaned: str) -> bool:
    """No synonym can match a cleaned label: its words (connectors and spaces dropped) join to a
    subsequence of it that keeps every other character, so a synonym that matches occurs in it
    with all connector characters and spaces deleted. Saves jieba for most new labels."""
    anything = _any_synonym()
    if anything is None:
        return False
    synonym, drop = anything
    return not synonym.search("".join(cleaned.translate(drop).split()))


@lru_cache(maxsize=1 << 16)
def is_total_label(label: str | None) -> bool:
    return not label or _clean(label) in vocab().total_words


@lru_cache(maxsize=1 << 16)
def takes_column_key(row_label: str | None) -> bool:
    """A row without a label, a total row or an "amount" row takes its key from the column header."""
    return is_total_label(row_label) or _clean(row_label or "") in vocab().value_words


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
                 evidence: str) -> Fact | None:
    my = _measure_year(measure, a.year, meta)
    if my is None:
        return None
    spec = vocab().keys[m.key]
    if spec.unit == "人":
        return None
    return _fact(m.key, a.amount_wan, "万元", my[0], my[1], a.amount_id, a.start, a.end, a.page, evidence,
                 origin, m.tier, my[2], units.half_last_digit(a.value, a.unit))


@dataclass(frozen=True)
class _TableView:
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
        return list(map(_TEXT, self.block.cells))


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
        return _title_scope(self.title) if self.title else frozenset()

    def title_key(self) -> LabelMatch | None:
        """The key a table's title names ("一般公共预算“三公”经费支出预算表"): its total row is that key."""
        return self._title_key

    @cached_property
    def _title_key(self) -> LabelMatch | None:
        if not self.title:
            return None
        title = _TITLE_TAIL.sub("", _clean(self.title))
        m = match_label(title)
        if m:
            return m
        for spec in vocab().keys.values():
            if any(title.endswith(t) for t in spec.titles) and not any(
                w in c.text for w in spec.titles_unless for c in self.block.cells
            ):
                return LabelMatch(spec.key, 0, title)
        return None


_TITLE_TAIL = regex.compile(r"(?:情况)?(?:总表|明细表|一览表|表)$")


@lru_cache(maxsize=1 << 12)
def _title_scope(title: str) -> frozenset[str]:
    """The scope words of a table title (titles repeat across reports: jieba once per title)."""
    return frozenset(w for w in words(title) if w in vocab().qualifiers)


# "单位：万元", "(单位：万元)", "金额单位：元" in a caption: the unit, not the title
_UNIT_PART = regex.compile(r"[（(]?\s*(?:金额)?单位\s*[:：]\s*\S*?元\s*[)）]?")


def _table_title(text: Text, i: int) -> str | None:
    b = text.blocks[i]
    if b.caption:
        # "十、…“三公”经费支出预算表 2026年度…“三公”经费支出预算表 单位：万元": the last title line
        # ("… 编制部门：某局 单位：元": the title is the last part that names a table)
        lines = [ln for ln in _UNIT_PART.sub(" ", b.caption).split() if not units.header_unit(ln)]
        titled = [ln for ln in lines if _TITLE_TAIL.search(ln)]
        if titled or lines:
            return (titled or lines)[-1]
    for j in range(i - 1, max(-1, i - 3), -1):
        p = text.blocks[j]
        if p.kind != "paragraph":
            break
        line = text.text[p.start:p.end].strip()
        if line and not units.header_unit(line) and len(line) <= 60:
            return line
    return b.caption


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


def _tables(text: Text) -> list[_TableView]:
    out = []
    for i, b in enumerate(text.blocks):
        if b.kind == "table":
            out.append(_TableView(len(out) + 1, b, b.grid(), _table_title(text, i), _unit_line(text, i)))
    return out


def _cell_key(t: _TableView, r: int, i: int, row_label: str | None) -> tuple[LabelMatch | None, str | None, list[str]]:
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
    if m and vocab().keys[m.key].unit != "人":
        return m, f"{t.title} / {row_label}", chain
    return None, row_label, chain


def header_measure(header: str | None) -> str | None:
    """The measure a table header states (money.toml's [measure] words and ignore list)."""
    return money.label_measure(header) if header else None


def _cell_measure(t: _TableView, r: int, i: int, chain: list[str], row_label: str | None) -> str | None:
    for h in [*chain, t.group_header(r, i), *t.spanning_headers(r, i), row_label]:
        m = header_measure(h)
        if m:
            return m
    return None


def _table_context(t: _TableView, label: str | None, chain: list[str], cell: Cell, unit_note: str = "") -> str:
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


_DIGITS = regex.compile(r"\d")


@lru_cache(maxsize=1 << 16)
def _significant(number: str) -> int:
    return len(_DIGITS.findall(number.lstrip("0.,")))


@lru_cache(maxsize=1 << 16)
def _cell_matchable(cell: str) -> Decimal | None:
    """`_matchable` of any cell text (None when it is not numeric)."""
    return _matchable(cell) if _numeric(cell) else None


@lru_cache(maxsize=1 << 16)
def _matchable(cell: str) -> Decimal | None:
    """The value of a numeric cell that may be compared with prose figures (not 0, at least 4
    significant digits with decimals, 5 without), else None."""
    m = _numeric(cell)
    need = 4 if "." in cell else 5
    v = units.to_decimal(m["number"])
    if v is None or v == 0 or _significant(m["number"]) < need:
        return None
    return v


def _comparable(a: Amount) -> bool:
    """A prose figure a table's figure may be compared with (not 0, at least 4 significant digits)."""
    return a.table_id is None and a.value != 0 and _significant(a.value_text) >= 4


def _cell_amounts(amounts: Sequence[Amount]) -> dict[int, dict[int, dict[int, Amount]]]:
    """The amounts money read from table cells, by table, row and column (the last one of a cell)."""
    out: dict[int, dict[int, dict[int, Amount]]] = {}
    for a in amounts:
        if a.table_id is not None:
            out.setdefault(a.table_id, {}).setdefault(a.row, {})[a.col] = a
    return out


def infer_table_units(tables: Sequence[_TableView], amounts: Sequence[Amount],
                      by_row: dict[int, dict[int, dict[int, Amount]]] | None = None) -> list[UnitInference]:
    """Units of tables that print none in their caption or header.

    1. a unit line just above the table ("编制部门：… 单位：元");
    2. else the unit that makes the table's figures equal to figures stated with a unit in prose,
       to the coarser of the two printed precisions (156,211,123 -> 元, because the prose says
       15621.11万元). Only figures of at least 4 significant digits on both sides count (5 for a
       table figure without decimals), so that 0.13 or a row number matches nothing. Figures that
       match in two units leave the table unread (`ambiguous`)."""
    import bisect

    by_row = _cell_amounts(amounts) if by_row is None else by_row
    prose: list | None = None  # the prose figures, sorted, once a table needs them
    has_prose: bool | None = None  # whether there is one (asked before a table's cells are read)
    names = units.unit_names()
    out = []
    for t in tables:
        if tm.table_unit(t.block):
            continue  # a table that prints its unit is read in it, whatever the prose or a line above says
        # a table whose figures are all amounts already has a unit: no need to look for one
        taken = by_row.get(t.table_id, {})  # row -> column -> amount
        cells = t.block.cells
        if t.unit_line:
            if any(_numeric(c.text) and c.col not in taken.get(c.row, ()) for c in cells):
                unit, line = t.unit_line
                out.append(UnitInference(t.table_id, unit, None, None, f"表{t.table_id}: unit from the line above: {line}"))
            continue
        if has_prose is None:
            has_prose = any(map(_comparable, amounts))
        if not has_prose:
            continue  # no prose figure to compare with: no table figure can match one
        # the figures that can be compared with prose, in cell order: a C-level map over the texts
        # and the few cells it leaves (a matchable value is never 0, so compress keeps just them)
        values = list(map(_cell_matchable, t.texts))
        figures = [values[j] for j in compress(range(len(values)), values)
                   if cells[j].col not in taken.get(cells[j].row, ())]
        if not figures:
            continue  # nothing to compare with the prose: nothing is inferred, whatever the table prints
        if prose is None:
            prose = sorted(
                ((units.to_yuan(a.value, a.unit), units.half_last_digit(a.value, a.unit, "元"), a)
                 for a in amounts if _comparable(a)),
                key=lambda p: (p[0], p[2].amount_id),
            )
            yuans = [p[0] for p in prose]
            widest = max((p[1] for p in prose), default=Decimal(0))
        found: dict[str, tuple[Decimal, Amount]] = {}
        seen = set()
        for v in figures:
            printed = v.as_tuple()
            if printed in seen:
                continue  # the same figure again (合计 = 财政拨款): it can only find what it found first
            seen.add(printed)
            for u in names:
                target = units.to_yuan(v, u)
                own = units.half_last_digit(v, u, "元")
                lo = bisect.bisect_left(yuans, target - widest - own)
                hi = bisect.bisect_right(yuans, target + widest + own)
                for yuan, half, a in prose[lo:hi]:
                    if abs(yuan - target) <= max(half, own):
                        found.setdefault(u, (v, a))
                        break
        if not found:
            continue
        if found:
            unit, (v, a) = next(iter(found.items()))
            others = tuple(u for u in found if u != unit)
            out.append(UnitInference(
                t.table_id, unit, v, a.amount_id,
                f"表{t.table_id} prints no unit; its figure {v} {unit} is stated as {a.value_text} in prose "
                f"(amount {a.amount_id}: {a.context[:60]})"
                + (f"; but other figures match in {', '.join(others)}" if others else ""),
                others,
            ))
    return out


@lru_cache(maxsize=1 << 16)
def _numeric(text: str) -> regex.Match | None:
    """money's numeric-cell match of a cell text (cell texts repeat: 0.00, 合计, 1 2 3 …)."""
    return tm.FIGURE.match(text)


def _skip_row(row: list[Cell], nums: list[str] | None = None) -> bool:
    """A classification line (its first cell a code) or a row that numbers the columns. `nums`:
    the texts of the row's numeric cells in order, when the caller has them (a numeric text is
    never empty, so they are the filled texts `_numeric` matches)."""
    filled = [c.text for c in row if c.text]
    if not filled:
        return True
    if nums is None:
        nums = [x for x in filled if _numeric(x)]
    if vocab().code_row.match(filled[0]) and len(filled) > 1 and filled[1] not in nums:
        return True  # "30217 | 公务接待费 | 41.95"; not "13045 | 2000" (figures in 元)
    return len(nums) >= 2 and nums[0] == "1" and nums == [str(k) for k in range(1, len(nums) + 1)]


def _table_candidates(text: Text, tables: Sequence[_TableView], amounts: Sequence[Amount],
                      inferred: dict[int, UnitInference], meta: Metadata,
                      by_row: dict[int, dict[int, dict[int, Amount]]] | None = None) -> list[Fact]:
    by_row = _cell_amounts(amounts) if by_row is None else by_row
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
        # without an inferred unit only the cells money read give a fact: only their rows are read
        rows = range(len(grid)) if inf is not None else sorted(r for r in table_amounts if r is not None and 0 <= r < len(grid))
        for r in rows:
            row = grid[r]
            row_amounts = table_amounts.get(r, {})
            # only numeric cells are figures (a cell with its own unit inside is read as prose)
            numeric = list(map(_numeric, map(_TEXT, row)))
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
            for (i, c, m_num), row_label in named:
                m, label, chain = _cell_key(t, r, i, row_label)
                if m is None or keys[m.key].unit == "人":
                    continue
                if chain and any(w in chain[0] for w in v.index_headers):
                    continue
                if t.scope() - set(keys[m.key].accept):
                    continue  # a table of 财政拨款 / 政府性基金 … money only
                measure = _cell_measure(t, r, i, chain, row_label)  # the same headers money reads
                a = row_amounts.get(c.col)
                if a is not None:
                    f = _amount_fact(a, m, meta, TABLE, measure, _table_context(t, label, chain, c))
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
                my = _measure_year(measure, None, meta)
                if my is None:
                    continue
                out.append(_fact(
                    key=m.key, value=units.to_wan(value, inf.unit), unit="万元", measure=my[0], year=my[1],
                    amount_id=None, start=c.start, end=c.end, page=t.block.page,
                    evidence=_table_context(t, label, chain, c, f"unit {inf.unit} inferred: {inf.evidence}"),
                    origin=TABLE, tier=m.tier, year_stated=False, half_ulp=units.half_last_digit(value, inf.unit),
                ))
                placed.append((out[-1], r))
        out.extend(_blank_parts(t, placed))
    return out


def _blank_parts(t: _TableView, placed: Sequence[tuple[Fact, int]]) -> list[Fact]:
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
                evidence=_table_context(t, header, [], cell,
                                        f"blank; {total.key} {total.value} = "
                                        + " + ".join(f"{o.key} {o.value}" for o in others) + " leaves 0"),
                tier=1, half_ulp=Decimal(0),
            ))
    return out


def _prose_candidates(amounts: Sequence[Amount], meta: Metadata) -> list[Fact]:
    out = []
    for a in amounts:
        if a.table_id is not None and a.value_text.strip() == a.value_text and _numeric(a.value_text):
            continue  # a bare table cell: read with its headers in _table_candidates
        m = match_label(a.label)
        if m is None:
            continue
        f = _amount_fact(a, m, meta, TABLE if a.table_id is not None else PROSE, a.measure, a.context)
        if f:
            out.append(f)
    return out


# --- staff counts --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _staff_re() -> regex.Pattern:
    units_alt = "|".join(regex.escape(u) for u in vocab().staff_units)
    return regex.compile(
        rf"""
        (?<![\d.])
        (?P<number>\d{{1,6}})
        \s*
        (?P<unit>{units_alt})
        (?!次|民|员|大|口|均)          # 人次, 人民, 人员, 人大, 人口, 人均 are not counts of staff
        """,
        regex.VERBOSE,
    )


_STAFF_LINK = regex.compile(r"(?:共有|共计|合计|总计|共|为|有|达|是)\s*$")
_CLAUSE_DELIMS = "，,。；;！？!?\n\t"
# one of _CLAUSE_DELIMS, searched backwards: .search(text, lo, pos) finds the last before pos
_CLAUSE_BREAK = regex.compile("[" + regex.escape(_CLAUSE_DELIMS) + "]", regex.REVERSE)


def _staff_anchors(text: str) -> list[int]:
    """Positions of a staff unit right after a digit or a space: every staff count (`_staff_re`:
    digits, spaces, unit) has one, so a span without one holds no count. (str.find over the whole
    text: a pattern starting with a digit class is slow, and even `人|名` scans at a few MB/s;
    splitting the text on the unit and testing the pieces' last characters was no faster.)"""
    out = []
    find = text.find
    for u in vocab().staff_units:
        i = find(u)
        while i >= 0:
            if i:
                ch = text[i - 1]
                # most units follow a CJK ideograph (人员, 人民), never a digit or a space (tested)
                if not _CJK_LO <= ch <= _CJK_HI and (ch.isdigit() or ch.isspace()):  # wider than \d, \s
                    out.append(i)
            i = find(u, i + 1)
    return out


_CJK_LO, _CJK_HI = "\u4e00", "\u9fff"  # CJK Unified Ideographs


_START = attrgetter("start")
_TEXT = attrgetter("text")
_END = attrgetter("end")


def _spans(text: Text):
    """(start, end, page) of running text: paragraphs, and table cells that hold sentences."""
    for b in text.blocks:
        if b.kind == "paragraph":
            yield b.start, b.end, b.page
        else:
            for c in b.cells:
                if len(c.text) > 12:
                    yield c.start, c.end, b.page


def _spans_at(text: Text, positions: Sequence[int]) -> list[tuple[int, int, int | None]]:
    """The spans of `_spans` that contain one of `positions`, in the same order: a scan of these
    finds what a scan of every span finds when a match must contain one of the positions."""
    import bisect

    if not positions:
        return []
    starts = list(map(_START, text.blocks))  # the blocks tile the text, in order
    hit: set[tuple[int, int]] = set()
    in_table: dict[int, list[int]] = {}  # table block -> its positions
    for p in positions:
        k = bisect.bisect_right(starts, p) - 1
        if k < 0:
            continue
        b = text.blocks[k]
        if not b.start <= p < b.end:
            continue
        if b.kind == "paragraph":
            hit.add((k, -1))
        else:
            in_table.setdefault(k, []).append(p)
    for k, ps in in_table.items():
        cells = text.blocks[k].cells
        starts = list(map(_START, cells))
        ends = list(map(_END, cells))
        if all(map(le, ends, starts[1:])):
            # cells in order and apart (as normalise lays them out): the one that may hold p is the
            # last starting at or before it
            for p in ps:
                j = bisect.bisect_right(starts, p) - 1
                if j >= 0 and p < ends[j] and len(cells[j].text) > 12:
                    hit.add((k, j))
            continue
        # otherwise one pass over the cells, not one per position
        ps.sort()
        for j, c in enumerate(cells):
            if len(c.text) > 12:
                x = bisect.bisect_left(ps, c.start)
                if x < len(ps) and ps[x] < c.end:
                    hit.add((k, j))
    out = []
    for k, j in sorted(hit):
        b = text.blocks[k]
        out.append((b.start, b.end, b.page) if j < 0 else (b.cells[j].start, b.cells[j].end, b.page))
    return out


def _staff_prose(text: Text, meta: Metadata) -> list[Fact]:
    out = []
    for lo, hi, page in _spans_at(text, _staff_anchors(text.text)):
        for m in _staff_re().finditer(text.text, lo, hi):
            # the last delimiter before the count, no further back than money's max_lookback: linear
            look = money.vocab().max_lookback
            back = max(lo, m.start() - look)
            d = _CLAUSE_BREAK.search(text.text, back, m.start())
            i = d.end() if d else back
            label = _STAFF_LINK.sub("", text.text[i:m.start()].strip())
            lm = match_label(label)
            if lm is None or vocab().keys[lm.key].unit != "人":
                continue
            k = text.text.rfind("。", max(lo, i - look), i)
            j = k + 1 if k >= 0 else max(lo, i - look)
            count = Decimal(m["number"])
            out.append(_fact(
                key=lm.key, value=count, unit="人", measure=None, year=meta.fiscal_year,
                amount_id=None, start=m.start("number"), end=m.end(), page=page,
                evidence=text.text[j:min(hi, m.end() + 20)].replace("\n", " "), origin=PROSE, tier=lm.tier,
                half_ulp=units.half_last_digit(count),
            ))
    return out


_COUNT = regex.compile(r"^(?P<number>\d{1,6})\s*(?:人|名)?$")


def anchor_chars(names: Sequence[str], common: str = "") -> str:
    """Characters such that every name contains one (a greedy cover: characters rarest in `common`
    first, then those in most names). A label that names a key contains every character of
    one of its synonyms' `canon` (cleaning only drops characters and makes ASCII parentheses
    full-width), so it contains one of these."""
    left = [n.replace("（", "").replace("）", "") for n in names]
    out = ""
    while left:
        counts: dict[str, int] = {}
        for n in left:
            for ch in set(n):
                counts[ch] = counts.get(ch, 0) + 1
        best = min(counts, key=lambda ch: (common.count(ch), -counts[ch], ch))
        out += best
        left = [n for n in left if best not in n]
    return out


@lru_cache(maxsize=1)
def _staff_label_anchor() -> regex.Pattern:
    """One of the characters every synonym of a staff key has (see `anchor_chars`), preferring
    characters the money keys, filler words and staff units do not use (人 of 人员经费 and of "23人"
    is in most tables)."""
    return regex.compile("[" + regex.escape(_staff_label_chars()) + "]")


@lru_cache(maxsize=1)
def _staff_label_chars() -> str:
    """The characters of `_staff_label_anchor` (found by str.find: a character class scans slowly)."""
    v = vocab()
    staff = [s.canon for s in v.synonyms if v.keys[s.key].unit == "人"]
    common = "".join(s.canon for s in v.synonyms if v.keys[s.key].unit != "人") + "".join(
        sorted(v.after | v.total_words | v.value_words)) + "".join(v.staff_units)
    return anchor_chars(staff, common)


@lru_cache(maxsize=1 << 16)
def _staff_label(text: str) -> LabelMatch | None:
    """The staff key a table cell names (not a count itself), or None."""
    lm = match_label(text) if text and not _COUNT.match(text) else None
    return lm if lm is not None and vocab().keys[lm.key].unit == "人" else None


def _staff_tables(tables: Sequence[_TableView], meta: Metadata) -> list[Fact]:
    import bisect
    from itertools import accumulate

    out = []
    chars = _staff_label_chars()
    for t in tables:
        # only cells with an anchor character can name a staff key: find them in the joined texts
        cells = t.block.cells
        texts = t.texts
        joined = "".join(texts)
        at = []
        for ch in chars:
            k = joined.find(ch)
            while k >= 0:
                at.append(k)
                k = joined.find(ch, k + 1)
        if not at:
            continue
        ends = list(accumulate(map(len, texts)))
        named = set()
        for k in at:
            c = cells[bisect.bisect_right(ends, k)]
            if _staff_label(c.text) is not None:
                row = t.grid[c.row]
                named.add((c.row, next(i for i, x in enumerate(row) if x is c)))
        for r, i in sorted(named):  # in reading order, as a scan of every cell would find them
            row = t.grid[r]
            c = row[i]
            lm = _staff_label(c.text)
            right = next((x for x in row[i + 1:] if x.text), None)
            below = t.grid[r + 1][i] if r + 1 < len(t.grid) and i < len(t.grid[r + 1]) else None
            for cell in (right, below):
                if cell is not None and _COUNT.match(cell.text):
                    count = Decimal(_COUNT.match(cell.text)["number"])
                    out.append(_fact(
                        key=lm.key, value=count, unit="人", measure=None,
                        year=meta.fiscal_year, amount_id=None, start=cell.start, end=cell.end, page=t.block.page,
                        evidence=_table_context(t, c.text, [], cell), origin=TABLE, tier=lm.tier,
                        half_ulp=units.half_last_digit(count),
                    ))
                    break
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
        spans = _spans_at(text, [i for lit in literals for i in _literal_positions(text.text, lit)])
    else:
        zero = [(p, keys) for p, keys in zero if not _context_free(p) or p.search(text.text)]
        spans = _spans(text) if zero else []
    for lo, hi, page in spans:
        for pattern, keys in zero:
            for m in pattern.finditer(text.text, lo, hi):
                k = text.text.rfind("。", lo, m.start())
                ev = text.text[(k + 1 if k >= 0 else lo):min(hi, m.end() + 40)].replace("\n", " ")
                for key in keys:
                    out.append(_fact(key=key, value=Decimal(0), unit="万元", measure=measure, year=meta.fiscal_year,
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
    tables = _tables(text)
    by_row = _cell_amounts(amounts)  # (one pass over the amounts for both)
    inferences = infer_table_units(tables, amounts, by_row)
    inferred = {u.table_id: u for u in inferences if not u.ambiguous}
    candidates = (
        _prose_candidates(amounts, meta)
        + _table_candidates(text, tables, amounts, inferred, meta, by_row)
        + _staff_prose(text, meta)
        + _staff_tables(tables, meta)
        + _zero_statements(text, meta)
    )
    candidates.sort(key=lambda f: f.start)
    return Resolved(tuple(select(candidates)), tuple(candidates), tuple(inferences))
