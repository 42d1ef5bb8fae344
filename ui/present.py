"""Presenter mode: no sidebar, large figures, a guided tour of the sites, a tall map."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import streamlit as st

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


def page(selection: gpd.GeoDataFrame, state: State, show_map: Callable[[int], None]) -> None:
    lang = state.view.lang
    st.html(f"<style>{PRESENT_CSS}</style>")
    tour = tour_of(selection)
    position = tour.index(state.view.site) if state.view.site in tour else -1
    top, full, back = st.columns([13, 2, 3], vertical_alignment="center")
    title = f'<div class="present-title" role="heading" aria-level="1">{html.escape(t("app_title", lang))}</div>'
    top.html(f'<div class="present-head">{title}{kpi_row_html(selection, lang)}</div>')
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
    nav = st.columns([1, 4, 1], vertical_alignment="center")
    # Page Up / Page Down: what a presentation clicker sends.
    for column, key, delta, shortcut in ((nav[0], "tour_prev", -1, "PageUp"), (nav[2], "tour_next", 1, "PageDown")):
        column.button(
            t(key, lang), on_click=_step, args=(tour, delta), disabled=not tour, key=key, width="stretch",
            shortcut=shortcut,
        )  # fmt: skip
    nav[1].html(tour_card(selection, tour, position, lang))
    show_map(PRESENT_MAP_HEIGHT)
    st.html(f'<div id="app-ready" data-sites="{len(selection)}" data-mode="present"></div>')
