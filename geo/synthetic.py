"""Deterministic synthetic sites for performance tests: plausible, clearly fake, inside real communes.

``generate(n, communes, seed)`` places ``n`` sites in communes drawn with probability
proportional to their population (plus a floor, so that villages get a few), each at a
random point inside its commune (or at the commune's anchor point, the town hall when it
lies inside). The same ``n``, communes and seed give the same sites, and
:func:`feature_collection` the same bytes. ``python -m geo synthetic N -o PATH`` (``geo.cli``) writes
them as a sites GeoJSON that ``python -m geo validate`` accepts. Never into ``data/``:
these sites are not real and must not be mistaken for the real ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import atomic
from geo.crs import check_frame, require_wgs84
from geo.paths import DATA_DIR
from geo.schema import DATE_FIELDS, json_ready, site_frame, stored_columns
from geo.vocab import SECTORS

# A commune's weight is its population plus this floor: with about 35,000 communes and
# 68 M inhabitants, the floor gives the smallest ones together about 5 % of the sites.
POPULATION_FLOOR = 100
# Rejection sampling: one random point of the bounding box per pending site and round;
# after this many rounds the few sites left take their commune's anchor point.
SAMPLING_ROUNDS = 24
# Coordinates are written with 6 decimals (about 0.1 m): the point is tested after rounding.
DECIMALS = 6

SECTOR_WEIGHTS = {
    "leather-goods": 4,
    "servers-electronics": 6,
    "cloud-datacenters": 4,
    "glass": 3,
    "food": 22,
    "chemicals-pharma": 10,
    "metals-machinery": 20,
    "transport-equipment": 12,
    "energy-batteries": 7,
    "other": 12,
}
STATUS_WEIGHTS = {"operating": 55, "under-construction": 15, "planned": 15, "announced": 15}
ADDRESS_SHARE = 0.7  # the others are placed at the commune's anchor ("commune" precision)
JOBS_NULL_SHARE = 0.10
JOBS_MEDIAN = 45
JOBS_SIGMA = 1.1  # log-normal: most sites employ tens of people, a few thousands
BROWNFIELD_SHARES = (0.35, 0.55, 0.10)  # true, false, null
INVESTMENT_SHARE = 0.45
SURFACE_SHARE = 0.30
# Dates (plainly synthetic, in the schema's rules): an operating site opened in OPENED_YEARS,
# announced 1 to 3 years before; the others announced in ANNOUNCED_YEARS; some dates unknown,
# some announcements to the month; a brownfield's former activity ended 1 to 20 years before.
OPENED_YEARS = (2012, 2025)  # inclusive
ANNOUNCED_YEARS = (2016, 2026)  # inclusive, sites not yet open
ANNOUNCED_SHARE, ANNOUNCED_MONTH_SHARE, OPENED_SHARE, FORMER_CLOSED_SHARE = 0.85, 0.4, 0.9, 0.6
COMPANIES_PER_SITE = 0.3  # about one company for three sites: companies have several sites

SOURCE = {
    "title": "Données synthétiques pour les tests de performance",
    "publisher": "geo.synthetic",
    "date": "s. d.",
    "url": None,
}


def generate(n: int, communes: gpd.GeoDataFrame, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` synthetic sites inside ``communes`` (``load_communes()``), as ``read_sites`` would read them.

    Parameters
    ----------
    n : int
        Number of sites (≥ 0).
    communes : GeoDataFrame
        ``insee``, ``nom``, ``dep``, ``population``, ``lon``, ``lat`` (a point inside the
        commune) and polygons in EPSG:4326.
    seed : int
        Seed of the random generator: the same seed gives the same sites.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"generate: n must be an integer ≥ 0, got {n!r}")
    _check_communes(communes)
    # Sorted by INSEE code: the draw does not depend on the order of the rows given.
    communes = communes.sort_values("insee", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)

    weights = communes["population"].to_numpy(dtype=float) + POPULATION_FLOOR
    chosen = rng.choice(len(communes), size=n, p=weights / weights.sum())
    at_address = rng.random(n) < ADDRESS_SHARE
    lon, lat = _points_inside(communes, chosen, at_address, rng)

    numbers = np.arange(1, n + 1)
    sector = _draw(rng, SECTOR_WEIGHTS, n)
    jobs = np.rint(JOBS_MEDIAN * rng.lognormal(0.0, JOBS_SIGMA, n)).astype("int64").clip(1, None)
    jobs_known = rng.random(n) >= JOBS_NULL_SHARE
    brownfield_draw = rng.choice(3, size=n, p=BROWNFIELD_SHARES)
    # Investment grows with jobs (about 150 k€ a job, give or take a factor of three), in 100 k€.
    investment = np.rint(jobs * 150_000 * rng.lognormal(0.0, 0.8, n) / 1e5) * 1e5
    has_investment = rng.random(n) < INVESTMENT_SHARE
    surface = np.rint(jobs * 80 * rng.lognormal(0.0, 0.5, n) / 100) * 100
    has_surface = rng.random(n) < SURFACE_SHARE
    companies = max(1, int(n * COMPANIES_PER_SITE))
    company = rng.integers(1, companies + 1, n)
    status = _draw(rng, STATUS_WEIGHTS, n)
    dates = _dates(rng, status, brownfield_draw == 0)

    sector_label = {slug: term.fr for slug, term in SECTORS.items()}
    columns = {
        "id": [f"synthetic-{i:06d}" for i in numbers],
        "name": [f"Site synthétique {i}" for i in numbers],
        "company": [f"Synthétique SA n°{c}" for c in company],
        "activity": [f"{sector_label[s]} (activité synthétique)" for s in sector],
        "sector": sector,
        "status": status,
        "insee": communes["insee"].to_numpy(dtype=object)[chosen],
        "commune": communes["nom"].to_numpy(dtype=object)[chosen],
        "dep": communes["dep"].to_numpy(dtype=object)[chosen],
        "jobs": pd.arrays.IntegerArray(jobs, ~jobs_known),  # (values, mask of the missing ones)
        "jobs_note": np.where(jobs_known, "Effectif synthétique", None),
        "jobs_kind": np.where(jobs_known, "headcount", None),
        "brownfield": pd.arrays.BooleanArray(brownfield_draw == 0, brownfield_draw == 2),
        "brownfield_history": np.where(brownfield_draw == 0, "Ancien site industriel (fictif)", None),
        "investment_eur": np.where(has_investment, investment, np.nan),
        "surface_m2": np.where(has_surface, surface, np.nan),
        **dates,
        "location_precision": np.where(at_address, "address", "commune").astype(object),
        "sources": [[dict(SOURCE)] for _ in range(n)],
    }
    return site_frame(columns, shapely.points(lon, lat))


def feature_collection(sites: gpd.GeoDataFrame) -> str:
    """The sites as GeoJSON text, one feature per line; the same sites give the same text."""
    require_wgs84(sites, "feature_collection: sites")
    columns = stored_columns(sites)
    values = {c: json_ready(sites[c]) for c in columns}
    xs = np.round(shapely.get_x(sites.geometry.values), DECIMALS).tolist()
    ys = np.round(shapely.get_y(sites.geometry.values), DECIMALS).tolist()
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
    lines = [
        dumps(
            {
                "type": "Feature",
                "properties": {c: values[c][i] for c in columns},
                "geometry": {"type": "Point", "coordinates": [x, y]},
            }
        )
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
    head = '{"type":"FeatureCollection","name":"synthetic-sites","features":[\n'
    return head + ",\n".join(lines) + ("\n" if lines else "") + "]}\n"


def write(n: int, path: Path, *, seed: int = 0, communes: gpd.GeoDataFrame | None = None) -> Path:
    """Generate ``n`` sites and write them to ``path`` (refused inside ``data/``)."""
    path = Path(path)
    refuse_data_dir(path)
    if communes is None:
        from geo.load import load_communes

        communes = load_communes()
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic.write_text(path, feature_collection(generate(n, communes, seed=seed)))


def refuse_data_dir(path: Path) -> None:
    """Raise ValueError when ``path`` lies inside ``data/``: synthetic sites must not pass for real ones."""
    resolved = Path(path).resolve()
    if resolved == DATA_DIR.resolve() or DATA_DIR.resolve() in resolved.parents:
        raise ValueError(f"{path}: synthetic sites are never written under {DATA_DIR} (choose another path)")


# --------------------------------------------------------------------------- private steps


def _check_communes(communes: gpd.GeoDataFrame) -> None:
    check_frame(communes, "generate: communes", ("insee", "nom", "dep", "population", "lon", "lat"))
    require_wgs84(communes, "generate: communes")
    if communes.empty:
        raise ValueError("generate: communes is empty")


def _dates(rng: np.random.Generator, status: np.ndarray, brownfield: np.ndarray) -> dict[str, object]:
    """announced ("YYYY" or "YYYY-MM"), opened, former_closed and dates_source (the one synthetic source)."""
    n = len(status)
    operating = status == "operating"
    opened_year = rng.integers(OPENED_YEARS[0], OPENED_YEARS[1] + 1, n)
    announced_year = np.where(
        operating,
        opened_year - rng.integers(1, 4, n),
        rng.integers(ANNOUNCED_YEARS[0], ANNOUNCED_YEARS[1] + 1, n),
    )
    month = rng.integers(1, 13, n)
    has_month = rng.random(n) < ANNOUNCED_MONTH_SHARE
    has_announced = rng.random(n) < ANNOUNCED_SHARE
    has_opened = operating & (rng.random(n) < OPENED_SHARE)
    closed_year = np.where(has_opened, opened_year, announced_year) - rng.integers(1, 21, n)
    has_closed = brownfield & (has_opened | has_announced) & (rng.random(n) < FORMER_CLOSED_SHARE)
    announced = [
        (f"{y}-{m:02d}" if with_month else str(y)) if known else None
        for y, m, with_month, known in zip(
            announced_year.tolist(), month.tolist(), has_month.tolist(), has_announced.tolist(), strict=True
        )
    ]
    given = zip(has_announced.tolist(), has_opened.tolist(), has_closed.tolist(), strict=True)
    cited = [{name: 0 for name, g in zip(DATE_FIELDS, row, strict=True) if g} or None for row in given]
    return {
        "announced": announced,
        "opened": pd.arrays.IntegerArray(opened_year, ~has_opened),
        "former_closed": pd.arrays.IntegerArray(closed_year, ~has_closed),
        "dates_source": cited,
    }


def _draw(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    slugs = list(weights)
    p = np.array([weights[s] for s in slugs], dtype=float)
    return np.array(slugs, dtype=object)[rng.choice(len(slugs), size=n, p=p / p.sum())]


def _points_inside(
    communes: gpd.GeoDataFrame, chosen: np.ndarray, at_address: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A point in each chosen commune: random in the polygon where ``at_address``, else its anchor."""
    geoms = communes.geometry.values
    lon = communes["lon"].to_numpy(dtype=float)[chosen].round(DECIMALS)
    lat = communes["lat"].to_numpy(dtype=float)[chosen].round(DECIMALS)
    bounds = shapely.bounds(geoms)[chosen]
    pending = np.flatnonzero(at_address)
    for _ in range(SAMPLING_ROUNDS):
        if pending.size == 0:
            break
        x0, y0, x1, y1 = bounds[pending].T
        x = (x0 + rng.random(pending.size) * (x1 - x0)).round(DECIMALS)
        y = (y0 + rng.random(pending.size) * (y1 - y0)).round(DECIMALS)
        # covered_by, as geo.load checks it: a point on the border belongs to the commune.
        inside = shapely.covered_by(shapely.points(x, y), geoms[chosen[pending]])
        lon[pending[inside]], lat[pending[inside]] = x[inside], y[inside]
        pending = pending[~inside]
    return lon, lat
