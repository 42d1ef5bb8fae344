"""Tier 5: the friches layer at scale in Chromium (issue 11, item 6) — with an inventory of
6,000 synthetic friches (above SERVE_MIN_FRICHES and CLUSTER_MIN_FRICHES), the friches come
from a served file, are drawn as clusters with markers only for what is on screen, and every
friche stays reachable: ``?friche=ID`` opens its card, a click on a friche after zooming in
names it in the URL, a commune's card still counts its friches."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from browser_pages import ARTIFACTS, SITES, page_with_texts_held, release_texts
from playwright.sync_api import expect

from bench.browser import CHROMIUM, Server
from geo import synthetic_friches
from geo.mapview.friches import CLUSTER_MIN_FRICHES, SERVE_MIN_FRICHES

N_FRICHES = 6_000
FRAME = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture(scope="module")
def friches_file(tmp_path_factory):
    path = synthetic_friches.write(N_FRICHES, tmp_path_factory.mktemp("friches") / "friches-6000.csv", seed=3)
    with path.open(encoding="utf-8", newline="") as f:
        return path, list(csv.DictReader(f))


@pytest.fixture(scope="module")
def server(friches_file):
    """The app with the synthetic inventory as its friches (``REINDUS_FRICHES``): overrides conftest's."""
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/setup.sh --dev` (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"REINDUS_FRICHES": str(friches_file[0])}
    with Server("app.py", env=env, log=ARTIFACTS / "streamlit-friches-scale.log") as app:
        app.wait_healthy(timeout=60)
        yield app.url


def _frame(page):
    return page.page.frame(url=lambda u: "streamlit_folium" in u)


def test_a_national_inventory_is_served_clustered_and_every_friche_reachable(open_page, friches_file):
    assert N_FRICHES >= SERVE_MIN_FRICHES and N_FRICHES > CLUSTER_MIN_FRICHES  # the path under test
    _, rows = friches_file
    page = open_page("?friches=1")
    frame = _frame(page)
    assert frame.evaluate("window.__fricheCount") == N_FRICHES
    # the friches' data came from one served file, read once (not inside the map; in the worker)
    files = frame.evaluate("window.__frichesFiles")
    assert len(files) == 1 and "/static/cache/friches-" in files[0] and files[0].endswith(".json.gz")
    assert len(frame.evaluate("Object.keys(window.__fricheIndex)")) == N_FRICHES
    # the file read and the cluster index made in the worker, off the page's main thread (issue 14)
    assert frame.evaluate("window.__reindus.map._rc.friches.indexMadeIn") == "worker"
    # (that worker started by the map's first script, before the bundle: early.js)
    assert frame.evaluate("performance.getEntriesByName('rc:friches_worker_taken').length") == 1
    # clustered: brown diamond clusters, and far fewer markers than friches
    clusters = page.map.locator(".rc-cluster-friche")
    assert clusters.count() > 5
    assert page.map.locator("path.friche-marker").count() < N_FRICHES / 10
    assert page.map.locator(".rc-cluster:not(.rc-cluster-friche)").count() == 0  # (10 sites: not clustered)
    total = frame.evaluate(
        "Array.from(document.querySelectorAll('.rc-cluster-friche')).reduce((s, e) => s + Number(e.querySelector('span')"
        ".textContent.replace(/k$/, '000').replace(/[^0-9]/g, '')), 0)"
    )
    assert total > N_FRICHES / 2  # (the clusters hold most friches; a k-rounded count may be off a little)
    page.screenshot("friches-scale-national.png")

    # a link to a friche opens its card, though it was inside a cluster
    target = rows[1234]["site_id"]
    page.goto(f"?friches=1&friche={target}")
    card = page.map.locator(f'.rc-friche[data-friche-id="{target}"]')
    card.wait_for()
    assert rows[1234]["site_nom"] in card.inner_text()

    # zoomed in on a friche away from the sites: a click on its diamond opens its card, named in the URL
    frame = _frame(page)
    frame.evaluate("window.__reindus.map.closePopup()")
    page.page.wait_for_function("() => !location.search.includes('friche=')")
    iframe = page.page.locator(FRAME)
    iframe.scroll_into_view_if_needed()
    # (alone under the pointer: where several diamonds lie, a click fans them out)
    at = frame.evaluate(
        """(id) => { const map = window.__reindus.map, r = map.getContainer().getBoundingClientRect();
          const drawn = Object.values(window.__friches).filter((m) => m._map);
          for (const [other, m] of Object.entries(window.__friches)) {
            if (other === id || !m._map) continue;
            const p = map.latLngToContainerPoint(m.getLatLng());
            if (p.x < 60 || p.y < 60 || p.x > r.width - 300 || p.y > r.height - 60) continue;
            const hit = document.elementFromPoint(r.left + p.x, r.top + p.y);
            const under = drawn.filter((o) => map.latLngToContainerPoint(o.getLatLng()).distanceTo(p) <= o.getRadius());
            if (hit && hit.classList.contains('friche-marker') && under.length === 1) {
              return {id: other, x: r.left + p.x, y: r.top + p.y};
            }
          } return null; }""",
        target,
    )
    assert at is not None, "no friche marker to click in the zoomed view"
    box = iframe.bounding_box()
    page.page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
    page.map.locator(f'.rc-friche[data-friche-id="{at["id"]}"]').wait_for()
    page.page.wait_for_function(f"() => location.search.includes('friche={at['id']}')")
    page.screenshot("friches-scale-zoomed.png")

    # a commune's card counts its friches from the payload (most are in clusters, without markers)
    per_commune = Counter(r["comm_insee"].zfill(5) for r in rows)
    code = max(
        {s["properties"]["insee"] for s in SITES if s["properties"].get("insee")}, key=per_commune.__getitem__
    )
    assert per_commune[code] > 0
    frame.evaluate(f"window.__reindus.map.closePopup(); window.__reindus.openCommune('{code}')")
    summary = page.map.locator(".rc-commune .rc-commune-friches")
    summary.wait_for()
    assert summary.inner_text().split("\t")[-1].strip().startswith(f"{per_commune[code]} (")


def test_a_friche_clicked_before_its_texts_are_read_shows_them_once_in(browser, server):
    """The friches' file is read as the sites' (issue 11, item 6): the diamonds and their
    clusters from its first line, the card texts after; a friche clicked in between says its
    card is loading, then shows it (the worker's later messages held back: HOLD_TEXTS)."""
    context, page, frame, errors = page_with_texts_held(browser, f"{server}/?friches=1&basemap=none&lang=fr", (1920, 1080))
    try:
        assert frame.evaluate("window.__fricheCount") == N_FRICHES
        assert frame.evaluate("window.__mapReady") is not True  # (not before the texts)
        # the friche alone at its point (a click where several lie fans them out), up close
        fid, lat, lon = frame.evaluate(
            """(() => { const p = window.__reindus.map._rc.friches.p, s = Math.pow(10, p.coord_decimals), seen = {};
                 for (let i = 0; i < p.ids.length; i++) { const k = p.lon[i] + ',' + p.lat[i]; seen[k] = (seen[k] || 0) + 1; }
                 for (let i = 0; i < p.ids.length; i++) {
                   if (seen[p.lon[i] + ',' + p.lat[i]] === 1) return [p.ids[i], p.lat[i] / s, p.lon[i] / s];
                 } })()"""
        )
        frame.evaluate(f"void window.__reindus.map.setView([{lat}, {lon}], 18, {{animate: false}})")
        frame.wait_for_function(f"!!(window.__friches[{fid!r}] && window.__friches[{fid!r}]._map)")
        x, y = frame.evaluate(
            """(id) => { const map = window.__reindus.map, m = window.__friches[id];
                         const p = map.latLngToContainerPoint(m.getLatLng());
                         return [p.x - m.getRadius() * 0.3, p.y + m.getRadius() * 0.3]; }""",
            fid,
        )
        box = page.locator(FRAME).bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        card = frame.locator(f'.rc-friche[data-friche-id="{fid}"]')
        expect(card).to_have_text("Chargement de la fiche…")
        release_texts(page)
        expect(card.locator(".rc-title")).not_to_be_empty()
        expect(card.locator(".rc-table")).to_contain_text("Statut")
        frame.wait_for_function("window.__mapReady === true")
        # the card opened by hand before the map was complete is the view's: in the link
        page.wait_for_function(f"() => new URLSearchParams(location.search).get('friche') === {fid!r}")
        page.screenshot(path=str(ARTIFACTS / "friche-card-after-texts-1920x1080.png"))
        assert frame.evaluate("window.__mapError") is None and errors == []
    finally:
        context.close()
