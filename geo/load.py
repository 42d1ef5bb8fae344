"""Read a sites GeoJSON into the typed frame of ``geo.schema``, or say every problem (file, feature, field).

The checks themselves live in ``geo.validate``; the commune layers' readers in
``geo.communes`` (re-exported here, where the app, the map and the bench import them).
"""

from __future__ import annotations

import contextlib
import gc
import json
import operator
import re
from collections.abc import Iterator
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.communes import (  # noqa: F401  (re-exported: the app, the map and the bench read them here)
    load_aliases,
    load_communes,
    load_departements,
    load_national_communes,
    load_postal_codes,
    load_regions,
)
from geo.crs import as_wgs84, check_frame
from geo.problems import DataError, Problem, display, raise_if
from geo.schema import SITE_FIELDS, site_frame, types_of
from geo.territories import in_france  # noqa: F401  (re-exported)
from geo.validate import Checked, check_features, check_places, feature_label

__all__ = ["DataError", "Problem", "read_sites", "validate_sites"]


def _load_text(source, name: str | None) -> tuple[str, str | None, list[Problem]]:
    """Get the GeoJSON text from a path, bytes, or a string of GeoJSON; returns (label, text, problems)."""
    if isinstance(source, bytes | bytearray | memoryview):
        label, data = name or "<upload>", bytes(source)
    elif isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        return name or "<GeoJSON text>", source, []
    elif isinstance(source, str | PathLike):
        path = Path(source)
        label = name or display(path)
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
        doc = json.loads(text)
        if _SURROGATE_ESCAPE.search(text):  # rare: only then is the document walked
            return doc, _lone_surrogates(doc, label)
        return doc, []
    except json.JSONDecodeError as exc:
        return None, [
            Problem(label, "", "", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        ]
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4,300 digits, absurd nesting
        return None, [Problem(label, "", "", f"invalid JSON: {exc.__class__.__name__}")]


# A JSON escape of half a UTF-16 pair ("\ud800"); a valid pair (an emoji) also matches.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogates(doc: object, label: str) -> list[Problem]:
    """Text that UTF-8 cannot encode (a lone surrogate): the page, the map and the exports would
    all fail on it, so the file is refused, naming the feature and the property."""
    features = doc.get("features") if isinstance(doc, dict) else None
    if not _encodes(doc):
        if not isinstance(features, list) or _encodes(features):
            return [Problem(label, "", "", _SURROGATE_MESSAGE)]
    problems = []
    for index, feature in enumerate(features if isinstance(features, list) else []):
        if _encodes(feature):
            continue
        props = feature.get("properties") if isinstance(feature, dict) else None
        bad = (
            [key for key, value in props.items() if not _encodes({key: value})]
            if isinstance(props, dict)
            else []
        )
        fields = [key.encode("utf-8", "backslashreplace").decode("utf-8") for key in bad] or [""]
        where = feature_label(feature, index).encode("utf-8", "backslashreplace").decode("utf-8")
        problems += [Problem(label, where, field, _SURROGATE_MESSAGE) for field in fields]
    return problems


_SURROGATE_MESSAGE = (
    "text holds a lone UTF-16 surrogate (a broken \\ud800-\\udfff escape), which UTF-8 cannot encode"
)


def _encodes(value: object) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except (RecursionError, TypeError, ValueError):
        return True  # not this check's business
    return True


def _site_frame(sites: Checked) -> gpd.GeoDataFrame:
    """One row per site (``geo.schema.site_frame``), the extra properties after the schema's fields.

    Texts are copied out of the parsed document, equal ones into one shared object (the
    frame is read-only), so that the document's memory is freed whole once it is dropped:
    scattered survivors would pin it (with 100,000 sites, some 250 MB of the process).
    """
    extras: list[str] = []
    for keys in dict.fromkeys(tuple(p) for p in sites.props):  # key orders in order of appearance
        extras += [k for k in keys if k not in SITE_FIELDS and k not in extras]
    known = sites.columns or {}
    columns = {}
    for name in [*SITE_FIELDS, *extras]:
        values = known[name] if name in known else [p.get(name) for p in sites.props]
        field = SITE_FIELDS.get(name)
        if name == "sources":
            values = _shared_sources(values)
        elif name == "dates_source":
            values = _shared_dates_sources(values)
        elif field is None or field.dtype == "object":
            # SITE_FIELDS' texts are validated (str or None); an extra property may hold anything.
            fresh = _fresh_texts(values, checked=field is not None)
            values = fresh if fresh is not None else values
        columns[name] = values
    points = shapely.points(np.column_stack([sites.lon, sites.lat]).reshape(-1, 2))
    return site_frame(columns, points)


def _copy_text(text: str) -> str:
    return "".join((text, ""))  # a new object (a one-item join would return ``text`` itself)


def _fresh_texts(values: list, *, checked: bool = False) -> np.ndarray | None:
    """``values`` (strings and None) as an object array of new strings, one per distinct text;
    None when other types are present (``checked``: the caller knows they are not)."""
    if not checked and not types_of(values) <= {str, type(None)}:
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


def _shared_dates_sources(values: list) -> np.ndarray:
    """The ``dates_source`` objects (validated: None or {date field: int}), rebuilt; equal ones share one."""
    shared: dict[tuple, dict] = {}
    out = []
    for cited in values:
        if cited is None:
            out.append(None)
            continue
        key = tuple(cited.items())
        hit = shared.get(key)
        if hit is None:
            hit = shared[key] = {_copy_text(k): v for k, v in key}
        out.append(hit)
    return np.fromiter(out, dtype=object, count=len(out))


def _prepare_communes(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    check_frame(communes, "communes", ("insee", "dep"))
    return as_wgs84(communes, "communes")


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


def check_sites(source, communes, name) -> tuple[gpd.GeoDataFrame | None, list[Problem], str, int | None]:
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
        sites, problems, count = check_features(doc, label)
        del doc  # the frame keeps the values it needs
        if communes is not None:
            problems += check_places(sites, communes, label)
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
    sites, problems, _, _ = check_sites(source, communes, name)
    raise_if(problems)
    return sites


def validate_sites(
    source, *, communes: gpd.GeoDataFrame | None = None, name: str | None = None
) -> list[Problem]:
    """Every problem of a sites file (empty when it is good); never raises for bad data."""
    return check_sites(source, communes, name)[1]
