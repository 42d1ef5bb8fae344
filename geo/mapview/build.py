"""Building the folium map: markers, commune choropleth, outlines, legend, view, controls.

Each layer is one :class:`~geo.mapview.elements.RuntimeCall` carrying a named payload
(:mod:`geo.mapview.payload`) that the runtime (``static/runtime.js``) turns into Leaflet
layers, not one folium element per site.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo import assets
from geo.encode import StringTable, encode_geometries
from geo.filters import FricheSelection
from geo.i18n import t as _t
from geo.mapview import styles
from geo.mapview.background import (
    COMMUNE_DECIMALS,
    OUTLINE_DECIMALS,
    Background,
    names_by_code,
    outline_shapes,
    to_wgs84,
)
from geo.mapview.cards import COMMUNE_ROWS, CardTexts, commune_figures, commune_texts, escape, labels_for
from geo.mapview.catalog import SiteCatalog, check_sites
from geo.mapview.elements import STATIC, Runtime, RuntimeCall
from geo.mapview.friches import FricheCatalog, add_friches
from geo.mapview.legend import legend_html
from geo.mapview.payload import (
    COORD_DECIMALS,
    AreaPayload,
    ServedSites,
    area_json,
    lon_lat,
    selection_mask,
    site_payload,
    to_json,
    uploads,
)
from geo.served import FileStore, served_or_none
from geo.territories import TERRITORIES
from geo.vocab import SECTORS

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
# An area layer (the communes shown, each outline layer) of this much JSON or more travels as
# a served file (geo.served), not inside the map: the outlines (about 130 KB), the communes
# of a national map (0.5 MB at 10,000 sites); a few communes stay in the map.
SERVE_MIN_AREA_BYTES = 32_000
# Clusters up to this zoom; from the next one on, every site in view is its own marker.
CLUSTER_MAX_ZOOM = 12
# Supercluster's options (runtime.js and the worker that reads a served file): extent 256, the
# radius in screen pixels of Leaflet's 256-pixel tiles (clusters up to 50 px wide).
CLUSTER_OPTIONS = {"radius": 60, "extent": 256, "maxZoom": CLUSTER_MAX_ZOOM}
# Above this many polygons, a layer draws on a canvas (one element, not one SVG path each).
CANVAS_AREAS = 1000
# A commune card lists this many of its sites by name.
COMMUNE_SITES_MAX = 12

FRANCE_CENTER = (46.6, 2.45)
FRANCE_ZOOM = 6
SINGLE_SITE_ZOOM = 11
DEPARTEMENT_SITE_ZOOM = 9
FIT_MAX_ZOOM = 12


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
    cards_from: gpd.GeoDataFrame | SiteCatalog | None = None,
    files: FileStore | None = None,
    background: Background | None = None,
    hidden: Iterable[str] = (),
    report_tag: str | None = None,
    highlighted: Iterable[str] = (),
    heading: str | None = None,
    friches: gpd.GeoDataFrame | FricheSelection | None = None,
    selected_friche: str | None = None,
    friches_from: gpd.GeoDataFrame | FricheCatalog | None = None,
    friches_credit: str | None = None,
) -> folium.Map:
    """The folium map of ``sites``: markers, commune choropleth, outlines, legend, controls.

    Parameters
    ----------
    sites : GeoDataFrame
        Joined sites (points), columns as ``geo.join`` makes them; ``layer == 'upload'``
        marks user-uploaded sites (own layer). Only ``id``, ``name`` and ``sector`` are
        required; any other column may be missing or NA.
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
        The base layer shown first (the others stay in the layer control).
    selected : str, optional
        Id of a site whose card opens on load, the map centred on it.
    height : int or str, optional
        Map height (pixels or CSS length); the page's full height by default.
    large : bool
        Presenter mode: larger legend, tooltip and card text.
    cluster : bool, optional
        Cluster markers; by default only above :data:`CLUSTER_MIN_SITES` sites.
    layer_control_collapsed : bool
        The layer control as Leaflet's small button (expands on hover), or always open.
    cards_from : GeoDataFrame or SiteCatalog, optional
        The frame ``sites`` was filtered from (or its catalog, which keeps its texts and
        file between maps): a filter change then only picks rows.
    files : geo.served.FileStore, optional
        Where the app serves files. With ``cards_from`` of :data:`SERVE_MIN_SITES` sites or
        more and no uploaded site, every site of ``cards_from`` goes into one file there,
        and the map only says which of them it shows. Area layers of
        :data:`SERVE_MIN_AREA_BYTES` or more (the outlines, many communes) go to files of
        its ``areas()`` store.
    background : Background, optional
        The cached read-only layers ``communes`` come from: outlines and commune texts are
        then taken from its caches.
    hidden : iterable of str
        Overlays that start switched off in the layer control: sector slugs, ``uploads``,
        ``communes``, ``departements``, ``regions``.
    heading : str, optional
        A title across the top of the map (the offline export says what it shows); the
        legend then starts folded.
    highlighted : iterable of str
        Ids of sites pointed out by a ring (presenter mode's timeline: the year's new sites).
    report_tag : str, optional
        Carried in the map's reports of its cards and layers (the app applies only those of
        the map on screen).
    friches : GeoDataFrame or geo.filters.FricheSelection, optional
        Friches (``geo.friches``) to draw as diamonds coloured by status; None: no layer.
        A selection of ``friches_from`` (the app's) is drawn without a frame of its rows.
    selected_friche : str, optional
        Id of a friche whose card opens on load (when no site is selected).
    friches_from : GeoDataFrame or FricheCatalog, optional
        The inventory ``friches`` was filtered from (or its catalog): with
        ``geo.mapview.friches.SERVE_MIN_FRICHES`` friches or more and ``files``, every
        friche of it goes into one served file, and the map only says which it shows.
        Never a user's upload (it would be written to disk).
    friches_credit : str, optional
        The inventory's credit in the legend (``geo.mapview.friches.inventory_credit``);
        the shipped extract's by default.
    """
    sites = check_sites(sites)
    if basemap not in styles.BASEMAPS:
        raise ValueError(f"build_map: basemap must be one of {sorted(styles.BASEMAPS)}, got {basemap!r}")
    if lang not in ("fr", "en"):
        raise ValueError(f"build_map: lang must be 'fr' or 'en', got {lang!r}")
    if selected is not None and selected not in set(sites["id"]):
        selected = None  # a stale ?site= (filtered out, or removed): open the normal view
    friches = None if friches is None else FricheSelection.of(friches)
    if friches is None or selected_friche is None or selected_friche not in friches:
        selected_friche = None  # (compared, not a set of 30,000 ids made on every map)
    if cluster is None:
        cluster = len(sites) > CLUSTER_MIN_SITES
    hidden = frozenset(hidden)
    if isinstance(cards_from, gpd.GeoDataFrame):
        cards_from = background.catalog(cards_from) if background is not None else SiteCatalog(cards_from)

    if friches is not None and isinstance(friches_from, gpd.GeoDataFrame):
        friches_from = (
            background.friche_catalog(friches_from) if background is not None else FricheCatalog(friches_from)
        )
    # with friches shown, the map opens on both layers (the Nord's friches, not only its sites)
    friches_at = None
    if friches is not None and not friches.empty:
        friches_at = _friche_lon_lat(friches, friches_from, sites.crs or "EPSG:4326")
    view = _view(sites, large=large, friches=friches_at)
    m = _new_map(view, height, prefer_canvas=len(sites) > SVG_MAX_SITES)
    runtime = Runtime(_runtime_config(large, lang) | {"reportTag": report_tag})
    m.add_child(runtime)
    table = StringTable()
    m.add_child(RuntimeCall("strings", data=lambda: to_json(table.strings)))
    _add_basemaps(m, basemap, lang)
    # The legend and the view first: every layer is then drawn once, in its final place.
    has_communes = communes is not None and not communes.empty
    has_uploads = bool(uploads(sites).any())
    m.add_child(
        RuntimeCall("legend", args=(legend_html(
            sites, lang, communes=has_communes, uploads=has_uploads, friches=friches, friches_credit=friches_credit
        ),))
    )
    m.add_child(RuntimeCall("view", args=(_view_args(view, sites, selected) | {"selectedFriche": selected_friche},)))
    reads = []  # the served files' reads, started before the map's scripts (_early_script)
    if friches is not None:
        served_friches = add_friches(m, friches, lang, large=large, catalog=friches_from, files=files)
        if served_friches is not None:
            reads.append(early_read("friches", served_friches[0], None, served_friches[1]))
    label_keys, site_read = _add_sites(
        m, sites, table, lang=lang, cluster=cluster, cards_from=cards_from, files=files, hidden=hidden
    )
    reads.append(site_read)
    runtime.config["labels"] = labels_for(label_keys | set(COMMUNE_ROWS), lang)
    if has_communes:
        frames = (departements, regions)
        _add_communes(
            m, sites, communes, commune_stats, frames, table, lang, background, "communes" not in hidden, files
        )
    outlines = background.outlines() if background is not None else outline_shapes(departements, regions)
    _add_outlines(m, outlines, lang, hidden, files)
    keyed = [layer for layer in m._children.values() if hasattr(layer, "rc_key")]
    # what the layer control switches, by the state's names: the runtime reports the user's choices
    m.add_child(RuntimeCall("layers", groups=keyed, args=([list(layer.rc_key) for layer in keyed],)))
    if highlighted:
        m.add_child(RuntimeCall("highlight", args=(sorted(set(highlighted) & set(sites["id"])),)))
    if heading:
        m.add_child(RuntimeCall("heading", args=(escape(heading),)))
    m.add_child(RuntimeCall("finish"))
    m.add_child(folium.LayerControl(position="topright", collapsed=layer_control_collapsed))
    m = assets.localize(m)
    reads = [r for r in reads if r is not None]
    if reads and runtime.config.get("sitesWorker"):
        m.rc_early = _early_call(runtime.config["sitesWorker"], reads)
        m.default_js = [("reindus_early", _early_script(m.rc_early)), *m.default_js]
    return m


def early_read(kind: str, served: dict, cluster_shown: list[bool] | None, cluster: bool) -> dict:
    """The message runtime.js's readInWorker sends a worker for a served file (``kind``:
    sites or friches), as early.js sends it first: the same, or the runtime starts its own."""
    return {
        "kind": kind,
        "file": served["file"],  # (made absolute in the page, as the runtime does)
        "served": served,
        "cluster": {"options": CLUSTER_OPTIONS, "shown": cluster_shown} if cluster else None,
        "hold": True,
    }


def _early_call(worker: str, reads: list[dict]) -> str:
    """``static/early.js`` and its call: start a worker for each of ``reads``."""
    return f"{_early_js()}\nReindusEarly.start({to_json(worker)}, {to_json(reads)});\n"


def _early_script(call: str) -> str:
    """The early call as the first script of the map (a data: URL: streamlit_folium loads a
    map's scripts in order, this one before the bundle)."""
    return assets.INLINE_SCRIPT + base64.b64encode(call.encode("utf-8")).decode("ascii")


def early_page_script(m: folium.Map) -> str | None:
    """The map's early reads as a ``<script>`` for the page that shows the map (a session's
    first screen: ``st.html``), or None (the map reads no served file): they start as soon as
    the page has the map's element, before the map's frame and its scripts load; the frame
    adopts the workers (static/early.js). Not adopted within a minute: ended."""
    call = getattr(m, "rc_early", None)
    return None if call is None else f"<script>{call}ReindusEarly.expire(60000);\n</script>"


@functools.lru_cache(maxsize=1)
def _early_js() -> str:
    return (STATIC / "early.js").read_text("utf-8")


def map_of_selection(
    selection: gpd.GeoDataFrame,
    background: Background,
    *,
    cards_from: gpd.GeoDataFrame | SiteCatalog | None = None,
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
        selection, hosting, stats, background.departements, background.regions,
        cards_from=cards_from, background=background, **options,
    )  # fmt: skip


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
        empty, background.communes_for(codes), stats, background.departements, background.regions,
        background=background, **options,
    )  # fmt: skip


