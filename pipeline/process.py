"""process: one file through the pure stages, to the rows of every table.

load -> normalise -> segment -> extract -> resolve -> functional -> check -> rows.
`process_path` is what a worker process runs on each path (`pipeline.execute.TARGET`); it never
raises: whatever goes wrong becomes the document's status and error. This module imports no
Parquet code, so a worker starts without pyarrow.
"""
from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from extractors import functional
from pipeline import __version__, check, extract, load, normalise, resolve, segment
from pipeline.records import DocResult, DocumentError, Source


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
_SCALARS = (str, int, float, Decimal, type(None))


def _asdict(rec, doc_id: str) -> dict:
    """A record as a row. Flat records are copied field by field (dataclasses.asdict deep-copies
    and cost a quarter of the run time); nested ones still go through dataclasses.asdict."""
    names = _FIELDS.get(type(rec))
    if names is None:
        names = _FIELDS[type(rec)] = tuple(f.name for f in dataclasses.fields(rec))
    d = {"doc_id": doc_id}
    for n in names:
        v = getattr(rec, n)
        if not isinstance(v, _SCALARS):
            d.update(dataclasses.asdict(rec))
            return d
        d[n] = v
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


def process_path(path: str, memory_limit: int | None = None) -> DocResult:
    """Process one file; never raises. `memory_limit` only words the out-of-memory error."""
    p = Path(path)
    fmt = load.format_of(p)
    try:
        src = load.read_source(p)
    except DocumentError as e:
        return _failed(path, fmt, e)
    except MemoryError:
        err = DocumentError("out_of_memory", "the file does not fit in the worker memory limit (--memory-limit)")
        return _failed(path, fmt, err)
    try:
        return source_to_result(src)
    except DocumentError as e:
        return _failed(path, fmt, e, src.sha256, src.size)
    except MemoryError:
        limit = f" of {memory_limit / 2**30:g} GiB" if memory_limit else ""
        err = DocumentError(
            "out_of_memory", f"the document needed more than the worker memory limit{limit} (--memory-limit)"
        )
        return _failed(path, fmt, err, src.sha256, src.size)
    except RecursionError:
        return _failed(path, fmt, DocumentError("internal_error", "recursion too deep"), src.sha256, src.size)
    except Exception as e:  # a bug must cost one document, not the run
        err = DocumentError("internal_error", f"{type(e).__name__}: {e} (please report with this file)")
        return _failed(path, fmt, err, src.sha256, src.size)
