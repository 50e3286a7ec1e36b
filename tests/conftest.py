from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.load import read_source
from pipeline.normalise import source_to_text
from pipeline.records import Text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold"
SAMPLES = SHARED / "samples"
SEEDS = sorted(CORPUS.glob("*.txt"))

# The real samples of ../shared/samples (SOURCES.md there says what each is), by short name.
SJ = "上海普陀区委社会工作部_2024_部门决算.pdf"
WL = "上海普陀万里街道办事处_2024_部门预算.pdf"
FS = "佛山市轨道交通局_2019_部门决算.pdf"
FZ = "福州市医疗保障局_2026_部门预算.pdf"
HZ = "杭州市公安局_2026_部门预算.pdf"
JS = "江苏省高级人民法院_2019_部门预算.pdf"
ND = "宁德市人民政府办公室_2024_部门整体绩效自评表.pdf"
GZ = "广州市政务服务和数据管理局_2026_部门整体预算绩效目标申报表.pdf"
YT = "烟台市退役军人事务局_2026_部门预算.html"
BJ = "北京市政务服务和数据管理局_2026_部门预算_扫描件.pdf"
SEED_IDS = [p.stem.split("_")[0] for p in SEEDS]


def seed_path(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))


def gold(prefix: str) -> dict:
    path = next(GOLD.glob(f"{prefix}_*.json"), None) if GOLD.is_dir() else None
    if path is None:
        pytest.skip(f"../shared/gold is not beside the checkout ({GOLD}); gold expectations need it")
    return json.loads(path.read_text("utf-8"))


_TEXTS: dict[str, Text] = {}


def seed_text(prefix: str) -> Text:
    if prefix not in _TEXTS:
        _TEXTS[prefix] = source_to_text(read_source(seed_path(prefix)))
    return _TEXTS[prefix]


@pytest.fixture(scope="session")
def corpus_out(tmp_path_factory) -> Path:
    """The pipeline run once over corpus/, as `make run` does."""
    from pipeline.run import run

    out = tmp_path_factory.mktemp("corpus_out")
    summary = run([str(CORPUS)], out, workers=1)
    assert summary.failed == 0, summary.failures
    return out
