"""Plain-text reader: bytes -> paragraphs and tables, for the three layouts of DESIGN §1.

- hard-wrapped PDF text: short lines with blank lines between them; lines are joined back into
  paragraphs (no space between Chinese characters) and lone page numbers dropped;
- tab-cell tables: a row is a block of lines up to a blank line, each cell starts with a tab at the
  start of a line, a cell may continue on following lines without a tab;
- tab-separated rows: one row per line, cells separated by tabs.
"""
from __future__ import annotations

import codecs
from typing import NamedTuple

import regex

from pipeline.records import Decoded, DocumentError, Grid, Para
from pipeline.textutil import join_wrapped, normalise_chars
from schemas.vocab import heading_prefix, heading_styles, text_noise

# Below this share of printable characters a decoded file is treated as binary, not text.
MIN_PRINTABLE = 0.95


def bytes_to_str(data: bytes) -> str:
    """Decode UTF-8 / UTF-16 (with BOM) / GB18030 (which covers GBK and GB2312)."""
    if not data:
        raise DocumentError("empty", "the file has 0 bytes")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _check_printable(data.decode(enc))
            except UnicodeDecodeError as e:
                raise DocumentError("bad_encoding", f"starts with a {enc} byte-order mark but does not decode: {e.reason}") from None
    if b"\x00" in data[:4096]:
        raise DocumentError("binary", "contains NUL bytes: not a text file (UTF-16 without a byte-order mark is not supported)")
    for enc in ("utf-8", "gb18030"):
        try:
            return _check_printable(data.decode(enc))
        except UnicodeDecodeError:
            continue
    raise DocumentError("bad_encoding", "not valid UTF-8, GB18030/GBK or UTF-16 text: convert it to UTF-8 or check it is a text file")


_UNPRINTABLE = regex.compile(r"[^\P{C}\t\n\r\ufeff\u200b-\u200d\u2060\u00ad]|[\p{Zl}\p{Zp}]")


def _check_printable(s: str) -> str:
    sample = s[:20000]
    if sample:
        ok = len(sample) - len(_UNPRINTABLE.findall(sample))
        if ok / len(sample) < MIN_PRINTABLE:
            raise DocumentError("binary", f"only {ok * 100 // len(sample)}% printable characters: not a text file")
    return s


class _Line(NamedTuple):
    raw: str  # as in the source, without the line break
    src: int  # offset of its first character in the decoded source


def _lines(s: str) -> list[_Line]:
    out = []
    pos = 0
    for raw in s.split("\n"):
        out.append(_Line(raw[:-1] if raw.endswith("\r") else raw, pos))
        pos += len(raw) + 1
    return out


def _layout(lines: list[_Line]) -> str:
    lead_only = sum(1 for ln in lines if ln.raw.startswith("\t") and "\t" not in ln.raw[1:].rstrip("\t"))
    inner = sum(1 for ln in lines if "\t" in ln.raw.strip("\t "))
    if inner > lead_only and inner >= 2:
        return "tab_rows"
    if lead_only >= 2:
        return "tab_cells"
    nonblank = [ln for ln in lines if ln.raw.strip()]
    if len(nonblank) >= 10:
        widths = sorted(_width(ln.raw.strip()) for ln in nonblank)
        p90 = widths[int(len(widths) * 0.9)]
        if p90 <= 90:
            return "hard_wrapped"
    return "lines"


def _width(s: str) -> int:
    """Display width: 2 for a Chinese character (3 bytes in UTF-8), 1 for ASCII."""
    return (len(s.encode("utf-8", "surrogatepass")) + len(s)) // 2


# Every noise pattern (text_noise.toml) contains one of these characters; a test checks it.
NOISE_CHARS = "#<[*"
_MAYBE_NOISE = regex.compile("[" + regex.escape(NOISE_CHARS) + "]")


def _clean(text: str, src: int) -> tuple[str, bool, tuple[tuple[int, int], ...]]:
    """(cleaned text, marked as heading, anchors [(offset in cleaned, offset in source)])."""
    if not _MAYBE_NOISE.search(text):  # most lines: nothing to strip but spaces
        stripped = text.lstrip(" \u3000\u00a0")
        return stripped.rstrip(" \u3000\u00a0"), False, ((0, src + len(text) - len(stripped)),) if stripped else ()
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
    return cleaned, heading, tuple(anchors)


