"""check: facts, amounts, functional lines and projects -> consistency checks (checks rows).

Every check compares an expected with an observed value and passes when they differ by no more
than the rounding the printed figures can carry (schemas/checks.toml states the rule and the
factors). A check whose inputs the document does not state is `skip` (identities between key
figures) or is not emitted at all (checks over enumerations, statements, projects).

Checks: basic + project = total; personnel + public = basic; the three “三公” parts = their total;
shares of one enumeration sum to 100%; functional 类 lines sum to their total and children to
their parent, per source (each table against its own 合计 row, the prose against the figure it
divides); every key figure stated twice has one value (prose_table_agree, fact_candidates_agree,
unit_statements_agree); prior year + change = this year and the stated % matches; a project's
executed ≤ its adjusted budget and its stated rate matches; a unitless table's inferred unit.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import regex

from extractors import money, units
from extractors.functional import Functional, FunctionalLine
from pipeline.records import Amount
from pipeline.labels import takes_column_key
from pipeline.records import Fact, Indicator, Score
from pipeline.resolve import Resolved
from pipeline.table_units import UnitInference
from schemas.vocab import read_toml

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Check:
    check: str
    status: str  # pass, fail, skip
    expected: Decimal | None
    observed: Decimal | None
    diff: Decimal | None
    detail: str

    def row(self, doc_id: str) -> dict:
        return {"doc_id": doc_id, "check": self.check, "status": self.status, "expected": self.expected,
                "observed": self.observed, "diff": self.diff, "detail": self.detail}


@dataclass(frozen=True)
class Rule:
    name: str
    what: str
    factor: Decimal
    floor: Decimal
    total: str | None = None
    parts: tuple[str, ...] = ()
    partial_words: tuple[str, ...] = ()
    nested_words: tuple[str, ...] = ()
    wrap_ends: tuple[str, ...] = ()

    def tolerance(self, rounding: Decimal) -> Decimal:
        return self.factor * rounding + self.floor


@lru_cache(maxsize=1)
def rules() -> dict[str, Rule]:
    out = {}
    for c in read_toml("schemas", "checks.toml")["check"]:
        out[c["name"]] = Rule(
            name=c["name"], what=c["what"], factor=Decimal(str(c["factor"])), floor=Decimal(c["floor"]),
            total=c.get("total"), parts=tuple(c.get("parts", ())), partial_words=tuple(c.get("partial_words", ())),
            nested_words=tuple(c.get("nested_words", ())), wrap_ends=tuple(c.get("wrap_ends", ())),
        )
    return out


def compare(name: str, expected: Decimal, observed: Decimal, rounding: Decimal, detail: str) -> Check:
    """pass when |observed - expected| is within the rule's tolerance for that rounding."""
    rule = rules()[name]
    diff = observed - expected
    tol = rule.tolerance(rounding)
    status = "pass" if abs(diff) <= tol else "fail"
    return Check(name, status, expected, observed, diff, f"{detail} (tolerance {_fmt(tol.quantize(Decimal('0.000001')))})")


def _fmt(d: Decimal | None) -> str:
    if d is None:
        return "-"
    d = d.normalize()
    return f"{d:f}"


def _ev(f: Fact) -> str:
    where = f"amount {f.amount_id}" if f.amount_id else f"[{f.start}:{f.end}]"
    return f"{f.key}={_fmt(f.value)} ({f.origin}, {where}: {f.evidence[:80]})"


# --- identities between key figures ------------------------------------------------------------


