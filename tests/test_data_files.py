"""The vocabulary files are data: each is validated here."""
from __future__ import annotations

import warnings

import pytest
import regex

from extractors import money, units
from schemas.vocab import heading_styles, read_toml, text_noise
from schemas.tables import TABLES, describe
from tests.conftest import ROOT

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
    assert v.money.pattern and v.numeric_cell.pattern


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
