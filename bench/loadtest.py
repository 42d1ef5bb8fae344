"""Load test: many sessions without browsers, over Streamlit's own websocket protocol (issue 13).

``python -m bench.loadtest`` starts ``streamlit run app.py`` itself (``bench.browser.Server``:
a free port on 127.0.0.1, the health check awaited, stopped on exit) and drives N concurrent
sessions the way Streamlit's frontend does, with no browser: a websocket to
``ws://127.0.0.1:PORT/_stcore/stream`` (subprotocol ``streamlit``), a ``BackMsg.rerun_script``
whose ``ClientState`` carries the page's query string, then the ``ForwardMsg`` stream until
``script_finished``. Each session opens with its own query string, then reruns with a filter
change: a new query string, as when a link or the back button changes the URL (the app reads
its state from the URL when the URL changed, ``ui.session.load``), and waits for the run to
finish. See bench/README.md ("Load test").

Only loopback addresses; every loop is bounded in count and in time; the tool stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import machine
from bench.browser import Server, tree_rss_mb
from bench.procstats import Sampler, _slope_per_min, percentile, tree_cpu_s, tree_pids  # noqa: F401
from geo.paths import ROOT

RESULTS_DIR = ROOT / "bench" / "results"
OUT_DIR = ROOT / "bench" / "out"  # gitignored: synthetic sites and server logs
SYNTHETIC_SEED = 0
MAX_SESSIONS = 500  # one process of the tool opens at most this many websockets at once
MAX_RERUNS = 1000
MAX_SOAK_MINUTES = 24 * 60
LOOPBACK = {"STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}  # the server listens on loopback only
READY_MARKER = 'id="app-ready"'  # the app's last element: the script ran to its end (app.py)
# A session's first run draws its first screen only (ui.session.first_screen); in a browser the
# map's report of its drawn markers brings the run that draws the rest: this client asks at once.
FIRST_SCREEN_MARKER = 'id="rc-first-screen"'

# Query strings a session opens with, and the filter changes it then makes, in turn. All are
# valid for the real data and for synthetic sites (sectors and statuses from geo.vocab,
# départements that exist whatever the sites); a session's change always differs from the
# query it is on.
OPEN_QUERIES = (
    "",
    "sector=glass",
    "dep=59",
    "q=usine",
    "status=operating",
    "sector=food&sector=chemicals-pharma",
    "reg=84",
    "brownfield=yes",
    "dep=69&lang=en",
    "jobs_min=100",
    "sector=energy-batteries&status=planned",
    "dep=2A",
)
CHANGE_QUERIES = (
    "sector=metals-machinery",
    "dep=13",
    "q=lyon",
    "status=under-construction",
    "brownfield=no",
    "reg=32",
    "sector=transport-equipment&dep=31",
    "jobs_max=500",
    "sector=cloud-datacenters&lang=en",
    "dep=971",
    "q=verre",
    "reg=53&status=announced",
    "",
)


def queries_of(session: int, reruns: int) -> list[str]:
    """Session ``session``'s query strings: the one it opens with, then one per rerun."""
    queries = [OPEN_QUERIES[session % len(OPEN_QUERIES)]]
    for r in range(reruns):
        change = CHANGE_QUERIES[(session + r) % len(CHANGE_QUERIES)]
        if change == queries[-1]:
            change = CHANGE_QUERIES[(session + r + 1) % len(CHANGE_QUERIES)]
        queries.append(change)
    return queries


# -- one session over the websocket -------------------------------------------------------------


@dataclass
class Run:
    """One script run, from the rerun request to ``script_finished``."""

    query: str
    seconds: float | None = None  # None: it did not finish (see errors)
    bytes: int = 0
    sites: int | None = None  # what the app's readiness marker says it shows


@dataclass
class SessionResult:
    index: int
    opened: Run | None = None
    reruns: list[Run] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class RunError(Exception):
    """The run did not finish cleanly (exception in the page, compile error, no readiness)."""


def _forward_msg(data: bytes):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.ParseFromString(data)
    return msg


