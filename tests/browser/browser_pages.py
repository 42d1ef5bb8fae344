"""Shared by the browser tests (imported by conftest and the test modules): the app under `streamlit run`, Debian's Chromium, a Page
that records (and refuses) every request to a host other than the app's own."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from geo.paths import ROOT, SITES_PATH

ARTIFACTS = ROOT / "test-artifacts"
TILE_HOSTS = {"data.geopf.fr", "tile.openstreetmap.org", "a.tile.openstreetmap.org", "b.tile.openstreetmap.org",
              "c.tile.openstreetmap.org"}  # fmt: skip
TIMEOUT_MS = 60_000

SITES = json.loads(SITES_PATH.read_text(encoding="utf-8"))["features"]


class Page:
    """A page of the app with the requests it made to other hosts recorded (and refused)."""

    def __init__(self, browser, server, query: str = "", size=(1400, 900), setup=None):
        """``setup(context)``, when given, runs before the first navigation (e.g. routes)."""
        self.server = server
        self.context = browser.new_context(
            viewport={"width": size[0], "height": size[1]}, accept_downloads=True
        )
        if setup is not None:
            setup(self.context)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.goto(query)

    def _route(self, route):
        host = urlparse(route.request.url).hostname or ""
        if host in {"127.0.0.1", "localhost"} or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
            return
        if host not in TILE_HOSTS:
            self.foreign.append(route.request.url)
        route.abort()  # no network here: tiles fail, the map must still work

    def goto(self, query: str = "") -> None:
        self.page.goto(f"{self.server}/{query}")
        self.wait_ready()

    def wait_ready(self) -> None:
        """The script run is over and one map is on the page, ready (checked at one instant:
        while a map built again mounts, the old one may still be there for a moment)."""
        self.page.wait_for_selector("#app-ready", state="attached")
        self.page.wait_for_function(
            """() => {
              if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
              const frames = document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]');
              return frames.length === 1 && frames[0].contentWindow?.__mapReady === true;
            }"""
        )

    @property
    def map(self):
        return self.page.frame_locator('iframe[title="streamlit_folium.st_folium"]')

    def ready_count(self) -> int:
        return int(self.page.locator("#app-ready").last.get_attribute("data-sites"))

    def marker_count(self, expected: int | None = None) -> int:
        frame = self.page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        markers = frame.locator(".site-marker")
        if expected is not None:
            # wait until the map shows what the page says, then count
            self.page.wait_for_function(
                """(n) => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                     return f && f.contentDocument &&
                            f.contentDocument.querySelectorAll('.site-marker').length === n; }""",
                arg=expected,
            )
        return markers.count()

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlparse(self.page.url).query)

    def screenshot(self, name: str) -> Path:
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def close(self) -> None:
        self.context.close()


class HeldSocket:
    """Streamlit's websocket, with the server's messages held back on demand: all of them,
    or all from the run's first element on (the page is told a run started, not what it drew)."""

    def __init__(self):
        self.mode: str | None = None  # None: pass everything; "all"; "after_start"
        self.held: list = []
        self.finished = False  # a held message says the server's run is over
        self.page_side = None

    def __call__(self, ws) -> None:
        server = ws.connect_to_server()
        self.page_side = ws
        ws.on_message(server.send)
        server.on_message(self._from_server)

    def _from_server(self, message) -> None:
        kind = None
        if isinstance(message, bytes):
            msg = ForwardMsg()
            msg.ParseFromString(message)
            kind = msg.WhichOneof("type")
        if self.mode == "after_start" and not self.held and kind != "delta":
            self.page_side.send(message)
            return
        if self.mode:
            self.held.append(message)
            self.finished = self.finished or kind == "script_finished"
        else:
            self.page_side.send(message)

    def release(self) -> None:
        self.mode = None
        for message in self.held:
            self.page_side.send(message)
        self.held.clear()


def wait_run_held(page, socket: HeldSocket, limit_ms: int = 60000) -> None:
    """Wait until the server has sent everything of its run (its ``script_finished``), and a
    moment more: the run's end is when it forgets the old buttons' callables."""
    waited = 0
    while waited < limit_ms and not socket.finished:
        page.page.wait_for_timeout(100)
        waited += 100
    assert socket.finished, f"the server's run did not end within {limit_ms} ms ({len(socket.held)} messages held)"
    page.page.wait_for_timeout(500)


# Every worker of the page and of the map's frame holds back the messages after the file's
# first part (the card texts, then the end) until release_texts: the window between the
# markers drawn and their texts read, made certain (page.add_init_script runs in every frame;
# on a first screen the page itself starts the map's workers: mapview.early_page_script).
HOLD_TEXTS = """(() => {
  const Real = window.Worker;
  if (!Real) return;
  let held = [];
  window.__releaseTexts = () => { const h = held || []; held = null; h.forEach((f) => f()); };
  window.Worker = function (url, options) {
    const worker = new Real(url, options), self = this;
    worker.onmessage = (e) => {
      const pass = () => self.onmessage && self.onmessage(e);
      if (held && (e.data.part > 0 || e.data.done)) held.push(pass); else pass();
    };
    worker.onerror = (e) => self.onerror && self.onerror(e);
    this.postMessage = (message, transfer) => worker.postMessage(message, transfer);
    this.terminate = () => worker.terminate();
  };
})();"""


def release_texts(page) -> None:
    """What HOLD_TEXTS held, let through, in the page and in every frame."""
    for frame in page.frames:
        frame.evaluate("void (window.__releaseTexts && window.__releaseTexts())")


def page_with_texts_held(browser, url: str, size: tuple[int, int]):
    """A page opened on ``url`` with the map's card texts held back (HOLD_TEXTS), once its
    markers are drawn: (context, page, map frame, page errors); the caller closes the context.
    Other hosts are refused (tiles: the map works without them)."""
    from urllib.parse import urlparse

    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.add_init_script(HOLD_TEXTS)
    ours = urlparse(url).netloc
    context.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).netloc == ours else r.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_function(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                   return f && f.contentWindow && f.contentWindow.__sitesDrawn === true; }"""
    )
    return context, page, page.frame(url=lambda u: "streamlit_folium" in u), errors
