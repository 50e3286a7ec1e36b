"""extract: Text + Sections -> extracted records (tables' cells, amounts, …).

Each extractor is a pure function over the normalised text; this module only runs them and
attaches ids, sections and pages.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from operator import itemgetter

from extractors import money
from extractors.indicators import text_to_indicators
from extractors.metadata import text_to_metadata
from extractors.projects import text_to_projects
from extractors.scores import text_to_scores
from pipeline.records import Amount, Indicator, Metadata, Project, Score, Section, TableCell, Text
from pipeline.segment import SectionIndex
from pipeline import table_model as tm
from pipeline.table_model import Table, Unreadable, read_tables
from pipeline.textutil import new_record


@dataclass(frozen=True)
class Extracted:
    metadata: Metadata
    tables: tuple[TableCell, ...]
    amounts: tuple[Amount, ...]
    indicators: tuple[Indicator, ...] = ()
    scores: tuple[Score, ...] = ()
    projects: tuple[Project, ...] = ()
    table_models: tuple[Table, ...] = ()  # the one table model (pipeline/table_model.py)
    unreadable_tables: tuple[Unreadable, ...] = ()  # tables the model could not be built for


# Records built in bulk (~335 cells and ~55 amounts a document) by textutil.new_record: the generated
# __init__ of a frozen dataclass cost more than the rest of tablecells together.
# tests/test_money.py checks they build records equal to the constructors' (fields, order, repr).

_new = object.__new__
_setattr = object.__setattr__


def _table_cells(table_id, section_id, page, caption, unit, cells) -> list[TableCell]:
    """TableCell(table_id, section_id, page, caption, unit, c.row, c.col, c.text) for each cell."""
    # textutil.new_record inlined (a call per cell); copying the shared fields costs less than a
    # dict display of all eight
    shared = {"table_id": table_id, "section_id": section_id, "page": page, "caption": caption, "unit": unit}
    copy = shared.copy
    out = []
    for c in cells:
        fields = copy()
        fields["row"] = c.row
        fields["col"] = c.col
        fields["text"] = c.text
        obj = _new(TableCell)
        _setattr(obj, "__dict__", fields)
        out.append(obj)
    return out


def text_to_tablecells(text: Text, index: SectionIndex) -> list[TableCell]:
    out = []
    table_id = 0
    for b in text.blocks:
        if b.kind != "table":
            continue
        table_id += 1
        unit = tm.table_unit(b)
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


_by_span = itemgetter("start", "end")


def text_to_amounts(text: Text, index: SectionIndex, fiscal_year: int | None) -> list[Amount]:
    # money gives each figure as its Amount's fields (ids and section left to fill in here)
    found: list[dict] = []
    table_id = 0
    with_units = _blocks_with_units(text)
    for n, b in enumerate(text.blocks):
        if b.kind == "paragraph":
            if n in with_units:
                found.extend(money.prose_amounts(text.text, b.start, b.end, fiscal_year, b.page))
        else:
            table_id += 1
            found.extend(money.table_amounts(text.text, b, fiscal_year, table_id))
    found.sort(key=_by_span)
    at = index.at
    out = []
    for i, fields in enumerate(found, start=1):
        fields["amount_id"] = i
        fields["section_id"] = at(fields["start"])
        out.append(new_record(Amount, fields))
    return out


def headings_text(sections: list[Section]) -> str:
    return "\n".join(s.title for s in sections)


def extract(text: Text, sections: list[Section]) -> Extracted:
    index = SectionIndex(sections)
    meta = text_to_metadata(text, headings_text(sections))
    scores = text_to_scores(text, meta.department)
    models, unreadable = read_tables(text)
    return Extracted(
        metadata=meta,
        tables=tuple(text_to_tablecells(text, index)),
        amounts=tuple(text_to_amounts(text, index, meta.fiscal_year)),
        indicators=tuple(text_to_indicators(text, meta.department)),
        scores=tuple(scores),
        projects=tuple(text_to_projects(text, meta.department, scores)),
        table_models=tuple(models),
        unreadable_tables=tuple(unreadable),
    )
