"""Wiring: load -> normalise -> segment -> extract -> (resolve -> check) -> write.

`process_path` runs the pure stages for one file and never raises: whatever goes wrong becomes
the document's status and error. `run` walks the inputs, skips documents already done, runs the
rest on worker processes, and writes batches.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline import __version__, check, extract, load, normalise, resolve, segment
from extractors import functional
from pipeline.records import DocumentError, Source
from pipeline.write import DocResult

BATCH = 200  # documents per written part: bounds memory and the work lost to a crash


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _document_row(path: str, fmt: str, sha: str | None, size: int | None, **kw) -> dict:
    doc_id = (sha or hashlib.sha256(f"unreadable:{path}".encode()).hexdigest())[:16]
    row = {
        "doc_id": doc_id,
        "source_path": path,
        "source_format": fmt,
        "sha256": sha,
        "bytes": size,
        "doc_kinds": [],
        "pipeline_version": __version__,
        "extracted_at": _now(),
    }
    row.update(kw)
    return row


def _failed(path: str, fmt: str, e: DocumentError, sha=None, size=None) -> DocResult:
    return DocResult(
        _document_row(path, fmt, sha or e.sha256, size if size is not None else e.size,
                      status="failed", error=str(e))
    )


_FIELDS: dict[type, tuple[str, ...]] = {}


def _asdict(rec, doc_id: str) -> dict:
    # shallow on purpose: records hold only scalars (dataclasses.asdict deep-copies, and is slow)
    names = _FIELDS.get(type(rec))
    if names is None:
        names = _FIELDS[type(rec)] = tuple(f.name for f in dataclasses.fields(rec))
    d = {"doc_id": doc_id}
    for n in names:
        d[n] = getattr(rec, n)
    return d


def source_to_result(src: Source) -> DocResult:
    text = normalise.source_to_text(src)
    sections = segment.text_to_sections(text)
    ex = extract.extract(text, sections)
    m = ex.metadata
    doc_id = src.doc_id
    warnings = "; ".join(text.warnings) or None
    document = _document_row(
        src.path, src.format, src.sha256, src.size,
        n_pages=text.n_pages, n_chars=len(text.text), title=m.title, province=m.province, city=m.city,
        county=m.county, department=m.department, fiscal_year=m.fiscal_year, doc_kinds=list(m.doc_kinds),
        status="partial" if warnings else "ok", error=warnings,
    )
    rows = {
        "sections": [_asdict(s, doc_id) for s in sections],
        "tables": [_asdict(c, doc_id) for c in ex.tables],
        "amounts": [_asdict(a, doc_id) for a in ex.amounts],
        "indicators": [_asdict(i, doc_id) for i in ex.indicators],
        "scores": [_asdict(s, doc_id) for s in ex.scores],
        "projects": [_asdict(p, doc_id) for p in ex.projects],
    }
    rows.update(_resolve_and_check(text, ex, rows, doc_id))
    return DocResult(document, rows)


def resolve_and_check(text, ex, projects=()) -> tuple[resolve.Resolved, list, list]:
    """resolve -> functional -> check for one document: (resolved facts, functional lines, checks)."""
    res = resolve.resolve(text, ex.amounts, ex.metadata)
    units = {u.table_id: u.unit for u in res.unit_inferences if not u.ambiguous}
    func = functional.extract(text, ex.amounts, resolve.default_measure(ex.metadata), units)
    return res, list(func.lines), check.check(res, ex.amounts, func, projects, text.text)


def _resolve_and_check(text, ex, rows: dict, doc_id: str) -> dict[str, list[dict]]:
    """facts, functional and checks rows (checks read the projects rows when another stage made them)."""
    res, lines, checks = resolve_and_check(text, ex, rows.get("projects", []))
    return {
        "facts": [f.row(doc_id) for f in res.facts],
        "functional": [ln.row(doc_id) for ln in lines],
        "checks": [c.row(doc_id) for c in checks],
    }


def process_path(path: str) -> DocResult:
    """Process one file; never raises."""
    p = Path(path)
    fmt = load.format_of(p)
    try:
        src = load.read_source(p)
    except DocumentError as e:
        return _failed(path, fmt, e)
    try:
        return source_to_result(src)
    except DocumentError as e:
        return _failed(path, fmt, e, src.sha256, src.size)
    except RecursionError:
        return _failed(path, fmt, DocumentError("internal_error", "recursion too deep"), src.sha256, src.size)
    except Exception as e:  # a bug must cost one document, not the run
        err = DocumentError("internal_error", f"{type(e).__name__}: {e} (please report with this file)")
        return _failed(path, fmt, err, src.sha256, src.size)


@dataclass
class RunSummary:
    started: str
    out: str
    inputs: int = 0
    processed: int = 0
    skipped: int = 0
    ok: int = 0
    partial: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list = dataclasses.field(default_factory=list)
    duplicates: list = dataclasses.field(default_factory=list)

    def line(self) -> str:
        return (
            f"cnbudget: {self.inputs} files: {self.processed} processed ({self.ok} ok, {self.partial} partial, "
            f"{self.failed} failed), {self.skipped} already done; {self.seconds:.1f}s -> {self.out}"
        )


def _sha_of(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def run(
    paths: Iterable[str],
    out: str | os.PathLike,
    workers: int | None = None,
    force: bool = False,
    progress: Callable[[int, int, DocResult], None] | None = None,
) -> RunSummary:
    from pipeline import write

    out = Path(out)
    t0 = time.monotonic()
    stamp = _now().strftime("%Y%m%dT%H%M%S%fZ")
    summary = RunSummary(started=stamp, out=str(out))
    out.mkdir(parents=True, exist_ok=True)
    write.clean_interrupted(out)

    files = [str(p) for p in load.walk(paths)]
    summary.inputs = len(files)
    done: dict[str, tuple[str, str, str]] = {}  # sha256 -> (version, status, error)
    docs = write.read_documents(out)
    if docs is not None:
        for sha, ver, st, err in zip(*(docs.column(c).to_pylist() for c in ("sha256", "pipeline_version", "status", "error"))):
            if sha:
                done[sha] = (ver, st, err)
    todo: list[str] = []
    redo_ids: set[str] = set()
    seen: dict[str, str] = {}
    for f in files:
        sha = _sha_of(Path(f))
        if sha and sha in seen:
            summary.duplicates.append({"path": f, "same_as": seen[sha]})
            summary.skipped += 1
            continue
        if sha:
            seen[sha] = f
        prev = done.get(sha) if sha else None
        if prev and prev[0] == __version__ and not force:
            summary.skipped += 1
            if prev[1] == "failed":
                summary.failed += 1
                summary.failures.append({"path": f, "error": prev[2], "skipped": True})
            continue
        todo.append(f)
        if prev:
            redo_ids.add(sha[:16])

    write.remove_documents(out, redo_ids, set(todo))

    def consume(results: Iterable[DocResult]):
        batch: list[DocResult] = []
        n = 0
        for res in results:
            n += 1
            batch.append(res)
            st = res.document["status"]
            summary.processed += 1
            setattr(summary, st, getattr(summary, st) + 1)
            if st == "failed":
                summary.failures.append({"path": res.document["source_path"], "error": res.document["error"]})
            if progress:
                progress(n, len(todo), res)
            if len(batch) >= BATCH:
                write.write_batch(out, batch, f"{stamp}-{n:07d}")
                batch = []
        if batch:
            write.write_batch(out, batch, f"{stamp}-{n:07d}")

    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(todo) <= 1:
        consume(process_path(f) for f in todo)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            consume(pool.map(process_path, todo, chunksize=1))
    write.write_empty_tables(out)
    summary.seconds = time.monotonic() - t0
    write.write_run_log(out, stamp, dataclasses.asdict(summary))
    return summary
