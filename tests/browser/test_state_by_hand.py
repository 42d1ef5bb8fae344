"""Tier 5: the state changed by hand, in the map itself, as users do — clicks anywhere on
a marker, the card's ×, the layer control — reaches the URL and the share link, and
survives the next filter change. Each test is named after what broke."""

from __future__ import annotations

import json

from browser_pages import ARTIFACTS, SITES

FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def url_param(page, name: str) -> str:
    return f"() => new URL(location.href).searchParams.get({json.dumps(name)})"


def wait_param(page, name: str, value: str | None) -> None:
    """Wait until the page's URL has ``name=value`` (``None``: no such parameter)."""
    page.page.wait_for_function(f"() => ({url_param(page, name)})() === {json.dumps(value)}")


def unfold_layer_control(page):
    """The map's layer control, unfolded by the pointer over it (as a user does: again if it
    folded before the list showed, e.g. under a loaded machine's late layout)."""
    control = page.map.locator(".leaflet-control-layers")
    for _ in range(10):
        control.hover()
        if control.evaluate("(c) => c.classList.contains('leaflet-control-layers-expanded')"):
            return control
        page.page.wait_for_timeout(200)
    raise AssertionError("the layer control did not unfold under the pointer")


def share_link(page) -> str:
    return page.page.locator('[data-testid="share-link"] input').input_value()


def largest_marker(page) -> tuple[str, dict]:
    """The id and on-screen box of the largest site marker (the most jobs)."""
    frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
    page.page.wait_for_function(
        f"() => document.querySelector('{FRAME}').contentWindow.__mapReady === true"
    )
    site_id = frame.evaluate(
        """() => Object.entries(window.__sites)
                 .sort((a, b) => b[1].getRadius() - a[1].getRadius())[0][0]"""
    )
    box = page.map.locator(f".site-marker.site-{site_id}").first.bounding_box()
    return site_id, box


def test_a_click_near_the_edge_of_the_largest_marker_puts_its_site_in_the_url_and_the_share_link(open_page):
    """Regression: a click was matched to a site by its coordinates within 1e-8 deg²;
    Leaflet reports the pointer, so a click off the centre of a large marker kept no site=."""
    page = open_page()
    site_id, box = largest_marker(page)
    assert box["width"] > 40  # a large marker (Croix, Albon, Châteauneuf...)
    # 85% of the radius to the right of the centre: on the marker, far from its centre
    x, y = box["x"] + box["width"] / 2 + 0.85 * box["width"] / 2, box["y"] + box["height"] / 2
    page.page.mouse.click(x, y)
    page.map.locator(f'.rc-card[data-site-id="{site_id}"]').wait_for()
    wait_param(page, "site", site_id)
    page.page.wait_for_function(
        "(id) => document.querySelector('[data-testid=\"share-link\"] input').value.includes('site=' + id)",
        arg=site_id,
    )
    assert f"site={site_id}" in share_link(page)
    # the map was not built again under the user's click: the card is still open
    assert page.map.locator(f'.rc-card[data-site-id="{site_id}"]').is_visible()
    page.screenshot("click-edge-of-largest-marker.png")


def test_closing_a_card_removes_its_site_from_the_url_and_a_filter_change_does_not_reopen_it(open_page):
    """Regression: × left site= in the URL, and the next filter change reopened the card."""
    site = next(f["properties"] for f in SITES if f["properties"]["id"] == "roubaix-ovh-campus")
    page = open_page(f"?site={site['id']}")
    card = page.map.locator(f'.rc-card[data-site-id="{site["id"]}"]')
    card.wait_for()
    page.map.locator(".leaflet-popup-close-button").click()
    wait_param(page, "site", None)
    assert "site=" not in share_link(page)
    # a filter change that keeps the site: its card stays closed
    page.page.get_by_label("Recherche (nom, entreprise, commune)").fill("roubaix")
    page.page.get_by_label("Recherche (nom, entreprise, commune)").press("Enter")
    wait_param(page, "q", "roubaix")
    page.wait_ready()
    page.page.wait_for_function(
        f"() => document.querySelector('{FRAME}').contentWindow.__mapReady === true"
    )
    assert page.map.locator(".rc-card").count() == 0
    assert page.query().get("site") is None


