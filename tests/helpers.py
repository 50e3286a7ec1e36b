"""Run the pure stages over a snippet of text (as a .txt document would be read)."""
from __future__ import annotations

import hashlib

from pipeline import extract, resolve, segment
from pipeline.normalise import source_to_text
from pipeline.records import Source


def snippet(text: str):
    """(Text, Extracted) of a snippet, as the pipeline reads a UTF-8 .txt file."""
    data = text.encode("utf-8")
    src = Source("snippet.txt", "txt", data, hashlib.sha256(data).hexdigest(), len(data))
    t = source_to_text(src)
    return t, extract.extract(t, segment.text_to_sections(t))


def snippet_facts(text: str) -> resolve.Resolved:
    t, ex = snippet(text)
    return resolve.resolve(t, ex.amounts, ex.metadata)


def facts_by_key(res: resolve.Resolved, measure: str | None = "*") -> dict:
    return {f.key: f.value for f in res.facts if measure == "*" or f.measure == measure}
