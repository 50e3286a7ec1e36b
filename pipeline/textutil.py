"""Character-level helpers shared by the readers: width-preserving character normalisation and
joining of wrapped lines without inserting spaces between Chinese characters."""
from __future__ import annotations

import re

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
