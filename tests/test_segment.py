"""Heading styles (data: schemas/headings.toml) and the section tree."""
from __future__ import annotations

import pytest

from pipeline.normalise import decoded_to_text
from pipeline.records import Decoded, Para
from pipeline.segment import match_heading, text_to_sections
from tests.conftest import seed_text

HEADINGS = [
    ("part", "第一部分 预算绩效管理情况", ("第一部分", "预算绩效管理情况")),
    ("part-no-space", "第二部分2023年度部门决算情况说明", ("第二部分", "2023年度部门决算情况说明")),
    ("annex", "附件 1", ("附件1", "")),
    ("annex-range", "附件2-1：项目支出绩效自评表", ("附件2-1", "项目支出绩效自评表")),
    ("annex-table", "附表 部门预算项目支出绩效自评表（2024年度）", ("附表", "部门预算项目支出绩效自评表（2024年度）")),
    ("cn-number", "一、部门基本情况", ("一、", "部门基本情况")),
    ("cn-number-ten", "十二、其他需说明的情况", ("十二、", "其他需说明的情况")),
    ("cn-paren-fullwidth", "（一）机构组成", ("（一）", "机构组成")),
    ("cn-paren-ascii", "(二) 部门绩效目标的设立情况", ("(二)", "部门绩效目标的设立情况")),
    ("cn-paren-with-stop", "（一）部门基本情况。", ("（一）", "部门基本情况。")),
    ("arabic-dot", "1.履职效能", ("1.", "履职效能")),
    ("arabic-dunhao", "2、预算管理", ("2、", "预算管理")),
    ("arabic-fullwidth-dot", "3．财务管理", ("3．", "财务管理")),
    ("arabic-paren", "（1）数量指标", ("（1）", "数量指标")),
]

NOT_HEADINGS = [
    ("list-item-sentence", "1.受主任会议的委托，拟订有关议案草案。"),
    ("long-list-item-with-stop", "13.负责县人大常委会机关的接待工作。"),
    ("decimal-number", "1.5万元用于会议"),
    ("prose", "根据预算绩效管理要求，本部门在 2024 年度预算编制阶段"),
    ("paragraph-after-number", "（一）协助县政府领导组织起草或审核以县政府、县政府办公室名义发布的公文。办理国家、省、市及县委等上级部门发送县政府的文电。"),
    ("year", "2023.12.31"),
]


@pytest.mark.parametrize("line,expected", [pytest.param(line, e, id=i) for i, line, e in HEADINGS])
def test_heading_styles(line, expected):
    h = match_heading(line)
    assert h is not None and (h[1], h[2]) == expected


@pytest.mark.parametrize("line", [pytest.param(line, id=i) for i, line in NOT_HEADINGS])
def test_not_headings(line):
    assert match_heading(line) is None


def test_tree_levels_and_parents():
    paras = ["第一部分 概况", "一、部门职责", "（一）机构组成", "正文。", "1.履职效能", "（二）人员", "二、收支", "第二部分 附件", "附件 1", "部门预算绩效评价报告", "一、部门基本情况"]
    text = decoded_to_text("x", Decoded(blocks=tuple(Para(p) for p in paras)))
    secs = text_to_sections(text)
    got = [(s.section_id, s.parent_id, s.level, s.number, s.title) for s in secs]
    assert got == [
        (1, None, 1, "第一部分", "概况"),
        (2, 1, 2, "一、", "部门职责"),
        (3, 2, 3, "（一）", "机构组成"),
        (4, 3, 4, "1.", "履职效能"),
        (5, 2, 3, "（二）", "人员"),
        (6, 1, 2, "二、", "收支"),
        (7, None, 1, "第二部分", "附件"),
        (8, None, 1, "附件1", "部门预算绩效评价报告"),
        (9, 8, 2, "一、", "部门基本情况"),
    ]
    for s in secs:
        assert text.text[s.start:s.start + 12].replace(" ", "").startswith(s.number)
        assert s.start < s.end <= len(text.text)
    assert secs[2].end == secs[4].start  # （一） ends where （二） starts


@pytest.mark.parametrize(
    "prefix,expected",
    [
        ("000", ["第一部分预算绩效管理情况", "第二部分附件", "附件1部门预算绩效评价报告", "一、部门基本情况", "（一）机构组成"]),
        ("004", ["第一部分部门概况", "一、部门职责", "二、机构设置", "第二部分2023年度部门决算情况说明"]),
        ("001", ["一、部门概况", "（一）部门基本情况。", "（二）部门整体支出规模、使用方向和主要内容、涉及范围等。"]),
    ],
)
def test_seed_sections_start_with(prefix, expected):
    secs = text_to_sections(seed_text(prefix))
    assert [s.number + s.title for s in secs][: len(expected)] == expected


def _list_items_plain(cands):
    """segment._list_items as first written: every candidate closes the open runs of higher rank."""
    runs, open_runs = [], {}
    for i, (st, *_rest) in enumerate(cands):
        for rank in [r for r in open_runs if r > st.rank]:
            del open_runs[rank]
        run = open_runs.get(st.rank)
        if run is None:
            run = open_runs[st.rank] = []
            runs.append(run)
        run.append(i)
    return {i for run in runs if sum(1 for i in run if cands[i][3]) * 2 < len(run) for i in run}


def test_list_items_equal_the_plain_version():
    """_list_items only looks for runs to close when the rank falls (no open run is above the
    last candidate's rank): the same items as closing them at every candidate."""
    import random
    from types import SimpleNamespace

    from pipeline.segment import _list_items
    rnd = random.Random(6)
    styles = [SimpleNamespace(rank=r) for r in range(5)]
    for _ in range(500):
        cands = [(rnd.choice(styles), "", "", rnd.random() < 0.5, 0) for _ in range(rnd.randrange(0, 30))]
        assert _list_items(cands) == _list_items_plain(cands), cands
