"""Text reader and normaliser: the three seed layouts, encodings, noise."""
from __future__ import annotations

import codecs
import dataclasses
import re

import pytest

from pipeline import read_text
from pipeline.normalise import decoded_to_text
from pipeline.records import Block, Cell, DocumentError, Grid, Para, Section
from pipeline.textutil import new_record
from tests.conftest import seed_path, seed_text


def blocks(s: str):
    return read_text.decode(s.encode("utf-8")).blocks


def paras(s: str) -> list[str]:
    return [b.text for b in blocks(s) if isinstance(b, Para)]


def grids(s: str) -> list[tuple]:
    return [b.rows for b in blocks(s) if isinstance(b, Grid)]


WRAPPED = "\n\n".join([
    "县人大常委会办公室 2024年年初预算支出 1147.25万元。",
    "根据部门决算报表，2024 年部门支出合计 1,240.56万元。其",
    "中：基本支出 1,113.13万元，占 89.73%；项目支出 127.43",
    "万元，占 10.27%。",
    "（三）结余分配和结转结余情况",
    "县人大常委会办公室 2024年决算报表无结转结余。",
    "4",
    "三、部门预算绩效分析",
    "该项目发挥代表作用，探索创新代表工作法，让全县 186名",
    "县人大代表“动”起来，让全县代表工作“活”起来，以思想引",
    " 导为抓手，让政治站位“有高度”，以健全机制为抓手，让代",
    "表履职有保障。",
    "1.履职效能",
    "2024 年，县人大常委会办公室继续优质高效地履行办文",
    "职能。",
])


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param("根据部门决算报表，2024 年部门支出合计 1,240.56万元。其中：基本支出 1,113.13万元，占 89.73%；项目支出 127.43万元，占 10.27%。", id="figure split from its unit"),
        pytest.param("（三）结余分配和结转结余情况", id="heading stays a paragraph"),
        pytest.param("三、部门预算绩效分析", id="heading after page number"),
        pytest.param("该项目发挥代表作用，探索创新代表工作法，让全县 186名县人大代表“动”起来，让全县代表工作“活”起来，以思想引导为抓手，让政治站位“有高度”，以健全机制为抓手，让代表履职有保障。", id="no space between Chinese characters"),
        pytest.param("1.履职效能", id="numbered heading"),
        pytest.param("2024 年，县人大常委会办公室继续优质高效地履行办文职能。", id="short last line"),
    ],
)
def test_hard_wrapped(expected):
    assert any(expected in p for p in paras(WRAPPED)), paras(WRAPPED)


def test_page_number_dropped():
    assert "4" not in paras(WRAPPED)


TAB_CELLS = "说明文字。\n\t部门基本信息\n\t部门名称\n\t安化县人大常委会办公室\n\n\t\n\t编制人数\n\t42\n\n\t部门整体支出绩效目标\n\t任务1：围绕中心\n任务2：依法履行\n\n\t\n\t\n\t产出指标\n\t人大会议次数\n\t≥20次\n\t\n\n后文。\n"


def test_tab_cells():
    (g,) = grids(TAB_CELLS)
    assert g == (
        ("部门基本信息", "部门名称", "安化县人大常委会办公室"),
        ("", "编制人数", "42"),
        ("部门整体支出绩效目标", "任务1：围绕中心任务2：依法履行"),
        ("", "", "产出指标", "人大会议次数", "≥20次", ""),
    )
    assert paras(TAB_CELLS) == ["说明文字。", "后文。"]


TAB_ROWS = "## 2023年度部门整体支出绩效自评情况\n\n部门：曲靖市沾益区人民代表大会常务委员会\n<b>一、部门年度目标</b>\t\t\n一级指标\t二级指标\t三级指标\n产出指标\t数量指标\t召开人代会\n\n**备注：**\n"


def test_tab_rows_and_noise():
    bs = blocks(TAB_ROWS)
    assert isinstance(bs[0], Para) and bs[0].heading and bs[0].text == "2023年度部门整体支出绩效自评情况"
    assert grids(TAB_ROWS) == [(("一、部门年度目标", "", ""), ("一级指标", "二级指标", "三级指标"), ("产出指标", "数量指标", "召开人代会"))]
    assert "备注：" in paras(TAB_ROWS)


