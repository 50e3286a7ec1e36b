"""pipeline/words.py: jieba's dictionary loaded lazily must cut exactly as jieba's own load does."""
from __future__ import annotations

import marshal

import pytest

from pipeline import labels
from pipeline import words
from schemas.vocab import read_toml
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def both():
    """(ours, jieba's own) with the same fiscal words added and split, as resolve builds it."""
    import jieba

    data = read_toml("schemas", "facts.toml")["tokenizer"]
    ref = jieba.Tokenizer()
    ref.initialize()
    for w in data["split"]:
        ref.del_word(w)
    for w in data["words"]:
        ref.add_word(w, freq=2_000_000)
    return labels.tokenizer(), ref


def _corpus_strings() -> list[str]:
    """Every line and tab-separated cell of the seeds, and every synonym: the strings resolve cuts
    are labels drawn from these."""
    out = set()
    for p in SEEDS:
        for line in p.read_text("utf-8").splitlines():
            out.update(c.strip() for c in line.split("\t") if c.strip())
    for k in labels.vocab().keys.values():
        out.update(k.synonyms + k.fallback)
    return sorted(out)


def test_same_cut_as_jieba_over_the_corpus(both):
    ours, ref = both
    strings = _corpus_strings()
    assert len(strings) > 500
    differ = [s for s in strings if ours.lcut(s, HMM=False) != ref.lcut(s, HMM=False)]
    assert differ == []
    assert ours.total == ref.total


@pytest.mark.parametrize(
    "label, cut",
    [
        pytest.param("一般公共预算财政拨款收入", ["一般公共预算", "财政拨款", "收入"], id="fiscal-words-added"),
        pytest.param("abc123公用经费", ["abc123", "公用经费"], id="latin-run"),
        pytest.param("", [], id="empty"),
        pytest.param("𠀀𠀁", ["𠀀", "𠀁"], id="characters-not-in-the-dictionary"),
    ],
)
def test_examples(both, label, cut):
    ours, ref = both
    assert ours.lcut(label, HMM=False) == ref.lcut(label, HMM=False) == cut


def test_lazy_mapping_unpacks_only_what_is_asked():
    f = words.LazyFreq({"预": marshal.dumps({"预": 0, "预算": 5})})
    assert "预算" in f and f["预算"] == 5 and f.get("预") == 0
    assert "收" not in f and f.get("收入") is None and "" not in f
    f["收入"] = 7
    assert f["收入"] == 7
    with pytest.raises(KeyError):
        f["支出"]
    assert set(f._groups) == {"预", "收", "支"}  # asked for, found empty


def test_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setattr(words.tempfile, "gettempdir", lambda: str(tmp_path))
    cache = words._cache_path(words._dict_path())
    cache.write_bytes(b"not marshal data")
    tok = words.tokenizer()
    assert tok.lcut("项目支出", HMM=False) == ["项目", "支出"]
    packed, total = marshal.loads(cache.read_bytes())
    assert total == tok.total and "项" in packed
