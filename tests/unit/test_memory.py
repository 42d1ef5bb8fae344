"""geo.memory and geo.threads: what the allocators keep after a big read is given back, the imports and reads made without collections and frozen, the switch interval (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from geo import memory
from geo.paths import ROOT

GLIBC = memory._libc() is not None


def _run(code: str, env: dict | None = None) -> str:
    """``code`` in a fresh interpreter (the arenas and pools of this one are the test run's)."""
    environ = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | (env or {})
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=True,
        cwd=ROOT, env=environ,
    )  # fmt: skip
    return done.stdout


def test_the_app_allocates_arrow_memory_with_malloc():
    # pyarrow's own pool kept what each session's tables used (548 -> 757 MB over six sessions
    # with 100,000 sites); the app imports geo.memory before anything imports pyarrow
    assert _run("import pyarrow; print(pyarrow.default_memory_pool().backend_name)").strip() != "system"
    assert _run("import app, pyarrow; print(pyarrow.default_memory_pool().backend_name)").strip() == "system"
    # a choice made by whoever starts the app stays theirs
    chosen = _run("import app, pyarrow; print(pyarrow.default_memory_pool().backend_name)",
                  env={"ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}).strip()  # fmt: skip
    assert chosen in ("jemalloc", "mimalloc")  # (jemalloc where pyarrow has it, else its default)


def test_tune_sets_the_pool_where_pyarrow_came_first():
    out = _run(
        """
        import pyarrow
        from geo import memory
        before = pyarrow.default_memory_pool().backend_name
        memory.tune()
        print(before, pyarrow.default_memory_pool().backend_name)
        """
    )
    assert out.split() == ["mimalloc", "system"]
    # (another pool chosen at the start stays)
    kept = _run(
        """
        import pyarrow
        from geo import memory
        memory.tune()
        print(pyarrow.default_memory_pool().backend_name)
        """,
        env={"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"},
    )
    assert kept.strip() == "mimalloc"


@pytest.mark.skipif(not GLIBC, reason="glibc's malloc only")
def test_arenas_are_limited_for_the_threads_made_next():
    assert memory.limit_arenas() is True


def test_without_glibc_nothing_is_tuned(monkeypatch):
    monkeypatch.setattr(memory, "_libc", lambda: None)
    assert memory.limit_arenas() is False
    memory.release()  # (pyarrow's pool only)


def test_release_gives_back_what_pyarrows_pool_keeps_after_a_read():
    # 200 MB of arrow buffers made and dropped: the pool keeps the pages until released
    out = _run(
        """
        import pyarrow as pa
        from geo import memory
        def rss():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
        tables = [pa.array(range(i, i + 2_500_000)) for i in range(0, 25_000_000, 2_500_000)]
        del tables
        kept = rss()
        memory.release()
        print(round(kept), round(rss()))
        """
    )
    kept, after = map(int, out.split())
    assert kept - after > 100, (kept, after)  # about 200 MB given back; a no-op gives back nothing


def test_what_a_load_reads_is_left_out_of_later_collections():
    # a full collection walked every object of the process (about 90 ms per script run with
    # 10,000 sites); what loading() leaves alive is frozen: a cycle read then is never walked
    # (hence never collected), a cycle made later is
    out = _run(
        """
        import gc, weakref
        from geo import memory
        class Node:
            pass
        def cycle():
            a, b = Node(), Node()
            a.b, b.a = b, a
            return a
        with memory.loading():
            during = gc.isenabled()
            read = cycle()
        after = gc.isenabled()
        later = cycle()
        read_ref, later_ref = weakref.ref(read), weakref.ref(later)
        del read, later
        gc.collect()
        print(during, after, gc.get_freeze_count() > 0, read_ref() is not None, later_ref() is None)
        """
    )
    # no collection during the read, collections after it; the read frozen, the later cycle collected
    assert out.split() == ["False", "True", "True", "True", "True"]


def test_a_load_that_fails_still_turns_the_collector_back_on():
    out = _run(
        """
        import gc
        from geo import memory
        try:
            with memory.loading():
                raise ValueError("a broken file")
        except ValueError:
            pass
        enabled = gc.isenabled()
        gc.disable()
        with memory.loading():  # (a collector its caller turned off stays off)
            pass
        print(enabled, gc.isenabled())
        """
    )
    assert out.split() == ["True", "False"]


def test_the_app_imports_its_libraries_without_collecting_then_freezes_them():
    # what the imports make lives as long as the process: collecting while they ran walked
    # it again and again (214 collections, 35 ms after Streamlit's own imports; issue 14)
    out = _run("""
        import gc
        import streamlit, streamlit.runtime.scriptrunner  # (the server has them first)
        runs = []
        gc.callbacks.append(lambda phase, info: runs.append(info["generation"]) if phase == "stop" else None)
        import app
        print(len(runs), gc.isenabled(), gc.get_freeze_count() > 100_000)
    """)
    collections, enabled, frozen = out.split()
    assert int(collections) < 10 and enabled == "True" and frozen == "True", out


def test_importing_turns_the_collector_back_on_after_a_failed_import_and_acts_once():
    out = _run("""
        import gc
        from geo import memory
        try:
            with memory.importing():
                during = gc.isenabled()
                import no_such_module_anywhere  # noqa: F401
        except ImportError:
            pass
        failed = (during, gc.isenabled(), memory._imported)
        with memory.importing():
            pass
        with memory.importing():  # (a later script run: its imports are cached)
            later = gc.isenabled()
        gc.disable()
        with memory.importing():
            pass
        print(*failed, later, gc.isenabled())
    """)
    # off during the block, on after a failure (and tried again); once done, a later use
    # leaves the collector as it finds it (on, then off)
    assert out.split() == ["False", "True", "False", "True", "False"]


def test_the_app_sets_the_switch_interval_before_its_libraries_are_imported():
    # the server's thread (the page's files, the sessions' messages) waits at most 1 ms for
    # the interpreter while a run computes, from the first import on (issue 14)
    out = _run("""
        import sys
        before = sys.getswitchinterval()
        import app
        from geo import threads
        print(before, sys.getswitchinterval() == threads.SWITCH_INTERVAL_S == 0.001)
    """)
    assert out.split() == ["0.005", "True"]
    order = (ROOT / "app.py").read_text(encoding="utf-8").split("import folium")[0]
    assert "from geo import memory, threads" in order  # (before any library)
