"""extract: Text + Sections -> extracted records (tables' cells, amounts, …).

Each extractor is a pure function over the normalised text; this module only runs them and
attaches ids, sections and pages.
"""
from __future__ import annotations

from dataclasses import dataclass

from extractors import money, units
from extractors.indicators import text_to_indicators
from extractors.metadata import text_to_metadata
from extractors.projects import text_to_projects
from extractors.scores import text_to_scores
from pipeline.records import Amount, Indicator, Metadata, Project, Score, Section, TableCell, Text
from pipeline.segment import SectionIndex


@dataclass(frozen=True)
class Extracted:
    metadata: Metadata
    tables: tuple[TableCell, ...]
    amounts: tuple[Amount, ...]
    indicators: tuple[Indicator, ...] = ()
    scores: tuple[Score, ...] = ()
    projects: tuple[Project, ...] = ()


def text_to_tablecells(text: Text, index: SectionIndex) -> list[TableCell]:
    out = []
    table_id = 0
    for b in text.blocks:
        if b.kind != "table":
            continue
        table_id += 1
        unit = money.table_unit(b)
        sid = index.at(b.start)
        for c in b.cells:
            out.append(TableCell(table_id, sid, b.page, b.caption, unit, c.row, c.col, c.text))
    return out


def text_to_amounts(text: Text, index: SectionIndex, fiscal_year: int | None) -> list[Amount]:
    figures: list[money.Figure] = []
    table_ids: dict[int, int] = {}
    for b in text.blocks:
        if b.kind == "paragraph":
            figures.extend(money.text_to_figures(text.text, b.start, b.end, fiscal_year, b.block_id))
        else:
            table_ids[b.block_id] = len(table_ids) + 1
            figures.extend(money.table_to_figures(text.text, b, fiscal_year))
    figures.sort(key=lambda f: (f.start, f.end))
    pages = {b.block_id: b.page for b in text.blocks}
    out = []
    for i, f in enumerate(figures, start=1):
        out.append(
            Amount(
                amount_id=i,
                section_id=index.at(f.start),
                label=f.label,
                value_text=f.value_text,
                value=f.value,
                unit=f.unit,
                amount_yuan=units.to_yuan(f.value, f.unit),
                amount_wan=units.to_wan(f.value, f.unit),
                share_pct=f.share_pct,
                change_pct=f.change_pct,
                year=f.year,
                measure=f.measure,
                table_id=table_ids.get(f.block_id),
                row=f.row,
                col=f.col,
                start=f.start,
                end=f.end,
                page=pages.get(f.block_id),
                context=f.context,
            )
        )
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
