"""Indicator tables -> Indicator rows: values, layouts, subjects, vocabulary.

Examples are grouped by origin: seed 001 (tab-cell rows, 指标内容/指标值 only), seed 002
(tab-separated rows, two header rows, 指标性质 + 度量单位 + 分值/得分), seed 004 (tab-cell rows,
绩效指标（90分）, full-width operators, 定性), sample (the 宁德 and 广州 forms), synthetic.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import regex

from extractors.indicator_values import parse_value, vocabulary
from extractors.indicators import text_to_indicators
from extractors.subjects import vocabulary as subject_vocabulary
from pipeline.prefilter import required_chars
from pipeline.table_model import evaluation_roles
from tests.textbuild import make_text, rows

D = Decimal

# --- values: raw -> (operator, number, unit) ------------------------------------------------------

VALUE_EXAMPLES_SEED_001 = [
    ("≥20次", "≥", D("20"), "次"),
    ("≤1%", "≤", D("1"), "%"),
    ("=17个", "=", D("17"), "个"),
    ("≤760万元", "≤", D("760"), "万元"),
    ("100%", None, D("100"), "%"),
    ("2024年12月底之前完成", None, None, None),
    ("有效促进", None, None, None),
]
VALUE_EXAMPLES_SEED_002 = [
    ("1-2次", None, D("1"), "次"),
    ("100.00%", None, D("100.00"), "%"),
    ("95.00%", None, D("95.00"), "%"),
    ("6", None, D("6"), None),
]
VALUE_EXAMPLES_SEED_004 = [
    ("200000", None, D("200000"), None),
    ("优良中低差", None, None, None),
]
VALUE_EXAMPLES_SAMPLE = [
    ("≤3843.67万元", "≤", D("3843.67"), "万元"),
    ("=24小时", "=", D("24"), "小时"),
    ("≥10亿条", "≥", D("10"), "亿条"),
    ("全年≥10000家次", "≥", D("10000"), "家次"),  # a short word before the operator
    ("项目立项数量≥400个；项目终验数量≥400个。", None, None, None),  # two targets: raw only
]
VALUE_EXAMPLES_SYNTHETIC = [
    ("＞500人", ">", D("500"), "人"),
    ("＜1起", "<", D("1"), "起"),
    ("＝12月", "=", D("12"), "月"),
    ("≥ 98 %", "≥", D("98"), "%"),
    ("不低于95%", "≥", D("95"), "%"),
    ("1,240.56万元", None, D("1240.56"), "万元"),
    ("3～5篇", None, D("3"), "篇"),
    ("≥22个（套）", "≥", D("22"), "个（套）"),
    ("=361200元/户", "=", D("361200"), "元/户"),
    ("定性", None, None, None),
]


def _cases(examples, origin):
    return [pytest.param(*e, id=f"{origin}:{e[0]}") for e in examples]


@pytest.mark.parametrize(
    "raw, operator, number, unit",
    _cases(VALUE_EXAMPLES_SEED_001, "seed001")
    + _cases(VALUE_EXAMPLES_SEED_002, "seed002")
    + _cases(VALUE_EXAMPLES_SEED_004, "seed004")
    + _cases(VALUE_EXAMPLES_SAMPLE, "sample")
    + _cases(VALUE_EXAMPLES_SYNTHETIC, "synthetic"),
)
def test_parse_value(raw, operator, number, unit):
    v = parse_value(raw)
    assert v is not None
    assert (v.operator, v.number, v.unit, v.raw) == (operator, number, unit, raw.strip())


def test_empty_value_is_none():
    assert parse_value("") is None
    assert parse_value("   ") is None


# --- every value form in a table, with its expected operator, number and unit ---------------------

# level3 -> (operator, target_raw, target_value, target_unit)
VALUE_FORMS_TABLE = rows(
    """
一级指标|二级指标|三级指标|指标性质|指标值|度量单位|实际完成值|分值|得分
产出指标|数量指标|会议次数||≥20次||21次|10|10
||差错率||≤1%||0.5%|10|10
||工作站个数||=17个||17|10|10
||服务人数||＞500人||620|10|10
|成本指标|工资福利支出||≤760万元||700|10|10
||培训次数||1-2次||2|10|10
|质量指标|合格率||100%||100%|10|10
||完成率||100.00%||100.00%|10|10
||工作质量|定性|优良中低差||优|10|10
||服务质量||定性/优良中低差||良|10|10
|时效指标|完成时间||2024年12月底之前完成||按时完成|10|10
"""
)
VALUE_FORMS_EXPECTED = {
    "会议次数": ("≥", "≥20次", D("20"), "次", D("21"), "次"),
    "差错率": ("≤", "≤1%", D("1"), "%", D("0.5"), "%"),
    "工作站个数": ("=", "=17个", D("17"), "个", D("17"), "个"),  # a bare actual takes the target's unit
    "服务人数": (">", ">500人", D("500"), "人", D("620"), "人"),
    "工资福利支出": ("≤", "≤760万元", D("760"), "万元", D("700"), "万元"),
    "培训次数": (None, "1-2次", D("1"), "次", D("2"), "次"),
    "合格率": (None, "100%", D("100"), "%", D("100"), "%"),
    "完成率": (None, "100.00%", D("100.00"), "%", D("100.00"), "%"),
    "工作质量": ("定性", "优良中低差", None, None, None, None),
    "服务质量": ("定性", "定性/优良中低差", None, None, None, None),
    "完成时间": (None, "2024年12月底之前完成", None, None, None, None),
}


@pytest.mark.parametrize("level3", list(VALUE_FORMS_EXPECTED), ids=lambda s: f"synthetic:{s}")
def test_value_forms_in_a_table(level3):
    got = {i.level3: i for i in text_to_indicators(make_text("项目绩效自评表", VALUE_FORMS_TABLE), "某部门")}
    assert set(got) == set(VALUE_FORMS_EXPECTED)
    i = got[level3]
    op, raw, value, unit, actual, actual_unit = VALUE_FORMS_EXPECTED[level3]
    assert (i.operator, i.target_raw, i.target_value, i.target_unit) == (op, raw, value, unit)
    assert (i.actual_value, i.actual_unit) == (actual, actual_unit)
    assert (i.weight, i.score) == (D(10), D(10))


# --- layouts -------------------------------------------------------------------------------------

SEED_001_TABLE = rows(
    """
