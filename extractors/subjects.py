"""Who a performance table, score or budget figure is about: a project or the department.

Shared by indicators, scores and projects. Vocabulary and patterns: subjects.toml.
- `table_subject`: the 项目名称 / 部门名称 row above a table row, else the heading above the table.
- `context_subject`: the nearest report heading above an offset ("（县人代会会议经费）" under
  "专项预算项目绩效评价报告", "…部门整体支出绩效评价报告").
- `clean_name`, `split_code`: "1.51042122Y000004782652-党政网络…项目" -> code, "党政网络…".
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, count
from operator import attrgetter

import regex

from pipeline.prefilter import edge_chars, required_chars, required_literal
from pipeline.records import Block, Text
from schemas.vocab import numbering, read_toml

DEPARTMENT = "department"
PROJECT = "project"


@dataclass(frozen=True)
class Subject:
    name: str | None
    scope: str  # department | project
    code: str | None = None

    def __post_init__(self) -> None:
        if self.name:  # a department or project name, never the form fields after it
            object.__setattr__(self, "name", cut_form_labels(self.name) or None)


def vocabulary() -> dict:
    return read_toml("extractors", "subjects.toml")


_KIND = attrgetter("kind")
_TAGS = r"</?[A-Za-z][^>]{0,20}>"  # stray markup tags, which compact drops


@lru_cache(maxsize=1)
def _compiled() -> dict:
    v = vocabulary()
    headings = []
    for h in v["heading"]:
        after = regex.compile(h["after"]) if h.get("after") else None
        headings.append((h["scope"], regex.compile(h["pattern"], regex.VERBOSE), after))
    return {
        "code": regex.compile(v["patterns"]["code"], regex.VERBOSE),
        "numbering": regex.compile(rf"^\s*(?:{numbering().item}|{v['patterns']['enumerator']})\s*", regex.VERBOSE),
        "headings": headings,
        "space": regex.compile(r"\s+"),
        "tags": regex.compile(_TAGS),
    }


@lru_cache(maxsize=1)
def form_labels() -> tuple[str, ...]:
    """Labels of a form's fields (subjects.toml [form_labels]): never part of a subject."""
    return tuple(vocabulary()["form_labels"]["words"])


@lru_cache(maxsize=8192)
def cut_form_labels(name: str) -> str:
    """A subject read off a form row or line, cut before the first form label it runs on into
    ("县人大办 预算单位编码：102 自评等级：" -> "县人大办"); "" when it starts with one."""
    cut = min((i for i in (name.find(w) for w in form_labels()) if i >= 0), default=-1)
    return name if cut < 0 else name[:cut].rstrip(" \t：:，,；;|/")


def compact(s: str) -> str:
    """Text without whitespace and stray markup tags: how labels and headings are compared."""
    c = _compiled()
    return c["space"].sub("", c["tags"].sub("", s))


def split_code(s: str) -> tuple[str | None, str]:
    m = _compiled()["code"].match(s)
    if m:
        return m["code"], m["name"]
    return None, s


def is_department_phrase(s: str) -> bool:
    return any(w in s for w in vocabulary()["words"]["department"])


def clean_name(s: str, keep_suffix: bool = False) -> tuple[str | None, str]:
    """(code, name) of a project phrase: numbering, code, quotes and the 项目 suffix removed (the
    suffix kept with `keep_suffix`: a name cell prints the project's name whole)."""
    words = vocabulary()["words"]
    s = compact(s).strip("“”\"'《》·:：,，;；。")
    s = _compiled()["numbering"].sub("", s, count=1)
    for lead in words["leading"]:
        if s.startswith(lead):
            s = s[len(lead):].lstrip("，,：:")
    code, s = split_code(s)
    s = cut_form_labels(s)
    for suffix in () if keep_suffix else words["project_suffixes"]:
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            s = s[: -len(suffix)]
            break
    return code, s.strip("“”\"'，,：:")


@lru_cache(maxsize=4096)  # first cells repeat ("指标", "项目名称"); a pure function of the string
def label_of(cell_text: str) -> str:
    return compact(cell_text).rstrip("：:")


