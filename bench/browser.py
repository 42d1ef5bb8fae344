"""``streamlit run`` servers, Debian's Chromium through Playwright, and process-tree RSS from /proc.

tests/test_browser.py starts its server and browser with this module's ``Server``,
``CHROMIUM`` and ``CHROMIUM_ARGS``. Every request to a host other than the app's own is refused
(tiles fail: there is no network, and the figures must not depend on one).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from geo.paths import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # no host name resolves but localhost: nothing reaches another host even
                 # where no request is routed (return visits: routing disables the cache)
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]  # fmt: skip
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

# The app's readiness: the script run is over (#app-ready) and the map is complete
# (window.__mapReady in the st_folium iframe: every layer drawn). Returns the counts once
# ready, and when the map's iframe was created and how long it took from there (both within
# the polling interval).
APP_READY_JS = """() => {
  const ready = document.querySelector('#app-ready[data-sites]');
  if (!ready) return false;
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const win = frame && frame.contentWindow;
  if (!win || win.__mapReady !== true || typeof win.__siteCount !== 'number') return false;
  // where the time went: the Streamlit page until the map's iframe exists, then the map
  return {sites: Number(ready.dataset.sites), mapSites: win.__siteCount,
          frameStartS: (win.performance.timeOrigin - performance.timeOrigin) / 1000,
          inFrameS: win.performance.now() / 1000};
}"""
# The browser figures' readiness (issue 14's "first site marker drawn"): in the st_folium
# iframe, the sites' markers drawn (window.__sitesDrawn; a map whose sites come from a
# served file draws its communes next, then sets __mapReady). The explorer's first visit
# draws its first screen (the head, the figures, the map) before the rest of the page
# (ui.session.first_screen): this holds before the script's last run; the whole page is
# waited for next (PAGE_COMPLETE_JS, recorded as complete_s).
SITES_DRAWN_JS = """() => {
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const win = frame && frame.contentWindow;
  // (__mapReady implies the markers: a map made before __sitesDrawn existed has only it)
  if (!win || (win.__sitesDrawn !== true && win.__mapReady !== true) || typeof win.__siteCount !== 'number') {
    return false;
  }
  // where the time went: the Streamlit page until the map's iframe exists, then the map
  return {mapSites: win.__siteCount,
          frameStartS: (win.performance.timeOrigin - performance.timeOrigin) / 1000,
          inFrameS: win.performance.now() / 1000};
}"""
# The naive baseline app has no readiness flag in its map: every folium Marker is a DOM
# icon as soon as folium's script has run.
BASELINE_READY_JS = """() => {
  const ready = document.querySelector('#app-ready[data-sites]');
  if (!ready) return false;
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const doc = frame && frame.contentDocument;
  if (!doc) return false;
  const n = Number(ready.dataset.sites);
  const icons = doc.querySelectorAll('.leaflet-marker-icon').length;
  const polygons = doc.querySelectorAll('path.leaflet-interactive').length;
  if (icons < n || (n === 0 && polygons === 0)) return false;
  return {sites: n, mapSites: icons};
}"""
# The page complete: the script's last run over (#app-ready: the sidebar, the table, the
# exports drawn) and the map complete, communes included (window.__mapReady); the site count
# the page gives. Recorded after the first screen's readiness.
PAGE_COMPLETE_JS = """() => {
  const ready = document.querySelector('#app-ready[data-sites]');
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  if (!ready || !(frame && frame.contentWindow && frame.contentWindow.__mapReady === true)) return false;
  return {sites: Number(ready.dataset.sites)};
}"""
SCRIPT_DONE_JS = "() => !!document.querySelector('#app-ready[data-sites]')"

# Where the time goes (issue 14), the same for every page measured (the app's, the floor's):
# an observer of long tasks (main-thread work over 50 ms) in every frame, from its start...
TIMELINE_INIT_JS = """(() => {
  window.__rcLongTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__rcLongTasks.push([e.startTime, e.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) { /* no long task timing */ }
})();"""
# ...and, once ready, the timeline in seconds from the navigation's start: when the map's
# iframe was created, when Leaflet, the runtime, Supercluster and the sites' file were
# requested and arrived (resource timing), the runtime's marks (``rc:*``: performance.mark
# in geo/mapview/static/runtime.js; the floor page marks rc:ready too), the long tasks
# ([start, duration, frame]).
TIMELINE_JS = """() => {
  const r3 = (x) => Math.round(x) / 1000;
  const out = {long_tasks: []};
  const tasks = (win, offset, where) => {
    for (const t of (win.__rcLongTasks || [])) out.long_tasks.push([r3(t[0] + offset), r3(t[1]), where]);
  };
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const win = frame && frame.contentWindow;
  if (!win) { tasks(window, 0, 'page'); return out; }
  const offset = win.performance.timeOrigin - performance.timeOrigin;
  out.frame_created_s = r3(offset);
  tasks(win, offset, 'map');
  // (one main thread: the page's observer sees the map's tasks too; they count as the map's)
  const inMap = out.long_tasks.slice();
  const same = (t, m) => Math.abs(t[0] - m[0]) <= 0.002 && Math.abs(t[1] - m[1]) <= 0.002;
  tasks(window, 0, 'page');
  out.long_tasks = out.long_tasks.filter((t) => t[2] === 'map' || !inMap.some((m) => same(t, m)));
  out.long_tasks.sort((a, b) => a[0] - b[0]);
  const kinds = [['leaflet_js', /^leaflet\\.js$/], ['bundle_js', /^bundle-.*\\.js$/], ['runtime_js', /^runtime-.*\\.js$/],
                 ['supercluster_js', /^supercluster/], ['sites_file', /^sites-.*\\.json\\.gz$/]];
  for (const e of win.performance.getEntriesByType('resource')) {
    const name = e.name.split('?')[0].split('/').pop();
    for (const [key, pattern] of kinds) {
      if (pattern.test(name)) {
        out[key + '_requested_s'] = r3(e.startTime + offset);
        out[key + '_arrived_s'] = r3(e.responseEnd + offset);
      }
    }
  }
  for (const m of win.performance.getEntriesByType('mark')) {
    if (m.name.startsWith('rc:')) out[m.name.slice(3) + '_s'] = r3(m.startTime + offset);
  }
  return out;
}"""

# The naive baseline links folium's default CDN assets; with no network they are served
# from local copies (Leaflet 1.9.4 from node_modules, Debian's libjs-jquery), and the ones
# a map of plain Markers never uses (Bootstrap, Font Awesome, awesome-markers) as empty
# files, so that streamlit_folium's loader (which stops at the first failed script) runs.
LEAFLET_DIST = ROOT / "node_modules" / "leaflet" / "dist"
JQUERY = Path("/usr/share/javascript/jquery/jquery.min.js")
_LEAFLET_CDN = re.compile(r"/npm/leaflet@[^/]+/dist/(?P<file>[A-Za-z0-9_./-]+)")


def _is_tile(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host == "data.geopf.fr" or host.endswith("tile.openstreetmap.org")


def cdn_stand_in(url: str) -> tuple[bytes, str] | None:
    """(body, content type) standing in for a CDN asset of folium's defaults, or None (refuse it)."""
    parts = urlparse(url)
    match = _LEAFLET_CDN.fullmatch(parts.path) if parts.hostname == "cdn.jsdelivr.net" else None
    if match and ".." not in match["file"] and (LEAFLET_DIST / match["file"]).is_file():
        file = LEAFLET_DIST / match["file"]
        kinds = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}
        return file.read_bytes(), kinds.get(file.suffix, "application/octet-stream")
    if parts.hostname == "code.jquery.com" and JQUERY.is_file():
        return JQUERY.read_bytes(), "application/javascript"
    if parts.path.endswith(".js"):
        return b"/* not needed by this map */", "application/javascript"
    if parts.path.endswith(".css"):
        return b"/* not needed by this map */", "text/css"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(interval)  # polling interval of a readiness probe
    raise TimeoutError(f"{url}/_stcore/health did not answer within {timeout} s")


