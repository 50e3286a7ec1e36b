"""The real samples through the whole pipeline: status per file, and the figures pinned in
test_read_pdf / test_read_html coming out as `amounts` rows with their unit and page."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest

from pipeline import load, normalise
from pipeline.process import process_path

from tests.conftest import SAMPLES, SJ, WL, FS, FZ, HZ, JS, YT, BJ  # noqa: E402
pytestmark = [
    pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"real sample documents not found at {SAMPLES}"),
    pytest.mark.slow,  # the real samples through the pipeline: seconds each
]



@functools.lru_cache(maxsize=None)
def result(name: str):
    return process_path(str(SAMPLES / name))


STATUS = {name: ("failed", "no_text_layer") if name == BJ else ("ok", None) for name in sorted(
    p.name for p in SAMPLES.glob("*") if p.suffix in (".pdf", ".html")
)} if SAMPLES.is_dir() else {}


@pytest.mark.parametrize("name,expected", STATUS.items(), ids=list(STATUS))
def test_status(name, expected):
    doc = result(name).document
    status, reason = expected
    assert doc["status"] == status, doc["error"]
    assert (doc["error"] or "").split(":")[0] == (reason or "")


# (file, page, label, value_text, unit), read off the documents by hand
AMOUNTS = {
    # 上海普陀区委社会工作部 2024 决算
    "sj-income-total-table": (SJ, 5, "本年收入合计", "307.82", "万元"),
    "sj-expenditure-total-table": (SJ, 5, "本年支出合计", "307.82", "万元"),
    "sj-grand-total-table": (SJ, 5, "总计", "307.82", "万元"),
    "sj-housing-table": (SJ, 5, "十九、住房保障支出", "29.42", "万元"),
    # 上海普陀万里街道 2024 预算: the tables are in 元
    "wl-income-grand-total-yuan": (WL, 10, "收入总计", "156,211,123", "元"),
    "wl-basic-yuan": (WL, 16, "合计", "99,706,020", "元"),  # the 合计 row alone on p20, joined
    "wl-project-yuan": (WL, 16, "合计", "56,505,103", "元"),
    "wl-three-public-table": (WL, 31, "合计", "47.91", "万元"),
    # 佛山市轨道交通局 2019 决算
    "fs-income-total-table": (FS, 5, "本年收入合计", "1668.14", "万元"),
    "fs-basic-text": (FS, 25, "1.基本支出", "746.39万元", "万元"),
    "fs-total-income-text": (FS, 24, "总收入", "1668.14万元", "万元"),
    "fs-reception-table": (FS, 17, "公务接待费", "0.16", "万元"),
    # 福州市医疗保障局 2026 预算
    "fz-income-total-table": (FZ, 10, "本年收入合计", "351904.90", "万元"),
    "fz-expenditure-total-table": (FZ, 10, "本年支出合计", "351904.90", "万元"),
    "fz-reception-table": (FZ, 21, "2、公务接待费", "5.00", "万元"),
    "fz-basic-text": (FZ, 23, "基本支出", "7841.26万元", "万元"),
    # 杭州市公安局 2026 预算
    "hz-income-total-table": (HZ, 20, "本年收入合计", "400,391.78", "万元"),
    "hz-project-table": (HZ, 23, "合计", "106,512.00", "万元"),  # printed "106,512.0" / "0"
    "hz-reception-table": (HZ, 27, "公务接待费", "100.93", "万元"),
    "hz-vehicle-table": (HZ, 27, "公务用车运行维护费", "2,987.20", "万元"),
    # 江苏省高级人民法院 2019 预算
    "js-basic-table": (JS, 10, "一、基本支出", "21,968.00", "万元"),
    "js-project-table": (JS, 10, "二、项目支出", "10,208.94", "万元"),
    "js-income-total-table": (JS, 10, "收入合计", "37,188.34", "万元"),
    "js-reception-table": (JS, 11, "公务接待费", "41.95", "万元"),
    # 烟台市退役军人事务局 2026 预算 (HTML, converted pages)
    "yt-income-total-table": (YT, 7, "本 年 收 入 合 计", "32,471.49", "万元"),
    "yt-basic-text": (YT, 29, "基本支出", "10,440.01万元", "万元"),
    "yt-project-text": (YT, 29, "项目支出", "25,434.48万元", "万元"),
    "yt-reception-table": (YT, 20, "公务接待费", "7.62", "万元"),
}


@pytest.mark.parametrize("name,page,label,value_text,unit", AMOUNTS.values(), ids=AMOUNTS)
def test_amount(name, page, label, value_text, unit):
    rows = result(name).rows["amounts"]
    found = [(r["label"], r["unit"], r["page"]) for r in rows if r["value_text"] == value_text]
    assert (label, unit, page) in found, found[:8]


@pytest.mark.parametrize("name", [SJ, FS, YT])
def test_amount_offsets_point_at_their_text(name):
    text = normalise.source_to_text(load.read_source(SAMPLES / name))
    rows = result(name).rows["amounts"]
    assert rows
    for r in rows:
        assert text.text[r["start"] : r["end"]] == r["value_text"]
        assert text.page_at(r["start"]) == r["page"]
