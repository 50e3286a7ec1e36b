"""Key facts of the real 决算/预算 samples in ../shared/samples (never copied into the repository).

Values were read by hand from each PDF (pdfplumber's page text, checked against the printed
tables and the explanatory prose). The tests skip while `cnbudget` cannot read PDFs (the PDF
reader is another branch's work) and when ../shared/samples is absent.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pytest

from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow  # the real samples through the pipeline: seconds each

THREE_PUBLIC_NIL = {"three_public_total": "0", "three_public_overseas": "0", "three_public_vehicle": "0",
                    "three_public_reception": "0"}

# file -> (measure of the document's own figures, {key: value in 万元}); None: the report does not
# state the figure as one number.
SAMPLES_FACTS = {
    # 部门决算 2024; 收入支出决算表 (万元) and prose "本年支出合计 307.82 万元，其中：基本支出 105.58 万元";
    # "本年度没有财政拨款“三公”经费支出，故本表无数据" -> the four 三公 keys are 0.
    "上海普陀区委社会工作部_2024_部门决算.pdf": ("actual", {
        "income_total": "307.82", "expenditure_total": "307.82", "expenditure_basic": "105.58",
        "expenditure_project": "202.24", **THREE_PUBLIC_NIL,
    }),
    # 部门决算 2019; 支出决算表 "合计 1668.14 746.39 921.75"; 三公 prose "决算为 0.16万元 … 公务接待费 0.16万元".
    "佛山市轨道交通局_2019_部门决算.pdf": ("actual", {
        "income_total": "1668.14", "expenditure_total": "1668.14", "expenditure_basic": "746.39",
        "expenditure_project": "921.75", "three_public_total": "0.16", "three_public_overseas": "0",
        "three_public_vehicle": "0", "three_public_reception": "0.16",
    }),
    # 部门预算 2024, tables in 元: 支出预算总表 "合计 156,211,123 99,706,020 56,505,103"; prose
    # "收入预算15621.11万元", "“三公”经费预算数为47.91万元 … 因公出国（境）费0万元 … 公务用车购置及运行费
    # 46.56万元 … 公务接待费1.35万元" (its 三公 table is printed empty "无“三公”经费" - a contradiction
    # the checks should report, not a reason to read 0).
    "上海普陀万里街道办事处_2024_部门预算.pdf": ("budget", {
        "income_total": "15621.11", "expenditure_total": "15621.11", "expenditure_basic": "9970.602",
        "expenditure_project": "5650.5103", "three_public_total": "47.91", "three_public_overseas": "0",
        "three_public_vehicle": "46.56", "three_public_reception": "1.35",
    }),
    # 部门预算 2019 (万元): 收支预算总表 收入合计/支出合计 37,188.34, 基本支出 21,968.00, 项目支出 10,208.94;
    # “三公”经费表 "2,382.02 513.75 160.00 266.80 266.80 86.95 …" (合计 incl. 会议费/培训费, 三公小计,
    # 出国, 公务用车小计, 购置 blank, 运行维护, 接待).
    "江苏省高级人民法院_2019_部门预算.pdf": ("budget", {
        "income_total": "37188.34", "expenditure_total": "37188.34", "expenditure_basic": "21968.00",
        "expenditure_project": "10208.94", "three_public_total": "513.75", "three_public_overseas": "160.00",
        "three_public_vehicle": "266.80", "three_public_reception": "86.95",
    }),
    # 部门预算 2026 (万元): 本年收入合计/本年支出合计 351904.90; "合计 351904.90 7841.26 344063.64";
    # 三公 table "合计 5.00 / 因公出国（境）费用 0.00 / 公务接待费 5.00 / 公务用车购置及运行费 0.00".
    "福州市医疗保障局_2026_部门预算.pdf": ("budget", {
        "income_total": "351904.90", "expenditure_total": "351904.90", "expenditure_basic": "7841.26",
        "expenditure_project": "344063.64", "three_public_total": "5.00", "three_public_overseas": "0.00",
        "three_public_vehicle": "0.00", "three_public_reception": "5.00",
    }),
    # 部门预算 2026 (万元): 本年收入合计 400,391.78, 本年支出合计 404,415.23 (with 上年结转结余 4,023.45);
    # 支出预算总表 splits 基本支出 into 人员支出 250,110.65 + 日常公用支出 47,792.58 with no 基本支出 figure;
    # 项目支出 106,512.00; 三公 table "合计 4,112.82 4,011.89 1,024.69 2,987.20 100.93" with the 因公出国
    # cell blank, the prose saying no 因公出国（境）费用 is budgeted at the start of the year.
    "杭州市公安局_2026_部门预算.pdf": ("budget", {
        "income_total": "400391.78", "expenditure_total": "404415.23", "expenditure_basic": None,
        "expenditure_project": "106512.00", "three_public_total": "4112.82", "three_public_overseas": "0",
        "three_public_vehicle": "4011.89", "three_public_reception": "100.93",
    }),
}


@lru_cache(maxsize=None)
def _run(name: str):
    from pipeline.process import process_path

    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"sample {name} is not in {SAMPLES} (../shared/samples beside the checkout)")
    res = process_path(str(path))
    err = res.document.get("error") or ""
    assert res.document["status"] != "failed", err
    return res


@pytest.mark.parametrize("name", sorted(SAMPLES_FACTS))
def test_sample_key_facts(name):
    measure, want = SAMPLES_FACTS[name]
    res = _run(name)
    facts = {}
    for r in res.rows.get("facts", []):
        if r["measure"] == measure:
            facts.setdefault(r["key"], r["value"])
    wrong = {}
    for key, value in want.items():
        got = facts.get(key)
        if value is None:
            continue  # not stated as one figure; nothing to pin
        if got is None or abs(Decimal(got) - Decimal(value)) > Decimal("0.005"):
            wrong[key] = (value, got)
    assert not wrong, wrong


def test_samples_table_is_complete():
    for name, (measure, want) in SAMPLES_FACTS.items():
        assert measure in ("actual", "budget")
        assert set(want) == {"income_total", "expenditure_total", "expenditure_basic", "expenditure_project",
                             "three_public_total", "three_public_overseas", "three_public_vehicle",
                             "three_public_reception"}, name
        assert ("决算" in name) == (measure == "actual"), name


# --- candidates compare like with like (issue 16) --------------------------------------------------
# A key found by a row's label (or a table's title) is not read in a column that holds one source of
# the money only (政府性基金预算, 国有资本经营预算, 其他资金 … beside 合计), nor in a table whose title
# is of part of the money (表5 一般公共预算支出情况表（按功能分类科目）: its title ends in a
# parenthesis, which once made the caption's 单位名称 line the title). Each was a false
# fact_candidates_agree failure on these pages (316 on the cities samples; 118 left, see the note).
LIKE_WITH_LIKE = [
    # (id, sample, key, a figure of another scope that was a candidate)
    ("广州-办公厅-p17-三公-政府性基金预算", "cities/广州__2026年广州市人民政府办公厅部门预算.pdf", "three_public_total", "列: 政府性基金预算"),
    ("广州-办公厅-p17-三公-国有资本经营预算", "cities/广州__2026年广州市人民政府办公厅部门预算.pdf", "three_public_total", "列: 国有资本经营预算"),
    ("广州-办公厅-p19-基本支出表-政府性基金预算", "cities/广州__2026年广州市人民政府办公厅部门预算.pdf", "expenditure_basic", "列: 政府性基金预算"),
    ("广州-商务-基本支出表-其他资金", "cities/广州__2026年广州市商务局部门预算.pdf", "expenditure_basic", "列: 其他资金"),
    ("广州-交通-表5-一般公共预算支出表", "cities/广州__2026年广州市交通运输局部门预算.pdf", "expenditure_total", "表5 一般公共预算支出情况表"),
]


@lru_cache(maxsize=None)
def _candidates(name: str):
    from pipeline import extract, normalise, resolve, segment
    from pipeline.load import read_source

    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample {name} is not in {SAMPLES} (../shared/samples beside the checkout)")
    text = normalise.source_to_text(read_source(path))
    ex = extract.extract(text, segment.text_to_sections(text))
    return resolve.resolve(text, ex.amounts, ex.metadata).candidates


@pytest.mark.parametrize("name, key, other", [c[1:] for c in LIKE_WITH_LIKE], ids=[c[0] for c in LIKE_WITH_LIKE])
def test_a_key_is_not_read_in_a_column_or_table_of_part_of_the_money(name, key, other):
    cands = [c for c in _candidates(name) if c.key == key]
    assert cands, f"{key} has no candidate at all"
    assert not [c.evidence for c in cands if other in c.evidence]


# --- facts from the statements first (issue 16) ----------------------------------------------------
# Key figures a standard statement prints that resolve's label matching did not reach: read from
# statement_lines by schemas/statements.toml [[fact]] (each None on the code before it).
STATEMENT_FACTS = [
    # (id, sample, key, value, the statement it comes from)
    ("广州-办公厅-p10-财政拨款收支总表-一般公共预算", "cities/广州__2026年广州市人民政府办公厅部门预算.pdf",
     "income_fiscal_appropriation", "16410.71", "fiscal_summary"),
    ("广州-城市管理-p12-财政拨款收支总表-一般公共预算", "cities/广州__城市管理和综合执法局_2026年部门预算.pdf",
     "income_fiscal_appropriation", "47944.02", "fiscal_summary"),
    ("福州-商务-p11-收支总表-收入合计", "cities/福州__2026年福州市商务局部门预算.pdf",
     "income_expenditure_grand_total", "24995.94", "income_expenditure_summary"),
    ("杭州-气象-p20-基本支出表-人员经费", "cities/杭州__2026年杭州市气象局部门预算.pdf",
     "expenditure_personnel", "2906.80", "general_public_basic"),
    ("杭州-气象-p20-基本支出表-日常公用支出", "cities/杭州__2026年杭州市气象局部门预算.pdf",
     "expenditure_public", "838.27", "general_public_basic"),
    ("杭州-交通-p32-基本支出表-人员经费", "cities/杭州__2026年杭州市交通运输局部门预算.pdf",
     "expenditure_personnel", "67627.51", "general_public_basic"),
    # 支出总表 that splits 基本支出 into 人员支出 | 日常公用支出 with no 基本支出 column: their sum on the
    # 合计 line (气象 p17 2,906.80 + 838.27; 交通 p26 73,924.43 + 15868.83; 司法 p26), not the
    # 一般公共预算支出表's 基本支出 (交通 p30 82,479.29: the 一般公共预算 part only)
    ("杭州-气象-p17-支出总表-人员支出+日常公用支出", "cities/杭州__2026年杭州市气象局部门预算.pdf",
     "expenditure_basic", "3745.07", "expenditure"),
    ("杭州-交通-p26-支出总表-人员支出+日常公用支出", "cities/杭州__2026年杭州市交通运输局部门预算.pdf",
     "expenditure_basic", "89793.26", "expenditure"),
    ("杭州-司法-p26-支出总表-人员支出+日常公用支出", "cities/杭州__2026年杭州市司法局部门预算.pdf",
     "expenditure_basic", "70724.29", "expenditure"),
    # income_total, expenditure_total and the “三公” total from the statements too
    ("杭州-交通-p22-收支总表-本年收入合计", "cities/杭州__2026年杭州市交通运输局部门预算.pdf",
     "income_total", "648105.52", "income_expenditure_summary"),
    ("福州-民政-p12-收支总表-本年收入合计-不是收入合计", "cities/福州__2026年福州市民政局部门预算.pdf",
     "income_total", "2219.92", "income_expenditure_summary"),
    ("福州-商务-支出总表-合计", "cities/福州__2026年福州市商务局部门预算.pdf",
     "expenditure_total", "24995.94", "expenditure"),
    ("杭州-交通-p34-三公表-合计", "cities/杭州__2026年杭州市交通运输局部门预算.pdf",
     "three_public_total", "873.20", "three_public"),
    ("广州-国资委-p17-三公表-三公经费-合计", "cities/广州__国有资产监督管理委员会_2026年部门预算.pdf",
     "three_public_total", "74.83", "three_public"),
]


@pytest.mark.parametrize("name, key, value, statement", [c[1:] for c in STATEMENT_FACTS], ids=[c[0] for c in STATEMENT_FACTS])
def test_key_facts_from_the_statements(name, key, value, statement):
    res = _run(name)
    got = [r for r in res.rows.get("facts", []) if r["key"] == key and r["measure"] == "budget"]
    assert got and Decimal(got[0]["value"]) == Decimal(value), got
    assert f"statement {statement}" in got[0]["evidence"]


def test_statement_fact_rules_name_known_keys_and_statements():
    from pipeline import statement_checks
    from pipeline.labels import vocab
    from schemas.vocab import read_toml

    kinds = {k["key"] for k in read_toml("schemas", "statements.toml")["kind"]}
    rules = statement_checks.vocab().facts
    assert rules
    for r in rules:
        assert r.key in vocab().keys and all(s.statement in kinds for s in r.line), r


# --- key facts stated in prose (issue 16) -----------------------------------------------------------
# Figures that resolve's label matching did not reach in the explanatory prose: a verb after the
# name (机关运行经费安排), the old name of 一般公共预算 (公共财政拨款), a figure the PDF pushed to the next
# line, a year without 年 (2016本年收入), 决算总支出, and 财政拨款收入 with a nil 政府性基金 part.
# Each was missing on the code before it.
PROSE_FACTS = [
    # (id, sample, measure, key, value)
    ("广州-办公厅-p25-机关运行经费安排", "cities/广州__2026年广州市人民政府办公厅部门预算.pdf", "budget",
     "admin_running_cost", "1443.41"),
    ("广州-办公厅-p25-政府采购安排", "cities/广州__2026年广州市人民政府办公厅部门预算.pdf", "budget",
     "procurement_total", "483.05"),
    ("广州-城市管理-p37-机关运行经费安排", "cities/广州__城市管理和综合执法局_2026年部门预算.pdf", "budget",
     "admin_running_cost", "2611.42"),
    ("广州-城市管理-p37-政府采购安排", "cities/广州__城市管理和综合执法局_2026年部门预算.pdf", "budget",
     "procurement_total", "142330.95"),
    ("杭州-交通-p15-机关运行经费-数字在下一行", "cities/杭州__2026年杭州市交通运输局部门预算.pdf", "budget",
     "admin_running_cost", "8989.73"),
    ("平潭-三甲-2016本年收入", "county/平潭_三甲医院建设指挥部_2016_部门决算说明.txt", "actual",
     "income_total", "692.25"),
    ("平潭-三甲-财政拨款收入-政府性基金0", "county/平潭_三甲医院建设指挥部_2016_部门决算说明.txt", "actual",
     "income_fiscal_appropriation", "692.25"),
    ("平潭-三甲-三公经费公共财政拨款支出", "county/平潭_三甲医院建设指挥部_2016_部门决算说明.txt", "actual",
     "three_public_total", "3.40"),
    ("平潭-东庠-部门决算总支出", "county/平潭_东庠乡人民政府_2014_决算说明.txt", "actual",
     "income_expenditure_grand_total", "699.68"),
    ("平潭-东庠-三公经费公共财政拨款支出", "county/平潭_东庠乡人民政府_2014_决算说明.txt", "actual",
     "three_public_total", "3.14"),
    # a comparison's year stays in its clause: "比2015年决算数减少18.45万元，…：1.基本支出103.19万元" is
    # this year's 基本支出 (it was prior_year)
    ("平潭-三甲-比较之后的基本支出", "county/平潭_三甲医院建设指挥部_2016_部门决算说明.txt", "actual",
     "expenditure_basic", "103.19"),
]


@pytest.mark.parametrize("name, measure, key, value", [c[1:] for c in PROSE_FACTS], ids=[c[0] for c in PROSE_FACTS])
def test_key_facts_from_the_prose(name, measure, key, value):
    res = _run(name)
    got = [r for r in res.rows.get("facts", []) if r["key"] == key and r["measure"] == measure]
    assert got and Decimal(got[0]["value"]) == Decimal(value), got


def test_a_comparison_lends_its_year_to_no_later_item():
    """平潭 2016: no figure of this year's items after "比2015年决算数…" is a prior-year fact."""
    res = _run("county/平潭_三甲医院建设指挥部_2016_部门决算说明.txt")
    prior = [(r["key"], r["value"]) for r in res.rows.get("facts", []) if r["measure"] == "prior_year"]
    assert prior == [], prior


