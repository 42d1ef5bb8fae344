"""Build the folium map of the sites (the only module that imports folium), and its PNG twin.

:func:`build_map` draws one Leaflet ``L.circleMarker`` per site (coloured by sector, sized
by jobs), the communes that host them as a jobs choropleth, département and région
outlines, a legend and a layer control, on Plan IGN, OpenStreetMap or a plain
background. :func:`to_png` draws the same content with matplotlib for slides.

How the sites reach the browser
-------------------------------
Not as one folium element per site (thousands of jinja renders and kilobytes of JS per
marker, the approach issue 4 measures as the baseline): each layer is one
:class:`_SiteLayer` carrying a compact JSON array, turned into circle markers by a small
runtime (``window.ReindusMap``, emitted once per map). Every text that comes from data
is escaped with :func:`html.escape` here in Python, before it goes into that JSON; the
browser only concatenates those escaped strings inside our own markup. folium's
``Tooltip`` and ``Popup`` are not used: they paste their text into a JavaScript template
literal (``${...}`` there runs code even after HTML escaping) and ``Popup`` needs jQuery.

With the app's data of :data:`SERVE_MIN_SITES` sites or more (``files`` given), the sites
are not in the map at all: every site of the data goes once into a compressed file the
app serves (:mod:`geo.served`), and the map carries a bit mask of the ones it shows. A
filter change then sends a few kilobytes for the sites instead of megabytes, and the
browser reads the file from its cache.

Contract for browser tests (inside the ``streamlit_folium`` iframe, or the page itself)
---------------------------------------------------------------------------------------
- ``window.__sites``: ``{site id: Leaflet layer}`` for every site drawn (an
  ``Object.create(null)`` map; layers of hidden sectors included);
  ``window.__siteCount`` and the map container's ``data-site-count`` attribute: the
  count; ``window.__communes``: ``{insee: layer}`` of the choropleth.
- ``window.__reindus.openCommune(insee)`` opens a commune's card.
- ``window.__mapReady === true`` once every layer is built and the view is set (a served
  sites file fetched, or ``window.__mapError`` says why it could not be, also shown on
  the map).
- ``window.__reindus.openSite(id)`` centres the map on a site and opens its card.
- Up to :data:`SVG_MAX_SITES` sites the map renders with SVG, so every marker is a DOM
  ``path.site-marker`` with classes ``site-<id>`` (id with characters outside
  ``[A-Za-z0-9_-]`` replaced by ``_``) and ``sector-<slug>``; above, it renders on a
  canvas (no element per marker: use ``window.__sites``).
- An open site card is ``div.rc-card[data-site-id]``; a commune card ``div.rc-commune``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import json
import math
import re
import warnings
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import folium
import folium.elements
import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
from folium.template import Template

from geo import assets
from geo.encode import StringTable, encode_geometries
from geo.i18n import TEXTS, fmt_eur, fmt_int
from geo.i18n import t as _t
from geo.served import FileStore
from geo.vocab import PRECISIONS, SECTORS, STATUSES

# --------------------------------------------------------------------------- settings

# Up to this many sites: SVG (one DOM element per marker, countable by tests); above:
# canvas, which stays fluid with tens of thousands of markers.
SVG_MAX_SITES = 2000
# Above this many sites, markers are clustered (cluster=None means "auto"; up close every
# site is its own proportional marker again). A year of national announcements (3,000 to
# 3,600) stays unclustered; 10,000 unclustered circles take about 1.3 s more to open in
# the 2-core machine's Chromium than 10,000 clustered sites (bench/: browser_10k).
CLUSTER_MIN_SITES = 5_000
# From this many sites in the app's frame, its sites travel as one served file (geo.served).
SERVE_MIN_SITES = 2_000
# Clusters up to this zoom; from the next one on, every site in view is its own marker.
CLUSTER_MAX_ZOOM = 12
# 1e-5° is about 1 m: finer than any boundary we draw, and it halves the payload.
COORD_DECIMALS = 5
# Outlines are context, not data: simplified as a coverage (shared borders stay shared;
# the tolerance is GEOS's coverage-simplification one, in degrees) and quantized to 1e-3°
# (OUTLINE_DECIMALS, below).
OUTLINE_TOLERANCE_DEG = 0.005

FRANCE_CENTER = (46.6, 2.45)
FRANCE_ZOOM = 6
SINGLE_SITE_ZOOM = 11
DEPARTEMENT_SITE_ZOOM = 9
FIT_MAX_ZOOM = 12
# A département-precision site is drawn with a dashed halo of this radius (metres):
# "somewhere around here", not a spot.
DEPARTEMENT_HALO_M = 20_000

# Marker radius in pixels: area proportional to jobs (r = k·√jobs), with a floor so small
# sites stay clickable and a ceiling so a giant does not hide its neighbours.
RADIUS_PER_SQRT_JOB = 1.0
RADIUS_MIN_PX = 5.0
RADIUS_MAX_PX = 40.0
RADIUS_UNKNOWN_PX = 7.0
LEGEND_JOBS = (100, 500, 1000)

# Choropleth of jobs per commune: fixed classes, so colours mean the same under any filter.
JOBS_BREAKS = (1, 100, 300, 1000)
CHOROPLETH_COLORS = ("#dadaeb", "#bcbddc", "#9e9ac8", "#6a51a3")
# A commune whose sites give no jobs figure: white and dashed, like an unknown-jobs marker.
NO_JOBS_FILL = "#ffffff"
UPLOAD_STROKE = "#111111"
BACKGROUND = "#eef0ea"

BASEMAPS: dict[str, dict[str, object]] = {
    "plan-ign": {
        "tiles": (
            "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
            "&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
        ),
        "attr": "© IGN – Plan IGN",
        "max_zoom": 19,
    },
    "osm": {
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": '© <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">'
        "OpenStreetMap</a> contributors",
        "max_zoom": 19,
    },
    "none": {},
}

# Columns a site card does not show as rows: drawn elsewhere in the card (title, header),
# internal, or the commune's own figures (on the commune card).
_CARD_SKIP = {
    "geometry", "name", "sector", "status", "layer", "search_text", "lon", "lat", "population",
    "epci", "commune", "commune_nom", "dep", "dep_nom", "reg", "reg_nom", "insee", "jobs_note",
    "sources", "id", "cluster",
}  # fmt: skip


def _e(value: object) -> str:
    """Escape any value for HTML (text and attribute contexts)."""
    return _escape(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=65536)
def _escape(text: str) -> str:
    # Data repeats itself (communes, départements, companies, labels): escape each text once.
    return html.escape(text, quote=True)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class View:
    """Where the map opens: fit ``bounds`` (south-west, north-east) or ``center`` at ``zoom``."""

    center: tuple[float, float]
    zoom: int
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None


def build_map(
    sites: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame | None = None,
    commune_stats: pd.DataFrame | None = None,
    departements: gpd.GeoDataFrame | None = None,
    regions: gpd.GeoDataFrame | None = None,
    *,
    lang: str = "fr",
    basemap: str = "plan-ign",
    selected: str | None = None,
    height: int | str | None = None,
    large: bool = False,
    cluster: bool | None = None,
    layer_control_collapsed: bool = True,
    cards_from: gpd.GeoDataFrame | None = None,
    files: FileStore | None = None,
) -> folium.Map:
    """The folium map of ``sites``: markers, commune choropleth, outlines, legend, controls.

    Parameters
    ----------
    sites : GeoDataFrame
        Joined sites (EPSG:4326 points), columns as ``geo.join`` makes them; ``layer ==
        'upload'`` marks user-uploaded sites (own layer). Only ``id``, ``name`` and
        ``sector`` are required; any other column may be missing or NA.
    communes : GeoDataFrame, optional
        Polygons of the communes hosting the sites (``insee``, ``nom``, ``dep``, ``reg``,
        ``epci``, ``population``), drawn as a choropleth of ``commune_stats.jobs``.
    commune_stats : DataFrame, optional
        ``insee``, ``sites``, ``jobs``, ``jobs_per_1000`` per commune (``geo.aggregate``);
        computed from ``sites`` when omitted.
    departements, regions : GeoDataFrame, optional
        Outlines (``code``, ``nom``, geometry), drawn as thin lines, not interactive.
    lang : 'fr' or 'en'
    basemap : 'plan-ign', 'osm' or 'none'
        The base layer shown first (the others stay in the layer control); ``none`` is a
        plain background that needs no network.
    selected : str, optional
        Id of a site whose card opens on load, the map centred on it.
    height : int or str, optional
        Map height (pixels or CSS length); the page's full height by default.
    large : bool
        Presenter mode: larger legend, tooltip and card text.
    cluster : bool, optional
        Cluster markers per sector; by default only above :data:`CLUSTER_MIN_SITES` sites.
    layer_control_collapsed : bool
        The layer control as Leaflet's small button (expands on hover), or always open.
    cards_from : GeoDataFrame, optional
        The frame ``sites`` was filtered from: its tooltip and card texts are escaped and
        formatted once (kept while the frame lives) and a filter change only picks rows.
    files : geo.served.FileStore, optional
        Where the app serves files. With ``cards_from`` of :data:`SERVE_MIN_SITES` sites or
        more, every site of ``cards_from`` goes into one file there, written once, and the
        map only says which of them it shows (the browser fetches the file). Without it
        (an exported HTML file), or when ``cards_from`` holds uploaded sites (never
        written to disk), the sites are in the map itself.
    """
    sites = _check_sites(sites)
    if basemap not in BASEMAPS:
        raise ValueError(f"build_map: basemap must be one of {sorted(BASEMAPS)}, got {basemap!r}")
    if lang not in ("fr", "en"):
        raise ValueError(f"build_map: lang must be 'fr' or 'en', got {lang!r}")
    if selected is not None and selected not in set(sites["id"]):
        selected = None  # a stale ?site= (filtered out, or removed): open the normal view
    if cluster is None:
        cluster = len(sites) > CLUSTER_MIN_SITES

    view = _view(sites)
    m = folium.Map(
        location=list(view.center),
        zoom_start=view.zoom,
        tiles=None,
        min_zoom=2,
        zoom_snap=0.5,  # France fills more of the map than with whole zoom levels
        prefer_canvas=len(sites) > SVG_MAX_SITES,
        height=height if height is not None else "100%",
    )
    runtime = _Runtime(large=large, lang=lang)
    m.add_child(runtime)
    table = StringTable()
    m.add_child(_Strings(table))
    _add_basemaps(m, basemap, lang)

    cards = _cached_cards(cards_from, lang) if cards_from is not None else _site_cards(sites, lang)
    site_file = None
    if (
        files is not None
        and cards_from is not None
        and len(cards_from) >= SERVE_MIN_SITES
        and not _uploads(cards_from).any()  # a user's uploaded sites stay in their session, never on disk
    ):
        try:
            site_file = _site_file(cards_from, lang, files)
        except OSError as exc:  # e.g. a read-only app directory: the sites go in the map
            warnings.warn(f"geo.mapview: sites not served from {files.directory}: {exc}", stacklevel=2)
    uploads = _uploads(sites)
    # The legend and the view first: every layer is then drawn once, in its final place.
    has_communes = communes is not None and not communes.empty
    m.add_child(_Legend(legend_html(sites, lang, communes=has_communes, uploads=bool(uploads.any()))))
    m.add_child(_View(view, selected=selected, selected_zoom=_selected_zoom(sites, selected)))
    sector = pd.Categorical(sites["sector"], categories=list(SECTORS)).codes  # small integers, compared fast
    layers = [
        (f'<span class="rc-swatch" style="background:{term.color}"></span>{_e(term.label(lang))}', term.color,
         ~uploads & (sector == k))
        for k, term in enumerate(SECTORS.values())
    ]  # fmt: skip
    layers.append(
        (
            f'<span class="rc-swatch rc-swatch-upload"></span>{_e(_t("upload_layer", lang))}',
            UPLOAD_STROKE,
            uploads,
        )
    )
    # One toggle (feature group) per sector shown, and one payload for all the sites: the
    # runtime puts each marker in its group, "gs" of its sector or "gu" if uploaded.
    groups, group_of_layer = [], []
    for name, _color, mask in layers:
        group_of_layer.append(len(groups) if mask.any() else -1)
        if mask.any():
            groups.append(folium.FeatureGroup(name=f"{name} ({int(mask.sum())})", overlay=True, show=True))
            m.add_child(groups[-1])
    group_index = {"gs": group_of_layer[:-1], "gu": group_of_layer[-1]}
    if site_file is not None:
        payload = {
            "src": files.url_of(site_file.name),
            "sel": _selection_mask(cards.positions(sites["id"]), len(cards.ids)),
            "n": len(sites),
            **group_index,
        }
        label_keys = set(site_file.card_keys)
    else:
        payload = _site_payload(sites, cards.rows_of(sites["id"]), cards, table) | group_index
        label_keys = {col["k"] for col in payload["c"]}
    m.add_child(_SiteLayer(payload, groups, cluster=cluster))
    label_keys |= set(_COMMUNE_ROWS)
    runtime.set_labels(_labels_for(label_keys, lang))

    if has_communes:
        stats = commune_stats if commune_stats is not None else commune_jobs(sites)
        names = {
            "dep": _names(departements) or _names_from(sites, "dep", "dep_nom"),
            "reg": _names(regions) or _names_from(sites, "reg", "reg_nom"),
        }
        payload, shapes = _commune_payload(communes, stats, names, lang, table)
        group = folium.FeatureGroup(name=_e(_t("layer_communes", lang)), overlay=True, show=True)
        group.add_child(_AreaLayer(payload, shapes, kind="communes"))
        m.add_child(group)
    outlines = _cached_outlines(departements, regions)
    for shapes, kind in zip(outlines, ("departements", "regions"), strict=True):
        if shapes is not None:
            group = folium.FeatureGroup(name=_e(_t(f"layer_{kind}", lang)), overlay=True, show=True)
            group.add_child(_AreaLayer({"d": OUTLINE_DECIMALS}, shapes, kind=kind))
            m.add_child(group)

    m.add_child(_Finish())
    m.add_child(folium.LayerControl(position="topright", collapsed=layer_control_collapsed))
    return assets.localize(m)


class Background:
    """The read-only layers under the sites, loaded once per process (the app caches it).

    Communes at two levels of detail — ``communes.parquet`` (simplified at 25 m) and
    ``communes_national.parquet`` (1 km, for when a map shows thousands of them) — with
    their rings encoded on first use and kept, plus départements and régions.
    """

    def __init__(
        self,
        communes: gpd.GeoDataFrame,
        national: gpd.GeoDataFrame,
        departements: gpd.GeoDataFrame,
        regions: gpd.GeoDataFrame,
    ) -> None:
        self.communes = communes
        self.departements = departements
        self.regions = regions
        self.population = communes.set_index("insee")["population"]
        detailed = communes.set_index("insee").geometry
        coarse = national.set_index("insee").geometry.reindex(detailed.index)
        coarse = coarse.where(coarse.notna(), detailed)
        self._levels = {
            "detailed": (detailed, COMMUNE_DECIMALS),
            "national": (coarse, NATIONAL_DECIMALS),
        }
        self._vertices = pd.Series(shapely.get_num_coordinates(detailed.values), index=detailed.index)
        self._shapes: dict[str, dict[str, str | None]] = {"detailed": {}, "national": {}}

    @classmethod
    def load(cls) -> Background:
        from geo.load import load_communes, load_departements, load_national_communes, load_regions

        return cls(load_communes(), load_national_communes(), load_departements(), load_regions())

    def level_for(self, codes: pd.Index) -> str:
        """``detailed`` while the communes' detailed rings stay within DETAIL_VERTEX_BUDGET."""
        return "detailed" if self._vertices.reindex(codes).sum() <= DETAIL_VERTEX_BUDGET else "national"

    def communes_for(self, codes: Iterable[str]) -> gpd.GeoDataFrame:
        """The communes of ``codes`` (unknown codes ignored) with their encoded rings (``shape``)."""
        frame = self.communes[self.communes["insee"].isin(pd.Index(list(codes)))]
        level = self.level_for(pd.Index(frame["insee"]))
        geometry, decimals = self._levels[level]
        cache = self._shapes[level]
        todo = [c for c in frame["insee"] if c not in cache]
        if todo:
            cache.update(zip(todo, encode_geometries(geometry.loc[todo].values, decimals), strict=True))
        frame = frame.assign(shape=[cache[c] for c in frame["insee"]])
        # (a weak reference: pandas deep-copies attrs along with every derived frame)
        frame.attrs = {"shape_decimals": decimals, "level": level, "texts_from": weakref.ref(self.communes)}
        return frame


