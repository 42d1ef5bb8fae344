"""A static PNG of the map for slides (matplotlib's Agg canvas, no tiles): the only module
that imports matplotlib, and only when a PNG is asked for (``geo.mapview.to_png``).

The figure: a title and a subtitle (the active filters, the counts, the date), mainland
France with Corsica in Lambert-93 (or the sites' area when they all lie close together,
with a locator), an inset per overseas territory that has sites, the communes that host
the sites shaded by the web map's choropleth classes, département and région outlines,
the sites (one scatter call per style, whatever their number), commune labels placed
without overlap or dropped (:func:`place_labels`), a legend, a scale bar and a credit line
naming the sources.

Everything drawn outside the maps (legend, labels, scale bar, texts) is in figure
pixels: an overlay axes spans the figure with one data unit per pixel.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import EllipseCollection, LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from geo.i18n import fmt_int
from geo.mapview.background import to_wgs84
from geo.mapview.cards import missing_to_none
from geo.mapview.catalog import check_sites
from geo.mapview.png_layout import (
    OVERSEAS,
    OVERSEAS_REGIONS,
    Box,
    _fit_aspect,
    _host_frame,
    _jobs,
    _projected_box,
    commune_known_jobs,
    credit_parts,
    credit_text,
    france_extent,
    map_extent,
    marker_scale,
    place_labels,
    split_by_territory,
    subtitle_text,
)
from geo.mapview.png_legend import (
    COMMUNE_EDGE,
    DEP_EDGE,
    DPI,
    FONT,
    FRAME,
    INK,
    LABEL_ALL_PLACES,
    LABEL_PT,
    LABEL_TOP,
    LAND,
    MUTED,
    REG_EDGE,
    SIZES,
    _fit_panel,
)
from geo.mapview.styles import (
    BACKGROUND,
    CHOROPLETH_COLORS,
    DEPARTEMENT_HALO_M,
    FRICHE_COLOR,
    NO_JOBS_FILL,
    UPLOAD_STROKE,
    fill_classes,
    radii_px,
)
from geo.territories import LAMBERT_93, MAINLAND, Territory
from geo.vocab import SECTORS


def slide_png(sites: gpd.GeoDataFrame, **kwargs) -> bytes:
    """:func:`to_png` on the commune, département and région layers loaded once per process."""
    from geo.mapview.background import Background

    layers = Background.shared()
    return to_png(sites, layers.communes, layers.departements, layers.regions, **kwargs)


def to_png(
    sites: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame | None,
    departements: gpd.GeoDataFrame | None,
    regions: gpd.GeoDataFrame | None,
    *,
    title: str,
    subtitle: str | None = None,
    lang: str = "fr",
    aspect: str = "16:9",
    size_px: tuple[int, int] | None = None,
    date: dt.date | None = None,
    extent: str = "auto",
    friches: gpd.GeoDataFrame | None = None,
    commune_stats: pd.DataFrame | None = None,
) -> bytes:
    """A PNG of the selected sites for slides: 1920×1080 (``aspect="16:9"``) or 1440×1080 (``"4:3"``).

    Parameters
    ----------
    sites
        The selected sites (points, any CRS), with ``id``, ``name``, ``sector``; ``insee``,
        ``jobs``, ``commune_nom``, ``location_precision``, ``layer``, ``sources`` when known.
    communes, departements, regions
        The commune layer (only the communes hosting a site are drawn) and the outlines.
    title, subtitle
        The figure's title, and what the selection is (the active filters, in words);
        the counts and the date are added after it.
    aspect, size_px
        ``"16:9"`` or ``"4:3"``; ``size_px`` overrides the size in pixels.
    date
        The date the subtitle states (default: today).
    extent
        ``"auto"``: mainland France with Corsica, or the sites' area when they lie within a
        small part of it; ``"france"``: always mainland France with Corsica.
    friches
        Brownfields shown with the sites (Cartofriches, points or polygons): drawn, and
        Cerema credited.
    commune_stats
        Known jobs per commune (``insee`` or ``code``, ``jobs``); default: summed from ``sites``.
    """
    return render_slide(
        sites, communes, departements, regions, title=title, subtitle=subtitle, lang=lang, aspect=aspect,
        size_px=size_px, date=date, extent=extent, friches=friches, commune_stats=commune_stats,
    ).png()  # fmt: skip


def render_slide(
    sites: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame | None,
    departements: gpd.GeoDataFrame | None,
    regions: gpd.GeoDataFrame | None,
    *,
    title: str,
    subtitle: str | None = None,
    lang: str = "fr",
    aspect: str = "16:9",
    size_px: tuple[int, int] | None = None,
    date: dt.date | None = None,
    extent: str = "auto",
    friches: gpd.GeoDataFrame | None = None,
    commune_stats: pd.DataFrame | None = None,
) -> SlideFigure:
    """The slide as a :class:`SlideFigure` (what :func:`to_png` saves), with what was drawn
    where: the labels' boxes, the communes drawn, the main map's frame. Parameters: :func:`to_png`."""
    sites = check_sites(sites)  # EPSG:4326, point geometries, known sectors
    if aspect not in SIZES:
        raise ValueError(f"to_png: aspect must be one of {sorted(SIZES)}, not {aspect!r}")
    if extent not in ("auto", "france"):
        raise ValueError(f"to_png: extent must be 'auto' or 'france', not {extent!r}")
    width, height = size_px or SIZES[aspect]
    friches = to_wgs84(friches, "friches") if friches is not None and not friches.empty else None
    frames = _Frames(
        communes=_host_frame(sites, communes),
        departements=None if departements is None else to_wgs84(departements, "departements"),
        regions=None if regions is None else to_wgs84(regions, "regions"),
        friches=friches,
        jobs=commune_known_jobs(sites, commune_stats),
    )
    figure = SlideFigure(width, height)
    page = _page_layout(width, height)
    groups = split_by_territory(sites)
    mainland = groups.pop(MAINLAND.name, sites.iloc[0:0])
    extent_box, zoomed = map_extent(
        _project(mainland, LAMBERT_93), page.map_box[2] / page.map_box[3], mode=extent
    )  # fmt: skip
    scale = marker_scale(len(sites))

    figure.extent, figure.zoomed = extent_box, zoomed
    main = figure.map_axes(page.map_box, extent_box)
    _draw_territory(main, frames, mainland, LAMBERT_93, extent_box, scale, drawn=figure.communes)
    legend_args = {
        "scale": scale, "communes": frames.communes is not None and not frames.communes.empty,
        "outlines": (departements is not None, regions is not None), "friches": friches is not None,
    }  # fmt: skip
    panel_boxes, legend = _fit_panel(figure, sites, lang, page.panel_box, len(groups) + zoomed, legend_args)
    insets = iter(panel_boxes)
    if zoomed:
        _draw_locator(figure, next(insets), frames, extent_box)
    for territory in OVERSEAS:
        if territory.name in groups:
            _draw_inset(figure, next(insets), territory, frames, groups[territory.name], scale)
    scale_box = _draw_scale_bar(figure, page.map_box, extent_box, lang)
    _draw_labels(figure, main, mainland, page.map_box, extent_box, scale, obstacles=[scale_box])
    legend()
    figure.text(
        page.margin, height - 46, title, size=22, weight="bold", color=INK, max_width=width - 2 * page.margin
    )
    figure.text(page.margin, height - 88, subtitle_text(sites, subtitle, lang, date or dt.date.today()), size=12.5,
                color=MUTED, max_width=width - 2 * page.margin)  # fmt: skip
    figure.credit(page.margin, 20, credit_parts(sites, lang, friches=friches is not None), lang,
                  max_width=width - 2 * page.margin)  # fmt: skip
    return figure


# --------------------------------------------------------------------------- pure parts


# --------------------------------------------------------------------------- figure


@dataclass
class _Frames:
    communes: gpd.GeoDataFrame | None  # host communes only, EPSG:4326
    departements: gpd.GeoDataFrame | None
    regions: gpd.GeoDataFrame | None
    friches: gpd.GeoDataFrame | None
    jobs: pd.Series  # known jobs per host commune (NA: n.c.)


@dataclass(frozen=True)
class _Page:
    margin: float
    map_box: tuple[float, float, float, float]  # x, y, w, h in pixels
    panel_box: tuple[float, float, float, float]


def _page_layout(width: int, height: int) -> _Page:
    """Title band on top, credit at the bottom, the map on the left, the legend panel on the right."""
    margin, top, bottom = 28.0, 118.0, 44.0
    map_h = height - top - bottom
    france = france_extent()
    france_aspect = (france[2] - france[0]) / (france[3] - france[1])
    map_w = min(map_h * france_aspect, width - 2 * margin - 440)
    panel_x = margin + map_w + 32
    return _Page(margin, (margin, bottom, map_w, map_h), (panel_x, bottom, width - margin - panel_x, map_h))


class SlideFigure:
    """The slide: a matplotlib figure with a full-size overlay axes in pixels (y up) for
    everything but the maps, and what was drawn (labels, communes, frame) for tests."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
        self.canvas = FigureCanvasAgg(self.fig)
        self.overlay = self.fig.add_axes((0, 0, 1, 1), zorder=10)
        self.overlay.set_xlim(0, width)
        self.overlay.set_ylim(0, height)
        self.overlay.set_axis_off()
        self.overlay.patch.set_alpha(0)
        self.renderer = self.canvas.get_renderer()
        self.labels: list[tuple[str, Box | None]] = []  # commune labels and their boxes (None: dropped)
        self.communes: list[str] = []  # INSEE codes of the communes drawn (every map)
        self.territories: list[str] = []  # the overseas insets drawn
        self.extent: Box | None = None  # the main map's frame (Lambert-93)
        self.zoomed = False

    def measure(self, text: str, size: float, weight: str = "normal") -> tuple[float, float]:
        """Width and height in pixels of a line of text."""
        prop = FONT.copy()
        prop.set_size(size)
        prop.set_weight(weight)
        w, h, _ = self.renderer.get_text_width_height_descent(text, prop, ismath=False)
        return w, h

    def text(self, x, y, text, *, size, color=INK, weight="normal", max_width=None, **kwargs):
        """Left-aligned text (parse_math off: titles and names with $ are drawn as written),
        shrunk until it fits ``max_width``."""
        while max_width and size > 7 and self.measure(text, size, weight)[0] > max_width:
            size *= 0.94
        return self.overlay.text(x, y, text, fontsize=size, color=color, fontweight=weight, parse_math=False,
                                 va="center", **kwargs)  # fmt: skip

    def credit(self, x, y, parts, lang, *, max_width) -> None:
        publishers, rest = parts
        shown = len(publishers)
        text = credit_text(publishers, rest, lang, shown)
        while shown and self.measure(text, 8.5)[0] > max_width:
            shown -= 1
            text = credit_text(publishers, rest, lang, shown)
        self.text(x, y, text, size=8.5, color=MUTED, max_width=max_width)

    def map_axes(self, box, extent: Box):
        x, y, w, h = box
        ax = self.fig.add_axes((x / self.width, y / self.height, w / self.width, h / self.height))
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(BACKGROUND)  # the sea and the neighbours
        for spine in ax.spines.values():
            spine.set_edgecolor(FRAME)
        return ax

    def png(self) -> bytes:
        out = io.BytesIO()
        self.fig.savefig(out, format="png", dpi=DPI, facecolor="white")
        return out.getvalue()


