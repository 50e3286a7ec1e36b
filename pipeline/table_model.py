"""table_model: one typed view of every table, built once in the extract stage (DESIGN §2:
segment -> tables (one table model) -> extract).

A table block (`records.Block`, merged cells given once at their top-left) becomes a `Table`:

- header rows: the leading rows before the first row holding a figure (a column-number row
  "** | 1 | 2 | …" or "栏次" belongs to the header); several levels, a spanning upper cell is given
  once and its children below inherit it, header text split over lines or spaced ("合 计") is
  joined without its whitespace;
- each column's header chain (top level first) and its *role* from `schemas/columns.toml`
  (the leaf decides; a generic leaf such as 小计 takes its parent's role);
- each data row's label (the name cell nearest left of the figures), its classification code
  (one code column, a code before the name "2010301 行政运行", or 类|款|项 split over two or three
  columns) and level (3 digits 类, 5 款, 7 项);
- the table's unit: a cell's own unit, then a 度量单位 column, the column header, the caption,
  a 单位 line (money.table_unit), the unit resolve inferred — in that order (`cell_unit`);
- a table continued on the next page joined to its first part when the reader did not join it
  (no title of its own, the same number of columns): its repeated header rows are dropped, each
  row keeps its own page.

What the extractors ask today, and where the model answers it (the migration comes later):
- money.table_amounts: header rows (`header_rows`), a column's header text (`Column.header`),
  its unit (`cell_unit`), the row label (`Row.name`).
- resolve (pipeline/table_view.py): header flags and column headers (`Table.columns`), row labels, the table
  unit (`Table.unit`).
- functional: the code / name columns and 类款项 split codes (`Row.code`, `Row.level`), the
  amount column by header (`Table.column_of(role)`).
- projects: project name and budget columns (`role` name / initial_budget / adjusted_budget /
  actual / rate / score).
- indicators: level / indicator / target / achieved / weight / score / note columns (roles).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

import regex

from extractors import units
from pipeline.records import Block, Cell, Text
from schemas.vocab import numbering, read_toml

_SPACE = re.compile(r"[\s\u3000\"“”'‘’]+")

# A column-number row of a header: "**", "栏次", "1", "2", "A" …
_INDEX_CELL = re.compile(r"""(?x) ^ (?: \*+ | 栏次 | 行次 | [A-Za-z] | \d{1,2} | 金额单位.* ) $""")
# A figure in a cell: 1,234.56 / -12 / 0.00 (not a code: codes are bare digits of 3, 5 or 7)
FIGURE = re.compile(r"""(?x) ^ (?P<sign>[-−])? (?P<number> (?:\d{1,3}(?:,\d{3})+|\d+) (?:\.\d+)? ) $""")
_FIGURE = FIGURE
# A classification code, alone or before its name: 201 / 20103 / 2010301 / 301 / 30101 (not the
# first digits of a longer number: "2025年预算数" is a header, no code 202)
_CODE = re.compile(r"""(?x) ^ [\[【]? (?P<code>[1-9]\d{2}(?:\d{2}){0,2}) (?!\d) [\]】]? (?:\s+|(?=[^\d\s]))? (?P<rest>.*) $""")
# The first cell of a data row even where the table prints no figure (an empty template):
# 合计 / 总计 / 一、… / （一）…
_LABEL_ROW = regex.compile(rf"""(?x) ^ \s* (?: 合\s*计 | 总\s*计 | {numbering().item} ) """)
_PART = re.compile(r"^\d{1,3}$")


def _levels() -> dict[int, str]:
    """A classification code's length -> its level ({3: 类, 5: 款, 7: 项}): extractors/functional.toml
    [code], the one statement of how codes grow."""
    code = read_toml("extractors", "functional.toml")["code"]
    out, n = {}, 0
    for level in code["levels"]:
        n += int(code["digits"][level])
        out[n] = level
    return out


LEVELS = _levels()
# A column header that is a year and a measure ("2025年预算数", "2026年 预算数", "2024年度决算数
# （万元）"): the column's figures are of that year. A longer cell that holds a year (a project
# "…-2022年政府工作专项经费" in a form row above the figures) is no such header.
_HEADER_YEAR = re.compile(r"^\s*(?P<year>(?:19|20)\d{2})\s*年(?:度)?[^\d]{0,12}$")


def squash(s: str) -> str:
    """A header as compared: whitespace, line breaks and quotes removed ("合 计" -> "合计")."""
    return _SPACE.sub("", s)


_UNSET = object()


@dataclass(frozen=True)
class Role:
    name: str
    words: frozenset[str]
    contains: tuple[str, ...]
    money: bool


@dataclass(frozen=True)
class Roles:
    roles: tuple[Role, ...]
    generic: frozenset[str]
    measures: frozenset[str]
    note_prefixes: tuple[str, ...] = ()

    def of(self, header: str) -> str | None:
        """The role a single header text names (whitespace-insensitive), or None. Cached per text
        (a document repeats its headers table after table)."""
        cache = self.__dict__.setdefault("_cache", {})  # a cache, not a field
        r = cache.get(header, _UNSET)
        if r is _UNSET:
            r = cache[header] = self._of(header)
        return r

    def _of(self, header: str) -> str | None:
        h = squash(header)
        if not h:
            return None
        for r in self.roles:
            if h in r.words:
                return r.name
        for r in self.roles:
            if any(w in h for w in r.contains):
                return r.name
        return None

    def money(self, role: str | None) -> bool:
        return role is not None and any(r.name == role and r.money for r in self.roles)


@lru_cache(maxsize=1)
def roles() -> Roles:
    data = read_toml("schemas", "columns.toml")
    return Roles(
        roles=tuple(
            Role(r["name"], frozenset(map(squash, r.get("words", []))), tuple(map(squash, r.get("contains", []))),
                 bool(r.get("money", False)))
            for r in data["role"]
        ),
        generic=frozenset(map(squash, data["generic"])),
        measures=frozenset(data["measures"]),
        note_prefixes=tuple(data["note_prefixes"]),
    )


# --- evaluation tables --------------------------------------------------------------------------
# 绩效自评表, 项目支出绩效自评表, 绩效目标表 and 计分表 name their columns in words of their own
# (schemas/columns.toml [[evaluation_role]]); projects and indicators ask for their columns here.

_PAREN_TAIL = regex.compile(r"[（(][^（）()]*[)）]\s*$")
EVALUATION_TABLES = ("project", "indicator")


@lru_cache(maxsize=8192)
def header_label(cell_text: str) -> str:
    """A header cell as an evaluation table's vocabulary compares it: no whitespace, tags or
    trailing parenthesis ("预算额（百元）" -> 预算额, "绩效指标（90分）" -> 绩效指标)."""
    from extractors.subjects import compact  # the labels of the subjects compare alike

    s = compact(cell_text)
    while True:
        t = _PAREN_TAIL.sub("", s)
        if t == s:
            return s
        s = t


@lru_cache(maxsize=len(EVALUATION_TABLES))
def evaluation_roles(table: str) -> dict[str, str]:
    """header label -> column role of one kind of evaluation table ("project": budget execution,
    "indicator": indicator rows), from schemas/columns.toml; the first role listing a header wins."""
    if table not in EVALUATION_TABLES:
        raise ValueError(f"no evaluation table {table!r}: one of {EVALUATION_TABLES}")
    out: dict[str, str] = {}
    for r in read_toml("schemas", "columns.toml")["evaluation_role"]:
        if table in r["tables"]:
            for h in r["headers"]:
                out.setdefault(h, r["name"])
    return out


def evaluation_headers(table: str, role: str) -> tuple[str, ...]:
    """The header labels of one role of an evaluation table, as listed."""
    return tuple(h for h, r in evaluation_roles(table).items() if r == role)


def evaluation_row_roles(labels: list[str], table: str, first_wins: bool = False) -> dict[int, str]:
    """Column -> role of a header row of an evaluation table, from its cells' `header_label`s (a
    blank cell's label is "", no header); with `first_wins` the first column of a role keeps it."""
    roles = evaluation_roles(table)
    out: dict[int, str] = {}
    for i, label in enumerate(labels):
        r = roles.get(label) or (roles.get(label.rstrip("：:")) if label.endswith(("：", ":")) else None)  # "总计："
        if r is not None and not (first_wins and r in out.values()):
            out[i] = r
    return out