def sum_checks(facts: Sequence[Fact]) -> list[Check]:
    """total = Σ parts per measure, for each identity rule with a `total` (skip when a figure is missing)."""
    by = {(f.key, f.measure): f for f in facts}
    measures = sorted({f.measure for f in facts if f.measure}) or [None]
    out = []
    for rule in rules().values():
        if not rule.total:
            continue
        done = False
        for m in measures:
            total = by.get((rule.total, m))
            parts = [by.get((k, m)) for k in rule.parts]
            if total is None and not any(parts):
                continue
            done = True
            if total is None or not all(parts):
                missing = [k for k, p in zip((rule.total, *rule.parts), (total, *parts)) if p is None]
                out.append(Check(rule.name, "skip", total.value if total else None, None, None,
                                 f"{rule.what} [{m}]: not stated: {', '.join(missing)}"))
                continue
            read_in = {f.statement for f in (total, *parts) if f.statement}
            if len(read_in) > 1:
                # figures of two statements: the 一般公共预算基本支出表's 人员经费 against the 支出总表's
                # 基本支出 (all funds) are not one scope; each statement's own lines are checked
                # (statement_identity) and the statements against each other (statements_agree)
                out.append(Check(rule.name, "skip", total.value, None, None,
                                 f"{rule.what} [{m}]: read in different statements ({', '.join(sorted(read_in))})"))
                continue
            observed = sum((p.value for p in parts), ZERO)
            rounding = total.half_ulp + sum((p.half_ulp for p in parts), ZERO)
            detail = f"{rule.what} [{m}]: " + " + ".join(_ev(p) for p in parts) + " vs " + _ev(total)
            out.append(compare(rule.name, total.value, observed, rounding, detail))
        if not done:
            out.append(Check(rule.name, "skip", None, None, None, f"{rule.what}: none of the figures is stated"))
    return out


def _tier(f: Fact) -> int:
    """A fact's tier for comparison: a statement line's (resolve.STATEMENT_TIER) is a synonym's (0):
    the figures a statement prints are compared with the other figures named for the key; a
    fallback (1) never is."""
    return max(f.tier, 0)


def agreement_checks(candidates: Sequence[Fact], facts: Sequence[Fact],
                     amounts: Sequence[Amount] = ()) -> list[Check]:
    """Every candidate of a key and measure against the selected fact: a figure stated twice has
    one value. prose_table_agree when one is in prose and the other in a table,
    unit_statements_agree when they were printed in different units, fact_candidates_agree else."""
    unit_of = {a.amount_id: a.unit for a in amounts}
    chosen = {(f.key, f.measure): f for f in facts}
    out = []
    seen: set[tuple] = set()
    for c in candidates:
        f = chosen.get((c.key, c.measure))
        if f is None or c is f or _tier(c) != _tier(f):
            continue
        if (c.start, c.end) == (f.start, f.end):
            continue
        u_c, u_f = unit_of.get(c.amount_id), unit_of.get(f.amount_id)
        if u_c and u_f and u_c != u_f:
            name = "unit_statements_agree"
        elif c.origin != f.origin:
            name = "prose_table_agree"
        else:
            name = "fact_candidates_agree"
        key = (name, c.key, c.measure, c.value, f.value)
        if c.value == f.value and key in seen:
            continue  # one pass row per agreeing pair of values is enough
        seen.add(key)
        detail = f"{c.key} [{c.measure}]: selected {_ev(f)}; also {_ev(c)}"
        out.append(compare(name, f.value, c.value, f.half_ulp + c.half_ulp, detail))
    return out


# --- prose statements ---------------------------------------------------------------------------


_SENTENCE_END = regex.compile(r"[。！？\n]")
_SENTENCE_END_BEFORE = regex.compile(r"[。！？\n]", regex.REVERSE)  # searches back from its end


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """The sentence around `pos`: after the last 。！？ or line break before it, up to the first at
    or after it (searched outwards from `pos`, not over the whole text)."""
    before = _SENTENCE_END_BEFORE.search(text, 0, pos)
    after = _SENTENCE_END.search(text, pos)
    return (before.end() if before else 0), (after.start() if after else len(text))


