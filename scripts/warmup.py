"""Warm the app's server at start (issue 14): one session opened on the default page, so that
the first real visitor does not pay for the first script run (the imports, the background
layers, the first map: all kept by the server's caches).

``scripts/run.sh`` starts it in the background right before ``streamlit run``: it waits for
``/_stcore/health`` (at most ``--wait-s``), opens one session over Streamlit's own websocket
protocol (``bench.loadtest``: the rerun message the frontend sends, then the messages until
``script_finished``) and exits; it prints one line either way and never fails the app.

    .venv/bin/python scripts/warmup.py [--url http://127.0.0.1:8501] [streamlit options…]

Without ``--url`` the port and address are read from the streamlit options passed on
(``--server.port 8502``, ``--server.address``), else ``STREAMLIT_SERVER_PORT``, else 8501.
``REINDUS_WARMUP=0`` turns it off.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEALTH_POLL_S = 0.02


def server_url(argv: list[str]) -> str:
    """The server's URL from the streamlit options in ``argv`` (either ``--opt value`` or ``--opt=value``)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--url")
    parser.add_argument("--server.port", dest="port")
    parser.add_argument("--server.address", dest="address")
    args, _ = parser.parse_known_args(argv)
    if args.url:
        return args.url.rstrip("/")
    port = args.port or os.environ.get("STREAMLIT_SERVER_PORT") or "8501"
    address = args.address or os.environ.get("STREAMLIT_SERVER_ADDRESS") or "127.0.0.1"
    if address in ("0.0.0.0", "::", ""):
        address = "127.0.0.1"
    return f"http://{address}:{int(port)}"


def wait_healthy(url: str, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(HEALTH_POLL_S)
    return False


def prepare() -> None:
    """What the session needs (the client, Streamlit's messages), imported while the server
    starts rather than once it answers: 0.25 s on the way to the first run, on a 2-core
    machine busy starting the server."""
    import websockets  # noqa: F401  (bench.loadtest imports them when a session opens)
    from streamlit.proto import BackMsg_pb2, ForwardMsg_pb2  # noqa: F401

    import bench.loadtest  # noqa: F401


def warm_up(url: str, timeout_s: float) -> tuple[float | None, list[str]]:
    """One session on the default page: (seconds of its run, errors)."""
    from bench.loadtest import run_session

    result = asyncio.run(run_session(url, 0, 0, timeout_s=timeout_s))
    return (result.opened.seconds if result.opened else None), result.errors


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()  # (scripts/run.sh starts it with the server)
    argv = sys.argv[1:] if argv is None else argv
    if os.environ.get("REINDUS_WARMUP", "1") == "0":
        return 0
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--wait-s", type=float, default=120.0)
    parser.add_argument("--timeout-s", type=float, default=120.0)
    opts, rest = parser.parse_known_args(argv)
    url = server_url(rest)
    prepare()
    if not wait_healthy(url, opts.wait_s):
        print(f"warm-up: {url} did not answer within {opts.wait_s:g} s; skipped", flush=True)
        return 0
    try:
        seconds, errors = warm_up(url, opts.timeout_s)
    except Exception as exc:  # never fails the app: the first visitor then pays the first run
        seconds, errors = None, [f"{type(exc).__name__}: {exc}"]
    if errors:
        print(f"warm-up: failed ({'; '.join(errors)[:300]})", flush=True)
    else:
        print(f"warm-up: the first run took {seconds:.1f} s; the app is warm "
              f"{time.monotonic() - started:.1f} s after the start", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
