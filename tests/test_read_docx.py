"""DOCX reader: documents built here with python-docx (no sample .docx exists)."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from pipeline import read_docx
from pipeline.records import DocumentError, Grid, Para


def saved(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def table(document, rows: list[list[str]]):
    t = document.add_table(rows=len(rows), cols=len(rows[0]))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            if text:
                t.cell(i, j).text = text
    return t


# --- headings: (how the paragraph is made, heading?) ----------------------------------------


def _heading(level):
    return lambda d: d.add_heading("一、收入支出决算总体情况", level=level)


def _styled(name):
    def make(d):
        style = d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH) if name not in [s.name for s in d.styles] else d.styles[name]
        return d.add_paragraph("一、收入支出决算总体情况", style=style)

    return make


def _based_on_heading(d):
    style = d.styles.add_style("部门标题", WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = d.styles["Heading 2"]
    return d.add_paragraph("一、收入支出决算总体情况", style=style)


def _outline_level(d):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = d.add_paragraph("一、收入支出决算总体情况")
    lvl = OxmlElement("w:outlineLvl")
    lvl.set(qn("w:val"), "0")
    p._p.get_or_add_pPr().append(lvl)
    return p


HEADINGS = {
    "heading-1": (_heading(1), True),
    "heading-3": (_heading(3), True),
    "title": (_heading(0), True),
    "chinese-style-name": (_styled("标题 2"), True),
    "style-based-on-heading": (_based_on_heading, True),
    "outline-level": (_outline_level, True),
    "normal": (lambda d: d.add_paragraph("一、收入支出决算总体情况"), False),
    "list-paragraph": (_styled("List Paragraph"), False),
}


@pytest.mark.parametrize("make,heading", HEADINGS.values(), ids=HEADINGS)
def test_headings(make, heading):
    d = docx.Document()
    make(d)
    assert read_docx.decode(saved(d)).blocks == (Para("一、收入支出决算总体情况", heading=heading),)


# --- merged cells: (how the table is merged, the rows) ---------------------------------------


def _merge_across(d):
    t = table(d, [["", "", "单位：万元"], ["项目", "决算数", "备注"]])
    t.cell(0, 0).merge(t.cell(0, 1)).text = "收入支出决算总表"


def _merge_down(d):
    t = table(d, [["", "数量指标", "≥30次"], ["", "质量指标", "≥95%"], ["", "时效指标", "≤12个月"]])
    t.cell(0, 0).merge(t.cell(2, 0)).text = "产出指标"


def _merge_block(d):
    t = table(d, [["", "", "决算数"], ["", "", "1.00"], ["x", "y", "z"]])
    t.cell(0, 0).merge(t.cell(1, 1)).text = "项目"


MERGES = {
    "grid-span": (_merge_across, (("收入支出决算总表", "", "单位：万元"), ("项目", "决算数", "备注"))),
    "vertical-merge": (
        _merge_down,
        (("产出指标", "数量指标", "≥30次"), ("", "质量指标", "≥95%"), ("", "时效指标", "≤12个月")),
    ),
    "block-merge": (_merge_block, (("项目", "", "决算数"), ("", "", "1.00"), ("x", "y", "z"))),
}


@pytest.mark.parametrize("make,rows", MERGES.values(), ids=MERGES)
def test_merged_cells_given_once(make, rows):
    d = docx.Document()
    make(d)
    assert read_docx.decode(saved(d)).blocks == (Grid(rows),)


def test_body_order_and_empty_paragraphs_skipped():
    d = docx.Document()
    d.add_heading("收入支出决算总表", level=2)
    d.add_paragraph("")
    table(d, [["本年收入合计", "127.43"]])
    d.add_paragraph("注：本表反映部门本年度的总收支。")
    assert read_docx.decode(saved(d)).blocks == (
        Para("收入支出决算总表", heading=True),
        Grid((("本年收入合计", "127.43"),)),
        Para("注：本表反映部门本年度的总收支。"),
    )


def test_cell_with_several_paragraphs_and_line_breaks():
    d = docx.Document()
    t = table(d, [["", "9209.55"]])
    cell = t.cell(0, 0)
    cell.text = "年初部门预算"
    cell.add_paragraph("安排金额")
    cell.paragraphs[1].add_run().add_break()
    cell.paragraphs[1].add_run("（含历年结余结转）")
    assert read_docx.decode(saved(d)).blocks == (Grid((("年初部门预算安排金额（含历年结余结转）", "9209.55"),)),)


def test_soft_line_break_in_paragraph_is_unwrapped():
    d = docx.Document()
    p = d.add_paragraph("本年收入合计127.43")
    p.add_run().add_break()
    p.add_run("万元。")
    assert read_docx.decode(saved(d)).blocks == (Para("本年收入合计127.43万元。"),)


def test_headers_and_footers_not_read():
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "某某单位2024年度部门决算"
    d.sections[0].footer.paragraphs[0].text = "— 1 —"
    d.add_paragraph("正文")
    assert read_docx.decode(saved(d)).blocks == (Para("正文"),)


BROKEN = {
    "not-a-zip": b"plain text, not a docx",
    "zip-without-document": b"PK\x05\x06" + b"\x00" * 18,
    "legacy-doc-or-encrypted": bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504,
}


@pytest.mark.parametrize("data", BROKEN.values(), ids=BROKEN)
def test_broken_docx(data):
    with pytest.raises(DocumentError) as e:
        read_docx.decode(data)
    assert e.value.reason == "broken_docx"
    assert e.value.detail


# --- bugs -------------------------------------------------------------------------------------


def test_empty_docx_is_empty_not_broken():
    # bug (issue 15): a 0-byte .docx said broken_docx
    with pytest.raises(DocumentError) as e:
        read_docx.decode(b"")
    assert e.value.reason == "empty"


def with_dtd(paragraphs: list[str], dtd: str) -> bytes:
    """A .docx whose document.xml declares `dtd` as its internal subset; "&e;" in a paragraph
    is a reference to entity e."""
    d = docx.Document()
    for text in paragraphs:
        d.add_paragraph(text.replace("&e;", "ENTITYREF"))
    src = zipfile.ZipFile(io.BytesIO(saved(d)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                at = data.index(b"?>") + 2
                data = data[:at] + f"<!DOCTYPE w:document [{dtd}]>".encode() + data[at:].replace(b"ENTITYREF", b"&e;")
            out.writestr(item, data)
    return buf.getvalue()


ENTITIES = {  # bug (issue 15): the text after an entity reference in a w:t was silently lost
    "internal-entity-mid-run": (["本年收入&e;127.43万元。", "第二段"], '<!ENTITY e "合计">',
                                ("本年收入合计127.43万元。", "第二段")),
    "two-references": (["&e;一&e;二"], '<!ENTITY e "甲">', ("甲一甲二",)),
}


@pytest.mark.parametrize("texts,dtd,expected", ENTITIES.values(), ids=ENTITIES)
def test_internal_entity_text_is_read(texts, dtd, expected):
    data = with_dtd(texts, dtd)
    assert tuple(b.text for b in read_docx.decode(data).blocks) == expected


UNSAFE_ENTITIES = {  # never expanded, never silently dropped: a clear broken_docx
    "external-xxe": '<!ENTITY e SYSTEM "file:///etc/passwd">',
    "billion-laughs": '<!ENTITY a "lol"><!ENTITY e "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">',
    "undeclared": '<!ENTITY other "x">',
}


@pytest.mark.parametrize("dtd", UNSAFE_ENTITIES.values(), ids=UNSAFE_ENTITIES)
def test_unsafe_entity_is_a_clear_error(dtd):
    data = with_dtd(["前&e;后"], dtd)
    try:
        blocks = read_docx.decode(data).blocks
    except DocumentError as e:
        assert e.reason == "broken_docx" and ("&e;" in e.detail or "Entity 'e'" in e.detail)
    else:  # the parser itself may refuse the reference; text is never silently cut
        assert "后" in "".join(b.text for b in blocks)
        assert "root:" not in "".join(b.text for b in blocks)


def test_entity_expansion_is_bounded(monkeypatch):
    monkeypatch.setattr(read_docx, "MAX_ENTITY_CHARS", 10)
    data = with_dtd(["&e;&e;"], '<!ENTITY e "123456">')
    with pytest.raises(DocumentError) as e:
        read_docx.decode(data)
    assert e.value.reason == "broken_docx"
