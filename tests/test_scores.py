"""Scores and grades from prose and tables, attached to the department or a project."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import regex

from extractors.scores import MAX_SUBJECT, _anchor_re, pattern_source, patterns, squeeze, text_to_scores, vocabulary
from pipeline.prefilter import needs_one_of
from tests.test_indicators import SAMPLE_NINGDE_TABLE, SEED_002_PROJECT_TABLE, SEED_004_TABLE, SPACED_PARAGRAPHS
from tests.textbuild import make_text, rows

D = Decimal
DEPT = "米易县人大常委会办公室"

# id: (paragraphs before, the paragraph, expected rows (subject, scope, score, max_score, grade))
PROSE_EXAMPLES = {
    "seed000:部门整体 with （含部门预算项目）": (
        [],
        "其中，县人大常委会办公室部门\n整体（含部门预算项目）绩效自评得分为 96 分，绩效自评综述：县人大常委会办公室 2024 年预算目标明确。",
        [(DEPT, "department", D(96), None, None)],
    ),
    "seed000:专项预算项目": (
        [],
        "财政专项绩效目标制定较明确；县人代会会议经费专项预算项目绩效自评得分为 95 分，绩效自评综述：2024 年组织召开了县十九届人大四次会议。",
        [("县人代会会议经费", "project", D(95), None, None)],
    ),
    "seed000:两个项目 in one sentence": (
        [],
        "县人代会会议经费专项预算项目绩效自评得分为 95 分，绩效自评综述：圆满完成了会议的各项议程；县人大代表活动经费专项预算项目绩效自评得分为 95 分，绩效自评综述：该项目发挥代表作用。",
        [("县人代会会议经费", "project", D(95), None, None), ("县人大代表活动经费", "project", D(95), None, None)],
    ),
    "seed000:评价得分 96分": (
        [],
        "经过认真自评，县人大常委会办公室 2024 年度部门整体支出绩效评价得分 96分。",
        [(DEPT, "department", D(96), None, None)],
    ),
    "seed000:评价结果为优 under a project report": (
        ["附件 3", "专项预算项目绩效评价报告", "（县人大代表活动经费）", "五、评价结论及建议"],
        "该项目从可持续发展角度而言，整体发挥的社会效益明显，切实改善民生重点热点问题，评价结果为优。",
        [("县人大代表活动经费", "project", None, None, "优")],
    ),
    "seed004:numbered project": (
        [],
        "1.政府工作专项经费项目绩效自评得分为100分。绩效自评综述：项目全年预算数100.00万元，执行数为95.83万元。",
        [("政府工作专项经费", "project", D(100), None, None)],
    ),
    "seed004:numbered project with a year": (
        [],
        "2.2022年度政府工作经费项目绩效自评得分为100分。",
        [("2022年度政府工作经费", "project", D(100), None, None)],
    ),
    "seed004:part scores and 合计总得分": (
        ["米易县人民政府办公室2023年部门整体支出绩效评价报告", "（一）评价结论"],
        "我单位“县级部门整体支出绩效绩效自评表”中管理效能方面自评得分67分，绩效结果应用方面自评得分19分，自评质量方面自评得分10分，合计总得分96分。（相关评分表附后）",
        [(DEPT, "department", D(96), None, None)],
    ),
    "synthetic:自评得分99分 with no context": (
        [],
        "经自评，自评得分99分。",
        [(DEPT, "department", D(99), None, None)],
    ),
    "synthetic:该项目 under a project heading": (
        ["2023年专项资金预算项目绩效自评报告", "（乡村道路养护项目）"],
        "该项目自评得分99分，自评等级为优。",
        [("乡村道路养护", "project", D(99), None, "优")],
    ),
    "synthetic:自评等级：优": (
        ["部门整体支出绩效自评报告"],
        "自评等级：优",
        [(DEPT, "department", None, None, "优")],
    ),
    "synthetic:评价等级 优": (
        [],
        "评价等级 优",
        [(DEPT, "department", None, None, "优")],
    ),
    "synthetic:总分 row as prose": (
        ["2023年度项目支出绩效自评表", "（县级储备粮管理费项目）"],
        "总分 100 98.5 优",
        [("县级储备粮管理费", "project", D("98.5"), D(100), "优")],
    ),
    "synthetic:score and grade in one sentence": (
        [],
        "本部门整体绩效自评得分为92分，评价结果为良好。",
        [(DEPT, "department", D(92), None, "良")],
    ),
    "synthetic:name before a colon": (
        ["部门整体支出绩效评价报告", "（三）项目绩效情况"],
        "1.乡村道路养护项目：自评得分95分，评价等级为优。",
        [("乡村道路养护", "project", D(95), None, "优")],
    ),
    "synthetic:indicator weight and score are no score": (
        [],
        "满意度指标权重20分，得分20分。",
        [],
    ),
    "synthetic:满分 and 得分": (
        [],
        "本部门整体绩效自评满分100分，自评得分96分。",
        [(DEPT, "department", D(96), D(100), None)],
    ),
    "synthetic:score without 分": (
        ["2023年度乡村道路养护项目绩效自评报告"],
        "该项目自评得分：96.5。",
        [("乡村道路养护", "project", D("96.5"), None, None)],
    ),
    "sample:上海普陀 平均得分 is no score": (
        [],
        "绩效自评的2024年度项目1个，涉及预算金额175.52万元，平均得分100.00分（其中，绩效评级为“优”的项目1个）。",
        [],
    ),
    "sample:长沙 综合评分 and 评价级次": (
        ["2020 年度长沙市人民政府", "国有资产监督管理委员会", "国企改革稳定专项资金绩效评价报告", "六、评价结论"],
        "按照项目决策、资金使用情况、财务管理、项目管理、项目绩效五个方面进行总体评价，项目综合评分92.25分，评价级次为优。",
        [("国企改革稳定专项资金", "project", D("92.25"), None, "优")],
    ),
    "sample:上海普陀 绩效评级为“优”的项目 is a count": (
        ["部门整体支出绩效自评报告"],
        "其中，绩效评级为“优”的项目1个；绩效评级为“良”的项目0个。",
        [],
    ),
    "synthetic:part score alone is no score": (
        [],
        "其中管理效能方面自评得分67分。",
        [],
    ),
    "synthetic:得分率 is no score": (
        [],
        "项目得分率为95%，指标完成率100%。",
        [],
    ),
}


def _key(s):
    return (s.subject, s.scope, s.score, s.max_score, s.grade)


@pytest.mark.parametrize("example", list(PROSE_EXAMPLES))
def test_prose(example):
    before, para, expected = PROSE_EXAMPLES[example]
    text = make_text(*before, para)
    got = text_to_scores(text, DEPT)
    assert [_key(s) for s in got] == expected
    for s in got:  # provenance: the span is the score's own words, the evidence its sentence
        span = text.text[s.start:s.end]
        assert span.strip() and span in para
        assert squeeze(span)[0] in s.evidence
        if s.score is not None:
            assert str(s.score).rstrip("0").rstrip(".") in squeeze(span)[0]


TABLE_EXAMPLES = {
    "seed002:总分 row gives max, score, grade": (
        ["2023年度项目支出绩效自评表", SEED_002_PROJECT_TABLE],
        "曲靖市沾益区人民代表大会常务委员会",
        [("专项工作经费", "project", D(100), D(100), "优")],
    ),
    "seed004:合计 row merged with the prose score": (
        ["3.党政网站、网络运行维护经费项目绩效自评得分为100分。", SEED_004_TABLE],
        "米易县人民政府办公室",
        [("党政网站、网络运行维护经费", "project", D(100), D(100), None)],
    ),
    "synthetic:总分 and 评价等级 rows of a form without indicators": (
        [[["项目名称", "县级储备粮管理费"], ["总分", "100", "96"], ["评价等级", "优"]]],
        "某县粮食局",
        [("县级储备粮管理费", "project", D(96), D(100), "优")],
    ),
    "synthetic:自评得分 | 96 label-value row": (
        [[["项目名称", "县级储备粮管理费"], ["自评得分", "96"], ["自评等级", "优"]]],
        "某县粮食局",
        [("县级储备粮管理费", "project", D(96), None, "优")],
    ),
    "synthetic:合计 of a money table is no score": (
        [[["项目", "本年收入", "本年支出"], ["合计", "100", "96"]]],
        "某县粮食局",
        [],
    ),
    "synthetic:总分 of a table in spaced paragraphs": (
        SPACED_PARAGRAPHS,
        "米易县人大常委会办公室",
        [("县人代会会议经费", "project", D(96), D(100), None)],
    ),
    "sample:宁德 评价总分 and 评价等级": (
        ["2024年度部门整体绩效自评表", SAMPLE_NINGDE_TABLE],
        "宁德市人民政府办公室",
        [("宁德市人民政府办公室", "department", D("92.33"), None, "优")],
    ),
}


@pytest.mark.parametrize("example", list(TABLE_EXAMPLES))
def test_tables(example):
    items, doc_subject, expected = TABLE_EXAMPLES[example]
    text = make_text(*items)
    got = text_to_scores(text, doc_subject)
    assert [_key(s) for s in got] == expected
    for s in got:
        assert text.text[s.start:s.end].strip()


def test_same_score_twice_is_one_row():
    text = make_text(
        "其中，县人大常委会办公室部门整体绩效自评得分为96分。",
        "县人大常委会办公室2024年度部门整体支出绩效评价得分96分。",
    )
    assert [_key(s) for s in text_to_scores(text, DEPT)] == [(DEPT, "department", D(96), None, None)]


def test_department_without_doc_subject_keeps_the_phrase():
    (s,) = text_to_scores(make_text("米易县人民政府办公室部门整体绩效自评得分为96分。"), None)
    assert s.scope == "department" and "部门整体" in s.subject


def test_score_patterns_are_valid():
    v = vocabulary()
    names = [p["name"] for p in v["pattern"]]
    assert len(names) == len(set(names))
    for p, compiled in zip(v["pattern"], patterns()):
        assert p["subject"] in ("prefix", "context"), p["name"]
        groups = set(compiled.regex.groupindex)
        assert groups & {"score", "grade"}, f"{p['name']} captures neither score nor grade"
        assert groups <= {"score", "max_score", "grade", "keyword"}, p["name"]
        regex.compile(pattern_source(p), regex.VERBOSE)
        example, _ = squeeze(p["example"])
        assert compiled.regex.search(example), f"{p['name']} does not match its example"
        assert _anchor_re().search(p["example"]), f"{p['name']}: its example has no anchor word"
    assert isinstance(v["prefix"]["max_chars"], int) and v["prefix"]["max_chars"] > MAX_SUBJECT
    for key, words in v["subjects"].items():
        assert len(words) == len(set(words)), f"duplicate in subjects.{key}"


def test_squeeze_keeps_space_between_figures():
    assert squeeze("得分为 96 分")[0] == "得分为96分"
    assert squeeze("总分 100 100 优")[0] == "总分100 100优"
    s, where = squeeze("a\n b")
    assert s == "a b" and len(where) == len(s)


def _plain_squeeze(s):
    """squeeze spelled out a character at a time, with `regex`'s whitespace."""
    def alnum(ch):
        return ch.isascii() and ch.isalnum()

    out, where = [], []
    run = None  # where the whitespace before s[i] starts
    for i, ch in enumerate(s):
        if regex.fullmatch(r"\s", ch):
            run = i if run is None else run
            continue
        if run and alnum(s[run - 1]) and alnum(ch):
            out.append(" ")
            where.append(run)
        run = None
        out.append(ch)
        where.append(i)
    return "".join(out), where


