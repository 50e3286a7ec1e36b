"""Indicator values: "≥20次", "≤760万元", "1-2次", "100.00%", "定性", "2024年12月底之前完成".

`parse_value` returns a `Value`: the operator (≥ ≤ = > <, or None), the number as a Decimal (the
lower bound of a range), the unit, and the raw text. A value that is not "operator? number unit?"
is qualitative: raw only. Operator spellings are data (indicator_headers.toml [operators]).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import regex

from schemas.vocab import read_toml

QUALITATIVE = "定性"


@dataclass(frozen=True)
class Value:
    raw: str
    operator: str | None = None
    number: Decimal | None = None
    unit: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.number is not None


def vocabulary() -> dict:
    """indicator_headers.toml, parsed once."""
    return read_toml("extractors", "indicator_headers.toml")


@lru_cache(maxsize=1)
def operators() -> dict[str, str]:
    return dict(vocabulary()["operators"])


@lru_cache(maxsize=1)
def _value_re() -> regex.Pattern:
    spellings = sorted(operators(), key=len, reverse=True)
    ops = "|".join(regex.escape(s) for s in spellings)
    return regex.compile(
        rf"""
        ^\s*
        (?:(?P<prefix>\p{{Han}}{{1,4}})(?=\s*(?:{ops})))?  # "全年≥10000家次": a short word before an operator
        \s*
        (?P<op>{ops})?                               # ≥ ≤ = > < and their spellings
        \s*
        (?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)           # 20, 1,240.56, 100.00
        (?:\s*[-~～—–至到]\s*(?P<num2>\d+(?:\.\d+)?))?  # a range: 1-2次 keeps its lower bound
        \s*
        (?P<unit>[^\d\s≥≤<>=＜＞＝]{{1,8}})?            # 次, %, 万元, 个（套）, 元/户
        \s*$
        """,
        regex.VERBOSE,
    )


_UNIT_RE = regex.compile(
    r"""
    ^(?:
        [%‰]                                   # percent, per mille
      | [\p{Han}A-Za-z²³/]{1,4}                # 次, 万元, 元/户, 人次, km²
        (?:[（(][\p{Han}A-Za-z/]{1,3}[）)])?     # 个（套）, 篇（部）
    )$
    """,
    regex.VERBOSE,
)


def normalise_operator(op: str | None) -> str | None:
    if op is None:
        return None
    op = op.strip()
    if not op:
        return None
    return operators().get(op)


def looks_like_unit(s: str) -> bool:
    """A short unit such as 次, %, 万元, 个（套）, 元/户 (not a sentence, not a number)."""
    s = s.strip()
    if not s or not _UNIT_RE.match(s):
        return False
    values = vocabulary()["values"]
    return s not in values["not_unit_exact"] and not any(w in s for w in values["not_unit_words"])


@lru_cache(maxsize=4096)
def parse_number(s: str) -> Decimal | None:
    """A plain number ("95", "100.00", "1,240.56", "93.47%"), or None. Cached: cell texts repeat,
    and a Decimal cannot be changed by the caller."""
    m = _NUMBER_RE.match(s.strip()) if s else None
    if not m:
        return None
    try:
        return Decimal(m["num"].replace(",", ""))
    except InvalidOperation:
        return None


_NUMBER_RE = regex.compile(r"^(?P<num>[-+]?\d+(?:,\d{3})*(?:\.\d+)?)\s*%?$")


@lru_cache(maxsize=4096)
def parse_value(raw: str | None) -> Value | None:
    """Operator, number and unit of an indicator value; None for an empty cell. Cached: values
    ("100%", "≥95%") repeat, and a Value is frozen."""
    if raw is None:
        return None
    text = raw.strip()
    if not text or text in ("/", "-", "—", "－", "无", "——"):
        return None if not text else Value(raw=text)
    m = _value_re().match(text)
    if not m:
        return Value(raw=text)
    unit = m["unit"].strip() if m["unit"] else None
    if unit is not None and not looks_like_unit(unit):
        return Value(raw=text)  # "2024年12月底之前完成": a date or a sentence, not a figure
    try:
        number = Decimal(m["num"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return Value(raw=text)
    return Value(raw=text, operator=normalise_operator(m["op"]), number=number, unit=unit)
