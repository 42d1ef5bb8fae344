"""Carte de la réindustrialisation — the Streamlit layout layer.

One state path: the URL → ``ui.session.load`` (a ``geo.state.State``) → ``geo/`` (filter,
aggregate, map) → the page; every widget, map click and button changes that one state
(``ui.session``), and the URL is written from it once per run. Caching lives here only.

Run: ``bash scripts/run.sh`` (or ``streamlit run app.py [-- --sites PATH]``).
"""

from __future__ import annotations

# first: pyarrow's allocator is chosen when it is first imported (pandas imports it; geo.memory),
# and the server's thread gets the interpreter sooner while the imports run (geo.threads)
from geo import memory, threads  # noqa: F401  # isort: skip

# the libraries loaded without the cyclic garbage collector, then frozen (geo.memory.importing)
with memory.importing():
    import argparse
    import copy
    import functools
    import html
    import logging
    import os
    import sys
    from collections.abc import Callable
    from dataclasses import dataclass, replace
    from functools import partial
    from pathlib import Path
    from urllib.parse import quote

    import folium
    import geopandas as gpd
    import pandas as pd
    import streamlit as st
    from streamlit_folium import st_folium

    from geo import mapview, upload
    from geo.distance import distances_to_commune
    from geo.filters import apply_filters, friche_selection, site_layer
    from geo.friches import FrichesResult, load_friches, read_friches
    from geo.friches_near import NearFriches, with_friches_near
    from geo.geocode import Geocoder
    from geo.i18n import fmt_int, t
    from geo.join import join_sites_to_communes
    from geo.load import DataError, read_sites
    from geo.mapview.friches import inventory_credit
    from geo.paths import SITES_PATH
    from geo.served import APP_FILES
    from geo.state import Known, State
    from geo.vocab import SECTORS
    from ui import panels, present, session, sidebar, uploads

SITES_ENV = "REINDUS_SITES"
FRICHES_ENV = "REINDUS_FRICHES"
PAGE_CSS = (Path(__file__).parent / "ui" / "page.css").read_text(encoding="utf-8")
# The page's icon, 🏭, as the data: URL Streamlit's frontend makes of an emoji icon. A Material
# icon's name would make the browser fetch it from fonts.gstatic.com; the emoji itself makes
# Streamlit load its catalogue of every emoji to check it (80 ms of a first run, issue 14).
# Percent-encoded, so that Streamlit takes it for the URL it is.
PAGE_ICON = "data:image/svg+xml," + quote(
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 100'><text y='.9em' font-size='90'>🏭</text></svg>"
)
# The explorer's map fits under the header of a 1280×720 screen: its legend and attribution
# stay in view, and the wheel scrolls the page below it rather than zooming a half-seen map.
EXPLORER_MAP_HEIGHT = 500


