"""The server process's memory: what the allocators keep, given back (issue 14, ``rss_100k``),
and the data read once per process left out of the cyclic garbage collector (:func:`loading`).

Two allocators kept memory the app no longer used:

- pyarrow's own pool (mimalloc) keeps the buffers of every arrow operation: about 70 MB
  after the commune layers are read, and more with each session, whose page sends its
  tables to the browser as arrow data. With 100,000 sites the server grew from 548 MB to
  757 MB over six sessions; with the system allocator it stays at 532–535 MB. pyarrow
  chooses its pool once, when it is first imported, from ``ARROW_DEFAULT_MEMORY_POOL``:
  importing this module sets it to ``system`` unless it is set already, so the app imports
  it before anything that imports pyarrow (pandas does). :func:`tune` also sets the pool of
  a process where pyarrow came first, and :func:`release` hands back what the big reads
  leave.
- glibc's malloc makes one arena per thread that allocates, up to eight per core, and an
  arena keeps what was freed in it; Streamlit runs each script run in a new thread.
  :func:`tune` caps them at two (what ``MALLOC_ARENA_MAX=2`` does).

Set from the app (its first script run, around its reads: :func:`loading`), so that every
way of starting it gets them; no-ops where they do not apply (another C library, no pyarrow).
The app's imports run without the cyclic garbage collector (:func:`importing`), and so do
its reads.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import os

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # (read when pyarrow is first imported)

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


def tune() -> None:
    """pyarrow's allocations made with malloc (unless whoever started the process chose
    another pool), and at most :data:`ARENAS` malloc arenas."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") == "system":
        try:
            import pyarrow

            pyarrow.set_memory_pool(pyarrow.system_memory_pool())
        except (ImportError, AttributeError):
            pass
    limit_arenas()


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


_imported = False  # (the app's imports have run once: importing())


@contextlib.contextmanager
def importing():
    """Around the app's imports, its first time: no cyclic collection while its libraries
    load, then every object alive is frozen (``gc.freeze``), as :func:`loading` does after a
    read. What the imports make (modules, classes, functions) lives as long as the process:
    collecting while they ran walked it again and again, 214 collections and about 35 ms of
    ``import app`` after Streamlit's imports (tests/unit/test_memory.py counts the
    collections). Later script runs (their imports come from the module cache): nothing.
    The collector is on again after the block in any case (a failed import included),
    unless it was off before."""
    global _imported
    if _imported:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        _imported = True
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


@contextlib.contextmanager
def loading():
    """Around a read of the process's long-lived data (the sites, the communes, the friches):
    :func:`tune` first; no cyclic collection during the read; then :func:`release`, and
    every object alive is frozen (``gc.freeze``): left out of every later collection.

    The process holds a few million objects (the libraries' modules, the data read) that
    live as long as it does. Each full collection walked them all: about 90 ms with 10,000
    sites, once per script run, often right after a first visit's first run, while the
    browser fetched the page's scripts from this process (they waited behind it). Frozen,
    a full collection walks only what the sessions made since: 3–7 ms. Reference counting
    still frees a frozen object that is dropped; only a cycle among them is never
    collected, and the data read once per process makes none that it drops."""
    tune()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        release()
        gc.freeze()