部门名称|安化县人大常委会办公室
部门整体支出年度绩效目标|基本经费|一级指标|二级指标|指标内容|指标值|备注
||产出指标|数量指标|人大会议次数|≥20次|
||||人大资讯|≥20篇|
|||质量指标|下发文件差错率|≤1%|
|项目经费|产出指标|数量指标|代表工作站运行个数|=17个|
||满意度指标|服务对象满意度指标|群众满意度|≥97%|
"""
)

SEED_002_PROJECT_TABLE = rows(
    """
项目名称||专项工作经费|||||||
绩效指标|||年度指标值|||实际完成值|分值|得分|偏差原因分析及改进措施
一级指标|二级指标|三级指标|指标性质|指标值|度量单位||||
产出指标|数量指标|筹办各类会议活动次数|≥|20|次|20|40|40|无偏差
|质量指标|机关高效有序运转，人大职能依法全面履行|≥|95.00%|%|100.00%|20|20|无偏差
满意度指标|服务对象满意度指标等|服务对象满意度指标|≥|95.00%|%|100.00%|10|10|无偏差
其他需要说明事项|||无||||||
总分|||||||100|100|优
"""
)

SEED_004_TABLE = rows(
    """
部门预算项目支出绩效自评表（2023年度）
项目名称|51042122Y000004782652-党政网络、网站运行维护经费
绩效指标（90分）|一级指标|二级指标|三级指标|指标性质|指标值|度量单位|完成值|权重|得分
|产出指标|时效指标|完成时间|＝|12|月|已全部完成|10|10
||安全指标|每年度网络安全事故|＜|1|起|已全部完成|10|10
|效益指标|社会效益指标|促进全县经济社会发展|定性|优良中低差||已全部完成|10|10
合计|100|100
"""
)

# 宁德 部门整体绩效自评表 (sample PDF, table as pdfplumber reads it)
SAMPLE_NINGDE_TABLE = rows(
    """
专项名称|||127部门整体
绩效指标|一级指标|二级指标|三级指标||年度指标值||实际完成值|指标分值|自评得分|偏差原因分析及改进措施
|成本指标|经济成本指标|基本经费投入成本||≤3843.67万元||4262.96|4|0|年中追加预算经费，实际支出超过年初预算安排。
|||项目经费投入成本||≤5365.88万元||4611.78|4|4|
|产出指标|数量指标|市政府常务会议场次||≥30次||20|2|1.33|
总分值、评价总分 (S)||||||||92.33
评价等级||优（S≧90）
"""
)

# 广州 部门整体预算绩效目标申报表 (sample PDF): two target columns, the year's one is kept
SAMPLE_GUANGZHOU_TABLE = rows(
    """
绩效指标|一级指标||二级指标|三级指标|实施周期指标值|年度指标值
|产出指标||数量指标|政务云支撑系统数|≥1340个|≥1300个
||||汇聚数据数量.|≥10亿条|≥10亿条
|||质量指标|事件工单解决率|≥90%|≥90%
|||社会效益指标|话务接通率|≥93%|≥93%
"""
)

# a flattened row lost its empty cells: no 度量单位 on a 定性 row, no merged 一级/二级指标
SYNTHETIC_FLATTENED = rows(
    """
项目名称|县人代会会议经费
一级指标|二级指标|三级指标|指标性质|指标值|度量单位|实际完成值|分值|得分|偏差原因分析及改进措施
产出指标|数量指标|召开会议次数|≥|2|次|2|20|20|无偏差
质量指标|会议质量|定性|优良中低差|优|20|20
效益指标|社会效益指标|推动代表履职|定性|有效|有效|30|28|宣传不足
会议天数|=|3|天|3|10|10
满意度指标|服务对象满意度指标|代表满意度|≥|95|%|98|20|20|无偏差
"""
)

# 计分表: weights in the names, 自评分数 column
SYNTHETIC_SCORING = rows(
    """
