"""Metadata for the documents table: examples by origin."""
from __future__ import annotations

from collections import Counter

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import metadata as md
from extractors.metadata import text_to_metadata
from pipeline.normalise import decoded_to_text
from pipeline.records import Decoded, Grid, Para
from schemas.vocab import read_toml
from tests.conftest import SEED_IDS, seed_text


def meta_of(*blocks):
    return text_to_metadata(decoded_to_text("x", Decoded(blocks=tuple(blocks))))


SEEDS = [
    ("000", dict(county="米易县", department="米易县人大常委会办公室", fiscal_year=2024,
                 doc_kinds=("dept_performance", "project_performance"))),
    ("001", dict(county="安化县", department="安化县人大常委会办公室", fiscal_year=2024, doc_kinds=("dept_performance",))),
    ("002", dict(city="曲靖市", county="沾益区", department="沾益区人民代表大会常务委员会", fiscal_year=2023,
                 doc_kinds=("dept_performance", "project_performance"))),
    ("004", dict(county="米易县", department="米易县人民政府办公室", fiscal_year=2023, title="2023年度米易县人民政府办公室部门决算",
                 doc_kinds=("final_accounts", "dept_performance", "project_performance"))),
]


@pytest.mark.parametrize("prefix,expected", [pytest.param(p, e, id=f"seed {p}") for p, e in SEEDS])
def test_seed_metadata(prefix, expected):
    m = text_to_metadata(seed_text(prefix))
    assert {k: getattr(m, k) for k in expected} == expected


SYNTHETIC = [
    ("budget title with province and city",
     [Para("四川省资阳市乐至县财政局2025年部门预算"), Para("乐至县财政局主要职责……"), Para("乐至县财政局2025年收支预算总表")],
     dict(province="四川省", city="资阳市", county="乐至县", department="乐至县财政局", fiscal_year=2025, doc_kinds=("budget",))),
    ("department from a 部门名称 cell",
     [Para("2024年度部门整体支出绩效自评表"), Grid(rows=(("部门名称", "安化县人大常委会办公室"),))],
     dict(department="安化县人大常委会办公室", fiscal_year=2024, doc_kinds=("dept_performance",))),
    ("target declaration",
     [Para("广州市政务服务和数据管理局2026年部门整体预算绩效目标申报表")],
     dict(city="广州市", fiscal_year=2026, doc_kinds=("target_declaration",))),
    ("a city's name whole, not its piece 枝花市",
     [Para("2023年度部门决算"), Para("攀枝花市米易县人民政府办公室")],
     dict(city="攀枝花市", county="米易县")),
    ("社区 is not a county",
     [Para("某某社区居民委员会工作报告"), Para("辖区内社区服务")],
     dict(county=None)),
]