def evaluation_chain_roles(upper: list[str], lower: list[str], table: str) -> dict[int, str]:
    """Column -> role of a two-row header of an evaluation table (labels of the upper and the lower
    row): a column takes its lower cell's role; where the lower cell is blank (the upper one merged
    down: 项目名称, 全年执行数 beside 预算数 over 年初 | 全年) the upper cell's. A spanning upper cell
    ("预算数（万元）" over 年初预算数 | 全年预算数) gives its children no role, only their unit."""
    n = max(len(upper), len(lower))
    up = list(upper) + [""] * (n - len(upper))
    low = list(lower) + [""] * (n - len(lower))
    roles = evaluation_roles(table)
    out: dict[int, str] = {}
    for i, (parent, leaf) in enumerate(zip(up, low)):
        r = roles.get(leaf if leaf else parent)
        if r is not None and r not in out.values():
            out[i] = r
    return out


def chain_role(chain: tuple[str, ...], rs: Roles | None = None) -> str | None:
    """A column's role from its header chain: the leaf first; a generic leaf (小计) or a leaf
    without a role takes the nearest ancestor's role; a generic leaf with none is `total`."""
    return chain_role_measure(chain, rs)[0]


def chain_role_measure(chain: tuple[str, ...], rs: Roles | None = None) -> tuple[str | None, str | None]:
    """(role, measure) of a header chain: a measure leaf (预算数, 决算数) under a parent with a
    role of its own is the parent's role with the leaf's measure (三公 因公出国（境）费 / 决算数)."""
    if rs is None:
        return _chain_role_measure(chain)
    return _chain_role_measure_in(chain, rs)


