"""Subjects are a department or a project, never a form's labels (issue 17 Deliver 2): over every
document of ../shared/samples, no scores.subject, indicators.subject or projects.name holds a form
label (extractors/subjects.toml [form_labels]: 预算单位编码, 自评等级, 项目名称, 主管部门 …).

Each sample goes through the stages that give subjects (normalise -> segment -> extract); the
department as the metadata reads it is the extractors' default subject, as in the pipeline."""
from __future__ import annotations

import pytest

from extractors.subjects import form_labels
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow  # every real sample: minutes in all

SAMPLE_FILES = sorted(
    str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in (".pdf", ".html", ".txt", ".docx")
) if SAMPLES.is_dir() else []


def _subjects(name: str) -> list[tuple[str, str]]:
    from pipeline import extract, normalise, segment
    from pipeline.load import read_source
    from pipeline.records import DocumentError

    try:
        text = normalise.source_to_text(read_source(SAMPLES / name))
    except DocumentError as e:
        # a scan without a text layer (北京, 泉州 商务局) has no text, so no subject: its status is
        # tests/test_samples_pipeline.py's; any other error fails here
        assert e.reason == "no_text_layer", e
        return []
    ex = extract.extract(text, segment.text_to_sections(text))
    return [("scores", s.subject) for s in ex.scores] + [("indicators", i.subject) for i in ex.indicators] + \
        [("projects", p.name) for p in ex.projects]


@pytest.mark.skipif(not SAMPLE_FILES, reason=f"no samples at {SAMPLES}")
@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_no_subject_holds_a_form_label(name):
    labels = form_labels()
    bad = sorted({(table, s) for table, s in _subjects(name) if s and any(w in s for w in labels)})
    assert not bad, bad