# Lines as printed on real samples (../shared/samples/), by sample and page: each failed before issue 16.
SAMPLES = [
    # cities/广州__城市管理和综合执法局_2026年部门预算.pdf
    ("广州 城市管理 p3: 行政区域 is no 行政区",
     [Para("广州市城市管理和综合执法局部门预算"), Para("十是负责全市行政区域内水域市容环境卫生监督管理。负责全市行政区域内建筑废弃物监督管理。")],
     dict(county=None, doc_kinds=("budget",))),
    ("广州 城市管理 p3: 部门和区人民政府 is no 门和区",
     [Para("广州市城市管理和综合执法局部门预算"), Para("九是协调、监督、考核区和市相关部门和区人民政府履行井盖设施维护管理职责。")],
     dict(county=None)),
    ("广州 城市管理 p21: a 项目支出 table with a 绩效目标 column is a target declaration",
     [Para("广州市城市管理和综合执法局部门预算"),
      Grid(rows=(("支出项目类别（资金使用单位）", "总计", "财政拨款", "绩效目标"), ("合计", "3,700.15", "3,700.15", "")))],
     dict(doc_kinds=("budget", "target_declaration"))),
    # cities/广州__政务服务和数据管理局_2026年项目支出绩效目标表.pdf
    ("广州 政务服务: 市广域和区广域 and 政务区块链 name no county; 实施周期指标值 is the target form",
     [Grid(rows=(("项目名称（资金使用单位）", "总计", "绩效目标", "绩效指标"),
                 ("广州市政务服务和数据管理局2023年统一政务区块链基础平台及跨链应用项目", "18.85", "",
                  "2、1-产出指标；11-数量指标；市广域和区广域骨干层链路带宽；实施周期指标值:≥10G；年度指标值:≥10G。")))],
     dict(county=None, doc_kinds=("target_declaration",))),
    # cities/泉州__2026年泉州市人民政府办公室部门预算.pdf (held out: the cause, not the file)
    ("泉州 办公室 p5, p28: 台商投资区 is where a sub-unit sits; 项目支出绩效目标表 declares, evaluates nothing",
     [Para("部门预算"), Para("泉州开发区管委会、泉州台商投资区管委会请示市政府的事项"), Para("项目支出绩效目标表")],
     dict(county=None, doc_kinds=("budget", "target_declaration"))),
    # county/平潭_澳前片区开发管理局_2015_决算说明.txt (held out)
    ("平潭 澳前 2015: 项目经费区财政 is 经费 + 区财政",
     [Para("原因是2015年安征迁项目经费区财政主要安排在公共预算。")],
     dict(county=None)),
    # county/平潭_三甲医院建设指挥部_2016_部门决算说明.txt, line 1
    ("平潭 三甲医院 line 1: the 标题 label is no name; the longest body the title names",
     [Para("标题: 2016年度平潭综合实验区三甲医院建设指挥部部门决算说明")],
     dict(department="平潭综合实验区三甲医院建设指挥部", fiscal_year=2016)),
    # county/平潭_东庠乡人民政府_2014_决算说明.txt, line 1
    ("平潭 东庠乡 line 1: a 乡人民政府 is a body",
     [Para("标题: 2014年度平潭综合实验区东庠乡人民政府决算说明"), Para("实验区财政金融局下达经费")],
     dict(department="平潭综合实验区东庠乡人民政府")),
    # county/平潭_三甲医院建设指挥部_2016_部门决算说明.txt, line 10: 平潭综合实验区 is always used whole
    ("平潭 三甲医院 line 10: the name used whole, not its piece 实验区",
     [Para("标题: 2016年度平潭综合实验区三甲医院建设指挥部部门决算说明"),
      Para("2016年度平潭综合实验区三甲医院建设指挥部部门决算说明 按照《平潭综合实验区财政金融局关于批复2016年度部门决算的通知》")],
     dict(county="平潭综合实验区", department="平潭综合实验区三甲医院建设指挥部")),
    # cities/无锡__2026年无锡市交通运输局部门预算.pdf, p1 and p15: the unit budget of the 本级
    ("无锡 交通运输局 p15: 单位：…（本级） names the body",
     [Para("2026 年度"), Para("无锡市交通运输局（本级）"), Para("单位预算公开"),
      Grid(rows=(("收入总表", "", ""), ("单位：无锡市交通运输局（本级）", "", "单位：万元")))],
     dict(city="无锡市", county=None, department="交通运输局（本级）", fiscal_year=2026)),
    # 宁德市人民政府办公室_2024_部门整体绩效自评表.pdf: one table, its title only its caption
    ("宁德 自评表 p1: the caption is the title and states the year",
     [Grid(rows=(("专项名称", "127部门整体"), ("部门（单位）名称", "宁德市人民政府办公室")), caption="部门整体绩效自评表 （2024年度）")],
     dict(title="部门整体绩效自评表 （2024年度）", city="宁德市", fiscal_year=2024, doc_kinds=("dept_performance",))),
    # 广州市政务服务和数据管理局_2026_部门整体预算绩效目标申报表.pdf: 提升广州 is no city
    ("广州 政务服务 申报表 p1: the 部门名称 field's city, not 升广州",
     [Grid(rows=(("部门名称", "广州市政务服务和数据管理局"),
                 ("为提升广州政府治理体系和治理能力现代化水平提供有力支撑。", "12,000.00")))],
     dict(city="广州市", department="政务服务和数据管理局")),
    # cities/广州__城市管理和综合执法局_2026年部门预算.pdf, p36: 市政府 is the city's own government
    ("广州 城市管理 p36: 根据市政府 is no city 根据市",
     [Para("广州市城市管理和综合执法局部门预算"), Para("一是根据市政府工作会议纪要，不再负责海洋垃圾清理工作。"),
      Para("一是根据市政府工作会议纪要，仅需安排上年度合同尾款。")],
     dict(city="广州市")),
    # cities/广州__2026年广州市卫生健康委员会部门预算.pdf, p4 and p111; cities/福州__2026年福州市民政局部门预算.pdf, p4
    ("广州 卫生健康 p111, 福州 民政局 p4: 促进全省, 国务院和省政府 name no province",
     [Para("广州市卫生健康委员会部门预算"), Para("扩大我院肿瘤专科知名度和影响力，促进全省卫生事业的发展。"),
      Para("指导和审核市内各级行政区域需报国务院和省政府审批的行政区划设立。")],
     dict(province=None, city="广州市")),
    # cities/广州__2026年广州市卫生健康委员会部门预算.pdf, p4: the city's body and its districts
    ("广州 卫生健康 p4: a city's body names a district now and then; 指导区 is 指导 + 区",
     [Para("广州市卫生健康委员会部门预算"), Para("广州市卫生健康委员会主要职责"),
      Para("（八）指导区卫生健康工作。指导基层医疗卫生、妇幼健康服务体系和全科医生队伍建设。"),
      Para("广州市卫生健康委员会2026年收支预算总表")],
     dict(city="广州市", county=None)),
    # cities/广州__水务局_2026年部门预算.pdf: 海珠区 is where one of its works is
    ("广州 水务局: a city's body names the district of one of its works",
     [Para("广州市水务局部门预算"), Para("广州市水务局主要职责"), Para("实现“一河两岸、一岸一渡”的目标。 广州市海珠区黄埔涌水闸工程"),
      Para("广州市水务局2026年收支预算总表")],
     dict(city="广州市", county=None, department="水务局")),
    # 上海普陀区委社会工作部_2024_部门决算.pdf: 普陀区 22 times, 上海市 23: a district's body
    ("上海普陀 区委社会工作部: the district's body names its city about as often",
     [Para("上海市普陀区区委社会工作部2024年度部门决算"), Para("上海市普陀区区委社会工作部主要职能"), Para("普陀区财政局批复")],
     dict(city="上海市", county="普陀区")),
    # cities/广州__国有资产监督管理委员会_2026年部门预算.pdf, p1: a cover sets the title over three lines
    ("广州 国资委 p1: the cover's lines are one title",
     [Para("2026年"), Para("广州市人民政府国有资产监督管理委员会部"), Para("门预算"), Para("目 录"),
      Para("第一部分 广州市人民政府国有资产监督管理委员会概况")],
     dict(title="2026年广州市人民政府国有资产监督管理委员会部门预算", city="广州市",
          department="人民政府国有资产监督管理委员会", fiscal_year=2026)),
    # cities/泉州__2026年泉州市公安局部门预算.pdf, p1
    ("泉州 公安局 p1: the cover's lines are one title",
     [Para("2026年度泉州市公安局"), Para("部门预算"), Para("目 录")],
     dict(title="2026年度泉州市公安局部门预算", city="泉州市", department="公安局")),
    # cities/广州__审计局_2026年部门预算.html: a web page's menu lines are no title
    ("广州 审计局 html: a menu before the title word is no cover",
     [Para("长者助手| 无障碍| 手机版 | 网站地图| 长者专区 | 市民网页"), Para("首页"), Para("政务公开")],
     dict(title="政务公开", county=None, department=None)),
    # 上海普陀区委社会工作部_2024_部门决算.pdf, p1: 中共 heads the body, not the place
    ("上海普陀 区委社会工作部 p1: 中共上海市 is no city",
     [Para("中共上海市普陀区委社会工作部 2024 年度部门决算"), Para("上海市普陀区财政局批复")],
     dict(city="上海市", county="普陀区", fiscal_year=2024)),
    # cities/杭州__2026年杭州市气象局部门预算.pdf
    ("杭州 气象局 p21, p10: a 单位名称 header row names no body",
     [Para("杭州市气象局2026 年度部门预算"), Para("杭州市气象局主要职责"),
      Grid(rows=(("单位名称", "“三公”经费合计", "因公出国(境)费用"), ("杭州市气象局", "24.90", "0.00"))),
      Para("一级项目绩效目标表，详见附件")],
     dict(city="杭州市", department="气象局", doc_kinds=("budget", "target_declaration"))),
]