class _Sentences:
    """`_sentence_bounds` for figures asked in reading order: each search starts where the last
    one's sentence ended, so together they read the text once. A search per figure ran to the
    text's start and end when its sentence had no end (quadratic in a paragraph of figures,
    issue 15)."""

    def __init__(self, text: str):
        self.text = text
        self.last = -1  # the last offset asked, its sentence's bounds
        self.lo = self.hi = 0

    def bounds(self, pos: int) -> tuple[int, int]:
        if pos < self.last:  # out of order: searched in full
            return _sentence_bounds(self.text, pos)
        if self.last >= 0 and pos <= self.hi:
            # no sentence end in [last, hi): pos is in the same sentence
            self.last = pos
            return self.lo, self.hi
        # past the last sentence's end (at hi, or none was asked yet): its start is after the
        # last end in [hi, pos)
        before = _SENTENCE_END_BEFORE.search(self.text, self.hi if self.last >= 0 else 0, pos)
        after = _SENTENCE_END.search(self.text, pos)
        self.last = pos
        self.lo = before.end() if before else 0
        self.hi = after.start() if after else len(self.text)
        return self.lo, self.hi


_FULL_STOP = regex.compile("。")


def _sentence_start(text: str, pos: int) -> int:
    """The start of `_sentence_bounds(text, pos)` alone (change_checks needs no end), looked for
    no further back than money's `max_lookback` (money.toml): linear in the text, as in money."""
    lo = max(0, pos - money.vocab().max_lookback)
    before = _SENTENCE_END_BEFORE.search(text, lo, pos)
    return before.end() if before else lo


def _wrapped(text: str, end: int, start: int, wrap_ends: Sequence[str]) -> bool:
    """Between two figures, one line break after a line that ends in a word that goes on (；，、)."""
    gap = text[end:start]
    if gap.count("\n") != 1:
        return False
    line = gap[:gap.index("\n")].rstrip()
    return bool(line) and line[-1] in wrap_ends


def share_checks(amounts: Sequence[Amount], text: str) -> list[Check]:
    """Shares (占…%) of the figures of one enumeration (one sentence, ≥ 2 shares, a share after
    其中 belongs to the item before it) sum to 100%."""
    rule = rules()["shares_sum_100"]
    groups: list[list[Amount]] = []
    cur: list[Amount] = []
    cur_sentence = None
    sentences = _Sentences(text)
    starts: dict[int, int] = {}  # a share's offset -> its sentence's start
    last_line = None  # the sentence bounds of the last share, a line break ending it
    for a in amounts:
        if a.share_pct is None or a.table_id is not None:
            continue
        s = line = sentences.bounds(a.start)
        starts[a.start] = s[0]
        if cur and (line == last_line or _wrapped(text, cur[-1].end, a.start, rule.wrap_ends)):
            s = cur_sentence  # on the line of the last share, or past a line break inside the enumeration
            starts[a.start] = starts[cur[0].start]  # (a PDF line wrapped after "…占7.32%；")
        last_line = line
        nested = bool(cur) and s == cur_sentence and any(w in text[cur[-1].end:a.start] for w in rule.nested_words)
        if s != cur_sentence or nested:
            if len(cur) >= 2:
                groups.append(cur)
            cur, cur_sentence = [], s
            if nested:
                continue  # the nested share starts nothing new
        cur.append(a)
    if len(cur) >= 2:
        groups.append(cur)
    out = []
    for g in groups:
        total = sum((a.share_pct for a in g), ZERO)
        rounding = sum((units.half_last_digit(a.share_pct) for a in g), ZERO)
        lo = starts[g[0].start]
        detail = "shares " + " + ".join(f"{a.label} {_fmt(a.share_pct)}% (amount {a.amount_id})" for a in g)
        if all(a.value == 0 for a in g):
            # "因公出国（境）费支出 0 万元，占“三公”经费的 0%；…" (无锡 2026): the shares of a nil total
            out.append(Check(rule.name, "skip", HUNDRED, total, None, detail + "; every figure is 0"))
            continue
        c = compare(rule.name, HUNDRED, total, rounding, detail)
        if c.status == "fail" and total < HUNDRED and any(w in text[lo:g[0].start] for w in rule.partial_words):
            c = Check(c.check, "skip", c.expected, c.observed, c.diff, c.detail + "; the enumeration may be partial")
        out.append(c)
    return out


