"""Files written whole or not at all: a temporary file in the same directory, then ``os.replace``.

A reader (the app, a browser fetching a served file, the next build) never sees half a
file, and a failed write leaves the old file as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; when the block ends without error, it becomes ``path``.

    For writers that want a path (``to_parquet``); :func:`write_bytes` and :func:`write_text`
    cover the rest. The file gets a normal file's mode, 0644, not mkstemp's 0600 (reading
    the umask would change it for a moment in every thread of the app).
    """
    path = Path(path)  # its directory must exist: a wrong output path is an error, not a new folder
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: Path | str, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically, newlines as given; returns the path."""
    return write_bytes(path, text.encode(encoding))