一级指标|二级指标|三级指标|评分标准|自评分数
预算编制（20分）|目标设置（8分）|绩效目标合理性（3分）|目标明确得3分|3
||绩效指标明确性（5分）|指标细化量化得5分|4
|预算配置（12分）|预算编制准确性（12分）|偏差率在5%以内得满分|12
合计|||100|96
"""
)

LAYOUT_EXAMPLES = {
    # id: (items, doc_subject, expected rows: (subject, level1, level2, level3, operator, target_value,
    #      target_unit, actual_value, weight, score))
    "seed001:tab-cell, 指标内容, fill-down": (
        ["四、部门整体支出绩效情况分析", SEED_001_TABLE],
        None,
        [
            ("安化县人大常委会办公室", "产出指标", "数量指标", "人大会议次数", "≥", D(20), "次", None, None, None),
            ("安化县人大常委会办公室", "产出指标", "数量指标", "人大资讯", "≥", D(20), "篇", None, None, None),
            ("安化县人大常委会办公室", "产出指标", "质量指标", "下发文件差错率", "≤", D(1), "%", None, None, None),
            ("安化县人大常委会办公室", "产出指标", "数量指标", "代表工作站运行个数", "=", D(17), "个", None, None, None),
            ("安化县人大常委会办公室", "满意度指标", "服务对象满意度指标", "群众满意度", "≥", D(97), "%", None, None, None),
        ],
    ),
    "seed002:two header rows, 指标性质, 度量单位": (
        ["2023年度项目支出绩效自评表", SEED_002_PROJECT_TABLE],
        "曲靖市沾益区人民代表大会常务委员会",
        [
            ("专项工作经费", "产出指标", "数量指标", "筹办各类会议活动次数", "≥", D(20), "次", D(20), D(40), D(40)),
            ("专项工作经费", "产出指标", "质量指标", "机关高效有序运转，人大职能依法全面履行", "≥", D(95), "%", D(100), D(20), D(20)),
            ("专项工作经费", "满意度指标", "服务对象满意度指标等", "服务对象满意度指标", "≥", D(95), "%", D(100), D(10), D(10)),
        ],
    ),
    "seed004:group column, full-width operators, 定性": (
        [SEED_004_TABLE],
        "米易县人民政府办公室",
        [
            ("党政网络、网站运行维护经费", "产出指标", "时效指标", "完成时间", "=", D(12), "月", None, D(10), D(10)),
            ("党政网络、网站运行维护经费", "产出指标", "安全指标", "每年度网络安全事故", "<", D(1), "起", None, D(10), D(10)),
            ("党政网络、网站运行维护经费", "效益指标", "社会效益指标", "促进全县经济社会发展", "定性", None, None, None, D(10), D(10)),
        ],
    ),
    "sample:宁德 指标分值 自评得分 (部门整体)": (
        ["2024年度部门整体绩效自评表", SAMPLE_NINGDE_TABLE],
        "宁德市人民政府办公室",
        [
            ("宁德市人民政府办公室", "成本指标", "经济成本指标", "基本经费投入成本", "≤", D("3843.67"), "万元", D("4262.96"), D(4), D(0)),
            ("宁德市人民政府办公室", "成本指标", "经济成本指标", "项目经费投入成本", "≤", D("5365.88"), "万元", D("4611.78"), D(4), D(4)),
            ("宁德市人民政府办公室", "产出指标", "数量指标", "市政府常务会议场次", "≥", D(30), "次", D(20), D(2), D("1.33")),
        ],
    ),
    "sample:广州 年度指标值 beside 实施周期指标值": (
        ["部门整体预算绩效目标申报表", SAMPLE_GUANGZHOU_TABLE],
        "广州市政务服务和数据管理局",
        [
            ("广州市政务服务和数据管理局", "产出指标", "数量指标", "政务云支撑系统数", "≥", D(1300), "个", None, None, None),
            ("广州市政务服务和数据管理局", "产出指标", "数量指标", "汇聚数据数量.", "≥", D(10), "亿条", None, None, None),
            ("广州市政务服务和数据管理局", "产出指标", "质量指标", "事件工单解决率", "≥", D(90), "%", None, None, None),
            # the merged 效益指标 label was lost by the PDF reader: 社会效益指标 implies it
            ("广州市政务服务和数据管理局", "效益指标", "社会效益指标", "话务接通率", "≥", D(93), "%", None, None, None),
        ],
    ),
    "synthetic:flattened rows aligned by content": (
        [SYNTHETIC_FLATTENED],
        None,
        [
            ("县人代会会议经费", "产出指标", "数量指标", "召开会议次数", "≥", D(2), "次", D(2), D(20), D(20)),
            ("县人代会会议经费", "产出指标", "质量指标", "会议质量", "定性", None, None, None, D(20), D(20)),
            ("县人代会会议经费", "效益指标", "社会效益指标", "推动代表履职", "定性", None, None, None, D(30), D(28)),
            ("县人代会会议经费", "效益指标", "社会效益指标", "会议天数", "=", D(3), "天", D(3), D(10), D(10)),
            ("县人代会会议经费", "满意度指标", "服务对象满意度指标", "代表满意度", "≥", D(95), "%", D(98), D(20), D(20)),
        ],
    ),
    "synthetic:计分表 with weights in names": (
        ["部门整体支出绩效评价计分表", SYNTHETIC_SCORING],
        "某县财政局",
        [
            ("某县财政局", "预算编制", "目标设置", "绩效目标合理性", None, None, None, None, D(3), D(3)),
            ("某县财政局", "预算编制", "目标设置", "绩效指标明确性", None, None, None, None, D(5), D(4)),
            ("某县财政局", "预算编制", "预算配置", "预算编制准确性", None, None, None, None, D(12), D(12)),
        ],
    ),
}


def _row(i):
    return (i.subject, i.level1, i.level2, i.level3, i.operator, i.target_value, i.target_unit, i.actual_value, i.weight, i.score)


@pytest.mark.parametrize("example", list(LAYOUT_EXAMPLES))
def test_layouts(example):
    items, doc_subject, expected = LAYOUT_EXAMPLES[example]
    got = [_row(i) for i in text_to_indicators(make_text(*items), doc_subject)]
    assert got == expected


def test_flattened_row_keeps_note_and_raw():
    got = {i.level3: i for i in text_to_indicators(make_text(SYNTHETIC_FLATTENED), None)}
    assert got["推动代表履职"].target_raw == "有效"
    assert got["推动代表履职"].actual_raw == "有效"
    assert got["推动代表履职"].note == "宣传不足"
    assert got["会议质量"].target_raw == "优良中低差"
    assert got["会议质量"].actual_raw == "优"


def test_header_and_total_rows_are_never_indicators():
    tables = [SEED_001_TABLE, SEED_002_PROJECT_TABLE, SEED_004_TABLE, SAMPLE_NINGDE_TABLE, SYNTHETIC_SCORING]
    vocab_headers = set(evaluation_roles("indicator"))
    for table in tables:
        for i in text_to_indicators(make_text(table), None):
            assert i.level3 not in vocab_headers
            assert i.level1 not in ("合计", "总分", "其他需要说明事项")
            assert not (i.level3 or "").startswith(("合计", "总分"))


def test_ids_and_table_ids():
    text = make_text("一", SEED_002_PROJECT_TABLE, "二", SEED_004_TABLE)
    got = text_to_indicators(text, None)
    assert [i.indicator_id for i in got] == list(range(1, len(got) + 1))
    assert {i.table_id for i in got} == {1, 2}  # numbered like the tables table


def test_subject_from_heading_above_the_table():
    table = rows(
        """
