"""`make eval`: the accuracy loop of issue 16 (item 5) and issue 17 (item 5). Not collected by pytest.

Runs the real pipeline (`pipeline.run.run`, 2 workers, `force=True` unless --reuse) over the corpus
seeds, every document with gold in ../shared/gold/samples/ and all of ../shared/samples/cities/,
into .eval/out/, then:
 - scores every gold key (../shared/gold/README.md): document metadata, facts (within 0.005),
   scores, projects, indicators_min, indicator_rows, functional, statement_lines — per key:
   matches, misses and wrong values (a produced value that differs from gold; worse than a miss,
   counted and listed apart), each miss and wrong value with the gold's evidence and what the
   pipeline produced (with its page);
 - reports coverage over ../shared/samples/ (cities/ and the rest): per report, the DESIGN §5
   keys resolved, the statements found, the checks passed / failed, status and error, kind and
   fiscal year against gold/samples/cities.tsv and tests/eval_samples.toml;
 - gives every figure for the tuned and the held-out split (tests/eval_holdout.toml) apart.

Prints the summary, writes .eval/report.md (every miss and wrong value) and .eval/summary.json;
prints "before → after" against .eval/baseline.json when it exists.

    python -m tests.evaluate [--reuse] [--save-baseline] [--workers 2] [--out .eval]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
import tomllib
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
GOLD_DIR = SHARED / "gold"
SAMPLES = SHARED / "samples"
CITIES = SAMPLES / "cities"
HOLDOUT_FILE = Path(__file__).with_name("eval_holdout.toml")
# What the samples outside cities/ really are (cities.tsv's columns for them)
SAMPLES_FILE = Path(__file__).with_name("eval_samples.toml")
# Expectations for the samples issue 17 names that have no file in ../shared/gold (宁德, 长沙, the
# other 广州 target table), copied from the sample tests that hold them (each says its origin).
EXTRA_GOLD = Path(__file__).with_name("eval_gold")
TOL = Decimal("0.005")
TUNED, HELD = "tuned", "held-out"
SPLITS = (TUNED, HELD)
# The keys every budget or final account must yield (issue 16, "Done when").
REQUIRED_KEYS = ("income_total", "expenditure_total", "expenditure_basic", "expenditure_project", "three_public_total")
MATCH, MISS, WRONG = "match", "miss", "wrong"

# Gold's printed column header -> column role of statement_lines: the table model's roles and their
# header words (schemas/columns.toml), so that the eval and the pipeline share one vocabulary.


def column_role(header: str | None) -> str | None:
    """The money column role of a printed header (None when it names none: 备注, an empty header)."""
    from pipeline import table_model as tm

    if not header:
        return None
    role = tm.chain_role((str(header),))
    return role if tm.roles().money(role) else None


def role_agrees(gold_column: str, role: str | None, column_header, measure) -> bool:
    """A produced line's column (its role, header as printed and measure) is gold's printed column:
    the same role, or the same leaf header (gold prints the leaf alone: 小计 under 基本支出), or, for a
    bare 预算数 / 决算数 column, the line's measure on its total (or that measure's) column."""
    from pipeline import table_model as tm

    want = column_role(gold_column)
    header = column_header if isinstance(column_header, str) else ""
    leaf = tm.squash(header.split("/")[-1]) if header else ""
    return ((want is not None and role == want) or (bool(leaf) and leaf == tm.squash(str(gold_column)))
            or (want in ("budget", "actual") and measure == want and role in ("total", want)))


# --- gold -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldDoc:
    name: str  # the gold file's stem
    path: Path  # the document
    rel: str  # path under ../shared/samples (or corpus/ for seeds)
    gold: dict


def load_gold(gold_dir: Path = GOLD_DIR, extra: Path = EXTRA_GOLD) -> list[GoldDoc]:
    """Every gold file: seeds (source under corpus/), samples (source under ../shared/samples/) and
    tests/eval_gold/."""
    docs = []
    for f in sorted(gold_dir.glob("*.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        docs.append(GoldDoc(f.stem, CORPUS / g["source"], "corpus/" + g["source"], g))
    for f in [*sorted((gold_dir / "samples").glob("*.json")), *sorted(extra.glob("*.json"))]:
        g = json.loads(f.read_text(encoding="utf-8"))
        docs.append(GoldDoc(f.stem, SAMPLES / g["source"], g["source"], g))
    return docs


def load_cities_tsv(path: Path = GOLD_DIR / "samples" / "cities.tsv") -> dict[str, dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["file"]: r for r in csv.DictReader(fh, delimiter="\t")}


def load_samples(path: Path = SAMPLES_FILE) -> dict[str, dict]:
    """The other samples' rows, keyed by their path under ../shared/samples, in cities.tsv's shape."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {s["file"]: {"file": s["file"], "kind": s["kind"], "fiscal_year": str(s["fiscal_year"]),
                        "prose_only": bool(s.get("prose_only", False))} for s in data["sample"]}


