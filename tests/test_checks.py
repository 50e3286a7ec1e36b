"""Consistency checks: a passing and a failing example for each, and seed 001's 236 vs 275.61."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from extractors.functional import FunctionalLine
from pipeline import labels
from pipeline import check, resolve
from pipeline.check import rules
from pipeline.records import Fact
from pipeline.table_units import UnitInference
from schemas.vocab import read_toml
from tests.conftest import seed_path
from tests.helpers import snippet

D = Decimal


def _f(key, value, measure="actual", origin="prose", start=0, amount_id=None):
    return Fact(key, D(value), "万元", measure, 2023, amount_id, start, start + 5, None, f"{key} {value}",
                origin=origin, half_ulp=D("0.005"))


def _statuses(checks, name):
    return [c.status for c in checks if c.check == name]


# --- identities between key figures ---------------------------------------------------------------

SUMS = [
    ("basic_plus_project_eq_total", {"expenditure_total": "1054.82", "expenditure_basic": "927.45", "expenditure_project": "127.37"}, "pass"),
    ("basic_plus_project_eq_total", {"expenditure_total": "1054.82", "expenditure_basic": "927.45", "expenditure_project": "127.30"}, "fail"),
    ("personnel_plus_public_eq_basic", {"expenditure_basic": "927.45", "expenditure_personnel": "841.35", "expenditure_public": "86.10"}, "pass"),
    ("personnel_plus_public_eq_basic", {"expenditure_basic": "927.45", "expenditure_personnel": "841.35", "expenditure_public": "80.10"}, "fail"),
    ("three_public_parts_eq_total", {"three_public_total": "14.71", "three_public_overseas": "0", "three_public_vehicle": "10.16", "three_public_reception": "4.55"}, "pass"),
    ("three_public_parts_eq_total", {"three_public_total": "14.71", "three_public_overseas": "0", "three_public_vehicle": "10.16", "three_public_reception": "5.55"}, "fail"),
    ("three_public_parts_eq_total", {"three_public_total": "14.71", "three_public_vehicle": "10.16"}, "skip"),
]


@pytest.mark.parametrize("name,values,status", SUMS, ids=[f"{s[0]}-{s[2]}" for s in SUMS])
def test_sum_checks(name, values, status):
    facts = [_f(k, v) for k, v in values.items()]
    assert _statuses(check.sum_checks(facts), name) == [status]


def test_sum_tolerance_is_the_printed_rounding():
    # 455.65 + 123.74 + 211.80 + 3.64 = 794.83 against a printed 794.82: within 5 × 0.005
    c = check.compare("basic_plus_project_eq_total", D("794.82"), D("794.83"), 5 * D("0.005"), "")
    assert c.status == "pass" and c.diff == D("0.01")
    c = check.compare("basic_plus_project_eq_total", D("794.82"), D("794.85"), 5 * D("0.005"), "")
    assert c.status == "fail"


# --- statements of one figure ---------------------------------------------------------------------


def test_prose_table_agree_pass_and_fail():
    chosen = _f("expenditure_basic", "927.45", origin="table", start=100)
    same = _f("expenditure_basic", "927.45", origin="prose", start=10)
    other = _f("expenditure_basic", "927.40", origin="prose", start=20)
    out = check.agreement_checks([same, chosen, other], [chosen])
    assert _statuses(out, "prose_table_agree") == ["pass", "fail"]


def test_fact_candidates_agree_pass_and_fail():
    a, b, c = _f("income_total", "10.00", start=1), _f("income_total", "10.00", start=9), _f("income_total", "12.00", start=20)
    assert _statuses(check.agreement_checks([a, b], [a]), "fact_candidates_agree") == ["pass"]
    assert _statuses(check.agreement_checks([a, c], [a]), "fact_candidates_agree") == ["fail"]


def test_a_statement_fact_is_compared_with_the_other_candidates():
    # a statement line's fact (resolve.STATEMENT_TIER) against a synonym's candidate: compared (it
    # was skipped as another tier, so a statement fact was never checked); a fallback never is
    stmt = Fact("three_public_total", D("873.20"), "万元", "budget", 2026, None, 100, 106, 34, "表7 合计",
                origin="table", tier=resolve.STATEMENT_TIER, statement="three_public")
    prose = _f("three_public_total", "873.20", measure="budget", start=10)
    other = _f("three_public_total", "421.30", measure="budget", start=20)
    fallback = Fact("three_public_total", D("0"), "万元", "budget", 2026, None, 30, 31, None, "无三公经费", tier=1)
    out = check.agreement_checks([prose, other, fallback, stmt], [stmt])
    assert _statuses(out, "prose_table_agree") == ["pass", "fail"]


def test_personnel_plus_public_is_not_checked_across_two_statements():
    # 杭州 2026 交通运输局: 人员经费 67,627.51 + 公用经费 14,902.37 of the 一般公共预算基本支出表 (p32)
    # against the 支出总表's all-funds 基本支出 89,793.26 (p26): two scopes, not one figure
    def st(key, value, statement):
        return Fact(key, D(value), "万元", "budget", 2026, None, 0, 5, None, key, origin="table",
                    tier=resolve.STATEMENT_TIER, statement=statement)
    facts = [st("expenditure_basic", "89793.26", "expenditure"), st("expenditure_personnel", "67627.51", "general_public_basic"),
             st("expenditure_public", "14902.37", "general_public_basic")]
    assert _statuses(check.sum_checks(facts), "personnel_plus_public_eq_basic") == ["skip"]
    same = [st("expenditure_basic", "82529.88", "general_public_basic"), *facts[1:]]
    assert _statuses(check.sum_checks(same), "personnel_plus_public_eq_basic") == ["pass"]


def test_seed_001_project_236_vs_275_61_fails(corpus_out):
    docs = pd.read_parquet(corpus_out / "documents")
    doc_id = docs[docs.source_path.str.contains(seed_path("001").name)].doc_id.iloc[0]
    checks = pd.read_parquet(corpus_out / "checks")
    mine = checks[(checks.doc_id == doc_id) & (checks.check == "prose_table_agree")]
    row = mine[mine.detail.str.contains("expenditure_project")].iloc[0]
    assert row.status == "fail"
    assert (Decimal(row.expected), Decimal(row.observed)) == (D("275.61"), D("236"))
    assert "表1" in row.detail


def _amount(aid, label, value, unit, measure=None, start=0):
    from extractors import units
    from pipeline.records import Amount

    v = D(value)
    return Amount(aid, None, label, f"{value}{unit}", v, unit, units.to_yuan(v, unit), units.to_wan(v, unit),
                  None, None, None, measure, None, None, None, start, start + 5, None, "")


def test_unit_statements_agree_pass_and_fail():
    wan = _amount(1, "基本支出", "877.59", "万元")
    ok = _amount(2, "基本支出", "87759", "百元", start=50)
    bad = _amount(3, "项目支出", "12000", "百元", start=90)
    bad_wan = _amount(4, "项目支出", "121.00", "万元", start=99)
    out = check.unit_statement_checks([wan, ok, bad, bad_wan])
    assert _statuses(out, "unit_statements_agree") == ["pass", "fail"]


# --- shares and changes (read from prose) --------------------------------------------------------


def _checks_of(text: str):
    t, ex = snippet(text)
    res = resolve.resolve(t, ex.amounts, ex.metadata)
    return check.check(res, ex.amounts, [], [], t.text)


def test_shares_pass():
    out = _checks_of("本年支出合计1054.82万元，其中：基本支出927.45万元，占87.93%；项目支出127.37万元，占12.07%。\n")
    assert _statuses(out, "shares_sum_100") == ["pass"]


def test_shares_fail():
    out = _checks_of("本年支出合计1054.82万元，其中：基本支出927.45万元，占87.93%；项目支出127.37万元，占13.07%。\n")
    assert _statuses(out, "shares_sum_100") == ["fail"]


def test_shares_nested_and_partial():
    nested = "授予中小企业合同金额0万元，占政府采购支出总额的0%，其中：授予小微企业合同金额0万元，占政府采购支出总额的0%。\n"
    assert _statuses(_checks_of(nested), "shares_sum_100") == []
    partial = "支出主要用于以下方面：一般公共服务支出794.82万元，占75.35%；住房保障支出58.22万元，占5.52%。\n"
    assert _statuses(_checks_of(partial), "shares_sum_100") == ["skip"]


def test_shares_over_a_wrapped_line_and_of_a_nil_total():
    # 无锡 2026 发展和改革局 p36: the enumeration goes on after a PDF line break that follows "；"
    wrapped = ("其中，因公出国（境）费支出 23.27 万元，占“三公”经费的 60.8%；公务用车购置及运行维护费支出 2.8 万元，"
               "占“三公”经费的 7.32%；\n公务接待费支出 12.2 万元，占“三公”经费的 31.88%。\n")
    assert _statuses(_checks_of(wrapped), "shares_sum_100") == ["pass"]
    # 杭州 2026 司法局 p6: the break after the first item, two more on the next line
    wrapped = ("一般公共服务（类）支出 12,868.19 万元，占 14.0%；\n公共安全（类）支出 69,081.15 万元，占 75.2%；"
               "社会保障和就业（类）支出 7,458.52 万元，占 8.1%；卫生健康（类）支出2,434.95万元，占2.7%。\n")
    assert _statuses(_checks_of(wrapped), "shares_sum_100") == ["pass"]
    # 无锡 2026 城市管理和综合执法局: every figure 0, every share 0%
    nil = ("其中，因公出国（境）费支出 0 万元，占“三公”经费的 0%；公务用车购置及运行维护费支出 0 万元，占“三公”经费的 0%；"
           "公务接待费支出0万元，占“三公”经费的0%。\n")
    assert _statuses(_checks_of(nil), "shares_sum_100") == ["skip"]


def test_a_change_after_an_aside_over_a_line_break_is_the_figure_before_it():
    # 广州 2026 卫生健康委员会 p114 (the parenthesis wraps onto a second PDF line): 66.79 / 10.5% is the
    # change of 公务用车购置及运行维护费 701.34, not of the 370.34 inside the parenthesis
    text = ("公务用车购置及运行维护费701.34万元（公务用车购置费331万元，比上年增加119.15万元；\n"
            "公务用车运行维护费370.34万元，比上年减少52.36万元。）比上年增加66.79万元，增长10.5%，主要原因是更新购置采血车辆。\n")
    assert _statuses(_checks_of(text), "change_pct_matches") == ["pass"]


def test_prior_plus_change_pass_and_fail():
    ok = "本单位支出1304.57万元，比上年1336.76万元减少32.19万元，减少2.41%。\n"
    assert _statuses(_checks_of(ok), "prior_plus_change_eq_current") == ["pass"]
    assert _statuses(_checks_of(ok), "change_pct_matches") == ["pass"]
    # seed 001: 1326.27 - 21.76 = 1304.51, not 1304.57; the aside in parentheses is not the subject
    bad = "2024年，单位预算收入1304.57万元（经人大批准的年初预算收入880.51万元），比上年1326.27万元减少21.76万元，减少1.64%。\n"
    assert _statuses(_checks_of(bad), "prior_plus_change_eq_current") == ["fail"]


def test_change_pct_without_prior_pass_and_fail():
    ok = "2023年度收、支总计均为1054.82万元。与2022年度相比，收、支总计各增加46.73万元，增长4.63%。\n"
    assert _statuses(_checks_of(ok), "change_pct_matches") == ["pass"]
    bad = "2023年度收、支总计均为1054.82万元。与2022年度相比，收、支总计各增加46.73万元，增长5.63%。\n"
    assert _statuses(_checks_of(bad), "change_pct_matches") == ["fail"]


# --- functional ------------------------------------------------------------------------------------


def _ln(code, level, name, amount, lei=None, table=None):
    return FunctionalLine(code, level, name, D(amount), "actual", 0, 1, None,
                          parent_code=code[:-2] if code and len(code) > 3 else None, lei_name=lei,
                          origin="table" if table else "prose", table_id=table)


def test_functional_lei_sum_pass_and_fail():
    lines = [_ln("201", "类", "一般公共服务", "794.82"), _ln("221", "类", "住房保障", "260.00")]
    total = [_f("expenditure_total", "1054.82")]
    assert _statuses(check.functional_checks(lines, total), "functional_lei_sum_eq_total") == ["pass"]
    total = [_f("expenditure_total", "1100.00")]
    assert _statuses(check.functional_checks(lines, total), "functional_lei_sum_eq_total") == ["fail"]


def test_functional_children_pass_and_fail():
    ok = [_ln("201", "类", "一般公共服务", "794.82"), _ln("2010301", "项", "行政运行", "455.65"),
          _ln("2010302", "项", "一般行政管理事务", "123.74"), _ln("2010350", "项", "事业运行", "211.80"),
          _ln("2010399", "项", "其他", "3.64")]
    assert _statuses(check.functional_checks(ok, []), "functional_children_sum_eq_parent") == ["pass"]
    bad = [_ln("208", "类", "社会保障和就业", "139.32", table=1), _ln("20805", "款", "行政事业单位养老支出", "120.94", table=1),
           _ln("2080505", "项", "机关事业单位基本养老保险缴费支出", "86.60", table=1)]
    assert _statuses(check.functional_checks(bad, []), "functional_children_sum_eq_parent") == ["fail", "fail"]
    # in prose a shorter list is no error (the main lines only); more than the parent is
    prose = [_ln("208", "类", "社会保障和就业", "139.32"), _ln("2080505", "项", "养老保险缴费", "86.60")]
    assert _statuses(check.functional_checks(prose, []), "functional_children_sum_eq_parent") == ["skip"]
    prose = [_ln("208", "类", "社会保障和就业", "39.32"), _ln("2080505", "项", "养老保险缴费", "86.60")]
    assert _statuses(check.functional_checks(prose, []), "functional_children_sum_eq_parent") == ["fail"]


# --- projects (rows shaped as schemas/tables.py `projects`) ---------------------------------------


def _project(initial, adjusted, executed, rate):
    return {"doc_id": "x", "name": "党政网络、网站运行维护经费", "code": None,
            "budget_initial_wan": D(initial) if initial else None, "budget_adjusted_wan": D(adjusted) if adjusted else None,
            "executed_wan": D(executed) if executed else None, "execution_rate": D(rate) if rate else None,
            "score": None, "grade": None, "page": None}


def test_project_checks_pass():
    out = check.project_checks([_project("36.12", "25.91", "25.91", "100.00")])
    assert _statuses(out, "project_executed_le_adjusted") == ["pass"]
    assert _statuses(out, "project_rate_matches") == ["pass"]


def test_project_checks_fail():
    # seed 004's first table: executed 95.83 of an adjusted 95.83 printed as 96.96%
    out = check.project_checks([_project("100.00", "95.83", "95.83", "96.96"), _project("10", "10.00", "12.00", None)])
    assert _statuses(out, "project_rate_matches") == ["fail"]
    assert _statuses(out, "project_executed_le_adjusted") == ["pass", "fail"]


def test_project_checks_accept_schema_rows():
    from schemas.tables import TABLES

    row = _project("1", "1", "1", "100")
    assert set(row) == set(TABLES["projects"].names)


# --- the inferred unit of a table -----------------------------------------------------------------


def test_table_unit_inferred_pass_and_fail():
    ok = UnitInference(1, "万元", D("1304.57"), 1, "…")
    bad = UnitInference(2, "万元", D("1304.57"), 1, "…", ambiguous=("元",))
    assert _statuses(check.unit_inference_checks([ok, bad]), "table_unit_inferred") == ["pass", "fail"]


def test_seed_001_table_unit_inferred(corpus_out):
    checks = pd.read_parquet(corpus_out / "checks")
    rows = checks[checks.check == "table_unit_inferred"]
    assert list(rows.status) == ["pass"] and "万元" in rows.detail.iloc[0]


# --- the data file and the table ------------------------------------------------------------------


CHECK_NAMES = {
    "basic_plus_project_eq_total", "personnel_plus_public_eq_basic", "three_public_parts_eq_total", "shares_sum_100",
    "functional_lei_sum_eq_total", "functional_children_sum_eq_parent", "prose_table_agree", "fact_candidates_agree",
    "unit_statements_agree", "prior_plus_change_eq_current", "change_pct_matches", "project_executed_le_adjusted",
    "project_rate_matches", "table_unit_inferred", "indicator_score_le_weight", "score_le_max",
    "statement_identity", "statement_children_sum_eq_parent", "statement_lei_sum_eq_total", "statements_agree",
    "statement_prose_agree", "statements_present", "table_readable",
}


def test_checks_toml():
    data = read_toml("schemas", "checks.toml")["check"]
    names = [c["name"] for c in data]
    assert len(names) == len(set(names)) and set(names) == CHECK_NAMES
    for c in data:
        assert D(str(c["factor"])) >= 1 and D(c["floor"]) >= 0 and c["what"]
        for k in [c.get("total")] + list(c.get("parts", [])):
            assert k is None or k in labels.vocab().keys
    assert set(rules()) == CHECK_NAMES


def test_checks_rows_are_well_formed(corpus_out):
    checks = pd.read_parquet(corpus_out / "checks")
    assert set(checks.check) <= CHECK_NAMES
    assert set(checks.status) <= {"pass", "fail", "skip"}
    assert checks.detail.str.len().min() > 0
    done = checks[checks.status != "skip"].dropna(subset=["expected", "observed"])
    for e, o, d in zip(done["expected"], done["observed"], done["diff"]):
        assert d is None or Decimal(o) - Decimal(e) == Decimal(d)


def test_functional_prose_enumeration_against_its_head():
    ok = ("2023年度一般公共预算财政拨款支出1054.82万元，主要用于以下方面:一般公共服务支出794.82万元，占75.35%；"
          "社会保障和就业支出139.32万元，占13.21%；卫生健康支出62.46万元，占5.92%；住房保障支出58.22万元，占5.52%。\n")
    assert _statuses(_functional_checks_of(ok), "functional_lei_sum_eq_total") == ["pass"]
    bad = ok.replace("住房保障支出58.22万元", "住房保障支出68.22万元")
    assert _statuses(_functional_checks_of(bad), "functional_lei_sum_eq_total") == ["fail"]


def _functional_checks_of(text: str):
    from extractors import functional

    t, ex = snippet(text)
    res = resolve.resolve(t, ex.amounts, ex.metadata)
    lines = functional.extract(t, ex.table_models, ex.amounts, resolve.default_measure(ex.metadata))
    return check.functional_checks(lines, res.facts, ex.amounts, t.text)


# --- hostile input ---------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_FISCAL = st.sampled_from(
    list("收入支出合计总计基本项目人员公用经费三公因公出国境公务用车购置运行维护接待编制实有人数名万元百元"
         "占增长减少上年预算决算类款项（）()：，。；“”\t\n 0123456789.,%") + ["201类", "03款", "01项", "万元", "合计"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FISCAL, max_size=150).map("".join))
def test_resolve_functional_check_never_raise(s):
    from pipeline.records import DocumentError
    from pipeline.process import resolve_and_check

    try:
        t, ex = snippet(s)
    except DocumentError:
        return  # empty or unreadable text: the reader's business, not these stages'
    res, lines, checks, *_ = resolve_and_check(t, ex, [{"name": "x", "executed_wan": D("1"), "budget_adjusted_wan": D("0"),
                                                     "execution_rate": D("5")}])
    for f in res.facts:
        assert 0 <= f.start <= f.end <= len(t.text)
        assert f.key in labels.vocab().keys
    for c in checks:
        assert c.status in ("pass", "fail", "skip")


def test_unit_statements_ignore_generic_labels():
    out = check.unit_statement_checks([_amount(1, "合计", "10.00", "万元"), _amount(2, "合计", "5", "元", start=40)])
    assert out == []


def _table_functional_checks(total: str):
    from extractors import functional

    text = ("支出决算表\n单位：万元\n科目编码\t科目名称\t本年支出合计\t基本支出\t项目支出\n"
            f"合计\t\t{total}\t\t\n"
            "201\t一般公共服务支出\t264.87\t62.63\t202.24\n208\t社会保障和就业支出\t10.82\t10.82\t\n"
            "20805\t行政事业单位养老支出\t10.82\t10.82\t\n")
    t, ex = snippet(text)
    return check.functional_checks(functional.extract(t, ex.table_models, ex.amounts, "actual"), [], ex.amounts, t.text)


def test_functional_table_lei_sum_against_its_own_total_row():
    assert _statuses(_table_functional_checks("275.69"), "functional_lei_sum_eq_total") == ["pass"]
    assert _statuses(_table_functional_checks("307.82"), "functional_lei_sum_eq_total") == ["fail"]
    assert _statuses(_table_functional_checks("275.69"), "functional_children_sum_eq_parent") == ["pass"]


def test_project_rows_equal_asdict():
    # process hands check shallow rows of the projects instead of dataclasses.asdict's deep copies
    import dataclasses

    from pipeline.process import _project_row
    from pipeline.records import Project

    for p in (Project("道路维修", "P1", D("10.5"), D("12"), D("11.25"), D("93.75"), D("90"), "优", 3),
              Project("x", None, None, None, None, None, None, None, None)):
        row = _project_row(p)
        assert row == dataclasses.asdict(p)
        assert list(row) == [f.name for f in dataclasses.fields(Project)]
        assert check.project_checks([row]) == check.project_checks([dataclasses.asdict(p)])


# --- scores no higher than they can earn (issue 17 Deliver 3) ----------------------------------------

def _indicator(weight, score, level3="会议活动保障次数"):
    from pipeline.records import Indicator

    return Indicator(1, 1, "政府工作专项经费", "产出指标", "数量指标", level3, "≥", "20场", D("20"), "场", None, None,
                     None, None if weight is None else D(weight), None if score is None else D(score), None, 3)


def _score(score, max_score):
    from pipeline.records import Score

    return Score("县人大办", "department", D(score), None if max_score is None else D(max_score), None, 0, 1, 1, "自评得分")


SCORE_CASES = [
    # (id, indicators, scores, statuses of indicator_score_le_weight, of score_le_max)
    ("seed-004-indicator-full-marks", [_indicator("20", "20")], [], ["pass"], []),
    ("seed-002-indicator-below", [_indicator("10", "9.5")], [], ["pass"], []),
    ("synthetic-indicator-above-its-weight", [_indicator("10", "12")], [], ["fail"], []),
    ("synthetic-indicator-without-weight", [_indicator(None, "12")], [], [], []),
    ("seed-002-department-score", [], [_score("96", "100")], [], ["pass"]),
    ("synthetic-score-above-its-maximum", [], [_score("105", "100")], [], ["fail"]),
    ("synthetic-score-without-maximum", [], [_score("96", None)], [], []),
]


@pytest.mark.parametrize("indicators, scores, ind, top", [c[1:] for c in SCORE_CASES], ids=[c[0] for c in SCORE_CASES])
def test_a_score_is_no_higher_than_it_can_earn(indicators, scores, ind, top):
    out = check.score_checks(indicators, scores)
    assert _statuses(out, "indicator_score_le_weight") == ind
    assert _statuses(out, "score_le_max") == top
