"""Metadata for the documents table: title, province/city/county, department, fiscal year, kinds.

Names are found by how they are used, not from a gazetteer: a county is a 2–6 character name
ending in 县/区/旗 that stands in front of a government body ("米易县人大常委会") or after a city
("曲靖市沾益区"), and the one used most often wins; among equals the one the title or the 部门名称
field names, then one the text uses whole (at a name boundary: 平潭综合实验区, of which 实验区 is only
a piece). A county used less than half as often as its city is a district the city's body
mentions, not the document's. Provinces are a closed list (schemas/metadata.toml).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import regex

from pipeline.records import Metadata, Text
from schemas.vocab import read_toml


@dataclass(frozen=True)
class _Vocab:
    year: regex.Pattern
    field: regex.Pattern
    field_anchors: tuple[tuple[regex.Pattern, tuple[int, ...]], ...]
    org_suffixes: tuple[str, ...]
    org_starts: tuple[str, ...]
    kinds: tuple[dict, ...]
    title_words: tuple[str, ...]
    title_max: int
    not_in_title: str
    cover_lines: int
    not_place_starts: tuple[str, ...]
    title_dept: regex.Pattern
    title_label: regex.Pattern
    org_end: regex.Pattern
    suffixes: dict[str, tuple[str, ...]]
    stop: frozenset[str]
    not_counties: tuple[str, ...]
    not_suffixes: tuple[str, ...]
    provinces: frozenset[str]
    county_share: float
    org_qualifiers: tuple[str, ...]


def _alt(words) -> str:
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def vocab() -> _Vocab:
    d = read_toml("schemas", "metadata.toml")
    fields = d["department_fields"]
    after_field = r"\s*[:：\t]"
    return _Vocab(
        year=regex.compile(r"(?<!\d)(?P<year>20\d{2}|19\d{2})\s*年"),
        field=regex.compile(rf"(?:{_alt(fields)}){after_field}\s*\t*(?P<value>[^\t\n，。；]{{4,40}})"),
        field_anchors=_anchors(fields, after_field),
        org_suffixes=tuple(sorted(d["org_suffixes"], key=len, reverse=True)),
        org_starts=tuple(d["org_starts"]),
        kinds=tuple(d["kind"]),
        title_words=tuple(d["title_words"]),
        title_max=int(d["title_max"]),
        not_in_title=d["not_in_title"],
        cover_lines=int(d["cover_lines"]),
        not_place_starts=tuple(d["not_place_starts"]),
        # the longest name the title starts with: "…三甲医院建设指挥部部门决算说明" is the 指挥部's
        title_dept=regex.compile(rf"(?P<dept>.{{2,40}}(?:{_alt(d['org_suffixes'])}))(?:部门|单位|本级|机关)?"),
        title_label=regex.compile(rf"^\s*(?:{_alt(d['title_labels'])})\s*[:：]\s*"),
        org_end=regex.compile(rf"(?:{_alt(d['org_suffixes'])})(?!门)"),
        suffixes={kind: tuple(words) for kind, words in d["place_suffixes"].items()},
        stop=frozenset(d["not_in_name"]),
        not_counties=tuple(d["not_counties"]),
        not_suffixes=tuple(d["not_suffixes"]),
        provinces=frozenset(d["provinces"]),
        county_share=float(d["county_share"]),
        org_qualifiers=tuple(d["org_qualifiers"]),
    )


def _anchors(words: list[str], after: str) -> tuple[tuple[regex.Pattern, tuple[int, ...]], ...]:
    """A fast search for where one of `words` followed by `after` may start: (pattern, offsets) per
    word that holds no other word (every word holds one of those). The pattern starts with that
    literal word, which the regex engine finds at memory speed (an alternation it scans character by
    character), and matches where a word holding it ends with `after`; the word then starts that
    many characters (an offset) before it."""
    anchors = []
    for a in sorted(w for w in words if not any(o != w and o in w for o in words)):
        tails, offsets = set(), set()
        for w in words:
            o = w.find(a)
            while o >= 0:
                tails.add(w[o + len(a):])
                offsets.add(o)
                o = w.find(a, o + 1)
        tail = "|".join(regex.escape(t) for t in sorted(tails, key=len, reverse=True))
        anchors.append((regex.compile(rf"{regex.escape(a)}(?=(?:{tail}){after})"), tuple(sorted(offsets))))
    return tuple(anchors)


def _field(text: str, end: int) -> regex.Match | None:
    """`vocab().field.search(text[:end])`: the field's words only start at an anchor's offsets, and
    trying those few starts in order finds the same leftmost match."""
    v = vocab()
    starts = set()
    for anchor, offsets in v.field_anchors:
        for m in anchor.finditer(text, 0, end, overlapped=True):
            starts.update(m.start() - o for o in offsets if m.start() >= o)
    for start in sorted(starts):
        m = v.field.match(text, start, end)
        if m:
            return m
    return None


def _years(text: str):
    """`vocab().year.finditer(text)`, anchored on 年: the figure can only start 4 characters before
    the whitespace in front of a 年 (matches cannot overlap: each is a whole run of digits)."""
    year = vocab().year
    p = text.find("年")
    while p >= 0:
        q = p
        while q > 0 and text[q - 1].isspace():  # str whitespace covers the pattern's \s
            q -= 1
        if q >= 4 and text[q - 4:q - 2] in ("19", "20"):
            m = year.match(text, q - 4, p + 1)
            if m:
                yield m
        p = text.find("年", p + 1)


def _title(text: Text) -> str | None:
    v = vocab()
    first = None
    cover: list[str] | None = []  # the short lines the text starts with, until a table
    for b in text.blocks[:15]:
        # a one-page form may print its title only as its table's caption ("部门整体绩效自评表
        # （2024年度）"): a caption is a title line too, but never the first line of a text
        line = (b.caption or "") if b.kind == "table" else text.text[b.start:b.end]
        line = line.strip()
        if b.kind == "table":
            cover = None
        if not line:
            continue
        if b.kind == "paragraph":
            first = first or line
        if len(line) <= v.title_max and any(w in line for w in v.title_words) and not line.endswith("。"):
            # a cover sets its title over short lines ("2026年" / "广州市人民政府国有资产监督管理委员会部"
            # / "门预算"): the lines before the one with a title word are the title's start
            whole = "".join((cover or []) + [line])
            if cover and len(cover) <= v.cover_lines and b.kind == "paragraph" and len(whole) <= v.title_max and not any(
                    c in "".join(cover) for c in v.not_in_title):
                return whole
            return line
        if cover is not None:
            cover.append(line)
    return first[: v.title_max] if first else None


def _suffix_spans(s: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each place suffix in s, as a search for the alternation of `words` finds
    them: leftmost first, the earlier word where two start at one character, never overlapping.
    str.find is many times faster than a regex over the whole text."""
    at: dict[str, list[int]] = {}  # starts of the single characters
    for w in words:
        if len(w) == 1:
            at[w] = found = []
            i = s.find(w)
            while i >= 0:
                found.append(i)
                i = s.find(w, i + 1)
    starts = [i for found in at.values() for i in found]
    found = []  # of longer words: (start, rank, end)
    for rank, w in enumerate(words):
        if len(w) == 1:
            continue
        n = len(w)
        if w[-1] in at:  # a search for a few CJK characters is slow: look where its last one is
            found += [(j - n + 1, rank, j + 1) for j in at[w[-1]] if s.startswith(w, j - n + 1) and j >= n - 1]
            continue
        i = s.find(w)
        while i >= 0:
            found.append((i, rank, i + n))
            i = s.find(w, i + 1)
    if not found:
        return [(i, i + 1) for i in sorted(starts)]  # distinct single characters: no overlaps
    found += [(i, words.index(s[i]), i + 1) for i in starts]
    found.sort()
    spans = []
    last = 0
    for i, _rank, end in found:
        if i >= last:
            spans.append((i, end))
            last = end
    return spans


