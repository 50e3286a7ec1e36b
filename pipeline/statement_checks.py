"""statement_checks: the standard statements' lines -> checks, as an auditor reads them.

Within a statement: on every line its columns add up (the kind's `identities` in
schemas/statements.toml: 合计 = 基本支出 + 项目支出, 基本支出 = 人员经费 + 公用经费, …); in every
column the 款 lines under a 类 (the 项 under a 款) sum to it by code, and the 类 lines to the 合计
line. Across statements: the figures two statements both print agree (statements.toml `cross`:
收支总表 本年收入合计 = 收入总表 合计, …), a statement's figure agrees with the key figure stated in
prose (`prose`: the “三公” statement), and the document has the standard set of its kind
(`present`). Tolerance: half the last printed digit of every figure compared (schemas/checks.toml).
A check whose figures the document does not print is not emitted (statements_present always is,
for a 决算 or a 预算). Every detail names the figures with their table and page.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

import regex

from extractors import units as units_mod
from extractors.statements import StatementLine, kind_of_shape, kind_of_title
from extractors.statements import vocab as kinds_vocab
from pipeline import table_model as tm
from pipeline.check import Check, compare
from schemas.vocab import numbering, read_toml

ZERO = Decimal(0)


@dataclass(frozen=True)
class Identity:
    lhs: str
    rhs: tuple[str, ...]
    text: str
    without: tuple[str, ...] = ()  # checked only in a statement without columns of these roles


@dataclass(frozen=True)
class Selector:
    statement: str
    names: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    side: str | None = None
    table_roles: tuple[str, ...] = ()
    table_without: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()  # the figure is the sum of the line's cells of these roles (all printed)


@dataclass(frozen=True)
class Cross:
    name: str
    what: str
    left: tuple[Selector, ...]
    right: tuple[Selector, ...]
    any: bool = False  # the right side equals one of the left ones (else the first found)


@dataclass(frozen=True)
class ProseRule:
    key: str
    what: str
    line: tuple[Selector, ...]


@dataclass(frozen=True)
class Vocab:
    identities: dict[str, tuple[Identity, ...]]  # statement kind -> its line identities
    total_names: frozenset[str]
    cross: tuple[Cross, ...]
    prose: tuple[ProseRule, ...]
    present: dict[str, tuple[str, ...]]  # document kind -> its standard statements
    facts: tuple[ProseRule, ...] = ()  # statements.toml [[fact]]: key facts read from statements first


_IDENTITY = regex.compile(r"""(?x) ^ \s* (?P<lhs>\w+) \s* = (?P<rhs> \s* \w+ (?: \s* \+ \s* \w+ )* ) \s*
                           (?: \( \s* without \s+ (?P<without> \w+ (?: \s*,\s* \w+ )* ) \s* \) )? \s* $""")


def parse_identity(text: str) -> Identity:
    """"total = basic + project" -> Identity("total", ("basic", "project")); a trailing
    "(without basic)" checks it only in a statement that has no basic column."""
    m = _IDENTITY.match(text)
    if m is None:
        raise ValueError(f"statements.toml: identity {text!r} is not 'role = role + role … [(without role, …)]'")
    parts = tuple(p.strip() for p in m["rhs"].split("+"))
    without = tuple(w.strip() for w in m["without"].split(",")) if m["without"] else ()
    return Identity(m["lhs"], parts, text, without)


def _selectors(items: Iterable[dict]) -> tuple[Selector, ...]:
    return tuple(Selector(d["statement"], tuple(tm.squash(n) for n in d.get("names", ())), tuple(d.get("roles", ())),
                          d.get("side"), tuple(d.get("table_roles", ())), tuple(d.get("table_without", ())),
                          tuple(d.get("parts", ())))
                 for d in items)


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    d = read_toml("schemas", "statements.toml")
    ids = {k["key"]: tuple(parse_identity(t) for t in k.get("identities", ())) for k in d["kind"]}
    cross = tuple(Cross(c["name"], c["what"], _selectors(c["left"]), _selectors(c["right"]), c.get("any", False)) for c in d.get("cross", ()))
    prose = tuple(ProseRule(p["key"], p["what"], _selectors(p["line"])) for p in d.get("prose", ()))
    present = {k: tuple(v) for k, v in d.get("present", {}).items()}
    facts = tuple(ProseRule(f["key"], f.get("what", ""), _selectors(f["line"])) for f in d.get("fact", ()))
    return Vocab(ids, frozenset(tm.squash(n) for n in d["lines"]["total_names"]), cross, prose, present, facts)


# a line name's numbering: 一、 （二） 1. 3、 (schemas/headings.toml [numbering])
_ORDINAL = regex.compile(rf"^(?:{numbering().item})", regex.VERBOSE)


def line_name(ln: StatementLine) -> str:
    """The name as matched: spaces and its numbering gone ("一、本年收入合计" -> "本年收入合计")."""
    return _ORDINAL.sub("", tm.squash(ln.name or ""), count=1)


def _half(ln: StatementLine) -> Decimal:
    """Half the last printed digit of a line's value, in its own unit (units.half_last_digit)."""
    return units_mod.half_last_digit(ln.value)


