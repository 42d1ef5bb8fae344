"""What the slide's PNG says and where (no matplotlib): its extent, which communes, the
labels' places (never overlapping), the subtitle and the credit line. ``png`` draws them."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.i18n import fmt_int
from geo.i18n import t as _t
from geo.mapview.background import to_wgs84
from geo.mapview.build import stats_by_insee
from geo.territories import LAMBERT_93, MAINLAND, TERRITORIES, Territory

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (pixels, y up)
CORSICA = next(t for t in TERRITORIES if t.name == "Corse")
OVERSEAS = tuple(t for t in TERRITORIES if t.crs != LAMBERT_93)
OVERSEAS_REGIONS = frozenset({"01", "02", "03", "04", "06"})  # COG codes of the single-département régions
# A selection whose sites span less than this share of mainland France (both ways) is
# drawn zoomed on them, with a locator; at least ZOOM_MIN_SPAN_M across.
ZOOM_MAX_SHARE = 0.3
ZOOM_MIN_SPAN_M = 120_000
# Markers as on the web map (radius in CSS pixels) up to this many sites; beyond, scaled
# down by √(n / this), to at most MARKER_MIN_SCALE, so that 10,000 sites stay a pattern.
MARKER_FULL_SITES = 300
MARKER_MIN_SCALE = 0.3



def split_by_territory(sites: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The sites by territory name: mainland France and Corsica together (``MAINLAND.name``),
    each overseas territory apart; a site in no territory's box goes with the mainland."""
    lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    where = np.full(len(sites), MAINLAND.name, dtype=object)
    for territory in OVERSEAS:
        x0, y0, x1, y1 = territory.bbox
        where[(lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)] = territory.name
    return {name: sites[where == name] for name in dict.fromkeys(where)}


def france_extent() -> Box:
    """Mainland France and Corsica in Lambert-93 (metres), from their territory boxes."""
    boxes = [_projected_box(t) for t in (MAINLAND, CORSICA)]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def map_extent(points: np.ndarray, aspect: float, *, mode: str = "auto") -> tuple[Box, bool]:
    """The main map's frame (Lambert-93) for ``aspect`` (width / height), and whether it is zoomed.

    ``points`` are the mainland sites in Lambert-93 (n × 2). The frame is France with
    Corsica unless ``mode == "auto"`` and the sites span less than ZOOM_MAX_SHARE of it
    both ways: then the sites with a margin, at least ZOOM_MIN_SPAN_M across.
    """
    france = france_extent()
    zoomed = False
    box = france
    if mode == "auto" and len(points):
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        fw, fh = france[2] - france[0], france[3] - france[1]
        if (x1 - x0) < ZOOM_MAX_SHARE * fw and (y1 - y0) < ZOOM_MAX_SHARE * fh:
            span = max((x1 - x0) * 1.3, (y1 - y0) * 1.3, ZOOM_MIN_SPAN_M)
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            box, zoomed = (cx - span / 2, cy - span / 2, cx + span / 2, cy + span / 2), True
    return _fit_aspect(box, aspect), zoomed


def marker_scale(n_sites: int) -> float:
    """Markers at the web map's size up to MARKER_FULL_SITES sites, smaller beyond (area ∝ 1/n)."""
    if n_sites <= MARKER_FULL_SITES:
        return 1.0
    return max(MARKER_MIN_SCALE, math.sqrt(MARKER_FULL_SITES / n_sites))


def commune_known_jobs(sites: pd.DataFrame, commune_stats: pd.DataFrame | None = None) -> pd.Series:
    """Known jobs per host commune (INSEE index); NA where none of its sites gives a figure.

    ``commune_stats`` (geo.aggregate's, where unknown jobs sum to 0) gives the figures,
    but a commune none of whose sites has a jobs figure stays NA: unknown is not zero."""
    if "insee" not in sites or "jobs" not in sites:
        return pd.Series(dtype="Float64")
    located = pd.DataFrame(
        {"insee": sites["insee"], "jobs": pd.to_numeric(sites["jobs"], errors="coerce").astype("Float64")}
    ).dropna(subset=["insee"])
    located["insee"] = located["insee"].astype(str)
    jobs = located.groupby("insee")["jobs"].sum(min_count=1)
    if commune_stats is not None and "jobs" in commune_stats:
        given = stats_by_insee(commune_stats)["jobs"].astype("Float64")
        jobs = given.reindex(jobs.index).where(jobs.notna())
    return jobs


