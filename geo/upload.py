"""Users' own sites: a CSV or GeoJSON upload turned into sites, with every failed row explained.

Each row is placed by, in order: ``lat``/``lon``; an ``insee`` code; a ``commune`` name
(+ ``departement``, ``code_postal``) resolved by the offline geocoder — never a guess:
an ambiguous commune is a failed row listing the candidates. Uploads live in the
caller's session; nothing here writes to disk.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.csvfile import InputError, parse_table
from geo.geocode import Geocoder
from geo.i18n import t
from geo.schema import SITE_FIELDS, match_columns, site_frame
from geo.territories import in_france
from geo.text import fold
from geo.vocab import SECTORS, STATUSES

MAX_UPLOAD_MB = 5
MAX_ROWS = 50_000

_YES = {"yes", "oui", "true", "vrai", "1", "y", "o"}
_NO = {"no", "non", "false", "faux", "0", "n"}


@dataclass(frozen=True)
class Failure:
    row: int  # 1-based row of the CSV (after the header) or feature number of the GeoJSON
    label: str  # what the row said (name or commune), for the user to find it
    reason: str  # i18n key suffix: ambiguous | not_found | no_location | bad_point | outside
    candidates: tuple[str, ...] = ()  # "Nom (dep, insee)" strings


@dataclass
class UploadResult:
    sites: gpd.GeoDataFrame
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None  # i18n key suffix of a whole-file problem
    error_detail: str = ""

    def error_text(self, lang: str) -> str:
        return t(
            f"upload_error_{self.error}", lang, detail=self.error_detail, mb=MAX_UPLOAD_MB, rows=MAX_ROWS
        )

    def failures_frame(self, lang: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                t("upload_col_row", lang): [f.row for f in self.failures],
                t("upload_col_label", lang): [f.label for f in self.failures],
                t("upload_col_reason", lang): [t(f"upload_reason_{f.reason}", lang) for f in self.failures],
                t("upload_col_candidates", lang): [", ".join(f.candidates) for f in self.failures],
            }
        )


def read_upload(
    name: str,
    data: bytes,
    *,
    geocoder: Geocoder,
    communes: gpd.GeoDataFrame,
    progress: Callable[[float], None] | None = None,
) -> UploadResult:
    """Turn an uploaded file into sites (the frame of ``geo.schema``, as ``geo.load.read_sites`` gives)."""
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        return _failed("too_big", f"{len(data) / 1024 / 1024:.1f}")
    if not data.strip():
        return _failed("empty")
    try:
        rows = _geojson_rows(data) if name.lower().endswith((".geojson", ".json")) else _csv_rows(data, name)
    except (ValueError, InputError) as problem:
        return _failed("unreadable", str(problem)[:200])
    if len(rows) > MAX_ROWS:
        return _failed("too_many_rows", str(len(rows)))
    if rows and not any(key in rows[0] for key in ("commune", "insee", "lat")):
        return _failed("no_location_column", ", ".join(rows[0].get("_columns", [])[:12]))

    anchors = communes.set_index("insee")
    sites, failures = [], []
    for number, row in enumerate(rows, start=1):
        placed = _place(row, geocoder, anchors)
        if isinstance(placed, Failure):
            failures.append(replace(placed, row=number))
        else:
            sites.append(_site(row, number, name, *placed))
        if progress and (number % 250 == 0 or number == len(rows)):
            progress(number / len(rows))
    frame = _frame(sites)
    frame, outside = _drop_outside(frame, communes)
    failures.extend(outside)
    failures.sort(key=lambda f: f.row)
    return UploadResult(frame, failures)


def _failed(error: str, detail: str = "") -> UploadResult:
    return UploadResult(_frame([]), [], error, detail)


# -- reading ----------------------------------------------------------------------------------------


def _csv_rows(data: bytes, name: str) -> list[dict]:
    header, records = parse_table(data, name)
    mapping = match_columns(header)
    return [{"_columns": header, **{key: record[i] for key, i in mapping.items()}} for record in records]


def _geojson_rows(data: bytes) -> list[dict]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise ValueError(f"invalid JSON: {problem}") from None
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        raise ValueError("not a GeoJSON FeatureCollection")
    rows = []
    for feature in doc["features"]:
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        keys = list(props)
        row = {field: props[keys[i]] for field, i in match_columns([str(k) for k in keys]).items()}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or []
            if isinstance(coords, list) and len(coords) >= 2:
                row["lon"], row["lat"] = coords[0], coords[1]
            else:
                row["lon"] = row["lat"] = "?"
        row["_columns"] = ["geometry", *props]
        rows.append(row)
    return rows


# -- placing a row -------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value: object) -> float | None:
    text = _text(value).replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _place(
    row: dict, geocoder: Geocoder, anchors: pd.DataFrame
) -> tuple[float, float, str, str | None] | Failure:
    """(lon, lat, precision, insee) of a row, or why it cannot be placed.

    Columns are found by ``geo.schema.COLUMN_ALIASES`` (the same as ``python -m geo geocode``).
    """
    label = _text(row.get("name")) or _text(row.get("commune")) or _text(row.get("insee"))
    if _text(row.get("lat")) or _text(row.get("lon")):
        lon, lat = _number(row.get("lon")), _number(row.get("lat"))
        if lon is None or lat is None:
            return Failure(0, label, "bad_point")
        if not in_france(lon, lat):
            return Failure(0, label, "outside")
        return lon, lat, "site", None
    commune = _text(row.get("insee")) or _text(row.get("commune"))
    if not commune:
        return Failure(0, label, "no_location")
    result = geocoder.resolve(
        commune,
        departement=_text(row.get("departement")) or None,
        code_postal=_text(row.get("code_postal")) or None,
    )
    if result.status == "ok":
        anchor = anchors.loc[result.insee]
        return float(anchor["lon"]), float(anchor["lat"]), "commune", result.insee
    codes = result.candidates if result.status == "ambiguous" else tuple(s[0] for s in result.suggestions)
    names = [f"{anchors.at[c, 'nom']} ({anchors.at[c, 'dep']}, {c})" for c in codes if c in anchors.index]
    return Failure(0, label, result.status, tuple(names))


def _site(row: dict, number: int, file_name: str, lon: float, lat: float, precision: str, insee) -> dict:
    sector = _vocab(row.get("sector"), SECTORS, "other")
    status = _vocab(row.get("status"), STATUSES, "announced")
    jobs = _number(row.get("jobs"))
    flag = fold(_text(row.get("brownfield")))
    year = _number(row.get("year"))
    return {
        "id": f"upload-{number}",
        "name": _text(row.get("name")) or _text(row.get("commune")) or f"#{number}",
        "company": _text(row.get("company")) or None,
        "activity": _text(row.get("activity")),
        "sector": sector,
        "status": status,
        "insee": insee,
        "commune": _text(row.get("commune")) or None,
        "dep": _text(row.get("departement")) or None,
        "jobs": int(jobs) if jobs is not None and jobs >= 0 else None,
        "jobs_note": "Chiffre fourni dans le fichier importé" if jobs is not None else None,
        "brownfield": True if flag in _YES else False if flag in _NO else None,
        "brownfield_history": None,
        "investment_eur": _number(row.get("investment_eur")),
        "surface_m2": None,
        "year": int(year) if year is not None and 1900 <= year <= 2100 else None,
        "location_precision": precision,
        "sources": [{"title": file_name, "publisher": "Fichier importé", "date": "", "url": None}],
        "geometry": Point(lon, lat),
    }


def _vocab(value: object, terms: dict, default: str) -> str:
    text = fold(_text(value))
    for slug, term in terms.items():
        if text in {slug, fold(term.fr), fold(term.en)}:
            return slug
    return default


def _frame(sites: list[dict]) -> gpd.GeoDataFrame:
    """The sites as the schema's frame (``geo.schema.site_frame``)."""
    columns = {name: [site[name] for site in sites] for name in SITE_FIELDS}
    return site_frame(columns, [site["geometry"] for site in sites])


def _drop_outside(
    frame: gpd.GeoDataFrame, communes: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Failure]]:
    """Points given by lat/lon must fall in a French commune (not at sea, not abroad)."""
    if frame.empty:
        return frame, []
    hits = gpd.sjoin(frame[["geometry"]], communes[["insee", "geometry"]], predicate="covered_by", how="left")
    inside = hits.groupby(level=0)["insee"].first().notna().reindex(frame.index)
    failures = [
        Failure(int(site_id.split("-")[1]), name, "outside")
        for site_id, name in zip(frame.loc[~inside, "id"], frame.loc[~inside, "name"], strict=True)
    ]
    return frame.loc[inside].reset_index(drop=True), failures
