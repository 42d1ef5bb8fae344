"""Tier 5: presenter mode on the screens of meeting rooms, driven as a presenter does."""

from __future__ import annotations

import pytest
from browser_pages import SITES

FRAME = 'iframe[title="streamlit_folium.st_folium"]'
MAP_READY = f"() => document.querySelector('{FRAME}')?.contentWindow?.__mapReady === true"


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1920, 1080), (2560, 1440)])
def test_the_map_fills_the_screen_without_scrolling(open_page, size):
    """Regression: the map was 570 px tall whatever the screen (40 % white at 1920×1080)."""
    w, h = size
    page = open_page("?mode=present", size)
    page.page.wait_for_function(MAP_READY)
    page.page.wait_for_function(
        f"() => {{ const f = document.querySelector('{FRAME}').getBoundingClientRect();"
        f" return f.bottom <= {h} && f.bottom >= {h} - 40; }}"
    )
    frame = page.page.locator(FRAME).bounding_box()
    assert frame["height"] >= (0.8 if h >= 1080 else 0.75) * h
    # the map inside follows its frame (no grey band, no cut legend)
    size_in = page.page.frame(url=lambda u: "streamlit_folium" in u).evaluate("() => window.__reindus.map.getSize()")
    assert abs(size_in["y"] - frame["height"]) <= 2
    # the whole of mainland France and Corsica is in view
    bounds = page.page.frame(url=lambda u: "streamlit_folium" in u).evaluate(
        "() => { const b = window.__reindus.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    assert bounds[0] <= -4.8 and bounds[1] <= 41.4 and bounds[2] >= 9.5 and bounds[3] >= 51.0
    page.screenshot(f"present-fill-{w}x{h}.png")


def test_the_clicker_steps_through_the_tour_after_a_click_on_the_map_and_escape_goes_back(open_page):
    """Regression: once the map was clicked (focus inside its frame), PageDown did nothing."""
    page = open_page("?mode=present", (1920, 1080))
    page.page.wait_for_function(MAP_READY)
    frame = page.page.locator(FRAME).bounding_box()
    page.page.mouse.click(frame["x"] + 60, frame["y"] + frame["height"] - 120)  # on the map, off the sites
    page.page.keyboard.press("PageDown")
    page.page.wait_for_function("() => new URL(location.href).searchParams.get('site') !== null")
    first = page.query()["site"][0]
    assert first in {f["properties"]["id"] for f in SITES}
    page.wait_ready()
    # a click on the map closes the card (and so the site leaves the URL), as a click does
    page.page.locator(FRAME).click(position={"x": 60, "y": 200})
    page.page.wait_for_function("() => new URL(location.href).searchParams.get('site') === null")
    page.wait_ready()
    # the focus is in the map: the arrows and the clicker still drive the tour
    page.page.keyboard.press("ArrowRight")
    page.page.wait_for_function(f"() => new URL(location.href).searchParams.get('site') === {first!r}")
    page.wait_ready()
    page.page.locator(FRAME).focus()
    page.page.keyboard.press("PageDown")
    page.page.wait_for_function(f"() => !['', null, {first!r}].includes(new URL(location.href).searchParams.get('site'))")
    page.wait_ready()
    page.page.keyboard.press("Escape")
    page.page.wait_for_function("() => new URL(location.href).searchParams.get('mode') === null")
    page.page.locator('#app-ready[data-mode="explore"]').wait_for(state="attached")


def test_the_timeline_points_out_the_years_new_sites_on_the_map(open_page):
    """Presenter mode year by year: the map at year Y shows the sites opened by then, the new ones ringed."""
    def first(p):  # announced or opened, the earlier
        years = [y for y in (p.get("opened"), int(p["announced"][:4]) if p.get("announced") else None) if y]
        return min(years) if years else None

    opened = {f["properties"]["id"]: first(f["properties"]) for f in SITES}
    year = 2020
    page = open_page(f"?mode=present&timeline={year}", (1920, 1080))
    page.page.wait_for_function(MAP_READY)
    frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
    shown = sorted(frame.evaluate("() => Object.keys(window.__sites)"))
    assert shown == sorted(i for i, y in opened.items() if y is not None and y <= year)
    assert page.map.locator(".rc-new").count() == sum(1 for y in opened.values() if y == year)
    page.screenshot("present-timeline-2020.png")


def _first_year(p):
    years = [y for y in (p.get("opened"), int(p["announced"][:4]) if p.get("announced") else None) if y]
    return min(years) if years else None


def test_a_year_range_link_and_the_timeline_in_a_real_browser(open_page):
    """Issue 12's done-when: ?year_min=2016&year_max=2018 shows exactly the sites announced
    then and says how many have no date; ?mode=present&timeline=2013 shows the sites open or
    announced by 2013, and PageDown moves to the next year that changes the map."""
    announced = [f["properties"] for f in SITES if f["properties"].get("announced")]
    inside = [p for p in announced if 2016 <= int(p["announced"][:4]) <= 2018]
    page = open_page("?year_min=2016&year_max=2018")
    assert page.ready_count() == len(inside)
    assert page.marker_count(expected=len(inside)) == len(inside)
    undated = len(SITES) - len(announced)
    page.page.get_by_text(f"{undated} site(s) sans cette date").wait_for()

    firsts = {f["properties"]["id"]: _first_year(f["properties"]) for f in SITES}
    page = open_page("?mode=present&timeline=2013", (1920, 1080))
    page.page.wait_for_function(MAP_READY)
    by_2013 = sorted(i for i, y in firsts.items() if y is not None and y <= 2013)
    frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
    assert sorted(frame.evaluate("() => Object.keys(window.__sites)")) == by_2013
    page.page.keyboard.press("PageDown")
    following = min(y for y in firsts.values() if y is not None and y > 2013)
    page.page.wait_for_function(f"() => new URL(location.href).searchParams.get('timeline') === '{following}'")
    page.wait_ready()
    frame = page.page.frame(url=lambda u: "streamlit_folium" in u)
    assert sorted(frame.evaluate("() => Object.keys(window.__sites)")) == sorted(
        i for i, y in firsts.items() if y is not None and y <= following
    )
