"""Run the real pipeline once on the corpus seeds (and on single samples) for the evaluation tests,
and hold the hand-checked expectations of ../shared/gold/ (copied inline so that the tests still
mean something where that folder is absent)."""
from __future__ import annotations

import json
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD_DIR = ROOT.parent / "shared" / "gold"
SAMPLES_DIR = ROOT.parent / "shared" / "samples"

SEEDS = ["000_bec74173f2fdd9ac", "001_e2faa60e7ec703ad", "002_23824e2a31c72555", "004_f3dc72fe58075eff"]
TABLES = ("documents", "indicators", "scores", "projects")

# The essential expectations of ../shared/gold/*.json (scores, projects, indicators_min,
# indicator_rows), copied by hand.
GOLD_INLINE: dict[str, dict] = {
    "000_bec74173f2fdd9ac": {
        "scores": [
            {"subject_contains": "部门整体", "score": 96, "alt_subject_contains": "人大常委会办公室"},
            {"subject_contains": "人代会会议经费", "score": 95},
            {"subject_contains": "代表活动经费", "score": 95},
        ],
        "projects": [],
        "indicators_min": 0,
    },
    "001_e2faa60e7ec703ad": {
        "scores": [],
        "projects": [],
        "indicators_min": 19,
        "indicator_rows": [
            {"level3": "人大会议次数", "operator": "≥", "target_value": 20, "target_unit": "次"},
            {"level3": "下发文件差错率", "operator": "≤", "target_value": 1, "target_unit": "%"},
            {"level3": "工资福利支出", "operator": "≤", "target_value": 760, "target_unit": "万元"},
            {"level3": "代表工作站运行个数", "operator": "=", "target_value": 17, "target_unit": "个"},
            {"level3": "群众满意度", "operator": "≥", "target_value": 97, "target_unit": "%"},
        ],
    },
    "002_23824e2a31c72555": {
        "scores": [
            {"subject_contains": "履职能力提升专项资金", "score": 100, "grade": "优"},
            {"subject_contains": "专项工作经费", "score": 100, "grade": "优"},
            {"subject_contains": "人代会工作费", "score": 100, "grade": "优"},
        ],
        "projects": [
            {"name_contains": "履职能力提升专项资金", "budget_initial": 10.56, "budget_full_year": 10.56, "executed": 10.56},
            {"name_contains": "专项工作经费", "budget_initial": 29.77, "budget_full_year": 29.77, "executed": 29.77},
            {"name_contains": "人代会工作费", "budget_initial": 41.61, "budget_full_year": 41.61, "executed": 41.61},
        ],
        "indicators_min": 19,
        "indicator_rows": [
            {"level3": "召开沾益区人民代表大会常委会", "operator": "≥", "target_value": 6, "target_unit": "次", "actual_value": 7},
            {"level3": "组织代表开展视察2次", "operator": "≥", "target_value": 2, "target_unit": "次", "actual_value": 2, "weight": 40, "score": 40},
            {"level3": "筹办各类会议活动次数", "operator": "≥", "target_value": 20, "target_unit": "次", "actual_value": 20, "weight": 40, "score": 40},
            {"level3": "服务对象满意度指标", "operator": "≥", "target_value": 95, "target_unit": "%", "actual_value": 100, "weight": 10, "score": 10},
        ],
    },
    "004_f3dc72fe58075eff": {
        "scores": [
            {"subject_contains": "部门整体", "score": 96, "alt_subject_contains": "人民政府办公室"},
            {"subject_contains": "政府工作专项经费", "score": 100},
            {"subject_contains": "运行维护经费", "score": 100},
            {"subject_contains": "援藏援彝", "score": 100},
        ],
        "projects": [
            {"name_contains": "党政网络、网站运行维护经费", "code": "51042122Y000004782652", "budget_initial": 36.12, "budget_adjusted": 25.91, "executed": 25.91},
            {"name_contains": "2022年度政府工作经费", "code": "51042122T000006523456", "budget_initial": 2.04, "budget_adjusted": 2.0, "executed": 2.0},
            {"name_contains": "援藏援彝", "code": "51042123Y000007599028"},
        ],
        "indicators_min": 26,
        "indicator_rows": [
            {"level3": "召开会议及出差次数", "operator": "≥", "target_value": 100, "target_unit": "次", "weight": 20, "score": 20},
            {"level3": "资金投入", "operator": "=", "target_value": 200000, "target_unit": "元"},
            {"level3": "每年度网络安全事故", "operator": "<", "target_value": 1, "target_unit": "起"},
            {"level3": "网络租赁费用和平台运行维护费", "operator": "=", "target_value": 361200, "target_unit": "元/户"},
            {"level3": "驻村天数", "operator": "=", "target_value": 128, "target_unit": "天"},
        ],
    },
}


def gold_file(seed: str) -> dict:
    path = GOLD_DIR / f"{seed}.json"
    if not path.exists():
        pytest.skip(f"gold file {path} is absent (the shared folder is not mounted here)")
    return json.loads(path.read_text("utf-8"))


def expectations(seed: str, source: str) -> dict:
    return GOLD_INLINE[seed] if source == "inline" else gold_file(seed)


def _run(paths: list[Path]) -> dict:
    import pandas as pd

    from pipeline.run import run

    out = Path(tempfile.mkdtemp(prefix="cnbudget-eval-"))
    run([str(p) for p in paths], out, workers=1)
    tables = {}
    for t in TABLES:
        p = out / t
        tables[t] = pd.read_parquet(p) if p.exists() else pd.DataFrame()
    return tables


@lru_cache(maxsize=1)
def corpus_tables() -> dict:
    """Output tables of one run over corpus/ (once per test session)."""
    return _run([CORPUS])


@lru_cache(maxsize=None)
def sample_tables(name: str) -> dict:
    """Output tables of one run over a real sample (skips only when the shared folder is absent; a
    sample the pipeline fails on fails the test)."""
    path = SAMPLES_DIR / name
    if not path.exists():
        pytest.skip(f"sample {path} is absent (the shared folder is not mounted here)")
    tables = _run([path])
    docs = tables["documents"]
    assert len(docs) == 1, f"{name}: expected one documents row"
    error = docs.iloc[0]["error"] or ""
    assert docs.iloc[0]["status"] != "failed", f"{name} failed: {error}"
    return tables


def rows_of(tables: dict, table: str, seed: str):
    """Rows of `table` for one corpus document."""
    docs = tables["documents"]
    doc = docs[docs["source_path"].str.contains(seed, regex=False)]
    assert len(doc) == 1, f"{seed}: expected one documents row, found {len(doc)}"
    df = tables[table]
    if df.empty:
        return df
    return df[df["doc_id"] == doc.iloc[0]["doc_id"]]
