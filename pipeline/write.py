"""write: the only stage that writes files. Rows -> Parquet datasets under OUT/<table>/.

Every part file is written to a hidden temporary name and renamed into place, so a reader (or a
run killed half-way) never sees a half-written part. Readers ignore names starting with "." or
"_", which is where temporary files and the run log live.

Crash safety: the documents part of a batch is written last. A document counts as done only
when its documents row exists; rows of other tables whose document has no documents row are
left-overs of an interrupted run and are removed at the start of the next run.
"""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.tables import TABLES

DOCUMENTS = "documents"


@dataclass(frozen=True)
class DocResult:
    """Everything one document produced: its documents row and the rows of the other tables."""

    document: dict
    rows: dict[str, list[dict]] = field(default_factory=dict)


def _scale(t: pa.DataType) -> int | None:
    return t.scale if pa.types.is_decimal(t) else None


def rows_to_table(name: str, rows: list[dict]) -> pa.Table:
    """Validate rows against the declared schema (exact decimals rounded to the column's scale)."""
    schema = TABLES[name]
    fixed = []
    for r in rows:
        extra = set(r) - set(schema.names)
        if extra:
            raise ValueError(f"table {name}: columns not in the schema: {sorted(extra)}")
        out = {}
        for f in schema:
            v = r.get(f.name)
            if isinstance(v, Decimal):
                scale = _scale(f.type)
                if scale is not None:
                    v = v.quantize(Decimal(1).scaleb(-scale))
                elif pa.types.is_floating(f.type):
                    v = float(v)  # the *_wan analysis columns; the exact value has its own column
            out[f.name] = v
        fixed.append(out)
    return pa.Table.from_pylist(fixed, schema=schema)


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _parts(out: Path, name: str) -> list[Path]:
    d = out / name
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix == ".parquet" and not p.name.startswith((".", "_")))


def read_documents(out: Path) -> pa.Table | None:
    parts = _parts(out, DOCUMENTS)
    if not parts:
        return None
    return pa.concat_tables([pq.read_table(p, schema=TABLES[DOCUMENTS]) for p in parts])


def _filter_parts(out: Path, name: str, drop: set[str] | None = None, keep: set[str] | None = None) -> None:
    """Rewrite the parts of a table without the rows of some documents."""
    for p in _parts(out, name):
        t = pq.read_table(p, schema=TABLES[name])
        ids = t.column("doc_id").to_pylist()
        mask = [(drop is None or i not in drop) and (keep is None or i in keep) for i in ids]
        if all(mask):
            continue
        if not any(mask):
            p.unlink()
        else:
            _write_atomic(t.filter(pa.array(mask)), p)


def clean_interrupted(out: Path) -> None:
    """Remove rows whose document has no documents row (an interrupted earlier run)."""
    docs = read_documents(out)
    keep = set(docs.column("doc_id").to_pylist()) if docs is not None else set()
    for name in TABLES:
        if name != DOCUMENTS:
            _filter_parts(out, name, keep=keep)
    for d in [out / n for n in TABLES]:
        if d.is_dir():
            for p in d.iterdir():
                if p.name.startswith(".") and p.name.endswith(".tmp"):
                    p.unlink(missing_ok=True)


def remove_documents(out: Path, doc_ids: set[str], paths: set[str]) -> None:
    """Drop old rows of documents about to be redone (by doc_id) or replaced (same source path)."""
    docs = read_documents(out)
    if docs is None:
        return
    ids = set(doc_ids)
    for did, sp in zip(docs.column("doc_id").to_pylist(), docs.column("source_path").to_pylist()):
        if sp in paths:
            ids.add(did)
    if not ids:
        return
    _filter_parts(out, DOCUMENTS, drop=ids)  # first: from here on they count as not done
    for name in TABLES:
        if name != DOCUMENTS:
            _filter_parts(out, name, drop=ids)


def write_batch(out: Path, results: Iterable[DocResult], part: str) -> None:
    results = list(results)
    for name in TABLES:
        (out / name).mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        if name == DOCUMENTS:
            continue
        rows = [r for res in results for r in res.rows.get(name, [])]
        if rows:
            _write_atomic(rows_to_table(name, rows), out / name / f"part-{part}.parquet")
    docs = [res.document for res in results]
    if docs:
        _write_atomic(rows_to_table(DOCUMENTS, docs), out / DOCUMENTS / f"part-{part}.parquet")


def write_run_log(out: Path, stamp: str, summary: dict) -> Path:
    d = out / "_runs"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{stamp}.json"
    tmp = d / f".{stamp}.json.tmp"
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_empty_tables(out: Path) -> None:
    """Make every table readable even when no run produced rows for it (a zero-row part)."""
    for name, schema in TABLES.items():
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        if not _parts(out, name):
            _write_atomic(schema.empty_table(), d / "part-empty.parquet")
