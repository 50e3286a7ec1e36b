"""Projects: budget-execution tables, prose figures, codes; exact 万元."""
from __future__ import annotations

from decimal import Decimal

import pytest
import regex

from extractors import units
from extractors.projects import text_to_projects, to_wan, vocabulary
from extractors.scores import squeeze
from extractors.subjects import clean_name, same_subject
from pipeline.prefilter import needs_one_of
from pipeline.table_model import evaluation_roles
from tests.test_indicators import SEED_002_PROJECT_TABLE
from tests.textbuild import make_text, rows

D = Decimal

SEED_002_FUNDS = rows(
    """
项目名称||专项工作经费|||||||
主管部门||曲靖市沾益区人民代表大会常务委员会||实施单位|曲靖市沾益区人民代表大会常务委员会||||
项目资金 (万元)||年初预算数|全年预算数|全年执行数|分值|执行率|得分||
||年度资金总额|29.77|29.77|29.77|10|100.00%|10|
||其中：当年财政拨款|29.77|29.77|29.77|—|100.00%|—|
||上年结转资金||||—||—|
"""
)
SEED_002_FUNDS_WITH_INDICATORS = SEED_002_FUNDS + SEED_002_PROJECT_TABLE[1:]

SEED_002_TASKS = rows(
    """
<b>二、部门年度重点工作任务</b>||||||||
任务名称|项目级次|主要内容|批复金额（万元）|||实际支出金额（万元）|预算执行率|预算执行偏低原因及改进措施
|||总额|财政拨款|其他资金|||
2023年曲靖市人大代表履职能力提升专项资金|市级|主要用于支持和保障区人大常委会加强代表履职培训|10.56|10.56||10.56|100.00%|无偏差
曲靖市沾益区人代会会议经费|区级|主要用于召开区三届三次人代会|41.61|41.61||41.61|100.00%|无偏差
<b>三、部门整体支出绩效指标</b>||||||||
一级指标|二级指标|三级指标|指标性质|指标值|度量单位|实际完成值|偏差原因分析及改进措施|
产出指标|数量指标|召开沾益区人民代表大会1-2次|≥|100.00%|%|100.00%|无偏差|
"""
)

SEED_004_FORM = rows(
    """
部门预算项目支出绩效自评表（2023年度）
项目名称|51042122Y000004782652-党政网络、网站运行维护经费
主管部门|米易县人民政府办公室部门|实施单位 （盖章）|米易县人民政府办公室
预算执行情况（10分）|年度预算数（万元）|年初预算|调整后预算数|预算执行数|预算执行率|权重|得分
|总额|36.12|25.91|25.91|100.00%|10|10
|其中：财政资金|36.12|25.91|25.91|100.00%|/|/
|财政专户管理资金|0.00|0.00|0.00|0.00%|/|/
|其他资金|||||/|/
绩效指标（90分）|一级指标|二级指标|三级指标|指标性质|指标值|度量单位|完成值|权重|得分
|产出指标|时效指标|完成时间|＝|12|月|已全部完成|10|10
合计|100|100
"""
)

SEED_004_PLAN = rows(
    """
|年度预算数（万元）|年初预算|调整后预算数|预算执行数|预算执行率
|总额|36.12|25.91|25.91|100.00%
|其中：财政资金|36.12|25.91|25.91|100.00%
"""
)

SYNTHETIC_BAIYUAN = rows(
    """
项目名称|农村饮水安全巩固提升工程
预算执行情况|预算额（百元）|执行额（百元）|执行率
合计|87759|87759|100%
其中：中央资金|50000|50000|100%
"""
)

SAMPLE_NINGDE_FUNDS = rows(
    """
专项名称|||127部门整体
财政资金安排和使用情况||预算安排|||拨付情况||分值|得分
|年初预算数|全年预算数|小计|年度拨付金额|支出实现率||
合计|9209.55|9999.77|9999.77|8874.74|88.75|10|7
"""
)

