"""`cnbudget run` as a user meets it: bad input, exit status, flags, re-runs, the run log, progress, schema."""
from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import write
from pipeline.cli import main
from schemas.tables import TABLES
from tests.conftest import seed_path
from tests.test_scale import _copies


@pytest.fixture
def mixed(tmp_path) -> Path:
    """A folder with two good seeds and every kind of bad input beside them."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("000"), d / "good.txt")
    (d / "gbk.txt").write_bytes(seed_path("004").read_text("utf-8").encode("gb18030"))
    shutil.copy(seed_path("004"), d / "utf8.txt")
    (d / "empty.txt").write_bytes(b"")
    (d / "random.txt").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    (d / "notes.xyz").write_text("收入合计 12 万元", "utf-8")
    return d


def _docs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "documents").set_index("source_path")


def test_bad_input_each_gets_one_row_and_the_run_goes_on(mixed, tmp_path, capsys):
    out = tmp_path / "out"
    files = [str(p) for p in sorted(mixed.iterdir())]
    rc = main(["run", *files, "--out", str(out), "--workers", "1", "--quiet"])
    assert rc == 1
    docs = _docs(out)
    assert len(docs) == len(files) == 6
    st = {Path(k).name: (v.status, v.error) for k, v in docs.iterrows()}
    assert st["good.txt"][0] == "ok" and st["gbk.txt"][0] == "ok" and st["utf8.txt"][0] == "ok"
    assert st["empty.txt"] == ("failed", "empty: the file has 0 bytes")
    assert st["random.txt"][0] == "failed" and st["random.txt"][1].startswith(("bad_encoding", "binary"))
    assert st["notes.xyz"][0] == "failed" and st["notes.xyz"][1].startswith("unsupported_format: cannot read .xyz")
    # the GBK copy gives the same amounts as the UTF-8 original
    a = pd.read_parquet(out / "amounts")
    gbk, utf8 = docs.loc[str(mixed / "gbk.txt"), "doc_id"], docs.loc[str(mixed / "utf8.txt"), "doc_id"]
    cols = ["label", "value_text", "value", "unit", "start", "end"]
    left = a[a.doc_id == gbk][cols].reset_index(drop=True)
    right = a[a.doc_id == utf8][cols].reset_index(drop=True)
    assert len(left) > 100
    pd.testing.assert_frame_equal(left, right)
    out_line = capsys.readouterr().out.strip()
    assert out_line.startswith("cnbudget: 6 files: 6 processed (3 ok, 0 partial, 3 failed)")


def test_exit_zero_when_all_ok(tmp_path):
    rc = main(["run", str(seed_path("002")), "--out", str(tmp_path / "o"), "--quiet"])
    assert rc == 0


def test_usage_error_is_2(tmp_path, capsys):
    assert main(["run", "--out"]) == 2
    assert main(["nonsense"]) == 2
    assert main(["run", "x", "--out", str(tmp_path), "--workers", "0"]) == 2


def test_rerun_skips_force_redoes_and_changed_file_replaces(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("002"), d / "a.txt")
    shutil.copy(seed_path("001"), d / "b.txt")
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    first = pd.read_parquet(out / "amounts")
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    runs = sorted((out / "_runs").glob("*.json"))
    assert len(runs) == 2
    log = json.loads(runs[-1].read_text("utf-8"))
    assert (log["processed"], log["skipped"]) == (0, 2)
    assert len(pd.read_parquet(out / "amounts")) == len(first)

    assert main(["run", str(d), "--out", str(out), "--quiet", "--force"]) == 0
    assert len(pd.read_parquet(out / "amounts")) == len(first)
    assert len(pd.read_parquet(out / "documents")) == 2

    # the file at a.txt changes: its old rows go, the new ones come
    shutil.copy(seed_path("000"), d / "a.txt")
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    docs = pd.read_parquet(out / "documents")
    assert len(docs) == 2 and docs.doc_id.is_unique
    amounts = pd.read_parquet(out / "amounts")
    assert set(amounts.doc_id) == set(docs.doc_id)


def test_interrupted_run_leaves_no_orphans(tmp_path):
    """Rows written for a document whose documents row never landed are removed by the next run."""
    from pipeline.process import process_path
    from pipeline.write import write_batch

    out = tmp_path / "out"
    res = process_path(str(seed_path("002")))
    write_batch(out, [res], "crashed")
    (out / "documents" / "part-crashed.parquet").unlink()  # as if killed before the last rename
    assert main(["run", str(seed_path("002")), "--out", str(out), "--quiet"]) == 0
    amounts = pd.read_parquet(out / "amounts")
    assert len(amounts) == len(res.rows["amounts"])


def test_every_table_matches_its_declared_schema(tmp_path):
    out = tmp_path / "o"
    main(["run", str(seed_path("004")), "--out", str(out), "--quiet"])
    for name, schema in TABLES.items():
        for part in (out / name).glob("*.parquet"):
            assert pq.read_schema(part).remove_metadata().equals(schema.remove_metadata()), (name, part)
        pd.read_parquet(out / name)  # readable even when empty


def test_duplicate_content_is_processed_once(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("002"), d / "a.txt")
    shutil.copy(seed_path("002"), d / "copy.txt")
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    assert len(pd.read_parquet(out / "documents")) == 1
    log = json.loads(next((out / "_runs").glob("*.json")).read_text("utf-8"))
    assert log["duplicates"] == [{"path": str(d / "copy.txt"), "same_as": str(d / "a.txt")}]


def test_schema_and_inspect_commands(capsys):
    assert main(["schema"]) == 0
    text = capsys.readouterr().out
    for name, schema in TABLES.items():
        assert name in text
        for col in schema.names:
            assert col in text
    assert main(["inspect", str(seed_path("004"))]) == 0
    shown = capsys.readouterr().out
    assert "米易县人民政府办公室" in shown and "1054.82万元" in shown and "（一）" in shown


# --- flags, exit codes, the run log, progress (issue 6) ------------------------------------


# --- command line ---------------------------------------------------------------------------


def test_exit_codes_and_usage_errors(tmp_path, capsys):
    good = seed_path("002")
    out = tmp_path / "out"
    assert main(["run", str(good), "--out", str(out), "--quiet"]) == 0
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["run", str(tmp_path / "empty.txt"), "--out", str(out), "--quiet"]) == 1
    assert main(["run", str(good), "--out", str(out), "--quiet"]) == 0  # the failed one is not an input now
    capsys.readouterr()
    for bad in (["--workers", "0"], ["--timeout", "-1"], ["--memory-limit", "-2"], ["--scheduler", "tcp://x:1"],
                ["--executor", "spark"]):
        assert main(["run", str(good), "--out", str(out), *bad]) == 2, bad
    (tmp_path / "a-file").write_text("x")
    assert main(["run", str(good), "--out", str(tmp_path / "a-file")]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err
    assert "--scheduler needs --executor dask" in err and "--timeout must not be negative" in err
    with write.lock(out):  # another run holds OUT
        assert main(["run", str(good), "--out", str(out), "--quiet"]) == 2
    assert "another cnbudget run is writing to" in capsys.readouterr().err


def test_run_log_and_plain_progress(tmp_path, capsys):
    d = tmp_path / "in"
    _copies(d, 3)
    (d / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--workers", "2"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("cnbudget: 4 files: 4 processed (3 ok, 0 partial, 1 failed)")
    assert f"failed: {d / 'empty.txt'}: empty: the file has 0 bytes" in captured.err
    assert "progress: 4/4 documents" in captured.err and "\r" not in captured.err
    log = json.loads(next((out / "_runs").glob("*.json")).read_text("utf-8"))
    assert (log["inputs"], log["processed"], log["ok"], log["failed"], log["executor"], log["workers"]) == (
        4, 4, 3, 1, "local", 2)
    assert log["failures"] == [{"path": str(d / "empty.txt"), "error": "empty: the file has 0 bytes"}]
    assert set(log["timings"]) == {"scan", "process", "write", "total", "documents"}
    assert len(log["slowest"]) == 4 and 0 < log["worker_peak_rss_mb"] < 1024
    main(["run", str(d), "--out", str(out), "--quiet"])
    assert capsys.readouterr().err == ""


def test_progress_bar_on_a_terminal(capsys):
    from pipeline.cli import _Progress
    from pipeline.write import DocResult

    bar = _Progress(quiet=False, tty=True, columns=100)
    ok = DocResult({"status": "ok", "source_path": "in/a.txt", "error": None})
    bad = DocResult({"status": "failed", "source_path": "in/b.txt", "error": "empty: the file has 0 bytes"})
    bar(1, 2, ok)
    bar(2, 2, bad)
    bar.end()
    err = capsys.readouterr().err
    assert "| 2/2 [" in err and err.endswith("\n") and "in/b.txt" in err.rsplit("\r", 1)[-1]
    assert "failed: in/b.txt: empty: the file has 0 bytes\n" in err
    quiet = _Progress(quiet=True, tty=True)
    quiet(1, 1, bad)
    quiet.heartbeat(1, 1, [("in/a.txt", 30.0)])
    quiet.end()
    assert capsys.readouterr().err == ""


LONG_PATH = "/data/scrape/2024/福建省/宁德市/蕉城区/部门决算/蕉城区财政局2023年度部门决算公开（含三公经费）.pdf"


@pytest.mark.parametrize("columns, shows", [
    pytest.param(40, "", id="40-columns-no-room-for-the-path"),
    pytest.param(60, "...）.pdf", id="60-columns-the-file-name-end"),
    pytest.param(100, "...年度部门决算公开（含三公经费）.pdf", id="100-columns-more-of-it"),
    pytest.param(300, ", " + LONG_PATH, id="300-columns-the-whole-path"),
])
def test_progress_bar_never_wider_than_the_terminal_with_chinese_paths(columns, shows):
    """Issue 15: the bar cut paths by characters, not display width, so a Chinese name (two
    columns a character) wrapped it onto new lines on every update."""
    import io
    import re

    from tqdm.utils import disp_len

    from pipeline.cli import _Progress
    from pipeline.write import DocResult

    stream = io.StringIO()
    bar = _Progress(quiet=False, tty=True, stream=stream, columns=columns)
    for i in range(1, 101):
        bar(i, 100, DocResult({"status": "ok", "source_path": LONG_PATH, "error": None}))
        bar.heartbeat(i, 100, [(LONG_PATH, 75.0)])
    bar.end()
    lines = [seg for seg in re.split(r"[\r\n]", stream.getvalue()) if seg.strip()]
    assert len(lines) > 100
    assert max(disp_len(seg) for seg in lines) <= columns
    assert lines[-1].endswith(shows + " 75s" if shows else "]")


def test_plain_progress_names_a_long_document_at_least_every_ten_seconds():
    """Issue 15: nothing was printed while one long document ran (54 s of silence on a 2,000-page
    PDF) when stderr was not a terminal."""
    import io

    from pipeline.cli import _Progress

    now = [0.0]
    stream = io.StringIO()
    plain = _Progress(quiet=False, tty=False, stream=stream, clock=lambda: now[0])
    for t in range(1, 60):  # run's heartbeat, once a second, one document for 59 s
        now[0] = float(t)
        plain.heartbeat(0, 1, [("in/2000页.pdf", t - 0.5), ("in/b.pdf", 1.0)])
    lines = stream.getvalue().splitlines()
    assert lines[0] == "progress: 0/1 documents, 10s; working on in/2000页.pdf for 10s (and 1 more)"
    assert len(lines) == 5  # at 10, 20, 30, 40, 50 s


def test_run_calls_heartbeat_with_the_documents_being_worked_on(tmp_path, monkeypatch):
    """The library's side: `run` says, from another thread while a document runs, which one it is."""
    from pipeline import run as run_module

    monkeypatch.setattr(run_module, "HEARTBEAT", 0.05)
    d = tmp_path / "in"
    d.mkdir()
    (d / "slow.txt").write_bytes(b"SLOW" + seed_path("000").read_bytes())
    beats = []
    run_module.run([str(d)], tmp_path / "out", workers=1, target="tests.sabotage:process_path",
                   heartbeat=lambda done, n, running: beats.append((done, n, running)))
    working = [b for b in beats if b[2]]
    assert working and all(done == 0 and n == 1 for done, n, _ in working)
    assert {p for _, _, r in working for p, _ in r} == {str(d / "slow.txt")}


