"""`cnbudget run` at scale: executors, isolation of bad documents, hostile files, crash and re-run.

Documents that hang, crash or exhaust memory are simulated inside the real pipeline by
`tests/sabotage.py` (a worker target that reads .txt files whose bytes start with a command
word: HANG, SEGV, KILL, KILLPARENT, EXIT, OOM, SLOW). Hostile files are generated here, in tmp_path.
"""
from __future__ import annotations

import json
import os
import random
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import __version__, write
from pipeline.cli import main
from pipeline.execute import LocalPool
from pipeline.load import MAX_BYTES
from pipeline.run import flush_now, run
from schemas.tables import TABLES
from tests.conftest import ROOT, seed_path

pytestmark = pytest.mark.slow  # whole runs over many files, executors, kills: seconds each

SABOTAGE = "tests.sabotage:process_path"
REASON = r"^[a-z_]+: \S.*"  # every error: a machine-readable reason, then what a person can act on


# --- helpers --------------------------------------------------------------------------------


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every table, in a canonical row order, without the processing time."""
    got = {}
    for name in TABLES:
        df = pd.read_parquet(out / name)
        if name == "documents":
            df = df.drop(columns=["extracted_at"])
        if name == "files":  # what each path holds; its status, time and run are the history of runs
            df = df[["path", "doc_id"]]
        flat = [c for c in df.columns if not df[c].map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any()]
        key = df[flat].apply(lambda col: col.map(repr)).agg("\x1f".join, axis=1) if len(df) else pd.Series([], dtype=str)
        got[name] = df.iloc[key.argsort(kind="stable").to_numpy()].reset_index(drop=True)
    return got


def _assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = _tables(a), _tables(b)
    for name in TABLES:
        pd.testing.assert_frame_equal(ta[name], tb[name], obj=name)


def _assert_consistent(out: Path) -> pd.DataFrame:
    """One documents row per document; no other row without its document; nothing half-written."""
    docs = pd.read_parquet(out / "documents")
    assert docs.doc_id.is_unique, docs[docs.doc_id.duplicated(keep=False)]
    for name in TABLES:
        assert set(pd.read_parquet(out / name).doc_id) - {None} <= set(docs.doc_id), name
        assert not [p for p in (out / name).iterdir() if p.name.startswith(".")], name
    assert not (out / "_runs" / ".removing.json").exists()
    return docs


def _copies(d: Path, n: int, seed: str = "002", prefix: bytes = b"") -> list[Path]:
    """n copies of a seed, each with a unique last line so each has its own sha256."""
    d.mkdir(parents=True, exist_ok=True)
    body = seed_path(seed).read_bytes()
    paths = []
    for i in range(n):
        p = d / f"doc{i:03d}.txt"
        p.write_bytes(prefix + body + f"\n副本 {i}\n".encode())
        paths.append(p)
    return paths


def _status(out: Path) -> dict[str, tuple[str, str | None]]:
    docs = pd.read_parquet(out / "documents")
    return {Path(p).name: (s, e if isinstance(e, str) else None) for p, s, e in zip(docs.source_path, docs.status, docs.error)}


@pytest.fixture
def sabotaged(tmp_path) -> Path:
    """Good seeds, ordinary bad files, and documents that crash, hang or die in the worker."""
    d = tmp_path / "in"
    d.mkdir()
    for prefix in ("000", "001", "002", "004"):
        (d / f"seed{prefix}.txt").write_bytes(seed_path(prefix).read_bytes())
    (d / "seed002_copy.txt").write_bytes(seed_path("002").read_bytes())  # duplicate content
    (d / "empty.txt").write_bytes(b"")
    (d / "hang.txt").write_bytes(b"HANG")
    (d / "segv.txt").write_bytes(b"SEGV")
    (d / "killed.txt").write_bytes(b"KILL")
    (d / "exit.txt").write_bytes(b"EXIT")
    (d / "oom.txt").write_bytes(b"OOM")
    return d


# --- executors ------------------------------------------------------------------------------


@pytest.mark.slow
def test_same_tables_whatever_the_executor(sabotaged, tmp_path):
    kw = dict(timeout=3, memory_limit=2**30, target=SABOTAGE)
    one = run([str(sabotaged)], tmp_path / "one", workers=1, **kw)
    two = run([str(sabotaged)], tmp_path / "two", workers=2, **kw)
    dask = run([str(sabotaged)], tmp_path / "dask", workers=2, executor="dask", **kw)
    for s in (one, two, dask):
        assert (s.inputs, s.processed, s.skipped, s.ok, s.failed) == (11, 10, 1, 4, 6), s.line()
    st = _status(tmp_path / "one")
    assert st["hang.txt"] == ("failed", "timeout: still running after 3 s (--timeout); the worker was stopped")
    assert st["segv.txt"][1].startswith("worker_died: the worker process was killed by SIGSEGV")
    assert st["killed.txt"][1].startswith("worker_died: the worker process was killed by SIGKILL")
    assert st["exit.txt"][1].startswith("worker_died: the worker process exited with status 3")
    assert st["oom.txt"][1] == "out_of_memory: the document needed more than the worker memory limit of 1 GiB (--memory-limit)"
    assert st["empty.txt"] == ("failed", "empty: the file has 0 bytes")
    for name in ("seed000.txt", "seed001.txt", "seed002.txt", "seed004.txt"):
        assert st[name][0] == "ok"
    _assert_same_tables(tmp_path / "one", tmp_path / "two")
    _assert_same_tables(tmp_path / "one", tmp_path / "dask")
    for o in ("one", "two", "dask"):
        _assert_consistent(tmp_path / o)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
def test_a_worker_can_leave_a_whole_result_in_its_pipe():
    from pipeline import execute
    import fcntl

    r, w = os.pipe()
    try:
        execute._widen(w)
        assert fcntl.fcntl(w, fcntl.F_GETPIPE_SZ) >= execute.RESULT_PIPE_BYTES
        os.set_blocking(w, False)
        os.write(w, b"x" * 200_000)  # a large result (004 is ~75 KB) goes in without a reader
    finally:
        os.close(r)
        os.close(w)


def test_dask_joins_an_existing_cluster(tmp_path, capsys):
    from distributed import LocalCluster

    d = tmp_path / "in"
    _copies(d, 3)
    (d / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        rc = main(["run", str(d), "--out", str(out), "--executor", "dask", "--scheduler", cluster.scheduler_address,
                   "--quiet"])
    assert rc == 1
    assert capsys.readouterr().out.startswith("cnbudget: 4 files: 4 processed (3 ok, 0 partial, 1 failed)")
    log = json.loads(next((out / "_runs").glob("*.json")).read_text("utf-8"))
    assert log["executor"] == "dask"
    _assert_same_tables(out, _clean_run(d, tmp_path / "local"))


@pytest.mark.slow
def test_a_dask_worker_that_dies_costs_one_document(tmp_path):
    d = tmp_path / "in"
    _copies(d, 3)
    (d / "killer.txt").write_bytes(b"KILLPARENT")
    out = tmp_path / "out"
    s = run([str(d)], out, workers=2, executor="dask", timeout=60, target=SABOTAGE)
    assert (s.processed, s.ok, s.failed) == (4, 3, 1), s.line()
    assert _status(out)["killer.txt"] == ("failed", "worker_died: the Dask worker died while processing this document")
    _assert_consistent(out)


def test_workers_are_replaced_and_none_outlive_the_run(tmp_path):
    """Three crashes in a row on one worker: each costs one document, the rest are still done."""
    from pipeline.execute import LocalPool

    bad = [tmp_path / f"bad{i}.txt" for i in range(3)]
    for p in bad:
        p.write_bytes(b"SEGV")
    good = _copies(tmp_path / "good", 2)
    with LocalPool(1, timeout=30, target=SABOTAGE) as pool:
        outcomes = list(pool.imap_unordered([str(p) for p in [*bad, *good]]))
        workers = [w.proc for w in pool._live]
    assert [o.error.reason if o.error else o.result.document["status"] for o in outcomes] == ["worker_died"] * 3 + ["ok"] * 2
    assert all(o.peak_rss for o in outcomes[3:])
    assert workers and all(p.poll() is not None for p in workers)  # closed with the pool


# --- incremental runs -----------------------------------------------------------------------


def test_unchanged_rerun_writes_nothing_and_force_replaces(tmp_path):
    _copies(tmp_path / "in", 3)
    out = tmp_path / "out"
    run([str(tmp_path / "in")], out, workers=2)
    parts = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    s = run([str(tmp_path / "in")], out, workers=2)
    assert (s.processed, s.skipped) == (0, 3)
    # nothing rewritten but the files rows, which record that this run saw the paths
    assert {p: t for p, t in parts.items() if p.parent.name != "files"} == {
        p: p.stat().st_mtime_ns for p in out.rglob("*.parquet") if p.parent.name != "files"}
    assert set(pd.read_parquet(out / "files").status) == {"unchanged"}
    before = _tables(out)
    s = run([str(tmp_path / "in")], out, workers=2, force=True)
    assert (s.processed, s.skipped) == (3, 0)
    _assert_consistent(out)
    after = _tables(out)
    for name in TABLES:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    assert len(pd.read_parquet(out / "documents")) == 3


def test_changed_file_replaces_its_rows_in_every_table(tmp_path):
    d = tmp_path / "in"
    paths = _copies(d, 3)
    out = tmp_path / "out"
    run([str(d)], out, workers=2)
    old = pd.read_parquet(out / "documents").set_index("source_path").doc_id[str(paths[1])]
    before = {p.relative_to(out) for p in out.glob("*/part-*.parquet")}
    paths[1].write_bytes(seed_path("004").read_bytes())  # same path, new content
    s = run([str(d)], out, workers=2)
    assert (s.processed, s.skipped) == (1, 2)
    added = {p.relative_to(out) for p in out.glob("*/part-*.parquet")} - before
    assert {p.parts[0] for p in added} >= {"documents", "amounts", "tables", "sections"}  # new rows, new parts
    docs = _assert_consistent(out)
    assert len(docs) == 3 and old not in set(docs.doc_id)
    for name in TABLES:
        assert old not in set(pd.read_parquet(out / name).doc_id), name
    new = docs.set_index("source_path").doc_id[str(paths[1])]
    amounts = pd.read_parquet(out / "amounts")
    assert (amounts.doc_id == new).sum() > 100  # seed 004's amounts, once


def test_file_changed_to_content_seen_elsewhere(tmp_path):
    """a.txt takes b.txt's content: a's old document goes, b's stays once; a moved file is kept."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_bytes(seed_path("002").read_bytes())
    (d / "b.txt").write_bytes(seed_path("001").read_bytes())
    (d / "c.txt").write_bytes(seed_path("004").read_bytes())
    out = tmp_path / "out"
    run([str(d)], out, workers=2)
    ids = pd.read_parquet(out / "documents").set_index("source_path").doc_id
    (d / "a.txt").write_bytes(seed_path("001").read_bytes())
    (d / "c.txt").rename(d / "moved.txt")
    s = run([str(d)], out, workers=2)
    assert (s.processed, s.skipped) == (0, 3), s.line()
    docs = _assert_consistent(out)
    assert set(docs.doc_id) == {ids[str(d / "b.txt")], ids[str(d / "c.txt")]}
    assert ids[str(d / "a.txt")] not in set(pd.read_parquet(out / "amounts").doc_id)