def _rerun_msg(query: str, cached: set[str]) -> bytes:
    """The ``BackMsg`` the frontend sends to run the script: the page's query string and the
    hashes of the messages it holds (so the server may send references instead)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.cached_message_hashes.extend(sorted(cached))
    return msg.SerializeToString()


async def _one_run(ws, query: str, cached: set[str], timeout_s: float) -> Run:
    """Send a rerun and read the ForwardMsgs until ``script_finished``; raise on any error."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    run = Run(query)
    started = time.perf_counter()
    deadline = started + timeout_s
    await ws.send(_rerun_msg(query, cached))
    problems: list[str] = []
    ready = first_screen = False
    for _ in range(100_000):  # bounded: a run of this app sends well under a thousand messages
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(f"no script_finished within {timeout_s} s")
        data = await asyncio.wait_for(ws.recv(), remaining)
        if isinstance(data, str):
            raise RunError("text frame from the server (Streamlit sends binary protobufs)")
        run.bytes += len(data)
        msg = _forward_msg(data)
        if msg.metadata.cacheable and msg.hash:
            cached.add(msg.hash)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            what = element.WhichOneof("type")
            if what == "exception":
                problems.append(f"exception: {element.exception.type}: {element.exception.message[:200]}")
            elif what == "html" and FIRST_SCREEN_MARKER in element.html.body:
                first_screen = True
            elif what == "html" and READY_MARKER in element.html.body:
                ready = True
                body = element.html.body
                if 'data-sites="' in body:
                    digits = body.split('data-sites="', 1)[1].split('"', 1)[0]
                    run.sites = int(digits) if digits.isdigit() else None
        elif (
            kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception"
        ):
            problems.append("script compilation exception")
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue  # the app asked for a rerun itself: the run goes on
            if first_screen and not ready and not problems and status != ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                first_screen = False  # (the first screen's run is part of the session's opening)
                await ws.send(_rerun_msg(query, cached))
                continue
            run.seconds = time.perf_counter() - started
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                problems.append("finished with compile error")
            if not ready and not problems:
                problems.append("finished without the app's readiness marker (#app-ready)")
            if problems:
                raise RunError("; ".join(problems))
            return run
    raise RunError("too many messages in one run")


async def run_session(url: str, index: int, reruns: int, *, timeout_s: float, think_s: float = 0.0,
                      opened: asyncio.Event | None = None, go: asyncio.Event | None = None,
                      stop_at: float | None = None) -> SessionResult:  # fmt: skip
    """Open session ``index`` with its own query string, then make ``reruns`` filter changes.

    ``opened`` / ``go``: signal when the session is open, then wait for ``go`` before the
    filter changes (so that all sessions change filters together). ``stop_at``: a
    ``time.monotonic()`` after which no new rerun starts (the soak).
    """
    import websockets

    result = SessionResult(index)
    queries = queries_of(index, reruns)
    cached: set[str] = set()
    pauses = random.Random(index)
    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=timeout_s, close_timeout=5) as ws:  # fmt: skip
            try:
                result.opened = await _one_run(ws, queries[0], cached, timeout_s)
            finally:
                if opened is not None:
                    opened.set()
            if go is not None:
                await asyncio.wait_for(go.wait(), timeout_s * 4)
            for query in queries[1:]:
                if stop_at is not None and time.monotonic() >= stop_at:
                    break
                if think_s:  # a user's pause, 0.5–1.5 × think_s, the same for a session on every run
                    await asyncio.sleep(think_s * pauses.uniform(0.5, 1.5))
                result.reruns.append(await _one_run(ws, query, cached, timeout_s))
    except TimeoutError as exc:
        result.errors.append(f"timeout: {exc}")
    except RunError as exc:
        result.errors.append(str(exc))
    except websockets.ConnectionClosed as exc:
        result.errors.append(f"disconnected: {exc}")
    except OSError as exc:
        result.errors.append(f"connection failed: {exc}")
    finally:
        if opened is not None:
            opened.set()
    return result


# -- the server's resources ----------------------------------------------------------------------


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _summary(results: list[SessionResult], reruns_each: int) -> dict:
    rerun_s = [r.seconds for s in results for r in s.reruns if r.seconds is not None]
    open_s = [s.opened.seconds for s in results if s.opened and s.opened.seconds is not None]
    errors = [f"session {s.index}: {e}" for s in results for e in s.errors]
    complete = sum(1 for s in results if not s.errors and len(s.reruns) == reruns_each)
    kinds: dict[str, int] = {}
    for s in results:
        for e in s.errors:
            kind = e.split(":", 1)[0]
            kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "sessions_complete": complete,
        "reruns_finished": len(rerun_s),
        "rerun_p50_ms": _ms(percentile(rerun_s, 0.5)),
        "rerun_p95_ms": _ms(percentile(rerun_s, 0.95)),
        "rerun_max_ms": _ms(max(rerun_s) if rerun_s else None),
        "open_p50_ms": _ms(percentile(open_s, 0.5)),
        "open_p95_ms": _ms(percentile(open_s, 0.95)),
        "bytes_per_rerun": round(sum(r.bytes for s in results for r in s.reruns) / max(len(rerun_s), 1)),
        "errors": len(errors),
        "errors_by_kind": kinds,
        "error_examples": errors[:5],
    }


