"""Performance-indicator tables -> `Indicator` rows.

A table block may hold several form sections; an indicator part starts at a header row found by
the table model's column roles
(pipeline/table_model.py `evaluation_roles`; detection in indicator_headers.toml) and runs until a row that opens another form section.
Rows keep their empty (merged) cells in most layouts and are read by position; a row that lost
its empty cells (flattened PDF text: no 度量单位 on a 定性 row, no merged 一级指标) is aligned to
the header by what its cells contain. Merged 一级/二级指标 cells fill down.

Total rows (合计, 总分) and grade rows (评价等级) are not indicators: they are kept on the part
for `scores`.
"""
from __future__ import annotations

import bisect
import inspect
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import regex

from extractors.indicator_values import (
    QUALITATIVE,
    Value,
    looks_like_unit,
    normalise_operator,
    parse_number,
    parse_value,
    vocabulary,
)
from extractors.subjects import (
    Subject,
    clean_name,
    _block_starts,
    block_firsts,
    block_rows,
    compact,
    context_subject,
    may_hold,
    paragraph_runs,
    row_cells,
    same_subject,
    table_subject,
)
from pipeline.records import Block, Cell, Indicator, Text
from pipeline.table_model import evaluation_headers, evaluation_roles, evaluation_row_roles, header_label
from pipeline.textutil import new_record
from schemas.vocab import read_toml

_NO_VALUE = {"", "/", "-", "—", "－", "——", "--"}

_WEIGHT_IN_NAME = regex.compile(
    r"""
    [（(]\s*
    (?P<weight>\d+(?:\.\d+)?)\s*分        # "目标设置（5分）"
    \s*[)）]
    """,
    regex.VERBOSE,
)
# grades as printed -> as recorded (优 良 中 差): extractors/score_patterns.toml [grades]
GRADES = dict(read_toml("extractors", "score_patterns.toml")["grades"])
_GRADE = regex.compile(rf"^(?P<grade>{'|'.join(sorted(GRADES, key=len, reverse=True))})(?![\p{{Han}}])")


@dataclass(frozen=True)
class Header:
    row: int
    roles: dict[int, str]  # column -> role
    n_cells: int


@dataclass
class TablePart:
    """An indicator section of a table block: its header, subject and rows."""

    block: Block
    header: Header
    subject: Subject
    data_rows: list[int] = field(default_factory=list)
    total_rows: list[int] = field(default_factory=list)
    grade_rows: list[int] = field(default_factory=list)
    continues: bool = False  # the rows go on from the previous table block (a page break)


# --- vocabulary ----------------------------------------------------------------------------------


def _header_roles() -> dict[str, str]:
    """header label -> role of an indicator table (the table model's evaluation roles)."""
    return evaluation_roles("indicator")


@lru_cache(maxsize=1)
def _header_keys() -> frozenset[str]:
    return frozenset(_header_roles())


@lru_cache(maxsize=1)
def _rows_vocab() -> dict[str, frozenset[str]]:
    rows = vocabulary()["rows"]
    return {k: frozenset(v) for k, v in rows.items()}


@lru_cache(maxsize=1)
def _level1_names() -> frozenset[str]:
    return frozenset(vocabulary()["levels"]["level1_names"])


@lru_cache(maxsize=1)
def _level3_headers() -> tuple[str, ...]:
    return evaluation_headers("indicator", vocabulary()["detect"]["required"])


@lru_cache(maxsize=1)
def _implied_level1() -> dict[str, str]:
    return dict(vocabulary()["levels"]["implied_level1"])


@lru_cache(maxsize=1)
def _nature_words() -> tuple[frozenset[str], frozenset[str]]:
    n = vocabulary()["nature"]
    return frozenset(n["qualitative"]), frozenset(n["quantitative"])


def header_role(cell_text: str) -> str | None:
    return _header_roles().get(header_label(cell_text))


def row_label(cells: list[str]) -> str | None:
    for c in cells:
        if c.strip():
            return header_label(c)
    return None