# --- a header that prints the year (issue 16, a two-row header read into the wrong column) ---------
# 烟台 公开表7 一般公共预算“三公”经费支出情况表 (HTML): three header rows, "2025年预算数" over the left six
# columns and "2026年预算数" over the right six, then 合计 | 因公出国（境）经费 | 公务用车购置及运行维护费 |
# 公务接待费, then 小计 | 购置 | 运行维护. The 合计 header row once ended the header (a 合计 data row)
# and the figures took no year: 2025's 28.10 was this year's 三公 total (the prose says 25.02); and
# the 公开表6 row "30217 公务接待费 | 502 | 01 | 公务接待费 | 3.00" gave 502 (the 类 code under 科目编码)
# as 502 万元 of 公务接待费.
YEAR_COLUMNS = [
    ("sample-烟台-三公-two-years", "烟台市退役军人事务局_2026_部门预算.html", [
        ("three_public_total", "budget", 2026, "25.02"), ("three_public_total", "prior_year", 2025, "28.10"),
        ("three_public_vehicle", "budget", 2026, "17.40"), ("three_public_reception", "budget", 2026, "7.62"),
        ("three_public_reception", "prior_year", 2025, "8.20"),
    ]),
]


@pytest.mark.parametrize("name, want", [c[1:] for c in YEAR_COLUMNS], ids=[c[0] for c in YEAR_COLUMNS])
def test_a_column_header_year_is_the_figures_year(name, want):
    res = _run(name)
    got = {(r["key"], r["measure"], r["year"]): r["value"] for r in res.rows.get("facts", [])}
    for key, measure, year, value in want:
        assert Decimal(got[(key, measure, year)]) == Decimal(value), (key, measure, year, got.get((key, measure, year)))
    cands = [c for c in res.rows.get("checks", []) if c["check"] == "fact_candidates_agree" and "502" in (c["detail"] or "")]
    assert not cands


