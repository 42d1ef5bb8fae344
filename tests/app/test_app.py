"""Tier 4: the layout logic with Streamlit's AppTest (URL → widgets, notices, modes, language)."""

import html
import json
import re

import pytest
from app_pages import APP, notices, ready, run
from streamlit.testing.v1 import AppTest

from geo.paths import SITES_PATH

SITES = json.loads(SITES_PATH.read_text(encoding="utf-8"))["features"]


def qp(at: AppTest, key: str) -> list[str]:
    """A URL parameter as a list (AppTest keeps a single value as a plain string)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


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


def tour_card(at: AppTest) -> str:
    return next(h.proto.body for h in at.html if 'data-testid="tour-card"' in h.proto.body)


@pytest.mark.parametrize(
    ("lang", "placeholders"),
    [
        ("fr", ["Tous les secteurs", "Tous les statuts", "Toutes les régions", "Tous les départements"]),
        ("en", ["All sectors", "All statuses", "All regions", "All départements"]),
    ],
)
def test_multiselect_placeholders_are_translated_not_choose_options(lang, placeholders):
    at = run(lang=lang)
    keys = ["w_sectors", "w_statuses", "w_regs", "w_deps"]
    assert [at.multiselect(key=k).proto.placeholder for k in keys] == placeholders


def share_link_of(at: AppTest) -> str:
    """The link in the share row's input (html-unescaped), checking there is exactly one."""
    (body,) = [h.proto.body for h in at.main.html if 'data-testid="share-link"' in h.proto.body]
    return html.unescape(re.search(r'<input[^>]* value="([^"]*)"', body)[1])


def test_share_link_is_visible_under_the_map_and_follows_the_filters():
    at = run(sector="glass", brownfield="yes")
    link = share_link_of(at)
    assert "?" in link and "sector=glass" in link and "brownfield=yes" in link
    assert any("Lien vers cette vue" in h.proto.body and "Copier" in h.proto.body for h in at.main.html)
    at.radio(key="w_brownfield").set_value("any").run()
    at.multiselect(key="w_sectors").set_value(["glass", "leather-goods"]).run()
    link = share_link_of(at)
    assert "sector=glass&sector=leather-goods" in link and "brownfield" not in link


def test_share_link_in_english_and_escaped():
    at = run(lang="en", q='"><script>x</script>')
    body = next(h.proto.body for h in at.main.html if 'data-testid="share-link"' in h.proto.body)
    assert "<script>x" not in body and "Link to this view" in body and ">Copy<" in body
    link = share_link_of(at)
    assert "lang=en" in link and "q=%22%3E%3Cscript%3Ex%3C%2Fscript%3E" in link


def test_charts_are_ranked_bars_with_escaped_labels():
    at = run()
    (sectors,) = [h.proto.body for h in at.main.html if "Par secteur" in h.proto.body]
    labels = re.findall(r'<div class="bar-label">([^<]*)</div>', sectors)
    values = [
        int(v.replace("\u202f", "")) for v in re.findall(r'<div class="bar-value">([^<]*)</div>', sectors)
    ]
    assert values == sorted(values, reverse=True) and sum(values) == len(SITES)
    assert len(labels) == len({f["properties"]["sector"] for f in SITES})
    widths = [float(w) for w in re.findall(r"width:([0-9.]+)%", sectors)]
    assert widths[0] == 100.0 and widths == sorted(widths, reverse=True)


def test_presenter_tour_card_says_how_to_start_then_names_the_site():
    at = run(mode="present")
    assert "Visite guidée : 10 site(s)" in tour_card(at)
    at.button(key="tour_next").click().run()
    card = tour_card(at)
    assert "Site 1 sur 10" in card
    first = qp(at, "site")[0]
    assert next(f["properties"]["name"] for f in SITES if f["properties"]["id"] == first) in card.replace(
        "&#x27;", "'"
    )
    at.button(key="tour_prev").click().run()  # wraps around to the last site
    assert "Site 10 sur 10" in tour_card(at)


