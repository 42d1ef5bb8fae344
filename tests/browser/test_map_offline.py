"""Tier 5: the exported map page in Debian's Chromium, network cut: markers, cards,
clusters, served site files (the runtime as the browser runs it)."""

from __future__ import annotations

import contextlib
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import folium
import pytest
from map_fixtures import HOSTILE

from bench.browser import CHROMIUM, CHROMIUM_ARGS
from geo import assets, mapview
from geo.i18n import t
from geo.served import FileStore

# ---------------------------------------------------------------------------- browser smoke test


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def offline_page(m: folium.Map, tmp_path: Path, *, http: bool = False):
    """The map's standalone page in Debian's Chromium, network cut (tiles refused); with
    ``http``, ``tmp_path`` is served by a local HTTP server (for served site files)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed")
    try:
        assets.check_installed()
    except assets.AssetError:
        pytest.skip("static/vendor not installed (run scripts/setup.sh)")
    page_html = assets.standalone_html(m)  # (any other AssetError is a failure, not a skip)
    path = tmp_path / "map.html"
    path.write_text(page_html, encoding="utf-8")
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack, sync_playwright() as p:
        url, local = path.as_uri(), ("file:", "data:")
        if http:
            handler = functools.partial(QuietHandler, directory=str(tmp_path))
            server = stack.enter_context(ThreadingHTTPServer(("127.0.0.1", 0), handler))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            stack.callback(server.shutdown)
            origin = f"http://127.0.0.1:{server.server_address[1]}"
            url, local = f"{origin}/map.html", (*local, origin + "/")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            dialogs, errors, outside = [], [], []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r):
                if r.request.url.startswith(local):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(url)
            page.wait_for_function("window.__mapReady === true")
            yield page
            assert dialogs == [] and errors == []
            assert all("geopf.fr" in u for u in outside), outside  # tiles only
        finally:
            browser.close()


def test_standalone_map_works_offline_in_chromium(full_map, tmp_path: Path):
    """The exported page, network cut: markers, registry, a card with the hostile name as text, a commune card."""
    with offline_page(full_map, tmp_path) as page:
        assert page.evaluate("window.__siteCount") == 5
        assert page.locator("path.site-marker").count() == 5
        assert page.locator(".leaflet-control-layers").count() == 1
        assert page.locator(".rc-legend").count() == 1
        page.evaluate("window.__reindus.openSite('hostile')")
        card_el = page.locator('.rc-card[data-site-id="hostile"]')
        card_el.wait_for()
        assert HOSTILE in card_el.inner_text()
        assert page.locator(".rc-card script, .rc-card img").count() == 0
        assert page.locator('.rc-card a[href^="javascript"]').count() == 0
        page.evaluate("window.__reindus.openCommune('03901')")
        commune = page.locator(".rc-commune")
        commune.wait_for()
        text = commune.inner_text()
        assert "Alpha" in text and "03901" in text and "Site alpha-usine" in text and HOSTILE in text
        # with the mouse: hovering a commune shows its tooltip and outlines it, a click its card
        page.evaluate(
            "window.__reindus.map.closePopup(); window.__reindus.map.setView([46.5, 2.5], 8, {animate: false})"
        )
        x, y = page.evaluate(
            "(() => { const p = window.__reindus.map.latLngToContainerPoint([46.9, 2.6]); return [p.x, p.y]; })()"
        )
        page.mouse.move(x, y)
        page.locator(".rc-tooltip", has_text="Beta").wait_for()
        assert page.evaluate("window.__communes['03902'].options.weight") == 2.5
        page.mouse.click(x, y)
        page.locator(".rc-commune", has_text="03902").wait_for()
        page.mouse.move(5, 400)
        page.wait_for_function("window.__communes['03902'].options.weight === 1")


def test_clustered_map_draws_every_site_when_zoomed_in(sites, communes, tmp_path: Path):
    """The clustered path (used above CLUSTER_MIN_SITES): clusters at first, each site its own marker up close."""
    m = mapview.build_map(sites, communes, cluster=True)
    with offline_page(m, tmp_path) as page:
        assert page.evaluate("window.__siteCount") == 5
        page.evaluate("window.__reindus.map.setView([46.55, 2.6], 7, {animate: false})")
        assert page.locator(".rc-cluster").count() >= 1 and page.locator("path.site-marker").count() < 5
        page.evaluate("window.__reindus.openSite('beta-inconnu')")
        page.locator('.rc-card[data-site-id="beta-inconnu"]').wait_for()
        # markers are drawn again at every move: an open card stays open while the map pans
        page.evaluate("window.__reindus.map.panBy([40, 30], {animate: false})")
        page.evaluate("window.__reindus.map.panBy([-60, 0], {animate: false})")
        assert page.evaluate("window.__sites['beta-inconnu'].isPopupOpen()")
        page.evaluate("window.__reindus.map.setView([46.5, 2.25], 15, {animate: false})")
        assert page.locator("path.site-marker.site-alpha-usine").count() == 1
        # a sector switched off in the layer control leaves the clusters and the map
        page.evaluate("window.__reindus.map.setView([46.55, 2.6], 7, {animate: false})")
        before = page.evaluate(
            "window.__reindus.map._rc.index.getClusters([-180, -85, 180, 85], 7)"
            ".reduce((n, c) => n + (c.properties.point_count || 1), 0)"
        )
        page.locator(".leaflet-control-layers").hover()
        page.get_by_label("Maroquinerie (1)").uncheck()
        after = page.evaluate(
            "window.__reindus.map._rc.index.getClusters([-180, -85, 180, 85], 7)"
            ".reduce((n, c) => n + (c.properties.point_count || 1), 0)"
        )
        assert (before, after) == (5, 4)


@pytest.mark.parametrize("cluster", [False, True])
def test_served_sites_in_chromium(data_sites, communes, store, tmp_path: Path, cluster):
    """The runtime fetches the file, keeps the selected sites, and their cards read its texts."""
    selection = data_sites[data_sites["id"] != "dep-only"]
    m = mapview.build_map(selection, communes, cards_from=data_sites, files=store, cluster=cluster)
    with offline_page(m, tmp_path, http=True) as page:
        assert page.evaluate("window.__siteCount") == 4
        assert page.evaluate("Object.keys(window.__siteIndex || window.__sites).sort()") == sorted(
            selection["id"]
        )
        page.evaluate("window.__reindus.openSite('hostile')")
        card_el = page.locator('.rc-card[data-site-id="hostile"]')
        card_el.wait_for()
        assert HOSTILE in card_el.inner_text() and "Verre" in card_el.inner_text()
        assert page.locator(".rc-card script, .rc-card img").count() == 0
        page.evaluate("window.__reindus.openCommune('03901')")
        commune = page.locator(".rc-commune")
        commune.wait_for()
        assert "Site alpha-usine" in commune.inner_text() and HOSTILE in commune.inner_text()
        assert page.locator(".rc-error").count() == 0


def test_a_missing_site_file_is_said_on_the_map(data_sites, communes, store, tmp_path: Path):
    lost = FileStore(store.directory, "/nowhere")  # written, but not where its URL points
    m = mapview.build_map(data_sites, communes, cards_from=data_sites, files=lost)
    with offline_page(m, tmp_path, http=True) as page:
        assert page.locator(".rc-error").inner_text() == t("sites_failed", "fr")
        assert page.evaluate("window.__siteCount") == 0
        assert page.locator(".leaflet-control-layers").count() == 1  # the rest of the map works