def _candidates(s: str, words: tuple[str, ...], stop: frozenset[str]):
    """(name, start, end) of every place-like name: 2–6 name characters before a suffix (县/区/旗,
    市/州, 省). Anchored on the suffix, which is much faster than scanning with a character class."""
    for i, end in _suffix_spans(s, words):
        for name, k in _names_before(s[max(0, i - 6):end], min(i, 6), stop):
            yield name, i - min(i, 6) + k, end


@lru_cache(maxsize=4096)
def _names_before(s: str, i: int, stop: frozenset[str]) -> tuple[tuple[str, int], ...]:
    """(name, start) of the names ending with the suffix at s[i:] (s holds the 6 characters before
    it, or all there are): the 2–6 name characters before it, longest last."""
    j = i
    while j > 0 and "\u4e00" <= s[j - 1] <= "\u9fff" and s[j - 1] not in stop:
        j -= 1
    return tuple((s[k:], k) for k in range(i - 2, j - 1, -1))


def _name_char(c: str, stop: frozenset[str]) -> bool:
    return "\u4e00" <= c <= "\u9fff" and c not in stop


@lru_cache(maxsize=64)
def _scorer(must_follow: tuple[str, ...], before: str, stop: frozenset[str]):
    """(score, score1, width): score(ctx, at, end) gives (name, whole) for the names before the
    suffix ctx[at:end], each once for a body that follows and once for a larger unit before it;
    `whole` says the name starts at a name boundary (the text's start, or a character that stands
    in no name: "2016年度平潭综合实验区…" has 平潭综合实验区 whole, 实验区 only as a piece of it). ctx
    holds up to 7 characters before the suffix (fewer only at the start of the text) and `width`
    after it, all that decides the score: it is cached, as the same contexts come back often."""
    width = max(map(len, must_follow), default=0)

    @lru_cache(maxsize=8192)
    def score(ctx: str, at: int, end: int) -> tuple[tuple[str, bool], ...]:
        followed = bool(must_follow) and ctx.startswith(must_follow, end)
        if not followed and not before:
            return ()
        cut = 1 if at == 7 else 0  # the 7th character before is only the one before a 6-character name
        out = []
        for name, k in _names_before(ctx[cut:end], at - cut, stop):
            start = k + cut  # in ctx; 0 only at the start of the text
            n = followed + (1 if before and start > 0 and ctx[start - 1] in before else 0)
            whole = start == 0 or not _name_char(ctx[start - 1], stop)
            out.extend([(name, whole)] * n)
        return tuple(out)

    @lru_cache(maxsize=8192)
    def score1(ctx: str) -> tuple[tuple[str, bool], ...]:
        """score(ctx, 7, 8): a one-character suffix after 7 characters, the common case (a single
        string argument makes the quickest cache key)."""
        return score(ctx, 7, 8)

    return score, score1, width


