"""Build a normalised `Text` from paragraphs and grids of strings, laid out as the normaliser does:
a paragraph is its text plus "\\n"; a table row is its cells joined by "\\t" plus "\\n"."""
from __future__ import annotations

from pipeline.records import Block, Cell, Text

Item = str | list[list[str]]


def make_text(*items: Item, doc_id: str = "test", page: int | None = None) -> Text:
    pieces: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for item in items:
        if isinstance(item, str):
            start = pos
            pieces.append(item + "\n")
            pos += len(item) + 1
            blocks.append(Block(len(blocks), "paragraph", start, start + len(item), page))
            continue
        start = pos
        cells: list[Cell] = []
        for r, row in enumerate(item):
            for c, cell in enumerate(row):
                if c:
                    pieces.append("\t")
                    pos += 1
                cells.append(Cell(r, c, cell, pos, pos + len(cell)))
                pieces.append(cell)
                pos += len(cell)
            pieces.append("\n")
            pos += 1
        blocks.append(
            Block(len(blocks), "table", start, pos - 1, page, cells=tuple(cells),
                  n_rows=len(item), n_cols=max((len(r) for r in item), default=0))
        )
    return Text(doc_id=doc_id, text="".join(pieces), blocks=tuple(blocks))


def rows(spec: str) -> list[list[str]]:
    """A grid from lines of "|"-separated cells (a readable way to write tables in tests)."""
    return [[c.strip() for c in line.split("|")] for line in spec.strip("\n").splitlines()]