@pytest.mark.parametrize("blocks,expected", [pytest.param(b, e, id=i) for i, b, e in SAMPLES])
def test_sample_metadata(blocks, expected):
    m = meta_of(*blocks)
    assert {k: getattr(m, k) for k in expected} == expected


@pytest.mark.parametrize("blocks,expected", [pytest.param(b, e, id=i) for i, b, e in SYNTHETIC])
def test_synthetic_metadata(blocks, expected):
    m = meta_of(*blocks)
    assert {k: getattr(m, k) for k in expected} == expected


# --- the quick searches give what the plain regex searches gave --------------------------------


def _reference_best_place(kind, s, must_follow, before="", title="", exclude=(), only=frozenset(), body=""):
    """_best_place as a plain regex over the whole text: every name of every suffix scored, each
    marked whole where it starts at a name boundary."""
    v = md.vocab()
    suffix = regex.compile("|".join(v.suffixes[kind]))

    def name_char(c):
        return "\u4e00" <= c <= "\u9fff" and c not in v.stop

    def candidates(s):
        for m in suffix.finditer(s):
            i = j = m.start()
            while j > 0 and i - j < 6 and name_char(s[j - 1]):
                j -= 1
            for k in range(i - 2, j - 1, -1):
                yield s[k:m.end()], k, m.end(), k == 0 or not name_char(s[k - 1])

    follow = regex.compile("|".join(regex.escape(w) for w in must_follow)) if must_follow else None
    counts, whole, titled = Counter(), set(), set()
    for name, start, end, at_boundary in candidates(s):
        if s.startswith(v.not_suffixes, end - 1):
            continue
        n = (1 if follow is not None and follow.match(s, end) else 0) + (
            1 if before and start > 0 and s[start - 1] in before else 0)
        if n:
            counts[name] += n
            if at_boundary:
                whole.add(name)
    for head in (md._TITLE_HEAD.sub("", title), body):
        for name, start, _end, _b in candidates(head):
            if md._PLACE_PREFIX.fullmatch(head[:start]):
                counts[name] += 2
                titled.add(name)
    return md.choose_place(counts, whole, titled, exclude, only)


