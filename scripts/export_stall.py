"""How long another visitor waits while one visitor downloads a large export (issue 13).

Run: ``.venv/bin/python scripts/export_stall.py [--sites PATH] [--export dl_geojson]``. Starts the
app twice on SITES (default: 100,000 synthetic sites, made with ``python -m geo synthetic``
when missing): once with every export made in the server process
(``REINDUS_OFFLOAD_MIN_ROWS`` above the data's size, as before geo.offload) and once as
shipped (large exports in the worker process). In each, page A clicks the export of all
sites while page B, another session, changes the search three times; prints B's times
from Enter to its page ready, and A's time to its file. Headless Debian Chromium.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_pages import ARTIFACTS, Page  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402


def one(sites: Path, env: dict, key: str) -> dict:
    with Server("app.py", sites=sites, env=env, log=ARTIFACTS / "streamlit-stall.log") as app:
        app.wait_healthy(timeout=300)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            a, b = Page(browser, app.url, ""), Page(browser, app.url, "")
            search = b.page.get_by_label("Recherche (nom, entreprise, commune)")
            file_s: list[float] = []
            started = time.perf_counter()
            with a.page.expect_download(timeout=300_000) as download:
                a.page.locator(f".st-key-{key} button").click()
                waits = []
                for word in ("lyon", "lille", "metz"):
                    t0 = time.perf_counter()
                    search.fill(word)
                    search.press("Enter")
                    b.page.wait_for_timeout(300)
                    b.wait_ready()
                    waits.append(round(time.perf_counter() - t0, 2))
            download.value.path()
            file_s.append(round(time.perf_counter() - started, 1))
            browser.close()
    return {"other_session_s": waits, "file_s": file_s[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=Path, default=Path("/tmp/s100k.geojson"))
    parser.add_argument("--export", default="dl_geojson")
    args = parser.parse_args()
    if not args.sites.exists():
        n = "".join(c for c in args.sites.stem if c.isdigit()) or "100"
        subprocess.run([sys.executable, "-m", "geo", "synthetic", str(int(n) * 1000), "-o", str(args.sites)],
                       check=True, cwd=ROOT)  # fmt: skip
    for name, env in (("in the server process", {"REINDUS_OFFLOAD_MIN_ROWS": "100000000"}), ("in the worker", {})):
        print(f"{args.export}, {name}: {one(args.sites, env, args.export)}", flush=True)


if __name__ == "__main__":
    threading.excepthook = lambda exc: None
    main()