@lru_cache(maxsize=1 << 14)
def _chain_role_measure(chain: tuple[str, ...]) -> tuple[str | None, str | None]:
    return _chain_role_measure_in(chain, roles())


def _chain_role_measure_in(chain: tuple[str, ...], rs: Roles) -> tuple[str | None, str | None]:
    generic = False
    measure = None
    for h in reversed(chain):
        s = squash(h)
        if not s:
            continue
        if s in rs.generic:
            generic = True
            continue
        r = rs.of(s)
        if r is None:
            continue
        if r in rs.measures and measure is None:
            if generic:  # 收入预算 / 合计: the total of the measure
                return "total", r
            measure = r
            continue
        if r in ("name", "code") and measure:
            return measure, measure
        return r, measure
    if generic:
        return "total", measure
    return measure, measure


@dataclass(frozen=True)
class Column:
    index: int
    chain: tuple[str, ...]  # header texts, top level first, as printed
    role: str | None
    measure: str | None = None  # budget / actual / … where the header says
    year: int | None = None  # the year the header prints ("2025年预算数" beside "2026年预算数")

    @property
    def header(self) -> str:
        """The header as printed, its levels joined by "/"."""
        return "/".join(dict.fromkeys(h for h in self.chain if h))


@dataclass(frozen=True)
class Row:
    index: int  # row in its block's grid
    page: int | None
    cells: tuple[Cell, ...]
    name: str | None
    name_col: int | None
    code: str | None
    level: str | None  # 类 / 款 / 项


@dataclass(frozen=True)
class Table:
    table_id: int  # the extract stage's table number of its first block (1-based)
    block_ids: tuple[int, ...]
    title: str | None  # caption, or the short paragraph above
    page: int | None
    header_rows: int
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]  # data rows, continued parts included
    unit: str | None

    def column_of(self, role: str) -> Column | None:
        for c in self.columns:
            if c.role == role:
                return c
        return None

    def code_col_for(self, col: int) -> int | None:
        """The code column a figure column belongs to (nearest left), as `name_col_for`."""
        best = None
        for c in self.columns:
            if c.index < col and c.role == "code":
                best = c.index
        return best

    def name_col_for(self, col: int) -> int | None:
        """The label column a figure column belongs to: the nearest name column left of it (side by
        side 收入 | 支出 halves of a 收支总表 each have their own)."""
        best = None
        for c in self.columns:
            if c.index < col and c.role == "name":
                best = c.index
        return best