一级指标|二级指标|三级指标|指标值
产出指标|数量指标|培训人次|≥200人次
"""
    )
    text = make_text("专项预算项目绩效评价报告", "（县人大代表活动经费）", "一、项目概况", table)
    (i,) = text_to_indicators(text, "米易县人大常委会办公室")
    assert i.subject == "县人大代表活动经费"
    text = make_text("部门整体支出绩效自评表", table)
    (i,) = text_to_indicators(text, "米易县人大常委会办公室")
    assert i.subject == "米易县人大常委会办公室"


# 广州 政务服务和数据管理局 2026 项目支出绩效目标表 p1 (abridged): a project per row, its indicators as
# running text in its 绩效指标 cell; each indicator is its row's project's.
SAMPLE_GUANGZHOU_TARGETS = rows(
    """
项目名称（资金使用单位）|总计|财政拨款|财政专户拨款|其他资金|绩效目标|绩效指标
合计|86,246.64|86,246.64|||||
广州市政务服务和数据管理局|16,926.32|16,926.32|||||
广州市政务服务和数据管理局数字政府运营中心穗智管运营服务项目|1,391.47|1,391.47|||通过“穗智管”运营服务项目的开展|1、1-产出指标；11-数量指标；会议活动保障次数；实施周期指标值:每年≥20场；年度指标值:每年≥20场。2、1-产出指标；11-数量指标；汇聚数据量；实施周期指标值:≥10亿条；年度指标值:≥10亿条。3、1-产出指标；12-质量指标；保障场地正常运行；实施周期指标值:≥99.5%；年度指标值:≥99.5%。
广州12345政务服务便民热线平台运营项目|12,000.00|12,000.00|||通过实施2026年度广州12345热线平台运营项目|1、1-产出指标；12-质量指标；咨询事项一次性解答率.；实施周期指标值:≥85%；年度指标值:≥85%。2、3-满意度指标；31-服务对象满意度；受理服务满意度；实施周期指标值:≥95%；年度指标值:≥95%。3、2-效益指标；21-经济效益；服务成果转化；实施周期指标值:≥10；年度指标值:≥5。
"""
)


def test_indicators_as_running_text_in_a_cell():
    got = [(i.subject, i.level1, i.level2, i.level3, i.operator, i.target_value, i.target_unit)
           for i in text_to_indicators(make_text(SAMPLE_GUANGZHOU_TARGETS), "广州市政务服务和数据管理局")]
    suizhi, hotline = "广州市政务服务和数据管理局数字政府运营中心穗智管运营服务项目", "广州12345政务服务便民热线平台运营项目"
    assert got == [
        (suizhi, "产出指标", "数量指标", "会议活动保障次数", "≥", Decimal(20), "场"),
        (suizhi, "产出指标", "数量指标", "汇聚数据量", "≥", Decimal(10), "亿条"),
        (suizhi, "产出指标", "质量指标", "保障场地正常运行", "≥", Decimal("99.5"), "%"),
        (hotline, "产出指标", "质量指标", "咨询事项一次性解答率", "≥", Decimal(85), "%"),
        (hotline, "满意度指标", "服务对象满意度", "受理服务满意度", "≥", Decimal(95), "%"),
        (hotline, "效益指标", "经济效益", "服务成果转化", "≥", Decimal(5), None),  # the year's, not the period's
    ]


# 广州 2026 生态环境局部门预算 p1 (abridged): the same table with "总计：", items numbered "1." or "2、"
# after a ；, fields split at ， as well.
SAMPLE_GUANGZHOU_ECOLOGY_TARGETS = rows(
    """
