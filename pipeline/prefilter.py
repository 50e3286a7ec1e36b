"""What every match of a regular expression must contain, read from the pattern's text: the
prefilters that let a search skip text where a pattern cannot match (a literal run for `str.find`,
the characters a heading needs or starts and ends with, the anchor words a score pattern holds one
of).

A small parser of the syntax the data files use, which `re` and `regex` read alike: literals,
escapes, classes, groups, lookarounds, alternatives, repeats, verbose spacing and comments. It
normalises as Python's own parser does (a group that captures nothing is spliced into its
sequence; alternatives lose their common first items and become a class when each is one
character), so the prefilters are what they were when read with Python's own parser, a private
module of `re` that may change in any Python release. What it does not know (inline flags and comments, back
references, conditionals, POSIX classes, a brace that is not a repeat) makes `parse` return None:
then there is no prefilter, which is always sound.

The parsed form is a tuple of items:
    ("lit", c)                   one character
    ("set", chars | None)        one character of `chars` (None: of a class not spelled out)
    ("at", kind)                 zero width: "^" "$" "A" "Z" "b" "B"
    ("look", items)              a lookahead or lookbehind, either sign (zero width)
    ("atomic", items)
    ("group", items)             a capturing group (named or not)
    ("branch", (items, …))       alternatives
    ("repeat", lo, hi, items, possessive)   hi None: no upper bound
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_WHITESPACE = " \t\n\r\v\f"  # what a verbose pattern skips (Python's and regex's parsers)
_CONTROL = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_HEX = {"x": 2, "u": 4, "U": 8}
_AT = {"A": "A", "Z": "Z", "b": "b", "B": "B"}
_BRACES = re.compile(r"\{(\d+)\}|\{(\d*),(\d*)\}")
_NAME = re.compile(r"P?<([A-Za-z_]\w*)>")


class _Unsupported(Exception):
    pass


class _Parser:
    def __init__(self, pattern: str, verbose: bool):
        self.s, self.i, self.verbose = pattern, 0, verbose

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def take(self) -> str:
        if self.i >= len(self.s):
            raise _Unsupported
        self.i += 1
        return self.s[self.i - 1]

    def skip_spacing(self) -> None:
        while self.verbose and self.i < len(self.s):
            c = self.s[self.i]
            if c in _WHITESPACE:
                self.i += 1
            elif c == "#":
                j = self.s.find("\n", self.i)
                self.i = len(self.s) if j < 0 else j + 1
            else:
                return

    def alternatives(self) -> tuple:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return _branch(branches)

    def sequence(self) -> list:
        items: list = []
        last: tuple | None = None  # the last atom as a repeat's body
        while True:
            self.skip_spacing()
            c = self.peek()
            if c in ("", "|", ")"):
                return items
            if c in "*+?{":
                if last is None:
                    raise _Unsupported  # nothing to repeat, or a repeat repeated
                lo, hi, possessive = self.quantifier()
                del items[len(items) - len(last):]
                items.append(("repeat", lo, hi, last, possessive))
                last = None
                continue
            atom = self.atom()
            if atom[0] == "splice":  # a group that captures nothing: its items join the sequence
                last = atom[1]
                items.extend(last)
            else:
                last = None if atom[0] in ("at", "look") else (atom,)
                items.append(atom)

    def quantifier(self) -> tuple[int, int | None, bool]:
        c = self.take()
        if c == "*":
            lo, hi = 0, None
        elif c == "+":
            lo, hi = 1, None
        elif c == "?":
            lo, hi = 0, 1
        else:
            m = _BRACES.match(self.s, self.i - 1)
            if m is None or m[0] == "{,}":
                raise _Unsupported  # a literal brace to the engines: not read here
            self.i = m.end()
            if m[1] is not None:
                lo = hi = int(m[1])
            else:
                lo, hi = int(m[2] or 0), (int(m[3]) if m[3] else None)
        possessive = False
        if self.peek() == "?":
            self.i += 1
        elif self.peek() == "+":
            self.i += 1
            possessive = True
        return lo, hi, possessive

    def atom(self) -> tuple:
        c = self.take()
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == "\\":
            return self.escape()
        if c == ".":
            return ("set", None)
        if c in "^$":
            return ("at", c)
        return ("lit", c)

    def group(self) -> tuple:
        kind = "group"
        if self.s.startswith("?", self.i):
            self.i += 1
            name = _NAME.match(self.s, self.i)
            if name:
                self.i = name.end()
            elif self.s.startswith(":", self.i):
                self.i += 1
                kind = "splice"
            elif self.s.startswith(("=", "!"), self.i):
                self.i += 1
                kind = "look"
            elif self.s.startswith(("<=", "<!"), self.i):
                self.i += 2
                kind = "look"
            elif self.s.startswith(">", self.i):
                self.i += 1
                kind = "atomic"
            else:
                raise _Unsupported  # inline flags, a comment, a back reference, a conditional …
        body = self.alternatives()
        if self.take() != ")":
            raise _Unsupported
        return (kind, body)

    def escape(self) -> tuple:
        c = self.take()
        if c in "dDsSwW":
            return ("set", None)
        if c in "pP":
            if self.peek() == "{":
                j = self.s.find("}", self.i)
                if j < 0:
                    raise _Unsupported
                self.i = j + 1
            else:
                self.take()
            return ("set", None)
        if c in _AT:
            return ("at", _AT[c])
        return ("lit", self.escaped_char(c))

    def escaped_char(self, c: str) -> str:
        """The character an escape `\\c…` stands for (outside a class or inside one)."""
        if c in _CONTROL:
            return _CONTROL[c]
        if c in _HEX:
            digits = self.s[self.i:self.i + _HEX[c]]
            if len(digits) != _HEX[c] or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise _Unsupported
            self.i += _HEX[c]
            return chr(int(digits, 16))
        if c.isascii() and c.isalnum():
            raise _Unsupported  # a back reference, an octal or named character, an escape of regex's own
        return c

    def char_class(self) -> tuple:
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        chars: set[str] = set()
        spelled = not negated
        first = True
        while True:
            c = self.take()
            if c == "]" and not first:
                break
            first = False
            if c == "[" and self.peek() == ":":
                raise _Unsupported  # a POSIX class to regex
            if c == "\\":
                e = self.take()
                if e in "dDsSwWpP":
                    spelled = False
                    if e in "pP":
                        self.escape_property()
                    continue
                c = self.escaped_char(e)
            if self.peek() == "-" and self.s[self.i + 1:self.i + 2] not in ("]", ""):
                self.i += 1  # a range
                if self.take() == "\\":
                    self.escaped_char(self.take())
                spelled = False
                continue
            chars.add(c)
        if not spelled:
            return ("set", None)
        if len(chars) == 1:
            return ("lit", next(iter(chars)))
        return ("set", frozenset(chars))

    def escape_property(self) -> None:
        if self.peek() == "{":
            j = self.s.find("}", self.i)
            if j < 0:
                raise _Unsupported
            self.i = j + 1
        else:
            self.take()


def _branch(branches: list[list]) -> tuple:
    """Alternatives as Python's parser keeps them: common first items moved out, one character
    each made a class, else a branch."""
    if len(branches) == 1:
        return tuple(branches[0])
    out = []
    while all(branches) and all(b[0] == branches[0][0] for b in branches):
        out.append(branches[0][0])
        branches = [b[1:] for b in branches]
    if all(len(b) == 1 and b[0][0] in ("lit", "set") for b in branches):
        chars: set[str] | None = set()
        for (op, arg), in branches:
            if op == "lit":
                chars.add(arg)
            elif arg is None:
                chars = None
                break
            else:
                chars |= arg
        out.append(("set", None if chars is None else frozenset(chars)))
    else:
        out.append(("branch", tuple(tuple(b) for b in branches)))
    return tuple(out)


@lru_cache(maxsize=256)
def parse(pattern: str, verbose: bool = False) -> tuple | None:
    """The pattern's items (module docstring), or None when it uses what this parser does not read."""
    p = _Parser(pattern, verbose)
    try:
        items = p.alternatives()
    except _Unsupported:
        return None
    return items if p.i == len(pattern) else None  # an unbalanced ")"