def map_of_selection(
    selection: gpd.GeoDataFrame,
    background: Background,
    *,
    cards_from: gpd.GeoDataFrame | None = None,
    **options,
) -> folium.Map:
    """The app's map of filtered sites: the communes that host them (choropleth of their
    jobs), every département and région outline, the sites; ``options`` go to :func:`build_map`.
    """
    from geo.aggregate import aggregate

    codes = selection["insee"].dropna().unique() if "insee" in selection else []
    hosting = background.communes_for(codes)
    stats = aggregate(selection, background.population, "commune").rename(columns={"code": "insee"})
    return build_map(
        selection,
        hosting,
        stats,
        background.departements,
        background.regions,
        cards_from=cards_from,
        **options,
    )


def commune_layer_map(
    codes: Iterable[str],
    background: Background,
    commune_stats: pd.DataFrame | None = None,
    **options,
) -> folium.Map:
    """A map of communes alone (no sites): the commune layer of ``codes`` as a choropleth of
    ``commune_stats`` (``insee``, ``sites``, ``jobs``…), with the outlines. What the
    benchmark measures as "the national commune layer" with every code of France."""
    empty = gpd.GeoDataFrame({"id": [], "name": [], "sector": []}, geometry=[], crs="EPSG:4326")
    stats = (
        commune_stats if commune_stats is not None else pd.DataFrame({"insee": [], "sites": [], "jobs": []})
    )
    return build_map(
        empty, background.communes_for(codes), stats, background.departements, background.regions, **options
    )


def commune_jobs(sites: pd.DataFrame) -> pd.DataFrame:
    """Sites and known jobs per commune (``insee``, ``sites``, ``jobs``), for when no stats are given."""
    located = sites[sites["insee"].notna()] if "insee" in sites else sites.iloc[0:0]
    jobs = located["jobs"].astype("Float64") if "jobs" in located else pd.Series(dtype="Float64")
    frame = pd.DataFrame({"insee": located.get("insee", pd.Series(dtype=object)).astype(str), "jobs": jobs})
    out = frame.groupby("insee").agg(sites=("jobs", "size"), jobs=("jobs", lambda s: s.sum(min_count=0)))
    return out.reset_index()


def outline_shapes(
    departements: gpd.GeoDataFrame | None,
    regions: gpd.GeoDataFrame | None,
    tolerance: float = OUTLINE_TOLERANCE_DEG,
) -> tuple[list[str] | None, list[str] | None]:
    """Encoded rings (``geo.encode``) of the département and région outlines, simplified so they share lines.

    Both are simplified as one coverage (shared borders stay shared); when the
    départements cover every région given, the régions are their union, so a région
    border is exactly the départements' border beneath it (no doubled lines).
    """
    dep_geoms = reg_geoms = None
    if departements is not None and not departements.empty:
        departements = _to_wgs84(departements, "departements")
        dep_geoms = _simplify_coverage(departements.geometry.values, tolerance)
    if regions is not None and not regions.empty:
        regions = _to_wgs84(regions, "regions")
        if dep_geoms is not None and "reg" in departements and "code" in regions:
            reg_geoms = _union_by(dep_geoms, departements["reg"].astype(str).to_numpy(), regions)
        if reg_geoms is None:
            reg_geoms = _simplify_coverage(regions.geometry.values, tolerance)
    return tuple(  # type: ignore[return-value]
        None if g is None else [s for s in encode_geometries(_outline(g, tolerance), OUTLINE_DECIMALS) if s]
        for g in (dep_geoms, reg_geoms)
    )