项目名称（资金使用单位）|总计：|财政拨款|财政专户拨款|其他资金|绩效目标|绩效指标
合计：|37,367.86|35,790.09||1,577.77|||
广州市镇（街）园区环保监督检查员经费（越秀区）|238.00|238.00|||通过开展广州市建立镇（街）园区环境保护监督检查员队伍|1.1-产出指标，11-数量指标，项目专职环保员数量；实施周期指标值：≦核定人数，年度指标值：≦核定人数；2、1-产出指标，12-质量指标，环境应急事件响应率；实施周期指标值：100%，年度指标值：100%;3、1-产出指标，12-质量指标，专职环保员队伍管理规范化；实施周期指标值：考察是
"""
)


def test_indicators_as_running_text_items_after_a_semicolon():
    got = [(i.subject, i.level1, i.level2, i.level3, i.target_raw, i.target_value)
           for i in text_to_indicators(make_text(SAMPLE_GUANGZHOU_ECOLOGY_TARGETS), "广州市生态环境局")]
    name = "广州市镇（街）园区环保监督检查员经费（越秀区）"
    assert got == [
        (name, "产出指标", "数量指标", "项目专职环保员数量", "≦核定人数", None),
        (name, "产出指标", "质量指标", "环境应急事件响应率", "100%", Decimal(100)),
        (name, "产出指标", "质量指标", "专职环保员队伍管理规范化", None, None),  # its 年度指标值 lost in the cell
    ]


def test_no_indicator_table_no_rows():
    table = rows(
        """
项目|年初预算数|全年预算数|全年执行数
合计|1|1|1
"""
    )
    assert text_to_indicators(make_text("收入支出决算总表", table, "正文。"), None) == []


# --- vocabulary files ------------------------------------------------------------------------------


def test_indicator_vocabulary_is_valid():
    v = vocabulary()
    names = set(evaluation_roles("indicator").values())  # the table model's roles (their file's test)
    headers = list(evaluation_roles("indicator"))
    assert v["detect"]["required"] in names
    assert set(v["detect"]["with_any"]) <= set(names)
    assert set(v["operators"].values()) <= {"≥", "≤", "=", ">", "<"}
    assert set(v["rows"]["score_labels"]) <= set(v["rows"]["total_labels"]), "a score row would be an indicator"
    value_labels = v["rows"]["score_value_labels"]  # may be headers too: used outside indicator tables
    assert len(value_labels) == len(set(value_labels))
    for key in ("total_labels", "score_labels", "grade_labels", "stop_labels"):
        labels = v["rows"][key]
        assert len(labels) == len(set(labels)), f"duplicate in rows.{key}"
        assert not set(labels) & set(headers), f"rows.{key} overlaps a header"


def test_subject_vocabulary_is_valid():
    v = subject_vocabulary()
    for name, pattern in v["patterns"].items():
        regex.compile(pattern, regex.VERBOSE)
    for h in v["heading"]:
        p = regex.compile(h["pattern"], regex.VERBOSE)
        assert h["scope"] in ("project", "department")
        if h["scope"] == "project":
            assert "name" in p.groupindex, h["pattern"]
        if "after" in h:
            regex.compile(h["after"])
    for key, words in v["words"].items():
        assert len(words) == len(set(words)), f"duplicate in words.{key}"
    suffixes = v["words"]["project_suffixes"]
    for i, a in enumerate(suffixes):  # a longer suffix must come before a shorter one it ends with
        for b in suffixes[i + 1:]:
            assert not b.endswith(a), f"{a} is tried before {b} and shadows it"


# --- the real pipeline on the corpus seeds and samples -------------------------------------------

from tests.evalrun import SEEDS, corpus_tables, expectations, rows_of, sample_tables  # noqa: E402
from extractors.subjects import same_subject  # noqa: E402


def same_value(got, want) -> bool:
    if want is None or got is None:
        return got is want or (got != got and want is None)  # NaN/None for a null cell
    if isinstance(want, (int, float)):
        return got == got and abs(Decimal(str(got)) - Decimal(str(want))) < Decimal("0.005")
    return got == want


def _has_row(df, want: dict) -> bool:
    for r in df[df["level3"] == want["level3"]].to_dict("records"):
        if all(same_value(r[k], v) for k, v in want.items()):
            return True
    return False


def _seed_params():
    return [pytest.param(seed, source, id=f"{seed[:3]}-{source}") for seed in SEEDS for source in ("inline", "gold")]


@pytest.mark.parametrize("seed, source", _seed_params())
def test_seed_indicator_count(seed, source):
    want = expectations(seed, source)
    df = rows_of(corpus_tables(), "indicators", seed)
    assert len(df) >= want["indicators_min"]


@pytest.mark.parametrize("source", ["inline", "gold"])
@pytest.mark.parametrize("seed", SEEDS)
def test_seed_indicator_rows(seed, source):
    want = expectations(seed, source)
    df = rows_of(corpus_tables(), "indicators", seed)
    for row in want.get("indicator_rows", []):
        assert _has_row(df, row), f"{seed}: no indicators row {row}"


# Counted by hand in the seeds: every indicator row of every indicator table.
SEED_INDICATOR_COUNTS = {"000_bec74173f2fdd9ac": 0, "001_e2faa60e7ec703ad": 19, "002_23824e2a31c72555": 19,
                         "004_f3dc72fe58075eff": 26}


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_indicator_count_exact(seed):
    assert len(rows_of(corpus_tables(), "indicators", seed)) == SEED_INDICATOR_COUNTS[seed]


def _header_words() -> set[str]:
    return set(evaluation_roles("indicator"))


def _quality(df):
    has_level3 = df["level3"].notna() & (df["level3"].astype(str).str.len() > 0)
    has_value = df["target_raw"].notna() | df["score"].notna()
    return (has_level3 & has_value).mean()


def test_seed_indicator_rows_are_complete():
    df = corpus_tables()["indicators"]
    assert len(df) > 0
    assert _quality(df) >= 0.95
    for col in ("level1", "level2", "level3"):
        assert not df[col].isin(_header_words()).any(), f"a header row was emitted ({col})"


NINGDE = "宁德市人民政府办公室_2024_部门整体绩效自评表.pdf"
GUANGZHOU = "广州市政务服务和数据管理局_2026_部门整体预算绩效目标申报表.pdf"

SAMPLE_NINGDE_ROWS = [
    {"level3": "“三公”经费控制率", "operator": "≤", "target_value": 100, "target_unit": "%", "weight": 2, "score": 2},
    {"level3": "基本经费投入成本", "operator": "≤", "target_value": 3843.67, "target_unit": "万元", "actual_value": 4262.96, "weight": 4, "score": 0},
    {"level3": "市政府常务会议场次", "operator": "≥", "target_value": 30, "target_unit": "次", "actual_value": 20, "weight": 2, "score": 1.33},
    {"level3": "转办准确率", "operator": "≥", "target_value": 95, "target_unit": "%", "weight": 5, "score": 5},
    {"level3": "项目整体完成时限", "operator": "≤", "target_value": 12, "target_unit": "个月", "weight": 5, "score": 5},
]

SAMPLE_GUANGZHOU_ROWS = [
    {"level3": "政务云支撑系统数", "operator": "≥", "target_value": 1340, "target_unit": "个"},
    {"level3": "事件工单解决率", "operator": "≥", "target_value": 90, "target_unit": "%"},
    {"level3": "政务服务受理综合满意率", "operator": "≥", "target_value": 95, "target_unit": "%"},
    {"level3": "有效投诉率", "operator": "≤", "target_value": 1, "target_unit": "%"},
]


def test_sample_ningde_indicators():
    df = sample_tables(NINGDE)["indicators"]
    assert len(df) >= 15
    for row in SAMPLE_NINGDE_ROWS:
        assert _has_row(df, row), f"no indicators row {row}"
    assert df["weight"].notna().all() and df["score"].notna().all()
    assert _quality(df) >= 0.95


def test_sample_guangzhou_indicators():
    df = sample_tables(GUANGZHOU)["indicators"]
    assert len(df) >= 21
    for row in SAMPLE_GUANGZHOU_ROWS:
        assert _has_row(df, row), f"no indicators row {row}"
    assert df["target_raw"].notna().mean() >= 0.95


# --- a table broken by a page goes on in the next table block ------------------------------------

PAGE_1 = rows(
    """
