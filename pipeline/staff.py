"""staff: staff counts (编制人数, 实有人数 … in 人/名) in prose ("部门编制人数 23 名") and in tables (a
编制人数 cell, the count to its right or below it), as facts."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

import regex

from extractors import money, units
from pipeline.labels import LabelMatch, match_label, vocab
from pipeline.records import PROSE, TABLE, Fact, Metadata, Text, fact
from pipeline.table_view import TableView, table_context
from pipeline.textutil import spans_at


# --- staff counts --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def staff_re() -> regex.Pattern:
    units_alt = "|".join(regex.escape(u) for u in vocab().staff_units)
    return regex.compile(
        rf"""
        (?<![\d.])
        (?P<number>\d{{1,6}})
        \s*
        (?P<unit>{units_alt})
        (?!次|民|员|大|口|均)          # 人次, 人民, 人员, 人大, 人口, 人均 are not counts of staff
        """,
        regex.VERBOSE,
    )


_STAFF_LINK = regex.compile(r"(?:共有|共计|合计|总计|共|为|有|达|是)\s*$")
_CLAUSE_DELIMS = "，,。；;！？!?\n\t"
# one of _CLAUSE_DELIMS, searched backwards: .search(text, lo, pos) finds the last before pos
_CLAUSE_BREAK = regex.compile("[" + regex.escape(_CLAUSE_DELIMS) + "]", regex.REVERSE)


def staff_anchors(text: str) -> list[int]:
    """Positions of a staff unit right after a digit or a space: every staff count (`staff_re`:
    digits, spaces, unit) has one, so a span without one holds no count. (str.find over the whole
    text: a pattern starting with a digit class is slow, and even `人|名` scans at a few MB/s;
    splitting the text on the unit and testing the pieces' last characters was no faster.)"""
    out = []
    find = text.find
    for u in vocab().staff_units:
        i = find(u)
        while i >= 0:
            if i:
                ch = text[i - 1]
                # most units follow a CJK ideograph (人员, 人民), never a digit or a space (tested)
                if not CJK_LO <= ch <= CJK_HI and (ch.isdigit() or ch.isspace()):  # wider than \d, \s
                    out.append(i)
            i = find(u, i + 1)
    return out


CJK_LO, CJK_HI = "\u4e00", "\u9fff"  # CJK Unified Ideographs


def staff_prose(text: Text, meta: Metadata) -> list[Fact]:
    out = []
    for lo, hi, page in spans_at(text, staff_anchors(text.text)):
        for m in staff_re().finditer(text.text, lo, hi):
            # the last delimiter before the count, no further back than money's max_lookback: linear
            look = money.vocab().max_lookback
            back = max(lo, m.start() - look)
            d = _CLAUSE_BREAK.search(text.text, back, m.start())
            i = d.end() if d else back
            label = _STAFF_LINK.sub("", text.text[i:m.start()].strip())
            lm = match_label(label)
            if lm is None or vocab().keys[lm.key].unit != "人":
                continue
            k = text.text.rfind("。", max(lo, i - look), i)
            j = k + 1 if k >= 0 else max(lo, i - look)
            count = Decimal(m["number"])
            out.append(fact(
                key=lm.key, value=count, unit="人", measure=None, year=meta.fiscal_year,
                amount_id=None, start=m.start("number"), end=m.end(), page=page,
                evidence=text.text[j:min(hi, m.end() + 20)].replace("\n", " "), origin=PROSE, tier=lm.tier,
                half_ulp=units.half_last_digit(count),
            ))
    return out


_COUNT = regex.compile(r"^(?P<number>\d{1,6})\s*(?:人|名)?$")


def anchor_chars(names: Sequence[str], common: str = "") -> str:
    """Characters such that every name contains one (a greedy cover: characters rarest in `common`
    first, then those in most names). A label that names a key contains every character of
    one of its synonyms' `canon` (cleaning only drops characters and makes ASCII parentheses
    full-width), so it contains one of these."""
    left = [n.replace("（", "").replace("）", "") for n in names]
    out = ""
    while left:
        counts: dict[str, int] = {}
        for n in left:
            for ch in set(n):
                counts[ch] = counts.get(ch, 0) + 1
        best = min(counts, key=lambda ch: (common.count(ch), -counts[ch], ch))
        out += best
        left = [n for n in left if best not in n]
    return out


@lru_cache(maxsize=1)
def staff_label_anchor() -> regex.Pattern:
    """One of the characters every synonym of a staff key has (see `anchor_chars`), preferring
    characters the money keys, filler words and staff units do not use (人 of 人员经费 and of "23人"
    is in most tables)."""
    return regex.compile("[" + regex.escape(_staff_label_chars()) + "]")


@lru_cache(maxsize=1)
def _staff_label_chars() -> str:
    """The characters of `staff_label_anchor` (found by str.find: a character class scans slowly)."""
    v = vocab()
    staff = [s.canon for s in v.synonyms if v.keys[s.key].unit == "人"]
    common = "".join(s.canon for s in v.synonyms if v.keys[s.key].unit != "人") + "".join(
        sorted(v.after | v.total_words | v.value_words)) + "".join(v.staff_units)
    return anchor_chars(staff, common)


@lru_cache(maxsize=1 << 16)
def _staff_label(text: str) -> LabelMatch | None:
    """The staff key a table cell names (not a count itself), or None."""
    lm = match_label(text) if text and not _COUNT.match(text) else None
    return lm if lm is not None and vocab().keys[lm.key].unit == "人" else None


def staff_tables(tables: Sequence[TableView], meta: Metadata) -> list[Fact]:
    import bisect
    from itertools import accumulate

    out = []
    chars = _staff_label_chars()
    for t in tables:
        # only cells with an anchor character can name a staff key: find them in the joined texts
        cells = t.block.cells
        texts = t.texts
        joined = "".join(texts)
        at = []
        for ch in chars:
            k = joined.find(ch)
            while k >= 0:
                at.append(k)
                k = joined.find(ch, k + 1)
        if not at:
            continue
        ends = list(accumulate(map(len, texts)))
        named = set()
        for k in at:
            c = cells[bisect.bisect_right(ends, k)]
            if _staff_label(c.text) is not None:
                row = t.grid[c.row]
                named.add((c.row, next(i for i, x in enumerate(row) if x is c)))
        for r, i in sorted(named):  # in reading order, as a scan of every cell would find them
            row = t.grid[r]
            c = row[i]
            lm = _staff_label(c.text)
            right = next((x for x in row[i + 1:] if x.text), None)
            below = t.grid[r + 1][i] if r + 1 < len(t.grid) and i < len(t.grid[r + 1]) else None
            for cell in (right, below):
                if cell is not None and _COUNT.match(cell.text):
                    count = Decimal(_COUNT.match(cell.text)["number"])
                    out.append(fact(
                        key=lm.key, value=count, unit="人", measure=None,
                        year=meta.fiscal_year, amount_id=None, start=cell.start, end=cell.end, page=t.block.page,
                        evidence=table_context(t, c.text, [], cell), origin=TABLE, tier=lm.tier,
                        half_ulp=units.half_last_digit(count),
                    ))
                    break
    return out