def _row_subject(row: list[str], doc_subject: str | None) -> Subject | None:
    labels = vocabulary()["labels"]
    first = next((c for c in row if c.strip()), None)
    if first is None:
        return None
    label = label_of(first)
    if label not in labels["project"] and label not in labels["department"]:
        return None  # most rows: decided by the first non-blank cell alone
    cells = [c for c in row if c.strip()]
    if len(cells) < 2:
        return None
    value = cells[1].strip()
    if label in labels["project"]:
        if is_department_phrase(value):
            return Subject(doc_subject, DEPARTMENT)
        code, name = clean_name(value)
        return Subject(name or None, PROJECT, code)
    if label in labels["department"]:
        return Subject(doc_subject or compact(value), DEPARTMENT)
    return None


def _labelled_line(line: str, doc_subject: str | None) -> Subject | None:
    """"项目名称：县人代会会议经费" (or "项目名称 县人代会会议经费") as a line of its own."""
    labels = vocabulary()["labels"]
    line = line.strip()
    if not line.startswith(_all_labels()):
        return None  # every label starts the line
    for kind in ("project", "department"):
        for label in labels[kind]:
            rest = line[len(label):]
            if line.startswith(label) and rest[:1] in ("：", ":", " ", "\t") and rest.strip("：: \t"):
                return _row_subject([label, rest.strip("：: \t")], doc_subject)
    return None


@lru_cache(maxsize=1)
def _all_labels() -> tuple[str, ...]:
    """The project and department labels (subjects.toml): a line starting with none has none."""
    labels = vocabulary()["labels"]
    return tuple(label for kind in ("project", "department") for label in labels[kind])


@lru_cache(maxsize=1)
def _heading_anchors() -> tuple[tuple[frozenset[str], ...], ...] | None:
    """Per heading pattern, the character sets a paragraph needs a character of for it to match
    (compacting only deletes characters, so the raw paragraph has them too); None if a pattern
    has none."""
    anchors = []
    for h in vocabulary()["heading"]:
        needed = required_chars(h["pattern"], verbose=True)
        if needed is None:
            return None
        anchors.append(needed)
    return tuple(anchors)


@lru_cache(maxsize=1)
def _heading_edges() -> tuple[tuple[frozenset[str] | None, frozenset[str] | None], ...]:
    """Per heading pattern, its `edge_chars`."""
    return tuple(edge_chars(h["pattern"], verbose=True) for h in vocabulary()["heading"])


# a tag's first and last characters: a paragraph that starts or ends with one may be compacted
# to another first or last character
_TAG_EDGES = ("<", ">")


def _may_be_heading(raw: str) -> bool:
    """False only for a paragraph no heading pattern can match and no label starts."""
    anchors = _heading_anchors()
    stripped = raw.strip()
    if anchors is None or stripped.startswith(_all_labels()):
        return True
    head, tail = stripped[:1], stripped[-1:]
    for needed, (first, last) in zip(anchors, _heading_edges()):  # plain loops: this runs for every paragraph
        if first is not None and head not in first and head != _TAG_EDGES[0]:
            continue  # compacted, the paragraph starts with another character
        if last is not None and tail not in last and tail != _TAG_EDGES[1]:
            continue
        for chars in needed:
            for c in chars:
                if c in raw:
                    break
            else:
                break  # a required character is missing: this pattern cannot match
        else:
            return True
    return False


MAX_HEADING = 80  # a longer paragraph, compacted, is no heading


def _heading_subject(blocks: tuple[Block, ...], i: int, text: str, doc_subject: str | None) -> Subject | None:
    """Subject named by paragraph i, if it is a report heading (or a table row naming one)."""
    b = blocks[i]
    generic = set(vocabulary()["words"]["generic_names"])
    if b.kind == "table":
        return None
    raw = text[b.start:b.end]
    if len(raw) > MAX_HEADING and "<" not in raw and len("".join(raw.split())) > MAX_HEADING:
        return None  # compacted it is longer still (str.split drops every `\s` compact drops)
    if not _may_be_heading(raw):
        return None  # neither a labelled line nor a paragraph any heading pattern can match
    para = compact(raw)
    if not para or len(para) > MAX_HEADING:
        return None
    labelled = _labelled_line(text[b.start:b.end], doc_subject)
    if labelled is not None:
        return labelled
    for scope, pattern, after in _compiled()["headings"]:
        m = pattern.search(para)
        if not m:
            continue
        if after is not None:
            prev = blocks[i - 1] if i > 0 else None
            if prev is None or prev.kind == "table" or not after.search(text[prev.start:prev.end]):
                continue
        if scope == DEPARTMENT:
            return Subject(doc_subject, DEPARTMENT)
        code, name = clean_name(m["name"])
        if name and name not in generic and not name.endswith(tuple(vocabulary()["words"]["issuer_suffixes"])):
            return Subject(name, PROJECT, code)
    return None