def test_presenter_with_no_site_says_so_and_disables_the_tour():
    at = run(mode="present", q="no such site anywhere")
    assert "Aucun site à présenter" in tour_card(at)
    assert at.button(key="tour_next").disabled and at.button(key="tour_prev").disabled


@pytest.mark.parametrize("params", [{}, {"mode": "present", "sector": "leather-goods"}])
def test_no_deprecation_warnings_use_container_width(monkeypatch, params):
    from streamlit import deprecation_util

    logged: list[str] = []
    monkeypatch.setattr(deprecation_util, "_shown_warnings", set())  # some warn once per process
    monkeypatch.setattr(deprecation_util._LOGGER, "warning", lambda msg, *a, **k: logged.append(str(msg)))
    at = run(**params)
    if not params:
        at.multiselect(key="w_sectors").set_value(["glass"]).run()
    assert logged == []


def test_a_large_synthetic_file_given_with_the_environment_option(tmp_path, monkeypatch):
    """REINDUS_SITES points the app at another sites file; the table stays light past 5,000 rows."""
    from geo import synthetic

    path = synthetic.write(5_200, tmp_path / "synthetic.geojson", seed=3)
    monkeypatch.setenv("REINDUS_SITES", str(path))
    at = run()
    assert 'data-sites="5200"' in ready(at)
    assert at.metric[0].value == "5\u202f200"
    assert any("5\u202f000" in c.value and "5\u202f200" in c.value for c in at.caption)
    (table,) = at.dataframe
    assert len(table.value) == 5_000


def test_a_first_screen_starts_the_maps_served_reads_from_the_page(tmp_path, monkeypatch):
    """Issue 14: with its sites served as a file, a session's first screen starts the map's
    workers from the page as soon as it has the map's element (mapview.early_page_script),
    in the element right after the map's, whose place the whole page's link row takes."""
    from geo import synthetic

    path = synthetic.write(2_100, tmp_path / "synthetic.geojson", seed=3)
    monkeypatch.setenv("REINDUS_SITES", str(path))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    early = [h.proto for h in at.html if "ReindusEarly.start(" in h.proto.body]
    assert len(early) == 1 and early[0].unsafe_allow_javascript
    assert "/app/static/cache/sites-" in early[0].body
    at.run()  # (the whole page)
    assert not at.exception, [e.message for e in at.exception]
    assert 'data-sites="2100"' in ready(at)
    assert not [h for h in at.html if "ReindusEarly.start(" in h.proto.body]


@pytest.mark.parametrize(("km", "shown"), [("500", 300.0), ("0.5", 1.0), ("1000", 300.0), ("12.5", 12.5)])
def test_radius_link_out_of_the_sliders_bounds_gives_a_notice_not_an_exception(km, shown):
    """Regression: ?near=59512&km=500 or km=0.5 raised a Streamlit exception; km=12.5 became 12."""
    at = run(near="59512", km=km)
    assert at.slider(key="w_km").value == shown
    assert qp(at, "km") == ([] if shown == 20 else [str(int(shown)) if shown.is_integer() else str(shown)])
    assert bool(notices(at)) == (km != "12.5")


def test_jobs_bounds_the_wrong_way_round_in_the_sidebar_are_swapped_as_a_link_is():
    """Regression: min 600 / max 100 in the sidebar gave 0 sites, the same link 1 site."""
    by_hand = run()
    by_hand.number_input(key="w_jobs_max").set_value(100).run()
    by_hand.number_input(key="w_jobs_min").set_value(600).run()
    by_link = run(jobs_min="600", jobs_max="100")
    for at in (by_hand, by_link):
        assert (qp(at, "jobs_min"), qp(at, "jobs_max")) == (["100"], ["600"])
        assert (at.number_input(key="w_jobs_min").value, at.number_input(key="w_jobs_max").value) == (100, 600)
    assert ready(by_hand) == ready(by_link)
    assert notices(by_hand) == notices(by_link) != []


def test_url_notices_go_away_when_the_user_changes_the_state_and_never_stack():
    """Regression: notices stayed after a filter change and stacked up."""
    at = run(sector="unicorns", jobs_min="abc")
    assert len(notices(at)) == 2
    at.multiselect(key="w_sectors").set_value(["glass"]).run()
    assert notices(at) == []
    at.multiselect(key="w_sectors").set_value(["glass", "food"]).run()
    assert notices(at) == []


