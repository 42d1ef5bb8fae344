"""The floor of the bench (issue 14): the smallest st_folium page on the same stack as the app.

``streamlit run bench/floor_app.py``. One folium map with the app's own self-hosted
Leaflet (``geo.assets.localize``: ``/app/static/vendor/``, no CDN), the app's default
basemap (its tiles are refused by the bench, as the app's are), a handful of circle
markers and no data of ours; then the app's readiness marker. Whatever a page of the app
takes beyond this one is ours: the browser figures are also given as a ratio to it.

Readiness, as the app's (``bench.browser.SITES_DRAWN_JS``): in the map's iframe,
``window.__sitesDrawn === true`` and ``window.__siteCount`` set by the map script right after
its markers are on the map (an SVG circle marker is drawn when it is added); then the page
complete (``bench.browser.PAGE_COMPLETE_JS``): ``#app-ready[data-sites]`` after the map in
the page, and ``window.__mapReady`` (set here with the markers; the app's map sets it once
its communes are drawn too).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium
import streamlit as st
from branca.element import MacroElement
from folium.template import Template
from streamlit_folium import st_folium

from geo import assets
from geo.mapview.styles import BASEMAPS

# A handful of points in mainland France (lat, lon).
MARKERS = [(48.86, 2.35), (45.76, 4.84), (43.30, 5.37), (50.63, 3.06), (47.22, -1.55)]
# The app's explorer map height (app.EXPLORER_MAP_HEIGHT; not imported: the app module is heavy).
MAP_HEIGHT = 500


class Ready(MacroElement):
    """The app's readiness in the map's iframe, set once the markers before it are drawn."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        performance.mark('rc:markers_drawn');
        window.__siteCount = {{ this.count }};
        window.__sitesDrawn = true;
        window.__mapReady = true;
        {% endmacro %}"""
    )

    def __init__(self, count: int):
        super().__init__()
        self._name = "Ready"
        self.count = count


def floor_map() -> folium.Map:
    m = folium.Map(location=(46.6, 2.45), zoom_start=6, tiles=None, min_zoom=2, zoom_snap=0.5)
    spec = BASEMAPS["plan-ign"]
    folium.TileLayer(tiles=spec["tiles"], attr=spec["attr"], name="Plan IGN", max_zoom=spec["max_zoom"]).add_to(m)
    for lat, lon in MARKERS:
        folium.CircleMarker((lat, lon), radius=8, color="#0072b2", fill=True, fill_opacity=0.7).add_to(m)
    m.add_child(Ready(len(MARKERS)))
    return assets.localize(m)


st.set_page_config(page_title="Floor", layout="wide")
st_folium(floor_map(), key="map", height=MAP_HEIGHT, use_container_width=True, returned_objects=[])
st.html(f'<div id="app-ready" data-sites="{len(MARKERS)}"></div>')