# -- phases ----------------------------------------------------------------------------------------


async def concurrent_phase(server: Server, sessions: int, reruns: int, *, timeout_s: float,
                           think_s: float) -> dict:  # fmt: skip
    """``sessions`` sessions open together, then all make ``reruns`` filter changes each.

    The figure is the time from each rerun request to its ``script_finished``, measured
    once every session is open (the opening runs are reported apart)."""
    pid = server.proc.pid
    opened = [asyncio.Event() for _ in range(sessions)]
    go = asyncio.Event()
    load_start = machine.load_average()
    rss_before = round(tree_rss_mb(pid), 1)
    with Sampler(pid, 0.5) as sampler:
        start = time.monotonic()
        tasks = [asyncio.create_task(run_session(server.url, i, reruns, timeout_s=timeout_s, think_s=think_s,
                                                 opened=opened[i], go=go))
                 for i in range(sessions)]  # fmt: skip
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), timeout_s * 4)
        open_wall = time.monotonic() - start
        cpu_start, wall_start, client_start = tree_cpu_s(pid), time.monotonic(), _client_cpu_s()
        go.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks), timeout_s * (reruns + 4))
        wall = time.monotonic() - wall_start
        cpu = tree_cpu_s(pid) - cpu_start
        client_cpu = _client_cpu_s() - client_start
    return {
        "sessions": sessions,
        "reruns_per_session": reruns,
        "think_s": think_s,
        **_summary(results, reruns),
        "open_wall_s": round(open_wall, 2),
        "rerun_wall_s": round(wall, 2),
        "reruns_per_s": round(sum(len(s.reruns) for s in results) / wall, 2) if wall else None,
        "server_cpu_s": round(cpu, 2),
        "server_cpu_pct": round(100 * cpu / wall, 1) if wall else None,  # 100 % = one core
        "client_cpu_pct": round(100 * client_cpu / wall, 1) if wall else None,
        "rss_before_mb": rss_before,
        "rss_peak_mb": round(sampler.peak, 1),
        "rss_after_mb": sampler.series[-1][1],
        "load_average_start": load_start,
        "load_average_end": machine.load_average(),
    }


def _client_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


async def soak_phase(server: Server, sessions: int, minutes: float, *, timeout_s: float, think_s: float,
                     reruns_per_connection: int, sample_s: float) -> dict:  # fmt: skip
    """``sessions`` sessions change filters for ``minutes``; each reconnects (a new session)
    after ``reruns_per_connection`` changes. The server's RSS is sampled every ``sample_s``."""
    pid = server.proc.pid
    stop_at = time.monotonic() + minutes * 60
    results: list[SessionResult] = []
    load_start = machine.load_average()
    cpu_start, wall_start = tree_cpu_s(pid), time.monotonic()

    async def user(slot: int) -> None:
        for round_ in range(1_000_000):  # bounded by stop_at long before this count
            if time.monotonic() >= stop_at:
                return
            index = slot + sessions * round_
            results.append(await run_session(server.url, index, reruns_per_connection, timeout_s=timeout_s,
                                             think_s=think_s, stop_at=stop_at))  # fmt: skip

    with Sampler(pid, sample_s) as sampler:
        await asyncio.wait_for(asyncio.gather(*(user(i) for i in range(sessions))),
                               minutes * 60 + timeout_s * 3)  # fmt: skip
    wall = time.monotonic() - wall_start
    cpu = tree_cpu_s(pid) - cpu_start
    series = sampler.series
    rss = [r for _, r in series]
    half = [(t, r) for t, r in series if t >= series[-1][0] / 2]
    return {
        "sessions": sessions,
        "minutes": minutes,
        "think_s": think_s,
        "reruns_per_connection": reruns_per_connection,
        "connections": len(results),
        **_summary(results, reruns_per_connection),
        "sessions_complete": None,  # the last connection of each user is cut by the deadline
        "server_cpu_pct": round(100 * cpu / wall, 1) if wall else None,
        "rss_start_mb": rss[0],
        "rss_end_mb": rss[-1],
        "rss_min_mb": min(rss),
        "rss_max_mb": max(rss),
        "rss_slope_second_half_mb_per_min": _slope_per_min(half),
        "rss_series_s_mb": series,
        "load_average_start": load_start,
        "load_average_end": machine.load_average(),
    }


# -- data sets and servers -------------------------------------------------------------------------