def _is_index_row(texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    return bool(filled) and all(_INDEX_CELL.match(t) for t in filled) and any(t.isdigit() for t in filled)


def _has_figure(texts: list[str]) -> bool:
    return any(_FIGURE.match(t) and not _INDEX_CELL.match(t) for t in texts) or any(
        _FIGURE.match(t) and ("." in t or "," in t) for t in texts)


def _heads_columns(texts) -> bool:
    """Whether cells name columns (a role's header word): "合计 | 因公出国（境）费 | 公务接待费" under
    "2026年预算数" is the second header row of a 三公 table, not its 合计 data row."""
    rs = roles()
    return any(rs.of(t) not in (None, "name", "code") for t in texts if t and t.strip() and not _FIGURE.match(t.strip()))


def header_row_count(grid: list[list[str]], limit: int = 6) -> int:
    """How many leading rows are header: up to the first row with a figure (a column-number row
    counts as header). 0 when the first row already holds figures."""
    n = 0
    for texts in grid[:limit]:
        if _is_index_row(texts):
            n += 1
            break
        if _has_figure(texts) or (texts and _CODE.match(texts[0] or "") and texts[0][:1].isdigit()) \
                or (n and texts and _LABEL_ROW.match(texts[0] or "") and not _heads_columns(texts[1:])):
            break
        n += 1
    return n


def chain_year(chain) -> int | None:
    """The year a column's header chain prints, nearest the leaf first, or None."""
    for h in reversed(tuple(chain)):
        m = _HEADER_YEAR.match(h) if h else None
        if m:
            return int(m["year"])
    return None


def header_chains(grid: list[list[str]], n_header: int, n_cols: int) -> list[tuple[str, ...]]:
    """Each column's header texts, top level first. An empty upper cell with a child below takes
    the text of the spanning cell to its left; an empty lower cell is the upper cell merged down."""
    rows = [[squash_keep(t) for t in r] + [""] * (n_cols - len(r)) for r in grid[:n_header]
            if not _is_index_row(list(r))]
    filled = [list(r) for r in rows]
    for lvl in range(len(rows) - 1):
        for c in range(1, n_cols):
            if not rows[lvl][c] and any(rows[k][c] for k in range(lvl + 1, len(rows))):
                # a child below: the spanning parent is the nearest filled cell to the left on
                # this level whose own column also has children (it spans, not a lone header),
                # under the same parent one level up (公务接待费's empty middle cell is no part
                # of the 公务用车运行维护费 printed left of it, under 公务用车购置及运行维护费)
                p = c - 1
                while p >= 0 and not rows[lvl][p]:
                    p -= 1
                if p >= 0 and any(rows[k][p] for k in range(lvl + 1, len(rows))) and \
                        (lvl == 0 or filled[lvl - 1][p] == filled[lvl - 1][c]):
                    filled[lvl][c] = filled[lvl][p]
    return [tuple(filled[lvl][c] for lvl in range(len(rows))) for c in range(n_cols)]


def squash_keep(s: str) -> str:
    """A header cell as printed, its line breaks and the spaces between Han characters dropped."""
    s = s.replace("\n", "")
    return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", s).strip()


def row_code(texts, code_cols: list[int], name_col: int | None) -> tuple[str | None, str | None]:
    """(code, name) of a data row (`texts`: its cell texts by column, a list or a dict): code
    columns joined (类|款|项 split over two or three columns), or a code before the name
    ("2010301 行政运行", "[30101]基本工资")."""
    get = texts.get if isinstance(texts, dict) else (lambda i, d="": texts[i] if i < len(texts) else d)
    parts = [get(c, "").strip() for c in code_cols if get(c, "").strip()]
    name = get(name_col, "").strip() if name_col is not None else None
    code = None
    if parts and all(_PART.match(p) or _CODE.match(p) for p in parts):
        # 款 and 项 are two digits; a reader (or the printer) may drop a leading zero: 301 | 2
        joined = parts[0] + "".join(p.zfill(2) for p in parts[1:]) if len(parts) > 1 else parts[0]
        if joined.isdigit() and len(joined) in LEVELS:
            code = joined
        elif len(parts) == 1 and _CODE.match(parts[0]):
            m = _CODE.match(parts[0])
            code = m["code"] if len(m["code"]) in LEVELS else None
    if code is None and name:
        m = _CODE.match(name)
        if m and m["rest"] and not _FIGURE.match(name):
            code, name = m["code"], m["rest"].strip()
    return code, (name or None)


def _caption_rows(grid: list[list[str]], n_cols: int) -> int:
    """Leading rows that are the table's own title lines drawn inside its ruling ("公开02表",
    "收入总表", "部门：… 单位：万元"): at most two filled cells, in a table of three columns or more."""
    n = 0
    for texts in grid[:4]:
        filled = [t for t in texts if t.strip()]
        if n_cols >= 3 and 0 < len(filled) <= 2 and not _has_figure(filled) and \
                (len(filled) == 1 or any(":" in t or "：" in t for t in filled)):
            n += 1
        else:
            break
    return n


def build(block: Block, table_id: int, block_id: int, title: str | None, unit: str | None = None) -> Table:
    grid = [[c.text for c in r] for r in block.grid()]
    n_cols = block.n_cols
    skip = _caption_rows(grid, n_cols)
    if skip:
        lines = [" ".join(t for t in r if t.strip()) for r in grid[:skip]]
        title = " ".join(x for x in (title, *lines) if x)
        grid = grid[skip:]
    h = header_row_count(grid)
    chains = header_chains(grid, h, n_cols) if h else [() for _ in range(n_cols)]
    rs = roles()
    cols = tuple(Column(i, chains[i], _role(chains, i, rs), chain_role_measure(chains[i])[1], chain_year(chains[i]))
                 for i in range(n_cols))
    return Table(table_id, (block_id,), title, block.page, skip + h, cols, tuple(_rows(block, skip + h, cols)),
                 table_unit(block) or unit)


def _role(chains: list[tuple[str, ...]], i: int, rs: Roles) -> str | None:
    """`chain_role`, except that a generic leaf (合计) under a parent spanning every figure column
    (本年一般公共预算基本支出 over 合计 | 人员经费 | 公用经费) is the table's `total`, not the parent's."""
    chain = chains[i]
    while chain and not chain[-1]:
        chain = chain[:-1]
    leaf = next((squash(h) for h in reversed(chain) if squash(h)), "")
    if leaf in rs.generic and len(chain) > 1:
        parent = chain[:-1]
        span = [c for c in chains if c[: len(parent)] == parent]
        figures = [c for c in chains if chain_role(c) not in ("name", "code", None)]
        if len(span) >= len(figures) and parent[0]:
            return "total"
    return chain_role(chain)


def _rows(block: Block, start: int, cols: tuple[Column, ...]) -> list[Row]:
    code_cols = [c.index for c in cols if c.role == "code"]
    name_cols = [c.index for c in cols if c.role == "name"]
    out = []
    for r in block.grid()[start:]:
        texts = [""] * len(cols)
        for c in r:
            if c.col < len(texts):
                texts[c.col] = c.text
        if _is_index_row(texts):
            continue
        name_col = next((i for i in name_cols if texts[i].strip()), name_cols[0] if name_cols else None)
        if name_col is None:  # no header: the first non-figure cell is the label
            name_col = next((i for i, t in enumerate(texts) if t.strip() and not _FIGURE.match(t.strip())), None)
        # the code columns of this label: left of it, right of any other label column before it
        before = max((i for i in name_cols if name_col is not None and i < name_col), default=-1)
        mine = [i for i in code_cols if name_col is None or before < i < name_col] or \
            ([] if name_col is not None and code_cols and min(code_cols) > name_col else code_cols[:1])
        code, name = row_code(texts, mine, name_col)
        row_no = r[0].row if r else 0
        out.append(Row(row_no, block.row_page(row_no), tuple(r), name, name_col, code,
                       LEVELS.get(len(code)) if code else None))
    return out


# --- titles --------------------------------------------------------------------------------------
# How a table is titled, for every reader: `title_of` the title as printed (its caption, else the
# short line above it: the Table's title, which statements match), `title_line` the part of it
# that names the table (what resolve's label matching and scopes read).

# how a table's title ends: "…情况表", "…总表", "…表（按功能分类科目）"
TITLE_TAIL = regex.compile(r"(?:情况)?(?:总表|明细表|一览表|表)(?:[（(][^（()）]{1,20}[)）])?$")
# "单位：万元", "(单位：万元)", "金额单位：元" in a caption: the unit, not the title
_UNIT_PART = regex.compile(r"[（(]?\s*(?:金额)?单位\s*[:：]\s*\S*?元\s*[)）]?")


def title_of(text: Text, i: int) -> str | None:
    """The title of table block i as printed: its caption, else the short paragraph just above it
    (a unit line "单位：万元" between them skipped; a note under the previous table, "注：…", is no
    title); None when neither names it."""
    b = text.blocks[i]
    if b.caption and _caption_line(b.caption):
        return b.caption
    for j in range(i - 1, max(-1, i - 3), -1):
        p = text.blocks[j]
        if p.kind != "paragraph":
            break
        s = text.text[p.start:p.end].strip()
        if not s or units.header_unit(s):
            continue
        if len(s) <= 80 and not s.startswith(roles().note_prefixes):
            return s
        break
    return None


def title_line(text: Text, i: int) -> str | None:
    """The part of table block i's title that names the table: of a caption, its last line naming
    a table ("十、…“三公”经费支出预算表 2026年度…“三公”经费支出预算表 单位：万元" -> the second; "…
    编制部门：某局 单位：元": the last part that does; the unit parts dropped); else the line above it
    (`title_of`), whole."""
    b = text.blocks[i]
    return (_caption_line(b.caption) if b.caption else None) or title_of(text, i)


@lru_cache(maxsize=4096)
def _caption_line(caption: str) -> str | None:
    """A caption's line naming the table, or None when it holds only a unit ("单位：万元") or is a
    note ("注：本表反映…", under the table before)."""
    if caption.lstrip().startswith(roles().note_prefixes):
        return None
    lines = [ln for ln in _UNIT_PART.sub(" ", caption).split() if not units.header_unit(ln)]
    titled = [ln for ln in lines if TITLE_TAIL.search(ln) and not numbering().table_only.match(ln)]
    return (titled or lines or [None])[-1]


def _continues(prev: Table, block: Block, title: str | None) -> bool:
    return (title is None or title == prev.title) and block.n_cols == len(prev.columns) and bool(prev.rows) \
        and block.page is not None and prev.page is not None and block.page == (prev.rows[-1].page or 0) + 1


@dataclass(frozen=True)
class Unreadable:
    """A table the model could not be built for: the document goes on without it (a failed
    `table_readable` check and a warning on its documents row say which and why)."""
    table_id: int
    page: int | None
    reason: str


def text_to_tables(text: Text, units: dict[int, str] | None = None) -> list[Table]:
    """Every table of the document as a `Table`, continued parts joined to their first part
    (table ids count table blocks, as extract's tablecells do)."""
    return read_tables(text, units)[0]


def read_tables(text: Text, units: dict[int, str] | None = None) -> tuple[list[Table], list[Unreadable]]:
    """`text_to_tables`, and the tables that could not be read (an internal error in one table costs
    that table, not the document)."""
    units = units or {}
    out: list[Table] = []
    failed: list[Unreadable] = []
    table_id = 0
    for i, b in enumerate(text.blocks):
        if b.kind != "table":
            continue
        table_id += 1
        try:
            _add(out, text, i, b, table_id, units.get(table_id))
        except Exception as e:  # noqa: BLE001 - a defect in one table must not cost the document
            failed.append(Unreadable(table_id, b.page, describe_error(e)))
    return out, failed


def _add(out: list[Table], text: Text, i: int, b: Block, table_id: int, unit: str | None) -> None:
    """Block i as a new `Table` of `out`, or joined to the last one that it continues."""
    t = build(b, table_id, i, title_of(text, i), unit)
    if out and t.header_rows == 0 and _continues(out[-1], b, b.caption):
        prev = out[-1]
        out[-1] = Table(prev.table_id, prev.block_ids + (i,), prev.title, prev.page, prev.header_rows,
                        prev.columns, prev.rows + _rows_as(b, prev), prev.unit)
        return
    if out and t.header_rows and _continues(out[-1], b, b.caption) and \
            [c.chain for c in t.columns] == [c.chain for c in out[-1].columns]:
        prev = out[-1]  # a continuation that repeats the header rows
        out[-1] = Table(prev.table_id, prev.block_ids + (i,), prev.title, prev.page, prev.header_rows,
                        prev.columns, prev.rows + t.rows, prev.unit)
        return
    out.append(t)


def describe_error(e: BaseException) -> str:
    """An internal error in words a person can report: its type, message and where it was raised."""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}" if tb else ""
    return f"internal_error: {type(e).__name__}: {e}{where}"


