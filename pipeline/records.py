"""Typed records that flow between the stages.

load -> Source -> (readers) -> Para/Grid -> normalise -> Text (+ Block, Cell)
     -> segment -> Section -> extract -> Amount ... -> write

Every record is frozen: a stage returns new records and never edits its input.
Offsets (`start`, `end`) always index `Text.text`, the document's normalised text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.textutil import new_record


class DocumentError(Exception):
    """A document cannot be processed; `reason` is a short machine-readable code."""

    def __init__(self, reason: str, detail: str = "", *, sha256: str | None = None, size: int | None = None):
        self.reason = reason
        self.detail = detail
        self.sha256 = sha256  # identity of the file when `load` could establish it
        self.size = size
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class Source:
    """One input file as bytes, as `load` read it."""

    path: str
    format: str  # txt, pdf, docx, html
    data: bytes = field(repr=False)
    sha256: str
    size: int

    @property
    def doc_id(self) -> str:
        return self.sha256[:16]


# --- what a format reader produces: logical blocks without offsets -------------------------


@dataclass(frozen=True)
class Para:
    """A paragraph of running text (already unwrapped)."""

    text: str
    page: int | None = None
    heading: bool = False  # the reader knows it is a heading (markdown ##, a DOCX heading style)
    # (offset in `text`, offset in the decoded source text) for each joined fragment; text formats only
    anchors: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Grid:
    """A table as rows of cell strings; an empty string is an empty (or merged) cell."""

    rows: tuple[tuple[str, ...], ...]
    page: int | None = None
    caption: str | None = None
    # per cell, its offset in the decoded source text (text formats only), same shape as rows
    src: tuple[tuple[int | None, ...], ...] = ()
    # each row's page, where the reader joined a table continued over pages (empty: all on `page`)
    row_pages: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class Decoded:
    """What a reader returns: its blocks plus page count and notes for the documents row."""

    blocks: tuple[Para | Grid, ...]
    n_pages: int | None = None
    warnings: tuple[str, ...] = ()
    # The reader vouches that no text holds a character normalise_chars would change or a CR, and
    # no cell a line break or tab: normalise then skips its own scan of all the texts for them.
    # False claims nothing. Not part of equality: it is a hint, the blocks are the content.
    plain: bool = field(default=False, compare=False)


# --- normalised text with positioned blocks -------------------------------------------------


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Block:
    block_id: int
    kind: str  # "paragraph" | "table"
    start: int
    end: int
    page: int | None
    heading: bool = False
    caption: str | None = None
    cells: tuple[Cell, ...] = ()
    n_rows: int = 0
    n_cols: int = 0
    # each row's page, where the reader joined a table continued over pages (empty: all on `page`)
    row_pages: tuple[int | None, ...] = ()

    def row_page(self, row: int) -> int | None:
        """The page row `row` of a table stands on."""
        return self.row_pages[row] if row < len(self.row_pages) else self.page

    def grid(self) -> list[list[Cell]]:
        """The cells by row. Built once per block (several extractors ask); callers get the shared
        lists and must not change them."""
        rows = self.__dict__.get("_grid")
        if rows is None:
            rows = [[] for _ in range(self.n_rows)]
            for c in self.cells:
                rows[c.row].append(c)
            self.__dict__["_grid"] = rows  # a cache, not a field: frozen-ness is about the fields
        return rows


@dataclass(frozen=True)
class Text:
    """A document's normalised text. `blocks` tile it; `anchors` map offsets back to the source."""

    doc_id: str
    text: str
    blocks: tuple[Block, ...]
    n_pages: int | None = None
    anchors: tuple[tuple[int, int], ...] = ()  # (normalised offset, source offset), ascending
    warnings: tuple[str, ...] = ()

    def source_offset(self, offset: int) -> int | None:
        """Where a normalised offset came from in the decoded source text (text formats only)."""
        import bisect

        if not self.anchors:
            return None
        i = bisect.bisect_right(self.anchors, (offset, float("inf"))) - 1
        if i < 0:
            return None
        norm, src = self.anchors[i]
        return src + (offset - norm)

    def page_at(self, offset: int) -> int | None:
        for b in self.blocks:
            if b.start <= offset < b.end or (b.start == b.end == offset):
                return b.page
        return None


# --- extracted records ------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    section_id: int
    parent_id: int | None
    level: int
    number: str
    title: str
    start: int
    end: int
    page: int | None


@dataclass(frozen=True)
class TableCell:
    table_id: int
    section_id: int | None
    page: int | None
    caption: str | None
    unit: str | None
    row: int
    col: int
    text: str


