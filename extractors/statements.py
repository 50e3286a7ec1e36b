"""statements: the standard statements of a 部门决算 / 部门预算 (DESIGN §9) as `statement_lines`.

A table of the table model (pipeline/table_model.py) is a statement when its title names a kind
of `schemas/statements.toml`, or, without a title, when its header shape is a kind's. Every data
row × money column with a figure becomes a `StatementLine`, the value exact (Decimal) in the
unit the cell, its column or its table states (DESIGN §6).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import lru_cache

import regex

from extractors import units as units_mod
from pipeline import table_model as tm
from pipeline.records import Text
from schemas.vocab import numbering, read_toml


@dataclass(frozen=True)
class Kind:
    key: str
    titles: tuple[str, ...]
    classification: str
    roles: tuple[str, ...]
    shape: tuple[str, ...]
    name_words: tuple[str, ...]
    identities: tuple[str, ...]
    total_role: str | None = None  # the role of the 合计 column of a table printing the parts as columns

    @property
    def parts(self) -> frozenset[str]:
        """The roles of the parts of `total_role`: the kind's roles but the labels and the totals."""
        return frozenset(self.roles) - {"code", "name", "total", self.total_role}


@dataclass(frozen=True)
class Vocab:
    kinds: tuple[Kind, ...]
    numbering: regex.Pattern
    measure_words: tuple[tuple[str, str], ...]  # (word, measure)
    not_measure: tuple[str, ...]


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    d = read_toml("schemas", "statements.toml")
    kinds = tuple(
        Kind(k["key"], tuple(tm.squash(t) for t in k["titles"]), k["classification"], tuple(k.get("roles", [])),
             tuple(k.get("shape", [])), tuple(k.get("name_words", [])), tuple(k.get("identities", [])),
             k.get("total_role"))
        for k in d["kind"]
    )
    mw = dict(d["measure_words"])
    not_measure = tuple(mw.pop("not_measure", ()))
    words = tuple((w, m) for m, ws in mw.items() for w in ws)
    # a title's number (schemas/headings.toml [numbering]), or an 附件 number alone ("附件1：收支总表")
    numbered = regex.compile(rf"^\s*(?:{numbering().table}|附件\s*\d*\s*[:：]?)?\s*", regex.VERBOSE)
    return Vocab(kinds, numbered, words, not_measure)


@dataclass(frozen=True)
class StatementLine:
    statement: str  # canonical kind
    statement_title: str | None  # as printed
    table_id: int
    row: int
    col: int
    code: str | None
    name: str | None
    classification: str | None
    level: str | None
    column_role: str | None
    column_header: str
    measure: str | None
    year: int | None
    value: Decimal
    unit: str | None
    amount_wan: Decimal | None
    page: int | None
    start: int
    end: int

    def row_dict(self, doc_id: str) -> dict:
        d = {"doc_id": doc_id}
        d.update(asdict(self))
        return d


_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年(?:度)?")
# the caption's tail: 部门名称：… 单位：万元 (layout joins them onto the title line)
_TAIL = re.compile(r"""(?x) \s (?:部门|单位|编制单位|预算单位|金额单位)(?:名称)?\s*[:：] .* $""")


def clean_title(title: str) -> str:
    """The title as matched: the caption's 部门名称/单位 tail, the numbering, the year, the spaces and
    quotes gone ("表1：2026年市级部门收支预算总表 单位：万元" -> "市级部门收支预算总表")."""
    t = _TAIL.sub("", title.split("\n")[0])
    t = vocab().numbering.sub("", t, count=1)
    t = _YEAR.sub("", t)
    return tm.squash(t)


def kind_of_title(title: str | None) -> Kind | None:
    if not title:
        return None
    t = clean_title(title)
    best, best_len = None, 0
    for k in vocab().kinds:
        for alias in k.titles:
            if alias in t and len(alias) > best_len:
                best, best_len = k, len(alias)
    return best


def kind_of_shape(table: tm.Table) -> Kind | None:
    present = {c.role for c in table.columns}
    names = "".join(c.header for c in table.columns if c.role in ("name", "code"))
    for k in vocab().kinds:
        if k.shape and set(k.shape) <= present and (not k.name_words or any(w in names for w in k.name_words)):
            return k
    return None


def measure_of(title: str | None) -> str | None:
    if not title:
        return None
    v = vocab()
    for phrase in v.not_measure:
        title = title.replace(phrase, "")
    for w, m in v.measure_words:
        if w in title:
            return m
    return None


_COLUMN_MEASURE = {"budget": "budget", "initial_budget": "budget", "adjusted_budget": "budget",
                   "actual": "actual", "prior_year": "prior_year"}


