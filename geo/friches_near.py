"""The link between the two layers: the friches near each site, and the friches near sites.

Distances are in metres in the territory's metric CRS (``geo.territories``: Lambert-93 for
the mainland and Corsica, the local UTM overseas); a site and a friche in two territories are
never near. Pairs come from a spatial index (shapely's ``STRtree``, ``dwithin``), not a
loop over sites.
"""

from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.crs import as_wgs84, check_frame
from geo.friches_schema import FRICHE_STATUSES, PARCEL
from geo.territories import MAINLAND, TERRITORIES

NEAR_KM = 10.0  # a site's card: the friches within this radius
# A site stands on an inventoried friche when a friche's point is this close (an inventory's
# point is the land unit's centroid, not its edge), or when the friche's parcel contains it.
ON_FRICHE_M = 300.0
NEAR_KM_LOW, NEAR_KM_HIGH = 1.0, 50.0

STATUS_SLUGS = tuple(FRICHE_STATUSES.terms)
# The columns of friches_near_sites (one per status: n_without-project…).
NEAR_COLUMNS = ("n", *(f"n_{s}" for s in STATUS_SLUGS), "ha", "ha_known", "on_friche", "on_friche_name")


def _crs_of_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The metric CRS (EPSG code) of each WGS84 point: its territory's, the mainland's outside every box."""
    out = np.full(len(lon), MAINLAND.crs, dtype=np.int64)
    placed = np.zeros(len(lon), dtype=bool)
    for territory in TERRITORIES:
        x0, y0, x1, y1 = territory.bbox
        inside = ~placed & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        out[inside], placed = territory.crs, placed | inside
    return out


def _points(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    geoms = np.asarray(frame.geometry.values)
    return shapely.get_x(geoms), shapely.get_y(geoms)


def pairs_within(sites: gpd.GeoDataFrame, friches: gpd.GeoDataFrame, metres: float) -> np.ndarray:
    """``(2, k)`` positions (site, friche) of every pair at most ``metres`` apart, in the
    territory's metric CRS (pairs in two territories are never counted)."""
    sites = as_wgs84(sites, "pairs_within: sites")
    friches = as_wgs84(friches, "pairs_within: friches")
    if metres < 0:
        raise ValueError(f"pairs_within: negative distance {metres}")
    return _pairs(sites, friches, metres)


