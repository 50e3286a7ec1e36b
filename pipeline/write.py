"""write: the only stage that writes files. Rows -> Parquet datasets under OUT/<table>/.

Every part file is written to a hidden temporary name and renamed into place, so a reader (or a
run killed half-way) never sees a half-written part. Readers ignore names starting with "." or
"_", which is where temporary files and the run log live.

Crash safety, and what a reader sees: a batch writes the same part name in every table, each
under a hidden staged name; the batch is journalled in `_runs/.commit-<part>.json`, then its parts
are renamed into place, the documents part first. So a reader listing the folders at any moment,
during a run or after it was killed, never sees a row of a document that has no documents row;
at worst, for the few renames of a commit (or after a kill among them, until the next run rolls
the commit forward), a document's documents row without all of its other rows. A document counts
as done only when its documents row exists. Old rows of redone or changed documents are removed
part by part (each part rewritten atomically), the documents parts last, after their ids are
journalled in `_runs/.removing.json`, so a removal cut short is finished by the next run; `run`
removes them only with the batch that brings their replacement, so a run that fails before it
processes anything loses nothing. One run at a time holds `_runs/.lock`.
"""
from __future__ import annotations

import fcntl
import itertools
import json
import os
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.records import DocResult  # noqa: F401  (written here; defined with the records)
from schemas.tables import TABLES

DOCUMENTS = "documents"
EMPTY_PART = "part-empty.parquet"  # a zero-row part that keeps an empty table readable


def rows_to_table(name: str, rows: list[dict]) -> pa.Table:
    """Validate rows against the declared schema (exact decimals rounded to the column's scale)."""
    names = dict.fromkeys(k for r in rows for k in r)
    return columns_to_table(name, {k: [r.get(k) for r in rows] for k in names}, len(rows))


def columns_to_table(name: str, columns: dict[str, list], n: int) -> pa.Table:
    """Validate columns (name -> `n` values; a missing column is all None) against the declared
    schema, exact decimals rounded to the column's scale."""
    schema = TABLES[name]
    extra = set(columns) - set(schema.names)
    if extra:
        raise ValueError(f"table {name}: columns not in the schema: {sorted(extra)}")
    arrays = []
    for f in schema:
        values = columns.get(f.name)
        if values is None:
            values = [None] * n
        elif len(values) != n:
            raise ValueError(f"table {name}: column {f.name} has {len(values)} values, not {n}")
        if pa.types.is_decimal(f.type) or pa.types.is_floating(f.type):
            arrays.append(_number_array(values, f.type))
        else:
            arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _number_array(values: list, type_: pa.DataType) -> pa.Array:
    """A decimal column (exact, rounded half-even to its scale) or a float one (the *_wan analysis
    columns; the exact value has its own column) from Decimals or their exact text (DocResult).

    Text is cast by Arrow, never through float for a decimal column; a value with more decimals
    than the column's scale makes Arrow refuse the cast, and then the column is rounded here."""
    try:
        return pa.array(values, type=pa.string()).cast(type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # Decimal objects, or a value to round
        pass
    exact = [Decimal(v) if type(v) is str else v for v in values]
    if pa.types.is_decimal(type_):
        q = Decimal(1).scaleb(-type_.scale)
        return pa.array([v.quantize(q) if isinstance(v, Decimal) else v for v in exact], type=type_)
    return pa.array([float(v) if isinstance(v, Decimal) else v for v in exact], type=type_)


def concat_columns(parts: list[dict[str, list]]) -> tuple[dict[str, list], int]:
    """Several documents' columns of one table as one set of columns, and its row count."""
    names = dict.fromkeys(k for p in parts for k in p)
    sizes = [len(next(iter(p.values()))) for p in parts]
    cols = {
        k: list(itertools.chain.from_iterable(p[k] if k in p else [None] * size for p, size in zip(parts, sizes)))
        for k in names
    }
    return cols, sum(sizes)


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _parts(out: Path, name: str) -> list[Path]:
    d = out / name
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix == ".parquet" and not p.name.startswith((".", "_")))


def read_documents(out: Path, columns: list[str] | None = None) -> pa.Table | None:
    parts = _parts(out, DOCUMENTS)
    if not parts:
        return None
    schema = TABLES[DOCUMENTS]
    if columns:
        schema = pa.schema([schema.field(c) for c in columns])
    return pa.concat_tables([pq.read_table(p, columns=columns, schema=schema) for p in parts])


class RunLocked(RuntimeError):
    """Another run is writing to the same output folder."""


