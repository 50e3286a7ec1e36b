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
