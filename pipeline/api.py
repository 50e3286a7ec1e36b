"""The analyst's entry point: output tables as typed pandas DataFrames.

    from pipeline.api import read_table, wide_facts
    amounts = read_table("data", "amounts")
    wide = wide_facts("data")

Keys, units and other small vocabularies are categoricals; counts and ids are nullable integers;
exact money (decimal columns) stays `decimal.Decimal`; `*_wan` columns are float64 for analysis.
"""
from __future__ import annotations

import os
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from schemas.tables import TABLES

# Columns with a small closed vocabulary: read as categoricals.
CATEGORICAL = {
    "source_format", "status", "province", "city", "county", "unit", "measure", "key", "level",
    "operator", "target_unit", "actual_unit", "scope", "grade", "check", "pipeline_version",
}
# The order in which measures are preferred for the wide table.
MEASURE_ORDER = ["actual", "budget", "adjusted_budget", "initial_budget", None, "prior_year", "change"]


def _pandas_dtype(field: pa.Field):
    t = field.type
    if field.name in CATEGORICAL and pa.types.is_string(t):
        return "category"
    if pa.types.is_integer(t):
        return {8: "Int8", 16: "Int16", 32: "Int32", 64: "Int64"}[t.bit_width]
    if pa.types.is_string(t):
        return "string"
    return None


def read_table(out_dir: str | os.PathLike, name: str) -> pd.DataFrame:
    """One output table as a DataFrame with the dtypes described above (zero rows when absent)."""
    if name not in TABLES:
        raise KeyError(f"no table {name!r}; tables: {', '.join(TABLES)}")
    schema = TABLES[name]
    path = os.path.join(os.fspath(out_dir), name)
    table = ds.dataset(path, schema=schema, format="parquet").to_table() if os.path.isdir(path) else schema.empty_table()
    df = table.to_pandas()  # decimal128 -> Decimal objects, exact
    for f in schema:
        dt = _pandas_dtype(f)
        if dt is not None:
            df[f.name] = df[f.name].astype(dt)
    return df


def wide_facts(out_dir: str | os.PathLike) -> pd.DataFrame:
    """One row per document: county, department, fiscal_year, one column per fact key (in 万元 or
    人, exact Decimal), and the number of failed checks. Where a key has several measures, the
    actual figure comes first, then budget, adjusted and initial budget."""
    docs = read_table(out_dir, "documents")
    facts = read_table(out_dir, "facts")
    checks = read_table(out_dir, "checks")
    base = docs[["doc_id", "province", "city", "county", "department", "fiscal_year", "doc_kinds", "status"]].copy()
    if len(facts):
        rank = {m: i for i, m in enumerate(MEASURE_ORDER)}
        f = facts.assign(_rank=[rank.get(m if isinstance(m, str) else None, len(rank)) for m in facts["measure"]])
        f = f.sort_values(["doc_id", "key", "_rank"], kind="stable").drop_duplicates(["doc_id", "key"])
        wide = f.pivot(index="doc_id", columns="key", values="value")
        wide.columns = [str(c) for c in wide.columns]
        base = base.merge(wide, how="left", left_on="doc_id", right_index=True)
    failed = checks[checks["status"] == "fail"].groupby("doc_id", observed=True).size() if len(checks) else pd.Series(dtype="int64")
    base["failed_checks"] = base["doc_id"].map(failed).fillna(0).astype("Int64")
    return base.reset_index(drop=True)


def to_float(values: pd.Series) -> pd.Series:
    """Decimal column -> float64 for plotting (None -> NaN)."""
    return pd.Series([float(v) if isinstance(v, Decimal) else float("nan") for v in values], index=values.index)