def _draw_territory(ax, frames: _Frames, sites, crs: int, extent: Box, scale: float, *,
                    deps: frozenset[str] | None = None, drawn: list[str] | None = None) -> None:  # fmt: skip
    """Départements (land), host communes, régions, brownfields, halos and sites of one map."""
    window = gpd.GeoSeries([shapely.box(*extent)], crs=crs).to_crs(4326).total_bounds
    m_per_px = (extent[2] - extent[0]) / (ax.get_position().width * ax.figure.get_figwidth() * DPI)
    tolerance = m_per_px * 0.6

    def rings(frame: gpd.GeoDataFrame | None, keep=None) -> tuple[list[np.ndarray], np.ndarray] | None:
        if frame is None or frame.empty:
            return None
        frame = frame.cx[window[0] : window[2], window[1] : window[3]]
        if keep is not None:
            frame = frame[keep(frame)]
        if frame.empty:
            return None
        geoms = shapely.simplify(frame.to_crs(crs).geometry.values, tolerance)
        return _exterior_rings(np.asarray(geoms), min_area=(2 * m_per_px) ** 2)

    def dep_keep(frame):
        code = frame["code"].astype(str)
        return ~code.str.startswith("97") if deps is None else code.isin(deps)

    def reg_keep(frame):  # overseas régions are their département: outlined in their inset
        return ~frame["code"].astype(str).isin(OVERSEAS_REGIONS)

    has_code = frames.departements is not None and "code" in frames.departements
    dep_rings = rings(frames.departements, dep_keep if has_code else None)
    if dep_rings is not None:
        ax.add_collection(PolyCollection(dep_rings[0], facecolors=LAND, edgecolors="none", zorder=1))
    if frames.communes is not None and not frames.communes.empty:
        _draw_communes(ax, frames, crs, window, tolerance, drawn)
    if dep_rings is not None:
        ax.add_collection(LineCollection(dep_rings[0], colors=DEP_EDGE, linewidths=0.45, alpha=0.8, zorder=3))
    if deps is None and frames.regions is not None:
        reg_rings = rings(frames.regions, reg_keep if "code" in frames.regions else None)
        if reg_rings is not None:
            ax.add_collection(
                LineCollection(reg_rings[0], colors=REG_EDGE, linewidths=1.1, alpha=0.9, zorder=3)
            )
    if frames.friches is not None:
        _draw_friches(ax, frames.friches, crs, window, tolerance)
    _draw_sites(ax, sites, crs, scale)


