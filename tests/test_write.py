"""Exact numbers from a worker to Parquet: DocResult carries a Decimal as its own text, the writer
casts it in Arrow. Examples of what each column type must come out as."""
from __future__ import annotations

from decimal import Decimal as D

import pyarrow as pa
import pytest

from pipeline.process import records_to_columns, rows_to_columns
from pipeline.records import DocResult, Score
from pipeline.write import _number_array, columns_to_table

YUAN = pa.decimal128(24, 2)
DEC = pa.decimal128(24, 6)

# (values as the worker sends them, column type, what the Parquet column holds)
NUMBER_EXAMPLES = {
    "text at the column's scale": (["10548200.00", None, "0.00"], YUAN, [D("10548200.00"), None, D("0.00")]),
    "text with fewer decimals": (["1054.82", "7"], YUAN, [D("1054.82"), D("7.00")]),
    "text with an exponent": (["1E+3", "-2.5E-1"], DEC, [D("1000.000000"), D("-0.250000")]),
    # more decimals than the scale: Arrow refuses the cast; rounded half-even in Decimal, not float
    "text to round, half-even": (["0.125", "0.135", "1.005"], YUAN, [D("0.12"), D("0.14"), D("1.00")]),
    "Decimal objects (rows built by hand)": ([D("127.43"), None], YUAN, [D("127.43"), None]),
    "huge exact value": (["99999999999999999999.99"], YUAN, [D("99999999999999999999.99")]),
    "float column from text": (["1054.82", "0.1", None], pa.float64(), [1054.82, 0.1, None]),
    "float column from Decimal": ([D("1054.82"), D("0.1")], pa.float64(), [1054.82, 0.1]),
    "all null": ([None, None], YUAN, [None, None]),
}


@pytest.mark.parametrize("values, type_, expected", NUMBER_EXAMPLES.values(), ids=NUMBER_EXAMPLES.keys())
def test_number_columns_are_exact(values, type_, expected):
    got = _number_array(values, type_)
    assert got.type == type_
    assert got.to_pylist() == expected


def test_float_from_text_is_the_same_double_as_from_decimal():
    # the *_wan columns: Arrow's text parse must give the correctly rounded double, like float(Decimal)
    texts = ["0.1", "1054.82", "3.3333333333", "123456789.123456", "0.000001", "-17.05"]
    assert _number_array(texts, pa.float64()).to_pylist() == [float(D(t)) for t in texts]


def test_record_columns_carry_decimals_as_text_and_rows_give_them_back():
    score = Score(subject="本部门", scope="department", score=D("96.5"), max_score=D("100"), grade="优",
                  start=0, end=4, page=None, evidence="得分96.5")
    cols = records_to_columns([score], "abc")
    assert cols["score"] == ["96.5"] and cols["max_score"] == ["100"]
    result = DocResult(document={}, columns={"scores": cols})
    assert result.rows["scores"][0]["score"] == D("96.5")
    table = columns_to_table("scores", cols, 1)
    assert table.column("score").to_pylist() == [D("96.500000")]


def test_row_dicts_carry_decimals_as_text():
    cols = rows_to_columns([{"value": D("1.50"), "key": "income_total"}, {"value": None, "key": "x"}])
    assert cols == {"value": ["1.50", None], "key": ["income_total", "x"]}


def _columns_by_getattr(records, doc_id):
    import dataclasses

    from pipeline.records import decimal_texts

    cols = {"doc_id": [doc_id] * len(records)}
    for f in dataclasses.fields(records[0]):
        vs = [getattr(r, f.name) for r in records]
        cols[f.name] = decimal_texts(vs) if "Decimal" in str(f.type) else vs
    return cols


def test_record_columns_equal_the_fields_read_one_by_one():
    """records_to_columns transposes the records' __dict__ values: the same as reading each field,
    for records built by the constructor, by textutil.new_record, with a cache beside the fields,
    and (read field by field) for a dataclass whose __dict__ need not hold its fields in order."""
    import dataclasses

    from extractors import money
    from pipeline import extract
    from pipeline.records import Amount, Block, Cell, TableCell
    from pipeline.textutil import new_record

    cells = [Cell(0, 0, "项目", 0, 2), Cell(0, 1, "1.00", 3, 7), Cell(1, 0, "合计", 8, 10)]
    block = Block(1, "table", 0, 10, 2, cells=tuple(cells), n_rows=2, n_cols=2)
    block.grid()  # a cache in __dict__, after the fields
    blocks = [block, Block(2, "paragraph", 11, 20, None)]
    assert list(vars(block))[-1] == "_grid"
    text = "其中：基本支出 1,113.13万元，占 89.73%；比上年1326.27万元减少21.76万元，减少1.64%。"
    fields = money.prose_amounts(text, 0, len(text), 2024, 3)
    amounts = [new_record(Amount, f) for f in fields] + [Amount(*[None] * len(dataclasses.fields(Amount)))]
    table = extract._table_cells(1, 2, 3, "表", "万元", cells) + [TableCell(1, None, None, None, None, 0, 0, "x")]

    @dataclasses.dataclass(frozen=True)
    class Late:
        a: int
        b: D = dataclasses.field(init=False, default=D("1.5"))
        c: str = "c"

        def __post_init__(self):
            object.__setattr__(self, "b", D("2.5"))

    for records in (cells, blocks, amounts, table, [Late(1), Late(2, "x")]):
        assert records_to_columns(records, "d") == _columns_by_getattr(records, "d")


