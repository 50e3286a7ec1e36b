"""Standard statements -> statement_lines (extractors/statements.py, schemas/statements.toml).

Titles (seed), one line of each statement kind on a real sample page, the gold statement lines of
../shared/gold/samples (泉州's files held out from tuning and scored the same way), and the lines
written by a run. Samples and gold are read from ../shared; absent, the tests skip saying so."""
from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest

from extractors import statements as st
from pipeline import table_model as tm
from pipeline.load import read_source
from pipeline.normalise import source_to_text
from pipeline.process import process_path
from tests import evaluate as ev
from tests.conftest import GOLD, SAMPLES

# --- titles (seed) ----------------------------------------------------------------------------

TITLE_CASES = [
    ("seed-numbered-表1", "表1：2026年市级部门收支预算总表 部门名称：杭州市气象局 单位：万元", "income_expenditure_summary", "budget"),
    ("seed-公开表", "公开08表 一般公共预算基本支出表", "general_public_basic", None),
    ("seed-附表3-1", "附表3-1 2024年度一般公共预算财政拨款支出决算表", "general_public_expenditure", "actual"),
    ("seed-预算表2", "预算表2 收入预算总表", "income", "budget"),
    ("seed-chinese-numbering", "八、一般公共预算支出经济分类情况表 2026 年度一般公共预算支出经济分类情况表 单位：万元",
     "general_public_economic", None),  # 一般公共预算 names a budget, not the measure
    ("seed-basic-beats-its-parts", "一般公共预算财政拨款基本支出决算表", "general_public_basic", "actual"),
    ("seed-三公-quoted", "财政拨款“三公”经费支出决算表", "three_public", "actual"),
    ("seed-not-a-statement", "项目支出绩效目标表", None, None),
    # real titles that a shorter alias of another kind (支出预算表, 机关运行经费预算表) took
    ("sample-万里-功能分类", "2024年部门一般公共预算支出功能分类预算表 编制部门：上海市普陀区人民政府万里街道办事处 单位：元",
     "general_public_expenditure", "budget"),
    ("sample-万里-三公和机关运行经费", "部门“三公”经费和机关运行经费预算表 编制部门：上海市普陀区人民政府万里街道办事处 单位:万元",
     "three_public", "budget"),
    ("sample-江苏-三公会议培训", "公开 09表 “三公”经费、会议费、培训费支出预算表", "three_public", "budget"),
    ("sample-江苏-政府采购", "公开12表 政府采购支出预算表 部门名称：江苏省高级人民法院 单位：万元", "procurement", "budget"),
]


@pytest.mark.parametrize("title, kind, measure", [c[1:] for c in TITLE_CASES], ids=[c[0] for c in TITLE_CASES])
def test_kind_of_title(title, kind, measure):
    k = st.kind_of_title(title)
    assert (k.key if k else None) == kind
    if kind:
        assert st.measure_of(st.clean_title(title)) == measure


# --- one line of each kind on a real page ---------------------------------------------------------


@lru_cache(maxsize=None)
def _lines(rel: str, measure: str | None) -> tuple[st.StatementLine, ...]:
    p = SAMPLES / rel
    if not p.exists():
        pytest.skip(f"sample {rel} is not in ../shared/samples ({SAMPLES}); the real-page cases need it")
    text = source_to_text(read_source(Path(p)))
    return tuple(st.text_to_statement_lines(text, tm.text_to_tables(text), None, measure))


