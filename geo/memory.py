"""The server process's memory: what the allocators keep after the big reads, given back.

Two allocators keep memory the app no longer uses (issue 14, ``rss_100k``):

- pyarrow's pool (mimalloc) keeps the buffers of a GeoParquet or GeoJSON read: about 70 MB
  after the commune layer, more after 100,000 sites. :func:`release` hands them back.
- glibc's malloc makes one arena per thread that allocates, up to eight per core, and an
  arena keeps what was freed in it. Streamlit runs each script run in a new thread: with
  100,000 sites the server grew by some 55 MB a session for its first six sessions
  (610 MB to 842 MB) and then stayed there. Two arenas (:func:`limit_arenas`, what
  ``MALLOC_ARENA_MAX=2`` does) keep it at the first session's size.

Both are no-ops where they do not apply (another C library, another pool).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 2


@functools.cache
def _libc():
    """glibc, or None (musl, macOS, Windows: nothing to tune)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """At most ``arenas`` malloc arenas for the threads made from now on (glibc); True if set."""
    libc = _libc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, arenas) == 1)


def release() -> None:
    """Give back what pyarrow's pool and malloc keep after a big read (call after loading)."""
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # (an older pyarrow: nothing to release)
        pass
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