def _sign_before(text: str, lo: int, pos: int) -> Decimal:
    """-1 when the nearest change word before a figure says it fell (money.toml's pct.change words)."""
    best, sign = -1, 1
    for w, sg in money.vocab().change_sign.items():
        i = text.rfind(w, lo, pos)
        if i > best:
            best, sign = i, sg
    return Decimal(sign)


_STOP_BEFORE = regex.compile(r"[。！？]", regex.REVERSE)


def _stop_before(text: str, pos: int) -> int:
    """After the last 。！？ before `pos` (a line break does not end an aside: 广州 2026 卫生健康委
    p114 "（公务用车购置费331万元，…；\n公务用车运行维护费370.34万元，…。）比上年增加66.79万元，增长10.5%"
    is the change of the 701.34 before the parenthesis), looked for no further back than money's
    `max_lookback`."""
    lo = max(0, pos - money.vocab().max_lookback)
    before = _STOP_BEFORE.search(text, lo, pos)
    return before.end() if before else lo


def _in_parentheses(text: str, lo: int, pos: int) -> bool:
    s = text[lo:pos]
    return s.count("（") + s.count("(") > s.count("）") + s.count(")")


def change_checks(amounts: Sequence[Amount], text: str) -> list[Check]:
    """A this-year figure, the prior-year figure and the change stated after it in the same or the
    next sentence: prior + change = this year, and the stated % = change / prior."""
    out = []
    current: Amount | None = None
    pending_prior: Amount | None = None
    stops: list[int] | None = None  # the offsets of 。, found at the first change
    for a in amounts:
        if a.table_id is not None:
            current, pending_prior = None, None
            continue
        if a.measure == "prior_year":
            pending_prior = a if current is not None else None
            continue
        if a.measure == "change":
            if current is not None and stops is None:
                stops = [m.start() for m in _FULL_STOP.finditer(text)]
            if current is None or bisect_left(stops, a.start) - bisect_left(stops, current.end) > 1:
                # more than one 。 between (text.count over that span was quadratic when many
                # changes followed one figure, issue 15)
                pending_prior = None
                continue
            sign = Decimal(-1) if a.change_pct is not None and a.change_pct < 0 else Decimal(1)
            if a.change_pct is None:
                sign = _sign_before(text, max(_sentence_start(text, a.start), a.start - 6), a.start)
            change = sign * a.amount_wan
            h = lambda x: units.half_last_digit(x.value, x.unit)  # noqa: E731
            head = f"{current.label} {current.value_text} (amount {current.amount_id})"
            if pending_prior is not None:
                p = pending_prior
                out.append(compare(
                    "prior_plus_change_eq_current", current.amount_wan, p.amount_wan + change,
                    h(current) + h(p) + h(a),
                    f"{head}: prior {p.value_text} (amount {p.amount_id}) + change {_fmt(change)} (amount {a.amount_id})",
                ))
                prior, prior_half = p.amount_wan, h(p)
            else:
                prior, prior_half = current.amount_wan - change, h(current) + h(a)
            if a.change_pct is not None and prior != 0:
                computed = change / prior * HUNDRED
                rounding = (HUNDRED * (h(a) * abs(prior) + abs(change) * prior_half) / (prior * prior)
                            + units.half_last_digit(a.change_pct))
                out.append(compare(
                    "change_pct_matches", computed.quantize(Decimal("0.0001")), a.change_pct, rounding,
                    f"{head}: change {_fmt(change)} (amount {a.amount_id}) / prior {_fmt(prior)} = "
                    f"{_fmt(computed.quantize(Decimal('0.01')))}%, stated {_fmt(a.change_pct)}%",
                ))
            pending_prior = None
            continue
        if _in_parentheses(text, _stop_before(text, a.start), a.start):
            continue  # "（经人大批准的年初预算收入880.51万元）": an aside, not the subject
        current, pending_prior = a, None
    return out