# --- failed checks that were our misreading (issue 16: every failed check is the document's) ------
# Each was a failed check on the code before: a second reading of a statement table by resolve's
# headers (杭州 p34: the 公务用车购置费 cell of the 合计 row read as the “三公” total 421.30), a
# classification line labelled with its code in brackets (广州 p16/p18 "[30212]因公出国（境）费用", the
# 基本支出 / 项目支出 part of the key), a project named like the key (广州 p24 表12 "因公出国（境）经费"
# 163.00), a column of one source beside 合计 (广州 p17 “三公”经费 74.83 | 一般公共预算 42.79), the
# 收支总表's 收入合计 that adds 上年结转 (福州 p12 2,249.92 against 本年收入合计 2,219.92), and 人员经费 +
# 公用经费 of the 财政拨款基本支出表 against the 支出总表's all-funds 基本支出 (无锡 教育 公开06表 / 公开03表).
NOT_FAILED = [
    # (id, sample, check, its detail starts with)
    ("杭州-交通-p34-三公表-公务用车购置费-不是合计", "cities/杭州__2026年杭州市交通运输局部门预算.pdf",
     "fact_candidates_agree", "three_public_total"),
    ("杭州-司法-p34-三公表-公务用车购置费-不是合计", "cities/杭州__2026年杭州市司法局部门预算.pdf",
     "fact_candidates_agree", "three_public_total"),
    ("广州-商务-p18-[30212]因公出国-项目支出经济分类", "cities/广州__2026年广州市商务局部门预算.pdf",
     "fact_candidates_agree", "three_public_overseas"),
    ("广州-商务-p16-[30217]公务接待费-基本支出经济分类", "cities/广州__2026年广州市商务局部门预算.pdf",
     "fact_candidates_agree", "three_public_reception"),
    ("广州-商务-p16-[30217]公务接待费-prose", "cities/广州__2026年广州市商务局部门预算.pdf",
     "prose_table_agree", "three_public_reception"),
    ("广州-商务-三公-parts", "cities/广州__2026年广州市商务局部门预算.pdf",
     "three_public_parts_eq_total", ""),
    ("广州-市场监管-表6-[30212]因公出国", "cities/广州__市场监督管理局_2026年部门预算.pdf",
     "prose_table_agree", "three_public_overseas"),
    ("广州-国资委-p17-一般公共预算-beside-合计", "cities/广州__国有资产监督管理委员会_2026年部门预算.pdf",
     "fact_candidates_agree", "three_public_total"),
    ("广州-民政-p20-一般公共预算-beside-合计", "cities/广州__民政局_2026年部门预算.pdf",
     "fact_candidates_agree", "three_public_total"),
    ("福州-民政-p12-收入合计-不是本年收入合计", "cities/福州__2026年福州市民政局部门预算.pdf",
     "fact_candidates_agree", "income_total"),
    ("福州-交警-收入合计-不是本年收入合计", "cities/福州__公安局交通警察局_2026年部门预算.pdf",
     "fact_candidates_agree", "income_total"),
    ("无锡-教育-公开06表-人员经费-vs-公开03表-基本支出", "cities/无锡__教育局_2026年部门预算.pdf",
     "personnel_plus_public_eq_basic", ""),
    ("杭州-交通-p32-人员经费-vs-p26-基本支出", "cities/杭州__2026年杭州市交通运输局部门预算.pdf",
     "personnel_plus_public_eq_basic", ""),
    # 烟台 2026 公开表6: the codes split over 类 | 款 columns twice ("302 | 17 | 公务接待费 | 502 | 06 |
    # 公务接待费 | 3.00"): the 502 and the 06 were read as 公务接待费, and the line itself (the 基本支出
    # part) as a key figure
    ("烟台-公开表6-科目编码-类|款-公务接待费", "烟台市退役军人事务局_2026_部门预算.html",
     "fact_candidates_agree", "three_public_reception"),
    # 烟台 2026 公开表7: "2025年预算数 | 2026年预算数" halves; the 2025 half (28.10) was this year's
    ("烟台-公开表7-2025年预算数-是上年", "烟台市退役军人事务局_2026_部门预算.html",
     "prose_table_agree", "three_public_total"),
    # 上海 2024 万里 表2: the 合计 row of a 收入预算总表 (its title names income_total) is the key in its
    # 合计 column, not in 事业收入 | 其他收入 beside it (0); 表8 公务接待费 13,500 | 0 | 13,500 (元): the
    # row's figure is its first, the others are parts (人员经费 0)
    ("上海-万里-表2-合计行-事业收入列", "上海普陀万里街道办事处_2024_部门预算.pdf",
     "fact_candidates_agree", "income_total"),
    ("上海-万里-表8-公务接待费-人员经费列", "上海普陀万里街道办事处_2024_部门预算.pdf",
     "fact_candidates_agree", "three_public_reception"),
    ("上海-万里-表8-公务接待费-元-vs-万元", "上海普陀万里街道办事处_2024_部门预算.pdf",
     "unit_statements_agree", "公务接待费"),
]


@pytest.mark.parametrize("name, check, detail", [c[1:] for c in NOT_FAILED], ids=[c[0] for c in NOT_FAILED])
def test_no_failed_check_from_our_reading(name, check, detail):
    res = _run(name)
    bad = [r["detail"] for r in res.rows.get("checks", []) if r["check"] == check and r["status"] == "fail"
           and r["detail"].startswith(detail)]
    assert not bad, bad