def _comparable(lines: Sequence[StatementLine]) -> list[tuple[Decimal, Decimal]] | None:
    """(value, half its last digit) of each line in one unit: as printed when they share a unit
    (or none states one), else in 万元; None when some are in a unit and some in none."""
    unit_set = {ln.unit for ln in lines}
    if len(unit_set) == 1:
        return [(ln.value, _half(ln)) for ln in lines]
    if None in unit_set:
        return None
    return [(units_mod.to_wan(ln.value, ln.unit), units_mod.to_wan(_half(ln), ln.unit)) for ln in lines]


def _fmt(d: Decimal) -> str:
    return f"{d:f}"


def _where(ln: StatementLine) -> str:
    return f"表{ln.table_id} p{ln.page if ln.page is not None else '?'}"


def _label(ln: StatementLine) -> str:
    return f"{ln.code or ''}{ln.name or ''}" or "(no label)"


def _unit(ln: StatementLine) -> str:
    return ln.unit or ""


# --- within a statement: the columns of a line ---------------------------------------------------


def _by_table(lines: Sequence[StatementLine]) -> dict[int, list[StatementLine]]:
    out: dict[int, list[StatementLine]] = {}
    for ln in lines:
        out.setdefault(ln.table_id, []).append(ln)
    return out


def identity_checks(lines: Sequence[StatementLine]) -> list[Check]:
    """On each line (a row's label and measure), every identity of its statement kind whose
    columns the table has: the left figure printed, one right figure at least (an empty cell of
    a column the table has is 0). A role printed twice on the line with two values is not checked."""
    v = vocab()
    out = []
    for table_id, mine in _by_table(lines).items():
        ids = v.identities.get(mine[0].statement, ())
        if not ids:
            continue
        columns = {(ln.column_role, ln.measure) for ln in mine}
        rows: dict[tuple, list[StatementLine]] = {}
        for ln in mine:
            rows.setdefault((ln.row, ln.code, ln.name, ln.measure), []).append(ln)
        for (_, _, _, measure), row in rows.items():
            by_role: dict[str, StatementLine] = {}
            clash = set()
            for ln in row:
                first = by_role.setdefault(ln.column_role, ln)
                if first.value != ln.value:
                    clash.add(ln.column_role)
            for ident in ids:
                if not all((r, measure) in columns for r in (ident.lhs, *ident.rhs)):
                    continue
                if any((r, measure) in columns for r in ident.without):
                    continue
                if clash & {ident.lhs, *ident.rhs}:
                    continue
                total = by_role.get(ident.lhs)
                parts = [by_role[r] for r in ident.rhs if r in by_role]
                if total is None or not parts:
                    continue
                vals = _comparable([total, *parts])
                if vals is None:
                    continue
                observed = sum((x for x, _ in vals[1:]), ZERO)
                rounding = sum((h for _, h in vals), ZERO)
                shown = " + ".join(f"{r} {_fmt(by_role[r].value) if r in by_role else '(empty) 0'}" for r in ident.rhs)
                detail = (f"{total.statement} {_where(total)} {_label(total)} [{measure}]: {ident.text}: "
                          f"{ident.lhs} {_fmt(total.value)} vs {shown} {_unit(total)}")
                out.append(compare("statement_identity", vals[0][0], observed, rounding, detail))
    return out


# --- within a statement: the lines of a column -----------------------------------------------------

CLASSIFIED = ("functional", "economic")  # the statements whose lines are a classification's codes


@lru_cache(maxsize=None)
def _kind_classification(key: str) -> str | None:
    return next((k.classification for k in kinds_vocab().kinds if k.key == key), None)



