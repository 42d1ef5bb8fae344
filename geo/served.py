"""Large map data as files the app serves itself, written once per content.

With 100,000 sites, the sites' part of a map is about 12 MB of JSON. Sent inside
streamlit_folium's arguments, it would travel again (and be serialised, hashed and parsed
again) on every filter change. Instead :mod:`geo.mapview` writes all the sites of a frame
once, as a file under ``static/cache/`` that Streamlit serves at ``/app/static/cache/``
(``server.enableStaticServing``), and each map carries only which of those sites it shows.
The browser fetches the file once and keeps it in its HTTP cache (same URL, same bytes).

The file is gzip-compressed here, once (``.json.gz``, served as ``application/gzip``, which
Streamlit's gzip middleware leaves alone); the page inflates it with the browser's
``DecompressionStream``. Served as plain ``.json``, the same 13 MB (100,000 sites) were
compressed again by the server on every request: 1.5 s before the first byte arrived.

A sites' file is JSON lines (``geo.mapview.payload.json_lines``): the markers' columns on
its first line, the card texts on the next, so that the page draws the markers as soon as
the first line is read; the other files are one line (one JSON document).

The file name is the SHA-256 of its JSON: the same data always gives the same URL, other
data another one, and a name cannot be guessed without the data. A file is written whole
(``geo.atomic``), so a reader never sees half a file. The directory keeps the
:attr:`FileStore.keep` most recently used files; older ones are deleted.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from geo import atomic
from geo.paths import STATIC_DIR

CACHE_DIR = STATIC_DIR / "cache"
CACHE_URL = "/app/static/cache"
KEEP_FILES = 16
# The maps' areas (geo.mapview: the communes shown, the outlines) are kept apart, more of them:
# each selection of communes gives its own file, which a page may still read after others.
AREA_KEEP_FILES = 256
# Level 4: 13.2 MB of JSON (100,000 sites) → 3.3 MB in 0.26 s; level 6 gives 3.2 MB in 0.8 s.
COMPRESS_LEVEL = 4
_PREFIX = re.compile(r"[a-z][a-z0-9-]{0,30}")
T = TypeVar("T")


@dataclass(frozen=True)
class FileStore:
    """A directory of content-named, gzip-compressed JSON files and the URL it is served at."""

    directory: Path
    url: str
    keep: int = KEEP_FILES

    def name_for(self, data: bytes, prefix: str) -> str:
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"FileStore: prefix must match {_PREFIX.pattern}, got {prefix!r}")
        return f"{prefix}-{hashlib.sha256(data).hexdigest()[:32]}.json.gz"

    def has(self, name: str) -> bool:
        return (self.directory / name).is_file()

    def publish(self, data: bytes, prefix: str) -> str:
        """Write ``data`` (JSON bytes), compressed, unless the same data is there; return the file name."""
        name = self.name_for(data, prefix)
        path = self.directory / name
        if path.is_file():
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: kept by the next prune
            return name
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(path, gzip.compress(data, compresslevel=COMPRESS_LEVEL, mtime=0))
        self._prune(keep=name)
        return name

    def areas(self) -> FileStore:
        """The store of the maps' area layers, beside this one (``areas/``, :data:`AREA_KEEP_FILES`)."""
        return FileStore(self.directory / "areas", f"{self.url}/areas", keep=AREA_KEEP_FILES)

    def url_of(self, name: str) -> str:
        return f"{self.url}/{name}"

    def _prune(self, keep: str) -> None:
        files = []
        for path in self.directory.glob("*.json.gz"):
            with contextlib.suppress(OSError):
                files.append((path.stat().st_mtime, path))
        files.sort(reverse=True)
        for _, path in files[self.keep :]:
            if path.name != keep:
                with contextlib.suppress(OSError):
                    path.unlink()


APP_FILES = FileStore(CACHE_DIR, CACHE_URL)


def served_or_none(what: str, files: FileStore, make: Callable[[], T]) -> T | None:
    """``make()`` (which writes to ``files``), or None where the store cannot be written (a
    read-only app directory): the caller then puts the data in the map itself, and a
    warning says ``what`` was not served."""
    try:
        return make()
    except OSError as exc:
        warnings.warn(f"geo.mapview: {what} not served from {files.directory}: {exc}", stacklevel=3)
        return None
