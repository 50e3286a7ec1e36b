"""Fuzz target: hostile variants of real files through the real entry point, `process_path`.

Every variant is a recipe (input, mutation, seed; tests/fuzz.py): seeded byte mutations,
truncations, object-stream damage and page duplication of the seeds in corpus/, of small files
generated here and of the real samples in ../shared/samples (skipped with a reason when absent).
Each must give exactly one documents row, never internal_error, and no traceback in its error.
Crashes the fuzzer found are kept below as named recipes (CRASHES), fixed, and run every time.
Bounded to about a minute in `make test`.
"""
from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.process import process_path
from tests import fuzz, render
from tests.conftest import GZ, HZ, ND, SAMPLES, SEEDS, SJ, WL

pytestmark = pytest.mark.slow


def _docx() -> bytes:
    d = docx.Document()
    d.add_heading("一、收入支出预算总体情况", level=1)
    d.add_paragraph("2024年收入预算合计127.43万元，其中基本支出800.00万元。")
    t = d.add_table(rows=2, cols=2)
    for (i, j), text in {(0, 0): "项目", (0, 1): "金额", (1, 0): "合计", (1, 1): "127.43"}.items():
        t.cell(i, j).text = text
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _continuation_pdf() -> bytes:
    from tests.test_read_pdf import continuation_longer_than_its_first_part

    return continuation_longer_than_its_first_part()


def _curves_pdf() -> bytes:
    """The issue-15 reproduction: a page pdfminer reads (a lone "印") with two circles."""
    from tests.test_read_pdf import _with_circles

    return _with_circles()


def _small_pdf() -> bytes:
    return render.pdf([
        render.Page([render.Text(72, 72, "本年收入合计127.43万元"),
                     render.Table(72, 100, [100, 80], [["项目", "金额"], ["合计", "1.00"]])]),
        render.Page([render.Text(72, 72, "基本支出800.00万元")]),
    ])


# generated inputs (no copy of a sample is ever committed): name -> (suffix, bytes)
GENERATED = {
    "small.pdf": (".pdf", _small_pdf),
    "curves.pdf": (".pdf", _curves_pdf),
    "small.docx": (".docx", _docx),
    "continuation.pdf": (".pdf", _continuation_pdf),
}


def check_row(path: Path) -> dict:
    res = process_path(str(path))
    row = res.document
    assert row["source_path"] == str(path)  # exactly one documents row, for this input
    assert row["status"] in ("ok", "partial", "failed"), row
    assert fuzz.problem(row) is None, row["error"]
    return row


def _run_recipe(data: bytes, suffix: str, mutation: str, seed: int, tmp_path: Path) -> dict:
    mutated = fuzz.MUTATIONS[mutation](data, seed)  # a mutation that cannot be made fails: nothing was tested
    target = tmp_path / f"{mutation}_{seed}{suffix}"
    target.write_bytes(mutated)
    return check_row(target)


# --- seeds and generated files (always run) ---------------------------------------------------

SEED_RECIPES = [
    pytest.param(p, m, s, id=f"{p.stem.split('_')[0]}-{m}-{s}")
    for p in SEEDS for m in ("flip", "truncate") for s in range(4)
]


@pytest.mark.parametrize("path,mutation,seed", SEED_RECIPES)
def test_seed_variant(path, mutation, seed, tmp_path):
    _run_recipe(path.read_bytes(), path.suffix, mutation, seed, tmp_path)


GENERATED_RECIPES = [
    pytest.param(name, m, s, id=f"{name}-{m}-{s}")
    for name, (suffix, _) in GENERATED.items()
    for m in fuzz.mutations_for(Path(name)) for s in range(6)
]


@pytest.mark.parametrize("name,mutation,seed", GENERATED_RECIPES)
def test_generated_variant(name, mutation, seed, tmp_path):
    suffix, make = GENERATED[name]
    _run_recipe(make(), suffix, mutation, seed, tmp_path)


@pytest.mark.parametrize("name", GENERATED)
def test_generated_unmutated_is_read(name, tmp_path):
    suffix, make = GENERATED[name]
    target = tmp_path / f"x{suffix}"
    target.write_bytes(make())
    assert check_row(target)["status"] == "ok"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(GENERATED)), edits=st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)), min_size=1, max_size=6))
def test_hypothesis_byte_edits(kind, edits, tmp_path):
    suffix, make = GENERATED[kind]
    data = bytearray(make())
    for at, junk in edits:
        k = int(at * len(data))
        data[k : k + len(junk)] = junk
    target = tmp_path / f"h{suffix}"
    target.write_bytes(bytes(data))
    check_row(target)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(lambda s: s.encode("utf-8")))
def test_hypothesis_text_bytes(data, tmp_path):
    target = tmp_path / "h.txt"
    target.write_bytes(data)
    check_row(target)


def test_empty_file_of_every_format_is_empty(tmp_path):
    # bug (issue 15): a 0-byte PDF or DOCX said broken_pdf / broken_docx
    for suffix in (".pdf", ".docx", ".txt", ".html"):
        target = tmp_path / f"empty{suffix}"
        target.write_bytes(b"")
        assert check_row(target)["error"].split(":")[0] == "empty", suffix


# --- crashes found by the fuzzer, kept as named recipes ----------------------------------------

# (name, input, mutation, seed); an input in GENERATED or a ../shared/samples file name
CRASHES = {
    "curves-on-a-pdfminer-page": ("curves.pdf", None, 0),  # KeyError: None in merge_edges
    # IndexError: tuple index out of range joining a table's continuation (layout.Flow.table)
    "continuation-longer-than-first-part": ("continuation.pdf", None, 0),
    "guangzhou-ecology-flip-3": ("广州__2026年广州市生态环境局部门预算.pdf", "flip", 3),
}


def _input(name: str) -> tuple[bytes, str]:
    if name in GENERATED:
        suffix, make = GENERATED[name]
        return make(), suffix
    path = next(SAMPLES.rglob(name), None) if SAMPLES.is_dir() else None
    if path is None:
        pytest.skip(f"../shared/samples is not beside the checkout ({SAMPLES}); {name} is needed")
    return path.read_bytes(), path.suffix


@pytest.mark.parametrize("name,mutation,seed", CRASHES.values(), ids=CRASHES)
def test_found_crash(name, mutation, seed, tmp_path):
    data, suffix = _input(name)
    if mutation is None:
        target = tmp_path / f"crash{suffix}"
        target.write_bytes(data)
        row = check_row(target)
    else:
        row = _run_recipe(data, suffix, mutation, seed, tmp_path)
    assert row["status"] != "failed" or not row["error"].startswith("internal_error")


# --- the real samples (need ../shared) ---------------------------------------------------------

SAMPLE_NAMES = [WL, ND, GZ, SJ, HZ, "广州__2026年广州市气象局部门预算.pdf",
                "广州__人力资源和社会保障局_2026年部门预算.html", "广州__公安局_2026年部门预算.html"]
SAMPLE_RECIPES = [  # ids: the sample's first characters, the mutation, the seed
    pytest.param(name, m, s, id=f"{name[:6]}-{m}-{s}")
    for name in SAMPLE_NAMES for m in fuzz.mutations_for(Path(name)) for s in range(3)
]


@pytest.mark.parametrize("name,mutation,seed", SAMPLE_RECIPES)
def test_sample_variant(name, mutation, seed, tmp_path):
    data, suffix = _input(name)
    _run_recipe(data, suffix, mutation, seed, tmp_path)