def table_lines(text: Text, table: tm.Table, fiscal_year: int | None, doc_measure: str | None,
                unit: str | None = None) -> list[StatementLine]:
    """The statement lines of one table, or [] when it is no standard statement."""
    kind = kind_of_title(table.title) or (kind_of_shape(table) if table.header_rows else None)
    if kind is None:
        return []
    rs = tm.roles()
    title = table.title.split("\n")[0] if table.title else None
    if title:
        title = _TAIL.sub("", title).strip()
    measure = measure_of(clean_title(table.title)) if table.title else None
    measure = measure or doc_measure
    m = _YEAR.search(table.title or "")
    year = int(m["year"]) if m else fiscal_year
    money_cols = [c for c in table.columns if rs.money(c.role)]
    # a column headed by a year (烟台 三公: 2025年预算数 | 2026年预算数 over the same parts): that
    # year's figures, an earlier year than the table's the prior year's
    col_years = {c.index: c.year for c in money_cols if c.year}  # the table model's (tm.chain_year)
    this_year = year or max(col_years.values(), default=None)
    # a statement printing the parts of its total as columns (三公: 因公出国 | 公务用车 | 公务接待): its
    # 合计 column is the kind's `total_role`. Printed as rows (行政经费 / “三公”经费 / （一）因公出国…,
    # one column per fund), the 合计 column is the total of the funds; the row's name says what it is.
    # (江苏 09表 prints “三公”经费/小计 of its own beside a 合计 that adds 会议费 and 培训费)
    parts_as_columns = bool(kind.total_role) and any(c.role in kind.parts for c in money_cols) \
        and not any(c.role == kind.total_role for c in money_cols)
    out = []
    for r in table.rows:
        for c in money_cols:
            cell = next((x for x in r.cells if x.col == c.index), None)
            if cell is None:
                continue
            v = tm.figure(cell.text)
            if v is None:
                continue
            name_col = table.name_col_for(c.index)
            if name_col is not None and name_col != r.name_col:
                texts = {x.col: x.text for x in r.cells}
                cc = table.code_col_for(c.index)
                code_cols = [cc] if cc is not None and cc > (r.name_col if r.name_col is not None else -1) else []
                code, name = tm.row_code(texts, code_cols, name_col)
                level = tm.LEVELS.get(len(code)) if code else None
            else:
                name, code, level = r.name, r.code, r.level
            if name is None and code is None:
                name = _label_elsewhere(r, c.index)  # 合计 printed in the code column
            if name is None and code is None:
                if any(x.role == "name" for x in table.columns):
                    continue
                name = None  # a statement without a label column (三公 one-row tables): the whole
            u = tm.cell_unit(table, r, c.index) or unit
            wan = units_mod.to_wan(v, u) if u else None
            cm = _COLUMN_MEASURE.get(c.measure or c.role or "")
            line_year = year - 1 if cm == "prior_year" and year else year
            cy = col_years.get(c.index)
            if cy is not None and this_year is not None:
                line_year = cy
                if cy < this_year:
                    cm = "prior_year"
            role = kind.total_role if parts_as_columns and c.role == "total" else c.role
            out.append(StatementLine(
                statement=kind.key, statement_title=title, table_id=table.table_id, row=r.index, col=c.index,
                code=code, name=name, classification=_classification(kind, code), level=level,
                column_role=role, column_header=c.header, measure=cm or measure,
                year=line_year, value=v, unit=u, amount_wan=wan,
                page=r.page, start=cell.start, end=cell.end,
            ))
    return out


def _label_elsewhere(r: tm.Row, col: int) -> str | None:
    """The label of a figure whose row has an empty name cell, printed in another cell (合计 in the
    科目编码 column): the nearest cell left of the figure's column holding text, not a figure."""
    for x in sorted(r.cells, key=lambda x: x.col, reverse=True):
        t = x.text.strip()
        if x.col < col and t and tm.figure(t) is None:
            return t
    return None


def _classification(kind: Kind, code: str | None) -> str:
    if code and code[0] == "3" and len(code) in (3, 5):
        return "economic"
    if code and kind.classification == "economic" and code[0] != "3":
        return "functional"
    return kind.classification


def text_to_statement_lines(text: Text, tables: list[tm.Table], fiscal_year: int | None,
                            doc_measure: str | None, units: dict[int, str] | None = None) -> list[StatementLine]:
    units = units or {}
    out = []
    for t in tables:
        out.extend(table_lines(text, t, fiscal_year, doc_measure, units.get(t.table_id)))
    return out
