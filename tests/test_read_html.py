"""HTML reader: small inline pages (encodings, spans, dropped elements) and the 烟台 sample, a
saved page whose budget is a PDF converted into absolutely placed text runs and rulings."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import read_html
from pipeline.records import DocumentError, Grid, Para

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
YT = "烟台市退役军人事务局_2026_部门预算.html"


def blocks(html: str, encoding: str = "utf-8"):
    return read_html.decode(html.encode(encoding)).blocks


# --- encodings: (bytes, the paragraph they must give) ---------------------------------------

TEXT = "本年收入合计127.43万元。"
ENCODINGS = {
    "utf8-meta": ('<html><head><meta charset="utf-8"></head><body><p>%s</p></body></html>', "utf-8"),
    "utf8-no-meta": ("<p>%s</p>", "utf-8"),
    "gbk-meta-charset": ('<html><head><meta charset="gbk"></head><body><p>%s</p></body></html>', "gbk"),
    "gb2312-http-equiv": (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "</head><body><p>%s</p></body></html>",
        "gb2312",
    ),
    "gbk-no-meta": ("<p>%s</p>", "gbk"),
    "gb18030-meta": ('<meta charset="GB18030"><p>%s</p>', "gb18030"),
    "utf16-bom": ("<p>%s</p>", "utf-16"),  # Python writes the byte-order mark
}


@pytest.mark.parametrize("template,encoding", ENCODINGS.values(), ids=ENCODINGS)
def test_encodings(template, encoding):
    assert blocks(template % TEXT, encoding) == (Para(TEXT),)


# --- flow content ---------------------------------------------------------------------------

FLOW = {
    "script-style-dropped": (
        "<head><title>t</title><style>p{color:red}</style></head><body>"
        "<script>var x = '<p>不要</p>';</script><p>正文</p></body>",
        (Para("正文"),),
    ),
    "nav-header-footer-dropped": (
        "<header><p>网站首页</p></header><nav><a>政务公开</a></nav>"
        "<div><p>一、收入</p><p>正文</p></div><footer>版权所有</footer>",
        (Para("一、收入"), Para("正文")),
    ),
    "unclosed-head-closed-by-body": ("<html><head><title>网站</title><body><p>正文</p></body></html>", (Para("正文"),)),
    "headings": ("<h1>部门预算</h1><h2>一、收入</h2><p>正文</p>", (Para("部门预算", heading=True), Para("一、收入", heading=True), Para("正文"))),
    "source-line-break-between-chinese-is-no-space": ("<p>本年收入\n   合计127.43\n万元</p>", (Para("本年收入合计127.43 万元"),)),
    "nbsp-and-ideographic-space-indent": ("<p>&nbsp;&nbsp;\u3000\u3000本年收入</p>", (Para("本年收入"),)),
    "br-breaks-paragraphs": ("<p>第一行<br>第二行</p>", (Para("第一行"), Para("第二行"))),
    "inline-elements-do-not": ("<p>本年<b>收入</b><span>合计</span></p>", (Para("本年收入合计"),)),
    "entities": ("<p>A&amp;B &lt;1&gt;</p>", (Para("A&B <1>"),)),
    "latin-words-keep-their-space": ("<p>PDF to\nHTML</p>", (Para("PDF to HTML"),)),
}


@pytest.mark.parametrize("html,expected", FLOW.values(), ids=FLOW)
def test_flow(html, expected):
    assert blocks(html) == expected


# --- tables: (html, rows) -------------------------------------------------------------------

TABLES = {
    "plain": (
        "<table><tr><th>项目</th><th>金额</th></tr><tr><td>收入</td><td>1.00</td></tr></table>",
        (("项目", "金额"), ("收入", "1.00")),
    ),
    "colspan": (
        "<table><tr><td colspan=2>收入支出决算总表</td><td>单位：万元</td></tr>"
        "<tr><td>a</td><td>b</td><td>c</td></tr></table>",
        (("收入支出决算总表", "", "单位：万元"), ("a", "b", "c")),
    ),
    "rowspan": (
        "<table><tr><td rowspan=3>产出指标</td><td>数量指标</td><td>≥30次</td></tr>"
        "<tr><td>质量指标</td><td>≥95%</td></tr><tr><td>时效指标</td><td>≤12个月</td></tr></table>",
        (("产出指标", "数量指标", "≥30次"), ("", "质量指标", "≥95%"), ("", "时效指标", "≤12个月")),
    ),
    "rowspan-and-colspan": (
        "<table><tr><td rowspan=2 colspan=2>项目</td><td>决算数</td></tr><tr><td>1</td></tr>"
        "<tr><td>x</td><td>y</td><td>z</td></tr></table>",
        (("项目", "", "决算数"), ("", "", "1"), ("x", "y", "z")),
    ),
    "rowspan-in-last-column": (
        "<table><tr><td>a</td><td rowspan=2>合计</td></tr><tr><td>b</td></tr></table>",
        (("a", "合计"), ("b", "")),
    ),
    "ragged-rows-padded": (
        "<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>d</td></tr></table>",
        (("a", "b", "c"), ("d", "", "")),
    ),
    "cell-paragraphs-unwrapped": (
        "<table><tr><td><p>年初部门预算</p><p>安排金额</p></td><td>9209.55</td></tr></table>",
        (("年初部门预算安排金额", "9209.55"),),
    ),
    "tbody-thead": (
        "<table><thead><tr><th>项目</th></tr></thead><tbody><tr><td>收入</td></tr></tbody></table>",
        (("项目",), ("收入",)),
    ),
}


@pytest.mark.parametrize("html,rows", TABLES.values(), ids=TABLES)
def test_tables(html, rows):
    assert blocks(html) == (Grid(rows),)


def test_table_caption_and_order():
    html = (
        "<p>前文</p><table><caption>收入支出决算总表 单位：万元</caption>"
        "<tr><td>收入</td><td>1.00</td></tr></table><p>注：后文</p>"
    )
    assert blocks(html) == (
        Para("前文"),
        Grid((("收入", "1.00"),), caption="收入支出决算总表 单位：万元"),
        Para("注：后文"),
    )


def test_table_holding_a_table_is_layout():
    html = (
        "<table><tr><td><p>一、部门概况</p>"
        "<table><tr><td>项目</td><td>金额</td></tr></table>"
        "<p>二、说明</p></td></tr></table>"
    )
    assert blocks(html) == (
        Para("一、部门概况"),
        Grid((("项目", "金额"),)),
        Para("二、说明"),
    )


BROKEN = {
    "empty": (b"", "empty"),
    "only-script": (b"<script>alert(1)</script>", "empty"),
}


@pytest.mark.parametrize("data,reason", BROKEN.values(), ids=BROKEN)
def test_nothing_to_read(data, reason):
    with pytest.raises(DocumentError) as e:
        read_html.decode(data)
    assert e.value.reason == reason


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdiprtvl;:-0123456789收入万元\n")), max_size=300))
def test_hostile_markup_never_raises_anything_else(markup):
    try:
        read_html.decode(markup.encode())
    except DocumentError as e:
        assert e.reason in ("empty", "broken_html")


def test_positioned_page_is_laid_out():
    """A converter's page: absolutely placed runs and hairline boxes become a grid."""
    cell = 'style="position:absolute;left:{x}pt;top:{y}pt;font-size:10pt;"'
    rule_h = '<div style="position:absolute;left:50pt;top:{y}pt;width:200pt;height:0pt;border-bottom:0.5pt solid #000;"> </div>'
    rule_v = '<div style="position:absolute;left:{x}pt;top:100pt;width:0pt;height:40pt;border-right:0.5pt solid #000;"> </div>'
    parts = [rule_h.format(y=y) for y in (100, 120, 140)] + [rule_v.format(x=x) for x in (50, 150, 250)]
    texts = [(52, 104, "项目"), (152, 104, "金额"), (52, 124, "收入"), (152, 124, "127.43")]
    parts += [f"<div {cell.format(x=x, y=y)}>{t}</div>" for x, y, t in texts]
    parts += [f'<div {cell.format(x=60, y=80)}>收入表</div>', f'<div {cell.format(x=150, y=800)}>— 1 —</div>']
    html = (
        '<div class="page" style="width:595pt;height:842pt;position:relative;">'
        + "".join(parts)
        + "</div>"
    )
    d = read_html.decode(html.encode())
    assert d.n_pages == 1
    assert d.blocks == (Grid((("项目", "金额"), ("收入", "127.43")), page=1, caption="收入表"),)