def _literal_chars(item: tuple) -> frozenset[str] | None:
    op, arg = item[0], item[1]
    if op == "lit":
        return frozenset(arg)
    if op == "set":
        return arg
    return None


def required_literal(pattern: str, verbose: bool = False) -> str | None:
    """The longest run of characters at the top level of the pattern (not in a capturing group, a
    class, an alternative or a repeat): every match holds it, in this order. None if there is none
    or the pattern is not read."""
    items = parse(pattern, verbose)
    if items is None:
        return None
    runs, run = [], ""
    for op, *arg in items:
        if op == "lit":
            run += arg[0]
        else:
            runs.append(run)
            run = ""
    runs.append(run)
    return max(runs, key=len) or None


def required_chars(pattern: str, verbose: bool = False) -> tuple[frozenset[str], ...] | None:
    """Character sets every match has a character of: each top-level character and each top-level
    class that spells its characters ("[（(]"). None when there is none or the pattern is not read."""
    items = parse(pattern, verbose)
    if items is None:
        return None
    return tuple(c for c in map(_literal_chars, items) if c is not None) or None


def edge_chars(pattern: str, verbose: bool = False) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """(first, last): the characters a text must start (end) with for `pattern` to match it, when
    the pattern is anchored there by ^ ($) and its first (last) part is one of few known
    characters; None where nothing is known."""
    items = parse(pattern, verbose)
    if items is None:
        return None, None
    first = last = None
    if len(items) >= 2 and items[0] == ("at", "^"):
        first = _end_chars(items[1:], 0)
    if len(items) >= 2 and items[-1] == ("at", "$"):
        last = _end_chars(items[:-1], -1)
    return first, last


