"""process: one file through the pure stages, to the rows of every table.

load -> normalise -> segment -> extract -> resolve -> functional -> check -> rows.
`process_path` is what a worker process runs on each path (`pipeline.execute.TARGET`); it never
raises: whatever goes wrong becomes the document's status and error. This module imports no
Parquet code, so a worker starts without pyarrow.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from extractors import functional, statements
from pipeline import __version__, check, extract, load, normalise, resolve, segment, statement_checks
from pipeline.records import DocResult, DocumentError, Project, Source, decimal_texts
from pipeline.table_model import Unreadable, describe_error


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _document_row(path: str, fmt: str, sha: str | None, size: int | None, **kw) -> dict:
    doc_id = (sha or hashlib.sha256(f"unreadable:{path}".encode()).hexdigest())[:16]
    row = {
        "doc_id": doc_id,
        "source_path": load.path_text(path),
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
                      status="failed", error=load.path_text(str(e)))
    )


_SPECS: dict[type, tuple[tuple[str, ...], tuple[bool, ...], bool]] = {}


def _spec(kind: type) -> tuple[tuple[str, ...], tuple[bool, ...], bool]:
    """(field names, which are Decimal, whether every record's __dict__ starts with its fields in
    order). The generated __init__ of a dataclass (and textutil.new_record) sets every field in
    order when no field is init=False and there is no __post_init__ or __slots__; a cache a record
    keeps (Block's grid) comes after the fields."""
    fs = dataclasses.fields(kind)
    names = tuple(f.name for f in fs)
    exact = tuple("Decimal" in str(f.type) for f in fs)
    ordered = (all(f.init for f in fs) and not hasattr(kind, "__post_init__")
               and not hasattr(kind, "__slots__"))
    return names, exact, ordered


_dict_values = dict.values


def records_to_columns(records: Sequence, doc_id: str) -> dict[str, list]:
    """Flat records (one type) as columns: name -> values, a Decimal field as its exact text (see
    DocResult). A document's rows travel to the writer as columns because a dict per row cost
    more to build, pickle and convert to Arrow than all the writing; `DocResult.rows` gives rows
    back to whoever wants them."""
    if not records:
        return {}
    kind = type(records[0])
    spec = _SPECS.get(kind)
    if spec is None:
        spec = _SPECS[kind] = _spec(kind)
    names, exact, ordered = spec
    if ordered:
        # the records' values transposed in C (~400 table cells a document): a getter per field
        # and record cost twice as much; `r.__dict__` costs half of `vars(r)`
        values = zip(*[r.__dict__.values() for r in records])
    else:
        values = ([getattr(r, n) for r in records] for n in names)
    cols = {"doc_id": [doc_id] * len(records)}
    for name, is_exact, vs in zip(names, exact, values):
        cols[name] = decimal_texts(vs) if is_exact else list(vs)
    return cols


def rows_to_columns(rows: list[dict]) -> dict[str, list]:
    """Row dicts as columns, Decimals as their exact text; a key missing from a row is None there."""
    if not rows:
        return {}
    first = tuple(rows[0])
    if all(tuple(r) == first for r in rows):  # rows of one kind (.row() of a record): transposed in C
        cols = dict(zip(first, map(list, zip(*map(_dict_values, rows)))))
    else:
        names = dict.fromkeys(k for r in rows for k in r)
        cols = {k: [r.get(k) for r in rows] for k in names}
    for k, vs in cols.items():
        if Decimal in set(map(type, vs)):
            cols[k] = decimal_texts(vs)
    return cols


def source_to_result(src: Source) -> DocResult:
    text = normalise.source_to_text(src)
    sections = segment.text_to_sections(text)
    ex = extract.extract(text, sections)
    m = ex.metadata
    doc_id = src.doc_id
    warnings = "; ".join([*text.warnings, *(_unreadable_warning(u) for u in ex.unreadable_tables)]) or None
    document = _document_row(
        src.path, src.format, src.sha256, src.size,
        n_pages=text.n_pages, n_chars=len(text.text), title=m.title, province=m.province, city=m.city,
        county=m.county, department=m.department, fiscal_year=m.fiscal_year, doc_kinds=list(m.doc_kinds),
        status="partial" if warnings else "ok", error=warnings,
    )
    columns = {
        "sections": records_to_columns(sections, doc_id),
        "tables": records_to_columns(ex.tables, doc_id),
        "amounts": records_to_columns(ex.amounts, doc_id),
        "indicators": records_to_columns(ex.indicators, doc_id),
        "scores": records_to_columns(ex.scores, doc_id),
        "projects": records_to_columns(ex.projects, doc_id),
    }
    # check only reads the rows, and a Project's fields are flat (Decimals, strings): a shallow
    # dict equals dataclasses.asdict's deep copy at a fraction of its cost
    projects = [_project_row(p) for p in ex.projects]
    res, lines, checks, st_lines, unreadable = resolve_and_check(text, ex, projects)
    columns["facts"] = rows_to_columns([f.row(doc_id) for f in res.facts])
    columns["functional"] = rows_to_columns([ln.row(doc_id) for ln in lines])
    columns["checks"] = rows_to_columns([c.row(doc_id) for c in checks])
    if len(unreadable) > len(ex.unreadable_tables):
        warnings = "; ".join([*text.warnings, *(_unreadable_warning(u) for u in unreadable)])
        document = {**document, "status": "partial", "error": warnings}
    columns["statement_lines"] = records_to_columns(st_lines, doc_id)
    st_checks = statement_checks.statement_checks(st_lines, ex.table_models, res.candidates, m.doc_kinds)
    st_checks += [_unreadable_check(u) for u in unreadable]
    if st_checks:
        columns["checks"] = rows_to_columns([c.row(doc_id) for c in [*checks, *st_checks]])
    return DocResult(document, {k: v for k, v in columns.items() if v})


def _unreadable_warning(u: Unreadable) -> str:
    return f"table {u.table_id} (page {u.page}) could not be read, its statement lines are missing: {u.reason}"


def _unreadable_check(u: Unreadable) -> check.Check:
    return check.Check("table_readable", "fail", None, None, None,
                       f"table {u.table_id} (page {u.page}): {u.reason}")


def _project_row(p: Project) -> dict:
    return {name: getattr(p, name) for name in _PROJECT_FIELDS}


_PROJECT_FIELDS = tuple(f.name for f in dataclasses.fields(Project))


def resolve_and_check(text, ex, projects=()) -> tuple:
    """resolve -> statement lines -> facts from statements first -> functional -> check for one
    document: (resolved facts, functional lines, checks, statement lines, unreadable tables)."""
    m = ex.metadata
    res = resolve.resolve(text, ex.amounts, m)
    units = {u.table_id: u.unit for u in res.unit_inferences if not u.ambiguous}
    st_lines, unreadable = [], list(ex.unreadable_tables)
    for t in ex.table_models:
        try:
            st_lines.extend(statements.text_to_statement_lines(text, [t], m.fiscal_year, resolve.default_measure(m), units))
        except Exception as e:  # noqa: BLE001 - a defect in one table must not cost the document
            unreadable.append(Unreadable(t.table_id, t.page, describe_error(e)))
    res = resolve.with_statements(res, statement_checks.statement_facts(st_lines), m, statement_checks.table_spans(st_lines))
    func = functional.extract(text, ex.table_models, ex.amounts, resolve.default_measure(m), units)
    return res, list(func.lines), check.check(res, ex.amounts, func, projects, text.text, ex.indicators, ex.scores), st_lines, unreadable


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