项目名称|县人代会会议经费
一级指标|二级指标|三级指标|指标值|分值|得分
产出指标|数量指标|召开会议次数|≥2次|20|20
||补选代表人数|≥3人|20|20
"""
)
PAGE_2 = rows(
    """
||会议天数|=3天|20|20
效益指标|社会效益指标|推动代表履职|有效|20|18
总分|||100|98
"""
)


def _on_pages(text, pages):
    from dataclasses import replace

    return replace(text, blocks=tuple(replace(b, page=p) for b, p in zip(text.blocks, pages)))


def test_table_continues_after_a_page_break():
    text = _on_pages(make_text(PAGE_1, "- 3 -", PAGE_2), [3, 3, 4])
    got = text_to_indicators(text, None)
    assert [(i.subject, i.level1, i.level2, i.level3, i.page, i.table_id) for i in got] == [
        ("县人代会会议经费", "产出指标", "数量指标", "召开会议次数", 3, 1),
        ("县人代会会议经费", "产出指标", "数量指标", "补选代表人数", 3, 1),
        ("县人代会会议经费", "产出指标", "数量指标", "会议天数", 4, 2),
        ("县人代会会议经费", "效益指标", "社会效益指标", "推动代表履职", 4, 2),
    ]


def test_table_after_prose_is_not_a_continuation():
    text = make_text(PAGE_1, "二、项目资金使用情况：本年度项目资金全部按计划拨付到位，无结余。", PAGE_2)
    assert [i.level3 for i in text_to_indicators(text, None)] == ["召开会议次数", "补选代表人数"]


# --- a table that came through as paragraphs, cells separated by spaces ---------------------------

SPACED_PARAGRAPHS = [
    "专项预算项目绩效评价报告",
    "项目名称：县人代会会议经费",
    "一级指标 二级指标 三级指标 指标性质 指标值 度量单位 实际完成值 分值 得分",
    "产出指标 数量指标 召开会议次数 ≥ 2 次 2 20 20",
    "质量指标 会议质量 定性 优良中低差 优 20 20",
    "效益指标 社会效益指标 推动代表履职 定性 有效 有效 30 28",
    "满意度指标 服务对象满意度指标 代表满意度 ≥ 95 % 98 20 18",
    "总分 100 96",
    "该资金计划 26.07 万元，按照“先预算，再执行”的原则，在申报预算后拨款。",
]


def test_table_in_spaced_paragraphs():
    got = text_to_indicators(make_text(*SPACED_PARAGRAPHS), "米易县人大常委会办公室")
    assert [_row(i) for i in got] == [
        ("县人代会会议经费", "产出指标", "数量指标", "召开会议次数", "≥", D(2), "次", D(2), D(20), D(20)),
        ("县人代会会议经费", "产出指标", "质量指标", "会议质量", "定性", None, None, None, D(20), D(20)),
        ("县人代会会议经费", "效益指标", "社会效益指标", "推动代表履职", "定性", None, None, None, D(30), D(28)),
        ("县人代会会议经费", "满意度指标", "服务对象满意度指标", "代表满意度", "≥", D(95), "%", D(98), D(20), D(18)),
    ]
    assert {i.table_id for i in got} == {None}  # no table of the tables table


def test_prose_with_spaces_is_no_table():
    text = make_text(
        "一级指标 二级指标 三级指标 指标值",
        "该资金计划 26.07 万元，按照“先预算，再执行”的原则，在申报预算后拨款。",
    )
    assert text_to_indicators(text, None) == []


def test_prose_starting_with_a_label_word_names_nothing():
    table = rows(
        """
