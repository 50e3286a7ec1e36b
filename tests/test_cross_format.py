"""The same document as .txt, .docx, .pdf and .html gives the same amounts.

Each seed text in corpus/ is read by the text reader; its paragraphs and tables are rendered as
a Word document (real Word tables), a PDF (reportlab's built-in STSong-Light, ruled tables,
justified lines, page numbers in the footer) and a web page (UTF-8 and GBK); the pipeline must find the same
(value, unit, label) figures in all of them.
"""
from __future__ import annotations

import functools
import hashlib
from collections import Counter

import pytest

from pipeline import read_text
from pipeline.records import Source
from pipeline.process import source_to_result
from tests import render
from tests.conftest import SEED_IDS, seed_path


# name -> (format, renderer)
RENDERERS = {
    "docx": ("docx", render.docx_from_blocks),
    "pdf": ("pdf", render.pdf_from_blocks),
    "html": ("html", render.html_from_blocks),
    "html-gbk": ("html", lambda blocks: render.html_from_blocks(blocks, "gbk")),
}


def _result(fmt: str, data: bytes):
    sha = hashlib.sha256(data).hexdigest()
    return source_to_result(Source(path=f"seed.{fmt}", format=fmt, data=data, sha256=sha, size=len(data)))


@functools.lru_cache(maxsize=None)
def results(seed: str) -> dict:
    data = seed_path(seed).read_bytes()
    blocks = read_text.decode(data).blocks
    out = {"txt": _result("txt", data)}
    for name, (fmt, render_fn) in RENDERERS.items():
        out[name] = _result(fmt, render_fn(blocks))
    return out


def amounts(result) -> Counter:
    return Counter((a["value"], a["unit"], a["label"]) for a in result.rows["amounts"])


@pytest.mark.parametrize("fmt", list(RENDERERS))
@pytest.mark.parametrize("seed", SEED_IDS)
def test_same_amounts_as_the_text(seed, fmt):
    got = results(seed)
    assert got[fmt].document["status"] == "ok", got[fmt].document["error"]
    expected, found = amounts(got["txt"]), amounts(got[fmt])
    assert expected, "the seed has figures"
    assert (expected - found, found - expected) == (Counter(), Counter())


@pytest.mark.parametrize("seed", SEED_IDS)
def test_pdf_amounts_carry_pages(seed):
    rows = results(seed)["pdf"].rows["amounts"]
    assert all(isinstance(r["page"], int) and r["page"] >= 1 for r in rows)
    assert results(seed)["pdf"].document["n_pages"] >= 1


def test_wrap_gives_the_text_back():
    from pipeline.layout import _join_lines

    text = "本年收入合计127.43万元，占1,240.56万元的10.3%。1、其中：A report on 2024 年 收入"
    for width in (40, 60, 90, 130):
        lines = render.wrap(text, width, 10)
        assert len(lines) > 1
        assert _join_lines(lines) == render._visible_spaces(text)