@pytest.mark.parametrize("s", ["", " ", "得分为 96 分", "总分 100 100 优", "a\n b", " a\n\t b ", "x\x1cy", "x\x1c y",
                               "1 2\u30003", "自评得分96分", "A\u2028B", "\n96\n", "ab  cd\u00a0ef 得 1"])
def test_squeeze_equals_plain(s):
    got, where = squeeze(s)
    want, want_where = _plain_squeeze(s)
    assert got == want and list(where) == want_where


def test_squeeze_whitespace_is_regex_whitespace():
    import sys

    from extractors.scores import _SPACE_RUN

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    # each character once, in order: the joined matches agree exactly when the two sets do
    assert "".join(_SPACE_RUN.findall(every)) == "".join(regex.findall(r"\s", every))



# --- the real pipeline on the corpus seeds and samples -------------------------------------------

from tests.evalrun import SEEDS, corpus_tables, expectations, rows_of, sample_tables  # noqa: E402
from tests.test_indicators import NINGDE, same_value  # noqa: E402


def _has_score(df, want: dict) -> bool:
    for r in df.to_dict("records"):
        subject = r["subject"] or ""
        names = [want["subject_contains"]] + ([want["alt_subject_contains"]] if "alt_subject_contains" in want else [])
        if not any(n in subject for n in names):
            continue
        if not same_value(r["score"], want["score"]):
            continue
        if "grade" in want and r["grade"] != want["grade"]:
            continue
        return True
    return False


