"""Money extractor: tables of examples, grouped by where they came from."""
from __future__ import annotations

from decimal import Decimal

import pytest

import dataclasses

from extractors import money, units
from pipeline import table_model as tm
from pipeline import extract
from pipeline.normalise import decoded_to_text
from pipeline.records import Amount, Cell, Decoded, Grid, Para, TableCell


def _s(x):
    return None if x is None else str(x)


def prose(s: str, fiscal_year: int | None = 2024):
    return money.text_to_figures(s, 0, len(s), fiscal_year, 0)


def table(rows, caption=None, fiscal_year=2024):
    text = decoded_to_text("t", Decoded(blocks=(Grid(rows=tuple(tuple(r) for r in rows), caption=caption),)))
    block = text.blocks[0]
    return text, money.table_to_figures(text.text, block, fiscal_year)


# (id, text, [(value, unit, label, share_pct, change_pct, measure)])
PROSE_EXAMPLES = {
    "seed 000": [
        ("share", "其中：基本支出 1,113.13万元，占 89.73%；项目支出 127.43万元，占 10.27%。",
         [("1113.13", "万元", "基本支出", "89.73", None, None), ("127.43", "万元", "项目支出", "10.27", None, None)]),
        ("year-in-label", "根据部门决算报表，2024 年部门收入合计 1,240.56万元。",
         [("1240.56", "万元", "部门收入合计", None, None, None)]),
        ("initial-budget", "县人大常委会办公室 2024年年初预算收入 1147.25万元。",
         [("1147.25", "万元", "年初预算收入", None, None, "initial_budget")]),
        ("yuan-per-person", "剩余 18.6万元根据各乡镇的代表人数按 1000元/人的原则分配",
         [("18.6", "万元", "剩余", None, None, None), ("1000", "元", "根据各乡镇的代表人数按", None, None, None)]),
        ("fund-name-is-not-budget", "其中：一般公共预算财政拨款收入 1,240.56 万元，占 100%。",
         [("1240.56", "万元", "一般公共预算财政拨款收入", "100", None, None)]),
    ],
    "seed 001": [
        ("prior-year-and-change", "单位预算收入1304.57万元，比上年1326.27万元减少21.76万元，减少1.64%。",
         [("1304.57", "万元", "单位预算收入", None, None, "budget"),
          ("1326.27", "万元", "单位预算收入", None, None, "prior_year"),
          ("21.76", "万元", "单位预算收入", None, "-1.64", "change")]),
        ("bare-integer", "2024年项目支出预算236万元：", [("236", "万元", "项目支出预算", None, None, "budget")]),
        ("carry-over-is-not-prior-year", "年初结转和结余：上年结转资金12.50万元",
         [("12.50", "万元", "上年结转资金", None, None, None)]),
    ],
    "seed 004": [
        ("grand-total-and-change", "2023年度收、支总计均为1054.82万元。与2022年度相比，收、支总计各增加46.73万元，增长4.63%。",
         [("1054.82", "万元", "收、支总计", None, None, None), ("46.73", "万元", "收、支总计", None, "4.63", "change")]),
        ("decrease-pct", "“三公”经费财政拨款支出决算为14.71万元，完成预算100%，较上年度减少2.66万元，下降15.31%。",
         [("14.71", "万元", "“三公”经费财政拨款支出决算", None, None, "actual"),
          ("2.66", "万元", "“三公”经费财政拨款支出决算", None, "-15.31", "change")]),
        ("zero", "因公出国（境）费支出决算0万元，占0%；", [("0", "万元", "因公出国（境）费支出决算", "0", None, "actual")]),
        ("comparison-year-stripped", "公务用车购置及运行维护费支出决算比2022年度减少1.61万元，下降13.68%。",
         [("1.61", "万元", "公务用车购置及运行维护费支出决算", None, "-13.68", "change")]),
        ("generic-label-takes-clause", "行政运行（01项）: 支出决算为455.65万元，完成预算100%；",
         [("455.65", "万元", "行政运行（01项）支出决算", None, None, "actual")]),
    ],
    "units": [
        ("yi", "总投资1.5亿元", [("1.5", "亿元", "总投资", None, None, None)]),
        ("qian", "补助3千元", [("3", "千元", "补助", None, None, None)]),
        ("bai", "预算额87759百元", [("87759", "百元", "预算额", None, None, "budget")]),
        ("space-before-unit", "收入 5.07 万元", [("5.07", "万元", "收入", None, None, None)]),
        ("thousands", "合计12,345,678.90元", [("12345678.90", "元", "合计", None, None, None)]),
    ],
}

