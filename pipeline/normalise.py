"""normalise: Source -> Text.

A format reader turns bytes into paragraphs and tables (Para, Grid); this stage lays them out as
one normalised text with offsets: a paragraph is its text plus "\\n"; a table row is its cells
joined by "\\t" plus "\\n". Every cell and paragraph knows its span, so every extracted figure can
point back to `text[start:end]`.
"""
from __future__ import annotations

import importlib
import re
from bisect import bisect_right
from dataclasses import fields
from itertools import accumulate, chain, compress, repeat
from operator import add, attrgetter

from pipeline.records import Block, Cell, Decoded, DocumentError, Grid, Para, Source, Text
from pipeline.textutil import _ZERO_WIDTH, NEEDS_NORMALISING as _NEEDS, join_wrapped, new_record, normalise_chars

# format -> module with `decode(data: bytes) -> Decoded`
READERS = {
    "txt": "pipeline.read_text",
    "pdf": "pipeline.read_pdf",
    "docx": "pipeline.read_docx",
    "html": "pipeline.read_html",
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
    previous: Para | Grid | None = None  # the last block laid out
    # The text reader hands over text that is normalised already: then one search over all of it
    # replaces a normalise_chars call per paragraph and per cell (which would change nothing).
    plain = _is_plain(decoded.blocks)
    raws = decoded.blocks
    tables = [i for i, is_para in enumerate(map(isinstance, raws, repeat(Para))) if not is_para]
    for lo, hi in zip([0] + [t + 1 for t in tables], tables + [len(raws)]):
        if lo < hi:  # a run of paragraphs, laid out together
            run = raws[lo:hi]
            texts = [p.text for p in run] if plain else [normalise_chars(p.text.replace("\r", "")) for p in run]
            kept = list(compress(range(len(run)), map(str.strip, texts)))  # blank paragraphs are left out
            if kept:
                if len(kept) < len(run):
                    run = [run[k] for k in kept]
                    texts = [texts[k] for k in kept]
                lens = list(map(len, texts))
                starts = list(accumulate(map((1).__add__, lens), initial=pos))
                pos = starts.pop()
                if plain:
                    anchors.extend([(st + off, src) for st, p in zip(starts, run) for off, src in p.anchors])
                else:  # the characters left out shift what follows them
                    anchors.extend([(st + off, src) for st, p in zip(starts, run) for off, src in _kept_anchors(p.text, p.anchors)])
                values = zip(
                    range(len(blocks), len(blocks) + len(run)), repeat("paragraph"), starts, map(add, starts, lens),
                    map(_page, run), map(_heading, run), repeat(None), repeat(()), repeat(0), repeat(0),
                )
                blocks.extend(map(new_record, repeat(Block), map(dict, map(zip, repeat(_BLOCK_FIELDS), values))))
                pieces.append("\n".join(texts))
                pieces.append("\n")
                previous = run[-1]
        if hi == len(raws):
            break
        raw = raws[hi]
        if not any(c.strip() for r in raw.rows for c in r):
            continue
        start = pos
        cells, table = _cells(raw, plain, pos, anchors)
        pieces.append(table)
        pos += len(table)
        blocks.append(new_record(Block, {
            "block_id": len(blocks), "kind": "table", "start": start, "end": pos - 1, "page": raw.page,
            "heading": False, "caption": _caption(raw, previous), "cells": cells,
            "n_rows": len(raw.rows), "n_cols": max((len(r) for r in raw.rows), default=0),
        }))
        previous = raw
    text = "".join(pieces)
    anchors.sort()
    return Text(doc_id=doc_id, text=text, blocks=tuple(blocks), n_pages=decoded.n_pages, anchors=tuple(anchors), warnings=decoded.warnings)


# what a paragraph loses on its way into the text: CRs, and what normalise_chars deletes
_DROPPED = re.compile("[\r" + "".join(map(chr, _ZERO_WIDTH)) + "]+")


def _kept_anchors(text: str, anchors: tuple) -> tuple:
    """A paragraph's anchors once the characters of _DROPPED are left out of its text: each
    anchor moves back by the characters dropped before it, and the text after a dropped run
    gets an anchor of its own (its source offset is past the dropped characters)."""
    if not anchors or _DROPPED.search(text) is None:
        return anchors
    out: dict[int, int] = {}
    gone = 0  # characters dropped so far
    k = 0  # the next anchor
    n = len(anchors)
    for m in _DROPPED.finditer(text):
        a, e = m.span()
        while k < n and anchors[k][0] < e:
            off, src = anchors[k]
            if off < a:
                out[off - gone] = src
            k += 1
        gone += e - a
        if e < len(text):
            # the source offset of text[e]: from the last anchor at or before it
            j = bisect_right(anchors, (e, float("inf"))) - 1
            if j >= 0:
                off, src = anchors[j]
                out.setdefault(e - gone, src + e - off)
    for off, src in anchors[k:]:
        out[off - gone] = src
    return tuple(sorted(out.items()))


_BLOCK_FIELDS = tuple(f.name for f in fields(Block))
_page = attrgetter("page")
_heading = attrgetter("heading")


def _cells(grid: Grid, plain: bool, pos: int, anchors: list) -> tuple[tuple[Cell, ...], str]:
    """A table's cells laid out from `pos` (row by row, "\\t" between cells, "\\n" after a row) and
    the table's text; the cells' anchors are added to `anchors`.

    Hundreds of cells per document: the work per cell is done by C-level map/zip/accumulate."""
    rows = [list(map(str.strip, row)) for row in grid.rows] if plain else [list(map(_cell_text, row)) for row in grid.rows]
    # each cell starts one character (a tab or a line break) after the previous one ends; an empty
    # row still takes its line break, so it is laid out as one empty cell that is then left out
    laid = rows if all(rows) else [row or [""] for row in rows]
    texts = list(chain.from_iterable(laid))
    lens = list(map(len, texts))
    starts = list(accumulate(map((1).__add__, lens), initial=pos))
    del starts[-1]
    widths = list(map(len, laid))
    row_of = list(chain.from_iterable(map(repeat, range(len(laid)), widths)))
    col_of = list(chain.from_iterable(map(range, widths)))
    if laid is not rows:
        real = list(chain.from_iterable(repeat(True, len(row)) if row else (False,) for row in rows))
        texts, lens, starts, row_of, col_of = (list(compress(x, real)) for x in (texts, lens, starts, row_of, col_of))
    ends = list(map(add, starts, lens))
    src = grid.src
    if len(src) == len(rows) and all(len(s) == len(r) for s, r in zip(src, rows)):
        srcs = chain.from_iterable(src)
    else:  # src missing or ragged: a cell without a source offset has no anchor
        srcs = (src[r][c] if r < len(src) and c < len(src[r]) else None for r, c in zip(row_of, col_of))
    anchors.extend([(st, sr) for st, sr, t in zip(starts, srcs, texts) if t and sr is not None])
    cells = list(map(_new, repeat(Cell, len(texts))))
    values = map(dict, map(zip, repeat(_CELL_FIELDS), zip(row_of, col_of, texts, starts, ends)))
    for _ in map(_setattr, cells, repeat("__dict__"), values):  # textutil.new_record, cell by cell
        pass
    return tuple(cells), "".join(["\t".join(row) + "\n" for row in rows])


_CELL_FIELDS = tuple(f.name for f in fields(Cell))


def _is_plain(blocks) -> bool:
    """No character that normalise_chars would change and no line break, tab or CR inside a cell,
    no CR in a paragraph: the texts can be laid out as they are (cells still lose outer spaces)."""
    para_text = "".join([b.text for b in blocks if isinstance(b, Para)])
    cell_text = "".join(["".join(["".join(r) for r in b.rows]) for b in blocks if not isinstance(b, Para)])
    return (
        "\r" not in para_text
        and _NEEDS.search(para_text) is None
        and _NEEDS.search(cell_text) is None
        and "\n" not in cell_text and "\t" not in cell_text and "\r" not in cell_text
    )


_new = object.__new__
_setattr = object.__setattr__  # Cell is built as textutil.new_record builds a record, inline: hundreds per document


def source_to_text(src: Source) -> Text:
    return decoded_to_text(src.doc_id, source_to_decoded(src))
