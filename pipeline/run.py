"""Wiring: walk -> (process on workers) -> write.

`pipeline.process.process_path` runs the pure stages for one file and never raises. `run` walks
the inputs, skips documents already done, runs the rest on isolated worker processes
(`pipeline.execute`: local, or Dask), and writes batches as results stream in.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline import __version__, execute, load
from pipeline.process import _failed, _now
from pipeline.records import DocResult, DocumentError

BATCH = 200  # documents per written part: bounds memory and the work lost to a crash
HEARTBEAT = 1.0  # seconds between calls of run's `heartbeat`: the caller decides what to show
TAIL_SHARE = 4  # near the end, a buffer this many times the documents still to come is written early
TAIL_MIN = 25  # ... when it holds at least this many (no part files of one or two rows)


def flush_now(buffered: int, remaining: int, batch: int = BATCH) -> bool:
    """Whether to write the buffered documents now. A full batch is written; so is a large buffer
    near the end of the run: written while the last documents are still being processed, it does
    not make the run wait for a whole batch to be written after the last one."""
    if buffered >= batch:
        return True
    return remaining > 0 and buffered >= max(TAIL_MIN, TAIL_SHARE * remaining)


# Failures that say nothing about the file's bytes: a later run tries these documents again.
RETRY_REASONS = ("worker_died",)


@dataclass
class RunSummary:
    started: str
    out: str
    executor: str = "local"
    workers: int = 1
    inputs: int = 0
    processed: int = 0
    skipped: int = 0
    ok: int = 0
    partial: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list = dataclasses.field(default_factory=list)
    duplicates: list = dataclasses.field(default_factory=list)
    skipped_paths: list = dataclasses.field(default_factory=list)  # what a folder held that is no document
    # scan: walk + hash + compare with OUT; process: wall time of the documents; write: Parquet;
    # documents: the sum of the documents' own times in their workers
    timings: dict = dataclasses.field(default_factory=dict)
    slowest: list = dataclasses.field(default_factory=list)  # the 10 slowest documents
    worker_peak_rss_mb: float | None = None

    def line(self) -> str:
        return (
            f"cnbudget: {self.inputs} files: {self.processed} processed ({self.ok} ok, {self.partial} partial, "
            f"{self.failed} failed), {self.skipped} already done; {self.seconds:.1f}s -> {self.out}"
        )


@dataclass
class _Done:
    """What OUT already holds."""

    by_sha: dict[str, tuple[str, str, str | None, str]]  # sha256 -> (pipeline_version, status, error, source_path)
    by_path: dict[str, list[tuple[str, str | None]]]  # source_path -> [(doc_id, sha256)]


def _done_documents(out: Path) -> _Done:
    from pipeline import write

    cols = ["doc_id", "source_path", "sha256", "pipeline_version", "status", "error"]
    docs = write.read_documents(out, columns=cols)
    done = _Done({}, {})
    if docs is None:
        return done
    for did, path, sha, ver, st, err in zip(*(docs.column(c).to_pylist() for c in cols)):
        if sha:
            done.by_sha[sha] = (ver, st, err, path)
        done.by_path.setdefault(path, []).append((did, sha))
    return done


@dataclass
class _Plan:
    todo: list[str]  # paths to process, in input order
    ident: dict[str, tuple[str | None, int | None]]  # path -> (sha256, bytes) as scanned
    # documents in OUT whose rows go: redone, or their file changed. They are removed with the first
    # batch written, not before: a run that fails before it has a result loses nothing.
    drop_ids: set[str]
    redo_ids: set[str]  # documents in OUT processed again: each removed with the batch that brings it back
    files: dict[str, dict]  # path -> its files row (DESIGN §4): every path the walk saw
    moved: dict[str, str]  # doc_id -> its new source_path: unchanged content whose old path is gone
    gone: set[str]  # those old paths: their files rows go


def _file_row(path: str, stamp: str, status: str, reason: str | None = None, doc_id: str | None = None,
              size: int | None = None) -> dict:
    try:
        mtime = datetime.fromtimestamp(os.lstat(path).st_mtime, timezone.utc)
    except OSError:
        mtime = None
    return {"path": load.path_text(path), "doc_id": doc_id, "bytes": size, "mtime": mtime, "status": status,
            "reason": load.path_text(reason) if reason else None, "run": stamp}


def _retry(prev: tuple) -> bool:
    """A document already in OUT with a failure that says nothing about its bytes."""
    return prev[1] == "failed" and str(prev[2]).startswith(RETRY_REASONS)


def _plan(
    paths: Iterable[str], out: Path, force: bool, summary: RunSummary, on_todo: Callable[[], None] | None = None
) -> _Plan:
    """Walk and hash the inputs; decide what to process and which old rows go. Counts skipped
    documents in `summary`; calls `on_todo` for each document to process, as it is found."""
    done = _done_documents(out)
    plan = _Plan([], {}, set(), set(), {}, {}, set())

    def skipped(path: Path, status: str, reason: str) -> None:
        plan.files[str(path)] = _file_row(str(path), summary.started, status, reason)
        summary.skipped_paths.append({"path": load.path_text(path), "status": status, "reason": reason})

    seen: dict[str, str] = {}  # sha256 -> first path with that content
    now_at: dict[str, str | None] = {}  # walked path -> sha256 of what it holds now, if it had rows
    walked: dict[str, str | None] = {}  # every walked path (as source_path holds it) -> its sha256
    kept: dict[str, list[str]] = {}  # sha256 of content already done -> its walked paths, in order
    for p in load.walk(paths, on_skip=skipped, exclude=out):
        f = str(p)
        name = load.path_text(f)  # as documents.source_path and the run log hold it
        summary.inputs += 1
        sha, size = load.identity(p)
        walked[name] = sha
        if name in done.by_path:
            now_at[name] = sha
        prev = done.by_sha.get(sha) if sha else None
        if prev and prev[0] == __version__ and not force and not _retry(prev):
            summary.skipped += 1
            if sha not in seen and prev[1] == "failed":
                summary.failed += 1
                summary.failures.append({"path": name, "error": prev[2], "skipped": True})
            seen.setdefault(sha, name)
            kept.setdefault(sha, []).append(f)
            plan.files[f] = _file_row(f, summary.started, "unchanged",
                                      f"failed earlier: {prev[2]}" if prev[1] == "failed" else None, sha[:16], size)
            continue
        if sha and sha in seen:
            summary.duplicates.append({"path": name, "same_as": seen[sha]})
            summary.skipped += 1
            plan.files[f] = _file_row(f, summary.started, "duplicate_of", seen[sha], sha[:16], size)
            continue
        if sha:
            seen[sha] = name
        if on_todo is not None:
            on_todo()
        plan.todo.append(f)
        plan.ident[f] = (sha, size)
        plan.files[f] = _file_row(f, summary.started, "processed", None, sha[:16] if sha else None, size)
        if prev:
            plan.redo_ids.add(sha[:16])
    # content already done, found at one or more paths: decided once the walk is over, when every
    # path is known. Its row stays with the path it names if that still holds it (walked or not);
    # else it follows the first path found (a rename or move). The other paths are duplicates of it.
    for sha, found in kept.items():
        old = done.by_sha[sha][3]
        if walked.get(old, "") == sha or (old not in walked and load.identity(old)[0] == sha):
            holder = old
        else:
            holder = load.path_text(found[0])
            plan.moved[sha[:16]] = holder
            plan.gone.add(old)
        for f in found:
            name = load.path_text(f)
            if name != holder:
                plan.files[f].update(status="duplicate_of", reason=holder)
                summary.duplicates.append({"path": name, "same_as": holder})
    # a walked file whose content changed: its old document goes, unless that content is still
    # among the inputs (then it is kept, or redone above); so does a failed row without identity
    for f, sha in now_at.items():
        for did, old in done.by_path[f]:
            if old is None or (old != sha and old not in seen):
                plan.drop_ids.add(did)
    return plan


def run(
    paths: Iterable[str],
    out: str | os.PathLike,
    workers: int | None = None,
    force: bool = False,
    progress: Callable[[int, int, DocResult], None] | None = None,
    *,
    heartbeat: Callable[[int, int, list[tuple[str, float]]], None] | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    timeout: float | None = execute.DEFAULT_TIMEOUT,
    memory_limit: int = execute.DEFAULT_MEMORY_LIMIT,
    batch: int = BATCH,
    target: str | None = None,
) -> RunSummary:
    """Process the files under `paths` into OUT; see DESIGN §3. Raises write.RunLocked when another
    run is writing to OUT, ValueError on bad settings; a bad document never raises. `progress` is
    called with (done, total, result) as each document finishes; `heartbeat` about every HEARTBEAT
    seconds while documents are processed, from another thread, with (done, total, running): the
    paths being worked on and their seconds so far (empty with Dask), so that a long document is
    not silence. `target` replaces the function workers run on each path (`module:function`; for tests)."""
    from pipeline import write

    target = target or execute.TARGET
    if executor not in ("local", "dask"):
        raise ValueError(f"executor must be local or dask, got {executor!r}")
    if scheduler and executor != "dask":
        raise ValueError("a scheduler address needs executor dask")
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    out = Path(out)
    t0 = time.monotonic()
    stamp = _now().strftime("%Y%m%dT%H%M%S%fZ")
    summary = RunSummary(started=stamp, out=str(out), executor=executor, workers=workers)
    out.mkdir(parents=True, exist_ok=True)
    pool = execute.LocalPool(workers, timeout, memory_limit, target) if executor == "local" else None
    with write.lock(out), pool or contextlib.nullcontext():
        write.clean_interrupted(out)
        write.write_empty_tables(out)  # before any part is removed: see write_empty_tables
        # a local worker starts as soon as there is a document for it: it imports the pipeline (~0.1 s
        # of its start) while the rest is scanned; no more workers than documents, none for a re-run
        plan = _plan(paths, out, force, summary, on_todo=pool.start_one if pool is not None else None)
        t_scan = time.monotonic()

        if not plan.todo:
            outcomes = (o for o in ())  # nothing to do: no workers, no cluster
        elif executor == "dask":
            outcomes = execute.dask_outcomes(plan.todo, workers, scheduler, timeout, memory_limit, target)
        else:
            outcomes = pool.imap_unordered(plan.todo)
        doc_s = 0.0
        write_times: list[float] = []
        buffer: list[DocResult] = []
        paths: list[str] = []  # the path of each result in buffer, as the walk gave it
        # Batches are written on one background thread, so the workers keep being fed while a
        # batch is written; at most one batch waits, so memory stays bounded, and batches land in
        # order (each with its documents part last).
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnbudget-write")
        pending = None

        def timed_write(results: list[DocResult], paths: list[str], part: str) -> list[tuple[str, dict, dict]]:
            """Write a batch; give back (path, documents row, its replacement) for each document whose
            rows did not fit the schemas: it is written as failed, and the rest of the batch as it is."""
            tw = time.monotonic()
            # old rows go with the batch that brings their replacement; rows of files that changed
            # into something else, with the first batch
            ids = {res.document["doc_id"] for res in results}
            drop = plan.drop_ids | (plan.redo_ids & ids)
            plan.drop_ids = set()
            plan.redo_ids -= ids
            replaced = []
            try:
                write.write_batch(out, results, part, replaces=drop)
            except write.Unfit as e:
                results = list(results)
                for i, reason in e.rejected.items():
                    old = results[i].document
                    err = DocumentError("internal_error",
                                        f"its rows do not fit the tables: {reason} (please report with this file)")
                    results[i] = _failed(paths[i], old["source_format"], err, old["sha256"], old["bytes"])
                    replaced.append((paths[i], old, results[i].document))
                write.write_batch(out, results, part, replaces=drop)
            write_times.append(time.monotonic() - tw)
            return replaced

        done = [0]
        beating = threading.Event()

        def beat() -> None:
            while not beating.wait(HEARTBEAT):
                try:
                    heartbeat(done[0], len(plan.todo), pool.running() if pool is not None else [])
                except Exception:  # the caller's display failed (a closed stderr): the run goes on
                    return

        beater = None
        if heartbeat is not None and plan.todo:
            beater = threading.Thread(target=beat, name="cnbudget-heartbeat", daemon=True)
            beater.start()

        def refail(replaced: list[tuple[str, dict, dict]]) -> None:
            """Count again the documents a write turned into failures (in this thread: the summary
            and the files rows are only touched here)."""
            for path, old, new in replaced:
                setattr(summary, old["status"], getattr(summary, old["status"]) - 1)
                summary.failed += 1
                summary.failures.append({"path": new["source_path"], "error": new["error"]})
                _file_done(plan.files.get(path), new)

        try:
            for n, o in enumerate(outcomes, 1):
                done[0] = n
                res = o.result or _failed(
                    o.path, load.format_of(Path(o.path)), o.error, *plan.ident.get(o.path, (None, None))
                )
                doc_s += o.seconds
                _count(summary, res, o)
                _file_done(plan.files.get(o.path), res.document)
                if progress:
                    progress(n, len(plan.todo), res)
                buffer.append(res)
                paths.append(o.path)
                if flush_now(len(buffer), len(plan.todo) - n, batch):
                    if pending is not None:
                        refail(pending.result())  # re-raises a failed write here
                    pending = writer.submit(timed_write, buffer, paths, f"{stamp}-{n:07d}")
                    buffer, paths = [], []
            if pending is not None:
                refail(pending.result())
                pending = None
            if buffer:
                refail(timed_write(buffer, paths, f"{stamp}-{summary.processed:07d}"))
            # nothing was written (every result was skipped), or a redone document came back under
            # another id (its file vanished before it was read): the old rows still go
            if plan.drop_ids or plan.redo_ids:
                write.remove_documents(out, plan.drop_ids | plan.redo_ids)
            write.move_documents(out, plan.moved)
            write.write_files(out, list(plan.files.values()), stamp, gone=plan.gone)
        finally:  # also on an error or Ctrl-C: no worker and no cluster outlives the run
            beating.set()
            if beater is not None:
                beater.join()
            outcomes.close()
            if pool is not None:
                pool.close()
            if pending is not None:
                pending.exception()  # let a batch being written finish: parts are never half-done
            writer.shutdown(wait=True)
        write_s = sum(write_times)
        summary.seconds = time.monotonic() - t0
        summary.timings = {
            "scan": round(t_scan - t0, 3),
            "process": round(summary.seconds - (t_scan - t0) - write_s, 3),
            "write": round(write_s, 3),
            "total": round(summary.seconds, 3),
            "documents": round(doc_s, 3),
        }
        summary.slowest.sort(key=lambda d: -d["seconds"])
        del summary.slowest[10:]
        write.write_run_log(out, stamp, dataclasses.asdict(summary))
    return summary


def _file_done(row: dict | None, document: dict) -> None:
    """A processed path's files row, once its document is back: its doc_id, and its error if it failed."""
    if row is None:
        return
    row["doc_id"] = document["doc_id"]
    if document["status"] == "failed":
        err = document["error"] or ""
        row["status"] = "unreadable" if err.startswith(("unreadable", "missing")) else "failed"
        row["reason"] = err


def _count(summary: RunSummary, res: DocResult, o) -> None:
    st = res.document["status"]
    summary.processed += 1
    setattr(summary, st, getattr(summary, st) + 1)
    if st == "failed":
        summary.failures.append({"path": res.document["source_path"], "error": res.document["error"]})
    if o.peak_rss:
        summary.worker_peak_rss_mb = max(summary.worker_peak_rss_mb or 0.0, round(o.peak_rss / 2**20, 1))
    summary.slowest.append({"path": load.path_text(o.path), "seconds": round(o.seconds, 3)})
    if len(summary.slowest) > 50:  # keep the 10 slowest without holding every document
        summary.slowest.sort(key=lambda d: -d["seconds"])
        del summary.slowest[10:]