def _draw_communes(ax, frames: _Frames, crs, window, tolerance, drawn: list[str] | None) -> None:
    """Host communes, filled by the choropleth's classes (white for n.c.), in one collection."""
    frame = frames.communes.cx[window[0] : window[2], window[1] : window[3]]
    if frame.empty:
        return
    geoms = shapely.simplify(frame.to_crs(crs).geometry.values, tolerance)
    polys, owner = _exterior_rings(np.asarray(geoms), min_area=0)
    jobs = frames.jobs.reindex(frame["insee"].astype(str).to_numpy())
    classes = fill_classes(pd.Series(jobs.to_numpy(dtype=float, na_value=np.nan)))
    palette = np.array([to_rgba(c) for c in (*CHOROPLETH_COLORS, NO_JOBS_FILL)])
    faces = palette[classes[owner]]  # -1 → the last colour: NO_JOBS_FILL
    # communes smaller than a few pixels get an edge as wide as their fill so they still show
    lw = 0.35 if len(frame) > 500 else 0.6
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors=COMMUNE_EDGE, linewidths=lw, alpha=0.9,
                                     zorder=2))  # fmt: skip
    if drawn is not None:
        drawn.extend(frame["insee"].astype(str))


def _draw_friches(ax, friches: gpd.GeoDataFrame, crs, window, tolerance) -> None:
    frame = friches.cx[window[0] : window[2], window[1] : window[3]]
    if frame.empty:
        return
    frame = frame.to_crs(crs)
    points = frame[frame.geom_type == "Point"]
    areas = frame[frame.geom_type != "Point"]
    if not areas.empty:
        polys, _ = _exterior_rings(np.asarray(shapely.simplify(areas.geometry.values, tolerance)), min_area=0)
        ax.add_collection(PolyCollection(polys, facecolors=FRICHE_COLOR, edgecolors=FRICHE_COLOR, alpha=0.45,
                                         linewidths=0.4, zorder=2.5))  # fmt: skip
    if not points.empty:
        ax.scatter(points.geometry.x, points.geometry.y, s=9, marker="s", c=FRICHE_COLOR, alpha=0.6,
                   linewidths=0, zorder=2.5)  # fmt: skip