一级指标|二级指标|三级指标|指标值
产出指标|数量指标|培训人次|≥200人次
"""
    )
    text = make_text("专项预算项目绩效评价报告", "（县人代会会议经费）", "预算单位按照要求编制了绩效目标", table)
    (i,) = text_to_indicators(text, "某部门")
    assert i.subject == "县人代会会议经费"


# --- a DOCX table with merged cells ---------------------------------------------------------------


def _write_docx(path):
    import docx  # python-docx: a dependency of the pipeline (pipeline/read_docx.py)

    doc = docx.Document()
    doc.add_paragraph("2024年度项目支出绩效自评表")
    doc.add_paragraph("项目名称：县人代会会议经费")
    grid = [
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "召开会议次数", "≥", "2", "次", "2", "30", "30"],
        ["", "", "补选代表人数", "≥", "3", "人", "3", "30", "30"],
        ["", "质量指标", "会议质量", "定性", "优良中低差", "", "优", "20", "20"],
        ["满意度指标", "服务对象满意度指标", "代表满意度", "≥", "95", "%", "98", "20", "18"],
        ["总分", "", "", "", "", "", "", "100", "98"],
    ]
    table = doc.add_table(rows=len(grid), cols=len(grid[0]))
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(3, 0))  # 产出指标 over three rows
    table.cell(1, 1).merge(table.cell(2, 1))  # 数量指标 over two rows
    table.cell(5, 0).merge(table.cell(5, 6))  # 总分 across
    doc.save(path)


def test_docx_table_with_merged_cells(tmp_path):
    from pipeline.run import run

    src = tmp_path / "县人代会会议经费项目绩效自评表.docx"
    _write_docx(src)
    out = tmp_path / "out"
    run([str(src)], out, workers=1)
    import pandas as pd

    doc = pd.read_parquet(out / "documents").iloc[0]
    assert doc["status"] != "failed", doc["error"]
    ind = pd.read_parquet(out / "indicators")
    got = [(r["subject"], r["level1"], r["level2"], r["level3"], r["operator"]) for r in ind.to_dict("records")]
    assert got == [
        ("县人代会会议经费", "产出指标", "数量指标", "召开会议次数", "≥"),
        ("县人代会会议经费", "产出指标", "数量指标", "补选代表人数", "≥"),
        ("县人代会会议经费", "产出指标", "质量指标", "会议质量", "定性"),
        ("县人代会会议经费", "满意度指标", "服务对象满意度指标", "代表满意度", "≥"),
    ]
    scores = pd.read_parquet(out / "scores")
    assert [(r["subject"], float(r["score"]), float(r["max_score"])) for r in scores.to_dict("records")] == [
        ("县人代会会议经费", 98.0, 100.0)
    ]


def test_bare_actual_takes_the_target_unit():
    got = {i.level3: i for i in text_to_indicators(make_text(SAMPLE_NINGDE_TABLE), "宁德市人民政府办公室")}
    assert (got["基本经费投入成本"].actual_value, got["基本经费投入成本"].actual_unit) == (D("4262.96"), "万元")
    assert (got["市政府常务会议场次"].actual_value, got["市政府常务会议场次"].actual_unit) == (D(20), "次")


@pytest.mark.parametrize("seed", ["002_23824e2a31c72555", "004_f3dc72fe58075eff"])
def test_seed_indicator_weights_add_up(seed):
    """In every project form of seeds 002 and 004 the indicators carry 90 of the 100 points (budget
    execution carries the other 10), all of them scored in full, and the form's 总分/合计 says 100."""
    tables = corpus_tables()
    df = rows_of(tables, "indicators", seed)
    scores = rows_of(tables, "scores", seed)
    forms = df[df["weight"].notna()].groupby("subject")
    assert len(forms) >= 3
    for subject, form in forms:
        assert sum(Decimal(str(w)) for w in form["weight"]) == 90, subject
        assert sum(Decimal(str(s)) for s in form["score"]) == 90, subject
        total = scores[scores["subject"].apply(lambda s: same_subject(s, subject))]
        assert len(total) == 1 and same_value(total.iloc[0]["max_score"], 100), subject


