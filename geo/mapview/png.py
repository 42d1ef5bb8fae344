"""A static PNG of the map for slides (matplotlib's Agg canvas, no tiles): the only module
that imports matplotlib, and only when a PNG is asked for (``geo.mapview.to_png``)."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from geo.i18n import fmt_int
from geo.i18n import t as _t
from geo.mapview.background import outline, to_wgs84
from geo.mapview.build import commune_jobs, stats_by_insee
from geo.mapview.cards import missing_to_none, place_of
from geo.mapview.catalog import check_sites
from geo.mapview.styles import (
    BACKGROUND,
    CHOROPLETH_COLORS,
    DEPARTEMENT_HALO_M,
    LEGEND_JOBS,
    UPLOAD_STROKE,
    class_labels,
    jobs_color,
    radius_px,
)
from geo.vocab import SECTORS


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
    # Texts from data and users ($, \\) are drawn as they are: parse_math=False everywhere.
    sites = check_sites(sites)
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
    extent = _png_extent(pts, crs, aspect=(map_box[2] * size_px[0]) / (map_box[3] * size_px[1]))
    drawn_communes = _draw_areas(ax, sites, (communes, departements, regions), commune_stats, crs, extent)
    _draw_sites(ax, pts)
    _png_labels(ax, pts)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("")  # geopandas labels projected axes ("Easting [metre]")
    ax.set_ylabel("")

    legend_ax = fig.add_axes((0.73, 0.07, 0.26, 0.82))
    _png_legend(legend_ax, sites, lang, communes=drawn_communes, dpi=dpi)
    fig.text(
        0.015, 0.95, title, parse_math=False, fontsize=20, fontweight="bold", color="#1f2933", va="center"
    )
    uploads = "layer" in sites and bool(sites["layer"].eq("upload").any())
    credit = _t("png_credit", lang) + (_t("png_credit_upload", lang) if uploads else "")
    fig.text(0.015, 0.03, credit, parse_math=False, fontsize=9, color="#52606d", va="center")

    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")
    return out.getvalue()


def _draw_areas(ax, sites, frames, commune_stats, crs: int, extent) -> bool:
    """Départements, communes (choropleth) and régions within the frame; True if communes were drawn."""
    window = gpd.GeoSeries([shapely.box(*extent)], crs=crs).to_crs(4326).total_bounds

    def layer(frame: gpd.GeoDataFrame | None, what: str, lines_only: bool) -> gpd.GeoDataFrame | None:
        if frame is None or frame.empty:
            return None
        frame = to_wgs84(frame, what).cx[window[0] : window[2], window[1] : window[3]]
        if frame.empty:
            return None
        if lines_only:  # holes and specks of the dissolved layers are noise at this scale
            frame = frame.set_geometry(outline(frame.geometry.values, 0.002))
        return frame.to_crs(crs)

    communes, departements, regions = frames
    deps, regs = layer(departements, "departements", True), layer(regions, "regions", True)
    comms = layer(communes, "communes", False)
    if deps is not None:
        deps.plot(ax=ax, facecolor="#f7f6f2", edgecolor="#8a94a0", linewidth=0.6, zorder=1)
    if comms is not None:
        stats = stats_by_insee(commune_stats if commune_stats is not None else commune_jobs(sites))
        jobs = stats["jobs"] if "jobs" in stats else pd.Series(dtype=float)
        known = [missing_to_none(jobs.get(str(i))) or None for i in comms["insee"]]
        comms.plot(ax=ax, color=[jobs_color(j) for j in known], edgecolor="#54278f", linewidth=0.6, alpha=0.85,
                   linestyle=["--" if j is None else "-" for j in known], zorder=2)  # fmt: skip
    if regs is not None:
        regs.plot(ax=ax, facecolor="none", edgecolor="#323f4b", linewidth=1.3, zorder=3)
    return comms is not None


def _draw_sites(ax, pts: gpd.GeoDataFrame) -> None:
    """Sites, largest first so the small ones stay visible; sizes in points as on the web
    map in pixels (a 96 dpi pixel is 0.75 pt)."""
    order = sorted(pts.to_dict("records"), key=lambda r: -radius_px(missing_to_none(r.get("jobs"))))
    for site in order:
        x, y = site["geometry"].x, site["geometry"].y
        color = SECTORS[site["sector"]].color
        jobs = missing_to_none(site.get("jobs"))
        upload = site.get("layer") == "upload"
        if site.get("location_precision") == "departement":
            ax.add_patch(_png_circle((x, y), DEPARTEMENT_HALO_M, color, halo=True))
        ax.scatter(
            [x], [y], s=(2 * radius_px(jobs) * 0.75) ** 2, zorder=5,
            facecolor="white" if jobs is None else color, alpha=0.95 if jobs is None else 0.78,
            edgecolor=UPLOAD_STROKE if upload else color, linewidth=2.2 if upload else 1.2,
            linestyle="--" if jobs is None else "-",
        )  # fmt: skip


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
        place = place_of(record)
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
        for color, label in zip(CHOROPLETH_COLORS, class_labels(lang), strict=True):
            row(
                label,
                Rectangle(
                    (x_icon - 10, y - 5 * px), 20, 10 * px, facecolor=color, edgecolor="#54278f", alpha=0.85
                ),
            )
        row(_t("legend_no_jobs", lang),
            Rectangle((x_icon - 10, y - 5 * px), 20, 10 * px, facecolor="white", edgecolor="#54278f", linestyle="--"))  # fmt: skip