def _is_page_number(text: str) -> bool:
    t = text.strip()
    return len(t) <= 16 and any(p.match(t) for p in text_noise().drop_line)


def _starts_heading(text: str) -> bool:
    return bool(heading_prefix().match(text)) and any(st.pattern.match(text) for st in heading_styles())


def decode(data: bytes) -> Decoded:
    # characters are normalised once, for the whole text; source offsets refer to this text
    s = normalise_chars(bytes_to_str(data))
    if not s.strip():
        raise DocumentError("no_text", "the file contains only white space")
    lines = _lines(s)
    layout = _layout(lines)
    blocks = _parse(lines, layout)
    if not blocks:
        raise DocumentError("no_text", "no text left after removing page numbers and markup")
    return Decoded(blocks=tuple(blocks), n_pages=None, warnings=())


def _parse(lines: list[_Line], layout: str) -> list[Para | Grid]:
    blocks: list[Para | Grid] = []
    para: list[tuple[str, tuple]] = []  # pending hard-wrapped lines (text, anchors)
    para_heading = False
    rows: list[list[tuple[str, int]]] = []  # pending table rows of (cell text, src)
    row: list[tuple[str, int]] | None = None  # tab-cell row being read
    wrap_width = _wrap_width(lines) if layout == "hard_wrapped" else 0

    def flush_para():
        nonlocal para, para_heading
        if para:
            text, anchors = join_wrapped(para)
            if text:
                blocks.append(Para(text=text, heading=para_heading, anchors=anchors))
        para, para_heading = [], False

    def flush_table():
        nonlocal rows, row
        if row is not None:
            rows.append(row)
            row = None
        if rows:
            blocks.append(_grid(rows))
        rows = []

    for ln in lines:
        raw = ln.raw
        if layout == "tab_rows" and "\t" in raw.strip(" "):
            flush_para()
            cells, src = [], []
            pos = ln.src
            for part in raw.split("\t"):
                text, _, anchors = _clean(part, pos)
                cells.append((text, anchors[0][1] if anchors else pos))
                pos += len(part) + 1
            rows.append(cells)
            continue
        if layout == "tab_cells" and raw.startswith("\t"):
            flush_para()
            if row is None:
                row = []
            text, _, anchors = _clean(raw[1:], ln.src + 1)
            row.append((text, anchors[0][1] if anchors else ln.src + 1))
            continue
        if not raw.strip():
            if row is not None:  # a blank line ends a tab-cell row, not the table
                rows.append(row)
                row = None
            elif layout == "tab_rows":
                flush_table()
            if layout != "hard_wrapped":
                flush_para()
            continue
        text, heading, anchors = _clean(raw, ln.src)
        if row is not None and layout == "tab_cells":
            # a line without a tab right after a cell continues that cell
            last_text, last_src = row[-1]
            joined, _ = join_wrapped([(last_text, last_src), (text, anchors)])
            row[-1] = (joined, last_src)
            continue
        flush_table()
        if not text or _is_page_number(text):
            continue
        if layout == "hard_wrapped":
            if para and (heading or _starts_heading(text) or not _is_full(para[-1][0], wrap_width)):
                flush_para()
            para.append((text, anchors))
            para_heading = para_heading or heading
            if heading:
                flush_para()
        else:
            flush_para()
            para.append((text, anchors))
            para_heading = heading
            flush_para()
    flush_table()
    flush_para()
    return blocks


def _wrap_width(lines: list[_Line]) -> int:
    widths = sorted(_width(ln.raw.strip()) for ln in lines if ln.raw.strip())
    return widths[int(len(widths) * 0.9)] if widths else 0


def _is_full(text: str, wrap_width: int) -> bool:
    """A hard-wrapped line that reaches (nearly) the wrap width continues on the next line."""
    if text.endswith(("。", "！", "？", "：")) and _width(text) < wrap_width - 2:
        return False
    return _width(text) >= wrap_width * 0.8


def _grid(rows: list[list[tuple[str, int]]]) -> Grid:
    texts = tuple(tuple(t for t, _ in r) for r in rows)
    src = tuple(tuple(s for _, s in r) for r in rows)
    return Grid(rows=texts, src=src)
