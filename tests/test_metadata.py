"""Metadata for the documents table: examples by origin."""
from __future__ import annotations

import pytest

from extractors.metadata import text_to_metadata
from pipeline.normalise import decoded_to_text
from pipeline.records import Decoded, Grid, Para
from tests.conftest import seed_text


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
    ("社区 is not a county",
     [Para("某某社区居民委员会工作报告"), Para("辖区内社区服务")],
     dict(county=None)),
]


@pytest.mark.parametrize("blocks,expected", [pytest.param(b, e, id=i) for i, b, e in SYNTHETIC])
def test_synthetic_metadata(blocks, expected):
    m = meta_of(*blocks)
    assert {k: getattr(m, k) for k in expected} == expected