def load_holdout(path: Path = HOLDOUT_FILE) -> tuple[frozenset[str], frozenset[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return frozenset(data.get("cities", ())), frozenset(data.get("files", ()))


def split_of(rel: str, holdout: tuple[frozenset[str], frozenset[str]]) -> str:
    """held-out when the file (path under ../shared/samples) is listed or belongs to a listed city."""
    cities, files = holdout
    if rel in files:
        return HELD
    name = rel.rsplit("/", 1)[-1]
    if rel.startswith("cities/") and name.split("__", 1)[0] in cities:
        return HELD
    return TUNED


def doc_id_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# --- scoring --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One gold expectation and its outcome."""

    doc: str
    table: str  # document, facts, scores, projects, indicators_min, indicator_rows, functional, statement_lines
    key: str  # the fact key, the subject, the project name, level3, code …
    status: str  # match, miss, wrong
    expected: str
    got: str = ""  # what the pipeline produced instead (with page)
    evidence: str = ""  # the gold's evidence


def _dec(x) -> Decimal | None:
    if x is None or (isinstance(x, float) and x != x) or x is pd.NA:
        return None
    try:
        return Decimal(str(x))
    except Exception:  # noqa: BLE001 - a non-number is no match
        return None


def close(a, b) -> bool:
    da, db = _dec(a), _dec(b)
    return da is not None and db is not None and abs(da - db) <= TOL


def _text(v) -> str:
    """A cell as text for a report line: '' for a missing value (None, NaN, pd.NA)."""
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _page(row) -> str:
    p = row.get("page") if hasattr(row, "get") else None
    return f" (p{int(p)})" if p is not None and not pd.isna(p) else ""


def _rows(df: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    return df[df["doc_id"] == doc_id] if len(df) else df


def _norm(s) -> str:
    return "".join(str(s).split()) if s is not None and not (isinstance(s, float) and s != s) else ""


# gold's kinds (cities.tsv vocabulary) -> the documents.doc_kinds vocabulary
KIND_OF_GOLD = {
    "dept_performance_targets": "target_declaration",
    "project_performance_targets": "target_declaration",
}
_QUALIFIERS = ("（本级）", "(本级)")


def same_body(gold_name: str, got: str | None) -> bool:
    """The department the pipeline names is the gold's organisation when one contains the other
    (the pipeline drops the place: 公安局 for 泉州市公安局), ignoring a （本级） qualifier."""
    a, b = _norm(gold_name), _norm(got)
    for q in _QUALIFIERS:
        a, b = a.replace(q, ""), b.replace(q, "")
    return bool(a) and len(b) >= 2 and (b in a or a in b)


def score_document(name: str, gold: dict, docs: pd.DataFrame) -> list[Item]:
    """county equal, department contains department_contains, department and organisation the same
    body (same_body), fiscal_year equal, and per doc kind: each gold kind present (match / miss),
    each kind the pipeline adds that gold does not list is a wrong value."""
    g = gold.get("document", {})
    row = docs.iloc[0] if len(docs) else None
    out = []

    def item(key, ok, expected, got):
        status = MATCH if ok else (MISS if got is None or (isinstance(got, str) and not got) else WRONG)
        out.append(Item(name, "document", key, status, str(expected), "" if got is None else str(got)))



    def val(col):
        if row is None:
            return None
        v = row[col]
        if isinstance(v, str) or not hasattr(v, "__len__"):
            return None if pd.isna(v) else v
        return list(v)

    if "county" in g:
        got = val("county")
        item("county", (got or None) == (g["county"] or None), g["county"], got)
    if "department_contains" in g:
        got = val("department")
        item("department_contains", bool(got) and _norm(g["department_contains"]) in _norm(got), g["department_contains"], got)
    if "organisation" in g:
        got = val("department")
        item("organisation", same_body(g["organisation"], got), g["organisation"], got)
    if "fiscal_year" in g:
        got = val("fiscal_year")
        item("fiscal_year", got is not None and int(got) == int(g["fiscal_year"]), g["fiscal_year"], got)
    if "doc_kinds" in g:
        got = set(val("doc_kinds") or [])
        want = {KIND_OF_GOLD.get(k, k) for k in g["doc_kinds"]}
        for k in sorted(want):
            out.append(Item(name, "document", f"doc_kinds:{k}", MATCH if k in got else MISS, k, ", ".join(sorted(got))))
        for k in sorted(got - want):
            out.append(Item(name, "document", f"doc_kinds:+{k}", WRONG, ", ".join(sorted(want)), k))
    return out


def score_facts(name: str, gold: dict, facts: pd.DataFrame) -> list[Item]:
    measure = gold.get("measure")
    evidence = gold.get("evidence", {})
    out = []
    for key, want in gold.get("facts", {}).items():
        rows = facts[facts["key"] == key] if len(facts) else facts
        if measure and len(rows):
            same = rows[[m is None or pd.isna(m) or m == measure for m in rows["measure"]]]
        else:
            same = rows
        got = "; ".join(f"{r['value']} [{r['measure']}]{_page(r)} {_norm(r.get('evidence'))[:60]}" for _, r in rows.iterrows())
        if any(close(v, want) for v in same["value"]):
            status = MATCH
        else:
            status = WRONG if len(rows) else MISS
        out.append(Item(name, "facts", key, status, str(want), got, str(evidence.get(key, ""))))
    return out


def score_scores(name: str, gold: dict, scores: pd.DataFrame) -> list[Item]:
    out = []
    for i, g in enumerate(gold.get("scores", [])):
        subjects = [s for s in (g.get("subject_contains"), g.get("alt_subject_contains")) if s]
        rows = scores[[any(_norm(s) in _norm(subj) for s in subjects) for subj in scores["subject"]]] if len(scores) else scores
        ok = [
            r for _, r in rows.iterrows()
            if close(r["score"], g["score"]) and ("grade" not in g or _norm(r["grade"]) == _norm(g["grade"]))
        ]
        got = "; ".join(f"{r['subject']}: {r['score']} {_text(r['grade'])}{_page(r)}" for _, r in rows.iterrows())
        status = MATCH if ok else (WRONG if len(rows) else MISS)
        exp = f"{' | '.join(subjects)}: {g['score']} {g.get('grade', '')}".strip()
        out.append(Item(name, "scores", subjects[0], status, exp, got, str(gold.get("evidence", {}).get(f"scores[{i}]", ""))))
    return out


PROJECT_FIELDS = {
    "budget_initial": "budget_initial_wan",
    "budget_adjusted": "budget_adjusted_wan",
    "budget_full_year": "budget_adjusted_wan",
    "executed": "executed_wan",
    "execution_rate": "execution_rate",
    "score": "score",
}


def score_projects(name: str, gold: dict, projects: pd.DataFrame) -> list[Item]:
    out = []
    for i, g in enumerate(gold.get("projects", [])):
        rows = projects[[_norm(g["name_contains"]) in _norm(n) for n in projects["name"]]] if len(projects) else projects

        def fits(r) -> bool:
            if "code" in g and _norm(r["code"]) != _norm(g["code"]):
                return False
            return all(close(r[col], g[k]) for k, col in PROJECT_FIELDS.items() if k in g)

        fields = {k: g[k] for k in g if k != "name_contains"}
        got = "; ".join(
            f"{r['name']}: " + ", ".join(f"{k}={r[PROJECT_FIELDS.get(k, k)]}" for k in fields) + _page(r)
            for _, r in rows.iterrows()
        )
        status = MATCH if any(fits(r) for _, r in rows.iterrows()) else (WRONG if len(rows) else MISS)
        out.append(Item(name, "projects", g["name_contains"], status, json.dumps(fields, ensure_ascii=False), got,
                        str(gold.get("evidence", {}).get(f"projects[{i}]", ""))))
    return out


INDICATOR_NUMBERS = ("target_value", "actual_value", "weight", "score")
INDICATOR_TEXT = ("operator", "target_unit", "actual_unit")


def score_indicators(name: str, gold: dict, ind: pd.DataFrame) -> list[Item]:
    out = []
    if "indicators_min" in gold:
        n = len(ind)
        want = int(gold["indicators_min"])
        out.append(Item(name, "indicators_min", "rows", MATCH if n >= want else MISS, f">= {want}", str(n)))
    for i, g in enumerate(gold.get("indicator_rows", [])):
        rows = ind[[_norm(g["level3"]) in _norm(x) for x in ind["level3"]]] if len(ind) else ind

        def fits(r) -> bool:
            return all(close(r[k], g[k]) for k in INDICATOR_NUMBERS if k in g) and all(
                _norm(r[k]) == _norm(g[k]) for k in INDICATOR_TEXT if k in g
            )

        keys = [k for k in (*INDICATOR_TEXT, *INDICATOR_NUMBERS) if k in g]
        got = "; ".join(f"{r['level3']}: " + ", ".join(f"{k}={r[k]}" for k in keys) + _page(r) for _, r in rows.iterrows())
        status = MATCH if any(fits(r) for _, r in rows.iterrows()) else (WRONG if len(rows) else MISS)
        exp = json.dumps({k: g[k] for k in g}, ensure_ascii=False)
        out.append(Item(name, "indicator_rows", g["level3"], status, exp, got,
                        str(gold.get("evidence", {}).get(f"indicator_rows[{i}]", ""))))
    return out


def score_functional(name: str, gold: dict, fn: pd.DataFrame) -> list[Item]:
    out = []
    for g in gold.get("functional", []):
        if g.get("code"):
            rows = fn[fn["code"].astype(str) == str(g["code"])] if len(fn) else fn
        else:
            rows = fn[[_norm(g.get("name_contains")) in _norm(n) for n in fn["name"]]] if len(fn) else fn
        got = "; ".join(f"{r['code']} {r['name']}: {r['amount_wan']}{_page(r)}" for _, r in rows.iterrows())
        status = MATCH if any(close(v, g["amount"]) for v in rows["amount_wan"]) else (WRONG if len(rows) else MISS)
        out.append(Item(name, "functional", str(g.get("code") or g.get("name_contains")), status, str(g["amount"]), got))
    return out


def _role_column(lines: pd.DataFrame) -> str | None:
    for c in ("column_role", "role"):
        if c in lines.columns:
            return c
    return None


def score_statement_lines(name: str, gold: dict, lines: pd.DataFrame | None) -> list[Item]:
    """A gold line matches a produced line whose code (or, without a code, name) and column role agree
    and whose amount_wan is within 0.005. `lines` is None while no statement_lines table exists."""
    out = []
    for g in gold.get("statement_lines", []):
        role = column_role(g["column"])
        key = f"{g['statement']} | {g['code'] or g['name']} | {g['column']}"
        exp = f"{g['value']} (p{g['page']}, role {role})"
        if lines is None or not len(lines):
            got = "no statement_lines table yet" if lines is None else ""
            out.append(Item(name, "statement_lines", key, MISS, exp, got))
            continue
        rc = _role_column(lines)
        if g.get("code"):
            same = lines[lines["code"].astype(str) == str(g["code"])]
        else:
            same = lines[[_norm(g["name"]) == _norm(n) or _norm(g["name"]) in _norm(n) for n in lines["name"]]]
        if rc is not None:
            agree = [role_agrees(g["column"], r[rc], r.get("column_header"), r.get("measure")) for _, r in same.iterrows()]
            same = same[pd.Series(agree, index=same.index, dtype=bool)]
        got = "; ".join(
            f"{_text(r.get('statement'))} {_text(r.get('code'))} {_text(r['name'])} [{r[rc] if rc else '?'}]: {r['amount_wan']}{_page(r)}"
            for _, r in same.head(6).iterrows()
        )
        status = MATCH if any(close(v, g["value"]) for v in same["amount_wan"]) else (WRONG if len(same) else MISS)
        out.append(Item(name, "statement_lines", key, status, exp, got, f"page {g['page']}"))
    return out


@dataclass
class Output:
    """The tables of one run, read once."""

    tables: dict[str, pd.DataFrame]
    has_statement_lines: bool

    def of(self, table: str, doc_id: str) -> pd.DataFrame | None:
        df = self.tables.get(table)
        return None if df is None else _rows(df, doc_id)


def read_output(out: Path) -> Output:
    from pipeline.api import read_table
    from schemas.tables import TABLES

    names = ["documents", "facts", "scores", "projects", "indicators", "functional", "checks"]
    has_sl = "statement_lines" in TABLES
    if has_sl:
        names.append("statement_lines")
    return Output({n: read_table(out, n) for n in names}, has_sl)


def score_doc(gd: GoldDoc, doc_id: str, o: Output) -> list[Item]:
    g = gd.gold
    items = score_document(gd.name, g, o.of("documents", doc_id))
    items += score_facts(gd.name, g, o.of("facts", doc_id))
    items += score_scores(gd.name, g, o.of("scores", doc_id))
    items += score_projects(gd.name, g, o.of("projects", doc_id))
    items += score_indicators(gd.name, g, o.of("indicators", doc_id))
    items += score_functional(gd.name, g, o.of("functional", doc_id))
    items += score_statement_lines(gd.name, g, o.of("statement_lines", doc_id) if o.has_statement_lines else None)
    return items


def tally(items: list[Item]) -> dict[str, dict[str, int]]:
    """Per table (and per fact key): n, match, miss, wrong."""
    t: dict[str, dict[str, int]] = {}
    for it in items:
        for k in (it.table, f"facts.{it.key}" if it.table == "facts" else None, "ALL"):
            if k is None:
                continue
            c = t.setdefault(k, {"n": 0, MATCH: 0, MISS: 0, WRONG: 0})
            c["n"] += 1
            c[it.status] += 1
    return t


# --- coverage -------------------------------------------------------------------------------------


@dataclass
class Coverage:
    file: str
    split: str
    status: str
    error: str
    keys: list[str]
    required_missing: list[str]
    statements: list[str] | None  # None: no statement_lines table yet
    checks_pass: int
    checks_fail: list[str]
    kind_expected: str
    kinds: list[str]
    kind_ok: bool
    year_expected: str
    year: int | None
    year_ok: bool | None  # None: cities.tsv gives no year (not_fiscal)
    pages: int | None = None
    prose_only: bool = False  # the sample holds no tables (its SOURCES.md says so): no statement expected
    extra: dict = field(default_factory=dict)


def coverage_of(file: str, split: str, doc_id: str, o: Output, tsv: dict) -> Coverage:
    docs = o.of("documents", doc_id)
    d = docs.iloc[0] if len(docs) else None
    facts = o.of("facts", doc_id)
    keys = sorted(set(facts["key"])) if len(facts) else []
    checks = o.of("checks", doc_id)
    fails = [f"{r['check']}: {_norm(r['detail'])[:90]}{_page(r)}" for _, r in checks.iterrows() if r["status"] == "fail"]
    statements = None
    if o.has_statement_lines:
        sl = o.of("statement_lines", doc_id)
        statements = sorted(set(sl["statement"])) if len(sl) else []
    kinds = list(d["doc_kinds"]) if d is not None and d["doc_kinds"] is not None and not isinstance(d["doc_kinds"], float) else []
    year = None if d is None or pd.isna(d["fiscal_year"]) else int(d["fiscal_year"])
    kind_exp = tsv.get("kind", "")
    kind_want = KIND_OF_GOLD.get(kind_exp, kind_exp)
    is_fiscal = kind_exp in ("budget", "final_accounts")
    return Coverage(
        file=file, split=split,
        status="absent" if d is None else str(d["status"]),
        error="" if d is None or pd.isna(d["error"]) else str(d["error"]),
        keys=keys,
        required_missing=[k for k in REQUIRED_KEYS if k not in keys] if is_fiscal else [],
        statements=statements,
        checks_pass=int((checks["status"] == "pass").sum()) if len(checks) else 0,
        checks_fail=fails,
        kind_expected=kind_exp, kinds=kinds,
        kind_ok=(kind_want in kinds) if kind_exp != "not_fiscal" else not kinds,
        year_expected=tsv.get("fiscal_year", ""), year=year,
        year_ok=str(year) == str(tsv["fiscal_year"]) if tsv.get("fiscal_year") else None,
        pages=None if d is None or pd.isna(d["n_pages"]) else int(d["n_pages"]),
        prose_only=bool(tsv.get("prose_only", False)),
    )


def coverage_summary(cov: list[Coverage]) -> dict:
    fiscal = [c for c in cov if c.kind_expected in ("budget", "final_accounts")]
    dated = [c for c in cov if c.year_ok is not None]
    n = len(cov)
    return {
        "reports": n,
        "failed": sum(c.status == "failed" for c in cov),
        "kind_agree_pct": round(100 * sum(c.kind_ok for c in cov) / n, 1) if n else None,
        "year_agree_pct": round(100 * sum(bool(c.year_ok) for c in dated) / len(dated), 1) if dated else None,
        "fiscal_reports": len(fiscal),
        "required_keys": {
            k: sum(k not in c.required_missing for c in fiscal) for k in REQUIRED_KEYS
        },
        "all_required": sum(not c.required_missing for c in fiscal),
        "checks_pass": sum(c.checks_pass for c in cov),
        "checks_fail": sum(len(c.checks_fail) for c in cov),
        # of the budgets and final accounts that print tables (not prose-only page text)
        "with_statements": None if any(c.statements is None for c in cov) else
        f"{sum(bool(c.statements) for c in fiscal if not c.prose_only)}/{sum(not c.prose_only for c in fiscal)}",
    }


# --- the run and the report -----------------------------------------------------------------------


def run_pipeline(paths: list[Path], out: Path, workers: int, force: bool) -> float:
    from pipeline.run import run

    t0 = time.monotonic()
    run([str(p) for p in paths], out, workers=workers, force=force)
    return time.monotonic() - t0


def _pct(c: dict) -> str:
    return f"{100 * c[MATCH] / c['n']:.1f}%" if c["n"] else "-"


def _summary_lines(by_split: dict[str, dict], cov: dict[str, dict], base: dict | None) -> list[str]:
    lines = ["| split | table | n | match | recall | miss | wrong |", "|---|---|---:|---:|---:|---:|---:|"]
    for split in SPLITS:
        t = by_split.get(split, {})
        for table in sorted(t, key=lambda k: (k == "ALL", k.startswith("facts."), k)):
            if table.startswith("facts."):
                continue
            c = t[table]
            delta = ""
            if base:
                b = base.get("gold", {}).get(split, {}).get(table)
                if b:
                    delta = f" (before {b[MATCH]}/{b['n']}, wrong {b[WRONG]})"
            lines.append(f"| {split} | {table} | {c['n']} | {c[MATCH]} | {_pct(c)} | {c[MISS]} | {c[WRONG]}{delta} |")
    lines += ["", "| split | reports | failed | kind agree | year agree | fiscal | " + " | ".join(REQUIRED_KEYS)
              + " | all 5 | statements | checks pass / fail |",
              "|---|---:|---:|---:|---:|---:|" + "---:|" * len(REQUIRED_KEYS) + "---:|---:|---:|"]
    for split in SPLITS:
        s = cov.get(split)
        if not s:
            continue
        b = (base or {}).get("coverage", {}).get(split)

        def d(v, bv):
            return f"{v}" if bv is None or bv == v else f"{bv} → {v}"

        req = " | ".join(d(s["required_keys"][k], b and b["required_keys"].get(k)) for k in REQUIRED_KEYS)
        st = "no statement_lines table yet" if s["with_statements"] is None else str(s["with_statements"])
        lines.append(
            f"| {split} | {s['reports']} | {d(s['failed'], b and b['failed'])} | {d(s['kind_agree_pct'], b and b['kind_agree_pct'])}% "
            f"| {d(s['year_agree_pct'], b and b['year_agree_pct'])}% | {s['fiscal_reports']} | {req} "
            f"| {d(s['all_required'], b and b['all_required'])} | {st} "
            f"| {d(s['checks_pass'], b and b['checks_pass'])} / {d(s['checks_fail'], b and b['checks_fail'])} |"
        )
    return lines


def _detail_lines(items: list[Item], splits: dict[str, str], cov: list[Coverage]) -> list[str]:
    out = []
    for title, status in (("Wrong values (differ from gold)", WRONG), ("Misses", MISS)):
        out += ["", f"## {title}", ""]
        for split in SPLITS:
            sel = [i for i in items if i.status == status and splits[i.doc] == split]
            out.append(f"### {split}: {len(sel)}")
            for i in sel:
                out.append(f"- **{i.doc}** {i.table} `{i.key}`: gold {i.expected}")
                if i.evidence:
                    out.append(f"  - gold evidence: {i.evidence}")
                out.append(f"  - produced: {i.got or 'nothing'}")
    out += ["", "## Fact keys", "", "| split | key | n | match | miss | wrong |", "|---|---|---:|---:|---:|---:|"]
    for split in SPLITS:
        t = tally([i for i in items if splits[i.doc] == split])
        for k in sorted(k for k in t if k.startswith("facts.")):
            c = t[k]
            out.append(f"| {split} | {k[6:]} | {c['n']} | {c[MATCH]} | {c[MISS]} | {c[WRONG]} |")
    out += ["", "## Coverage of ../shared/samples/ (cities/, then the others)", ""]
    for c in cov:
        out.append(f"### {c.file} [{c.split}] — {c.status}{': ' + c.error if c.error else ''}")
        out.append(f"- kind: expected {c.kind_expected}, got {c.kinds} {'ok' if c.kind_ok else 'DIFFERS'}; "
                   f"year: expected {c.year_expected or '-'}, got {c.year} {'' if c.year_ok is None else 'ok' if c.year_ok else 'DIFFERS'}; pages {c.pages}")
        out.append(f"- keys ({len(c.keys)}): {', '.join(c.keys) or 'none'}")
        if c.required_missing:
            out.append(f"- required keys missing: {', '.join(c.required_missing)}")
        out.append("- statements: " + ("no statement_lines table yet" if c.statements is None else (", ".join(c.statements) or "none")))
        out.append(f"- checks: {c.checks_pass} pass, {len(c.checks_fail)} fail")
        out += [f"  - fail {f}" for f in c.checks_fail]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / ".eval"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="keep unchanged documents of the last run (no force)")
    ap.add_argument("--save-baseline", action="store_true", help="store this run's summary as .eval/baseline.json")
    args = ap.parse_args(argv)
    if not GOLD_DIR.is_dir() or not CITIES.is_dir():
        print(f"needs {GOLD_DIR} and {CITIES} (../shared beside the checkout)", file=sys.stderr)
        return 2
    evald = Path(args.out)
    out = evald / "out"
    gold_docs = load_gold()
    holdout = load_holdout()
    tsv = load_cities_tsv()
    city_files = sorted(p for p in CITIES.iterdir() if p.name in tsv)
    others = load_samples()
    other_files = [SAMPLES / rel for rel in others]
    paths = sorted({*(g.path for g in gold_docs), *city_files, *other_files})
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print("missing documents: " + ", ".join(map(str, missing)), file=sys.stderr)
        paths = [p for p in paths if p.is_file()]
    t0 = time.monotonic()
    run_s = run_pipeline(paths, out, args.workers, force=not args.reuse)
    o = read_output(out)
    items: list[Item] = []
    splits: dict[str, str] = {}
    for gd in gold_docs:
        if not gd.path.is_file():
            continue
        splits[gd.name] = TUNED if gd.rel.startswith("corpus/") else split_of(gd.rel, holdout)
        items += score_doc(gd, doc_id_of(gd.path), o)
    cov = [coverage_of(p.name, split_of("cities/" + p.name, holdout), doc_id_of(p), o, tsv[p.name]) for p in city_files]
    cov += [coverage_of(rel, split_of(rel, holdout), doc_id_of(SAMPLES / rel), o, row)
            for rel, row in others.items() if (SAMPLES / rel).is_file()]
    total_s = time.monotonic() - t0
    by_split = {s: tally([i for i in items if splits[i.doc] == s]) for s in SPLITS}
    cov_split = {s: coverage_summary([c for c in cov if c.split == s]) for s in SPLITS}
    summary = {
        "gold": by_split,
        "coverage": cov_split,
        "documents": len(paths),
        "run_seconds": round(run_s, 1),
        "total_seconds": round(total_s, 1),
        "wrong": [asdict(i) for i in items if i.status == WRONG],
        "miss": [asdict(i) for i in items if i.status == MISS],
    }
    base_path = evald / "baseline.json"
    base = json.loads(base_path.read_text(encoding="utf-8")) if base_path.is_file() else None
    head = [f"# cnbudget eval: {len(paths)} documents, pipeline {run_s:.0f} s, total {total_s:.0f} s"
            + (" (before → after against .eval/baseline.json)" if base else ""), ""]
    summ = _summary_lines(by_split, cov_split, base)
    wrong = [i for i in items if i.status == WRONG]
    short = ["", f"wrong values ({len(wrong)}):"] + [f"  [{splits[i.doc]}] {i.doc} {i.table} {i.key}: gold {i.expected} | got {i.got[:120]}" for i in wrong]
    evald.mkdir(parents=True, exist_ok=True)
    (evald / "report.md").write_text("\n".join(head + summ + _detail_lines(items, splits, cov)) + "\n", encoding="utf-8")
    (evald / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.save_baseline:
        base_path.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print("\n".join(head + summ + short))
    print(f"\nfull detail: {evald / 'report.md'}; figures: {evald / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
