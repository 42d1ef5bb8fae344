"""Tier 4: the sites table in the page: no "None", unknown figures "n.c.", most jobs first."""

import json

from app_pages import APP, run, whole_page
from streamlit.testing.v1 import AppTest

from geo.paths import SITES_PATH


def test_the_table_read_none_where_a_figure_is_unknown():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = "strasbourg"
    whole_page(at)
    (table,) = at.dataframe
    frame = table.value
    assert len(frame) == 2
    assert not frame.astype(str).isin(["None", "nan", "<NA>"]).any().any()
    assert set(frame["Emplois"]) == {"n.c."} and set(frame["Investissement"]) == {"n.c."}


def test_the_table_lists_the_most_jobs_first():
    at = whole_page(AppTest.from_file(APP, default_timeout=60))
    jobs = list(at.dataframe[0].value["Emplois"])
    known = [int(j.replace("\u202f", "")) for j in jobs if j != "n.c."]
    assert known == sorted(known, reverse=True) and known[0] == 700
    assert jobs[len(known) :] == ["n.c."] * (len(jobs) - len(known))


# -- a row selected is the site selected (issue 10) ------------------------------------------------

SITES = {
    f["properties"]["name"]: f["properties"]["id"] for f in json.loads(SITES_PATH.read_text("utf-8"))["features"]
}


def select_row(at: AppTest, rows: list[int]) -> AppTest:
    """What the browser sends when the user ticks a row (or unticks it: ``[]``): the table's
    widget state, by the row's position in the frame the app drew; Streamlit runs the callback."""
    (table,) = at.dataframe
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = table.proto.id
    state.string_value = json.dumps({"selection": {"rows": rows, "columns": [], "cells": []}})
    at._run(states)
    assert not at.exception, [e.message for e in at.exception]
    return at


def selected_rows(at: AppTest) -> list[int]:
    """The rows the app told the table to select on this run."""
    (table,) = at.dataframe
    return json.loads(table.proto.selection_state)["selection"]["rows"]


def site_param(at: AppTest) -> str | None:
    value = at.query_params.get("site")
    return value[0] if isinstance(value, list) else value


def test_a_row_clicked_opens_its_site_in_the_url_and_on_the_map():
    at = run()
    names = list(at.dataframe[0].value["Nom"])
    select_row(at, [2])
    expected = SITES[names[2]]
    assert site_param(at) == expected
    assert at.session_state["_session"].map.built["site"] == expected  # the map built with its card open
    assert selected_rows(at) == [2]
    share = next(h.proto.body for h in at.html if 'data-testid="share-link"' in h.proto.body)
    assert f"site={expected}" in share


def test_a_row_unticked_closes_the_site():
    at = run()
    select_row(at, [0])
    assert site_param(at) is not None
    select_row(at, [])
    assert site_param(at) is None


def test_the_row_of_a_site_opened_elsewhere_is_selected_and_follows_the_state():
    """A link (or a marker) opens a site: its row is ticked; a filter that hides it, or the
    card's ×, leaves no stale row ticked, and the URL keeps no site."""
    at = run()
    names = list(at.dataframe[0].value["Nom"])
    at = run(site=SITES[names[3]])
    assert selected_rows(at) == [3]
    from ui import session

    tag = at.session_state["_session"].map.tag
    at.session_state["map"] = {"rc": {"site": None, "basemap": "plan-ign", "hide": [], "tag": tag}}
    with_session(at, session.on_map_report)
    at.run()
    assert site_param(at) is None and selected_rows(at) == []
    # the same row ticked again: the card the user closed opens again (a new map, not the same one)
    select_row(at, [3])
    assert site_param(at) == SITES[names[3]]
    assert at.session_state["_session"].map.tag != tag


def test_a_filter_that_hides_the_selected_site_unticks_its_row():
    at = run()
    names = list(at.dataframe[0].value["Nom"])
    croix = names.index("Usine de serveurs OVHcloud de Croix")
    select_row(at, [croix])
    at.query_params["q"] = "strasbourg"
    at.run()  # (a new URL: a link pasted)
    assert site_param(at) is None and selected_rows(at) == []


def test_rows_map_to_sites_by_id_whatever_the_tables_order():
    """Row positions are those of the frame drawn (sorting in the browser keeps them): each
    position opens the site of that row's name, not the n-th site of the data file."""
    at = run()
    names = list(at.dataframe[0].value["Nom"])
    for position in (0, len(names) - 1):
        select_row(at, [position])
        assert site_param(at) == SITES[names[position]]


def with_session(at: AppTest, callback) -> None:
    import streamlit as st

    real = st.session_state
    try:
        st.session_state = at.session_state  # type: ignore[misc]
        callback()
    finally:
        st.session_state = real  # type: ignore[misc]


def test_a_row_of_the_users_own_sites_opens_it_too():
    at = run()
    at.get("file_uploader")[0].upload("mes-sites.csv", b"nom;commune;emplois\nMa fabrique;Roubaix;9999\n", "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    names = list(at.dataframe[0].value["Nom"])
    assert names[0] == "Ma fabrique"  # (the most jobs: first)
    select_row(at, [0])
    assert site_param(at) == "upload-1"
    assert at.session_state["_session"].map.built["site"] == "upload-1"


def test_the_row_a_page_behind_the_server_still_shows_ticked_is_no_choice():
    """Regression (a card closed, then another marker clicked before the closing run reached
    the page): the click's run carried the page's old table selection, the closed site's
    row, as if ticked; its callback reopened the closed card instead of the one clicked."""
    from ui import session

    at = run()
    names = list(at.dataframe[0].value["Nom"])
    closed, clicked = SITES[names[3]], SITES[names[4]]
    at = run(site=closed)
    tag = at.session_state["_session"].map.tag
    at.session_state["map"] = {"rc": {"site": None, "basemap": "plan-ign", "hide": [], "tag": tag}}
    with_session(at, session.on_map_report)
    at.run()  # (the ×: no site in the URL, no row ticked; the page has not received this run)
    assert site_param(at) is None and selected_rows(at) == []
    at.query_params["site"] = closed  # what the page still shows: the closed card's URL, its row ticked
    at.session_state["map"] = {"rc": {"site": clicked, "basemap": "plan-ign", "hide": [], "tag": tag}}
    with_session(at, session.on_map_report)  # (the map's callback, then the table's, in one run)
    select_row(at, [3])
    assert site_param(at) == clicked and selected_rows(at) == [4]