def host_communes(sites: pd.DataFrame, communes: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The communes that host at least one of ``sites`` (by INSEE code): the only ones drawn."""
    if communes is None or "insee" not in sites:
        return None
    codes = pd.Index(sites["insee"].dropna().astype(str).unique())
    return communes[communes["insee"].astype(str).isin(codes)]


def place_labels(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    radii: Sequence[float],
    bounds: Box,
    obstacles: Sequence[Box] = (),
    pad: float = 2.0,
) -> list[Box | None]:
    """Where each label goes (its box), or None when it cannot go anywhere: greedy, in order.

    Label ``i`` (size ``sizes[i]``, pixels) tries eight places around its anchor, at its
    marker's radius plus a gap — right, left, above right, below right, above left, below
    left, above, below — and takes the first inside ``bounds`` that overlaps no label
    already placed, no other label's marker (a square of side 2·radius around its anchor)
    and no obstacle. Give the most important labels first: a label that finds no place is
    dropped, never drawn over another. Boxes are padded by ``pad`` before comparing.
    """
    markers = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(anchors, radii, strict=True)]
    placed: list[Box] = []
    out: list[Box | None] = []
    for i, ((x, y), (w, h), r) in enumerate(zip(anchors, sizes, radii, strict=True)):
        gap = r + 3.0
        diag = r * 0.7 + 2.0
        candidates = (
            (x + gap, y - h / 2), (x - gap - w, y - h / 2),
            (x + diag, y + diag), (x + diag, y - diag - h), (x - diag - w, y + diag), (x - diag - w, y - diag - h),
            (x - w / 2, y + gap), (x - w / 2, y - gap - h),
        )  # fmt: skip
        others = [m for j, m in enumerate(markers) if j != i]
        choice = None
        for x0, y0 in candidates:
            box = (x0, y0, x0 + w, y0 + h)
            if not _inside(box, bounds):
                continue
            padded = (x0 - pad, y0 - pad, x0 + w + pad, y0 + h + pad)
            if any(_overlaps(padded, other) for other in (*placed, *others, *obstacles)):
                continue
            choice = box
            break
        out.append(choice)
        if choice is not None:
            placed.append(choice)
    return out


def boxes_overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share some area (touching edges do not count)."""
    return _overlaps(a, b)


def subtitle_text(sites: pd.DataFrame, subtitle: str | None, lang: str, date: dt.date) -> str:
    """The subtitle: "<filters> · <n> sites · <jobs> emplois annoncés (n.c. pour <k> sites) · <date>"."""
    n = len(sites)
    parts = [subtitle.strip() if subtitle and subtitle.strip() else _t("png_all_sites", lang)]
    parts.append(_t("png_one_site", lang) if n == 1 else _t("n_sites", lang, n=fmt_int(n, lang)))
    if n:
        jobs = _jobs(sites)
        unknown = int(jobs.isna().sum())
        total = fmt_int(jobs.sum(), lang) if unknown < n else _t("not_given", lang)
        text = _t("png_jobs_total", lang, n=total)
        if 0 < unknown < n:
            count = (
                _t("png_one_site", lang) if unknown == 1 else _t("n_sites", lang, n=fmt_int(unknown, lang))
            )
            text += " " + _t("png_jobs_unknown", lang, sites=count, nc=_t("not_given", lang))
        parts.append(text)
    parts.append(_t("png_date", lang, date=format_date(date, lang)))
    return " · ".join(parts)


def format_date(date: dt.date, lang: str) -> str:
    """14 mai 2025 / 14 May 2025."""
    months = _t("png_months", lang).split(",")
    return f"{date.day} {months[date.month - 1]} {date.year}"


def credit_parts(sites: pd.DataFrame, lang: str, *, friches: bool) -> tuple[list[str], list[str]]:
    """The credit line's pieces: the articles' publishers (most cited first), and the rest
    (IGN/INSEE, Cerema when brownfields are shown, the user's uploads)."""
    counts: Counter[str] = Counter()
    seen: dict[str, str] = {}
    if "sources" in sites:
        for sources in sites["sources"]:
            if isinstance(sources, (list, tuple, np.ndarray)):
                names = {
                    str(s.get("publisher")).strip()
                    for s in sources
                    if isinstance(s, dict) and s.get("publisher")
                }
                for name in names:
                    key = name.casefold()
                    seen.setdefault(key, name)
                    counts[key] += 1
    publishers = [seen[key] for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    rest = [_t("png_credit_ign", lang)]
    if friches:
        rest.append(_t("png_credit_friches", lang))
    if "layer" in sites and bool(sites["layer"].eq("upload").any()):
        rest.append(_t("png_credit_uploaded", lang))
    return publishers, rest


def credit_text(publishers: list[str], rest: list[str], lang: str, shown: int | None = None) -> str:
    """The credit line with the first ``shown`` publishers named (all by default), the others counted."""
    shown = len(publishers) if shown is None else shown
    parts = []
    if publishers:
        names = ", ".join(publishers[:shown])
        hidden = len(publishers) - shown
        if hidden:
            names = _t("png_more_publishers", lang, names=names, n=fmt_int(hidden, lang)) if shown else \
                _t("png_n_publishers", lang, n=fmt_int(hidden, lang))  # fmt: skip
        parts.append(_t("png_articles", lang, publishers=names))
    return _t("png_sources", lang, parts=_t("png_sep", lang).join(parts + rest))


def _jobs(sites: pd.DataFrame) -> pd.Series:
    """The sites' jobs as floats, NaN where unknown."""
    if "jobs" not in sites:
        return pd.Series(np.nan, index=sites.index, dtype=float)
    return pd.to_numeric(sites["jobs"], errors="coerce").astype(float)


def _host_frame(sites, communes):
    hosts = host_communes(sites, communes)
    return None if hosts is None else to_wgs84(hosts, "communes")


def _projected_box(territory: Territory) -> Box:
    box = shapely.box(*territory.bbox).segmentize(0.1)
    return tuple(gpd.GeoSeries([box], crs=4326).to_crs(territory.crs).total_bounds)


def _fit_aspect(box: Box, aspect: float) -> Box:
    """``box`` widened or heightened around its centre to ``aspect`` (width / height)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    w, h = max(w, h * aspect), max(h, w / aspect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _inside(box: Box, bounds: Box) -> bool:
    return box[0] >= bounds[0] and box[1] >= bounds[1] and box[2] <= bounds[2] and box[3] <= bounds[3]


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