# --- subjects, asked for once ------------------------------------------------------------------
# indicators, scores and projects ask extractors.subjects the same questions many times per
# document; the answers are pure functions of the question, so each is asked once.


def subject_of_table(text: Text, block: Block, row_index: int, doc_subject: str | None) -> Subject:
    """`table_subject`, once per block, row and department."""
    memo = block.__dict__.get("_subjects")
    if memo is None:
        memo = block.__dict__["_subjects"] = {}  # a cache, not a field (as Block.grid)
    key = (row_index, doc_subject)
    if key not in memo:
        memo[key] = table_subject(text, block, row_index, doc_subject)
    return memo[key]


def subject_at(text: Text, offset: int, doc_subject: str | None) -> Subject | None:
    """`context_subject(text, offset, doc_subject)`: the nearest subject in the block of `offset`
    (asked with a reach of one block), else the nearest in the blocks above it, asked once per
    block and document (many figures and scores of a document share the blocks above them)."""
    i = block_at(text, offset)
    if i >= _CONTEXT_REACH or i == 0:  # the full search would stop before the first block
        return context_subject(text, offset, doc_subject)
    here = context_subject(text, offset, doc_subject, max_blocks=1)
    if here is not None:
        return here
    memo = text.__dict__.get("_subjects_above")
    if memo is None:
        memo = text.__dict__["_subjects_above"] = {}  # a cache, not a field (as Block.grid)
    key = (i - 1, doc_subject)
    if key not in memo:
        end = text.blocks[i - 1].end  # the full search from the end of block i-1 covers i-1 … 0
        memo[key] = context_subject(text, end, doc_subject) if block_at(text, end) == i - 1 else _UNKNOWN
    above = memo[key]
    return context_subject(text, offset, doc_subject) if above is _UNKNOWN else above


_CONTEXT_REACH = inspect.signature(context_subject).parameters["max_blocks"].default
_UNKNOWN = Subject(None, "unknown")  # block i-1 is empty: its end is where block i starts


@lru_cache(maxsize=65536)
def same(a: str | None, b: str | None) -> bool:
    """`same_subject`, remembered (names repeat: every pair of a document is compared)."""
    return same_subject(a, b)


# --- finding indicator parts ---------------------------------------------------------------------


def block_labels(block: Block, text: Text | None = None) -> tuple[list[list[str]], list[str | None]]:
    """`header_label` of every cell of `block_rows`, and each row's `row_label`; once per block."""
    cached = block.__dict__.get("_labels")
    if cached is None:
        rows = block_rows(block, text)
        labels = [list(map(header_label, cells)) for cells in rows]
        firsts = [None if f is None else header_label(f) for f in block_firsts(block, text)]
        cached = block.__dict__["_labels"] = (labels, firsts)  # a cache, not a field (as Block.grid)
    return cached


def roles_of_labels(labels: list[str], roles: dict[str, str], keys: frozenset[str]) -> dict[int, str]:
    """`roles_of_row` from a row's `block_labels` (a blank cell's label is "", which no vocabulary
    lists); `keys` are the keys of `roles`, for a quick miss."""
    if keys.isdisjoint(labels):
        return {}
    out: dict[int, str] = {}
    for i, label in enumerate(labels):
        r = roles.get(label)
        if r is not None:
            out[i] = r
    return out


def roles_of_row(cells: list[str]) -> dict[int, str]:
    roles: dict[int, str] = {}
    get = _header_roles().get
    for i, c in enumerate(cells):
        # a blank cell's label is "", which is no header
        r = get(header_label(c))
        if r is not None:
            roles[i] = r
    return roles


def is_indicator_header(roles: dict[int, str]) -> bool:
    if not roles:
        return False
    required, with_any = _detect()
    found = set(roles.values())
    return required in found and not with_any.isdisjoint(found)


def is_header_labels(labels: list[str]) -> bool:
    """`is_indicator_header(roles_of_row(cells))` from the row's `block_labels`."""
    if _level3_labels().isdisjoint(labels):
        return False  # a header has a level3 column
    return is_indicator_header(roles_of_labels(labels, _header_roles(), _header_keys()))


