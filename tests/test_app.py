"""Tier 4: the layout logic with Streamlit's AppTest (URL → widgets, notices, modes, language)."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from geo.paths import ROOT, SITES_PATH

SITES = json.loads(SITES_PATH.read_text(encoding="utf-8"))["features"]
APP = str(ROOT / "app.py")


def run(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def ready(at: AppTest) -> str:
    """The page's readiness marker, where the browser tests read the site count."""
    return next(h.proto.body for h in at.html if 'id="app-ready"' in h.proto.body)


def qp(at: AppTest, key: str) -> list[str]:
    """A URL parameter as a list (AppTest keeps a single value as a plain string)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def notices(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.html if 'class="url-notice"' in h.proto.body]


def test_default_view_is_french_with_every_site():
    at = run()
    assert at.title[0].value == "Carte de la réindustrialisation"
    assert f'data-sites="{len(SITES)}"' in ready(at)
    assert [m.label for m in at.metric] == ["Sites", "Emplois annoncés", "Sur friche", "Investissement"]
    assert at.metric[0].value == str(len(SITES))
    assert notices(at) == []


def test_url_parameters_fill_the_widgets():
    at = run(sector=["leather-goods", "glass"], jobs_min="100", brownfield="yes", dep="43", q="meygal")
    assert at.multiselect(key="w_sectors").value == ["glass", "leather-goods"]
    assert at.number_input(key="w_jobs_min").value == 100
    assert at.radio(key="w_brownfield").value == "yes"
    assert at.multiselect(key="w_deps").value == ["43"]
    assert at.text_input(key="w_q").value == "meygal"
    assert 'data-sites="1"' in ready(at)
    # the jobs bound says that sites without a jobs figure are left out
    assert any("sans chiffre d'emplois" in c.value for c in at.sidebar.caption)


def test_bad_parameters_are_dropped_with_a_visible_notice():
    at = run(jobs_min="abc", sector=["unicorns", "glass"], lang="klingon", site="nope", dep="<script>")
    texts = " ".join(notices(at))
    for fragment in ("jobs_min=abc", "sector=unicorns", "lang=klingon", "site=nope", "dep=&lt;script&gt;"):
        assert fragment in texts
    assert "<script>" not in texts
    assert at.multiselect(key="w_sectors").value == ["glass"]
    assert at.number_input(key="w_jobs_min").value is None


def test_widget_change_rewrites_the_url():
    at = run()
    at.multiselect(key="w_sectors").set_value(["cloud-datacenters"]).run()
    at.radio(key="w_brownfield").set_value("yes").run()
    assert not at.exception
    assert qp(at, "sector") == ["cloud-datacenters"]
    assert qp(at, "brownfield") == ["yes"]
    expected = sum(
        1
        for f in SITES
        if f["properties"]["sector"] == "cloud-datacenters" and f["properties"]["brownfield"] is True
    )
    assert f'data-sites="{expected}"' in ready(at)


def test_english_everywhere_with_lang_en():
    at = run(lang="en")
    assert at.title[0].value == "Reindustrialisation map"
    assert [m.label for m in at.metric] == ["Sites", "Announced jobs", "On brownfields", "Investment"]
    assert at.multiselect(key="w_sectors").label == "Sector"
    assert {b.label for b in at.get("download_button")} >= {"Sites (CSV)", "Map (offline HTML)"}


def test_presenter_mode_has_no_widgets_and_keeps_the_filters():
    at = run(mode="present", sector="leather-goods")
    assert len(at.multiselect) == 0 and len(at.sidebar.text_input) == 0
    assert 'data-mode="present"' in ready(at) and 'data-sites="3"' in ready(at)
    assert any("kpi-row" in h.proto.body for h in at.html)
    at.button(key="tour_next").click().run()
    first = qp(at, "site")
    assert len(first) == 1
    at.button(key="tour_next").click().run()
    assert qp(at, "site") != first
    at.button(key="to_explore").click().run()
    assert "mode" not in at.query_params
    # back in the explorer, the filter is still there
    assert at.multiselect(key="w_sectors").value == ["leather-goods"]


def test_radius_search_around_a_commune():
    at = run(near="59512", km="15")
    count = int(ready(at).split('data-sites="')[1].split('"')[0])
    nord = [
        f for f in SITES if f["properties"]["dep"] == "59" and f["properties"]["insee"] in {"59163", "59512"}
    ]
    assert count == len(nord)  # Croix and Roubaix; Gravelines is ~70 km away


@pytest.mark.parametrize("text", ["Croix", "Nowhereville"])
def test_radius_search_never_guesses(text):
    at = run()
    at.text_input(key="w_near").set_value(text).run()
    assert "near" not in at.query_params
    assert f'data-sites="{len(SITES)}"' in ready(at)
