"""Command line: cnbudget run | inspect | schema. The only place that prints."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import __version__


def _cmd_run(args) -> int:
    from pipeline.run import run

    tty = sys.stderr.isatty() and not args.quiet

    def progress(i, n, res):
        d = res.document
        if args.quiet:
            return
        if tty:
            print(f"\r[{i}/{n}] {d['status']:7} {d['source_path'][-60:]:60}", end="", file=sys.stderr, flush=True)
        elif d["status"] == "failed":
            print(f"failed: {d['source_path']}: {d['error']}", file=sys.stderr)

    summary = run(args.paths, args.out, workers=args.workers, force=args.force, progress=progress)
    if tty:
        print(file=sys.stderr)
    print(summary.line())
    if not args.quiet:
        for f in summary.failures:
            print(f"  failed: {f['path']}: {f['error']}", file=sys.stderr)
    return 1 if summary.failed else 0


def _cmd_inspect(args) -> int:
    from pipeline import extract, load, normalise, segment
    from pipeline.records import DocumentError

    try:
        src = load.read_source(Path(args.file))
        text = normalise.source_to_text(src)
    except DocumentError as e:
        print(f"{args.file}: failed: {e}", file=sys.stderr)
        return 1
    sections = segment.text_to_sections(text)
    ex = extract.extract(text, sections)
    m = ex.metadata
    print(f"{args.file}  doc_id={src.doc_id}  {len(text.text)} chars, {len(text.blocks)} blocks")
    print(f"title: {m.title}\nplace: {m.province or '-'} / {m.city or '-'} / {m.county or '-'}")
    print(f"department: {m.department}\nfiscal_year: {m.fiscal_year}\nkinds: {', '.join(m.doc_kinds) or '-'}")
    if text.warnings:
        print("warnings: " + "; ".join(text.warnings))
    if args.text:
        print("\n== normalised text ==")
        print(text.text)
    print(f"\n== sections ({len(sections)}) ==")
    for s in sections:
        print(f"{'  ' * (s.level - 1)}{s.number}{s.title}  [{s.start}:{s.end}]")
    n_tables = sum(1 for b in text.blocks if b.kind == "table")
    print(f"\n== tables ({n_tables}) ==")
    tid = 0
    for b in text.blocks:
        if b.kind == "table":
            tid += 1
            print(f"table {tid}: {b.n_rows}x{b.n_cols}  caption={b.caption!r}  [{b.start}:{b.end}]")
    print(f"\n== amounts ({len(ex.amounts)}) ==")
    for a in ex.amounts:
        extra = []
        if a.share_pct is not None:
            extra.append(f"share {a.share_pct}%")
        if a.change_pct is not None:
            extra.append(f"change {a.change_pct}%")
        if a.year:
            extra.append(str(a.year))
        where = f"t{a.table_id} r{a.row} c{a.col}" if a.table_id else f"s{a.section_id or '-'}"
        print(f"{a.amount_id:4} {where:12} {a.label[:24]:24} {a.value_text:>16} = {a.amount_wan:>12} 万元  "
              f"{a.measure or '':15} {' '.join(extra)}")
    _print_facts_and_checks(text, ex)
    return 0


def _print_facts_and_checks(text, ex) -> None:
    from pipeline.run import resolve_and_check

    res, lines, checks = resolve_and_check(text, ex)
    print(f"\n== facts ({len(res.facts)}) ==")
    for f in res.facts:
        src = f"amount {f.amount_id}" if f.amount_id else f"[{f.start}:{f.end}]"
        print(f"{f.key:31} {f.measure or '-':15} {f.value!s:>14} {f.unit}  {f.origin:5} {src:12} {f.evidence[:50]}")
    print(f"\n== functional ({len(lines)}) ==")
    for ln in lines:
        print(f"{ln.code or '-':8} {ln.level} {ln.name[:30]:30} {ln.amount_wan!s:>12} 万元  {ln.measure or '-'}")
    print(f"\n== checks ({len(checks)}) ==")
    for c in checks:
        print(f"{c.status:4} {c.check:34} {c.detail[:110]}")


def _cmd_schema(args) -> int:
    from schemas.tables import TABLES, describe

    if args.format == "markdown":
        print("# cnbudget data dictionary\n")
        for name in TABLES:
            print(f"## {name}\n\n| column | type | description |\n|---|---|---|")
            for col, typ, doc in describe(name):
                print(f"| {col} | {typ} | {doc} |")
            print()
    else:
        for name in TABLES:
            print(name)
            for col, typ, doc in describe(name):
                print(f"  {col:20} {typ:28} {doc}")
            print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cnbudget", description="Chinese fiscal reports to Parquet tables.")
    p.add_argument("--version", action="version", version=f"cnbudget {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="process files and folders into Parquet tables")
    r.add_argument("paths", nargs="+", metavar="PATH")
    r.add_argument("--out", required=True, help="output folder (one Parquet dataset per table)")
    r.add_argument("--workers", type=int, default=None, help="worker processes (default: number of cores)")
    r.add_argument("--force", action="store_true", help="redo documents already in --out")
    r.add_argument("--quiet", action="store_true", help="print only the summary line (for cron)")
    r.set_defaults(func=_cmd_run)
    i = sub.add_parser("inspect", help="show one document's sections, tables and amounts")
    i.add_argument("file")
    i.add_argument("--text", action="store_true", help="also print the normalised text")
    i.set_defaults(func=_cmd_inspect)
    s = sub.add_parser("schema", help="print the data dictionary of every output table")
    s.add_argument("--format", choices=["text", "markdown"], default="text")
    s.set_defaults(func=_cmd_schema)
    return p


def _quiet_jieba() -> None:
    """jieba logs its dictionary loading at DEBUG to stderr through its own handler; the command line
    (not the library) turns that down, before worker processes are forked."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    _quiet_jieba()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else 2
    if getattr(args, "workers", None) is not None and args.workers < 1:
        print("cnbudget: --workers must be at least 1", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
