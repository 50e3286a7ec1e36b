"""pipeline/prefilter: what every match of a pattern must contain, read by its own small parser."""
from __future__ import annotations

import pytest
import regex

from extractors import projects, scores, subjects
from pipeline import labels
from pipeline import prefilter
from tests.conftest import ROOT

# --- the longest top-level literal run: (id, pattern, verbose, literal, a text it matches) ---------
REQUIRED_LITERAL = [
    # facts.toml's zero statements (resolve._zero_statements finds the literal with str.find)
    ("zero-three-public", r"(?:无|没有|未发生|不存在)\s*(?:财政拨款)?\s*[“\"]?三公[”\"]?\s*经费", False, "三公",
     "本部门无“三公”经费"),
    ("money-unit", r"\d+万元", False, "万元", "共12万元"),
    ("lookbehind-is-zero-width", r"(?<=x)三公经费", False, "三公经费", "x三公经费"),
    ("property-class-repeated", r"\p{Han}{2}经费", False, "经费", "公用经费"),
    ("class-with-a-bracket", r"[]三]公", False, "公", "三公"),
    ("optional-breaks-the-run", r"ab?c", False, "a", "ac"),
    ("counted-repeat-breaks-the-run", r"abc{2}de", False, "ab", "abccde"),
    ("capturing-group-breaks-the-run", r"a(b|c)d", False, "a", "acd"),
    ("escaped-dot-is-a-character", r"a\.b", False, "a.b", "a.b"),
    ("non-capturing-group-joins-the-run", r"a(?:bc)d", False, "abcd", "abcd"),
    ("common-prefix-of-alternatives", r"ab|ac", False, "a", "ac"),
    ("verbose-spacing-and-comment", "三公  # the word\n 经费", True, "三公经费", "三公经费"),
    ("verbose-escaped-space", r"a\ b", True, "a b", "a b"),
    ("heading-anchored", r"^[（(](?P<name>[^（）()：:]{2,40}?)[)）]$", True, None, "（县人代会会议经费）"),
    ("alternatives-of-one-character", r"a|b", False, None, "b"),
    ("class", r"[三公]", False, None, "公"),
    ("repeat-only", r"\s*", False, None, " "),
]

# patterns the parser does not read: no prefilter at all (always sound)
NOT_READ = [
    ("inline-flag", r"(?i)abc"),
    ("scoped-flag", r"a(?i:b)c"),
    ("inline-comment", r"(?#note)abc"),
    ("brace-not-a-repeat", r"a{2"),
    ("back-reference", r"(a)\1"),
    ("named-back-reference", r"(?P<x>a)(?P=x)"),
    ("posix-class", r"[[:alpha:]]x"),
    ("conditional", r"(a)?(?(1)b|c)"),
    ("unbalanced", r"ab)"),
    ("nothing-to-repeat", r"*a"),
]


@pytest.mark.parametrize("pattern,verbose,literal,text", [pytest.param(*e[1:], id=e[0]) for e in REQUIRED_LITERAL])
def test_required_literal(pattern, verbose, literal, text):
    assert prefilter.required_literal(pattern, verbose) == literal
    m = regex.search(pattern, text, regex.VERBOSE if verbose else 0)
    assert m and (literal is None or literal in m[0])


@pytest.mark.parametrize("pattern", [pytest.param(p, id=i) for i, p in NOT_READ])
def test_what_the_parser_does_not_read_has_no_prefilter(pattern):
    assert prefilter.parse(pattern) is None
    assert prefilter.required_literal(pattern) is None and prefilter.required_chars(pattern) is None
    assert prefilter.edge_chars(pattern) == (None, None)
    assert not prefilter.needs_one_of(pattern, ["a", "b", "c"])


