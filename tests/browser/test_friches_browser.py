"""Tier 5: the friches layer in Chromium — `?friches=1&dep=59` draws the Nord's 206 friches as
diamonds; a card opens from a click (and the URL names it) and from `?friche=ID`; friches at
one point fan out on a click, each then clicked by itself."""

from __future__ import annotations

import csv
import json

from browser_pages import ARTIFACTS

from geo.friches import FRICHES_PATH

with FRICHES_PATH.open(encoding="utf-8-sig", newline="") as _f:
    ROWS = list(csv.DictReader(_f, delimiter=";"))
NORD = [r["site_id"] for r in ROWS if r["comm_insee"].zfill(5).startswith("59")]
OWNER_CONTACT = ("proprio_nom", "proprio_personne", "source_contact")
FRAME = """() => document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentWindow"""


def test_friche_cards_open_from_a_click_and_from_a_link(open_page):
    page = open_page("?friches=1&dep=59")
    frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
    assert frame.evaluate("window.__fricheCount") == len(NORD) == 206
    assert sorted(frame.evaluate("Object.keys(window.__friches)")) == sorted(NORD)
    assert page.map.locator("path.friche-marker").count() == 206  # diamonds, not the sites' circles
    assert page.page.locator("#app-ready").last.get_attribute("data-friches") == "206"
    page.screenshot("friches-nord.png")

    # a click on a diamond opens its card and puts it in the URL
    # (a real click where a diamond is the topmost element: not under a site or the legend;
    # the map scrolled into view first, so that the point measured is the one clicked)
    iframe = page.page.locator('iframe[title="streamlit_folium.st_folium"]')
    iframe.scroll_into_view_if_needed()
    # (and alone there: where several diamonds lie, a click fans them out, see below)
    at = frame.evaluate(
        """() => { const map = window.__reindus.map, all = Object.values(window.__friches);
          for (const [id, m] of Object.entries(window.__friches)) {
            const p = map.latLngToContainerPoint(m.getLatLng()), r = map.getContainer().getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + p.x, r.top + p.y);
            const under = all.filter((o) => map.latLngToContainerPoint(o.getLatLng()).distanceTo(p) <= o.getRadius());
            if (hit && hit.classList.contains('friche-marker') && under.length === 1) {
              return {x: r.left + p.x, y: r.top + p.y};
            }
          } return null; }"""
    )
    box = iframe.bounding_box()
    page.page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
    card = page.map.locator(".rc-friche[data-friche-id]")
    card.wait_for()
    clicked = card.get_attribute("data-friche-id")
    assert clicked in NORD
    assert "cartofriches.cerema.fr" in card.locator("a").get_attribute("href")
    page.page.wait_for_function(f"() => location.search.includes('friche={clicked}')")

    # Roubaix's card (a commune hosting a site) counts its friches by status and surface
    frame.evaluate("window.__reindus.map.closePopup(); window.__reindus.openCommune('59512')")
    commune = page.map.locator(".rc-commune .rc-commune-friches")
    commune.wait_for()
    roubaix = sum(1 for r in ROWS if r["comm_insee"] == "59512")
    assert commune.inner_text().split("\t")[-1].strip().startswith(f"{roubaix} (")
    assert " ha" in commune.inner_text()

    # a link to a friche opens its card
    target = NORD[0]
    page.goto(f"?friche={target}")
    page.map.locator(f'.rc-friche[data-friche-id="{target}"]').wait_for()
    assert page.query()["friches"] == ["1"]
    text = page.map.locator("body").inner_text() + page.page.locator("body").inner_text()
    private = {r[c].strip() for r in ROWS for c in OWNER_CONTACT if r.get(c)} - {"NA", "inconnu"}
    assert not [v for v in private if len(v) > 5 and v in text]