def commune_jobs(sites: pd.DataFrame) -> pd.DataFrame:
    """Sites and known jobs per commune (``insee``, ``sites``, ``jobs``), for when no stats are given."""
    located = sites[sites["insee"].notna()] if "insee" in sites else sites.iloc[0:0]
    jobs = located["jobs"].astype("Float64") if "jobs" in located else pd.Series(dtype="Float64")
    frame = pd.DataFrame({"insee": located.get("insee", pd.Series(dtype=object)).astype(str), "jobs": jobs})
    out = frame.groupby("insee").agg(sites=("jobs", "size"), jobs=("jobs", lambda s: s.sum(min_count=0)))
    return out.reset_index()


# --------------------------------------------------------------------------- map and view


def _new_map(view: View, height: int | str | None, *, prefer_canvas: bool) -> folium.Map:
    return folium.Map(
        location=list(view.center),
        zoom_start=view.zoom,
        tiles=None,
        min_zoom=2,
        zoom_snap=0.5,  # France fills more of the map than with whole zoom levels
        prefer_canvas=prefer_canvas,
        height=height if height is not None else "100%",
    )


def _runtime_config(large: bool, lang: str) -> dict:
    """What the runtime reads as ``map._rc.cfg`` (``labels`` are set once the layers are known)."""
    return {
        "colors": {slug: term.color for slug, term in SECTORS.items()},
        "labels": {},
        "cssVars": styles.css_variables(large=large),
        "halo": styles.DEPARTEMENT_HALO_M,
        "uploadStroke": styles.UPLOAD_STROKE,
        "fricheStroke": styles.FRICHE_STROKE,
        "popupWidth": 480 if large else 400,
        "present": large,  # presenter mode: the map fills its frame, keys go to the tour
        "sameSpot": escape(_t("same_spot", lang)),
        "sortMax": SVG_MAX_SITES,
        "canvasAreas": CANVAS_AREAS,
        "classColors": list(styles.CHOROPLETH_COLORS),
        "noJobsFill": styles.NO_JOBS_FILL,
        "communeSitesMax": COMMUNE_SITES_MAX,
        "clusterOptions": CLUSTER_OPTIONS,  # (its maxZoom: past it, every site is its own marker)
        "locale": "fr-FR" if lang == "fr" else "en-GB",
        "nSites": escape(_t("n_sites", lang)),
        "more": escape(_t("more_sites", lang)),
        "sitesFailed": _t("sites_failed", lang),  # set as text, not HTML
        "areasFailed": _t("areas_failed", lang),
        # a card opened before its texts are read (a served file's second part): text, and as a tooltip's HTML
        "cardLoading": _t("card_loading", lang),
        "cardLoadingHtml": escape(_t("card_loading", lang)),
        # a served sites' file is read in a worker, off the page's main thread (issue 14)
        # (with decode.js and Supercluster in it: the worker does not wait for a second file
        # before it reads, and it makes the cluster index too)
        "sitesWorker": _served_script(
            STATIC / "decode.js", assets.VENDOR_DIR / assets.LOCAL_ASSETS["supercluster"], STATIC / "sites-worker.js"
        ),
    }