def _draw_sites(ax, sites: gpd.GeoDataFrame, crs: int, scale: float) -> None:
    """Sites in one scatter call per style (known jobs: filled; unknown: hollow, dashed),
    largest first so small ones stay visible; sizes as on the web map (CSS pixels)."""
    if sites.empty:
        return
    xy = _project(sites, crs)
    jobs = _jobs(sites)
    radius = radii_px(jobs.astype(float)) * scale
    colors = np.array([to_rgba(SECTORS[s].color) for s in sites["sector"]])
    upload = sites["layer"].eq("upload").to_numpy() if "layer" in sites else np.zeros(len(sites), bool)
    known = jobs.notna().to_numpy()
    lw_scale = min(1.0, 0.4 + scale)
    halo = (sites["location_precision"].eq("departement").to_numpy() if "location_precision" in sites
            else np.zeros(len(sites), bool))  # fmt: skip
    if halo.any():
        faces = colors[halo].copy()
        faces[:, 3] = 0.16
        ax.add_collection(EllipseCollection(
            2 * DEPARTEMENT_HALO_M, 2 * DEPARTEMENT_HALO_M, 0, units="xy", offsets=xy[halo],
            offset_transform=ax.transData, facecolors=faces, edgecolors=colors[halo], linewidths=0.9,
            linestyles="--", zorder=4,
        ))  # fmt: skip
    for mask, solid in ((known, True), (~known, False)):
        if not mask.any():
            continue
        order = np.argsort(-radius[mask], kind="stable")
        face = colors[mask][order].copy()
        face[:, 3] = 0.78
        if not solid:
            face[:] = to_rgba("white", 0.95)
        edge = np.where(upload[mask][order, None], np.array(to_rgba(UPLOAD_STROKE)), colors[mask][order])
        points = 72 / DPI  # points per pixel
        ax.scatter(
            xy[mask][order, 0], xy[mask][order, 1], s=(2 * radius[mask][order] * points) ** 2,
            facecolors=face, edgecolors=edge, linewidths=np.where(upload[mask][order], 2.0, 1.0) * lw_scale,
            linestyles="-" if solid else (0, (2, 1.5)), zorder=5 if solid else 5.5,
        )  # fmt: skip