def test_the_roubaix_sites_card_lists_the_friches_within_10_km_of_it(open_page):
    """Issue 11: with the layer on, the Roubaix site's card counts the friches near it by status."""
    from geo.friches import load_friches
    from geo.friches_near import friches_near_sites
    from geo.load import read_sites
    from geo.paths import SITES_PATH

    sites = read_sites(SITES_PATH)
    near = friches_near_sites(sites, load_friches().friches).set_index(sites["id"]).loc["roubaix-ovh-campus"]
    page = open_page("?friches=1&site=roubaix-ovh-campus")
    card = page.map.locator('.rc-card[data-site-id="roubaix-ovh-campus"]')
    card.wait_for()
    row = card.locator("tr", has_text="Friches à 10 km")
    assert row.locator("td").inner_text().startswith(f"{near['n']}\u00a0: ")
    assert "avec projet" in row.inner_text() and row.inner_text().endswith(" ha")
    assert card.locator("tr", has_text="Sur une friche inventoriée").locator("td").inner_text().startswith("oui : ")


def _at_one_point(dep: str) -> list[list[str]]:
    """The extract's friches of a département that share a point, point by point."""
    by_point: dict[str, list[str]] = {}
    for r in ROWS:
        if r["comm_insee"].zfill(5).startswith(dep):
            by_point.setdefault(r["geompoint"], []).append(r["site_id"])
    return [ids for ids in by_point.values() if len(ids) > 1]


FANNED = """() => (document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentDocument
  .querySelector('.leaflet-container').getAttribute('data-fanned') || '').split(' ').filter(Boolean)"""


def _still(frame) -> None:
    """The map stands still (a card that opens pans it: a marker measured during the pan is missed)."""
    frame.wait_for_function(
        """() => { const m = window.__reindus.map;
                   return !(m._panAnim && m._panAnim._inProgress) && !m._animatingZoom; }"""
    )


def _on_page(page, frame, friche_id: str) -> tuple[float, float]:
    """Where a friche's diamond is drawn now (fanned out or not), in page pixels."""
    _still(frame)
    page.page.wait_for_timeout(100)
    at = frame.evaluate(
        """(id) => { const map = window.__reindus.map, m = window.__friches[id];
          const p = map.latLngToContainerPoint(m.getLatLng()), r = map.getContainer().getBoundingClientRect();
          return {x: r.left + p.x, y: r.top + p.y}; }""",
        friche_id,
    )
    box = page.page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    return box["x"] + at["x"], box["y"] + at["y"]


def _clickable(frame, ids: list[str]) -> str:
    """Of these friches, the highest on screen whose diamond is the element drawn at its centre."""
    found = frame.evaluate(
        """(ids) => { const map = window.__reindus.map;
          const at = ids.map((id) => [id, map.latLngToContainerPoint(window.__friches[id].getLatLng())]);
          at.sort((a, b) => a[1].y - b[1].y);
          const r = map.getContainer().getBoundingClientRect();
          for (const [id, p] of at) {
            if (document.elementFromPoint(r.left + p.x, r.top + p.y) === window.__friches[id]._path) return id;
          } return null; }""",
        ids,
    )
    assert found, f"none of {ids} can be clicked"
    return found