@pytest.mark.parametrize("source", ["inline", "gold"])
@pytest.mark.parametrize("seed", SEEDS)
def test_seed_scores(seed, source):
    want = expectations(seed, source)
    df = rows_of(corpus_tables(), "scores", seed)
    for s in want["scores"]:
        assert _has_score(df, s), f"{seed}: no scores row {s}"


def test_seed_scores_point_at_their_evidence():
    tables = corpus_tables()
    df = tables["scores"]
    assert len(df) > 0
    assert df["scope"].isin(["department", "project"]).all()
    assert df["grade"].dropna().isin(["优", "良", "中", "差"]).all()
    assert (df["end"] > df["start"]).all()
    assert df["evidence"].str.len().gt(0).all()


def test_sample_ningde_overall_score():
    df = sample_tables(NINGDE)["scores"]
    dept = df[df["scope"] == "department"]
    assert any(same_value(r["score"], 92.33) and r["grade"] == "优" for r in dept.to_dict("records")), dept


# Every scores row of every seed, checked by hand against the seed texts: a change shows here.
SEED_SCORES = {
    "000_bec74173f2fdd9ac": [
        ("米易县人大常委会办公室", "department", 96, None, None),
        ("县人代会会议经费", "project", 95, None, None),
        ("县人大代表活动经费", "project", 95, None, "优"),  # 评价结果为优 under 附件 3
    ],
    "001_e2faa60e7ec703ad": [],
    "002_23824e2a31c72555": [
        ("2023年曲靖市人大代表履职能力提升专项资金", "project", 100, 100, "优"),
        ("专项工作经费", "project", 100, 100, "优"),
        ("三届三次人代会工作费", "project", 100, 100, "优"),
    ],
    "004_f3dc72fe58075eff": [
        ("米易县人民政府办公室", "department", 96, None, None),  # stated twice (得分为96分, 合计总得分96分)
        ("政府工作专项经费", "project", 100, 100, None),
        ("2022年度政府工作经费", "project", 100, 100, None),
        ("党政网站、网络运行维护经费", "project", 100, 100, None),
        ("援藏援彝等其他", "project", 100, 100, None),
    ],
}


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_scores_exact(seed):
    df = rows_of(corpus_tables(), "scores", seed).sort_values("start")
    got = [
        (r["subject"], r["scope"], r["score"], r["max_score"], r["grade"] if isinstance(r["grade"], str) else None)
        for r in df.to_dict("records")
    ]
    want = SEED_SCORES[seed]
    assert len(got) == len(want), got
    for g, w in zip(got, want):
        assert g[:2] == w[:2] and g[4] == w[4], g
        assert same_value(g[2], w[2]) and same_value(g[3], w[3]), g


