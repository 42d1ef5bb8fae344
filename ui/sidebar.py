"""The explorer's sidebar: the filters with live counts, the radius search, basemap, language.

Every widget is bound to one URL parameter (``ui.session.bind``): its bounds and choices
come from the parameter table (``geo.state.PARAMS``), its value from the state.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.filters import YEAR_COLUMNS, apply_filters, facet_counts, friche_counts, friche_mask
from geo.friches_schema import FRICHE_STATUSES, FRICHE_TYPES
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

    def multi(name: str, column: str, label: str, placeholder: str, shown, options=None) -> None:
        p = param(name)
        by_value = counts(column, p.field)
        sb.multiselect(
            t(label, lang),
            options=list(options if options is not None else p.choices),
            format_func=lambda v: counted(shown(v), by_value.get(v, 0)),
            placeholder=t(placeholder, lang),
            **session.bind(name),
        )

    multi("sector", "sector", "sector", "all_sectors", lambda s: SECTORS[s].label(lang))
    _jobs(sb, sites, spec, distances, lang)
    _years(sb, sites, spec, distances, lang)
    _brownfield(sb, counts("brownfield", "brownfield"), counted, lang)
    multi("status", "status", "status", "all_statuses", lambda s: STATUSES[s].label(lang))
    regs, deps = names["reg"], names["dep"]
    multi("reg", "reg", "region", "all_regions", regs.get, options=sorted(regs.index, key=regs.get))
    multi("dep", "dep", "departement", "all_departements", lambda c: f"{c} – {deps[c]}", options=deps.index)
    sb.text_input(t("search", lang), max_chars=int(param("q").high), **session.bind("q"))
    _radius(sb, spec, lang, resolve_near)
    sb.button(t("reset", lang), on_click=session.reset, kwargs={"lang": lang}, width="stretch")


def friche_filters(
    sb, friches: gpd.GeoDataFrame, state: State, distances: pd.Series | None, near_sites: np.ndarray | None = None
) -> None:
    """The friches layer's one toggle and, when it is on, its filters with live counts
    (the régions, départements and radius above apply to the friches too); ``near_sites``:
    which friches lie within ``friche_near_km`` of a site shown (``geo.friches_near``)."""
    spec, lang = state.spec, state.view.lang
    sb.divider()
    sb.toggle(t("friches_toggle", lang), **session.bind("friches"))
    if not state.view.friches:
        return

    def multi(name: str, column: str, vocab, placeholder: str) -> None:
        p = param(name)
        by_value = friche_counts(friches, spec, column, p.field, distance_m=distances, near_sites=near_sites)
        selected = set(state.get(p.field))
        # (values no friche has under the other filters are left out, unless chosen)
        options = [v for v in p.choices if by_value.get(v, 0) or v in selected]
        sb.multiselect(
            t(name, lang),
            options=options,
            format_func=lambda v: f"{vocab.label(v, lang)} ({fmt_int(by_value.get(v, 0), lang)})",
            placeholder=t(placeholder, lang),
            **session.bind(name),
        )

    multi("friche_status", "status", FRICHE_STATUSES, "all_friche_statuses")
    multi("friche_type", "friche_type", FRICHE_TYPES, "all_friche_types")
    low, high, step = param("friche_ha_min").low, param("friche_ha_min").high, param("friche_ha_min").step
    c1, c2 = sb.columns(2)
    for column, name in ((c1, "friche_ha_min"), (c2, "friche_ha_max")):
        column.number_input(t(name, lang), min_value=low, max_value=high, step=step, value=None, **session.bind(name))
    if spec.friche_ha_min is not None or spec.friche_ha_max is not None:
        unknown = friche_counts(friches, spec, "surface_ha", "friche_ha", distance_m=distances, near_sites=near_sites)
        sb.caption(t("friche_ha_note", lang, n=int(unknown[unknown.index.isna()].sum())))
    _friches_near_sites(sb, friches, spec, distances, near_sites, lang)


def _friches_near_sites(sb, friches, spec: FilterSpec, distances, near_sites, lang: str) -> None:
    """"Friches near the sites shown": a toggle with the count it would keep, and its radius."""
    if near_sites is None:
        return
    others = friche_mask(friches, spec, distance_m=distances, near_sites=near_sites, skip="friche_near_sites")
    n = int((others & np.asarray(near_sites, dtype=bool)).sum())
    sb.toggle(
        t("friche_near_sites", lang, km=f"{spec.friche_near_km:g}".replace(".", "," if lang == "fr" else "."),
          n=fmt_int(n, lang)),
        **session.bind("friche_near_sites"),
    )
    if spec.friche_near_sites:
        km = param("friche_near_km")
        sb.slider(t("friche_near_km", lang), min_value=km.low, max_value=km.high, step=km.step,
                  **session.bind("friche_near_km"))  # fmt: skip


def _brownfield(sb, by_value: pd.Series, counted, lang: str) -> None:
    """Brownfield reuse in three states and "any": unknown is a value, not a "no"."""
    n = {
        "any": int(by_value.sum()),
        "yes": int(by_value.get(True, 0)),
        "no": int(by_value.get(False, 0)),
        "unknown": int(by_value[by_value.index.isna()].sum()),
    }
    sb.radio(
        t("brownfield", lang),
        options=["any", *param("brownfield").choices],
        format_func=lambda v: counted(t("brownfield_" + v, lang), n[v]),
        horizontal=True,
        **session.bind("brownfield", to_widget=lambda v: v or "any", from_widget=_none_if_any),
    )


def _years(sb, sites, spec: FilterSpec, distances, lang: str) -> None:
    """A range of years over the years present, on the opening or the announcement date."""
    sb.radio(
        t("year_of", lang),
        options=list(param("year_of").choices),
        format_func=lambda v: t(f"year_of_{v}", lang),
        horizontal=True,
        **session.bind("year_of"),
    )
    years = pd.to_numeric(sites[YEAR_COLUMNS[spec.year_of]], errors="coerce").dropna()
    if years.nunique() >= 2:  # (a slider needs two ends)
        sb.slider(t("years", lang), min_value=int(years.min()), max_value=int(years.max()),
                  **session.bind_range("year_min", "year_max", int(years.min()), int(years.max())))  # fmt: skip
    elif years.empty:
        sb.caption(t("no_years", lang))
    if spec.has_year_bound:
        column = YEAR_COLUMNS[spec.year_of]
        unknown = int(apply_filters(sites, spec, skip="years", distance_m=distances)[column].isna().sum())
        sb.caption(t("year_bound_note", lang, n=unknown))


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