def test_friches_at_one_point_fan_out_on_a_click_and_each_opens_its_own_card(open_page):
    """The extract has 59 friches on 24 shared points: one diamond hid the others. Narbonne's
    four land units at one point (Aude) now fan out on a click; a click on each opens its own
    card and puts its friche= in the URL, the fan staying open for the others."""
    (narbonne,) = [ids for ids in _at_one_point("11") if len(ids) == 4]
    page = open_page("?friches=1&dep=11", (1280, 720))
    frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
    assert set(narbonne) <= set(frame.evaluate("Object.keys(window.__friches)"))
    page.page.locator('iframe[title="streamlit_folium.st_folium"]').scroll_into_view_if_needed()
    points = {i: _on_page(page, frame, i) for i in narbonne}
    x, y = points[narbonne[0]]
    assert all(p == (x, y) for p in points.values())  # one diamond on the others
    page.page.mouse.click(x, y)
    page.page.wait_for_function(f"() => ({FANNED})().length === 4")
    assert sorted(page.page.evaluate(FANNED)) == sorted(narbonne)
    assert page.map.locator(".rc-card").count() == 0  # no card yet: which one?
    assert page.map.locator(".rc-leg").count() == 4  # a leader line to each
    apart = [_on_page(page, frame, i) for i in narbonne]
    radius = frame.evaluate(f"window.__friches[{json.dumps(narbonne[0])}].getRadius()")
    gaps = [((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for k, a in enumerate(apart) for b in apart[k + 1 :]]
    assert min(gaps) > 2 * radius  # apart: no two touch
    box = page.page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.page.mouse.move(box["x"] + 60, box["y"] + 200)  # (no tooltip over the fan)
    page.screenshot("fan-friches-narbonne.png")
    cx, cy = sum(a[0] for a in apart) / 4, sum(a[1] for a in apart) / 4
    page.page.screenshot(
        path=str(ARTIFACTS / "fan-friches-narbonne-closeup.png"),
        clip={"x": cx - 100, "y": cy - 80, "width": 200, "height": 160},
    )

    opened = []
    for _ in range(2):
        # a diamond of the fan a hand can click: the top one first (its card covers none of
        # the others), then one the open card leaves in sight
        _still(frame)
        friche_id = _clickable(frame, [i for i in narbonne if i not in opened])
        opened.append(friche_id)
        x, y = _on_page(page, frame, friche_id)  # (the card before may have panned the map)
        page.page.mouse.move(x, y)  # (over the diamond first, as a hand does: its tooltip, then the click)
        page.page.mouse.click(x, y)
        page.map.locator(f'.rc-friche[data-friche-id="{friche_id}"]').wait_for()
        page.page.wait_for_function(
            f"() => new URL(location.href).searchParams.get('friche') === {json.dumps(friche_id)}"
        )
        on_its_marker = frame.evaluate(
            """(id) => { const m = window.__friches[id], pop = window.__reindus.map._popup;
              return !!(pop && pop.isOpen() && pop._source === m && pop.getLatLng().equals(m.getLatLng())
                        && m.rcFanned); }""",
            friche_id,
        )
        assert on_its_marker, f"{friche_id}'s card opens on its own fanned-out diamond"
        assert page.map.locator(".rc-friche").count() == 1
        assert sorted(page.page.evaluate(FANNED)) == sorted(narbonne)  # the fan stays open for the others
    page.screenshot("fan-friches-narbonne-card.png")

    # a link to one of them opens its card on its own diamond, fanned out from the others
    page.goto(f"?friches=1&dep=11&friche={narbonne[1]}")
    page.map.locator(f'.rc-friche[data-friche-id="{narbonne[1]}"]').wait_for()
    frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
    assert sorted(page.page.evaluate(FANNED)) == sorted(narbonne)
    assert frame.evaluate(
        """(id) => { const m = window.__friches[id], pop = window.__reindus.map._popup;
          return pop.isOpen() && pop._source === m && pop.getLatLng().equals(m.getLatLng()) && m.rcFanned; }""",
        narbonne[1],
    )
    page.screenshot("fan-friches-narbonne-link.png")


def test_the_downloads_with_the_layer_on_hold_the_friches_shown(open_page, browser, tmp_path):
    """The friches shown reach the exports as a frame made when a file is asked for (the app
    keeps a mask of the inventory, not a copy, on every run): the CSV has the Nord's 206
    friches, the offline map draws them, the PNG is made."""
    from PIL import Image

    page = open_page("?friches=1&dep=59")
    page.ready_count()
    with page.page.expect_download(timeout=60_000) as friches_csv:
        page.page.locator(".st-key-dl_friches_csv button").click()
    with friches_csv.value.path().open(encoding="utf-8-sig", newline="") as f:
        assert sorted(row["id"] for row in csv.DictReader(f, delimiter=";")) == sorted(NORD)  # (French: ";")
    with page.page.expect_download(timeout=60_000) as png:
        page.page.locator(".st-key-dl_png button").click()
    assert Image.open(png.value.path()).format == "PNG"
    with page.page.expect_download(timeout=60_000) as html_map:
        page.page.locator(".st-key-dl_html button").click()
    saved = tmp_path / html_map.value.suggested_filename
    html_map.value.save_as(saved)
    offline = browser.new_page()
    offline.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                  else route.abort())  # fmt: skip
    offline.goto(saved.as_uri())
    offline.wait_for_function("window.__mapReady === true && typeof window.__fricheCount === 'number'")
    assert offline.evaluate("window.__fricheCount") == len(NORD)
    offline.close()
