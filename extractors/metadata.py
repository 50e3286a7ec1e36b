"""Metadata for the documents table: title, province/city/county, department, fiscal year, kinds.

Names are found by how they are used, not from a gazetteer: a county is a 2–6 character name
ending in 县/区/旗 that stands in front of a government body ("米易县人大常委会") or after a city
("曲靖市沾益区"), and the one used most often wins.
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
    county: regex.Pattern
    city: regex.Pattern
    province: regex.Pattern
    year: regex.Pattern
    field: regex.Pattern
    org_suffixes: tuple[str, ...]
    org_starts: tuple[str, ...]
    kinds: tuple[dict, ...]
    title_words: tuple[str, ...]
    title_max: int
    not_counties: tuple[str, ...]


def _alt(words) -> str:
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def vocab() -> _Vocab:
    d = read_toml("schemas", "metadata.toml")
    name = rf"[^\P{{Han}}{d['not_in_name']}]"
    return _Vocab(
        county=regex.compile(rf"(?P<name>{name}{{2,6}}?(?:自治县|县|区|旗))", regex.VERBOSE),
        city=regex.compile(rf"(?P<name>{name}{{2,6}}?(?:市|自治州|州|盟))"),
        province=regex.compile(rf"(?P<name>{name}{{2,3}}?(?:省|自治区))"),
        year=regex.compile(r"(?<!\d)(?P<year>20\d{2}|19\d{2})\s*年"),
        field=regex.compile(
            rf"(?:{_alt(d['department_fields'])})\s*[:：\t]\s*\t*(?P<value>[^\t\n，。；]{{4,40}})"
        ),
        org_suffixes=tuple(sorted(d["org_suffixes"], key=len, reverse=True)),
        org_starts=tuple(d["org_starts"]),
        kinds=tuple(d["kind"]),
        title_words=tuple(d["title_words"]),
        title_max=int(d["title_max"]),
        not_counties=tuple(d["not_counties"]),
    )


def _title(text: Text) -> str | None:
    v = vocab()
    first = None
    for b in text.blocks[:15]:
        if b.kind != "paragraph":
            continue
        line = text.text[b.start:b.end].strip()
        if not line:
            continue
        first = first or line
        if len(line) <= v.title_max and any(w in line for w in v.title_words) and not line.endswith("。"):
            return line
    return first[: v.title_max] if first else None


def _overlapping(p: regex.Pattern, s: str) -> Counter:
    return Counter(m["name"] for m in p.finditer(s, overlapped=True))


def _best_place(p: regex.Pattern, s: str, must_follow: tuple[str, ...], before: str = "", title: str = "",
                exclude: tuple[str, ...] = ()) -> str | None:
    """The name used most often in front of a body ("米易县人大…") or after a larger unit ("曲靖市沾益区");
    a name the title starts with (after larger units) counts too."""
    counts: Counter = Counter()
    head = regex.sub(r"^[\d\s年度]*", "", title)
    for name in _overlapping(p, s):
        if name.endswith(exclude):
            continue
        n = sum(s.count(name + w) for w in must_follow)
        if before:
            n += len(regex.findall(rf"[{before}]{regex.escape(name)}", s))
        if head and regex.match(rf"(?:\p{{Han}}{{2,4}}?(?:省|自治区|市|州|盟))*{regex.escape(name)}", head):
            n += 2
        if n:
            counts[name] = n
    if not counts:
        return None
    top = max(counts.values())
    # "成米易县" is also used once; the true name is used more often, or is the shorter of equals
    return min((name for name, n in counts.items() if n == top), key=len)


def _department(text: str, title: str | None, county: str | None) -> str | None:
    v = vocab()
    m = v.field.search(text[:20000])
    if m:
        value = m["value"].strip()
        return value[:-2] if value.endswith("部门") and len(value) > 6 else value
    if title:
        t = v.year.sub("", title)
        t = regex.sub(r"^[\d\s年度]+", "", t)
        m2 = regex.match(rf"(?P<dept>.{{2,40}}?(?:{_alt(v.org_suffixes)}))(?:部门|单位|本级|机关)?", t)
        if m2 and (county is None or m2["dept"] != county):
            return m2["dept"]
    if county:
        counts: Counter = Counter()
        for m3 in regex.finditer(regex.escape(county) + r"(?P<rest>\p{Han}{2,24})", text):
            rest = m3["rest"]
            for i in range(len(rest), 1, -1):
                cand = rest[:i]
                if any(cand.endswith(sfx) for sfx in v.org_suffixes) and not rest[i:].startswith("门"):
                    counts[county + cand] += 1
        if counts:
            top = max(counts.values())
            # the longest name used at least half as often as the most common one
            good = [c for c, n in counts.items() if n * 2 >= top and n >= 1]
            return max(good, key=lambda c: (len(c), counts[c]))
    return None


def _fiscal_year(text: str, title: str | None) -> int | None:
    v = vocab()
    if title:
        m = v.year.search(title)
        if m:
            return int(m["year"])
    counts = Counter(int(m["year"]) for m in v.year.finditer(text[:30000]))
    return counts.most_common(1)[0][0] if counts else None


def _kinds(text: str, title: str | None, headings: str) -> tuple[str, ...]:
    found = []
    head = (title or "") + "\n" + headings
    for k in vocab().kinds:
        if any(p in (title or "") for p in k.get("not_with", [])):
            continue
        in_head = any(p in head for p in k["title"])
        n = sum(text.count(p) for p in k["text"])
        if in_head or n >= int(k.get("min_count", 1)):
            found.append(k["name"])
    return tuple(found)


def text_to_metadata(text: Text, headings: str = "") -> Metadata:
    v = vocab()
    s = text.text
    title = _title(text)
    t = title or ""
    county = _best_place(v.county, s, v.org_starts, before="市州", title=t, exclude=v.not_counties)
    city = _best_place(v.city, s, v.org_starts + ((county,) if county else ()), title=t)
    province = _best_place(v.province, s, v.org_starts + ((city,) if city else ()) + ((county,) if county else ()), title=t)
    department = _department(s, title, county)
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
