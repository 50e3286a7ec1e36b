"""A worker target that misbehaves on purpose, for the isolation tests.

`run(..., target="tests.sabotage:process_path")` makes each worker read .txt files through
`decode` below: a file whose bytes start with a command word hangs, crashes or exhausts memory
inside the real pipeline (load -> normalise -> ...); any other file is read as usual.
"""
from __future__ import annotations

import os
import signal
import time

from pipeline import normalise, read_text
from pipeline.process import process_path as _process_path


def decode(data: bytes):
    if data.startswith(b"HANG"):
        time.sleep(3600)
    elif data.startswith(b"SEGV"):
        os.kill(os.getpid(), signal.SIGSEGV)
    elif data.startswith(b"KILLPARENT"):  # the process that started this worker: a Dask worker dies
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(3600)
    elif data.startswith(b"KILL"):  # as the kernel's OOM killer does
        os.kill(os.getpid(), signal.SIGKILL)
    elif data.startswith(b"EXIT"):
        os._exit(3)
    elif data.startswith(b"OOM"):
        hog = bytearray(64 * 2**30)  # far above any worker memory limit: MemoryError
        del hog
    elif data.startswith(b"HUGE"):  # see process_path
        data = data[4:]
    elif data.startswith(b"SLOW"):
        time.sleep(0.3)
        data = data[4:]
    return read_text.decode(data)


def process_path(path: str, memory_limit: int | None = None):
    normalise.READERS["txt"] = __name__
    res = _process_path(path, memory_limit)
    if res.document["status"] != "failed" and open(path, "rb").read(4) == b"HUGE":
        # an extractor bug: an amount too large for its column (decimal(24, 6))
        res.columns["amounts"]["value"][0] = "1" + "0" * 30
    return res


# --- stand-in PDF and DOCX readers ------------------------------------------------------------
# Until the real readers are registered in pipeline/normalise.py, these let the hostile-file
# tests show that the run-level guards (memory limit, time limit, isolation) hold when a reader
# really parses a PDF or a DOCX. They are deliberately naive: no guards of their own.


class _DocxReader:
    @staticmethod
    def decode(data: bytes):
        import io

        import docx

        from pipeline.records import Decoded, Para

        doc = docx.Document(io.BytesIO(data))
        return Decoded(tuple(Para(p.text) for p in doc.paragraphs if p.text.strip()))


class _PdfReader:
    @staticmethod
    def decode(data: bytes):
        import io

        import pdfplumber

        from pipeline.records import Decoded, Para

        blocks = []
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i, page in enumerate(pdf.pages, 1):
                blocks.extend(Para(line, page=i) for line in (page.extract_text() or "").splitlines() if line.strip())
                page.close()
            n = len(pdf.pages)
        return Decoded(tuple(blocks), n_pages=n)


def with_stand_in_readers(path: str, memory_limit: int | None = None):
    import sys

    sys.modules[f"{__name__}._docx"] = _DocxReader  # READERS maps a format to a module name
    sys.modules[f"{__name__}._pdf"] = _PdfReader
    # replace the real readers: this shows the run-level guards hold for readers with no guards
    normalise.READERS["docx"] = f"{__name__}._docx"
    normalise.READERS["pdf"] = f"{__name__}._pdf"
    return _process_path(path, memory_limit)