def _rows_as(block: Block, prev: Table) -> tuple[Row, ...]:
    return tuple(_rows(block, 0, prev.columns))


def cell_unit(table: Table, row: Row, col: int) -> str | None:
    """The money unit of one cell: its own unit, the row's 度量单位 cell, the column header, the
    table unit (caption, 单位 line, inferred)."""
    cell = next((c for c in row.cells if c.col == col), None)
    if cell is not None:
        u = units.header_unit(cell.text) if not _FIGURE.match(cell.text.strip()) else None
        if u:
            return u
    for c in table.columns:
        if c.role == "unit":
            uc = next((x for x in row.cells if x.col == c.index), None)
            if uc is not None:
                u = units.canonical_unit(uc.text.strip())
                if u:
                    return u
    if col < len(table.columns):
        for h in table.columns[col].chain:
            u = units.header_unit(h) if h else None
            if u:
                return u
    return table.unit


def figure(s: str):
    """A cell's figure as an exact Decimal, or None (codes, words, dashes are not figures)."""
    s = s.strip()
    m = _FIGURE.match(s)
    if not m:
        return None
    return units.to_decimal(s.replace("−", "-"))


# --- header rows, cell by cell ---------------------------------------------------------------------
# What every extractor asks of a grid as it walks it: which rows are header rows (a header row may
# stand in the middle of a table, above a section of its own), what heads a cell (the header rows
# just above it, nearest first, a merged header cell printed in its leftmost column, a header row
# that lost an empty cell re-aligned), a row's label and the unit the table states. money's
# amounts, resolve's candidates and the `Table` model above all read them from here.

