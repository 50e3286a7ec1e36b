"""Load the data files of schemas/ and extractors/ once (TOML), compiled where they hold patterns."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import regex


@lru_cache(maxsize=None)
def read_toml(package: str, name: str) -> dict:
    """The data file `name` of `package` ("schemas" or "extractors"), parsed once per process: every
    module loads its TOML through here. The parsed dict is shared by all callers, so none may change
    it (tests/test_data_files.py checks the pipeline leaves each as the file says)."""
    return tomllib.loads(resources.files(package).joinpath(name).read_text("utf-8"))


@dataclass(frozen=True)
class HeadingStyle:
    name: str
    rank: int
    max_title: int
    inner_punct: bool
    pattern: regex.Pattern


@lru_cache(maxsize=1)
def max_title_with_stop() -> int:
    return int(read_toml("schemas", "headings.toml")["max_title_with_stop"])


@lru_cache(maxsize=1)
def heading_styles() -> tuple[HeadingStyle, ...]:
    data = read_toml("schemas", "headings.toml")
    return tuple(
        HeadingStyle(
            name=s["name"],
            rank=int(s["rank"]),
            max_title=int(s["max_title"]),
            inner_punct=bool(s.get("inner_punct", False)),
            pattern=regex.compile(s["pattern"], regex.VERBOSE),
        )
        for s in data["style"]
    )


@lru_cache(maxsize=1)
def heading_style_pattern() -> tuple[regex.Pattern, tuple[int, ...]]:
    """All heading styles as one pattern, and the group number of each style in it.

    The styles (each ^…$) are tried in order as alternatives, style i inside group `s{i}`: the first
    of those groups that took part names the style, as trying the styles one by one would, in one
    call. Each ends with a line break so that a verbose comment in one cannot swallow the next."""
    styles = read_toml("schemas", "headings.toml")["style"]
    pattern = regex.compile("|".join(f"(?P<s{i}>{s['pattern']}\n)" for i, s in enumerate(styles)), regex.VERBOSE)
    return pattern, tuple(pattern.groupindex[f"s{i}"] for i in range(len(styles)))


@dataclass(frozen=True)
class Numbering:
    """schemas/headings.toml [numbering]: the pattern sources (verbose, no groups) every reader builds
    its own patterns on, and the ones read as they are."""
    item: str  # one outline number: 一、 （一） 1. (1) 第一部分 附件1
    table: str  # a table's number before its title: 表一 附表3-1 公开表六
    table_only: regex.Pattern  # a whole caption part that only numbers a table


@lru_cache(maxsize=1)
def numbering() -> Numbering:
    data = read_toml("schemas", "headings.toml")["numbering"]
    return Numbering(item=data["item"], table=data["table"],
                     table_only=regex.compile(rf"^(?:{data['table_only']})$", regex.VERBOSE))


@dataclass(frozen=True)
class Noise:
    drop_line: tuple[regex.Pattern, ...]
    strip: regex.Pattern
    heading_marker: regex.Pattern


@lru_cache(maxsize=1)
def text_noise() -> Noise:
    data = read_toml("schemas", "text_noise.toml")
    return Noise(
        drop_line=tuple(regex.compile(p) for p in data["drop_line"]),
        strip=regex.compile("|".join(f"(?:{p})" for p in data["strip"])),
        heading_marker=regex.compile(data["heading_marker"]),
    )


@lru_cache(maxsize=1)
def heading_prefix() -> re.Pattern:
    """What every heading style starts with: a cheap test before the styles are tried (it may let
    through more than they match, never less: headings.toml)."""
    return re.compile(read_toml("schemas", "headings.toml")["prefix"])