# A comparison governs its own clause: its year is not the year of the figures after it in the
# sentence (enumerated items after "具体情况如下："). (id, text, fiscal year, [(value, year, measure)])
PROSE_YEARS = {
    "平潭 2016 决算说明": [
        ("comparison-then-item", "（二）2016本年支出702.47万元，比2015年决算数减少18.45万元，下降2.5%，具体情况如下："
         "1. 基本支出103.19万元。", 2016,
         [("702.47", None, None), ("18.45", 2015, "change"), ("103.19", None, None)]),
        ("comparison-then-income-item", "（一）2016本年收入692.25万元，比2015年决算数增加79.22万元，增长12.9%，具体情况如下："
         "1. 财政拨款收入692.25万元，其中政府性基金0万元。", 2016,
         [("692.25", None, None), ("79.22", 2015, "change"), ("692.25", None, None), ("0", None, None)]),
        ("year-before-the-comparison", "2016年公共财政拨款支出702.47万元，比2015年决算数减少18.45万元，下降2.5%，"
         "具体情况如下（按项级科目分类统计）：（一）综合医院支出485.89万元，较2015年决算数增加469.53万元", 2016,
         [("702.47", 2016, None), ("18.45", 2015, "change"), ("485.89", 2016, None), ("469.53", 2015, "change")]),
    ],
    "seed 001": [
        ("prior-year-in-its-own-clause", "单位预算收入1304.57万元，比上年1326.27万元减少21.76万元，减少1.64%。", 2024,
         [("1304.57", None, "budget"), ("1326.27", 2023, "prior_year"), ("21.76", None, "change")]),
    ],
}


@pytest.mark.parametrize(
    "text,fiscal_year,expected",
    [pytest.param(t, y, e, id=f"{origin}: {i}") for origin, cases in PROSE_YEARS.items() for i, t, y, e in cases],
)
def test_prose_years(text, fiscal_year, expected):
    got = [(str(f.value), f.year, f.measure) for f in prose(text, fiscal_year)]
    assert got == expected


NOT_MONEY = [
    ("percent", "执行率 100%，增长4.63%"),
    ("counts", "共有公务用车3辆，接待80批次，612人次，退休人员 42人"),
    ("years", "2024年度部门决算，2023年12月31日"),
    ("codes", "科目编码2010301行政运行"),
    ("phone", "联系电话13607376939"),
    ("unit-alone", "单位：万元"),
    ("word-with-yuan", "多元化投入，单元格"),
]


@pytest.mark.parametrize(
    "text,expected",
    [pytest.param(t, e, id=f"{origin}: {i}") for origin, cases in PROSE_EXAMPLES.items() for i, t, e in cases],
)
def test_prose_figures(text, expected):
    got = [(str(f.value), f.unit, f.label, _s(f.share_pct), _s(f.change_pct), f.measure) for f in prose(text)]
    want = [(v, u, lab, s, c, m) for v, u, lab, s, c, m in expected]
    assert got == want


@pytest.mark.parametrize("text", [pytest.param(t, id=i) for i, t in NOT_MONEY])
def test_not_money(text):
    assert prose(text) == []


def test_value_text_is_the_span():
    s = "其中：基本支出 1,113.13 万元，占 89.73%"
    (f,) = prose(s)
    assert s[f.start:f.end] == f.value_text == "1,113.13 万元"


CONVERSIONS = [
    ("1054.82", "万元", "10548200.00", "1054.82"),
    ("87759", "百元", "8775900.00", "877.59"),
    ("200000", "元", "200000.00", "20"),
    ("1.5", "亿元", "150000000.00", "15000"),
    ("3", "千元", "3000.00", "0.3"),
    ("0.01", "元", "0.01", "0.000001"),
]


