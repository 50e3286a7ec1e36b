"""PDF reader: real published documents (../shared/samples) and small PDFs built here.

Figures pinned below were read off the documents by hand (pdfplumber text dumps and the
rendered pages), not copied from this reader's output.
"""
from __future__ import annotations

import functools
import io
import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline import layout, read_pdf
from pipeline.records import DocumentError, Grid, Para
from tests import render


from tests.conftest import SAMPLES, SJ, WL, FS, FZ, HZ, JS, ND, GZ  # noqa: E402
_no_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"real sample documents not found at {SAMPLES}")


def needs_samples(test):
    """A test over the real sample PDFs: skipped without them, slow (a second or two each)."""
    return pytest.mark.slow(_no_samples(test))

CS = "长沙市国资委_2020_项目支出绩效评价报告.pdf"
BJ = "北京市政务服务和数据管理局_2026_部门预算_扫描件.pdf"
WITH_TEXT = [SJ, WL, FS, FZ, HZ, JS, ND, GZ, CS]


@functools.lru_cache(maxsize=None)
def decoded(name: str):
    return read_pdf.decode((SAMPLES / name).read_bytes())


def grids(name: str, page: int) -> list[Grid]:
    return [b for b in decoded(name).blocks if isinstance(b, Grid) and b.page == page]


def paras(name: str, page: int) -> list[Para]:
    return [b for b in decoded(name).blocks if isinstance(b, Para) and b.page == page]


def row_value(grid: Grid, label: str, column: str | None) -> str | None:
    """The figure right of `label` (the first filled cell, or the one under header `column`)."""
    header_rows = grid.rows[:4]
    for row in grid.rows:
        cells = [c.strip() for c in row]
        if label not in cells or (column is not None and column in cells):
            continue  # not this row, or a header row
        at = cells.index(label)
        if column is None:
            value = next((c for c in cells[at + 1 :] if c), None)
            if value and any(ch.isdigit() for ch in value):
                return value
            continue  # a header row that names the label as a column
        for head in header_rows:
            if column in head:
                return cells[head.index(column)]
    return None


# --- figures in tables: (file, page, row label, column header or None, value, unit) ------------
# The unit must be in the caption or the header rows of that table.

TABLE_FIGURES = {
    # 上海普陀区委社会工作部 2024 决算 — 收入支出决算总表 (p5) and 支出决算表 (p8)
    "sj-income-total": (SJ, 5, "本年收入合计", None, "307.82", "万元"),
    "sj-grand-total": (SJ, 5, "总计", None, "307.82", "万元"),
    "sj-expenditure-total": (SJ, 8, "合计", "本年支出合计", "307.82", "万元"),
    "sj-basic": (SJ, 8, "合计", "基本支出", "105.58", "万元"),
    "sj-project": (SJ, 8, "合计", "项目支出", "202.24", "万元"),
    # 上海普陀万里街道 2024 预算 — amounts in 元
    "wl-income-grand-total": (WL, 10, "收入总计", None, "156,211,123", "元"),
    "wl-general-budget-fund": (WL, 10, "1. 一般公共预算资金", None, "156,211,123", "元"),
    "wl-expenditure-total": (WL, 16, "合计", None, "156,211,123", "元"),
    "wl-basic": (WL, 16, "合计", "基本支出", "99,706,020", "元"),
    "wl-project": (WL, 16, "合计", "项目支出", "56,505,103", "元"),
    # 佛山市轨道交通局 2019 决算
    "fs-income-total": (FS, 5, "本年收入合计", "决算数", "1668.14", "万元"),
    "fs-expenditure-total": (FS, 10, "合计", "本年支出合计", "1668.14", "万元"),
    "fs-basic": (FS, 10, "合计", "基本支出", "746.39", "万元"),
    "fs-project": (FS, 10, "合计", "项目支出", "921.75", "万元"),
    # 福州市医疗保障局 2026 预算
    "fz-income-total": (FZ, 10, "本年收入合计", None, "351904.90", "万元"),
    "fz-expenditure-total": (FZ, 10, "本年支出合计", None, "351904.90", "万元"),
    "fz-basic": (FZ, 12, "合计", "基本支出", "7841.26", "万元"),
    "fz-project": (FZ, 12, "合计", "项目支出", "344063.64", "万元"),
    "fz-three-public-reception": (FZ, 21, "2、公务接待费", None, "5.00", "万元"),
    "fz-three-public-overseas": (FZ, 21, "1、因公出国（境）费用", None, "0.00", "万元"),
    # 杭州市公安局 2026 预算
    "hz-income-total": (HZ, 20, "本年收入合计", None, "400,391.78", "万元"),
    "hz-expenditure-total": (HZ, 20, "本年支出合计", None, "404,415.23", "万元"),
    "hz-project": (HZ, 23, "合计", "项目支出", "106,512.00", "万元"),  # printed "106,512.0" / "0"
    "hz-basic": (HZ, 26, "合计", "基本支出", "293,191.86", "万元"),
    "hz-three-public-total": (HZ, 29, "合计", "“三公”经费合计", "4,112.82", "万元"),
    "hz-reception": (HZ, 27, "公务接待费", None, "100.93", "万元"),
    "hz-vehicle-running": (HZ, 27, "公务用车运行维护费", None, "2,987.20", "万元"),
    # 江苏省高级人民法院 2019 预算
    "js-income-total": (JS, 10, "收入合计", None, "37,188.34", "万元"),
    "js-expenditure-total": (JS, 10, "支出合计", None, "37,188.34", "万元"),
    "js-basic": (JS, 10, "一、基本支出", None, "21,968.00", "万元"),
    "js-project": (JS, 10, "二、项目支出", None, "10,208.94", "万元"),
}

