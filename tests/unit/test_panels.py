"""Tier 1: the page's pure HTML helpers (escaping, ranking)."""

from ui.panels import bars_html


def test_bars_escape_their_labels():
    body = bars_html(
        "<b>t</b>", [("<img src=x onerror=alert(1)>", 3, "red"), ("b", 6, "#123456")], "u", "fr"
    )
    assert "<img" not in body and "&lt;img src=x" in body and "<b>t" not in body
    assert body.index(">b<") < body.index("&lt;img")  # largest first
    assert "width:100.0%" in body and "width:50.0%" in body
    unknown = bars_html("t", [("a", None, "red"), ("b", 0, "red")], "u", "fr")
    assert unknown.index(">b<") < unknown.index(">a<") and ">n.c.<" in unknown and ">0<" in unknown




def test_the_servers_upload_limit_is_the_apps():
    """Regression: the server buffered 200 MB uploads before the app's 5 MB check refused them."""
    import tomllib

    from geo.paths import ROOT
    from geo.upload import MAX_UPLOAD_MB

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB


def test_the_filters_in_words_name_each_active_filter():
    import pandas as pd

    from geo.state import State
    from ui.panels import filters_in_words

    names = {"reg": pd.Series({"32": "Hauts-de-France"}), "dep": pd.Series({"59": "Nord"}),
             "commune": pd.Series({"59512": "Roubaix"})}  # fmt: skip
    state = State().replace(sectors=("glass",), jobs_min=100, deps=("59",), near="59512", km=12.5, brownfield="unknown")
    words = filters_in_words(state, names, "fr")
    assert words == "Secteur : Verre · Emplois 100–… · Reconversion de friche : non renseigné · Département : Nord (59) · 12,5 km autour de Roubaix"
    assert filters_in_words(State(), names, "en") == "All sites"


def test_the_chart_by_year_counts_unknown_years_apart_and_stacks_sectors():
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from ui.panels import years_html

    sites = gpd.GeoDataFrame(
        {
            "sector": ["glass", "food", "glass", "food"],
            "jobs": pd.array([10, None, 5, None], dtype="Int64"),
            "opened": pd.array([2020, 2020, None, 2018], dtype="Int64"),
            "announced_year": pd.array([None, None, None, None], dtype="Int64"),
        },
        geometry=[Point(2, 46)] * 4,
        crs=4326,
    )
    chart = years_html(sites, "opened", "fr")
    assert chart.index(">2018<") < chart.index(">2020<")
    assert "2 site(s) · 10 emplois" in chart and "1 site(s) · n.c. emplois" in chart
    assert chart.count('class="seg"') == 3  # 2020: glass and food stacked; 2018: food
    assert "Année n.c." in chart and chart.rindex("1 site(s) · 5 emplois") > chart.index("Année n.c.")
    nothing = years_html(sites, "announced", "en")
    assert "Year n/a" in nothing and "4 site(s) · 15 jobs" in nothing and 'class="seg"' not in nothing
