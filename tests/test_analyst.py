"""For analysts: the Python API, the notebook, the data dictionary, the README's queries."""
from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest

from pipeline.api import read_table, wide_facts
from pipeline.cli import main
from schemas.tables import TABLES
from tests.conftest import ROOT


def test_read_table_dtypes(corpus_out):
    a = read_table(corpus_out, "amounts")
    assert str(a.unit.dtype) == "category" and str(a.measure.dtype) == "category"
    assert str(a.amount_id.dtype) == "Int32" and str(a.start.dtype) == "Int64"
    assert isinstance(a.value.iloc[0], Decimal) and isinstance(a.amount_yuan.iloc[0], Decimal)
    assert str(a.amount_wan.dtype) == "float64"
    for name in TABLES:
        df = read_table(corpus_out, name)
        assert list(df.columns) == TABLES[name].names


def test_read_table_unknown_name(corpus_out):
    with pytest.raises(KeyError, match="tables: documents"):
        read_table(corpus_out, "nope")


def test_wide_facts_one_row_per_document(corpus_out):
    wide = wide_facts(corpus_out)
    docs = read_table(corpus_out, "documents")
    assert len(wide) == len(docs) and wide.doc_id.is_unique
    assert {"county", "department", "fiscal_year", "failed_checks"} <= set(wide.columns)


def test_notebook_runs(corpus_out):
    import nbformat  # the dev extra (`make test` installs it)
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / "cross_county.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "outputs are not committed"
    os.environ["CNBUDGET_DATA"] = str(corpus_out)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        del os.environ["CNBUDGET_DATA"]
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


def test_notebook_matches_its_builder():
    import importlib.util

    import nbformat

    spec = importlib.util.spec_from_file_location("build_notebook", ROOT / "notebooks" / "build_notebook.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    committed = nbformat.read(ROOT / "notebooks" / "cross_county.ipynb", as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in mod.build().cells], (
        "notebooks/cross_county.ipynb differs from build_notebook.py: run it to regenerate")


def test_data_dictionary_is_current(capsys):
    assert main(["schema", "--format", "markdown"]) == 0
    generated = capsys.readouterr().out
    committed = (ROOT / "docs" / "DATA.md").read_text("utf-8")
    assert committed == generated, "docs/DATA.md is stale: run `.venv/bin/cnbudget schema --format markdown > docs/DATA.md`"


def test_readme_duckdb_query(corpus_out):
    import duckdb  # the dev extra (`make test` installs it)

    readme = (ROOT / "README.md").read_text("utf-8")
    (sql,) = re.findall(r"```sql\n(.*?)```", readme, re.S)
    con = duckdb.connect()
    rows = con.execute(sql.replace("data/", str(corpus_out) + "/")).fetchall()
    assert rows and all(r[0] for r in rows)


# The gold facts of ../shared/gold, inline so the test stands without the folder.
GOLD_FACTS = {
    "000": {"income_total": "1240.56", "income_fiscal_appropriation": "1240.56", "expenditure_total": "1240.56",
            "expenditure_basic": "1113.13", "expenditure_project": "127.43", "fixed_assets_original_value": "112.51",
            "procurement_total": "5.07", "staff_authorized": "23", "staff_actual": "83"},
    "001": {"income_total": "1304.57", "expenditure_total": "1304.57", "expenditure_basic": "1028.96",
            "three_public_total": "11.31", "three_public_reception": "11.31", "three_public_vehicle": "0",
            "staff_authorized": "42", "staff_actual": "43"},
    "002": {"income_total": "867.05", "income_fiscal_appropriation": "867.05", "expenditure_total": "890.73",
            "expenditure_basic": "808.79", "expenditure_project": "81.94", "staff_actual": "42"},
    "004": {"income_expenditure_grand_total": "1054.82", "income_total": "1054.82", "income_fiscal_appropriation": "1054.82",
            "expenditure_total": "1054.82", "expenditure_basic": "927.45", "expenditure_project": "127.37",
            "expenditure_personnel": "841.35", "expenditure_public": "86.1", "three_public_total": "14.71",
            "three_public_overseas": "0", "three_public_vehicle": "10.16", "three_public_reception": "4.55",
            "admin_running_cost": "86.1", "procurement_total": "2.0", "fixed_assets_original_value": "625.05",
            "staff_authorized": "44", "staff_actual": "34"},
}


@pytest.mark.parametrize("prefix", sorted(GOLD_FACTS))
def test_wide_facts_has_the_gold_facts(corpus_out, prefix):
    import json

    from tests.conftest import GOLD, seed_path

    wide = wide_facts(corpus_out).set_index("doc_id")
    docs = read_table(corpus_out, "documents")
    doc_id = docs[docs.source_path.str.endswith(seed_path(prefix).name)].doc_id.iloc[0]
    row = wide.loc[doc_id]
    expected = {k: Decimal(v) for k, v in GOLD_FACTS[prefix].items()}
    gold_file = next(GOLD.glob(f"{prefix}_*.json"), None) if GOLD.is_dir() else None
    if gold_file:
        assert expected == {k: Decimal(str(v)) for k, v in json.loads(gold_file.read_text("utf-8"))["facts"].items()}
    for key, value in expected.items():
        assert isinstance(row[key], Decimal), key
        assert abs(row[key] - value) <= Decimal("0.005"), (key, row[key], value)