def _draw_labels(figure: SlideFigure, ax, sites: gpd.GeoDataFrame, map_box, extent: Box, scale: float,
                 obstacles: list[Box]) -> None:  # fmt: skip
    """Commune names beside their sites: every commune when few, else those with most jobs;
    placed by :func:`place_labels` (a label that finds no room is dropped)."""
    if sites.empty:
        return
    names = sites["commune_nom"] if "commune_nom" in sites else sites.get("commune")
    if names is None:
        return
    xy = _project(sites, LAMBERT_93)
    jobs = _jobs(sites)
    frame = pd.DataFrame({"name": names.map(missing_to_none).to_numpy(), "x": xy[:, 0], "y": xy[:, 1],
                          "jobs": jobs.to_numpy(dtype=float), "r": radii_px(jobs.astype(float)) * scale})  # fmt: skip
    frame = frame.dropna(subset=["name"])
    inside = frame["x"].between(extent[0], extent[2]) & frame["y"].between(extent[1], extent[3])
    frame = frame[inside]
    if frame.empty:
        return
    places = frame.groupby("name").agg(
        x=("x", "mean"), y=("y", "mean"), n=("x", "size"), jobs=("jobs", lambda s: s.sum(min_count=1)), r=("r", "max")
    )  # fmt: skip
    places = places.sort_values(["jobs", "n"], ascending=False, na_position="last")
    if len(places) > LABEL_ALL_PLACES:
        places = places[places["jobs"].notna()].head(LABEL_TOP)
    x, y, w, h = map_box
    px = x + (places["x"].to_numpy() - extent[0]) / (extent[2] - extent[0]) * w
    py = y + (places["y"].to_numpy() - extent[1]) / (extent[3] - extent[1]) * h
    texts = [
        f"{name} ({n})" if n > 1 else str(name) for name, n in zip(places.index, places["n"], strict=True)
    ]
    sizes = [figure.measure(text, LABEL_PT) for text in texts]
    sizes = [(tw + 4, th + 2) for tw, th in sizes]  # room for the white halo
    boxes = place_labels(list(zip(px, py, strict=True)), sizes, list(places["r"]), (x + 2, y + 2, x + w - 2, y + h - 2),
                         obstacles)  # fmt: skip
    import matplotlib.patheffects as pe

    halo = [pe.withStroke(linewidth=2.6, foreground="white")]
    for text, box in zip(texts, boxes, strict=True):
        if box is None:
            continue
        figure.overlay.text((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, text, fontsize=LABEL_PT, color=INK,
                            ha="center", va="center", parse_math=False, path_effects=halo, zorder=12)  # fmt: skip
    figure.labels = [(t, b) for t, b in zip(texts, boxes, strict=True)]


def _draw_scale_bar(figure: SlideFigure, map_box, extent: Box, lang: str) -> Box:
    """A scale bar in the map's bottom-left corner (Spain and the Atlantic on the national map,
    clear of Corsica), on a pale backing; Lambert-93 metres ≈ ground metres. Its box."""
    x, y, w, _ = map_box
    m_per_px = (extent[2] - extent[0]) / w
    target = m_per_px * w * 0.18
    nice = max(n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500) if n * 1000 <= max(target, 1000))
    length = nice * 1000 / m_per_px
    x0, y0 = x + 22, y + 16
    x1 = x0 + length
    ov = figure.overlay
    backing = (x0 - 12, y0 - 8, x1 + 32, y0 + 30)
    ov.add_patch(Rectangle(backing[:2], backing[2] - backing[0], backing[3] - backing[1], facecolor="white",
                           alpha=0.75, edgecolor="none", zorder=10.5))  # fmt: skip
    ov.add_patch(Rectangle((x0, y0), length / 2, 5, facecolor=INK, edgecolor=INK, linewidth=0.8, zorder=11))
    ov.add_patch(Rectangle((x0 + length / 2, y0), length / 2, 5, facecolor="white", edgecolor=INK, linewidth=0.8,
                           zorder=11))  # fmt: skip
    ov.text(x0, y0 + 18, "0", fontsize=8, ha="center", va="center", color=INK, zorder=11)
    ov.text(
        x1, y0 + 18, f"{fmt_int(nice, lang)} km", fontsize=8, ha="center", va="center", color=INK, zorder=11
    )
    return backing


