"""Facts (DESIGN §5): gold values of the seeds, synonym matching, selection rules, the data file."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from pipeline import labels, records, staff, table_view, textutil
from pipeline import resolve
from pipeline.resolve import select
from pipeline.labels import match_label
from pipeline.records import Fact
from schemas.vocab import read_toml
from tests.conftest import SEED_IDS, gold, seed_path, seed_text
from tests.helpers import facts_by_key, snippet_facts

DESIGN_KEYS = [
    "income_expenditure_grand_total", "income_total", "income_fiscal_appropriation", "expenditure_total",
    "expenditure_basic", "expenditure_project", "expenditure_personnel", "expenditure_public",
    "three_public_total", "three_public_overseas", "three_public_vehicle", "three_public_reception",
    "admin_running_cost", "procurement_total", "fixed_assets_original_value", "staff_authorized", "staff_actual",
]

# The gold `facts` of ../shared/gold, inline so the test means something without ../shared (and
# checked against the gold files below when they are there). 万元 for money, 人 for staff.
SEED_FACTS = {
    "000": {
        "income_total": "1240.56", "income_fiscal_appropriation": "1240.56", "expenditure_total": "1240.56",
        "expenditure_basic": "1113.13", "expenditure_project": "127.43", "fixed_assets_original_value": "112.51",
        "procurement_total": "5.07", "staff_authorized": "23", "staff_actual": "83",
    },
    "001": {
        "income_total": "1304.57", "expenditure_total": "1304.57", "expenditure_basic": "1028.96",
        "three_public_total": "11.31", "three_public_reception": "11.31", "three_public_vehicle": "0",
        "staff_authorized": "42", "staff_actual": "43",
        # beyond the gold: the table's 项目支出 (the annexed table beats the prose's 236), and its blank
        # 因公出国（境）费 cell, 0 because 合计 11.31 = 公务接待 11.31 + 公务用车 0
        "expenditure_project": "275.61", "three_public_overseas": "0",
    },
    "002": {
        "income_total": "867.05", "income_fiscal_appropriation": "867.05", "expenditure_total": "890.73",
        "expenditure_basic": "808.79", "expenditure_project": "81.94", "staff_actual": "42",
    },
    "004": {
        "income_expenditure_grand_total": "1054.82", "income_total": "1054.82",
        "income_fiscal_appropriation": "1054.82", "expenditure_total": "1054.82", "expenditure_basic": "927.45",
        "expenditure_project": "127.37", "expenditure_personnel": "841.35", "expenditure_public": "86.1",
        "three_public_total": "14.71", "three_public_overseas": "0", "three_public_vehicle": "10.16",
        "three_public_reception": "4.55", "admin_running_cost": "86.1", "procurement_total": "2.0",
        "fixed_assets_original_value": "625.05", "staff_authorized": "44", "staff_actual": "34",
    },
}

# Keys each seed states (the count of keys resolved); a drop means a regression.
SEED_KEY_COUNT = {"000": 9, "001": 10, "002": 6, "004": 17}


def _facts(corpus_out, prefix) -> pd.DataFrame:
    docs = pd.read_parquet(corpus_out / "documents")
    doc_id = docs[docs.source_path.str.contains(seed_path(prefix).name)].doc_id.iloc[0]
    f = pd.read_parquet(corpus_out / "facts")
    return f[f.doc_id == doc_id]


def _has(facts: pd.DataFrame, key: str, value) -> bool:
    vals = facts[facts.key == key].value
    return any(abs(Decimal(v) - Decimal(str(value))) <= Decimal("0.005") for v in vals)


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_seed_facts_inline(corpus_out, prefix):
    facts = _facts(corpus_out, prefix)
    wrong = {k: (v, sorted(map(str, facts[facts.key == k].value))) for k, v in SEED_FACTS[prefix].items()
             if not _has(facts, k, v)}
    assert not wrong, wrong
    assert facts.key.nunique() == SEED_KEY_COUNT[prefix], sorted(facts.key.unique())


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_seed_facts_match_gold(corpus_out, prefix):
    facts = _facts(corpus_out, prefix)
    g = gold(prefix)["facts"]
    wrong = {k: v for k, v in g.items() if not _has(facts, k, v)}
    assert not wrong, wrong
    for k, v in g.items():  # the inline copy is the gold
        assert Decimal(SEED_FACTS[prefix][k]) == Decimal(str(v)), k


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_fact_provenance(corpus_out, prefix):
    """A money fact points at its amount; slicing the text gives the printed figure."""
    from tests.conftest import seed_text

    facts = _facts(corpus_out, prefix)
    amounts = pd.read_parquet(corpus_out / "amounts")
    amounts = amounts[amounts.doc_id == facts.doc_id.iloc[0]].set_index("amount_id")
    text = seed_text(prefix).text
    for r in facts.itertuples():
        assert r.evidence
        piece = text[r.start:r.end]
        if pd.notna(r.amount_id):
            assert piece == amounts.loc[int(r.amount_id)].value_text
        elif "(空)" in r.evidence:
            assert piece == ""  # a blank cell read as 0: the evidence says why
        else:
            assert piece.strip()
        assert r.unit == ("人" if r.key.startswith("staff") else "万元")


def test_seed_001_unitless_table_read_in_wan(corpus_out):
    facts = _facts(corpus_out, "001")
    row = facts[facts.key == "expenditure_basic"].iloc[0]
    assert "unit 万元 inferred" in row.evidence and pd.isna(row.amount_id)
    assert row.measure == "budget"  # the group header 年度支出预算


# --- synonym matching: (label, key or None), grouped by where the label was seen ----------------

LABELS_SEEDS = [
    ("公务用车购置及运行维护费支出决算", "three_public_vehicle"),
    ("2.公务用车购置及运行维护费支出", "three_public_vehicle"),
    ("公务用车运行维护费支出", "three_public_vehicle"),  # fallback
    ("公务用车运行和购置费", "three_public_vehicle"),  # seed 001's table header
    ("公务用车购置支出", None),
    ("因公出国（境）费支出决算", "three_public_overseas"),
    ("1.因公出国（境）经费支出", "three_public_overseas"),
    ("“三公”经费财政拨款支出决算", "three_public_total"),
    ("公务接待数", "three_public_reception"),  # seed 001's table header (fallback)
    ("收、支总计", "income_expenditure_grand_total"),
    ("财政拨款收、支总计", None),  # a narrower figure: fiscal appropriations only
    ("本年收入合计", "income_total"),
    ("部门收入合计", "income_total"),
    ("1、收入合计", "income_total"),
    ("一般公共预算财政拨款收入", "income_fiscal_appropriation"),
    ("一般公共预算财政拨款支出", None),
    ("本年支出合计", "expenditure_total"),
    ("基本支出", "expenditure_basic"),
    ("一般公共预算财政拨款基本支出", None),
    ("项目支出预算", "expenditure_project"),
    ("人员经费", "expenditure_personnel"),
    ("离退休干部公用经费", None),
    ("米易县人民政府办公室机关运行经费支出", "admin_running_cost"),
    ("米易县人民政府办公室政府采购支出总额", "procurement_total"),
    ("政府采购货物支出", None),
    ("政府采购预算", "procurement_total"),
    ("本部门固定资资产原值", "fixed_assets_original_value"),
    ("部门编制人数", "staff_authorized"),
    ("县政府办公室总编制数", "staff_authorized"),
    ("行政编制", None),
    ("2023年编制内在岗人数", "staff_actual"),
    ("2023年末实有人员", "staff_actual"),
    ("在职公务员", None),
]

LABELS_BRIEF = [
    ("公务用车购置及运行维护费", "three_public_vehicle"),
    ("公务用车运行维护费", "three_public_vehicle"),
    ("公务用车购置和维护经费", "three_public_vehicle"),
    ("公务用车购置费", None),  # the purchase part alone is not the vehicle total
]

LABELS_SAMPLES = [
    ("公务用车购置及运行费", "three_public_vehicle"),
    ("因公出国(境)费", "three_public_overseas"),
    ("日常公用经费", "expenditure_public"),
    ("收入总计", "income_expenditure_grand_total"),
    ("公务用车运行维护费", "three_public_vehicle"),
    ("政府性基金预算财政拨款支出", None),
    # prose of the cities samples and 平潭's 决算说明 (issue 16: key facts stated in prose)
    ("本部门机关运行经费安排", "admin_running_cost"),  # 广州 2026 预算 p25 "2026年，本部门机关运行经费安排1,443.41万元"
    ("本部门政府采购安排", "procurement_total"),  # 广州 2026 预算 p25 "2026年本部门政府采购安排483.05万元"
    ("“三公”经费公共财政拨款支出", "three_public_total"),  # 平潭 2016: 公共财政拨款 is 一般公共预算's old name
    ("公共财政拨款基本支出", None),  # ... and so a scope word
    ("（一）2016本年收入", "income_total"),  # 平潭 2016 "（一）2016本年收入692.25万元"
    ("（二）2014 年部门决算总支出", "income_expenditure_grand_total"),  # 平潭 2014 "…总支出699.68万元，其中本年支出674.35万元"
    ("其中，人员支出", "expenditure_personnel"),  # 平潭 2015 "其中，人员支出221.67万元，公用支出38.96万元"
    ("公用支出", "expenditure_public"),
    ("1. 财政拨款收入", None),  # 政府性基金 included: see test_nil_part
    ("1. 基本支出和项目支出", None),  # 平潭 2014 "1. 基本支出和项目支出674.35万元": their sum, not 项目支出
    ("公务用车购置和维护经费", "three_public_vehicle"),  # ... while a connector inside one name is no join
]


@pytest.mark.parametrize("label,key", LABELS_SEEDS, ids=[f"seed:{x[0]}" for x in LABELS_SEEDS])
def test_synonym_seed_labels(label, key):
    m = match_label(label)
    assert (m.key if m else None) == key


@pytest.mark.parametrize("label,key", LABELS_BRIEF, ids=[f"brief:{x[0]}" for x in LABELS_BRIEF])
def test_synonym_vehicle_variants(label, key):
    m = match_label(label)
    assert (m.key if m else None) == key


@pytest.mark.parametrize("label,key", LABELS_SAMPLES, ids=[f"sample:{x[0]}" for x in LABELS_SAMPLES])
def test_synonym_sample_labels(label, key):
    m = match_label(label)
    assert (m.key if m else None) == key


def test_fallback_is_marked():
    assert match_label("公务用车运行维护费").tier == 1
    assert match_label("公务用车购置及运行维护费").tier == 0


# --- the data file --------------------------------------------------------------------------------


def test_facts_toml_keys_are_design_keys_in_order():
    data = read_toml("schemas", "facts.toml")
    assert [k["key"] for k in data["key"]] == DESIGN_KEYS
    for k in data["key"]:
        assert k["unit"] == ("人" if k["key"].startswith("staff") else "万元")
        for p in k.get("parts", ()):
            assert p in DESIGN_KEYS
        for q in k.get("accept", ()):
            assert q in data["match"]["qualifiers"]


def test_no_synonym_collides():
    """No synonym (as matched: connectors dropped) is listed twice, within a key or across keys."""
    seen: dict[str, str] = {}
    for s in labels.vocab().synonyms:
        assert s.canon, s.text
        assert s.canon not in seen, f"{s.text!r} ({s.key}) collides with a synonym of {seen.get(s.canon)}"
        seen[s.canon] = s.key


def test_tokenizer_words_and_splits_are_distinct_and_loaded_once():
    data = read_toml("schemas", "facts.toml")["tokenizer"]
    assert len(data["words"]) == len(set(data["words"])) and not set(data["words"]) & set(data["split"])
    assert labels.tokenizer() is labels.tokenizer()


def test_every_synonym_names_its_key():
    for s in labels.vocab().synonyms:
        m = match_label(s.text)
        assert m is not None and m.key == s.key, (s.text, m)


def test_zero_patterns_compile_to_known_keys():
    for pattern, keys in labels.vocab().zero:
        assert pattern.pattern and set(keys) <= set(DESIGN_KEYS)


def test_staff_anchor_characters_cover_every_staff_synonym():
    """_staff_tables reads only cells with one of these characters: every staff synonym (as matched)
    must have one, or a table naming it by that synonym would be skipped."""
    chars = set(staff.staff_label_anchor().pattern.strip("[]").replace("\\", ""))
    v = labels.vocab()
    synonyms = [s for s in v.synonyms if v.keys[s.key].unit == "人"]
    assert synonyms
    for s in synonyms:
        assert chars & set(s.canon), s.text


def test_labels_without_a_synonym_skip_jieba():
    """match_label says None without jieba when no synonym occurs in the label (connectors and spaces
    deleted); that needs synonyms without connector characters, and must not lose a match."""
    assert labels.any_synonym() is not None
    for s in labels.vocab().synonyms:
        assert not labels.cannot_match(labels.clean(s.text)), s.text
    assert not labels.cannot_match(labels.clean("公务用车运行和 购置费"))
    assert labels.cannot_match(labels.clean("联系电话")) and match_label("联系电话") is None


@pytest.mark.parametrize("names", [["编制人数", "实有人数", "在岗人数"], ["ab", "bc", "cd", "（e）"], ["因公出国（境）费"]])
def test_anchor_chars_cover_the_names(names):
    chars = staff.anchor_chars(names, common="人")
    assert all(set(chars) & set(n) for n in names) and "（" not in chars and "）" not in chars


def test_zero_patterns_are_context_free():
    """A nil statement is looked for in the spans only when its pattern matches the whole text; that
    is sound for a pattern without lookaround or anchors (others are scanned span by span)."""
    for pattern, _ in labels.vocab().zero:
        assert resolve._context_free(pattern), pattern.pattern
    assert not resolve._context_free(staff.staff_re())


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_spans_at_anchors_is_every_span_with_a_staff_count(prefix):
    """The spans scanned for staff counts are exactly the spans of running text that hold one."""
    text = seed_text(prefix)
    every = list(textutil.spans(text))
    with_count = [(lo, hi, p) for lo, hi, p in every if staff.staff_re().search(text.text, lo, hi)]
    at = textutil.spans_at(text, staff.staff_anchors(text.text))
    assert set(with_count) <= set(at) and at == [s for s in every if s in set(at)]
    positions = list(range(0, len(text.text), 7))
    assert textutil.spans_at(text, positions) == [s for s in every if any(s[0] <= p < s[1] for p in positions)]


# --- rules on snippets ------------------------------------------------------------------------------


def test_measure_actual_in_final_accounts():
    r = snippet_facts("2023年度某县某局部门决算\n2023年度本年支出合计1054.82万元，其中：基本支出927.45万元。\n")
    assert {f.measure for f in r.facts} == {"actual"}


def test_measure_budget_in_budget():
    r = snippet_facts("2024年某县某局部门预算\n2024年本年支出合计500.00万元，其中：基本支出400.00万元。\n")
    assert {f.key: f.measure for f in r.facts} == {"expenditure_total": "budget", "expenditure_basic": "budget"}


def test_prior_year_and_change_are_not_this_years_fact():
    r = snippet_facts("2023年度某局部门决算\n2023年度“三公”经费支出决算为14.71万元，较上年度减少2.66万元，下降15.31%。\n")
    assert facts_by_key(r, "actual") == {"three_public_total": Decimal("14.71")}


def test_nil_statement_gives_zero():
    r = snippet_facts("2024年度某部门决算\n某部门2024年度无“三公”经费财政拨款支出。\n")
    got = facts_by_key(r, "actual")
    assert got == {k: Decimal(0) for k in ("three_public_total", "three_public_overseas", "three_public_vehicle",
                                            "three_public_reception")}


def test_nil_statement_loses_to_a_stated_figure():
    r = snippet_facts("2024年度某部门决算\n本年度无“三公”经费。公务接待费支出决算1.35万元。\n")
    assert facts_by_key(r, "actual")["three_public_reception"] == Decimal("1.35")


NIL_PART = [
    # facts.toml [[nil_part]]: 财政拨款 less a 政府性基金 part stated as 0 is the 一般公共预算 appropriation
    pytest.param("2016年度某指挥部部门决算\n（一）2016本年收入692.25万元，具体情况如下：1. 财政拨款收入692.25万元，"
                 "其中政府性基金0万元。2. 事业收入0万元。\n", {"income_fiscal_appropriation": Decimal("692.25")},
                 id="平潭 2016: part 0"),
    pytest.param("2014年度某乡部门决算\n1. 财政拨款收入675.26万元，其中政府性基金 35万元。2. 事业收入0万元。\n", {},
                 id="平潭 2014: part not 0"),
    pytest.param("2016年度某指挥部部门决算\n1. 财政拨款收入692.25万元。其中政府性基金0万元。\n", {},
                 id="part in another sentence"),
]


@pytest.mark.parametrize("text,expected", NIL_PART)
def test_nil_part(text, expected):
    got = facts_by_key(snippet_facts(text), "actual")
    assert {k: v for k, v in got.items() if k == "income_fiscal_appropriation"} == expected


def test_nil_part_rules_name_known_keys():
    for rule in labels.vocab().nil_parts:
        assert rule.key in labels.vocab().keys and rule.whole and rule.parts, rule


def test_staff_counts_from_prose_and_not_from_parts():
    r = snippet_facts("截至2024年末，部门编制人数23名。其中：编制19名，工勤编制2名。部门实有人数83人。其中：在职公务员35人。\n")
    assert facts_by_key(r) == {"staff_authorized": Decimal(23), "staff_actual": Decimal(83)}


def _fact(value, origin="prose", tier=0, year_stated=False, start=0):
    return Fact("expenditure_project", Decimal(value), "万元", "actual", 2024, None, start, start + 3, None, "",
                origin=origin, tier=tier, year_stated=year_stated)


@pytest.mark.parametrize(
    "candidates,winner",
    [
        pytest.param([_fact("236", start=1), _fact("275.61", "table", start=9)], "275.61", id="table-beats-prose"),
        pytest.param([_fact("1", tier=1, origin="table"), _fact("2", start=5)], "2", id="synonym-beats-fallback"),
        pytest.param([_fact("1", start=1), _fact("2", year_stated=True, start=5)], "2", id="own-year-beats-no-year"),
        pytest.param([_fact("1", start=1), _fact("2", start=5)], "1", id="first-in-reading-order"),
    ],
)
def test_selection_rules(candidates, winner):
    (f,) = select(candidates)
    assert f.value == Decimal(winner)


# --- tables on snippets (the shapes of the annexed tables) ------------------------------------------

TABLES = [
    pytest.param(
        "2026年某局部门预算\n2026 年度一般公共预算“三公”经费支出预算表\n单位：万元\n项目\t预算数\n合计\t5.00\n"
        "1、因公出国（境）费用\t0.00\n2、公务接待费\t5.00\n3、公务用车购置及运行费\t0.00\n",
        {"three_public_total": "5.00", "three_public_overseas": "0.00", "three_public_reception": "5.00",
         "three_public_vehicle": "0.00"},
        id="rows-total-row-named-by-title"),
    pytest.param(
        "2019年某局部门预算\n“三公”经费支出预算表\n单位：万元\n合计\t因公出国（境）费\t公务用车购置及运行维护费\t公务接待费\n"
        "513.75\t160.00\t266.80\t86.95\n",
        {"three_public_total": "513.75", "three_public_overseas": "160.00", "three_public_vehicle": "266.80",
         "three_public_reception": "86.95"},
        id="columns-total-before-parts"),
    pytest.param(
        "2019年某局部门预算\n支出预算表\n单位：万元\n项目\t合计\t基本支出\t项目支出\n合计\t37188.34\t21968.00\t10208.94\n",
        {"expenditure_total": "37188.34", "expenditure_basic": "21968.00", "expenditure_project": "10208.94"},
        id="total-column-by-parts"),
    pytest.param(
        "2024年某局部门决算\n收入支出决算表\n单位：百元\n项目\t决算数\n本年收入合计\t87759\n",
        {"income_total": "877.59"},
        id="table-in-baiyuan"),
]


@pytest.mark.parametrize("text,expected", TABLES)
def test_table_facts(text, expected):
    got = facts_by_key(snippet_facts(text))
    assert {k: str(v) for k, v in got.items()} == expected


def test_unitless_table_needs_a_prose_statement():
    table = "某局部门整体支出绩效报告\n项目\t收入合计\t基本支出\n金额\t1304.57\t1028.96\n"
    assert facts_by_key(snippet_facts(table)) == {}
    with_prose = "2024年，单位收入1304.57万元。\n" + table
    assert facts_by_key(snippet_facts(with_prose)) == {"income_total": Decimal("1304.57"),
                                                     "expenditure_basic": Decimal("1028.96")}


MORE_TABLES = [
    pytest.param(
        "2019年度某局部门决算\n单位：万元\n项目\t行次\t决算数\n本年收入合计\t23\t1668.14\n",
        {"income_total": "1668.14"}, id="row-number-column-is-not-a-figure"),
    pytest.param(
        "2026年某局部门预算\n支出预算总表\n单位：万元\n功能分类科目名称\t总计\t基本支出\t项目支出\n栏次\t1\t2\t3\n"
        "合计\t404415.23\t297903.23\t106512.00\n",
        {"expenditure_total": "404415.23", "expenditure_basic": "297903.23", "expenditure_project": "106512.00"},
        id="column-number-row-is-not-a-figure"),
    pytest.param(
        "2019年某局部门预算\n基本支出预算表（经济科目）\n单位：万元\n科目编码\t科目名称\t金额\n30217\t公务接待费\t41.95\n"
        "30231\t公务用车运行维护费\t266.80\n",
        {}, id="economic-classification-lines-are-not-key-figures"),
    pytest.param(
        "2026年某局部门预算\n支出预算总表\n单位：万元\n功能分类科目名称\t总计\t基本支出\t\t项目支出\n\t\t人员支出\t日常公用支出\t\n"
        "合计\t404415.23\t250110.65\t47792.58\t106512.00\n",
        # not 基本支出 250110.65; its sub-columns are the personnel and public figures
        {"expenditure_total": "404415.23", "expenditure_project": "106512.00", "expenditure_personnel": "250110.65",
         "expenditure_public": "47792.58"},
        id="a-named-sub-column-is-not-its-group"),
    pytest.param(
        "2019年度某局部门决算\n“三公”经费支出决算表\n单位：万元\n预算数\t\t\t决算数\t\t\n"
        "因公出国（境）费\t公务用车购置及运行费\t公务接待费\t因公出国（境）费\t公务用车购置及运行费\t公务接待费\n"
        "0.00\t0.00\t0.00\t0.00\t0.00\t0.16\n",
        {"three_public_overseas": "0.00", "three_public_vehicle": "0.00", "three_public_reception": "0.16"},
        id="measure-from-a-header-spanning-columns"),
    pytest.param(
        "2026年某局部门预算\n“三公”经费预算表\n单位：万元\n"
        "单位名称\t“三公”经费合计\t因公出国(境)费用\t公务用车购置及运行费\t\t\t公务接待费\n"
        "\t\t\t小计\t公务用车购置费\t公务用车运行维护费\t\n\t1\t2\t3\t4\t5\t6\n"
        "合计\t4,112.82\t\t4,011.89\t1,024.69\t2,987.20\t100.93\n",
        {"three_public_total": "4112.82", "three_public_overseas": "0", "three_public_vehicle": "4011.89",
         "three_public_reception": "100.93"},
        id="blank-part-under-a-merged-header-is-0"),
    pytest.param(
        "2019年度某局部门决算\n“三公”经费支出决算表\n单位：万元\n预算数\t\t\t\t决算数\t\t\t\n"
        "合计\t因公出国（境）费\t公务用车购置及运行费\t公务接待费\t合计\t因公出国（境）费\t公务用车购置及运行费\t公务接待费\n"
        "0.00\t0.00\t0.00\t0.00\t0.16\t0.00\t0.00\t0.16\n",
        {"three_public_total": "0.16", "three_public_overseas": "0.00", "three_public_vehicle": "0.00",
         "three_public_reception": "0.16"},
        id="total-column-of-each-measure-group"),
    # sample 上海普陀万里 (bug: a 类/款/项 header row re-aligned the totals under 类 款 项; the
    # caption's "编制部门：… 单位：元" was taken for the title)
    pytest.param(
        "2024年某街道办事处部门预算\n2024年部门收入预算总表 编制部门：某街道办事处 单位：元\n项目\t\t\t\t收入预算\t\t\n"
        "功能分类科目编码\t\t\t功能分类科目名称\t合计\t财政拨款收入\t事业收入\n类\t款\t项\t\t\t\t\n"
        "201\t\t\t一般公共服务支出\t2,932,700\t2,932,700\t0\n合计\t\t\t\t156,211,123\t156,211,123\t0\n",
        {"income_total": "15621.1123"}, id="sample-wanli: total of a 收入预算总表 is this year's income"),
    pytest.param(
        "2024年某街道办事处部门预算\n2024年部门支出预算总表 编制部门：某街道办事处 单位：元\n项目\t\t\t\t支出预算\t\t\n"
        "功能分类科目编码\t\t\t功能分类科目名称\t合计\t基本支出\t项目支出\n类\t款\t项\t\t\t\t\n"
        "201\t\t\t一般公共服务支出\t2,932,700\t0\t2,932,700\n合计\t\t\t\t156,211,123\t99,706,020\t56,505,103\n",
        {"expenditure_total": "15621.1123", "expenditure_basic": "9970.602", "expenditure_project": "5650.5103"},
        id="sample-wanli: 类/款/项 header row does not move the totals"),
    pytest.param(
        "2024年某局部门预算\n2024年部门收入预算总表 单位：万元\n项目\t合计\t本年收入\t上年结转\n合计\t500.00\t400.00\t100.00\n",
        {"income_total": "400.00"},  # the 本年收入 column, not the 合计 500.00
        id="a total with last year's carry-over is not this year's income"),
]


@pytest.mark.parametrize("text,expected", MORE_TABLES)
def test_more_table_facts(text, expected):
    got = facts_by_key(snippet_facts(text), "actual" if "决算" in text.splitlines()[0] else "budget")
    assert {k: str(v) for k, v in got.items()} == expected


def test_unit_line_above_a_table():
    r = snippet_facts("2024年某街道部门预算\n编制部门：某街道办事处 单位：元\n2024年部门支出预算总表\n"
                      "项目\t合计\t基本支出\t项目支出\n合计\t156,211,123\t99,706,020\t56,505,103\n")
    assert facts_by_key(r) == {"expenditure_total": Decimal("15621.1123"), "expenditure_basic": Decimal("9970.602"),
                               "expenditure_project": Decimal("5650.5103")}
    assert "line above" in r.unit_inferences[0].evidence


def test_unit_inferred_across_units_to_the_printed_precision():
    r = snippet_facts("2024年某街道部门预算\n2024年收入预算15621.11万元。\n项目\t合计\t基本支出\t项目支出\n"
                      "合计\t156,211,123\t99,706,020\t56,505,103\n")
    (u,) = r.unit_inferences
    assert (u.unit, u.ambiguous) == ("元", ())
    assert facts_by_key(r)["expenditure_basic"] == Decimal("9970.602")


# --- golden facts, functional lines and checks per corpus document ------------------------------

def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    if isinstance(x, Decimal):
        return f"{x.normalize():f}"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _golden_view(corpus_out, prefix) -> dict:
    docs = pd.read_parquet(corpus_out / "documents")
    doc_id = docs[docs.source_path.str.contains(seed_path(prefix).name)].doc_id.iloc[0]

    def pick(name):
        df = pd.read_parquet(corpus_out / name)
        return df[df.doc_id == doc_id]

    f, fn, ck = pick("facts"), pick("functional"), pick("checks")
    return {
        "facts": [" | ".join(_fmt(x) for x in (r.key, r.measure, r.value, r.unit, r.year, r.amount_id, r.start, r.end))
                  for r in f.itertuples()],
        "functional": [" | ".join(_fmt(x) for x in (r.code, r.level, r.name, r.amount_wan, r.measure, r.start))
                       for r in fn.itertuples()],
        "checks": [" | ".join(_fmt(x) for x in (r.check, r.status, r.expected, r.observed)) for r in ck.itertuples()],
    }


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_golden_facts_functional_checks(corpus_out, prefix):
    """Reviewed facts, functional lines and checks per corpus document (tests/golden/facts/). After an
    intended change: UPDATE_GOLDEN=1 make test, then read the diff before committing it."""
    import json
    import os

    from tests.conftest import ROOT

    view = _golden_view(corpus_out, prefix)
    path = ROOT / "tests" / "golden" / "facts" / f"{seed_path(prefix).stem}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(view, ensure_ascii=False, indent=1) + "\n", "utf-8")
    assert path.exists(), f"no golden facts for {prefix}: run UPDATE_GOLDEN=1 make test"
    assert view == json.loads(path.read_text("utf-8"))


def test_a_row_of_yuan_figures_is_not_a_code_row():
    r = snippet_facts("2024年某局部门预算\n单位：元\n收入合计\t支出合计\n13045\t13045\n")
    assert facts_by_key(r) == {"income_total": Decimal("1.3045"), "expenditure_total": Decimal("1.3045")}


@pytest.mark.parametrize("header,measure", [
    ("上年结转资金", None), ("上年决算数", "prior_year"), ("年初预算数", "initial_budget"), ("决算数", "actual"),
    ("年度预算数（万元）", "budget"),
])
def test_header_measure(header, measure):
    assert resolve.header_measure(header) == measure


def test_amount_fact_equals_the_dataclass_built_one():
    """_amount_fact builds its Fact as textutil.new_record does (a dict of every field): it must be
    the record Fact(...) builds, field for field and in the field order."""
    import dataclasses

    from pipeline.records import Amount, Metadata

    a = Amount(7, None, "项目支出", "127.43", Decimal("127.43"), "万元", Decimal("1274300.00"), Decimal("127.43"),
               None, None, 2024, "actual", 2, 3, 4, 100, 106, 5, "项目支出127.43万元")
    meta = Metadata(fiscal_year=2024, doc_kinds=("final_accounts",))
    m = labels.LabelMatch("expenditure_project", 0, "项目支出")
    got = resolve._amount_fact(a, m, meta, records.TABLE, None, "ev")
    want = Fact("expenditure_project", Decimal("127.43"), "万元", "actual", 2024, 7, 100, 106, 5, "ev",
                origin=records.TABLE, tier=0, year_stated=True, half_ulp=Decimal("0.005"))
    assert type(got) is Fact and got == want
    assert list(vars(got)) == [f.name for f in dataclasses.fields(Fact)]
    assert [repr(getattr(got, f.name)) for f in dataclasses.fields(Fact)] == [
        repr(getattr(want, f.name)) for f in dataclasses.fields(Fact)]


@pytest.mark.parametrize("pattern,literal", [
    (r"(?:无|没有|未发生|不存在)\s*(?:财政拨款)?\s*[“\"]?三公[”\"]?\s*经费", "三公"),
    (r"\d+万元", "万元"), (r"(?<=x)三公经费", "三公经费"), (r"\p{Han}{2}经费", "经费"), (r"[]三]公", "公"),
    (r"ab?c", "a"), (r"abc{2}de", "ab"), (r"a(b|c)d", "a"), (r"a\.b", "a.b"), (r"x(?:三公)?y", "x"), (r"abc", "abc"),
    (r"a|b", None), (r"(?i)abc", None), (r"[三公]", None), (r"(?#note)abc", None), (r"\s*", None), (r"a{2", None),
])
def test_required_literal(pattern, literal):
    import regex

    assert resolve.required_literal(regex.compile(pattern)) == literal
    if literal is not None:  # every match holds it
        for s in ("无三公经费", "没有 财政拨款“三公”经费", "x三公经费", "12万元", "公", "abccde", "acd", "a.b", "xy", "abc"):
            m = regex.compile(pattern).search(s)
            assert m is None or literal in m.group(), (pattern, s)
    assert resolve.required_literal(regex.compile("abc", regex.IGNORECASE)) is None


def test_zero_patterns_have_a_required_literal():
    """_zero_statements scans only the spans holding each pattern's required literal (str.find): a
    nil pattern in facts.toml without one falls back to the whole-text search and every span."""
    for pattern, _ in labels.vocab().zero:
        lit = resolve.required_literal(pattern)
        assert lit and lit in pattern.pattern, pattern.pattern


def _zero_statements_every_span(text, meta):
    """_zero_statements as it was: the whole text searched, then every span scanned."""
    from pipeline.resolve import default_measure
    from pipeline.records import PROSE

    out = []
    zero = [(p, keys) for p, keys in labels.vocab().zero if not resolve._context_free(p) or p.search(text.text)]
    for lo, hi, page in (textutil.spans(text) if zero else []):
        for pattern, keys in zero:
            for m in pattern.finditer(text.text, lo, hi):
                k = text.text.rfind("。", lo, m.start())
                ev = text.text[(k + 1 if k >= 0 else lo):min(hi, m.end() + 40)].replace("\n", " ")
                for key in keys:
                    out.append(Fact(key=key, value=Decimal(0), unit="万元", measure=default_measure(meta),
                                    year=meta.fiscal_year, amount_id=None, start=m.start(), end=m.end(), page=page,
                                    evidence=ev, origin=PROSE, tier=1, half_ulp=Decimal(0)))
    return out


@pytest.mark.parametrize("doc", [
    *SEED_IDS,
    "2024年度某部门决算\n某部门2024年度无“三公”经费财政拨款支出。\n",
    "2024年度某部门决算\n本年度无“三公”经费。公务接待费支出决算1.35万元。\n三公经费\t没有三公经费支出的说明\t1\n",
    "2024年度某部门决算\n项目\t说明\n三公\t本单位本年度没有财政拨款“三公”经费支出\n不存在\n三公经费\n",
])
def test_zero_statements_equal_the_scan_of_every_span(doc):
    from tests.helpers import snippet

    if doc in SEED_IDS:
        from extractors.metadata import text_to_metadata
        from pipeline import extract, segment

        text = seed_text(doc)
        meta = text_to_metadata(text, extract.headings_text(segment.text_to_sections(text)))
    else:
        text, ex = snippet(doc)
        meta = ex.metadata
    got = resolve._zero_statements(text, meta)
    assert got == _zero_statements_every_span(text, meta)
    if doc not in SEED_IDS:
        assert got


def test_spans_at_cells_out_of_order():
    """_spans_at bisects the cells of a table when they are laid out in order; otherwise it reads
    them one by one: either way, the spans holding a position."""
    from pipeline.records import Block, Cell, Text

    s = "甲" * 20 + "\t" + "乙" * 20 + "\n" + "丙" * 5 + "\n"
    cells = (Cell(0, 0, "甲" * 20, 0, 20), Cell(0, 1, "乙" * 20, 21, 41), Cell(1, 0, "丙" * 5, 42, 47))
    for cs in (cells, cells[::-1]):
        text = Text("t", s, (Block(1, "table", 0, len(s), 1, cells=cs, n_rows=2, n_cols=2),))
        for positions in ([3], [25, 3], [44], [20], [40, 0, 46]):
            want = [sp for sp in textutil.spans(text) if any(sp[0] <= p < sp[1] for p in positions)]
            assert textutil.spans_at(text, positions) == want, (cs is cells, positions)


def test_fact_helper_is_the_dataclass_constructor():
    """records.fact builds a Fact without the frozen __init__: the same fields, order and defaults as
    Fact, and the same record (so a field added to Fact cannot be left out of it)."""
    import dataclasses
    import inspect

    params = list(inspect.signature(records.fact).parameters.values())
    fields = dataclasses.fields(Fact)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields]
    args = ("staff_actual", Decimal("42"), "人", None, 2024, None, 10, 12, 3, "ev")
    for kw in ({}, {"origin": records.TABLE, "tier": 1, "year_stated": True, "half_ulp": Decimal("0.5")}):
        got, want = records.fact(*args, **kw), Fact(*args, **kw)
        assert type(got) is Fact and got == want and list(vars(got)) == [f.name for f in fields]


@pytest.mark.parametrize("cell", ["0", "12", "1,234.56", "−3.5", "-0.00", "１２", "2024", "12\n", "1,234,567"])
def test_a_numeric_cell_is_never_a_row_label(cell):
    """_table_candidates asks a row label once per run of numeric cells: that holds because table_model's
    row_label never stops at a cell that _numeric matches."""
    from pipeline import table_model as tm

    if table_view.figure_match(cell) is not None:
        assert not tm.is_label(cell)


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_row_label_per_run_of_numeric_cells(prefix):
    """For every numeric cell of the seed tables, the row label of the first numeric cell of its run
    is its own row label."""
    from pipeline import table_model as tm

    text = seed_text(prefix)
    for t in table_view.table_views(text):
        for row in t.grid:
            numeric = [table_view.figure_match(c.text) is not None for c in row]
            for i, is_num in enumerate(numeric):
                if is_num:
                    first = i
                    while first and numeric[first - 1]:
                        first -= 1
                    assert tm.row_label(row, i) == tm.row_label(row, first)


def test_no_cjk_ideograph_is_a_digit_or_a_space():
    """_staff_anchors skips a unit after a CJK ideograph without asking isdigit/isspace: none is one."""
    lo, hi = ord(staff.CJK_LO), ord(staff.CJK_HI)
    assert not any(chr(c).isdigit() or chr(c).isspace() for c in range(lo, hi + 1))


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_staff_anchors_are_every_unit_after_a_digit_or_a_space(prefix):
    text = seed_text(prefix).text + " 12人 ３名 \u3000名 x人 ²人"
    want = sorted(i for u in labels.vocab().staff_units for i in range(1, len(text))
                  if text.startswith(u, i) and (text[i - 1].isdigit() or text[i - 1].isspace()))
    assert sorted(staff.staff_anchors(text)) == want


def test_every_scope_word_is_one_word():
    """A qualifier is found among a label's (or a title's, or a column header's) words: jieba must
    keep each whole, or it never counts ("其他资金" was 其他 | 资金)."""
    for q in labels.vocab().qualifiers:
        assert q in labels.words(q), (q, labels.words(q))