def test_presenter_mode_shows_the_links_notices_too():
    at = run(mode="present", sector="unicorns")
    assert any("sector=unicorns" in n for n in notices(at))


def test_a_long_search_in_a_link_is_said_to_be_cut_not_ignored():
    at = run(q="usine " * 50)
    (notice,) = notices(at)
    assert "tronquée à 200" in notice and "ignoré" not in notice


def test_radius_panel_stays_open_with_its_message_when_the_commune_is_ambiguous():
    """Regression: the radius panel collapsed on an ambiguous commune, hiding its own message."""
    at = run()
    at.text_input(key="w_near").set_value("Croix").run()
    (expander,) = [e for e in at.sidebar.expander if e.label == "Autour d'une commune"]
    assert expander.proto.expanded
    assert any("59163" in c.value and "90030" in c.value for c in expander.caption)


def test_a_radius_typed_in_the_sidebar_goes_to_the_url_with_its_radius():
    at = run()
    at.text_input(key="w_near").set_value("Roubaix").run()
    at.slider(key="w_km").set_value(12.5).run()
    assert qp(at, "near") == ["59512"] and qp(at, "km") == ["12.5"]


def test_reset_keeps_the_language_and_clears_the_filters():
    at = run(lang="en", sector="glass", q="verre")
    at.button(key=next(b.key for b in at.sidebar.button if b.label == "Reset filters")).click().run()
    assert dict(at.query_params) == {"lang": "en"} or qp(at, "lang") == ["en"]
    assert "sector" not in at.query_params and at.multiselect(key="w_sectors").value == []


def test_layers_hidden_in_a_link_are_named_in_the_sidebar_and_kept_in_the_url():
    at = run(hide=["glass", "communes"])
    assert qp(at, "hide") == ["communes", "glass"]
    assert any("Masqués sur la carte" in c.value and "Verre" in c.value for c in at.sidebar.caption)
    at.multiselect(key="w_sectors").set_value(["food"]).run()
    assert qp(at, "hide") == ["communes", "glass"]


def test_a_map_report_opens_a_site_and_closing_its_card_removes_it_from_the_url():
    """What the map's runtime sends (a card opened, closed; a basemap chosen) changes the one state."""
    at = run()
    site = SITES[0]["properties"]["id"]
    tag = at.session_state["_session"].map.tag  # the map on screen's
    at.session_state["map"] = {"rc": {"site": site, "basemap": "osm", "hide": ["glass"], "tag": tag}}
    from ui import session

    with_session(at, session.on_map_report)
    at.run()
    assert qp(at, "site") == [site] and qp(at, "basemap") == ["osm"] and qp(at, "hide") == ["glass"]
    assert at.selectbox(key="w_basemap").value == "osm"
    at.session_state["map"] = {"rc": {"site": None, "basemap": "osm", "hide": [], "tag": tag}}
    with_session(at, session.on_map_report)
    at.run()
    assert "site" not in at.query_params and "hide" not in at.query_params


def test_a_report_from_a_map_no_longer_on_screen_is_not_applied():
    """A tour step builds the map again: a late report of the old one must not undo it."""
    at = run(mode="present")
    at.button(key="tour_next").click().run()
    opened = qp(at, "site")
    at.session_state["map"] = {"rc": {"site": None, "basemap": "plan-ign", "hide": [], "tag": "an-old-map"}}
    from ui import session

    with_session(at, session.on_map_report)
    at.run()
    assert qp(at, "site") == opened