def context_subject(text: Text, offset: int, doc_subject: str | None, max_blocks: int = 400) -> Subject | None:
    """The nearest report heading (or 项目名称 row) above `offset`."""
    blocks = text.blocks
    idx = _block_index(text, offset)
    stop = max(-1, idx - max_blocks)
    # only tables and the paragraphs that may be headings can name a subject: the others are
    # skipped without a look
    keys = _subject_blocks(text)
    k = bisect.bisect_right(keys, idx) - 1
    while k >= 0:
        i = keys[k]
        if i <= stop:
            break
        k -= 1
        b = blocks[i]
        if b.kind == "table":
            if b.start >= offset:
                continue
            found = _row_subjects(text, b, doc_subject)
            s = found[-1] if found else None
            if s is not None:
                return s
            continue
        if b.start >= offset and i == idx and b.end > offset:
            continue  # the paragraph the offset is in is not its own heading
        s = _memo_heading(text, i, doc_subject)
        if s is not None:
            return s
    return None


def _subject_blocks(text: Text) -> list[int]:
    """Indices of the table blocks and of the paragraphs that may be headings, ascending; once per
    text (a cache, not a field)."""
    keys = text.__dict__.get("_subject_blocks")
    if keys is None:
        blocks = text.blocks
        found = set(compress(count(), map("table".__eq__, map(_KIND, blocks))))
        pattern = _candidate_re()
        if pattern is None:
            found.update(range(len(blocks)))
        else:
            starts = _block_starts(text)
            s = text.text
            for first, a, b in paragraph_runs(text):
                found.add(first)  # its label or first character may follow no line break
                for m in pattern.finditer(s, a, b):
                    found.add(max(0, bisect.bisect_right(starts, m.end() - 1) - 1))
        keys = text.__dict__["_subject_blocks"] = sorted(found)
    return keys


@lru_cache(maxsize=1)
def _candidate_re() -> re.Pattern | None:
    r"""A whole-text search whose matches meet every paragraph `_may_be_heading` keeps (and some
    more), the first block aside: a label after a line break; per heading pattern, a last
    character it ends with (before the line break that ends a paragraph), else a first one it
    starts with (after a line break), else a run of characters it needs. A tag's edge (< >) may
    hide another first or last character. Every alternative starts with a literal that is rare in
    prose, so `re` skips ahead to one of them. None: no prefilter. `re`'s `\s` is `str.isspace`
    (what `str.strip` drops: tests/test_indicators.py)."""
    anchors = _heading_anchors()
    if anchors is None:
        return None
    alts = {r"\n\s*(?:" + "|".join(map(re.escape, _all_labels())) + ")"}
    for h, (first, last) in zip(vocabulary()["heading"], _heading_edges()):
        if last is not None:
            alts.update(re.escape(c) + r"(?=\s*(?:\n|\Z))" for c in last | {_TAG_EDGES[1]})
        elif first is not None:
            alts.add(r"\n\s*[" + "".join(map(re.escape, sorted(first | {_TAG_EDGES[0]}))) + "]")
        else:  # compact drops whitespace and tags between the run's characters
            gap = r"(?:\s|" + _TAGS + ")*"
            alts.add(gap.join(map(re.escape, _required_run(h["pattern"]))))
    return re.compile("|".join(sorted(alts)))


def _required_run(pattern: str) -> str:
    """The longest run of literals outside any group, repeat or alternation: every match of
    `pattern` holds it (one character at least: `_heading_anchors` found one)."""
    best = required_literal(pattern, verbose=True)
    if best:
        return best
    return min(c for chars in required_chars(pattern, verbose=True) for c in chars)  # a one-character class


def paragraph_runs(text: Text) -> list[tuple[int, int, int]]:
    """(index of the first block, start, end) of each run of consecutive paragraphs, the end taking
    in the line break after the last one: the text outside them is tables. Once per text (a
    cache, not a field)."""
    runs = text.__dict__.get("_paragraph_runs")
    if runs is None:
        runs = []
        blocks = text.blocks
        first = None
        for i, kind in enumerate(map(_KIND, blocks)):
            if kind == "table":
                if first is not None:
                    runs.append((first, blocks[first].start, blocks[i - 1].end + 1))
                    first = None
            elif first is None:
                first = i
        if first is not None:
            runs.append((first, blocks[first].start, blocks[-1].end + 1))
        text.__dict__["_paragraph_runs"] = runs
    return runs