ENCODINGS = [
    ("utf-8", "收入合计１２３．４５万元".encode("utf-8")),
    ("utf-8-bom", codecs.BOM_UTF8 + "收入合计１２３．４５万元".encode("utf-8")),
    ("gbk", "收入合计１２３．４５万元".encode("gbk")),
    ("gb18030", "收入合计１２３．４５万元".encode("gb18030")),
    ("utf-16-le-bom", codecs.BOM_UTF16_LE + "收入合计１２３．４５万元".encode("utf-16-le")),
    ("utf-16-be-bom", codecs.BOM_UTF16_BE + "收入合计１２３．４５万元".encode("utf-16-be")),
]


@pytest.mark.parametrize("data", [pytest.param(d, id=i) for i, d in ENCODINGS])
def test_encodings_and_fullwidth(data):
    (p,) = read_text.decode(data).blocks
    assert p.text == "收入合计123.45万元"


BAD = [
    ("empty", b"", "empty"),
    ("whitespace", b" \n\t\n", "no_text"),
    ("nul-bytes", b"abc\x00\x01\x02" * 100, "binary"),
    ("random-bytes", bytes(range(1, 256)) * 40, "bad_encoding"),
    ("control-chars", ("\x01\x02\x03\x04" * 200).encode(), "binary"),
]


@pytest.mark.parametrize("data,reason", [pytest.param(d, r, id=i) for i, d, r in BAD])
def test_bad_text(data, reason):
    with pytest.raises(DocumentError) as e:
        read_text.decode(data)
    assert e.value.reason == reason


@pytest.mark.parametrize("prefix", ["000", "001", "002", "004"])
def test_offset_map_points_into_the_source(prefix):
    """Every figure's digits are found at the source offset the anchors give."""
    text = seed_text(prefix)
    raw = seed_path(prefix).read_text("utf-8")
    import regex
    checked = 0
    for m in regex.finditer(r"\d+\.\d+", text.text):
        src = text.source_offset(m.start())
        assert src is not None
        assert raw[src:src + len(m.group())] == m.group(), (m.group(), raw[src - 10:src + 20])
        checked += 1
    assert checked > 20


def test_cells_and_paragraphs_tile_the_text():
    text = seed_text("004")
    for b in text.blocks:
        if b.kind == "paragraph":
            assert "\n" not in text.text[b.start:b.end]
        for c in b.cells:
            assert text.text[c.start:c.end] == c.text
            assert "\t" not in c.text and "\n" not in c.text


def test_table_caption_from_first_row():
    t = decoded_to_text("x", read_text.decode("\t部门预算项目支出绩效自评表（2023年度）\n\n\t项目名称\n\t政府工作专项经费\n".encode()))
    (b,) = [b for b in t.blocks if b.kind == "table"]
    assert b.caption == "部门预算项目支出绩效自评表（2023年度）"


# --- textutil.new_record: records built without the frozen dataclass __init__ --------------------

@pytest.mark.parametrize(
    "cls, fields",
    [
        pytest.param(Para, {"text": "一、概况", "page": None, "heading": True, "anchors": ((0, 3),)}, id="Para"),
        pytest.param(Cell, {"row": 1, "col": 2, "text": "合计", "start": 10, "end": 12}, id="Cell"),
        pytest.param(
            Block,
            {"block_id": 0, "kind": "table", "start": 0, "end": 5, "page": 2, "heading": False,
             "caption": "表1", "cells": (), "n_rows": 0, "n_cols": 0, "row_pages": ()},
            id="Block",
        ),
        pytest.param(
            Section,
            {"section_id": 1, "parent_id": None, "level": 1, "number": "一", "title": "概况", "start": 0,
             "end": 9, "page": None},
            id="Section",
        ),
    ],
)
def test_new_record_equals_the_constructor(cls, fields):
    assert not hasattr(cls, "__post_init__")  # new_record would skip it
    assert [f.name for f in dataclasses.fields(cls)] == list(fields)
    made, built = new_record(cls, dict(fields)), cls(**fields)
    assert made == built and repr(made) == repr(built) and type(made) is cls
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.start = 1


