"""The scorer of `make eval` (tests/evaluate.py): hand-made output frames against hand-made gold,
each counting a match, a miss and a wrong value; and every gold file parses."""
from __future__ import annotations

from decimal import Decimal as D

import pandas as pd
import pytest

from tests import evaluate as ev


def frame(columns: str, *rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(columns.split(), r)) for r in rows], columns=columns.split())


FACTS = frame(
    "key value measure page evidence",
    ("expenditure_total", D("1240.56"), "actual", 3, "本年支出合计1240.56万元"),
    ("expenditure_basic", D("1113.20"), "actual", 4, "基本支出1113.20万元"),
    ("expenditure_project", D("127.43"), "prior_year", 4, "上年项目支出127.43万元"),
)

# (gold, expected status per key)
FACT_CASES = {
    "synthetic:match within 0.005": (
        {"facts": {"expenditure_total": 1240.564}}, {"expenditure_total": ev.MATCH}),
    "synthetic:no row is a miss": ({"facts": {"income_total": 1240.56}}, {"income_total": ev.MISS}),
    "synthetic:a differing value is wrong": (
        {"facts": {"expenditure_basic": 1113.13}, "evidence": {"expenditure_basic": "p4: 基本支出1113.13"}},
        {"expenditure_basic": ev.WRONG}),
    "sample:平潭 right figure, wrong measure is wrong": (
        {"measure": "actual", "facts": {"expenditure_project": 127.43}}, {"expenditure_project": ev.WRONG}),
    "seed:no measure in gold, any measure counts": (
        {"facts": {"expenditure_project": 127.43}}, {"expenditure_project": ev.MATCH}),
}


@pytest.mark.parametrize("case", FACT_CASES)
def test_score_facts(case):
    gold, want = FACT_CASES[case]
    items = ev.score_facts("doc", gold, FACTS)
    assert {i.key: i.status for i in items} == want


def test_a_wrong_fact_keeps_the_gold_evidence_and_what_was_produced():
    (item,) = ev.score_facts("doc", FACT_CASES["synthetic:a differing value is wrong"][0], FACTS)
    assert item.evidence == "p4: 基本支出1113.13"
    assert "1113.20" in item.got and "(p4)" in item.got


LINES = frame(
    "statement code name column_role column_header measure amount_wan page",
    ("支出预算总表", "2040220", "执法办案", "project", "项目支出", "budget", D("23682.00"), 12),
    ("支出预算总表", "2040201", "行政运行", "basic", "基本支出", "budget", D("34148.50"), 12),
    ("收支预算总表", None, "上年结转结余", "budget", "预算数", "budget", D("7600.00"), 10),
    # the lines the eval once missed: gold's column read by a vocabulary of the eval's own
    ("收入总表", None, "无锡市人民来访接待中心", "income_general", "本年收入/一般公共预算", "budget", D("563.15"), 11),
    ("“三公”经费预算表", None, "杭州市气象局", "three_public_total", "“三公”经费合计", "budget", D("13.13"), 21),
    ("一般公共预算支出预算表", None, "其他公路水路运输支出", "total", "合计", "budget", D("53522.29"), 31),
    ("一般公共预算支出预算表", None, "其他公路水路运输支出", "basic", "基本支出/小计", "budget", D("8464.39"), 31),
    ("项目支出预算表", None, "行业内相关政府补偿", "income_fund", "财政拨款收入/政府性基金", "budget", D("200000.00"), 37),
)
LINE_CASES = {
    "sample:泉州 code and role agree": ({"statement": "支出预算总表", "code": "2040220", "name": "执法办案", "column": "项目支出", "value": 23682.0, "page": 12}, ev.MATCH),
    "sample:泉州 a name without code": ({"statement": "收支预算总表", "code": None, "name": "上年结转结余", "column": "预算数", "value": 7600.0, "page": 10}, ev.MATCH),
    "synthetic:same line, other value": ({"statement": "支出预算总表", "code": "2040201", "name": "行政运行", "column": "基本支出", "value": 34148.58, "page": 12}, ev.WRONG),
    "sample:无锡信访 p11 an income source column": ({"statement": "收入总表", "code": None, "name": "无锡市人民来访接待中心", "column": "一般公共预算", "value": 563.15, "page": 11}, ev.MATCH),
    "sample:杭州气象 p21 the 三公 total column": ({"statement": "“三公”经费预算表", "code": None, "name": "杭州市气象局", "column": "“三公”经费合计", "value": 13.13, "page": 21}, ev.MATCH),
    "sample:杭州交通 p31 小计 under 基本支出": ({"statement": "一般公共预算支出预算表", "code": None, "name": "其他公路水路运输支出", "column": "小计", "value": 8464.39, "page": 31}, ev.MATCH),
    "sample:杭州交通 p37 政府性基金": ({"statement": "项目支出预算表", "code": None, "name": "行业内相关政府补偿", "column": "政府性基金", "value": 200000.0, "page": 37}, ev.MATCH),
    "synthetic:小计 of neither value is wrong": ({"statement": "一般公共预算支出预算表", "code": None, "name": "其他公路水路运输支出", "column": "小计", "value": 8464.00, "page": 31}, ev.WRONG),
    "synthetic:same code, other role is a miss": ({"statement": "支出预算总表", "code": "2040220", "name": "执法办案", "column": "小计", "value": 12172.0, "page": 14}, ev.MISS),
}