def test_a_marker_clicked_before_the_closed_cards_url_reached_the_browser_opens_its_site():
    """Regression (a fanned-out marker clicked ~0.5 s after closing a card, 10,000 sites: no
    site= in the URL, and the closed card back): the click's run came with the query string
    the browser still showed, the closed card's site=, as the closing run's URL had not
    reached it yet; the app took it for a link followed, opened the closed card again on a
    map built anew and dropped the click."""
    from ui import session

    a, b = "strasbourg-2crsi", "strasbourg-ovhcloud-datacenter"
    at = run(site=a)
    tag = at.session_state["_session"].map.tag
    at.session_state["map"] = {"rc": {"site": None, "basemap": "plan-ign", "hide": [], "tag": tag}}
    with_session(at, session.on_map_report)
    at.run()
    assert "site" not in at.query_params
    for clicked in (b, a):  # another site, or the one just closed again
        at.query_params["site"] = a  # (the URL the browser showed when the user clicked)
        at.session_state["map"] = {"rc": {"site": clicked, "basemap": "plan-ign", "hide": [], "tag": tag}}
        with_session(at, session.on_map_report)
        at.run()
        assert at.session_state["_session"].state.view.site == clicked
        assert qp(at, "site") == [clicked]
        assert at.session_state["_session"].map.tag == tag  # the map on screen kept, not built again
        at.session_state["map"] = {"rc": {"site": None, "basemap": "plan-ign", "hide": [], "tag": tag}}
        with_session(at, session.on_map_report)
        at.run()


def test_two_filters_changed_in_quick_succession_are_both_kept():
    """Regression (same cause as above, any widget): a search typed while the run of a sector
    ticked just before was still on its way came with the URL before the sector; the app
    read it as a link followed and dropped both the sector and the search."""
    at = run()
    at.multiselect(key="w_sectors").set_value(["glass"]).run()
    assert qp(at, "sector") == ["glass"]
    at.query_params.clear()  # (the URL the browser still showed when the user typed)
    at.text_input(key="w_q").set_value("verre").run()
    assert qp(at, "sector") == ["glass"] and qp(at, "q") == ["verre"]
    assert at.multiselect(key="w_sectors").value == ["glass"] and at.text_input(key="w_q").value == "verre"


def test_a_site_opened_on_a_hidden_layer_shows_its_layer():
    """Regression: ``?site=strasbourg-2crsi&hide=servers-electronics`` (a link, or a table row
    ticked with its sector switched off in the layer control) kept site= in the URL while
    no card opened: the card's marker was in a hidden layer. The open site's layer is shown."""
    at = run(site="strasbourg-2crsi", hide=["servers-electronics", "regions"])
    assert qp(at, "site") == ["strasbourg-2crsi"]
    assert qp(at, "hide") == ["regions"]
    assert at.session_state["_session"].state.view.hide == ("regions",)
    at = run(site="strasbourg-ovhcloud-datacenter", hide="servers-electronics")  # another sector's
    assert qp(at, "hide") == ["servers-electronics"]


def test_the_back_button_still_restores_the_view_of_the_url_it_goes_back_to():
    """A run no action in the page caused (the back button) reads its URL (the fix above must not ignore it)."""
    at = run()
    at.multiselect(key="w_sectors").set_value(["glass"]).run()
    assert qp(at, "sector") == ["glass"]
    at.query_params.clear()  # the previous URL, as the back button sends it
    at.run()
    assert at.multiselect(key="w_sectors").value == []
    assert at.session_state["_session"].state.spec.sectors == ()


def with_session(at: AppTest, callback) -> None:
    """Run a session callback against the AppTest's session state, as Streamlit would before a rerun."""
    import streamlit as st

    real = st.session_state
    try:
        st.session_state = at.session_state  # type: ignore[misc]
        callback()
    finally:
        st.session_state = real  # type: ignore[misc]


def test_a_broken_data_file_is_explained_without_the_servers_path(tmp_path, monkeypatch):
    """Regression: the data-error page showed every visitor the server's absolute path."""
    broken = tmp_path / "recover.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    monkeypatch.setenv("REINDUS_SITES", str(broken))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    (page,) = [h.proto.body for h in at.html if "data-error" in h.proto.body]
    assert "recover.geojson" in page and str(tmp_path) not in page


@pytest.mark.parametrize(
    ("params", "label"),
    [({"q": "strasbourg"}, "Emplois annoncés"), ({"sector": "leather-goods"}, "Investissement")],
)
def test_unknown_figures_read_nc_not_zero(params, label):
    """Regression: ?q=strasbourg showed "Emplois annoncés 0", leather goods "Investissement 0 €"."""
    at = run(**params)
    metric = next(m for m in at.metric if m.label == label)
    assert metric.value == "n.c."


