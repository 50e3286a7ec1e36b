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
from collections import deque
from itertools import accumulate, chain, compress, count, repeat
from operator import attrgetter, not_

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
    raws = decoded.blocks
    # The text reader hands over text that is normalised already: then one search over all of it
    # replaces a normalise_chars call per paragraph and per cell (which would change nothing).
    is_para = list(map(isinstance, raws, repeat(Para)))
    plain = decoded.plain or _is_plain(raws, is_para)
    tables = list(compress(range(len(raws)), map(not_, is_para)))
    for lo, hi in zip([0] + [t + 1 for t in tables], tables + [len(raws)]):
        if lo < hi:  # a run of paragraphs, laid out together
            run = raws[lo:hi]
            texts = list(map(_text, run)) if plain else [normalise_chars(p.text.replace("\r", "")) for p in run]
            kept = list(compress(range(len(run)), map(str.strip, texts)))  # blank paragraphs are left out
            if kept:
                if len(kept) < len(run):
                    run = list(map(run.__getitem__, kept))
                    texts = list(map(texts.__getitem__, kept))
                lens = list(map(len, texts))
                starts = list(accumulate(map((1).__add__, lens), initial=pos))
                pos = starts.pop()
                if plain:
                    anchors.extend([(st + off, src) for st, p in zip(starts, run) for off, src in p.anchors])
                else:  # the characters left out shift what follows them
                    anchors.extend([(st + off, src) for st, p in zip(starts, run) for off, src in _kept_anchors(p.text, p.anchors)])
                # records built as textutil.new_record builds them, all at once: hundreds per document
                values = [
                    {"block_id": i, "kind": "paragraph", "start": st, "end": st + n, "page": p.page, "heading": p.heading,
                     "caption": None, "cells": (), "n_rows": 0, "n_cols": 0, "row_pages": ()}
                    for i, st, n, p in zip(count(len(blocks)), starts, lens, run)
                ]
                made = list(map(_new, repeat(Block, len(values))))
                deque(map(_setattr, made, repeat("__dict__"), values), 0)
                blocks.extend(made)
                pieces.append("\n".join(texts))
                pieces.append("\n")
                previous = run[-1]
        if hi == len(raws):
            break
        raw = raws[hi]
        if plain:
            rows = list(map(list, map(map, repeat(str.strip), raw.rows)))
            if not any(map(any, rows)):
                continue
        else:
            if not any(map(str.strip, chain.from_iterable(raw.rows))):
                continue
            rows = [list(map(_cell_text, row)) for row in raw.rows]
        start = pos
        cells, table = _cells(raw, rows, pos, anchors)
        pieces.append(table)
        pos += len(table)
        blocks.append(new_record(Block, {
            "block_id": len(blocks), "kind": "table", "start": start, "end": pos - 1, "page": raw.page,
            "heading": False, "caption": _caption(raw, previous), "cells": cells,
            "n_rows": len(raw.rows), "n_cols": max(map(len, raw.rows), default=0),
            "row_pages": raw.row_pages if len(raw.row_pages) == len(raw.rows) else (),
        }))
        previous = raw
    text = "".join(pieces)
    anchors.sort()
    return Text(doc_id=doc_id, text=text, blocks=tuple(blocks), n_pages=decoded.n_pages, anchors=tuple(anchors), warnings=decoded.warnings)


_text = attrgetter("text")
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


def _cells(grid: Grid, rows: list[list[str]], pos: int, anchors: list) -> tuple[tuple[Cell, ...], str]:
    """A table's cells (`rows`: the grid's cell texts, cleaned) laid out from `pos` (row by row,
    "\t" between cells, "\n" after a row) and the table's text; the cells' anchors are added to
    `anchors`.

    Hundreds of cells per document: the work per cell is done by C-level map/zip/accumulate."""
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
    src = grid.src
    if len(src) == len(rows) and list(map(len, src)) == list(map(len, rows)):
        srcs = list(chain.from_iterable(src))
        if None in srcs:
            anchors.extend([(st, sr) for st, sr, t in zip(starts, srcs, texts) if t and sr is not None])
        else:
            anchors.extend(compress(zip(starts, srcs), texts))
    else:  # src missing or ragged: a cell without a source offset has no anchor
        srcs = (src[r][c] if r < len(src) and c < len(src[r]) else None for r, c in zip(row_of, col_of))
        anchors.extend([(st, sr) for st, sr, t in zip(starts, srcs, texts) if t and sr is not None])
    values = [{"row": r, "col": c, "text": t, "start": st, "end": st + n} for r, c, t, st, n in zip(row_of, col_of, texts, starts, lens)]
    cells = list(map(_new, repeat(Cell, len(values))))
    deque(map(_setattr, cells, repeat("__dict__"), values), 0)  # textutil.new_record, all at once
    return tuple(cells), "\n".join(map("\t".join, rows)) + "\n"


def _is_plain(blocks, is_para: list[bool]) -> bool:
    """No character that normalise_chars would change and no line break, tab or CR inside a cell,
    no CR in a paragraph: the texts can be laid out as they are (cells still lose outer spaces)."""
    para_text = "".join(map(_text, compress(blocks, is_para)))
    cell_text = "".join(chain.from_iterable(chain.from_iterable(map(_rows, compress(blocks, map(not_, is_para))))))
    return (
        "\r" not in para_text
        and _NEEDS.search(para_text) is None
        and _NEEDS.search(cell_text) is None
        and "\n" not in cell_text and "\t" not in cell_text and "\r" not in cell_text
    )


_rows = attrgetter("rows")
_new = object.__new__
_setattr = object.__setattr__


def source_to_text(src: Source) -> Text:
    return decoded_to_text(src.doc_id, source_to_decoded(src))