def test_table_prefilter_drops_no_more_than_spaces():
    """may_hold looks for labels in a block's text with `str.split()` whitespace dropped; labels are
    compared with `\\s` (and tags) dropped: every `\\s` must be whitespace to str.split."""
    every = "".join(map(chr, range(0x110000)))
    spaces = regex.findall(r"\s", every)
    assert all(ch.isspace() for ch in spaces)
    # scores' whole-text anchor search runs on `re`, whose `\s` must take in every `\s` of `regex`
    assert set(spaces) <= set(re.findall(r"\s", every))
    from extractors.indicators import may_hold

    spaced = make_text([["三 级 指标", "指标值"]])
    assert may_hold(spaced, spaced.blocks[0], ("三级指标",))
    tagged = make_text([["三<b>级</b>指标", "指标值"]])
    assert may_hold(tagged, tagged.blocks[0], ("三级指标",))
    plain = make_text([["项目", "金额"]])
    assert not may_hold(plain, plain.blocks[0], ("三级指标",))


def test_heading_prefilter_anchors_are_needed():
    """The paragraph prefilter of subjects._heading_subject skips paragraphs without any heading
    pattern's required character: each pattern has one, derived from the pattern itself, and a
    heading that matches stops matching once those characters are gone."""
    import regex

    from extractors import subjects

    assert subjects._heading_anchors() is not None
    examples = ["（县人代会会议经费）", "2023年度县人代会会议经费专项预算项目绩效自评报告",
                "国企改革稳定专项资金绩效评价报告", "部门整体支出绩效评价报告"]
    for h, example in zip(subject_vocabulary()["heading"], examples):
        needed = required_chars(h["pattern"], verbose=True)
        assert needed, h["pattern"]
        pattern = regex.compile(h["pattern"], regex.VERBOSE)
        assert pattern.search(example)
        for chars in needed:
            assert not pattern.search("".join(c for c in example if c not in chars))
    assert not subjects._may_be_heading("本项目整体完成较好，资金到位及时。")
    assert subjects._may_be_heading("项目名称：县人代会会议经费")


def test_heading_prefilter_edges_are_needed():
    """A heading pattern anchored by ^ or $ on a few known characters skips paragraphs that start
    or end otherwise: the edges are derived from the patterns, and a matching heading stops
    matching once its edge character is another."""
    import regex

    from extractors import subjects

    examples = ["（县人代会会议经费）", "2023年度县人代会会议经费专项预算项目绩效自评报告",
                "国企改革稳定专项资金绩效评价报告", "部门整体支出绩效评价报告"]
    edges = subjects._heading_edges()
    assert edges[0] == (frozenset("（("), frozenset("）)"))
    assert edges[1][1] == frozenset("告表") and edges[3] == (None, None)
    for h, example, (first, last) in zip(subject_vocabulary()["heading"], examples, edges):
        pattern = regex.compile(h["pattern"], regex.VERBOSE)
        assert pattern.search(example)
        for chars in (first, last):
            # compact drops whitespace and tags: an edge of either kind says nothing
            assert chars is None or not any(c.isspace() or c in "<>" for c in chars)
        if first is not None:
            assert example[0] in first and not pattern.search("x" + example)
            assert subjects._may_be_heading("<b>" + example + "</b>")
        if last is not None:
            assert example[-1] in last and not pattern.search(example + "x")
        assert subjects._may_be_heading(example) and subjects._may_be_heading(" " + example + " ")
    assert not subjects._may_be_heading("（一）机构组成")
    assert subjects._may_be_heading("部门名称：县人大常委会办公室")


def test_long_paragraph_is_no_heading():
    """_heading_subject drops a paragraph whose text without whitespace is over MAX_HEADING before
    compacting it; a tag keeps it for compact to decide."""
    from extractors import subjects
    from extractors.subjects import MAX_HEADING

    pad = "县" * (MAX_HEADING - 8)
    for para, found in ((f"{pad}部门整体绩效报告", True), (f"{pad}部门整体绩效评价报告", False),
                        (f"{' '.join(pad)}部门整体绩效报告", True), (f"<b>{pad}</b>部门整体绩效报告", True)):
        text = make_text(para)
        assert len(subjects.compact(para)) - MAX_HEADING == (0 if found else 2)
        got = subjects._heading_subject(text.blocks, 0, text.text, None)
        assert (got is not None) == found, para


def test_indicator_records_are_the_dataclass_records():
    """_part_indicators makes its records as pipeline.textutil.new_record does: each is equal to
    the record its dataclass makes from the same fields, with every field, in order."""
    import dataclasses
    from pathlib import Path

    from pipeline.normalise import source_to_text
    from pipeline.load import read_source
    from pipeline.records import Indicator

    names = [f.name for f in dataclasses.fields(Indicator)]
    seen = 0
    for seed in ("002_23824e2a31c72555", "004_f3dc72fe58075eff"):
        text = source_to_text(read_source(Path(__file__).parent.parent / "corpus" / f"{seed}.txt"))
        for ind in text_to_indicators(text, None):
            assert list(vars(ind)) == names and ind == Indicator(**vars(ind))
            seen += 1
    assert seen > 20
