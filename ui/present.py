"""Presenter mode: no sidebar, large figures, a guided tour of the sites, a tall map."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.filters import YEAR_COLUMNS
from geo.i18n import t
from geo.state import State
from geo.text import fold
from ui import session
from ui.panels import kpi_row_html, show_notices

PRESENT_CSS = (Path(__file__).parent / "present.css").read_text(encoding="utf-8")
PRESENT_JS = (Path(__file__).parent / "present.js").read_text(encoding="utf-8")
# The map's height in presenter mode as drawn first: what a 1280×720 projector leaves
# under the compact header. ui/present.css then sizes its frame to any screen (the
# viewport less the header), and the map follows its frame (runtime.js, fillFrame).
PRESENT_MAP_HEIGHT = 570


def tour_of(selection: gpd.GeoDataFrame) -> list[str]:
    """The sites in the order of the tour: most jobs first, unknown jobs last."""
    return list(selection.sort_values(["jobs", "name"], ascending=[False, True], na_position="last")["id"])


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


def _step(tour: list[str], delta: int) -> None:
    """The next (or previous) site of the tour, from the site open now."""
    site = session.state().view.site
    position = tour.index(site) if site in tour else (-1 if delta > 0 else 0)
    session.change(site=tour[(position + delta) % len(tour)])


def first_years(selection: gpd.GeoDataFrame) -> pd.Series:
    """The year each site enters the timeline: its announcement or its opening, whichever
    came first (NA when no source dates either)."""
    dates = [pd.to_numeric(selection[column], errors="coerce") for column in YEAR_COLUMNS.values()]
    return pd.concat(dates, axis=1).min(axis=1)


def _step_year(years: list[int], delta: int) -> None:
    """The next (or previous) year of the timeline; it stops at both ends."""
    year = session.state().view.timeline
    position = years.index(year) if year in years else (-1 if delta > 0 else len(years))
    session.change(timeline=years[min(max(position + delta, 0), len(years) - 1)])


def timeline_card(selection: gpd.GeoDataFrame, shown: gpd.GeoDataFrame, year: int, years: pd.Series, lang: str) -> str:
    """The year's line: "2018 — new: Usine de Croix (on a brownfield closed in 2004) · 6 sites in all"."""
    new = selection[years == year]
    names = []
    for _, row in new.iterrows():
        closed = row.get("former_closed")
        extra = f" ({t('timeline_former', lang, year=int(closed))})" if pd.notna(closed) else ""
        names.append(f"{row['name']}{extra}")
    text = t("timeline_year", lang, year=year, new=" · ".join(names) or t("timeline_none", lang), n=len(shown))
    return f'<div class="tour-card" data-testid="tour-card" title="{html.escape(text)}">{html.escape(text)}</div>'


def _nav(nav, lang: str, on_step, args_of, disabled: bool, last: bool = False) -> None:
    # Page Up / Page Down: what a presentation clicker sends.
    for column, key, delta, shortcut in ((nav[0], "tour_prev", -1, "PageUp"), (nav[-1], "tour_next", 1, "PageDown")):
        column.button(
            t(key, lang), on_click=on_step, args=args_of(delta), disabled=disabled or (last and delta > 0),
            key=key, width="stretch", shortcut=shortcut,
        )  # fmt: skip


def page(selection: gpd.GeoDataFrame, state: State, show_map: Callable[..., None]) -> None:
    """Presenter mode: the figures, then the guided tour site by site, or year by year
    (``timeline``: the map at year Y shows the sites opened, or announced, by then)."""
    lang, year = state.view.lang, state.view.timeline
    st.html(f"<style>{PRESENT_CSS}</style>")
    years = first_years(selection)  # the map at Y: the sites open or announced by then
    timeline = sorted(int(y) for y in years.dropna().unique())
    shown = selection if year is None else selection[years <= year]
    # (keyed boxes: ui/present.css lays them out again on a phone)
    top, full, back = st.container(key="present-top").columns([13, 2, 3], vertical_alignment="center")
    title = f'<div class="present-title" role="heading" aria-level="1">{html.escape(t("app_title", lang))}</div>'
    top.html(f'<div class="present-head">{title}{kpi_row_html(shown, lang)}</div>')
    full.html(
        f'<button type="button" class="rc-fullscreen" title="{html.escape(t("present_keys", lang))}">'
        f"{html.escape(t('fullscreen', lang))}</button><script>{PRESENT_JS}</script>",
        unsafe_allow_javascript=True,
    )
    back.button(
        t("back_to_explorer", lang), on_click=session.change, kwargs={"mode": "explore"}, key="to_explore",
        width="stretch",
    )  # fmt: skip
    show_notices(session.notices(), lang)
    nav = st.container(key="present-nav").columns([1, 3, 1, 1], vertical_alignment="center")
    nav[2].button(
        t("timeline_off" if year is not None else "timeline_on", lang), key="timeline",
        on_click=session.change, kwargs={"timeline": None if year is not None else (timeline[0] if timeline else None),
                                         "site": None},
        disabled=not timeline and year is None, width="stretch",
    )  # fmt: skip
    if year is None:
        tour = tour_of(selection)
        position = tour.index(state.view.site) if state.view.site in tour else -1
        _nav(nav, lang, _step, lambda delta: (tour, delta), disabled=not tour)
        nav[1].html(tour_card(selection, tour, position, lang))
    else:
        _nav(nav, lang, _step_year, lambda delta: (timeline, delta), disabled=not timeline,
             last=bool(timeline) and year >= timeline[-1])  # fmt: skip
        nav[1].html(
            timeline_card(selection, shown, year, years, lang)
            + f'<button type="button" class="rc-play">{html.escape(t("timeline_play", lang))}</button>'
        )
    new = list(selection["id"][years == year]) if year is not None else []
    show_map(shown, PRESENT_MAP_HEIGHT, highlighted=new)  # (the year's new sites pointed out)
    st.html(f'<div id="app-ready" data-sites="{len(shown)}" data-mode="present"></div>')