@pytest.mark.parametrize("case", LINE_CASES)
def test_score_statement_lines(case):
    line, want = LINE_CASES[case]
    (item,) = ev.score_statement_lines("doc", {"statement_lines": [line]}, LINES)
    assert item.status == want


def test_statement_lines_without_the_table_are_misses_that_say_so():
    line = LINE_CASES["sample:泉州 code and role agree"][0]
    (item,) = ev.score_statement_lines("doc", {"statement_lines": [line]}, None)
    assert (item.status, item.got) == (ev.MISS, "no statement_lines table yet")


def test_score_projects_indicators_scores():
    projects = frame(
        "name code budget_initial_wan budget_adjusted_wan executed_wan execution_rate score page",
        ("党政网络、网站运行维护经费", "51042122Y000004782652", D("36.12"), D("25.91"), D("25.91"), None, None, 5),
        ("2022年度政府工作经费", None, D("2.04"), D("2.10"), D("2.00"), None, None, 6),
    )
    gold = {"projects": [
        {"name_contains": "党政网络", "code": "51042122Y000004782652", "budget_initial": 36.12, "budget_adjusted": 25.91},
        {"name_contains": "政府工作经费", "budget_adjusted": 2.0},
        {"name_contains": "援藏援彝"},
    ]}
    assert [i.status for i in ev.score_projects("d", gold, projects)] == [ev.MATCH, ev.WRONG, ev.MISS]
    ind = frame(
        "level3 operator target_value target_unit actual_value weight score page",
        ("召开会议及出差次数", "≥", D(100), "次", None, D(20), D(20), 9),
        ("群众满意度", "≥", D(90), "%", None, None, None, 9),
    )
    gold = {"indicators_min": 3, "indicator_rows": [
        {"level3": "召开会议及出差次数", "operator": "≥", "target_value": 100, "target_unit": "次", "weight": 20, "score": 20},
        {"level3": "群众满意度", "operator": "≥", "target_value": 97, "target_unit": "%"},
        {"level3": "人大会议次数", "operator": "≥", "target_value": 20},
    ]}
    assert [(i.table, i.status) for i in ev.score_indicators("d", gold, ind)] == [
        ("indicators_min", ev.MISS), ("indicator_rows", ev.MATCH), ("indicator_rows", ev.WRONG), ("indicator_rows", ev.MISS)]
    scores = frame("subject score grade page", ("米易县人大常委会办公室", D(96), None, 2), ("人代会会议经费", D(90), None, 7))
    gold = {"scores": [
        {"subject_contains": "部门整体", "alt_subject_contains": "人大常委会办公室", "score": 96},
        {"subject_contains": "人代会会议经费", "score": 95},
        {"subject_contains": "代表活动经费", "score": 95},
    ]}
    assert [i.status for i in ev.score_scores("d", gold, scores)] == [ev.MATCH, ev.WRONG, ev.MISS]


