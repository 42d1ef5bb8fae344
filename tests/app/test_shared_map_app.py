"""One map for every session that asks for the same (issue 14): a new visitor's first screen
is the map the last visitor saw, built once per process (``app.shared_map``), each session
rendering its own copy; a session's upload gets its own map."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from geo import mapview
from tests.app.app_pages import APP, whole_page


def map_args(at: AppTest) -> dict:
    """What streamlit_folium sends to the browser for the page's map (its component's args)."""
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


@pytest.fixture
def builds(monkeypatch) -> list:
    """Every map the app builds (mapview.map_of_selection, which app.build_map calls)."""
    made, real = [], mapview.map_of_selection

    def counted(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mapview, "map_of_selection", counted)
    return made


def first_screen(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_new_session_gets_the_map_the_last_one_saw_built_once(builds):
    # (a view no other test opens: this process has not built its map yet)
    params = {"sector": ["datacenter", "semiconductors"], "jobs_min": "7", "basemap": "none"}
    one = first_screen(**params)
    assert len(builds) == 1
    two = first_screen(**params)
    assert len(builds) == 1, "the second session's map was built again"
    a, b = map_args(one), map_args(two)
    # the same page for the browser, rendered from each session's own copy (a copy rendered
    # twice would hold its elements twice: streamlit_folium's render changes the map)
    for key in ("script", "html", "header", "js_links", "css_links", "key"):
        assert a[key] == b[key], key
    assert a["html"].count('<script type="application/json"') == b["html"].count('<script type="application/json"')
    # the second session renders again, whole: its page has every site of the first
    assert "window.ReindusMap.addSites" in b["script"] and "window.ReindusMap.finish" in b["script"]


def test_another_view_is_another_map(builds):
    first_screen(sector="datacenter", jobs_min="7", basemap="none", lang="en")
    first_screen(sector="datacenter", jobs_min="8", basemap="none", lang="en")
    assert len(builds) == 2


def test_the_whole_page_run_keeps_the_same_map(builds):
    at = first_screen(sector="semiconductors", basemap="none", lang="en", jobs_min="3")
    script = map_args(at)["script"]
    whole_page(at)
    assert map_args(at)["script"] == script
    assert len(builds) == 1


def test_an_upload_gets_its_own_map_never_shared(builds):
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["basemap"] = "none"
    whole_page(at)
    at.get("file_uploader")[0].upload("mine.csv", b"nom,commune,emplois\nAtelier X,Roubaix,12\n", "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    n = len(builds)
    at.run()  # (the same upload, the same view: built again, in this session only)
    assert len(builds) == n + 1
    assert "Atelier X" in json.dumps(map_args(at))
    other = first_screen(basemap="none")  # another visitor never sees it
    assert "Atelier X" not in json.dumps(map_args(other))


@pytest.mark.parametrize(
    "params",
    [{}, {"friches": "1", "dep": "59", "friche_status": "sans projet"}, {"mode": "present", "basemap": "none"}],
    ids=["default", "friches", "present"],
)
def test_the_map_rendered_once_is_the_map_rendered_whole_first(monkeypatch, params):
    # the app asks st_folium not to render the map's whole figure before the map (render=False):
    # what the browser gets must be what it gets when the whole figure is rendered first
    import streamlit_folium

    real, calls = streamlit_folium.st_folium, []

    def whole_first(fig, *args, **kwargs):
        calls.append(kwargs.get("render"))
        return real(fig, *args, **{**kwargs, "render": True})

    once = map_args(first_screen(**params))
    monkeypatch.setattr(streamlit_folium, "st_folium", whole_first)
    whole = map_args(first_screen(**params))
    assert calls == [False], "the app's map is no longer rendered once"
    for key in ("script", "html", "header", "js_links", "css_links"):
        assert once[key] == whole[key], key