# id: (items, expected rows (name, code, initial, adjusted, executed, rate, score, grade))
EXAMPLES = {
    "seed002:form with shifted money row and 总分": (
        ["2023年度项目支出绩效自评表", SEED_002_FUNDS_WITH_INDICATORS],
        [("专项工作经费", None, D("29.77"), D("29.77"), D("29.77"), D("100.00"), D(100), "优")],
    ),
    "seed002:one project per row (任务名称)": (
        [SEED_002_TASKS],
        [
            ("2023年曲靖市人大代表履职能力提升专项资金", None, None, D("10.56"), D("10.56"), D("100.00"), None, None),
            ("曲靖市沾益区人代会会议经费", None, None, D("41.61"), D("41.61"), D("100.00"), None, None),
        ],
    ),
    "seed004:form with code, prose score before it": (
        ["3.党政网站、网络运行维护经费项目绩效自评得分为100分。绩效自评综述：项目全年预算数25.91万元，执行数为25.91万元，完成预算的100%。", SEED_004_FORM],
        [("党政网络、网站运行维护经费", "51042122Y000004782652", D("36.12"), D("25.91"), D("25.91"), D("100.00"), D(100), None)],
    ),
    "seed004:资金计划 table under a project report heading": (
        ["2023年专项资金预算项目绩效自评报告", "（党政网站、网络运行维护经费项目）", "1．资金计划", SEED_004_PLAN,
         "该项目全年支出金额为25.91万元。"],
        [("党政网站、网络运行维护经费", None, D("36.12"), D("25.91"), D("25.91"), D("100.00"), None, None)],
    ),
    "seed000:该资金计划 in prose": (
        ["专项预算项目绩效评价报告", "（县人代会会议经费）", "二、项目资金申报及使用情况",
         "该资金计划 26.07 万元，按照“先预算，再执行”的原则，在申报预算后拨款，资金到位率 100%。"],
        [("县人代会会议经费", None, D("26.07"), None, None, None, None, None)],
    ),
    "seed004:prose only, 全年预算数 and 执行数": (
        ["2.2022年度政府工作经费项目绩效自评得分为100分。绩效自评综述：项目全年预算数2.00万元，执行数为2.00万元，完成预算的100%。"],
        [("2022年度政府工作经费", None, None, D("2.00"), D("2.00"), None, D(100), None)],
    ),
    "synthetic:百元 table": (
        [SYNTHETIC_BAIYUAN],
        [("农村饮水安全巩固提升工程", None, None, D("877.59"), D("877.59"), D(100), None, None)],
    ),
    "synthetic:百元 expense items under a project report, only the 合计 counts": (
        ["2024年项目支出绩效自评报告", "（农村饮水安全巩固提升工程项目）", "（二）预算执行情况",
         rows(
             """
项目|预算额（百元）|执行额（百元）
工程建设费|80000|80000
监理费|7759|7759
合计|87759|87759
"""
         )],
        [("农村饮水安全巩固提升工程", None, None, D("877.59"), D("877.59"), None, None, None)],
    ),
    "synthetic:任务名称 table with a 合计 row": (
        [rows(
            """
任务名称|批复金额（万元）|实际支出金额（万元）|预算执行率
乡村道路养护|120.00|115.00|95.83%
合计|120.00|115.00|95.83%
"""
        )],
        [("乡村道路养护", None, None, D("120.00"), D("115.00"), D("95.83"), None, None)],
    ),
    "sample:福州 绩效目标表 资金总额": (
        [rows(
            """
外伤医疗费用结算审核服务费项目绩效目标表||||
项目名称|外伤医疗费用结算审核服务费|||
主管部门|福州市医疗保障局||实施单位|福州市医疗保障局
专项资金情况（万元）|资金总额||118.00|
|财政拨款||118.00|
绩效目标指标|一级指标|二级指标|三级指标|指标值
|产出指标|数量指标|服务覆盖率|=100%
"""
        )],
        [("外伤医疗费用结算审核服务费", None, D("118.00"), None, None, None, None, None)],
    ),
    "sample:长沙 one project per row, 预算批复 and 实际执行, issuer in the title": (
        ["长沙市财政项目支出绩效评价报告", "长沙市财政局制", "国企改革稳定专项资金绩效评价报告",
         "2020年国企改革稳定专项资金预算批复金额13,237万元，指标下达13,237万元，实际执行12,679.21万元。",
         "①破产改制企业资金缺口弥补预算6,000万元，实际支出5,974万元，预算执行率99.57%。",
         rows(
             """
序号|项目名称|预算批复|预算到位|实际执行|执行率|指标结余|超支或结余资金原因及处理
|合计|13,237.00|13,237.00|12,679.21|95.79%|557.79|
一|破产改制企业资金缺口弥补|6,000.00|6,000.00|5,974.00|99.57%|26.00|
1|弥补破产改制企业资金缺口|5,000.00|5,000.00|4,974.00|99.48%|26.00|根据企业改办联审结果安排资金
"""
         )],
        [
            # the table's 合计 is the fund the report is about
            ("国企改革稳定专项资金", None, None, D("13237.00"), D("12679.21"), D("95.79"), None, None),
            ("破产改制企业资金缺口弥补", None, None, D("6000.00"), D("5974.00"), D("99.57"), None, None),
            ("弥补破产改制企业资金缺口", None, None, D("5000.00"), D("4974.00"), D("99.48"), None, None),
        ],
    ),
    "seed001:a list of projects with budgets": (
        ["2024年项目支出预算236万元：县人大代表活动经费31.00万元；国、省人大代表专项活动经费20.00万元；"
         "农民健康行、环保世纪行、司法公正安化行40.00万元；人大财政预算联网服务运行维护费20万元；",
         "上述实际使用236万元，经费严格按项目支出类别进行支出。"],
        [
            ("县人大代表活动经费", None, D("31.00"), None, None, None, None, None),
            ("国、省人大代表专项活动经费", None, D("20.00"), None, None, None, None, None),
            ("农民健康行、环保世纪行、司法公正安化行", None, D("40.00"), None, None, None, None, None),
            ("人大财政预算联网服务运行维护费", None, D("20"), None, None, None, None, None),
        ],
    ),
    "synthetic:one amount after a colon is no list": (
        ["2024年项目支出预算236万元：全部用于县人大代表活动经费236万元。"],
        [],
    ),
    "sample:长沙 a part's figures are not the fund's": (
        ["国企改革稳定专项资金绩效评价报告", "（二）项目资金使用情况",
         "①破产改制企业资金缺口弥补预算6,000万元，实际支出5,974万元，预算执行率99.57%。",
         "该项目全年支出金额为12,679.21万元。"],
        [("国企改革稳定专项资金", None, None, None, D("12679.21"), None, None, None)],
    ),
    "synthetic:元 figures in prose": (
        ["2023年度乡村道路养护项目绩效自评报告", "项目年初预算金额为 1,200,000 元，实际支出 1,150,000元，预算执行率95.83%。"],
        [("乡村道路养护", None, D(120), None, D(115), D("95.83"), None, None)],
    ),
    "sample:宁德 部门整体 money is no project": (
        [SAMPLE_NINGDE_FUNDS],
        [],
    ),
    # 广州 政务服务和数据管理局 2026 项目支出绩效目标表 p1 (abridged): one project per row, 总计 the
    # budget asked for, the unit's own subtotal rows (no 绩效指标) and 合计 are no projects; a name
    # as printed, 项目 included.
    "sample:广州 目标表, 总计 is the budget asked for": (
        [rows(
            """
项目名称（资金使用单位）|总计|财政拨款|财政专户拨款|其他资金|绩效目标|绩效指标
合计|86,246.64|86,246.64|||||
广州市政务服务和数据管理局|16,926.32|16,926.32|||||
广州市政务服务和数据管理局数字政府运营中心穗智管运营服务项目|1,391.47|1,391.47|||通过“穗智管”运营服务项目的开展|1、1-产出指标；11-数量指标；汇聚数据量；实施周期指标值:≥10亿条；年度指标值:≥10亿条。
政务信息化项目管理经费|365.50|365.50|||完成2026年度约400个全市信息化项目的立项|1、1-产出指标；11-数量指标；立项\\终验审核数量值；实施周期指标值:≥400个；年度指标值:≥400个。
"""
        )],
        [("广州市政务服务和数据管理局数字政府运营中心穗智管运营服务项目", None, D("1391.47"), None, None, None, None, None),
         ("政务信息化项目管理经费", None, D("365.50"), None, None, None, None, None)],
    ),
    "sample:广州 生态环境局 目标表, 总计：": (
        [rows(
            """
项目名称（资金使用单位）|总计：|财政拨款|财政专户拨款|其他资金|绩效目标|绩效指标
合计：|37,367.86|35,790.09||1,577.77|||
广州市生态环境局|12,887.86|12,887.86|||||
广州市镇（街）园区环保监督检查员经费（越秀区）|238.00|238.00|||通过开展|1.1-产出指标，11-数量指标，项目专职环保员数量；年度指标值：≦核定人数
"""
        )],
        [("广州市镇（街）园区环保监督检查员经费（越秀区）", None, D("238.00"), None, None, None, None, None)],
    ),
    # a two-row header: 项目名称 and 全年执行数 merged down, 预算数（元） spanning 年初 | 全年 (its unit
    # is theirs), 执行率 before the amounts
    "synthetic:two-row header in 元, columns in another order": (
        [rows(
            """
项目名称|执行率|预算数（元）||全年执行数（元）
||年初预算数|全年预算数|
乡村道路养护|95.83%|1,200,000|1,200,000|1,150,000
"""
        )],
        [("乡村道路养护", None, D(120), D(120), D(115), D("95.83"), None, None)],
    ),
}


