"""The read-only layers under the sites — communes at two levels of detail, département and
région outlines — and their geometry work (coverage simplification, encoded rings).

:class:`Background` is loaded once per process (the app caches it); everything derived
from it (encoded rings, outlines, commune card texts, the site catalogs of
:mod:`geo.mapview.catalog`) is cached on it, never in this module.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.encode import encode_geometries
from geo.mapview.cards import CardTexts, commune_texts
from geo.mapview.catalog import SiteCatalog
from geo.mapview.friches import FricheCatalog
from geo.prebuilt import Store, decode_outlines, decode_texts, encode_outlines, encode_texts

# Commune rings: 1e-4° (~10 m) for the detailed layer (simplified at 25 m), 1e-3° (~100 m)
# for the national one (simplified at 1 km); outlines are context: 1e-3°.
COMMUNE_DECIMALS = 4
NATIONAL_DECIMALS = 3
OUTLINE_DECIMALS = 3
# Outlines are context, not data: simplified as a coverage (shared borders stay shared;
# the tolerance is GEOS's coverage-simplification one, in degrees).
OUTLINE_TOLERANCE_DEG = 0.005
# Above this many commune vertices (detailed geometry, ~30 a commune), the map takes the
# national geometry (~9 a commune): ~1,500 communes stay detailed. The browser builds one
# object per vertex; 150,000 of them cost ~1 s in Chromium, mostly garbage collection.
DETAIL_VERTEX_BUDGET = 50_000
# Site catalogs kept per Background (the app's data, and a session's data + uploads).
CATALOGS_KEPT = 8

Outlines = tuple[list[str] | None, list[str] | None]


class Background:
    """The read-only layers under the sites, loaded once per process (the app caches it).

    Communes at two levels of detail — ``communes.parquet`` (simplified at 25 m) and
    ``communes_national.parquet`` (1 km, for when a map shows thousands of them) — with
    their rings encoded on first use and kept, plus départements and régions. Never
    mutate its frames.
    """

    def __init__(
        self,
        communes: gpd.GeoDataFrame,
        national: gpd.GeoDataFrame,
        departements: gpd.GeoDataFrame,
        regions: gpd.GeoDataFrame,
        store: Store | None = None,
    ) -> None:
        self.communes = communes
        self.departements = departements
        self.regions = regions
        self.population = communes.set_index("insee")["population"]
        detailed = communes.set_index("insee").geometry
        coarse = national.set_index("insee").geometry.reindex(detailed.index)
        coarse = coarse.where(coarse.notna(), detailed)
        self._levels = {
            "detailed": (detailed, COMMUNE_DECIMALS),
            "national": (coarse, NATIONAL_DECIMALS),
        }
        self._vertices = pd.Series(shapely.get_num_coordinates(detailed.values), index=detailed.index)
        self._shapes: dict[str, dict[str, str | None]] = {"detailed": {}, "national": {}}
        self._outlines: Outlines | None = None
        self._texts: dict[tuple, CardTexts] = {}
        self._catalogs: list[SiteCatalog] = []
        self._friche_catalogs: list[FricheCatalog] = []
        self._store = store  # (the outlines and commune texts kept on disk: geo.prebuilt)

    @classmethod
    @functools.cache
    def shared(cls) -> Background:
        """The layers loaded once per process (what a worker process of ``geo.offload`` draws on)."""
        return cls.load()

    @classmethod
    def load(cls, store: Store | None = None) -> Background:
        """The layers of data/communes/, with what is derived from them kept in ``store``
        (by default geo.prebuilt's; none if it cannot be made)."""
        from geo.load import load_communes, load_departements, load_national_communes, load_regions

        layers = (load_communes(), load_national_communes(), load_departements(), load_regions())
        if store is None:
            with contextlib.suppress(OSError):
                store = Store()
        return cls(*layers, store=store)

    def names(self) -> dict[str, dict[str, str]]:
        """The départements' and régions' names by code (what the communes' cards say)."""
        return {"dep": names_by_code(self.departements), "reg": names_by_code(self.regions)}

    def level_for(self, codes: pd.Index) -> str:
        """``detailed`` while the communes' detailed rings stay within DETAIL_VERTEX_BUDGET."""
        return "detailed" if self._vertices.reindex(codes).sum() <= DETAIL_VERTEX_BUDGET else "national"

    def communes_for(self, codes: Iterable[str]) -> gpd.GeoDataFrame:
        """The communes of ``codes`` (unknown codes ignored) with their encoded rings (``shape``)."""
        frame = self.communes[self.communes["insee"].isin(pd.Index(list(codes)))]
        level = self.level_for(pd.Index(frame["insee"]))
        geometry, decimals = self._levels[level]
        cache = self._shapes[level]
        todo = [c for c in frame["insee"] if c not in cache]
        if todo:
            cache.update(zip(todo, encode_geometries(geometry.loc[todo].values, decimals), strict=True))
        frame = frame.assign(shape=[cache[c] for c in frame["insee"]])
        frame.attrs = {"shape_decimals": decimals, "level": level}
        return frame

    def outlines(self) -> Outlines:
        """The encoded département and région outlines (:func:`outline_shapes`), made once."""
        if self._outlines is None:
            self._outlines = self._kept(
                "outlines", OUTLINE_TOLERANCE_DEG, lambda: outline_shapes(self.departements, self.regions),
                encode_outlines, decode_outlines,
            )  # fmt: skip
        return self._outlines

    def commune_texts(self, names: dict[str, dict[str, str]], lang: str) -> CardTexts:
        """The card texts of every commune (:func:`geo.mapview.cards.commune_texts`), made once."""
        key = (lang, tuple(sorted(names["dep"].items())), tuple(sorted(names["reg"].items())))
        if key not in self._texts:
            self._texts[key] = self._kept(
                f"commune-texts-{lang}", [lang, names], lambda: commune_texts(self.communes, names, lang),
                encode_texts, decode_texts,
            )  # fmt: skip
        return self._texts[key]

    def _kept(self, kind: str, made_with, make, encode, decode):
        """``make()``, or what the store kept of it (geo.prebuilt)."""
        return make() if self._store is None else self._store.get(kind, made_with, make, encode, decode)

    def catalog(self, sites: gpd.GeoDataFrame | SiteCatalog) -> SiteCatalog:
        """The :class:`SiteCatalog` of a frame of sites, kept for the last frames asked for.

        Frames are matched by identity (the app's cached sites frame, a session's frame
        with its uploads) and held while kept: never mutate one after its map was drawn.
        """
        if isinstance(sites, SiteCatalog):
            return sites
        for known in self._catalogs:
            if known.frame is sites:
                return known
        catalog = SiteCatalog(sites)
        self._catalogs = [catalog, *self._catalogs[: CATALOGS_KEPT - 1]]
        return catalog

    def friche_catalog(self, friches: gpd.GeoDataFrame | FricheCatalog) -> FricheCatalog:
        """The :class:`FricheCatalog` of a frame of friches (the app's inventory), kept
        for the last frames asked for and matched by identity, as :meth:`catalog`."""
        if isinstance(friches, FricheCatalog):
            return friches
        for known in self._friche_catalogs:
            if known.frame is friches:
                return known
        catalog = FricheCatalog(friches)
        self._friche_catalogs = [catalog, *self._friche_catalogs[: CATALOGS_KEPT - 1]]
        return catalog


def outline_shapes(
    departements: gpd.GeoDataFrame | None,
    regions: gpd.GeoDataFrame | None,
    tolerance: float = OUTLINE_TOLERANCE_DEG,
) -> Outlines:
    """Encoded rings (``geo.encode``) of the département and région outlines, simplified so they share lines.

    Both are simplified as one coverage (shared borders stay shared); when the
    départements cover every région given, the régions are their union, so a région
    border is exactly the départements' border beneath it (no doubled lines).
    """
    dep_geoms = reg_geoms = None
    if departements is not None and not departements.empty:
        departements = to_wgs84(departements, "departements")
        dep_geoms = _simplify_coverage(departements.geometry.values, tolerance)
    if regions is not None and not regions.empty:
        regions = to_wgs84(regions, "regions")
        if dep_geoms is not None and "reg" in departements and "code" in regions:
            reg_geoms = _union_by(dep_geoms, departements["reg"].astype(str).to_numpy(), regions)
        if reg_geoms is None:
            reg_geoms = _simplify_coverage(regions.geometry.values, tolerance)
    return tuple(  # type: ignore[return-value]
        None if g is None else [s for s in encode_geometries(outline(g, tolerance), OUTLINE_DECIMALS) if s]
        for g in (dep_geoms, reg_geoms)
    )


def names_by_code(frame: gpd.GeoDataFrame | None) -> dict[str, str]:
    """``nom`` by ``code`` of a frame of départements or régions ({} without them)."""
    if frame is None or "code" not in frame or "nom" not in frame:
        return {}
    return dict(zip(frame["code"].astype(str), frame["nom"].astype(str), strict=True))


def to_wgs84(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326 (reprojected explicitly); refuses a frame without a CRS."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"build_map: {what} must be a GeoDataFrame, not {type(frame).__name__}")
    if frame.crs is None:
        raise ValueError(f"build_map: {what} have no CRS; expected EPSG:4326")
    return frame if frame.crs.to_epsg() == 4326 else frame.to_crs(4326)


def _simplify_coverage(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    try:
        # Coverage simplification keeps shared borders shared (no gaps, no doubled lines).
        return shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify each on its own
        return shapely.simplify(geoms, tolerance, preserve_topology=True)


def _union_by(dep_geoms: np.ndarray, dep_reg: np.ndarray, regions: gpd.GeoDataFrame) -> np.ndarray | None:
    """Each région as the union of its simplified départements; None if some are missing."""
    out = []
    for code, region in zip(regions["code"].astype(str), regions.geometry.values, strict=True):
        members = dep_geoms[dep_reg == code]
        if not len(members):
            return None
        union = shapely.coverage_union_all(members)
        if abs(shapely.area(union) - shapely.area(region)) > 0.01 * shapely.area(region):
            return None  # only some of the région's départements were given
        out.append(union)
    return np.array(out, dtype=object)


def outline(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Lines only: holes go (an enclave is drawn by its own unit; the other holes of the
    dissolved layers are gaps between communes, noise at this scale), and so do specks."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    shells = shapely.polygons(shapely.get_exterior_ring(parts))
    keep = shapely.area(shells) >= tolerance**2
    return shapely.multipolygons(shells[keep], indices=index[keep])
