"""load: the only stage that reads input files. Paths -> Source records (bytes + identity)."""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pipeline.records import DocumentError, Source

# Extensions the walker picks up in a folder. A file named explicitly is always taken, so an
# unsupported one still gets its documents row with a clear error.
FORMATS = {".txt": "txt", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
MAX_BYTES = 200 * 1024 * 1024  # larger files are refused: no fiscal report is this big


def walk(
    paths: Iterable[str | os.PathLike],
    on_skip: Callable[[Path, str, str], None] | None = None,
    exclude: Path | None = None,
) -> Iterator[Path]:
    """Files under the given paths that may be documents, in a stable order. What a folder holds
    besides them is reported to `on_skip(path, status, reason)`, never dropped unseen: hidden files
    and folders and files of an unknown extension (status skipped), the folder `exclude` (the
    output), links to folders (skipped: they are not followed, so a link loop or a link to a
    parent cannot make the walk endless or read a file twice), and folders that cannot be listed
    (status unreadable). A file named explicitly is always taken, so an unsupported one still gets
    its documents row with a clear error. Each path is given once, however often it is named
    (`run d d`, or a folder and a file inside it)."""
    skip = on_skip or (lambda path, status, reason: None)
    excluded = exclude.resolve() if exclude is not None else None
    given: set[str] = set()

    def once(path: Path) -> bool:
        key = os.path.normpath(os.path.abspath(path))
        if key in given:
            return False
        given.add(key)
        return True

    for p in paths:
        p = Path(p)
        if not p.is_dir():
            if once(p):
                yield p
            continue

        def unreadable(e: OSError) -> None:
            skip(Path(e.filename), "unreadable", f"cannot list the folder: {e.strerror}")

        for root, dirs, files in os.walk(p, onerror=unreadable):
            keep = []
            for d in sorted(dirs):
                full = Path(root) / d
                if d.startswith("."):
                    skip(full, "skipped", "hidden folder")
                elif full.is_symlink():
                    skip(full, "skipped", f"link to a folder ({os.readlink(full)}), not followed: name that folder to read it")
                elif excluded is not None and full.resolve() == excluded:
                    skip(full, "skipped", "the output folder")
                else:
                    keep.append(d)
            dirs[:] = keep
            for name in sorted(files):
                full = Path(root) / name
                suffix = Path(name).suffix.lower()
                if name.startswith("."):
                    skip(full, "skipped", "hidden file")
                elif suffix not in FORMATS:
                    skip(full, "skipped", f"unsupported extension {suffix or '(none)'}")
                elif once(full):
                    yield full


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
        if path.is_symlink():
            raise DocumentError("missing", f"{path} is a link to {os.readlink(path)}, which does not exist") from None
        raise DocumentError("missing", f"{path} does not exist (moved or deleted during the run?)") from None
    except IsADirectoryError:
        raise DocumentError("unreadable", f"{path} is a directory") from None
    except PermissionError:
        raise DocumentError("unreadable", f"no permission to read {path}") from None
    except OSError as e:
        raise DocumentError("unreadable", f"{path}: {e.strerror}") from None
    return Source(path=str(path), format=fmt, data=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def identity(path: str | os.PathLike) -> tuple[str | None, int | None]:
    """sha256 and size of a regular file, read in chunks; (None, None) for anything else (a pipe
    would block) or a file that cannot be read (its documents row will say why)."""
    h = hashlib.sha256()
    size = 0
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None, None
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
    except OSError:
        return None, None
    return h.hexdigest(), size


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