def test_unreadable_then_readable_again(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    os.mkfifo(d / "x.txt")
    out = tmp_path / "out"
    run([str(d)], out, workers=1)
    run([str(d)], out, workers=1)  # still unreadable: one row for it, not two
    assert len(_assert_consistent(out)) == 1
    (d / "x.txt").unlink()
    (d / "x.txt").write_bytes(seed_path("002").read_bytes())
    s = run([str(d)], out, workers=1)
    assert (s.processed, s.ok) == (1, 1)
    assert _status(out) == {"x.txt": ("ok", None)}


def test_new_pipeline_version_reprocesses(tmp_path):
    _copies(tmp_path / "in", 2)
    out = tmp_path / "out"
    run([str(tmp_path / "in")], out, workers=1)
    n_amounts = len(pd.read_parquet(out / "amounts"))
    for p in (out / "documents").glob("part-*.parquet"):  # as if written by an older release
        t = pq.read_table(p)
        i = t.schema.get_field_index("pipeline_version")
        t = t.set_column(i, t.schema.field(i), pa.array(["0.0.1"] * len(t), pa.string()))
        pq.write_table(t, p)
    s = run([str(tmp_path / "in")], out, workers=1)
    assert (s.processed, s.skipped) == (2, 0)
    docs = _assert_consistent(out)
    assert len(docs) == 2 and set(docs.pipeline_version) == {__version__}
    assert len(pd.read_parquet(out / "amounts")) == n_amounts


def test_worker_died_is_retried_by_the_next_run_other_failures_are_not(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "flaky.txt").write_bytes(b"KILL" + seed_path("002").read_bytes())
    (d / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    s = run([str(d)], out, workers=1, target=SABOTAGE)
    assert s.failed == 2
    s = run([str(d)], out, workers=1, target=SABOTAGE)
    assert (s.processed, s.skipped, s.failed) == (1, 1, 2)  # the killed one again; empty.txt is known
    assert len(_assert_consistent(out)) == 2


def test_removal_cut_short_is_finished_by_the_next_run(tmp_path):
    """Killed after the documents row of a changed file was dropped but before its amounts were."""
    d = tmp_path / "in"
    paths = _copies(d, 2)
    out = tmp_path / "out"
    run([str(d)], out, workers=1)
    old = pd.read_parquet(out / "documents").set_index("source_path").doc_id[str(paths[0])]
    journal = out / "_runs" / ".removing.json"
    journal.write_text(json.dumps([old]))
    write._filter_parts(out, "documents", {old})  # the first step of write._drop, then "killed"
    assert old in set(pd.read_parquet(out / "amounts").doc_id)
    s = run([str(d)], out, workers=1)
    assert (s.processed, s.skipped) == (1, 1)  # the file is done again, its old rows are gone
    docs = _assert_consistent(out)
    assert len(docs) == 2  # and its amounts once, not twice:
    _assert_same_tables(out, _clean_run(d, tmp_path / "clean"))


def _clean_run(d: Path, out: Path, **kw) -> Path:
    run([str(d)], out, workers=2, **kw)
    return out


@pytest.mark.slow
def test_killed_run_completes_on_rerun(tmp_path):
    """SIGKILL the whole run (parent and workers) mid-way; the next run finishes the work."""
    d = tmp_path / "in"
    _copies(d, 12, prefix=b"SLOW")  # 0.3 s a document: the kill lands mid-run
    out = tmp_path / "out"
    code = f"from pipeline.run import run; run([{str(d)!r}], {str(out)!r}, workers=2, batch=2, target={SABOTAGE!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list((out / "documents").glob("part-*.parquet"))) < 2:
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # its own session: the run and its workers
    proc.wait()
    partial = pd.read_parquet(out / "documents")
    assert 0 < len(partial) < 12
    s = run([str(d)], out, workers=2, target=SABOTAGE)
    assert s.processed + s.skipped == 12 and s.skipped >= len(partial)
    docs = _assert_consistent(out)
    assert sorted(docs.source_path) == sorted(str(p) for p in d.iterdir())
    _assert_same_tables(out, _clean_run(d, tmp_path / "clean", target=SABOTAGE))


@pytest.mark.slow
def test_readers_during_a_run_never_see_a_duplicate(tmp_path):
    """Read the tables over and over while a --force run replaces every document."""
    d = tmp_path / "in"
    _copies(d, 10, prefix=b"SLOW")
    out = tmp_path / "out"
    run([str(d)], out, workers=2, target=SABOTAGE)
    code = (f"from pipeline.run import run; run([{str(d)!r}], {str(out)!r}, workers=2, batch=2, force=True, "
            f"target={SABOTAGE!r})")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    reads = 0
    try:
        while proc.poll() is None:
            try:
                docs = pd.read_parquet(out / "documents")
                amounts = pd.read_parquet(out / "amounts")
            except FileNotFoundError:  # a part removed between listing and reading: read again
                continue
            reads += 1
            assert docs.doc_id.is_unique
            assert not amounts.duplicated(["doc_id", "amount_id"]).any()
    finally:
        proc.wait()
    assert proc.returncode == 0 and reads >= 5
    assert len(_assert_consistent(out)) == 10


def test_every_table_keeps_a_zero_row_part_for_good(tmp_path):
    """A reader listing a folder while its only real part is replaced may see no file (a listing
    is no snapshot) and read a table without columns; a zero-row part that is never renamed or
    removed is always seen. It is there after the first run and stays through a --force run."""
    _copies(tmp_path / "in", 3)
    out = tmp_path / "out"
    run([str(tmp_path / "in")], out, workers=1)
    empty = {name: out / name / write.EMPTY_PART for name in TABLES}
    assert all(p.exists() for p in empty.values())
    before = {name: p.stat().st_ino for name, p in empty.items()}
    run([str(tmp_path / "in")], out, workers=1, force=True)
    assert {name: p.stat().st_ino for name, p in empty.items()} == before  # not rewritten either
    assert len(_assert_consistent(out)) == 3


# --- hostile files --------------------------------------------------------------------------


def _pdf(encrypted: bool = False) -> bytes:
    """A one-page PDF with a text layer, built by hand; `encrypted` adds a user password."""
    content = b"BT /F1 12 Tf 72 720 Td (Income total 1054.82) Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    trailer = b""
    if encrypted:  # RC4 40-bit; /U does not match the empty password, so a password is needed
        rnd = random.Random(7)
        o, u = (rnd.randbytes(32).hex().encode() for _ in range(2))
        objs.append(b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>" % (o, u))
        trailer = b" /Encrypt 6 0 R /ID [<%s> <%s>]" % (b"ab" * 16, b"ab" * 16)
    body = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    body += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, trailer, xref)
    return body


def _zip(path: Path, members: list[tuple[str, bytes, int]]) -> None:
    """A zip written by hand, so a member can be `repeat` copies of its data (a zip bomb) without
    compressing gigabytes: after a full flush, deflating the same chunk gives the same bytes."""
    with path.open("wb") as f:
        central = b""
        for name, chunk, repeat in members:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
            again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH) if repeat > 1 else b""
            tail = c.flush()
            crc = 0
            for _ in range(repeat):
                crc = zlib.crc32(chunk, crc)
            csize, usize, n = len(first) + len(again) * (repeat - 1) + len(tail), len(chunk) * repeat, name.encode()
            offset = f.tell()
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, usize, len(n), 0) + n)
            f.write(first)
            for _ in range(repeat - 1):
                f.write(again)
            f.write(tail)
            central += struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, csize, usize, len(n), 0, 0, 0, 0, 0, offset
            ) + n
        start = f.tell()
        f.write(central)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0))


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)
_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(path: Path, document_xml: bytes, repeat: int = 1) -> None:
    _zip(path, [("[Content_Types].xml", _CONTENT_TYPES, 1), ("_rels/.rels", _RELS, 1), ("word/document.xml", document_xml, repeat)])