def _column_groups(mine: Sequence[StatementLine]) -> dict[int, list[StatementLine]]:
    out: dict[int, list[StatementLine]] = {}
    for ln in mine:
        out.setdefault(ln.col, []).append(ln)
    return out


def _complete_children(parent: StatementLine, coded_rows: Sequence[tuple[int, str]]) -> list[str] | None:
    """The codes of the parent's children when the statement prints them as a block under it:
    the coded rows after the parent, up to the next line of its level or above (or the table's
    end), are all under its code, and no line under its code stands elsewhere; None else (the
    statement is not in code order, or prints some lines apart)."""
    n = len(parent.code)
    kids, block = [], 0
    for _, code in (x for x in coded_rows if x[0] > parent.row):
        if len(code) <= n:
            if code == parent.code:
                return None
            break  # the next line of its level: the block ends
        if not code.startswith(parent.code):
            return None
        block += 1
        if len(code) == n + 2:
            kids.append(code)
    # a line under its code printed elsewhere (before it, or after the block): some are apart
    under = sum(1 for _, code in coded_rows if len(code) > n and code.startswith(parent.code))
    return kids if under == block else None


def children_checks(lines: Sequence[StatementLine]) -> list[Check]:
    """In each column of a statement, a 类 (款) line = the sum of the 款 (项) lines printed under
    it by code. Checked only where the statement prints the whole block of its children (see
    `_complete_children`) and no code is printed twice."""
    out = []
    for table_id, mine in _by_table(lines).items():
        if _kind_classification(mine[0].statement) not in CLASSIFIED:
            continue
        codes_by_row: dict[int, str] = {}
        dup = False
        for ln in mine:
            if ln.code:
                if codes_by_row.setdefault(ln.row, ln.code) != ln.code:
                    dup = True  # two labels on a row (side-by-side halves): read per column below
        for col, group in _column_groups(mine).items():
            coded = [ln for ln in group if ln.code and len(ln.code) in tm.LEVELS]
            by_code: dict[str, StatementLine] = {}
            if len({ln.code for ln in coded}) != len(coded):
                continue  # a code printed twice in one column (one block per unit): not one statement
            for ln in coded:
                by_code[ln.code] = ln
            if dup:
                rows = sorted((ln.row, ln.code) for ln in coded)
            else:
                rows = sorted(codes_by_row.items())
            for parent in coded:
                if len(parent.code) == 7:
                    continue
                kids = _complete_children(parent, rows)
                if not kids:
                    continue
                present = [by_code[k] for k in kids if k in by_code]
                if not present:
                    continue
                vals = _comparable([parent, *present])
                if vals is None:
                    continue
                observed = sum((x for x, _ in vals[1:]), ZERO)
                rounding = sum((h for _, h in vals), ZERO)
                shown = " + ".join(f"{k.code} {_fmt(k.value)} (p{k.page})" for k in present)
                detail = (f"{parent.statement} {_where(parent)} [{parent.column_role}, {parent.measure}] "
                          f"{_label(parent)} ({parent.level}) {_fmt(parent.value)} vs {shown} {_unit(parent)}")
                out.append(compare("statement_children_sum_eq_parent", vals[0][0], observed, rounding, detail))
    return out


def lei_total_checks(lines: Sequence[StatementLine]) -> list[Check]:
    """In each column of a statement, the 类 lines sum to its one 合计 line (a line without a code
    named in statements.toml `total_names`, printed before the first 类 line or after the last)."""
    v = vocab()
    out = []
    for table_id, mine in _by_table(lines).items():
        if _kind_classification(mine[0].statement) not in CLASSIFIED:
            continue
        for col, group in _column_groups(mine).items():
            lei = [ln for ln in group if ln.code and len(ln.code) == 3]
            totals = [ln for ln in group if not ln.code and line_name(ln) in v.total_names]
            if not lei or len(totals) != 1 or len({ln.code for ln in lei}) != len(lei):
                continue
            total = totals[0]
            first, last = min(ln.row for ln in lei), max(ln.row for ln in lei)
            if first < total.row < last:
                continue  # a 合计 between the 类 lines closes a part of the statement
            vals = _comparable([total, *lei])
            if vals is None:
                continue
            observed = sum((x for x, _ in vals[1:]), ZERO)
            rounding = sum((h for _, h in vals), ZERO)
            shown = " + ".join(f"{k.code} {_fmt(k.value)} (p{k.page})" for k in lei)
            detail = (f"{total.statement} {_where(total)} [{total.column_role}, {total.measure}] "
                      f"{line_name(total)} {_fmt(total.value)} vs 类 {shown} {_unit(total)}")
            out.append(compare("statement_lei_sum_eq_total", vals[0][0], observed, rounding, detail))
    return out


