"""Check the features of a sites GeoJSON against the site schema and the commune layer.

Two ways through the same rules (``geo.schema.SITE_FIELDS``): a good file passes the
column-wise check at once (100,000 features in a fraction of a second); on any doubt the
feature-by-feature check runs and words every problem (file, feature, field, message).
Then each site's INSEE code, département and point are checked against the communes.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import is_wgs84_name
from geo.problems import Problem, show
from geo.schema import (
    DATE_FIELDS,
    RETIRED_FIELDS,
    SITE_FIELDS,
    SOURCE_FIELDS,
    Field,
    Number,
    Text,
    types_of,
)
from geo.territories import in_france, in_france_array

# Ids longer than this do not label a feature in messages (its position does); the fast
# path, which words no message, takes only files whose ids can all be labels.
MAX_LABEL_LENGTH = 80
_NONBLANK = Text(nonblank=True)
_COORDINATE = Number(float("-inf"), float("inf"))  # any finite number


@dataclass
class _Site:
    """A feature whose structure passed: its label, point, properties, and whether its place can be checked."""

    label: str
    lon: float
    lat: float
    props: dict
    place_ok: bool


@dataclass
class Checked:
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
    def of(cls, sites: list[_Site]) -> Checked:
        return cls(
            labels=[s.label for s in sites],
            lon=np.array([s.lon for s in sites], dtype=float),
            lat=np.array([s.lat for s in sites], dtype=float),
            props=[s.props for s in sites],
            place_ok=np.array([s.place_ok for s in sites], dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.props)


# --- Feature by feature, every problem worded --------------------------------------------------


def check_crs(doc: dict, label: str) -> list[Problem]:
    """An old-style (GeoJSON 2008) ``crs`` member may only name WGS84 longitude/latitude."""
    crs = doc.get("crs")
    if crs is None:
        return []
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str):
        return [Problem(label, "", "crs", f"expected a named CRS such as 'EPSG:4326', got {show(crs)}")]
    if is_wgs84_name(name):
        return []
    return [
        Problem(
            label, "", "crs", f"coordinates must be WGS84 longitude/latitude (EPSG:4326), got {show(name)}"
        )
    ]


def feature_label(feature: object, index: int) -> str:
    """The feature as messages name it: its id (property, else GeoJSON member) if short, else its position."""
    if isinstance(feature, dict):
        props = feature.get("properties")
        prop_id = props.get("id") if isinstance(props, dict) else None
        member_id = feature.get("id")
        if isinstance(member_id, int) and not isinstance(member_id, bool):
            member_id = str(member_id)
        for fid in (prop_id, member_id):
            if isinstance(fid, str) and 0 < len(fid) <= MAX_LABEL_LENGTH:
                return fid
    return f"#{index}"


def _check_point(geometry: object, problem: Callable[[str, str], None]) -> tuple[float, float] | None:
    """The (lon, lat) of a Point geometry inside France, or None after reporting why not."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        got = geometry.get("type") if isinstance(geometry, dict) else geometry
        problem("geometry", f"expected a Point geometry, got {show(got)}")
        return None
    coords = geometry.get("coordinates")
    if not (isinstance(coords, list) and len(coords) == 2 and all(map(_COORDINATE.accepts, coords))):
        problem(
            "geometry", f"expected coordinates [longitude, latitude] as 2 finite numbers, got {show(coords)}"
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


def _field_problem(field: Field, record: dict) -> str | None:
    """What is wrong with ``record``'s value of ``field``, worded from the schema; None when it is right."""
    if field.name not in record and field.required:
        return f"missing (expected {field.expected})"
    value = record.get(field.name)
    return None if field.accepts(value) else f"expected {field.expected}, got {show(value)}"


def _jobs_without_note(jobs: object, note: object) -> bool:
    """A jobs figure must say what it counts."""
    return isinstance(jobs, int) and not isinstance(jobs, bool) and not _NONBLANK.accepts(note)


def _jobs_without_kind(jobs: object, kind: object) -> bool:
    """A jobs figure must say its kind (created, target, headcount): totals name what they add."""
    return isinstance(jobs, int) and not isinstance(jobs, bool) and kind is None


# The fields the rules between dates read: each checked alone first.
_DATE_RULE_FIELDS = {*DATE_FIELDS, "dates_source", "sources", "status", "brownfield"}


def date_problems(
    announced: str | None,
    opened: int | None,
    former_closed: int | None,
    dates_source: dict | None,
    sources: list,
    status: str,
    brownfield: bool | None,
) -> list[tuple[str, str]]:
    """(field, message) for each rule between the dates broken: every date names its source,
    a site has an opening year only once it operates, only a brownfield has a former
    activity that closed, and things happen in order (closed ≤ opened, announced ≤ opened).
    Each value is one its field accepts."""
    problems = []
    dated = {name for name, value in zip(DATE_FIELDS, (announced, opened, former_closed), strict=True)
             if value is not None}  # fmt: skip
    cited = dates_source or {}
    for name in DATE_FIELDS:
        if name in dated and name not in cited:
            problems.append(
                ("dates_source", f"no source for {name}: add {name!r}: <position of its source in sources>")
            )
        elif name in cited and name not in dated:
            problems.append(
                ("dates_source", f"a source for {name}, which is null: give the date or remove the entry")
            )
        elif name in cited and cited[name] >= len(sources):
            problems.append(
                ("dates_source", f"{name}: no source at position {cited[name]} (sources has {len(sources)})")
            )
    if opened is not None:
        if status != "operating":
            problems.append(
                (
                    "opened",
                    f"{opened} given but status is {status!r}: opened stays null until the site operates",
                )
            )
        if former_closed is not None and former_closed > opened:
            problems.append(("former_closed", f"{former_closed} is after the opening year {opened}"))
        if announced is not None and int(announced[:4]) > opened:
            problems.append(("announced", f"{announced!r} is after the opening year {opened}"))
    if former_closed is not None and brownfield is not True:
        problems.append(("former_closed", "given only for a site on a brownfield (brownfield true)"))
    return problems


def _date_problems_of(props: dict) -> list[tuple[str, str]]:
    return date_problems(
        *(props[name] for name in (*DATE_FIELDS, "dates_source", "sources", "status", "brownfield"))
    )


def _check_properties(props: dict, problem: Callable[[str, str], None]) -> set[str]:
    """Check every property against SITE_FIELDS; returns the names of the fields found wrong."""
    bad: set[str] = set()

    def report(field: str, message: str) -> None:
        bad.add(field.split("[")[0])
        problem(field, message)

    for field in SITE_FIELDS.values():
        message = _field_problem(field, props)
        if message is not None:
            report(field.name, message)
    if "geometry" in props:
        report("geometry", "'geometry' is a reserved name and cannot be a property")
    for name, message in RETIRED_FIELDS.items():
        if name in props:
            report(name, message)
    if not bad & _DATE_RULE_FIELDS:
        for name, message in _date_problems_of(props):
            report(name, message)

    if "insee" in props and props["insee"] is None and props.get("location_precision") != "departement":
        report("insee", "null is only allowed when location_precision is 'departement'")
    if _jobs_without_note(props.get("jobs"), props.get("jobs_note")):
        report("jobs_note", "required (a non-empty string) when jobs is given: say what the figure counts")
    if "jobs_kind" in props and _jobs_without_kind(props.get("jobs"), props.get("jobs_kind")):
        report("jobs_kind", "required when jobs is given: " + SITE_FIELDS["jobs_kind"].expected.split(" or null")[0])
    if SITE_FIELDS["sources"].accepts(props.get("sources")):
        for i, source in enumerate(props["sources"]):
            if not isinstance(source, dict):
                report(
                    f"sources[{i}]",
                    f"expected an object with title, publisher, date, url; got {show(source)}",
                )
                continue
            for field in SOURCE_FIELDS.values():
                message = _field_problem(field, source)
                if message is not None:
                    report(f"sources[{i}].{field.name}", message)
    return bad


def check_features(doc: object, label: str) -> tuple[Checked, list[Problem], int | None]:
    """Check the collection and each feature; returns the sites that passed, the problems, the feature count."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        got = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        problem = Problem(label, "", "type", f"expected a GeoJSON FeatureCollection, got {show(got)}")
        return Checked.of([]), [problem], None
    problems = check_crs(doc, label)
    features = doc.get("features")
    if not isinstance(features, list):
        problems.append(Problem(label, "", "features", f"expected a list of features, got {show(features)}"))
        return Checked.of([]), problems, None
    # A good file passes the column-wise check at once; on any doubt, the feature-by-feature
    # check below runs and words each problem (the fast one never finds or words any).
    checked = fast_check(features)
    if checked is not None:
        return checked, problems, len(features)
    return _check_each(features, label, problems), problems, len(features)


def _check_each(features: list, label: str, problems: list[Problem]) -> Checked:
    """The feature-by-feature check: appends every problem to ``problems``; returns the sites that passed."""
    sites: list[_Site] = []
    first_of_id: dict[str, int] = {}
    for index, feature in enumerate(features):
        fid = feature_label(feature, index)
        if fid in first_of_id:  # a repeated id names no feature: use the position
            fid = f"#{index}"

        def problem(field: str, message: str, fid: str = fid) -> None:
            problems.append(Problem(label, fid, field, message))

        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            got = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
            problem("type", f"expected a GeoJSON Feature, got {show(got)}")
            continue
        point = _check_point(feature.get("geometry"), problem)
        props = feature.get("properties")
        if not isinstance(props, dict):
            problem("properties", f"expected an object, got {show(props)}")
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
    return Checked.of(sites)


# --- Column-wise, for a good file ---------------------------------------------------------------


def _sources_ok(values: list) -> bool:
    """SOURCE_FIELDS on every source of every site at once (KeyError: a key is missing)."""
    flat = list(itertools.chain.from_iterable(values))
    if types_of(flat) != {dict}:
        return False
    # the distinct (title, publisher, date, url): sources repeat from site to site
    distinct = set(map(operator.itemgetter(*SOURCE_FIELDS), flat))
    columns = zip(*distinct, strict=True)
    return all(field.column_ok(column) for field, column in zip(SOURCE_FIELDS.values(), columns, strict=True))


def _points(features: list) -> tuple[np.ndarray, np.ndarray] | None:
    """The (lon, lat) arrays of features that are all Points with finite coordinates in France, or None."""
    get_type = operator.methodcaller("get", "type")
    if types_of(features) != {dict} or set(map(get_type, features)) != {"Feature"}:
        return None
    geometries = list(map(operator.methodcaller("get", "geometry"), features))
    if types_of(geometries) != {dict} or set(map(get_type, geometries)) != {"Point"}:
        return None
    coords = list(map(operator.methodcaller("get", "coordinates"), geometries))
    if types_of(coords) != {list} or set(map(len, coords)) != {2}:
        return None
    if not types_of(itertools.chain.from_iterable(coords)) <= {int, float}:
        return None
    xy = np.array(coords, dtype=float)  # an integer too large for a float raises OverflowError
    lon, lat = xy[:, 0], xy[:, 1]
    if not (np.isfinite(xy).all() and in_france_array(lon, lat).all()):
        return None
    return lon, lat


def _columns_ok(columns: dict[str, list]) -> bool:
    """SITE_FIELDS, the rules between fields and unique short ids, on whole columns."""
    if not all(SITE_FIELDS[name].column_ok(values) for name, values in columns.items()):
        return False
    if not _sources_ok(columns["sources"]):
        return False
    ids = columns["id"]
    if len(set(ids)) != len(ids) or max(map(len, ids)) > MAX_LABEL_LENGTH:
        return False
    insee, precision = columns["insee"], columns["location_precision"]
    if any(precision[i] != "departement" for i, code in enumerate(insee) if code is None):
        return False
    given = map(operator.is_not, columns["jobs"], itertools.repeat(None))
    notes = list(itertools.compress(columns["jobs_note"], given))  # the notes of sites with jobs
    if notes and not _NONBLANK.column_ok(set(notes)):
        return False
    kinds = itertools.compress(columns["jobs_kind"], map(operator.is_not, columns["jobs"], itertools.repeat(None)))
    if None in set(kinds):
        return False
    dates = [columns[name] for name in (*DATE_FIELDS, "dates_source", "sources", "status", "brownfield")]
    return not any(map(date_problems, *dates))


def fast_check(features: list) -> Checked | None:
    """Check every feature column-wise, or None at the first doubt (the feature-by-feature check then runs).

    Accepts exactly the features ``_check_point`` and ``_check_properties`` would accept
    without a problem, with unique ids short enough to be their own labels, and gives the
    same result; anything else (even what the slow check would accept) returns None.
    (map/itemgetter/methodcaller keep the per-feature loops in C: 100,000 features.)
    """
    if not features:
        return None
    try:
        points = _points(features)
        if points is None:
            return None
        props = list(map(operator.methodcaller("get", "properties"), features))
        if types_of(props) != {dict}:
            return None
        for reserved in ("geometry", *RETIRED_FIELDS):
            if any(map(operator.methodcaller("__contains__", reserved), props)):
                return None
        rows = list(map(operator.itemgetter(*SITE_FIELDS), props))  # KeyError: a field is missing
        columns = dict(zip(SITE_FIELDS, map(list, zip(*rows, strict=True)), strict=True))
        del rows
        if not _columns_ok(columns):
            return None
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
        return None
    return Checked(list(columns["id"]), *points, props, np.ones(len(props), dtype=bool), columns)


# --- Against the commune layer ------------------------------------------------------------------


def check_places(sites: Checked, communes: gpd.GeoDataFrame, label: str) -> list[Problem]:
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