@contextmanager
def lock(out: Path):
    """Hold OUT for one run: two runs writing the same folder could both redo a document."""
    d = out / "_runs"
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".lock", "a+b") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"another cnbudget run is writing to {out}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _filter_parts(out: Path, name: str, drop: set[str], spare: str | None = None) -> None:
    """Rewrite the parts of a table without the rows of some documents (each part atomically);
    the part named `spare` (a batch bringing their replacements) is left alone."""
    for p in _parts(out, name):
        if p.name == spare:
            continue
        ids = pq.read_table(p, columns=["doc_id"]).column("doc_id")
        mask = pc.invert(pc.is_in(ids, value_set=pa.array(sorted(drop), pa.string())))
        kept = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
        if kept == len(ids):
            continue
        if kept == 0:
            _remove_part(out, name, p)
        else:
            _write_atomic(pq.read_table(p, schema=TABLES[name]).filter(mask), p)


def _remove_part(out: Path, name: str, part: Path) -> None:
    """Delete a part; a table left without parts gets its zero-row part first, so a reader always
    finds the table with its columns."""
    empty = out / name / EMPTY_PART
    if not empty.exists():
        _write_atomic(TABLES[name].empty_table(), empty)
    part.unlink()


def _removal_journal(out: Path) -> Path:
    return out / "_runs" / ".removing.json"


def _drop(out: Path, ids: set[str]) -> None:
    """Remove the rows of documents, crash-safe: the ids are journalled first and the removal is
    finished by the next run if this one is killed half-way (removing twice is harmless)."""
    journal = _removal_journal(out)
    _write_text_atomic(journal, json.dumps(sorted(ids)))
    _drop_rows(out, ids)
    journal.unlink()


def _drop_rows(out: Path, ids: set[str], spare: str | None = None) -> None:
    # the documents rows last: a reader never sees rows of a document without its documents row
    for name in TABLES:
        if name != DOCUMENTS:
            _filter_parts(out, name, ids, spare)
    _filter_parts(out, DOCUMENTS, ids, spare)


def clean_interrupted(out: Path) -> None:
    """Undo what an interrupted earlier run left: temporary files, parts written for a batch whose
    documents part never landed, and a removal of old rows that did not finish."""
    for name in TABLES:
        d = out / name
        if d.is_dir():
            for p in d.iterdir():
                if p.name.startswith(".") and p.name.endswith(".tmp"):
                    p.unlink(missing_ok=True)
    runs = out / "_runs"
    if runs.is_dir():
        for p in runs.glob(".*.tmp"):
            p.unlink(missing_ok=True)
        for journal in sorted(runs.glob(".commit-*.json")):  # journalled: finish the commit
            batch = json.loads(journal.read_text("utf-8"))
            _commit(out, journal, batch["tables"], batch["part"], set(batch.get("replaces", ())))
    for name in TABLES:  # staged parts of a batch that was never journalled
        d = out / name
        if d.is_dir():
            for p in d.glob(f".*{STAGED}"):
                p.unlink(missing_ok=True)
    journal = _removal_journal(out)
    if journal.exists():
        _drop(out, set(json.loads(journal.read_text("utf-8"))))
    # a batch writes the same part name in every table, its documents part last
    landed = {p.name for p in _parts(out, DOCUMENTS)}
    for name in TABLES:
        if name not in (DOCUMENTS, FILES):
            for p in _parts(out, name):
                if p.name not in landed and p.name != EMPTY_PART:
                    _remove_part(out, name, p)


def remove_documents(out: Path, doc_ids: set[str]) -> None:
    """Drop the rows of documents about to be redone or whose file changed."""
    if doc_ids:
        _drop(out, set(doc_ids))


STAGED = ".staged"  # a part written, not yet committed (hidden: its name starts with ".")


def _staged(final: Path) -> Path:
    return final.with_name(f".{final.name}{STAGED}")


def _commit_journal(out: Path, part: str) -> Path:
    return out / "_runs" / f".commit-{part}.json"


def _commit(out: Path, journal: Path, tables: list[str], part: str, replaces: set[str] = frozenset()) -> None:
    """Remove the old rows of the documents the batch `replaces`, then rename its staged parts
    into place, the documents part first: a reader never sees a row whose document has no
    documents row. Both are harmless done twice (roll-forward): the batch's own parts are spared."""
    name = f"part-{part}.parquet"
    if replaces:
        _drop_rows(out, replaces, spare=name)
    for t in sorted(tables, key=lambda t: t != DOCUMENTS):
        staged = _staged(out / t / name)
        if staged.exists():
            os.replace(staged, out / t / name)
    journal.unlink(missing_ok=True)


class Unfit(ValueError):
    """Rows of some documents of a batch do not fit the tables' schemas (a bug in an extractor: the
    extractors bound what they emit). `rejected` maps each such document's index in the batch to
    the reason; nothing of the batch was written."""

    def __init__(self, rejected: dict[int, str]):
        super().__init__(f"{len(rejected)} document(s) whose rows do not fit the schema")
        self.rejected = rejected


