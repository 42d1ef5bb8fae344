"""Carte de la réindustrialisation — the Streamlit layout layer.

Widgets → FilterSpec / ViewState (one URL codec, ``geo.filters``) → calls into ``geo/`` →
render. No joins, geometry or data cleaning here. Caching lives here only.

Run: ``bash scripts/run.sh`` (or ``streamlit run app.py [-- --sites PATH]``).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import export, mapview, upload
from geo.aggregate import aggregate, kpis
from geo.assets import standalone_html
from geo.distance import distances_to_commune
from geo.filters import (
    BASEMAPS,
    FilterSpec,
    Known,
    ViewState,
    apply_filters,
    facet_counts,
    from_query,
    to_query,
)
from geo.geocode import Geocoder
from geo.i18n import fmt_eur, fmt_int, fmt_pct, t
from geo.join import join_sites_to_communes
from geo.load import (
    DataError,
    read_sites,
)
from geo.paths import SITES_PATH
from geo.served import APP_FILES
from geo.text import fold
from geo.vocab import SECTORS, STATUSES

SITES_ENV = "REINDUS_SITES"


def sites_path_option() -> Path:
    """``streamlit run app.py -- --sites PATH`` or ``REINDUS_SITES=PATH``; default data/sites.geojson."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--sites", type=Path)
    args, _ = parser.parse_known_args(sys.argv[1:])
    if args.sites:
        return args.sites
    return Path(os.environ[SITES_ENV]) if os.environ.get(SITES_ENV) else SITES_PATH


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


@st.cache_resource(show_spinner=False)
def load_base(sites_path: str) -> Base:
    """Communes, outlines and the joined sites: read once per process, never mutated."""
    background = mapview.Background.load()
    communes, departements, regions = background.communes, background.departements, background.regions
    raw = read_sites(Path(sites_path), communes=communes)
    sites = join_sites_to_communes(raw, communes, departements, regions)
    sites["layer"] = "data"
    known = Known(
        regs=frozenset(regions["code"]),
        deps=frozenset(departements["code"]),
        site_ids=frozenset(sites["id"]),
        communes=frozenset(communes["insee"]),
    )
    return Base(background, sites, known, Path(sites_path).name)


@st.cache_resource(show_spinner=False)
def load_geocoder() -> Geocoder:
    return Geocoder.from_data()


# -- URL ↔ widgets -------------------------------------------------------------------------------

W = {  # widget keys
    "sectors": "w_sectors",
    "statuses": "w_statuses",
    "regs": "w_regs",
    "deps": "w_deps",
    "jobs_min": "w_jobs_min",
    "jobs_max": "w_jobs_max",
    "brownfield": "w_brownfield",
    "q": "w_q",
    "near": "w_near",
    "km": "w_km",
    "basemap": "w_basemap",
    "lang": "w_lang",
}


def read_url(known: Known) -> tuple[FilterSpec, ViewState, list]:
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    return from_query(params, known)


def seed_widgets(spec: FilterSpec, view: ViewState) -> None:
    """Put the URL's state into the widgets (first run, or the URL changed under us)."""
    state = st.session_state
    for attr in ("sectors", "statuses", "regs", "deps"):
        state[W[attr]] = list(getattr(spec, attr))
    state[W["jobs_min"]] = spec.jobs_min
    state[W["jobs_max"]] = spec.jobs_max
    state[W["brownfield"]] = spec.brownfield or "any"
    state[W["q"]] = spec.q
    state[W["near"]] = spec.near or ""
    state[W["km"]] = int(spec.km) if spec.km else 20
    state[W["basemap"]] = view.basemap
    state[W["lang"]] = view.lang
    state["site"] = view.site
    state["mode"] = view.mode


def sync_url(spec: FilterSpec, view: ViewState) -> None:
    """Write the state to the query string (only when it changed: no useless history entries)."""
    query = to_query(spec, view)
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    if query != current:
        st.query_params.from_dict(query)
    st.session_state["_written"] = query