# --- the 烟台 sample --------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def yantai():
    if not SAMPLES.is_dir():
        pytest.skip(f"real sample documents not found at {SAMPLES}")
    return read_html.decode((SAMPLES / YT).read_bytes())


def _grid(page: int) -> Grid:
    (g,) = [b for b in yantai().blocks if isinstance(b, Grid) and b.page == page]
    return g


def _row(grid: Grid, label: str) -> tuple[str, ...]:
    return next(r for r in grid.rows if label in r)


# (page, label, the filled cells of its row) — read off the page by hand
YT_ROWS = {
    "income-total": (7, "本 年 收 入 合 计", ("本 年 收 入 合 计", "32,471.49", "本 年 支 出 合 计", "35,874.49")),
    "grand-total": (7, "收 入 总 计", ("收 入 总 计", "35,874.49", "支 出 总 计", "35,874.49")),
    "fiscal-appropriation": (7, "一般公共预算收入", ("一般公共预算收入", "28,467.65", "二、外交支出")),
    "expenditure-basic-project": (11, "合 计", ("合 计", "35,874.49", "10,440.01", "25,434.48")),
}


@pytest.mark.parametrize("page,label,cells", YT_ROWS.values(), ids=YT_ROWS)
def test_yantai_table_rows(page, label, cells):
    grid = _grid(page)
    assert "单位：万元" in grid.caption
    assert tuple(c for c in _row(grid, label) if c) == cells