def test_a_figure_resting_on_part_of_the_sites_says_so():
    at = run()
    with_jobs = sum(1 for f in SITES if f["properties"]["jobs"] is not None)
    assert any(c.value == f"sur {with_jobs} des {len(SITES)} sites" for c in at.main.caption)
    present = run(mode="present")
    row = next(h.proto.body for h in present.html if "kpi-row" in h.proto.body)
    assert f"sur {with_jobs} des {len(SITES)} sites" in row


def test_regions_without_a_jobs_figure_read_nc_in_the_chart():
    at = run()
    (chart,) = [h.proto.body for h in at.main.html if "Par région" in h.proto.body]
    rows = dict(re.findall(r'bar-label">([^<]*)</div>.*?bar-value">([^<]*)</div>', chart))
    assert rows["Grand Est"] == "n.c." and rows["Normandie"] == "n.c."  # no site there gives a jobs figure
    assert rows["Hauts-de-France"] not in ("n.c.", "0")


def test_brownfield_unknown_is_a_value_of_its_own():
    at = run(brownfield="unknown")
    unknown = sum(1 for f in SITES if f["properties"]["brownfield"] is None)
    assert f'data-sites="{unknown}"' in ready(at)
    assert at.radio(key="w_brownfield").value == "unknown"
    assert f"Non renseigné ({unknown})" in at.radio(key="w_brownfield").options


def opened(props) -> int | None:
    return props.get("opened")


def first_year(props) -> int | None:
    """The year a site enters the presenter's timeline: announced or opened, the earlier."""
    years = [y for y in (props.get("opened"), int(props["announced"][:4]) if props.get("announced") else None) if y]
    return min(years) if years else None


def test_a_year_range_from_a_link_reads_the_announcement_year_by_default():
    """Done-when of issue 12: ?year_min=2016&year_max=2018 shows exactly the sites announced then."""
    at = run(year_min="2016", year_max="2018")
    announced = [f for f in SITES if f["properties"].get("announced") and 2016 <= int(f["properties"]["announced"][:4]) <= 2018]
    undated = sum(1 for f in SITES if not f["properties"].get("announced"))
    assert f'data-sites="{len(announced)}"' in ready(at)
    assert any(f"{undated} site(s) sans cette date" in c.value for c in at.sidebar.caption)


def test_a_year_range_from_a_link_selects_the_sites_opened_then_and_says_how_many_have_no_date():
    at = run(year_min="2015", year_max="2020", year_of="opened")
    inside = [f for f in SITES if opened(f["properties"]) is not None and 2015 <= opened(f["properties"]) <= 2020]
    undated = sum(1 for f in SITES if opened(f["properties"]) is None)
    assert f'data-sites="{len(inside)}"' in ready(at)
    assert at.slider(key="w_year_min_year_max").value == (2015, 2020)
    assert any(f"{undated} site(s) sans cette date" in c.value for c in at.sidebar.caption)
    (chart,) = [h.proto.body for h in at.main.html if 'data-testid="years"' in h.proto.body]
    assert "Par année d&#x27;ouverture" in chart


def test_the_year_slider_moved_by_hand_goes_to_the_url_and_its_ends_mean_no_bound():
    at = run(year_of="opened")
    years = sorted({opened(f["properties"]) for f in SITES if opened(f["properties"]) is not None})
    at.slider(key="w_year_min_year_max").set_value((years[1], years[-1])).run()
    assert qp(at, "year_min") == [str(years[1])] and "year_max" not in at.query_params
    at.slider(key="w_year_min_year_max").set_value((years[0], years[-1])).run()
    assert "year_min" not in at.query_params


def test_year_bounds_the_wrong_way_round_are_swapped_like_jobs():
    at = run(year_min="2020", year_max="2012")
    assert (qp(at, "year_min"), qp(at, "year_max")) == (["2012"], ["2020"])
    assert any("2012–2020" in n for n in notices(at))


