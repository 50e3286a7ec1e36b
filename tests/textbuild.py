"""Build a normalised `Text` from paragraphs and grids of strings, laid out as the normaliser does:
a paragraph is its text plus "\\n"; a table row is its cells joined by "\\t" plus "\\n"."""
from __future__ import annotations

from pipeline.normalise import decoded_to_text
from pipeline.records import Decoded, Grid, Para, Text

Item = str | list[list[str]]


def make_text(*items: Item, doc_id: str = "test", page: int | None = None) -> Text:
    blocks = tuple(
        Para(item, page=page) if isinstance(item, str) else Grid(rows=tuple(tuple(r) for r in item), page=page)
        for item in items
    )
    return decoded_to_text(doc_id, Decoded(blocks=blocks))


def rows(spec: str) -> list[list[str]]:
    """A grid from lines of "|"-separated cells (a readable way to write tables in tests)."""
    return [[c.strip() for c in line.split("|")] for line in spec.strip("\n").splitlines()]
