"""Speed of the PDF reader against pdfplumber's own extract_text() + extract_tables().

    .venv/bin/python tests/bench_pdf.py [PDF ...]     # default: every PDF in ../shared/samples

Prints pages/s for both per file (best of `--repeat` runs, imports warmed up first).
Not collected by pytest (no test_ prefix).
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
sys.path.insert(0, str(ROOT))


def plumber(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()
            page.close()
        return len(pdf.pages)


def ours(data: bytes) -> int:
    from pipeline import read_pdf
    from pipeline.records import DocumentError

    try:
        return read_pdf.decode(data).n_pages or 0
    except DocumentError:
        return 0


def best(fn, data: bytes, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    paths = args.pdfs or sorted(SAMPLES.glob("*.pdf"))
    import pdfplumber  # noqa: F401  (warm the imports)
    import pypdfium2  # noqa: F401

    from pipeline import read_pdf  # noqa: F401

    print(f"{'file':44} {'pages':>5} {'plumber p/s':>12} {'ours p/s':>10} {'speed-up':>9}")
    total_pages = total_a = total_b = 0.0
    for path in paths:
        data = path.read_bytes()
        pages = plumber(data)
        a = best(plumber, data, args.repeat)
        b = best(ours, data, args.repeat)
        total_pages += pages
        total_a += a
        total_b += b
        print(f"{path.name[:44]:44} {pages:5d} {pages / a:12.1f} {pages / b:10.1f} {a / b:8.1f}x")
    print(
        f"{'all':44} {int(total_pages):5d} {total_pages / total_a:12.1f} "
        f"{total_pages / total_b:10.1f} {total_a / total_b:8.1f}x"
    )


if __name__ == "__main__":
    main()