def path_option(flag: str, env: str) -> Path | None:
    """``streamlit run app.py -- --FLAG PATH`` or the environment variable ``env``; None: neither."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(f"--{flag}", type=Path)
    given = getattr(parser.parse_known_args(sys.argv[1:])[0], flag)
    return given or (Path(os.environ[env]) if os.environ.get(env) else None)


# -- cached, read-only layers -----------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    background: mapview.Background  # communes (two levels of detail), départements, régions
    sites: gpd.GeoDataFrame  # joined to communes
    known: Known
    source_name: str

    @property
    def communes(self) -> gpd.GeoDataFrame:
        return self.background.communes

    @property
    def departements(self) -> gpd.GeoDataFrame:
        return self.background.departements

    @property
    def regions(self) -> gpd.GeoDataFrame:
        return self.background.regions

    @functools.cached_property
    def place_names(self) -> dict[str, pd.Series]:
        """Names of régions, départements and communes by code (the sidebar, the PNG's subtitle)."""
        return {
            "reg": self.regions.set_index("code")["nom"],
            "dep": self.departements.set_index("code")["nom"],
            "commune": self.communes.set_index("insee")["nom"],
        }

    def join(self, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return join_sites_to_communes(sites, self.communes, self.departements, self.regions)


@st.cache_resource(show_spinner=False)
def load_base(sites_path: str) -> Base:
    """Communes, outlines and the joined sites: read once per process, never mutated."""
    with memory.loading():  # (the allocators, the garbage collector: see geo.memory)
        background = mapview.Background.shared()  # (the layers the exports draw on here: one copy)
        raw = read_sites(Path(sites_path), communes=background.communes)
        base = Base(background, None, Known(), Path(sites_path).name)
        sites = base.join(raw)
        sites["layer"] = "data"
        known = Known(
            regs=frozenset(background.regions["code"]),
            deps=frozenset(background.departements["code"]),
            site_ids=frozenset(sites["id"]),
            communes=frozenset(background.communes["insee"]),
        )
    return Base(background, sites, known, Path(sites_path).name)


@st.cache_resource(show_spinner=False)
def load_friches_layer(friches_path: str | None, _base: Base) -> FrichesResult:
    """The friches (Cerema, Cartofriches) read once per process, placed on the commune layer the base holds."""
    with memory.loading():
        return load_friches(friches_path, communes=_base.communes)


@st.cache_resource(show_spinner=False, max_entries=8)
def sites_with_friches_near(
    key: tuple, _sites: gpd.GeoDataFrame, _friches: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The sites' frame for their cards, with the friches near each (geo.friches_near): once per
    (sites, friches) frames, ``key`` naming where both come from (the data files, the session's
    upload: one at a time, sites or friches); the same frame on every run (its texts are kept)."""
    return with_friches_near(_sites, _friches)


@st.cache_resource(show_spinner=False, max_entries=4)
def friches_near_index(
    key: tuple, km: float, _sites: gpd.GeoDataFrame, _friches: gpd.GeoDataFrame
) -> NearFriches:
    """Which friches lie within ``km`` of the sites a filter selects (geo.friches_near): the
    pairs found once per (sites, friches) frames (``key`` as for sites_with_friches_near) and
    radius, so that a filter change only indexes them (at most 16 MB an entry, 4 entries)."""
    return NearFriches(_sites, _friches, km)


@st.cache_resource(show_spinner=False)
def load_geocoder() -> Geocoder:
    return Geocoder.from_data()


def resolve_near(base: Base, lang: str, text: str) -> tuple[str | None, str]:
    """The INSEE code of the radius-search commune typed by the user, and what to say (never a guess)."""
    text = (text or "").strip()
    if not text:
        return None, ""
    result = load_geocoder().resolve(text)
    communes = base.communes.set_index("insee")
    if result.status == "ok":
        return result.insee, f"→ {result.nom} ({communes['dep'].get(result.insee, '')}, {result.insee})"
    if result.status == "ambiguous":
        options = ", ".join(
            f"{communes['nom'].get(c, c)} ({communes['dep'].get(c, '')}, {c})" for c in result.candidates[:8]
        )
        return None, t("near_ambiguous", lang, options=options)
    return None, t("near_not_found", lang)


def read_friches_upload(base: Base, name: str, data: bytes) -> FrichesResult:
    """A friches file the user uploaded (recognised by its columns), placed on the base's communes."""
    return read_friches(data, name=name, communes=base.communes, geocoder=load_geocoder())


def read_upload(base: Base, name: str, data: bytes, progress) -> upload.UploadResult:
    return upload.read_upload(name, data, geocoder=load_geocoder(), communes=base.communes, progress=progress)


# -- the map -------------------------------------------------------------------------------------


def build_map(
    selection, base: Base, sites: gpd.GeoDataFrame, state: State, *, map_args: dict, served: bool = True, friches=None,
    highlighted=(), heading: str | None = None, friches_from=None, friches_credit: str | None = None,
):
    """The map of the selection; ``served``: many sites (and friches) travel as a file the
    app serves (geo.served), not inside the map (an exported HTML file must hold its data);
    ``friches``: the friches shown (None: the layer is off), filtered from ``friches_from``
    (the inventory read from disk; None for a session's upload, which is never served)."""
    return mapview.map_of_selection(
        selection,
        base.background,
        cards_from=sites,
        files=APP_FILES if served else None,
        **map_options(
            state, map_args, friches=friches, friches_from=friches_from, friches_credit=friches_credit,
            highlighted=highlighted, heading=heading,
        ),
    )  # fmt: skip


def map_options(state: State, map_args: dict, **layers) -> dict:
    """``mapview.build_map``'s options for the state and the map's own part of it (``map_args``)."""
    return {
        "lang": state.view.lang,
        "basemap": map_args["basemap"],
        "selected": map_args["site"],
        "hidden": map_args["hide"],
        "large": state.view.mode == "present",
        "selected_friche": map_args.get("friche"),
        "report_tag": map_args.get("tag"),  # (the map's reports carry it back: ui.session)
        **layers,
    }


def show_map(
    base: Base, sites: gpd.GeoDataFrame, state: State, selection, height: int, friches=None, highlighted=(),
    friches_from=None, friches_credit: str | None = None, early: bool = False,
) -> None:
    """The map; a click on a site or a friche, a closed card or a layer switched reports to the state.

    ``early`` (a session's first screen): the map's served files are read from the page as
    soon as it has the map's element (mapview.early_page_script), in the element after the
    map's, where the full page has its link (panels.share_row)."""
    upload_id = getattr(session.upload(), "file_id", None)
    rest = (state.spec, upload_id, state.view.lang, state.view.mode, state.view.friches, state.view.timeline)
    args = session.map_args(rest)
    build = partial(
        build_map, selection, base, sites, state, map_args=args, friches=friches, highlighted=highlighted,
        friches_from=friches_from, friches_credit=friches_credit,
    )  # fmt: skip
    if upload_id is None and (friches is None or friches_from is not None):
        # the app's own data: one map for every session that asks for the same (the frames
        # in the key are the process's cached ones: load_base, load_friches_layer...);
        # streamlit_folium's render changes a map's elements, so each session renders a copy
        key = (id(base), id(sites), id(friches_from), state, tuple(sorted(args.items())), tuple(highlighted),
               friches_credit, len(selection))  # fmt: skip
        fmap = copy.deepcopy(shared_map(key, build))  # (1-5 ms)
    else:
        fmap = build()  # (a session's upload: its own map)
    st_folium(
        fmap,
        key=session.MAP_KEY,
        height=height,
        use_container_width=True,
        returned_objects=[],
        on_change=session.on_map_report,
        # st_folium renders the map itself in any case; render=True would render its whole
        # figure first, the same strings twice (8 ms of a 10,000-site first screen)
        render=False,
    )
    script = mapview.early_page_script(fmap) if early else None
    if script is not None:
        st.html(script, unsafe_allow_javascript=True)


@st.cache_resource(show_spinner=False, max_entries=8)
def shared_map(key: tuple, _build: Callable[[], folium.Map]) -> folium.Map:
    """The map of ``key`` (the data's frames, the state, the map's own arguments) built once
    per process, not once per session: a new visitor's first screen is most often the map
    the last one saw (issue 14: the first run 0.20 s -> 0.08 s at 10,000 sites, 0.34 s ->
    0.12 s at 100,000). Never rendered itself: sessions render deep copies of it."""
    return _build()


# -- page ----------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title="Carte de la réindustrialisation", page_icon=PAGE_ICON, layout="wide")
    st.html(f"<style>{PAGE_CSS}</style>")
    try:
        sites_path = str(path_option("sites", SITES_ENV) or SITES_PATH)
        base = load_base(sites_path)
    except DataError as error:
        # visitors see the file's name, never the server's paths (the log has them)
        logging.getLogger(__name__).error("data error:\n%s", error)
        items = "".join(f"<li>{html.escape(str(replace(p, file=Path(p.file).name)))}</li>" for p in error.problems)
        st.html(
            f'<div class="data-error" role="alert"><b>{html.escape(t("data_error"))}</b><ul>{items}</ul></div>'
        )
        st.stop()

    friches_path = _str_or_none(path_option("friches", FRICHES_ENV))
    # the inventory is read when a run may show it (1.4 s once per process): not for every first page
    friches_all = load_friches_layer(friches_path, base).friches if session.friches_wanted() else None
    known = base.known if friches_all is None else replace(base.known, friche_ids=frozenset(friches_all["id"]))
    state = session.load(known)
    lang, mode = state.view.lang, state.view.mode
    # The filters come first in the sidebar, but the upload is read first (the filters
    # count its sites too): keep a slot for them above it.
    filters_box = st.sidebar.container() if mode != "present" else None
    # A session's first run draws the first screen, the head, the figures and the map; the
    # rest of the page comes with the next run, once the map's markers are drawn (issue 14).
    first = mode != "present" and session.first_screen()
    if first:
        filters_box.caption(t("filters_loading", lang))
    elif mode != "present":
        uploads.section(
            base.sites, partial(read_upload, base), base.join, lang, read_friches=partial(read_friches_upload, base)
        )
    sites = uploads.all_sites(base.sites)
    # a friches file uploaded in the sidebar is the friches layer of this session (never served)
    uploaded_friches = uploads.friches() is not None
    friches_all = uploads.friches() if uploaded_friches else friches_all
    state = session.state()
    if friches_all is None and state.view.friches:  # (the layer switched on during this run)
        friches_all = load_friches_layer(friches_path, base).friches
    distances = distances_to_commune(sites, base.communes, state.spec.near) if state.spec.near else None
    selection = apply_filters(sites, state.spec, distance_m=distances)
    if state.view.site is not None and state.view.site not in set(selection["id"]):
        session.change(site=None)  # a site filtered out (or gone) is no longer open
        state = session.state()
    if state.view.site is not None and site_layer(selection, state.view.site) in state.view.hide:
        # an open site shows its layer (its card on a hidden marker opened nothing: a link with
        # both, a table row ticked while its sector was switched off in the layer control)
        session.change(hide=tuple(h for h in state.view.hide if h != site_layer(selection, state.view.site)))
        state = session.state()
    # the friches layer: its own filters, and the sites' territory filters (région, département, radius)
    friche_distances = (
        distances_to_commune(friches_all, base.communes, state.spec.near)
        if state.view.friches and state.spec.near
        else None
    )
    # which friches lie within friche_near_km of a site shown (the filter, and its live count)
    friche_near = (
        friches_near_index(
            (sites_path, friches_path, upload_id()), state.spec.friche_near_km, sites, friches_all
        ).of(selection)
        if state.view.friches
        else None
    )
    # the friches shown: a mask of the inventory (geo.filters.FricheSelection), not a copy of it
    friches = (
        friche_selection(friches_all, state.spec, distance_m=friche_distances, near_sites=friche_near)
        if state.view.friches
        else None
    )
    if state.view.friche is not None and (friches is None or state.view.friche not in friches):
        session.change(friche=None)  # a friche filtered out (or the layer off) is no longer open
        state = session.state()
    # with the layer on, a site's card names the friches near it and the one it stands on
    card_sites = (
        sites
        if friches is None
        else sites_with_friches_near((sites_path, friches_path, upload_id()), sites, friches_all)
    )
    friches_from = None if friches is None or uploaded_friches else friches_all
    # the inventory's credit wherever the layer shows: the shipped extract, or the file it comes from
    friches_credit = None if friches is None else inventory_credit(
        uploads.friches_name() if uploaded_friches else friches_path and Path(friches_path).name,
        len(friches_all), lang,
    )  # fmt: skip
    map_of = partial(
        show_map, base, card_sites, state, friches=friches, friches_from=friches_from, friches_credit=friches_credit
    )  # (selection, height)
    if mode == "present":
        present.page(selection, state, map_of)
    else:
        # The page first, the sidebar's widgets next (in their boxes: the layout is the same):
        # the map's element reaches the browser before the widgets' code is fetched (issue 14).
        explore(
            selection, base, card_sites, state, map_of, friches=friches, friches_credit=friches_credit, first=first
        )
        if first:
            session.rest_of_page_later()
        else:
            sidebar.filters(filters_box, sites, state, distances, place_names(base), partial(resolve_near, base, lang))
            sidebar.friche_filters(filters_box, friches_all, state, friche_distances, friche_near)
            sidebar.view_controls(st.sidebar, state, hidden_names(state))
            explore_ready(selection, friches)
    session.write_url()


def upload_id() -> str | None:
    """The session's upload (its sites are in the frame), for the cache keys of that frame."""
    return getattr(session.upload(), "file_id", None)


def _str_or_none(path: Path | None) -> str | None:
    return None if path is None else str(path)


def place_names(base: Base) -> dict[str, pd.Series]:
    """Names of régions, départements and communes by code (indexed once, with the cached Base)."""
    return base.place_names


def hidden_names(state: State) -> list[str]:
    lang = state.view.lang
    layer = {"uploads": "upload_layer", "communes": "layer_communes"} | {k: f"layer_{k}" for k in ("departements", "regions")}
    return [SECTORS[h].label(lang) if h in SECTORS else t(layer[h], lang) for h in state.view.hide]


def explore(
    selection, base: Base, sites, state: State, map_of, friches=None, friches_credit=None, first: bool = False
) -> None:
    """The explorer's page; ``first``: its first screen only (the head, the figures, the map)."""
    lang = state.view.lang
    # The head and the map are keyed boxes: on a phone, ui/page.css puts the map right under
    # the head, above the figures (the order of this page on a wide screen is unchanged).
    # The map is drawn first, in its box below the head's and the figures' (issue 14: its
    # element reaches the browser first, so the map starts as soon as on a bare map page).
    top, figures = st.container(key="explore-head"), st.container()
    map_box = st.container(key="explore-map")
    with map_box:
        map_of(selection, EXPLORER_MAP_HEIGHT, early=first)
    head, actions = top.columns([4, 1], vertical_alignment="center")
    head.title(t("app_title", lang), anchor=False)
    head.caption(t("app_subtitle", lang))
    if first:  # (the first screen: the figures and the button as plain HTML, see panels.kpi_row)
        actions.html(f'<div class="present-first" aria-hidden="true">{html.escape(t("present", lang))}</div>')
    else:
        actions.button(
            t("present", lang), on_click=session.change, kwargs={"mode": "present"}, type="primary",
            key="to_present", width="stretch",
        )  # fmt: skip
    with top:
        panels.show_notices(session.notices(), lang)
    with figures:
        if friches is not None:
            hint = t("friches_full_hint", lang) if friches_credit == t("friches_credit", lang) else ""
            st.caption(t("friches_notice", lang, n=fmt_int(len(friches), lang), credit=friches_credit, hint=hint))
        panels.kpi_row(panels.kpi_values(selection, lang), "kpis", first)
        if friches is not None:
            panels.kpi_row(panels.friche_kpi_values(friches, lang), "friche-kpis", first)
        if selection.empty:
            st.info(t("no_sites", lang))
    if first:
        return  # (the rest with the next run: ui.session.first_screen)
    with map_box:
        panels.share_row(session.state(), getattr(st.context, "url", "") or "")
    panels.charts(selection, base.regions, lang, state.spec.year_of)
    panels.sites_table(selection, lang)
    # what the exports need, captured now: they run outside the script run
    export_args = {
        "basemap": state.view.basemap, "site": state.view.site, "hide": state.view.hide, "friche": state.view.friche,
    }  # fmt: skip
    # the offline map says what it shows: title, filters, date (in the page and in <title>)
    heading = panels.export_heading(state, place_names(base), lang)
    png_args = {
        "title": t("app_title", lang), "subtitle": panels.filters_in_words(state, place_names(base), lang),
        "lang": lang,
    }  # fmt: skip
    html_options = map_options(state, export_args, friches_credit=friches_credit, heading=heading)

    def friches_shown():
        """The friches shown as a frame (what an export draws, or sends to the worker): made
        when a download is asked for, not on every run."""
        return None if friches is None else friches.frame

    panels.exports(
        selection,
        # the card texts of the sites shown only (``sites`` may be 100,000 rows, sent to the worker)
        lambda: panels.heavy(
            len(selection), mapview.offline_html, selection, title=heading,
            cards_from=sites[sites["id"].isin(selection["id"])], friches=friches_shown(), **html_options,
        ),  # fmt: skip
        lambda: panels.heavy(
            len(selection), mapview.slide_png, selection, friches=friches_shown(), **png_args
        ),
        lang,
    )
    if friches is not None:
        panels.friche_exports(friches, lang)
    st.caption(t("sources_credit", lang) + (" " + friches_credit + "." if friches is not None else ""))


def explore_ready(selection, friches) -> None:
    """The explorer's readiness marker, the page's last element: the script ran to its end."""
    n_friches = "" if friches is None else f' data-friches="{len(friches)}"'
    st.html(f'<div id="app-ready" data-sites="{len(selection)}"{n_friches} data-mode="explore"></div>')


if __name__ == "__main__":  # streamlit runs the script as __main__; tests import it
    main()
