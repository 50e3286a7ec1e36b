"""jieba's default dictionary, loaded a first character at a time.

`jieba.Tokenizer().initialize()` unmarshals its whole prefix dictionary (~500 000 entries) and
takes about a second — once per worker process, which on a 20 MB nightly batch is a fifth of the
run. Labels in fiscal tables use a few hundred distinct characters, and jieba only ever looks up
fragments of the sentence it cuts, so the dictionary is kept here grouped by first character and
a group is unpacked the first time a fragment starting with that character is looked up.

The segmentation is jieba's own: the same entries, frequencies and total, looked up through the
same three operations `get_DAG`/`calc`/`add_word` use (`in`, `[]`, `get`, `[]=`). A test cuts
every label of the corpus and the synonyms with both tokenizers and compares.

The grouped dictionary is built from jieba's dict.txt on first use and cached beside jieba's own
cache (the temp folder), keyed on jieba's version and the dictionary file's size and mtime.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path

CACHE_FORMAT = 1  # bump when the cache layout changes


class LazyFreq:
    """jieba's FREQ mapping (word or word prefix -> frequency, 0 for a prefix only), unpacked a
    first character at a time."""

    __slots__ = ("_packed", "_groups")

    def __init__(self, packed: dict[str, bytes]):
        self._packed = packed  # first character -> marshal.dumps({fragment: freq})
        self._groups: dict[str, dict[str, int]] = {}

    def _group(self, ch: str) -> dict[str, int]:
        g = self._groups.get(ch)
        if g is None:
            blob = self._packed.get(ch)
            g = self._groups[ch] = marshal.loads(blob) if blob is not None else {}
        return g

    def __contains__(self, word: str) -> bool:
        return bool(word) and word in self._group(word[0])

    def __getitem__(self, word: str) -> int:
        if not word:
            raise KeyError(word)
        return self._group(word[0])[word]

    def get(self, word: str, default=None):
        return self._group(word[0]).get(word, default) if word else default

    def __setitem__(self, word: str, freq: int) -> None:
        self._group(word[0])[word] = freq


def import_jieba():
    """`import jieba`, without the pkg_resources import it makes to locate its own data files
    (setuptools' deprecated module: ~0.3 s of every worker's start). jieba falls back to opening
    them by path, and this module reads dict.txt by path anyway."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # makes `import pkg_resources` raise ImportError
    try:
        import jieba
    finally:
        if blocked and sys.modules.get("pkg_resources", 0) is None:
            del sys.modules["pkg_resources"]
    return jieba


def _dict_path() -> Path:
    jieba = import_jieba()

    return Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)


def _cache_path(dict_path: Path) -> Path:
    jieba = import_jieba()

    st = dict_path.stat()
    key = f"{CACHE_FORMAT}:{jieba.__version__}:{dict_path}:{st.st_size}:{st.st_mtime_ns}"
    return Path(tempfile.gettempdir()) / f"cnbudget-jieba-{hashlib.sha1(key.encode()).hexdigest()[:16]}.cache"


def _build(dict_path: Path) -> tuple[dict[str, bytes], int]:
    jieba = import_jieba()

    with open(dict_path, "rb") as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)
    groups: dict[str, dict[str, int]] = {}
    for word, n in freq.items():
        groups.setdefault(word[0], {})[word] = n
    return {ch: marshal.dumps(g) for ch, g in groups.items()}, total


def _load() -> tuple[dict[str, bytes], int]:
    dict_path = _dict_path()
    cache = _cache_path(dict_path)
    try:
        with open(cache, "rb") as f:
            packed, total = marshal.load(f)
        return packed, total
    except (OSError, EOFError, ValueError, TypeError):
        pass  # no cache yet, or a damaged one: build it
    packed, total = _build(dict_path)
    try:  # written whole or not at all: parallel workers may build it at the same time
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=cache.name + ".")
        with os.fdopen(fd, "wb") as f:
            marshal.dump((packed, total), f)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only temp folder costs speed, not correctness
    return packed, total


def tokenizer():
    """A new jieba Tokenizer on the default dictionary, ready without the one-second load."""
    jieba = import_jieba()

    packed, total = _load()
    tok = jieba.Tokenizer()
    tok.FREQ = LazyFreq(packed)
    tok.total = total
    tok.initialized = True
    return tok