@lru_cache(maxsize=1)
def _level3_labels() -> frozenset[str]:
    required = _detect()[0]
    return frozenset(h for h, role in _header_roles().items() if role == required)


@lru_cache(maxsize=1)
def _detect() -> tuple[str, frozenset[str]]:
    detect = vocabulary()["detect"]
    return detect["required"], frozenset(detect["with_any"])


def _merge_upper(lower: dict[int, str], lower_cells: list[str], upper: dict[int, str]) -> dict[int, str]:
    """Lend the roles of an upper header row to the columns the lower row leaves empty."""
    if any(r in ("level1", "level2", "level3") for r in upper.values()):
        return lower
    merged = dict(lower)
    for col, role in upper.items():
        if col not in merged and (col >= len(lower_cells) or not lower_cells[col].strip()):
            merged[col] = role
    return merged


def find_parts(text: Text, doc_subject: str | None) -> list[TablePart]:
    """Every indicator section of every table block, in reading order. indicators, scores and
    projects all ask for them: the last answer is kept (the same Text object gives the same parts)."""
    last = _LAST_PARTS.get("key")
    if last is not None and last[0] is text and last[1] == doc_subject:
        return last[2]
    parts = _find_parts(text, doc_subject)
    _LAST_PARTS["key"] = (text, doc_subject, parts)
    return parts


_LAST_PARTS: dict[str, tuple[Text, str | None, list[TablePart]]] = {}


def _find_parts(text: Text, doc_subject: str | None) -> list[TablePart]:
    parts: list[TablePart] = []
    vocab = _rows_vocab()
    open_part: TablePart | None = None  # a part still open at the end of the previous table block
    level3 = _level3_headers()
    role_map = _header_roles()
    role_keys = _header_keys()
    level3_set = _level3_labels()
    stop_labels, grade_labels = vocab["stop_labels"], vocab["grade_labels"]
    total_labels = tuple(vocab["total_labels"])
    for block in _table_like_blocks(text):
        if block.kind != "table":
            if open_part is not None and len(compact(text.text[block.start:block.end])) > CONTINUATION_GAP:
                open_part = None
            continue
        if open_part is None and not may_hold(text, block, level3):
            continue  # no indicator header can be in it (every header row has a level3 column)
        rows = block_rows(block, text)
        labels, firsts = block_labels(block, text)
        current: TablePart | None = None
        if open_part is not None and _continues(open_part, block, rows):
            current = TablePart(block, open_part.header, open_part.subject, continues=True)
            parts.append(current)
        for r, cells in enumerate(rows):
            # a header has a level3 column: a row without a level3 label is none
            if not level3_set.isdisjoint(labels[r]):
                roles = roles_of_labels(labels[r], role_map, role_keys)
                if is_indicator_header(roles):
                    if r > 0:
                        roles = _merge_upper(roles, cells, roles_of_labels(labels[r - 1], role_map, role_keys))
                    header = Header(r, roles, len(cells))
                    current = TablePart(block, header, subject_of_table(text, block, r, doc_subject))
                    parts.append(current)
                    continue
            if current is None:
                continue
            label = firsts[r]
            if label is None:
                continue
            if label in stop_labels:
                current = None
                continue
            if label.startswith(total_labels):
                current.total_rows.append(r)
                continue
            if label in grade_labels:
                current.grade_rows.append(r)
                continue
            current.data_rows.append(r)
        open_part = current if current is not None and not current.total_rows else None
    return parts


# --- tables that came through as paragraphs -------------------------------------------------------

_TOKEN = regex.compile(r"\S+")
# a token like this is prose, not a cell: the rows of a paragraph table end there
_PROSE_TOKEN = regex.compile(r"[。！？]|^.{41,}$")


def _tokens(text: Text, block: Block) -> list[Cell]:
    return [
        Cell(0, i, m.group(), m.start(), m.end())  # finditer(text, pos, endpos) gives offsets in text
        for i, m in enumerate(_TOKEN.finditer(text.text, block.start, block.end))
    ]