def test_the_presenters_timeline_steps_through_the_years_and_is_in_the_url():
    at = run(mode="present")
    at.button(key="timeline").click().run()
    years = sorted({first_year(f["properties"]) for f in SITES if first_year(f["properties"]) is not None})
    assert qp(at, "timeline") == [str(years[0])]
    first = sum(1 for f in SITES if first_year(f["properties"]) == years[0])
    assert f'data-sites="{first}"' in ready(at)
    assert str(years[0]) in tour_card(at)
    at.button(key="tour_next").click().run()
    assert qp(at, "timeline") == [str(years[1])]
    by_then = sum(1 for f in SITES if first_year(f["properties"]) is not None and first_year(f["properties"]) <= years[1])
    assert f'data-sites="{by_then}"' in ready(at)
    assert f"{by_then} site(s) en tout" in tour_card(at)
    # a brownfield's former closure is said in its year
    yss = next(f["properties"] for f in SITES if f["properties"]["id"] == "yssingeaux-ateliers-du-meygal")
    at = run(mode="present", timeline=str(yss["opened"]))
    assert f"fermée en {yss['former_closed']}" in tour_card(at)
    # the last year: next is disabled, the timeline stops there
    at = run(mode="present", timeline=str(years[-1]))
    assert at.button(key="tour_next").disabled
    at.button(key="timeline").click().run()
    assert "timeline" not in at.query_params


def test_a_first_visit_draws_its_first_screen_then_the_whole_page_once_the_map_is_drawn():
    """Issue 14: a session's first run draws the head, the figures and the map only (the
    sidebar's widgets, the table and the exports would load the browser beside the map);
    the map's report that its markers are drawn brings the whole page, with the same map
    and the link's notices kept (a report is no change of the state)."""
    from ui import session

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["dep"] = "59"
    at.query_params["sector"] = "no-such-sector"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    page = " ".join(h.proto.body for h in at.html)
    assert 'id="rc-first-screen"' in page and 'id="app-ready"' not in page
    assert not at.sidebar.multiselect and not at.dataframe and not at.get("download_button")
    assert [c.value for c in at.sidebar.caption] == ["Chargement des filtres…"]
    # the head's figures as plain HTML, the metrics' code not needed yet (ui.panels.kpi_row)
    assert not at.metric and not at.button and 'class="kpi-first"' in page
    figures = [(m.label, m.value) for m in panels_kpis(at)]
    captions = [c.value for c in at.main.caption]  # (the head's, then the figures' notes)
    first_notices = notices(at)
    assert len(first_notices) == 1 and "no-such-sector" in first_notices[0]
    tag = at.session_state["_session"].map.tag
    at.session_state["map"] = {"rc": {"drawn": True, "tag": tag}}
    with_session(at, session.on_map_report)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    page = " ".join(h.proto.body for h in at.html)
    assert 'id="app-ready"' in ready(at) and 'rc-first-screen' not in page
    assert at.sidebar.multiselect and at.dataframe and at.get("download_button")
    assert [(m.label, m.value) for m in at.metric][:4] == figures and 'class="kpi-first"' not in page
    # the same notes, in the same places: only each figure's first element was replaced
    assert len(captions) > 2 and [c.value for c in at.main.caption][: len(captions)] == captions
    assert at.button(key="to_present")
    assert notices(at) == first_notices
    assert at.session_state["_session"].map.tag == tag  # the map on screen is kept, not built again
    assert qp(at, "dep") == ["59"]


def panels_kpis(at: AppTest) -> list:
    """The first screen's figures (label, value), read from their HTML cells."""
    from types import SimpleNamespace

    page = " ".join(h.proto.body for h in at.html)
    cells = re.findall(r'kpi-first-label">([^<]*)</div><div class="kpi-first-value">([^<]*)<', page)
    return [SimpleNamespace(label=html.unescape(a), value=html.unescape(b)) for a, b in cells]


def test_the_first_screen_comes_once_per_session():
    """A later run of the session (a filter, a link followed, the back button) draws the whole page."""
    at = run()
    at.query_params["dep"] = "59"  # (a link followed in the same session: the URL changed under the app)
    at.run()
    assert 'id="app-ready"' in ready(at) and at.sidebar.multiselect