# --- whole rows of “三公” tables whose values have no row label: (file, page, filled cells) ----

THREE_PUBLIC_ROWS = {
    # 预算数 合计 出国 购置及运行 购置 运行 接待 | 决算数 (the same six)
    "fs-final-accounts": (FS, 21, ("0.00",) * 6 + ("0.16", "0.00", "0.00", "0.00", "0.00", "0.16")),
    # 合计(含会议费、培训费) 三公小计 出国 用车小计 运行维护 接待 会议费 培训费
    "js-budget": (JS, 14, ("2,382.02", "513.75", "160.00", "266.80", "266.80", "86.95", "271.02", "1,597.25")),
    # 三公合计 出国 接待 用车小计 购置 运行 | 机关运行经费 (the note below says 无 — the table does not)
    "wl-budget": (WL, 31, ("47.91", "0", "1.35", "46.56", "25", "21.56", "443.18")),
}


@needs_samples
@pytest.mark.parametrize("name,page,cells", THREE_PUBLIC_ROWS.values(), ids=THREE_PUBLIC_ROWS)
def test_three_public_table_row(name, page, cells):
    tables = [g for g in grids(name, page) if "三公" in (g.caption or "")]
    assert tables, [g.caption for g in grids(name, page)]
    assert cells in [tuple(c for c in r if c) for g in tables for r in g.rows]
    assert any("万元" in (g.caption or "") or any("万" in c for r in g.rows[:4] for c in r) for g in tables)


# --- figures in running text: (file, page, exact fragment of one paragraph) ------------------