def _table_like_blocks(text: Text) -> list[Block]:
    """The blocks in reading order, where a run of paragraphs that reads as an indicator table
    whose cells are separated by spaces ("产出指标 数量指标 召开会议次数 ≥ 2 次 2 20 20": PDF text
    without table structure) is replaced by one table block built over the same offsets."""
    blocks = text.blocks
    starts = _level3_paragraphs(text)
    if not starts:
        return list(blocks)
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        header = []
        if b.kind == "paragraph" and b.start in starts and any(h in text.text[b.start:b.end] for h in _level3_headers()):
            header = _tokens(text, b)
        if len(header) < 3 or not is_indicator_header(roles_of_row([c.text for c in header])):
            out.append(b)
            i += 1
            continue
        rows = [header]
        j = i + 1
        while j < len(blocks) and blocks[j].kind == "paragraph":
            cells = _tokens(text, blocks[j])
            if not 2 <= len(cells) <= len(header) + 1 or any(_PROSE_TOKEN.search(c.text) for c in cells):
                break
            rows.append(cells)
            j += 1
        if len(rows) == 1:
            out.append(b)
            i += 1
            continue
        cells = tuple(Cell(r, c.col, c.text, c.start, c.end) for r, row in enumerate(rows) for c in row)
        out.append(Block(b.block_id, "table", b.start, blocks[j - 1].end, b.page, cells=cells,
                         n_rows=len(rows), n_cols=max(len(r) for r in rows)))
        i = j
    return out


def _level3_paragraphs(text: Text) -> set[int]:
    """Starts of the paragraphs that may hold a level3 header word (found in the whole text at
    once: `str.find` is far cheaper than a test per paragraph)."""
    found: set[int] = set()
    s = text.text
    blocks = text.blocks
    for _, a, e in paragraph_runs(text):  # the tables between are not searched
        for h in _level3_headers():
            p = s.find(h, a, e)
            while p >= 0:
                b = blocks[block_at(text, p)]
                if b.kind == "paragraph":
                    found.add(b.start)
                p = s.find(h, p + 1, e)
    return found


def blocks_met(text: Text, pattern) -> dict[int, list[tuple[int, int]]]:
    """Block index -> the spans of the matches of `pattern` over the whole text that meet it (a
    match may run over several blocks), in the order of the matches."""
    starts = _block_starts(text)
    n = len(starts)
    met: dict[int, list[tuple[int, int]]] = {}
    i = 0
    for m in pattern.finditer(text.text):
        a, b = m.span()
        i = max(0, bisect.bisect_right(starts, a, i) - 1)  # matches come in order
        j = i
        while j + 1 < n and starts[j + 1] <= b - 1:
            j += 1
        for k in range(i, j + 1):
            spans = met.get(k)
            if spans is None:
                met[k] = [(a, b)]
            else:
                spans.append((a, b))
    return met


def block_at(text: Text, offset: int) -> int:
    """Index of the last block starting at or before `offset`."""
    return max(0, bisect.bisect_right(_block_starts(text), offset) - 1)


def paragraphs_holding(text: Text, chars: str) -> list[int]:
    """Indices of the paragraphs whose text holds one of `chars`, in reading order. One `str.find`
    per block found and none per block without, and none in the tables (only the runs of
    paragraphs between them are searched): far cheaper than a test per paragraph."""
    s = text.text
    blocks = text.blocks
    starts = _block_starts(text)
    found: set[int] = set()
    for first, a, e in paragraph_runs(text):
        for ch in chars:
            p = s.find(ch, a, e)
            i = first
            while p >= 0:
                i = bisect.bisect_right(starts, p, i) - 1
                b = blocks[i]
                if p < b.end:
                    found.add(i)
                p = s.find(ch, max(p + 1, b.end), e)
    return sorted(found)


# paragraphs longer than this between two table blocks mean the second is a table of its own
CONTINUATION_GAP = 30


