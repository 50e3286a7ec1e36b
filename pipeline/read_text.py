"""Plain-text reader: bytes -> paragraphs and tables, for the three layouts of DESIGN §1.

- hard-wrapped PDF text: short lines with blank lines between them; lines are joined back into
  paragraphs (no space between Chinese characters) and lone page numbers dropped;
- tab-cell tables: a row is a block of lines up to a blank line, each cell starts with a tab at the
  start of a line, a cell may continue on following lines without a tab;
- tab-separated rows: one row per line, cells separated by tabs.

Speed: a document has hundreds of lines, so the per-line work is kept to a few string methods.
The layout is decided by patterns over the whole text, the lines that hold noise markup are found by
one search over the whole text, and each layout has its own loop.
"""
from __future__ import annotations

import codecs
from bisect import bisect_left, bisect_right
import re
from functools import lru_cache
import string
from itertools import accumulate, chain, compress, repeat
from collections import deque
from operator import add, and_, is_not, itemgetter, mul, ne, not_, or_, sub

import regex

from pipeline.records import Decoded, DocumentError, Grid, Para
from pipeline.textutil import CHAR_MAP, join_wrapped
from schemas.vocab import heading_prefix, heading_style_pattern, text_noise

# Below this share of printable characters a decoded file is treated as binary, not text.
MIN_PRINTABLE = 0.95