TEXT_FIGURES = {
    "sj-basic-project": (SJ, 17, "本年支出合计 307.82 万元，其中：基本支出 105.58 万元，占34.30%；项目支出202.24 万元"),
    "sj-income-total": (SJ, 17, "本年收入合计307.82 万元"),
    "sj-three-public-none": (SJ, 20, "2024 年度无“三公”经费财政拨款支出"),
    "sj-personnel-public": (SJ, 20, "人员经费95.36 万元"),
    "wl-three-public-none": (WL, 31, "本部门2024年无“三公”经费和机关运行经费预算"),
    "fs-basic": (FS, 25, "1.基本支出 746.39万元"),
    "fs-project": (FS, 25, "2.项目支出 921.75万元"),
    "fs-three-public": (FS, 26, "“三公”经费财政拨款支出决算为 0.16万元"),
    "fz-basic": (FZ, 25, "2026年度一般公共预算拨款基本支出7841.26万元"),
    "hz-basic": (HZ, 11, "2026 年一般公共预算基本支出 293,191.86 万元"),
    "hz-three-public": (HZ, 11, "2026 年“三公”经费预算数为 4,112.82 万元"),
    "hz-reception": (HZ, 12, "公务接待费预算 100.93 万元"),
    "js-basic": (JS, 18, "基本支出预算数为 21968万元"),
    "js-project": (JS, 18, "项目支出预算数为 10208.94 万元"),
    # a figure too wide for the end of its line starts the next one, leaving the line above short
    # of the margin: the paragraph goes on (the figure and its label were two paragraphs)
    "hz-transport-pushed-figure": ("cities/杭州__2026年杭州市交通运输局部门预算.pdf", 15,
                                   "机关运行经费财政拨款预算8,989.73 万元，比上年预算数减少 217.38 万元，下降2.4%，主要是"),
    # one line squeezed past the margin does not move the page's right edge: the lines at the
    # margin run on (a word split over two lines, "预算绩" / "效管理", was two paragraphs)
    "fz-police-line-past-the-margin": ("cities/福州__2026年福州市公安局部门预算.pdf", 28,
                                       "治安管理支队按照全面实施预算绩效管理的要求，编制绩效目标并公开。"),
}


@needs_samples
@pytest.mark.parametrize("name,page,label,column,value,unit", TABLE_FIGURES.values(), ids=TABLE_FIGURES)
def test_table_figure(name, page, label, column, value, unit):
    found = [(g, row_value(g, label, column)) for g in grids(name, page)]
    hits = [g for g, v in found if v == value]
    assert hits, f"{label}/{column} on p{page}: {[v for _, v in found]}"
    g = hits[0]
    heading = " ".join([g.caption or ""] + [c for r in g.rows[:4] for c in r])
    assert re.search(rf"(?<![万亿千百]){unit}", heading), heading


@needs_samples
@pytest.mark.parametrize("name,page,fragment", TEXT_FIGURES.values(), ids=TEXT_FIGURES)
def test_text_figure(name, page, fragment):
    assert any(fragment in p.text for p in paras(name, page)), [p.text[:60] for p in paras(name, page)]


# --- the 宁德 self-evaluation table: cells under their printed columns ----------------------

ND_HEADER = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "指标分值", "自评得分")
ND_ROWS = {
    # 三级指标: (一级, 二级, 年度指标值, 实际完成值, 指标分值, 自评得分); "" = merged from above
    "three-public-rate": ("“三公”经费控制率", "一般性支出情况", "一般性支出情况", "≤100%", "93.47", "2", "2"),
    "basic-cost": ("基本经费投入成本", "成本指标", "经济成本指标", "≤3843.67万元", "4262.96", "4", "0"),
    "project-cost": ("项目经费投入成本", "", "", "≤5365.88万元", "4611.78", "4", "4"),
    "satisfaction": ("12345平台座席满意率", "满意度指标", "服务对象满意度", "≥95%", "99.14", "10", "10"),
    "meetings": ("市政府常务会议场次", "产出指标", "数量指标", "≥30次", "20", "2", "1.33"),
    "deadline": ("项目整体完成时限", "", "时效指标", "≤12个月", "12", "5", "5"),
}


@pytest.fixture(scope="module")
def ningde_table():
    if not SAMPLES.is_dir():
        pytest.skip(f"real sample documents not found at {SAMPLES}")
    tables = grids(ND, 1)
    assert len(tables) == 1
    return tables[0]


def _columns(grid: Grid) -> dict[str, int]:
    for row in grid.rows:
        if all(h in row for h in ND_HEADER):
            return {h: row.index(h) for h in ND_HEADER}
    raise AssertionError("indicator header row not found")