@pytest.mark.parametrize("prefix", ["000", "002", "004"])
def test_seed_score_spans_hold_the_score(prefix):
    """Provenance: slicing the normalised text by start:end gives the words of the score."""
    from tests.conftest import seed_text

    text = seed_text(prefix)
    got = text_to_scores(text, "部门")
    assert got
    for s in got:
        span = squeeze(text.text[s.start:s.end])[0]
        if s.score is not None:
            assert str(s.score) in span, (span, s)
        else:
            assert s.grade in span, (span, s)


# --- prefilters: a pattern never matches text without one of its anchor words ----------------------


def test_every_score_pattern_needs_an_anchor():
    """text_to_scores searches only the paragraphs and cells holding an anchor word."""
    words = vocabulary()["anchors"]["words"]
    for p in vocabulary()["pattern"]:
        assert needs_one_of(pattern_source(p), words), f"{p['name']} can match without an anchor word"


def test_each_pattern_is_tried_only_with_one_of_its_own_anchors():
    """_prose_scores tries a pattern only on text holding one of the pattern's own anchor words:
    those are anchor words of the data, and pipeline.prefilter proves every match holds one."""
    words = vocabulary()["anchors"]["words"]
    for p, data in zip(patterns(), vocabulary()["pattern"]):
        assert p.name == data["name"] and p.needs and set(p.needs) <= set(words)
        assert needs_one_of(pattern_source(data), list(p.needs)), p.name
        assert any(w in squeeze(data["example"])[0] for w in p.needs), p.name
    assert [p.needs for p in patterns()][:2] == [("得分",), ("得分", "评分")]


# --- subjects are never form labels (issue 17 Deliver 2) -------------------------------------------
# A county 部门整体自评表 whose form row runs on into its next fields (the example, its
# score subject was "县人大办 预算单位编码：102 自评等级："): the subject is the department alone.
FORM_LABEL_SUBJECTS = [
    ("自评表-form row", ["2023年度部门整体支出绩效自评表", rows("""
预算单位|县人大办 预算单位编码：102 自评等级：
自评得分|95
""")], ("县人大办", "department", Decimal(95))),
    ("自评表-form line", ["部门整体支出绩效自评表", "预算单位：县人大办 预算单位编码：102 自评等级：优", "自评得分为95分。"],
     ("县人大办", "department", Decimal(95))),
]


@pytest.mark.parametrize("items,want", [c[1:] for c in FORM_LABEL_SUBJECTS], ids=[c[0] for c in FORM_LABEL_SUBJECTS])
def test_a_subject_is_cut_before_the_form_labels_it_runs_on_into(items, want):
    (s,) = text_to_scores(make_text(*items), None)
    assert (s.subject, s.scope, s.score) == want


def test_grades_are_spelled_once():
    """The grade words live in score_patterns.toml [grades]: the prose patterns ({grade}) and the
    table cells (indicators.grade_of) read the same words."""
    from extractors.indicators import GRADES, grade_of

    assert GRADES == vocabulary()["grades"] and set(GRADES.values()) == {"优", "良", "中", "差"}
    assert all("优秀|优|良好" not in p["pattern"] for p in vocabulary()["pattern"])
    assert [grade_of(s) for s in ("优（S≧90）", "良好", "较差", "中等偏上")] == ["优", "良", "差", None]
