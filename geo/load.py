"""Load the commune layers and the sites file, and check them: every problem names its file, feature and field."""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

from geo.paths import COMMUNES_DIR, ROOT
from geo.vocab import PRECISIONS, SECTORS, STATUSES

# Patterns are matched whole (fullmatch: "$" would let a trailing newline through) and
# spell digits [0-9] (\d also matches other scripts' digits).
INSEE_RE = re.compile(r"[0-9]{5}|2[AB][0-9]{3}")
# Départements of the commune layer: 01–95 (no 20: Corsica is 2A/2B) and the five DOM.
DEP_RE = re.compile(r"0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-46]")
SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
POSTAL_CODE_RE = re.compile(r"[0-9]{5}")

# Bounding boxes (lon_min, lat_min, lon_max, lat_max) of the territories the commune layer
# covers, with a margin of about 0.2°: a site outside all of them is not in France.
FRANCE_EXTENT: dict[str, tuple[float, float, float, float]] = {
    "Métropole et Corse": (-5.4, 41.2, 9.8, 51.3),
    "Guadeloupe": (-62.0, 15.7, -60.8, 16.7),
    "Martinique": (-61.4, 14.2, -60.6, 15.0),
    "Guyane": (-54.8, 1.9, -51.4, 6.0),
    "La Réunion": (55.0, -21.6, 56.0, -20.7),
    "Mayotte": (44.8, -13.2, 45.5, -12.4),
}