SJ = "上海普陀区委社会工作部_2024_部门决算.pdf"
WL = "上海普陀万里街道办事处_2024_部门预算.pdf"
GZJT = "cities/广州__2026年广州市交通运输局部门预算.pdf"
GZXC = "cities/广州__2026年广州市宣传部部门预算.pdf"
WXJT = "cities/无锡__2026年无锡市交通运输局部门预算.pdf"
FZGA = "cities/福州__2026年福州市公安局部门预算.pdf"
HZQX = "cities/杭州__2026年杭州市气象局部门预算.pdf"
WXXF = "cities/无锡__信访局_2026年部门预算.pdf"
HZJT = "cities/杭州__2026年杭州市交通运输局部门预算.pdf"
YT = "烟台市退役军人事务局_2026_部门预算.html"
JS = "江苏省高级人民法院_2019_部门预算.pdf"
GZBG = "cities/广州__2026年广州市人民政府办公厅部门预算.pdf"
GZCG = "cities/广州__城市管理和综合执法局_2026年部门预算.pdf"

KIND_CASES = [
    # (id, sample, doc measure, kind, page, code, name, role, measure, value, unit)
    ("sample-决算-收支总表", SJ, "actual", "income_expenditure_summary", 5, None, "一、一般公共预算财政拨款收入", "actual", "actual", "307.82", "万元"),
    ("sample-决算-收入表", SJ, "actual", "income", 6, "201", "一般公共服务支出", "total", "actual", "264.87", "万元"),
    ("sample-决算-合计-in-the-code-column", SJ, "actual", "income", 6, None, "合计", "total", "actual", "307.82", "万元"),
    ("sample-决算-side-by-side-合计", SJ, "actual", "general_public_basic", 13, None, "公用经费合计", "actual", "actual", "10.23", "万元"),
    ("sample-决算-支出表", SJ, "actual", "expenditure", 8, "201", "一般公共服务支出", "total", "actual", "264.87", "万元"),
    ("sample-决算-财政拨款收支总表", SJ, "actual", "fiscal_summary", 10, None, "一、一般公共预算财政拨款", "actual", "actual", "307.82", "万元"),
    ("sample-决算-一般公共预算支出表", SJ, "actual", "general_public_expenditure", 12, "201", "一般公共服务支出", "total", "actual", "264.87", "万元"),
    ("sample-决算-基本支出表-side-by-side", SJ, "actual", "general_public_basic", 13, "30101", "基本工资", "actual", "actual", "14.12", "万元"),
    ("sample-预算-基本支出-split-类款-元", WL, "budget", "general_public_basic", 29, "30101", "基本工资", "personnel", "budget", "5873551", "元"),
    ("sample-预算-三公", HZQX, "budget", "three_public", 21, None, "杭州市气象局", "three_public_total", "budget", "13.13", "万元"),
    ("bug-三公-without-a-label-column", WXXF, "budget", "three_public", 21, None, None, "three_public_total", "budget", "1.50", "万元"),
    # 广州 表8 财政拨款安排的行政经费及“三公”经费预算表: the items as rows, the funds as columns; its
    # 合计 column is the funds' total (行政经费 is no 三公 figure)
    ("sample-预算-三公-as-rows-合计", GZBG, "budget", "three_public", 17, None, "（三）公务接待费支出", "total", "budget", "11.26", "万元"),
    ("sample-预算-三公-as-rows-行政经费", GZCG, "budget", "three_public", 18, None, "行政经费", "total", "budget", "2611.42", "万元"),
    ("sample-预算-三公-as-rows-fund", GZCG, "budget", "three_public", 18, None, "行政经费", "income_fund", "budget", "163.54", "万元"),
    # lines the eval once counted as missed (its own column vocabulary, now columns.toml's): a row
    # naming a unit, not an item; 小计 under 基本支出; a fund column of a project table
    ("sample-预算-收入总表-unit-row", WXXF, "budget", "income", 11, None, "无锡市人民来访接待中心", "income_general", "budget", "563.15", "万元"),
    ("sample-预算-基本支出-小计", HZJT, "budget", "general_public_expenditure", 31, None, "其他公路水路运输支出", "basic", "budget", "8464.39", "万元"),
    ("sample-预算-项目支出表-基金", HZJT, "budget", "project_expenditure", 37, None, "行业内相关政府补偿", "income_fund", "budget", "200000.00", "万元"),
    ("sample-预算-三公-购置费", WL, "budget", "three_public", 31, None, None, "vehicle_purchase", "budget", "25", "万元"),
    ("sample-预算-三公-会议费", WXXF, "budget", "three_public", 21, None, None, "meeting", "budget", "0.44", "万元"),
    ("sample-预算-项目支出表", HZQX, "budget", "project_expenditure", 24, None, "气象业务建设", "total", "budget", "1097.02", "万元"),
    ("sample-预算-政府性基金", GZJT, "budget", "government_fund", 22, "212", "城乡社区支出", "total", "budget", "144843.77", "万元"),
    ("sample-预算-国有资本经营", GZXC, "budget", "state_capital", 17, "223", "国有资本经营预算支出", "total", "budget", "325.60", "万元"),
    ("sample-预算-项目支出经济分类", GZJT, "budget", "project_economic", 19, "301", "工资福利支出", "budget", "budget", "560.00", "万元"),
    ("sample-预算-财政拨款支出表", WXJT, "budget", "fiscal_expenditure", 20, "206", "科学技术支出", "total", "budget", "5000.00", "万元"),
    ("sample-预算-机关运行经费", WXJT, "budget", "admin_running_cost", 29, "302", "商品和服务支出", "admin_running", "budget", "190.74", "万元"),
    ("sample-预算-政府采购", WXJT, "budget", "procurement", 30, None, "货物", "income_general", "budget", "2.00", "万元"),
    ("sample-预算-支出经济分类", FZGA, "budget", "general_public_economic", 17, "301", "工资福利支出", "budget", "budget", "2120.90", "万元"),
]