# --- source offsets survive a lone CR ----------------------------------------------------------

def _source_offsets_hold(source: str) -> int:
    """Every non-space character of every paragraph is at the source offset the anchors give; the
    number of characters checked."""
    t = decoded_to_text("x", read_text.decode(source.encode("utf-8")))
    checked = 0
    for b in t.blocks:
        if b.kind != "paragraph":
            continue
        for i in range(b.start, b.end):
            if t.text[i] != " ":
                src = t.source_offset(i)
                assert src is not None and source[src] == t.text[i], (i, t.text[b.start:b.end], src)
                checked += 1
    return checked


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("收入合计\r123.45万元。\r\n支出合计 67.8万元。\r\n结余\r\r 5.0万元\r\n", id="lines"),
        pytest.param("\r\n\r\n".join(["一、部门收入合计为 1,240.56万元，比上年增加 12.5万元，增长 1.0%，主要是人员增", "加。其中\r基本支出 1,113.13 万元，占 89.73%；项目支出 127.43万元，原因", "是\r项目增加。"] * 4) + "\r\n", id="hard wrapped"),
        pytest.param("表头\r说明：单位万元\r\n项目\t金额\r\n合计\t12.5\r\n\r\n后文\r补充 3.4万元。\r\n", id="tab rows"),
        # markup between trailing spaces: the spaces' pieces go, and so do their anchors (which would
        # point into the next paragraph)
        pytest.param("收入 ** ** \r\n合计12.5万元\r\n结余 <b> </b> \r\n支出 3.4万元\r\n", id="markup before trailing spaces"),
    ],
)
def test_source_offsets_with_a_lone_cr(source):
    """A CR inside a line is dropped from the text; the characters after it still point at
    themselves in the source (lines ending in CR LF shift nothing either)."""
    assert _source_offsets_hold(source) > 10
    t = decoded_to_text("x", read_text.decode(source.encode("utf-8")))
    assert "\r" not in t.text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "004"])
def test_records_built_in_bulk_equal_the_constructor(prefix):
    """read_text, normalise and segment build Para, Block, Cell and Section from dict literals (as
    new_record does): each must name every field, in order, and equal the constructor's record."""
    from pipeline.segment import text_to_sections
    decoded = read_text.decode(seed_path(prefix).read_bytes())
    text = decoded_to_text("x", decoded)
    records = [b for b in decoded.blocks if isinstance(b, Para)] + list(text.blocks)
    records += [c for b in text.blocks for c in b.cells] + text_to_sections(text)
    assert {type(r) for r in records} >= {Para, Block, Section}
    for r in records:
        names = [f.name for f in dataclasses.fields(r)]
        assert list(r.__dict__) == names
        built = type(r)(**r.__dict__)
        assert r == built and repr(r) == repr(built)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(seed_path("000").read_text(encoding="utf-8"), id="seed 000 hard wrapped"),
        pytest.param(seed_path("001").read_text(encoding="utf-8"), id="seed 001 tab cells"),
        pytest.param(seed_path("002").read_text(encoding="utf-8"), id="seed 002 tab rows"),
        pytest.param("\t部门名称\n\t金额\n\n\t合计\n\t１２.５\n", id="tab cells, full-width digits"),
        pytest.param("\t部门名称\t备注\n\t金额\n\n\t合计\n\t12.5\n", id="tab cells, a tab inside a cell"),
        pytest.param("\t部门名称\t\n\t金额\n\n\t合计\n\t12.5\n", id="tab cells, a trailing tab"),
        pytest.param("\t部门名称\n续表\t说明\n\t金额\n\n后文\t补充\n", id="tab cells, a tab inside a continued cell"),
        pytest.param("项目\t金额\r\n合计\t12.5\r\n", id="tab rows with CR LF"),
        pytest.param("收入合计\r123.45万元。\n", id="a lone CR"),
    ],
)
def test_plain_flag_only_when_the_texts_are_plain(source):
    """read_text's Decoded.plain lets normalise skip _is_plain: it must never claim plain when
    _is_plain finds otherwise, and the text laid out is the same either way."""
    import dataclasses as dc

    from pipeline.normalise import _is_plain
    decoded = read_text.decode(source.encode("utf-8"))
    if decoded.plain:
        assert _is_plain(decoded.blocks, [isinstance(b, Para) for b in decoded.blocks])
    unflagged = dc.replace(decoded, plain=False)
    a, b = decoded_to_text("x", decoded), decoded_to_text("x", unflagged)
    assert (a.text, a.blocks, a.anchors) == (b.text, b.blocks, b.anchors)