# --- bugs: issue 15 -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw_name, stored", [
    pytest.param(b"bad\xff.txt", "bad\\xff.txt", id="latin1-byte"),
    pytest.param(b"\xb2\xbf\xc3\xc5.txt", "\\xb2\\xbf\\xc3\\xc5.txt", id="gbk-name"),
    pytest.param("部门决算.txt".encode(), "部门决算.txt", id="utf8-name-unchanged"),
])
def test_a_file_name_that_is_not_utf8_is_read_and_stored_escaped(tmp_path, raw_name, stored):
    """Issue 15.1: a name with non-UTF-8 bytes aborted the whole run with exit 2 (its batch lost,
    parts without documents rows left behind), and every re-run failed the same way."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("000"), d / "good.txt")
    shutil.copy(seed_path("001"), os.fsdecode(bytes(d) + b"/" + raw_name))
    out = tmp_path / "out"
    for _ in range(2):  # the re-run skips both, and still exits 0
        assert main(["run", str(d), "--out", str(out), "--workers", "1", "--quiet"]) == 0
        docs = _docs(out)
        assert sorted(Path(p).name for p in docs.index) == sorted(["good.txt", stored])
        assert set(docs.status) == {"ok"}
        assert set(pd.read_parquet(out / "amounts").doc_id) == set(docs.doc_id)
    log = json.loads(sorted((out / "_runs").glob("*.json"))[-1].read_text("utf-8"))
    assert log["inputs"] == 2 and log["skipped"] == 2


def test_force_run_that_fails_before_any_result_keeps_every_row(tmp_path, monkeypatch):
    """Issue 15.6: `--force` removed the old rows before processing, so a run that failed before
    its first result (an unreachable Dask scheduler, the workers failing to start) lost them."""
    from pipeline import execute
    from pipeline.run import run

    d = tmp_path / "in"
    d.mkdir()
    for p in ("000", "004"):
        shutil.copy(seed_path(p), d / f"{p}.txt")
    out = tmp_path / "out"
    run([str(d)], out, workers=1)
    before = {name: len(pd.read_parquet(out / name)) for name in TABLES}

    def no_workers(self, paths):
        raise OSError("cannot start workers")

    monkeypatch.setattr(execute.LocalPool, "imap_unordered", no_workers)
    with pytest.raises(OSError):
        run([str(d)], out, workers=1, force=True)
    assert {name: len(pd.read_parquet(out / name)) for name in TABLES} == before


def _files(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "files").set_index("path")


def test_every_path_a_folder_holds_is_accounted_for(tmp_path, monkeypatch):
    """Issue 15.4: copies got one documents row and the other paths appeared only in the run log; an
    empty .txt beside an empty .pdf; the walk silently skipped unreadable subfolders, folders
    starting with `_`, hidden files and every file whose extension it did not know."""
    from pipeline import load

    d = tmp_path / "in"
    (d / "_archive").mkdir(parents=True)
    (d / ".git").mkdir()
    (d / "locked").mkdir()
    shutil.copy(seed_path("000"), d / "a.txt")
    shutil.copy(seed_path("000"), d / "copy-of-a.txt")
    shutil.copy(seed_path("004"), d / "_archive" / "b.txt")
    (d / "empty.txt").write_bytes(b"")
    (d / "empty.pdf").write_bytes(b"")
    (d / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (d / "附表.xlsx").write_bytes(b"PK\3\4")
    real_walk = os.walk

    def walk(top, onerror=None, **kw):  # root reads every folder: make one unreadable
        for root, dirs, files in real_walk(top, onerror=onerror, **kw):
            if Path(root).name == "locked":
                onerror(PermissionError(13, "Permission denied", root))
                continue
            yield root, dirs, files

    monkeypatch.setattr(load.os, "walk", walk)
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--workers", "1", "--quiet"]) == 1  # the empty ones fail
    files = _files(out)
    rel = {str(Path(p).relative_to(d)): (s, r if isinstance(r, str) else None)
           for p, s, r in zip(files.index, files.status, files.reason)}
    assert rel == {
        "a.txt": ("processed", None),
        "copy-of-a.txt": ("duplicate_of", str(d / "a.txt")),
        "_archive/b.txt": ("processed", None),
        "empty.pdf": ("failed", rel["empty.pdf"][1]),  # the first path in order with those bytes
        "empty.txt": ("duplicate_of", str(d / "empty.pdf")),
        ".git": ("skipped", "hidden folder"),
        ".DS_Store": ("skipped", "hidden file"),
        "附表.xlsx": ("skipped", "unsupported extension .xlsx"),
        "locked": ("unreadable", "cannot list the folder: Permission denied"),
    }
    assert rel["empty.pdf"][1]  # why it failed
    docs = _docs(out)
    assert len(docs) == docs.doc_id.nunique() == 3  # one row per distinct content (a, b, the empty bytes)
    assert set(files.doc_id.dropna()) == set(docs.doc_id)
    assert len(files) == files.index.nunique()
    # a re-run: the same paths, each once, now unchanged
    assert main(["run", str(d), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    again = _files(out)
    assert len(again) == len(files) and again.loc[str(d / "a.txt"), "status"] == "unchanged"


def test_a_renamed_file_takes_its_documents_row_along(tmp_path):
    """Issue 15.4: a renamed file kept its old source_path."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("000"), d / "old.txt")
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    (d / "old.txt").rename(d / "new.txt")
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    assert list(_docs(out).index) == [str(d / "new.txt")]
    files = _files(out)
    assert list(files.index) == [str(d / "new.txt")] and list(files.status) == ["unchanged"]