_NOT_LABEL = regex.compile(r"[≥≤=<>＝＜＞/—\-%.\d\s]*|定性|定量")
_VALUE_LIKE = regex.compile(r"^[-−]?\d[\d,]*(?:\.\d+)?%?$|^[—/\-－]$")
_UNSET_UNIT = object()


@lru_cache(maxsize=1 << 16)
def is_number(s: str) -> bool:
    """A cell holding a figure and nothing else: "1,234.56", "-12", "0.00"."""
    return bool(FIGURE.match(s))


@lru_cache(maxsize=1 << 16)
def is_label(s: str) -> bool:
    """A cell that can name a row or head a column: not empty, not a figure, not signs and digits."""
    s = s.strip()
    return bool(s) and not is_number(s) and not _NOT_LABEL.fullmatch(s)


@lru_cache(maxsize=1 << 16)
def is_value_like(s: str) -> bool:
    return bool(_VALUE_LIKE.match(s))


def is_header_row(row: list[Cell]) -> bool:
    return _is_header_texts(tuple([c.text for c in row]))


@lru_cache(maxsize=1 << 14)
def _is_header_texts(texts: tuple[str, ...]) -> bool:
    filled = [t for t in texts if t]
    return len(filled) >= 2 and not any(map(is_number, filled)) and sum(map(is_label, filled)) >= 2


