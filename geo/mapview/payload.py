"""The wire format between Python and the runtime: named fields, one reference decoder.

The shapes are declared here as TypedDicts and in ``static/decode.js`` (its header); the
decoder functions below (:func:`site_records`, :func:`select`, :func:`commune_records`)
read a payload exactly as ``decode.js`` does, and both test suites run them against the
same golden payloads (``tests/js/golden/``).

Columns, not records: a payload holds one list per field, one entry per site or commune
(100,000 sites are lists of numbers and indices, not 100,000 objects).
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import partial
from typing import NotRequired, TypedDict

import numpy as np
import orjson
import pandas as pd
import shapely

from geo.encode import StringTable
from geo.mapview import styles
from geo.mapview.cards import SITE_HEAD, CardTexts
from geo.vocab import SECTORS

# 1e-5° is about 1 m: finer than any site position we draw, and it halves the payload.
COORD_DECIMALS = 5
# Card rows that are usually a marker text already (then sent as a reference to it).
_SAME_AS = {"f_place": "place", "f_insee": "insee"}


class Column(TypedDict, total=False):
    """One text per entry: ``table`` (index into the string table, -1: none), ``text``
    (escaped text or None), or ``same`` (the name of another column, or ``ids``)."""

    key: str
    table: list[int]
    text: list[str | None]
    same: str


class SitePayload(TypedDict):
    """Sites drawn by ``ReindusMap.addSites`` (in the page, or a served file's content)."""

    ids: list[str]
    lon: list[int]  # degrees × 10**coord_decimals
    lat: list[int]
    coord_decimals: int
    sector_slugs: list[str]  # what ``sector`` indexes
    sector: list[int]
    radius_tenths: list[int]  # marker radius, tenths of a pixel
    unknown_jobs: list[int]  # 0 or 1: drawn hollow and dashed
    departement: list[int]  # 0 or 1: located to the département only (halo)
    upload: list[int]  # 0 or 1: a user's uploaded site (own layer, dark stroke)
    name: Column
    place: Column
    jobs_text: Column
    sub: Column
    insee: Column
    rows: list[Column]  # the card rows, labelled by the runtime config's ``labels[key]``
    group_of_sector: NotRequired[list[int]]  # feature group of each sector (-1: none)
    group_of_upload: NotRequired[int]
    strings: NotRequired[list[str]]  # its own string table (a served file)


class ServedSites(TypedDict):
    """Sites of a served file (``geo.served``): those the bit mask ``selection`` marks."""

    file: str  # URL of the gzip-compressed SitePayload (with its ``strings``)
    selection: str | None  # base64, bit i % 8 of byte i // 8 for site i; None: all
    count: int
    group_of_sector: list[int]
    group_of_upload: int


class AreaPayload(TypedDict, total=False):
    """Polygons drawn by ``ReindusMap.addAreas``: outlines, or communes with their texts."""

    decimals: int
    rings: list  # per polygon: [[encoded ring, ...], ...] (geo.encode), [] for none
    fill_class: list[int]  # communes: index into the class colours, -1: no known jobs
    name: Column
    jobs_text: Column
    rows: list[Column]
    insee_row: int  # which of ``rows`` holds the INSEE code


# --------------------------------------------------------------------------- encoders


def lon_lat(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of point geometries."""
    return shapely.get_x(points), shapely.get_y(points)


def flag_columns(sites: pd.DataFrame) -> dict[str, np.ndarray]:
    """The three 0/1 columns of a site payload: unknown jobs, département precision, upload."""
    jobs = _jobs(sites)
    departement = (
        sites["location_precision"].eq("departement").fillna(False).to_numpy(bool)
        if "location_precision" in sites
        else np.zeros(len(sites), bool)
    )
    return {"unknown_jobs": jobs.isna().to_numpy(), "departement": departement, "upload": uploads(sites)}


def uploads(frame: pd.DataFrame) -> np.ndarray:
    """Which rows are the user's uploaded sites (``layer == 'upload'``)."""
    if "layer" not in frame:
        return np.zeros(len(frame), bool)
    return frame["layer"].eq("upload").fillna(False).to_numpy(bool)


def _jobs(sites: pd.DataFrame) -> pd.Series:
    if "jobs" in sites:
        return pd.to_numeric(sites["jobs"], errors="coerce").astype(float)
    return pd.Series(np.nan, index=sites.index)


def site_payload(sites, rows: np.ndarray, cards: CardTexts, table: StringTable) -> SitePayload:
    """The payload of the sites (``rows``: their rows of ``cards.codes``); ``table`` gets their texts."""
    lon, lat = lon_lat(np.asarray(sites.geometry.values))
    scale = 10**COORD_DECIMALS
    columns = _text_columns(rows, cards, table)
    ids = sites["id"].astype(str).tolist()
    if "f_id" in columns and not any(ch in "\n".join(ids) for ch in "&<>\"'"):
        columns["f_id"] = {"key": "f_id", "same": "ids"}  # nothing to escape in the ids
    flags = flag_columns(sites)
    return {
        "ids": ids,
        "lon": np.rint(lon * scale).astype(np.int64).tolist(),
        "lat": np.rint(lat * scale).astype(np.int64).tolist(),
        "coord_decimals": COORD_DECIMALS,
        "sector_slugs": list(SECTORS),
        "sector": pd.Categorical(sites["sector"], categories=list(SECTORS)).codes.tolist(),
        "radius_tenths": np.rint(styles.radii_px(_jobs(sites)) * 10).astype(np.int64).tolist(),
        **{k: v.astype(np.int8).tolist() for k, v in flags.items()},
        **{k: columns[k] for k in SITE_HEAD},
        "rows": [v for k, v in columns.items() if k not in SITE_HEAD],
    }


def _text_columns(rows: np.ndarray, cards: CardTexts, table: StringTable) -> dict[str, Column]:
    """The marker texts and the card rows some site of ``rows`` has, in ``cards`` order."""
    present = (rows >= 0).any(axis=0)
    wanted, same = [], {}
    for j, key in enumerate(cards.keys):
        if key not in SITE_HEAD and not present[j]:
            continue  # a card row no site of this selection has
        ref = _SAME_AS.get(key)
        if ref and np.array_equal(rows[:, j], rows[:, cards.keys.index(ref)]):
            same[key] = {"key": key, "same": ref}  # the marker's own text: not sent twice
        else:
            wanted.append(key)
    columns = cards.columns(rows, table, wanted)
    return {k: same.get(k) or columns[k] for k in cards.keys if k in same or k in columns}


def selection_mask(positions: np.ndarray, n: int) -> str | None:
    """Which of a file's ``n`` sites a map shows: a bit per site (bit ``i % 8`` of byte
    ``i // 8``), in base64; None for all of them."""
    mask = np.zeros(n, dtype=bool)
    mask[positions] = True
    if mask.all():
        return None
    return base64.b64encode(np.packbits(mask, bitorder="little").tobytes()).decode("ascii")


def to_json(value: object) -> str:
    """JSON for inside a <script>: ``<`` ``>`` and U+2028/2029 escaped, as jinja's tojson does.

    orjson: the payloads are lists of 100,000 numbers and texts, ~10x faster than json.
    """
    return script_safe(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode())


def script_safe(json_text: str) -> str:
    return (
        json_text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def area_json(payload: AreaPayload, shapes: list[str | None]) -> str:
    """An area payload with its encoded rings (JSON already: pasted in, not parsed again)."""
    rings = ",".join(s if s is not None else "[]" for s in shapes)
    head = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return script_safe(head[:-1] + ("," if payload else "") + f'"rings":[{rings}]}}')


# A served file (geo.served) is JSON lines: the markers' part of its payload on the first
# line (what drawing them needs), the rest (the card texts, their string table) on the next.
# The browser draws the markers once the first line is read, before the texts are parsed
# (issue 14: at 100,000 sites the texts are three quarters of the file).
SITE_MARKER_PART = ("ids", "lon", "lat", "coord_decimals", "sector_slugs", "sector", "radius_tenths",
                    "unknown_jobs", "departement", "upload")  # fmt: skip


def json_lines(payload: dict, first: tuple[str, ...]) -> bytes:
    """``payload`` as two JSON documents, one a line: its ``first`` keys, then the others."""
    head = {k: payload[k] for k in first if k in payload}
    rest = {k: v for k, v in payload.items() if k not in head}
    dump = partial(orjson.dumps, option=orjson.OPT_SERIALIZE_NUMPY)
    return dump(head) + b"\n" + dump(rest)  # (orjson never writes a raw newline)


def read_json_lines(data: bytes) -> dict:
    """A served file's payload: its lines' documents, merged (decode.js reads them one by one)."""
    out: dict = {}
    for line in data.split(b"\n"):
        if line.strip():
            out.update(orjson.loads(line))
    return out


def digest(text: str) -> str:
    """A short hash of a payload. streamlit_folium keys its component on the map script:
    other data must give another script, hence another map."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


# --------------------------------------------------------------------------- reference decoder


def value(strings: list[str], col: Column | None, i: int, payload: dict) -> str | None:
    """A column's text for entry ``i``, as decode.js's ``value`` reads it."""
    if col is None:
        return None
    if "same" in col:
        ref = payload[col["same"]]
        return ref[i] if isinstance(ref, list) else value(strings, ref, i, payload)
    if "text" in col:
        return col["text"][i]
    j = col["table"][i]
    return None if j < 0 else strings[j]


def selection_indices(mask: str | None) -> list[int] | None:
    """The entries a selection bit mask marks; None: all."""
    if mask is None:
        return None
    return [b * 8 + k for b, byte in enumerate(base64.b64decode(mask)) for k in range(8) if byte >> k & 1]


_SITE_COLUMNS = ("ids", "lon", "lat", "sector", "radius_tenths", "unknown_jobs", "departement", "upload")


def select(file: dict, served: ServedSites) -> dict:
    """The site payload of a served selection: the file's sites its mask marks."""
    idx = selection_indices(served["selection"])

    def pick(a: list) -> list:
        return a if idx is None else [a[i] for i in idx]

    def col(c: Column) -> Column:
        if "same" in c:
            return c
        key = "text" if "text" in c else "table"
        return {"key": c["key"], key: pick(c[key])}  # type: ignore[misc]

    out = {"strings": file["strings"], "sector_slugs": file["sector_slugs"],
           "coord_decimals": file["coord_decimals"], "rows": [col(c) for c in file["rows"]]}  # fmt: skip
    out |= {k: pick(file[k]) for k in _SITE_COLUMNS}
    out |= {k: col(file[k]) for k in SITE_HEAD}
    return out | {"group_of_sector": served["group_of_sector"], "group_of_upload": served["group_of_upload"]}


def group_of(p: dict, i: int) -> int:
    """The layer (feature group index) of site ``i``: its sector's, or the uploads' one."""
    return p["group_of_upload"] if p["upload"][i] else p["group_of_sector"][p["sector"][i]]


def marker_class(p: dict, i: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", p["ids"][i])
    return f"site-marker site-{safe} sector-{p['sector_slugs'][p['sector'][i]]}"


def site_records(p: dict, strings: list[str] | None = None) -> list[dict]:
    """Every site of a payload as a plain record (decode.js's ``siteRecords``)."""
    table = p.get("strings") or strings or []
    scale = 10 ** p["coord_decimals"]
    out = []
    for i, id_ in enumerate(p["ids"]):
        rec = {
            "id": id_, "sector": p["sector_slugs"][p["sector"][i]], "group": group_of(p, i),
            "lon": p["lon"][i] / scale, "lat": p["lat"][i] / scale, "radius": p["radius_tenths"][i] / 10,
            "unknown_jobs": bool(p["unknown_jobs"][i]), "departement": bool(p["departement"][i]),
            "upload": bool(p["upload"][i]), "className": marker_class(p, i), "rows": [],
        }  # fmt: skip
        rec |= {k: value(table, p.get(k), i, p) for k in SITE_HEAD}
        rec["rows"] = [[c["key"], v] for c in p["rows"] if (v := value(table, c, i, p)) is not None]
        out.append(rec)
    return out


def commune_records(p: dict, strings: list[str]) -> list[dict]:
    """Every commune of an area payload as a plain record (decode.js's ``communeRecords``)."""
    return [
        {
            "insee": value(strings, p["rows"][p["insee_row"]], i, p),
            "fill_class": p["fill_class"][i],
            "name": value(strings, p["name"], i, p),
            "jobs_text": value(strings, p["jobs_text"], i, p),
            "rows": [[c["key"], v] for c in p["rows"] if (v := value(strings, c, i, p)) is not None],
        }
        for i in range(len(p["rings"]))
    ]