@pytest.mark.parametrize("rel, doc_measure, kind, page, code, name, role, measure, value, unit",
                         [c[1:] for c in KIND_CASES], ids=[c[0] for c in KIND_CASES])
def test_a_line_of_each_kind(rel, doc_measure, kind, page, code, name, role, measure, value, unit):
    got = [ln for ln in _lines(rel, doc_measure) if ln.statement == kind and ln.page == page and ln.name == name
           and ln.column_role == role]
    assert got, f"no {kind} line {name!r} / {role} on page {page}"
    ln = got[0]
    assert (ln.code, ln.measure, ln.value, ln.unit) == (code, measure, Decimal(value), unit)
    assert ln.amount_wan == Decimal(value) * {"元": Decimal(1), "万元": Decimal(10000)}[unit] / Decimal(10000)


THREE_PUBLIC_CASES = [
    # (id, sample, page, column header, role, measure, year, value)
    # 烟台 公开表7 p20: 2025年预算数 | 2026年预算数 over the same parts: the earlier year is the prior year's
    ("sample-two-years-prior", YT, 20, "2025年预算数/合计", "three_public_total", "prior_year", 2025, "28.10"),
    ("sample-two-years-this", YT, 20, "2026年预算数/合计", "three_public_total", "budget", 2026, "25.02"),
    ("sample-two-years-part", YT, 20, "2025年预算数/公务接待费", "reception", "prior_year", 2025, "8.20"),
    # 江苏 公开09表 p14: the 合计 adds 会议费 and 培训费 to the “三公”经费 / 小计
    ("sample-合计-with-会议费", JS, 14, "合计", "total", "budget", 2026, "2382.02"),
    ("sample-三公-小计", JS, 14, "“三公”经费/小计", "three_public_total", "budget", 2026, "513.75"),
]


@pytest.mark.parametrize("rel, page, header, role, measure, year, value", [c[1:] for c in THREE_PUBLIC_CASES],
                         ids=[c[0] for c in THREE_PUBLIC_CASES])
