"""The territories the commune layer covers: each one's box and metric CRS, declared once.

Used to say whether a point can be in France at all (``in_france``: a site outside every
box is refused before any commune is looked at) and to measure distances in metres in
the right projection (``crs_for_point``, ``crs_for_dep``). Boxes are the territory's
extent (islands included) with a margin of about 0.2°, so that a point on the coast is
never refused by the box; the communes' polygons decide the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LAMBERT_93 = 2154


@dataclass(frozen=True)
class Territory:
    """A part of France with one metric CRS: name, box (lon_min, lat_min, lon_max, lat_max), départements."""

    name: str
    bbox: tuple[float, float, float, float]
    crs: int
    deps: frozenset[str] = frozenset()  # empty: every département no other territory claims

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= lon <= x1 and y0 <= lat <= y1


TERRITORIES: tuple[Territory, ...] = (
    # Ouessant (-5.14) to Lauterbourg (8.23), Puig de Coma Negra (42.33) to Bray-Dunes (51.09).
    Territory("Métropole", (-5.4, 42.1, 8.5, 51.3), LAMBERT_93),
    # Lambert-93 covers Corsica too (IGN's official projection for both).
    Territory("Corse", (8.3, 41.2, 9.8, 43.2), LAMBERT_93, frozenset({"2A", "2B"})),
    # La Désirade and the Petite-Terre islets reach -61.0; Les Saintes 15.83.
    Territory("Guadeloupe", (-62.0, 15.7, -60.8, 16.7), 5490, frozenset({"971"})),  # RGAF09 / UTM 20N
    Territory("Martinique", (-61.4, 14.2, -60.6, 15.0), 5490, frozenset({"972"})),  # RGAF09 / UTM 20N
    Territory("Guyane", (-54.8, 1.9, -51.4, 6.0), 2972, frozenset({"973"})),  # RGFG95 / UTM 22N
    Territory("La Réunion", (55.0, -21.6, 56.0, -20.7), 2975, frozenset({"974"})),  # RGR92 / UTM 40S
    Territory("Mayotte", (44.8, -13.2, 45.5, -12.4), 4471, frozenset({"976"})),  # RGM04 / UTM 38S
)
MAINLAND = TERRITORIES[0]
_BY_DEP = {dep: territory for territory in TERRITORIES for dep in territory.deps}
_BOXES = np.array([territory.bbox for territory in TERRITORIES], dtype=float)


def territory_of_dep(dep: str) -> Territory:
    """The territory of a département code ('59' → Métropole, '2A' → Corse, '974' → La Réunion)."""
    return _BY_DEP.get(dep, MAINLAND)


def territory_of_point(lon: float, lat: float) -> Territory | None:
    """The territory whose box holds a WGS84 point, or None (not in France)."""
    return next((territory for territory in TERRITORIES if territory.contains(lon, lat)), None)


def crs_for_dep(dep: str) -> int:
    """The metric CRS of a département's territory."""
    return territory_of_dep(dep).crs


def crs_for_point(lon: float, lat: float) -> int:
    """The metric CRS of the territory a WGS84 point falls in (Lambert-93 outside every box)."""
    territory = territory_of_point(lon, lat)
    return (territory or MAINLAND).crs


def in_france(lon: float, lat: float) -> bool:
    """Whether a WGS84 point lies in the box of a territory of the commune layer."""
    return territory_of_point(lon, lat) is not None


def in_france_array(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """:func:`in_france` for arrays of points."""
    lon, lat = np.asarray(lon, dtype=float)[:, None], np.asarray(lat, dtype=float)[:, None]
    x0, y0, x1, y1 = _BOXES.T
    return ((x0 <= lon) & (lon <= x1) & (y0 <= lat) & (lat <= y1)).any(axis=1)
