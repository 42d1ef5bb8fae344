"""Readers of the commune layers in ``data/communes/``, each checked: file, columns, CRS, geometries, codes.

Every problem names its file (and the column); ``python -m geo build-communes`` writes the
files (see ``data/communes/README.md``).
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

from geo import atomic
from geo.crs import is_wgs84
from geo.paths import COMMUNES_DIR
from geo.problems import DataError, Problem, display, raise_if
from geo.schema import INSEE_RE, POSTAL_CODE_RE

_BUILD_HINT = "file not found (build it with: python -m geo.build_communes)"
# The geometries' validity check (shapely.is_valid: ~0.4 s for the 35,000 communes, at every
# start of the app) is made once per file: a file that passed it is recorded, by size and
# modification time, in this file of its directory, and not checked again while it is the same.
CHECKED_NAME = ".checked.json"


def _read_layer(name: str, columns: list[str], key: str) -> gpd.GeoDataFrame:
    """Read one GeoParquet layer of data/communes/ after checking file, columns, CRS, geometries and key."""
    path = COMMUNES_DIR / name
    label = display(path)
    if not path.is_file():
        raise DataError([Problem(label, "", "", _BUILD_HINT)])
    try:
        present = set(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises several types for a file that is not parquet
        raise DataError([Problem(label, "", "", f"not a readable parquet file: {exc}")]) from None
    missing = [c for c in columns if c not in present]
    raise_if([Problem(label, "", c, "required column is missing") for c in missing])
    try:
        layer = gpd.read_parquet(path, columns=columns)
    except Exception as exc:
        raise DataError([Problem(label, "", "", f"not a readable GeoParquet file: {exc}")]) from None

    problems = []
    if not is_wgs84(layer):
        got = layer.crs.to_string() if layer.crs is not None else "no CRS"
        problems.append(Problem(label, "", "geometry", f"CRS must be EPSG:4326, got {got}"))
    geoms = layer.geometry.values
    keys = layer[key].astype(str)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    checked = _checked_before(path)
    invalid = np.zeros(len(geoms), dtype=bool) if checked else ~shapely.is_valid(geoms)
    for what, bad in [
        ("missing or empty geometry", missing),
        ("invalid geometry", ~missing & invalid),
    ]:
        if bad.any():
            problems.append(
                Problem(label, "", "geometry", f"{bad.sum()} rows with {what} ({_first(keys[bad])})")
            )
    if layer[key].isna().any() or layer[key].duplicated().any():
        problems.append(
            Problem(
                label, "", key, f"{key} must be present and unique ({_first(keys[layer[key].duplicated()])})"
            )
        )
    raise_if(problems)
    if not checked:
        _record_checked(path)
    return layer


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _checked_before(path: Path) -> bool:
    """Whether ``path``, as it is now, passed the geometry check already (:data:`CHECKED_NAME`)."""
    try:
        return json.loads((path.parent / CHECKED_NAME).read_text(encoding="utf-8")).get(path.name) == _stamp(path)
    except (OSError, ValueError, AttributeError):
        return False


def _record_checked(path: Path) -> None:
    """Record that ``path`` passed the geometry check (nothing when its directory is read-only)."""
    record = path.parent / CHECKED_NAME
    try:
        known = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    with contextlib.suppress(OSError):
        atomic.write_text(record, json.dumps({**known, path.name: _stamp(path)}, indent=1, sort_keys=True) + "\n")


def _first(values: pd.Series, n: int = 5) -> str:
    """A few of ``values`` for a message."""
    shown = ", ".join(map(str, values.iloc[:n]))
    return shown + (", …" if len(values) > n else "")


def _check_codes(table: pd.DataFrame, column: str, pattern: re.Pattern, label: str) -> list[Problem]:
    """Every value of ``column`` matches ``pattern`` (INSEE codes are 5-character strings)."""
    values = table[column]
    bad = ~values.astype(str).str.fullmatch(pattern.pattern) | values.isna()
    if not bad.any():
        return []
    return [Problem(label, "", column, f"{bad.sum()} malformed codes ({_first(values[bad].map(repr))})")]


def load_communes() -> gpd.GeoDataFrame:
    """The detailed commune layer: one row per current commune, with its town-hall point (lon, lat)."""
    layer = _read_layer(
        "communes.parquet",
        ["insee", "nom", "dep", "reg", "epci", "population", "geometry", "lon", "lat", "anchor"],
        key="insee",
    )
    label = display(COMMUNES_DIR / "communes.parquet")
    problems = _check_codes(layer, "insee", INSEE_RE, label)
    if layer[["lon", "lat"]].isna().any().any():
        problems.append(Problem(label, "", "lon/lat", "every commune needs an anchor point"))
    raise_if(problems)
    return layer


def load_national_communes() -> gpd.GeoDataFrame:
    """The communes simplified hard, for drawing all of France at national or regional zoom."""
    layer = _read_layer("communes_national.parquet", ["insee", "dep", "reg", "geometry"], key="insee")
    raise_if(_check_codes(layer, "insee", INSEE_RE, display(COMMUNES_DIR / "communes_national.parquet")))
    return layer


def load_departements() -> gpd.GeoDataFrame:
    """Départements dissolved from the communes (code, nom, reg, population, communes)."""
    return _read_layer(
        "departements.parquet", ["code", "nom", "reg", "population", "communes", "geometry"], key="code"
    )


def load_regions() -> gpd.GeoDataFrame:
    """Régions dissolved from the communes (code, nom, population, communes)."""
    return _read_layer("regions.parquet", ["code", "nom", "population", "communes", "geometry"], key="code")


def _read_csv(name: str, columns: list[str]) -> tuple[pd.DataFrame, str]:
    """Read a CSV of data/communes/ as strings (INSEE codes keep their leading zeros and 2A/2B)."""
    path = COMMUNES_DIR / name
    label = display(path)
    if not path.is_file():
        raise DataError([Problem(label, "", "", _BUILD_HINT)])
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError([Problem(label, "", "", f"not a readable CSV file: {exc}")]) from None
    raise_if([Problem(label, "", c, "required column is missing") for c in columns if c not in table.columns])
    return table[columns], label


def load_aliases() -> pd.DataFrame:
    """Old commune names (delegated, associated, municipal arrondissements) → the current INSEE code."""
    table, label = _read_csv("aliases.csv", ["alias_insee", "alias_nom", "kind", "insee", "dep"])
    raise_if(
        _check_codes(table, "alias_insee", INSEE_RE, label) + _check_codes(table, "insee", INSEE_RE, label)
    )
    return table


def load_postal_codes() -> pd.DataFrame:
    """Postal code ↔ INSEE code (many to many)."""
    table, label = _read_csv("postal_codes.csv", ["code_postal", "insee"])
    raise_if(
        _check_codes(table, "code_postal", POSTAL_CODE_RE, label)
        + _check_codes(table, "insee", INSEE_RE, label)
    )
    return table