def test_the_layer_control_changes_the_url_and_survives_a_filter_change(open_page):
    """Regression: the basemap and the layers chosen in the map's own control were not in
    the state: the URL and the sidebar did not follow, and the next filter change undid them."""
    page = open_page()
    unfold_layer_control(page)
    page.map.get_by_text("Sans fond (hors ligne)").click()
    wait_param(page, "basemap", "none")
    glass = page.map.locator(".leaflet-control-layers-overlays label", has_text="Verre")
    glass.locator("input").uncheck()
    wait_param(page, "hide", "glass")
    page.wait_ready()
    # the sidebar follows
    page.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stSidebar] input')].some(i => i.value.startsWith('Sans fond'))"
    )
    assert "Masqués sur la carte : Verre" in page.page.locator('[data-testid="stSidebar"]').inner_text()
    # a filter change builds the map again: the choice is kept
    page.page.get_by_label("Recherche (nom, entreprise, commune)").fill("e")
    page.page.get_by_label("Recherche (nom, entreprise, commune)").press("Enter")
    wait_param(page, "q", "e")
    page.wait_ready()
    page.page.wait_for_function(
        f"() => document.querySelector('{FRAME}').contentWindow.__mapReady === true"
    )
    assert page.query()["basemap"] == ["none"] and page.query()["hide"] == ["glass"]
    unfold_layer_control(page)
    assert not page.map.locator(".leaflet-control-layers-overlays label", has_text="Verre").locator(
        "input"
    ).is_checked()
    assert page.map.locator(".leaflet-control-layers-base label", has_text="Sans fond").locator(
        "input"
    ).is_checked()
    assert page.map.locator(".site-marker.sector-glass").count() == 0


UPLOAD = "nom,commune,departement,emplois\nAtelier témoin,Lille,59,42\nFabrique témoin,Tourcoing,59,17\n"


def test_an_upload_survives_presenter_mode_and_back_and_goes_into_the_offline_map(open_page):
    """Regression: upload, dep=59, presenter mode, back: the upload was gone (3 sites, not 5);
    and the offline HTML export did nothing after an upload."""
    page = open_page("?dep=59")
    before = page.ready_count()
    page.page.locator('input[type="file"]').set_input_files(
        files=[{"name": "mes-sites.csv", "mimeType": "text/csv", "buffer": UPLOAD.encode("utf-8")}]
    )
    page.page.wait_for_function(
        "(n) => Number(document.querySelector('#app-ready')?.dataset.sites) === n", arg=before + 2
    )
    page.page.get_by_role("button", name="Mode présentation").click()
    page.page.locator('#app-ready[data-mode="present"]').wait_for(state="attached")
    assert page.ready_count() == before + 2
    page.page.get_by_role("button", name="← Retour à l'exploration").click()
    page.page.locator('#app-ready[data-mode="explore"]').wait_for(state="attached")
    page.wait_ready()
    assert page.ready_count() == before + 2
    assert "mes-sites.csv" in page.page.locator('[data-testid="stSidebar"]').inner_text()
    with page.page.expect_download() as info:
        page.page.get_by_role("button", name="Carte (HTML hors ligne)").click()
    offline = open(info.value.path(), encoding="utf-8").read()
    assert "Atelier témoin" in offline and "Fabrique témoin" in offline
    # opened as people open it (a browser, from the disk): it says what it shows, legend folded
    assert "<title>Carte de la réindustrialisation — Département : Nord (59) — " in offline
    saved = ARTIFACTS / "offline-export-after-upload.html"
    info.value.save_as(saved)
    context = page.context.browser.new_context(viewport={"width": 1400, "height": 900})
    # offline: the file itself, nothing from any host (tiles fail, the map must still work)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    viewer = context.new_page()
    viewer.goto(saved.as_uri())
    viewer.wait_for_function("() => window.__mapReady === true")
    heading = viewer.locator(".rc-heading").inner_text()
    assert heading.startswith("Carte de la réindustrialisation — Département : Nord (59) — ")
    assert viewer.locator(".rc-legend details").get_attribute("open") is None
    assert viewer.locator(".site-marker").count() == before + 2
    viewer.screenshot(path=str(ARTIFACTS / "offline-export-after-upload.png"))
    context.close()


def test_sites_at_the_same_point_can_each_be_reached_from_the_card_on_top(open_page):
    """Regression: 2CRSI and OVHcloud share Strasbourg's point; only the marker on top could
    be clicked. Its card now names the other, and the link opens that one's card (and URL)."""
    a, b = "strasbourg-2crsi", "strasbourg-ovhcloud-datacenter"
    page = open_page(f"?site={a}")
    page.map.locator(f'.rc-card[data-site-id="{a}"]').wait_for()
    link = page.map.locator(f'.rc-card[data-site-id="{a}"] .rc-same a[data-open-site="{b}"]')
    assert link.count() == 1
    link.click()
    page.map.locator(f'.rc-card[data-site-id="{b}"]').wait_for()
    assert page.map.locator(f'.rc-card[data-site-id="{b}"] .rc-same a[data-open-site="{a}"]').count() == 1
    wait_param(page, "site", b)