@pytest.mark.parametrize("value,unit,yuan,wan", CONVERSIONS, ids=[f"{v}{u}" for v, u, _, _ in CONVERSIONS])
def test_exact_conversion(value, unit, yuan, wan):
    assert units.to_yuan(Decimal(value), unit) == Decimal(yuan)
    assert units.to_wan(Decimal(value), unit) == Decimal(wan)


# Half a unit of the last printed digit: the rounding a printed figure may carry, the tolerance of
# every check and comparison (check, resolve, functional). (id, value, unit, to, half)
HALF_LAST_DIGIT = [
    ("wan-2-decimals", "127.43", "万元", "万元", "0.005"),
    ("wan-2-decimals-to-yuan", "15621.11", "万元", "元", "50"),
    ("wan-integer", "880", "万元", "万元", "0.5"),
    ("wan-4-decimals", "0.0725", "万元", "万元", "0.00005"),
    ("yuan-integer-to-wan", "156211123", "元", "万元", "0.00005"),
    ("yuan-integer-to-yuan", "156211123", "元", "元", "0.5"),
    ("yuan-2-decimals-to-wan", "2500.50", "元", "万元", "0.0000005"),
    ("bai-yuan-integer-to-wan", "87759", "百元", "万元", "0.005"),
    ("qian-yuan-4-decimals-to-wan", "12.3456", "千元", "万元", "0.000005"),
    ("yi-yuan-1-decimal-to-wan", "1.5", "亿元", "万元", "500"),
    ("yi-yuan-exponent-form", "1.5E+3", "亿元", "万元", "500000"),
    ("zero-yuan", "0", "元", "万元", "0.00005"),
    ("percent", "89.73", None, "万元", "0.005"),
    ("percent-1-decimal", "-2.5", None, "万元", "0.05"),
    ("percent-integer", "100", None, "万元", "0.5"),
    ("count", "23", None, "元", "0.5"),
]


@pytest.mark.parametrize("value,unit,to,half", [pytest.param(*e[1:], id=e[0]) for e in HALF_LAST_DIGIT])
def test_half_last_digit(value, unit, to, half):
    assert units.half_last_digit(Decimal(value), unit, to) == Decimal(half)


@pytest.mark.parametrize("value,unit,to", [(e[1], e[2], e[3]) for e in HALF_LAST_DIGIT], ids=[e[0] for e in HALF_LAST_DIGIT])
def test_half_last_digit_depends_on_the_exponent_only(value, unit, to):
    """half_last_digit is kept per (exponent, unit, to): the same, digit for digit, as computing it
    from the value."""
    v = Decimal(value)
    half = Decimal(5).scaleb(v.as_tuple().exponent - 1)
    want = half if unit is None else units.to_wan(half, unit) * (units.WAN if to == "元" else 1)
    got = units.half_last_digit(v, unit, to)
    assert (got, str(got)) == (want, str(want))


def test_half_last_digit_names_an_unknown_target_unit():
    with pytest.raises(ValueError, match="千元"):
        units.half_last_digit(Decimal("1.5"), "万元", "千元")


def test_half_last_digit_is_worked_out_in_one_place():
    """Every tolerance from the printed rounding comes from units.half_last_digit (check, resolve and
    functional each had their own: six copies)."""
    from tests.conftest import ROOT

    sources = sorted(p for d in ("pipeline", "extractors", "schemas") for p in (ROOT / d).glob("*.py"))
    spelled = [f"{p.parent.name}/{p.name}" for p in sources if "Decimal(5).scaleb" in p.read_text("utf-8")]
    assert spelled == ["extractors/units.py"]


