"""Command line: cnbudget run | inspect | schema. The only place that prints."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from pipeline import __version__
from pipeline.load import path_text


class _Progress:
    """What a person sees while `run` works.

    On a terminal, a tqdm bar: tqdm measures display width, so a Chinese path (two columns a
    character) never wraps it; the document being worked on is shown beside it, cut from the left
    to its share of the width, and failures are printed above it. Otherwise plain lines: each
    failure, every tenth of the documents, and while a long document runs, a line at least every
    EVERY seconds that names it (a 2,000-page PDF is not a minute of silence in a log)."""

    EVERY = 10.0  # seconds: the longest silence in plain mode while documents run

    def __init__(self, quiet: bool, tty: bool, *, stream=None, columns: int | None = None, clock=time.monotonic):
        self.quiet, self.tty = quiet, tty
        self.stream = stream if stream is not None else sys.stderr
        self.columns = columns  # None: the terminal's width, followed as it changes
        self.clock = clock
        self.t0 = self.last_line = clock()
        self.next_tenth = 1
        self.bar = None
        self.lock = threading.Lock()  # heartbeats come from another thread

    def __call__(self, i: int, n: int, res) -> None:
        if self.quiet:
            return
        d = res.document
        with self.lock:
            if self.tty:
                bar = self._bar(n)
                if d["status"] == "failed":
                    bar.write(f"failed: {d['source_path']}: {d['error']}", file=self.stream)
                bar.update(i - bar.n)
                bar.set_postfix_str(self._fit(d["source_path"]), refresh=i == n)
                return
            if d["status"] == "failed":
                self._line(f"failed: {d['source_path']}: {d['error']}")
            if i * 10 >= self.next_tenth * n or i == n:
                while i * 10 >= self.next_tenth * n:
                    self.next_tenth += 1
                self._line(f"progress: {i}/{n} documents, {self.clock() - self.t0:.0f}s")

    def heartbeat(self, done: int, n: int, running: list[tuple[str, float]]) -> None:
        """Called by `run` about once a second with the documents being worked on."""
        if self.quiet:
            return
        longest = max(running, key=lambda r: r[1], default=None)
        with self.lock:
            if self.tty:
                bar = self._bar(n)
                if longest is not None:
                    bar.set_postfix_str(self._fit(f"{longest[0]} {longest[1]:.0f}s"), refresh=False)
                bar.refresh()
            elif self.clock() - self.last_line >= self.EVERY:
                line = f"progress: {done}/{n} documents, {self.clock() - self.t0:.0f}s"
                if longest is not None:
                    line += f"; working on {longest[0]} for {longest[1]:.0f}s"
                    if len(running) > 1:
                        line += f" (and {len(running) - 1} more)"
                self._line(line)

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)
        self.last_line = self.clock()

    def _bar(self, n: int):
        """The bar, made at the first update; its width is read again at each update through `shutil`
        (which falls back to $COLUMNS or 100 where a terminal reports 0 columns)."""
        if self.bar is not None:
            self.bar.ncols = self.columns or _columns()
        else:
            from tqdm import tqdm

            rate = ", {rate_fmt}" if (self.columns or _columns()) >= 80 else ""
            self.bar = tqdm(
                total=n, unit="doc", file=self.stream, ncols=self.columns or _columns(),
                mininterval=0.1, leave=True,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}" + rate + "]{postfix}",
            )
        return self.bar

    def _fit(self, text: str) -> str:
        """`text` cut from the left to what the bar's line leaves free, in display columns (at
        least a 10-column bar; the counts and times take ~30, the rate ~12 more): '' when too narrow."""
        from tqdm.utils import disp_len

        cols = self.columns or _columns()
        digits = len(str(self.bar.total if self.bar is not None else 0))
        width = min(cols // 2, cols - (2 * digits + 29 + (12 if cols >= 80 else 0) + 10 + 2))
        if width < 8:
            return ""
        if disp_len(text) <= width:
            return text
        kept, used = [], 3
        for ch in reversed(text):
            used += disp_len(ch)
            if used > width:
                break
            kept.append(ch)
        return "..." + "".join(reversed(kept))

    def end(self) -> None:
        with self.lock:
            if self.bar is not None:
                self.bar.close()
                self.bar = None


def _columns() -> int:
    import shutil

    return max(40, shutil.get_terminal_size((100, 20)).columns)


def _cmd_run(args) -> int:
    from pipeline.run import run
    from pipeline.write import RunLocked

    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:  # a mistyped path is the caller's error, not a document that failed
        print(f"cnbudget: no such file or folder: {', '.join(map(path_text, missing))}", file=sys.stderr)
        return 2
    if Path(args.out).exists() and not Path(args.out).is_dir():
        print(f"cnbudget: --out {args.out} is a file, not a folder", file=sys.stderr)
        return 2
    if args.scheduler and args.executor != "dask":
        print("cnbudget: --scheduler needs --executor dask", file=sys.stderr)
        return 2
    if args.executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("cnbudget: --executor dask needs Dask: pip install 'cnbudget[dask]'", file=sys.stderr)
            return 2
    progress = _Progress(args.quiet, sys.stderr.isatty())
    try:
        summary = run(
            args.paths,
            args.out,
            workers=args.workers,
            force=args.force,
            progress=progress,
            heartbeat=progress.heartbeat,
            executor=args.executor,
            scheduler=args.scheduler,
            timeout=args.timeout or None,
            memory_limit=int(args.memory_limit * 2**30),
        )
    except (RunLocked, ValueError) as e:
        print(f"cnbudget: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # the output folder or the system, not a document (those never raise)
        progress.end()
        print(f"cnbudget: {e}; what is in {args.out} is intact: fix this and run again to finish", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        progress.end()
        print(f"cnbudget: interrupted; run again to finish (documents already in {args.out} are kept)", file=sys.stderr)
        return 130
    except _Terminated:
        progress.end()
        print(f"cnbudget: terminated; run again to finish (documents already in {args.out} are kept)", file=sys.stderr)
        return 128 + signal.SIGTERM
    finally:
        progress.end()
    print(summary.line())
    if not args.quiet:
        for f in summary.failures:
            if f.get("skipped"):
                print(f"  failed earlier: {f['path']}: {f['error']}", file=sys.stderr)
    return 1 if summary.failed else 0


def _cmd_inspect(args) -> int:
    from pipeline import extract, load, normalise, segment
    from pipeline.records import DocumentError

    import resource

    from pipeline.worker import limit_memory

    # as a run's worker, so a bomb cannot take the machine; counted beyond what this process holds
    # already (main may run inside a larger program), and lifted again when inspect is done
    before = resource.getrlimit(resource.RLIMIT_AS)
    if args.memory_limit > 0:
        try:
            with open("/proc/self/statm") as f:  # Linux: the address space mapped now
                held = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            held = 0
        limit_memory(held + int(args.memory_limit * 2**30))
    try:
        return _inspect(args, load, normalise, segment, extract, DocumentError)
    except MemoryError:
        print(f"{args.file}: failed: out_of_memory: needs more than --memory-limit {args.memory_limit:g} GiB",
              file=sys.stderr)
        return 1
    finally:
        resource.setrlimit(resource.RLIMIT_AS, before)


def _inspect(args, load, normalise, segment, extract, DocumentError) -> int:
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
    from pipeline.process import resolve_and_check

    res, lines, checks, *_ = resolve_and_check(text, ex)
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


_RUN_EXAMPLES = """examples:
  cnbudget run corpus/ --out data/                  every report under corpus/, into data/
  cnbudget run scraped/ --out data/ --quiet         a nightly job: only the summary line
  cnbudget run a.pdf b.docx --out data/ --force     redo two documents already in data/
  cnbudget run scraped/ --out data/ --executor dask --scheduler tcp://host:8786