# --- characters every match has one of, and the edges: (id, pattern, required chars, (first, last)) -
CHARS_AND_EDGES = [
    ("heading-in-brackets", r"^[（(](?P<name>[^（）()：:]{2,40}?)[)）]$",
     (frozenset("（("), frozenset("）)")), (frozenset("（("), frozenset("）)"))),
    ("heading-ending-in-report", r"^(?:\d{4}年度?)?(?P<name>[^，。；：]{2,40}?)项目绩效(?:报告|表)$",
     tuple(map(frozenset, "项目绩效")), (None, frozenset("告表"))),
    ("alternatives-first-characters", r"^(?:ab|c)+x?$", None, (frozenset("ac"), None)),
    ("optional-first-part", r"^a*b", (frozenset("b"),), (None, None)),
    ("multiline-edges-say-nothing", r"(?m)^ab$", None, (None, None)),
    ("ranges-are-not-spelled", r"[a-z]+x?", None, (None, None)),
    ("unanchored", r"(?:部门|单位)整体(?:支出)?绩效", tuple(map(frozenset, "整体绩效")), (None, None)),
]


@pytest.mark.parametrize("pattern,chars,edges", [pytest.param(*e[1:], id=e[0]) for e in CHARS_AND_EDGES])
def test_required_chars_and_edges(pattern, chars, edges):
    assert prefilter.required_chars(pattern, verbose=True) == chars
    assert prefilter.edge_chars(pattern, verbose=True) == edges


# --- does every match hold one of the words: (id, pattern, words, proved) -------------------------
NEEDS_ONE_OF = [
    ("each-alternative-spelled", r"(?:全年|调整后)预算(?:数|金额)?\d+", ["全年预算", "调整后预算"], True),
    ("top-level-alternatives", r"等[级次]|评级", ["等级", "等次", "评级"], True),
    ("optional-word-proves-nothing", r"(?:全年)?预算\d+", ["全年预算"], False),  # 预算 alone matches
    ("a-spelling-without-a-word", r"等[级次]|评级", ["等级", "评级"], False),
    ("property-class-is-unknown", r"\p{Han}{2}得", ["得分"], False),
    ("repeat-at-least-once", r"(?:得分)+\d+", ["得分"], True),
    ("possessive-repeat-body", r"(?:得分)++\d+", ["得分"], True),
    ("lookahead-is-zero-width", r"得(?=\d)分", ["得分"], True),
]


@pytest.mark.parametrize("pattern,words,proved", [pytest.param(*e[1:], id=e[0]) for e in NEEDS_ONE_OF])
def test_needs_one_of(pattern, words, proved):
    assert prefilter.needs_one_of(pattern, words) is proved


# --- the data files' patterns ----------------------------------------------------------------------
def _data_patterns():
    yield from (("subjects.toml heading", h["pattern"], True) for h in subjects.vocabulary()["heading"])
    yield from ((f"score_patterns.toml {p['name']}", scores.pattern_source(p), True) for p in scores.vocabulary()["pattern"])
    v = projects.vocabulary()
    yield from (("project_headers.toml prose", p["pattern"], True) for p in v["prose"])
    yield "project_headers.toml prose_list.intro", v["prose_list"]["intro"], True
    yield from (("facts.toml zero", p.pattern, False) for p, _ in labels.vocab().zero)


@pytest.mark.parametrize("origin,pattern,verbose", [pytest.param(*p, id=p[0]) for p in _data_patterns()])
def test_every_pattern_a_prefilter_reads_is_parsed(origin, pattern, verbose):
    """A data pattern the parser cannot read would lose its prefilter without a word said: each is
    read, and compiles alike in `regex`."""
    assert prefilter.parse(pattern, verbose) is not None, origin
    regex.compile(pattern, regex.VERBOSE if verbose else 0)


def test_no_module_reads_patterns_with_the_private_parser():
    """re._parser (sre_parse) is private and changes between Python releases: subjects and scores
    used it, resolve had a third reader of its own; pipeline.prefilter is the one reader."""
    sources = sorted(p for d in ("pipeline", "extractors", "schemas") for p in (ROOT / d).glob("*.py"))
    private = ("re._parser", "sre_parse", "re._constants", "sre_constants")
    assert [f"{p.parent.name}/{p.name}" for p in sources if any(m in p.read_text("utf-8") for m in private)] == []