def _key(p):
    return (p.name, p.code, p.budget_initial_wan, p.budget_adjusted_wan, p.executed_wan, p.execution_rate, p.score, p.grade)


@pytest.mark.parametrize("example", list(EXAMPLES))
def test_projects(example):
    items, expected = EXAMPLES[example]
    got = [_key(p) for p in text_to_projects(make_text(*items), "某部门")]
    assert got == expected


def test_money_is_exact_decimal():
    (p,) = text_to_projects(make_text(SYNTHETIC_BAIYUAN), None)
    assert isinstance(p.budget_adjusted_wan, Decimal)
    assert p.budget_adjusted_wan == D("877.59") and str(p.budget_adjusted_wan) == "877.59"


@pytest.mark.parametrize(
    "value, unit, wan",
    [
        pytest.param(D("87759"), "百元", D("877.59"), id="百元"),
        pytest.param(D("1054.82"), "万元", D("1054.82"), id="万元"),
        pytest.param(D("10548200.00"), "元", D("1054.82"), id="元"),
        pytest.param(D("3"), "千元", D("0.3"), id="千元"),
        pytest.param(D("1.5"), "亿元", D("15000"), id="亿元"),
    ],
)
def test_to_wan(value, unit, wan):
    assert to_wan(value, unit) == wan