def _block_starts(text: Text) -> list[int]:
    starts = text.__dict__.get("_block_starts")
    if starts is None:
        starts = text.__dict__["_block_starts"] = [b.start for b in text.blocks]  # a cache, not a field
    return starts


def _memo_heading(text: Text, i: int, doc_subject: str | None) -> Subject | None:
    """`_heading_subject` of block i, remembered on the text (scores, indicators and projects all
    walk the same paragraphs) per department name."""
    memos = text.__dict__.get("_subject_headings")
    if memos is None:
        memos = text.__dict__["_subject_headings"] = {}  # a cache, not a field
    memo = memos.get(doc_subject)
    if memo is None:
        memo = memos[doc_subject] = {}
    if i in memo:
        return memo[i]
    s = memo[i] = _heading_subject(text.blocks, i, text.text, doc_subject)
    return s


def _row_subjects(text: Text, block: Block, doc_subject: str | None) -> list[Subject | None]:
    """Per row r of a table: the subject of the nearest 项目名称/部门名称 row at or above r (None if
    there is none); entry -1 is the last row's. Remembered on the block per department name."""
    memos = block.__dict__.get("_row_subjects")
    if memos is None:
        memos = block.__dict__["_row_subjects"] = {}  # a cache, not a field
    found = memos.get(doc_subject)
    if found is None:
        rows = block_rows(block, text)
        n = len(rows)
        found = [None] * n
        if may_hold(text, block, _all_labels()):  # else no row's first cell can read as a label
            labels = _subject_labels()
            # `_row_subject` of a row whose first non-blank cell is no label is None
            named = [r for r, first in enumerate(block_firsts(block, text)) if first is not None and label_of(first) in labels]
            s = None
            done = 0
            for r in named:
                found[done:r] = [s] * (r - done)
                here = _row_subject(rows[r], doc_subject)
                if here is not None:
                    s = here
                found[r] = s
                done = r + 1
            found[done:] = [s] * (n - done)
        memos[doc_subject] = found
    return found


@lru_cache(maxsize=1)
def _subject_labels() -> frozenset[str]:
    return frozenset(_all_labels())


def block_firsts(block: Block, text: Text | None = None) -> list[str | None]:
    """The first non-blank cell of every row of `block_rows` (None for a blank row); once per
    block (a cache, not a field)."""
    firsts = block.__dict__.get("_firsts")
    if firsts is None:
        # `str.strip` of a blank cell is "", which is false
        firsts = block.__dict__["_firsts"] = [next(filter(str.strip, cells), None) for cells in block_rows(block, text)]
    return firsts


def row_cells(row) -> list[str]:
    if not row:
        return []
    out = [""] * (max([c.col for c in row]) + 1)
    for c in row:
        out[c.col] = c.text
    return out


def block_rows(block: Block, text: Text | None = None) -> list[list[str]]:
    """`row_cells` of every row of a table block, built once per block (indicators, scores and
    projects all read them); callers get the shared lists and must not change them. A table of
    `text` is laid out as its rows, one a line, cells between tabs (pipeline.normalise): its lines
    split at tabs are its rows, unless a cell holds a line break (more lines than rows) or a tab
    (more pieces than cells), or a row has no cell (one empty piece)."""
    rows = block.__dict__.get("_row_cells")
    if rows is None:
        grid = block.grid()
        lines = None
        blocks = text.blocks if text is not None else ()
        if block.block_id < len(blocks) and blocks[block.block_id] is block:
            lines = text.text[block.start:block.end].split("\n")
            if len(lines) != len(grid):
                lines = None
        if lines is None:
            rows = [row_cells(r) for r in grid]
        else:
            rows = [p if len(p) == len(r) else row_cells(r) for p, r in zip([ln.split("\t") for ln in lines], grid)]
        block.__dict__["_row_cells"] = rows  # a cache, not a field (as Block.grid)
    return rows


