"""Tier 5: a real browser (Debian's /usr/bin/chromium via Playwright) against `streamlit run`.

The server (``bench.browser.Server``, shared with the benchmark) is started once per
module and awaited on /_stcore/health; pages are awaited
on the app's own readiness marker (#app-ready) and on the map's markers inside the
streamlit_folium iframe — never on a fixed sleep. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser_pages import ARTIFACTS, SITES, Page, page_with_texts_held, release_texts
from playwright.sync_api import expect

from bench.browser import Server


def test_explorer_shows_one_marker_per_site_without_third_party_requests(open_page):
    page = open_page()
    assert page.ready_count() == len(SITES)
    assert page.marker_count(expected=len(SITES)) == len(SITES)
    # the layer control and the legend are drawn although no tile could load
    assert page.map.locator(".leaflet-control-layers").count() == 1
    assert page.map.locator(".rc-legend").count() == 1
    page.screenshot("explorer-1400x900.png")


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        ("?sector=leather-goods", lambda p: p["sector"] == "leather-goods"),
        ("?brownfield=yes", lambda p: p["brownfield"] is True),
        ("?jobs_min=400", lambda p: p["jobs"] is not None and p["jobs"] >= 400),
        ("?dep=59&dep=26", lambda p: p["dep"] in {"59", "26"}),
    ],
)
def test_url_filters_select_the_markers(open_page, query, predicate):
    expected = sum(1 for f in SITES if predicate(f["properties"]))
    page = open_page(query)
    assert page.ready_count() == expected
    assert page.marker_count(expected=expected) == expected


def test_bad_url_parameters_give_a_notice_not_an_error(open_page):
    page = open_page("?jobs_min=abc&sector=unicorns&lang=fr")
    notices = page.page.locator(".url-notice")
    notices.first.wait_for()
    assert notices.count() == 2
    assert "jobs_min=abc" in notices.all_inner_texts()[0] + notices.all_inner_texts()[1]
    assert page.ready_count() == len(SITES)
    assert page.page.locator('[data-testid="stException"]').count() == 0


def test_widget_change_updates_the_url_and_the_url_reopens_the_same_view(open_page):
    page = open_page()
    box = page.page.get_by_label("Recherche (nom, entreprise, commune)")
    box.fill("OVH")
    box.press("Enter")
    page.page.wait_for_function("() => new URL(location.href).searchParams.get('q') === 'OVH'")
    page.wait_ready()
    expected = sum(1 for f in SITES if "ovh" in (f["properties"].get("company") or "").lower()
                   or "ovh" in f["properties"]["name"].lower())  # fmt: skip
    assert page.marker_count(expected=expected) == expected
    shared = urlparse(page.page.url).query
    # the share row holds the same address, and its button copies it
    link = page.page.locator('[data-testid="share-link"] input')
    page.page.wait_for_function(
        "() => document.querySelector('[data-testid=\"share-link\"] input').value.includes('q=OVH')"
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.page.get_by_role("button", name="Copier").click()
    page.page.get_by_role("button", name="Copié ✓").wait_for()
    assert page.page.evaluate("() => navigator.clipboard.readText()") == link.input_value()
    assert urlparse(link.input_value()).query == shared
    again = open_page(f"?{shared}")
    # (the sidebar's widgets are drawn after the map since issue 14: a retrying check)
    expect(again.page.get_by_label("Recherche (nom, entreprise, commune)")).to_have_value("OVH")
    assert again.marker_count(expected=expected) == expected


def test_presenter_mode_and_tour(open_page):
    page = open_page("?mode=present&sector=leather-goods")
    assert page.page.locator('[data-testid="stSidebar"]').is_hidden()
    assert page.page.locator('[data-testid="kpi-row"]').count() == 1
    page.screenshot("present-1400x900.png")
    page.page.get_by_role("button", name="Suivant ▶").click()
    page.page.wait_for_function("() => new URL(location.href).searchParams.get('site') !== null")
    page.wait_ready()
    first = page.query()["site"][0]
    assert page.page.locator('[data-testid="tour-card"]').inner_text().startswith("Site 1 sur 3")
    # the map opens the site's card
    page.map.locator(".leaflet-popup-content").wait_for()
    page.page.get_by_role("button", name="Suivant ▶").click()
    page.page.wait_for_function(f"() => new URL(location.href).searchParams.get('site') !== {first!r}")
    page.wait_ready()
    assert page.query()["mode"] == ["present"]
    page.page.get_by_role("button", name="← Retour à l'exploration").click()
    page.page.wait_for_function("() => new URL(location.href).searchParams.get('mode') === null")
    page.page.locator('#app-ready[data-mode="explore"]').wait_for(state="attached")
    page.page.locator('[data-testid="stSidebar"]').wait_for(state="visible")  # fails after the timeout


@pytest.mark.parametrize("size", [(1400, 900), (1280, 720)])
def test_screenshots_explorer_and_presenter(open_page, size):
    w, h = size
    explorer = open_page("", size)
    explorer.screenshot(f"explorer-{w}x{h}.png")
    # no developer toolbar (Deploy) for the audience; the link to the view is in plain sight
    assert explorer.page.locator('[data-testid="stAppDeployButton"]').count() == 0
    assert explorer.page.locator('[data-testid="share-link"] input').is_visible()
    assert "Choose options" not in explorer.page.locator('[data-testid="stSidebar"]').inner_text()
    presenter = open_page("?mode=present", size)
    presenter.screenshot(f"present-{w}x{h}.png")
    # the whole presenter page fits the screen (a projector at 1280×720): no scrolling,
    # and the map takes most of the height
    frame = presenter.page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    assert frame["y"] + frame["height"] <= h
    assert frame["height"] >= 0.75 * h if h <= 720 else frame["height"] >= 0.6 * h
    assert presenter.page.locator('[data-testid="tour-card"]').is_visible()


def test_csv_download_keeps_insee_codes_as_text(open_page):
    page = open_page("?lang=en")
    with page.page.expect_download() as info:
        page.page.get_by_role("button", name="Sites (CSV)").click()
    content = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == len(SITES)
    assert {r["insee"] for r in rows if r["insee"]} >= {"59163", "26002"}


@pytest.mark.parametrize(("query", "size"), [("", (1400, 900)), ("&mode=present", (1280, 720))])
def test_shared_link_to_a_site_opens_its_card_on_its_marker_and_inside_the_map(open_page, query, size):
    page = open_page(f"?site=roubaix-ovh-campus{query}", size)
    card = page.map.locator('.rc-card[data-site-id="roubaix-ovh-campus"]')
    card.wait_for()
    # the card is laid out once the page's styles are in; wait until it has settled
    geometry = """() => {
      const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentWindow;
      const m = f.__sites['roubaix-ovh-campus'], map = f.__reindus.map;
      const at = map.latLngToContainerPoint(m.getLatLng());
      const tip = f.document.querySelector('.leaflet-popup-tip').getBoundingClientRect();
      const box = f.document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
      const frame = map.getContainer().getBoundingClientRect();
      return {dx: Math.abs(tip.left + tip.width / 2 - at.x - frame.left), top: box.top - frame.top,
              bottom: frame.bottom - box.bottom, left: box.left - frame.left, right: frame.right - box.right};
    }"""
    page.page.wait_for_function(f"() => ({geometry})().dx < 3 && ({geometry})().top >= 0")
    placed = page.page.evaluate(geometry)
    assert placed["dx"] < 3  # the card's tip points at its marker
    assert (
        min(placed["top"], placed["bottom"], placed["left"], placed["right"]) >= 0
    )  # not cut by the map's edge


# ---------------------------------------------------------------------------- many sites


def test_many_sites_come_from_one_served_file(browser, tmp_path_factory):
    """Above SERVE_MIN_SITES the app serves its sites as one compressed file
    (geo.served): the map shows them all, a filter change keeps the same file, and the
    server sends it as is (application/gzip, not compressed again on every request). Above
    CLUSTER_MIN_SITES too: the worker that reads the file makes the cluster index."""
    from geo import mapview, synthetic

    n = max(mapview.SERVE_MIN_SITES, mapview.CLUSTER_MIN_SITES) + 500
    path = synthetic.write(n, tmp_path_factory.mktemp("synthetic") / "synthetic.geojson", seed=1)
    ready = """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                 return f && f.contentWindow && f.contentWindow.__mapReady === true; }"""
    with Server("app.py", sites=path, log=ARTIFACTS / "streamlit-served.log") as app:
        app.wait_healthy(timeout=60)
        page = Page(browser, app.url, "?lang=en")
        try:
            page.page.wait_for_function(ready)
            frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
            assert page.ready_count() == n and frame.evaluate("window.__siteCount") == n
            # (read in a worker, off the page's main thread: the frame names the files it read)
            (first_file,) = frame.evaluate("window.__sitesFiles")
            assert frame.evaluate("performance.getEntriesByName('rc:sites_response').length") == 0  # not here
            # the worker started early (early.js), before the map's bundle, was the one used: on a
            # first screen the page itself started it, as soon as it had the map's element, and
            # the frame adopted it (mapview.early_page_script)
            assert frame.evaluate("performance.getEntriesByName('rc:sites_worker_taken').length") == 1
            assert frame.evaluate("performance.getEntriesByName('rc:sites_worker_created').length") == 0
            assert page.page.evaluate("Object.keys(window.ReindusEarly.started).length") == 0  # (adopted)
            # early.js asked for the file itself while the worker started, and handed it its body:
            # the page's timeline holds that one request, the frame's none (a worker's own
            # fetches would be in its timeline)
            served_requests = (
                "() => performance.getEntriesByType('resource').map((e) => e.name)"
                ".filter((n) => n.includes('/cache/sites-'))"
            )
            fetched = page.page.evaluate(served_requests)
            assert [f.rsplit("/", 1)[1] for f in fetched] == [first_file.rsplit("/", 1)[1]], fetched
            assert frame.evaluate(served_requests) == []
            assert frame.evaluate("performance.getEntriesByName('rc:sites_worker_response').length") == 1
            # the communes and the outlines too come from served files (issue 14), drawn once read
            areas = frame.evaluate(
                "performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/areas/'))"
            )
            assert sorted(a.rsplit("/", 1)[1].split("-")[0] for a in areas) == ["communes", "departements", "regions"]
            assert frame.evaluate("Object.keys(window.__communes).length") > 100
            # the cluster index made in the worker, rebuilt here: the clusters drawn, a cluster clicked zooms in
            assert frame.evaluate("window.__reindus.map._rc.indexMadeIn") == "worker"
            clusters = frame.locator(".rc-cluster")
            assert clusters.count() > 3
            zoom = frame.evaluate("window.__reindus.map.getZoom()")
            clusters.first.click()
            frame.wait_for_function(f"window.__reindus.map.getZoom() > {zoom}")
            # a sector switched off in the layer control: the page indexes the sites still shown
            frame.evaluate(
                "(() => { const m = window.__reindus.map, g = m._rc.clustered.groups.find((x) => m.hasLayer(x));"
                " m.removeLayer(g); })()"
            )
            assert frame.evaluate("window.__reindus.map._rc.indexMadeIn") == "page"

            page.goto("?lang=en&brownfield=yes")
            page.page.wait_for_function(ready)
            frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
            shown = page.ready_count()
            assert 0 < shown < n and frame.evaluate("window.__siteCount") == shown
            assert frame.evaluate("window.__mapError") is None
            assert frame.evaluate("window.__sitesFiles") == [first_file]  # the same file for another selection
            status, kind, encoding = frame.evaluate(
                "(url) => fetch(url).then((r) => [r.status, r.headers.get('content-type'), r.headers.get('content-encoding')])",
                first_file,
            )
            assert status == 200 and kind == "application/gzip" and encoding is None  # sent as is
            # a site of the selection: its card, texts from the file
            first = frame.evaluate("Object.keys(window.__siteIndex || window.__sites)[0]")
            frame.evaluate(f"window.__reindus.openSite({json.dumps(first)})")
            card = page.map.locator(f'.rc-card[data-site-id="{first}"]')
            card.wait_for()
            assert "synthétique" in card.inner_text()
            assert page.errors == [] and page.foreign == []
        finally:
            page.close()
        markers_before_texts(browser, n, path)


def markers_before_texts(browser, n: int, path: Path) -> None:
    """The markers are drawn from the file's first line, before its card texts are read
    (issue 14): a marker clicked then opens a card that says it is loading, and shows the
    site's texts once they are in; the map says it is ready only then."""
    with Server("app.py", sites=path, log=ARTIFACTS / "streamlit-texts-later.log") as app:
        app.wait_healthy(timeout=60)
        context, page, frame, errors = page_with_texts_held(browser, f"{app.url}/?lang=fr&basemap=none", (1280, 720))
        try:
            assert frame.evaluate("window.__siteCount") == n
            assert frame.evaluate("window.__mapReady") is not True  # (not before the texts)
            # a site's own marker, at a zoom where it is one, clicked by hand
            site_id, lat, lon = frame.evaluate(
                "(() => { const p = window.__reindus.map._rc.clustered.p, s = Math.pow(10, p.coord_decimals);"
                " return [p.ids[0], p.lat[0] / s, p.lon[0] / s]; })()"
            )
            frame.evaluate(f"void window.__reindus.map.setView([{lat}, {lon}], 17, {{animate: false}})")
            frame.wait_for_function(f"!!window.__sites[{json.dumps(site_id)}]")
            # (a clustered map's markers are on a canvas: clicked where the marker is, off its centre)
            x, y = frame.evaluate(
                """(id) => { const map = window.__reindus.map, m = window.__sites[id];
                             const p = map.latLngToContainerPoint(m.getLatLng());
                             return [p.x + m.getRadius() * 0.5, p.y - m.getRadius() * 0.4]; }""",
                site_id,
            )
            box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()

            def click_marker():
                page.mouse.click(box["x"] + x, box["y"] + y)

            click_marker()
            card = frame.locator(f'.rc-card[data-site-id="{site_id}"]')
            expect(card).to_have_text("Chargement de la fiche…")
            page.screenshot(path=str(ARTIFACTS / "card-before-texts-1280x720.png"))
            release_texts(page)
            expect(card).to_contain_text("synthétique")  # the same card, its texts in
            assert "Chargement" not in card.inner_text()
            frame.wait_for_function("window.__mapReady === true")
            # the card opened by hand before the map was complete is the view's: in the link
            page.wait_for_function(f"() => new URLSearchParams(location.search).get('site') === {json.dumps(site_id)}")
            # closed and opened again: the texts (not the loading card made before them)
            frame.evaluate("void window.__reindus.map.closePopup()")
            click_marker()
            expect(frame.locator(f'.rc-card[data-site-id="{site_id}"]')).to_contain_text("synthétique")
            assert frame.evaluate("window.__mapError") is None and errors == []
        finally:
            context.close()