def _served_script(*paths: Path) -> str | None:
    """The app-served URL of one script made of ``paths``' files, in order (named after the
    last); None where it cannot be published (a read-only app directory: the runtime then
    does without it)."""
    try:
        return assets.publish_bytes(paths[-1].stem, ".js", assets.joined_scripts(paths))
    except OSError:
        return None


# Mainland France and Corsica (geo.territories): where a national view opens.
_EUROPEAN = [t.bbox for t in TERRITORIES if t.name in ("Métropole", "Corse")]
EUROPEAN_FRANCE = (min(b[0] for b in _EUROPEAN), min(b[1] for b in _EUROPEAN), max(b[2] for b in _EUROPEAN),
                   max(b[3] for b in _EUROPEAN))  # fmt: skip
# In presenter mode, sites spread over more than this share of the mainland's width or
# height are shown with the whole of it (the audience sees where they are in France).
NATIONAL_SPREAD = 1 / 3


def _view(
    sites: gpd.GeoDataFrame, *, large: bool = False, friches: tuple[np.ndarray, np.ndarray] | None = None
) -> View:
    """The map's opening view on the sites, and on the friches shown (their longitudes and
    latitudes: :func:`_friche_lon_lat`; None: no layer)."""
    xs, ys = lon_lat(np.asarray(sites.geometry.values))
    if friches is not None:
        xs, ys = np.concatenate([xs, friches[0]]), np.concatenate([ys, friches[1]])
    if not len(xs):
        return View(FRANCE_CENTER, FRANCE_ZOOM)
    x0, y0, x1, y1 = EUROPEAN_FRANCE
    metropolitan = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    if metropolitan.any() and not metropolitan.all():
        # Sites in metropolitan France and overseas: open on the mainland (the overseas
        # ones stay a pan away) rather than on a world map where France is a dot.
        xs, ys = xs[metropolitan], ys[metropolitan]
    south, north, west, east = ys.min(), ys.max(), xs.min(), xs.max()
    center = ((south + north) / 2, (west + east) / 2)
    if north - south < 1e-4 and east - west < 1e-4:
        only_departement = (
            friches is None
            and "location_precision" in sites
            and sites["location_precision"].eq("departement").all()
        )
        return View(center, DEPARTEMENT_SITE_ZOOM if only_departement else SINGLE_SITE_ZOOM)
    if large and metropolitan.all() and (
        east - west > NATIONAL_SPREAD * (x1 - x0) or north - south > NATIONAL_SPREAD * (y1 - y0)
    ):
        south, west, north, east = y0, x0, y1, x1
    return View(center, FRANCE_ZOOM, ((south, west), (north, east)))