def may_hold(text: Text, block: Block, labels: tuple[str, ...]) -> bool:
    """Can a cell of `block` read as one of `labels` (`header_label` or `label_of`: spaces, tags and
    a trailing parenthesis or colon dropped)? Such a label is in the block's text once its spaces
    are dropped, unless a tag splits it: a cheap test of the whole block before its rows."""
    solid = block.__dict__.get("_solid")
    if solid is None:
        raw = text.text[block.start:block.end]
        # str.split drops every character `\s` matches (a test checks it), and more: cells run
        # together, which only lets more through
        solid = "<" if "<" in raw else "".join(raw.split())
        block.__dict__["_solid"] = solid  # a cache, not a field (as Block.grid)
    if solid == "<":
        return True
    if len(labels) > _FEW_LABELS:
        return _any_of(tuple(labels)).search(solid) is not None
    for label in labels:
        if label in solid:
            return True
    return False


_FEW_LABELS = 8  # up to this many, a str.find per label is faster than one search for any


@lru_cache(maxsize=64)
def _any_of(words: tuple[str, ...]) -> re.Pattern:
    """One search for any of `words` (callers pass a few tuples of labels from the data): one scan
    of a block's text instead of one per word."""
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def table_subject(text: Text, block: Block, row_index: int, doc_subject: str | None) -> Subject:
    """Subject of the table part starting at `row_index`: a 项目名称/部门名称 row above it in the
    same table, else the heading above the table, else the department."""
    if row_index > 0:
        found = _row_subjects(text, block, doc_subject)
        s = found[row_index - 1]
        if s is not None:
            return s
    s = context_subject(text, block.start, doc_subject)
    if s is not None:
        return s
    return Subject(doc_subject, DEPARTMENT)


def _block_index(text: Text, offset: int) -> int:
    """Index of the last block starting at or before `offset` (0 if none does)."""
    return max(0, bisect.bisect_right(_block_starts(text), offset) - 1)


def same_subject(a: str | None, b: str | None) -> bool:
    """Two spellings of one project: equal, one contained in the other (4+ characters), or the
    same characters in another order ("党政网站、网络运行维护经费" / "党政网络、网站运行维护经费")."""
    if a is None or b is None:
        return a is b
    a, b = clean_name(a)[1], clean_name(b)[1]
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= _CONTAINED and short in long_:
        return True
    return len(a) == len(b) and sorted(a) == sorted(b)


_CONTAINED = 4  # the shortest name that same_subject finds inside another


class SubjectIndex:
    """The names seen so far (each under a number: its row in a merge), and for a new name the
    numbers of those `same_subject` may find the same: every one it does, and a few more; the
    caller asks same_subject of each, in ascending order. A merge that asked it of every earlier
    name was quadratic in a document of many projects or scores (issue 15)."""

    def __init__(self) -> None:
        self._none: list[int] = []
        self._letters: dict[str, list[int]] = {}  # the sorted characters: equal, or reordered
        self._names: dict[str, list[int]] = {}  # a name of 4+ characters
        self._starts: dict[str, set[int]] = {}  # its first 4 characters -> the lengths of such names
        self._grams: dict[str, list[int]] = {}  # 4 characters -> the names holding them

    def add(self, i: int, name: str | None) -> None:
        if name is None:
            self._none.append(i)
            return
        c = clean_name(name)[1]
        self._letters.setdefault("".join(sorted(c)), []).append(i)
        if len(c) >= _CONTAINED:
            self._names.setdefault(c, []).append(i)
            self._starts.setdefault(c[:_CONTAINED], set()).add(len(c))
            for g in set(_grams(c)):
                self._grams.setdefault(g, []).append(i)

    def candidates(self, name: str | None) -> list[int]:
        if name is None:
            return self._none
        c = clean_name(name)[1]
        found = set(self._letters.get("".join(sorted(c)), ()))
        if len(c) >= _CONTAINED:
            grams = _grams(c)
            # the names holding c hold each of its grams: those holding the rarest
            found.update(min((self._grams.get(g, ()) for g in grams), key=len))
            # the names c holds: at each of its grams, those starting with it, by their lengths
            for a, g in enumerate(grams):
                for n in self._starts.get(g, ()):
                    if a + n <= len(c):
                        found.update(self._names.get(c[a:a + n], ()))
        return sorted(found)


def _grams(c: str) -> list[str]:
    return [c[k:k + _CONTAINED] for k in range(len(c) - _CONTAINED + 1)]