# --- across statements ---------------------------------------------------------------------------


def _first_tables(lines: Sequence[StatementLine]) -> dict[str, list[StatementLine]]:
    """Per statement kind, the lines of its first table (a document may print a kind again for
    each of its units)."""
    first: dict[str, int] = {}
    for ln in lines:
        first.setdefault(ln.statement, ln.table_id)
    out: dict[str, list[StatementLine]] = {}
    for ln in lines:
        if first[ln.statement] == ln.table_id:
            out.setdefault(ln.statement, []).append(ln)
    return out


def _select(sel: Selector, tables: dict[str, list[StatementLine]]) -> dict[str | None, StatementLine]:
    """Per measure, the first line (reading order) of the selector's statement that matches it."""
    table = tables.get(sel.statement, ())
    roles = {ln.column_role for ln in table}
    if not set(sel.table_roles) <= roles or set(sel.table_without) & roles:
        return {}
    wanted = sel.parts or sel.roles
    mine = [ln for ln in table
            if (not wanted or ln.column_role in wanted)
            and (sel.side is None or sel.side in ln.column_header.split("/")[0])]
    if sel.names:
        for name in sel.names:
            named = [ln for ln in mine if line_name(ln) == name]
            if named:
                mine = named
                break
        else:
            return {}
    if sel.parts:
        return _sum_parts(mine, sel.parts)
    out: dict[str | None, StatementLine] = {}
    for ln in sorted(mine, key=lambda x: (x.row, x.col)):
        out.setdefault(ln.measure, ln)
    return out


def _sum_parts(mine: Sequence[StatementLine], parts: Sequence[str]) -> dict[str | None, StatementLine]:
    """Per measure, the first line (reading order) that prints a cell of every role of `parts`, in
    one unit, as one line whose value is their sum (the 支出总表 that splits 基本支出 into 人员支出 |
    日常公用支出 and prints no 基本支出 column: 杭州 2026 表3)."""
    rows: dict[tuple, dict[str, StatementLine]] = {}
    for ln in sorted(mine, key=lambda x: (x.row, x.col)):
        rows.setdefault((ln.row, ln.measure), {}).setdefault(ln.column_role, ln)
    out: dict[str | None, StatementLine] = {}
    for (_, measure), by_role in rows.items():
        if measure in out or not all(p in by_role for p in parts):
            continue
        cells = [by_role[p] for p in parts]
        if len({c.unit for c in cells}) != 1:
            continue
        wan = [c.amount_wan for c in cells]
        out[measure] = replace(
            cells[0], value=sum((c.value for c in cells), ZERO), column_role="+".join(parts),
            column_header=" + ".join(c.column_header for c in cells),
            amount_wan=None if None in wan else sum(wan, ZERO),
            start=min(c.start for c in cells), end=max(c.end for c in cells))
    return out


def _select_first(sels: Sequence[Selector], tables) -> dict[str | None, StatementLine]:
    for s in sels:
        got = _select(s, tables)
        if got:
            return got
    return {}


def cross_checks(lines: Sequence[StatementLine]) -> list[Check]:
    """The statements.toml `cross` identities, per measure both sides print."""
    tables = _first_tables(lines)
    out = []
    for c in vocab().cross:
        right = _select_first(c.right, tables)
        lefts = [got for got in (_select(s, tables) for s in c.left) if got] if c.any else [_select_first(c.left, tables)]
        for measure in sorted(set(right), key=str):
            b = right[measure]
            tried = []
            for left in lefts:
                a = left.get(measure)
                if a is None or (a.table_id, a.row, a.col) == (b.table_id, b.row, b.col):
                    continue
                vals = _comparable([a, b])
                if vals is None:
                    continue
                detail = (f"{c.name} [{measure}]: {c.what}: {a.statement} {_where(a)} {_label(a)} {_fmt(a.value)} {_unit(a)} "
                          f"vs {b.statement} {_where(b)} {_label(b)} {_fmt(b.value)} {_unit(b)}")
                tried.append(compare("statements_agree", vals[0][0], vals[1][0], vals[0][1] + vals[1][1], detail))
                if tried[-1].status == "pass":
                    break
            if tried:
                out.append(tried[-1] if tried[-1].status == "pass" else tried[0])
    return out