def _friche_lon_lat(
    friches: FricheSelection, catalog: FricheCatalog | None, crs
) -> tuple[np.ndarray, np.ndarray]:
    """The longitudes and latitudes of the friches shown, in the sites' CRS (for the view): those
    the catalog of their inventory read once (3–4 ms a map for 29,000 friches), else of their
    points; no frame made (``to_crs`` of the frame and a frame of the points took 30 ms, then 5)."""
    if catalog is not None and catalog.frame is friches.inventory and friches.inventory.crs == crs:
        xs, ys = catalog.lon_lat
        return (xs, ys) if friches.everything else (xs[friches.keep], ys[friches.keep])
    shown = friches.inventory.geometry
    shown = shown if friches.everything else shown[friches.keep]
    return lon_lat(np.asarray((shown if shown.crs == crs else shown.to_crs(crs)).values))


def _view_args(view: View, sites: gpd.GeoDataFrame, selected: str | None) -> dict:
    zoom = SINGLE_SITE_ZOOM
    if selected is not None and "location_precision" in sites:
        precision = sites.loc[sites["id"] == selected, "location_precision"].iloc[0]
        zoom = DEPARTEMENT_SITE_ZOOM if precision == "departement" else SINGLE_SITE_ZOOM
    return {
        "center": list(view.center),
        "zoom": view.zoom,
        "bounds": [list(view.bounds[0]), list(view.bounds[1])] if view.bounds else None,
        "maxZoom": FIT_MAX_ZOOM,
        "selected": selected,
        "selectedZoom": zoom,
    }


