"""A real run killed with SIGKILL at every change it makes to OUT (issue 15.5, 15.6).

The run in tests/killpoint.py redoes a folder with --force while one file changed, one was renamed
and one is new, one document per batch: removals, staged parts, journals, renames, the files
table. At each kill point a reader must see no row of a document without its documents row, no
document twice, and no more than one redone document missing; and the next run must bring OUT to exactly what an uninterrupted run gives.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from schemas.tables import TABLES
from tests.conftest import ROOT, seed_path

pytestmark = pytest.mark.slow


def _killpoint(step: int, out: Path, inputs: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.killpoint", str(step), str(out), str(inputs), *flags],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def _view(out: Path) -> dict[str, Counter]:
    """Per table, how many rows of each document a reader listing the folders sees."""
    return {name: Counter(ds.dataset(out / name, schema=schema, format="parquet").to_table(columns=["doc_id"])
                          .column("doc_id").to_pylist())
            for name, schema in TABLES.items() if name != "files"}


def _documents(out: Path) -> set[tuple]:
    t = ds.dataset(out / "documents", schema=TABLES["documents"], format="parquet").to_table(
        columns=["doc_id", "source_path", "status"])
    return set(zip(*(t.column(c).to_pylist() for c in t.column_names)))


def _files(out: Path) -> dict[str, str]:
    t = ds.dataset(out / "files", schema=TABLES["files"], format="parquet").to_table(columns=["path", "doc_id"])
    return dict(zip(t.column("path").to_pylist(), t.column("doc_id").to_pylist()))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """(inputs, OUT as the first run left it, what an uninterrupted second run leaves, its steps)."""
    base = tmp_path_factory.mktemp("kill")
    inputs = base / "in"
    inputs.mkdir()
    shutil.copy(seed_path("000"), inputs / "a.txt")
    shutil.copy(seed_path("004"), inputs / "b.txt")
    shutil.copy(seed_path("002"), inputs / "c.txt")
    before = base / "before"
    assert _killpoint(10**9, before, inputs).returncode == 0
    shutil.copy(seed_path("001"), inputs / "b.txt")  # changed
    (inputs / "c.txt").rename(inputs / "e.txt")  # renamed
    (inputs / "d.txt").write_text((inputs / "a.txt").read_text("utf-8") + "\n附：新增说明。\n", "utf-8")  # new
    whole = base / "whole"
    shutil.copytree(before, whole)
    done = _killpoint(10**9, whole, inputs, "--force")
    assert done.returncode == 0, done.stderr
    return inputs, before, whole, int(done.stdout.split()[-1])


def test_a_run_killed_at_any_change_leaves_no_orphan_row_and_the_next_run_loses_nothing(scenario, tmp_path):
    inputs, before, whole, steps = scenario
    want_view, want_docs, want_files = _view(whole), _documents(whole), _files(whole)
    assert len(want_docs) == 4 and steps > 40
    redone = set(_view(before)["documents"]) & set(want_view["documents"])  # a and c (now e.txt)
    assert len(redone) == 2

    def kill_at(step: int) -> str | None:
        out = tmp_path / f"k{step}"
        shutil.copytree(before, out)
        killed = _killpoint(step, out, inputs, "--force")
        if killed.returncode != -signal.SIGKILL:
            return f"step {step}: not killed (exit {killed.returncode}): {killed.stderr[-500:]}"
        view = _view(out)
        for name, rows in view.items():
            orphans = set(rows) - set(view["documents"])
            if orphans:
                return f"step {step}: {name} has rows of documents without a documents row: {orphans}"
        twice = [d for d, n in view["documents"].items() if n > 1]
        if twice:
            return f"step {step}: documents rows twice: {twice}"
        # one document a batch: a redone document's old rows go with the batch that brings it
        # back, so at most the one being committed is missing (they all went with the first batch)
        missing = redone - set(view["documents"])
        if len(missing) > 1:
            return f"step {step}: redone documents missing at once: {sorted(missing)}"
        again = _killpoint(10**9, out, inputs)  # the next run, without --force
        if again.returncode != 0:
            return f"step {step}: the next run failed: {again.stderr[-500:]}"
        if _view(out) != want_view or _documents(out) != want_docs or _files(out) != want_files:
            return f"step {step}: after the next run OUT differs from an uninterrupted run"
        shutil.rmtree(out)
        return None

    with ThreadPoolExecutor(2) as pool:
        problems = [p for p in pool.map(kill_at, range(1, steps + 1)) if p]
    assert not problems, "\n".join(problems)
