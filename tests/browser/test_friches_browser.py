"""Tier 5: the friches layer in Chromium — `?friches=1&dep=59` draws the Nord's 206 friches as
diamonds; a card opens from a click (and the URL names it) and from `?friche=ID`."""

from __future__ import annotations

import csv

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
    at = frame.evaluate(
        """() => { const map = window.__reindus.map;
          for (const [id, m] of Object.entries(window.__friches)) {
            const p = map.latLngToContainerPoint(m.getLatLng()), r = map.getContainer().getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + p.x, r.top + p.y);
            if (hit && hit.classList.contains('friche-marker')) return {x: r.left + p.x, y: r.top + p.y};
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