# Tables: (id, rows, caption, [(row, col, value, unit, label, measure)])
TABLE_EXAMPLES = [
    ("seed 004: unit in a header cell beside the column headers",
     [["预算执行情况（10分）", "年度预算数（万元）", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分"],
      ["", "总额", "100.00", "95.83", "95.83", "96.96%", "10", "10"]],
     None,
     [(1, 2, "100.00", "万元", "总额", "initial_budget"), (1, 3, "95.83", "万元", "总额", "adjusted_budget"),
      (1, 4, "95.83", "万元", "总额", "actual")]),
    ("seed 004: unit cell of an indicator row",
     [["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分"],
      ["产出指标", "成本指标", "资金投入", "=", "200000", "元", "已全部完成", "20", "20"],
      ["产出指标", "数量指标", "召开会议及出差次数", "≥", "100", "次", "已全部完成", "20", "20"]],
     None,
     [(1, 4, "200000", "元", "资金投入", None)]),
    ("seed 002: header row missing an empty cell (right-aligned)",
     [["项目资金 (万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "", ""],
      ["", "", "年度资金总额", "29.77", "29.77", "29.77", "10", "100.00%", "10", ""]],
     None,
     [(1, 3, "29.77", "万元", "年度资金总额", "initial_budget"), (1, 4, "29.77", "万元", "年度资金总额", "adjusted_budget"),
      (1, 5, "29.77", "万元", "年度资金总额", "actual")]),
    ("seed 002: two-level header with merged unit cell",
     [["任务名称", "项目级次", "主要内容", "批复金额（万元）", "", "", "实际支出金额（万元）", "预算执行率"],
      ["", "", "", "总额", "财政拨款", "其他资金", "", ""],
      ["专项资金", "市级", "主要用于培训", "10.56", "10.56", "", "10.56", "100.00%"]],
     None,
     [(2, 3, "10.56", "万元", "主要用于培训", None), (2, 4, "10.56", "万元", "主要用于培训", None),
      (2, 6, "10.56", "万元", "主要用于培训", "actual")]),
    ("synthetic: 百元 column header",
     [["项目", "预算额（百元）", "执行额（百元）"], ["合计", "87759", "87759"]],
     None,
     [(1, 1, "87759", "百元", "合计", "budget"), (1, 2, "87759", "百元", "合计", "actual")]),
    ("synthetic: caption unit, counts column excluded",
     [["项目", "金额", "人数"], ["基本支出", "1,113.13", "23"], ["项目支出", "-0.5", "2"]],
     "部门支出表 单位：万元",
     [(1, 1, "1113.13", "万元", "基本支出", None), (2, 1, "-0.5", "万元", "项目支出", None)]),
    ("seed 001: no unit anywhere: nothing is money",
     [["财政拨款", "收入合计", "编制人数", "联系电话"], ["1304.57", "1304.57", "42", "13607376939"]],
     None,
     []),
    ("sample 烟台 公开表6 (HTML): a code column of the economic classification under 科目编码",
     [["科目编码", "", "部门预算支出经济分类科目名称", "科目编码", "", "政府预算支出经济分类科目名称", "小计"],
      ["类", "款", "", "类", "款", "", ""],
      ["302", "17", "公务接待费", "502", "01", "公务接待费", "3.00"]],
     "一般公共预算基本支出情况表 单位：万元",
     [(2, 6, "3.00", "万元", "公务接待费", None)]),
    ("seed 001: own unit in a cell",
     [["成本指标", "工资福利支出", "≤760万元", ""]],
     None,
     [(0, 2, "760", "万元", "工资福利支出", None)]),
]


@pytest.mark.parametrize("rows,caption,expected", [pytest.param(r, c, e, id=i) for i, r, c, e in TABLE_EXAMPLES])
def test_table_figures(rows, caption, expected):
    text, figs = table(rows, caption)
    got = [(f.row, f.col, str(f.value), f.unit, f.label, f.measure) for f in figs]
    assert got == expected
    for f in figs:
        assert text.text[f.start:f.end] == f.value_text


def _same_record(fast, slow):
    assert type(fast) is type(slow) and fast == slow and repr(fast) == repr(slow)
    assert list(vars(fast).items()) == list(vars(slow).items())
    assert not hasattr(type(slow), "__post_init__")


def _seed_amounts():
    """Every amount of the seed texts (prose, tables, cells with their own unit)."""
    from pathlib import Path

    from pipeline import load, normalise, segment

    out = []
    for p in sorted(Path(__file__).resolve().parents[1].joinpath("corpus").glob("*.txt")):
        text = normalise.source_to_text(load.read_source(p))
        out.extend(extract.text_to_amounts(text, extract.SectionIndex(segment.text_to_sections(text)), 2024))
    return out


def test_fast_record_builders_match_the_constructors():
    """extract builds its records without the dataclass __init__: same fields, order, equality."""
    amounts = _seed_amounts()
    assert len(amounts) > 100 and any(a.table_id for a in amounts) and any(a.table_id is None for a in amounts)
    names = [f.name for f in dataclasses.fields(Amount)]
    for a in amounts:
        assert list(vars(a)) == names
        _same_record(a, Amount(**vars(a)))
    cells = [Cell(0, 0, "项目", 0, 2), Cell(0, 1, "1.00", 3, 7)]
    fast = extract._table_cells(1, 2, 3, "表", "万元", cells)
    assert len(fast) == len(cells)
    for f, c in zip(fast, cells):
        _same_record(f, TableCell(1, 2, 3, "表", "万元", c.row, c.col, c.text))


def test_unit_anchors_cover_every_unit():
    """Prose is searched from the units' last characters: every unit name ends in an anchor."""
    v = money.vocab()
    for name in units.unit_names():
        assert name in v.unit_tails[name[-1]]


# Anchored search must find exactly what a scan with the money pattern finds, bounds included.
ANCHOR_CASES = [
    "基本支出 1,113.13万元，占 89.73%；项目支出127.43 万元", "12,34万元", "1.2.3元", "5万万元", "5万 元",
    "3   元", "3  元", ",5元", ".5元", "5,元", "a5亿元b6千元c7百元d8元", "１２万元", "1２万元", "٣元",
    "12万元13元", "共计12元，元，万元", "合计12,345,678.90元", "2024年1元", "\t5元\t", "多元化投入", "",
    "1,2345万元", "12,345.6.7万元", "x1,234元", "1,234,56元", "1.万元", "0001元", "1,234.5,678元", "9 ,1元",
    "5  万元", "١٢٣٤٥٦.٧٨元", "1,٢٣٤元",
    # characters the engines read differently (`exotic`): left to `regex`
    "\U00010d41\U00010d42万元", "1\U00010d41元", "𝟏𝟐万元", "3\x1c元", "占\U00010d41%",
]


@pytest.mark.parametrize("s", ANCHOR_CASES)
def test_anchored_search_equals_the_scan(s):
    v = money.vocab()
    for lo in range(len(s) + 1):
        for hi in range(lo, len(s) + 1):
            fast = [(m.span(), m.group(0)) for m in money._money_matches(s, lo, hi, v)]
            slow = [(m.span(), m.group(0)) for m in v.money.finditer(s, lo, hi)]
            assert fast == slow, (lo, hi)
            groups = [(m["number"], m["gap"], m["unit"]) for m in money._money_matches(s, lo, hi, v)]
            assert groups == [(m["number"], m["gap"], m["unit"]) for m in v.money.finditer(s, lo, hi)]


# share and change are compiled for the standard engine too: the same matches as with `regex`
PCT_CASES = ["，占 89.73%；", "占比10%", ",占总支出的 12.5 %", "，比上年增长4.63%", "同比下降 15.31 %", "减少了1.64%",
             "占", "增长%", " ，增长 ٣%", "，占百分之五十", "较上年减少2.66万元，下降15.31%", "占８９％", "占\u3000 5%",
             "，\t增加\n7.5\u2003%"]


@pytest.mark.parametrize("s", PCT_CASES)
def test_pct_patterns_match_as_with_regex(s):
    v = money.vocab()
    assert v.exotic.search(s) is None
    for fast, slow in ((v.share_scan, v.share), (v.change_scan, v.change)):
        assert fast.pattern == slow.pattern
        for pos in range(len(s) + 1):
            for hi in range(pos, len(s) + 1):
                a, b = fast.match(s, pos, hi), slow.match(s, pos, hi)
                assert (a and (a.span(), a.groupdict())) == (b and (b.span(), b.groupdict())), (fast.pattern, pos, hi)


def test_engines_agree_on_digits_and_spaces_but_for_exotic_characters():
    """The standard engine is used on text without an `exotic` character: on every other character
    it reads \\d and \\s as `regex` does (Python's Unicode tables can be older than regex's)."""
    import re

    import regex

    v = money.vocab()
    every = "".join(map(chr, range(0x110000)))
    for cls in (r"\d", r"\s"):
        differ = set(re.findall(cls, every)) ^ set(regex.findall(cls, every))
        assert all(v.exotic.match(c) for c in differ), (cls, sorted(differ)[:5])


BREAK_CASES = ["基本支出，1万元。项目支出；2万元", "a\nb\tc", "无分隔", "", "，。；", "占：3！4？5"]


@pytest.mark.parametrize("s", BREAK_CASES)
def test_clause_and_sentence_starts_equal_a_backward_search(s):
    import regex

    v = money.vocab()
    for start, chars in ((money._clause_start, v.delimiters), (money._sentence_start, money._SENTENCE_ENDS)):
        back = regex.compile("[" + "".join(regex.escape(c) for c in chars) + "]", regex.REVERSE)
        for lo in range(len(s) + 1):
            for pos in range(lo, len(s) + 1):
                m = back.search(s, lo, pos)
                assert start(s, lo, pos, v) == (m.end() if m else lo), (lo, pos)


@pytest.mark.parametrize("cell,unit", [("单位：万元", "万元"), ("（万元）", None), ("（元）单位：万元", None),
                                       ("金额单位: 人民币元", "元"), ("单位", None), ("", None)])
def test_table_unit_from_a_cell(cell, unit):
    text = decoded_to_text("t", Decoded(blocks=(Grid(rows=(("项目", cell), ("合计", "1"))),)))
    assert tm.table_unit(text.blocks[0]) == unit


@pytest.mark.parametrize("s", ["2020年", "12020年", "2020 2021年", "2020  年2019年x", "20202年", "1999年2000年",
                               "年2020", "比2022年度减少", "2024 年部门收入合计与2023年相比", "", "年年", "１９９９年",
                               "2020\x1c年", "2020\u3000\n年", "\U00010d412020年", "2021年\U00010d41", "x2019 年 2018"])
def test_last_year_equals_the_scan(s):
    v = money.vocab()
    years = list(v.year.finditer(s))
    assert money._last_year(s, v) == (int(years[-1]["year"]) if years else None)


@pytest.mark.parametrize("value", ["877.59", "87759", "0.005", "1240.56", "-3.1", "0", "12.300"])
def test_to_yuan_wan_is_to_yuan_and_to_wan(value):
    """extract converts each figure with units.to_yuan_wan: the same Decimals, exponent included."""
    for unit in units.unit_names():
        both = units.to_yuan_wan(Decimal(value), unit)
        one = (units.to_yuan(Decimal(value), unit), units.to_wan(Decimal(value), unit))
        assert both == one and [str(x) for x in both] == [str(x) for x in one]


def test_amount_fields_are_the_figures():
    """The pipeline takes money's figures as Amount fields (prose_amounts, table_amounts); the
    Figure API gives the same figures."""
    s = "其中：基本支出 1,113.13万元，占 89.73%；比上年1326.27万元减少21.76万元，减少1.64%。"
    figs = money.text_to_figures(s, 0, len(s), 2024, 7)
    fields = money.prose_amounts(s, 0, len(s), 2024, 3)
    assert len(figs) == len(fields) == 3
    for f, d in zip(figs, fields):
        assert list(d) == [x.name for x in dataclasses.fields(Amount)]
        assert f.block_id == 7 and d["page"] == 3 and d["table_id"] is None
        assert d["amount_id"] is None and d["section_id"] is None
        assert {k: getattr(f, k) for k in d if k in f._fields} == {k: d[k] for k in d if k in f._fields}
        assert (d["amount_yuan"], d["amount_wan"]) == units.to_yuan_wan(d["value"], d["unit"])
    text, figs = table([["项目", "金额（万元）", "说明"], ["合计", "-1,240.50", "≤760万元"]], caption="表一")
    fields = money.table_amounts(text.text, text.blocks[0], 2024, 5)
    assert [f.value for f in figs] == [d["value"] for d in fields] == [Decimal("-1240.50"), Decimal("760")]
    for f, d in zip(figs, fields):
        assert d["table_id"] == 5 and (f.label, f.context, f.row, f.col) == (d["label"], d["context"], d["row"], d["col"])
        assert (d["amount_yuan"], d["amount_wan"]) == units.to_yuan_wan(d["value"], d["unit"])
