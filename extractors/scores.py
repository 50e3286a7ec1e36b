"""Self-evaluation scores and grades -> `Score` rows.

From prose (score_patterns.toml: "绩效自评得分为 96 分", "自评等级：优", "评价结果为优") and from
the total and grade rows of indicator tables ("总分 | 100 | 100 | 优", "合计 | 100 | 100",
"评价等级 | 优（S≧90）"). Each score is attached to the department (scope department) or to a
project (scope project); rows about the same subject are merged (a score and a grade found apart
become one row), and the same score stated twice is kept once.
"""
from __future__ import annotations

import bisect
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter

import regex

from extractors.indicators import (
    GRADES,
    block_labels,
    block_rows,
    blocks_met,
    find_parts,
    grade_of,
    may_hold,
    same,
    subject_at,
    subject_of_table,
)
from extractors.indicator_values import parse_number
from extractors.indicator_values import vocabulary as indicator_vocabulary
from extractors.subjects import (
    DEPARTMENT,
    PROJECT,
    Subject,
    SubjectIndex,
    clean_name,
    is_department_phrase,
)
from pipeline.prefilter import needs_one_of
from pipeline.records import Block, Cell, Score, Text
from schemas.vocab import read_toml


@dataclass(frozen=True)
class _Pattern:
    name: str
    subject: str  # prefix | context
    regex: regex.Pattern
    needs: tuple[str, ...] = ()  # anchor words: every match holds one (`_needed_anchors`)


def vocabulary() -> dict:
    return read_toml("extractors", "score_patterns.toml")


@lru_cache(maxsize=1)
def _anchor_re() -> re.Pattern:
    """Any anchor word of the patterns, spaces allowed inside: paragraphs without one are skipped.
    A plain alternation: `re` scans the whole text with it faster than `regex` (its whitespace takes
    in all that `regex` calls whitespace, which squeeze drops: tests/test_indicators.py)."""
    words = vocabulary()["anchors"]["words"]
    return re.compile("|".join(r"\s*".join(map(re.escape, w)) for w in words))


def grade_words() -> str:
    """The [grades] words as one alternation, longest first (what `{grade}` in a pattern stands for)."""
    return "|".join(sorted(vocabulary()["grades"], key=len, reverse=True))


def pattern_source(p: dict) -> str:
    """A [[pattern]]'s regex with `{grade}` expanded."""
    return p["pattern"].replace("{grade}", grade_words())


@lru_cache(maxsize=1)
def patterns() -> tuple[_Pattern, ...]:
    words = vocabulary()["anchors"]["words"]
    return tuple(
        _Pattern(p["name"], p["subject"], regex.compile(pattern_source(p), regex.VERBOSE),
                 _needed_anchors(pattern_source(p), words))
        for p in vocabulary()["pattern"]
    )


def _needed_anchors(pattern: str, words: list[str]) -> tuple[str, ...]:
    """The fewest of the anchor `words` that every match of `pattern` is proved to hold one of
    (`needs_one_of`, dropping words while the proof holds), so that a paragraph or cell holding
    none of them is not searched with it; all of them if no proof is found."""
    kept = list(words)
    if not needs_one_of(pattern, kept):
        return tuple(kept)
    for w in words:
        rest = [k for k in kept if k != w]
        if rest and needs_one_of(pattern, rest):
            kept = rest
    return tuple(kept)


_END = attrgetter("end")
_CLAUSE_END = regex.compile(r"[，,；;：:。！？!?\n]")
_SENTENCE_END = "。！？!?；;\n"


def squeeze(s: str) -> tuple[str, Sequence[int]]:
    """`s` without whitespace, except one space between two ASCII letters or digits; with the
    offset in `s` of every kept character (callers must not change it)."""
    # most paragraphs and cells hold no whitespace: str.split finds that in C (its whitespace,
    # str.isspace, takes in all of _SPACE_RUN's)
    if s.split(maxsplit=1) == [s]:
        return s, range(len(s))
    out: list[str] = []
    where: list[int] = []
    pos = 0
    n = len(s)
    for m in _SPACE_RUN.finditer(s):
        a, b = m.span()
        out.append(s[pos:a])
        where.extend(range(pos, a))
        if 0 < a and b < n and s[a - 1] in _ASCII_ALNUM and s[b] in _ASCII_ALNUM:
            out.append(" ")
            where.append(a)
        pos = b
    out.append(s[pos:])
    where.extend(range(pos, n))
    return "".join(out), where