@pytest.mark.parametrize("level3,level1,level2,target,actual,weight,score", ND_ROWS.values(), ids=ND_ROWS)
def test_ningde_indicator_rows(ningde_table, level3, level1, level2, target, actual, weight, score):
    col = _columns(ningde_table)
    row = next(r for r in ningde_table.rows if r[col["三级指标"]] == level3)
    got = tuple(row[col[h]] for h in ND_HEADER)
    assert got == (level1, level2, level3, target, actual, weight, score)


def test_ningde_total_score_and_caption(ningde_table):
    assert ningde_table.caption == "部门整体绩效自评表 （2024年度）"  # two printed lines
    assert ("总分值、评价总分(S)", "92.33") == tuple(c for c in ningde_table.rows[-2] if c)
    assert ("评价等级", "优（S≧90）") == tuple(c for c in ningde_table.rows[-1] if c)


# --- whole-document properties of every sample ----------------------------------------------


@needs_samples
def test_scanned_pdf_is_no_text_layer_quickly():
    data = (SAMPLES / BJ).read_bytes()
    t = time.perf_counter()
    with pytest.raises(DocumentError) as e:
        read_pdf.decode(data)
    assert e.value.reason == "no_text_layer"
    assert time.perf_counter() - t < 2.0


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


@needs_samples
@pytest.mark.parametrize("name", WITH_TEXT)
def test_no_space_between_chinese_characters_without_a_gap(name):
    """Every "汉 字" the reader writes is a pair pdfplumber's characters show 1/4 em apart."""
    import pdfplumber

    spaced = Counter()
    for b in decoded(name).blocks:
        texts = [b.text] if isinstance(b, Para) else [c for r in b.rows for c in r]
        for t in texts:
            for m in re.finditer(r"(\S) (\S)", t):
                if _wide(m[1]) and _wide(m[2]):
                    spaced[(b.page, m[1], m[2])] += 1
    gaps = set()
    with pdfplumber.open(SAMPLES / name) as pdf:
        for number in {page for page, _, _ in spaced}:
            page = pdf.pages[number - 1]
            chars = [c for c in page.dedupe_chars().chars if not c["text"].isspace()]
            for a, b in zip(chars, chars[1:]):
                if abs(a["top"] - b["top"]) < 2 and b["x0"] - a["x1"] >= 0.25 * a["size"]:
                    gaps.add((number, a["text"], b["text"]))
            page.close()
    assert not [k for k in spaced if k not in gaps]


@needs_samples
@pytest.mark.parametrize("name", WITH_TEXT)
def test_pdfium_glyphs_equal_pdfplumber_chars(name):
    """The fast engine reads the same characters as pdfplumber (after both dedupe), page by page."""
    import pdfplumber
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument((SAMPLES / name).read_bytes())
    with pdfplumber.open(SAMPLES / name) as pdf:
        for i, page in enumerate(pdf.pages):
            glyphs = read_pdf._glyphs(doc[i], doc[i].get_height())
            if glyphs is None:  # PDFium skipped a text object: this page is read by pdfminer
                page.close()
                continue
            ours = layout.dedupe(glyphs)
            a = Counter(g.text for g in ours if not g.text.isspace())
            b = Counter(c["text"] for c in page.dedupe_chars().chars if not c["text"].isspace())
            assert a == b, f"page {i + 1}"
            page.close()


@needs_samples
@pytest.mark.parametrize("name", WITH_TEXT)
def test_tables_found_where_pdfplumber_finds_them(name):
    import pdfplumber
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument((SAMPLES / name).read_bytes())
    with pdfplumber.open(SAMPLES / name) as pdf:
        for i, page in enumerate(pdf.pages):
            p = doc[i]
            ours = sorted(
                tuple(round(v) for v in layout._bbox(cells))
                for cells in layout.find_tables(read_pdf._edges(p, p.get_height()))
            )
            theirs = sorted(
                tuple(round(v) for v in t.bbox) for t in page.find_tables() if len(t.cells) > 1
            )
            assert ours == theirs, f"page {i + 1}"
            page.close()


@needs_samples
@pytest.mark.parametrize("name", WITH_TEXT)
def test_no_page_numbers_left_and_no_warnings(name):
    d = decoded(name)
    assert d.warnings == ()
    numbers = [p for p in d.blocks if isinstance(p, Para) and layout.PAGE_NUMBER.match(p.text)]
    assert numbers == []