def _simplify_coverage(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    try:
        # Coverage simplification keeps shared borders shared (no gaps, no doubled lines).
        return shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify each on its own
        return shapely.simplify(geoms, tolerance, preserve_topology=True)


def _union_by(dep_geoms: np.ndarray, dep_reg: np.ndarray, regions: gpd.GeoDataFrame) -> np.ndarray | None:
    """Each région as the union of its simplified départements; None if some are missing."""
    out = []
    for code, region in zip(regions["code"].astype(str), regions.geometry.values, strict=True):
        members = dep_geoms[dep_reg == code]
        if not len(members):
            return None
        union = shapely.coverage_union_all(members)
        if abs(shapely.area(union) - shapely.area(region)) > 0.01 * shapely.area(region):
            return None  # only some of the région's départements were given
        out.append(union)
    return np.array(out, dtype=object)


def _outline(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Lines only: holes go (an enclave is drawn by its own unit; the other holes of the
    dissolved layers are gaps between communes, noise at this scale), and so do specks."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    shells = shapely.polygons(shapely.get_exterior_ring(parts))
    keep = shapely.area(shells) >= tolerance**2
    return shapely.multipolygons(shells[keep], indices=index[keep])


# The outline layers are the same read-only frames on every rerun (cached by the app):
# their GeoJSON is kept until a frame is garbage-collected. Never mutate them in place.
_OUTLINES: dict[tuple[int, int], tuple[list[str] | None, list[str] | None]] = {}


def _cached_outlines(departements: gpd.GeoDataFrame | None, regions: gpd.GeoDataFrame | None):
    key = (id(departements), id(regions))
    if key not in _OUTLINES:
        _OUTLINES[key] = outline_shapes(departements, regions)
        for frame in (departements, regions):
            if frame is not None:
                weakref.finalize(frame, _OUTLINES.pop, key, None)
    return _OUTLINES[key]


def legend_html(
    sites: pd.DataFrame, lang: str = "fr", *, communes: bool = True, uploads: bool = False
) -> str:
    """The legend's HTML (escaped, translated): sectors present, sizes, special styles, choropleth."""
    parts = [f"<details open><summary>{_e(_t('legend', lang))}</summary>"]
    shown = set(sites["sector"].unique())
    present = [s for s in SECTORS if s in shown]
    if not present:
        parts.append(f'<div class="rc-lg-empty">{_e(_t("legend_no_sites", lang))}</div>')
    else:
        parts.append(f'<div class="rc-lg-h">{_e(_t("legend_sectors", lang))}</div>')
        for slug in present:
            term = SECTORS[slug]
            parts.append(
                f'<div class="rc-lg-row"><span class="rc-lg-dot" style="background:{term.color}"></span>'
                f"{_e(term.label(lang))}</div>"
            )
        parts.append(f'<div class="rc-lg-h">{_e(_t("legend_size", lang))}</div>{_sizes_svg(lang)}')
        parts.append(
            '<div class="rc-lg-row"><svg width="20" height="20" aria-hidden="true"><circle cx="10" cy="10" r="7" '
            'fill="#fff" stroke="#52606d" stroke-width="2" stroke-dasharray="3 3"/></svg>'
            f"{_e(_t('legend_unknown_jobs', lang))}</div>"
        )
        parts.append(
            '<div class="rc-lg-row"><svg width="20" height="20" aria-hidden="true"><circle cx="10" cy="10" r="9" '
            'fill="#52606d" fill-opacity="0.15" stroke="#52606d" stroke-width="1.2" stroke-dasharray="4 3"/>'
            '<circle cx="10" cy="10" r="3.5" fill="#52606d" fill-opacity="0.5" stroke="#52606d"/></svg>'
            f"{_e(_t('legend_departement', lang))}</div>"
        )
        if uploads:
            parts.append(
                '<div class="rc-lg-row"><svg width="20" height="20" aria-hidden="true"><circle cx="10" cy="10" '
                f'r="6.5" fill="#9aa5b1" stroke="{UPLOAD_STROKE}" stroke-width="2.5"/></svg>'
                f"{_e(_t('upload_layer', lang))}</div>"
            )
    if communes:
        parts.append(
            f'<div class="rc-lg-h">{_e(_t("legend_choropleth", lang))}</div><div class="rc-lg-classes">'
        )
        for color, label in zip(CHOROPLETH_COLORS, _class_labels(lang), strict=True):
            parts.append(f'<span><i class="rc-lg-box" style="background:{color}"></i>{_e(label)}</span>')
        parts.append("</div>")
        parts.append(
            f'<div class="rc-lg-row"><span class="rc-lg-box rc-lg-nojobs"></span>'
            f"{_e(_t('legend_no_jobs', lang))}</div>"
        )
    parts.append("</details>")
    return "".join(parts)


def _sizes_svg(lang: str) -> str:
    """Nested proportional circles (the cartographer's size legend), labelled on the right."""
    radii = [radius_px(jobs) for jobs in LEGEND_JOBS]
    big = max(radii)
    height, cx = 2 * big + 2, big + 1
    shapes, labels = [], []
    for jobs, r in sorted(zip(LEGEND_JOBS, radii, strict=True), key=lambda p: -p[1]):
        top = height - 1 - 2 * r
        shapes.append(
            f'<circle cx="{cx:.1f}" cy="{height - 1 - r:.1f}" r="{r:.1f}" fill="#9aa5b1" fill-opacity="0.35" '
            f'stroke="#52606d" stroke-width="1"/><line x1="{cx:.1f}" y1="{top:.1f}" x2="{2 * big + 10:.1f}" '
            f'y2="{top:.1f}" stroke="#9aa5b1" stroke-dasharray="2 2"/>'
        )
        labels.append(
            f'<text x="{2 * big + 14:.1f}" y="{top:.1f}" dy="0.35em">{_e(fmt_int(jobs, lang))}</text>'
        )
    return (
        f'<svg class="rc-lg-sizes" width="{2 * big + 70:.0f}" height="{height + 8:.0f}" aria-hidden="true">'
        f'<g transform="translate(0 6)">{"".join(shapes)}{"".join(labels)}</g></svg>'
    )


def radius_px(jobs: float | None) -> float:
    """Marker radius for a jobs figure: area ∝ jobs, between a floor and a ceiling."""
    if jobs is None or pd.isna(jobs):
        return RADIUS_UNKNOWN_PX
    return float(
        np.clip(RADIUS_PER_SQRT_JOB * math.sqrt(max(float(jobs), 0.0)), RADIUS_MIN_PX, RADIUS_MAX_PX)
    )


def jobs_color(jobs: float | None) -> str:
    """Choropleth fill for a commune's known jobs (grey when none are known)."""
    if jobs is None or pd.isna(jobs) or jobs < JOBS_BREAKS[0]:
        return NO_JOBS_FILL
    return CHOROPLETH_COLORS[int(np.searchsorted(JOBS_BREAKS, jobs, side="right")) - 1]


def safe_url(url: object) -> str | None:
    """``url`` escaped for an ``href`` when it is an absolute http(s) URL, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not re.match(r"(?i)https?://\S", url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return html.escape(url, quote=True)


def clicked_site_id(returned: Mapping | None, site_ids: Iterable[str]) -> str | None:
    """The id of the site whose card the user opened, from ``st_folium``'s return value.

    Reads the card's identifier row in ``last_object_clicked_popup`` (the card's text).
    """
    if not returned:
        return None
    text = returned.get("last_object_clicked_popup") or ""
    ids = set(site_ids)
    labels = "|".join(re.escape(_t("f_id", lang)) for lang in ("fr", "en"))
    for match in re.finditer(rf"(?m)^\s*(?:{labels})\s*:?\s*(.+?)\s*$", text):
        if match.group(1) in ids:
            return match.group(1)
    return None


# --------------------------------------------------------------------------- checks


def _check_sites(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(sites, gpd.GeoDataFrame):
        raise TypeError(f"build_map: sites must be a GeoDataFrame, not {type(sites).__name__}")
    missing = [c for c in ("id", "name", "sector") if c not in sites.columns]
    if missing:
        raise ValueError(f"build_map: sites lack the columns {missing}")
    sites = _to_wgs84(sites, "sites")
    problems = []
    points = np.asarray(sites.geometry.values)
    # type id 0 is a Point; None has -1 (shapely directly: geopandas' accessors each
    # check the whole column again)
    bad_geom = (shapely.get_type_id(points) != 0) | shapely.is_empty(points)
    problems += [f"site {i!r}: geometry is not a point" for i in sites.loc[bad_geom, "id"]]
    bad_sector = ~sites["sector"].isin(list(SECTORS))
    problems += [
        f"site {i!r}: sector {s!r} is not one of geo.vocab.SECTORS"
        for i, s in sites.loc[bad_sector, ["id", "sector"]].itertuples(index=False)
    ]
    dup = sites["id"].duplicated(keep=False)
    problems += [f"site {i!r}: id is not unique" for i in sites.loc[dup, "id"].unique()]
    if sites["id"].isna().any():
        problems.append(f"{int(sites['id'].isna().sum())} site(s) without an id")
    if problems:
        raise ValueError("build_map: " + "; ".join(problems[:20]) + (" …" if len(problems) > 20 else ""))
    return sites


def _lon_lat(sites: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of point sites (checked by :func:`_check_sites`)."""
    points = np.asarray(sites.geometry.values)
    return shapely.get_x(points), shapely.get_y(points)


def _to_wgs84(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"build_map: {what} must be a GeoDataFrame, not {type(frame).__name__}")
    if frame.crs is None:
        raise ValueError(f"build_map: {what} have no CRS; expected EPSG:4326")
    return frame if frame.crs.to_epsg() == 4326 else frame.to_crs(4326)


# --------------------------------------------------------------------------- view


def _view(sites: gpd.GeoDataFrame) -> View:
    if sites.empty:
        return View(FRANCE_CENTER, FRANCE_ZOOM)
    xs, ys = _lon_lat(sites)
    metropolitan = (xs >= -5.5) & (xs <= 10.0) & (ys >= 41.0) & (ys <= 51.5)
    if metropolitan.any() and not metropolitan.all():
        # Sites in metropolitan France and overseas: open on the mainland (the overseas
        # ones stay a pan away) rather than on a world map where France is a dot.
        xs, ys = xs[metropolitan], ys[metropolitan]
    south, north, west, east = ys.min(), ys.max(), xs.min(), xs.max()
    center = ((south + north) / 2, (west + east) / 2)
    if north - south < 1e-4 and east - west < 1e-4:
        only_departement = (
            "location_precision" in sites and sites["location_precision"].eq("departement").all()
        )
        return View(center, DEPARTEMENT_SITE_ZOOM if only_departement else SINGLE_SITE_ZOOM)
    return View(center, FRANCE_ZOOM, ((south, west), (north, east)))


def _selected_zoom(sites: gpd.GeoDataFrame, selected: str | None) -> int:
    if selected is None or "location_precision" not in sites:
        return SINGLE_SITE_ZOOM
    precision = sites.loc[sites["id"] == selected, "location_precision"].iloc[0]
    return DEPARTEMENT_SITE_ZOOM if precision == "departement" else SINGLE_SITE_ZOOM


def _add_basemaps(m: folium.Map, basemap: str, lang: str) -> None:
    for slug, spec in BASEMAPS.items():
        name = _e(_t(f"basemap_{slug}", lang))
        if spec:
            folium.TileLayer(
                tiles=spec["tiles"],
                attr=spec["attr"],
                name=name,
                max_zoom=spec["max_zoom"],
                overlay=False,
                show=slug == basemap,
            ).add_to(m)
        else:
            # A base layer with no tiles: the plain background, and only our own layers.
            folium.FeatureGroup(name=name, overlay=False, show=slug == basemap).add_to(m)


# --------------------------------------------------------------------------- site cards

# The first columns of a card table are the marker's own texts; the rest are card rows.
_SITE_HEAD = ("name", "place", "jobs_text", "sub", "insee")
# Card rows that are usually a marker text already (then sent as a reference to it).
_SAME_AS = {"f_place": "place", "f_insee": "insee"}


@dataclass
class _Cards:
    """Every site's tooltip and card texts, escaped once per (sites frame, language).

    ``codes[i, j]`` indexes ``strings`` (-1: nothing to show) for site ``i`` and column
    ``keys[j]``: the marker texts of :data:`_SITE_HEAD`, then the card rows (label keys).
    A filter change only takes rows of ``codes``: no text is formatted again.
    """

    strings: list[str]
    keys: list[str]
    codes: np.ndarray
    ids: pd.Index

    def positions(self, ids: pd.Series) -> np.ndarray:
        where = self.ids.get_indexer(ids.astype(str))
        if (where < 0).any():
            raise ValueError("build_map: some sites or communes are not in the frame their texts come from")
        return where

    def rows_of(self, ids: pd.Series) -> np.ndarray:
        return self.codes[self.positions(ids)]

    @functools.cached_property
    def _with_none(self) -> np.ndarray:
        return np.array([*self.strings, None], dtype=object)  # index -1 reads None

    @functools.cached_property
    def inline(self) -> np.ndarray:
        """Per column: are most texts different (names, codes)? Then they travel as texts,
        not as indices into the map's string table. Decided once, on the whole frame."""
        n = len(self.codes)
        return np.array(
            [n > 20 and len(np.unique(self.codes[:, j])) > n // 2 for j in range(len(self.keys))], bool
        )

    def columns(
        self, rows: np.ndarray, table: StringTable, keys: Iterable[str] | None = None
    ) -> dict[str, dict]:
        """Payload columns of ``rows`` (from :meth:`rows_of`): ``{k, t: [index in table]}``
        or ``{k, v: [text]}``; the table gets each text used, once."""
        wanted = [j for j, k in enumerate(self.keys) if keys is None or k in set(keys)]
        indexed = [j for j in wanted if not self.inline[j]]
        out: dict[str, dict] = {}
        if indexed:
            codes = rows[:, indexed]
            counts = np.bincount(codes[codes >= 0], minlength=len(self.strings))
            used = np.flatnonzero(counts)
            used = used[np.argsort(-counts[used], kind="stable")]  # the most used get the shortest indices
            lookup = np.full(len(self.strings) + 1, -1, dtype=np.int64)  # index -1 reads -1
            strings = self.strings
            lookup[used] = table.add_many([strings[u] for u in used.tolist()])
        for j in wanted:
            key = self.keys[j]
            if self.inline[j]:
                out[key] = {"k": key, "v": self._with_none[rows[:, j]].tolist()}
            else:
                out[key] = {"k": key, "t": lookup[rows[:, j]].tolist()}
        return out


class _Columns:
    """Builds card columns: each distinct value's HTML is made once, then indexed."""

    def __init__(self, frame: pd.DataFrame, table: StringTable) -> None:
        self.frame, self.table, self.n = frame, table, len(frame)
        self.keys: list[str] = []
        self.columns: list[np.ndarray] = []

    def get(self, column: str) -> list:
        if column in self.frame:
            return [_value(v) for v in self.frame[column].tolist()]
        return [None] * self.n

    def _factorize(self, columns: list[str]) -> tuple[np.ndarray, list[tuple]]:
        """Codes of the rows' values and the distinct values (missing ones as None)."""
        present = [c for c in columns if c in self.frame]
        if (
            len(present) == 1
            and len(columns) == 1
            and self.frame[present[0]].map(type).isin([list, dict, np.ndarray]).sum() == 0
        ):
            codes, uniques = pd.factorize(self.frame[present[0]], use_na_sentinel=True)
            return codes, [(_value(u),) for u in uniques]
        values = list(zip(*(self.get(c) for c in columns), strict=True))
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        return codes, list(uniques)

    def add(self, key: str, columns: list[str], html_of, *, keys: list | None = None) -> None:
        if keys is None:
            codes, uniques = self._factorize(columns)
            texts = [html_of(*u) for u in uniques]
            if (codes < 0).any():  # the rows where the single column is missing
                texts.append(html_of(*([None] * len(columns))))
                codes = np.where(codes < 0, len(uniques), codes)
        else:
            codes, uniques = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=True)
            texts = [html_of(u) for u in uniques]
        lookup = [self.table.add(text) if text else -1 for text in texts]
        lookup.append(-1)
        self.keys.append(key)
        self.columns.append(np.asarray(lookup, dtype=np.int32)[codes])


def _site_cards(sites: pd.DataFrame, lang: str) -> _Cards:
    table = StringTable()
    cols = _Columns(sites, table)

    def text(value: object) -> str | None:
        return _e(value) if value is not None else None

    def jobs_text(jobs: object) -> str:
        return _e(_jobs_text(jobs, lang))

    def place(commune_nom, commune):
        return commune_nom or commune

    cols.add("name", ["name"], text)
    cols.add("place", ["commune_nom", "commune", "dep_nom", "dep"], lambda a, b, c, d: text(a or b or c or d))
    cols.add("jobs_text", ["jobs"], jobs_text)
    cols.add("sub", ["sector", "status", "layer"], lambda s, st, layer: _card_sub(s, st, layer, lang))
    cols.add("insee", ["insee"], text)
    cols.add("f_company", ["company"], text)
    cols.add("f_activity", ["activity"], text)
    cols.add("f_place", ["commune_nom", "commune"], lambda a, b: text(place(a, b)))
    cols.add("f_insee", ["insee"], text)

    def area(dep, dep_nom, reg_nom):
        dep_text = f"{dep_nom} ({dep})" if dep and dep_nom else dep_nom or dep
        return _e(" · ".join(str(v) for v in (dep_text, reg_nom) if v)) or None

    cols.add("f_area", ["dep", "dep_nom", "reg_nom"], area)

    def jobs_html(jobs, note):
        return jobs_text(jobs) + (f'<div class="rc-note">{_e(note)}</div>' if note else "")

    cols.add("f_jobs", ["jobs", "jobs_note"], jobs_html)
    cols.add(
        "f_brownfield",
        ["brownfield"],
        lambda b: _e(_t("unknown" if b is None else "yes" if bool(b) else "no", lang)),
    )
    cols.add("f_brownfield_history", ["brownfield_history"], text)
    cols.add(
        "f_investment_eur",
        ["investment_eur"],
        lambda v: _e(fmt_eur(float(v), lang)) if v is not None else None,
    )
    cols.add(
        "f_surface_m2",
        ["surface_m2"],
        lambda v: _e(f"{fmt_int(float(v), lang)} m²") if v is not None else None,
    )
    cols.add("f_year", ["year"], lambda v: _e(int(v)) if v is not None else None)
    sources = cols.get("sources")
    cols.add(
        "f_sources",
        [],
        lambda key: _sources_html(json.loads(key)) if key else None,
        keys=[_sources_key(s) for s in sources],
    )
    cols.add(
        "f_location_precision",
        ["location_precision"],
        lambda p: _e(PRECISIONS[p].label(lang) if p in PRECISIONS else p) if p else None,
    )
    cols.add("f_notes", ["notes"], text)
    for column in sites.columns:  # any other property of the data, by its own name
        if (
            column in _CARD_SKIP
            or f"f_{column}" in TEXTS
            or column.startswith("_")
            or column == sites.geometry.name
        ):
            continue
        cols.add(
            f"x_{column}",
            [column],
            lambda v: None if v is None or isinstance(v, (list, dict, tuple, np.ndarray)) else _e(v),
        )
    cols.add("f_id", ["id"], text)
    codes = np.column_stack(cols.columns) if cols.columns else np.zeros((len(sites), 0), np.int32)
    return _Cards(table.strings, cols.keys, codes, pd.Index(sites["id"].astype(str)))


def _sources_key(sources: object) -> str | None:
    if isinstance(sources, np.ndarray):
        sources = sources.tolist()
    if not isinstance(sources, (list, tuple)) or not sources:
        return None
    return json.dumps(sources, ensure_ascii=False, sort_keys=True, default=str)


def _card_sub(sector: str, status: object, layer: object, lang: str) -> str:
    term = SECTORS[sector]
    bits = [f'<span class="rc-dot" style="background:{term.color}"></span>{_e(term.label(lang))}']
    if status:
        bits.append(_e(STATUSES[status].label(lang) if status in STATUSES else status))
    if layer == "upload":
        bits.append(f'<span class="rc-badge">{_e(_t("upload_badge", lang))}</span>')
    return " · ".join(bits)


# The cards of a frame are kept while the frame lives (the app's sites are one cached,
# read-only frame; a selection is a subset of it). Never mutate a frame in place after
# its map was drawn.
_CARDS: dict[tuple[int, str], _Cards] = {}


def _cached_cards(frame: pd.DataFrame, lang: str) -> _Cards:
    key = (id(frame), lang)
    cards = _CARDS.get(key)
    if cards is None or len(cards.ids) != len(frame):
        cards = _CARDS[key] = _site_cards(frame, lang)
        weakref.finalize(frame, _CARDS.pop, key, None)
    return cards


@dataclass(frozen=True)
class _SiteFile:
    """The served file of every site of a frame (:func:`_site_file`)."""

    name: str
    sites: int
    card_keys: tuple[str, ...]  # its card rows


_SITE_FILES: dict[tuple[int, str, Path], _SiteFile] = {}


def _site_file(frame: gpd.GeoDataFrame, lang: str, files: FileStore) -> _SiteFile:
    """Every site of ``frame`` as one file of ``files`` (the payload of :func:`_site_payload`
    with its own string table ``S``), written once while the frame lives, again if deleted."""
    key = (id(frame), lang, files.directory)
    known = _SITE_FILES.get(key)
    if known is not None and known.sites == len(frame) and files.has(known.name):
        return known
    cards = _cached_cards(frame, lang)
    table = StringTable()
    payload = _site_payload(_check_sites(frame), cards.codes, cards, table)
    payload["S"] = table.strings
    data = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    if key not in _SITE_FILES:
        weakref.finalize(frame, _SITE_FILES.pop, key, None)
    known = _SITE_FILES[key] = _SiteFile(
        files.publish(data, "sites"), len(frame), tuple(col["k"] for col in payload["c"])
    )
    return known


def _uploads(frame: pd.DataFrame) -> np.ndarray:
    """Which rows are the user's uploaded sites (``layer == 'upload'``)."""
    if "layer" not in frame:
        return np.zeros(len(frame), bool)
    return frame["layer"].eq("upload").fillna(False).to_numpy(bool)


def _selection_mask(positions: np.ndarray, n: int) -> str | None:
    """Which of a file's ``n`` sites a map shows: a bit per site (bit ``i % 8`` of byte
    ``i // 8``), in base64; None for all of them."""
    mask = np.zeros(n, dtype=bool)
    mask[positions] = True
    if mask.all():
        return None
    return base64.b64encode(np.packbits(mask, bitorder="little").tobytes()).decode("ascii")


def _site_payload(sites: gpd.GeoDataFrame, rows: np.ndarray, cards: _Cards, table: StringTable) -> dict:
    """The payload of one marker layer: columns, not records (see the module doc)."""
    lon, lat = _lon_lat(sites)
    xs = np.rint(lon * 10**COORD_DECIMALS).astype(np.int64)
    ys = np.rint(lat * 10**COORD_DECIMALS).astype(np.int64)
    if "jobs" in sites:
        jobs = pd.to_numeric(sites["jobs"], errors="coerce").astype(float)
    else:
        jobs = pd.Series(np.nan, index=sites.index)
    radius = np.where(
        jobs.isna(),
        RADIUS_UNKNOWN_PX,
        np.clip(RADIUS_PER_SQRT_JOB * np.sqrt(jobs.fillna(0).clip(lower=0)), RADIUS_MIN_PX, RADIUS_MAX_PX),
    )
    flags = jobs.isna().to_numpy().astype(np.int64)
    if "location_precision" in sites:
        flags |= 2 * sites["location_precision"].eq("departement").fillna(False).to_numpy(dtype=bool)
    flags |= 4 * _uploads(sites)
    present = (rows >= 0).any(axis=0)
    wanted, same = [], {}
    for j, key in enumerate(cards.keys):
        if key not in _SITE_HEAD and not present[j]:
            continue  # a card row no site of this selection has
        ref = _SAME_AS.get(key)
        if ref and np.array_equal(rows[:, j], rows[:, cards.keys.index(ref)]):
            same[key] = {"k": key, "same": ref}  # the marker's own text: not sent twice
        else:
            wanted.append(key)
    columns = cards.columns(rows, table, wanted)
    columns = {k: same.get(k) or columns[k] for k in cards.keys if k in same or k in columns}
    ids = sites["id"].astype(str).tolist()
    joined = "\n".join(ids)
    if "f_id" in columns and not any(ch in joined for ch in "&<>\"'"):
        columns["f_id"] = {"k": "f_id", "same": "i"}  # nothing to escape in the ids
    return {
        "i": ids,
        "x": xs.tolist(),
        "y": ys.tolist(),
        "sl": list(SECTORS),  # "s" indexes this list
        "s": pd.Categorical(sites["sector"], categories=list(SECTORS)).codes.tolist(),
        "r": np.rint(radius * 10).astype(np.int64).tolist(),
        "f": flags.tolist(),
        **{k: columns[k] for k in _SITE_HEAD},
        "c": [v for k, v in columns.items() if k not in _SITE_HEAD],
    }


def _value(value: object) -> object:
    """None for every flavour of missing (None, NaN, pd.NA, NaT, empty text)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (bool, int, np.integer)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _jobs_text(jobs: object, lang: str) -> str:
    if jobs is None:
        return _t("jobs_unknown", lang)
    return _t("one_job", lang) if int(jobs) == 1 else _t("n_jobs", lang, n=fmt_int(int(jobs), lang))


def _place(row: Mapping) -> str | None:
    return _value(row.get("commune_nom")) or _value(row.get("commune"))


def _sources_html(sources: object) -> str | None:
    if isinstance(sources, np.ndarray):
        sources = sources.tolist()
    if not isinstance(sources, (list, tuple)) or not sources:
        return None
    items = []
    for source in sources:
        if not isinstance(source, Mapping):
            items.append(f"<li>{_e(source)}</li>")
            continue
        title = _value(source.get("title")) or _value(source.get("url")) or "?"
        href = safe_url(source.get("url"))
        head = (
            f'<a href="{href}" target="_blank" rel="noopener noreferrer">{_e(title)}</a>'
            if href
            else _e(title)
        )
        rest = ", ".join(_e(v) for v in (_value(source.get("publisher")), _value(source.get("date"))) if v)
        items.append(f"<li>{head}{' — ' + rest if rest else ''}</li>")
    return f'<ul class="rc-sources">{"".join(items)}</ul>'


# --------------------------------------------------------------------------- areas


def _names(frame: gpd.GeoDataFrame | None) -> dict[str, str]:
    if frame is None or "code" not in frame or "nom" not in frame:
        return {}
    return dict(zip(frame["code"].astype(str), frame["nom"].astype(str), strict=True))


def _names_from(sites: pd.DataFrame, code: str, name: str) -> dict[str, str]:
    if code not in sites or name not in sites:
        return {}
    pairs = sites[[code, name]].dropna().drop_duplicates()
    return dict(zip(pairs[code].astype(str), pairs[name].astype(str), strict=True))


def _stats_by_insee(stats: pd.DataFrame) -> pd.DataFrame:
    """Commune figures indexed by INSEE code (``geo.aggregate`` names the key ``code``)."""
    key = "insee" if "insee" in stats else "code" if "code" in stats else None
    if key is None:
        raise ValueError(
            f"build_map: commune_stats need an 'insee' (or 'code') column, got {list(stats.columns)}"
        )
    return stats.set_index(stats[key].astype(str))


# --------------------------------------------------------------------------- communes

# Commune rings: 1e-4° (~10 m) for the detailed layer (simplified at 25 m), 1e-3° (~100 m)
# for the national one (simplified at 1 km); outlines are context: 1e-3°.
COMMUNE_DECIMALS = 4
NATIONAL_DECIMALS = 3
OUTLINE_DECIMALS = 3
# Above this many commune vertices (detailed geometry, ~30 a commune), the map takes the
# national geometry (~9 a commune): ~1,500 communes stay detailed. The browser builds one
# object per vertex; 150,000 of them cost ~1 s in Chromium, mostly garbage collection.
DETAIL_VERTEX_BUDGET = 50_000
# Above this many polygons, a layer draws on a canvas (one element, not one SVG path each).
CANVAS_AREAS = 1000
# A commune card lists this many of its sites by name.
COMMUNE_SITES_MAX = 12


def _commune_texts(communes: gpd.GeoDataFrame, names: dict[str, dict[str, str]], lang: str) -> _Cards:
    """The static texts of commune cards (name, code, population, EPCI, département, région)."""
    cols = _Columns(communes, StringTable())
    cols.add("name", ["nom"], lambda v: _e(v) if v is not None else None)
    cols.add("f_insee", ["insee"], lambda v: _e(v) if v is not None else None)
    cols.add("f_population", ["population"], lambda v: _e(fmt_int(v, lang)) if v is not None else None)
    cols.add("f_epci", ["epci"], lambda v: _e(v) if v else None)
    cols.add(
        "f_departement",
        ["dep"],
        lambda dep: _e(f"{names['dep'].get(str(dep), '')} ({dep})".strip()) if dep else None,
    )
    cols.add("f_region", ["reg"], lambda reg: _e(names["reg"].get(str(reg), str(reg))) if reg else None)
    codes = np.column_stack(cols.columns)
    return _Cards(cols.table.strings, cols.keys, codes, pd.Index(communes["insee"].astype(str)))


_COMMUNE_TEXTS: dict[tuple, _Cards] = {}


def _cached_commune_texts(communes: gpd.GeoDataFrame, names: dict, lang: str) -> _Cards:
    ref = communes.attrs.get("texts_from")  # Background: the full frame the subset came from
    base = ref() if ref is not None else None
    frame = base if base is not None else communes
    key = (id(frame), lang, tuple(sorted(names["dep"].items())), tuple(sorted(names["reg"].items())))
    texts = _COMMUNE_TEXTS.get(key)
    if texts is None or len(texts.ids) != len(frame):
        texts = _COMMUNE_TEXTS[key] = _commune_texts(frame, names, lang)
        weakref.finalize(frame, _COMMUNE_TEXTS.pop, key, None)
    return texts


def _commune_payload(
    communes: gpd.GeoDataFrame, stats: pd.DataFrame, names: dict, lang: str, table: StringTable
) -> tuple[dict, list[str | None]]:
    """Fill classes and card texts of the communes, and their encoded rings (one per commune)."""
    communes = _to_wgs84(communes, "communes")
    missing = [c for c in ("insee", "nom") if c not in communes]
    if missing:
        raise ValueError(f"build_map: communes lack the columns {missing}")
    insee = communes["insee"].astype(str)
    if "shape" in communes:  # pre-encoded by Background
        shapes, decimals = communes["shape"].tolist(), communes.attrs["shape_decimals"]
    else:
        shapes, decimals = encode_geometries(communes.geometry.values, COMMUNE_DECIMALS), COMMUNE_DECIMALS
    stats = _stats_by_insee(stats).reindex(insee)
    # geo.aggregate sums unknown jobs to 0: a commune whose sites give no figure is
    # "unknown" (white, dashed), not the lowest class, and has no per-1,000 ratio.
    jobs = (
        pd.to_numeric(stats["jobs"], errors="coerce")
        if "jobs" in stats
        else pd.Series(np.nan, index=stats.index)
    )
    known = jobs.where(jobs > 0)
    n_sites = (
        pd.to_numeric(stats["sites"], errors="coerce").fillna(0) if "sites" in stats else 0 * jobs.fillna(0)
    )
    per_1000 = pd.to_numeric(stats["jobs_per_1000"], errors="coerce") if "jobs_per_1000" in stats else None
    if per_1000 is None or per_1000.isna().all():
        population = (
            pd.to_numeric(communes["population"], errors="coerce") if "population" in communes else None
        )
        per_1000 = (
            known.to_numpy() / population.where(population > 0).to_numpy() * 1000
            if population is not None
            else np.full(len(communes), np.nan)
        )
        per_1000 = pd.Series(per_1000, index=stats.index)
    per_1000 = per_1000.where(known.notna())
    classes = np.where(known.isna(), -1, np.searchsorted(JOBS_BREAKS, known.fillna(0), side="right") - 1)

    texts = _cached_commune_texts(communes, names, lang)
    rows = texts.rows_of(insee)
    # rounded as shown, so each distinct figure is formatted once
    figures = pd.DataFrame(
        {"jobs": known.to_numpy(), "n": n_sites.to_numpy(), "p": per_1000.round(1).to_numpy()}
    )
    cols = _Columns(figures, table)
    cols.add("jobs_text", ["jobs"], lambda j: _e(_jobs_text(j, lang)))
    cols.add("f_sites", ["n"], lambda n: _e(fmt_int(int(n or 0), lang)))
    cols.add("f_jobs_per_1000", ["p"], lambda p: _e(_decimal(p, lang)) if p is not None else None)
    dynamic = dict(zip(cols.keys, cols.columns, strict=True))
    order = ["f_insee", "f_population", "f_epci", "f_departement", "f_region", "f_sites", "f_commune_jobs",
             "f_jobs_per_1000"]  # fmt: skip
    columns = texts.columns(rows, table)
    columns.update({k: {"k": k, "t": v.tolist()} for k, v in dynamic.items()})
    columns["f_commune_jobs"] = dict(columns["jobs_text"], k="f_commune_jobs")
    payload = {
        "d": decimals,
        "fc": classes.astype(int).tolist(),
        "name": columns["name"],
        "jobs_text": columns["jobs_text"],
        "c": [columns[k] for k in order],
        "ik": 0,  # the INSEE code is the first card row
    }
    return payload, shapes


def _decimal(value: float, lang: str) -> str:
    text = f"{float(value):.1f}"
    return text.replace(".", ",") if lang == "fr" else text


def _class_labels(lang: str) -> list[str]:
    bounds = [*JOBS_BREAKS, None]
    labels = []
    for low, high in zip(bounds[:-1], bounds[1:], strict=True):
        if high is None:
            labels.append(f"≥ {fmt_int(low, lang)}")
        else:
            labels.append(f"{fmt_int(low, lang)} – {fmt_int(high - 1, lang)}")
    return labels


# --------------------------------------------------------------------------- JS elements


def _digest(payload: str) -> str:
    """A short hash of a payload. streamlit_folium keys its component on the map script:
    other data must give another script, hence another map."""
    return hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()


def _js(value: object) -> str:
    """JSON for inside a <script>: ``<`` ``>`` and U+2028/2029 escaped, as jinja's tojson does.

    orjson: the payloads are lists of 100,000 numbers and texts, ~10x faster than json.
    """
    return _js_text(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode())


def _js_text(json_text: str) -> str:
    return (
        json_text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


_RUNTIME_JS = r"""
(function () {
  if (window.ReindusMap) return;
  var RM = {};
  var PANES = [['rc-communes', 405], ['rc-outlines', 410], ['rc-precision', 415], ['rc-sites', 430]];
  // Google's encoded polyline (the format geo.encode writes): [[lat, lng], ...] of one ring.
  function ring(text, scale) {
    var out = [], i = 0, lat = 0, lng = 0, n = text.length;
    while (i < n) {
      var b, shift = 0, result = 0;
      do { b = text.charCodeAt(i++) - 63; result |= (b & 31) << shift; shift += 5; } while (b >= 32);
      lat += (result & 1) ? ~(result >> 1) : (result >> 1);
      shift = 0; result = 0;
      do { b = text.charCodeAt(i++) - 63; result |= (b & 31) << shift; shift += 5; } while (b >= 32);
      lng += (result & 1) ? ~(result >> 1) : (result >> 1);
      out.push([lat * scale, lng * scale]);
    }
    return out;
  }
  function shape(polys, scale) {
    return polys.map(function (p) { return p.map(function (r) { return ring(r, scale); }); });
  }
  // A column is {k: key, t: [string-table index | -1]} or {k: key, v: [escaped text | null]}.
  function val(S, col, i, p) {
    if (!col) return null;
    if (col.same) { var ref = p[col.same]; return Array.isArray(ref) ? ref[i] : val(S, ref, i, p); }
    if (col.v) return col.v[i];
    var j = col.t[i];
    return j < 0 ? null : S[j];
  }
  function rowsHtml(S, p, i, labels, extra) {
    var cols = p.c;
    var rows = '';
    for (var c = 0; c < cols.length; c++) {
      var v = val(S, cols[c], i, p);
      if (v !== null && v !== undefined) {
        if (extra && extra[cols[c].k]) v += extra[cols[c].k];
        rows += '<tr><th scope="row">' + (labels[cols[c].k] || '') + '</th><td>' + v + '</td></tr>';
      }
    }
    return '<table class="rc-table">' + rows + '</table>';
  }
  function siteCard(m) {
    var p = m.rcData, i = m.rcIndex, S = p.S || m.rcMap._rc.S, cfg = m.rcMap._rc.cfg;
    var d = document.createElement('div');
    d.className = 'rc-card';
    d.setAttribute('data-site-id', p.i[i]);
    d.innerHTML = '<div class="rc-title">' + val(S, p.name, i) + '</div><div class="rc-sub">' +
      val(S, p.sub, i) + '</div>' + rowsHtml(S, p, i, cfg.labels);
    return d;
  }
  function siteTip(m) {
    var p = m.rcData, i = m.rcIndex, S = p.S || m.rcMap._rc.S, place = val(S, p.place, i);
    return '<b>' + val(S, p.name, i) + '</b>' + (place ? '<br>' + place : '') + '<br>' + val(S, p.jobs_text, i);
  }
  // Sites of a commune, for its card: matched on the INSEE code's table index.
  function sitesOf(map, code) {
    var rc = map._rc;
    if (!rc.byCommune) {
      rc.byCommune = Object.create(null);
      for (var id in window.__sites) {
        var m = window.__sites[id], S = m.rcData.S || rc.S, code = val(S, m.rcData.insee, m.rcIndex);
        if (code) (rc.byCommune[code] = rc.byCommune[code] || []).push(val(S, m.rcData.name, m.rcIndex));
      }
    }
    return rc.byCommune[code] || [];
  }
  function communeCard(l) {
    var p = l.rcData, i = l.rcIndex, map = l.rcMap, S = map._rc.S, cfg = map._rc.cfg;
    var names = sitesOf(map, val(S, p.c[p.ik], i)), list = '';
    if (names.length) {
      list = '<ul class="rc-sources">';
      for (var k = 0; k < Math.min(names.length, cfg.communeSitesMax); k++) list += '<li>' + names[k] + '</li>';
      if (names.length > cfg.communeSitesMax) list += '<li>' + cfg.more.replace('{n}', String(names.length - cfg.communeSitesMax)) + '</li>';
      list += '</ul>';
    }
    var d = document.createElement('div');
    d.className = 'rc-commune';
    d.innerHTML = '<div class="rc-title">' + val(S, p.name, i) + '</div>' +
      rowsHtml(S, p, i, cfg.labels, {f_sites: list});
    return d;
  }
  function communeTip(l) {
    var p = l.rcData, i = l.rcIndex, S = l.rcMap._rc.S;
    return '<b>' + val(S, p.name, i) + '</b><br>' + val(S, p.jobs_text, i);
  }
  // The card becomes an element on first open, so streamlit_folium can read its text.
  function ensureCard(e) {
    var m = e && e.target ? e.target : e, p = m.getPopup();
    if (p && typeof p.getContent() === 'function') p.setContent(siteCard(m));
  }
  RM.init = function (map, cfg) {
    map._rc = {cfg: cfg, count: 0, S: []};
    window.__sites = window.__sites || Object.create(null);
    window.__communes = window.__communes || Object.create(null);
    PANES.forEach(function (p) {
      if (!map.getPane(p[0])) map.createPane(p[0]).style.zIndex = p[1];
    });
    map.getPane('rc-outlines').style.pointerEvents = 'none';
    map.getPane('rc-precision').style.pointerEvents = 'none';
    L.control.scale({imperial: false}).addTo(map);  // metres only
    // A card opened before the page's styles or fonts are in (a ?site= link opens it at
    // once) is laid out at the wrong size, then drawn away from its marker and cut by the
    // map's edge: lay it out and pan again whenever its size changes.
    map.on('popupopen', function (e) {
      var pop = e.popup, el = pop.getElement();
      if (!window.ResizeObserver || !el || el._rcSized) return;
      el._rcSized = true;
      function relayout() {
        if (!pop.isOpen()) return;
        // (not while the map moves: the move's end may close the card under update())
        if (map._animatingZoom || (map._panAnim && map._panAnim._inProgress)) {
          map.once('moveend', function () { requestAnimationFrame(relayout); });
          return;
        }
        pop.update();
      }
      new ResizeObserver(function () { requestAnimationFrame(relayout); }).observe(el);
    });
    window.__reindus = {
      map: map,
      openSite: function (id, opts) { return RM.openSite(map, id, opts || {}); },
      openCommune: function (code) {  // as a click on it (the layer's card opens)
        var l = window.__communes[code];
        if (!l) return false;
        l.fire('click', {latlng: l.getCenter()}, true);  // (propagated to the layer's group)
        return true;
      }
    };
  };
  RM.strings = function (map, S) { map._rc.S = S; };
  // A layer's payload travels as inert JSON in a script element of the page body
  // (not inside the map script that streamlit_folium reprocesses and hashes).
  RM.data = function (id) { return JSON.parse(document.getElementById(id).textContent); };
  // The layer (feature group) of site i: its sector's, or the uploads' one.
  function groupOf(p, i) { return (p.f[i] & 4) ? p.gu : p.gs[p.s[i]]; }
  // One site's circle marker (and, for a département-precision site, its dashed halo).
  function makeSite(map, p, i) {
    var cfg = map._rc.cfg, sector = p.sl[p.s[i]];
    var f = p.f[i], color = cfg.colors[sector] || '#777777', ll = [p.y[i] / cfg.coordScale, p.x[i] / cfg.coordScale];
    var o = {
      pane: 'rc-sites', radius: p.r[i] / 10, color: color, weight: 1.5, opacity: 1,
      fillColor: color, fillOpacity: 0.72,
      className: 'site-marker site-' + p.i[i].replace(/[^A-Za-z0-9_-]/g, '_') + ' sector-' + sector
    };
    var halo = null;
    if (f & 1) { o.fillColor = '#ffffff'; o.fillOpacity = 0.9; o.dashArray = '3 3'; o.weight = 2; }
    if (f & 2) {
      o.dashArray = '4 3'; o.fillOpacity = (f & 1) ? 0.9 : 0.45;
      halo = L.circle(ll, {
        pane: 'rc-precision', radius: cfg.halo, color: color, weight: 1.5, dashArray: '6 6',
        fillColor: color, fillOpacity: 0.12, interactive: false, className: 'site-precision'
      });
    }
    if (f & 4) { o.color = cfg.uploadStroke; o.weight = 2.5; }
    var m = L.circleMarker(ll, o);
    m.rcData = p; m.rcIndex = i; m.rcMap = map; m.rcHalo = halo;
    m.on('click', ensureCard);
    m.bindTooltip(siteTip, {sticky: true, direction: 'top', className: 'rc-tooltip'});
    m.bindPopup(siteCard, {maxWidth: cfg.popupWidth, minWidth: 240, className: 'rc-popup', autoPanPadding: [30, 30]});
    window.__sites[p.i[i]] = m;
    return m;
  }
  // A served file holds every site of the app's data (geo.served): the map takes those its
  // selection bit mask ("sel", base64, bit i % 8 of byte i / 8; null: all) marks.
  function selected(full, p) {
    var idx = null;
    if (p.sel) {
      var bytes = atob(p.sel);
      idx = [];
      for (var b = 0; b < bytes.length; b++) {
        var v = bytes.charCodeAt(b);
        for (var k = 0; v && k < 8; k++) if (v & (1 << k)) idx.push(b * 8 + k);
      }
    }
    function pick(a) { return idx ? idx.map(function (i) { return a[i]; }) : a; }
    function col(c) { return c.same ? c : c.v ? {k: c.k, v: pick(c.v)} : {k: c.k, t: pick(c.t)}; }
    var q = {S: full.S, sl: full.sl, c: full.c.map(col)};
    ['i', 'x', 'y', 's', 'r', 'f'].forEach(function (k) { q[k] = pick(full[k]); });
    ['name', 'place', 'jobs_text', 'sub', 'insee'].forEach(function (k) { q[k] = col(full[k]); });
    q.gs = p.gs; q.gu = p.gu;
    return q;
  }
  RM.addSites = function (map, groups, p, opts) {
    if (p.src) {
      // (gzip-compressed by geo.served, sent as is: the page inflates it)
      map._rc.pending = fetch(p.src).then(function (r) {
        if (!r.ok) throw new Error(p.src + ': HTTP ' + r.status);
        return new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).json();
      }).then(function (full) { RM.addSites(map, groups, selected(full, p), opts); });
      return;
    }
    var n = p.i.length;
    map._rc.count += n;
    if (opts.cluster && window.Supercluster) {
      // Clustered: markers are made only for the sites on screen (see RM._render).
      map._rc.clustered = {groups: groups, p: p};
      window.__siteIndex = Object.create(null);
      for (var k = 0; k < n; k++) window.__siteIndex[p.i[k]] = k;
      return;
    }
    for (var i = 0; i < n; i++) {
      var m = makeSite(map, p, i), group = groups[groupOf(p, i)];
      if (m.rcHalo) group.addLayer(m.rcHalo);
      group.addLayer(m);
    }
  };
  // Supercluster (served by the app) indexes the sites of the layers switched on; on every
  // move the clusters and the single sites in view are drawn, so 100,000 sites cost
  // a few hundred markers at a time. Past cfg.clusterMaxZoom every site is its own marker.
  RM._index = function (map) {
    var rc = map._rc, cfg = rc.cfg, points = [], p = rc.clustered.p, groups = rc.clustered.groups;
    var shown = groups.map(function (g) { return map.hasLayer(g); });
    for (var i = 0; i < p.i.length; i++) {
      if (!shown[groupOf(p, i)]) continue;
      points.push({type: 'Feature', properties: {i: i},
                   geometry: {type: 'Point', coordinates: [p.x[i] / cfg.coordScale, p.y[i] / cfg.coordScale]}});
    }
    // extent 256: radius in screen pixels of Leaflet's 256-pixel tiles (clusters up to 50 px wide)
    rc.index = new window.Supercluster({radius: 60, extent: 256, maxZoom: cfg.clusterMaxZoom}).load(points);
  };
  function abbr(n, locale) {
    return n < 1000 ? String(n) : (n / 1000).toLocaleString(locale, {maximumFractionDigits: n < 10000 ? 1 : 0}) + 'k';
  }
  RM._render = function (map) {
    var rc = map._rc, cfg = rc.cfg;
    if (!rc.index) return;
    // Cluster icons are made again; a site marker still in view stays on the map (taking
    // it off would close its open card at every pan).
    var before = rc.drawn || [], kept = new Set();
    rc.drawn = [];
    var b = map.getBounds().pad(0.2), zoom = Math.round(map.getZoom());
    var items = rc.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
    for (var j = 0; j < items.length; j++) {
      var it = items[j], c = it.geometry.coordinates;
      if (it.properties.cluster) {
        var count = it.properties.point_count, size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 50;
        var icon = L.marker([c[1], c[0]], {
          pane: 'rc-sites', keyboard: false, title: cfg.nSites.replace('{n}', count.toLocaleString(cfg.locale)),
          icon: L.divIcon({html: '<div><span>' + abbr(count, cfg.locale) + '</span></div>',
                           className: 'rc-cluster', iconSize: L.point(size, size)})
        });
        icon.rcCluster = it.id;
        icon.on('click', function (e) {
          map.setView(e.target.getLatLng(), rc.index.getClusterExpansionZoom(e.target.rcCluster));
        });
        rc.clusterLayer.addLayer(icon);
        rc.drawn.push([rc.clusterLayer, icon]);
      } else {
        var p = rc.clustered.p, i = it.properties.i, group = rc.clustered.groups[groupOf(p, i)];
        var m = window.__sites[p.i[i]] || makeSite(map, p, i);
        [m.rcHalo, m].forEach(function (layer) {
          if (!layer) return;
          if (!group.hasLayer(layer)) group.addLayer(layer);
          kept.add(layer);
          rc.drawn.push([group, layer]);
        });
      }
    }
    before.forEach(function (d) { if (!kept.has(d[1])) d[0].removeLayer(d[1]); });
  };
  RM._startClusters = function (map) {
    var rc = map._rc;
    rc.clusterLayer = L.layerGroup().addTo(map);
    RM._index(map);
    map.on('moveend', function () { RM._render(map); });
    // a layer switched on or off in the control: index the sites shown again
    map.on('overlayadd overlayremove', function (e) {
      if (rc.clustered.groups.indexOf(e.layer) >= 0) { RM._index(map); RM._render(map); }
    });
  };
  RM.addAreas = function (map, group, p, opts) {
    var base = opts.style, scale = Math.pow(10, -p.d), n = p.g.length;
    var renderer = n > map._rc.cfg.canvasAreas ? L.canvas({pane: opts.pane, padding: 0.3}) : undefined;
    if (opts.interactive) {
      // One tooltip, card and hover style for the whole layer (each receives the commune
      // under the pointer), not one of each per polygon: 20,000 communes open 40% sooner.
      group.bindTooltip(communeTip, {sticky: true, className: 'rc-tooltip'});
      group.bindPopup(communeCard, {maxWidth: map._rc.cfg.popupWidth, className: 'rc-popup'});
      group.on('mouseover', function (e) { e.layer.setStyle({weight: 2.5}); });
      group.on('mouseout', function (e) { e.layer.setStyle({weight: e.layer.rcWeight}); });
    }
    for (var i = 0; i < n; i++) {
      var style = L.Util.extend({pane: opts.pane, interactive: !!opts.interactive}, base);
      if (renderer) style.renderer = renderer;
      if (p.fc) {
        var c = p.fc[i];
        if (c < 0) L.Util.extend(style, {fillColor: map._rc.cfg.noJobsFill, dashArray: '3 3', fillOpacity: 0.3});
        else style.fillColor = map._rc.cfg.classColors[c];
      }
      var l = L.polygon(shape(p.g[i], scale), style);
      if (opts.interactive) {
        l.rcData = p; l.rcIndex = i; l.rcMap = map; l.rcWeight = base.weight;
        window.__communes[val(map._rc.S, p.c[p.ik], i)] = l;
      }
      group.addLayer(l);
    }
  };
  RM.legend = function (map, html) {
    var c = L.control({position: 'bottomright'});
    c.onAdd = function () {
      var d = L.DomUtil.create('div', 'rc-legend leaflet-control');
      d.innerHTML = html;
      // A card (popup) cannot rise above the map's controls: fold the legend while one is open.
      var det = d.querySelector('details'), wasOpen = null;
      map.on('popupopen', function () {
        if (det && wasOpen === null) { wasOpen = det.open; det.open = false; }
      });
      map.on('popupclose', function () {
        if (det && wasOpen !== null) { det.open = wasOpen; wasOpen = null; }
      });
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      // On a small map the legend starts folded (one click opens it).
      var size = map.getSize();
      if (det && (size.x < 800 || size.y < 560)) det.open = false;
      return d;
    };
    c.addTo(map);
  };
  RM.openSite = function (map, id, opts) {
    var zoom = opts.zoom || Math.max(map.getZoom(), 11), at = window.__siteIndex ? window.__siteIndex[id] : undefined;
    if (!window.__sites[id] && at !== undefined) {
      // a clustered site gets its marker once the map shows it on its own
      var p = map._rc.clustered.p, cfg = map._rc.cfg;
      zoom = Math.max(zoom, cfg.clusterMaxZoom + 1);
      map.setView([p.y[at] / cfg.coordScale, p.x[at] / cfg.coordScale], zoom, {animate: false});
      RM._render(map);
    }
    var m = window.__sites[id];
    if (!m) return false;
    ensureCard(m);
    if (opts.fly) map.flyTo(m.getLatLng(), zoom); else map.setView(m.getLatLng(), zoom, {animate: false});
    if (opts.fly) map.once('moveend', function () { m.openPopup(); });
    else m.openPopup();
    return true;
  };
  // Set before the layers are added, so that each is drawn once, in its final place.
  RM.view = function (map, view) {
    map._rc.view = view;
    if (view.bounds) {
      // keep the sites clear of an open legend (bottom right)
      var legend = map.getContainer().querySelector('.rc-legend'), open = legend && legend.querySelector('details[open]');
      var right = open ? legend.offsetWidth + 20 : 40;
      map.fitBounds(view.bounds, {paddingTopLeft: [40, 40], paddingBottomRight: [right, 40], maxZoom: view.maxZoom, animate: false});
    } else {
      map.setView(view.center, view.zoom, {animate: false});
    }
  };
  RM.finish = function (map) {
    var pending = map._rc.pending, view = map._rc.view || {};
    if (pending) {
      map._rc.pending = null;
      pending.catch(function (err) {
        // the sites' file could not be read: say so on the map (the rest of it works)
        if (window.console) console.error(err);
        window.__mapError = String(err);
        var c = L.control({position: 'topleft'});
        c.onAdd = function () {
          var d = L.DomUtil.create('div', 'rc-error leaflet-control');
          d.setAttribute('role', 'alert');
          d.textContent = map._rc.cfg.sitesFailed;
          return d;
        };
        c.addTo(map);
      }).then(function () { RM.finish(map); });
      return;
    }
    var n = map._rc.count;
    if (n <= map._rc.cfg.sortMax) {
      // Proportional symbols: the big ones under the small ones, whatever their layer.
      var all = [];
      for (var id in window.__sites) all.push(window.__sites[id]);
      all.sort(function (a, b) { return b.rcData.r[b.rcIndex] - a.rcData.r[a.rcIndex]; });
      for (var k = 0; k < all.length; k++) all[k].bringToFront();
    }
    map.getContainer().setAttribute('data-site-count', String(n));
    window.__siteCount = n;
    if (map._rc.clustered) RM._startClusters(map);
    RM._render(map);  // (clusters in the view set first)
    if (view.selected && (window.__sites[view.selected] || (window.__siteIndex && view.selected in window.__siteIndex))) {
      RM.openSite(map, view.selected, {zoom: view.selectedZoom});
    }
    window.__mapReady = true;
  };
  window.ReindusMap = RM;
})();
"""

_CSS = """
.leaflet-container { background: %(bg)s; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
.leaflet-container path.leaflet-interactive:focus { outline: none; }
.rc-legend { background: rgba(255,255,255,.95); padding: 6px 10px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,.35); font-size: %(fs)dpx; line-height: 1.35; color: #1f2933;
  max-height: 55vh; overflow-y: auto; max-width: %(lw)dpx; }