# the whitespace of `regex` (Unicode White_Space) for `re`, whose matches cost less: its \s less
# the separators \x1c-\x1f, which only `re` counts (tests/test_scores.py compares them)
_SPACE_RUN = re.compile(r"[^\S\x1c-\x1f]+")
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)


def sentence_span(s: str, start: int, end: int, ends: Sequence[int] | None = None) -> tuple[int, int]:
    """Bounds of the sentence (up to 。！？；) around s[start:end]; `ends` (`sentence_ends(s)`)
    when s has many figures: a look back or ahead for each of them ran over the whole paragraph
    when it had no sentence end (quadratic in its length, issue 15)."""
    n = len(s)
    if ends is None:
        # one str.find per sentence end: far cheaper than a step per character
        a = max([s.rfind(ch, 0, start) for ch in _SENTENCE_END]) + 1
        b = min([n, *[i for i in [s.find(ch, end) for ch in _SENTENCE_END] if i >= 0]]) if end < n else max(end, n)
    else:
        i = bisect.bisect_left(ends, start)
        a = ends[i - 1] + 1 if i else 0
        if end < n:
            j = bisect.bisect_left(ends, end, i)
            b = ends[j] if j < len(ends) else n
        else:
            b = max(end, n)
    if b < n and s[b] in "。！？!?":
        b += 1
    return a, b


def sentence_ends(s: str) -> list[int]:
    """The offsets of the sentence ends (。！？；, a line break) of `s`, ascending."""
    return [m.start() for m in _SENTENCE_END_RE.finditer(s)]


_SENTENCE_END_RE = re.compile("[" + re.escape(_SENTENCE_END) + "]")


def _prefix_subject(prefix: str, doc_subject: str | None) -> Subject | None | bool:
    """Subject named by the phrase before a score; None: use the context; False: not a score.
    Only the last two clauses of `prefix` are read (`_prefix_from` cuts it there)."""
    words = vocabulary()["subjects"]
    parts = _CLAUSE_END.split(prefix)
    phrase = parts[-1].strip() if parts else ""
    if not phrase and len(parts) > 1:
        if _LISTED_SCORE.search(parts[-2]):
            return False  # "权重20分，得分20分"
        if prefix.rstrip().endswith(("：", ":")):
            phrase = parts[-2].strip()  # "1.乡村道路养护项目：自评得分95分"
    phrase = phrase.strip("“”\"'（）()")
    if any(phrase.endswith(s) for s in words["part_suffixes"]) or _LISTED_SCORE.search(phrase):
        return False  # a part score, or one figure of a list ("权重20分，得分20分")
    if not phrase:
        return None
    if is_department_phrase(phrase):
        return Subject(doc_subject or phrase, DEPARTMENT)
    code, name = clean_name(phrase)
    if not name or name in words["generic"] or len(name) < 2 or len(name) > MAX_SUBJECT:
        return None
    return Subject(name, PROJECT, code)


MAX_SUBJECT = 40  # a longer phrase before a score is a sentence, not a name
_LISTED_SCORE = regex.compile(r"\d\s*分|\d$|(?:权重|分值|满分)")


def _number(s: str | None) -> Decimal | None:
    return Decimal(s) if s else None


