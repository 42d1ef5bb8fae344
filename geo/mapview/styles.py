"""How the map looks, in one place: colours, marker radii, the choropleth's class breaks,
basemaps. The web map (runtime config and CSS variables), its legend and the PNG read them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geo.i18n import fmt_int

# Marker radius in pixels: area proportional to jobs (r = k·√jobs), with a floor so small
# sites stay clickable and a ceiling so a giant does not hide its neighbours.
RADIUS_PER_SQRT_JOB = 1.0
RADIUS_MIN_PX = 5.0
RADIUS_MAX_PX = 40.0
RADIUS_UNKNOWN_PX = 7.0
LEGEND_JOBS = (100, 500, 1000)
# A département-precision site is drawn with a dashed halo of this radius (metres):
# "somewhere around here", not a spot.
DEPARTEMENT_HALO_M = 20_000

# Choropleth of jobs per commune: fixed classes, so colours mean the same under any filter.
JOBS_BREAKS = (1, 100, 300, 1000)
CHOROPLETH_COLORS = ("#dadaeb", "#bcbddc", "#9e9ac8", "#6a51a3")
# A commune whose sites give no jobs figure: white and dashed, like an unknown-jobs marker.
NO_JOBS_FILL = "#ffffff"
UPLOAD_STROKE = "#111111"
BACKGROUND = "#eef0ea"

# Leaflet path styles of the area layers.
AREA_STYLES: dict[str, dict[str, object]] = {
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


def css_variables(*, large: bool) -> dict[str, str]:
    """The custom properties runtime.css reads (set on the map container by the runtime)."""
    return {
        "--rc-bg": BACKGROUND,
        "--rc-fs": f"{18 if large else 13}px",
        "--rc-lw": f"{380 if large else 270}px",
        "--rc-upload": UPLOAD_STROKE,
        "--rc-card-max-height": "62vh",
    }


def radius_px(jobs: float | None) -> float:
    """Marker radius for a jobs figure: area ∝ jobs, between a floor and a ceiling."""
    if jobs is None or pd.isna(jobs):
        return RADIUS_UNKNOWN_PX
    return float(
        np.clip(RADIUS_PER_SQRT_JOB * math.sqrt(max(float(jobs), 0.0)), RADIUS_MIN_PX, RADIUS_MAX_PX)
    )


def radii_px(jobs: pd.Series) -> np.ndarray:
    """:func:`radius_px` of a whole column (NA: unknown jobs)."""
    return np.where(
        jobs.isna(),
        RADIUS_UNKNOWN_PX,
        np.clip(RADIUS_PER_SQRT_JOB * np.sqrt(jobs.fillna(0).clip(lower=0)), RADIUS_MIN_PX, RADIUS_MAX_PX),
    )


def jobs_color(jobs: float | None) -> str:
    """Choropleth fill for a commune's known jobs (white when none are known)."""
    if jobs is None or pd.isna(jobs) or jobs < JOBS_BREAKS[0]:
        return NO_JOBS_FILL
    return CHOROPLETH_COLORS[int(np.searchsorted(JOBS_BREAKS, jobs, side="right")) - 1]


def fill_classes(known_jobs: pd.Series) -> np.ndarray:
    """Index into :data:`CHOROPLETH_COLORS` of each commune's known jobs; -1 for none."""
    return np.where(
        known_jobs.isna(), -1, np.searchsorted(JOBS_BREAKS, known_jobs.fillna(0), side="right") - 1
    ).astype(int)


def class_labels(lang: str) -> list[str]:
    """The choropleth classes as the legends show them ("1 – 99", …, "≥ 1 000")."""
    bounds = [*JOBS_BREAKS, None]
    labels = []
    for low, high in zip(bounds[:-1], bounds[1:], strict=True):
        if high is None:
            labels.append(f"≥ {fmt_int(low, lang)}")
        else:
            labels.append(f"{fmt_int(low, lang)} – {fmt_int(high - 1, lang)}")
    return labels


# Brownfields (Cerema's Cartofriches) when a map shows them: an earthy brown, apart from
# every sector colour and from the choropleth's purples.
FRICHE_COLOR = "#8c6d31"
# A friche is a diamond (a site is a circle), filled by its status: red where nothing is
# planned, orange for a potential one, blue with a project, green once reused; a dark
# brown outline sets the diamonds apart from the sectors' circles.
FRICHE_STATUS_COLORS = {
    "without-project": "#d7301f",
    "potential": "#fd8d3c",
    "with-project": "#2c7fb8",
    "reused": "#31a354",
    "unknown": "#bdbdbd",
}
FRICHE_STROKE = "#3b2f1a"
FRICHE_RADIUS_PX = 6.0  # half the diagonal of the diamond