# --- functional classification ------------------------------------------------------------------


def _dedupe(lines: Sequence[FunctionalLine]) -> list[FunctionalLine]:
    """One line per level, code or name, and measure (the first statement)."""
    best: dict[tuple, FunctionalLine] = {}
    for ln in lines:
        best.setdefault((ln.level, ln.code or ln.name, ln.measure), ln)
    return list(best.values())


def _enumeration_head(lines: Sequence[FunctionalLine], amounts: Sequence[Amount], text: str) -> Amount | None:
    """The figure a prose enumeration of 类 lines divides: the last other figure of this year before
    the first line in its sentence ("一般公共预算财政拨款支出1054.82万元，主要用于以下方面: …"),
    when all the lines stand in that one sentence."""
    if not text or not lines:
        return None
    first = min(ln.start for ln in lines)
    lo, hi = _sentence_bounds(text, first)
    if any(ln.start >= hi for ln in lines):
        return None
    starts = {ln.start for ln in lines}
    head = None
    for a in amounts:
        if lo <= a.start < first and a.start not in starts and a.measure not in ("change", "prior_year"):
            head = a
    return head


def _lines_line(lines: Sequence[FunctionalLine]) -> str:
    return " + ".join(f"{ln.code or ''}{ln.name} {_fmt(ln.amount_wan)}" for ln in lines)


def functional_checks(functional: Functional | Sequence[FunctionalLine], facts: Sequence[Fact],
                      amounts: Sequence[Amount] = (), text: str = "") -> list[Check]:
    """Per source (each table, and the prose): the 类 lines sum to the total (a table's own 合计 row;
    a prose enumeration's head figure, else 本年支出合计), and children sum to their parent."""
    if not isinstance(functional, Functional):
        functional = Functional(tuple(functional))
    out = []
    totals = {f.measure: f for f in facts if f.key == "expenditure_total"}
    sources: dict[int | None, list[FunctionalLine]] = {}
    for ln in functional.lines:
        sources.setdefault(ln.table_id, []).append(ln)
    for table_id, group in sources.items():
        for measure in sorted({ln.measure for ln in group}, key=str):
            mine = _dedupe([ln for ln in group if ln.measure == measure])
            lei = [ln for ln in mine if ln.level == "类"]
            if lei:
                out.append(_lei_check(table_id, measure, lei, functional, totals.get(measure), amounts, text))
            for parent in (ln for ln in mine if ln.level in ("类", "款")):
                kids = _children(parent, mine)
                if not kids:
                    continue
                c = compare(
                    "functional_children_sum_eq_parent", parent.amount_wan, sum((k.amount_wan for k in kids), ZERO),
                    parent.half_ulp + sum((k.half_ulp for k in kids), ZERO),
                    f"[{measure}] {_where(table_id)} {parent.code or ''}{parent.name} ({parent.level}) = {_lines_line(kids)}",
                )
                if c.status == "fail" and table_id is None and c.diff < 0:
                    # prose names the main lines only as often as all of them: less is not an error
                    c = Check(c.check, "skip", c.expected, c.observed, c.diff, c.detail + "; the prose may leave lines out")
                out.append(c)
    return out


def _where(table_id: int | None) -> str:
    return f"表{table_id}" if table_id else "prose"


def _lei_check(table_id, measure, lei, functional: Functional, total: Fact | None, amounts, text) -> Check:
    observed = sum((ln.amount_wan for ln in lei), ZERO)
    rounding = sum((ln.half_ulp for ln in lei), ZERO)
    head = f"[{measure}] {_where(table_id)} 类 {_lines_line(lei)}"
    if table_id is not None:
        t = next((x for x in functional.totals if x.table_id == table_id), None)
        if t is None:
            return Check("functional_lei_sum_eq_total", "skip", None, observed, None, f"{head}: the table has no 合计 row")
        return compare("functional_lei_sum_eq_total", t.amount_wan, observed, rounding + t.half_ulp,
                       f"{head} vs the table's 合计 {_fmt(t.amount_wan)} [{t.start}:{t.end}]")
    a = _enumeration_head(lei, amounts, text)
    if a is not None:
        return compare("functional_lei_sum_eq_total", a.amount_wan, observed,
                       rounding + units.half_last_digit(a.value, a.unit), f"{head} vs {a.label} {a.value_text} (amount {a.amount_id})")
    if total is not None:
        return compare("functional_lei_sum_eq_total", total.value, observed, rounding + total.half_ulp,
                       f"{head} vs {_ev(total)}")
    return Check("functional_lei_sum_eq_total", "skip", None, observed, None, f"{head}: expenditure_total not stated")


