"""Every text path linear in its input (issue 15): not timed in seconds, but a small input against
one eight times larger, with a generous ratio (linear gives ~8, quadratic ~64)."""
from __future__ import annotations

import time

import pytest

from pipeline.process import process_path

PATHOLOGICAL = {
    # money's label and sentence look-behind and check's sentence start ran back to the paragraph's
    # start for every figure: 0.63 s at 32 KB, 38.6 s at 256 KB, 684 s at 1 MB
    "figures-without-a-break": "1234567.89万元",
    "figures-with-a-comparison": "比上年增加1234.5万元",
    # scores' overlap test looked at every earlier match and its prefix phrase and sentence ran
    # back to the paragraph's start for every score: 2.4 s at 64 KB, 224 s at 1 MB
    "scores-without-a-break": "得分95分",
    # resolve's staff counts looked back to the paragraph's start for each count's clause and
    # sentence: 0.14 s at 64 KB, 17.4 s at 512 KB (0.21 s after)
    "staff-counts-without-a-break": "编制人数10人，实有人数8人，",
}

# inputs whose pieces differ (numbered, coded): (head, piece i) -> head + pieces 0, 1, 2, ...
PIECES = {
    "numbered-items": ("", lambda i: f"（{i}）项目支出{i % 997}.60万元；\n"),
    "rows-of-one-table": ("单位：万元\n科目编码\t科目名称\t合计\t基本支出\t项目支出\n",
                          lambda i: f"{2010000 + i}\t科目{i}\t{i + 30}.00\t{i}.00\t30.00\n"),
    "many-small-tables": ("", lambda i: f"表{i} 支出表\n单位：万元\n项目\t金额\n基本支出\t{i}.00\n合计\t{i}.00\n\n"),
}


def _pieces(head: str, piece, size: int) -> str:
    out, n, i = [head], len(head.encode()), 0
    while n < size:
        out.append(piece(i))
        n += len(out[-1].encode())
        i += 1
    return "".join(out)


def _seconds(path) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        res = process_path(str(path))
        best = min(best, time.perf_counter() - t)
        assert res.document["status"] == "ok", res.document["error"]
    return best


@pytest.mark.slow
@pytest.mark.parametrize("unit", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_paragraph_of_figures_takes_time_linear_in_its_length(tmp_path, unit):
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    n = 32 * 1024 // len(unit.encode())
    small.write_text(unit * n, "utf-8")
    large.write_text(unit * (8 * n), "utf-8")
    _seconds(small)  # warm: jieba, vocabularies
    ratio = _seconds(large) / _seconds(small)
    assert ratio < 24, f"8x the input took {ratio:.0f}x the time"


@pytest.mark.slow
@pytest.mark.parametrize("head, piece", PIECES.values(), ids=PIECES.keys())
def test_numbered_items_and_table_rows_take_time_linear_in_their_number(tmp_path, head, piece):
    """Issue 15: 1 MB of numbered items, a 20,000-row table and thousands of small tables through
    every extractor (bench (f) gives their times)."""
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text(_pieces(head, piece, 32 * 1024), "utf-8")
    large.write_text(_pieces(head, piece, 8 * 32 * 1024), "utf-8")
    _seconds(small)  # warm: jieba, vocabularies
    ratio = _seconds(large) / _seconds(small)
    assert ratio < 24, f"8x the input took {ratio:.0f}x the time"
