"""table_units: the unit of a table that prints none, inferred from the prose (a figure of the
table, with decimals and not zero, stated in the document's prose in unit U) or a unit line above
it; an inference that more than one unit fits is ambiguous and reads nothing."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import compress

import regex

from extractors import units
from pipeline import table_model as tm
from pipeline.records import Amount
from pipeline.table_view import TableView, cell_amounts, figure_match


@dataclass(frozen=True)
class UnitInference:
    """A table printed without a unit, read in `unit` because `value` is stated so in prose."""

    table_id: int
    unit: str
    value: Decimal | None  # the table's figure found in prose (None: a unit line above the table)
    amount_id: int | None  # the prose amount that states it
    evidence: str
    ambiguous: tuple[str, ...] = ()  # units other figures of the table match too: nothing is read


_DIGITS = regex.compile(r"\d")


@lru_cache(maxsize=1 << 16)
def _significant(number: str) -> int:
    return len(_DIGITS.findall(number.lstrip("0.,")))


@lru_cache(maxsize=1 << 16)
def _cell_matchable(cell: str) -> Decimal | None:
    """`_matchable` of any cell text (None when it is not numeric)."""
    return _matchable(cell) if figure_match(cell) else None


@lru_cache(maxsize=1 << 16)
def _matchable(cell: str) -> Decimal | None:
    """The value of a numeric cell that may be compared with prose figures (not 0, at least 4
    significant digits with decimals, 5 without), else None."""
    m = figure_match(cell)
    need = 4 if "." in cell else 5
    v = units.to_decimal(m["number"])
    if v is None or v == 0 or _significant(m["number"]) < need:
        return None
    return v


def _comparable(a: Amount) -> bool:
    """A prose figure a table's figure may be compared with (not 0, at least 4 significant digits)."""
    return a.table_id is None and a.value != 0 and _significant(a.value_text) >= 4


def infer_table_units(tables: Sequence[TableView], amounts: Sequence[Amount],
                      by_row: dict[int, dict[int, dict[int, Amount]]] | None = None) -> list[UnitInference]:
    """Units of tables that print none in their caption or header.

    1. a unit line just above the table ("编制部门：… 单位：元");
    2. else the unit that makes the table's figures equal to figures stated with a unit in prose,
       to the coarser of the two printed precisions (156,211,123 -> 元, because the prose says
       15621.11万元). Only figures of at least 4 significant digits on both sides count (5 for a
       table figure without decimals), so that 0.13 or a row number matches nothing. Figures that
       match in two units leave the table unread (`ambiguous`)."""
    import bisect

    by_row = cell_amounts(amounts) if by_row is None else by_row
    prose: list | None = None  # the prose figures, sorted, once a table needs them
    has_prose: bool | None = None  # whether there is one (asked before a table's cells are read)
    names = units.unit_names()
    out = []
    for t in tables:
        if tm.table_unit(t.block):
            continue  # a table that prints its unit is read in it, whatever the prose or a line above says
        # a table whose figures are all amounts already has a unit: no need to look for one
        taken = by_row.get(t.table_id, {})  # row -> column -> amount
        cells = t.block.cells
        if t.unit_line:
            if any(figure_match(c.text) and c.col not in taken.get(c.row, ()) for c in cells):
                unit, line = t.unit_line
                out.append(UnitInference(t.table_id, unit, None, None, f"表{t.table_id}: unit from the line above: {line}"))
            continue
        if has_prose is None:
            has_prose = any(map(_comparable, amounts))
        if not has_prose:
            continue  # no prose figure to compare with: no table figure can match one
        # the figures that can be compared with prose, in cell order: a C-level map over the texts
        # and the few cells it leaves (a matchable value is never 0, so compress keeps just them)
        values = list(map(_cell_matchable, t.texts))
        figures = [values[j] for j in compress(range(len(values)), values)
                   if cells[j].col not in taken.get(cells[j].row, ())]
        if not figures:
            continue  # nothing to compare with the prose: nothing is inferred, whatever the table prints
        if prose is None:
            prose = sorted(
                ((units.to_yuan(a.value, a.unit), units.half_last_digit(a.value, a.unit, "元"), a)
                 for a in amounts if _comparable(a)),
                key=lambda p: (p[0], p[2].amount_id),
            )
            yuans = [p[0] for p in prose]
            widest = max((p[1] for p in prose), default=Decimal(0))
        found: dict[str, tuple[Decimal, Amount]] = {}
        seen = set()
        for v in figures:
            printed = v.as_tuple()
            if printed in seen:
                continue  # the same figure again (合计 = 财政拨款): it can only find what it found first
            seen.add(printed)
            for u in names:
                target = units.to_yuan(v, u)
                own = units.half_last_digit(v, u, "元")
                lo = bisect.bisect_left(yuans, target - widest - own)
                hi = bisect.bisect_right(yuans, target + widest + own)
                for yuan, half, a in prose[lo:hi]:
                    if abs(yuan - target) <= max(half, own):
                        found.setdefault(u, (v, a))
                        break
        if not found:
            continue
        if found:
            unit, (v, a) = next(iter(found.items()))
            others = tuple(u for u in found if u != unit)
            out.append(UnitInference(
                t.table_id, unit, v, a.amount_id,
                f"表{t.table_id} prints no unit; its figure {v} {unit} is stated as {a.value_text} in prose "
                f"(amount {a.amount_id}: {a.context[:60]})"
                + (f"; but other figures match in {', '.join(others)}" if others else ""),
                others,
            ))
    return out
