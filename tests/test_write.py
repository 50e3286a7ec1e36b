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