def _best_place(kind: str, s: str, must_follow: tuple[str, ...], before: str = "", title: str = "",
                exclude: tuple[str, ...] = (), only: frozenset[str] = frozenset(), body: str = "") -> str | None:
    """The name used most often in front of a body ("米易县人大…") or after a larger unit ("曲靖市沾益区");
    a name the title or the body's name (`body`, as a 部门名称 field states it) starts with (after
    larger units) counts too. Names ending with one of `exclude` are none; where `only` is given, a
    name must be one of those."""
    v = vocab()
    words = v.suffixes[kind]
    # Each name before each suffix, once per point it scores, in the order the text uses them (a
    # Counter keeps that order: the first name seen wins among equals). What a suffix gives depends
    # only on it, the 7 characters before it and whether a body follows: that is cached.
    score, score1, width = _scorer(must_follow, before, v.stop)
    scored = [
        score1(s[i - 7:end + width]) if i >= 7 and end == i + 1
        else score(s[max(0, i - 7):end + width], min(i, 7), min(i, 7) + end - i)
        for i, end in _suffix_spans(s, words)
        if not s.startswith(v.not_suffixes, i)
    ]
    counts = Counter([name for names in scored for name, _whole in names])
    whole = {name for names in scored for name, w in names if w}
    titled = set()
    for head in (_TITLE_HEAD.sub("", title), body):
        for name, start, _end in _candidates(head, words, v.stop):
            if _PLACE_PREFIX.fullmatch(head[:start]):
                counts[name] += 2
                titled.add(name)
    return choose_place(counts, whole, titled, exclude, only)


def choose_place(counts: Counter, whole: set[str], titled: set[str], exclude: tuple[str, ...] = (),
                 only: frozenset[str] = frozenset()) -> str | None:
    """The name used most often; among equals one the title names, else one the text also uses whole
    (at a name boundary: 实验区 is a piece of 平潭综合实验区, used whole), else the shortest ("成米易县"
    is also used once; the true name is used more often, or is the shorter of equals)."""
    starts = vocab().not_place_starts
    names = [n for n in counts if not (exclude and n.endswith(exclude)) and (not only or n in only) and not n.startswith(starts)]
    if not names:
        return None
    top = max(counts[n] for n in names)
    best = [n for n in names if counts[n] == top]
    return min(best, key=lambda n: (n not in titled, n not in whole, len(n)))


_TITLE_HEAD = regex.compile(r"^[\d\s年度]*")
_PLACE_PREFIX = regex.compile(r"(?:\p{Han}{2,4}?(?:省|自治区|市|州|盟))*")