_UNFIT = (pa.ArrowException, ValueError, TypeError, ArithmeticError)  # what arrow raises on a value


def _batch_tables(results: list[DocResult]) -> dict[str, pa.Table]:
    tables = {}
    for name in TABLES:
        if name == DOCUMENTS:
            continue
        parts = [res.columns[name] for res in results if res.columns.get(name)]
        if parts:
            tables[name] = columns_to_table(name, *concat_columns(parts))
    tables[DOCUMENTS] = rows_to_table(DOCUMENTS, [res.document for res in results])
    return tables


def batch_tables(results: list[DocResult]) -> dict[str, pa.Table]:
    """Every table of a batch, validated against its schema. Raises Unfit naming the documents
    whose rows do not fit, each tried alone, so that one bad document costs only itself."""
    try:
        return _batch_tables(results)
    except _UNFIT as e:
        rejected = {}
        for i, res in enumerate(results):
            try:
                _batch_tables([res])
            except _UNFIT as alone:
                rejected[i] = f"{type(alone).__name__}: {alone}"
        if not rejected:  # each fits alone: together they cannot fail; this is a bug in write
            raise
        raise Unfit(rejected) from e


def write_batch(out: Path, results: Iterable[DocResult], part: str, replaces: Iterable[str] = ()) -> None:
    """Write a batch of documents to every table, all or nothing as a reader sees it: every part
    is written under a hidden staged name, the batch is journalled (`_runs/.commit-<part>.json`),
    the old rows of the documents it `replaces` (redone, or whose file changed) are removed, and
    its parts are renamed into place, documents first. A run killed before the journal lands
    leaves only staged files (removed by the next run) and every old row; one killed after it is
    rolled forward by the next run (`clean_interrupted`). Raises Unfit, before writing or removing
    anything, when rows of some documents do not fit the schemas."""
    results = list(results)
    replaces = sorted(set(replaces))
    if not results:
        if replaces:
            _drop(out, set(replaces))
        return
    tables = batch_tables(results)
    for name in TABLES:
        (out / name).mkdir(parents=True, exist_ok=True)
    final = f"part-{part}.parquet"
    for name, table in tables.items():
        _write_atomic(table, _staged(out / name / final))
    order = sorted(tables, key=lambda t: t != DOCUMENTS)
    journal = _commit_journal(out, part)
    _write_text_atomic(journal, json.dumps({"part": part, "tables": order, "replaces": replaces}))
    _commit(out, journal, order, part, set(replaces))


def _write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


FILES = "files"  # one row per input path: current state, replaced path by path (not by batch)


def write_files(out: Path, rows: list[dict], stamp: str, gone: Iterable[str] = ()) -> None:
    """The files rows of a run: each replaces the row an earlier run wrote for the same path; the
    rows of `gone` paths (a file renamed or moved away from them) go."""
    if not rows:
        return
    paths = pa.array(sorted({r["path"] for r in rows} | set(gone)), pa.string())
    for p in _parts(out, FILES):
        col = pq.read_table(p, columns=["path"]).column("path")
        mask = pc.invert(pc.is_in(col, value_set=paths))
        kept = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
        if kept == 0 and p.name != EMPTY_PART:
            _remove_part(out, FILES, p)
        elif kept < len(col):
            _write_atomic(pq.read_table(p, schema=TABLES[FILES]).filter(mask), p)
    _write_atomic(rows_to_table(FILES, rows), out / FILES / f"part-{stamp}.parquet")


def move_documents(out: Path, moved: dict[str, str]) -> None:
    """Give documents whose file was renamed or moved (same bytes, old path gone) their new path."""
    if not moved:
        return
    for p in _parts(out, DOCUMENTS):
        table = pq.read_table(p, schema=TABLES[DOCUMENTS])
        ids = table.column("doc_id").to_pylist()
        if not any(i in moved for i in ids):
            continue
        paths = [moved.get(i, old) for i, old in zip(ids, table.column("source_path").to_pylist())]
        col = table.schema.get_field_index("source_path")
        _write_atomic(table.set_column(col, table.schema.field(col), pa.array(paths, pa.string())), p)


def write_run_log(out: Path, stamp: str, summary: dict) -> Path:
    d = out / "_runs"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{stamp}.json"
    tmp = d / f".{stamp}.json.tmp"
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_empty_tables(out: Path) -> None:
    """Give every table its zero-row part, once, for good: the table is readable with its columns
    even when no run produced rows for it, and while a run removes and renames parts. A directory
    listing is no snapshot: a reader listing a folder while the only part in it is replaced may
    see no file at all, and then reads a table without columns; it always sees a file that stays."""
    for name, schema in TABLES.items():
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        if not (d / EMPTY_PART).exists():
            _write_atomic(schema.empty_table(), d / EMPTY_PART)