def share_link(spec: FilterSpec, view: ViewState) -> str:
    """The address of the current view: the page's own address with the state's query string."""
    query = urlencode(to_query(spec, view), doseq=True)
    page = urlsplit((st.context.url or "") if hasattr(st.context, "url") else "")
    base = urlunsplit((page.scheme, page.netloc, page.path or "/", "", "")) if page.netloc else ""
    return f"{base}?{query}" if query else (base or "/")


def show_notices(notices: list, lang: str) -> None:
    for notice in notices:
        text = t(
            "notice_dropped",
            lang,
            param=notice.param,
            value=notice.value[:60],
            reason=t(f"reason_{notice.reason}", lang),
        )
        st.html(f'<div class="url-notice" role="status">⚠️ {html.escape(text)}</div>')


# -- sidebar -------------------------------------------------------------------------------------


def sidebar(sb, base: Base, sites: gpd.GeoDataFrame, spec: FilterSpec, lang: str) -> None:
    """The filter widgets in ``sb`` (a sidebar container), each with live counts under the other filters."""
    sb.header(t("filters", lang))

    def counts(column: str, attr: str) -> pd.Series:
        return facet_counts(sites, spec, column, attr, distance_m=st.session_state.get("_distances"))

    def counted(label: str, n: int) -> str:
        return f"{label} ({fmt_int(n, lang)})"

    by_sector = counts("sector", "sectors")
    sb.multiselect(
        t("sector", lang),
        options=list(SECTORS),
        format_func=lambda s: counted(SECTORS[s].label(lang), by_sector.get(s, 0)),
        placeholder=t("all_sectors", lang),
        key=W["sectors"],
    )
    c1, c2 = sb.columns(2)
    c1.number_input(t("jobs_min", lang), min_value=0, step=50, value=None, key=W["jobs_min"])
    c2.number_input(t("jobs_max", lang), min_value=0, step=50, value=None, key=W["jobs_max"])
    if spec.has_jobs_bound:
        unknown = int(apply_filters(sites, spec, skip="jobs")["jobs"].isna().sum())
        sb.caption(t("jobs_bound_note", lang, n=unknown))
    by_brownfield = counts("brownfield", "brownfield")
    brownfield_counts = {
        "any": int(by_brownfield.sum()),
        "yes": int(by_brownfield.get(True, 0)),
        "no": int(by_brownfield.get(False, 0)),
    }
    sb.radio(
        t("brownfield", lang),
        options=["any", "yes", "no"],
        format_func=lambda v: counted(t("brownfield_" + v, lang), brownfield_counts[v]),
        key=W["brownfield"],
        horizontal=True,
    )
    by_status = counts("status", "statuses")
    sb.multiselect(
        t("status", lang),
        options=list(STATUSES),
        format_func=lambda s: counted(STATUSES[s].label(lang), by_status.get(s, 0)),
        placeholder=t("all_statuses", lang),
        key=W["statuses"],
    )
    reg_names = base.regions.set_index("code")["nom"]
    by_reg = counts("reg", "regs")
    sb.multiselect(
        t("region", lang),
        options=sorted(reg_names.index, key=lambda c: reg_names[c]),
        format_func=lambda c: counted(reg_names[c], by_reg.get(c, 0)),
        placeholder=t("all_regions", lang),
        key=W["regs"],
    )
    dep_names = base.departements.set_index("code")["nom"]
    by_dep = counts("dep", "deps")
    sb.multiselect(
        t("departement", lang),
        options=list(dep_names.index),
        format_func=lambda c: counted(f"{c} – {dep_names[c]}", by_dep.get(c, 0)),
        placeholder=t("all_departements", lang),
        key=W["deps"],
    )
    sb.text_input(t("search", lang), key=W["q"], max_chars=200)
    with sb.expander(t("radius", lang), expanded=bool(spec.near)):
        st.text_input(t("radius_commune", lang), key=W["near"], max_chars=120)
        st.slider(t("radius_km", lang), min_value=1, max_value=300, key=W["km"])
        if st.session_state.get("_near_message"):
            st.caption(st.session_state["_near_message"])
    sb.button(t("reset", lang), on_click=reset_filters, width="stretch")


