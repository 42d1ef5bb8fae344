"""Distances in metres between sites and a commune or a point, in a metric CRS.

Metropolitan France (Corsica included) uses Lambert-93 (EPSG:2154); each overseas
département its official local UTM CRS. Distances are computed in the CRS of the
target's territory: a site in another territory is simply very far away.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

METROPOLE_CRS = 2154
LOCAL_CRS = {
    "971": 5490,  # Guadeloupe, RGAF09 / UTM 20N
    "972": 5490,  # Martinique, RGAF09 / UTM 20N
    "973": 2972,  # Guyane, RGFG95 / UTM 22N
    "974": 2975,  # La Réunion, RGR92 / UTM 40S
    "976": 4471,  # Mayotte, RGM04 / UTM 38S
}
# lon_min, lat_min, lon_max, lat_max of each overseas département, to pick a point's CRS.
_OVERSEAS_BOUNDS = {
    "971": (-61.9, 15.8, -61.0, 16.6),
    "972": (-61.3, 14.3, -60.7, 14.9),
    "973": (-54.7, 2.1, -51.5, 5.9),
    "974": (55.1, -21.5, 55.9, -20.8),
    "976": (44.9, -13.1, 45.4, -12.5),
}


def territory_crs(dep: str) -> int:
    """The metric CRS of a département's territory."""
    return LOCAL_CRS.get(dep, METROPOLE_CRS)


def crs_for_point(lon: float, lat: float) -> int:
    """The metric CRS of the territory a WGS84 point falls in (Lambert-93 by default)."""
    for dep, (x0, y0, x1, y1) in _OVERSEAS_BOUNDS.items():
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return LOCAL_CRS[dep]
    return METROPOLE_CRS


def distances_m(sites: gpd.GeoDataFrame, target: BaseGeometry, crs: int | None = None) -> pd.Series:
    """Metres from each site to ``target`` (a WGS84 geometry; 0 inside a polygon)."""
    if sites.crs is None or sites.crs.to_epsg() != 4326:
        raise ValueError(f"distances_m: sites must be in EPSG:4326, got {sites.crs}")
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
    return distances_m(sites, row.geometry, crs=territory_crs(row["dep"]))


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
