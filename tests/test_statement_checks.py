"""Checks over the standard statements (pipeline/statement_checks.py, statements.toml's identities,
`cross`, `prose` and `present`).

Constructed statement lines (a passing and a failing example for each check, and the cases that
must not be checked at all), then real samples: every check of a clean 决算 passes, a corrupted
line fails naming both sides with their pages, and the disagreements real documents print
(杭州交通 p30, 福州交警 p9) fail. Samples are read from ../shared; absent, those tests skip saying so."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest

from extractors import statements as st
from pipeline import statement_checks as sc
from pipeline import table_model as tm
from pipeline.load import read_source
from pipeline.normalise import source_to_text
from pipeline.process import process_path
from pipeline.records import Fact
from schemas.vocab import read_toml
from tests.conftest import SAMPLES

D = Decimal


def L(statement, row, col, role, value, code=None, name=None, page=1, table=1, measure="budget", unit="万元", header=""):
    """A statement line, as extractors/statements.py makes them."""
    v = D(value)
    return st.StatementLine(
        statement=statement, statement_title=None, table_id=table, row=row, col=col, code=code, name=name,
        classification=None, level=tm.LEVELS.get(len(code)) if code else None, column_role=role,
        column_header=header or role, measure=measure, year=2026, value=v, unit=unit,
        amount_wan=v if unit == "万元" else None, page=page, start=0, end=0)


def _st(checks, name):
    return [c.status for c in checks if c.check == name]


# --- the data file ------------------------------------------------------------------------------------


def test_statement_checks_data_is_valid():
    data = read_toml("schemas", "statements.toml")
    kinds = {k["key"] for k in data["kind"]}
    roles = {r["name"] for r in read_toml("schemas", "columns.toml")["role"]}
    for k in data["kind"]:
        for text in k.get("identities", ()):
            ident = sc.parse_identity(text)
            assert {ident.lhs, *ident.rhs, *ident.without} <= roles, (k["key"], text)
    v = sc.vocab()
    assert v.total_names and v.cross and v.prose
    for c in v.cross:
        assert c.left and c.right and c.what, c.name
        for s in (*c.left, *c.right):
            assert s.statement in kinds and set(s.roles) <= roles and set(s.table_roles + s.table_without) <= roles
    assert len({c.name for c in v.cross}) == len(v.cross)
    for p in v.prose:
        assert p.line and all(s.statement in kinds for s in p.line)
    for doc_kind, expected in v.present.items():
        assert doc_kind in {k["name"] for k in read_toml("schemas", "metadata.toml")["kind"]}
        assert set(expected) <= kinds


@pytest.mark.parametrize("text", ["total = ", "= basic + project", "total = basic +", "total = basic (with x)"])
def test_a_malformed_identity_is_refused(text):
    with pytest.raises(ValueError, match="identity"):
        sc.parse_identity(text)


# --- constructed: the columns of a line (statement_identity) ----------------------------------------------

GPE = "general_public_expenditure"
ROW = [("total", "1054.82"), ("basic", "927.45"), ("personnel", "841.35"), ("public", "86.10"), ("project", "127.37")]

IDENTITY_CASES = [
    # (id, the line's cells (role, value), statuses in identities' order)
    ("constructed-all-hold", ROW, ["pass", "pass"]),
    ("constructed-corrupted-project", [(r, "127.30" if r == "project" else v) for r, v in ROW], ["fail", "pass"]),
    ("constructed-corrupted-public", [(r, "80.10" if r == "public" else v) for r, v in ROW], ["pass", "fail"]),
    # an empty cell of a column the table has is 0: a line all 项目支出
    ("constructed-empty-cell-is-zero", [("total", "28.00"), ("project", "28.00")], ["pass"]),
    ("constructed-empty-cell-is-zero-fail", [("total", "28.00"), ("project", "27.00")], ["fail"]),
    # the total alone, or the parts alone: nothing to compare
    ("constructed-total-alone", [("total", "28.00")], []),
    ("constructed-parts-alone", [("basic", "3.00"), ("project", "2.00")], []),
    # rounding: 0.005 a figure (841.35 + 86.11 = 927.46 against a printed 927.45)
    ("constructed-within-rounding", [("basic", "927.45"), ("personnel", "841.35"), ("public", "86.11")], ["pass"]),
]


@pytest.mark.parametrize("cells, statuses", [c[1:] for c in IDENTITY_CASES], ids=[c[0] for c in IDENTITY_CASES])
def test_identity_checks(cells, statuses):
    # row 1 gives the table every column; row 2 is the line under test
    lines = [L(GPE, 1, i, r, v, name="合计") for i, (r, v) in enumerate(ROW)]
    lines += [L(GPE, 2, [r for r, _ in ROW].index(r), r, v, code="20101", name="人大事务") for r, v in cells]
    got = [c for c in sc.identity_checks(lines) if "人大事务" in c.detail]
    assert [c.status for c in got] == statuses


def test_identity_needs_every_column_in_the_table():
    # a table without a basic column: total = basic + project is not checked, the (without basic)
    # identity is (杭州 支出总表: 合计 | 人员经费 | 公用经费 | 项目支出)
    lines = [L("expenditure", 1, 0, "total", "5876.67"), L("expenditure", 1, 1, "personnel", "2906.80"),
             L("expenditure", 1, 2, "public", "838.27"), L("expenditure", 1, 3, "project", "2131.60")]
    got = sc.identity_checks(lines)
    assert [(c.status, "without basic" in c.detail) for c in got] == [("pass", True)]
    bad = [dataclasses.replace(lines[3], value=D("2130.60"))] + lines[:3]
    assert _st(sc.identity_checks(bad), "statement_identity") == ["fail"]


def test_identity_with_a_role_printed_twice_differently_is_not_checked():
    lines = [L(GPE, 1, 0, "total", "10"), L(GPE, 1, 1, "total", "12"), L(GPE, 1, 2, "basic", "4"),
             L(GPE, 1, 3, "project", "6")]
    assert _st(sc.identity_checks(lines), "statement_identity") == []


def test_identity_per_measure():
    # a 三公 决算 prints 预算数 and 决算数 of each part: each measure is its own line
    tp = "three_public"
    lines = [L(tp, 1, 0, "three_public_total", "10.00", measure="budget"), L(tp, 1, 1, "three_public_total", "9.00", measure="actual"),
             L(tp, 1, 2, "overseas", "0.00", measure="budget"), L(tp, 1, 3, "overseas", "0.00", measure="actual"),
             L(tp, 1, 4, "vehicle", "6.00", measure="budget"), L(tp, 1, 5, "vehicle", "5.00", measure="actual"),
             L(tp, 1, 6, "reception", "4.00", measure="budget"), L(tp, 1, 7, "reception", "3.00", measure="actual")]
    got = sc.identity_checks(lines)
    assert [(c.status, c.expected) for c in got] == [("pass", D(10)), ("fail", D(9))]
    # figures printed as integers carry half a 万元 each: 9 against 0 + 5 + 3 is within it
    whole = [dataclasses.replace(ln, value=ln.value.quantize(D(1))) for ln in lines]
    assert [c.status for c in sc.identity_checks(whole)] == ["pass", "pass"]


# --- constructed: the lines of a column (children by code, 类 to 合计) ----------------------------------

EXP = "expenditure"


def _functional(values: dict[str, str], order=None) -> list[st.StatementLine]:
    """One column of an expenditure statement: 合计 first, then the codes in order."""
    out = [L(EXP, 0, 2, "total", values.pop("合计"), name="合计")] if "合计" in values else []
    for i, code in enumerate(order or values, start=1):
        out.append(L(EXP, i, 2, "total", values[code], code=code, name=f"科目{code}", page=1 + i // 4))
    return out


GOOD = {"合计": "307.82", "201": "264.87", "20139": "264.87", "2013901": "51.32", "2013950": "11.31",
        "2013999": "202.24", "208": "10.82", "20805": "10.82", "2080505": "6.18", "2080506": "4.64",
        "210": "2.71", "21011": "2.71", "2101101": "2.22", "2101102": "0.49", "221": "29.42", "22102": "29.42",
        "2210201": "17.70", "2210203": "11.72"}

CHILDREN_CASES = [
    # (id, values, statuses of children checks, statuses of 类 checks) — 上海普陀社工部 2024 决算 p8
    ("sample-values-all-hold", GOOD, ["pass"] * 8, ["pass"]),
    ("constructed-corrupted-项", {**GOOD, "2013950": "12.31"}, ["pass", "fail"] + ["pass"] * 6, ["pass"]),
    ("constructed-corrupted-类", {**GOOD, "208": "11.82"}, ["pass", "pass", "fail"] + ["pass"] * 5, ["fail"]),
    ("constructed-corrupted-合计", {**GOOD, "合计": "308.82"}, ["pass"] * 8, ["fail"]),
    # a statement without its 合计 line: the children only
    ("constructed-no-total-line", {k: v for k, v in GOOD.items() if k != "合计"}, ["pass"] * 8, []),
    # a statement printing a 类 with 项 lines and no 款: nothing sums to the 类
    ("constructed-项-without-款", {"201": "62.63", "2013901": "51.32", "2013950": "11.31"}, [], []),
]


@pytest.mark.parametrize("values, children, lei", [c[1:] for c in CHILDREN_CASES], ids=[c[0] for c in CHILDREN_CASES])
def test_children_and_lei_checks(values, children, lei):
    lines = _functional(dict(values))
    assert _st(sc.children_checks(lines), "statement_children_sum_eq_parent") == children
    assert _st(sc.lei_total_checks(lines), "statement_lei_sum_eq_total") == lei


def test_a_failed_children_check_names_both_sides_with_pages():
    lines = _functional({**GOOD, "2013950": "12.31"})
    fail = next(c for c in sc.children_checks(lines) if c.status == "fail")
    assert fail.expected == D("264.87") and fail.observed == D("265.87") and fail.diff == D(1)
    assert "20139" in fail.detail and "表1 p1" in fail.detail and "2013950 12.31 (p2)" in fail.detail


def test_children_out_of_code_order_are_not_checked():
    # a 款 whose block another 类's line breaks into: the statement is not in code order, the
    # block may be incomplete — not checked (be conservative), and neither is its 类
    order = ["201", "20139", "2013901", "208", "2013950", "2013999"]
    lines = _functional({c: GOOD[c] for c in order}, order)
    assert [c for c in sc.children_checks(lines) if "科目20139 " in c.detail or "20139科目" in c.detail] == []
    assert _st(sc.children_checks(lines), "statement_children_sum_eq_parent") == []


def test_a_code_printed_twice_in_a_column_is_not_checked():
    # a statement printing one block per unit under one table: the codes repeat
    lines = _functional(dict(GOOD))
    again = [dataclasses.replace(ln, row=ln.row + 100) for ln in lines if ln.code]
    assert _st(sc.children_checks(lines + again), "statement_children_sum_eq_parent") == []
    assert _st(sc.lei_total_checks(lines + again), "statement_lei_sum_eq_total") == []


def test_no_code_checks_in_an_unclassified_statement():
    # 广州司法局 表12 项目支出表: one project's line carries a 功能科目 code; it is no classification
    lines = [L("project_expenditure", 0, 2, "total", "22513.60", name="合计"),
             L("project_expenditure", 1, 2, "total", "95.41", code="201", name="某项目")]
    assert sc.lei_total_checks(lines) == [] and sc.children_checks(lines) == []


def test_side_by_side_halves_are_read_per_column():
    # 基本支出表 printed as two halves (301 … | 302 …) on one page: each column its own block
    b = "general_public_basic"
    lines = [L(b, 1, 2, "actual", "95.36", code="301", name="工资福利支出"), L(b, 1, 5, "actual", "10.23", code="302", name="商品和服务支出"),
             L(b, 2, 2, "actual", "14.12", code="30101", name="基本工资"), L(b, 2, 5, "actual", "3.78", code="30201", name="办公费"),
             L(b, 3, 2, "actual", "81.24", code="30102", name="津贴补贴"), L(b, 3, 5, "actual", "6.45", code="30202", name="印刷费")]
    assert _st(sc.children_checks(lines), "statement_children_sum_eq_parent") == ["pass", "pass"]
    bad = lines[:-1] + [dataclasses.replace(lines[-1], value=D("7.45"))]
    assert sorted(_st(sc.children_checks(bad), "statement_children_sum_eq_parent")) == ["fail", "pass"]


def test_units_differ_figures_compared_in_wan():
    lines = [L(EXP, 0, 2, "total", "3000000", name="合计", unit="元"), L(EXP, 1, 2, "total", "300", code="201", unit="万元")]
    got = sc.lei_total_checks(lines)
    assert [(c.status, c.expected, c.observed) for c in got] == [("pass", D(300), D(300))]
    unknown = [dataclasses.replace(lines[0], unit=None), lines[1]]
    assert sc.lei_total_checks(unknown) == []  # one in a unit, one in none: not compared


# --- constructed: across statements -----------------------------------------------------------------------


def _summary(income="5876.67", expenditure="5876.67", grand_in="5876.67", grand_out="5876.67"):
    s = "income_expenditure_summary"
    return [L(s, 19, 1, "budget", income, name="本年收入合计", header="收入/预算数"),
            L(s, 19, 3, "budget", expenditure, name="本年支出合计", header="支出/预算数"),
            L(s, 21, 1, "budget", grand_in, name="收 入 总 计", header="收入/预算数"),
            L(s, 21, 3, "budget", grand_out, name="支 出 总 计", header="支出/预算数")]


def _cross(lines, name):
    return [c.status for c in sc.cross_checks(lines) if c.detail.startswith(name + " ")]


CROSS_CASES = [
    # (id, lines, identity, statuses) — 杭州气象局 2026 表1-表3
    ("sample-values-income", _summary() + [L("income", 3, 1, "total", "5876.67", name="合计", table=2)],
     "summary_income_eq_income_statement", ["pass"]),
    ("constructed-income-differs", _summary() + [L("income", 3, 1, "total", "5876.76", name="合计", table=2)],
     "summary_income_eq_income_statement", ["fail"]),
    # 泉州公安局: the 收入总表 合计 holds 上年结转结余 7600; it is the 收支总表's 收入合计 (its 总计)
    ("sample-泉州-income-with-carry-over", _summary("73606.56", "81206.56", "81206.56", "81206.56")
     + [L("income", 3, 1, "total", "81206.56", name="合计", table=2)], "summary_income_eq_income_statement", ["pass"]),
    ("sample-values-expenditure", _summary() + [L(EXP, 3, 1, "total", "5876.67", name="合计", table=3)],
     "summary_expenditure_eq_expenditure_statement", ["pass"]),
    ("constructed-expenditure-differs", _summary() + [L(EXP, 3, 1, "total", "5870.67", name="合计", table=3)],
     "summary_expenditure_eq_expenditure_statement", ["fail"]),
    ("sample-values-balances", _summary(), "summary_balances", ["pass"]),
    ("constructed-does-not-balance", _summary(grand_out="5876.70"), "summary_balances", ["fail"]),
    # a statement the document does not print: not checked
    ("constructed-no-income-statement", _summary(), "summary_income_eq_income_statement", []),
    ("constructed-basic", [L("general_public_basic", 3, 1, "total", "3745.07", name="合计", table=6),
                           L(GPE, 3, 2, "basic", "3745.07", name="合计", table=5)], "basic_statement_eq_general_public_basic", ["pass"]),
    # 杭州交通 表7 p32 82529.89 vs 表5 p30 82479.29: a real disagreement
    ("sample-杭州交通-basic-differs", [L("general_public_basic", 3, 1, "total", "82529.89", name="合计", table=7, page=32),
                                   L(GPE, 3, 2, "basic", "82479.29", name="合计", table=5, page=30)],
     "basic_statement_eq_general_public_basic", ["fail"]),
    ("constructed-fiscal-general", [L("fiscal_summary", 28, 4, "income_general", "307.82", name="本年支出合计", header="支出/一般公共预算财政拨款", table=5),
                                    L(GPE, 19, 2, "total", "307.82", name="合计", table=6)],
     "fiscal_summary_general_eq_general_public_expenditure", ["pass"]),
]


@pytest.mark.parametrize("lines, name, statuses", [c[1:] for c in CROSS_CASES], ids=[c[0] for c in CROSS_CASES])
def test_cross_checks(lines, name, statuses):
    assert _cross(lines, name) == statuses


def test_a_failed_cross_check_names_both_statements_and_pages():
    lines = _summary() + [L(EXP, 3, 1, "total", "5870.67", name="合计", table=3, page=17)]
    c = next(c for c in sc.cross_checks(lines) if c.status == "fail")
    assert "income_expenditure_summary 表1 p1 本年支出合计 5876.67" in c.detail
    assert "expenditure 表3 p17 合计 5870.67" in c.detail and c.diff == D("-6.00")


def _fact(value, measure="budget", origin="prose"):
    return Fact("three_public_total", D(value), "万元", measure, 2026, None, 0, 5, 24, f"“三公”经费{value}万元",
                origin=origin, half_ulp=D("0.005"))


PROSE_CASES = [
    # (id, 三公 lines, candidates, statuses)
    # 广州信访局 p15: the parts as rows (行政经费 / “三公”经费 / 其中：…), funds as columns
    # (its 合计 column is the funds' total: role total, the row's name says 行政经费 or “三公”经费)
    ("sample-广州-rows", [L("three_public", 1, 1, "total", "444.39", name="行政经费"),
                         L("three_public", 2, 1, "total", "4.80", name="“三公”经费")], [_fact("4.80")], ["pass"]),
    ("constructed-rows-differ", [L("three_public", 1, 1, "total", "444.39", name="行政经费"),
                                 L("three_public", 2, 1, "total", "4.80", name="“三公”经费")], [_fact("4.90")], ["fail"]),
    ("constructed-rows-no-三公-line", [L("three_public", 1, 1, "total", "444.39", name="行政经费")], [_fact("4.80")], []),
    # 杭州气象局 p21: the parts as columns, one row for the department
    ("sample-杭州-columns", [L("three_public", 1, 1, "three_public_total", "13.13", name="杭州市气象局"),
                           L("three_public", 1, 2, "overseas", "0"), L("three_public", 1, 3, "reception", "2.13")],
     [_fact("13.13")], ["pass"]),
    # a row-per-unit table without the parts' columns and without a 三公 line: no figure to take
    ("constructed-no-line-found", [L("three_public", 1, 1, "three_public_total", "444.39", name="行政经费")], [_fact("4.80")], []),
    # the table's own figure as a candidate is no prose; another measure is not compared
    ("constructed-table-origin", [L("three_public", 2, 1, "three_public_total", "4.80", name="“三公”经费")],
     [_fact("4.90", origin="table"), _fact("5", measure="actual")], []),
]


@pytest.mark.parametrize("lines, candidates, statuses", [c[1:] for c in PROSE_CASES], ids=[c[0] for c in PROSE_CASES])
def test_prose_checks(lines, candidates, statuses):
    assert _st(sc.prose_checks(lines, candidates), "statement_prose_agree") == statuses


PRESENT_CASES = [
    ("constructed-决算-complete", ["final_accounts"], set(sc.vocab().present["final_accounts"]), "pass", ""),
    ("constructed-决算-no-三公", ["final_accounts"], set(sc.vocab().present["final_accounts"]) - {"three_public"}, "fail",
     "missing: three_public"),
    ("constructed-预算-complete", ["budget"], set(sc.vocab().present["budget"]), "pass", ""),
    ("constructed-预算-two-missing", ["budget"], set(sc.vocab().present["budget"]) - {"income", "government_fund"}, "fail",
     "missing: income, government_fund"),
]


@pytest.mark.parametrize("doc_kinds, found, status, missing", [c[1:] for c in PRESENT_CASES], ids=[c[0] for c in PRESENT_CASES])
def test_presence_check(doc_kinds, found, status, missing):
    (c,) = sc.presence_check(doc_kinds, found)
    assert c.check == "statements_present" and c.status == status and missing in c.detail


def test_presence_of_none_is_a_skip():
    # seed 004: a county 决算 情况说明 whose tables are published apart
    (c,) = sc.presence_check(["final_accounts", "dept_performance"], set())
    assert c.status == "skip" and "no statement in the document" in c.detail


def test_presence_only_for_a_budget_or_final_accounts():
    assert sc.presence_check(["project_performance"], set()) == []


# --- real samples ----------------------------------------------------------------------------------------

SJ = "上海普陀区委社会工作部_2024_部门决算.pdf"
HZJT = "cities/杭州__2026年杭州市交通运输局部门预算.pdf"
FZJJ = "cities/福州__公安局交通警察局_2026年部门预算.pdf"
QZGA = "cities/泉州__2026年泉州市公安局部门预算.pdf"
GZXF = "cities/广州__信访局_2026年部门预算.pdf"
YT = "烟台市退役军人事务局_2026_部门预算.html"
WL = "上海普陀万里街道办事处_2024_部门预算.pdf"


def _path(rel: str) -> Path:
    p = SAMPLES / rel
    if not p.exists():
        pytest.skip(f"sample {rel} is not in ../shared/samples ({SAMPLES}); the real-page cases need it")
    return p


@lru_cache(maxsize=None)
def _checks(rel: str) -> tuple[dict, ...]:
    rows = process_path(str(_path(rel))).rows["checks"]
    return tuple(r for r in rows if r["check"].startswith("statement"))


@lru_cache(maxsize=None)
def _lines(rel: str, measure: str) -> tuple[st.StatementLine, ...]:
    text = source_to_text(read_source(_path(rel)))
    return tuple(st.text_to_statement_lines(text, tm.text_to_tables(text), None, measure))


SAMPLE_COUNTS = [
    # (id, sample, check, at least this many pass, the fails (detail fragments) — the documents' own)
    ("sample-决算-clean-identity", SJ, "statement_identity", 30, []),
    ("sample-决算-clean-children", SJ, "statement_children_sum_eq_parent", 50, []),
    ("sample-决算-clean-类", SJ, "statement_lei_sum_eq_total", 8, []),
    ("sample-决算-clean-cross", SJ, "statements_agree", 5, []),
    ("sample-决算-present", SJ, "statements_present", 1, []),
    # 杭州交通 表5 p30: 基本支出 82,479.29 printed beside 人员经费 67,627.51 + 日常公用 14,902.37 = 82,529.88
    ("sample-杭州交通-real-identity", HZJT, "statement_identity", 100, ["表5 p30 合计 [budget]: basic = personnel + public"]),
    ("sample-杭州交通-real-cross", HZJT, "statements_agree", 3, ["general_public_basic 表7 p32 合计 82529.89"]),
    # 福州交警 表3 p9 (and 表5 p11): 20402 公安 48200.88 over 项 lines 22431.07 + 16389.79 only
    ("sample-福州交警-real-children", FZJJ, "statement_children_sum_eq_parent", 30, ["表3 p9 [total, budget] 20402公安"]),
    ("sample-泉州-income-with-carry-over", QZGA, "statements_agree", 3, []),
    ("sample-广州-三公-rows-prose", GZXF, "statement_prose_agree", 1, []),
    ("sample-烟台-html-上级补助-below-本年收入合计", YT, "statements_agree", 3, []),
    ("sample-万里-present-by-title", WL, "statements_present", 1, []),
]


@pytest.mark.parametrize("rel, name, n_pass, fails", [c[1:] for c in SAMPLE_COUNTS], ids=[c[0] for c in SAMPLE_COUNTS])
def test_statement_checks_on_samples(rel, name, n_pass, fails):
    rows = [r for r in _checks(rel) if r["check"] == name]
    assert sum(r["status"] == "pass" for r in rows) >= n_pass
    failed = [r["detail"] for r in rows if r["status"] == "fail"]
    for f in fails:
        assert any(f in d for d in failed), (f, failed)
    if not fails:
        assert failed == []


CORRUPT_CASES = [
    # (id, statement, page, code or name, role, the new value, the check that must fail, detail fragment)
    ("sample-决算-corrupt-项", "expenditure", 8, "2013950", "total", "12.31", "statement_children_sum_eq_parent", "2013950 12.31 (p8)"),
    ("sample-决算-corrupt-basic", "general_public_expenditure", 12, "2013901", "basic", "52.32", "statement_identity", "basic 52.32"),
    # (221 住房保障支出 is printed on p7: the reader joins the table's part on p7 to p6, each row on its page)
    ("sample-决算-corrupt-类", "income", 7, "221", "total", "29.52", "statement_lei_sum_eq_total", "221 29.52 (p7)"),
    ("sample-决算-corrupt-合计", "expenditure", 8, "合计", "total", "307.92", "statements_agree", "expenditure 表4 p8 合计 307.92"),
]


@pytest.mark.parametrize("kind, page, key, role, value, name, fragment", [c[1:] for c in CORRUPT_CASES],
                         ids=[c[0] for c in CORRUPT_CASES])
def test_a_corrupted_line_of_a_real_statement_fails(kind, page, key, role, value, name, fragment):
    lines = list(_lines(SJ, "actual"))
    assert not [c for c in sc.statement_checks(lines) if c.status == "fail"]
    i = next(i for i, ln in enumerate(lines) if ln.statement == kind and ln.page == page and key in (ln.code, ln.name)
             and ln.column_role == role)
    lines[i] = dataclasses.replace(lines[i], value=D(value), amount_wan=D(value))
    failed = [c for c in sc.statement_checks(lines) if c.status == "fail"]
    assert any(c.check == name and fragment in c.detail for c in failed), [c.detail for c in failed]