def reset_filters() -> None:
    seed_widgets(FilterSpec(), replace(ViewState(), lang=st.session_state[W["lang"]]))


def resolve_near(text: str, base: Base, lang: str) -> str | None:
    """The INSEE code of the radius-search commune typed by the user (never a guess)."""
    st.session_state["_near_message"] = ""
    text = (text or "").strip()
    if not text:
        return None
    result = load_geocoder().resolve(text)
    names = base.communes.set_index("insee")["nom"]
    deps = base.communes.set_index("insee")["dep"]
    if result.status == "ok":
        st.session_state["_near_message"] = f"→ {result.nom} ({deps.get(result.insee, '')}, {result.insee})"
        return result.insee
    if result.status == "ambiguous":
        options = ", ".join(f"{names.get(c, c)} ({deps.get(c, '')}, {c})" for c in result.candidates[:8])
        st.session_state["_near_message"] = t("near_ambiguous", lang, options=options)
    else:
        st.session_state["_near_message"] = t("near_not_found", lang)
    return None


def spec_from_widgets(base: Base, lang: str) -> FilterSpec:
    state = st.session_state
    jobs_min, jobs_max = state[W["jobs_min"]], state[W["jobs_max"]]
    near = resolve_near(state[W["near"]], base, lang)
    return FilterSpec(
        sectors=tuple(state[W["sectors"]]),
        statuses=tuple(state[W["statuses"]]),
        regs=tuple(state[W["regs"]]),
        deps=tuple(state[W["deps"]]),
        jobs_min=int(jobs_min) if jobs_min is not None else None,
        jobs_max=int(jobs_max) if jobs_max is not None else None,
        brownfield=None if state[W["brownfield"]] == "any" else state[W["brownfield"]],
        q=state[W["q"]] or "",
        near=near,
        km=float(state[W["km"]]) if near else None,
    )


# -- uploads ---------------------------------------------------------------------------------------


def upload_section(base: Base, lang: str) -> None:
    with st.sidebar.expander(t("upload", lang)):
        file = st.file_uploader(
            t("upload_help", lang, mb=upload.MAX_UPLOAD_MB),
            type=["csv", "txt", "geojson", "json"],
            key="w_upload",
        )
        if file is None:
            st.session_state.pop("upload", None)
            return
        cached = st.session_state.get("upload")
        if cached is None or cached[0] != file.file_id:
            bar = st.progress(0.0, text=t("upload_progress", lang))
            result = upload.read_upload(
                file.name,
                file.getvalue(),
                geocoder=load_geocoder(),
                communes=base.communes,
                progress=lambda done: bar.progress(min(1.0, done), text=t("upload_progress", lang)),
            )
            bar.empty()
            joined = None
            if len(result.sites):
                joined = join_sites_to_communes(result.sites, base.communes, base.departements, base.regions)
                joined["layer"] = "upload"
            cached = (file.file_id, result, joined)
            st.session_state["upload"] = cached
        _, result, joined = cached
        if result.error:
            st.error(result.error_text(lang))
            return
        st.success(t("upload_ok", lang, n=len(result.sites)))
        if result.failures:
            st.warning(t("upload_failed_rows", lang, n=len(result.failures)))
            st.dataframe(result.failures_frame(lang), hide_index=True, width="stretch")


def all_sites(base: Base) -> gpd.GeoDataFrame:
    """The data's sites and the user's uploaded ones: one frame per upload, kept in the
    session (the map formats each frame's texts once, and reuses them on every filter)."""
    cached = st.session_state.get("upload")
    if not cached or cached[2] is None:
        return base.sites
    combined = st.session_state.get("upload_all")
    if combined is None or combined[0] != cached[0]:
        combined = (cached[0], pd.concat([base.sites, cached[2]], ignore_index=True))
        st.session_state["upload_all"] = combined
    return combined[1]


# -- main panels ----------------------------------------------------------------------------------