@needs_samples
def test_table_text_not_repeated_as_paragraphs():
    for name, page, cell in [(SJ, 5, "一、一般公共预算财政拨款收入"), (FS, 10, "对附属单位补助支出"), (ND, 1, "会议费、差旅费超标准使用次数")]:
        assert any(cell in c for g in grids(name, page) for r in g.rows for c in r)
        assert not any(cell in p.text for p in paras(name, page))


@needs_samples
@pytest.mark.parametrize("name", [SJ, ND])
def test_truncated_or_damaged_sample_raises_only_document_error(name):
    data = (SAMPLES / name).read_bytes()
    for cut in (len(data) // 7, len(data) // 2, len(data) - 100):
        for damaged in (data[:cut], data[:cut] + b"\x00" * 64 + data[cut + 64 :]):
            try:
                read_pdf.decode(damaged)
            except DocumentError as e:
                assert e.reason in ("broken_pdf", "no_text_layer")


@needs_samples
def test_continued_table_joined_to_its_first_part():
    # 佛山 表1 runs over pp. 5-7 with its caption and header repeated on each page.
    (grid,) = grids(FS, 5)
    assert grids(FS, 6) == grids(FS, 7) == []
    labels = [r[0] for r in grid.rows]
    assert labels.count("项 目") == 1
    assert "本年收入合计" in labels and "总计" in labels
    # 万里 收入预算总表: its last row ("合计") sits alone on p15 with fewer rulings.
    (income,) = [g for g in grids(WL, 11)]
    assert income.rows[-1][:1] == ("合计",) and "156,211,123" in income.rows[-1]
    assert grids(WL, 15) == []


# --- small PDFs built here ------------------------------------------------------------------

LINE = "本单位二〇二四年度收入支出决算总体情况说明如下所述其中本年收入合计"  # 34 CJK chars


def _para_lines(top: float, lines: list[str], indent_first=True) -> list[render.Text]:
    return [
        render.Text(72 + (24 if i == 0 and indent_first else 0), top + 24 * i, text)
        for i, text in enumerate(lines)
    ]


SYNTHETIC = {
    # a figure split over a line break is whole again, no space between CJK at the break
    "figure-split-over-lines": (
        [render.Page(_para_lines(100, [LINE[:32] + "127.43", "万元，占总收入的百分之百。"]))],
        [LINE[:32] + "127.43万元，占总收入的百分之百。"],
    ),
    # a figure that would not fit at the end of a line starts the next: the short line runs on
    "figure-pushed-to-next-line": (
        [render.Page(_para_lines(100, [LINE[:32], LINE[:30], "12,345,678.90万元，占总收入的百分之百。"]))],
        [LINE[:32] + LINE[:30] + "12,345,678.90万元，占总收入的百分之百。"],
    ),
    # ... but a short line whose next line's first word would have fitted ends its paragraph
    "short-line-before-a-word-that-fits": (
        [render.Page(_para_lines(100, [LINE[:32], LINE[:30], "5万元。"]))],
        [LINE[:32] + LINE[:30], "5万元。"],
    ),
    # a line past the margin (here by two figures) leaves the margin where the other lines end
    "a-line-past-the-margin-does-not-move-it": (
        [render.Page(_para_lines(100, [LINE[:32], LINE + "年", LINE + "年12", LINE, "合计为零。"]))],
        [LINE[:32] + LINE + "年" + LINE + "年12" + LINE + "合计为零。"],
    ),
    # running header and page numbers "— 1 —", "- 2 -" are dropped
    "header-footer-page-numbers": (
        [
            render.Page(
                [render.Text(200, 20, "某某单位2024年度部门决算"), render.Text(72, 100, "第一段。"), render.Text(280, 800, "— 1 —")]
            ),
            render.Page(
                [render.Text(200, 20, "某某单位2024年度部门决算"), render.Text(72, 100, "第二段。"), render.Text(280, 800, "- 2 -")]
            ),
            render.Page(
                [render.Text(200, 20, "某某单位2024年度部门决算"), render.Text(72, 100, "第三段。"), render.Text(290, 800, "3")]
            ),
        ],
        ["第一段。", "第二段。", "第三段。"],
    ),
    # a paragraph running over a page break stays one paragraph (on its first page)
    "paragraph-over-page-break": (
        [
            render.Page(_para_lines(700, [LINE[:32], LINE[:34]])),  # both end at x=480
            render.Page(_para_lines(100, ["合计为零。"], indent_first=False)),
        ],
        [LINE[:32] + LINE[:34] + "合计为零。"],
    ),
}


@pytest.mark.parametrize("pages,texts", SYNTHETIC.values(), ids=SYNTHETIC)
def test_synthetic_paragraphs(pages, texts):
    d = read_pdf.decode(render.pdf(pages))
    assert [b.text for b in d.blocks if isinstance(b, Para)] == texts


def test_table_with_caption_and_unit_not_repeated_as_text():
    rows = [["项目", "决算数"], ["本年收入合计", "127.43"], ["本年支出合计", "127.43"]]
    page = render.Page(
        [
            render.Text(72, 60, "收入支出决算总表"),
            render.Text(400, 80, "单位：万元", size=10),
            render.Table(72, 100, [200, 120], rows),
            render.Text(72, 200, "注：本表反映部门本年度的总收支。"),
        ]
    )
    d = read_pdf.decode(render.pdf([page]))
    assert d.blocks == (
        Grid(tuple(map(tuple, rows)), page=1, caption="收入支出决算总表 单位：万元"),
        Para("注：本表反映部门本年度的总收支。", page=1),
    )


TURNS = {
    f"{font}-turned-{turn}": (font, turn)
    for font in ("STSong-Light", "Helvetica")  # STSong sideways is read by pdfminer, Helvetica by PDFium
    for turn in (90, 180, 270)
}


@pytest.mark.parametrize("font,turn", TURNS.values(), ids=TURNS)
def test_sideways_page_reads_upright(font, turn):
    latin = font == "Helvetica"
    rows = [["Item", "Amount"], ["Total", "127.43"]] if latin else [["项目", "决算数"], ["本年收入合计", "127.43"]]
    title, note = ("Income table", "Note: totals.") if latin else ("收入支出决算总表", "注：本表反映总收支。")
    page = render.Page(
        [render.Text(72, 60, title), render.Table(72, 84, [200, 120], rows), render.Text(72, 200, note)]
    )
    d = read_pdf.decode(render.pdf([page], turn=turn, font=font))
    assert d.blocks == (Grid(tuple(map(tuple, rows)), page=1, caption=title), Para(note, page=1))


def test_table_continued_on_next_page_without_caption():
    first = [["项目", "金额"], ["甲", "1.00"], ["乙", "2.00"]]
    rest = [["丙", "3.00"], ["合计", "6.00"]]
    pages = [
        render.Page([render.Text(72, 700, "某某表"), render.Table(72, 730, [200, 100], first)]),
        render.Page([render.Table(72, 60, [200, 100], rest)]),
    ]
    (grid,) = read_pdf.decode(render.pdf(pages)).blocks
    assert grid == Grid(tuple(map(tuple, first + rest)), page=1, caption="某某表", row_pages=(1, 1, 1, 2, 2))


def test_table_on_next_page_with_other_columns_is_a_new_table():
    pages = [
        render.Page([render.Table(72, 730, [200, 100], [["甲", "1.00"], ["乙", "2.00"]])]),
        render.Page([render.Table(72, 60, [100, 100, 100], [["丙", "3.00", "x"], ["丁", "4", "y"]])]),
    ]
    assert [b.page for b in read_pdf.decode(render.pdf(pages)).blocks] == [1, 2]


def _raw_pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_unmapped_glyphs_reported_as_cid_garbage():
    # A Type0 font with Identity-H and no ToUnicode: pdfminer shows "(cid:17)(cid:34)..."
    content = b"BT /F1 12 Tf 72 700 Td <0011002200330044> Tj ET"
    data = _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H "
            b"/DescendantFonts [6 0 R] >>",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /CIDSystemInfo "
            b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        ]
    )
    d = read_pdf.decode(data)
    assert d.warnings == ("cid_garbage: page 1: 4 characters have no Unicode mapping",)


