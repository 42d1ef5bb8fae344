"""Join sites to the INSEE communes they stand in, and add the commune's figures."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.crs import check_frame, require_wgs84
from geo.filters import search_text

COMMUNE_COLUMNS = ["insee", "nom", "dep", "reg", "epci", "population"]
# Columns the join adds to each site (département-precision sites get no commune ones).
ADDED = ["commune_nom", "dep_nom", "reg", "reg_nom", "epci", "population", "search_text"]


def join_sites_to_communes(
    sites: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    departements: pd.DataFrame,
    regions: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Each site with its commune (by point in polygon), département and région.

    Sites keep their order and index; the commune's ``insee`` and ``dep`` replace the
    site's own for every site whose precision is finer than the département.
    """
    _check(sites, "sites", ["id", "location_precision", "dep"])
    _check(communes, "communes", COMMUNE_COLUMNS)
    # The commune layer is large: refused in another CRS rather than reprojected on every call.
    require_wgs84(sites, "join_sites_to_communes: sites")
    require_wgs84(communes, "join_sites_to_communes: communes")

    located = sites["location_precision"] != "departement"
    hits = gpd.sjoin(
        sites.loc[located, ["geometry"]],
        communes[[*COMMUNE_COLUMNS, "geometry"]],
        # covered_by, not within: a site exactly on a shared border is in both communes
        # rather than in none; the tie is broken below, so it neither vanishes nor doubles.
        predicate="covered_by",
        how="inner",
    )
    hits = _one_commune_per_site(hits, sites)

    out = sites.copy()
    for col in ("commune_nom", "epci", "reg"):
        out[col] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["population"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out.loc[hits.index, "insee"] = hits["insee"]
    out.loc[hits.index, "commune_nom"] = hits["nom"]
    out.loc[hits.index, "dep"] = hits["dep"]
    out.loc[hits.index, "epci"] = hits["epci"].where(hits["epci"] != "", pd.NA)
    out.loc[hits.index, "population"] = hits["population"].astype("Int64")

    dep_table = departements.set_index("code")
    reg_names = regions.set_index("code")["nom"]
    out["dep_nom"] = out["dep"].map(dep_table["nom"])
    out["reg"] = out["dep"].map(dep_table["reg"])
    out["reg_nom"] = out["reg"].map(reg_names)
    out["search_text"] = search_text(out)
    return out


def _one_commune_per_site(hits: pd.DataFrame, sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Keep one match per site: the commune the site names if it is among them, else the lowest code."""
    if hits.index.is_unique:
        return hits
    named = sites["insee"].reindex(hits.index) if "insee" in sites else None
    rank = (hits["insee"] != named).astype(int) if named is not None else 0
    ordered = hits.assign(_rank=rank).sort_values(["_rank", "insee"], kind="stable")
    return ordered[~ordered.index.duplicated(keep="first")].drop(columns="_rank").loc[hits.index.unique()]


def _check(frame: pd.DataFrame, name: str, columns: list[str]) -> None:
    check_frame(frame, f"join_sites_to_communes: {name}", columns)