def _end_chars(items: Sequence[tuple], at: int) -> frozenset[str] | None:
    """The characters the first (at=0) or last (at=-1) character matched by `items` can be; None
    when not known (a repeat that may be empty, a class not spelled out, a lookaround …)."""
    if not items:
        return None
    item = items[at]
    op = item[0]
    if op in ("lit", "set"):
        return _literal_chars(item)
    if op == "group":
        return _end_chars(item[1], at)
    if op == "branch":
        out: set[str] = set()
        for alt in item[1]:
            chars = _end_chars(alt, at)
            if chars is None:
                return None
            out |= chars
        return frozenset(out)
    if op == "repeat" and item[1] >= 1:
        return _end_chars(item[3], at)
    return None


_SPELLINGS = 512  # the most texts a run of parts is spelled out to


def needs_one_of(pattern: str, words: Sequence[str], verbose: bool = True) -> bool:
    """Does every match of `pattern` contain one of `words`? A sound test (True is proved, False
    may be a miss): every run of consecutive parts whose texts are few and known (characters, small
    alternatives and classes, optional parts) is spelled out: if every spelling holds a word, so
    does every match. An alternative needs a word in each branch; a repeat at least once needs it in
    its body. A pattern that is not read needs nothing."""
    items = parse(pattern, verbose)
    return items is not None and _needs(items, tuple(words))


def _product(sets) -> set[str] | None:
    out = {""}
    for s in sets:
        out = {a + b for a in out for b in s}
        if len(out) > _SPELLINGS:
            return None
    return out


def _exact(item: tuple) -> set[str] | None:
    """Every text the item can match, or None when there are many or unknown."""
    op = item[0]
    if op == "lit":
        return {item[1]}
    if op in ("at", "look"):
        return {""}  # zero width
    if op == "set":
        return None if item[1] is None else set(item[1])
    if op == "group":
        return _seq_exact(item[1])
    if op == "branch":
        out: set[str] = set()
        for alt in item[1]:
            e = _seq_exact(alt)
            if e is None:
                return None
            out |= e
        return out
    if op == "repeat" and not item[4]:
        _, lo, hi, body, _ = item
        e = _seq_exact(body)
        if e is None or hi is None or hi > 4:
            return None
        out = set()
        for n in range(lo, hi + 1):
            p = _product([e] * n)
            if p is None:
                return None
            out |= p
        return out
    return None


def _seq_exact(seq) -> set[str] | None:
    sets = [_exact(i) for i in seq]
    return None if any(e is None for e in sets) else _product(sets)


def _needs(items, words: tuple[str, ...]) -> bool:
    for item in items:
        op = item[0]
        if op == "group" and _needs(item[1], words):
            return True
        if op == "branch" and all(_needs(alt, words) for alt in item[1]):
            return True
        if op == "repeat" and item[1] >= 1 and _needs(item[3], words):
            return True
    known = [_exact(i) for i in items]
    for a in range(len(items)):
        for b in range(a + 1, len(items) + 1):
            if known[b - 1] is None:
                break
            spelled = _product(known[a:b])
            if spelled is None:
                break
            if all(any(w in s for w in words) for s in spelled):
                return True
    return False