def _reference_county_department(text, county):
    counts = Counter()
    for m3 in regex.finditer(regex.escape(county) + r"(?P<rest>\p{Han}{2,24})", text):
        rest = m3["rest"]
        for m4 in md.vocab().org_end.finditer(rest, overlapped=True):
            if m4.end() >= 2:
                counts[county + rest[: m4.end()]] += 1
    if not counts:
        return None
    top = max(counts.values())
    good = [c for c, n in counts.items() if n * 2 >= top and n >= 1]
    return max(good, key=lambda c: (len(c), counts[c]))


def _same_searches(s: str, title: str = ""):
    v = md.vocab()
    for kind in ("county", "city", "province"):
        spans = [m.span() for m in regex.finditer("|".join(v.suffixes[kind]), s)]
        assert md._suffix_spans(s, v.suffixes[kind]) == spans
    for kind, follow, before, exclude in (("county", v.org_starts, "市州", v.not_counties), ("city", v.org_starts, "", ()),
                                          ("city", v.org_starts + ("米易县",), "", ()), ("province", (), "", ())):
        assert md._best_place(kind, s, follow, before, title, exclude) == _reference_best_place(
            kind, s, follow, before, title, exclude), (kind, s)
    for only, body in ((v.provinces, ""), (frozenset(), title)):
        assert md._best_place("province", s, (), "", "", (), only, body) == _reference_best_place(
            "province", s, (), "", "", (), only, body), s
    for end in (len(s), 20):
        a, b = md._field(s, end), v.field.search(s[:end])
        assert (a and (a.span(), a["value"])) == (b and (b.span(), b["value"]))
    assert [(m.span(), m["year"]) for m in md._years(s)] == [(m.span(), m["year"]) for m in v.year.finditer(s)]
    county = md._best_place("county", s, v.org_starts, "市州", title, v.not_counties)
    if county and not md._field(s, 20000):
        assert md._department(s, None, county) == _reference_county_department(s, county)


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_quick_searches_on_the_seeds(prefix):
    t = seed_text(prefix)
    _same_searches(t.text, md._title(t) or "")


_PLACE_PIECES = ["米易县", "攀枝花市", "四川省", "人民政府", "人大常委会", "财政局", "社区", "自治县", "彝族", "自治州", "凉山",
                 "市", "州", "区", "县", "旗", "盟", "省", "，", "的", "在", "2024年", "2024 年", "1999\t年", "12024年",
                 "沾益区", "曲靖市", "办公室", "部门", "单位", "名称", "预算单位", "：", ":", "\t", " ", "\n", "成", "自治区",
                 "广西壮族", "内蒙古", "乐至县财政局", "（单位）", "部门（单位）名称：", "机关"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PLACE_PIECES), max_size=60), st.lists(st.sampled_from(_PLACE_PIECES), max_size=6))
def test_quick_searches_on_any_text(pieces, title):
    _same_searches("".join(pieces), "".join(title))


def test_field_anchors_cover_every_field_word():
    """_field only tries where an anchor is: every field word must hold one."""
    words = read_toml("schemas", "metadata.toml")["department_fields"]
    anchors = [a.pattern.split("(?=")[0] for a, _offsets in md.vocab().field_anchors]
    assert all(any(a in w for a in anchors) for w in words)