exit status: 0 every document ok or partial; 1 at least one failed (the rest is written);
2 usage error (a PATH that does not exist, a bad flag, another run writing to DIR);
130 interrupted, 143 terminated (run again to finish)."""

_INSPECT_EXAMPLES = """examples:
  cnbudget inspect report.pdf             sections, tables, amounts, facts and checks
  cnbudget inspect report.pdf --text      also the normalised text that start/end index
  cnbudget inspect report.txt | less"""

_SCHEMA_EXAMPLES = """examples:
  cnbudget schema                          every table's columns, types and meaning
  cnbudget schema --format markdown > docs/DATA.md"""


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="cnbudget", formatter_class=raw,
        description="Chinese local-government fiscal reports (部门决算, 部门预算, 绩效自评) to typed, "
                    "traceable Parquet tables.",
        epilog="example:\n  cnbudget run corpus/ --out data/ && cnbudget schema\n\n"
               "`cnbudget COMMAND --help` for each command's options and examples.")
    p.add_argument("--version", action="version", version=f"cnbudget {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("run", help="process files and folders into Parquet tables", formatter_class=raw,
                       description="Process reports into one Parquet dataset per table under --out. "
                                   "Documents already there (same content, same pipeline version) are skipped.",
                       epilog=_RUN_EXAMPLES)
    r.add_argument("paths", nargs="+", metavar="PATH",
                   help="a report file (.txt .pdf .docx .html .htm) or a folder, walked for such files")
    r.add_argument("--out", required=True, metavar="DIR", help="output folder (one Parquet dataset per table)")
    r.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: number of cores)")
    r.add_argument("--force", action="store_true", help="redo documents already in --out")
    r.add_argument("--quiet", action="store_true", help="print only the summary line (for cron)")
    r.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local worker processes (default) or a Dask distributed cluster")
    r.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler to join, e.g. tcp://host:8786 "
                   "(default with --executor dask: a local cluster)")
    r.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                   help="time limit per document (default 120; 0 = none)")
    r.add_argument("--memory-limit", type=float, default=2.0, metavar="GIB",
                   help="address-space limit per worker process in GiB (default 2; 0 = none)")
    r.set_defaults(func=_cmd_run)
    i = sub.add_parser("inspect", help="show one document's sections, tables, amounts, facts and checks",
                       formatter_class=raw, epilog=_INSPECT_EXAMPLES,
                       description="Read one document with the pipeline's stages and print what they find.")
    i.add_argument("file", metavar="FILE", help="the document to read (.txt .pdf .docx .html .htm)")
    i.add_argument("--text", action="store_true", help="also print the normalised text")
    i.add_argument("--memory-limit", type=float, default=2.0, metavar="GIB",
                   help="memory the document may take, in GiB of address space (default 2; 0 = none)")
    i.set_defaults(func=_cmd_inspect)
    s = sub.add_parser("schema", help="print the data dictionary of every output table",
                       formatter_class=raw, epilog=_SCHEMA_EXAMPLES,
                       description="Every output table with its columns, their types and what they hold.")
    s.add_argument("--format", choices=["text", "markdown"], default="text",
                   help="text for the terminal (default) or a markdown table per output table")
    s.set_defaults(func=_cmd_schema)
    return p


def quiet_libraries() -> None:
    """Programs (this command line, and each worker process it starts) turn down the libraries'
    own chatter; the library modules never configure logging. jieba logs its dictionary loading
    at DEBUG through its own handler; pdfminer warns about every odd font ("Could not get
    FontBBox") while the document is read fine."""
    import logging

    from pipeline.words import import_jieba

    import_jieba().setLogLevel(logging.WARNING)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt, so `run` stops its workers and
    leaves nothing half-written."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _stdout_closed() -> int:
    """The reader of our output went away (`cnbudget inspect FILE | head`): stop quietly. Python's
    recipe: point stdout at devnull so the interpreter's last flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, as a shell reports a program killed by a closed pipe


def main(argv: list[str] | None = None) -> int:
    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (a test calling main from a thread)
        pass
    try:
        return _main(argv)
    except BrokenPipeError:
        return _stdout_closed()
    except _Terminated:
        print("cnbudget: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM


def _main(argv: list[str] | None) -> int:
    quiet_libraries()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else 2
    if getattr(args, "workers", None) is not None and args.workers < 1:
        print("cnbudget: --workers must be at least 1", file=sys.stderr)
        return 2
    for flag in ("timeout", "memory_limit"):
        if getattr(args, flag, 0) < 0:
            print(f"cnbudget: --{flag.replace('_', '-')} must not be negative", file=sys.stderr)
            return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
