"""Functional classification lines: gold of seed 004, prose with and without codes, annexed tables."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import functional
from extractors.functional import level_of_code
from pipeline import resolve
from tests.conftest import SEED_IDS, gold, seed_path
from tests.helpers import snippet

# The gold `functional` of seed 004, inline (code, name contains, amount in 万元).
SEED_004 = [
    ("2010301", "行政运行", "455.65"),
    ("2010302", "一般行政管理事务", "123.74"),
    ("2010350", "事业运行", "211.8"),
    ("2080505", "基本养老保险缴费", "86.6"),
    ("2080801", "死亡抚恤", "18.38"),
    ("2101103", "公务员医疗补助", "24.98"),
    ("2210201", "住房公积金", "58.22"),
]


def _functional(corpus_out, prefix) -> pd.DataFrame:
    docs = pd.read_parquet(corpus_out / "documents")
    doc_id = docs[docs.source_path.str.contains(seed_path(prefix).name)].doc_id.iloc[0]
    f = pd.read_parquet(corpus_out / "functional")
    return f[f.doc_id == doc_id]


def _has(df, code, name, amount) -> bool:
    rows = df[(df.code == code) & df.name.str.contains(name)]
    return any(abs(Decimal(str(a)) - Decimal(str(amount))) <= Decimal("0.005") for a in rows.amount_wan)


def test_seed_004_inline(corpus_out):
    df = _functional(corpus_out, "004")
    assert all(_has(df, *row) for row in SEED_004), df[["code", "name", "amount_wan"]]
    assert set(df.level) == {"类", "项"}
    assert (df[df.level == "项"].code.str.len() == 7).all()
    lei = df[df.level == "类"]
    assert sorted(lei.code) == ["201", "208", "210", "221"]  # codes the document prints elsewhere


def test_seed_004_gold(corpus_out):
    df = _functional(corpus_out, "004")
    for g in gold("004")["functional"]:
        assert _has(df, g["code"], g["name_contains"], g["amount"]), g


def _lines(text: str):
    t, ex = snippet(text)
    return list(functional.extract(t, ex.table_models, ex.amounts, resolve.default_measure(ex.metadata)).lines)


PROSE = [
    pytest.param(
        "一般公共服务（201类）政府办公厅（室）及相关机构事务（03款）行政运行（01项）: 支出决算为455.65万元，完成预算100%；",
        ("2010301", "项", "行政运行", "455.65"), id="coded-lei-kuan-xiang"),
    pytest.param(
        "社会保障和就业（208类）抚恤（08款）死亡抚恤（01项）：支出决算为18.38万元。",
        ("2080801", "项", "死亡抚恤", "18.38"), id="coded-fullwidth-colon"),
    pytest.param("社会保障和就业（类）支出25.87万元。", (None, "类", "社会保障和就业", "25.87"), id="uncoded-bracketed-lei"),
    pytest.param("其中行政运行事务项决算数为551.54万元。", (None, "项", "行政运行事务", "551.54"), id="uncoded-bare-xiang"),
    pytest.param("住房保障支出58.22万元，占5.52%。", (None, "类", "住房保障", "58.22"), id="national-lei-name"),
]


@pytest.mark.parametrize("text,expected", PROSE)
def test_prose_lines(text, expected):
    lines = _lines(text)
    assert [(ln.code, ln.level, ln.name, str(ln.amount_wan)) for ln in lines] == [expected]


@pytest.mark.parametrize("text", [
    pytest.param("财政拨款支出决算为100.00万元。", id="财政拨款-is-not-a-款"),
    pytest.param("专项决算数为20.00万元。", id="专项-is-not-a-项"),
    pytest.param("基本支出927.45万元。", id="not-functional"),
])
def test_prose_not_lines(text):
    assert _lines(text) == []


TABLE = (
    "支出决算表\n"
    "单位：万元\n"
    "科目编码\t科目名称\t本年支出合计\t基本支出\t项目支出\n"
    "201\t一般公共服务支出\t264.87\t62.63\t202.24\n"
    "20139\t社会工作事务\t264.87\t62.63\t202.24\n"
    "2013901\t行政运行\t51.32\t51.32\t\n"
    "2013950\t事业运行\t11.31\t11.31\t\n"
    "2013999\t其他社会工作事务支出\t202.24\t\t202.24\n"
)


def test_annexed_table_rows():
    lines = [ln for ln in _lines(TABLE) if ln.origin == "table"]
    got = [(ln.code, ln.level, ln.name, str(ln.amount_wan)) for ln in lines]
    assert got == [
        ("201", "类", "一般公共服务支出", "264.87"),
        ("20139", "款", "社会工作事务", "264.87"),
        ("2013901", "项", "行政运行", "51.32"),
        ("2013950", "项", "事业运行", "11.31"),
        ("2013999", "项", "其他社会工作事务支出", "202.24"),
    ]
    assert lines[2].parent_code == "20139"


def test_table_with_split_code_columns():
    text = ("单位：万元\n科目编码\t\t\t科目名称\t合计\n类\t款\t项\t\t\n"
            "201\t\t\t一般公共服务支出\t2932.70\n201\t05\t\t统计信息事务\t257.70\n201\t05\t07\t专项普查活动\t257.70\n")
    got = [(ln.code, ln.level, str(ln.amount_wan)) for ln in _lines(text) if ln.origin == "table"]
    assert got == [("201", "类", "2932.70"), ("20105", "款", "257.70"), ("2010507", "项", "257.70")]


@pytest.mark.parametrize("code,level", [("201", "类"), ("20103", "款"), ("2010301", "项"), ("2010", None)])
def test_level_by_code_length(code, level):
    assert level_of_code(code) == level


def test_functional_vocabulary():
    v = functional.vocab()
    assert v.levels == ("类", "款", "项")
    assert sum(v.digits.values()) == 7
    assert len(v.lei) == len(set(v.lei))
    assert v.segment.groupindex.keys() >= {"name", "code", "level"}


def test_uncoded_lei_takes_the_code_the_document_prints():
    text = ("一般公共服务支出794.82万元。\n"
            "一般公共服务（201类）政府办公厅（室）及相关机构事务（03款）行政运行（01项）: 支出决算为455.65万元。\n")
    lines = _lines(text)
    assert [(ln.code, ln.level, ln.name) for ln in lines] == [("201", "类", "一般公共服务"), ("2010301", "项", "行政运行")]


def test_economic_lines_are_not_functional():
    text = ("单位：万元\n科目编码\t科目名称\t合计\n301\t工资福利支出\t649.20\n30101\t基本工资\t300.00\n"
            "201\t一般公共服务支出\t794.82\n")
    assert [(ln.code, ln.name) for ln in _lines(text) if ln.origin == "table"] == [("201", "一般公共服务支出")]


def test_table_total_row():
    t, ex = snippet(TABLE.replace("科目名称\t本年支出合计\t基本支出\t项目支出\n", "科目名称\t本年支出合计\t基本支出\t项目支出\n合计\t\t264.87\t62.63\t202.24\n"))
    func = functional.extract(t, ex.table_models, ex.amounts, "actual")
    (total,) = func.totals
    assert str(total.amount_wan) == "264.87" and total.table_id == 1


def test_functional_data_file():
    from schemas.vocab import read_toml

    data = read_toml("extractors", "functional.toml")
    assert data["code"]["first_digit"].isdigit()
    for group in (data["prose"]["after_level"], data["table"]["total_labels"]):
        assert len(group) == len(set(group))
    assert not set(data["prose"]["lei"]) & set(data["table"]["total_labels"])


# --- the segment search is narrowed without changing its answer -------------------------------

# The segment pattern and search as they were before `_segments` narrowed its window: the reference.
_REFERENCE_SEGMENT = regex.compile(
    r"""
    (?P<name>(?:[^（）()\s:：，,。；;、\d.．]|（[^（）\d]{1,2}）)+?)
    \s*[（(]\s*
    (?P<code>\d{2,7})?\s*
    (?P<level>类|款|项)
    \s*[）)]
    """,
    regex.VERBOSE,
)


def _reference_segments(text: str, lo: int, hi: int) -> list[tuple]:
    segs = list(_REFERENCE_SEGMENT.finditer(text, lo, hi))
    if not segs:
        return []
    run = [segs[-1]]
    for m in reversed(segs[:-1]):
        if text[m.end():run[0].start("name")].strip():
            break
        run.insert(0, m)
    if functional.vocab().link.sub("", text[run[-1].end():hi]):
        return []
    return [(m.span(), m["name"], m["code"], m["level"]) for m in run]


def _fast_segments(text: str, lo: int, hi: int) -> list[tuple]:
    close = max(text.rfind(c, lo, hi) for c in functional._CLOSERS)
    return [(m.span(), m["name"], m["code"], m["level"]) for m in functional._segments(text, lo, hi, close)]


def _windows(text: str, amounts):
    prev_end = 0
    for a in amounts:
        yield max(prev_end, a.start - 200), a.start
        prev_end = a.end


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_segments_as_a_search_of_the_whole_window_on_the_seeds(prefix):
    t, ex = snippet(seed_path(prefix).read_text("utf-8"))
    windows = list(_windows(t.text, ex.amounts))
    assert windows
    for lo, hi in windows:
        assert _fast_segments(t.text, lo, hi) == _reference_segments(t.text, lo, hi), t.text[lo:hi]


# Characters that make segments, stops and the brackets a name may hold ("（室）", "（，）").
_PIECES = ["一般公共服务", "政府办公厅", "行政运行", "事务", "（", "）", "(", ")", "类", "款", "项", "201", "03", "01",
           "，", "、", ":", "：", "。", ".", " ", "\n", "（室）", "（，）", "（ ，）", "为", "支出决算", "合计", "室",
           "（201类）", "（03款）", "（01项）", "（类）", "(类)", "（ 03 款 ）", "其中"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.integers(0, 60), st.integers(0, 60))
def test_segments_as_a_search_of_the_whole_window_on_any_text(pieces, cut, keep):
    text = "".join(pieces)
    lo = min(cut, len(text))
    hi = max(lo, len(text) - keep)
    assert _fast_segments(text, lo, hi) == _reference_segments(text, lo, hi), (text, lo, hi)


def test_closers_are_every_closing_bracket():
    text = "（一）行政运行（01项)：\n(二)"
    assert functional._closers(text) == [i for i, ch in enumerate(text) if ch in "）)"]


def test_functional_reads_no_header_of_its_own():
    """Headers are read by the table model alone: functional.toml holds no header words."""
    data = functional.read_toml("extractors", "functional.toml")
    assert set(data["table"]) == {"total_labels"}


# --- samples: tables read through the table model ----------------------------------------------

GZJT = "cities/广州__2026年广州市交通运输局部门预算.pdf"


def test_a_header_wrapped_over_two_lines_still_makes_a_functional_table():
    """广州交通 p15 表5 一般公共预算支出情况表 heads its label column "功能科目\\n名称": the old header
    search (科目名称 in the joined cells) missed it and the table gave no functional line; the table
    model reads the wrapped header, so its 201 / 20132 / 2013299 rows are lines."""
    from tests.test_table_model import _sample_tables

    tables = [t for t in _sample_tables(GZJT) if t.page == 15]
    lines, totals = functional.tables_to_lines(tables, [], "budget")
    got = [(ln.code, ln.level, ln.name, str(ln.amount_wan), ln.page) for ln in lines[:3]]
    assert got == [("201", "类", "一般公共服务支出", "16.25", 15), ("20132", "款", "组织事务", "16.25", 15),
                   ("2013299", "项", "其他组织事务支出", "16.25", 15)]
    assert totals and totals[0].table_id == tables[0].table_id