def header_flags(grid: list[list[Cell]]) -> list[bool]:
    """For each row of a table, whether it is a header row."""
    return [is_header_row(row) for row in grid]


def block_header_flags(block: Block) -> list[bool]:
    """`header_flags` of the block's grid, computed once per block (callers share the list and must
    not change it)."""
    flags = block.__dict__.get("_header_flags")
    if flags is None:
        flags = block.__dict__["_header_flags"] = header_flags(block.grid())  # a cache, not a field
    return flags


def row_label(row: list[Cell], i: int) -> str | None:
    """The label of cell i of a row: the nearest label cell left of it that is no count unit."""
    for c in reversed(row[:i]):
        if is_label(c.text) and not units.is_count_unit(c.text):
            return c.text
    return None


def aligned_col(grid: list[list[Cell]], flags: list[bool], r: int, i: int) -> int:
    """The header column of cell i of row r when the converter dropped an empty cell from the
    header row: a contiguous run of values is right-aligned with the header row's labels."""
    row = grid[r]
    col = row[i].col
    values = [c.col for c in row if is_value_like(c.text)]
    if len(values) < 2 or values != list(range(values[0], values[0] + len(values))):
        return col
    for above in range(r - 1, -1, -1):
        if flags[above]:
            labels = [c.col for c in grid[above] if c.text]
            if len(labels) < len(values) or labels[-len(values):] == values:
                return col
            aligned = labels[-len(values):]
            if abs(aligned[0] - values[0]) > 1:
                return col  # not a dropped cell: these labels head other columns ("类 款 项")
            return aligned[values.index(col)]
    return col


