"""Tier 5: the page used by hand — a row of the sites table clicked opens its site (card on
the map, ``site=`` in the URL and the share link); on a phone (390×844) the map comes
first and the table scrolls sideways; wide screens keep their layout. Screenshots under
test-artifacts/ (looked at)."""

from __future__ import annotations

import pytest
from browser_pages import ARTIFACTS, SITES

FRAME = 'iframe[title="streamlit_folium.st_folium"]'
TABLE = '[data-testid="stDataFrame"]'
ROW_HEIGHT = 35  # Streamlit's default row (and header) height in the table, in px


def table_order() -> list[dict]:
    """The sites in the table's order: most jobs first (unknown last), then by name."""
    sites = [f["properties"] for f in SITES]
    return sorted(sites, key=lambda s: (s["jobs"] is None, -(s["jobs"] or 0), s["name"]))


def wait_param(page, name: str, value: str | None) -> None:
    page.page.wait_for_function(
        "([n, v]) => new URL(location.href).searchParams.get(n) === v", arg=[name, value]
    )


def click_row(page, row: int) -> None:
    """Tick a row's selection box (the table is drawn on a canvas: a click at its place)."""
    table = page.page.locator(TABLE)
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.page.mouse.click(box["x"] + 17, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2)


def test_a_row_clicked_in_the_table_opens_its_site_on_the_map_and_in_the_url(open_page):
    page = open_page()
    site = table_order()[2]  # the third row: not the first site of the data file
    click_row(page, 2)
    wait_param(page, "site", site["id"])
    page.wait_ready()
    page.map.locator(f'.rc-card[data-site-id="{site["id"]}"]').wait_for()
    page.page.wait_for_function(
        "(id) => document.querySelector('[data-testid=\"share-link\"] input').value.includes('site=' + id)",
        arg=site["id"],
    )
    page.page.locator(FRAME).scroll_into_view_if_needed()
    page.screenshot("table-row-opens-its-card-1400x900.png")
    # the card's × closes it: the URL loses the site, and the table's row is unticked
    page.map.locator(".leaflet-popup-close-button").click()
    wait_param(page, "site", None)
    page.wait_ready()
    # ticking the same row again opens the card again (a new map, not the one whose card was closed)
    click_row(page, 2)
    wait_param(page, "site", site["id"])
    page.wait_ready()
    page.map.locator(f'.rc-card[data-site-id="{site["id"]}"]').wait_for()


def layout(page) -> dict:
    # (the table is drawn after the map: wait for its scroller before measuring)
    page.page.wait_for_selector('[data-testid="stDataFrame"] .dvn-scroller', state="attached")
    return page.page.evaluate(
        """() => {
          const map = document.querySelector('iframe[title="streamlit_folium.st_folium"]').getBoundingClientRect();
          const kpis = document.querySelector('.st-key-kpis').getBoundingClientRect();
          const metrics = [...document.querySelectorAll('.st-key-kpis [data-testid="stMetric"]')]
            .map(m => m.getBoundingClientRect().top);
          const scroller = document.querySelector('[data-testid="stDataFrame"] .dvn-scroller');
          return {mapTop: map.top, mapBottom: map.bottom, kpisTop: kpis.top, metricTops: metrics,
                  tableScroll: scroller.scrollWidth, tableWidth: scroller.clientWidth,
                  pageWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
                  innerHeight: window.innerHeight};
        }"""
    )


def test_on_a_phone_the_map_comes_first_and_the_table_scrolls_sideways(open_page):
    """Regression: at 390×844 the figures filled the first screen and the map was below the fold."""
    page = open_page(size=(390, 844))
    page.marker_count(len(SITES))  # (drawn: the screenshot shows the map)
    page.screenshot("phone-390x844.png")
    shape = layout(page)
    assert 0 < shape["mapTop"] < 0.5 * shape["innerHeight"], shape  # the map's top in the first screen
    assert shape["kpisTop"] > shape["mapTop"], shape  # the figures under it
    assert len(set(round(top) for top in shape["metricTops"])) == 2, shape  # two figures a row
    assert shape["pageWidth"] <= shape["innerWidth"], shape  # the page itself never scrolls sideways
    assert shape["tableScroll"] > shape["tableWidth"] + 300, shape  # the table does, inside itself
    scroller = page.page.locator(f"{TABLE} .dvn-scroller")
    scroller.evaluate("(s) => { s.scrollLeft = 400; }")
    assert scroller.evaluate("(s) => s.scrollLeft") > 0
    page.page.locator(TABLE).scroll_into_view_if_needed()
    page.screenshot("phone-390x844-table-scrolled.png")