def _doctype(secret: Path, laughs: bool = True) -> bytes:
    """External entities (a local file, a URL) and, with `laughs`, entities that expand a billion times."""
    laughs = b'<!ENTITY l0 "ha">' + b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10)) if laughs else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE doc [<!ENTITY xxe SYSTEM "file://%s">'
        b'<!ENTITY web SYSTEM "http://127.0.0.1:9/x">%s]>\n' % (str(secret).encode(), laughs)
    )


@pytest.fixture
def hostile(tmp_path) -> tuple[Path, str]:
    d = tmp_path / "hostile"
    d.mkdir()
    token = f"SECRET-{random.Random().getrandbits(64):x}"
    secret = tmp_path / "secret.txt"
    secret.write_text(f"收入合计 99 万元 {token}\n", "utf-8")
    pdf = _pdf()
    (d / "truncated.pdf").write_bytes(pdf[: pdf.index(b"3 0 obj")])  # cut before the page
    (d / "encrypted.pdf").write_bytes(_pdf(encrypted=True))
    # 1.25 GiB of XML inflated from ~2.5 MB; the test runs with a 1 GiB worker memory limit
    unit = b"<w:p><w:r><w:t>0</w:t></w:r></w:p>"
    _docx(d / "bomb.docx", (unit * (2**20 // len(unit) + 1))[: 2**20], repeat=1280)
    body = b"<w:document %s><w:body><w:p><w:r><w:t>&xxe;&web;&l9;</w:t></w:r></w:p></w:body></w:document>" % _W
    _docx(d / "entities.docx", _doctype(secret) + body)
    xxe = b"<w:document %s><w:body><w:p><w:r><w:t>&xxe;&web;</w:t></w:r></w:p></w:body></w:document>" % _W
    _docx(d / "xxe.docx", _doctype(secret, laughs=False) + xxe)
    (d / "entities.html").write_bytes(_doctype(secret) + b"<html><body><p>&xxe;&web;&l9;</p></body></html>")
    (d / "good.txt").write_bytes(seed_path("002").read_bytes())
    return d, token


@pytest.mark.parametrize("readers", ["registered", "stand-in"])
def test_hostile_files_each_fail_clearly_and_the_run_goes_on(hostile, tmp_path, readers):
    """With the readers registered today, and with naive stand-in PDF/DOCX readers (no guards of
    their own) to show the run-level guards: the 1 GiB memory limit turns the bomb into a row."""
    d, token = hostile
    out = tmp_path / "out"
    t0 = time.monotonic()
    if readers == "registered":
        rc = main(["run", str(d), "--out", str(out), "--workers", "2", "--timeout", "20", "--memory-limit", "1",
                   "--quiet"])
    else:
        s = run([str(d)], out, workers=2, timeout=20, memory_limit=2**30, target="tests.sabotage:with_stand_in_readers")
        rc = 1 if s.failed else 0
        assert _status(out)["bomb.docx"][1].startswith("out_of_memory: ")
    assert time.monotonic() - t0 < 60
    st = _status(out)
    assert len(st) == 7 and st["good.txt"] == ("ok", None)
    for name in ("truncated.pdf", "encrypted.pdf", "bomb.docx"):
        status, error = st[name]
        assert status == "failed" and pd.Series([error]).str.match(REASON).all(), (name, error)
    for name in ("entities.docx", "xxe.docx", "entities.html"):  # nothing leaks, whether it fails or reads empty
        status, error = st[name]
        assert status != "failed" or pd.Series([error]).str.match(REASON).all(), (name, error)
    for table in TABLES:
        text = pd.read_parquet(out / table).astype(str).to_csv()
        assert token not in text and "hahahaha" not in text, table
    assert rc == 1
    _assert_consistent(out)


@pytest.mark.slow
def test_200_mb_of_random_bytes(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    rnd = random.Random(1)
    with (d / "random.txt").open("wb") as f:  # exactly at the limit: read, then refused as binary
        for _ in range(MAX_BYTES >> 20):
            f.write(rnd.randbytes(1 << 20))
    with (d / "huge.txt").open("wb") as f:  # one byte over: refused before reading
        f.truncate(MAX_BYTES + 1)
    (d / "good.txt").write_bytes(seed_path("002").read_bytes())
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--workers", "2", "--quiet"]) == 1
    st = _status(out)
    assert st["good.txt"] == ("ok", None)
    assert st["random.txt"][0] == "failed" and st["random.txt"][1].startswith(("binary:", "bad_encoding:"))
    assert st["huge.txt"] == ("failed", f"too_large: {MAX_BYTES + 1} bytes; the limit is {MAX_BYTES} bytes")
    docs = pd.read_parquet(out / "documents").set_index("source_path")
    assert docs.loc[str(d / "huge.txt"), "bytes"] == MAX_BYTES + 1 and docs.loc[str(d / "huge.txt"), "sha256"]


def test_a_pipe_or_device_does_not_block_the_run(tmp_path):
    d = tmp_path / "in"
    a, _ = _copies(d, 2)
    os.mkfifo(d / "pipe.txt")  # opening it for reading would wait for a writer forever
    out = tmp_path / "out"
    s = run([str(d), "/dev/zero"], out, workers=2, timeout=20)
    assert (s.ok, s.failed) == (2, 2)
    st = _status(out)
    assert st["pipe.txt"] == ("failed", f"unreadable: {d / 'pipe.txt'} is not a regular file (a device, pipe or socket?)")
    assert st["zero"] == ("failed", "unreadable: /dev/zero is not a regular file (a device, pipe or socket?)")


def test_file_that_vanishes_mid_run(tmp_path, monkeypatch):
    d = tmp_path / "in"
    a, b = _copies(d, 2)
    out = tmp_path / "out"
    from pipeline import load

    walk = load.walk

    def walk_then_delete(paths, **kw):
        yield from walk(paths, **kw)
        b.unlink()  # found by the walk, gone before a worker reads it

    monkeypatch.setattr(load, "walk", walk_then_delete)
    s = run([str(d)], out, workers=1)
    assert (s.ok, s.failed) == (1, 1)
    st = _status(out)
    assert st[a.name] == ("ok", None)
    assert st[b.name] == ("failed", f"missing: {b} does not exist (moved or deleted during the run?)")


@pytest.mark.parametrize(
    "mean_seconds, held",
    [
        pytest.param(None, 2, id="no-document-done-yet"),
        pytest.param(0.006, 6, id="text-documents-of-6-ms"),
        pytest.param(0.0001, 8, id="tiny-documents-capped"),
        pytest.param(0.01, 4, id="documents-of-10-ms"),
        pytest.param(0.03, 2, id="documents-of-30-ms"),
        pytest.param(2.5, 2, id="slow-pdfs-two-at-a-time"),
    ],
)
def test_paths_held_per_worker(mean_seconds, held):
    """About 30 ms of work waits in each worker's pipe: enough that a worker never waits for a
    busy parent, few enough that the last slow documents are not queued behind one worker."""
    assert LocalPool.prefetch(mean_seconds) == held


@pytest.mark.parametrize(
    "buffered, remaining, batch, flush",
    [
        pytest.param(200, 500, 200, True, id="a-full-batch"),
        pytest.param(199, 500, 200, False, id="one-short-of-a-batch"),
        pytest.param(176, 45, 200, False, id="near-the-end-but-under-four-times-what-remains"),
        pytest.param(176, 44, 200, True, id="near-the-end-four-times-what-remains"),
        pytest.param(24, 6, 200, False, id="tail-buffer-too-small-for-a-part-of-its-own"),
        pytest.param(25, 6, 200, True, id="tail-buffer-just-big-enough"),
        pytest.param(150, 0, 200, False, id="the-last-buffer-is-written-after-the-loop"),
        pytest.param(2, 100, 2, True, id="tiny-batches-of-the-tests"),
    ],
)
def test_flush_rule(buffered, remaining, batch, flush):
    """A run's last big batch is written while its last documents are processed, not after."""
    assert flush_now(buffered, remaining, batch) is flush


def test_tail_batches_write_every_document_once(tmp_path):
    """60 documents, batches of 50: the tail rule writes 48 early (4 x the 12 still to come),
    then the rest; every document lands once."""
    _copies(tmp_path / "in", 60)
    out = tmp_path / "out"
    s = run([str(tmp_path / "in")], out, workers=2, batch=50)
    assert s.processed == 60
    parts = sorted((out / "documents").glob("part-*.parquet"))
    sizes = [pq.read_metadata(p).num_rows for p in parts]
    assert sum(sizes) == 60 and len(sizes) >= 2 and max(sizes) < 50, sizes
    assert pd.read_parquet(out / "documents").doc_id.is_unique
    _assert_consistent(out)


def test_batches_written_in_the_background_give_the_same_tables(tmp_path):
    """Small batches (written on the writer thread while workers go on) equal one big batch."""
    _copies(tmp_path / "in", 7)
    small, big = tmp_path / "small", tmp_path / "big"
    run([str(tmp_path / "in")], small, workers=2, batch=2)
    run([str(tmp_path / "in")], big, workers=2)
    assert len(list((small / "amounts").glob("part-*.parquet"))) >= 4
    _assert_consistent(small)
    a, b = _tables(small), _tables(big)
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False)


# --- worker start-up ------------------------------------------------------------------------


@pytest.fixture
def started(monkeypatch):
    """Events of a run in order: ("hash", file name) as the scan hashes a file, ("worker",) as a
    worker process is started."""
    from pipeline import execute, load

    events: list[tuple] = []
    sha_of = load.identity

    def hashed(path):
        events.append(("hash", Path(path).name))
        return sha_of(path)

    class Counted(execute._Worker):
        def __init__(self, *a, **kw):
            events.append(("worker",))
            super().__init__(*a, **kw)

    monkeypatch.setattr(load, "identity", hashed)
    monkeypatch.setattr(execute, "_Worker", Counted)
    return events


@pytest.mark.parametrize(
    "documents, workers, done_before, started_workers",
    [
        pytest.param(1, 4, 0, 1, id="one-document-starts-one-worker-of-four"),
        pytest.param(3, 2, 0, 2, id="three-documents-start-both-workers"),
        pytest.param(3, 2, 3, 0, id="unchanged-rerun-starts-none"),
        pytest.param(3, 2, 2, 1, id="one-new-document-starts-one"),
    ],
)
def test_workers_start_as_documents_to_do_are_found(started, tmp_path, documents, workers, done_before, started_workers):
    paths = _copies(tmp_path / "in", documents)
    out = tmp_path / "out"
    if done_before:
        run([str(p) for p in paths[:done_before]], out, workers=1)
    started.clear()
    s = run([str(tmp_path / "in")], out, workers=workers)
    assert s.processed == documents - done_before and s.failed == 0
    assert started.count(("worker",)) == started_workers


def test_first_worker_starts_while_the_rest_is_scanned(started, tmp_path):
    """The first worker imports the pipeline while the other files are hashed, not after."""
    _copies(tmp_path / "in", 4)
    run([str(tmp_path / "in")], tmp_path / "out", workers=1)
    assert started[:3] == [("hash", "doc000.txt"), ("worker",), ("hash", "doc001.txt")], started


def test_a_worker_still_starting_is_killed_not_waited_for():
    """Closing a pool whose worker has not said "ready" kills it: it holds no document."""
    pool = LocalPool(1)
    pool.start_one()
    proc = pool._live[0].proc
    pool.close()
    assert proc.returncode == -signal.SIGKILL and not pool._live
