"""Writes cross_county.ipynb from the cells below (outputs are never committed).

    .venv/bin/python notebooks/build_notebook.py
"""
from pathlib import Path

import nbformat as nbf

CELLS = [
    ("md", "# Cross-county view of the cnbudget output\n\nRuns on `data/` from `make run` "
           "(or the folder in `$CNBUDGET_DATA`). Every figure here comes from a Parquet table; "
           "`cnbudget inspect FILE` shows where in the report it was read."),
    ("code", """import os
from pathlib import Path
import matplotlib.pyplot as plt
import pandas as pd
from pipeline.api import read_table, wide_facts, to_float

DATA = Path(os.environ.get("CNBUDGET_DATA", "../data"))
try:  # a CJK font for the labels (the notebook extra installs mplfonts, which ships Noto Sans CJK)
    import matplotlib.font_manager as fm
    import mplfonts
    fm.fontManager.addfont(str(Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"))
except (ImportError, OSError):
    pass
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "SimHei", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
docs = read_table(DATA, "documents")
print(f"{len(docs)} documents in {DATA}:", docs.status.value_counts().to_dict())"""),
    ("md", "## One row per document: the key figures (万元; staff in 人)"),
    ("code", """wide = wide_facts(DATA)
# one readable name per document: the department, with its county in front when it lacks one
wide.index = [d if str(d).startswith(str(c)) else f"{c} {d}" for c, d in zip(wide.county, wide.department)]
wide"""),
    ("md", "## “三公” figures per county and department"),
    ("code", """three = [c for c in ["three_public_total", "three_public_overseas", "three_public_vehicle", "three_public_reception"] if c in wide]
if three:
    t = wide[three].apply(to_float)
    ax = t.plot.barh(figsize=(8, 1 + 0.6 * len(t)), title="“三公”经费 (万元)")
    plt.show()
    display(t)
else:
    print("no “三公” facts in this output")"""),
    ("md", "## Basic versus project expenditure"),
    ("code", """if {"expenditure_basic", "expenditure_project"} <= set(wide.columns):
    s = wide[["expenditure_basic", "expenditure_project"]].apply(to_float)
    share = s.div(s.sum(axis=1), axis=0) * 100
    share.plot.barh(stacked=True, figsize=(8, 1 + 0.6 * len(share)), title="share of expenditure (%)")
    plt.show()
else:
    print("no basic/project expenditure facts in this output")"""),
    ("md", "## Self-evaluation scores"),
    ("code", """scores = read_table(DATA, "scores")
if len(scores):
    to_float(scores.score).plot.hist(bins=10, title="self-evaluation scores")
    plt.show()
    display(scores[["doc_id", "subject", "scope", "score", "grade"]])
else:
    print("no scores in this output")"""),
    ("md", "## Indicators by level 1"),
    ("code", """ind = read_table(DATA, "indicators")
if len(ind):
    ind.level1.fillna("(none)").value_counts().plot.bar(title="indicators by 一级指标")
    plt.show()
else:
    print("no indicators in this output")"""),
    ("md", "## Amounts by measure and unit"),
    ("code", """amounts = read_table(DATA, "amounts")
pd.crosstab(amounts.measure.astype(str), amounts.unit)"""),
    ("md", "## Checks that failed"),
    ("code", """checks = read_table(DATA, "checks")
failed = checks[checks.status == "fail"]
print(f"{len(failed)} failed of {len(checks)} checks")
failed[["doc_id", "check", "expected", "observed", "diff", "detail"]]"""),
]


def build() -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src) for kind, src in CELLS]
    return nb


if __name__ == "__main__":
    nbf.write(build(), Path(__file__).with_name("cross_county.ipynb"))