def _prose_scores(text: Text, start: int, end: int, page: int | None, doc_subject: str | None) -> list[Score]:
    raw = text.text[start:end]
    if not _anchor_re().search(raw):
        return []
    s, where = squeeze(raw)
    out: list[Score] = []
    # the spans matched so far, disjoint: a match meeting one is dropped. A pattern's own matches
    # do not overlap, so each is checked against the earlier patterns' spans only, by bisection
    # (a look at every span was quadratic in a paragraph of scores, issue 15)
    taken: list[tuple[int, int]] = []
    named: dict[tuple[int, int], Subject] = {}  # sentence span -> subject named first before a score
    ends: list[int] | None = None  # sentence ends and clause breaks of s, found at the first match
    breaks: list[int] = []
    back = vocabulary()["prefix"]["max_chars"]
    for p in patterns():
        for w in p.needs:
            if w in s:
                break
        else:
            continue  # it cannot match: every match holds one of its anchor words
        taken_ends = [b for _, b in taken]
        added: list[tuple[int, int]] = []
        for m in p.regex.finditer(s):
            m_start, m_end = m.span()
            i = bisect.bisect_right(taken_ends, m_start)  # the first earlier span ending after m starts
            if i < len(taken) and taken[i][0] < m_end:
                continue
            if ends is None:
                ends = sentence_ends(s)
                breaks = [c.start() for c in _CLAUSE_END.finditer(s)]
            subject: Subject | None | bool = None
            a, b = sentence_span(s, m_start, m_end, ends)
            if p.subject == "prefix":
                subject = _prefix_subject(s[_prefix_from(breaks, m_start, back):m_start], doc_subject)
                if subject is False:
                    added.append((m_start, m_end))
                    continue
                if subject is not None:
                    named.setdefault((a, b), subject)
            else:  # a grade in the sentence of a named score belongs to that subject
                subject = named.get((a, b))
            abs_start = start + where[m.start()]
            abs_end = start + where[m.end() - 1] + 1
            if subject is None:
                subject = subject_at(text, abs_start, doc_subject) or Subject(doc_subject, DEPARTMENT)
            groups = m.groupdict()
            grade = groups.get("grade")
            out.append(
                Score(
                    subject=subject.name,
                    scope=subject.scope,
                    score=_number(groups.get("score")),
                    max_score=_number(groups.get("max_score")),
                    grade=GRADES[grade] if grade else None,
                    start=abs_start,
                    end=abs_end,
                    page=page,
                    evidence=s[a:b].strip(),
                )
            )
            added.append((m_start, m_end))
        if added:
            taken = sorted(taken + added)
    return out


def _prefix_from(breaks: Sequence[int], pos: int, back: int) -> int:
    """Where the text before `pos` is cut for `_prefix_subject`, which reads its last two clauses:
    after the clause break before the last two before `pos` (`breaks` are the offsets of
    `_CLAUSE_END`, ascending), else at the start; no further back than `back` characters."""
    i = bisect.bisect_left(breaks, pos)
    return max(breaks[i - 2] + 1 if i >= 2 else 0, pos - back)


def _anchored_blocks(text: Text) -> list[tuple[Block, list[tuple[int, int]]]]:
    """The blocks that may hold a score pattern, in reading order, each with the anchor matches
    that meet it. One search of the whole text instead of one per paragraph and cell: a paragraph
    or cell holding an anchor is met by a match of the whole-text search (the match at its anchor,
    or an earlier one running over it), so a block or cell met by none holds no anchor."""
    met = blocks_met(text, _anchor_re())
    blocks = text.blocks
    return [(blocks[i], met[i]) for i in sorted(met)]


def _cells_met(cells: tuple[Cell, ...], spans: list[tuple[int, int]]) -> list[int]:
    """Indices, ascending, of the cells a span meets (a < cell end and cell start < b). The cells
    of a table are laid out one after another, so their ends ascend: the first cell a span can
    meet is found by bisection, not by a look at every cell."""
    ends = list(map(_END, cells))
    met: set[int] = set()
    for a, b in spans:
        i = bisect.bisect_right(ends, a)
        while i < len(cells) and cells[i].start < b:
            if a < cells[i].end:
                met.add(i)
            i += 1
    return sorted(met)