def _field_body(text: str) -> str | None:
    """The body a 部门名称/单位 field names, as printed."""
    m = _field(text, 20000)
    if m:
        value = m["value"].strip()
        value = value[:-2] if value.endswith("部门") and len(value) > 6 else value
        # a body's name ends with one of its words: "单位名称\t“三公”经费合计" is a table's header row;
        # a qualifier may follow ("单位：无锡市交通运输局（本级）": the unit budget of the 本级 only)
        if _unqualified(value).endswith(vocab().org_suffixes):
            return value
    return None


def _department(text: str, title: str | None, county: str | None, field: str | None = None) -> str | None:
    v = vocab()
    if field:
        return field
    if title:
        t = v.year.sub("", v.title_label.sub("", title))
        t = _TITLE_HEAD.sub("", t)
        m2 = v.title_dept.match(t)
        if m2 and (county is None or m2["dept"] != county):
            return m2["dept"]
    if county:
        # the same words follow the county often: look at each distinct run once (in order of
        # first use, which breaks ties as before)
        rests = Counter([m3["rest"] for m3 in regex.finditer(regex.escape(county) + r"(?P<rest>\p{Han}{2,24})", text)])
        counts: Counter = Counter()
        for rest, times in rests.items():
            for end in _org_ends(rest):
                counts[county + rest[:end]] += times
        if counts:
            top = max(counts.values())
            # the longest name used at least half as often as the most common one
            good = [c for c, n in counts.items() if n * 2 >= top and n >= 1]
            return max(good, key=lambda c: (len(c), counts[c]))
    return None


def _unqualified(name: str) -> str:
    for q in vocab().org_qualifiers:
        if name.endswith(q):
            return name[: -len(q)]
    return name


@lru_cache(maxsize=4096)
def _org_ends(rest: str) -> tuple[int, ...]:
    """Where a body's name may end in `rest` (after a suffix of org_suffixes, 2 characters or more)."""
    return tuple(m.end() for m in vocab().org_end.finditer(rest, overlapped=True) if m.end() >= 2)


def _fiscal_year(text: str, title: str | None) -> int | None:
    v = vocab()
    if title:
        m = v.year.search(title)
        if m:
            return int(m["year"])
    counts = Counter(int(m["year"]) for m in _years(text[:30000]))
    return counts.most_common(1)[0][0] if counts else None


def _kinds(text: str, title: str | None, headings: str) -> tuple[str, ...]:
    found = []
    head = (title or "") + "\n" + headings
    for k in vocab().kinds:
        if any(p in (title or "") for p in k.get("not_with", [])):
            continue
        h, t = head, text
        for p in k.get("not_in", []):
            h, t = h.replace(p, ""), t.replace(p, "") if p in t else t
        if any(p in h for p in k["title"]) or _used(t, k["text"], int(k.get("min_count", 1))):
            found.append(k["name"])
    return tuple(found)


def _used(text: str, phrases: list[str], times: int) -> bool:
    """Whether the phrases occur `times` times in all (counting stops there; once: the first find)."""
    if times <= 1:
        return times <= 0 or any(p in text for p in phrases)
    n = 0
    for p in phrases:
        n += text.count(p)
        if n >= times:
            return True
    return False


def text_to_metadata(text: Text, headings: str = "") -> Metadata:
    v = vocab()
    s = text.text
    title = _title(text)
    t = title or ""
    body = _field_body(s)
    county = _best_place("county", s, v.org_starts, before="市州", title=t, exclude=v.not_counties, body=body or "")
    city = _best_place("city", s, v.org_starts + ((county,) if county else ()), title=t, body=body or "")
    if county and city and s.count(county) < v.county_share * s.count(city):
        # a city's body names its districts now and then (广州市生态环境局: 黄埔区 30 times, 广州市
        # 387), a county's body names its county all the time (普陀区 22, 上海市 23)
        county = None
    province = _best_place("province", s, v.org_starts + ((city,) if city else ()) + ((county,) if county else ()),
                           title=t, only=v.provinces, body=body or "")
    department = _department(s, title, county, body)
    if department:
        # "四川省资阳市乐至县财政局" -> "乐至县财政局": the places have their own columns
        for place in (province, city):
            if place and department.startswith(place) and len(department) > len(place) + 2:
                department = department[len(place):]
    return Metadata(
        title=title,
        province=province,
        city=city,
        county=county,
        department=department,
        fiscal_year=_fiscal_year(s, title),
        doc_kinds=_kinds(s, title, headings),
    )
