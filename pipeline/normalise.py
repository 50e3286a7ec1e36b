"""normalise: Source -> Text.

A format reader turns bytes into paragraphs and tables (Para, Grid); this stage lays them out as
one normalised text with offsets: a paragraph is its text plus "\\n"; a table row is its cells
joined by "\\t" plus "\\n". Every cell and paragraph knows its span, so every extracted figure can
point back to `text[start:end]`.
"""
from __future__ import annotations

import importlib

from pipeline.records import Block, Cell, Decoded, DocumentError, Grid, Para, Source, Text
from pipeline.textutil import join_wrapped, normalise_chars

# format -> module with `decode(data: bytes) -> Decoded`
READERS = {
    "txt": "pipeline.read_text",
}

CAPTION_MAX = 60  # a paragraph right above a table is its caption if it is this short


def source_to_decoded(src: Source) -> Decoded:
    module = READERS.get(src.format)
    if module is None:
        raise DocumentError(
            "unsupported_format",
            f"cannot read .{src.format} files (supported: {', '.join(sorted('.' + f for f in READERS))})",
        )
    return importlib.import_module(module).decode(src.data)


def _cell_text(s: str) -> str:
    """Cell text on one line: readers may leave line breaks or tabs inside a cell."""
    if "\n" not in s and "\t" not in s and "\r" not in s:
        return normalise_chars(s).strip()
    parts = [(p.strip(), 0) for p in s.replace("\t", "\n").replace("\r", "\n").split("\n")]
    return normalise_chars(join_wrapped(parts)[0]).strip()


def _caption(grid: Grid, previous: Para | Grid | None) -> str | None:
    if grid.caption:
        return grid.caption
    if len(grid.rows) > 1:
        first = [c for c in grid.rows[0] if c.strip()]
        if len(first) == 1 and len(first[0]) <= CAPTION_MAX:
            return first[0].strip()
    if isinstance(previous, Para) and len(previous.text) <= CAPTION_MAX and ("表" in previous.text or "单位" in previous.text):
        return previous.text.strip()
    return None


def decoded_to_text(doc_id: str, decoded: Decoded) -> Text:
    pieces: list[str] = []
    blocks: list[Block] = []
    anchors: list[tuple[int, int]] = []
    pos = 0
    previous: Para | Grid | None = None
    for raw in decoded.blocks:
        if isinstance(raw, Para):
            text = normalise_chars(raw.text.replace("\r", ""))
            if not text.strip():
                continue
            start = pos
            for off, src in raw.anchors:
                anchors.append((start + off, src))
            pieces.append(text + "\n")
            pos += len(text) + 1
            blocks.append(Block(len(blocks), "paragraph", start, start + len(text), raw.page, heading=raw.heading))
        else:
            if not any(c.strip() for r in raw.rows for c in r):
                continue
            start = pos
            cells: list[Cell] = []
            for r, row in enumerate(raw.rows):
                for c, cell in enumerate(row):
                    if c:
                        pieces.append("\t")
                        pos += 1
                    text = _cell_text(cell)
                    src = raw.src[r][c] if raw.src and r < len(raw.src) and c < len(raw.src[r]) else None
                    if src is not None and text:
                        anchors.append((pos, src))
                    cells.append(Cell(r, c, text, pos, pos + len(text)))
                    pieces.append(text)
                    pos += len(text)
                pieces.append("\n")
                pos += 1
            blocks.append(
                Block(
                    len(blocks),
                    "table",
                    start,
                    pos - 1,
                    raw.page,
                    caption=_caption(raw, previous),
                    cells=tuple(cells),
                    n_rows=len(raw.rows),
                    n_cols=max((len(r) for r in raw.rows), default=0),
                )
            )
        previous = raw
    text = "".join(pieces)
    anchors.sort()
    return Text(doc_id=doc_id, text=text, blocks=tuple(blocks), n_pages=decoded.n_pages, anchors=tuple(anchors), warnings=decoded.warnings)


def source_to_text(src: Source) -> Text:
    return decoded_to_text(src.doc_id, source_to_decoded(src))