def _children(parent: FunctionalLine, lines: Sequence[FunctionalLine]) -> list[FunctionalLine]:
    """款 under a 类 (or 项 under a 类 when no 款 is stated), 项 under a 款: by code, else by name."""
    def under(ln: FunctionalLine, level: str) -> bool:
        if ln.level != level:
            return False
        if parent.code and ln.code:
            return ln.code.startswith(parent.code) and ln.code != parent.code
        if parent.level == "类":
            return ln.lei_name == parent.name
        return ln.parent_name == parent.name
    if parent.level == "类":
        kids = [ln for ln in lines if under(ln, "款")]
        return kids or [ln for ln in lines if under(ln, "项")]
    return [ln for ln in lines if under(ln, "项")]


# --- projects -----------------------------------------------------------------------------------


def _dec(x) -> Decimal | None:
    if x is None:
        return None
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float) and x != x:
        return None
    return Decimal(str(x))


def project_checks(projects: Sequence[Mapping]) -> list[Check]:
    """Over `projects` rows (schemas/tables.py): executed ≤ adjusted budget (全年预算数), and the
    stated 执行率 = executed / adjusted budget (the initial budget when no adjusted one is given)."""
    out = []
    for p in projects:
        name = p.get("name") or "?"
        exe, adj, init, rate = (_dec(p.get(k)) for k in ("executed_wan", "budget_adjusted_wan", "budget_initial_wan", "execution_rate"))
        budget = adj if adj is not None else init
        which = "adjusted" if adj is not None else "initial"
        if exe is None or budget is None:
            continue
        h_e, h_b = units.half_last_digit(exe), units.half_last_digit(budget)
        if exe <= budget:
            out.append(Check("project_executed_le_adjusted", "pass", budget, exe, exe - budget,
                             f"{name}: executed {_fmt(exe)} ≤ {which} budget {_fmt(budget)}"))
        else:
            c = compare("project_executed_le_adjusted", budget, exe, h_e + h_b,
                        f"{name}: executed {_fmt(exe)} > {which} budget {_fmt(budget)}")
            out.append(c)
        if rate is not None and budget != 0:
            computed = exe / budget * HUNDRED
            rounding = HUNDRED * (h_e * budget + exe * h_b) / (budget * budget) + units.half_last_digit(rate)
            out.append(compare("project_rate_matches", computed.quantize(Decimal("0.0001")), rate, rounding,
                               f"{name}: executed {_fmt(exe)} / {which} budget {_fmt(budget)} = "
                               f"{_fmt(computed.quantize(Decimal('0.01')))}%, stated {_fmt(rate)}%"))
    return out


def score_checks(indicators: Sequence[Indicator], scores: Sequence[Score]) -> list[Check]:
    """A score no higher than what it can earn: each indicator row's 得分 against its 分值, each
    stated score against its maximum (issue 17: a score above its 分值 is a failed check)."""
    out = []
    for ind in indicators:
        if ind.weight is None or ind.score is None:
            continue
        name = ind.level3 or ind.level2 or ind.level1 or "?"
        where = f"{ind.subject or '-'} / {name}" + (f" (p{ind.page})" if ind.page else "")
        out.append(_le("indicator_score_le_weight", ind.score, ind.weight, f"{where}: 得分 {_fmt(ind.score)}, 分值 {_fmt(ind.weight)}"))
    for s in scores:
        if s.score is None or s.max_score is None:
            continue
        where = f"{s.scope} {s.subject or '-'}" + (f" (p{s.page})" if s.page else "")
        out.append(_le("score_le_max", s.score, s.max_score, f"{where}: score {_fmt(s.score)} of {_fmt(s.max_score)}"))
    return out


