"""The vocabulary files are data: each is validated here."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import warnings

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import money, units
from pipeline.process import process_path
from schemas.vocab import heading_prefix, heading_style_pattern, heading_styles, read_toml, text_noise
from schemas.tables import TABLES, describe
from tests.conftest import CORPUS, ROOT

DESIGN_UNITS = {"元": 1, "百元": 100, "千元": 1000, "万元": 10000, "亿元": 100000000}


def test_units_match_design():
    assert {u: int(units.factor(u)) for u in units.unit_names()} == DESIGN_UNITS
    assert units.unit_names() == sorted(units.unit_names(), key=len, reverse=True)
    for alias, target in read_toml("extractors", "units.toml")["aliases"].items():
        assert target in DESIGN_UNITS, alias


def test_heading_styles_compile_and_have_groups():
    styles = heading_styles()
    assert [s.rank for s in styles] == sorted(s.rank for s in styles)
    for s in styles:
        assert {"number", "title"} <= set(s.pattern.groupindex), s.name


def _lets_through(line: str) -> bool:
    """heading_prefix (stdlib `re`) lets through every line that a style (`regex`) matches, and
    every line that the prefix as `regex` compiles it matches: it is a test before the styles."""
    if heading_prefix().match(line):
        return True
    return heading_style_pattern()[0].match(line) is None and _PREFIX_AS_REGEX.match(line) is None


_PREFIX_AS_REGEX = regex.compile(read_toml("schemas", "headings.toml")["prefix"])
_ALL_CHARS = list(map(chr, range(0x110000)))


def test_heading_prefix_lets_through_what_regex_counts_as_digit_or_space():
    """`re` and `regex` have their own Unicode tables: the prefix, run by `re`, must let through
    every character that `regex` counts in `\\d` (a style's first character), after every run of
    what `regex` counts in `\\s`, over every code point."""
    prefix = heading_prefix().match
    digits = regex.compile(r"\d").fullmatch
    spaces = regex.compile(r"\s").fullmatch
    assert [c for c in _ALL_CHARS if digits(c) and not prefix(c)] == []
    assert [c for c in _ALL_CHARS if spaces(c) and not prefix(c + "1")] == []
    assert [c for c in _ALL_CHARS if spaces(c) and not re.fullmatch(r"\s", c)] == []


def _same_in_the_text(line: str) -> bool:
    """segment tries the prefix on a paragraph where it stands in the text, not stripped: the same
    answer as on the stripped paragraph (`\\s` is what str.strip strips, and no first character
    the prefix allows is white space)."""
    at = heading_prefix().match("一" + line + "\n1", 1, 1 + len(line)) is not None
    return at == (heading_prefix().match(line.strip()) is not None)


def test_heading_prefix_lets_through_the_styles_on_the_corpus():
    lines = [ln for p in sorted(CORPUS.glob("*.txt")) for ln in p.read_text("utf-8").split("\n")]
    assert lines
    assert [ln for ln in lines if not _lets_through(ln) or not _lets_through(ln.strip())] == []
    assert [ln for ln in lines if not _same_in_the_text(ln)] == []
    # on real text, where no character is above U+FFFF, `re` and `regex` agree on the prefix
    assert [ln for ln in lines if bool(heading_prefix().match(ln)) != bool(_PREFIX_AS_REGEX.match(ln))] == []


_HEADING_LIKE = st.text(
    st.sampled_from(list("第附件表部分一二三四五六七八九十百（）()、.．:：-—，。1 \t\u3000\u00a0\x1c\u2028")
                    + ["\U00011f50", "\U0001e4f0", "\u0663", "\uff11", "a", "项", "目"]),
    max_size=12,
)


@settings(max_examples=2000, deadline=None)
@given(_HEADING_LIKE)
def test_heading_prefix_lets_through_the_styles_on_generated_lines(line):
    assert _lets_through(line)
    assert _lets_through(line.strip())
    assert _same_in_the_text(line)


def test_noise_patterns_compile():
    n = text_noise()
    assert n.drop_line and n.strip.pattern and n.heading_marker.pattern


def test_money_vocabulary():
    data = read_toml("extractors", "money.toml")
    v = money.vocab()
    measures = {"actual", "budget", "initial_budget", "adjusted_budget", "prior_year", "change"}
    for rule in data["measure"]["prefix"] + data["measure"]["label"]:
        assert rule["measure"] in measures
    for group in ("trailing", "leading", "generic"):
        words = data["label"][group]
        assert len(words) == len(set(words)), f"duplicate in label.{group}"
    assert not set(data["table"]["not_money_headers"]) & set(data["table"]["value_headers"])
    assert v.money.pattern


def test_count_units():
    """units.toml's count units are no money units, appear once, and a one-character unit (次) or
    a rate (次/年) needs no entry."""
    words = read_toml("extractors", "units.toml")["count_units"]
    assert len(words) == len(set(words))
    assert not any(units.canonical_unit(w) for w in words)
    assert all(units.is_count_unit(w) for w in words + ["次", "次/年", "个"])
    assert not any(units.is_count_unit(w) for w in ["万元", "合计", "基本支出"])


def test_metadata_vocabulary():
    d = read_toml("schemas", "metadata.toml")
    kinds = {k["name"] for k in d["kind"]}
    assert kinds == {"final_accounts", "budget", "dept_performance", "project_performance", "target_declaration"}
    assert not regex.search(r"\P{Han}", d["not_in_name"])
    suffixes = d["place_suffixes"]
    assert set(suffixes) == {"county", "city", "province"}
    for words in suffixes.values():
        # a longer suffix ending in the same character as a shorter one is tried first
        for i, w in enumerate(words):
            assert not any(w.endswith(shorter) for shorter in words[:i]), (w, words)
    # 23 provinces and 5 autonomous regions, each a name the province suffixes end
    provinces = d["provinces"]
    assert len(provinces) == len(set(provinces)) == 28
    assert all(p.endswith(tuple(suffixes["province"])) for p in provinces)
    assert 0 < d["county_share"] <= 1
    assert all(regex.fullmatch(r"[（(]\p{Han}+[）)]", q) for q in d["org_qualifiers"])


def test_every_column_is_described():
    for name in TABLES:
        for col, typ, doc in describe(name):
            assert doc, f"{name}.{col} has no description"


def test_noise_patterns_need_a_marker_character():
    """read_text skips lines without one of NOISE_CHARS: every noise example must contain one."""
    from pipeline.read_text import NOISE_CHARS

    data = read_toml("schemas", "text_noise.toml")
    for pattern in data["strip"] + [data["heading_marker"]]:
        # each pattern requires a literal marker character (escaped or not) to match
        assert any(ch in pattern for ch in NOISE_CHARS), pattern


_SOURCES = sorted(p for d in ("pipeline", "extractors", "schemas", "tests") for p in (ROOT / d).glob("*.py"))


@pytest.mark.parametrize("path", _SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_source_compiles_without_warnings(path):
    """An invalid escape such as '\\s' in a docstring is a DeprecationWarning now and a
    SyntaxError in a later Python: such a docstring must be raw."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


_DATA_FILES = sorted((d, p.name) for d in ("schemas", "extractors") for p in (ROOT / d).glob("*.toml"))

# Counts every TOML parse of a process that runs the pipeline over the seeds, by the parsed text's
# file (tomllib.loads is what schemas/vocab.read_toml calls; tomllib.load is counted too).
_COUNT_PARSES = r"""
import collections, json, pathlib, sys, tomllib
names = {p.read_text("utf-8"): f"{p.parent.name}/{p.name}" for d in ("schemas", "extractors") for p in pathlib.Path(d).glob("*.toml")}
parses = collections.Counter()
loads = tomllib.loads
def counted(text, **kw):
    parses[names.get(text, "?")] += 1
    return loads(text, **kw)
tomllib.loads = counted
tomllib.load = lambda f, **kw: counted(f.read().decode("utf-8"), **kw)
from pipeline.process import process_path
for path in sys.argv[1:]:
    assert process_path(path).document["status"] == "ok", path
print(json.dumps(parses))
"""


def test_every_data_file_is_parsed_once_per_process():
    """schemas/vocab.read_toml parses each data file once per process (headings.toml was parsed three
    times over the seeds, facts.toml twice)."""
    seeds = [str(p) for p in sorted(CORPUS.glob("*.txt"))]
    out = subprocess.run([sys.executable, "-c", _COUNT_PARSES, *seeds], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    parses = json.loads(out.stdout.splitlines()[-1])
    assert {name: n for name, n in parses.items() if n != 1} == {}
    assert "extractors/money.toml" in parses and "schemas/headings.toml" in parses


def test_only_the_loader_parses_toml():
    """Every module loads its data file through schemas/vocab.read_toml (six extractors called
    tomllib themselves)."""
    callers = [p for p in _SOURCES if p.parent.name != "tests" and "tomllib" in p.read_text("utf-8")]
    assert [f"{p.parent.name}/{p.name}" for p in callers] == ["schemas/vocab.py"]


def test_the_pipeline_leaves_the_shared_data_files_as_they_are_written():
    """read_toml hands every caller the same parsed dict: after the pipeline has run over the seeds,
    each is still what its file says (no caller changed it in place)."""
    for p in sorted(CORPUS.glob("*.txt")):
        assert process_path(str(p)).document["status"] == "ok", p.name
    changed = [
        f"{package}/{name}"
        for package, name in _DATA_FILES
        if read_toml(package, name) != tomllib.loads((ROOT / package / name).read_text("utf-8"))
    ]
    assert changed == []


# --- numbering: one spelling (schemas/headings.toml [numbering]) -------------------------------------

ITEM_NUMBERS = [
    # (id, text, the number it starts with or None)
    ("seed-cn", "一、部门基本情况", "一、"), ("seed-cn-paren", "（二）收入情况", "（二）"),
    ("seed-arabic", "1.履职效能", "1."), ("seed-arabic-comma", "3、公务接待费", "3、"),
    ("seed-arabic-paren", "(1)数量指标", "(1)"), ("seed-part", "第一部分 部门概况", "第一部分"),
    ("sample-annex", "附件2：项目绩效目标表", "附件2："), ("sample-paren-stop", "（一）、行政运行", "（一）、"),
    ("seed-number-before-a-year", "2.2022年度政府工作经费", "2."),
    ("seed-decimal-is-no-number", "1.5万元", None), ("seed-date-is-no-number", "2024.12", None),
    ("seed-no-number", "一般公共预算支出", None),
]
TABLE_NUMBERS = [
    ("seed-table-one", "表一 收支总表", "表一"), ("sample-annex-table", "附表3-1：项目支出表", "附表3-1："),
    ("sample-open-table", "公开表六 一般公共预算“三公”经费支出情况表", "公开表六"),
    ("sample-annex-then-table", "附件1：表2 收入总表", "附件1：表2"), ("seed-no-table-number", "一般公共预算支出表", None),
]


@pytest.mark.parametrize("text, want", [c[1:] for c in ITEM_NUMBERS], ids=[c[0] for c in ITEM_NUMBERS])
def test_item_numbering(text, want):
    from schemas.vocab import numbering

    m = regex.match(rf"(?:{numbering().item})", text, regex.VERBOSE)
    assert (m.group(0).strip() if m else None) == want


@pytest.mark.parametrize("text, want", [c[1:] for c in TABLE_NUMBERS], ids=[c[0] for c in TABLE_NUMBERS])
def test_table_numbering(text, want):
    from schemas.vocab import numbering

    m = regex.match(rf"(?:{numbering().table})", text, regex.VERBOSE)
    assert (m.group(0).strip() if m else None) == want
    if want:
        assert numbering().table_only.match(want)


def test_numbering_is_spelled_once():
    """No module spells an outline number of its own ("[一二三四五六七八九十]…、" outside the data)."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    spelled = [str(p.relative_to(root)) for d in ("pipeline", "extractors") for p in (root / d).glob("*.py")
               if "[一二三四五六七八九十]" in p.read_text("utf-8") and "、" in p.read_text("utf-8")]
    assert spelled == [], spelled
