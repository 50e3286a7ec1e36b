"""segment: Text -> Sections (a heading tree with offsets). Heading styles are data: schemas/headings.toml."""
from __future__ import annotations

import bisect
import re
from functools import lru_cache
from collections import deque
from itertools import compress, count, repeat
from operator import attrgetter, itemgetter

import regex

from pipeline.records import Section, Text
from schemas.vocab import heading_prefix, heading_style_pattern, heading_styles, max_title_with_stop

_SPACES = regex.compile(r"\s+")
_SENTENCE_PUNCT = re.compile(r"[，,。；;：:]")  # literal characters: `re` is exact and faster
MARKED_RANK = 0  # a heading the format itself marks (markdown ##, a DOCX heading style)


def _candidate(line: str):
    """(style, number, title, passes the title rules) for a paragraph that starts like a heading."""
    line = line.strip()
    if not heading_prefix().match(line):
        return None
    return _styled(line)


# A pure function of the line: headings and the template sentences that start like one ("2024 年，…",
# "一是…") repeat across a department's reports, and a worker reads many. The result holds only
# immutable values (a HeadingStyle, strings, a bool), so sharing it between documents is safe.
@lru_cache(maxsize=8192)
def _styled(line: str):
    """_candidate for a stripped line that passed heading_prefix."""
    pattern, groups = heading_style_pattern()
    m = pattern.match(line)
    if m is None:
        return None
    spans = m.regs
    k = 0
    while spans[groups[k]][0] < 0:  # the first style whose group took part
        k += 1
    st = heading_styles()[k]
    title = m["title"].strip()
    ok = len(title) <= st.max_title and (st.inner_punct or not _SENTENCE_PUNCT.search(title[:-1]))
    number = m["number"]
    if not number.isprintable() or " " in number:  # isprintable() is False for all white space but " "
        number = _SPACES.sub("", number)
    return st, number, title, ok


def match_heading(line: str) -> tuple[int, str, str] | None:
    """(style rank, number, title) if a paragraph, taken alone, is a numbered heading."""
    c = _candidate(line)
    if c is None or not c[3]:
        return None
    st, number, title, _ = c
    if title.endswith(("。", ".")) and len(title) > max_title_with_stop():
        return None
    return st.rank, number, title


def _list_items(cands: list) -> set[int]:
    """Indexes of candidates that are items of a numbered list, not headings.

    Siblings of one style (no outer heading between them) are judged together: when fewer than
    half of them read as headings, they are a list ("1.受主任会议的委托，…。", "2.负责…。", …) and
    even the short ones ("13.负责县人大常委会机关的接待工作。") are list items.
    """
    runs: list[list[int]] = []
    open_runs: dict[int, list[int]] = {}  # rank -> run
    last = None  # the rank of the candidate before: no open run has a higher rank
    for i, (st, _n, _t, _ok, _b) in enumerate(cands):
        rank = st.rank
        if last is not None and rank < last:
            for r in [r for r in open_runs if r > rank]:
                del open_runs[r]  # an outer heading closes the lists inside it
        last = rank
        run = open_runs.get(rank)
        if run is None:
            run = open_runs[rank] = []
            runs.append(run)
        run.append(i)
    out: set[int] = set()
    for run in runs:
        if len([i for i in run if cands[i][3]]) * 2 < len(run):
            out.update(run)
    return out


def text_to_sections(text: Text) -> list[Section]:
    found: list[tuple[int, str, str, int, int | None]] = []  # rank, number, title, start, page
    blocks = text.blocks
    cands = []
    marked = []
    s = text.text
    # heading_prefix over all the paragraphs, in the text itself, in a C-level map: most paragraphs
    # are no heading and stop there; only those that start like one are cut out (stripped: the
    # prefix allows white space in front) and go through Python
    is_para = list(map("paragraph".__eq__, map(_kind, blocks)))
    at = list(compress(range(len(blocks)), is_para))
    paras = list(compress(blocks, is_para))
    styled = set()
    for k in compress(range(len(paras)), map(heading_prefix().match, repeat(s), map(_start, paras), map(_end, paras))):
        b = paras[k]
        c = _styled(s[b.start:b.end].strip())
        if c:
            styled.add(k)
            cands.append((*c, at[k]))
    for k in compress(range(len(paras)), map(_heading, paras)):
        if k not in styled:
            b = paras[k]
            marked.append((MARKED_RANK, "", s[b.start:b.end].strip(), b.start, b.page))
    items = _list_items(cands)
    for k, (st, number, title, ok, i) in enumerate(cands):
        if not ok or k in items:
            continue
        b = blocks[i]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if not title and nxt is not None and nxt.kind == "paragraph":
            # "附件 1" on its own line: the next short line is its title
            candidate = text.text[nxt.start:nxt.end].strip()
            if len(candidate) <= 40 and not _candidate(candidate):
                title = candidate
        found.append((st.rank, number, title, b.start, b.page))
    found.extend(marked)
    found.sort(key=_at)
    ranks = sorted({f[0] for f in found})
    level_of = {r: i + 1 for i, r in enumerate(ranks)}
    stack: list[int] = []  # indexes into `found` of open sections
    ends = [len(text.text)] * len(found)
    parents: list[int | None] = [None] * len(found)
    for i, (rank, *_rest) in enumerate(found):
        level = level_of[rank]
        while stack and level_of[found[stack[-1]][0]] >= level:
            ends[stack.pop()] = found[i][3]
        parents[i] = stack[-1] if stack else None
        stack.append(i)
    # records built as textutil.new_record builds them, all at once
    values = [
        {"section_id": i, "parent_id": None if parent is None else parent + 1, "level": level_of[rank], "number": number,
         "title": title, "start": start, "end": end, "page": page}
        for i, (rank, number, title, start, page), parent, end in zip(count(1), found, parents, ends)
    ]
    sections = list(map(_new, repeat(Section, len(values))))
    deque(map(_setattr, sections, repeat("__dict__"), values), 0)
    return sections


_at = itemgetter(3)
_new = object.__new__
_setattr = object.__setattr__
_kind = attrgetter("kind")
_start = attrgetter("start")
_end = attrgetter("end")
_heading = attrgetter("heading")


class SectionIndex:
    """Innermost section at an offset."""

    def __init__(self, sections: list[Section]):
        self._sections = sections
        self._starts = [s.start for s in sections]

    def at(self, offset: int) -> int | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        while i >= 0:
            s = self._sections[i]
            if s.start <= offset < s.end:
                return s.section_id
            i = s.parent_id - 1 if s.parent_id else -1
        return None