def kpi_values(selection: gpd.GeoDataFrame, lang: str) -> list[tuple[str, str, str | None]]:
    """The headline figures as (label, value, help) in ``lang``."""
    figures = kpis(selection)
    return [
        (t("kpi_sites", lang), fmt_int(figures.sites, lang), None),
        (
            t("kpi_jobs", lang),
            fmt_int(figures.jobs, lang),
            t("kpi_jobs_help", lang, known=figures.sites_with_jobs, total=figures.sites),
        ),
        (
            t("kpi_brownfield", lang),
            fmt_pct(figures.brownfield_share, lang),
            t("kpi_brownfield_help", lang, known=figures.brownfield_known),
        ),
        (
            t("kpi_investment", lang),
            fmt_eur(figures.investment_eur, lang),
            t("kpi_investment_help", lang, known=figures.sites_with_investment),
        ),
    ]


def kpi_row(selection: gpd.GeoDataFrame, lang: str) -> None:
    for column, (label, value, help_text) in zip(st.columns(4), kpi_values(selection, lang), strict=True):
        column.metric(label, value, help=help_text)


def kpi_row_html(selection: gpd.GeoDataFrame, lang: str) -> str:
    """The headline figures in large type, for presenter mode (read from the back of a room)."""
    cells = "".join(
        f'<div class="kpi"><div class="kpi-value">{html.escape(value)}</div>'
        f'<div class="kpi-label">{html.escape(label)}</div></div>'
        for label, value, _ in kpi_values(selection, lang)
    )
    return f'<div class="kpi-row" data-testid="kpi-row">{cells}</div>'


def bars_html(title: str, rows: list[tuple[str, float | None, str]], unit: str, lang: str) -> str:
    """A ranked bar chart in plain HTML: ``rows`` are (label, value, colour), largest first;
    a value of None (no figure at all) is written "n.c." and ranked last.

    No chart library: the page loads no plotting code, and the labels are escaped like
    every other text."""
    rows = sorted(rows, key=lambda row: (row[1] is None, -(row[1] or 0), row[0]))
    top = max((value or 0 for _, value, _ in rows), default=0) or 1
    items = "".join(
        f'<div class="bar-label">{html.escape(label)}</div>'
        f'<div class="bar-track"><div class="bar" style="width:{100 * (value or 0) / top:.1f}%;'
        f'background:{html.escape(colour)}"></div></div>'
        f'<div class="bar-value">{html.escape(t("not_given", lang) if value is None else fmt_int(value, lang))}</div>'
        for label, value, colour in rows
    )
    return (
        f'<figure class="bars" data-testid="bars"><figcaption>{html.escape(title)}'
        f' <span class="bars-unit">({html.escape(unit)})</span></figcaption>'
        f'<div class="bars-grid">{items}</div></figure>'
    )


def charts(selection: gpd.GeoDataFrame, base: Base, lang: str) -> None:
    if selection.empty:
        return
    left, right = st.columns(2, gap="large")
    per_sector = selection["sector"].value_counts()
    left.html(
        bars_html(
            t("by_sector", lang),
            [(SECTORS[s].label(lang), n, SECTORS[s].color) for s, n in per_sector.items()],
            t("kpi_sites", lang).lower(),
            lang,
        )
    )
    regions = base.regions.set_index("code")
    by_region = aggregate(selection, regions["population"], "region")
    names = regions["nom"]
    right.html(
        bars_html(
            t("by_region", lang),
            [
                (names.get(code, code), jobs, "#4a6fa5")
                for code, jobs in zip(by_region["code"], by_region["jobs"], strict=True)
            ],
            t("kpi_jobs", lang).lower(),
            lang,
        )
    )


TABLE_MAX_ROWS = 5000  # more is for the CSV export: the page stays light at 100,000 sites