def _continues(part: TablePart, block: Block, rows: list[list[str]]) -> bool:
    """Does `block` go on with the rows of `part` (a table broken by a page)?"""
    first = next((cells for cells in rows if any(c.strip() for c in cells)), None)
    if first is None or is_indicator_header(roles_of_row(first)):
        return False
    label = row_label(first)
    if label in _rows_vocab()["stop_labels"]:
        return False
    return 3 <= block.n_cols <= part.header.n_cells + 1


# --- aligning a row with its header --------------------------------------------------------------


def _compat(role: str | None, v: str) -> float:
    """How well cell text `v` fits a column of `role` (higher is better)."""
    number = parse_number(v) is not None
    pv = parse_value(v)
    qualitative, quantitative = _nature_words()
    if role == "level1":
        if v in _level1_names():
            return 3.0
        return 1.5 if v.endswith("指标") else (-3.0 if number else 0.3)
    if role == "level2":
        if v in _level1_names():
            return 1.0
        return 2.0 if v.endswith("指标") else (-3.0 if number else 0.5)
    if role == "level3":
        return -2.0 if number else 1.0
    if role == "nature":
        return 4.0 if (normalise_operator(v) or v in qualitative or v in quantitative) else -6.0
    if role in ("target", "target_period"):
        bonus = 0.0 if role == "target" else -0.1
        return bonus + (2.0 if pv is not None and (pv.is_numeric or pv.operator) else 0.6)
    if role == "unit":
        return 2.5 if looks_like_unit(v) else -4.0
    if role == "achieved":
        return 1.5 if (pv is not None and pv.is_numeric) else 0.8
    if role in ("weight", "score"):
        if v.strip() in _NO_VALUE:
            return 0.0
        return 2.0 if number else -4.0
    if role == "note":
        return -1.0 if number else 0.5
    return -1.0 if number else 0.0