def _add_basemaps(m: folium.Map, basemap: str, lang: str) -> None:
    for slug, spec in styles.BASEMAPS.items():
        name = escape(_t(f"basemap_{slug}", lang))
        if spec:
            layer = folium.TileLayer(
                tiles=spec["tiles"], attr=spec["attr"], name=name, max_zoom=spec["max_zoom"],
                overlay=False, show=slug == basemap,
            )  # fmt: skip
        else:
            # A base layer with no tiles: the plain background, and only our own layers.
            layer = folium.FeatureGroup(name=name, overlay=False, show=slug == basemap)
        layer.rc_key = ("basemap", slug)  # (the state's field, its value: see RM.layers)
        layer.add_to(m)


# --------------------------------------------------------------------------- sites


def _sector_groups(m: folium.Map, sites: gpd.GeoDataFrame, lang: str, hidden: frozenset) -> tuple[list, dict]:
    """One toggle (feature group) per sector shown, and the uploads' one; the payload's
    ``group_of_sector`` / ``group_of_upload`` say which group each site goes to."""
    up = uploads(sites)
    sector = pd.Categorical(sites["sector"], categories=list(SECTORS)).codes  # small integers, compared fast
    layers = [
        (f'<span class="rc-swatch" style="background:{term.color}"></span>{escape(term.label(lang))}',
         ~up & (sector == k), slug)
        for k, (slug, term) in enumerate(SECTORS.items())
    ]  # fmt: skip
    layers.append(
        (f'<span class="rc-swatch rc-swatch-upload"></span>{escape(_t("upload_layer", lang))}', up, "uploads")
    )
    groups, group_of_layer = [], []
    for name, mask, slug in layers:
        group_of_layer.append(len(groups) if mask.any() else -1)
        if mask.any():
            label = f"{name} ({int(mask.sum())})"
            groups.append(folium.FeatureGroup(name=label, overlay=True, show=slug not in hidden))
            groups[-1].rc_key = ("hide", slug)
            m.add_child(groups[-1])
    return groups, {"group_of_sector": group_of_layer[:-1], "group_of_upload": group_of_layer[-1]}