def _decode_bytes(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Decode UTF-8 / UTF-16 (with BOM) / GB18030 (which covers GBK and GB2312), with warnings;
    whether the text is printable is `_scan`'s to check. A UTF-8 text cut in the middle of its
    last character (a truncated download) is read without that character."""
    if not data:
        raise DocumentError("empty", "the file has 0 bytes")
    for bom, enc, codec in ((codecs.BOM_UTF8, "utf-8-sig", "utf-8"), (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
                            (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be")):
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return body.decode(codec), ()
            except UnicodeDecodeError as e:
                cut = _cut_utf8(body, e) if codec == "utf-8" else None
                if cut is not None:
                    return cut
                raise DocumentError("bad_encoding", f"starts with a {enc} byte-order mark but does not decode: {e.reason}") from None
    if b"\x00" in data[:4096]:
        raise DocumentError("binary", "contains NUL bytes: not a text file (UTF-16 without a byte-order mark is not supported)")
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as e:
        cut = _cut_utf8(data, e)
        if cut is not None:
            return cut
    try:
        return data.decode("gb18030"), ()
    except UnicodeDecodeError:
        pass
    raise DocumentError("bad_encoding", "not valid UTF-8, GB18030/GBK or UTF-16 text: convert it to UTF-8 or check it is a text file")


def _cut_utf8(data: bytes, e: UnicodeDecodeError) -> tuple[str, tuple[str, ...]] | None:
    """The text without its last, incomplete UTF-8 character, when that is the only error."""
    if e.reason != "unexpected end of data" or e.end != len(data) or len(data) - e.start > 3:
        return None
    try:
        text = codecs.getincrementaldecoder(e.encoding)().decode(data[: e.start], final=True)
    except UnicodeDecodeError:
        return None
    warning = (f"truncated_text: the file ends in the middle of a UTF-8 character; "
               f"its last {len(data) - e.start} bytes are left out")
    return text, (warning,)


_UNPRINTABLE = regex.compile(r"[^\P{C}\t\n\r\ufeff\u200b-\u200d\u2060\u00ad]|[\p{Zl}\p{Zp}]")
# Characters that are printable in every Unicode version (ASCII, CJK punctuation, the original CJK
# ideographs, full-width forms, general punctuation): counting the rest is an upper bound on the
# unprintable ones, found at C speed by `re`; the exact count is only needed when that bound is high.
_SURELY_RANGES = ((0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0xFF), (0x2010, 0x2027),
                  (0x2030, 0x205E), (0x3000, 0x303F), (0x4E00, 0x9FA5), (0xFF01, 0xFF60))


def _char_class(ranges) -> str:
    return "".join(re.escape(chr(a)) if a == e else f"{re.escape(chr(a))}-{re.escape(chr(e))}" for a, e in ranges)


def _without(ranges, drop: set[int]) -> list[tuple[int, int]]:
    """The code point ranges less the code points in `drop`."""
    out = []
    for a, e in ranges:
        for c in sorted(c for c in drop if a <= c <= e):
            if a < c:
                out.append((a, c - 1))
            a = c + 1
        if a <= e:
            out.append((a, e))
    return out


_SURELY_PRINTABLE = re.compile("[^" + _char_class(_SURELY_RANGES) + "]")

# Every noise pattern (text_noise.toml) contains one of these characters; a test checks it.
NOISE_CHARS = "#<[*"
_NOISE_SET = frozenset(NOISE_CHARS)
# What decode looks at before it trusts a text: a character that is not surely printable, that
# normalise_chars changes, or that may start noise. One scan (split, at C speed) bounds the
# unprintable share, yields the characters to replace and where the noise characters are.
_NOT_PLAIN = re.compile("([^" + _char_class(_without(_SURELY_RANGES, set(map(ord, CHAR_MAP)) | set(map(ord, NOISE_CHARS)))) + "])")


def _scan(s: str) -> tuple[str, list[int]]:
    """(normalise_chars(_check_printable(s)), the offsets in it of NOISE_CHARS), in one scan of s
    for most texts."""
    parts = _NOT_PLAIN.split(s)
    found = parts[1::2]
    n = min(len(s), 20000)
    # every character of _check_printable's sample that is not surely printable is in `found`
    if n and (n - len(found)) / n < MIN_PRINTABLE:
        _check_printable(s)
    if not CHAR_MAP.keys().isdisjoint(found):
        found = list(map(CHAR_MAP.get, found, found))  # "＜" becomes "<", a noise character
        parts[1::2] = found
        s = "".join(parts)
    if _NOISE_SET.isdisjoint(found):
        return s, []
    # found[k] is parts[2k + 1], which starts where parts[:2k + 1] end (in the normalised text)
    ends = list(accumulate(map(len, parts)))
    return s, list(compress(ends[0::2], map(_NOISE_SET.__contains__, found)))


def _check_printable(s: str) -> str:
    sample = s[:20000]
    if sample:
        n = len(sample)
        if (n - len(_SURELY_PRINTABLE.findall(sample))) / n < MIN_PRINTABLE:
            ok = n - len(_UNPRINTABLE.findall(sample))
            if ok / n < MIN_PRINTABLE:
                raise DocumentError("binary", f"only {ok * 100 // n}% printable characters: not a text file")
    return s


def _layout(text: str, raws: list[str], stripped: list[str]) -> tuple[str, int, list[int]]:
    """(layout, wrap width: the 90th percentile of the non-blank lines' widths, for hard_wrapped;
    those widths, line by line). `stripped`: the lines stripped of white space."""
    lead_only = inner = 0
    if "\t" in text:
        with_tab = [r for r in raws if "\t" in r]
        # a tab and one cell ("\t部门名称", trailing tabs allowed)
        lead_only = len([r for r in with_tab if r[0] == "\t" and "\t" not in r[1:].rstrip("\t")])
        # a tab between two cells ("项目\t金额"; tabs and spaces at the ends do not count)
        inner = len([r for r in with_tab if "\t" in r.strip("\t ")])
    if inner > lead_only and inner >= 2:
        return "tab_rows", 0, []
    if lead_only >= 2:
        return "tab_cells", 0, []
    widths = _widths(list(filter(None, stripped)))
    if len(widths) >= 10:
        p90 = sorted(widths)[int(len(widths) * 0.9)]
        if p90 <= 90:
            return "hard_wrapped", p90, widths
    return "lines", 0, []


def _widths(texts: list[str]) -> list[int]:
    """Display width of each text: 2 for a Chinese character (3 bytes in UTF-8), 1 for ASCII,
    i.e. (bytes + characters) // 2. Hundreds of lines per document: all at once, C-level map."""
    n_bytes = map(len, map(str.encode, texts, repeat("utf-8"), repeat("surrogatepass")))
    return list(map((2).__rfloordiv__, map(add, n_bytes, map(len, texts))))


_MAYBE_NOISE = re.compile("[" + re.escape(NOISE_CHARS) + "]")


def _clean(text: str, src: int) -> tuple[str, bool, tuple[tuple[int, int], ...]]:
    """(cleaned text, marked as heading, anchors [(offset in cleaned, offset in source)]).

    Only for lines with one of NOISE_CHARS; the loops strip the other lines' spaces themselves."""
    noise = text_noise()
    heading = False
    m = noise.heading_marker.match(text)
    pos = 0
    if m:
        heading = True
        pos = m.end()
    kept: list[tuple[str, int]] = []  # pieces of the line that survive, with their source offset
    for n in noise.strip.finditer(text, pos):
        if n.start() > pos:
            kept.append((text[pos:n.start()], src + pos))
        pos = n.end()
    if pos < len(text):
        kept.append((text[pos:], src + pos))
    out: list[str] = []
    anchors: list[tuple[int, int]] = []
    n_out = 0
    for piece, at in kept:
        if not out:  # leading spaces go
            stripped = piece.lstrip(" \u3000\u00a0")
            at += len(piece) - len(stripped)
            piece = stripped
            if not piece:
                continue
        anchors.append((n_out, at))
        out.append(piece)
        n_out += len(piece)
    cleaned = "".join(out).rstrip(" \u3000\u00a0")
    if anchors and anchors[-1][0] >= len(cleaned):  # pieces of trailing spaces went with the strip
        anchors = [a for a in anchors if a[0] < len(cleaned)]
    return cleaned, heading, tuple(anchors)


@lru_cache(maxsize=1)
def _drop_line() -> regex.Pattern:
    # one alternation tries the drop_line patterns in order, as any(p.match ...) did (each is ^…$)
    return regex.compile("|".join(f"(?:{p.pattern})" for p in text_noise().drop_line))


# Called for every short line (thousands per document); short lines repeat a lot ("- 3 -", "合计",
# column labels), and a cache hit is cheaper than trying the drop_line alternation again.
@lru_cache(maxsize=8192)
def _is_drop_line(t: str) -> bool:
    return _drop_line().match(t) is not None


def _starts_heading(text: str) -> bool:
    return heading_prefix().match(text) is not None and heading_style_pattern()[0].match(text) is not None


def decode(data: bytes) -> Decoded:
    # characters are normalised once, for the whole text; source offsets refer to this text
    # (normalise_chars also turns U+3000 and U+00A0 into spaces, so lines only have " " to strip)
    decoded, warnings = _decode_bytes(data)
    s, noise_at = _scan(decoded)
    if not s or s.isspace():
        raise DocumentError("no_text", "the file contains only white space")
    lines = s.split("\n")
    # offset of each line's first character in s
    starts = list(accumulate(map((1).__add__, map(len, lines)), initial=0))
    if "\r" in s:
        raws = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
        text = "\n".join(raws)
    else:
        raws, text = lines, s
    stripped = list(map(str.strip, raws))
    layout, wrap_width, widths = _layout(text, raws, stripped)
    noisy = frozenset([bisect_right(starts, at) - 1 for at in noise_at])  # the lines with noise characters
    if layout == "hard_wrapped":
        blocks = _parse_wrapped(raws, starts, noisy, wrap_width, stripped, widths)
    elif layout == "tab_cells":
        blocks = _parse_tab_cells(raws, starts, noisy, stripped)
    elif layout == "tab_rows":
        blocks = _parse_tab_rows(raws, starts, noisy, stripped)
    else:
        blocks = _parse_lines(raws, starts, noisy, stripped)
    if not blocks:
        raise DocumentError("no_text", "no text left after removing page numbers and markup")
    # s is normalised and its lines hold no line break; a tab can only get into a cell of a
    # tab-cell table, and does not when every tab starts a line
    plain = "\r" not in s and (layout != "tab_cells" or s.count("\t") == s.count("\n\t") + s.startswith("\t"))
    return Decoded(blocks=tuple(blocks), n_pages=None, warnings=warnings, plain=plain)


def _cell(raw: str, src: int, noisy: bool) -> tuple[str, int]:
    """A table cell cleaned: (text, source offset of its first character)."""
    if noisy and _MAYBE_NOISE.search(raw):
        text, _, anchors = _clean(raw, src)
        return text, anchors[0][1] if anchors else src
    stripped = raw.lstrip(" ")
    return stripped.rstrip(" "), src + len(raw) - len(stripped) if stripped else src


def _parse_lines(raws: list[str], starts: list[int], noisy: frozenset[int], stripped: list[str]) -> list[Para | Grid]:
    """Every non-blank line is a paragraph."""
    return list(filter(None, _line_paras(raws, starts, noisy, list(compress(range(len(raws)), stripped)))[3]))


def _lines(raws: list[str], starts: list[int], noisy: frozenset[int], idx: list[int]) -> tuple[list[str], list[bool], list[tuple]]:
    """The non-blank lines raws[i] for i in idx (ascending) cleaned, all at once: their texts, marked
    as heading, anchors."""
    lines = list(map(raws.__getitem__, idx))
    lstripped = list(map(str.lstrip, lines, repeat(" ")))
    texts = list(map(str.rstrip, lstripped, repeat(" ")))
    # a line's source offset: its start plus the spaces stripped in front; its anchors ((0, src),)
    srcs = map(sub, map(add, map(starts.__getitem__, idx), map(len, lines)), map(len, lstripped))
    anchors = list(zip(zip(repeat(0), srcs)))
    heads = [False] * len(idx)
    for i in sorted(noisy):  # few: each found by bisection
        k = bisect_left(idx, i)
        if k < len(idx) and idx[k] == i:
            texts[k], heads[k], anchors[k] = _clean(lines[k], starts[i])
    return texts, heads, anchors


def _line_paras(raws: list[str], starts: list[int], noisy: frozenset[int], idx: list[int]) -> tuple[list[str], list[bool], list[tuple], list[Para | None]]:
    """_lines, and each line's paragraph: None for a line cleaned to nothing or a page number."""
    texts, heads, anchors = _lines(raws, starts, noisy, idx)
    values = [{"text": t, "page": None, "heading": h, "anchors": x} for t, h, x in zip(texts, heads, anchors)]
    paras: list = list(map(_new, repeat(Para, len(values))))
    deque(map(_setattr, paras, repeat("__dict__"), values), 0)  # textutil.new_record, all at once
    # only a short line (16 characters at most, stripped) can be a page number
    for k in compress(range(len(texts)), map((17).__gt__, map(len, map(str.strip, texts)))):
        if not texts[k] or _is_drop_line(texts[k].strip()):
            paras[k] = None
    return texts, heads, anchors, paras


def _parse_wrapped(raws: list[str], starts: list[int], noisy: frozenset[int], wrap_width: int, stripped: list[str], widths: list[int]) -> list[Para | Grid]:
    """Hard-wrapped lines joined into paragraphs; blank lines mean nothing (converters put them
    between all lines). A paragraph ends after a line that is not full, before a heading and
    around a marked heading.

    `stripped`: the lines stripped; `widths`: the display widths of the non-blank ones (both from
    _layout). Hundreds of lines per document: each step is done for all lines at once with
    C-level map/compress (strip, width, the tests, the joins), Python only goes through the few
    paragraphs with markup or with Latin letters across a line break."""
    keep = list(compress(range(len(raws)), stripped))  # the non-blank lines
    lines = list(map(raws.__getitem__, keep))
    lstripped = list(map(str.lstrip, lines, repeat(" ")))
    texts = list(map(str.rstrip, lstripped, repeat(" ")))
    # source offset of each text: the line's start plus the spaces stripped in front
    srcs = list(map(sub, map(add, map(starts.__getitem__, keep), map(len, lines)), map(len, lstripped)))
    anchors: list = [None] * len(texts)  # None: ((0, src),), the anchors of a line without noise
    heads = [False] * len(texts)  # marked as a heading (markdown #)
    # the widths _layout measured are those of the lines stripped of all white space: only lines
    # that lose something else than spaces at their ends (or that are cleaned below) are measured again
    other = list(compress(range(len(texts)), map(ne, texts, filter(None, stripped))))
    if noisy:
        # few lines are noisy: find each among the kept lines (sorted) by bisection, rather than
        # testing every kept line for membership in `noisy`
        for i in sorted(noisy):
            k = bisect_left(keep, i)
            if k < len(keep) and keep[k] == i:  # a noisy blank line is not kept
                texts[k], heads[k], anchors[k] = _clean(lines[k], starts[i])
                other.append(k)
    if other:
        widths = widths.copy()
        for k, w in zip(other, _widths(list(map(texts.__getitem__, other)))):
            widths[k] = w
    # lines cleaned to nothing and page numbers are dropped (only a short line, 16 characters at
    # most once stripped, can be a page number)
    drop = [k for k in compress(range(len(texts)), map((17).__gt__, map(len, map(str.strip, texts))))
            if not texts[k] or _is_drop_line(texts[k].strip())]
    if drop:
        kept = [True] * len(texts)
        for k in drop:
            kept[k] = False
        texts, srcs, anchors, heads, widths = (list(compress(col, kept)) for col in (texts, srcs, anchors, heads, widths))
    n = len(texts)
    if not n:
        return []
    # _is_full: a line that reaches (nearly) the wrap width continues on the next line, unless it
    # is short of it and ends a sentence; a paragraph starts at line k after a line that is not full
    full_at = wrap_width * 0.8
    short_at = wrap_width - 2
    not_full = list(map(or_, map(full_at.__gt__, widths), map(and_, map(short_at.__gt__, widths), map(str.endswith, texts, repeat(_SENTENCE_ENDS)))))
    is_break = [True] + not_full  # is_break[k]: a paragraph starts at line k
    is_break[n] = True
    if any(heads):  # at a heading and after a marked one
        for k in compress(range(n), heads):
            is_break[k] = is_break[k + 1] = True
    # ... and at a line that starts like a heading
    prefix = heading_prefix().match
    style = heading_style_pattern()[0].match
    maybe = list(compress(range(n), map(not_, is_break)))
    for k in compress(maybe, map(prefix, map(texts.__getitem__, maybe))):
        if style(texts[k]):
            is_break[k] = True
    bounds = list(compress(range(n + 1), is_break))  # paragraph k: lines bounds[k] .. bounds[k + 1]
    los, his = bounds[:-1], bounds[1:]
    # the paragraphs all at once: the texts joined, each line's offset in its paragraph
    lens = list(map(len, texts))
    cum = list(accumulate(lens, initial=0))
    joined = "".join(texts)
    para_texts = list(map(joined.__getitem__, map(slice, map(cum.__getitem__, los), map(cum.__getitem__, his))))
    firsts = list(chain.from_iterable(map(repeat, map(cum.__getitem__, los), map(sub, his, los))))
    pairs = list(zip(map(sub, cum, firsts), srcs))
    para_anchors = list(map(tuple, map(pairs.__getitem__, map(slice, los, his))))
    para_heads = list(map(any, map(heads.__getitem__, map(slice, los, his)))) if any(heads) else [False] * len(los)
    # join_wrapped's way for a paragraph with markup (anchors of its own) or a Latin letter on both
    # sides of a line break (a space goes between)
    slow = {bisect_right(bounds, k) - 1 for k in compress(range(n), map(is_not, anchors, repeat(None)))}
    ends = map(_ASCII_LETTERS.__contains__, map(itemgetter(-1), texts))
    starts_latin = map(_ASCII_LETTERS.__contains__, map(itemgetter(0), texts[1:]))
    for k in compress(range(n - 1), map(and_, ends, starts_latin)):
        if not is_break[k + 1]:
            slow.add(bisect_right(bounds, k) - 1)
    for j in slow:
        a, e = los[j], his[j]
        if e - a == 1:
            para_anchors[j] = anchors[a]
        else:
            para_texts[j], para_anchors[j] = join_wrapped([(t, s if x is None else x) for t, s, x in zip(texts[a:e], srcs[a:e], anchors[a:e])])
    values = [{"text": t, "page": None, "heading": h, "anchors": x} for t, h, x in zip(para_texts, para_heads, para_anchors)]
    blocks = list(map(_new, repeat(Para, len(values))))
    deque(map(_setattr, blocks, repeat("__dict__"), values), 0)  # textutil.new_record, all at once
    return blocks


_SENTENCE_ENDS = ("。", "！", "？", "：")
_ASCII_LETTERS = frozenset(string.ascii_letters)


# A tab-cell row in the line kinds (T: starts with a tab, B: blank, O: other): cell lines, each
# maybe continued by lines without a tab, up to a blank line.
_TAB_CELL_ROW = re.compile(r"T[TO]*")


def _parse_tab_cells(raws: list[str], starts: list[int], noisy: frozenset[int], stripped: list[str]) -> list[Para | Grid]:
    """Cells start with a tab; a blank line ends a row (not the table); a line without a tab right
    after a cell continues that cell; other lines are paragraphs (and end the table).

    The lines' kinds are one string ("TTBTTOB…") in which a pattern finds the rows; the cells of
    all lines are stripped at once, the other lines cleaned at once (C-level map)."""
    tab = list(map(str.startswith, raws, repeat("\t")))
    kinds = "".join(map("OBTT".__getitem__, map(add, map(add, tab, tab), map(not_, stripped))))
    cell_at = list(compress(range(len(raws)), tab))
    parts = list(map(_after_tab, map(raws.__getitem__, cell_at)))
    lstripped = list(map(str.lstrip, parts, repeat(" ")))
    texts = list(map(str.rstrip, lstripped, repeat(" ")))
    # the source offset of a cell: after the tab and the spaces in front (a cell of spaces: after the
    # tab, the spaces count times False)
    skipped = map(mul, map(sub, map(len, parts), map(len, lstripped)), map(bool, lstripped))
    srcs = list(map(add, map((1).__add__, map(starts.__getitem__, cell_at)), skipped))
    for i in sorted(noisy):  # few: each found among the cell lines by bisection
        k = bisect_left(cell_at, i)
        if k < len(cell_at) and cell_at[k] == i:
            texts[k], srcs[k] = _cell(parts[k], starts[i] + 1, True)
    texts, srcs = tuple(texts), tuple(srcs)  # a row is a slice of them
    # the other lines: paragraphs between rows, continued cells inside them
    other_at = list(compress(range(len(raws)), map("O".__eq__, kinds)))
    o_texts, _, o_anchors, o_paras = _line_paras(raws, starts, noisy, other_at)
    blocks: list[Para | Grid] = []
    rows_t: list[tuple[str, ...]] = []
    rows_s: list[tuple[int, ...]] = []
    k = 0  # the next cell line
    done = 0  # lines before this are laid out
    for m in _TAB_CELL_ROW.finditer(kinds + "B"):
        a, e = m.span()
        if "O" in kinds[done:a]:  # a paragraph between rows ends the table
            if rows_t:
                blocks.append(Grid(rows=tuple(rows_t), src=tuple(rows_s)))
                rows_t.clear()
                rows_s.clear()
            blocks.extend(filter(None, o_paras[bisect_left(other_at, done):bisect_left(other_at, a)]))
        if "O" not in kinds[a:e]:
            rows_t.append(texts[k:k + e - a])
            rows_s.append(srcs[k:k + e - a])
            k += e - a
        else:  # lines without a tab continue the cell above them
            row_t: list[str] = []
            row_s: list[int] = []
            for i in range(a, e):
                if kinds[i] == "T":
                    row_t.append(texts[k])
                    row_s.append(srcs[k])
                    k += 1
                else:
                    j = bisect_left(other_at, i)
                    row_t[-1], _ = join_wrapped([(row_t[-1], row_s[-1]), (o_texts[j], o_anchors[j])])
            rows_t.append(tuple(row_t))
            rows_s.append(tuple(row_s))
        done = e
    if rows_t:
        blocks.append(Grid(rows=tuple(rows_t), src=tuple(rows_s)))
    blocks.extend(filter(None, o_paras[bisect_left(other_at, done):]))
    return blocks


def _parse_tab_rows(raws: list[str], starts: list[int], noisy: frozenset[int], stripped: list[str]) -> list[Para | Grid]:
    """A line with a tab is a table row; a blank line ends the table; other lines are paragraphs.

    As in _parse_tab_cells, the lines' kinds are one string in which a pattern finds the tables;
    the cells of all rows are split and stripped at once, the other lines cleaned at once."""
    has_tab = list(map(str.__contains__, raws, repeat("\t")))
    kinds = "".join(map("OBTT".__getitem__, map(add, map(add, has_tab, has_tab), map(not_, stripped))))
    row_at = list(compress(range(len(raws)), has_tab))
    lines = list(map(raws.__getitem__, row_at))
    # all cells in one list: the rows joined by a tab split where each row splits
    parts = "\t".join(lines).split("\t")
    widths = list(map((1).__add__, map(str.count, lines, repeat("\t"))))
    ends = list(accumulate(widths))
    # each part starts one character (the tab) after the previous one ends, and a row's first part at
    # the row's start: the offsets in the joined rows, moved to the source row by row
    at = accumulate(map((1).__add__, map(len, parts)), initial=0)
    shift = map(sub, map(starts.__getitem__, row_at), accumulate(map((1).__add__, map(len, lines)), initial=0))
    part_src = list(map(add, at, chain.from_iterable(map(repeat, shift, widths))))
    # a cell's source offset is its part's start plus the spaces stripped in front; a cell of spaces
    # keeps its part's start (the spaces count times False)
    lstripped = list(map(str.lstrip, parts, repeat(" ")))
    skipped = map(mul, map(sub, map(len, parts), map(len, lstripped)), map(bool, lstripped))
    texts = tuple(map(str.rstrip, lstripped, repeat(" ")))  # tuples: a row is a slice of them
    srcs = tuple(map(add, part_src, skipped))
    bounds = list(map(slice, [0] + ends[:-1], ends))
    rows_t = list(map(texts.__getitem__, bounds))
    rows_s = list(map(srcs.__getitem__, bounds))
    for i in sorted(noisy):
        r = bisect_left(row_at, i)
        if r < len(row_at) and row_at[r] == i:
            cells = list(map(_cell, parts[bounds[r]], part_src[bounds[r]], repeat(True)))
            rows_t[r], rows_s[r] = tuple(map(_first, cells)), tuple(map(_second, cells))
    other_at = list(compress(range(len(raws)), map("O".__eq__, kinds)))
    o_paras = _line_paras(raws, starts, noisy, other_at)[3]
    blocks: list[Para | Grid] = []
    done = 0  # lines before this are laid out
    r = 0  # the next row
    for m in _TAB_ROWS.finditer(kinds):
        a, e = m.span()
        blocks.extend(filter(None, o_paras[bisect_left(other_at, done):bisect_left(other_at, a)]))
        blocks.append(Grid(rows=tuple(rows_t[r:r + e - a]), src=tuple(rows_s[r:r + e - a])))
        r += e - a
        done = e
    blocks.extend(filter(None, o_paras[bisect_left(other_at, done):]))
    return blocks


# A table in the line kinds of tab-separated rows (T: has a tab, B: blank, O: other).
_TAB_ROWS = re.compile("T+")


_after_tab = itemgetter(slice(1, None))
_first = itemgetter(0)
_second = itemgetter(1)
_new = object.__new__
_setattr = object.__setattr__