def test_on_a_phone_the_sidebar_opens_over_the_page_and_presenter_mode_works(open_page):
    page = open_page(size=(390, 844))
    sidebar = """() => { const r = document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect();
                         return [r.left, r.right]; }"""
    assert page.page.evaluate(sidebar)[1] <= 0  # collapsed by Streamlit on a narrow screen: the map is seen
    page.page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.page.wait_for_function(f"() => ({sidebar})()[0] >= 0")  # (it slides in over the page: slid)
    page.screenshot("phone-390x844-sidebar.png")
    present = open_page("?mode=present", size=(390, 844))
    assert present.page.locator("#app-ready").get_attribute("data-mode") == "present"
    present.marker_count(len(SITES))
    present.screenshot("phone-390x844-present.png")
    # the whole presenter's page in the first screen: the map and "next" under the figures
    frame = present.page.locator(FRAME).bounding_box()
    assert frame["y"] > 0 and frame["y"] + frame["height"] <= 844 and frame["height"] >= 300, frame
    first = table_order()[0]
    present.page.get_by_role("button", name="Suivant").click()
    wait_param(present, "site", first["id"])
    present.wait_ready()
    present.map.locator(f'.rc-card[data-site-id="{first["id"]}"]').wait_for()
    present.screenshot("phone-390x844-present-tour.png")


@pytest.mark.parametrize("size", [(1280, 720), (1400, 900), (1920, 1080)])
def test_wide_screens_keep_the_figures_above_the_map_and_every_column_from_1400_px(open_page, size):
    page = open_page(size=size)
    page.marker_count(len(SITES))
    shape = layout(page)
    assert shape["kpisTop"] < shape["mapTop"], shape
    assert len(set(round(top) for top in shape["metricTops"])) == 1, shape  # four figures in one row
    assert shape["pageWidth"] <= shape["innerWidth"], shape
    if size[0] >= 1400:  # every column shows (at 1280 the table scrolls sideways inside itself)
        assert shape["tableScroll"] <= shape["tableWidth"] + 1, shape
    assert shape["mapTop"] < size[1], shape
    page.screenshot(f"page-{size[0]}x{size[1]}.png")
    page.page.locator(TABLE).scroll_into_view_if_needed()
    page.screenshot(f"page-table-{size[0]}x{size[1]}.png")


UPLOAD = (
    "Nom;Commune;Secteur;Emplois;Contact\n"
    "Filature témoin;Roubaix;Textile;env. 300;a@b.fr\n"
    "Atelier témoin;Nowherville;verre;12;\n"
)


def test_the_upload_report_downloads_from_the_sidebar_as_french_excel_opens_it(open_page):
    page = open_page()
    before = page.ready_count()
    page.page.locator('[data-testid="stSidebar"]').get_by_text("Vos propres sites").click()  # (the expander)
    page.page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(
        files=[{"name": "mes-sites.csv", "mimeType": "text/csv", "buffer": UPLOAD.encode("utf-8")}]
    )
    page.page.wait_for_function(
        "(n) => Number(document.querySelector('#app-ready')?.dataset.sites) === n", arg=before + 1
    )
    button = page.page.get_by_role("button", name="Rapport de l'import (CSV)")
    button.scroll_into_view_if_needed()
    page.screenshot("upload-report-button-1400x900.png")
    with page.page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "rapport-import.csv"
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Ligne;Site;Colonne;Valeur donnée;Ce que l'application a fait;Communes possibles"
    assert any(line.startswith("2;Filature témoin;Secteur;Textile;secteur non reconnu") for line in lines)
    assert any(line.startswith("3;Atelier témoin;Commune;Nowherville;ligne non placée") for line in lines)
    assert any(";Contact;;colonne ignorée" in line for line in lines)


