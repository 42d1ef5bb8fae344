"""The slide's legend and side panel: what it lists, laid out to fit (``png`` draws the map)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Rectangle

from geo.i18n import fmt_int
from geo.i18n import t as _t
from geo.mapview.png_layout import (  # noqa: F401 (the public ones are png's API too)
    CORSICA,
    MARKER_FULL_SITES,
    MARKER_MIN_SCALE,
    OVERSEAS,
    OVERSEAS_REGIONS,
    ZOOM_MAX_SHARE,
    ZOOM_MIN_SPAN_M,
    Box,
    _fit_aspect,
    _host_frame,
    _inside,
    _jobs,
    _overlaps,
    _projected_box,
    boxes_overlap,
    commune_known_jobs,
    credit_parts,
    credit_text,
    format_date,
    france_extent,
    host_communes,
    map_extent,
    marker_scale,
    place_labels,
    split_by_territory,
    subtitle_text,
)
from geo.mapview.styles import (
    AREA_STYLES,
    CHOROPLETH_COLORS,
    FRICHE_COLOR,
    LEGEND_JOBS,
    NO_JOBS_FILL,
    UPLOAD_STROKE,
    class_labels,
    radius_px,
)
from geo.vocab import SECTORS

# Output sizes by aspect ratio (pixels); DPI sets how big a point is: 150 → 1 pt ≈ 2.1 px.
SIZES = {"16:9": (1920, 1080), "4:3": (1440, 1080)}
DPI = 150
# Labels: every commune up to LABEL_ALL_PLACES places, else the LABEL_TOP with most jobs.
LABEL_ALL_PLACES = 30
LABEL_TOP = 12
LABEL_PT = 9.5
INK, MUTED, FRAME = "#1f2933", "#52606d", "#c4cad0"
LAND = "#fbfaf7"
COMMUNE_EDGE = AREA_STYLES["communes"]["color"]
DEP_EDGE = AREA_STYLES["departements"]["color"]
REG_EDGE = AREA_STYLES["regions"]["color"]
FONT = FontProperties(family="DejaVu Sans")

if TYPE_CHECKING:  # (png imports this module: the figure's type only)
    from geo.mapview.png import SlideFigure


def _inset_boxes(panel_box, n: int, side: float) -> list[tuple[float, float, float, float]]:
    """``n`` square boxes of ``side`` pixels at most, in rows at the bottom of the panel."""
    if n == 0:
        return []
    px, py, pw, _ = panel_box
    gap = 12.0
    # one row when the boxes keep three quarters of their size in it, else as many a row as fit
    per_row = (
        n if (pw - gap * (n - 1)) / n >= 0.75 * side else max(1, int((pw + gap) // (min(side, pw) + gap)))
    )
    side = min(side, (pw - (per_row - 1) * gap) / per_row)
    out = []
    for i in range(n):
        row, col = divmod(i, per_row)
        out.append((px + col * (side + gap), py + row * (side + 30), side, side))
    return out


def _fit_panel(figure: SlideFigure, sites, lang, panel_box, n_insets: int, legend_args: dict):
    """The insets' boxes and a function that draws the legend above them: the largest insets
    (190 px down to 90) and legend font (11 pt down to 7) that fit the panel together."""
    for side in (190.0, 160.0, 130.0, 110.0, 90.0):
        boxes = _inset_boxes(panel_box, n_insets, side)
        bottom = max((b[1] + b[3] + 30 for b in boxes), default=panel_box[1])
        box = (panel_box[0], bottom, panel_box[2], panel_box[1] + panel_box[3] - bottom)
        for size in (11.0, 10.0, 9.2, 8.5, 7.8, 7.2):
            entries = _legend_entries(figure, sites, lang, size=size, **legend_args)
            col_w = max(e[1] for e in entries) + 28
            layout = _flow([e[2] for e in entries], box[3], max(1, int(box[2] // col_w)))
            if layout is not None:
                return boxes, partial(_draw_legend, figure, entries, layout, box, col_w)
    # nothing fits (a tiny size_px): the legend's first entries, as many as the panel holds
    layout = _flow([e[2] for e in entries], box[3], max(1, int(box[2] // col_w)), cut=True)
    return boxes, partial(_draw_legend, figure, entries[: len(layout)], layout, box, col_w)


def _draw_legend(figure: SlideFigure, entries, layout, box, col_w: float) -> None:
    x0, top = box[0], box[1] + box[3]
    for (draw, _, _), (col, y) in zip(entries, layout, strict=True):
        draw(figure.overlay, x0 + col * col_w, top - y)


def _flow(
    heights: list[float], available: float, columns: int, cut: bool = False
) -> list[tuple[int, float]] | None:
    """(column, offset from the top) of each entry, columns filled in turn; None if they overflow
    (with ``cut``: the entries that fit)."""
    out, col, y = [], 0, 0.0
    for h in heights:
        if y + h > available and y > 0:
            col, y = col + 1, 0.0
        if col >= columns:
            return out if cut else None
        out.append((col, y))
        y += h
    return out


def _legend_entries(figure: SlideFigure, sites, lang, *, scale, communes, outlines, friches, size):
    """(draw(ax, x, top), width, height) of each legend block, in pixels."""
    fig_px = DPI / 72
    line = size * fig_px * 1.55
    icon, text_x = 11.0, 30.0
    entries = []

    def width_of(text, weight="normal"):
        return text_x + figure.measure(text, size, weight)[0]

    def heading(text):
        def draw(ax, x, top):
            ax.text(x, top - line * 0.75, text, fontsize=size + 0.6, fontweight="bold", color="#3e4c59",
                    va="center", parse_math=False)  # fmt: skip

        entries.append((draw, width_of(text, "bold") - text_x + 8, line * 1.25))

    def row(text, symbol):
        def draw(ax, x, top):
            cy = top - line / 2
            symbol(ax, x + icon, cy)
            ax.text(x + text_x, cy, text, fontsize=size, color=INK, va="center", parse_math=False)

        entries.append((draw, width_of(text), line))

    def circle(color, r=6.0, *, hollow=False, edge=None, lw=1.0):
        def symbol(ax, x, y):
            ax.add_patch(Circle((x, y), r, facecolor="white" if hollow else color, alpha=0.95 if hollow else 0.78,
                                edgecolor=edge or color, linewidth=lw, linestyle=(0, (2, 1.5)) if hollow else "-"))  # fmt: skip

        return symbol

    def square(color, *, edge=COMMUNE_EDGE):
        def symbol(ax, x, y):
            ax.add_patch(Rectangle((x - 9, y - 6), 18, 12, facecolor=color, edgecolor=edge, linewidth=0.6))

        return symbol

    def line_symbol(color, lw):
        def symbol(ax, x, y):
            ax.plot([x - 10, x + 10], [y, y], color=color, linewidth=lw)

        return symbol

    nc = f"{_t('f_jobs', lang)} {_t('not_given', lang)}"
    present = [s for s in SECTORS if s in set(sites["sector"])]
    if not present:
        row(_t("legend_no_sites", lang), lambda ax, x, y: None)
    else:
        heading(_t("legend_sectors", lang))
        for slug in present:
            row(SECTORS[slug].label(lang), circle(SECTORS[slug].color))
        heading(_t("legend_size", lang))
        radii = [radius_px(j) * scale for j in LEGEND_JOBS]
        big = max(radii)

        ordered = sorted(zip(LEGEND_JOBS, radii, strict=True), key=lambda p: -p[1])
        block = max(2 * big + 8, line * len(ordered) + 4)

        def sizes(ax, x, top):
            base = top - block + 4  # the circles stand on one line; labels one a line, from the top
            cx, label_x = x + big + 2, x + 2 * big + 22
            for i, (jobs, r) in enumerate(ordered):
                ax.add_patch(Circle((cx, base + r), r, facecolor="#9aa5b1", alpha=0.6, edgecolor="#7b8794",
                                    linewidth=0.8))  # fmt: skip
                label_y = top - line * (i + 0.5)
                ax.plot([cx, label_x - 12, label_x - 4], [base + 2 * r, base + 2 * r, label_y], color="#7b8794",
                        linewidth=0.6, linestyle=":")  # fmt: skip
                ax.text(label_x, label_y, _t("n_jobs", lang, n=fmt_int(jobs, lang)), fontsize=size, color=INK,
                        va="center", parse_math=False)  # fmt: skip

        entries.append(
            (sizes, 2 * big + 22 + width_of(_t("n_jobs", lang, n=fmt_int(LEGEND_JOBS[-1], lang))), block)
        )
        jobs = _jobs(sites)
        if jobs.isna().any():
            row(nc, circle("#52606d", hollow=True))
        if "location_precision" in sites and sites["location_precision"].eq("departement").any():

            def halo(ax, x, y):
                ax.add_patch(Circle((x, y), 10, facecolor="#52606d", alpha=0.16, edgecolor="#52606d", linewidth=0.8,
                                    linestyle="--"))  # fmt: skip
                ax.add_patch(Circle((x, y), 3.5, facecolor="#52606d", edgecolor="#52606d"))

            row(_t("legend_departement", lang), halo)
        if "layer" in sites and sites["layer"].eq("upload").any():
            row(_t("upload_layer", lang), circle("#9aa5b1", edge=UPLOAD_STROKE, lw=2.0))
    if communes:
        heading(_t("legend_choropleth", lang))
        for color, label in zip(CHOROPLETH_COLORS, class_labels(lang), strict=True):
            row(label, square(color))
        row(nc, square(NO_JOBS_FILL))
    if friches:
        row(_t("png_friches", lang), square(FRICHE_COLOR, edge=FRICHE_COLOR))
    if any(outlines):
        heading(_t("png_outlines", lang))
        if outlines[1]:
            row(_t("layer_regions", lang), line_symbol(REG_EDGE, 1.6))
        if outlines[0]:
            row(_t("layer_departements", lang), line_symbol(DEP_EDGE, 0.8))
    return entries
