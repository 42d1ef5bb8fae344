"""What a server process costs while it is measured: its process tree, CPU time, memory over time (from /proc), and the statistics the load test reports."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bench.browser import tree_rss_mb


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc)."""
    pids, seen = [pid], []
    while pids:
        current = pids.pop()
        if current in seen:
            continue
        seen.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return seen


def tree_cpu_s(pid: int) -> float:
    """CPU time (user + system, seconds) of ``pid`` and its descendants, from /proc/PID/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in tree_pids(pid):
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


class Sampler:
    """The server tree's RSS every ``interval`` seconds while a phase runs: peak and series."""

    def __init__(self, pid: int, interval: float):
        self.pid, self.interval = pid, interval
        self.series: list[tuple[float, float]] = []
        self._task: asyncio.Task | None = None
        self._start = time.monotonic()

    async def _loop(self) -> None:
        while True:
            self.series.append((round(time.monotonic() - self._start, 1), round(tree_rss_mb(self.pid), 1)))
            await asyncio.sleep(self.interval)

    def __enter__(self) -> Sampler:
        self._start = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return self

    def __exit__(self, *exc) -> None:
        if self._task is not None:
            self._task.cancel()
        self.series.append((round(time.monotonic() - self._start, 1), round(tree_rss_mb(self.pid), 1)))

    @property
    def peak(self) -> float:
        return max(rss for _, rss in self.series)


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (0–1) by linear interpolation between closest ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _slope_per_min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of RSS against time, in MB per minute."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_r = sum(r for _, r in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    return round(60 * sum((t - mean_t) * (r - mean_r) for t, r in points) / var, 2)
