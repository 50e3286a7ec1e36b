"""Projects and their budget execution -> `Project` rows.

Three sources, merged per project (tables win over prose, prose fills what tables leave empty):
- budget-execution tables found by their column roles (the table model's evaluation roles,
  pipeline/table_model.py; detection in project_headers.toml): a form with a total row
  ("年度资金总额 | 10.56 | 10.56 | 10.56 | 10 | 100.00% | 10") for the project the form is about,
  or a table with one project per row (任务名称 | 批复金额 | 实际支出金额 | 预算执行率);
- prose: "项目全年预算数25.91万元，执行数为25.91万元", "该资金计划 26.07 万元";
- project codes before names: "51042122Y000004782652-党政网络…".
Money is converted to 万元 exactly (Decimal) from the unit of the column, table or figure
("预算额（百元）" 87759 -> 877.59 万元). Score and grade come from `scores`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import regex

from extractors import units
from extractors.indicator_values import parse_number
from extractors.indicators import (
    block_labels,
    block_rows,
    find_parts,
    is_header_labels,
    may_hold,
    paragraphs_holding,
    same,
    subject_at,
    subject_of_table,
)
from extractors.scores import sentence_ends, sentence_span, squeeze, text_to_scores
from extractors.subjects import DEPARTMENT, PROJECT, SubjectIndex, clean_name
from pipeline.records import Block, Project, Score, Text
from pipeline.table_model import evaluation_chain_roles, evaluation_roles, evaluation_row_roles, header_chains, header_label
from schemas.vocab import read_toml

MONEY_FIELDS = ("budget_initial", "budget_adjusted", "executed")


def to_wan(value: Decimal, unit: str) -> Decimal:
    """Exact 万元 of a figure in any unit of extractors/units.toml ("百元", "万" …)."""
    return units.to_wan(value, units.canonical_unit(unit) or unit)


def vocabulary() -> dict:
    return read_toml("extractors", "project_headers.toml")


def _roles() -> dict[str, str]:
    """header label -> role of a budget-execution table (the table model's evaluation roles)."""
    return evaluation_roles("project")


@lru_cache(maxsize=1)
def _unit_re() -> regex.Pattern:
    return regex.compile(vocabulary()["units"]["pattern"], regex.VERBOSE)


@lru_cache(maxsize=1)
def _prose_anchor_re() -> regex.Pattern:
    words = vocabulary()["prose_anchors"]["words"]
    return regex.compile("|".join(r"\s*".join(map(regex.escape, w)) for w in words))


@lru_cache(maxsize=1)
def _quick_anchor_re() -> re.Pattern:
    r"""`_prose_anchor_re` for `re`, which searches a paragraph in place (no slice) faster than
    `regex`; its `\s` takes in all that `regex` calls whitespace (tests/test_indicators.py), so a
    paragraph it finds nothing in holds no anchor."""
    words = vocabulary()["prose_anchors"]["words"]
    return re.compile("|".join(r"\s*".join(map(re.escape, w)) for w in words))


@lru_cache(maxsize=1)
def _unit_chars() -> str:
    """The first character of every prose unit: a paragraph holding a unit holds one."""
    return "".join(sorted({u[0] for u in vocabulary()["prose_anchors"]["units"]}))


@lru_cache(maxsize=1)
def _context_words() -> tuple[str, ...]:
    return tuple(vocabulary()["prose_context"]["words"])


@lru_cache(maxsize=1)
def _prose() -> tuple[tuple[str, regex.Pattern], ...]:
    return tuple((p["field"], regex.compile(p["pattern"], regex.VERBOSE)) for p in vocabulary()["prose"])


@dataclass
class _Found:
    name: str
    code: str | None
    page: int | None
    values: dict[str, Decimal] = field(default_factory=dict)  # budget_initial … (万元), rate (%)
    from_table: bool = True


@lru_cache(maxsize=4096)  # header cells and captions repeat; a pure function of the string
def unit_in(s: str) -> str | None:
    m = _unit_re().search(s)
    if not m:
        return None
    return units.canonical_unit(m["u1"] or m["u2"])


# --- tables --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    roles: dict[int, str]  # column -> role (budget_initial … for the money columns)
    units: dict[int, str]  # column -> the header text that may state its unit (both rows)
    target_table: bool = False  # a 绩效目标表: one project per row, its 绩效指标 beside
    indicator_col: int | None = None


def _header_roles(labels: list[str]) -> dict[int, str]:
    """Column -> role of a row, from its cells' `block_labels` (a blank cell's label is "", no
    header); the first column of a role wins."""
    if _role_keys().isdisjoint(labels):
        return {}
    return evaluation_row_roles(labels, "project", first_wins=True)


def _header(rows: list[list[str]], labels: list[list[str]], r: int) -> _Header | None:
    """The header of a budget-execution table at row r, or None: the row's own column roles, or
    those of a two-row header (the row and the one above: "预算数（百元） | | 执行数" over "年初 |
    全年"; a 项目名称 cell merged down) where the row alone names fewer."""
    roles = _header_roles(labels[r])
    texts = {c: rows[r][c] for c in roles}
    if r > 0 and not any(parse_number(c) is not None for c in rows[r - 1] if c.strip()) and \
            not _role_keys().isdisjoint(labels[r - 1]):
        both = evaluation_chain_roles(labels[r - 1], labels[r], "project")
        if len(both) > len(roles) and set(roles.values()) <= set(both.values()):
            chains = header_chains([rows[r - 1], rows[r]], 2, max(len(rows[r - 1]), len(rows[r])))
            roles, texts = both, {c: " ".join(chains[c]) for c in both}
    if not roles:
        return None
    found = set(roles.values())
    target = {"project_name", "requested", "indicator_text"} <= found and \
        found.isdisjoint(vocabulary()["detect"]["money_roles"])
    indicator_col = next((c for c, role in roles.items() if role == "indicator_text"), None)
    kept: dict[int, str] = {}
    for c, role in roles.items():
        if role == "requested":
            if target:
                kept[c] = "budget_initial"  # 总计 of a target table: the budget asked for
        elif role != "indicator_text":
            kept[c] = role
    if not (target or _is_header(kept)):
        return None
    return _Header(kept, {c: texts.get(c, "") for c in kept}, target, indicator_col)


@lru_cache(maxsize=1)
def _role_keys() -> frozenset[str]:
    return frozenset(_roles())


def _is_header(roles: dict[int, str]) -> bool:
    detect = vocabulary()["detect"]
    money = [r for r in roles.values() if r in detect["money_roles"]]
    if len(money) < detect["min_money_roles"]:
        return False
    return "executed" in money or {"budget_initial", "budget_adjusted"} <= set(money)


def _table_unit(block: Block, rows: list[list[str]], r: int) -> str:
    candidates = [block.caption or ""]
    for rr in range(max(0, r - 3), r + 1):
        candidates.extend(rows[rr])
    for c in candidates:
        u = unit_in(c)
        if u:
            return u
    return vocabulary()["units"]["default"]


def _values(roles: dict[int, str], cells: list[str], label_col: int) -> dict[str, str]:
    money_roles = [(c, r) for c, r in sorted(roles.items()) if r != "project_name"]
    after = [c.strip() for c in cells[label_col + 1:] if c.strip()]
    if len(after) == len(money_roles):
        return {r: v for (_, r), v in zip(money_roles, after)}
    return {r: cells[c].strip() for c, r in money_roles if c < len(cells) and cells[c].strip()}


def _convert(vals: dict[str, str], col_units: dict[str, str]) -> dict[str, Decimal]:
    """Cell texts -> 万元 (money, by each column's unit) and percent (rate)."""
    out: dict[str, Decimal] = {}
    for role in (*MONEY_FIELDS, "execution_rate"):
        n = parse_number(vals.get(role, ""))
        if n is None:
            continue
        if role == "execution_rate":
            out["rate"] = n
        else:
            out[role] = to_wan(n, col_units[role])
    return out


def _table_projects(text: Text, doc_subject: str | None) -> list[_Found]:
    found: list[_Found] = []
    rows_vocab = vocabulary()["rows"]
    declared_words = tuple(rows_vocab["declared_total_labels"])
    role_keys = _role_keys()
    total_labels = rows_vocab["total_labels"]
    part_prefixes = tuple(rows_vocab["part_prefixes"])
    for block in text.blocks:
        if block.kind != "table" or not may_hold(text, block, _table_words()):
            continue  # neither a header row nor a declared total can be in it
        rows = block_rows(block, text)
        labels, firsts = block_labels(block, text)
        # a declared total has a cell reading as its label, so the block's text holds the label
        declares = may_hold(text, block, declared_words)
        roles: dict[int, str] | None = None
        header: _Header | None = None
        col_units: dict[str, str] = {}
        for r, cells in enumerate(rows):
            # most rows name no header at all: `_header` would give None
            hh = _header(rows, labels, r) if not role_keys.isdisjoint(labels[r]) else None
            if hh is not None:
                header, roles = hh, hh.roles
                unit = _table_unit(block, rows, r)
                col_units = {role: unit_in(hh.units[c]) or unit for c, role in roles.items()}
                continue
            if roles is None:
                if not declares:
                    continue
                # a declared total's label is in one of the row's labels
                joined = "".join(labels[r])
                if any(w in joined for w in declared_words):
                    declared = _declared_total(text, block, rows, r, doc_subject)
                    if declared is not None:
                        found.append(declared)
                continue
            filled = list(filter(str.strip, cells))  # the non-blank cells (a blank one strips to "")
            if not filled:
                continue
            if len(filled) == 1 or is_header_labels(labels[r]):
                roles = None  # a section title or another table's header ends this one
                continue
            label = firsts[r]  # the label of the first non-blank cell
            page = block.page
            name_col = next((c for c, role in roles.items() if role == "project_name"), None)
            if name_col is not None:
                name_text = cells[name_col].strip() if name_col < len(cells) else ""
                if label in total_labels or header_label(name_text) in total_labels:
                    # the 合计 of a list of projects is the fund the table is about, if it is one
                    subject = subject_of_table(text, block, r, doc_subject)
                    values = _convert(_values(roles, cells, name_col), col_units)
                    if subject.scope == PROJECT and subject.name and values:
                        found.append(_Found(subject.name, subject.code, page, values))
                    continue
                if not name_text or label.startswith(part_prefixes):
                    continue
                if header.target_table and not _cell(cells, header.indicator_col):
                    continue  # a unit's subtotal between its projects: it has no indicators
                values = _convert(_values(roles, cells, name_col), col_units)
                if values:
                    code, name = clean_name(name_text, keep_suffix=True)  # as printed: 穗智管运营服务项目
                    found.append(_Found(name, code, page, values))
                continue
            if label not in total_labels:
                continue
            subject = subject_of_table(text, block, r, doc_subject)
            if subject.scope != PROJECT or not subject.name:
                continue
            label_col = next(i for i, c in enumerate(cells) if c.strip())
            values = _convert(_values(roles, cells, label_col), col_units)
            if values:
                found.append(_Found(subject.name, subject.code, page, values))
            roles = None  # one total per form section
    return found


def _cell(cells: list[str], col: int | None) -> str:
    return cells[col].strip() if col is not None and col < len(cells) else ""


@lru_cache(maxsize=1)
def _table_words() -> tuple[str, ...]:
    """Labels a table needs one of to give anything: a header row has an `executed` column or a
    `budget_initial` one (`_is_header`), or is a target table's with its `indicator_text`; a
    declared total has its label."""
    headers = [h for h, role in _roles().items() if role in ("executed", "budget_initial", "indicator_text")]
    return tuple(sorted(set(headers) | set(vocabulary()["rows"]["declared_total_labels"]), key=len))


def _declared_total(text: Text, block: Block, rows: list[list[str]], r: int, doc_subject: str | None) -> _Found | None:
    """"项目资金（万元） | 年度资金总额 | 745.00" of a target declaration: one figure, no column headers."""
    cells = rows[r]
    filled = [c for c in cells if c.strip()]
    labels = set(vocabulary()["rows"]["declared_total_labels"])
    if not any(header_label(c).rstrip("：:") in labels for c in filled[:2]):
        return None
    numbers = [n for n in (parse_number(c) for c in filled) if n is not None]
    if len(numbers) != 1:
        return None
    subject = subject_of_table(text, block, r, doc_subject)
    if subject.scope != PROJECT or not subject.name:
        return None
    unit = _table_unit(block, rows, r)
    return _Found(subject.name, subject.code, block.page, {"budget_initial": to_wan(numbers[0], unit)})


# --- prose ---------------------------------------------------------------------------------------


def _prose_projects(text: Text, doc_subject: str | None, scores: list[Score]) -> list[_Found]:
    found: list[_Found] = []
    project_scores = [s for s in scores if s.scope == PROJECT]
    score_starts = [s.start for s in project_scores]
    in_order = all(a <= b for a, b in zip(score_starts, score_starts[1:]))  # text_to_scores' order
    whole = text.text
    quick = _quick_anchor_re().search
    for i in paragraphs_holding(text, _unit_chars()):  # a paragraph without a unit gives nothing
        block = text.blocks[i]
        if not quick(whole, block.start, block.end):
            continue  # no anchor word in it
        raw = whole[block.start:block.end]
        if not _prose_anchor_re().search(raw):
            continue
        s, where = squeeze(raw)
        found.extend(_listed_projects(s, block.page))
        hits = []
        for fld, pattern in _prose():
            for m in pattern.finditer(s):
                hits.append((m.start(), fld, m))
        if not hits:
            continue
        hits.sort(key=lambda h: h[0])
        ends = sentence_ends(s) if len(hits) > 1 else None
        for pos, fld, m in hits:
            offset = block.start + where[pos]
            named = _last_score_in(project_scores, score_starts, in_order, block.start, offset)
            if named is not None:
                name, code = named.subject, None
            else:
                subject = subject_at(text, offset, doc_subject)
                if subject is None or subject.scope == DEPARTMENT or not subject.name:
                    continue
                a, b = sentence_span(s, pos, pos + 1, ends)
                sentence = s[a:b]
                if subject.name not in sentence and not any(w in sentence for w in _context_words()):
                    continue  # "①破产改制企业资金缺口弥补预算6,000万元": a part of the project, by its own name
                name, code = subject.name, subject.code
            value = parse_number(m["value"])
            if value is None or name is None:
                continue
            if fld != "rate":
                value = to_wan(value, m["unit"])
            found.append(_Found(name, code, block.page, {fld: value}, from_table=False))
    return found


def _last_score_in(scores: list[Score], starts: list[int], in_order: bool, lo: int, hi: int) -> Score | None:
    """The last of `scores` starting in [lo, hi) (`starts` are theirs): found by bisection when they
    are in reading order (a look at every score for every figure was quadratic, issue 15)."""
    if not in_order:
        named = [p for p in scores if lo <= p.start < hi]
        return named[-1] if named else None
    i = bisect.bisect_left(starts, hi) - 1
    return scores[i] if i >= 0 and starts[i] >= lo else None


@lru_cache(maxsize=1)
def _list_res() -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    v = vocabulary()["prose_list"]
    return (regex.compile(v["intro"], regex.VERBOSE), regex.compile(v["separator"]),
            regex.compile(v["item"], regex.VERBOSE))


def _listed_projects(s: str, page: int | None) -> list[_Found]:
    """"项目支出预算236万元：A31.00万元；B20.00万元；…" -> A, B with their budgets."""
    intro, separator, item = _list_res()
    v = vocabulary()["prose_list"]
    out: list[_Found] = []
    for m in intro.finditer(s):
        rest = s[m.end():]
        end = rest.find("。")
        items = separator.split(rest if end < 0 else rest[:end])
        listed = []
        for it in items:
            im = item.match(it.strip())
            value = parse_number(im["value"]) if im else None
            if value is None:
                continue
            code, name = clean_name(im["name"])
            if name:
                listed.append(_Found(name, code, page, {v["field"]: to_wan(value, im["unit"])}, from_table=False))
        if len(listed) >= v["min_items"]:
            out.extend(listed)
    return out


# --- merging -------------------------------------------------------------------------------------


def _merge(found: list[_Found]) -> list[_Found]:
    out: list[_Found] = []
    index = SubjectIndex()  # the rows of out a project may join, not every row
    for f in sorted(found, key=lambda x: not x.from_table):  # tables first: they win
        for i in index.candidates(f.name):
            o = out[i]
            if not same(o.name, f.name) or (o.code and f.code and o.code != f.code):
                continue
            if f.from_table and o.from_table and any(
                k in o.values and o.values[k] != v for k, v in f.values.items() if k in MONEY_FIELDS
            ):
                continue  # two tables disagree: two projects
            for k, v in f.values.items():
                o.values.setdefault(k, v)
            o.code = o.code or f.code
            if len(f.name) > len(o.name) and f.from_table and not o.from_table:
                o.name = f.name
                index.add(i, o.name)
            break
        else:
            index.add(len(out), f.name)
            out.append(_Found(f.name, f.code, f.page, dict(f.values), f.from_table))
    return out


def _index(scores: list[Score]) -> SubjectIndex:
    index = SubjectIndex()
    for i, s in enumerate(scores):
        index.add(i, s.subject)
    return index


def text_to_projects(text: Text, doc_subject: str | None, scores: list[Score] | None = None) -> list[Project]:
    """Every project of a document with its budget execution, score and grade."""
    if scores is None:
        scores = text_to_scores(text, doc_subject)
    found = _table_projects(text, doc_subject) + _prose_projects(text, doc_subject, scores)
    # projects named by an indicator table or a score, even without budget figures
    for part in find_parts(text, doc_subject):
        if part.subject.scope == PROJECT and part.subject.name:
            found.append(_Found(part.subject.name, part.subject.code, part.block.page, {}, from_table=False))
    for s in scores:
        if s.scope == PROJECT and s.subject:
            found.append(_Found(s.subject, None, s.page, {}, from_table=False))
    out: list[Project] = []
    scored = [s for s in scores if s.scope == PROJECT and s.score is not None]
    graded = [s for s in scores if s.scope == PROJECT and s.grade]
    by_score, by_grade = _index(scored), _index(graded)
    for f in _merge(found):
        score = next((scored[i] for i in by_score.candidates(f.name) if same(scored[i].subject, f.name)), None)
        grade = next((graded[i].grade for i in by_grade.candidates(f.name) if same(graded[i].subject, f.name)), None)
        out.append(
            Project(
                name=f.name,
                code=f.code,
                budget_initial_wan=f.values.get("budget_initial"),
                budget_adjusted_wan=f.values.get("budget_adjusted"),
                executed_wan=f.values.get("executed"),
                execution_rate=f.values.get("rate"),
                score=score.score if score else None,
                grade=grade,
                page=f.page,
            )
        )
    return out