def _draw_inset(figure: SlideFigure, box, territory: Territory, frames: _Frames, sites, scale: float) -> None:
    extent = _fit_aspect(_projected_box(territory), box[2] / box[3])
    ax = figure.map_axes(box, extent)
    _draw_territory(
        ax, frames, sites, territory.crs, extent, scale, deps=territory.deps, drawn=figure.communes
    )
    figure.territories.append(territory.name)
    figure.overlay.text(box[0] + 4, box[1] + box[3] + 9, territory.name, fontsize=8.5, color=INK, va="center",
                        parse_math=False, zorder=11)  # fmt: skip


def _draw_locator(figure: SlideFigure, box, frames: _Frames, extent: Box) -> None:
    """Mainland France with the main map's frame outlined (the map is zoomed on the sites)."""
    france = _fit_aspect(france_extent(), box[2] / box[3])
    ax = figure.map_axes(box, france)
    empty = _Frames(None, frames.departements, frames.regions, None, frames.jobs)
    _draw_territory(ax, empty, gpd.GeoDataFrame(geometry=[], crs=4326), LAMBERT_93, france, 1.0)
    ax.add_patch(Rectangle((extent[0], extent[1]), extent[2] - extent[0], extent[3] - extent[1], facecolor="none",
                           edgecolor="#c0392b", linewidth=1.4, zorder=6))  # fmt: skip


# --------------------------------------------------------------------------- geometry helpers


def _project(sites: gpd.GeoDataFrame, crs: int) -> np.ndarray:
    """Point coordinates (n × 2) in ``crs``."""
    if sites.empty:
        return np.empty((0, 2))
    points = gpd.GeoSeries(sites.geometry.values, crs=sites.crs or 4326).to_crs(crs)
    return shapely.get_coordinates(points.values)


def _exterior_rings(geoms: np.ndarray, min_area: float) -> tuple[list[np.ndarray], np.ndarray]:
    """The exterior rings of every polygon part (specks under ``min_area`` dropped), and the
    index of the geometry each ring came from."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = ~shapely.is_empty(parts)
    if min_area:
        keep &= shapely.area(parts) >= min_area
    rings = shapely.get_exterior_ring(parts[keep])
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    splits = np.flatnonzero(np.diff(ring_of)) + 1
    return np.split(coords, splits) if len(coords) else [], index[keep]