def _row_score(row, cells: list[str], label: str | None, page: int | None, subject: Subject, total: bool) -> Score | None:
    """A Score from a total row ("总分 | 100 | 98 | 优") or a grade row ("评价等级 | 优（S≧90）");
    `cells` are the row's `row_cells`, `label` its `row_label`."""
    label = label or ""
    if label.startswith("小计"):
        return None
    values = [c for c in cells if c.strip()][1:]
    grade = next((g for g in (grade_of(c) for c in values) if g), None)
    score = max_score = None
    if total:
        numbers = [n for n in (parse_number(c) for c in values) if n is not None]
        if len(numbers) >= 2:
            max_score, score = numbers[-2], numbers[-1]
        elif numbers:
            score = numbers[0]
    if score is None and grade is None:
        return None
    filled = [c for c in row if c.text.strip()]
    start, end = filled[0].start, filled[-1].end
    return Score(
        subject=subject.name,
        scope=subject.scope,
        score=score,
        max_score=max_score,
        grade=grade,
        start=start,
        end=end,
        page=page,
        evidence=" ".join(c.text.strip() for c in filled),
    )


def _table_scores(text: Text, doc_subject: str | None) -> list[Score]:
    out: list[Score] = []
    seen: set[tuple[int, int]] = set()
    for part in find_parts(text, doc_subject):
        grid = part.block.grid()
        rows = block_rows(part.block, text)
        _, firsts = block_labels(part.block, text)
        for r in part.total_rows + part.grade_rows:
            seen.add((part.block.block_id, r))
            s = _row_score(grid[r], rows[r], firsts[r], part.block.page, part.subject, r in part.total_rows)
            if s is not None:
                out.append(s)
    # score and grade rows of forms without an indicator table ("总分 | 100 | 96", "评价等级 | 优");
    # 合计 is not among them: every money table has one
    labels = _score_row_labels()
    for block in text.blocks:
        if block.kind != "table" or not may_hold(text, block, labels["all"]):
            continue  # no row of it can have one of the labels
        _, firsts = block_labels(block, text)
        listed = labels["any"]
        hits = [r for r, label in enumerate(firsts) if label in listed]
        if not hits:
            continue
        grid = block.grid()
        rows = block_rows(block, text)
        for r in hits:
            label, cells = firsts[r], rows[r]
            if (block.block_id, r) in seen:
                continue
            value_row = label in labels["value"] and sum(1 for c in cells if c.strip()) == 2
            if label in labels["score"] or label in labels["grade"] or value_row:
                subject = subject_of_table(text, block, r, doc_subject)
                s = _row_score(grid[r], cells, label, block.page, subject, label not in labels["grade"])
                if s is not None:
                    out.append(s)
    return out


@lru_cache(maxsize=1)
def _score_row_labels() -> dict:
    rows = indicator_vocabulary()["rows"]
    every = (*rows["score_labels"], *rows["grade_labels"], *rows["score_value_labels"])
    return {"score": frozenset(rows["score_labels"]), "grade": frozenset(rows["grade_labels"]),
            "value": frozenset(rows["score_value_labels"]), "all": tuple(sorted(set(every), key=len)),
            "any": frozenset(every)}


def _merge(scores: list[Score]) -> list[Score]:
    """One row per subject and score: a grade or max_score found apart joins its score."""
    out: list[Score] = []
    index = SubjectIndex()  # the rows of out a score may join, not every row
    for s in scores:
        for i in index.candidates(s.subject):
            o = out[i]
            if o.scope != s.scope or not same(o.subject, s.subject):
                continue
            if o.score is not None and s.score is not None and o.score != s.score:
                continue
            if o.grade is not None and s.grade is not None and o.grade != s.grade:
                continue
            out[i] = replace(
                o,
                score=o.score if o.score is not None else s.score,
                max_score=o.max_score if o.max_score is not None else s.max_score,
                grade=o.grade or s.grade,
            )
            break
        else:
            index.add(len(out), s.subject)
            out.append(s)
    return out


def text_to_scores(text: Text, doc_subject: str | None) -> list[Score]:
    """Every self-evaluation score and grade of a document, in reading order."""
    found: list[Score] = []
    for block, spans in _anchored_blocks(text):  # the other blocks hold no anchor word
        if block.kind == "table":
            cells = block.cells
            for i in _cells_met(cells, spans):
                c = cells[i]
                if len(c.text) >= 6:
                    found.extend(_prose_scores(text, c.start, c.end, block.page, doc_subject))
        else:
            found.extend(_prose_scores(text, block.start, block.end, block.page, doc_subject))
    found.extend(_table_scores(text, doc_subject))
    found.sort(key=lambda s: (s.start, s.end))
    return _merge(found)