def _add_sites(
    m, sites, table: StringTable, *, lang, cluster, cards_from, files, hidden
) -> tuple[set[str], dict | None]:
    """The sites' layer (in the page, or a served file's selection); returns its card row keys
    and, for a served file, its worker's message (early_read)."""
    catalog = cards_from if cards_from is not None else SiteCatalog(sites)
    cards = catalog.cards(lang)
    site_file = _served_file(catalog, lang, files) if cards_from is not None else None
    groups, group_index = _sector_groups(m, sites, lang, hidden)
    if site_file is not None:
        payload: ServedSites | dict = {
            "file": files.url_of(site_file.name),
            "selection": selection_mask(cards.positions(sites["id"]), len(cards.ids)),
            "count": len(sites),
            **group_index,
        }
        label_keys = set(site_file.card_keys)
        read = early_read("sites", payload, [bool(g.show) for g in groups], cluster)
    else:
        payload = site_payload(sites, cards.rows_of(sites["id"]), cards, table) | group_index
        label_keys = {col["key"] for col in payload["rows"]}
        read = None
    # Only a clustered layer needs Supercluster (served by the app).
    js = [("supercluster", assets.asset_url("supercluster"))] if cluster else []
    m.add_child(
        RuntimeCall(
            "addSites", groups=groups, data=to_json(payload), args=({"cluster": cluster},), default_js=js
        )
    )
    return label_keys, read


def _served_file(catalog: SiteCatalog, lang: str, files: FileStore | None):
    """The catalog's served file, when its sites go to one: many, none uploaded (a user's
    uploads stay in their session, never on disk), and the store writable."""
    if files is None or len(catalog) < SERVE_MIN_SITES or uploads(catalog.frame).any():
        return None
    return served_or_none("sites", files, lambda: catalog.served_file(lang, files))


# --------------------------------------------------------------------------- areas


def _names_from(sites: pd.DataFrame, code: str, name: str) -> dict[str, str]:
    if code not in sites or name not in sites:
        return {}
    pairs = sites[[code, name]].dropna().drop_duplicates()
    return dict(zip(pairs[code].astype(str), pairs[name].astype(str), strict=True))


def stats_by_insee(stats: pd.DataFrame) -> pd.DataFrame:
    """Commune figures indexed by INSEE code (``geo.aggregate`` names the key ``code``)."""
    key = "insee" if "insee" in stats else "code" if "code" in stats else None
    if key is None:
        raise ValueError(
            f"build_map: commune_stats need an 'insee' (or 'code') column, got {list(stats.columns)}"
        )
    return stats.set_index(stats[key].astype(str))


def _area_data(data: str, kind: str, files: FileStore | None) -> str:
    """An area payload's JSON for the map: in it, or, with ``files`` and at least
    :data:`SERVE_MIN_AREA_BYTES` of it, the URL of a served file holding it (the map's page
    is that much smaller; the runtime reads the file beside the sites and draws it after the
    markers, and the browser keeps it: the same areas give the same file, issue 14)."""
    if files is None or len(data) < SERVE_MIN_AREA_BYTES:
        return data
    store = files.areas()
    name = served_or_none(kind, store, lambda: store.publish(data.encode(), kind))
    return data if name is None else to_json({"file": store.url_of(name)})