def sites_table(selection: gpd.GeoDataFrame, lang: str) -> None:
    st.subheader(t("table", lang))
    if len(selection) > TABLE_MAX_ROWS:
        st.caption(
            t("table_capped", lang, n=fmt_int(TABLE_MAX_ROWS, lang), total=fmt_int(len(selection), lang))
        )
        selection = selection.sort_values("jobs", ascending=False, na_position="last").head(TABLE_MAX_ROWS)
    # Headers for reading (the exports keep their machine-friendly column names).
    table = pd.DataFrame(
        {
            t("th_name", lang): selection["name"],
            t("th_company", lang): selection["company"].fillna(""),
            t("sector", lang): selection["sector"].map({k: v.label(lang) for k, v in SECTORS.items()}),
            t("status", lang): selection["status"].map({k: v.label(lang) for k, v in STATUSES.items()}),
            t("th_commune", lang): selection["commune_nom"].fillna(selection["dep_nom"]),
            t("th_dep", lang): selection["dep"],
            t("jobs", lang): pd.to_numeric(selection["jobs"], errors="coerce"),
            t("kpi_brownfield", lang): selection["brownfield"],
            t("th_investment", lang): pd.to_numeric(selection["investment_eur"], errors="coerce"),
            t("th_year", lang): pd.to_numeric(selection["year"], errors="coerce"),
        }
    )
    numbers = {
        t("jobs", lang): "localized",
        t("th_investment", lang): "localized",
        t("th_year", lang): "plain",
    }
    config = {name: st.column_config.NumberColumn(format=fmt) for name, fmt in numbers.items()}
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)


def exports(selection: gpd.GeoDataFrame, base: Base, view: ViewState, lang: str) -> None:
    st.subheader(t("export", lang))
    cols = st.columns(4)
    cols[0].download_button(
        t("export_csv", lang),
        data=lambda: export.sites_csv(selection, lang),
        file_name="sites-reindustrialisation.csv",
        mime="text/csv",
        on_click="ignore",
        key="dl_csv",
        width="stretch",
    )
    cols[1].download_button(
        t("export_geojson", lang),
        data=lambda: export.sites_geojson(selection),
        file_name="sites-reindustrialisation.geojson",
        mime="application/geo+json",
        on_click="ignore",
        key="dl_geojson",
        width="stretch",
    )
    cols[2].download_button(
        t("export_html", lang),
        # built again on click: a session does not keep a whole map for a button
        data=lambda: standalone_html(build_map(selection, base, view, served=False)),
        file_name="carte-reindustrialisation.html",
        mime="text/html",
        on_click="ignore",
        key="dl_html",
        width="stretch",
    )
    cols[3].download_button(
        t("export_png", lang),
        data=lambda: mapview.to_png(
            selection, base.communes, base.departements, base.regions, title=t("app_title", lang), lang=lang
        ),
        file_name="carte-reindustrialisation.png",
        mime="image/png",
        on_click="ignore",
        key="dl_png",
        width="stretch",
    )


# -- the map -------------------------------------------------------------------------------------


def build_map(
    selection: gpd.GeoDataFrame, base: Base, view: ViewState, large: bool = False, served: bool = True
):
    """The map of the selection; ``served``: many sites travel as a file the app serves
    (geo.served), not inside the map (an exported HTML file must hold its sites)."""
    return mapview.map_of_selection(
        selection,
        base.background,
        cards_from=all_sites(base),
        files=APP_FILES if served else None,
        lang=view.lang,
        basemap=view.basemap,
        selected=view.site,
        large=large,
    )


def show_map(fmap, selection: gpd.GeoDataFrame, height: int) -> str | None:
    """Render the map; return the id of a site the user just clicked, if any."""
    result = st_folium(
        fmap,
        key="map",
        height=height,
        use_container_width=True,
        returned_objects=["last_object_clicked"],
    )
    clicked = (result or {}).get("last_object_clicked")
    if not clicked or clicked == st.session_state.get("_last_click"):
        return None
    st.session_state["_last_click"] = clicked
    lon, lat = clicked.get("lng"), clicked.get("lat")
    if lon is None or lat is None or selection.empty:
        return None
    dist = (selection.geometry.x - lon) ** 2 + (selection.geometry.y - lat) ** 2
    nearest = dist.idxmin()
    return selection.loc[nearest, "id"] if dist[nearest] < 1e-8 else None