# Names a GeoJSON `crs` member may give for plain longitude/latitude on WGS84.
WGS84_NAMES = {
    "WGS84",
    "OGC:CRS84",
    "URN:OGC:DEF:CRS:OGC:1.3:CRS84",
    "URN:OGC:DEF:CRS:OGC::CRS84",
    "EPSG:4326",
    "URN:OGC:DEF:CRS:EPSG::4326",
    "URN:OGC:DEF:CRS:EPSG:6.6:4326",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file: where (file, feature, field) and what."""

    file: str
    feature: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.feature:
            parts.append(
                f"feature {self.feature}" if self.feature.startswith("#") else f"feature {self.feature!r}"
            )
        if self.field:
            parts.append(f"field {self.field!r}")
        parts.append(self.message)
        return ": ".join(parts)


class DataError(ValueError):
    """A data file failed its checks; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _display(path: Path) -> str:
    """The path as messages show it: relative to the repository when inside it."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise DataError(problems)


# --- Commune layers ------------------------------------------------------------------


def _read_layer(name: str, columns: list[str], key: str) -> gpd.GeoDataFrame:
    """Read one GeoParquet layer of data/communes/ after checking file, columns, CRS, geometries and key."""
    path = COMMUNES_DIR / name
    label = _display(path)
    if not path.is_file():
        raise DataError(
            [Problem(label, "", "", "file not found (build it with: python -m geo.build_communes)")]
        )
    try:
        present = set(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises several types for a file that is not parquet
        raise DataError([Problem(label, "", "", f"not a readable parquet file: {exc}")]) from None
    missing = [c for c in columns if c not in present]
    _raise_if([Problem(label, "", c, "required column is missing") for c in missing])
    try:
        layer = gpd.read_parquet(path, columns=columns)
    except Exception as exc:
        raise DataError([Problem(label, "", "", f"not a readable GeoParquet file: {exc}")]) from None

    problems = []
    if layer.crs is None or layer.crs.to_epsg() != 4326:
        got = layer.crs.to_string() if layer.crs is not None else "no CRS"
        problems.append(Problem(label, "", "geometry", f"CRS must be EPSG:4326, got {got}"))
    geoms = layer.geometry.values
    keys = layer[key].astype(str)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for what, bad in [
        ("missing or empty geometry", missing),
        ("invalid geometry", ~missing & ~shapely.is_valid(geoms)),
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
    _raise_if(problems)
    return layer


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
    label = _display(COMMUNES_DIR / "communes.parquet")
    problems = _check_codes(layer, "insee", INSEE_RE, label)
    if layer[["lon", "lat"]].isna().any().any():
        problems.append(Problem(label, "", "lon/lat", "every commune needs an anchor point"))
    _raise_if(problems)
    return layer


def load_national_communes() -> gpd.GeoDataFrame:
    """The communes simplified hard, for drawing all of France at national or regional zoom."""
    layer = _read_layer("communes_national.parquet", ["insee", "dep", "reg", "geometry"], key="insee")
    _raise_if(_check_codes(layer, "insee", INSEE_RE, _display(COMMUNES_DIR / "communes_national.parquet")))
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
    label = _display(path)
    if not path.is_file():
        raise DataError(
            [Problem(label, "", "", "file not found (build it with: python -m geo.build_communes)")]
        )
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError([Problem(label, "", "", f"not a readable CSV file: {exc}")]) from None
    _raise_if(
        [Problem(label, "", c, "required column is missing") for c in columns if c not in table.columns]
    )
    return table[columns], label


def load_aliases() -> pd.DataFrame:
    """Old commune names (delegated, associated, municipal arrondissements) → the current INSEE code."""
    table, label = _read_csv("aliases.csv", ["alias_insee", "alias_nom", "kind", "insee", "dep"])
    _raise_if(
        _check_codes(table, "alias_insee", INSEE_RE, label) + _check_codes(table, "insee", INSEE_RE, label)
    )
    return table


def load_postal_codes() -> pd.DataFrame:
    """Postal code ↔ INSEE code (many to many)."""
    table, label = _read_csv("postal_codes.csv", ["code_postal", "insee"])
    _raise_if(
        _check_codes(table, "code_postal", POSTAL_CODE_RE, label)
        + _check_codes(table, "insee", INSEE_RE, label)
    )
    return table


# --- The schema of a site --------------------------------------------------------------


@dataclass(frozen=True)
class SiteField:
    """One property of a site feature: what it must be (said in messages) and the test."""

    expected: str
    accepts: Callable[[object], bool]
    nullable: bool = False


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_int(value: object) -> bool:
    # bool is a subclass of int in Python; true/false are not counts.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _one_of(vocab: dict) -> SiteField:
    return SiteField("one of " + ", ".join(map(repr, vocab)), lambda v: isinstance(v, str) and v in vocab)


def _is_source_list(value: object) -> bool:
    return isinstance(value, list) and len(value) > 0


INT64_MAX = 2**63 - 1

SITE_FIELDS: dict[str, SiteField] = {
    "id": SiteField(
        "a slug such as 'croix-ovh' (a-z, 0-9, single hyphens)",
        lambda v: _is_str(v) and bool(SLUG_RE.fullmatch(v)),
    ),
    "name": SiteField("a non-empty string", _is_text),
    "company": SiteField("a string or null", _is_str, nullable=True),
    "activity": SiteField("a string", _is_str),
    "sector": _one_of(SECTORS),
    "status": _one_of(STATUSES),
    "insee": SiteField(
        "a 5-character INSEE code such as '59163' or '2A004' (null only for a département-precision site)",
        lambda v: _is_str(v) and bool(INSEE_RE.fullmatch(v)),
        nullable=True,
    ),
    "commune": SiteField("a string or null", _is_str, nullable=True),
    "dep": SiteField(
        "a département code string such as '77', '2A' or '971'",
        lambda v: _is_str(v) and bool(DEP_RE.fullmatch(v)),
    ),
    "jobs": SiteField("an integer ≥ 0 or null", lambda v: _is_int(v) and 0 <= v <= INT64_MAX, nullable=True),
    "jobs_note": SiteField("a string or null (required when jobs is given)", _is_str, nullable=True),
    "brownfield": SiteField("true, false or null", lambda v: isinstance(v, bool), nullable=True),
    "brownfield_history": SiteField("a string or null", _is_str, nullable=True),
    "investment_eur": SiteField("a number ≥ 0 or null", lambda v: _is_number(v) and v >= 0, nullable=True),
    "surface_m2": SiteField("a number ≥ 0 or null", lambda v: _is_number(v) and v >= 0, nullable=True),
    "year": SiteField(
        "an integer from 1900 to 2100 or null", lambda v: _is_int(v) and 1900 <= v <= 2100, nullable=True
    ),
    "location_precision": _one_of(PRECISIONS),
    "sources": SiteField("a non-empty list of sources", _is_source_list),
}
SOURCE_TEXT_KEYS = ("title", "publisher", "date")
URL_SCHEMES = ("http://", "https://")


def _show(value: object) -> str:
    """A value as a message quotes it, cut short (it may be hostile or huge)."""
    try:
        text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


# --- Reading and checking a sites file -----------------------------------------------------


@dataclass
class _Site:
    """A feature whose structure passed: its label, point, properties, and whether its place can be checked."""

    label: str
    lon: float
    lat: float
    props: dict
    place_ok: bool


@dataclass
class _Checked:
    """The features whose structure passed, as columns: labels, points, properties, checkable places.

    ``columns`` holds the SITE_FIELDS values when the fast check already extracted them.
    """

    labels: list[str]
    lon: np.ndarray
    lat: np.ndarray
    props: list[dict]
    place_ok: np.ndarray
    columns: dict[str, list] | None = None

    @classmethod
    def of(cls, sites: list[_Site]) -> _Checked:
        return cls(
            labels=[s.label for s in sites],
            lon=np.array([s.lon for s in sites], dtype=float),
            lat=np.array([s.lat for s in sites], dtype=float),
            props=[s.props for s in sites],
            place_ok=np.array([s.place_ok for s in sites], dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.props)


def _load_text(source, name: str | None) -> tuple[str, str | None, list[Problem]]:
    """Get the GeoJSON text from a path, bytes, or a string of GeoJSON; returns (label, text, problems)."""
    if isinstance(source, bytes | bytearray | memoryview):
        label, data = name or "<upload>", bytes(source)
    elif isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        return name or "<GeoJSON text>", source, []
    elif isinstance(source, str | PathLike):
        path = Path(source)
        label = name or _display(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return label, None, [Problem(label, "", "", f"cannot read the file: {exc.strerror or exc}")]
    else:
        raise TypeError(f"source must be a path, bytes or a GeoJSON string, not {type(source).__name__}")
    try:
        return label, data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return label, None, [Problem(label, "", "", f"not UTF-8 text (bad byte at offset {exc.start})")]


def _parse(text: str, label: str) -> tuple[object, list[Problem]]:
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [
            Problem(label, "", "", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        ]
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4,300 digits, absurd nesting
        return None, [Problem(label, "", "", f"invalid JSON: {exc.__class__.__name__}")]


def _check_crs(doc: dict, label: str) -> list[Problem]:
    """An old-style (GeoJSON 2008) ``crs`` member may only name WGS84 longitude/latitude."""
    crs = doc.get("crs")
    if crs is None:
        return []
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str):
        return [Problem(label, "", "crs", f"expected a named CRS such as 'EPSG:4326', got {_show(crs)}")]
    if name.strip().upper() in WGS84_NAMES:
        return []
    return [
        Problem(
            label, "", "crs", f"coordinates must be WGS84 longitude/latitude (EPSG:4326), got {_show(name)}"
        )
    ]


def _feature_label(feature: object, index: int) -> str:
    """The feature as messages name it: its id (property, else GeoJSON member) if short, else its position."""
    if isinstance(feature, dict):
        props = feature.get("properties")
        prop_id = props.get("id") if isinstance(props, dict) else None
        member_id = feature.get("id")
        if isinstance(member_id, int) and not isinstance(member_id, bool):
            member_id = str(member_id)
        for fid in (prop_id, member_id):
            if isinstance(fid, str) and 0 < len(fid) <= 80:
                return fid
    return f"#{index}"


def in_france(lon: float, lat: float) -> bool:
    """Whether a point lies in one of the FRANCE_EXTENT boxes (metropole, Corsica, the five DOM)."""
    return any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in FRANCE_EXTENT.values())


def _in_france_array(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """:func:`in_france` for arrays of points."""
    inside = np.zeros(len(lon), dtype=bool)
    for x0, y0, x1, y1 in FRANCE_EXTENT.values():
        inside |= (x0 <= lon) & (lon <= x1) & (y0 <= lat) & (lat <= y1)
    return inside


def _check_point(geometry: object, problem: Callable[[str, str], None]) -> tuple[float, float] | None:
    """The (lon, lat) of a Point geometry inside France, or None after reporting why not."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        got = geometry.get("type") if isinstance(geometry, dict) else geometry
        problem("geometry", f"expected a Point geometry, got {_show(got)}")
        return None
    coords = geometry.get("coordinates")
    if not (isinstance(coords, list) and len(coords) == 2 and all(_is_number(c) for c in coords)):
        problem(
            "geometry", f"expected coordinates [longitude, latitude] as 2 finite numbers, got {_show(coords)}"
        )
        return None
    lon, lat = float(coords[0]), float(coords[1])
    if not in_france(lon, lat):
        problem(
            "geometry",
            f"point ({lon}, {lat}) is outside France (metropole and DOM); coordinates are [longitude, latitude]",
        )
        return None
    return lon, lat


def _check_properties(props: dict, problem: Callable[[str, str], None]) -> set[str]:
    """Check every property against SITE_FIELDS; returns the names of the fields found wrong."""
    bad: set[str] = set()

    def report(field: str, message: str) -> None:
        bad.add(field.split("[")[0])
        problem(field, message)

    for field, spec in SITE_FIELDS.items():
        if field not in props:
            report(field, f"missing (expected {spec.expected})")
        elif props[field] is None:
            if not spec.nullable:
                report(field, f"expected {spec.expected}, got null")
        elif not spec.accepts(props[field]):
            report(field, f"expected {spec.expected}, got {_show(props[field])}")
    if "geometry" in props:
        report("geometry", "'geometry' is a reserved name and cannot be a property")

    if "insee" in props and props["insee"] is None and props.get("location_precision") != "departement":
        report("insee", "null is only allowed when location_precision is 'departement'")
    if _is_int(props.get("jobs")) and not _is_text(props.get("jobs_note")):
        report("jobs_note", "required (a non-empty string) when jobs is given: say what the figure counts")
    if _is_source_list(props.get("sources")):
        for i, source in enumerate(props["sources"]):
            if not isinstance(source, dict):
                report(
                    f"sources[{i}]",
                    f"expected an object with title, publisher, date, url; got {_show(source)}",
                )
                continue
            for key in SOURCE_TEXT_KEYS:
                if not _is_text(source.get(key)):
                    report(
                        f"sources[{i}].{key}", f"expected a non-empty string, got {_show(source.get(key))}"
                    )
            url = source.get("url")
            if "url" not in source:
                report(f"sources[{i}].url", "missing (expected an http:// or https:// address or null)")
            elif url is not None and not (isinstance(url, str) and url.lower().startswith(URL_SCHEMES)):
                report(
                    f"sources[{i}].url", f"expected an http:// or https:// address or null, got {_show(url)}"
                )
    return bad


def _check_features(doc: object, label: str) -> tuple[_Checked, list[Problem], int | None]:
    """Check the collection and each feature; returns the sites that passed, the problems, the feature count."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        got = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        return (
            _Checked.of([]),
            [Problem(label, "", "type", f"expected a GeoJSON FeatureCollection, got {_show(got)}")],
            None,
        )
    problems = _check_crs(doc, label)
    features = doc.get("features")
    if not isinstance(features, list):
        problems.append(Problem(label, "", "features", f"expected a list of features, got {_show(features)}"))
        return _Checked.of([]), problems, None
    # A good file passes the column-wise check at once; on any doubt, the feature-by-feature
    # check below runs and words each problem (the fast one never finds or words any).
    checked = _fast_check(features)
    if checked is not None:
        return checked, problems, len(features)

    sites: list[_Site] = []
    first_of_id: dict[str, int] = {}
    for index, feature in enumerate(features):
        fid = _feature_label(feature, index)
        if fid in first_of_id:  # a repeated id names no feature: use the position
            fid = f"#{index}"

        def problem(field: str, message: str, fid: str = fid) -> None:
            problems.append(Problem(label, fid, field, message))

        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            got = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
            problem("type", f"expected a GeoJSON Feature, got {_show(got)}")
            continue
        point = _check_point(feature.get("geometry"), problem)
        props = feature.get("properties")
        if not isinstance(props, dict):
            problem("properties", f"expected an object, got {_show(props)}")
            continue
        bad = _check_properties(props, problem)
        site_id = props.get("id")
        if isinstance(site_id, str) and "id" not in bad:
            if site_id in first_of_id:
                problem("id", f"duplicate id {site_id!r}: also the id of feature #{first_of_id[site_id]}")
            else:
                first_of_id[site_id] = index
        if point is not None:
            place_ok = not bad & {"insee", "dep", "location_precision"}
            sites.append(_Site(fid, point[0], point[1], props, place_ok))
    return _Checked.of(sites), problems, len(features)


_NONE = type(None)


def _types(values: Iterable) -> set[type]:
    return set(map(type, values))


def _all_match(pattern: re.Pattern, values: Iterable) -> bool:
    return all(map(pattern.fullmatch, values))


def _texts_ok(values: list, *, nullable: bool = False, pattern: re.Pattern | None = None, vocab=None) -> bool:
    """Every value is a string (or None when ``nullable``), matching ``pattern`` and in ``vocab``.

    Checked on the distinct values: codes, sectors and communes repeat (TypeError: unhashable).
    """
    distinct = set(values)
    if nullable:
        distinct.discard(None)
    if _types(distinct) - {str}:
        return False
    if pattern is not None and not _all_match(pattern, distinct):
        return False
    return vocab is None or distinct <= vocab.keys()


def _numbers_ok(values: list, low: float, high: float) -> bool:
    """Every value that is not None is finite and within [low, high] (ints and floats; the types are
    checked first). Checked on the distinct values (equal numbers get the same verdict)."""
    distinct = set(values)
    distinct.discard(None)
    return all(math.isfinite(v) and low <= v <= high for v in distinct)


def _sources_ok(values: list) -> bool:
    """What _check_properties accepts for ``sources``, for every feature at once (KeyError: a key is missing)."""
    if _types(values) != {list} or not all(values):
        return False
    flat = list(itertools.chain.from_iterable(values))
    if _types(flat) != {dict}:
        return False
    # the distinct (title, publisher, date, url): sources repeat from site to site
    distinct = set(map(operator.itemgetter(*SOURCE_TEXT_KEYS, "url"), flat))
    *texts, urls = zip(*distinct, strict=True)
    if not all(_types(t) == {str} and all(map(str.strip, t)) for t in texts):
        return False
    if not _types(urls) <= {str, _NONE}:
        return False
    return all(url is None or url.lower().startswith(URL_SCHEMES) for url in urls)


# Column-wise checks of the common types: each accepts only values SITE_FIELDS accepts.
_FAST_FIELDS: dict[str, Callable[[list], bool]] = {
    "id": lambda v: _types(v) == {str} and _all_match(SLUG_RE, v) and max(map(len, v)) <= 80,
    "name": lambda v: _types(v) == {str} and all(map(str.strip, v)),
    "activity": lambda v: _texts_ok(v),
    "sector": lambda v: _texts_ok(v, vocab=SECTORS),
    "status": lambda v: _texts_ok(v, vocab=STATUSES),
    "location_precision": lambda v: _texts_ok(v, vocab=PRECISIONS),
    "insee": lambda v: _texts_ok(v, nullable=True, pattern=INSEE_RE),
    "dep": lambda v: _texts_ok(v, pattern=DEP_RE),
    "company": lambda v: _texts_ok(v, nullable=True),
    "commune": lambda v: _texts_ok(v, nullable=True),
    "jobs_note": lambda v: _texts_ok(v, nullable=True),
    "brownfield_history": lambda v: _texts_ok(v, nullable=True),
    "brownfield": lambda v: _types(v) <= {bool, _NONE},
    "jobs": lambda v: _types(v) <= {int, _NONE} and _numbers_ok(v, 0, INT64_MAX),
    "year": lambda v: _types(v) <= {int, _NONE} and _numbers_ok(v, 1900, 2100),
    "investment_eur": lambda v: _types(v) <= {int, float, _NONE} and _numbers_ok(v, 0, math.inf),
    "surface_m2": lambda v: _types(v) <= {int, float, _NONE} and _numbers_ok(v, 0, math.inf),
    "sources": _sources_ok,
}


def _field_ok(field: str, values: list) -> bool:
    fast = _FAST_FIELDS.get(field)
    if fast is not None:
        return fast(values)
    spec = SITE_FIELDS[field]  # a field without a column-wise check: value by value
    return all((v is None and spec.nullable) or (v is not None and spec.accepts(v)) for v in values)


def _fast_check(features: list) -> _Checked | None:
    """Check every feature column-wise, or None at the first doubt (the feature-by-feature check then runs).

    Accepts exactly the features ``_check_point`` and ``_check_properties`` would accept
    without a problem, with unique ids short enough to be their own labels, and gives the
    same result; anything else (even what the slow check would accept) returns None.
    (map/itemgetter/methodcaller keep the per-feature loops in C: 100,000 features.)
    """
    if not features:
        return None
    get_type = operator.methodcaller("get", "type")
    try:
        if _types(features) != {dict} or set(map(get_type, features)) != {"Feature"}:
            return None
        geometries = list(map(operator.methodcaller("get", "geometry"), features))
        if _types(geometries) != {dict} or set(map(get_type, geometries)) != {"Point"}:
            return None
        coords = list(map(operator.methodcaller("get", "coordinates"), geometries))
        if _types(coords) != {list} or set(map(len, coords)) != {2}:
            return None
        if not _types(itertools.chain.from_iterable(coords)) <= {int, float}:
            return None
        xy = np.array(coords, dtype=float)  # an integer too large for a float raises OverflowError
        lon, lat = xy[:, 0], xy[:, 1]
        if not (np.isfinite(xy).all() and _in_france_array(lon, lat).all()):
            return None
        props = list(map(operator.methodcaller("get", "properties"), features))
        if _types(props) != {dict} or any(map(operator.methodcaller("__contains__", "geometry"), props)):
            return None
        rows = list(map(operator.itemgetter(*SITE_FIELDS), props))  # KeyError: a field is missing
        columns = dict(zip(SITE_FIELDS, map(list, zip(*rows, strict=True)), strict=True))
        del rows
        if not all(_field_ok(field, values) for field, values in columns.items()):
            return None
        ids = columns["id"]
        if len(set(ids)) != len(ids):
            return None
        insee, precision = columns["insee"], columns["location_precision"]
        if any(precision[i] != "departement" for i, code in enumerate(insee) if code is None):
            return None
        given = map(operator.is_not, columns["jobs"], itertools.repeat(None))
        notes = list(itertools.compress(columns["jobs_note"], given))  # the notes of sites with jobs
        if notes and (_types(notes) != {str} or not all(map(str.strip, notes))):
            return None
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
        return None
    return _Checked(list(ids), lon, lat, props, np.ones(len(props), dtype=bool), columns)


def _check_places(sites: _Checked, communes: gpd.GeoDataFrame, label: str) -> list[Problem]:
    """Each site's INSEE code exists, its dep matches, and its point lies in that commune (or département)."""
    keep = np.flatnonzero(sites.place_ok)
    if keep.size == 0:
        return []
    geoms = communes.geometry.values
    names = communes["nom"].to_numpy() if "nom" in communes else communes["insee"].to_numpy()
    codes = communes["insee"].to_numpy()
    deps = communes["dep"].to_numpy()
    props = [sites.props[i] for i in keep]
    insee = np.array([p["insee"] for p in props], dtype=object)
    dep = np.array([p["dep"] for p in props], dtype=object)
    lon, lat = sites.lon[keep], sites.lat[keep]
    points = shapely.points(lon, lat)
    positions = pd.Index(codes).get_indexer([code or "" for code in insee])

    by_departement = np.array([code is None for code in insee], dtype=bool)
    unknown = ~by_departement & (positions == -1)
    known = ~by_departement & (positions >= 0)
    wrong_dep = np.zeros(len(keep), dtype=bool)
    # as fixed-width text arrays: element-wise comparison of Python objects is ten times slower
    wrong_dep[known] = deps[positions[known]].astype(str) != dep[known].astype(str)
    # covered_by, not within: a point on the border between two communes (or two
    # départements) is within neither but covered by both, and both must accept it.
    outside = np.zeros(len(keep), dtype=bool)
    outside[known] = ~shapely.covered_by(points[known], geoms[positions[known]])
    for i in np.flatnonzero(by_departement):  # département precision: in one of its communes
        outside[i] = not shapely.covered_by(points[i], geoms[deps == dep[i]]).any()

    def where(point) -> str:
        hits = communes.sindex.query(point, predicate="covered_by")
        if len(hits) == 0:
            return "it falls in no commune"
        return "it falls in " + " / ".join(
            f"{names[h]} ({codes[h]}, département {deps[h]})" for h in sorted(hits)
        )

    problems = []
    for i in np.flatnonzero(unknown | wrong_dep | outside):
        site_label, pos = sites.labels[keep[i]], positions[i]
        at = f"point ({float(lon[i])}, {float(lat[i])})"
        if by_departement[i]:
            problems.append(
                Problem(
                    label, site_label, "geometry", f"{at} is not in département {dep[i]}: {where(points[i])}"
                )
            )
        elif unknown[i]:
            problems.append(
                Problem(
                    label, site_label, "insee", f"unknown INSEE code {insee[i]!r} (not a current commune)"
                )
            )
        else:
            if wrong_dep[i]:
                message = f"{dep[i]!r}, but {names[pos]} ({insee[i]}) is in département {deps[pos]!r}"
                problems.append(Problem(label, site_label, "dep", message))
            if outside[i]:
                message = f"{at} is not in {names[pos]} ({insee[i]}): {where(points[i])}"
                problems.append(Problem(label, site_label, "geometry", message))
    return problems


_TYPED_COLUMNS = {"jobs": "Int64", "year": "Int64", "brownfield": "boolean"}
_FLOAT_COLUMNS = ("investment_eur", "surface_m2")


def _site_frame(sites: _Checked) -> gpd.GeoDataFrame:
    """One row per site, columns in SITE_FIELDS order then the extra properties, typed.

    Texts are copied out of the parsed document, equal ones into one shared object (the
    frame is read-only), so that the document's memory is freed whole once it is dropped:
    scattered survivors would pin it (with 100,000 sites, some 250 MB of the process).
    """
    extras: list[str] = []
    for keys in dict.fromkeys(tuple(p) for p in sites.props):  # key orders in order of appearance
        extras += [k for k in keys if k not in SITE_FIELDS and k not in extras]
    columns = [*SITE_FIELDS, *extras]
    known = sites.columns or {}
    data = {c: known[c] if c in known else [p.get(c) for p in sites.props] for c in columns}

    def column(name: str, values: list):
        if name in _TYPED_COLUMNS:
            return pd.array(values, dtype=_TYPED_COLUMNS[name])
        if name in _FLOAT_COLUMNS:
            return np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
        if name == "sources":
            return _shared_sources(values)
        # SITE_FIELDS' texts are validated (str or None); an extra property may hold anything.
        fresh = _fresh_texts(values, checked=name in SITE_FIELDS)
        # np.fromiter, not pd.Series(list): it never looks into lists, and is fast.
        return fresh if fresh is not None else np.fromiter(values, dtype=object, count=len(values))

    frame = pd.DataFrame({c: column(c, data[c]) for c in columns}, columns=columns)
    points = shapely.points(np.column_stack([sites.lon, sites.lat]).reshape(-1, 2))
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")


def _copy_text(text: str) -> str:
    return "".join((text, ""))  # a new object (a one-item join would return ``text`` itself)


def _fresh_texts(values: list, *, checked: bool = False) -> np.ndarray | None:
    """``values`` (strings and None) as an object array of new strings, one per distinct text;
    None when other types are present (``checked``: the caller knows they are not)."""
    if not checked and not _types(values) <= {str, _NONE}:
        return None
    codes, uniques = pd.factorize(np.fromiter(values, dtype=object, count=len(values)))
    fresh = np.empty(len(uniques) + 1, dtype=object)
    fresh[:-1] = ["".join((text, "")) for text in uniques]  # as _copy_text, inlined: 100,000s of calls
    fresh[-1] = None  # code -1: None
    return fresh[codes]


def _shared_sources(values: list) -> np.ndarray:
    """The ``sources`` lists, rebuilt with new strings; equal lists share one object."""
    shared: dict[tuple, list] = {}
    out = []
    items = operator.methodcaller("items")
    for sources in values:
        try:
            key = tuple(map(tuple, map(items, sources)))
            hit = shared.get(key)
        except (AttributeError, TypeError):  # not a list of flat objects: kept as it is
            out.append(sources)
            continue
        if hit is None:
            hit = shared[key] = [
                {k: _copy_text(v) if type(v) is str else v for k, v in source.items()} for source in sources
            ]
        out.append(hit)
    return np.fromiter(out, dtype=object, count=len(out))


def _prepare_communes(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(communes, gpd.GeoDataFrame):
        raise TypeError(f"communes must be a GeoDataFrame, not {type(communes).__name__}")
    missing = {"insee", "dep"} - set(communes.columns)
    if missing:
        raise ValueError(f"communes lacks the columns {sorted(missing)}")
    if communes.crs is None:
        raise ValueError("communes has no CRS; expected EPSG:4326")
    if communes.crs.to_epsg() != 4326:
        communes = communes.to_crs(4326)
    return communes


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsing 100,000 features allocates millions of
    containers, which would trigger full collections again and again (JSON makes no cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_sites(source, communes, name) -> tuple[gpd.GeoDataFrame | None, list[Problem], str, int | None]:
    """Read and check a sites file; returns (sites or None, problems, label, feature count if known)."""
    if communes is not None:
        communes = _prepare_communes(communes)
    label, text, problems = _load_text(source, name)
    if text is None:
        return None, problems, label, None
    with _gc_paused():
        doc, problems = _parse(text, label)
        del text  # tens of MB for 100,000 sites: not kept while the frame is built
        if problems:
            return None, problems, label, None
        sites, problems, count = _check_features(doc, label)
        del doc  # the frame keeps the values it needs
        if communes is not None:
            problems += _check_places(sites, communes, label)
        if problems:
            return None, problems, label, count
        return _site_frame(sites), [], label, count


def read_sites(
    source, *, communes: gpd.GeoDataFrame | None = None, name: str | None = None
) -> gpd.GeoDataFrame:
    """Read a sites GeoJSON (path, bytes, or GeoJSON text) into a typed GeoDataFrame, or raise DataError listing every problem.

    Parameters
    ----------
    source : path, bytes or str
        A path (``str`` or ``Path``) to a GeoJSON file, or its content as bytes (an upload)
        or as a string starting with ``{``.
    communes : GeoDataFrame, optional
        The commune layer (``load_communes()``); when given, each site's INSEE code, dep and
        point are checked against it.
    name : str, optional
        The file name to use in messages (uploads have no path).
    """
    sites, problems, _, _ = _check_sites(source, communes, name)
    _raise_if(problems)
    return sites


def validate_sites(
    source, *, communes: gpd.GeoDataFrame | None = None, name: str | None = None
) -> list[Problem]:
    """Every problem of a sites file (empty when it is good); never raises for bad data."""
    return _check_sites(source, communes, name)[1]


def run_validate_cli(path) -> int:
    """``python -m geo validate [PATH]``: print every problem of a sites file; exit status 1 if any."""
    path = Path(path)
    label = _display(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{label}: cannot read the file: {exc.strerror or exc}")
        return 1
    try:
        communes = load_communes()
    except DataError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{label}: not checked, the commune layer did not load")
        return 1
    _, problems, label, count = _check_sites(data, communes, label)
    for problem in problems:
        print(problem)
    if problems:
        summary = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        print(f"{label}: {summary}" + (f" in {count} features" if count is not None else ""))
        return 1
    print(f"{label}: {count} sites, no problem")
    return 0
