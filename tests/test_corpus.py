"""The seed corpus end to end: gold metadata, recall of every figure, provenance, golden outputs."""
from __future__ import annotations

import json
import os
from decimal import Decimal

import pandas as pd
import pytest
import regex

from tests.conftest import CORPUS, ROOT, SEED_IDS, gold, seed_path

TABLES = ["documents", "sections", "tables", "amounts"]

# The gold `document` fields, inline so the test means something without ../shared (checked
# against ../shared/gold below when it is there).
DOCUMENTS = {
    "000": ("米易县", "人大常委会办公室", 2024),
    "001": ("安化县", "人大常委会办公室", 2024),
    "002": ("沾益区", "人民代表大会常务委员会", 2023),
    "004": ("米易县", "人民政府办公室", 2023),
}


def _doc(corpus_out, prefix):
    docs = pd.read_parquet(corpus_out / "documents")
    row = docs[docs.source_path.str.contains(seed_path(prefix).name)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.mark.parametrize("table", TABLES)
def test_tables_readable_with_pandas(corpus_out, table):
    df = pd.read_parquet(corpus_out / table)
    assert len(df) > 0
    assert set(df.doc_id) <= set(pd.read_parquet(corpus_out / "documents").doc_id)


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_documents_match_gold(corpus_out, prefix):
    row = _doc(corpus_out, prefix)
    county, dept, year = DOCUMENTS[prefix]
    assert (row.county, row.fiscal_year, row.status) == (county, year, "ok")
    assert dept in row.department
    g = gold(prefix)["document"]
    assert row.county == g["county"] and row.fiscal_year == g["fiscal_year"]
    assert g["department_contains"] in row.department


def _independent_scan(raw: str) -> list[tuple[Decimal, str]]:
    """Numbers followed by 元/万元 in the raw text with all white space removed."""
    flat = regex.sub(r"\s+", "", raw)
    return [(Decimal(m[1].replace(",", "")), m[2]) for m in regex.finditer(r"(\d[\d,]*(?:\.\d+)?)(万元|元)", flat)]


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_recall_every_figure_with_a_unit(corpus_out, prefix):
    doc = _doc(corpus_out, prefix)
    amounts = pd.read_parquet(corpus_out / "amounts")
    mine = amounts[amounts.doc_id == doc.doc_id]
    have: dict[tuple, int] = {}
    for v, u in zip(mine.value, mine.unit):
        have[(Decimal(v).normalize(), u)] = have.get((Decimal(v).normalize(), u), 0) + 1
    want: dict[tuple, int] = {}
    for v, u in _independent_scan(seed_path(prefix).read_text("utf-8")):
        want[(v.normalize(), u)] = want.get((v.normalize(), u), 0) + 1
    missing = {k: n - have.get(k, 0) for k, n in want.items() if have.get(k, 0) < n}
    assert not missing, f"figures with a unit that have no amounts row: {missing}"
    assert sum(want.values()) >= 6


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_numeric_cells_under_unit_headers(corpus_out, prefix):
    """Every numeric cell in a column whose header says （万元）/（百元） is an amount in that unit."""
    doc = _doc(corpus_out, prefix)
    cells = pd.read_parquet(corpus_out / "tables")
    cells = cells[cells.doc_id == doc.doc_id]
    amounts = pd.read_parquet(corpus_out / "amounts")
    amounts = amounts[amounts.doc_id == doc.doc_id]
    got = {(t, r, c): u for t, r, c, u in zip(amounts.table_id, amounts.row, amounts.col, amounts.unit)}
    unit_re = regex.compile(r"[（(]\s*(万元|百元)\s*[)）]")
    checked = 0
    for table_id, t in cells.groupby("table_id"):
        grid = {(r, c): x for r, c, x in zip(t.row, t.col, t.text)}
        for (r, c), x in grid.items():
            m = unit_re.search(x)
            if not m:
                continue
            number = r"-?\d[\d,]*(?:\.\d+)?"
            below = r + 1
            # up to two sub-header or merged rows may stand between the header and its numbers
            while below <= r + 2 and (below, c) in grid and not regex.fullmatch(number, grid[(below, c)]):
                below += 1
            while (below, c) in grid and regex.fullmatch(number, grid[(below, c)]):
                assert got.get((table_id, below, c)) == m[1], (table_id, below, c, grid[(below, c)])
                checked += 1
                below += 1
    if prefix == "002":
        assert checked >= 3


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_provenance_round_trip(corpus_out, prefix):
    from tests.conftest import seed_text

    doc = _doc(corpus_out, prefix)
    text = seed_text(prefix).text
    amounts = pd.read_parquet(corpus_out / "amounts")
    mine = amounts[amounts.doc_id == doc.doc_id]
    assert len(mine) > 0
    for start, end, vt in zip(mine.start, mine.end, mine.value_text):
        assert text[start:end] == vt
    sections = pd.read_parquet(corpus_out / "sections")
    for start, number, title in zip(*(sections[sections.doc_id == doc.doc_id][c] for c in ("start", "number", "title"))):
        assert text[start:].startswith(number[:1] or title[:1])


GOLDEN = ROOT / "tests" / "golden"


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _golden_view(corpus_out, prefix) -> dict:
    doc = _doc(corpus_out, prefix)
    def pick(name):
        df = pd.read_parquet(corpus_out / name)
        return df[df.doc_id == doc.doc_id]

    a = pick("amounts").sort_values("amount_id")
    s = pick("sections").sort_values("section_id")
    t = pick("tables")
    return {
        "document": {k: (v.tolist() if hasattr(v, "tolist") else _fmt(v)) for k, v in doc.items()
                     if k in ("title", "province", "city", "county", "department", "fiscal_year", "doc_kinds", "n_chars")},
        "sections": [f"{lv} {n}{ti}" for lv, n, ti in zip(s.level, s.number, s.title)],
        "tables": {str(k): [int(g.row.max()) + 1, int(g.col.max()) + 1] for k, g in t.groupby("table_id")},
        "amounts": [
            " | ".join(_fmt(x) for x in (r.value_text, r.unit, r.label, r.measure, r.share_pct, r.change_pct, r.year,
                                         r.table_id, r.row, r.col))
            for r in a.itertuples()
        ],
    }


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_golden_output(corpus_out, prefix):
    """The reviewed output per corpus document. After an intended change: UPDATE_GOLDEN=1 make test,
    then read the diff of tests/golden/ before committing it."""
    view = json.loads(json.dumps(_golden_view(corpus_out, prefix), default=str))
    path = GOLDEN / f"{seed_path(prefix).stem}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(view, ensure_ascii=False, indent=1) + "\n", "utf-8")
    assert path.exists(), f"no golden output for {prefix}: run UPDATE_GOLDEN=1 make test"
    assert view == json.loads(path.read_text("utf-8"))
