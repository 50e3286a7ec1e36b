"""Money units (data in units.toml) and exact conversion between them."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

import regex

from schemas.vocab import read_toml

WAN = Decimal(10000)
FEN = Decimal("0.01")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Decimal], dict[str, str], Decimal]:
    data = read_toml("extractors", "units.toml")
    factors = {u["name"]: Decimal(u["factor"]) for u in data["unit"]}
    return factors, dict(data.get("aliases", {})), Decimal(data["largest_yuan"])


def plausible(value: Decimal, unit: str) -> bool:
    """Whether a number printed in a unit can be an amount of money: below units.toml's largest_yuan."""
    return abs(value) * _table()[0][unit] < _table()[2]


def to_decimal(number: str) -> Decimal | None:
    """'1,240.56' -> Decimal('1240.56'); None when it is not a number."""
    try:
        return Decimal(number.replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        return None


# the word a stated unit follows ("单位：万元"): text without it states no 单位 line
UNIT_WORD = "单位"


@lru_cache(maxsize=1)
def _stated() -> regex.Pattern:
    unit_alt = "|".join(regex.escape(u) for u in unit_names())
    return regex.compile(
        rf"""
        [（(]\s*(?:{UNIT_WORD}\s*[:：]?\s*)?(?P<unit>{unit_alt}|万|亿)\s*[)）]     # （万元） (单位：万元)
        | {UNIT_WORD}\s*[:：]\s*(?:人民币\s*)?(?P<unit2>{unit_alt}|万|亿)   # 单位：万元
        """,
        regex.VERBOSE,
    )


@lru_cache(maxsize=1 << 16)
def header_unit(s: str) -> str | None:
    """The money unit a header, caption or line states: "年度预算数（万元）", "单位：元"; None."""
    m = _stated().search(s)
    if not m:
        return None
    return canonical_unit(m["unit"] or m["unit2"])


def unit_line(s: str) -> str | None:
    """The unit of a "单位：万元" statement only (not of a parenthesis), None without one."""
    if UNIT_WORD not in s:
        return None
    m = _stated().search(s)
    return canonical_unit(m["unit2"]) if m and m["unit2"] else None


_ONE_CHAR_UNIT = regex.compile(r"\p{Han}(?:/\p{Han}{1,2})?")


@lru_cache(maxsize=1 << 16)
def is_count_unit(s: str) -> bool:
    """A unit of counts or measures (units.toml `count_units`, or one Han character such as 次, or
    次/年): a number beside it is no money."""
    s = s.strip()
    return s in _counts() or bool(_ONE_CHAR_UNIT.fullmatch(s))


@lru_cache(maxsize=1)
def _counts() -> frozenset[str]:
    return frozenset(read_toml("extractors", "units.toml")["count_units"])


def unit_names() -> list[str]:
    """Unit names, longest first (the order regex alternations need)."""
    return sorted(_table()[0], key=len, reverse=True)


def canonical_unit(name: str | None) -> str | None:
    """The unit a spelling means ("万" -> "万元"), or None if it is not a money unit."""
    if not name:
        return None
    factors, aliases, _ = _table()
    name = name.strip()
    if name in factors:
        return name
    return aliases.get(name)


def factor(unit: str) -> Decimal:
    return _table()[0][unit]


def to_yuan(value: Decimal, unit: str) -> Decimal:
    """Exact amount in 元, to the fen."""
    return (value * _table()[0][unit]).quantize(FEN)


def to_wan(value: Decimal, unit: str) -> Decimal:
    """Exact amount in 万元 (no rounding: 87759 百元 -> 87.759 万元 stays exact)."""
    return value * _table()[0][unit] / WAN


def to_yuan_wan(value: Decimal, unit: str) -> tuple[Decimal, Decimal]:
    """(to_yuan(value, unit), to_wan(value, unit)) with one look-up of the factor: extract converts
    every figure both ways."""
    scaled = value * _table()[0][unit]
    return scaled.quantize(FEN), scaled / WAN


def half_last_digit(value: Decimal, unit: str | None = None, to: str = "万元") -> Decimal:
    """Half a unit of the last printed digit of `value`: the rounding the printed figure may carry,
    the tolerance of every comparison with it ("127.43" 万元 -> 0.005 万元; "156211123" 元 -> 0.00005
    万元). A money figure printed in `unit` comes back in `to` (万元 or 元); with no unit (a percent, a
    count, a rate) in the figure's own terms ("12.5" % -> 0.05)."""
    return _half_at(value.as_tuple().exponent, unit, to)


@lru_cache(maxsize=1 << 10)
def _half_at(exp: int | str, unit: str | None, to: str) -> Decimal:
    # it depends on the figure's exponent only: a few dozen (exponent, unit, to) triples recur
    half = Decimal(5).scaleb(exp - 1) if isinstance(exp, int) else Decimal(0)
    if unit is None:
        return half
    wan = to_wan(half, unit)
    if to == "万元":
        return wan
    if to == "元":
        return wan * WAN
    raise ValueError(f"half_last_digit: to={to!r}, expected 万元 or 元")
