"""Character-level helpers shared by the readers: width-preserving character normalisation and
joining of wrapped lines without inserting spaces between Chinese characters."""
from __future__ import annotations

import re
from collections.abc import Sequence
from operator import attrgetter, le
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.records import Text

# Full-width digits, letters and the signs that take part in numbers and comparisons become ASCII,
# one character for one, so offsets are unchanged. Chinese punctuation （）：，；。 is kept as printed:
# labels are matched with it.
_FULLWIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ．％＝＜＞＋－／"
_ASCII = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.%=<>+-/"
_TABLE = str.maketrans(_FULLWIDTH + "\u3000\u00a0\u2002\u2003\u2009\u202f", _ASCII + "      ")
# Characters with no width that converters leave behind; removed.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


# what normalise_chars changes; no match means it returns its input
NEEDS_NORMALISING = _NEEDS = re.compile("[" + re.escape(_FULLWIDTH) + "\u3000\u00a0\u2002\u2003\u2009\u202f\u200b\u200c\u200d\u2060\ufeff\u00ad]")


# each character normalise_chars changes -> what it becomes
CHAR_MAP = _MAP = {chr(k): (v if isinstance(v, str) else chr(v)) for k, v in _TABLE.items()}
_MAP.update({chr(k): "" for k in _ZERO_WIDTH})


def normalise_chars(s: str) -> str:
    # only the few characters that change are touched (str.translate looks up every character)
    return _NEEDS.sub(lambda m: _MAP[m.group()], s)


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def join_wrapped(parts) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Join wrapped lines into one string with anchors [(offset, source offset)].

    Each part is (text, source offset) or (text, anchors within the part).

    A space is put back only between two Latin letters ("annual" / "report"); Chinese characters and
    figures split across lines ("127.43" / "万元") are joined directly.
    """
    out: list[str] = []
    anchors: list[tuple[int, int]] = []
    n = 0
    for text, src in parts:
        if not text:
            continue
        if out and _is_ascii_word(out[-1][-1]) and _is_ascii_word(text[0]):
            out.append(" ")
            n += 1
        if isinstance(src, int):
            anchors.append((n, src))
        else:
            anchors.extend((n + off, at) for off, at in src)
        out.append(text)
        n += len(text)
    return "".join(out), tuple(anchors)


def new_record(cls, fields: dict):
    """An instance of a frozen dataclass made from its field values.

    The generated __init__ of a frozen dataclass sets each field through object.__setattr__
    (~0.3 µs a field); readers and normalise make hundreds of Para/Block/Cell per document. For a
    record without __post_init__ the instance is just its __dict__, so it is set in one go.
    `fields` must name every field, in order (tests/test_normalise.py checks the result equals
    cls(**fields) for each record built so).
    """
    obj = _new(cls)
    _setattr(obj, "__dict__", fields)
    return obj


_new = object.__new__
_setattr = object.__setattr__


# --- running text of a document: paragraphs and the table cells that hold sentences ----------------


_START = attrgetter("start")
_END = attrgetter("end")


def spans(text: Text):
    """(start, end, page) of running text: paragraphs, and table cells that hold sentences."""
    for b in text.blocks:
        if b.kind == "paragraph":
            yield b.start, b.end, b.page
        else:
            for c in b.cells:
                if len(c.text) > 12:
                    yield c.start, c.end, b.page


def spans_at(text: Text, positions: Sequence[int]) -> list[tuple[int, int, int | None]]:
    """The spans of `spans` that contain one of `positions`, in the same order: a scan of these
    finds what a scan of every span finds when a match must contain one of the positions."""
    import bisect

    if not positions:
        return []
    starts = list(map(_START, text.blocks))  # the blocks tile the text, in order
    hit: set[tuple[int, int]] = set()
    in_table: dict[int, list[int]] = {}  # table block -> its positions
    for p in positions:
        k = bisect.bisect_right(starts, p) - 1
        if k < 0:
            continue
        b = text.blocks[k]
        if not b.start <= p < b.end:
            continue
        if b.kind == "paragraph":
            hit.add((k, -1))
        else:
            in_table.setdefault(k, []).append(p)
    for k, ps in in_table.items():
        cells = text.blocks[k].cells
        starts = list(map(_START, cells))
        ends = list(map(_END, cells))
        if all(map(le, ends, starts[1:])):
            # cells in order and apart (as normalise lays them out): the one that may hold p is the
            # last starting at or before it
            for p in ps:
                j = bisect.bisect_right(starts, p) - 1
                if j >= 0 and p < ends[j] and len(cells[j].text) > 12:
                    hit.add((k, j))
            continue
        # otherwise one pass over the cells, not one per position
        ps.sort()
        for j, c in enumerate(cells):
            if len(c.text) > 12:
                x = bisect.bisect_left(ps, c.start)
                if x < len(ps) and ps[x] < c.end:
                    hit.add((k, j))
    out = []
    for k, j in sorted(hit):
        b = text.blocks[k]
        out.append((b.start, b.end, b.page) if j < 0 else (b.cells[j].start, b.cells[j].end, b.page))
    return out