def test_yantai_three_public_table():
    grid = _grid(20)
    assert grid.caption == "公开表7 一般公共预算“三公”经费支出情况表 部门（单位）：烟台市退役军人事务局 单位：万元"
    header, *_, values = grid.rows
    assert header[0] == "2025年预算数" and header[6] == "2026年预算数"
    assert values[6:] == ("25.02", "", "17.40", "", "17.40", "7.62")


YT_TEXT = {
    "three-public": (29, "“三公”经费预算共25.02万元，比上年减少3.08万元"),
    "expenditure": (29, "2026年支出预算35,874.49万元，其中：基本支出10,440.01万元，项目支出25,434.48万元。"),
    "reception": (30, "3.公务接待费7.62万元"),
}


@pytest.mark.parametrize("page,fragment", YT_TEXT.values(), ids=YT_TEXT)
def test_yantai_text(page, fragment):
    assert any(fragment in b.text for b in yantai().blocks if isinstance(b, Para) and b.page == page)


def test_yantai_pages_and_chrome():
    d = yantai()
    assert d.n_pages == 53
    texts = [b.text for b in d.blocks if isinstance(b, Para)]
    assert "2026年烟台市退役军人事务局部门预算" in texts  # the page's own <h1>
    assert not any("jQuery" in t or "function" in t for t in texts)
    assert not any(t in ("— 4 —", "—4—", "4") for t in texts)  # page numbers dropped
    # the continued 收入总体情况表 is one grid (pp. 8-10)
    assert [b.page for b in d.blocks if isinstance(b, Grid) and b.caption and "公开表2" in b.caption] == [8]