@pytest.mark.parametrize(
    "raw, code, name",
    [
        pytest.param("51042122Y000004782652-党政网络、网站运行维护经费", "51042122Y000004782652", "党政网络、网站运行维护经费", id="seed004:code"),
        pytest.param("51042123Y000007599028-援藏援彝等其他项目", "51042123Y000007599028", "援藏援彝等其他", id="seed004:code+项目"),
        pytest.param("1.政府工作专项经费项目", None, "政府工作专项经费", id="seed004:numbered"),
        pytest.param("县人代会会议经费专项预算项目", None, "县人代会会议经费", id="seed000:专项预算项目"),
        pytest.param("（二）乡村道路养护项目", None, "乡村道路养护", id="synthetic:（二）"),
    ],
)
def test_clean_name(raw, code, name):
    assert clean_name(raw) == (code, name)


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("党政网站、网络运行维护经费", "党政网络、网站运行维护经费", True),
        ("曲靖市沾益区人大专项工作经费", "专项工作经费", True),
        ("三届三次人代会工作费", "曲靖市沾益区人代会会议经费", False),
        ("政府工作专项经费", "2022年度政府工作经费", False),
    ],
)
def test_same_subject(a, b, same):
    assert same_subject(a, b) is same


def test_project_vocabulary_is_valid():
    v = vocabulary()
    names = set(evaluation_roles("project").values())  # the table model's roles (their file's test)
    assert set(v["detect"]["money_roles"]) <= names
    regex.compile(v["units"]["pattern"], regex.VERBOSE)
    fields = {"budget_initial", "budget_adjusted", "executed", "rate"}
    assert units.canonical_unit(v["units"]["default"]) == v["units"]["default"]
    for p in v["prose"]:
        assert p["field"] in fields
        compiled = regex.compile(p["pattern"], regex.VERBOSE)
        assert "value" in compiled.groupindex
        assert ("unit" in compiled.groupindex) == (p["field"] != "rate")
        m = compiled.search(squeeze(p["example"])[0])
        assert m, f"{p['field']} pattern does not match its example"
        assert m["value"] in p["example"]
        if "unit" in compiled.groupindex:
            assert units.canonical_unit(m["unit"]), f"unknown unit {m['unit']}"
    listed = v["prose_list"]
    assert listed["field"] in fields and listed["min_items"] >= 2
    for key in ("intro", "item"):
        regex.compile(listed[key], regex.VERBOSE)
    assert {"name", "value", "unit"} <= set(regex.compile(listed["item"], regex.VERBOSE).groupindex)
    assert regex.compile(listed["intro"], regex.VERBOSE).search(listed["example"])
    for u in ("亿元", "万元", "千元", "百元", "元", "万", "亿"):  # every unit the header pattern names
        m = regex.compile(v["units"]["pattern"], regex.VERBOSE).search(f"单位：{u}")
        assert m and units.canonical_unit(m["u1"] or m["u2"])
    for key, labels in v["rows"].items():
        assert len(labels) == len(set(labels)), f"duplicate in rows.{key}"