def test_fake_bold_doubled_characters_read_once():
    """Each character shown twice, the second 0.4 pt to the right (a TJ kern moves back)."""
    import io

    import pdfplumber
    from reportlab.pdfbase.pdfmetrics import stringWidth

    shown = " ".join(
        f"({ch}) {stringWidth(ch, 'Helvetica', 12) * 1000 / 12 - 33:.0f} ({ch})" for ch in "Total 127.43"
    )
    content = f"BT /F1 12 Tf 72 700 Td [{shown}] TJ ET".encode()
    data = _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert pdf.pages[0].extract_text() == "TToottaall 112277..4433"  # the input is doubled
    assert read_pdf.decode(data).blocks == (Para("Total 127.43", page=1),)


def test_dedupe_drops_a_character_drawn_again_within_a_point():
    g = layout.Glyph
    glyphs = [g("收", 72, 84, 100, 112, 12), g("收", 72.6, 84.6, 100.4, 112.4, 12), g("入", 84, 96, 100, 112, 12)]
    assert layout.dedupe(glyphs) == [glyphs[0], glyphs[2]]
    apart = [g("收", 72, 84, 100, 112, 12), g("收", 84, 96, 100, 112, 12)]  # "收收" is two characters
    assert layout.dedupe(apart) == apart


