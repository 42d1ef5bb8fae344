"""The one module that touches ``st.session_state``: the view's state path.

Every run reads the state once (:func:`load`: from the URL when the URL changed under the
app — first visit, a pasted link, the back button — else the session's own copy); every
user action changes that one state through :func:`change` (widgets bind with
:func:`bind`, the map reports through :func:`on_map_report`, buttons call
:func:`change`); the URL is written from it once (:func:`write_url`). Notices belong to
the change that produced them: the next change replaces them.

The rest of the app receives plain values: a :class:`geo.state.State`, notices, the
user's upload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import streamlit as st

from geo.state import Known, Notice, State, from_query, normalize, param, to_query

_KEY = "_session"
_SHOWN = "_first_screen_shown"  # a run of this session has ended (see first_screen())
# A first screen's map that cannot say it drew (its scripts failed) gets the rest of the page after this
FIRST_SCREEN_WAIT_S = 4.0
MAP_KEY = "map"  # st_folium's key: its value is the map's last report
MAP_FIELDS = ("site", "friche", "basemap", "hide")  # what the map itself can change (cards, layer control)


@dataclass
class _MapSync:
    """What the map on screen was built with, and what it reported since.

    The map keeps its own instance (no reload, no jump) while the only changes are the
    ones it reported itself: a card opened or closed, a layer switched. Any other change
    (a filter, the tour, a link) builds it again with the whole state."""

    rest: object = None
    built: dict = field(default_factory=dict)
    reported: dict = field(default_factory=dict)
    tag: str | None = None
    builds: int = 0  # (a map built again with the same values is a new map: its tag differs)


@dataclass
class _Session:
    state: State
    notices: list[Notice]
    written: dict | None = None
    near_text: str = ""
    near_message: str = ""
    map: _MapSync = field(default_factory=_MapSync)
    upload: object = None  # (file_id, result, joined frame, frame of all sites) of the user's upload
    upload_removed: bool = False
    acted: bool = False  # an action in the page (a callback) came before this run: see load()


def _query() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _session() -> _Session:
    return st.session_state[_KEY]


def load(known: Known) -> State:
    """The state of this run: the URL's when it changed under the app, else the session's.

    A run that follows an action in the page (a widget's, the map's or a button's callback,
    which Streamlit runs before the script) keeps the session's state whatever query string
    came with it: that is the URL the browser showed when the user acted, which may predate
    the one the previous run wrote (a card closed, then another marker clicked before the
    new URL reached the browser) -- reading it would undo the previous change and drop
    this one. Only a run no action in the page caused (first visit, the back button) reads
    the URL."""
    session = st.session_state.get(_KEY)
    query = _query()
    if session is None or (query != session.written and not session.acted):
        state, notices = from_query(query, known)
        upload = session.upload if session is not None else None
        session = _Session(state, notices, near_text=state.spec.near or "", upload=upload)
        st.session_state[_KEY] = session
    session.acted = False
    return session.state


def state() -> State:
    return _session().state


def friches_wanted() -> bool:
    """Whether this run may show friches: the layer is on, or the URL names a friche parameter
    (the app reads the inventory only then, not at every first page)."""
    session = st.session_state.get(_KEY)
    return any(key.startswith("friche") for key in st.query_params) or (
        session is not None and session.state.view.friches
    )


def first_screen() -> bool:
    """Whether this run is the session's first (issue 14: the first visit draws its first
    screen, the head, the figures and the map, before the rest of the page).

    What else the page holds -- the sidebar's widgets, the charts, the table, the exports --
    loads a browser's main thread and the server with two megabytes of Streamlit's element
    code while the map's own scripts and sites load beside them. The first run draws the
    map alone with its head (:func:`rest_of_page_later`); the map's report that its markers
    are drawn (:func:`on_map_report`) brings the next run, which draws the whole page."""
    return not st.session_state.get(_SHOWN, False)


FIRST_SCREEN_ID = "rc-first-screen"  # the map's runtime reports its markers drawn when the page holds it


def rest_of_page_later(seconds: float = FIRST_SCREEN_WAIT_S) -> None:
    """End a first screen: the element whose presence asks the map to report once its
    markers are drawn (geo/mapview/static/runtime.js, ``reportDrawn``), and a timer that
    brings the rest of the page anyway after ``seconds`` (a map that cannot draw or speak).
    The next full run drops the timer (Streamlit clears a fragment's timer with it)."""
    st.html(f'<div id="{FIRST_SCREEN_ID}" hidden></div>')

    @st.fragment(run_every=seconds)
    def _rest_of_page() -> None:
        if st.session_state.get(_SHOWN):  # (the timer's run; not the first run's own call)
            st.rerun()

    _rest_of_page()


def notices() -> list[Notice]:
    return _session().notices


def _acted() -> None:
    """A callback ran: the next run follows an action in the page (see load())."""
    session = st.session_state.get(_KEY)
    if session is not None:
        session.acted = True


def change(**fields: object) -> None:
    """Change the state (FilterSpec or ViewState fields); its notices replace the old ones."""
    _acted()
    session = _session()
    session.state, session.notices = normalize(session.state.replace(**fields))


def reset(**kept: object) -> None:
    """Back to the default state, keeping the fields in ``kept`` (e.g. the language)."""
    _acted()
    session = _session()
    session.state, session.notices = State().replace(**kept), []
    session.near_text, session.near_message = "", ""


def write_url() -> None:
    """Write the state to the query string, once per run (only when it changed: from the
    query string this run came with, or from what the app last wrote, which the browser may
    have received after it sent this run's query string)."""
    session = _session()
    query = to_query(session.state)
    if query != _query() or (session.written is not None and query != session.written):
        st.query_params.from_dict(query)
    session.written = query
    session.acted = False  # (a change made by the run itself is no action in the page)
    st.session_state[_SHOWN] = True  # (the next run is no first screen: see first_screen())


# -- widgets ------------------------------------------------------------------------------------


def bind(name: str, to_widget: Callable = lambda v: v, from_widget: Callable = lambda v: v) -> dict:
    """Keyword arguments that bind a widget to URL parameter ``name``: its key (``w_<field>``),
    its value put there from the state before it is drawn, and a callback that changes the
    state when the user changes it."""
    field_name = param(name).field
    key = f"w_{field_name}"
    value = to_widget(state().get(field_name))
    st.session_state[key] = list(value) if isinstance(value, tuple) else value
    return {"key": key, "on_change": _widget_changed, "args": (key, field_name, from_widget)}


def bind_range(low_name: str, high_name: str, lowest: int, highest: int) -> dict:
    """A range slider bound to two parameters (``year_min``, ``year_max``): it spans
    ``lowest``–``highest`` (the data's), and an end left at the data's extreme is no bound."""
    low_field, high_field = param(low_name).field, param(high_name).field
    low, high = state().get(low_field), state().get(high_field)
    key = f"w_{low_field}_{high_field}"
    st.session_state[key] = (
        min(max(low if low is not None else lowest, lowest), highest),
        max(min(high if high is not None else highest, highest), lowest),
    )
    return {"key": key, "on_change": _range_changed, "args": (key, low_field, high_field, lowest, highest)}


def _range_changed(key: str, low_field: str, high_field: str, lowest: int, highest: int) -> None:
    low, high = st.session_state[key]
    change(**{low_field: None if low <= lowest else low, high_field: None if high >= highest else high})


def _widget_changed(key: str, field_name: str, from_widget: Callable) -> None:
    value = from_widget(st.session_state[key])
    change(**{field_name: tuple(value) if isinstance(value, list) else value})


TABLE_KEY = "w_table"


def bind_table(ids: list[str]) -> dict:
    """Keyword arguments that bind the sites table's row selection to the state's ``site``.

    ``ids`` are the site ids of the table's rows, in the order of the frame it is drawn
    from. Before the table is drawn, the open site's row is selected (no row when no site
    is open, or when it is not in the table): the table mirrors the state, whatever
    changed it (a marker, the card's ×, a filter, a link), and never keeps a stale row.
    The user's selection goes through :func:`change` by the row's site id: Streamlit
    reports rows by their position in that frame, which sorting in the browser keeps."""
    site = state().view.site
    rows = [ids.index(site)] if site is not None and site in ids else []
    st.session_state[TABLE_KEY] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    return {
        "key": TABLE_KEY,
        "on_select": partial(_table_selected, tuple(ids)),
        "selection_mode": "single-row",
    }


def _table_selected(ids: tuple[str, ...]) -> None:
    """A row selected (its site opens; a friche's card closes: the map shows one card) or unselected."""
    rows = ((st.session_state.get(TABLE_KEY) or {}).get("selection") or {}).get("rows") or []
    position = rows[0] if rows and isinstance(rows[0], int) else None
    if position is not None and 0 <= position < len(ids):
        if ids[position] in st.query_params.get_all("site"):
            # The row of the site the page's URL shows open: the page sends back the selection
            # it was drawn with, from before a run it has not received yet (a card closed, then
            # a marker clicked at once) -- no choice of the user's, who would see it ticked.
            return
        change(site=ids[position], friche=None)
    elif state().view.site in ids:  # the open site's row unselected: its card closes
        change(site=None)


def near_text() -> tuple[str, str]:
    """The radius search's commune as the user typed it, and what it resolved to."""
    session = _session()
    return session.near_text, session.near_message


def bind_near(resolve: Callable[[str], tuple[str | None, str]]) -> dict:
    """The radius commune's text box: ``resolve(text)`` gives (INSEE code or None, message)."""
    st.session_state["w_near"] = _session().near_text
    return {"key": "w_near", "on_change": _near_changed, "args": (resolve,)}


def _near_changed(resolve: Callable[[str], tuple[str | None, str]]) -> None:
    session = _session()
    session.near_text = st.session_state["w_near"]
    code, session.near_message = resolve(session.near_text)
    change(near=code)


# -- the map ---------------------------------------------------------------------------------


def map_args(rest: object) -> dict:
    """The map-owned values (site, basemap, hidden layers) to build the map with.

    ``rest`` stands for everything else the map is built from (selection, language,
    mode...). While it is unchanged, a value the map itself reported keeps the build it
    had, so the map on screen stays as it is instead of being built again."""
    sync, current = _session().map, state()
    if rest != sync.rest:
        sync.rest, sync.built, sync.reported = rest, {}, {}
    args = {}
    for name in MAP_FIELDS:
        wanted = current.get(name)
        reported = sync.reported.get(name, _UNSET)
        args[name] = sync.built[name] if reported == wanted and name in sync.built else wanted
    # The map shows what it reported; a state that differs from it (the table selects the
    # site whose card the user closed, the sidebar puts back the basemap the layer control
    # changed) needs a new map even when the values are the ones it was built with.
    stale = any(name in sync.reported and sync.reported[name] != current.get(name) for name in MAP_FIELDS)
    if args != sync.built or stale:
        sync.built, sync.reported = args, {}
        sync.builds += 1
    # The map's name for what it was built from: its reports carry it back, and a report
    # from a map no longer on screen (replaced by a tour step, a filter) is not applied.
    sync.tag = hashlib.sha1(repr((rest, sorted(args.items()), sync.builds)).encode()).hexdigest()[:12]
    return {**args, "tag": sync.tag}


_UNSET = object()


def on_map_report() -> None:
    """st_folium's callback: the map reports its cards (a site's, a friche's) and layers (``{"rc": {...}}``)."""
    _acted()
    report = (st.session_state.get(MAP_KEY) or {}).get("rc")

    if not isinstance(report, dict) or report.get("tag") != _session().map.tag:
        return  # (not a report, or one from a map that is no longer the one on screen)
    if report.get("drawn"):
        return  # a first screen's markers are drawn: this report's run draws the rest (first_screen())
    hideable = set(param("hide").choices)
    changes = {
        "site": report.get("site") if isinstance(report.get("site"), str) else None,
        "friche": report.get("friche") if isinstance(report.get("friche"), str) else None,
        "hide": tuple(h for h in report.get("hide") or () if h in hideable),
    }
    if report.get("basemap") in param("basemap").choices:
        changes["basemap"] = report["basemap"]
    _session().map.reported.update(changes)
    change(**changes)


# -- the user's upload -----------------------------------------------------------------------------


def upload() -> object:
    """The user's upload, kept for the session whatever mode the page is in."""
    return _session().upload


def keep_upload(value: object) -> None:
    _session().upload = value


def forget_upload() -> None:
    _session().upload = None


def upload_widget_changed() -> None:
    """The file uploader's callback: the user removed the file (×), or chose another."""
    _acted()
    if st.session_state.get("w_upload") is None:
        forget_upload()