def test_every_prose_pattern_needs_an_anchor_and_a_unit():
    """_prose_projects reads only paragraphs holding an anchor word and a unit."""
    v = vocabulary()
    words, units_ = v["prose_anchors"]["words"], v["prose_anchors"]["units"]
    for pattern in [p["pattern"] for p in v["prose"]] + [v["prose_list"]["intro"]]:
        assert needs_one_of(pattern, words), f"{pattern} can match without an anchor word"
        assert needs_one_of(pattern, units_), f"{pattern} can match without a unit"


# --- the real pipeline on the corpus seeds -------------------------------------------------------

from tests.evalrun import SEEDS, corpus_tables, expectations, rows_of  # noqa: E402
from tests.test_indicators import same_value  # noqa: E402

GOLD_COLUMNS = {
    "budget_initial": "budget_initial_wan",
    "budget_full_year": "budget_adjusted_wan",
    "budget_adjusted": "budget_adjusted_wan",
    "executed": "executed_wan",
    "code": "code",
}


def _has_project(df, want: dict) -> bool:
    for r in df.to_dict("records"):
        if want["name_contains"] not in (r["name"] or ""):
            continue
        if all(same_value(r[GOLD_COLUMNS[k]], v) for k, v in want.items() if k != "name_contains"):
            return True
    return False


@pytest.mark.parametrize("source", ["inline", "gold"])
@pytest.mark.parametrize("seed", SEEDS)
def test_seed_projects(seed, source):
    want = expectations(seed, source)
    df = rows_of(corpus_tables(), "projects", seed)
    for p in want["projects"]:
        assert _has_project(df, p), f"{seed}: no projects row {p}"


def test_seed_project_money_adds_up():
    df = corpus_tables()["projects"]
    assert len(df) > 0
    both = df[df["budget_adjusted_wan"].notna() & df["executed_wan"].notna()]
    for r in both.to_dict("records"):
        assert Decimal(str(r["executed_wan"])) <= Decimal(str(r["budget_adjusted_wan"])), r


