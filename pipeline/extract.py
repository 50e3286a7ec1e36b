"""extract: Text + Sections -> extracted records (tables' cells, amounts, …).

Each extractor is a pure function over the normalised text; this module only runs them and
attaches ids, sections and pages.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from operator import attrgetter

from extractors import money, units
from extractors.indicators import text_to_indicators
from extractors.metadata import text_to_metadata
from extractors.projects import text_to_projects
from extractors.scores import text_to_scores
from pipeline.records import Amount, Indicator, Metadata, Project, Score, Section, TableCell, Text
from pipeline.segment import SectionIndex
from pipeline.textutil import new_record


@dataclass(frozen=True)
class Extracted:
    metadata: Metadata
    tables: tuple[TableCell, ...]
    amounts: tuple[Amount, ...]
    indicators: tuple[Indicator, ...] = ()
    scores: tuple[Score, ...] = ()
    projects: tuple[Project, ...] = ()


# Records built in bulk (~335 cells and ~55 amounts a document) by textutil.new_record: the generated
# __init__ of a frozen dataclass cost more than the rest of tablecells together.
# tests/test_money.py checks they build records equal to the constructors' (fields, order, repr).


def _table_cells(table_id, section_id, page, caption, unit, cells) -> list[TableCell]:
    """TableCell(table_id, section_id, page, caption, unit, c.row, c.col, c.text) for each cell."""
    shared = {"table_id": table_id, "section_id": section_id, "page": page, "caption": caption, "unit": unit}
    out = []
    for c in cells:
        fields = shared.copy()
        fields["row"] = c.row
        fields["col"] = c.col
        fields["text"] = c.text
        out.append(new_record(TableCell, fields))
    return out


def _amount(amount_id, section_id, label, value_text, value, unit, amount_yuan, amount_wan, share_pct,
            change_pct, year, measure, table_id, row, col, start, end, page, context) -> Amount:
    return new_record(Amount, {
        "amount_id": amount_id, "section_id": section_id, "label": label, "value_text": value_text,
        "value": value, "unit": unit, "amount_yuan": amount_yuan, "amount_wan": amount_wan,
        "share_pct": share_pct, "change_pct": change_pct, "year": year, "measure": measure,
        "table_id": table_id, "row": row, "col": col, "start": start, "end": end, "page": page,
        "context": context,
    })


def text_to_tablecells(text: Text, index: SectionIndex) -> list[TableCell]:
    out = []
    table_id = 0
    for b in text.blocks:
        if b.kind != "table":
            continue
        table_id += 1
        unit = money.table_unit(b)
        out.extend(_table_cells(table_id, index.at(b.start), b.page, b.caption, unit, b.cells))
    return out


def _blocks_with_units(text: Text) -> set[int]:
    """Indexes of the blocks holding a character every money unit ends with ("元"): a paragraph
    without one has no figure (money.text_to_figures would return nothing)."""
    starts = [b.start for b in text.blocks]
    found = set()
    for tail in money.vocab().unit_tails:
        p = text.text.find(tail)
        while p >= 0:
            i = bisect_right(starts, p) - 1
            found.add(i)
            # the next block that could hold one
            nxt = text.blocks[i].end if i >= 0 else 0
            p = text.text.find(tail, max(p + 1, nxt))
    return found


_by_span = attrgetter("start", "end")


def text_to_amounts(text: Text, index: SectionIndex, fiscal_year: int | None) -> list[Amount]:
    figures: list[money.Figure] = []
    table_ids: dict[int, int] = {}
    with_units = _blocks_with_units(text)
    for n, b in enumerate(text.blocks):
        if b.kind == "paragraph":
            if n in with_units:
                figures.extend(money.text_to_figures(text.text, b.start, b.end, fiscal_year, b.block_id))
        else:
            table_ids[b.block_id] = len(table_ids) + 1
            figures.extend(money.table_to_figures(text.text, b, fiscal_year))
    figures.sort(key=_by_span)
    pages = {b.block_id: b.page for b in text.blocks}
    yuan_wan, at = units.to_yuan_wan, index.at
    out = []
    for i, f in enumerate(figures, start=1):
        amount_yuan, amount_wan = yuan_wan(f.value, f.unit)
        out.append(_amount(
            i, at(f.start), f.label, f.value_text, f.value, f.unit, amount_yuan, amount_wan, f.share_pct,
            f.change_pct, f.year, f.measure, table_ids.get(f.block_id), f.row, f.col, f.start, f.end,
            pages.get(f.block_id), f.context,
        ))
    return out


def headings_text(sections: list[Section]) -> str:
    return "\n".join(s.title for s in sections)


def extract(text: Text, sections: list[Section]) -> Extracted:
    index = SectionIndex(sections)
    meta = text_to_metadata(text, headings_text(sections))
    scores = text_to_scores(text, meta.department)
    return Extracted(
        metadata=meta,
        tables=tuple(text_to_tablecells(text, index)),
        amounts=tuple(text_to_amounts(text, index, meta.fiscal_year)),
        indicators=tuple(text_to_indicators(text, meta.department)),
        scores=tuple(scores),
        projects=tuple(text_to_projects(text, meta.department, scores)),
    )