@dataclass(frozen=True)
class Amount:
    amount_id: int
    section_id: int | None
    label: str
    value_text: str
    value: Decimal
    unit: str
    amount_yuan: Decimal
    amount_wan: Decimal
    share_pct: Decimal | None
    change_pct: Decimal | None
    year: int | None
    measure: str | None
    table_id: int | None
    row: int | None
    col: int | None
    start: int
    end: int
    page: int | None
    context: str


@dataclass(frozen=True)
class Metadata:
    title: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    department: str | None = None
    fiscal_year: int | None = None
    doc_kinds: tuple[str, ...] = ()


# --- performance evaluation records (indicators, scores, projects) -------------------------------


@dataclass(frozen=True)
class Indicator:
    """One row of a performance-indicator table (绩效指标表, 计分表)."""

    indicator_id: int
    table_id: int | None
    subject: str | None  # project name, or the department for 部门整体 tables
    level1: str | None
    level2: str | None
    level3: str | None
    operator: str | None  # ≥ ≤ = > < 定性, or None
    target_raw: str | None
    target_value: Decimal | None
    target_unit: str | None
    actual_raw: str | None
    actual_value: Decimal | None
    actual_unit: str | None
    weight: Decimal | None
    score: Decimal | None
    note: str | None
    page: int | None


@dataclass(frozen=True)
class Score:
    """A self-evaluation score or grade of the department or of one project."""

    subject: str | None
    scope: str  # "department" | "project"
    score: Decimal | None
    max_score: Decimal | None
    grade: str | None  # 优 良 中 差, or None
    start: int
    end: int
    page: int | None
    evidence: str


@dataclass(frozen=True)
class Project:
    """A project with its budget execution, in 万元 (exact Decimal)."""

    name: str
    code: str | None
    budget_initial_wan: Decimal | None
    budget_adjusted_wan: Decimal | None
    executed_wan: Decimal | None
    execution_rate: Decimal | None  # percent
    score: Decimal | None
    grade: str | None
    page: int | None


@dataclass(frozen=True)
class DocResult:
    """Everything one document produced: its documents row and, per other table, its columns
    (column name -> values, every column of a table the same length; a table without rows is
    absent). Columns, not a dict per row: they cost far less to build, pickle and convert.

    An exact number (a Decimal field of a record) is carried in its column as the Decimal's own
    text, `decimal_texts`: str(Decimal) is exact, and Decimal objects cost more to pickle and to
    convert to Arrow than all the other columns together. The writer casts the text to the
    column's decimal type in Arrow; `rows` gives Decimals back."""

    document: dict
    columns: dict[str, dict[str, list]] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, list[dict]]:
        """The same as row dicts, table by table, numbers as Decimal (for tests and inspection)."""
        out = {}
        for name, cols in self.columns.items():
            cols = {k: [Decimal(v) if type(v) is str else v for v in vs] if k in _numeric_columns(name) else vs
                    for k, vs in cols.items()}
            out[name] = [dict(zip(cols, vals)) for vals in zip(*cols.values())]
        return out


def decimal_texts(values: list) -> list:
    """Decimals (or None) as their exact text, the form DocResult columns carry them in."""
    return [None if v is None else str(v) for v in values]


def _numeric_columns(table: str) -> frozenset[str]:
    from schemas.tables import TABLES, numeric_columns  # pyarrow: only for inspection, not in workers

    return numeric_columns(table) if table in TABLES else frozenset()


# --- facts (pipeline/resolve.py selects them; staff counts make them too) ---------------------------
TABLE, PROSE = "table", "prose"


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
    statement: str | None = None  # the standard statement kind it was read from (statement_checks.statement_facts)

    def row(self, doc_id: str) -> dict:
        return {
            "doc_id": doc_id, "key": self.key, "value": self.value, "unit": self.unit, "measure": self.measure,
            "year": self.year, "amount_id": self.amount_id, "start": self.start, "end": self.end,
            "page": self.page, "evidence": self.evidence,
        }


def fact(key: str, value: Decimal, unit: str, measure: str | None, year: int | None, amount_id: int | None,
          start: int, end: int, page: int | None, evidence: str, origin: str = PROSE, tier: int = 0,
          year_stated: bool = False, half_ulp: Decimal = Decimal("0.005"), statement: str | None = None) -> Fact:
    """Fact(...) built as textutil.new_record builds a record (every field, in order), not through
    the frozen __init__ (~0.3 µs a field): candidates are made by the dozen per document.
    tests/test_facts.py checks it equals Fact(...)."""
    return new_record(Fact, {
        "key": key, "value": value, "unit": unit, "measure": measure, "year": year, "amount_id": amount_id,
        "start": start, "end": end, "page": page, "evidence": evidence, "origin": origin, "tier": tier,
        "year_stated": year_stated, "half_ulp": half_ulp, "statement": statement,
    })