.rc-legend summary { font-weight: 600; cursor: pointer; }
.rc-lg-h { font-weight: 600; margin: 6px 0 2px; color: #3e4c59; }
.rc-lg-row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.rc-lg-dot { display: inline-block; width: .85em; height: .85em; border-radius: 50%%; border: 1px solid rgba(0,0,0,.3); flex: none; }
.rc-lg-box { display: inline-block; font-style: normal; width: 1em; height: .8em; border: 1px solid #6a51a3; flex: none; opacity: .85; }
.rc-lg-nojobs { background: #fff; border-style: dashed; }
.rc-lg-sizes { display: block; margin: 2px 0 4px; overflow: visible; }
.rc-lg-sizes text { font-size: .9em; fill: #1f2933; }
.rc-lg-classes { display: flex; flex-wrap: wrap; gap: 2px 8px; }
.rc-lg-classes span { display: inline-flex; align-items: center; gap: 3px; white-space: nowrap; }
.rc-lg-row svg { flex: none; }
.rc-swatch { display: inline-block; width: .8em; height: .8em; border-radius: 50%%; margin-right: 5px; vertical-align: -1px; border: 1px solid rgba(0,0,0,.3); }
.rc-swatch-upload { background: #fff; border: 2.5px solid %(up)s; }
.leaflet-control-layers { font-size: %(fs)dpx; }
.rc-tooltip { font-size: %(fs)dpx; }
.rc-popup .leaflet-popup-content { font-size: %(fs)dpx; line-height: 1.35; margin: 10px 12px; }
.rc-title { font-weight: 700; font-size: 1.12em; margin-bottom: 2px; }
.rc-sub { color: #52606d; margin-bottom: 6px; }
.rc-dot { display: inline-block; width: .75em; height: .75em; border-radius: 50%%; margin-right: 4px; vertical-align: -1px; }
.rc-badge { background: #111; color: #fff; border-radius: 3px; padding: 0 4px; font-size: .85em; }
.rc-table { border-collapse: collapse; width: 100%%; }
.rc-table th { text-align: left; vertical-align: top; font-weight: 600; color: #52606d; padding: 2px 8px 2px 0; white-space: nowrap; }
.rc-table td { padding: 2px 0; vertical-align: top; overflow-wrap: anywhere; }
.rc-table tr + tr th, .rc-table tr + tr td { border-top: 1px solid #e4e7eb; }
.rc-note, .rc-muted { color: #616e7c; font-size: .9em; }
.rc-sources { margin: 0; padding-left: 1.1em; }
.rc-card, .rc-commune { max-height: %(ph)s; overflow-y: auto; }
.rc-error { background: #fff4e5; color: #7a3e00; border: 1px solid #e59500; border-radius: 4px;
  padding: 6px 10px; font-size: %(fs)dpx; max-width: 320px; }
.rc-cluster div { width: 100%%; height: 100%%; border-radius: 50%%; display: flex; align-items: center;
  justify-content: center; color: #fff; font-weight: 700; opacity: .88; border: 2px solid #fff; box-sizing: border-box;
  background: #3e4c59; box-shadow: 0 1px 4px rgba(0,0,0,.35);
  text-shadow: 0 0 2px rgba(0,0,0,.6); }
"""


class _Verbatim(folium.elements.Element):
    """Already-rendered text, put in the page as is.

    branca's ``MacroElement.render`` wraps each macro's output in ``Element(text)``, which
    compiles that text as a new jinja template: data like ``{{ 7*7 }}`` would then be
    evaluated on the server (and a large payload costs seconds to compile).
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str):
        super().__init__()
        self.text = text


class _RenderOnce:
    """Render an element's header/html/script macros once, never as templates again."""

    def render(self, **kwargs):
        figure = self.get_root()
        for name, url in getattr(self, "default_js", []):
            figure.header.add_child(folium.elements.JavascriptLink(url), name=name)
        for name, url in getattr(self, "default_css", []):
            figure.header.add_child(folium.elements.CssLink(url), name=name)
        module = self._template.module
        for part in ("header", "html", "script"):
            macro = getattr(module, part, None)
            if macro is not None:
                getattr(figure, part).add_child(_Verbatim(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class _Runtime(_RenderOnce, folium.MacroElement):
    """The map's stylesheet and JavaScript helpers (``window.ReindusMap``), emitted once."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
            {{ this.code }}
            window.ReindusMap.init({{ this._parent.get_name() }}, {{ this.config }});
        {% endmacro %}
        """
    )

    def __init__(self, *, large: bool, lang: str = "fr"):
        super().__init__()
        self._name = "ReindusRuntime"
        fs = 18 if large else 13
        self.css = _CSS % {
            "bg": BACKGROUND,
            "fs": fs,
            "lw": 380 if large else 270,
            "up": UPLOAD_STROKE,
            "ph": "62vh",
        }
        self.code = _RUNTIME_JS
        self._config = {
            "colors": {slug: term.color for slug, term in SECTORS.items()},
            "labels": {},
            "halo": DEPARTEMENT_HALO_M,
            "uploadStroke": UPLOAD_STROKE,
            "popupWidth": 480 if large else 400,
            "sortMax": SVG_MAX_SITES,
            "coordScale": 10**COORD_DECIMALS,
            "canvasAreas": CANVAS_AREAS,
            "classColors": list(CHOROPLETH_COLORS),
            "noJobsFill": NO_JOBS_FILL,
            "communeSitesMax": COMMUNE_SITES_MAX,
            "clusterMaxZoom": CLUSTER_MAX_ZOOM,
            "locale": "fr-FR" if lang == "fr" else "en-GB",
            "nSites": _e(_t("n_sites", lang)),
            "more": _e(_t("more_sites", lang)),
            "sitesFailed": _t("sites_failed", lang),  # set as text, not HTML
        }

    @property
    def config(self) -> str:
        return _js(self._config)

    def set_labels(self, labels: dict[str, str]) -> None:
        self._config["labels"].update(labels)


class _Strings(_RenderOnce, folium.MacroElement):
    """The map's string table, written when the page renders (after every layer added to
    it), as inert JSON in the page like the layers' data (not in the map script)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}<script type="application/json" id="{{ this.data_id }}">{{ this.payload }}</script>{% endmacro %}
        {% macro script(this, kwargs) %}
            window.ReindusMap.strings({{ this._parent.get_name() }}, window.ReindusMap.data("{{ this.data_id }}"));
        {% endmacro %}
        """
    )

    def __init__(self, table: StringTable):
        super().__init__()
        self._name = "Strings"
        self.table = table

    @functools.cached_property
    def payload(self) -> str:  # at the first render: every layer has added its texts
        return _js(self.table.strings)

    @functools.cached_property
    def data_id(self) -> str:
        return "rc-data-" + _digest(self.payload)


class _SiteLayer(_RenderOnce, folium.elements.JSCSSMixin):
    """The circle markers of all sites, from a compact columnar payload (see the module doc);
    each goes into its layer's feature group (``payload["gs"]``, by sector, and ``payload["gu"]``
    for uploaded sites index ``groups``)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}<script type="application/json" id="{{ this.data_id }}">{{ this.payload }}</script>{% endmacro %}
        {% macro script(this, kwargs) %}
            window.ReindusMap.addSites({{ this.map_name() }}, [{{ this.group_names() }}],
                window.ReindusMap.data("{{ this.data_id }}"), {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict, groups: list[folium.FeatureGroup], *, cluster: bool):
        super().__init__()
        self._name = "SiteLayer"
        self.groups = groups
        self.count = len(payload["i"]) if "i" in payload else payload["n"]
        self.cluster = cluster
        self.payload = _js(payload)  # once: streamlit_folium renders each element several times
        # Its own id, not the element's name (streamlit_folium renames elements in the
        # script only): the data's digest, so other data also gives another script.
        self.data_id = "rc-data-" + _digest(self.payload)
        self.options_js = _js({"cluster": cluster})
        # Only a clustered layer needs Supercluster (served by the app).
        self.default_js = [("supercluster", assets.asset_url("supercluster"))] if cluster else []
        self.default_css = []

    def map_name(self) -> str:
        return _map_of(self).get_name()

    def group_names(self) -> str:
        return ", ".join(g.get_name() for g in self.groups)


# Row labels of the commune card.
_COMMUNE_ROWS = ("f_insee", "f_population", "f_epci", "f_departement", "f_region", "f_sites", "f_commune_jobs",
                 "f_jobs_per_1000")  # fmt: skip


def _labels_for(keys: set[str], lang: str) -> dict[str, str]:
    """Row labels of the cards (escaped); extra data columns keep their own name."""
    return {k: _e(_t(k, lang)) if k.startswith("f_") else _e(k[2:]) for k in keys}


class _AreaLayer(_RenderOnce, folium.MacroElement):
    """Communes (interactive choropleth) or outlines (lines only), from encoded rings."""

    _STYLES = {
        "communes": {
            "color": "#54278f",
            "weight": 1,
            "opacity": 0.7,
            "fillOpacity": 0.5,
            "fillColor": NO_JOBS_FILL,
        },
        "departements": {"color": "#5f6b7a", "weight": 1, "opacity": 0.8, "fill": False},
        "regions": {"color": "#323f4b", "weight": 2, "opacity": 0.8, "fill": False},
    }
    _template = Template(
        """
        {% macro html(this, kwargs) %}<script type="application/json" id="{{ this.data_id }}">{{ this.payload }}</script>{% endmacro %}
        {% macro script(this, kwargs) %}
            window.ReindusMap.addAreas({{ this.map_name() }}, {{ this._parent.get_name() }},
                window.ReindusMap.data("{{ this.data_id }}"), {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict, shapes: list[str | None], *, kind: str):
        super().__init__()
        self._name = "AreaLayer"
        self.kind = kind
        self.count = len(shapes)
        # The rings are JSON already: pasted in, not parsed and dumped again.
        rings = ",".join(s if s is not None else "[]" for s in shapes)
        self.payload = _js_text(
            json.dumps(payload, ensure_ascii=False, separators=(",", ":"))[:-1] + f',"g":[{rings}]}}'
        )
        # Its own id, not the element's name (streamlit_folium renames elements in the
        # script only): the data's digest, so other data also gives another script.
        self.data_id = "rc-data-" + _digest(self.payload)
        self.options_js = _js(
            {
                "pane": "rc-communes" if kind == "communes" else "rc-outlines",
                "interactive": kind == "communes",
                "style": self._STYLES[kind],
            }
        )

    def map_name(self) -> str:
        return _map_of(self).get_name()


class _Legend(_RenderOnce, folium.MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.ReindusMap.legend({{ this._parent.get_name() }}, {{ this.html_js }});
        {% endmacro %}
        """
    )

    def __init__(self, legend: str):
        super().__init__()
        self._name = "Legend"
        self.legend = legend
        self.html_js = _js(legend)


class _Finish(_RenderOnce, folium.MacroElement):
    """After the layers (and the sites' file): the registry, the clusters, the selected site's card."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.ReindusMap.finish({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "Finish"


class _View(_RenderOnce, folium.MacroElement):
    """Where the map opens (fit the sites, or the selected site): set before the layers."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.ReindusMap.view({{ this._parent.get_name() }}, {{ this.view_js }});
        {% endmacro %}
        """
    )

    def __init__(self, view: View, *, selected: str | None, selected_zoom: int):
        super().__init__()
        self._name = "View"
        self.view_js = _js(
            {
                "center": list(view.center),
                "zoom": view.zoom,
                "bounds": [list(view.bounds[0]), list(view.bounds[1])] if view.bounds else None,
                "maxZoom": FIT_MAX_ZOOM,
                "selected": selected,
                "selectedZoom": selected_zoom,
            }
        )


def _map_of(element) -> folium.Map:
    while element is not None and not isinstance(element, folium.Map):
        element = element._parent
    if element is None:
        raise ValueError("geo.mapview: layer is not inside a folium.Map")
    return element


# --------------------------------------------------------------------------- PNG


def to_png(
    sites: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame | None,
    departements: gpd.GeoDataFrame | None,
    regions: gpd.GeoDataFrame | None,
    *,
    title: str,
    lang: str = "fr",
    commune_stats: pd.DataFrame | None = None,
    size_px: tuple[int, int] = (1920, 1080),
) -> bytes:
    """A static PNG of the map for slides (no tiles): outlines, communes, sites, legend, credit.

    Drawn with matplotlib's Agg canvas (no pyplot state, safe in a server), in
    Lambert-93 for metropolitan France and Web Mercator when sites lie overseas.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Texts from data and users ($, \\) are drawn as they are: parse_math=False everywhere.
    sites = _check_sites(sites)
    dpi = 150
    fig = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    map_box = (0.01, 0.07, 0.70, 0.82)
    ax = fig.add_axes(map_box)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(BACKGROUND)  # outside France (sea, neighbours) reads as background
    for spine in ax.spines.values():
        spine.set_edgecolor("#c4cad0")

    metropolitan = sites.empty or bool(
        (sites.geometry.x.between(-5.5, 10) & sites.geometry.y.between(41, 51.5)).all()
    )
    crs = 2154 if metropolitan else 3857
    pts = sites.to_crs(crs)
    xmin, ymin, xmax, ymax = _png_extent(
        pts, crs, aspect=(map_box[2] * size_px[0]) / (map_box[3] * size_px[1])
    )
    window = gpd.GeoSeries([shapely.box(xmin, ymin, xmax, ymax)], crs=crs).to_crs(4326).total_bounds

    def layer(frame: gpd.GeoDataFrame | None, what: str, outline: bool) -> gpd.GeoDataFrame | None:
        if frame is None or frame.empty:
            return None
        frame = _to_wgs84(frame, what).cx[window[0] : window[2], window[1] : window[3]]
        if frame.empty:
            return None
        if outline:  # holes and specks of the dissolved layers are noise at this scale
            frame = frame.set_geometry(_outline(frame.geometry.values, 0.002))
        return frame.to_crs(crs)

    deps, regs = layer(departements, "departements", True), layer(regions, "regions", True)
    comms = layer(communes, "communes", False)
    if deps is not None:
        deps.plot(ax=ax, facecolor="#f7f6f2", edgecolor="#8a94a0", linewidth=0.6, zorder=1)
    if comms is not None:
        stats = _stats_by_insee(commune_stats if commune_stats is not None else commune_jobs(sites))
        jobs = stats["jobs"] if "jobs" in stats else pd.Series(dtype=float)
        known = [_value(jobs.get(str(i))) or None for i in comms["insee"]]
        comms.plot(ax=ax, color=[jobs_color(j) for j in known], edgecolor="#54278f", linewidth=0.6, alpha=0.85,
                   linestyle=["--" if j is None else "-" for j in known], zorder=2)  # fmt: skip
    if regs is not None:
        regs.plot(ax=ax, facecolor="none", edgecolor="#323f4b", linewidth=1.3, zorder=3)

    # Sites, largest first so the small ones stay visible; sizes in points as on the web
    # map in pixels (a 96 dpi pixel is 0.75 pt).
    order = sorted(pts.to_dict("records"), key=lambda r: -radius_px(_value(r.get("jobs"))))
    for site in order:
        x, y = site["geometry"].x, site["geometry"].y
        color = SECTORS[site["sector"]].color
        jobs = _value(site.get("jobs"))
        upload = site.get("layer") == "upload"
        if site.get("location_precision") == "departement":
            ax.add_patch(_png_circle((x, y), DEPARTEMENT_HALO_M, color, halo=True))
        ax.scatter(
            [x], [y], s=(2 * radius_px(jobs) * 0.75) ** 2, zorder=5,
            facecolor="white" if jobs is None else color, alpha=0.95 if jobs is None else 0.78,
            edgecolor=UPLOAD_STROKE if upload else color, linewidth=2.2 if upload else 1.2,
            linestyle="--" if jobs is None else "-",
        )  # fmt: skip
    _png_labels(ax, pts)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("")  # geopandas labels projected axes ("Easting [metre]")
    ax.set_ylabel("")

    legend_ax = fig.add_axes((0.73, 0.07, 0.26, 0.82))
    _png_legend(legend_ax, sites, lang, communes=comms is not None, dpi=dpi)
    fig.text(
        0.015, 0.95, title, parse_math=False, fontsize=20, fontweight="bold", color="#1f2933", va="center"
    )
    uploads = "layer" in sites and bool(sites["layer"].eq("upload").any())
    credit = _t("png_credit", lang) + (_t("png_credit_upload", lang) if uploads else "")
    fig.text(0.015, 0.03, credit, parse_math=False, fontsize=9, color="#52606d", va="center")

    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")
    return out.getvalue()


def _png_extent(pts: gpd.GeoDataFrame, crs: int, aspect: float) -> tuple[float, float, float, float]:
    """The frame: the sites with a margin (at least ~80 km across), or metropolitan France."""
    if pts.empty:
        bounds = gpd.GeoSeries([shapely.box(-5.2, 41.3, 9.6, 51.1)], crs=4326).to_crs(crs).total_bounds
    else:
        bounds = pts.total_bounds
    cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    span_x = max((bounds[2] - bounds[0]) * 1.15, 80_000)
    span_y = max((bounds[3] - bounds[1]) * 1.15, 80_000)
    span_x, span_y = max(span_x, span_y * aspect), max(span_y, span_x / aspect)
    return cx - span_x / 2, cy - span_y / 2, cx + span_x / 2, cy + span_y / 2


def _png_circle(center, radius, color, *, halo=False, unknown=False, edge=None, linewidth=1.2):
    from matplotlib.patches import Circle

    if halo:
        return Circle(center, radius, facecolor=color, alpha=0.18, edgecolor=color, linestyle="--", linewidth=1.2,
                      zorder=4)  # fmt: skip
    return Circle(center, radius, facecolor="white" if unknown else color, alpha=0.95 if unknown else 0.78,
                  edgecolor=edge or color, linestyle="--" if unknown else "-", linewidth=linewidth)  # fmt: skip


def _png_labels(ax, pts: gpd.GeoDataFrame) -> None:
    """Commune names beside their sites, when few enough to read, nudged apart when they collide."""
    import matplotlib.patheffects as pe

    places: dict[str, list] = {}
    for record in pts.to_dict("records"):
        place = _place(record)
        if place:
            places.setdefault(str(place), []).append(record["geometry"])
    if not places or len(places) > 20:
        return
    ax.figure.canvas.draw()  # positions in pixels need the final transform
    placed: list = []
    for place, points in sorted(places.items(), key=lambda kv: -np.mean([p.y for p in kv[1]])):
        x, y = float(np.mean([p.x for p in points])), float(np.mean([p.y for p in points]))
        text = f"{place} ({len(points)})" if len(points) > 1 else place
        for dx, dy, ha in (
            (9, 5, "left"),
            (9, -13, "left"),
            (-9, 5, "right"),
            (-9, -13, "right"),
            (9, 18, "left"),
        ):
            label = ax.annotate(
                text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=9, color="#1f2933", ha=ha, parse_math=False,
                path_effects=[pe.withStroke(linewidth=3, foreground="white")], zorder=6,
            )  # fmt: skip
            box = label.get_window_extent()
            if not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            label.remove()
        else:
            placed.append(ax.annotate(text, (x, y), xytext=(9, 5), textcoords="offset points", fontsize=9, parse_math=False,
                                      zorder=6).get_window_extent())  # fmt: skip


def _png_legend(ax, sites: pd.DataFrame, lang: str, *, communes: bool, dpi: int) -> None:
    """The slide legend, drawn in a pixel-unit axes so circle sizes match the map's."""
    from matplotlib.patches import Rectangle

    width = ax.get_position().width * ax.figure.get_figwidth() * dpi
    height = ax.get_position().height * ax.figure.get_figheight() * dpi
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    px = dpi / 72  # pixels per point
    line, y, x_text, x_icon = 12 * px * 1.5, 10.0, 48.0, 22.0

    def heading(text: str) -> None:
        nonlocal y
        ax.text(0, y, text, parse_math=False, fontsize=11, fontweight="bold", color="#3e4c59", va="center")
        y += line

    def row(text: str, patch=None) -> None:
        nonlocal y
        if patch is not None:
            ax.add_patch(patch)
        ax.text(x_text, y, text, parse_math=False, fontsize=10, color="#1f2933", va="center")
        y += line

    shown = set(sites["sector"].unique())
    present = [s for s in SECTORS if s in shown]
    if not present:
        row(_t("legend_no_sites", lang))
    else:
        heading(_t("legend_sectors", lang))
        for slug in present:
            row(SECTORS[slug].label(lang), _png_circle((x_icon, y), 6 * px, SECTORS[slug].color))
        y += line * 0.3
        heading(_t("legend_size", lang))
        radii = [radius_px(j) * 0.75 * px for j in LEGEND_JOBS]
        big = max(radii)
        base = y - line * 0.4 + 2 * big
        for jobs, r in sorted(zip(LEGEND_JOBS, radii, strict=True), key=lambda p: -p[1]):
            ax.add_patch(_png_circle((big + 2, base - r), r, "#9aa5b1"))
            ax.plot(
                [big + 2, 2 * big + 14], [base - 2 * r] * 2, color="#9aa5b1", linewidth=0.8, linestyle=":"
            )
            ax.text(2 * big + 18, base - 2 * r, _t("n_jobs", lang, n=fmt_int(jobs, lang)), fontsize=10,
                    color="#1f2933", va="center")  # fmt: skip
        y = base + line * 0.8
        row(_t("legend_unknown_jobs", lang), _png_circle((x_icon, y), 6 * px, "#52606d", unknown=True))
        if "location_precision" in sites and sites["location_precision"].eq("departement").any():
            ax.add_patch(_png_circle((x_icon, y), 9 * px, "#52606d", halo=True))
            row(_t("legend_departement", lang), _png_circle((x_icon, y), 3 * px, "#52606d"))
        if "layer" in sites and sites["layer"].eq("upload").any():
            row(
                _t("upload_layer", lang),
                _png_circle((x_icon, y), 6 * px, "#9aa5b1", edge=UPLOAD_STROKE, linewidth=2.2),
            )
    if communes:
        y += line * 0.3
        heading(_t("legend_choropleth", lang))
        for color, label in zip(CHOROPLETH_COLORS, _class_labels(lang), strict=True):
            row(
                label,
                Rectangle(
                    (x_icon - 10, y - 5 * px), 20, 10 * px, facecolor=color, edgecolor="#54278f", alpha=0.85
                ),
            )
        row(_t("legend_no_jobs", lang),
            Rectangle((x_icon - 10, y - 5 * px), 20, 10 * px, facecolor="white", edgecolor="#54278f", linestyle="--"))  # fmt: skip