def test_a_path_named_twice_is_one_input(tmp_path):
    """Issue 15.4: `run d d` (or a folder and a file in it) walked the path twice: two inputs, and a
    files row saying the file was a duplicate of itself."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("000"), d / "a.txt")
    out = tmp_path / "out"
    assert main(["run", str(d), str(d), str(d / "a.txt"), f"{d}/./", "--out", str(out), "--quiet"]) == 0
    files = _files(out)
    assert list(files.index) == [str(d / "a.txt")] and list(files.status) == ["processed"]
    log = json.loads(sorted((out / "_runs").glob("*.json"))[-1].read_text("utf-8"))
    assert (log["inputs"], log["duplicates"]) == (1, [])


def test_a_link_to_a_folder_is_a_skipped_row_and_a_broken_link_says_what_it_points_to(tmp_path):
    """Issue 15.4: a link to a folder was silently not followed; a broken link failed as a file
    'moved or deleted during the run'."""
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    shutil.copy(seed_path("000"), d / "sub" / "a.txt")
    (d / "alias").symlink_to("sub")
    (d / "broken.txt").symlink_to("nowhere.txt")
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 1  # the broken link fails
    files = _files(out)
    got = {str(Path(p).relative_to(d)): (s, r if isinstance(r, str) else None)
           for p, s, r in zip(files.index, files.status, files.reason)}
    assert got == {
        "sub/a.txt": ("processed", None),
        "alias": ("skipped", "link to a folder (sub), not followed: name that folder to read it"),
        "broken.txt": ("unreadable", f"missing: {d / 'broken.txt'} is a link to nowhere.txt, which does not exist"),
    }


def test_a_copy_that_sorts_first_leaves_the_documents_row_with_its_file(tmp_path):
    """Issue 15.4: which path holds a content was decided as the walk went, so a copy found before
    the original took the row ('unchanged') and the original became its duplicate."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("000"), d / "report.txt")
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    shutil.copy(d / "report.txt", d / "0-copy.txt")
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    assert list(_docs(out).index) == [str(d / "report.txt")]
    files = _files(out)
    assert files.loc[str(d / "report.txt"), "status"] == "unchanged"
    assert tuple(files.loc[str(d / "0-copy.txt"), ["status", "reason"]]) == ("duplicate_of", str(d / "report.txt"))


