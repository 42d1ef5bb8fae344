"""geo.offload: heavy work in a worker process, stopped past its limit (issue 13)."""

from __future__ import annotations

import os
import time

import pytest

from geo.offload import Offload, TooLong


def _pid_and_square(x):
    return os.getpid(), x * x


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


def _fail(text):
    raise ValueError(text)


@pytest.fixture
def offload():
    worker = Offload(limit_s=20, idle_s=0)
    yield worker
    worker.close()


def test_the_job_runs_in_another_process_which_is_kept(offload):
    pid, square = offload.run(_pid_and_square, 7)
    assert square == 49 and pid != os.getpid()
    assert offload.run(_pid_and_square, 3)[0] == pid


def test_a_job_past_its_limit_is_stopped_and_the_next_one_gets_a_new_worker(offload):
    first, _ = offload.run(_pid_and_square, 1)
    offload.limit_s = 0.5
    started = time.perf_counter()
    with pytest.raises(TooLong, match="0.5 s"):
        offload.run(_sleep, 30)
    assert time.perf_counter() - started < 10
    offload.limit_s = 20
    again, square = offload.run(_pid_and_square, 2)
    assert square == 4 and again != first


def test_the_job_s_own_error_reaches_the_caller(offload):
    with pytest.raises(ValueError, match="broken"):
        offload.run(_fail, "broken")
    assert offload.run(_pid_and_square, 5)[1] == 25


def test_a_job_waiting_for_its_turn_past_the_limit_is_too_long(offload):
    import threading

    offload.run(_pid_and_square, 1)  # the worker is up
    busy = threading.Thread(target=offload.run, args=(_sleep, 2))
    busy.start()
    time.sleep(0.2)
    offload.limit_s = 0.3
    with pytest.raises(TooLong):
        offload.run(_pid_and_square, 1)
    busy.join()


def test_an_idle_worker_is_stopped():
    worker = Offload(limit_s=20, idle_s=0.2)
    try:
        first, _ = worker.run(_pid_and_square, 1)
        time.sleep(1.0)
        assert worker._pool is None
        assert worker.run(_pid_and_square, 1)[0] != first
    finally:
        worker.close()


def test_a_download_is_made_here_below_the_threshold_and_in_the_worker_above(monkeypatch):
    from ui import panels

    worker = Offload(limit_s=20, idle_s=0)
    monkeypatch.setattr(panels, "OFFLOAD", worker)
    monkeypatch.setattr(panels, "OFFLOAD_MIN_ROWS", 100)
    try:
        assert panels.heavy(99, _pid_and_square, 3)[0] == os.getpid()
        pid, square = panels.heavy(100, _pid_and_square, 3)
        assert pid != os.getpid() and square == 9
    finally:
        worker.close()
