"""One visitor's heavy work in a worker process, with a time limit.

Streamlit runs every session in threads of one Python process, so a CPU-bound export
holds the GIL that every other session's runs need: at 100,000 sites the CSV took 11 s,
the GeoJSON 30 s, the GeoPackage 9 s and the slide PNG 17 s, and every other visitor
waited as long (issue 13, "Stalls"). :class:`Offload` runs such work in a worker process
instead (the server keeps its core; the worker uses the other), and stops it when it
takes longer than its limit: the worker is killed, the caller gets :class:`TooLong`.

The worker is started on first use (``spawn``: a fresh interpreter, never a fork of the
server's threads) and kept for the next jobs; one job runs at a time, the others wait
their turn within their own limit. A job's function and arguments are pickled: pass
top-level functions and data, never open files or locks.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import Any

LIMIT_S = 60.0  # well below the 180 s a browser waits for a deferred download
IDLE_S = 300.0  # a worker unused this long is stopped (it holds its own copy of the layers)


class TooLong(RuntimeError):
    """The job went past its time limit (or found no turn within it) and was stopped."""

    def __init__(self, limit_s: float):
        super().__init__(f"stopped after {limit_s:g} s")
        self.limit_s = limit_s


class Offload:
    """A worker process for heavy jobs: ``run(fn, *args)`` returns ``fn(*args)`` or raises."""

    def __init__(self, limit_s: float = LIMIT_S, idle_s: float = IDLE_S):
        self.limit_s = limit_s
        self.idle_s = idle_s
        self._pool: Pool | None = None
        self._turn = threading.Lock()  # one job at a time: a waiting job costs nothing
        self._idle: threading.Timer | None = None

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in the worker. :class:`TooLong` when no turn comes, or the
        job does not end, within the limit (the worker is then killed; the next job starts a
        new one); the job's own exception otherwise."""
        if not self._turn.acquire(timeout=self.limit_s):
            raise TooLong(self.limit_s)
        try:
            if self._idle is not None:
                self._idle.cancel()
            if self._pool is None:
                self._pool = multiprocessing.get_context("spawn").Pool(processes=1)
            job = self._pool.apply_async(fn, args, kwargs)
            try:
                return job.get(timeout=self.limit_s)
            except multiprocessing.TimeoutError:
                self._stop()
                raise TooLong(self.limit_s) from None
        finally:
            if self._pool is not None and self.idle_s > 0:
                self._idle = threading.Timer(self.idle_s, self.close)
                self._idle.daemon = True
                self._idle.start()
            self._turn.release()

    def _stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()

    def close(self) -> None:
        """Stop the worker (it starts again with the next job)."""
        with self._turn:
            self._stop()