def test_score_document():
    docs = frame("county department fiscal_year doc_kinds", (None, "公安局", 2026, ["budget", "project_performance"]))
    gold = {"document": {"county": None, "organisation": "泉州市公安局", "fiscal_year": 2025,
                         "doc_kinds": ["budget", "dept_performance_targets"]}}
    got = {i.key: i.status for i in ev.score_document("d", gold, docs)}
    assert got == {
        "county": ev.MATCH, "organisation": ev.MATCH, "fiscal_year": ev.WRONG,
        "doc_kinds:budget": ev.MATCH, "doc_kinds:target_declaration": ev.MISS, "doc_kinds:+project_performance": ev.WRONG,
    }


def test_tally_counts_per_table_and_fact_key():
    items = ev.score_facts("doc", {"facts": {"expenditure_total": 1240.56, "income_total": 1, "expenditure_basic": 1113.13}}, FACTS)
    t = ev.tally(items)
    assert t["facts"] == {"n": 3, "match": 1, "miss": 1, "wrong": 1}
    assert t["facts.income_total"]["miss"] == 1 and t["ALL"]["n"] == 3


@pytest.mark.parametrize("header,role", [("预算数", "budget"), ("项目支出", "project"), ("小计", "total"), ("基本\n支出", "basic"), ("其他收入", "income_other"),
                                        ("“三公”经费合计", "three_public_total"), ("一般公共预算", "income_general"), ("备注", None)])
def test_column_role(header, role):
    assert ev.column_role(header) == role


def test_holdout_split():
    holdout = ev.load_holdout()
    assert ev.split_of("cities/泉州__2026年泉州市公安局部门预算.pdf", holdout) == ev.HELD
    assert ev.split_of("cities/福州__2026年福州市商务局部门预算.pdf", holdout) == ev.TUNED
    for f in holdout[1]:
        assert ev.split_of(f, holdout) == ev.HELD


def test_gold_files_parse():
    if not ev.GOLD_DIR.is_dir():
        pytest.skip(f"no gold at {ev.GOLD_DIR} (../shared beside the checkout)")
    docs = ev.load_gold()
    assert len(docs) >= 4 + 15 + 3
    known = {"source", "origin", "document", "measure", "facts", "scores", "projects", "indicators_min",
             "indicator_rows", "functional", "statement_lines", "evidence", "notes"}
    for d in docs:
        assert set(d.gold) <= known, (d.name, set(d.gold) - known)
        assert d.path.is_file(), d.path
        for line in d.gold.get("statement_lines", []):
            assert ev.column_role(line["column"]) is not None, (d.name, line["column"])
    tsv = ev.load_cities_tsv()
    assert all(r["kind"] for r in tsv.values()) and len(tsv) >= 60


def test_every_sample_outside_cities_is_covered():
    """The coverage report holds every document of ../shared/samples/ (cities/ through cities.tsv,
    the others through tests/eval_samples.toml): a sample added to the folder without a row here
    would be left out of the Done-when figures silently."""
    if not ev.SAMPLES.is_dir():
        pytest.skip(f"no samples at {ev.SAMPLES} (../shared beside the checkout)")
    rows = ev.load_samples()
    on_disk = {str(p.relative_to(ev.SAMPLES)) for p in ev.SAMPLES.rglob("*")
               if p.is_file() and p.name != "SOURCES.md" and ev.CITIES not in p.parents}
    assert on_disk == set(rows)
    from schemas.vocab import read_toml

    kinds = {k["name"] for k in read_toml("schemas", "metadata.toml")["kind"]} | set(ev.KIND_OF_GOLD)
    assert all(r["kind"] in kinds and r["fiscal_year"].isdigit() for r in rows.values())