def _align(header: Header, cells: list[str]) -> dict[str, str]:
    """role -> cell text for one data row."""
    if len(cells) >= header.n_cells:
        out: dict[str, str] = {}
        for col, role in header.roles.items():
            if col < len(cells) and cells[col].strip() and role not in out:
                out[role] = cells[col].strip()
        return out
    # the row lost cells: assign its non-empty cells to header columns, in order, by content
    columns = sorted(header.roles.items())
    values = [c.strip() for c in cells if c.strip()]
    n, m = len(columns), len(values)
    if m > n or m == 0:
        return {}
    neg = float("-inf")
    # best[i][j]: best score placing values[:j] into columns[:i]
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    take = [[False] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(1, n + 1):
        role = columns[i - 1][1]
        for j in range(0, min(i, m) + 1):
            skip = best[i - 1][j]
            use = best[i - 1][j - 1] + _compat(role, values[j - 1]) if j > 0 else neg
            # ties go to using the later column: a lost cell is more often a merged one at the left
            if use >= skip and use > neg:
                best[i][j], take[i][j] = use, True
            else:
                best[i][j], take[i][j] = skip, False
    out = {}
    i, j = n, m
    while i > 0 and j >= 0:
        if take[i][j]:
            role = columns[i - 1][1]
            out.setdefault(role, values[j - 1])
            j -= 1
        i -= 1
    return out


# --- indicator rows ------------------------------------------------------------------------------


def _clean(s: str | None) -> str | None:
    if s is None:
        return None
    s = s.strip()
    return None if s in _NO_VALUE else s


@lru_cache(maxsize=4096)  # indicator names repeat; a pure function of the string
def _name_and_weight(s: str | None) -> tuple[str | None, Decimal | None]:
    """"目标设置（5分）" -> ("目标设置", 5)."""
    if not s:
        return None, None
    m = _WEIGHT_IN_NAME.search(s)
    if not m:
        return s, None
    name = (s[: m.start()] + s[m.end():]).strip()
    return name or None, Decimal(m["weight"])


def _operator(nature: str | None, target: Value | None) -> str | None:
    qualitative, _ = _nature_words()
    if nature:
        if nature in qualitative:
            return QUALITATIVE
        op = normalise_operator(nature)
        if op:
            return op
    if target is not None:
        if target.operator:
            return target.operator
        if target.raw.startswith(tuple(qualitative)):  # "定性", "定性/优良中低差", "定性：优"
            return QUALITATIVE
    return None


def table_numbers(text: Text) -> dict[int, int]:
    """block_id -> table_id: tables are numbered 1, 2, … in reading order (as in the tables table)."""
    tables = (b for b in text.blocks if b.kind == "table")
    return {b.block_id: n for n, b in enumerate(tables, start=1)}


def _part_indicators(
    text: Text, part: TablePart, start_id: int, table_id: int | None, levels: tuple[str | None, str | None]
) -> tuple[list[Indicator], tuple[str | None, str | None]]:
    """The part's indicators, and the 一级/二级 names its last row leaves to fill down."""
    rows = block_rows(part.block, text)
    out: list[Indicator] = []
    prev_l1, prev_l2 = levels
    header_words = _header_roles()
    for r in part.data_rows:
        cells = rows[r]
        v = _align(part.header, cells)
        l1, _ = _name_and_weight(_clean(v.get("level1")))
        l2, _ = _name_and_weight(_clean(v.get("level2")))
        l3, weight_in_name = _name_and_weight(_clean(v.get("level3")))  # 计分表: "绩效目标合理性（3分）"
        if l1:
            if l1 != prev_l1:
                prev_l2 = None
            prev_l1 = l1
        else:
            implied = _implied_level1().get(l2 or "")
            if l2 and implied and prev_l1 and implied != prev_l1 and l2 != prev_l2:
                prev_l1 = implied  # a new 一级 group whose merged label was lost
            l1 = prev_l1
        if l2:
            prev_l2 = l2
        else:
            l2 = prev_l2
        if not l3 or header_label(l3) in header_words:
            continue
        target = parse_value(_clean(v.get("target")))
        actual = parse_value(_clean(v.get("achieved")))
        unit_col = _clean(v.get("unit"))
        unit_col = unit_col if unit_col and looks_like_unit(unit_col) else None
        weight = parse_number(_clean(v.get("weight")) or "")
        if weight is None:
            weight = weight_in_name
        score = parse_number(_clean(v.get("score")) or "")
        target_unit = None
        if target is not None and target.is_numeric:
            target_unit = target.unit or unit_col
        actual_unit = None
        if actual is not None and actual.is_numeric:
            # a bare figure is in the unit column's unit, else in the target's ("=17个" | "17")
            actual_unit = actual.unit or unit_col or target_unit
        # the record is made as pipeline.textutil.new_record makes one: every field, in order
        out.append(
            new_record(Indicator, {
                "indicator_id": start_id + len(out),
                "table_id": table_id,
                "subject": part.subject.name,
                "level1": l1,
                "level2": l2,
                "level3": l3,
                "operator": _operator(_clean(v.get("nature")), target),
                "target_raw": target.raw if target else None,
                "target_value": target.number if target else None,
                "target_unit": target_unit,
                "actual_raw": actual.raw if actual else None,
                "actual_value": actual.number if actual else None,
                "actual_unit": actual_unit,
                "weight": weight,
                "score": score,
                "note": _clean(v.get("note")),
                "page": part.block.page,
            })
        )
    return out, (prev_l1, prev_l2)


# --- indicators written as running text in one cell ---------------------------------------------


@lru_cache(maxsize=1)
def _cell_list() -> dict:
    v = vocabulary()["cell_list"]
    return {
        "item": regex.compile(v["item"], regex.VERBOSE),
        "field": regex.compile(v["field_separator"]),
        "named": regex.compile(v["named_field"], regex.VERBOSE),
        "numbering": regex.compile(v["level_numbering"], regex.VERBOSE),
        "trim": v["trim"],
    }


def cell_list_fields(cell: str) -> list[dict[str, str]]:
    """The indicators of one cell of running text ("1、1-产出指标；11-数量指标；汇聚数据量；年度指标值:
    ≥10亿条。2、…"), each as role -> text (level1, level2, level3 and the named columns' roles)."""
    c = _cell_list()
    roles = _header_roles()
    out = []
    for item in c["item"].split(cell.strip()):
        fields = [f.strip(c["trim"]) for f in c["field"].split(item.strip().strip(c["trim"]))]
        levels: list[str] = []
        got: dict[str, str] = {}
        for f in filter(None, fields):
            m = c["named"].match(f)
            role = roles.get(header_label(m["name"])) if m else None
            if role is not None:
                got.setdefault(role, m["value"].strip(c["trim"]))
            elif not got:  # the level names come before the named values
                levels.append(c["numbering"].sub("", f))
        if levels and got:
            got.update(zip(("level1", "level2", "level3")[-len(levels):] if len(levels) < 3 else
                           ("level1", "level2", "level3"), levels[-3:]))
            out.append(got)
    return out


def _cell_list_indicators(text: Text, start_id: int, numbers: dict[int, int]) -> list[Indicator]:
    """Indicators of the tables with one project per row and its indicators as running text in a
    cell (a 项目支出绩效目标表: 项目名称 | 总计 | … | 绩效指标), each tagged with its row's project."""
    out: list[Indicator] = []
    words = evaluation_headers("project", "indicator_text")
    name_col = text_col = width = None  # a table's rows go on in the next block of its width (a page break)
    for block in text.blocks:
        if block.kind != "table":
            continue
        if block.n_cols != width:
            name_col = text_col = width = None
        if text_col is None and not may_hold(text, block, words):
            continue
        rows = block_rows(block, text)
        labels, _ = block_labels(block, text)
        for r, cells in enumerate(rows):
            roles = evaluation_row_roles(labels[r], "project", first_wins=True)
            found = {role: c for c, role in roles.items()}
            if "project_name" in found and "indicator_text" in found:
                name_col, text_col, width = found["project_name"], found["indicator_text"], block.n_cols
                continue
            if text_col is None or text_col >= len(cells) or not cells[text_col].strip():
                continue
            _, subject = clean_name(cells[name_col], keep_suffix=True) if name_col < len(cells) else (None, "")
            for v in cell_list_fields(cells[text_col]):
                target = parse_value(_clean(v.get("target")))
                actual = parse_value(_clean(v.get("achieved")))
                out.append(new_record(Indicator, {
                    "indicator_id": start_id + len(out),
                    "table_id": numbers.get(block.block_id),
                    "subject": subject or None,
                    "level1": v.get("level1"),
                    "level2": v.get("level2"),
                    "level3": v["level3"],
                    "operator": _operator(None, target),
                    "target_raw": target.raw if target else None,
                    "target_value": target.number if target else None,
                    "target_unit": target.unit if target is not None and target.is_numeric else None,
                    "actual_raw": actual.raw if actual else None,
                    "actual_value": actual.number if actual else None,
                    "actual_unit": actual.unit if actual is not None and actual.is_numeric else None,
                    "weight": None,
                    "score": None,
                    "note": None,
                    "page": block.page,
                }))
    return out


def text_to_indicators(text: Text, doc_subject: str | None) -> list[Indicator]:
    """Every indicator row of every indicator table of a document, then those written as running
    text in the cells of a project table."""
    out: list[Indicator] = []
    numbers = table_numbers(text)
    levels: tuple[str | None, str | None] = (None, None)
    for part in find_parts(text, doc_subject):
        found, levels = _part_indicators(
            text, part, len(out) + 1, numbers.get(part.block.block_id), levels if part.continues else (None, None)
        )
        out.extend(found)
    out.extend(_cell_list_indicators(text, len(out) + 1, numbers))
    return out


def grade_of(s: str) -> str | None:
    """优/良/中/差 of a cell such as "优", "优（S≧90）", "良好"."""
    m = _GRADE.match(compact(s))
    return GRADES[m["grade"]] if m else None