def test_renames_that_swap_contents_move_each_row_to_its_content(tmp_path):
    """Issue 15.4: a rename was taken only when the old path no longer existed: after a.txt -> c.txt
    and b.txt -> a.txt both documents named a.txt."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("000"), d / "a.txt")
    shutil.copy(seed_path("004"), d / "b.txt")
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    ids = {Path(p).name: i for p, i in _docs(out).doc_id.items()}
    (d / "a.txt").rename(d / "c.txt")
    (d / "b.txt").rename(d / "a.txt")
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    now = {Path(p).name: i for p, i in _docs(out).doc_id.items()}
    assert now == {"c.txt": ids["a.txt"], "a.txt": ids["b.txt"]}
    files = _files(out)
    assert {Path(p).name: s for p, s in files.status.items()} == {"a.txt": "unchanged", "c.txt": "unchanged"}
    assert len(pd.read_parquet(out / "amounts").doc_id.unique()) == 2


@pytest.mark.parametrize("batch", [pytest.param(1, id="alone-in-its-batch"), pytest.param(100, id="among-others")])
def test_a_document_whose_rows_do_not_fit_the_tables_fails_alone(tmp_path, batch):
    """Issue 15: a figure too large for its decimal column (a 24-digit 'amount') made the batch's
    Parquet write raise: the run stopped with exit 2 and lost the batch."""
    from pipeline.run import run

    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(seed_path("000"), d / "a.txt")
    (d / "huge.txt").write_bytes(b"HUGE" + seed_path("004").read_bytes())
    shutil.copy(seed_path("001"), d / "z.txt")
    out = tmp_path / "out"
    s = run([str(d)], out, workers=1, batch=batch, target="tests.sabotage:process_path")
    assert (s.processed, s.ok, s.failed) == (3, 2, 1)
    assert [f["path"] for f in s.failures] == [str(d / "huge.txt")]
    docs = _docs(out)
    huge = docs.loc[str(d / "huge.txt")]
    assert huge.status == "failed"
    assert huge.error.startswith("internal_error: its rows do not fit the tables: ") and "please report" in huge.error
    assert set(pd.read_parquet(out / "amounts").doc_id) == set(docs.doc_id[docs.status == "ok"])
    assert _files(out).loc[str(d / "huge.txt"), "status"] == "failed"


@pytest.mark.parametrize("text", [
    pytest.param("收入总计1234567890123456789012.34万元。", id="prose-22-digits"),
    pytest.param("单位：万元\n项目\t合计\n收入总计\t1234567890123456789012345678901.5\n", id="cell-31-digits"),
])
def test_a_number_too_large_to_be_money_is_not_an_amount(tmp_path, text):
    """Issue 15 (found by hand): digits run together into a 22-digit 'amount' overflowed the
    amounts columns; units.toml's largest_yuan bounds what is money."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("2025年部门决算\n" + text + "\n支出总计12.00万元。\n", "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(d), "--out", str(out), "--quiet"]) == 0
    values = list(pd.read_parquet(out / "amounts").value)
    assert values == [Decimal("12.00")]
