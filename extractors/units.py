"""Money units (data in units.toml) and exact conversion between them."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from schemas.vocab import read_toml

WAN = Decimal(10000)
FEN = Decimal("0.01")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Decimal], dict[str, str]]:
    data = read_toml("extractors", "units.toml")
    factors = {u["name"]: Decimal(u["factor"]) for u in data["unit"]}
    return factors, dict(data.get("aliases", {}))


def unit_names() -> list[str]:
    """Unit names, longest first (the order regex alternations need)."""
    return sorted(_table()[0], key=len, reverse=True)


def canonical_unit(name: str | None) -> str | None:
    """The unit a spelling means ("万" -> "万元"), or None if it is not a money unit."""
    if not name:
        return None
    factors, aliases = _table()
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
