"""segment: Text -> Sections (a heading tree with offsets). Heading styles are data: schemas/headings.toml."""
from __future__ import annotations

import bisect

import regex

from pipeline.records import Section, Text
from schemas.vocab import heading_styles, max_title_with_stop

_SENTENCE_PUNCT = regex.compile(r"[，,。；;：:]")
MARKED_RANK = 0  # a heading the format itself marks (markdown ##, a DOCX heading style)


def match_heading(line: str) -> tuple[int, str, str] | None:
    """(style rank, number, title) if a paragraph is a numbered heading."""
    line = line.strip()
    for st in heading_styles():
        m = st.pattern.match(line)
        if not m:
            continue
        title = m["title"].strip()
        if len(title) > st.max_title:
            return None
        if not st.inner_punct and _SENTENCE_PUNCT.search(title[:-1]):
            return None
        if title.endswith(("。", ".")) and len(title) > max_title_with_stop():
            return None
        return st.rank, regex.sub(r"\s+", "", m["number"]), title
    return None


def text_to_sections(text: Text) -> list[Section]:
    found: list[tuple[int, str, str, int, int | None]] = []  # rank, number, title, start, page
    blocks = text.blocks
    for i, b in enumerate(blocks):
        if b.kind != "paragraph":
            continue
        line = text.text[b.start:b.end]
        h = match_heading(line)
        if h:
            title = h[2]
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if not title and nxt is not None and nxt.kind == "paragraph":
                # "附件 1" on its own line: the next short line is its title
                candidate = text.text[nxt.start:nxt.end].strip()
                if len(candidate) <= 40 and not match_heading(candidate):
                    title = candidate
            found.append((h[0], h[1], title, b.start, b.page))
        elif b.heading:
            found.append((MARKED_RANK, "", line.strip(), b.start, b.page))
    ranks = sorted({f[0] for f in found})
    level_of = {r: i + 1 for i, r in enumerate(ranks)}
    sections: list[Section] = []
    stack: list[int] = []  # indexes into `found` of open sections
    ends = [len(text.text)] * len(found)
    parents: list[int | None] = [None] * len(found)
    for i, (rank, *_rest) in enumerate(found):
        level = level_of[rank]
        while stack and level_of[found[stack[-1]][0]] >= level:
            ends[stack.pop()] = found[i][3]
        parents[i] = stack[-1] if stack else None
        stack.append(i)
    for i, (rank, number, title, start, page) in enumerate(found):
        sections.append(
            Section(
                section_id=i + 1,
                parent_id=None if parents[i] is None else parents[i] + 1,
                level=level_of[rank],
                number=number,
                title=title,
                start=start,
                end=ends[i],
                page=page,
            )
        )
    return sections


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