def synthetic_sites(n: int) -> Path:
    """``python -m geo synthetic N`` written once under bench/out/ (outside data/)."""
    path = OUT_DIR / f"synthetic-{n}-seed{SYNTHETIC_SEED}.geojson"
    if not path.exists():
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "geo", "synthetic", str(n), "-o", str(path),
                        "--seed", str(SYNTHETIC_SEED)], cwd=ROOT, check=True, timeout=600)  # fmt: skip
    return path


def dataset_sites(name: str) -> Path | None:
    """``real`` → the app's own data (None: no --sites); ``10k`` or a number → synthetic sites."""
    if name == "real":
        return None
    n = int(name[:-1]) * 1000 if name.lower().endswith("k") else int(name)
    return synthetic_sites(n)


async def _warm_up(server: Server, timeout_s: float) -> dict:
    """One session first, not counted: the first run pays the imports and fills the caches."""
    result = await run_session(server.url, 0, 1, timeout_s=timeout_s)
    if result.errors:
        raise RuntimeError(f"the warm-up session failed: {result.errors}")
    return {"first_run_s": round(result.opened.seconds, 2), "sites": result.opened.sites}


def measure_dataset(name: str, sessions: list[int], reruns: int, *, timeout_s: float, think_s: float,
                    log: bool = True) -> dict:  # fmt: skip
    sites = dataset_sites(name)
    log_path = OUT_DIR / f"loadtest-{name}.log"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with Server(sites=sites, log=log_path, env=LOOPBACK) as server:
        startup_s = server.wait_healthy()

        async def all_phases() -> dict:
            warm = await _warm_up(server, timeout_s)
            rss_warm = round(server.rss_mb(), 1)
            phases = []
            for n in sessions:
                phase = await concurrent_phase(server, n, reruns, timeout_s=timeout_s, think_s=think_s)
                phases.append(phase)
                if log:
                    _print_row(name, phase)
            return {"warm_up": warm, "rss_after_warm_up_mb": rss_warm, "phases": phases}

        out = asyncio.run(all_phases())
    return {"data": name, "sites_file": str(sites.relative_to(ROOT)) if sites else "data/sites.geojson",
            "server_healthy_s": round(startup_s, 2), "server_log": str(log_path.relative_to(ROOT)), **out}  # fmt: skip


def measure_soak(name: str, sessions: int, minutes: float, *, timeout_s: float, think_s: float,
                 reruns_per_connection: int, sample_s: float) -> dict:  # fmt: skip
    sites = dataset_sites(name)
    log_path = OUT_DIR / f"loadtest-soak-{name}.log"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with Server(sites=sites, log=log_path, env=LOOPBACK) as server:
        server.wait_healthy()

        async def soak() -> dict:
            warm = await _warm_up(server, timeout_s)
            return {"warm_up": warm, **await soak_phase(server, sessions, minutes, timeout_s=timeout_s,
                                                        think_s=think_s, reruns_per_connection=reruns_per_connection,
                                                        sample_s=sample_s)}  # fmt: skip

        return {"data": name, **asyncio.run(soak())}


# -- output ----------------------------------------------------------------------------------------

_HEADER = (f"{'data':<6} {'sessions':>8} {'reruns':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
           f"{'errors':>6} {'RSS peak MB':>11} {'server CPU %':>12} {'client CPU %':>12} {'load 1 min':>10}")  # fmt: skip


def _print_row(name: str, p: dict) -> None:
    load = p["load_average_end"][0] if p["load_average_end"] else float("nan")
    print(f"{name:<6} {p['sessions']:>8} {p['reruns_finished']:>7} {_fmt(p['rerun_p50_ms'])} "
          f"{_fmt(p['rerun_p95_ms'])} {_fmt(p['rerun_max_ms'])} {p['errors']:>6} {p['rss_peak_mb']:>11.0f} "
          f"{p['server_cpu_pct']:>12.0f} {p['client_cpu_pct']:>12.0f} {load:>10.2f}", flush=True)  # fmt: skip
    for example in p["error_examples"][:3]:
        print(f"       error: {example}", flush=True)


def _fmt(ms: float | None) -> str:
    return f"{'–':>8}" if ms is None else f"{ms:>8.0f}"


def _print_soak(s: dict) -> None:
    print(f"soak ({s['data']}): {s['sessions']} sessions for {s['minutes']} min, think {s['think_s']} s: "
          f"{s['reruns_finished']} reruns, p50 {s['rerun_p50_ms']} ms, p95 {s['rerun_p95_ms']} ms, "
          f"{s['errors']} errors; RSS {s['rss_start_mb']:.0f} → {s['rss_end_mb']:.0f} MB "
          f"(min {s['rss_min_mb']:.0f}, max {s['rss_max_mb']:.0f}; second half "
          f"{s['rss_slope_second_half_mb_per_min']} MB/min)", flush=True)  # fmt: skip


