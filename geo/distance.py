"""Distances in metres between sites and a commune or a point, in a metric CRS.

Metropolitan France (Corsica included) uses Lambert-93 (EPSG:2154); each overseas
département its official local UTM CRS (the table: ``geo.territories``). Distances are computed in the CRS of the
target's territory: a site in another territory is simply very far away.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.crs import as_wgs84
from geo.territories import crs_for_dep, crs_for_point


def distances_m(sites: gpd.GeoDataFrame, target: BaseGeometry, crs: int | None = None) -> pd.Series:
    """Metres from each site to ``target`` (a WGS84 geometry; 0 inside a polygon)."""
    sites = as_wgs84(sites, "distances_m: sites")
    if target is None or target.is_empty:
        raise ValueError("distances_m: the target geometry is empty")
    if crs is None:
        anchor = target.representative_point()
        crs = crs_for_point(anchor.x, anchor.y)
    projected_target = gpd.GeoSeries([target], crs=4326).to_crs(crs).iloc[0]
    projected = sites.geometry.to_crs(crs)
    return pd.Series(projected.distance(projected_target).to_numpy(), index=sites.index, name="distance_m")


def distances_to_commune(sites: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, insee: str) -> pd.Series:
    """Metres from each site to the commune ``insee`` (its polygon: 0 for sites inside it)."""
    match = communes.loc[communes["insee"] == insee]
    if match.empty:
        raise KeyError(f"distances_to_commune: no commune with INSEE code {insee!r}")
    row = match.iloc[0]
    return distances_m(sites, row.geometry, crs=crs_for_dep(row["dep"]))


def distances_to_point(sites: gpd.GeoDataFrame, lon: float, lat: float) -> pd.Series:
    """Metres from each site to a WGS84 point."""
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise ValueError(f"distances_to_point: not a finite point ({lon}, {lat})")
    return distances_m(sites, Point(lon, lat))


def within_km(sites: gpd.GeoDataFrame, distances: pd.Series, km: float) -> gpd.GeoDataFrame:
    """The sites at most ``km`` kilometres away, nearest first."""
    if km < 0:
        raise ValueError(f"within_km: negative radius {km}")
    keep = distances[distances <= km * 1000.0].sort_values(kind="stable")
    return sites.loc[keep.index]
