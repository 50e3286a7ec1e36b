"""load: the only stage that reads input files. Paths -> Source records (bytes + identity)."""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.records import DocumentError, Source

# Extensions the walker picks up in a folder. A file named explicitly is always taken, so an
# unsupported one still gets its documents row with a clear error.
FORMATS = {".txt": "txt", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
MAX_BYTES = 200 * 1024 * 1024  # larger files are refused: no fiscal report is this big


def walk(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files under the given paths, in a stable order; hidden files and folders are skipped."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in FORMATS:
                        yield Path(root) / name
        else:
            yield p


def path_text(path: str | os.PathLike) -> str:
    """A path (or a message that holds one) as text that always encodes as UTF-8: bytes of a file
    name that are not UTF-8, which Python keeps as surrogate escapes, are written as `\\xNN`
    (b"bad\\xff.txt" -> "bad\\\\xff.txt"). Stored in documents.source_path, the run log and errors;
    the file itself is still opened by its real name."""
    s = os.fspath(path)
    try:
        return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    return FORMATS.get(suffix, suffix.lstrip(".") or "unknown")


def read_source(path: Path) -> Source:
    """Read one file. Raises DocumentError (with whatever identity could be established)."""
    fmt = format_of(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise DocumentError("unreadable", f"{path} is not a regular file (a device, pipe or socket?)")
        size = st.st_size
        if size > MAX_BYTES:
            raise DocumentError(
                "too_large", f"{size} bytes; the limit is {MAX_BYTES} bytes", sha256=_hash_file(path), size=size
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError("missing", f"{path} does not exist (moved or deleted during the run?)") from None
    except IsADirectoryError:
        raise DocumentError("unreadable", f"{path} is a directory") from None
    except PermissionError:
        raise DocumentError("unreadable", f"no permission to read {path}") from None
    except OSError as e:
        raise DocumentError("unreadable", f"{path}: {e.strerror}") from None
    return Source(path=str(path), format=fmt, data=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