def _int_list(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or any(v < 1 or v > MAX_SESSIONS for v in values):
        raise argparse.ArgumentTypeError(f"between 1 and {MAX_SESSIONS} sessions")
    return values


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sessions",
        type=_int_list,
        default=[10, 50, 100],
        help="concurrent sessions, one phase each (default 10,50,100)",
    )
    p.add_argument("--reruns", type=int, default=5, help="filter changes per session and phase (default 5)")
    p.add_argument(
        "--data",
        default="real,10k",
        help="data sets: real (data/sites.geojson) and/or NNk synthetic sites (default real,10k)",
    )
    p.add_argument(
        "--think-s",
        type=float,
        default=0.0,
        help="mean pause before each filter change, drawn in 0.5–1.5 × (default 0: every session always has a run in flight)",
    )
    p.add_argument("--timeout-s", type=float, default=120.0, help="a run not finished by then is an error")
    p.add_argument(
        "--soak-minutes", type=float, default=0.0, help="also soak for this long (default 0: no soak)"
    )
    p.add_argument("--soak-sessions", type=int, default=20)
    p.add_argument("--soak-data", default="real")
    p.add_argument(
        "--soak-think-s",
        type=float,
        default=1.0,
        help="mean pause before each change in the soak (0.5–1.5 ×)",
    )
    p.add_argument(
        "--soak-reruns-per-connection",
        type=int,
        default=20,
        help="a soak session reconnects (a new Streamlit session) after this many changes",
    )
    p.add_argument("--soak-sample-s", type=float, default=10.0, help="RSS sampling interval of the soak")
    p.add_argument("--only-soak", action="store_true", help="the soak only")
    p.add_argument(
        "-o", "--output", type=Path, help="JSON path (default bench/results/loadtest-<UTC time>.json)"
    )
    args = p.parse_args(argv)
    if not 0 <= args.reruns <= MAX_RERUNS:
        p.error(f"--reruns: between 0 and {MAX_RERUNS}")
    if not 0 <= args.soak_minutes <= MAX_SOAK_MINUTES:
        p.error(f"--soak-minutes: between 0 and {MAX_SOAK_MINUTES}")
    if not 1 <= args.soak_sessions <= MAX_SESSIONS:
        p.error(f"--soak-sessions: between 1 and {MAX_SESSIONS}")
    if args.timeout_s <= 0 or args.think_s < 0 or args.soak_think_s < 0 or args.soak_sample_s <= 0:
        p.error("timeouts and intervals must be positive")
    if args.soak_reruns_per_connection < 1:
        p.error("--soak-reruns-per-connection: at least 1")
    return args


def run(args: argparse.Namespace) -> dict:
    started = time.monotonic()
    report: dict = {
        "tool": "bench.loadtest",
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.describe(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "method": (
            "Streamlit's websocket protocol without browsers: BackMsg.rerun_script (query string, "
            "cached message hashes) → ForwardMsgs until script_finished; no widget states are sent "
            "(the app's state is in the URL); times from the rerun request to script_finished, "
            "measured by a Python client on the same machine"
        ),  # fmt: skip
        "datasets": [],
    }
    if not args.only_soak:
        print(_HEADER, flush=True)
        for name in [d.strip() for d in args.data.split(",") if d.strip()]:
            report["datasets"].append(
                measure_dataset(
                    name, args.sessions, args.reruns, timeout_s=args.timeout_s, think_s=args.think_s
                )
            )
    if args.soak_minutes > 0:
        report["soak"] = measure_soak(args.soak_data, args.soak_sessions, args.soak_minutes,
                                      timeout_s=args.timeout_s, think_s=args.soak_think_s,
                                      reruns_per_connection=args.soak_reruns_per_connection,
                                      sample_s=args.soak_sample_s)  # fmt: skip
        _print_soak(report["soak"])
    report["wall_s"] = round(time.monotonic() - started, 1)
    report["load_average_end"] = machine.load_average()
    return report


def errors_in(report: dict) -> int:
    total = sum(p["errors"] for d in report["datasets"] for p in d["phases"])
    return total + (report["soak"]["errors"] if "soak" in report else 0)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    if args.output:
        path = args.output
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        path = RESULTS_DIR / f"loadtest-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"load average at the end: {report['load_average_end']}; {errors_in(report)} errors; "
          f"{report['wall_s']} s; JSON: {path}", flush=True)  # fmt: skip
    return 1 if errors_in(report) else 0


if __name__ == "__main__":
    sys.exit(main())
