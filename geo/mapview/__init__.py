"""The map of the sites (the only package that imports folium), and its PNG twin for slides.

:func:`build_map` draws one Leaflet circle marker per site (coloured by sector, sized by
jobs), the communes that host them as a jobs choropleth, département and région outlines,
a legend and a layer control, on Plan IGN, OpenStreetMap or a plain background.
:func:`to_png` draws the same content with matplotlib (imported only then).

Where things live
-----------------
- ``build.py``: building the map (:func:`build_map`, :func:`map_of_selection`,
  :func:`commune_layer_map`), its view and layers.
- ``styles.py``: colours, marker radii, the choropleth's classes, basemaps (web map,
  legend and PNG).
- ``cards.py``: the texts of tooltips and cards, escaped once per frame and language.
- ``payload.py``: the wire format (TypedDicts with named fields) and the reference decoder.
- ``elements.py``: the one folium element that calls the runtime, and the runtime itself.
- ``background.py``: communes, outlines and their geometry work (:class:`Background`).
- ``catalog.py``: what a frame of sites costs once (texts, served file), held by its owner.
- ``legend.py``: the legend's HTML. ``png.py``: the PNG (the only matplotlib importer).
- ``static/``: ``runtime.js`` (``window.ReindusMap``), ``decode.js`` (the pure decoding
  functions, also a node module), ``runtime.css``; served by the app under content-hashed
  names (``geo.assets.publish``), inlined in an exported page.

How the sites reach the browser
-------------------------------
Not as one folium element per site: all sites are one named, columnar payload
(:class:`~geo.mapview.payload.SitePayload`) that the runtime turns into circle markers.
Every text from data is escaped in Python before it goes into a payload; folium's
``Tooltip`` and ``Popup`` are not used (they paste text into a JavaScript template
literal, and ``Popup`` needs jQuery). With the app's data of :data:`SERVE_MIN_SITES`
sites or more (``files`` given), every site goes once into a compressed file the app
serves (:mod:`geo.served`), and the map carries a bit mask of the ones it shows.

Contract for browser tests (inside the ``streamlit_folium`` iframe, or the page itself)
---------------------------------------------------------------------------------------
- ``window.__sites``: ``{site id: Leaflet layer}`` for every site drawn (layers of hidden
  sectors included); ``window.__siteCount`` and the map container's ``data-site-count``:
  the count; ``window.__communes``: ``{insee: layer}`` of the choropleth.
- ``window.__reindus.openSite(id)`` centres the map on a site and opens its card;
  ``window.__reindus.openCommune(insee)`` opens a commune's card; ``window.__reindus.map``.
- ``window.__mapReady === true`` once every layer is built and the view is set (a served
  sites file fetched, or ``window.__mapError`` says why it could not be, also on the map).
- Up to :data:`SVG_MAX_SITES` sites every marker is a DOM ``path.site-marker`` with classes
  ``site-<id>`` (characters outside ``[A-Za-z0-9_-]`` replaced by ``_``) and
  ``sector-<slug>``; above, a canvas (use ``window.__sites``).
- An open site card is ``div.rc-card[data-site-id]``; a commune card ``div.rc-commune``.
"""

from __future__ import annotations

from geo.mapview.background import (
    COMMUNE_DECIMALS,
    DETAIL_VERTEX_BUDGET,
    NATIONAL_DECIMALS,
    OUTLINE_DECIMALS,
    OUTLINE_TOLERANCE_DEG,
    Background,
    outline_shapes,
)
from geo.mapview.build import (
    CANVAS_AREAS,
    CLUSTER_MAX_ZOOM,
    CLUSTER_MIN_SITES,
    COMMUNE_SITES_MAX,
    DEPARTEMENT_SITE_ZOOM,
    FIT_MAX_ZOOM,
    FRANCE_CENTER,
    FRANCE_ZOOM,
    SERVE_MIN_SITES,
    SINGLE_SITE_ZOOM,
    SVG_MAX_SITES,
    View,
    build_map,
    commune_jobs,
    commune_layer_map,
    early_page_script,
    map_of_selection,
)
from geo.mapview.cards import safe_url
from geo.mapview.catalog import SiteCatalog
from geo.mapview.legend import legend_html
from geo.mapview.payload import COORD_DECIMALS
from geo.mapview.styles import (
    BACKGROUND,
    BASEMAPS,
    CHOROPLETH_COLORS,
    DEPARTEMENT_HALO_M,
    JOBS_BREAKS,
    LEGEND_JOBS,
    NO_JOBS_FILL,
    RADIUS_MAX_PX,
    RADIUS_MIN_PX,
    RADIUS_PER_SQRT_JOB,
    RADIUS_UNKNOWN_PX,
    UPLOAD_STROKE,
    jobs_color,
    radius_px,
)


def to_png(*args, **kwargs) -> bytes:
    """A static PNG of the map for slides: see :func:`geo.mapview.png.to_png` (imports matplotlib)."""
    from geo.mapview.png import to_png as render

    return render(*args, **kwargs)


def offline_html(sites, *, title: str, **options) -> str:
    """The exported HTML map of ``sites`` (everything inside it, no served file) on the layers
    this process loads itself, once: what a worker process (:mod:`geo.offload`) runs.
    ``options`` go to :func:`build_map` (``cards_from``: the frame of the sites' card texts)."""
    from geo.assets import standalone_html

    return standalone_html(map_of_selection(sites, Background.shared(), files=None, **options), title=title)


def slide_png(sites, **kwargs) -> bytes:
    """:func:`to_png` on the commune layers this process loads itself, once: what a worker
    process (:mod:`geo.offload`) runs, given only the sites and the options."""
    from geo.mapview.png import slide_png as render

    return render(sites, **kwargs)


__all__ = [
    "BACKGROUND", "BASEMAPS", "CANVAS_AREAS", "CHOROPLETH_COLORS", "CLUSTER_MAX_ZOOM", "CLUSTER_MIN_SITES",
    "COMMUNE_DECIMALS", "COMMUNE_SITES_MAX", "COORD_DECIMALS", "DEPARTEMENT_HALO_M", "DEPARTEMENT_SITE_ZOOM",
    "DETAIL_VERTEX_BUDGET", "FIT_MAX_ZOOM", "FRANCE_CENTER", "FRANCE_ZOOM", "JOBS_BREAKS", "LEGEND_JOBS",
    "NATIONAL_DECIMALS", "NO_JOBS_FILL", "OUTLINE_DECIMALS", "OUTLINE_TOLERANCE_DEG", "RADIUS_MAX_PX",
    "RADIUS_MIN_PX", "RADIUS_PER_SQRT_JOB", "RADIUS_UNKNOWN_PX", "SERVE_MIN_SITES", "SINGLE_SITE_ZOOM",
    "SVG_MAX_SITES", "UPLOAD_STROKE", "Background", "SiteCatalog", "View", "build_map",
    "commune_jobs", "commune_layer_map", "early_page_script", "jobs_color", "legend_html", "map_of_selection",
    "outline_shapes", "offline_html", "radius_px", "safe_url", "slide_png", "to_png",
]  # fmt: skip