def test_plain_flag_set_for_the_seeds():
    """The seeds are plain text once decoded: the flag saves normalise a scan for each of them."""
    assert all(read_text.decode(seed_path(p).read_bytes()).plain for p in ("000", "001", "002", "004"))


def test_not_plain_class_is_surely_printable_less_what_normalise_chars_changes():
    """decode's one scan (_NOT_PLAIN) finds exactly the characters that _check_printable counts as
    maybe unprintable, that normalise_chars changes or that may start noise (every BMP code point,
    and a few beyond)."""
    from pipeline.textutil import CHAR_MAP
    for c in [*range(0x10000), 0x1F600, 0x20000, 0x10FFFF]:
        ch = chr(c)
        maybe_unprintable = read_text._SURELY_PRINTABLE.match(ch) is not None
        expected = maybe_unprintable or ch in CHAR_MAP or ch in read_text.NOISE_CHARS
        assert (read_text._NOT_PLAIN.match(ch) is not None) == expected, hex(c)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(seed_path("004").read_text(encoding="utf-8"), id="seed 004"),
        pytest.param("２０２４年\u3000收入\u200b合计１２.５万元\ufeff，\u00a0比上年＋３％", id="full-width and zero-width"),
        pytest.param("≥①→℃" * 30 + "合计" * 600, id="many symbols, printable"),
        pytest.param("收入" + "\x01\x02\x03" * 50 + "合计" * 100, id="control characters: binary"),
        pytest.param("收入" + "\x01" * 4 + "合计" * 60 + "\u200b" * 10, id="a few control characters"),
        pytest.param("合计" * 12000 + "\x01" * 3000, id="control characters beyond the sample"),
        pytest.param("# 标题\n\u200b\u200b收入＜5\n**备注：**\n[image: a]\n\ufeff<b>合计</b>\n无\n", id="noise after deleted characters"),
        pytest.param("##\n" * 2000 + "合计\n" * 10, id="mostly markup"),
    ],
)
def test_scan_equals_check_then_normalise(text):
    """_scan: the text _check_printable and normalise_chars make of it (or the same error), and
    the lines with noise characters that a search of the normalised text finds."""
    from itertools import accumulate

    from bisect import bisect_right
    from pipeline.textutil import normalise_chars
    try:
        expected = normalise_chars(read_text._check_printable(text))
    except DocumentError as e:
        with pytest.raises(DocumentError) as got:
            read_text._scan(text)
        assert (got.value.reason, got.value.detail) == (e.reason, e.detail)
    else:
        s, noise_at = read_text._scan(text)
        assert s == expected
        assert noise_at == [i for i, ch in enumerate(s) if ch in read_text.NOISE_CHARS]
        starts = list(accumulate(map((1).__add__, map(len, s.split("\n"))), initial=0))
        # the lines holding a noise character, as decode found them before _scan: a search of the
        # normalised text for the first one in each line
        noisy_line = re.compile("[" + re.escape(read_text.NOISE_CHARS) + "][^\n]*")
        searched = frozenset(bisect_right(starts, m.start()) - 1 for m in noisy_line.finditer(s))
        assert frozenset(bisect_right(starts, at) - 1 for at in noise_at) == searched
