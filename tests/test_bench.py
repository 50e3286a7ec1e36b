"""`make bench` itself: it runs end to end on a small corpus and prints every figure it promises.

Speed is not asserted here (it is measured by the bench, on an idle machine); this only keeps the
bench from breaking unnoticed."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow  # the benchmark runs the samples: tens of seconds


@pytest.fixture(scope="module")
def bench_output(tmp_path_factory) -> str:
    keep = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--mb", "0.3", "--repeat", "1", "--keep", str(keep)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


NUMBER = r"\d+(?:\.\d+)?"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(rf"^machine: .*Python \d+\.\d+\.\d+ \(.+\), bytecode cached: ", id="machine-and-interpreter"),
        pytest.param(rf"^  warm-up run, not counted: {NUMBER} s$", id="warm-up"),
        pytest.param(rf"^\(a\) text end-to-end, 1 worker: {NUMBER} MB/s per worker", id="a-text-speed"),
        pytest.param(rf"^\(c\) 2 workers over 1: {NUMBER}x wall-clock", id="c-speed-up"),
        pytest.param(rf"^\(d\) unchanged re-run: {NUMBER} s = {NUMBER}% of the first run", id="d-re-run"),
        pytest.param(rf"^\(e\) peak memory per worker: {NUMBER} MB on the text corpus", id="e-memory"),
        pytest.param(rf"^  1 MB paragraph of figures .*: {NUMBER} s \(target < 5 s\), ok, 65536 amounts$",
                     id="f-figure-paragraph"),
        pytest.param(rf"^  5 MB single line .*: {NUMBER} s, ok, \d+ amounts$", id="f-single-line"),
        pytest.param(rf"^  1 MB of headings .*: {NUMBER} s, ok, \d+ sections$", id="f-headings"),
    ],
)
def test_bench_prints(bench_output, line):
    assert re.search(line, bench_output, re.M), bench_output


@pytest.mark.skipif(not any(SAMPLES.glob("*.pdf")) if SAMPLES.is_dir() else True, reason="no sample PDFs beside the checkout")
def test_bench_prints_the_pdf_ratio(bench_output):
    assert re.search(rf"^\(b\) PDF end-to-end, 1 worker: .* ratio {NUMBER} \(0 of \d+ files failed\)", bench_output, re.M), bench_output
