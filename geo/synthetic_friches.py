"""Deterministic synthetic friches for performance tests: the extract's rows placed in random real communes.

``generate(n, communes, seed)`` draws ``n`` rows of the shipped Cartofriches extract
(their status, type, surface, dates, former activity, zoning type) and puts each in a
commune drawn by population (as ``geo.synthetic`` does for sites), at a random point
inside it. The result is a ``friches-standard.csv`` table that ``geo.friches`` reads like
the national file, plainly synthetic: ids ``synthetic-000001``…, names "Friche
synthétique n°…", source "Données synthétiques…". Whatever could identify a real place or
person is left out (address, URLs, parcels, zone labels; owners and contacts are never
copied). Never written under ``data/``: these friches are not real.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from geo.crs import check_frame, require_wgs84
from geo.csvfile import read_table, write_table
from geo.friches import FRICHES_PATH
from geo.synthetic import DECIMALS, POPULATION_FLOOR, refuse_data_dir
from geo.synthetic import _points_inside as points_inside  # one sampler for sites and friches

EXTRACT_PATH = FRICHES_PATH
SOURCE_NAME = "Données synthétiques pour les tests de performance (d'après l'extrait Cartofriches)"
# Copied from the drawn row as they are; every other column is written NA, except those set below.
COPIED = (
    "site_type", "site_identif_date", "site_actu_date", "site_occupation", "site_statut",
    "site_reconv_annee", "site_reconv_type", "activite_libelle", "activite_fin_annee", "bati_nombre",
    "bati_etat", "sol_pollution_existe", "unite_fonciere_surface", "urba_zone_type", "urba_doc_type",
)  # fmt: skip


def generate(
    n: int, communes: gpd.GeoDataFrame, seed: int = 0, *, extract: Path = EXTRACT_PATH
) -> tuple[list[str], list[list[str]]]:
    """``n`` synthetic friches as the header and rows of a friches-standard CSV.

    Parameters
    ----------
    n : int
        Number of friches (≥ 0).
    communes : GeoDataFrame
        ``insee``, ``nom``, ``population``, ``lon``, ``lat`` (a point inside the commune) and
        polygons in EPSG:4326 (``load_communes()``).
    seed : int
        The same seed gives the same rows.
    extract : Path
        The friches-standard file whose rows are drawn (the shipped extract).
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"generate: n must be an integer ≥ 0, got {n!r}")
    check_frame(communes, "generate: communes", ("insee", "nom", "population", "lon", "lat"))
    require_wgs84(communes, "generate: communes")
    if communes.empty:
        raise ValueError("generate: communes is empty")
    header, templates = read_table(extract)
    missing = [
        c for c in ("site_id", "site_nom", "comm_nom", "comm_insee", "geompoint", *COPIED) if c not in header
    ]
    if missing or not templates:
        raise ValueError(f"generate: {extract} is not a friches-standard file with rows (missing {missing})")
    at = {name: header.index(name) for name in header}
    templates = sorted(templates, key=lambda row: row[at["site_id"]])  # the draw ignores the file's order

    communes = communes.sort_values("insee", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(templates), n)
    weights = communes["population"].to_numpy(dtype=float) + POPULATION_FLOOR
    chosen = rng.choice(len(communes), size=n, p=weights / weights.sum())
    lon, lat = points_inside(communes, chosen, np.ones(n, dtype=bool), rng)
    insee = communes["insee"].to_numpy(dtype=object)[chosen]
    nom = communes["nom"].to_numpy(dtype=object)[chosen]

    rows = []
    for i in range(n):
        template = templates[drawn[i]]
        row = ["NA"] * len(header)  # owners, contacts (PRIVATE_COLUMNS) and all else not COPIED
        for name in COPIED:
            row[at[name]] = template[at[name]]
        row[at["site_id"]] = f"synthetic-{i + 1:06d}"
        row[at["site_nom"]] = f"Friche synthétique n°{i + 1}"
        row[at["comm_nom"]] = nom[i]
        row[at["comm_insee"]] = insee[i]
        row[at["geompoint"]] = f"POINT ({lon[i]:.{DECIMALS}f} {lat[i]:.{DECIMALS}f})"
        if "source_nom" in at:
            row[at["source_nom"]] = SOURCE_NAME
        rows.append(row)
    return header, rows


def write(n: int, path: Path, *, seed: int = 0, communes: gpd.GeoDataFrame | None = None) -> Path:
    """Generate ``n`` friches and write them to ``path`` as a friches-standard CSV (refused inside ``data/``)."""
    path = Path(path)
    refuse_data_dir(path)
    if communes is None:
        from geo.communes import load_communes

        communes = load_communes()
    header, rows = generate(n, communes, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table(path, header, rows)
    return path
