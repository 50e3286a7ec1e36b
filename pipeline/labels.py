"""labels: a figure's label -> a canonical key (DESIGN §5), the vocabulary of schemas/facts.toml.

The label is cut into words by jieba (with the fiscal terms of facts.toml added to its dictionary,
once per process); a synonym matches when it stands in the label on word boundaries and only
measure or filler words follow it. A scope word before it (财政拨款, 一般公共预算 …) makes the label
a narrower figure, not a candidate, unless the key accepts that scope (“三公”经费 are always
财政拨款). The longest synonym decides the key.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from schemas.vocab import numbering, read_toml


@dataclass(frozen=True)
class KeySpec:
    key: str
    unit: str
    synonyms: tuple[str, ...]
    fallback: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()  # a table whose title ends so has this key as its total
    titles_unless: tuple[str, ...] = ()  # … unless one of its cells says this (a wider total)


@dataclass(frozen=True)
class Synonym:
    text: str  # as written in facts.toml
    canon: str  # words joined after connectors are dropped
    key: str
    tier: int  # 0 synonym, 1 fallback


@dataclass(frozen=True)
class NilPart:
    """facts.toml [[nil_part]]: a figure labelled `whole` whose next figure in the sentence, a part
    labelled one of `parts`, is 0 is the key's figure (both as their words, connectors dropped)."""

    key: str
    whole: tuple[tuple[str, ...], ...]
    parts: frozenset[str]


@dataclass(frozen=True)
class _Vocab:
    keys: dict[str, KeySpec]
    synonyms: tuple[Synonym, ...]
    connectors: frozenset[str]
    after: frozenset[str]
    qualifiers: frozenset[str]
    total_words: frozenset[str]
    value_words: frozenset[str]
    index_headers: tuple[str, ...]
    code_row: regex.Pattern
    staff_units: tuple[str, ...]
    zero: tuple[tuple[regex.Pattern, tuple[str, ...]], ...] = ()
    nil_parts: tuple[NilPart, ...] = ()
    code_label: regex.Pattern | None = None  # a label that starts with its code in brackets
    code_part: regex.Pattern | None = None  # the 款 (项) part of a code split over columns
    project_statements: frozenset[str] = frozenset()  # statement kinds whose rows are projects


@dataclass(frozen=True)
class LabelMatch:
    key: str
    tier: int
    synonym: str


# --- vocabulary --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def tokenizer():
    from pipeline.words import tokenizer

    data = read_toml("schemas", "facts.toml")["tokenizer"]
    tok = tokenizer()  # jieba's default dictionary without its one-second load
    for w in data["split"]:
        tok.del_word(w)
    for w in data["words"]:
        tok.add_word(w, freq=2_000_000)
    return tok


_MARKERS = regex.compile(
    rf"""
    ^(?:\s*
        (?: 其中\s*[:：]?                         # 其中：
          | {numbering().item}                    # 一、 （一） (1) 1. 第一部分: schemas/headings.toml
        )
    )+
    """,
    regex.VERBOSE,
)
_DROP_CHARS = regex.compile(r"[\s“”‘’\"'「」『』《》:：]")


@lru_cache(maxsize=1 << 16)
def clean(label: str) -> str:
    # labels repeat a lot (every row of every table): two regex.sub per call are worth caching
    label = label.replace("(", "（").replace(")", "）")
    label = _MARKERS.sub("", label)
    return _DROP_CHARS.sub("", label)


def words(label: str, connectors: frozenset[str] | None = None) -> list[str]:
    """The label's words (jieba with the fiscal dictionary), connectors dropped."""
    connectors = vocab().connectors if connectors is None else connectors
    return [w for w in tokenizer().lcut(clean(label), HMM=False) if w.strip() and w not in connectors]


@lru_cache(maxsize=1)
def vocab() -> _Vocab:
    data = read_toml("schemas", "facts.toml")
    connectors = frozenset(data["match"]["connectors"])
    keys = {}
    syns = []
    for k in data["key"]:
        spec = KeySpec(
            key=k["key"], unit=k["unit"], synonyms=tuple(k["synonyms"]), fallback=tuple(k.get("fallback", ())),
            accept=tuple(k.get("accept", ())), parts=tuple(k.get("parts", ())),
            titles=tuple(k.get("titles", ())), titles_unless=tuple(k.get("titles_unless", ())),
        )
        keys[spec.key] = spec
        for tier, group in enumerate((spec.synonyms, spec.fallback)):
            for s in group:
                syns.append(Synonym(s, "".join(words(s, connectors)), spec.key, tier))
    syns.sort(key=lambda s: (-len(s.canon), s.tier))
    return _Vocab(
        keys=keys,
        synonyms=tuple(syns),
        connectors=connectors,
        after=frozenset(data["match"]["after"]),
        qualifiers=frozenset(data["match"]["qualifiers"]),
        total_words=frozenset(data["match"]["total_words"]),
        value_words=frozenset(data["match"]["value_words"]),
        index_headers=tuple(data["match"]["index_headers"]),
        code_row=regex.compile(data["match"]["code_row"]),
        staff_units=tuple(data["staff"]["units"]),
        zero=tuple((regex.compile(z["pattern"]), tuple(z["keys"])) for z in data.get("zero", ())),
        nil_parts=tuple(
            NilPart(n["key"], tuple(tuple(words(w, connectors)) for w in n["whole"]),
                    frozenset("".join(words(w, connectors)) for w in n["parts"]))
            for n in data.get("nil_part", ())
        ),
        code_label=regex.compile(data["match"]["code_label"]),
        code_part=regex.compile(data["match"]["code_part"]),
        project_statements=frozenset(data["match"]["project_statements"]),
    )