BROKEN = {
    "not-a-pdf": (b"<html>not a pdf</html>", "broken_pdf"),
    "truncated": (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "broken_pdf"),
    "empty": (b"", "empty"),  # bug (issue 15): said broken_pdf
}


@pytest.mark.parametrize("data,reason", BROKEN.values(), ids=BROKEN)
def test_broken_pdf(data, reason):
    with pytest.raises(DocumentError) as e:
        read_pdf.decode(data)
    assert e.value.reason == reason


def test_lone_cjk_character_in_non_embedded_font_is_not_lost():
    # PDFium measures a one-character text object in STSong-Light (not embedded) as zero-width
    # and leaves it out of its text page; the reader must notice and read that page otherwise.
    page = render.Page([render.Table(72, 60, [200, 100], [["类", "1.00"], ["款", "2.00"]])])
    assert read_pdf.decode(render.pdf([page])).blocks == (
        Grid((("类", "1.00"), ("款", "2.00")), page=1),
    )


SMALL = render.pdf([render.Page([render.Text(72, 72, "本年收入合计127.43万元"), render.Table(72, 100, [100, 80], [["项目", "金额"], ["合计", "1.00"]])])])


@settings(max_examples=100, deadline=None)
@example(edits=[(1137, b"\x00" * 6)])  # PDFium cannot load the page; pdfminer can
@given(st.lists(st.tuples(st.integers(0, len(SMALL) - 1), st.binary(min_size=1, max_size=8)), min_size=1, max_size=6))
def test_damaged_pdf_raises_only_document_error(edits):
    data = bytearray(SMALL)
    for at, junk in edits:
        data[at : at + len(junk)] = junk
    try:
        read_pdf.decode(bytes(data))
    except DocumentError as e:
        assert e.reason in ("broken_pdf", "no_text_layer", "encrypted_pdf")


def test_encrypted_pdf():
    data = render.pdf([render.Page([render.Text(72, 72, "机密")])], encrypt="secret")
    with pytest.raises(DocumentError) as e:
        read_pdf.decode(data)
    assert e.value.reason == "encrypted_pdf"


SCAN = render.Image(40, 40, 515, 760)