def test_a_row_ticked_while_its_sector_is_switched_off_opens_its_card_and_shows_its_layer(open_page):
    """Regression: with the site's sector switched off in the layer control (hide=), ticking
    its row put site= in the URL and opened no card (its marker was in the hidden layer)."""
    site = table_order()[2]
    page = open_page(f"?hide={site['sector']}&hide=regions")
    click_row(page, 2)
    wait_param(page, "site", site["id"])
    page.wait_ready()
    page.map.locator(f'.rc-card[data-site-id="{site["id"]}"]').wait_for()
    assert page.query().get("hide") == ["regions"]


def test_the_first_screen_comes_first_and_the_whole_page_once_the_map_has_drawn(browser, server):
    """Issue 14: a first visit draws the head, the figures and the map; the filters, the
    table and the exports come with the next run, which the map asks for once its markers
    are drawn. The page holds no sidebar widget while the map is not drawn (its scripts
    held back here), then the whole page comes after the map's markers."""
    from browser_pages import TIMEOUT_MS

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    held = []
    context.route("**/app/static/runtime/bundle-*.js", lambda route: held.append(route))
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server)
        page.wait_for_selector(FRAME, state="attached")  # (shown once its scripts have loaded)
        page.wait_for_selector("#rc-first-screen", state="attached")
        page.wait_for_timeout(1000)
        # the map's scripts held: the first screen only (no filter widget, no table, no ready marker)
        assert page.locator('[data-testid="stSidebar"]').get_by_text("Chargement des filtres").is_visible()
        assert page.locator('[data-testid="stMultiSelect"]').count() == 0
        assert page.locator(TABLE).count() == 0 and page.locator("#app-ready").count() == 0
        page.screenshot(path=str(ARTIFACTS / "first-screen-1280x720.png"))
        # the figures as plain HTML first, the metrics in their place next: the map does not move
        top = "() => document.querySelector('.st-key-explore-map').getBoundingClientRect().top"
        assert page.locator(".kpi-first").count() == 4 and page.locator('[data-testid="stMetric"]').count() == 0
        map_top = page.evaluate(top)
        # (and every frame until the metrics are drawn: their code loads after the page is ready)
        page.evaluate(
            f"""() => {{ window.__tops = []; const f = () => {{ window.__tops.push(({top})());
              if (document.querySelectorAll('[data-testid=stMetric]').length < 4) requestAnimationFrame(f); }}; f(); }}"""
        )
        for route in held:
            route.continue_()
        context.unroute("**/app/static/runtime/bundle-*.js")
        page.wait_for_selector("#app-ready", state="attached")
        frame = page.frame(url=lambda u: "streamlit_folium" in u)
        assert frame.evaluate("window.__sitesDrawn") is True
        page.locator('[data-testid="stMultiSelect"]').first.wait_for()  # (their code loads after the run)
        page.locator(TABLE).wait_for()
        assert frame.evaluate("performance.getEntriesByName('rc:init').length") == 1  # the same map, not built again
        assert page.locator('[data-testid="stMetric"]').count() == 4 and page.locator(".kpi-first").count() == 0
        assert abs(page.evaluate(top) - map_top) <= 3, (map_top, page.evaluate(top))
        tops = page.evaluate("window.__tops")
        assert max(abs(t - map_top) for t in tops) <= 3, (map_top, sorted(set(tops)))  # the map never jumped
    finally:
        context.close()


def test_a_map_that_cannot_draw_still_gets_the_whole_page(browser, server):
    """A map whose scripts fail never says it drew: the page's timer brings the rest anyway."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.route("**/app/static/runtime/bundle-*.js", lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("#rc-first-screen", state="attached", timeout=60_000)
        page.wait_for_selector("#app-ready", state="attached", timeout=60_000)  # (4 s after the first screen)
        page.locator('[data-testid="stMultiSelect"]').first.wait_for(timeout=60_000)
        assert page.locator("#rc-first-screen").count() == 0
    finally:
        context.close()