def test_three_public_columns(rel, page, header, role, measure, year, value):
    p = SAMPLES / rel
    if not p.exists():
        pytest.skip(f"sample {rel} is not in ../shared/samples ({SAMPLES})")
    text = source_to_text(read_source(p))
    lines = st.text_to_statement_lines(text, tm.text_to_tables(text), 2026, "budget")
    got = [(ln.column_role, ln.measure, ln.year, ln.value) for ln in lines
           if ln.statement == "three_public" and ln.page == page and ln.column_header == header]
    assert got == [(role, measure, year, Decimal(value))]


def test_a_三公_statement_printed_as_rows_has_no_三公_total_column():
    """广州 p17: a row-oriented 三公 statement (行政经费 / “三公”经费 / （一）…) prints no column of the 三公
    total; a column-oriented one (杭州 p21: 因公出国 | 公务用车 | 公务接待 beside 合计) does."""
    rows = [ln for ln in _lines(GZBG, "budget") if ln.statement == "three_public" and ln.page == 17]
    assert rows and "three_public_total" not in {ln.column_role for ln in rows}
    cols = [ln for ln in _lines(HZQX, "budget") if ln.statement == "three_public" and ln.page == 21]
    assert {"three_public_total", "reception"} <= {ln.column_role for ln in cols}


# --- gold (../shared/gold/samples/*.json statement_lines) ---------------------------------------------

HELD_OUT = "泉州"  # not looked at while tuning; scored the same way


def _gold_files(held_out: bool) -> list[Path]:
    d = GOLD / "samples"
    if not d.is_dir():
        pytest.skip(f"../shared/gold is not beside the checkout ({GOLD}); the gold statement lines need it")
    files = [f for f in sorted(d.glob("*.json")) if json.loads(f.read_text("utf-8")).get("statement_lines")]
    return [f for f in files if (HELD_OUT in f.name) == held_out]


def _matches(g: dict, ln: st.StatementLine) -> bool:
    """gold/README.md: code (or name) and column role agree and amount_wan within 0.005. The gold
    column is the header as printed: its role by the same vocabulary, or the same leaf header, or,
    for a bare 预算/决算数 column, the line's measure."""
    role_ok = ev.role_agrees(g["column"], ln.column_role, ln.column_header, ln.measure)  # the eval's rule
    key_ok = (g["code"] and ln.code == g["code"]) or tm.squash(ln.name or "") == tm.squash(g["name"])
    return bool(role_ok and key_ok and ln.amount_wan is not None and abs(ln.amount_wan - Decimal(str(g["value"]))) < Decimal("0.005"))


def _score(files: list[Path]) -> tuple[int, int, list]:
    found = total = 0
    misses = []
    for f in files:
        d = json.loads(f.read_text("utf-8"))
        lines = _lines(d["source"], d.get("measure"))
        for g in d["statement_lines"]:
            total += 1
            if any(_matches(g, ln) for ln in lines):
                found += 1
            else:
                misses.append((f.name, g))
    return found, total, misses


def test_gold_statement_lines_found():
    found, total, misses = _score(_gold_files(held_out=False))
    assert total and found / total >= 0.98, misses


def test_gold_statement_lines_held_out():
    """The held-out files (泉州), never tuned on: 19 of 21 when this was written (the two misses are
    三公 lines printed as rows "（1）公务用车购置费" of a one-column table). A floor, not the aim."""
    found, total, misses = _score(_gold_files(held_out=True))
    assert total and found / total >= 0.9, misses


# --- a run writes them, every value pointing at its cell -----------------------------------------------


def test_process_writes_statement_lines_with_provenance():
    p = SAMPLES / HZQX
    if not p.exists():
        pytest.skip(f"sample {HZQX} is not in ../shared/samples ({SAMPLES})")
    res = process_path(str(p))
    rows = res.rows["statement_lines"]
    assert len(rows) > 200
    text = source_to_text(read_source(p)).text
    for r in rows:
        assert tm.figure(text[r["start"]:r["end"]]) == r["value"]
    assert {r["statement"] for r in rows} >= {"income_expenditure_summary", "general_public_basic", "three_public"}