# Every projects row of every seed, checked by hand against the seed texts:
# (name, code, initial, adjusted, executed, rate, score, grade)
SEED_PROJECTS = {
    "000_bec74173f2fdd9ac": [
        ("县人代会会议经费", None, 26.07, None, None, None, 95, None),  # 该资金计划 26.07 万元
        ("县人大代表活动经费", None, 23.7, None, None, None, 95, "优"),
    ],
    "001_e2faa60e7ec703ad": [  # 2024年项目支出预算236万元：… (a list; the ten add up to 236)
        ("县人大代表活动经费", None, 31, None, None, None, None, None),
        ("国、省人大代表专项活动经费", None, 20, None, None, None, None, None),
        ("乡镇人大工作经费", None, 35, None, None, None, None, None),
        ("农民健康行、环保世纪行、农产品质量安全行、民族团结进步行、司法公正安化行", None, 40, None, None, None, None, None),
        ("县人大常委会组成人员履职培训与人大系统工作人员业务培训", None, 20, None, None, None, None, None),
        ("机关基层党组织活动经费", None, 6.78, None, None, None, None, None),
        ("离退休干部公用经费", None, 4, None, None, None, None, None),
        ("县人大常委会会议、主任会议及县委交办专题调研及执法检查等工作", None, 39.22, None, None, None, None, None),
        ("财政绩效评价（人大与财政同步监督）", None, 20, None, None, None, None, None),
        ("人大财政预算联网服务运行维护费", None, 20, None, None, None, None, None),
    ],
    "002_23824e2a31c72555": [
        ("2023年曲靖市人大代表履职能力提升专项资金", None, 10.56, 10.56, 10.56, 100, 100, "优"),
        ("曲靖市沾益区人大专项工作经费", None, 29.77, 29.77, 29.77, 100, 100, "优"),
        # the 重点工作任务 row names it 人代会会议经费, the form 三届三次人代会工作费: two rows
        ("曲靖市沾益区人代会会议经费", None, None, 41.61, 41.61, 100, None, None),
        ("三届三次人代会工作费", None, 41.61, 41.61, 41.61, 100, 100, "优"),
    ],
    "004_f3dc72fe58075eff": [
        ("政府工作专项经费", "51042123T000008813910", 100, 95.83, 95.83, 96.96, 100, None),
        ("2022年度政府工作经费", "51042122T000006523456", 2.04, 2.0, 2.0, 96.96, 100, None),
        ("党政网络、网站运行维护经费", "51042122Y000004782652", 36.12, 25.91, 25.91, 100, 100, None),
        ("援藏援彝等其他", "51042123Y000007599028", 0.79, 3.64, 3.64, 100, 100, None),
    ],
}
PROJECT_COLUMNS = ["name", "code", "budget_initial_wan", "budget_adjusted_wan", "executed_wan", "execution_rate", "score", "grade"]


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_projects_exact(seed):
    df = rows_of(corpus_tables(), "projects", seed)
    got = [tuple(r[c] for c in PROJECT_COLUMNS) for r in df.to_dict("records")]
    want = SEED_PROJECTS[seed]
    assert len(got) == len(want), got
    for g, w in zip(got, want):
        assert all(same_value(a if a == a else None, b) for a, b in zip(g, w)), (g, w)


# --- real samples (run once the pipeline reads PDFs) ----------------------------------------------

from tests.evalrun import sample_tables  # noqa: E402

CHANGSHA = "长沙市国资委_2020_项目支出绩效评价报告.pdf"
FUZHOU = "福州市医疗保障局_2026_部门预算.pdf"


def _project(df, name):
    rows = [r for r in df.to_dict("records") if r["name"] == name]
    assert len(rows) == 1, f"{name}: {len(rows)} rows"
    return rows[0]


def test_sample_changsha_projects():
    tables = sample_tables(CHANGSHA)
    df = tables["projects"]
    fund = _project(df, "国企改革稳定专项资金")  # the report's fund: the 合计 of its project list
    assert same_value(fund["budget_adjusted_wan"], 13237) and same_value(fund["executed_wan"], 12679.21)
    assert same_value(fund["execution_rate"], 95.79)
    assert same_value(fund["score"], 92.25) and fund["grade"] == "优"  # 项目综合评分92.25分，评价级次为优
    item = _project(df, "应急资金")
    assert same_value(item["budget_adjusted_wan"], 280) and same_value(item["executed_wan"], 70)
    assert len(df) >= 17
    scores = tables["scores"]
    assert [(r["subject"], r["scope"]) for r in scores.to_dict("records")] == [("国企改革稳定专项资金", "project")]


def test_sample_fuzhou_declared_budgets():
    tables = sample_tables(FUZHOU)
    p = _project(tables["projects"], "外伤医疗费用结算审核服务费")
    assert same_value(p["budget_initial_wan"], 118)
    ind = tables["indicators"]
    assert len(ind) >= 100
    rows = ind[ind["subject"] == "外伤医疗费用结算审核服务费"]
    assert {(r["level3"], r["operator"], float(r["target_value"]), r["target_unit"]) for r in rows.to_dict("records")} >= {
        ("服务覆盖率", "=", 100.0, "%"),
        ("投诉业务部门不作为的投诉件数量", "≤", 3.0, "件"),
    }


def test_seed001_listed_budgets_add_up_to_their_total():
    df = rows_of(corpus_tables(), "projects", "001_e2faa60e7ec703ad")
    total = sum(Decimal(str(v)) for v in df["budget_initial_wan"])
    assert total == Decimal("236")  # 2024年项目支出预算236万元