SCANNED = {
    # (pages, reason or None, warnings)
    "all-pages-images-with-page-numbers": (
        [render.Page([SCAN, render.Text(290, 810, "— 1 —")]), render.Page([SCAN, render.Text(290, 810, "— 2 —")])],
        "no_text_layer",
        (),
    ),
    "one-scanned-page-among-text": (
        [render.Page([render.Text(72, 100, "本年收入合计127.43万元。")]), render.Page([SCAN]), render.Page([SCAN])],
        None,
        ("scanned_pages: pages 2-3 are images without a text layer; they need OCR",),
    ),
    "picture-beside-text-is-no-scan": (
        [render.Page([render.Image(72, 300, 200, 100), render.Text(72, 100, "本年收入合计127.43万元，其中基本支出100.00万元。")])],
        None,
        (),
    ),
}


@pytest.mark.parametrize("pages,reason,warnings", SCANNED.values(), ids=SCANNED)
def test_scanned_pages(pages, reason, warnings):
    data = render.pdf(pages)
    if reason:
        with pytest.raises(DocumentError) as e:
            read_pdf.decode(data)
        assert e.value.reason == reason
    else:
        assert read_pdf.decode(data).warnings == warnings


def test_pdf_without_text_is_no_text_layer():
    with pytest.raises(DocumentError) as e:
        read_pdf.decode(render.pdf([render.Page([])]))
    assert e.value.reason == "no_text_layer"


# --- bugs -------------------------------------------------------------------------------------


def _with_circles() -> bytes:
    """A page PDFium leaves a lone "印" out of (so pdfminer reads it), with two circles: pdfminer
    gives the curves' segments no orientation."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(render.FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont(render.FONT, 12)
    c.drawString(72, 700, "基本支出800.00万元")
    c.drawString(300, 600, "印")
    c.circle(200, 400, 50)
    c.circle(400, 400, 30)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_curves_on_a_pdfminer_page_are_no_rulings():
    # bug (issue 15): internal_error KeyError: None in pdfplumber's merge_edges
    assert read_pdf.decode(_with_circles()).blocks == (Para("基本支出800.00万元", page=1), Para("印", page=1))


def test_a_page_that_cannot_be_read_costs_only_that_page(monkeypatch):
    # bug (issue 15): an exception on one page (a real 珠海 budget: IndexError) failed the document
    data = render.pdf([render.Page([render.Text(72, 72, f"第{n}页收入合计1.00万元")]) for n in (1, 2, 3)])
    real = read_pdf._layout

    def layout(page, number, data):
        if number == 2:
            raise IndexError("tuple index out of range")
        return real(page, number, data)

    monkeypatch.setattr(read_pdf, "_layout", layout)
    decoded = read_pdf.decode(data)
    assert [b.page for b in decoded.blocks] == [1, 3]
    assert decoded.warnings == (
        "broken_pages: pages 2 of 3 cannot be read and are left out (page 2: IndexError: tuple index out of range)",
    )


def test_no_page_readable_is_broken_pdf(monkeypatch):
    data = render.pdf([render.Page([render.Text(72, 72, "收入合计1.00万元")])])
    monkeypatch.setattr(read_pdf, "_layout", lambda page, number, data: ().index(0))
    with pytest.raises(DocumentError) as e:
        read_pdf.decode(data)
    assert e.value.reason == "broken_pdf" and "page 1: ValueError" in e.value.detail


def continuation_longer_than_its_first_part() -> bytes:
    """A table on page 1 whose continuation on page 2 repeats all its rows, then has more."""
    first = [["项目", "金额"], ["合计", "3.00"]]
    return render.pdf([
        render.Page([render.Table(72, 72, [100, 80], first)]),
        render.Page([render.Table(72, 72, [100, 80], first + [["基本支出", "2.00"], ["项目支出", "1.00"]])]),
    ])


def test_continuation_repeating_every_row_of_the_first_part():
    # bug (issue 15, found by tests/test_fuzz.py): IndexError: tuple index out of range when
    # the repeated header rows of a continuation ran past the first part's rows
    assert read_pdf.decode(continuation_longer_than_its_first_part()).blocks == (
        Grid((("项目", "金额"), ("合计", "3.00"), ("基本支出", "2.00"), ("项目支出", "1.00")), page=1, row_pages=(1, 1, 2, 2)),
    )