def alignment(values: tuple[int, ...], header: list[Cell] | None) -> dict[int, int] | None:
    """`aligned_col` for all the value cells of a row at once (column -> header column), None when
    the row's columns are the header's: `values` are the columns of the row's value-like cells,
    `header` the nearest header row above it (None when there is none)."""
    if len(values) < 2 or values != tuple(range(values[0], values[0] + len(values))):
        return None
    if header is None:
        return None
    labels = [c.col for c in header if c.text]
    if len(labels) < len(values) or tuple(labels[-len(values):]) == values:
        return None
    aligned = labels[-len(values):]
    if abs(aligned[0] - values[0]) > 1:
        return None
    return dict(zip(values, aligned))


def headers_above(grid: list[list[Cell]], flags: list[bool], r: int, col: int) -> tuple[list[str], str | None]:
    """Column headers of a cell, nearest first, from the header rows above it (two at most), and the
    unit any of those header rows states ("年度预算数（万元）" beside "年初预算")."""
    chain: list[str] = []
    row_unit = None
    header_rows: list[list[Cell]] = []
    for above in range(r - 1, -1, -1):
        row = grid[above]
        if not flags[above]:
            if header_rows:
                break  # the block of header rows has ended
            continue
        header_rows.append(row)
        t = row[col].text if col < len(row) else ""
        if t and is_label(t):
            chain.append(t)
        row_unit = row_unit or _row_header_unit(tuple([c.text for c in row]))
        if len(header_rows) == 2:
            break
    if not chain and header_rows:
        # a merged header cell is printed in its leftmost column
        row = header_rows[0]
        for c in reversed(row[: min(col, len(row))]):
            if c.text:
                chain.append(c.text)
                break
    return chain, row_unit


def header_year(grid: list[list[Cell]], flags: list[bool], r: int, col: int) -> int | None:
    """The year the header rows above a cell print over its column ("2025年预算数" spanning the left
    half of a 三公 table, "2026年预算数" the right): every header row of the block above row r, the
    cell of the column or the merged cell printed to its left."""
    seen = False
    for above in range(r - 1, -1, -1):
        if not flags[above]:
            if seen:
                break
            continue
        seen = True
        row = grid[above]
        for c in reversed(row[: min(col + 1, len(row))]):
            if c.text:
                m = _HEADER_YEAR.match(c.text)
                if m:
                    return int(m["year"])
                break
    return None


@lru_cache(maxsize=1 << 14)
def _row_header_unit(texts: tuple[str, ...]) -> str | None:
    """The first unit a header row's cells state."""
    return next((u for u in map(units.header_unit, texts) if u), None)


def column_headers(grid: list[list[Cell]], flags: list[bool], r: int, i: int) -> list[str]:
    """Headers of cell i of row r, nearest first, with header rows that lost a cell re-aligned."""
    chain, _ = headers_above(grid, flags, r, aligned_col(grid, flags, r, i))
    return chain


def table_unit(block: Block) -> str | None:
    """The money unit a table states for all its cells (its caption, or a "单位：万元" cell). Once per
    block: money, resolve, functional and the `Table` ask."""
    u = block.__dict__.get("_table_unit", _UNSET_UNIT)
    if u is _UNSET_UNIT:
        u = block.__dict__["_table_unit"] = _table_unit(block)  # a cache, not a field
    return u


def _table_unit(block: Block) -> str | None:
    if block.caption:
        u = units.header_unit(block.caption)
        if u:
            return u
    # only a 单位：… statement counts inside the cells, and it holds the word: most tables have none
    if units.UNIT_WORD not in "\n".join([c.text for c in block.cells]):
        return None
    for c in block.cells:
        u = units.unit_line(c.text)
        if u:
            return u
    return None
