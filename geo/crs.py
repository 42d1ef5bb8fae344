"""One policy for the frames given to ``geo``: type, columns and CRS checked first, the input named.

``geo`` works in WGS84 longitude/latitude (EPSG:4326). A frame given to it must carry a
CRS: ``as_wgs84`` reprojects one in another CRS explicitly (``to_crs``, never left to a
mismatch warning further down); ``require_wgs84`` refuses it where reprojecting would be
costly and surely a mistake (the commune layer, outputs). Both name the input. A GeoJSON file may name its
CRS only as WGS84 longitude/latitude (RFC 7946; the old ``crs`` member).
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

WGS84 = 4326

# Names a GeoJSON `crs` member may give for plain longitude/latitude on WGS84.
WGS84_NAMES = frozenset(
    {
        "WGS84",
        "OGC:CRS84",
        "URN:OGC:DEF:CRS:OGC:1.3:CRS84",
        "URN:OGC:DEF:CRS:OGC::CRS84",
        "EPSG:4326",
        "URN:OGC:DEF:CRS:EPSG::4326",
        "URN:OGC:DEF:CRS:EPSG:6.6:4326",
    }
)


def is_wgs84_name(name: str) -> bool:
    """Whether a GeoJSON ``crs`` name means WGS84 longitude/latitude."""
    return name.strip().upper() in WGS84_NAMES


def is_wgs84(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> bool:
    return frame.crs is not None and frame.crs.to_epsg() == WGS84


def as_wgs84(frame: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326: reprojected when in another CRS; ValueError naming ``name`` when it has none."""
    if not isinstance(frame, gpd.GeoDataFrame | gpd.GeoSeries):
        raise TypeError(f"{name} must be a GeoDataFrame, not {type(frame).__name__}")
    if frame.crs is None:
        raise ValueError(f"{name} has no CRS; expected EPSG:4326 (set it with set_crs)")
    return frame if is_wgs84(frame) else frame.to_crs(WGS84)


def require_wgs84(frame: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> None:
    """ValueError naming ``name`` unless ``frame`` is in EPSG:4326."""
    if not is_wgs84(frame):
        raise ValueError(f"{name} must be in EPSG:4326, got {frame.crs}")


def check_frame(frame: object, name: str, columns: Iterable[str], *, geo: bool = True) -> None:
    """TypeError unless ``frame`` is a (Geo)DataFrame, ValueError naming the missing ``columns``:
    the first checks of every public function that takes a frame (``name`` says whose)."""
    kind = gpd.GeoDataFrame if geo else pd.DataFrame
    if not isinstance(frame, kind):
        raise TypeError(
            f"{name} must be a {'GeoDataFrame' if geo else 'pandas DataFrame'}, not {type(frame).__name__}"
        )
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"{name} lacks column(s) {', '.join(map(repr, missing))}; it has {list(frame.columns)}"
        )