def statement_facts(lines: Sequence[StatementLine]) -> list[tuple[str, StatementLine]]:
    """(key, line) of the statements.toml `fact` rules: per key and measure, the line its first
    selector finds that has a unit."""
    tables = _first_tables(lines)
    out = []
    for rule in vocab().facts:
        for measure, ln in sorted(_select_first(rule.line, tables).items(), key=lambda x: str(x[0])):
            if ln.unit is not None:
                out.append((rule.key, ln))
    return out


def table_spans(lines: Sequence[StatementLine]) -> dict[int, tuple[int, int]]:
    """Each statement table's text span: from its first line's start to its last line's end."""
    out: dict[int, tuple[int, int]] = {}
    for ln in lines:
        a, b = out.get(ln.table_id, (ln.start, ln.end))
        out[ln.table_id] = (min(a, ln.start), max(b, ln.end))
    return out


def prose_checks(lines: Sequence[StatementLine], candidates: Sequence) -> list[Check]:
    """The statements.toml `prose` rules: a statement's figure against each distinct value the
    prose states for the key and measure (resolve's candidates of origin prose)."""
    tables = _first_tables(lines)
    out = []
    for rule in vocab().prose:
        got = _select_first(rule.line, tables)
        for measure, ln in sorted(got.items(), key=lambda x: str(x[0])):
            if ln.unit is None:
                continue
            seen = set()
            for f in candidates:
                if f.key != rule.key or f.measure != measure or f.origin != "prose" or f.value in seen:
                    continue
                if ln.year is not None and f.year is not None and f.year != ln.year:
                    continue
                seen.add(f.value)
                wan = units_mod.to_wan(ln.value, ln.unit)
                detail = (f"{rule.key} [{measure}]: {rule.what}: {ln.statement} {_where(ln)} {_label(ln)} "
                          f"{_fmt(ln.value)} {ln.unit} vs prose p{f.page if f.page is not None else '?'} "
                          f"{_fmt(f.value)} {f.unit} ({f.evidence[:60]})")
                out.append(compare("statement_prose_agree", wan, units_mod.to_wan(f.value, f.unit),
                                   units_mod.to_wan(_half(ln), ln.unit) + units_mod.to_wan(f.half_ulp, f.unit), detail))
    return out


# --- the standard set ------------------------------------------------------------------------------


def statement_kinds(tables: Sequence[tm.Table]) -> set[str]:
    """The statement kinds the document's tables are, by title or header shape (an empty
    statement, printed with its header and no figure, is one)."""
    out = set()
    for t in tables:
        k = kind_of_title(t.title) or (kind_of_shape(t) if t.header_rows else None)
        if k is not None:
            out.add(k.key)
    return out


def presence_check(doc_kinds: Sequence[str], found: set[str]) -> list[Check]:
    """One row for a 决算 (a 预算): the standard statements of its kind it lacks (skip when it has
    none: a 情况说明 printed without its tables)."""
    present = vocab().present
    kind = "final_accounts" if "final_accounts" in doc_kinds else ("budget" if "budget" in doc_kinds else None)
    if kind is None or kind not in present:
        return []
    expected = present[kind]
    missing = [k for k in expected if k not in found]
    n = len(expected)
    detail = (f"{kind}: {n - len(missing)} of the {n} standard statements"
              + (f"; missing: {', '.join(missing)}" if missing else ""))
    status = "fail" if missing else "pass"
    if len(missing) == n:  # the 情况说明 alone, its tables published apart (or unreadable)
        status, detail = "skip", detail + " (no statement in the document: its tables are published apart or cannot be read)"
    return [Check("statements_present", status, Decimal(n), Decimal(n - len(missing)), Decimal(-len(missing)), detail)]


def statement_checks(lines: Sequence[StatementLine], tables: Sequence[tm.Table] = (), candidates: Sequence = (),
                     doc_kinds: Sequence[str] = ()) -> list[Check]:
    """All checks over one document's statement lines."""
    found = statement_kinds(tables) | {ln.statement for ln in lines}
    return (identity_checks(lines) + children_checks(lines) + lei_total_checks(lines) + cross_checks(lines)
            + prose_checks(lines, candidates) + presence_check(doc_kinds, found))

