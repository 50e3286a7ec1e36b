"""Seeded mutations of real files for the fuzz target (tests/test_fuzz.py).

Each mutation is a pure function (data, seed) -> bytes, so a crash is kept as a recipe: the
sample's name, the mutation and the seed. `python -m tests.fuzz N` tries N recipes per input and
prints those that crash (status internal_error or a traceback in the error).
"""
from __future__ import annotations

import io
import random
import re
import sys
import tempfile
from pathlib import Path

STREAM = re.compile(rb"stream\r?\n")


def flip(data: bytes, seed: int) -> bytes:
    """A few bytes anywhere replaced by random ones."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        at = rng.randrange(len(out))
        junk = rng.randbytes(rng.randint(1, 8))
        out[at : at + len(junk)] = junk
    return bytes(out)


def truncate(data: bytes, seed: int) -> bytes:
    """The file cut at a random point."""
    return data[: random.Random(seed).randrange(1, len(data))]


def damage_stream(data: bytes, seed: int) -> bytes:
    """Random bytes written over the start of one (compressed) object stream or content stream."""
    rng = random.Random(seed)
    starts = [m.end() for m in STREAM.finditer(data)]
    if not starts:
        return flip(data, seed)
    at = rng.choice(starts) + rng.randint(0, 64)
    junk = rng.randbytes(rng.randint(1, 32))
    return data[:at] + junk + data[at + len(junk) :]


def duplicate_pages(data: bytes, seed: int) -> bytes:
    """A PDF of some of its pages, repeated and out of order (PDFium copies them)."""
    import pypdfium2 as pdfium

    rng = random.Random(seed)
    src = pdfium.PdfDocument(data)
    try:
        n = len(src)
        order = [rng.randrange(n) for _ in range(rng.randint(2, min(6, 2 * n)))]
        out = pdfium.PdfDocument.new()
        out.import_pages(src, order)
        buf = io.BytesIO()
        out.save(buf)
        out.close()
        return buf.getvalue()
    finally:
        src.close()


def dup_then_flip(data: bytes, seed: int) -> bytes:
    return damage_stream(duplicate_pages(data, seed), seed)


MUTATIONS = {"flip": flip, "truncate": truncate, "damage_stream": damage_stream,
             "duplicate_pages": duplicate_pages, "dup_then_flip": dup_then_flip}
PDF_ONLY = {"duplicate_pages", "dup_then_flip"}


def mutations_for(path: Path) -> list[str]:
    pdf = path.suffix.lower() == ".pdf"
    return [m for m in MUTATIONS if pdf or m not in PDF_ONLY]


def problem(row: dict) -> str | None:
    """What is wrong with a documents row under hostile input, or None."""
    error = row.get("error") or ""
    if row.get("status") == "internal_error" or error.startswith("internal_error"):
        return error
    if "Traceback" in error or 'File "' in error:
        return error
    return None


def run_one(path: Path, mutation: str, seed: int, workdir: Path) -> dict:
    from pipeline.process import process_path

    data = MUTATIONS[mutation](path.read_bytes(), seed)
    target = workdir / f"{mutation}_{seed}{path.suffix}"
    target.write_bytes(data)
    try:
        return process_path(str(target)).document
    finally:
        target.unlink()


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 5
    paths = [Path(p) for p in argv[1:]]
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            for mutation in mutations_for(path):
                for seed in range(n):
                    try:
                        row = run_one(path, mutation, seed, Path(tmp))
                    except Exception as e:  # a mutation that cannot be made (pdfium on a bad file)
                        print(f"skip {path.name} {mutation} {seed}: {type(e).__name__}", file=sys.stderr)
                        continue
                    bad = problem(row)
                    if bad:
                        print(f"CRASH {path.name!r} {mutation} {seed}: {bad}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