@lru_cache(maxsize=1 << 16)
def match_label(label: str | None) -> LabelMatch | None:
    """The key a label names (longest synonym on word boundaries), or None."""
    if not label:
        return None
    v = vocab()
    if cannot_match(clean(label)):
        return None  # (jieba is the cost of a new label)
    ws: list[str] = []
    joined_on: set[int] = set()  # indexes of the words right after a connector
    for w in tokenizer().lcut(clean(label), HMM=False):
        if not w.strip():
            continue
        if w in v.connectors:
            joined_on.add(len(ws))
        else:
            ws.append(w)
    if not ws:
        return None
    joined = "".join(ws)
    bounds = [0]
    for w in ws:
        bounds.append(bounds[-1] + len(w))
    at = {b: i for i, b in enumerate(bounds)}
    for syn in v.synonyms:
        i = joined.find(syn.canon)
        while i >= 0:
            j = i + len(syn.canon)
            if i in at and j in at:
                before, after = ws[: at[i]], ws[at[j]:]
                scoped = [w for w in before if w in v.qualifiers and w not in v.keys[syn.key].accept]
                if all(w in v.after for w in after) and not scoped and not (at[i] in joined_on and _names_a_key(joined[:i], at, syn.key)):
                    return LabelMatch(syn.key, syn.tier, syn.text)
            i = joined.find(syn.canon, i + 1)
    return None


def _names_a_key(head: str, at: dict[int, int], key: str) -> bool:
    """The words before a connector end in a synonym of another key: the label joins two figures
    and names their sum ("基本支出和项目支出674.35万元", 平潭 2014), neither of them."""
    return any(s.key != key and head.endswith(s.canon) and len(head) - len(s.canon) in at for s in vocab().synonyms)


@lru_cache(maxsize=1)
def any_synonym() -> tuple[regex.Pattern, dict] | None:
    """Any synonym as matched, and a table that deletes the connectors' characters; None when a
    synonym has a connector character itself (then deleting them could hide it)."""
    v = vocab()
    chars = set("".join(v.connectors))
    canons = sorted({s.canon for s in v.synonyms}, key=len, reverse=True)
    if any(chars & set(c) or "".join(c.split()) != c for c in canons):
        return None
    return regex.compile("|".join(regex.escape(c) for c in canons)), str.maketrans("", "", "".join(chars))


def cannot_match(cleaned: str) -> bool:
    """No synonym can match a cleaned label: its words (connectors and spaces dropped) join to a
    subsequence of it that keeps every other character, so a synonym that matches occurs in it
    with all connector characters and spaces deleted. Saves jieba for most new labels."""
    anything = any_synonym()
    if anything is None:
        return False
    synonym, drop = anything
    return not synonym.search("".join(cleaned.translate(drop).split()))


@lru_cache(maxsize=1 << 14)
def nil_part_whole(label: str | None) -> NilPart | None:
    """The [[nil_part]] rule whose `whole` the label ends in (on word boundaries, no scope word
    before it: "1. 财政拨款收入"), or None."""
    v = vocab()
    if not label or not v.nil_parts:
        return None
    cleaned = clean(label)
    if not any(whole[-1] in cleaned for rule in v.nil_parts for whole in rule.whole):
        return None  # (jieba only for a label that may end so)
    ws = tuple(words(label))
    for rule in v.nil_parts:
        for whole in rule.whole:
            n = len(whole)
            if ws[-n:] == whole and not any(w in v.qualifiers for w in ws[:-n]):
                return rule
    return None


def is_nil_part(rule: NilPart, label: str | None) -> bool:
    """The label names one of the rule's parts ("其中政府性基金")."""
    return bool(label) and "".join(words(label)) in rule.parts


@lru_cache(maxsize=1 << 16)
def is_total_label(label: str | None) -> bool:
    return not label or clean(label) in vocab().total_words


@lru_cache(maxsize=1 << 16)
def takes_column_key(row_label: str | None) -> bool:
    """A row without a label, a total row or an "amount" row takes its key from the column header."""
    return is_total_label(row_label) or clean(row_label or "") in vocab().value_words


@lru_cache(maxsize=1 << 12)
def title_scope(title: str) -> frozenset[str]:
    """The scope words of a table title (titles repeat across reports: jieba once per title)."""
    return frozenset(w for w in words(title) if w in vocab().qualifiers)