def test_row_dicts_of_different_keys_become_columns_in_first_seen_order():
    rows = [{"a": 1, "b": D("2")}, {"b": None, "a": 3}, {"a": 4, "c": "x"}]
    cols = rows_to_columns(rows)
    assert list(cols) == ["a", "b", "c"]
    assert cols == {"a": [1, 3, 4], "b": ["2", None, None], "c": [None, None, "x"]}
    assert rows_to_columns([]) == {}


# --- bugs: issue 15 (what a reader sees when a run is killed while it writes) ----------------------

def _reader_view(out) -> dict[str, set[str]]:
    """The doc_ids of every table as a reader listing the folders sees them (hidden names ignored)."""
    import pyarrow.dataset as ds

    from schemas.tables import TABLES

    return {name: set(ds.dataset(out / name, schema=schema, format="parquet").to_table(columns=["doc_id"])
                      .column("doc_id").to_pylist()) - {None}
            for name, schema in TABLES.items() if (out / name).is_dir()}


def _assert_no_orphans(view: dict[str, set[str]], point: str) -> None:
    for name, ids in view.items():
        orphans = ids - view["documents"]
        assert not orphans, f"{point}: {name} has rows of documents without a documents row: {orphans}"


@pytest.fixture(scope="module")
def two_results():
    from pipeline.process import process_path
    from tests.conftest import seed_path

    return [process_path(str(seed_path(p))) for p in ("000", "004")]


def _killed_at(monkeypatch, step: int):
    """os.replace in write that dies (like SIGKILL: nothing after it runs) at its `step`-th call."""
    import os as _os

    from pipeline import write

    calls = {"n": 0}
    real = _os.replace

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == step:
            raise SystemExit("killed")
        return real(src, dst)

    monkeypatch.setattr(write.os, "replace", replace)
    return calls


def test_a_batch_killed_at_any_rename_shows_no_orphan_rows_and_the_next_run_finishes_it(
        tmp_path, monkeypatch, two_results):
    """Issue 15.5: the other tables' parts were renamed into place before the documents part, so a
    kill between them left rows of documents that had no documents row, readable until the next run."""
    from pipeline import write

    whole = tmp_path / "whole"
    write.write_batch(whole, two_results, "b1")
    want = _reader_view(whole)
    step = 0
    while True:
        step += 1
        out = tmp_path / f"k{step}"
        write.write_empty_tables(out)
        calls = _killed_at(monkeypatch, step)
        try:
            write.write_batch(out, two_results, "b1")
        except SystemExit:
            pass
        monkeypatch.undo()
        _assert_no_orphans(_reader_view(out), f"killed at rename {step}")
        write.clean_interrupted(out)  # what the next run does first
        after = _reader_view(out)
        _assert_no_orphans(after, f"after the next run's clean-up (kill at {step})")
        ids = after["documents"]
        assert ids in (set(), want["documents"])  # the batch is all there or not at all
        if ids:
            assert after == want, f"kill at {step}: rolled forward, but not to the whole batch"
        if calls["n"] < step:  # the batch finished without reaching this step: every point tried
            break
    assert step > len(want)  # every table's rename was a kill point


def test_a_removal_killed_at_any_rewrite_shows_no_orphan_rows(tmp_path, monkeypatch, two_results):
    """Issue 15.5: old rows were removed from documents first, then from the other tables: in
    between (or after a kill there) those rows had no documents row."""
    from pipeline import write

    drop = {two_results[0].document["doc_id"]}
    write.write_batch(tmp_path / "whole", two_results, "b1")
    holding = {name for name, ids in _reader_view(tmp_path / "whole").items() if ids & drop}
    step = 0
    while True:
        step += 1
        out = tmp_path / f"k{step}"
        write.write_empty_tables(out)
        write.write_batch(out, two_results, "b1")
        calls = _killed_at(monkeypatch, step)
        try:
            write.remove_documents(out, drop)
        except SystemExit:
            pass
        monkeypatch.undo()
        _assert_no_orphans(_reader_view(out), f"removal killed at rewrite {step}")
        write.clean_interrupted(out)
        after = _reader_view(out)
        _assert_no_orphans(after, f"after the next run's clean-up (kill at {step})")
        kept = {name for name, ids in after.items() if ids & drop}
        # killed before its journal landed the removal never began; after that, the next run finishes it
        assert kept in (set(), holding), f"kill at {step}: the removal was left half-done: {sorted(kept)}"
        if calls["n"] < step:
            break
    assert step > 3
