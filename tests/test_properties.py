"""Hostile and random input never raises in the text path; spans always round-trip."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import extract, read_text, segment
from pipeline.normalise import decoded_to_text
from pipeline.records import DocumentError

FISCAL = st.sampled_from(list("收入支出合计基本项目万元百元亿元千元占增长减少上年预算决算一二三、（）：，。；\t\n 0123456789.,%≥≤＝１２３"))
texts = st.one_of(st.text(), st.text(alphabet=FISCAL, max_size=400))


def _pipeline(data: bytes):
    try:
        decoded = read_text.decode(data)
    except DocumentError:
        return None
    text = decoded_to_text("x", decoded)
    sections = segment.text_to_sections(text)
    return text, extract.extract(text, sections)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_text_path_never_raises_and_spans_round_trip(s):
    got = _pipeline(s.encode("utf-8", "surrogatepass"))
    if got is None:
        return
    text, ex = got
    for a in ex.amounts:
        assert text.text[a.start:a.end] == a.value_text
    for c in text.blocks:
        assert 0 <= c.start <= c.end <= len(text.text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    _pipeline(data)