class Server:
    """``streamlit run SCRIPT [-- --sites FILE]`` on a free port, stopped on exit."""

    def __init__(self, script: str = "app.py", *, sites: Path | None = None, env: dict | None = None,
                 log: Path | None = None):  # fmt: skip
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(self.port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--server.runOnSave", "false"]  # fmt: skip
        if sites is not None:
            cmd += ["--", "--sites", str(sites)]
        self.log_path = log
        self._log = open(log, "w") if log else subprocess.DEVNULL
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_healthy(self, timeout: float = 120.0) -> float:
        wait_healthy(self.url, self.proc, timeout)
        return time.perf_counter() - self.started

    def rss_mb(self) -> float:
        return tree_rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        if self._log is not subprocess.DEVNULL:
            self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants (VmRSS from /proc, summed), in MB."""
    pids, seen = [pid], set()
    while pids:
        current = pids.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    total_kb = 0
    for current in seen:
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


class Browser:
    """One headless Chromium for the whole bench; a fresh context (no cache) per navigation."""

    def __init__(self):
        from playwright.sync_api import sync_playwright

        if not Path(CHROMIUM).exists():
            raise RuntimeError(f"{CHROMIUM} is missing (apt-get install chromium; scripts/setup.sh --dev)")
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.version = self.browser.version

    def navigate(
        self, url: str, ready_js: str, timeout_s: float, size=(1400, 900), cdn: bool = False
    ) -> dict:
        """Open ``url`` in a new context (empty cache); time until ``ready_js`` returns a value (seconds).

        ``cdn``: serve folium's default CDN assets from local stand-ins (the baseline).
        """
        context = self.browser.new_context(viewport={"width": size[0], "height": size[1]})
        foreign: list[str] = []
        errors: list[str] = []

        def route(r):
            request_url = r.request.url
            host = urlparse(request_url).hostname or ""
            if host in {"127.0.0.1", "localhost"} or request_url.startswith(("data:", "blob:")):
                r.continue_()
                return
            stand_in = cdn_stand_in(request_url) if cdn else None
            if stand_in is not None:
                r.fulfill(status=200, body=stand_in[0], content_type=stand_in[1])
                return
            foreign.append(request_url)
            r.abort()

        context.route("**/*", route)
        context.add_init_script(TIMELINE_INIT_JS)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
        try:
            result = _time_ready(page, url, ready_js, timeout_s)
        finally:
            context.close()
        return {
            **result,
            "refused_hosts": sorted({urlparse(u).hostname or "" for u in foreign}),
            "refused_non_tile_urls": sorted({u[:120] for u in foreign if not _is_tile(u)})[:5],
            "page_errors": errors[:5],
        }

    def return_visits(self, url: str, ready_js: str, timeout_s: float, n: int, size=(1400, 900)) -> dict:
        """``url`` opened ``n`` + 1 times in one context, as on return visits: the first
        fills the browser's HTTP cache (Streamlit's JavaScript, Leaflet, the sites' file)
        and is not counted; returns the other ``n`` times (seconds).

        No request is routed here (Playwright's routing turns Chromium's cache off):
        other hosts fail to resolve (``--host-resolver-rules`` in :data:`CHROMIUM_ARGS`)
        and are listed in ``other_hosts``.
        """
        context = self.browser.new_context(viewport={"width": size[0], "height": size[1]})
        other: set[str] = set()
        context.on(
            "request",
            lambda r: (
                other.add(urlparse(r.url).hostname or "")
                if (urlparse(r.url).hostname or "") not in {"127.0.0.1", "localhost", ""}
                else None
            ),
        )
        errors: list[str] = []
        context.add_init_script(TIMELINE_INIT_JS)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
        try:
            _time_ready(page, url, ready_js, timeout_s)
            seconds = [_time_ready(page, url, ready_js, timeout_s)["seconds"] for _ in range(n)]
        finally:
            context.close()
        return {"seconds": seconds, "other_hosts": sorted(other), "page_errors": errors[:5]}

    def return_visits_alternating(self, targets: list[tuple[str, str]], timeout_s: float, n: int,
                                  size=(1400, 900)) -> list[dict]:  # fmt: skip
        """As :meth:`return_visits`, for several pages (``(url, ready_js)``) at once, one
        context each, their navigations alternating (the order reversed every other round)
        so that the machine's noise hits them alike; one result per target."""
        contexts, pages, results = [], [], []
        try:
            for _ in targets:
                context = self.browser.new_context(viewport={"width": size[0], "height": size[1]})
                contexts.append(context)
                result = {"seconds": [], "other_hosts": set(), "page_errors": [], "timelines": []}
                context.on("request", lambda r, result=result: _note_other_host(r.url, result["other_hosts"]))
                context.add_init_script(TIMELINE_INIT_JS)
                page = context.new_page()
                page.on("pageerror", lambda exc, result=result: result["page_errors"].append(str(exc)[:200]))
                pages.append(page)
                results.append(result)
            for k, (url, ready_js) in enumerate(targets):  # fills each context's cache, not counted
                _time_ready(pages[k], url, ready_js, timeout_s)
            for i in range(n):
                order = list(range(len(targets)))
                for k in order if i % 2 == 0 else order[::-1]:
                    nav = _time_ready(pages[k], targets[k][0], targets[k][1], timeout_s)
                    results[k]["seconds"].append(nav["seconds"])
                    results[k]["timelines"].append(nav["timeline"])
        finally:
            for context in contexts:
                context.close()
        for result in results:
            result["other_hosts"] = sorted(result["other_hosts"])
            result["page_errors"] = result["page_errors"][:5]
        return results

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()


def _time_ready(page, url: str, ready_js: str, timeout_s: float) -> dict:
    """Navigate ``page`` to ``url``; seconds until the script run is over and ``ready_js`` holds."""
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
    script_done = complete = None
    # A first screen's readiness (no #app-ready in it: SITES_DRAWN_JS, the friches' figure's)
    # is followed by the page complete; another one includes the script's end.
    first_screen = "#app-ready" not in ready_js
    if not first_screen:
        page.wait_for_function(SCRIPT_DONE_JS, timeout=timeout_s * 1000, polling=20)
        script_done = time.perf_counter() - start
    remaining = max(1.0, timeout_s - (time.perf_counter() - start))
    handle = page.wait_for_function(ready_js, timeout=remaining * 1000, polling=20)
    ended = time.perf_counter()
    counts = handle.json_value()
    if first_screen:  # then until the page is complete (the last run, the map's communes)
        remaining = max(1.0, timeout_s - (ended - start))
        whole = page.wait_for_function(PAGE_COMPLETE_JS, timeout=remaining * 1000, polling=20)
        complete = time.perf_counter() - start
        counts = {**counts, **whole.json_value()}
    try:
        timeline = page.evaluate(TIMELINE_JS)
    except Exception as exc:  # (informative only: never fails a measurement)
        timeline = {"error": f"{type(exc).__name__}: {exc}"[:200]}
    return {
        "seconds": ended - start,
        "ended_at": ended,
        "script_done_s": script_done,
        "counts": counts,
        "complete_s": complete,
        "timeline": timeline,
    }


def _note_other_host(url: str, hosts: set) -> None:
    host = urlparse(url).hostname or ""
    if host not in {"127.0.0.1", "localhost", ""}:
        hosts.add(host)