def _pairs(
    sites: gpd.GeoDataFrame, friches: gpd.GeoDataFrame, metres: float, max_pairs: int | None = None
) -> np.ndarray | None:
    """:func:`pairs_within` of two WGS84 frames; None when there are more than ``max_pairs``:
    the sites are then asked in interleaved slices, and the asking stops at the bound, or as
    soon as the slices asked foretell twice the bound."""
    found, total = [np.empty((2, 0), dtype=np.int64)], 0
    for s_at, f_at, (sx, sy), (fx, fy) in _in_metres(sites, friches):
        tree, points = shapely.STRtree(shapely.points(fx, fy)), shapely.points(sx, sy)
        slices = 1 if max_pairs is None else -(-len(points) // _SLICE)
        before = total
        for k in range(slices):
            at = np.arange(k, len(points), slices)
            pairs = tree.query(points[at], predicate="dwithin", distance=metres)
            total += pairs.shape[1]
            if max_pairs is not None and (
                total > max_pairs or before + (total - before) * slices / (k + 1) > 2 * max_pairs
            ):
                return None
            found.append(np.vstack([s_at[at[pairs[0]]], f_at[pairs[1]]]))
    return np.hstack(found)


_SLICE = 1_000  # sites per query when the pairs are bounded


def _in_metres(sites: gpd.GeoDataFrame, friches: gpd.GeoDataFrame):
    """Per territory holding both sites and friches: their positions in the frames and their
    coordinates in its metric CRS, ``(s_at, f_at, (sx, sy), (fx, fy))``. Coordinates projected
    as arrays (``to_crs`` makes new geometries: 180 ms for 40,000 points), as ``to_crs`` does."""
    (s_lon, s_lat), (f_lon, f_lat) = _points(sites), _points(friches)
    site_crs, friche_crs = _crs_of_points(s_lon, s_lat), _crs_of_points(f_lon, f_lat)
    for crs in np.intersect1d(np.unique(site_crs), np.unique(friche_crs)):
        s_at, f_at = np.flatnonzero(site_crs == crs), np.flatnonzero(friche_crs == crs)
        to_metres = _transformer(int(crs)).transform
        yield s_at, f_at, to_metres(s_lon[s_at], s_lat[s_at]), to_metres(f_lon[f_at], f_lat[f_at])


def friches_near_sites(
    sites: gpd.GeoDataFrame, friches: gpd.GeoDataFrame, km: float = NEAR_KM, on_m: float = ON_FRICHE_M
) -> pd.DataFrame:
    """Per site (the frame's index): the friches within ``km`` — how many (``n``), by status
    (``n_<slug>``), their known surface (``ha``, over ``ha_known`` friches that give one) —
    and the friche it stands on (``on_friche`` id and its name; None): the nearest friche
    point within ``on_m`` metres, else a friche whose parcel (``geomsurf``) contains it."""
    check_frame(sites, "friches_near_sites: sites", ("id",))
    check_frame(friches, "friches_near_sites: friches", ("id", "status", "surface_ha"))
    if km <= 0:
        raise ValueError(f"friches_near_sites: the radius must be positive, got {km} km")
    sites, friches = (
        as_wgs84(sites, "friches_near_sites: sites"),
        as_wgs84(friches, "friches_near_sites: friches"),
    )
    n = len(sites)
    site_at, friche_at = pairs_within(sites, friches, km * 1000.0)
    status = pd.Categorical(friches["status"], categories=STATUS_SLUGS).codes
    status = np.where(status < 0, STATUS_SLUGS.index("unknown"), status)
    out = pd.DataFrame(index=sites.index)
    out["n"] = np.bincount(site_at, minlength=n)
    by_status = np.zeros((n, len(STATUS_SLUGS)), dtype=np.int64)
    np.add.at(by_status, (site_at, status[friche_at]), 1)
    for k, slug in enumerate(STATUS_SLUGS):
        out[f"n_{slug}"] = by_status[:, k]
    ha = friches["surface_ha"].astype(float).to_numpy()[friche_at]
    known = ~np.isnan(ha)
    out["ha"] = np.bincount(site_at[known], weights=ha[known], minlength=n)
    out["ha_known"] = np.bincount(site_at[known], minlength=n)
    on = _on_friche(sites, friches, on_m)
    ids = friches["id"].astype(str).tolist()
    names = friches["name"].tolist() if "name" in friches else [None] * len(friches)
    out["on_friche"] = pd.Series([ids[k] if k >= 0 else None for k in on], index=sites.index, dtype=object)
    out["on_friche_name"] = pd.Series(
        [names[k] if k >= 0 else None for k in on], index=sites.index, dtype=object
    )
    return out


def _on_friche(sites: gpd.GeoDataFrame, friches: gpd.GeoDataFrame, on_m: float) -> np.ndarray:
    """Per site, the position of the friche it stands on (-1: none): the nearest point within ``on_m``, else a parcel holding it."""
    on = np.full(len(sites), -1, dtype=np.int64)
    site_at, friche_at = pairs_within(sites, friches, on_m)
    if len(site_at):
        # the nearest of each site's close friches (metres are comparable within a territory)
        crs = _crs_of_points(*_points(sites))[site_at]
        distance = np.empty(len(site_at))
        for code in np.unique(crs):
            here = crs == code
            a = sites.geometry.iloc[site_at[here]].to_crs(int(code)).values
            b = friches.geometry.iloc[friche_at[here]].to_crs(int(code)).values
            distance[here] = shapely.distance(np.asarray(a), np.asarray(b))
        order = np.lexsort((distance, site_at))
        first = np.unique(site_at[order], return_index=True)[1]
        on[site_at[order][first]] = friche_at[order][first]
    if PARCEL in friches.columns:
        parcels = np.asarray(gpd.GeoSeries(friches[PARCEL]).values, dtype=object)
        has = np.flatnonzero(~shapely.is_missing(parcels) & ~shapely.is_empty(parcels))
        if len(has):
            # containment does not need a metric CRS: both are WGS84
            pairs = shapely.STRtree(parcels[has]).query(np.asarray(sites.geometry.values), predicate="within")
            free = on[pairs[0]] < 0
            on[pairs[0][free]] = has[pairs[1][free]]
    return on


def near_any_site(friches: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, km: float) -> np.ndarray:
    """Which friches lie within ``km`` of at least one of ``sites`` (a boolean per friche):
    a friche in a grid cell that holds a site is near (see :func:`_same_cell`); each other
    friche asks the sites' index for its nearest one only, not for every pair."""
    check_frame(friches, "near_any_site: friches", ("id",))
    check_frame(sites, "near_any_site: sites", ())
    if km < 0:
        raise ValueError(f"near_any_site: negative radius {km}")
    keep = np.zeros(len(friches), dtype=bool)
    if not len(sites) or not len(friches):
        return keep
    sites, friches = as_wgs84(sites, "near_any_site: sites"), as_wgs84(friches, "near_any_site: friches")
    metres = km * 1000.0
    for _, f_at, (sx, sy), (fx, fy) in _in_metres(sites, friches):
        sure = _same_cell(sx, sy, fx, fy, metres)
        keep[f_at[sure]] = True
        rest = np.flatnonzero(~sure)
        found = shapely.STRtree(shapely.points(sx, sy)).query_nearest(
            shapely.points(fx[rest], fy[rest]), max_distance=metres, all_matches=False
        )
        keep[f_at[rest[found[0]]]] = True
    return keep


# The (site, friche) pairs a :class:`NearFriches` keeps at most: 16 MB (a friche's position
# as int32 per pair). 10,000 sites and 30,000 friches, both where people live, make 2.1
# million pairs within 10 km, 5.3 million within 20 km, 12 million within 50 km.
MAX_NEAR_PAIRS = 4_000_000


class NearFriches:
    """Which friches lie within ``km`` of the sites a filter selects from one frame, on every
    filter change: the pairs (site, friche) within ``km`` among all the frame's sites, found
    once, turn a selection into its friches by indexing — 0.1–5 ms for 10,000 sites and
    30,000 friches within 10 km, where :func:`near_any_site` takes 35 ms each time. Above
    ``max_pairs`` pairs (or with a sites frame whose index repeats a label) nothing is kept,
    and each selection is asked of :func:`near_any_site`: the same answer either way.

    The app keeps one per (sites, friches, km) (``st.cache_resource``): never mutate the frames.
    """

    def __init__(
        self,
        sites: gpd.GeoDataFrame,
        friches: gpd.GeoDataFrame,
        km: float,
        *,
        max_pairs: int = MAX_NEAR_PAIRS,
    ) -> None:
        check_frame(friches, "NearFriches: friches", ("id",))
        check_frame(sites, "NearFriches: sites", ())
        if km < 0:
            raise ValueError(f"NearFriches: negative radius {km}")
        self.sites, self.friches, self.km = sites, friches, float(km)
        pairs = None
        if sites.index.is_unique:  # (a selection's rows are found by their labels)
            sites_wgs84 = as_wgs84(sites, "NearFriches: sites")
            pairs = _pairs(sites_wgs84, as_wgs84(friches, "NearFriches: friches"), km * 1000.0, max_pairs)
        self.indexed = pairs is not None
        if pairs is not None:
            # each site's friches in one run of friche_at: site k's are friche_at[starts[k]:starts[k + 1]]
            order = np.argsort(pairs[0], kind="stable")
            self._friche_at = pairs[1][order].astype(np.int32)
            self._counts = np.bincount(pairs[0], minlength=len(sites))
            self._starts = np.concatenate([[0], np.cumsum(self._counts)[:-1]]).astype(np.int64)
            self._near_all = np.zeros(len(friches), dtype=bool)
            self._near_all[self._friche_at] = True

    @property
    def n_pairs(self) -> int | None:
        """How many pairs are kept (None: above the bound, nothing kept)."""
        return len(self._friche_at) if self.indexed else None

    def of(self, selection: gpd.GeoDataFrame) -> np.ndarray:
        """Which friches lie within ``km`` of at least one of ``selection``'s sites (a boolean
        per friche), ``selection`` being rows of the sites' frame (``geo.filters.apply_filters``)."""
        if not self.indexed:
            return near_any_site(self.friches, selection, self.km)
        if selection is self.sites:
            return self._near_all.copy()
        at = self.sites.index.get_indexer(selection.index)
        if (at < 0).any():
            missing = list(selection.index[at < 0][:5])
            raise ValueError(f"NearFriches: rows {missing} of the selection are not in the sites frame")
        keep = np.zeros(len(self.friches), dtype=bool)
        lens = self._counts[at]
        total = int(lens.sum())
        if total:
            # the selected sites' runs, end to end: run i's k-th pair is at starts[at[i]] + k
            ends = np.cumsum(lens)
            keep[self._friche_at[np.repeat(self._starts[at] - (ends - lens), lens) + np.arange(total)]] = True
        return keep


@functools.lru_cache(maxsize=16)
def _transformer(epsg: int) -> pyproj.Transformer:
    """WGS84 longitudes, latitudes → the territory's metric CRS (as ``to_crs`` does it)."""
    return pyproj.Transformer.from_crs(4326, epsg, always_xy=True)


def _same_cell(sx: np.ndarray, sy: np.ndarray, fx: np.ndarray, fy: np.ndarray, metres: float) -> np.ndarray:
    """Which friches (``fx``, ``fy``) are surely within ``metres`` of a site (``sx``, ``sy``;
    metric coordinates), by a grid of side ``metres / √5``: a site in the friche's own cell or
    in one of its four edge neighbours is at most √(2² + 1²) sides, ``metres``, away. With
    10,000 sites and 30,000 friches (both where people live), 85 % of the friches are
    settled so, without a nearest-site query (the queries of all of them: 4 µs each)."""
    if metres <= 0 or not len(sx) or not len(fx):
        return np.zeros(len(fx), dtype=bool)
    side = metres / np.sqrt(5)
    sites = np.unique(_cell_keys(np.floor(sx / side), np.floor(sy / side)))
    ix, iy = np.floor(fx / side), np.floor(fy / side)
    sure = np.zeros(len(fx), dtype=bool)
    for dx, dy in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
        sure |= np.isin(_cell_keys(ix + dx, iy + dy), sites, assume_unique=False)
    return sure


def _cell_keys(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """One integer per grid cell (metric coordinates: far below 2**31 cells either way)."""
    return ix.astype(np.int64) * (1 << 32) + iy.astype(np.int64)


def with_friches_near(
    sites: gpd.GeoDataFrame, friches: gpd.GeoDataFrame, km: float = NEAR_KM
) -> gpd.GeoDataFrame:
    """A copy of ``sites`` with what their cards say of the friches (``geo.mapview.cards``:
    ``_friches_n``, ``_friches_by_status``, ``_friches_ha``, ``_on_friche``); computed once
    per (sites, friches) frames by the app, which keeps the copy for its cards only."""
    near = friches_near_sites(sites, friches, km)
    out = sites.copy()
    out["_friches_n"] = near["n"].to_numpy()
    by_status = near[[f"n_{s}" for s in STATUS_SLUGS]].to_numpy().tolist()
    out["_friches_by_status"] = pd.Series([tuple(row) for row in by_status], index=sites.index, dtype=object)
    out["_friches_ha"] = near["ha"].where(near["ha_known"] > 0).to_numpy()
    named = near["on_friche_name"].where(near["on_friche_name"].notna(), near["on_friche"])
    # False: on no friche (the card says "no"); a text: the friche's name
    out["_on_friche"] = pd.Series(
        [name if isinstance(name, str) and name else False for name in named], index=sites.index, dtype=object
    )
    return out