# -- page ----------------------------------------------------------------------------------------

# Sized for a 1280×720 projector as well as a laptop: a compact header so that the map
# starts high on the page. Selectors are Streamlit's data-testid attributes (stable API).
CSS = """
<style>
[data-testid="stHeader"] {background:transparent; pointer-events:none}
[data-testid="stHeader"] * {pointer-events:auto}
[data-testid="stMainBlockContainer"] {padding:3rem 2.5rem 3rem}
[data-testid="stMainBlockContainer"] h1 {font-size:2.1rem; padding:0 0 .1rem; line-height:1.15}
[data-testid="stSidebarHeader"] {height:2.75rem; margin-bottom:0}
[data-testid="stSidebarUserContent"] {padding-bottom:2rem}
[data-testid="stSidebarUserContent"] h2 {padding-top:0}
[data-testid="stSidebar"] [data-testid="stRadioGroup"] {column-gap:.75rem}
[data-testid="stMetricValue"] {font-size:2rem}
.url-notice {background:#fff4e5;border-left:4px solid #f0a020;padding:.4rem .8rem;margin:.2rem 0;
  font-size:.9rem;border-radius:4px}
.share-row {display:flex; align-items:center; gap:.6rem; font-size:.9rem; color:#444}
.share-row input {flex:1; min-width:0; font:inherit; font-family:monospace; padding:.3rem .5rem;
  border:1px solid #ccc; border-radius:4px; background:#f7f7f9; color:#222}
.share-row button {font:inherit; padding:.3rem .8rem; border:1px solid #bbb; border-radius:4px;
  background:#fff; cursor:pointer; white-space:nowrap}
.share-row button:hover {border-color:#ff4b4b; color:#ff4b4b}
.bars {margin:0}
.bars figcaption {font-size:1.25rem; font-weight:600; margin-bottom:.5rem}
.bars .bars-unit {font-size:.95rem; font-weight:400; color:#555}
.bars-grid {display:grid; grid-template-columns:minmax(6rem,max-content) 1fr max-content;
  gap:.3rem .6rem; align-items:center; font-size:.92rem}
.bar-track {background:#f0f0f3; border-radius:3px; height:.9rem}
.bar {height:100%; border-radius:3px; min-width:2px}
.bar-value {text-align:right; font-variant-numeric:tabular-nums}
.present-head {display:flex; flex-wrap:wrap; align-items:center; column-gap:2.5rem; row-gap:.3rem}
.present-title {font-size:1.9rem; font-weight:700; line-height:1.1; margin:0; padding:0}
.kpi-row {display:flex; gap:2rem; flex-wrap:wrap}
.kpi-value {font-size:2.6rem; font-weight:700; line-height:1}
.kpi-label {font-size:1.05rem; color:#444; line-height:1.3}
.tour-card {font-size:1.35rem; line-height:1.3; text-align:center; white-space:nowrap; overflow:hidden;
  text-overflow:ellipsis}
.tour-card .tour-pos {color:#555; font-weight:400}
.tour-card .tour-site {font-weight:700}
.tour-card.tour-hint {color:#555; font-size:1.15rem}
</style>
"""
# Presenter mode: no sidebar, no toolbar, thin margins and gaps; the map takes the rest.
HIDE_SIDEBAR = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"] {display:none}
[data-testid="stMainBlockContainer"] {padding:.6rem 1.5rem 0; max-width:100%}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {gap:.5rem}
</style>
"""
# The explorer's map fits under the header of a 1280×720 screen: its legend and attribution
# stay in view, and the wheel scrolls the page below it rather than zooming a half-seen map.
EXPLORER_MAP_HEIGHT = 500
# The map's height in presenter mode: what a 1280×720 projector leaves under the compact
# header (title and figures on one line, the tour line). Streamlit cannot read the
# viewport's height, and streamlit_folium draws its map at a fixed height in pixels.
PRESENT_MAP_HEIGHT = 570


def main() -> None:
    st.set_page_config(page_title="Carte de la réindustrialisation", page_icon="🏭", layout="wide")
    st.html(CSS)
    try:
        base = load_base(str(sites_path_option()))
    except DataError as error:
        items = "".join(f"<li>{html.escape(str(p))}</li>" for p in error.problems)
        st.html(
            f'<div class="data-error" role="alert"><b>{html.escape(t("data_error"))}</b><ul>{items}</ul></div>'
        )
        st.stop()

    # Widgets that are not drawn in a run (presenter mode has none) lose their state at
    # the end of it; writing each value back keeps the filters across mode switches.
    for key in [*W.values(), "site", "mode"]:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]

    spec_url, view_url, notices = read_url(base.known)
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    if "_written" not in st.session_state or current != st.session_state["_written"]:
        seed_widgets(spec_url, view_url)
        st.session_state["_notices"] = notices

    lang = st.session_state[W["lang"]]
    mode = st.session_state["mode"]
    # The filters come first in the sidebar, but the upload is read first (the filters
    # count its sites too): keep a slot for them above it.
    filters_box = st.sidebar.container() if mode != "present" else None
    if mode != "present":
        upload_section(base, lang)
    sites = all_sites(base)
    spec = spec_from_widgets(base, lang)
    distances = distances_to_commune(sites, base.communes, spec.near) if spec.near else None
    st.session_state["_distances"] = distances
    selection = apply_filters(sites, spec, distance_m=distances)
    if st.session_state["site"] not in set(selection["id"]):
        st.session_state["site"] = None

    if mode == "present":
        present(base, selection, spec, lang)
    else:
        explore(filters_box, base, sites, selection, spec, lang)


def current_view(lang: str) -> ViewState:
    return ViewState(
        site=st.session_state["site"],
        basemap=st.session_state[W["basemap"]],
        lang=lang,
        mode=st.session_state["mode"],
    )


def tour_card(selection: gpd.GeoDataFrame, tour: list[str], position: int, lang: str) -> str:
    """The tour line: "Site i of n — name (commune)", or how to start the tour."""
    if position < 0:
        hint = t("tour_start", lang, n=len(tour)) if tour else t("tour_empty", lang)
        return f'<div class="tour-card tour-hint" data-testid="tour-card">{html.escape(hint)}</div>'
    row = selection.set_index("id").loc[tour[position]]
    where = row["commune_nom"] if isinstance(row["commune_nom"], str) else row["dep_nom"]
    pos = t("tour_position", lang, i=position + 1, n=len(tour))
    # "Usine Algo de Châteauneuf-sur-Isère" needs no "(Châteauneuf-sur-Isère)" after it
    name = row["name"] if fold(where) in fold(row["name"]) else f"{row['name']} ({where})"
    return (
        f'<div class="tour-card" data-testid="tour-card" title="{html.escape(f"{pos} — {name}")}">'
        f'<span class="tour-pos">{html.escape(pos)} — </span><span class="tour-site">{html.escape(name)}</span></div>'
    )


def set_mode(mode: str) -> None:
    st.session_state["mode"] = mode


def explore(filters_box, base: Base, sites, selection, spec: FilterSpec, lang: str) -> None:
    sidebar(filters_box, base, sites, spec, lang)
    sb = st.sidebar
    sb.divider()
    sb.selectbox(
        t("basemap", lang),
        options=list(BASEMAPS),
        format_func=lambda b: t(f"basemap_{b}", lang),
        key=W["basemap"],
    )
    sb.radio(t("language", lang), options=["fr", "en"], format_func=str.upper, key=W["lang"], horizontal=True)

    head, actions = st.columns([4, 1], vertical_alignment="center")
    head.title(t("app_title", lang), anchor=False)
    head.caption(t("app_subtitle", lang))
    actions.button(
        t("present", lang),
        on_click=set_mode,
        args=("present",),
        type="primary",
        key="to_present",
        width="stretch",
    )
    show_notices(st.session_state.get("_notices", []), lang)

    kpi_row(selection, lang)
    if selection.empty:
        st.info(t("no_sites", lang))
    fmap = build_map(selection, base, current_view(lang))
    clicked = show_map(fmap, selection, height=EXPLORER_MAP_HEIGHT)
    if clicked and clicked != st.session_state["site"]:
        st.session_state["site"] = clicked
    view = current_view(lang)
    sync_url(spec, view)
    share_row(spec, view, lang)
    charts(selection, base, lang)
    sites_table(selection, lang)
    exports(selection, base, view, lang)
    st.caption(t("sources_credit", lang))
    st.html(f'<div id="app-ready" data-sites="{len(selection)}" data-mode="explore"></div>')


# The copy button of the share row (static; the link itself is in the input's value).
# st.code would bring its copy button with a 1.5 MB syntax highlighter to every page load.
SHARE_JS = """<script>
if (!window.__rcShare) {
  window.__rcShare = true;
  document.addEventListener('focusin', (event) => {
    if (event.target.matches('.share-row input')) event.target.select();
  });
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('.share-row button');
    if (!button) return;
    const input = button.parentElement.querySelector('input');
    input.select();
    let done = false;
    try { await navigator.clipboard.writeText(input.value); done = true; }
    catch (e) { done = document.execCommand('copy'); }
    if (done) { const label = button.textContent; button.textContent = button.dataset.done;
                setTimeout(() => { button.textContent = label; }, 1500); }
  });
}
</script>"""


def share_row(spec: FilterSpec, view: ViewState, lang: str) -> None:
    """The link to the current view, right under the map, with a copy button."""
    link = html.escape(share_link(spec, view))
    st.html(
        f'<div class="share-row" data-testid="share-link"><span title="{html.escape(t("copy_link_help", lang))}">'
        f"{html.escape(t('copy_link', lang))}</span>"
        f'<input type="text" readonly value="{link}" aria-label="{html.escape(t("copy_link", lang))}">'
        f'<button type="button" data-done="{html.escape(t("copied", lang))}">{html.escape(t("copy", lang))}</button>'
        f"</div>{SHARE_JS}",
        unsafe_allow_javascript=True,
    )


def present(base: Base, selection, spec: FilterSpec, lang: str) -> None:
    st.html(HIDE_SIDEBAR)
    tour = list(selection.sort_values(["jobs", "name"], ascending=[False, True], na_position="last")["id"])
    site = st.session_state["site"]
    position = tour.index(site) if site in tour else -1

    def step(delta: int) -> None:
        if tour:
            st.session_state["site"] = tour[(position + delta) % len(tour)]

    top, back = st.columns([5, 1], vertical_alignment="center")
    title = f'<h1 class="present-title">{html.escape(t("app_title", lang))}</h1>'
    top.html(f'<div class="present-head">{title}{kpi_row_html(selection, lang)}</div>')
    back.button(
        t("back_to_explorer", lang), on_click=set_mode, args=("explore",), key="to_explore", width="stretch"
    )
    nav = st.columns([1, 4, 1], vertical_alignment="center")
    # Page Up / Page Down: what a presentation clicker sends.
    nav[0].button(
        t("tour_prev", lang),
        on_click=step,
        args=(-1,),
        disabled=not tour,
        key="tour_prev",
        width="stretch",
        shortcut="PageUp",
    )
    nav[2].button(
        t("tour_next", lang),
        on_click=step,
        args=(1,),
        disabled=not tour,
        key="tour_next",
        width="stretch",
        shortcut="PageDown",
    )
    nav[1].html(tour_card(selection, tour, position, lang))
    view = current_view(lang)
    fmap = build_map(selection, base, view, large=True)
    show_map(fmap, selection, height=PRESENT_MAP_HEIGHT)
    sync_url(spec, view)
    st.html(f'<div id="app-ready" data-sites="{len(selection)}" data-mode="present"></div>')


if __name__ == "__main__":  # streamlit runs the script as __main__; tests import it
    main()