def _add_communes(m, sites, communes, stats, outlines, table, lang, background, show: bool, files=None) -> None:
    communes = to_wgs84(communes, "communes")
    missing = [c for c in ("insee", "nom") if c not in communes]
    if missing:
        raise ValueError(f"build_map: communes lack the columns {missing}")
    names = {
        "dep": names_by_code(outlines[0]) or _names_from(sites, "dep", "dep_nom"),
        "reg": names_by_code(outlines[1]) or _names_from(sites, "reg", "reg_nom"),
    }
    texts = (
        background.commune_texts(names, lang)
        if background is not None
        else commune_texts(communes, names, lang)
    )
    stats = stats if stats is not None else commune_jobs(sites)
    payload = _commune_payload(communes, stats, texts, table, lang)
    if "shape" in communes:  # pre-encoded by Background
        shapes, payload["decimals"] = communes["shape"].tolist(), communes.attrs["shape_decimals"]
    else:
        shapes = encode_geometries(communes.geometry.values, COMMUNE_DECIMALS)
    group = folium.FeatureGroup(name=escape(_t("layer_communes", lang)), overlay=True, show=show)
    group.rc_key = ("hide", "communes")
    group.add_child(
        RuntimeCall(
            "addAreas", groups="parent", data=_area_data(area_json(payload, shapes), "communes", files),
            args=(_area_options("communes"),),
        )
    )
    m.add_child(group)


def _commune_payload(
    communes, stats: pd.DataFrame, texts: CardTexts, table: StringTable, lang: str
) -> AreaPayload:
    """Fill classes and card texts of the communes (their rings are added by the caller)."""
    insee = communes["insee"].astype(str)
    stats = stats_by_insee(stats).reindex(insee)
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
        ratio = (
            known.to_numpy() / population.where(population > 0).to_numpy() * 1000
            if population is not None
            else np.full(len(communes), np.nan)
        )
        per_1000 = pd.Series(ratio, index=stats.index)
    per_1000 = per_1000.where(known.notna())
    # rounded as shown, so each distinct figure is formatted once
    figures = pd.DataFrame(
        {"jobs": known.to_numpy(), "n": n_sites.to_numpy(), "p": per_1000.round(1).to_numpy()}
    )
    columns = texts.columns(texts.rows_of(insee), table)
    columns.update(commune_figures(figures, table, lang))
    columns["f_commune_jobs"] = dict(columns["jobs_text"], key="f_commune_jobs")
    return {
        "decimals": COMMUNE_DECIMALS,
        "fill_class": styles.fill_classes(known).tolist(),
        "name": columns["name"],
        "jobs_text": columns["jobs_text"],
        "rows": [columns[k] for k in COMMUNE_ROWS],
        "insee_row": 0,  # the INSEE code is the first card row
    }


def _area_options(kind: str) -> dict:
    return {
        "pane": "rc-communes" if kind == "communes" else "rc-outlines",
        "interactive": kind == "communes",
        "style": styles.AREA_STYLES[kind],
    }


def _add_outlines(m: folium.Map, outlines, lang: str, hidden: frozenset, files: FileStore | None = None) -> None:
    for shapes, kind in zip(outlines, ("departements", "regions"), strict=True):
        if shapes is not None:
            group = folium.FeatureGroup(
                name=escape(_t(f"layer_{kind}", lang)), overlay=True, show=kind not in hidden
            )
            group.rc_key = ("hide", kind)
            data = _area_data(area_json({"decimals": OUTLINE_DECIMALS}, shapes), kind, files)
            group.add_child(RuntimeCall("addAreas", groups="parent", data=data, args=(_area_options(kind),)))
            m.add_child(group)


__all__ = ["COORD_DECIMALS", "View", "build_map", "commune_jobs", "commune_layer_map", "map_of_selection"]
