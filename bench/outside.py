"""The browser figures from outside (issue 14): an app already running, started as the README
says (``bash scripts/run.sh [-- --sites FILE]``), against the floor page, alternately.

    .venv/bin/python -m bench.outside [--url http://127.0.0.1:8501] [--query '?friches=1'] [--runs 5]

It starts only the floor page (``bench/floor_app.py``, on a free port), then navigates to the
app and to the floor in turn (floor, app, app, floor…), each in a fresh browser context
(empty cache), with the bench's own readiness (``bench.browser.SITES_DRAWN_JS``: the first
screen's markers drawn, then the page complete) and prints what ``python -m bench`` records
for ``browser_10k``: ready, ours ÷ floor pair by pair (median, min, max), the page complete,
and where the time went. It measures the app as it is served: whatever data it was started
with, warm or not (its first navigation is counted apart, not in the pairs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # python bench/outside.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser import SITES_DRAWN_JS, Browser, Server
from bench.context import OUT_DIR
from bench.figures_browser import alternate, ratios, timeline_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outside", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url", default="http://127.0.0.1:8501", help="the running app (default: %(default)s)"
    )
    parser.add_argument("--query", default="", help="appended to the URL, e.g. '?friches=1'")
    parser.add_argument("--runs", type=int, default=5, help="pairs of navigations (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per navigation")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 50:
        parser.error("--runs must be between 1 and 50")
    app = args.url.rstrip("/") + "/" + args.query.lstrip("/")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    browser = Browser()
    try:
        with Server("bench/floor_app.py", log=OUT_DIR / "outside-floor.log") as floor:
            floor.wait_healthy()
            browser.navigate(floor.url, SITES_DRAWN_JS, args.timeout)  # (warms the floor's server)
            first = browser.navigate(app, SITES_DRAWN_JS, args.timeout)
            (ours,), floors = alternate(browser, floor.url, [(app, SITES_DRAWN_JS)], args.runs, args.timeout)
    finally:
        browser.close()
    ready, floor_ready = [r["seconds"] for r in ours], [r["seconds"] for r in floors]
    result = {
        "app": app,
        "first_navigation_s": round(first["seconds"], 3),
        "ready_s": [round(x, 3) for x in ready],
        "floor_ready_s": [round(x, 3) for x in floor_ready],
        "ready_over_floor": ratios(ready, floor_ready),
        "complete_s": [round(r["complete_s"], 3) for r in ours if r.get("complete_s") is not None],
        "counts": ours[-1]["counts"],
        "page_errors": [e for r in ours for e in r["page_errors"]][:5],
        "timeline": {
            k: v for k, v in timeline_summary([r["timeline"] for r in ours]).items() if k.endswith("_s")
        },
        "floor_timeline": {
            k: v for k, v in timeline_summary([r["timeline"] for r in floors]).items() if k.endswith("_s")
        },
    }
    print(json.dumps(result, indent=1))
    ratio = result["ready_over_floor"]
    print(
        f"ready {statistics.median(ready):.2f} s, floor {statistics.median(floor_ready):.2f} s: "
        f"{ratio['median']}x the floor ({ratio['min']}–{ratio['max']}), {len(ready)} pairs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