def _le(name: str, value: Decimal, limit: Decimal, detail: str) -> Check:
    """pass when `value` ≤ `limit`; above it by more than their rounding, fail."""
    if value <= limit:
        return Check(name, "pass", limit, value, value - limit, detail)
    return compare(name, limit, value, units.half_last_digit(value) + units.half_last_digit(limit), detail)


# --- units -------------------------------------------------------------------------------------


def unit_inference_checks(inferences: Sequence[UnitInference]) -> list[Check]:
    """pass: the table is read in the one unit its figures are stated in; fail: its figures match
    figures stated in different units, and the table is not read."""
    return [
        Check("table_unit_inferred", "fail", u.value, None, None, f"表{u.table_id} not read: {u.evidence}")
        if u.ambiguous else
        Check("table_unit_inferred", "pass", u.value, u.value, ZERO, f"表{u.table_id} read in {u.unit}: {u.evidence}")
        for u in inferences
    ]


_LABEL_NOISE = regex.compile(r"[\s（）()“”]")


@lru_cache(maxsize=1 << 16)
def _statement_label(label: str) -> str | None:
    """The label a restated figure is grouped by, or None when it names nothing by itself."""
    label = _LABEL_NOISE.sub("", label)
    if len(label) >= 3 and not takes_column_key(label):  # "合计", "金额" name nothing by themselves
        return label
    return None


def unit_statement_checks(amounts: Sequence[Amount]) -> list[Check]:
    """A figure stated in 万元 and, under the same label and measure, in another money unit."""
    out = []
    by: dict[tuple, list[Amount]] = {}
    seen_rows: set[tuple] = set()
    for a in amounts:
        if a.table_id is not None and a.row is not None:
            if (a.table_id, a.row, a.measure) in seen_rows:
                continue  # a table row states its label's figure of a measure once, first (合计);
                # the other columns are its parts (上海 2024 表8 公务接待费 13,500 | 0 | 13,500 in 元)
            seen_rows.add((a.table_id, a.row, a.measure))
        label = _statement_label(a.label)
        if label is not None:
            by.setdefault((label, a.measure), []).append(a)
    for (label, measure), group in by.items():
        if len(group) < 2:
            continue  # a figure stated once restates nothing (most labels)
        wan = [a for a in group if a.unit == "万元"]
        other = [a for a in group if a.unit != "万元"]
        for o in other:
            if not wan:
                break
            w = min(wan, key=lambda w: abs(o.amount_wan - w.amount_wan))  # the statement it restates
            out.append(compare("unit_statements_agree", w.amount_wan, o.amount_wan,
                               units.half_last_digit(o.value, o.unit) + units.half_last_digit(w.value, w.unit),
                               f"{label} [{measure}]: {w.value_text} (amount {w.amount_id}) vs "
                               f"{o.value_text} (amount {o.amount_id})"))
    return out


def check(resolved: Resolved, amounts: Sequence[Amount], functional: Functional | Sequence[FunctionalLine],
          projects: Sequence[Mapping], text: str, indicators: Sequence[Indicator] = (),
          scores: Sequence[Score] = ()) -> list[Check]:
    """All checks of one document."""
    return (
        sum_checks(resolved.facts)
        + agreement_checks(resolved.candidates, resolved.facts, amounts)
        + unit_statement_checks(amounts)
        + share_checks(amounts, text)
        + change_checks(amounts, text)
        + functional_checks(functional, resolved.facts, amounts, text)
        + project_checks(projects)
        + score_checks(indicators, scores)
        + unit_inference_checks(resolved.unit_inferences)
    )
