"""The explorer's sidebar: the filters with live counts, the radius search, basemap, language.

Every widget is bound to one URL parameter (``ui.session.bind``): its bounds and choices
come from the parameter table (``geo.state.PARAMS``), its value from the state.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.filters import apply_filters, facet_counts
from geo.i18n import fmt_int, t
from geo.state import BASEMAPS, LANGS, FilterSpec, State, param
from geo.vocab import SECTORS, STATUSES
from ui import session


def _none_if_any(value: str) -> str | None:
    return None if value == "any" else value


def filters(
    sb,
    sites: gpd.GeoDataFrame,
    state: State,
    distances: pd.Series | None,
    names: dict[str, pd.Series],
    resolve_near: Callable[[str], tuple[str | None, str]],
) -> None:
    """The filter widgets in ``sb`` (a sidebar container), each with live counts under the other filters."""
    spec, lang = state.spec, state.view.lang
    sb.header(t("filters", lang))

    def counts(column: str, attr: str) -> pd.Series:
        return facet_counts(sites, spec, column, attr, distance_m=distances)

    def counted(label: str, n: int) -> str:
        return f"{label} ({fmt_int(n, lang)})"

    by_sector = counts("sector", "sectors")
    sb.multiselect(
        t("sector", lang),
        options=list(param("sector").choices),
        format_func=lambda s: counted(SECTORS[s].label(lang), by_sector.get(s, 0)),
        placeholder=t("all_sectors", lang),
        **session.bind("sector"),
    )
    _jobs(sb, sites, spec, distances, lang)
    by_brownfield = counts("brownfield", "brownfield")
    brownfield_counts = {
        "any": int(by_brownfield.sum()),
        "yes": int(by_brownfield.get(True, 0)),
        "no": int(by_brownfield.get(False, 0)),
    }
    sb.radio(
        t("brownfield", lang),
        options=["any", *param("brownfield").choices],
        format_func=lambda v: counted(t("brownfield_" + v, lang), brownfield_counts[v]),
        horizontal=True,
        **session.bind("brownfield", to_widget=lambda v: v or "any", from_widget=_none_if_any),
    )
    by_status = counts("status", "statuses")
    sb.multiselect(
        t("status", lang),
        options=list(param("status").choices),
        format_func=lambda s: counted(STATUSES[s].label(lang), by_status.get(s, 0)),
        placeholder=t("all_statuses", lang),
        **session.bind("status"),
    )
    _places(sb, names, counts, counted, lang)
    sb.text_input(t("search", lang), max_chars=int(param("q").high), **session.bind("q"))
    _radius(sb, spec, lang, resolve_near)
    sb.button(t("reset", lang), on_click=session.reset, kwargs={"lang": lang}, width="stretch")


def _places(sb, names: dict[str, pd.Series], counts, counted, lang: str) -> None:
    """Régions and départements, by name, with their counts."""
    for name, attr, key, all_key in (("reg", "regs", "region", "all_regions"), ("dep", "deps", "departement", "all_departements")):
        labels, by_code = names[name], counts(name, attr)
        options = sorted(labels.index, key=lambda c: labels[c]) if name == "reg" else list(labels.index)
        shown = (lambda c, labels=labels: labels[c]) if name == "reg" else (lambda c, labels=labels: f"{c} – {labels[c]}")
        sb.multiselect(
            t(key, lang),
            options=options,
            format_func=lambda c, shown=shown, by_code=by_code: counted(shown(c), by_code.get(c, 0)),
            placeholder=t(all_key, lang),
            **session.bind(name),
        )


def _jobs(sb, sites, spec: FilterSpec, distances, lang: str) -> None:
    low, high, step = param("jobs_min").low, param("jobs_min").high, param("jobs_min").step
    c1, c2 = sb.columns(2)
    for column, name in ((c1, "jobs_min"), (c2, "jobs_max")):
        column.number_input(
            t(name, lang), min_value=int(low), max_value=int(high), step=int(step), value=None, **session.bind(name)
        )
    if spec.has_jobs_bound:
        unknown = int(apply_filters(sites, spec, skip="jobs", distance_m=distances)["jobs"].isna().sum())
        sb.caption(t("jobs_bound_note", lang, n=unknown))


def _radius(sb, spec: FilterSpec, lang: str, resolve_near) -> None:
    text, message = session.near_text()
    km = param("km")
    # open while a commune is typed, so that its own message (ambiguous, not found) shows
    with sb.expander(t("radius", lang), expanded=bool(text or spec.near)):
        st.text_input(t("radius_commune", lang), max_chars=120, **session.bind_near(resolve_near))
        st.slider(t("radius_km", lang), min_value=km.low, max_value=km.high, step=km.step, **session.bind("km"))
        if message:
            st.caption(message)


def view_controls(sb, state: State, names_of_hidden: list[str]) -> None:
    """Basemap and language (both also in the URL); the layers hidden in the map's control."""
    lang = state.view.lang
    sb.divider()
    sb.selectbox(
        t("basemap", lang),
        options=list(BASEMAPS),
        format_func=lambda b: t(f"basemap_{b}", lang),
        **session.bind("basemap"),
    )
    if names_of_hidden:
        sb.caption(t("hidden_layers", lang, layers=", ".join(names_of_hidden)))
    sb.radio(t("language", lang), options=list(LANGS), format_func=str.upper, horizontal=True, **session.bind("lang"))
