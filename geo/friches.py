"""Read Cerema's brownfield inventory (Cartofriches) into the friches frame, with a report.

Two formats (``geo.friches_schema.FORMATS``): the national ``friches-standard.csv`` (CNIG
columns) and Cartofriches' page export (French headers). The file is read as people save
it (``geo.csvfile``: UTF-8 with or without BOM, Latin-1 / cp1252, ``;`` or ``,``, CRLF);
``NA`` and "Non renseigné" are missing. Owners and contacts (``PRIVATE_COLUMNS``) are
never read. Each row is placed or rejected with a reason naming its row and column:

- INSEE codes are text, zero-padded (``3013`` → ``03013``; ``2A048`` kept), and a code of a
  commune merged since the file was made is mapped to the current COG through the
  geocoder's aliases (``data/communes/aliases.csv``);
- the point is checked against the commune it declares, on the real commune polygons: a
  disagreement is reported (``commune_check``), never "fixed";
- statuses and types go through the CNIG vocabularies; surfaces in m² and ha; dates read
  as ``dd/mm/yyyy`` or ISO.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import atomic
from geo.crs import as_wgs84, check_frame, require_wgs84
from geo.csvfile import InputError, decode_text, parse_text
from geo.friches_cells import (
    COMMUNE_WITH_CODE,
    missing,
    page_id,
    parse_date,
    parse_insee,
    parse_number,
    parse_point,
    repair_text,
)
from geo.friches_schema import (
    FORMATS,
    FRICHE_STATUSES,
    FRICHE_TYPES,
    PAGE,
    PARCEL,
    POLLUTION,
    REJECTIONS,
    REUSE_TYPES,
    STANDARD_COLUMNS,
    Vocabulary,
    cartofriches_url,
    friche_frame,
    is_private,
    match_friche_columns,
)
from geo.geocode import Geocoder
from geo.paths import DATA_DIR
from geo.problems import DataError, Problem, display
from geo.schema import json_ready
from geo.territories import crs_for_dep, in_france, in_france_array

FRICHES_DIR = DATA_DIR / "friches"
FRICHES_PATH = FRICHES_DIR / "friches-standard-extract-2024.csv"
ATTRIBUTION = "Cerema, Cartofriches (Licence Ouverte 2.0)"
# A point this close to the declared commune still agrees with it: the commune polygons
# are simplified at 25 m, and an inventory's point is a site's centroid, not a survey.
MISMATCH_TOLERANCE_M = 100.0


@dataclass(frozen=True)
class RowProblem:
    """Why a row was rejected (or read with a warning): its row, site_id, the file's column."""

    row: int  # 1: the first row after the header
    site_id: str
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        who = f"row {self.row}" + (f" (site_id {self.site_id!r})" if self.site_id else "")
        return f"{who}: column {self.column!r}: {self.message}"

    def problem(self, file: str) -> Problem:
        """As a ``geo.problems.Problem`` of ``file``."""
        return Problem(file, f"#{self.row}", self.column, self.message)


@dataclass
class FrichesReport:
    """What the importer did with a file: rows read, placed, rejected (by reason), by status."""

    file: str
    format: str
    rows_read: int = 0
    placed: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)  # of the placed rows
    commune_checks: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)  # insee_padded, insee_merged, text_repaired
    dropped_columns: list[str] = field(default_factory=list)  # private columns, never read
    ignored_columns: list[str] = field(default_factory=list)  # columns the schema does not use

    @property
    def by_reason(self) -> dict[str, int]:
        return dict(Counter(p.code for p in self.rejected).most_common())

    @property
    def usable(self) -> bool:
        return self.placed > 0


class FrichesResult(NamedTuple):
    friches: gpd.GeoDataFrame
    report: FrichesReport


# --- Public functions --------------------------------------------------------------------------


def read_friches(
    source,
    *,
    communes: gpd.GeoDataFrame | None = None,
    aliases: pd.DataFrame | None = None,
    geocoder: Geocoder | None = None,
    name: str | None = None,
) -> FrichesResult:
    """Read a friches file (path or bytes) into the friches frame and its report.

    Parameters
    ----------
    source : path or bytes
        ``friches-standard.csv`` (CNIG columns) or Cartofriches' page export.
    communes, aliases : optional
        The commune layer (``load_communes()``: insee, dep, reg, polygons) and the old
        codes (``load_aliases()``); read from ``data/communes/`` when not given.
    geocoder : Geocoder, optional
        For a code neither current nor an alias (a commune nouvelle that took a new code):
        the declared name in its département; built from ``data/communes/`` if needed.
    name : str, optional
        The file's name in messages (an upload has no path).

    Raises DataError (naming the file) when the file cannot be read or is not a friches
    file; a file whose every row is rejected is returned with an empty frame (``report.usable``).
    """
    label, data = _bytes_of(source, name)
    if communes is None or aliases is None:
        from geo.communes import load_aliases, load_communes

        communes = load_communes() if communes is None else communes
        aliases = load_aliases() if aliases is None else aliases
    check_frame(communes, "read_friches: communes", ("insee", "dep", "reg"))
    communes = as_wgs84(communes, "read_friches: communes")
    check_frame(aliases, "read_friches: aliases", ("alias_insee", "insee"), geo=False)
    try:
        header, rows = parse_text(decode_text(data, label), label)
    except InputError as error:
        raise DataError([Problem(label, "", "", str(error).removeprefix(f"{label}: "))]) from None
    matched = match_friche_columns(header)
    if matched is None:
        raise DataError([Problem(label, "", "", _not_friches_message(header))])
    fmt, positions = matched
    report = FrichesReport(file=label, format=fmt, rows_read=len(rows))
    report.dropped_columns = [h for h in header if is_private(h)]
    used = set(positions.values())
    report.ignored_columns = [
        h for i, h in enumerate(header) if i not in used and not is_private(h) and h.strip()
    ]
    # Owners and contacts never leave this line: only the matched columns are read.
    table = {f: [row[i] for row in rows] for f, i in positions.items()}
    del rows
    reader = _Reader(fmt, {f: header[i] for f, i in positions.items()}, report)
    records = reader.read(table, report.rows_read)
    friches = _place(records, communes, aliases, geocoder, report)
    return FrichesResult(friches, report)


def load_friches(
    path: str | PathLike | None = None, *, communes: gpd.GeoDataFrame | None = None
) -> FrichesResult:
    """The friches of ``path`` (default: the shipped extract, ``data/friches/``) and the
    report; the app caches it by path (``st.cache_data``), passing the commune layer it
    already holds as ``communes`` (else read from ``data/communes/``)."""
    return read_friches(FRICHES_PATH if path is None else Path(path), communes=communes)


def is_friches_file(data: bytes, name: str = "<upload>") -> bool:
    """Whether a file's header is a friches file's (``match_friche_columns``: either format's
    required columns): what the sidebar's upload asks before reading it as sites."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"is_friches_file: data must be bytes, not {type(data).__name__}")
    if bytes(data[:64]).lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return False  # JSON: a GeoJSON of sites
    try:
        header, _ = parse_text(decode_text(bytes(data), name), name)
    except InputError:
        return False
    return match_friche_columns(header) is not None


def friches_geojson(friches: gpd.GeoDataFrame) -> str:
    """The friches as GeoJSON text (points; dates ISO; the parcel outline left out), one
    feature per line, with the inventory's attribution; the same frame gives the same text."""
    require_wgs84(friches, "friches_geojson: friches")
    check_frame(friches, "friches_geojson: friches", ("id", "status"))
    columns = [c for c in friches.columns if c not in (friches.geometry.name, PARCEL)]
    values = {}
    for column in columns:
        series = friches[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            series = series.dt.strftime("%Y-%m-%d").astype(object).where(series.notna(), None)
        values[column] = json_ready(series)
    xs = np.round(shapely.get_x(friches.geometry.values), 6).tolist()
    ys = np.round(shapely.get_y(friches.geometry.values), 6).tolist()
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
    lines = [
        dumps(
            {
                "type": "Feature",
                "properties": {c: values[c][i] for c in columns},
                "geometry": {"type": "Point", "coordinates": [x, y]},
            }
        )
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
    head = '{"type":"FeatureCollection","name":"friches","attribution":' + dumps(ATTRIBUTION)
    return head + ',"features":[\n' + ",\n".join(lines) + ("\n" if lines else "") + "]}\n"


def write_geojson(friches: gpd.GeoDataFrame, path: str | PathLike) -> Path:
    """Write ``friches_geojson(friches)`` to ``path`` atomically (whole or not at all)."""
    return atomic.write_text(path, friches_geojson(friches))


# --- Reading the cells -------------------------------------------------------------------------


def _bytes_of(source, name: str | None) -> tuple[str, bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        return name or "<upload>", bytes(source)
    if not isinstance(source, str | PathLike):
        raise TypeError(f"read_friches: source must be a path or bytes, not {type(source).__name__}")
    path = Path(source)
    label = name or display(path)
    try:
        return label, path.read_bytes()
    except OSError as error:
        raise DataError(
            [Problem(label, "", "", f"cannot read the file: {error.strerror or error}")]
        ) from None


def _not_friches_message(header: list[str]) -> str:
    shown = ", ".join(repr(h[:30]) for h in header[:12]) + (", …" if len(header) > 12 else "")
    return (
        "not a friches file: expected the columns of friches-standard.csv (site_id, comm_insee, "
        "geompoint…) or of Cartofriches' page export ('Identifiant et lien Cartofriches', "
        f"'Commune', 'Coordonnées GPS (Longitude,Latitude)'…); found {shown or 'no column'}"
    )


# --- From the table's columns to records -------------------------------------------------------


@dataclass
class _Records:
    """The rows kept, column by column, before the commune step."""

    columns: dict[str, list] = field(default_factory=dict)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    parcel: list = field(default_factory=list)


class _Reader:
    """Reads the matched columns row by row: rejects a row with its first reason, warns on the rest."""

    TEXTS = ("name", "address", "occupation", "building_state", "zoning_type", "zoning_label",
             "urban_plan", "site_url", "source", "source_url", "producer")  # fmt: skip
    YEARS = ("activity_end_year", "reuse_year")
    LENIENT: dict[str, Vocabulary] = {"pollution": POLLUTION, "reuse_type": REUSE_TYPES}

    def __init__(self, fmt: str, columns: dict[str, str], report: FrichesReport) -> None:
        self.fmt, self.header, self.report = fmt, columns, report
        self.notes: Counter = Counter()
        self._slugs: dict[tuple[str, str], str | None] = {}  # (vocabulary, text) → slug: few distinct texts

    def slug(self, vocabulary: Vocabulary, text: str) -> str | None:
        key = (vocabulary.name, text)
        if key not in self._slugs:
            self._slugs[key] = vocabulary.slug_of(text)
        return self._slugs[key]

    def column(self, field_name: str) -> str:
        """The file's column holding a field (the standard's name when the file has none)."""
        if field_name in self.header:
            return self.header[field_name]
        if self.fmt == PAGE and field_name == "insee":
            return self.header["commune"]
        return STANDARD_COLUMNS.get(field_name, (field_name,))[0]

    def read(self, table: dict[str, list[str]], n: int) -> _Records:
        out = _Records(columns={name: [] for name in self._output_names()})
        seen: set[str] = set()
        for i in range(n):
            cells = {f: table[f][i] for f in table}
            row = i + 1
            record, rejection = self._record(cells, row, seen)
            if rejection is not None:
                self.report.rejected.append(rejection)
                continue
            seen.add(record["id"])
            for name in out.columns:
                out.columns[name].append(record.get(name))
            out.lon.append(record["lon"])
            out.lat.append(record["lat"])
            out.parcel.append(record.get("parcel"))
        self.report.notes.update(self.notes)
        return out

    @staticmethod
    def _output_names() -> list[str]:
        return ["id", "name", "friche_type", "status", "insee_declared", "commune", "address", "surface_m2",
                "surface_ha", "identified_on", "updated_on", "former_activity", "activity_end_year",
                "occupation", "buildings", "building_state", "pollution", "reuse_type", "reuse_year",
                "zoning_type", "zoning_label", "urban_plan", "site_url", "source", "source_url",
                "producer", "row"]  # fmt: skip

    def _reject(self, code: str, row: int, site_id: str, value: str = "") -> RowProblem:
        field_name, message = REJECTIONS[code]
        if value:
            message += f": {value.strip()[:60]!r}"
        return RowProblem(row, site_id, self.column(field_name), code, message)

    def _warn(self, code: str, row: int, site_id: str, field_name: str, message: str) -> None:
        self.report.warnings.append(RowProblem(row, site_id, self.column(field_name), code, message))

    def _text(self, cells: dict[str, str], name: str) -> str | None:
        cell = cells.get(name)
        if cell is None or missing(cell):
            return None
        text = cell.strip()
        fixed = repair_text(text)
        if fixed != text:
            self.notes["text_repaired"] += 1
        return fixed

    def _record(self, cells: dict[str, str], row: int, seen: set[str]) -> tuple[dict, RowProblem | None]:
        page = self.fmt == PAGE
        raw_id = self._text(cells, "id") or ""
        site_id = page_id(raw_id) if page else raw_id
        if not site_id:
            return {}, self._reject("id_missing", row, "")
        if site_id in seen:
            return {}, self._reject("id_duplicate", row, site_id, site_id)

        point_cell = cells.get("point", "")
        if missing(point_cell):
            return {}, self._reject("point_missing", row, site_id)
        point = parse_point(point_cell, self.fmt)
        if point is None:
            return {}, self._reject("point_invalid", row, site_id, point_cell)
        lon, lat = point
        if not in_france(lon, lat):
            rejection = self._reject("point_outside", row, site_id, point_cell)
            if in_france(lat, lon):
                rejection = RowProblem(rejection.row, site_id, rejection.column, rejection.code,
                                       rejection.message + " (latitude and longitude swapped?)")  # fmt: skip
            return {}, rejection

        commune = self._text(cells, "commune")
        if page:
            match = COMMUNE_WITH_CODE.fullmatch(commune or "")
            code_text = match.group(2) if match else ""
            commune = match.group(1) if match else commune
        else:
            code_text = self._text(cells, "insee") or ""
        if not code_text:
            return {}, self._reject("insee_missing", row, site_id)
        insee, padded = parse_insee(code_text)
        if insee is None:
            return {}, self._reject("insee_invalid", row, site_id, code_text)
        self.notes["insee_padded"] += padded

        vocab_slugs = {}
        for name, vocabulary, code in (("status", FRICHE_STATUSES, "status_invalid"),
                                       ("friche_type", FRICHE_TYPES, "type_invalid")):  # fmt: skip
            text = self._text(cells, name)
            slug = "unknown" if text is None else self.slug(vocabulary, text)
            if slug is None:
                return {}, self._reject(code, row, site_id, text)
            vocab_slugs[name] = slug

        record = {"id": site_id, "row": row, "insee_declared": insee, "commune": commune, "lon": lon, "lat": lat,
                  **vocab_slugs}  # fmt: skip
        for name in self.TEXTS:
            record[name] = self._text(cells, name)
        activity = self._text(cells, "former_activity")
        record["former_activity"] = "; ".join(p.strip() for p in activity.split("|")) if activity else None
        self._read_numbers(cells, record, row, site_id)
        for name, vocabulary in self.LENIENT.items():
            text = self._text(cells, name)
            slug = None if text is None else self.slug(vocabulary, text)
            if text is not None and slug is None:
                self._warn(
                    "value_unknown",
                    row,
                    site_id,
                    name,
                    f"{text[:60]!r} is not in the vocabulary: read as unknown",
                )
                slug = "unknown"
            record[name] = slug if slug is not None or name == "reuse_type" else "unknown"
        record["parcel"] = self._parcel(cells, row, site_id)
        return record, None

    def _read_numbers(self, cells: dict[str, str], record: dict, row: int, site_id: str) -> None:
        text = self._text(cells, "surface")
        surface = None if text is None else parse_number(text)
        if text is not None and (surface is None or surface < 0):
            self._warn("number_invalid", row, site_id, "surface", f"not a surface: {text[:40]!r}")
            surface = None
        if surface is not None and self.fmt == PAGE:  # hectares there, square metres in the standard
            surface *= 10_000
        record["surface_m2"] = surface
        record["surface_ha"] = None if surface is None else surface / 10_000
        for name in ("identified_on", "updated_on"):
            text = self._text(cells, name)
            date = None if text is None else parse_date(text)
            if text is not None and date is None:
                self._warn(
                    "date_invalid",
                    row,
                    site_id,
                    name,
                    f"not a date (dd/mm/yyyy or yyyy-mm-dd): {text[:40]!r}",
                )
            record[name] = None if date is None else pd.Timestamp(date)
        for name in (*self.YEARS, "buildings"):
            text = self._text(cells, name)
            if text is None:
                record[name] = None
                continue
            if name == "activity_end_year" and (date := parse_date(text)) is not None:  # activite_fin_date
                text = str(date.year)
            value = parse_number(text)
            low, high = (0, 100_000) if name == "buildings" else (1800, 2100)
            if value is None or not value.is_integer() or not low <= value <= high:
                self._warn("year_invalid" if name != "buildings" else "number_invalid", row, site_id, name,
                           f"not {'a year' if name != 'buildings' else 'a count'}: {text[:40]!r}")  # fmt: skip
                value = None
            record[name] = None if value is None else int(value)

    def _parcel(self, cells: dict[str, str], row: int, site_id: str):
        text = self._text(cells, "parcel")
        if text is None:
            return None
        geometry = shapely.from_wkt(text, on_invalid="ignore")
        ok = (
            geometry is not None
            and not geometry.is_empty
            and geometry.geom_type in ("Polygon", "MultiPolygon")
            and in_france_array(*np.array([geometry.centroid.x, geometry.centroid.y])[:, None])[0]
        )
        if not ok:
            self._warn("parcel_invalid", row, site_id, "parcel", "not a polygon in WGS84 longitude/latitude")
            return None
        return geometry


# --- The commune step --------------------------------------------------------------------------


def _place(records: _Records, communes, aliases, geocoder, report: FrichesReport) -> gpd.GeoDataFrame:
    """Current codes (aliases), the commune each point lies in, the check, and the frame."""
    columns = records.columns
    declared = columns["insee_declared"]
    n = len(declared)
    table = pd.DataFrame({"dep": communes["dep"].to_numpy(), "reg": communes["reg"].to_numpy()},
                         index=communes["insee"].to_numpy())  # fmt: skip
    # An old code maps to a current commune; a few alias rows point to no current commune.
    old = aliases[~aliases["alias_insee"].isin(table.index) & aliases["insee"].isin(table.index)]
    current_of = dict(zip(old["alias_insee"], old["insee"], strict=True))
    insee = [code if code in table.index else current_of.get(code) for code in declared]
    report.notes["insee_merged"] = sum(c is not None and c != d for c, d in zip(insee, declared, strict=True))
    unknown = [i for i, code in enumerate(insee) if code is None]
    if unknown:  # rare: the declared name, in the code's département (a commune nouvelle's new name)
        found = _codes_by_name(
            [(columns["commune"][i], _dep_of_code(declared[i])) for i in unknown], geocoder
        )
        for i, code in zip(unknown, found, strict=True):
            insee[i] = code if code in table.index else None
        report.notes["insee_by_name"] = sum(insee[i] is not None for i in unknown)

    points = shapely.points(np.array(records.lon, dtype=float), np.array(records.lat, dtype=float))
    polygons = communes.geometry.values
    codes = communes["insee"].to_numpy()
    # covered_by, not within: a point on a shared border belongs to both (the declared one wins).
    hit_point, hit_commune = shapely.STRtree(polygons).query(points, predicate="covered_by")
    in_point: list[str | None] = [None] * n
    for p, c in zip(hit_point.tolist(), codes[hit_commune].tolist(), strict=True):
        if in_point[p] is None or c == insee[p] or (in_point[p] != insee[p] and c < in_point[p]):
            in_point[p] = c

    dep_of, reg_of = table["dep"].to_dict(), table["reg"].to_dict()
    dep = [dep_of[c] if c is not None else _dep_of_code(d) for c, d in zip(insee, declared, strict=True)]
    reg = [reg_of[c] if c is not None else None for c in insee]
    distance = np.where([c is not None and c == p for c, p in zip(insee, in_point, strict=True)], 0.0, np.nan)
    far = [i for i in range(n) if insee[i] is not None and in_point[i] != insee[i]]
    if far:
        position = pd.Series(np.arange(len(codes)), index=codes)
        distance[far] = _distances_m(points[far], polygons[position[[insee[i] for i in far]].to_numpy()],
                                     [dep[i] for i in far])  # fmt: skip
    check = []
    for i in range(n):
        if insee[i] is None:
            check.append("unknown-code")
        elif distance[i] <= MISMATCH_TOLERANCE_M:
            check.append("merged" if insee[i] != declared[i] else "ok")
        else:
            check.append("no-commune" if in_point[i] is None else "mismatch")

    columns.update(
        insee=insee,
        dep=dep,
        reg=reg,
        insee_point=in_point,
        commune_check=check,
        commune_distance_m=distance.tolist(),
        cartofriches_url=[cartofriches_url(i) for i in columns["id"]],
        source_format=[report.format] * n,
    )
    parcel = records.parcel if any(p is not None for p in records.parcel) else None
    friches = friche_frame(columns, points, parcel=parcel)
    report.placed = n
    report.by_status = {s: int(v) for s, v in friches["status"].value_counts().items()}
    report.commune_checks = {s: int(v) for s, v in friches["commune_check"].value_counts().items()}
    return friches


def _codes_by_name(names: list[tuple[str | None, str]], geocoder: Geocoder | None) -> list[str | None]:
    """The current code of each (commune name, département) the geocoder resolves without doubt."""
    if geocoder is None:
        geocoder = Geocoder.from_data()
    codes = []
    for name, dep in names:
        result = geocoder.resolve(name, dep, suggest=False) if name else None
        codes.append(result.insee if result is not None and result.status == "ok" else None)
    return codes


def _dep_of_code(code: str) -> str:
    """The département of an INSEE code the COG does not know: '97' + one digit overseas."""
    return code[:3] if code.startswith("97") else code[:2]


def _distances_m(points: np.ndarray, polygons: np.ndarray, deps: list[str]) -> np.ndarray:
    """Metres from each point to its polygon, in the metric CRS of the département's territory."""
    out = np.empty(len(points))
    crs_of = np.array([crs_for_dep(d) for d in deps])
    for crs in np.unique(crs_of):
        where = crs_of == crs
        a = gpd.GeoSeries(points[where], crs=4326).to_crs(int(crs))
        b = gpd.GeoSeries(polygons[where], crs=4326).to_crs(int(crs))
        out[where] = a.distance(b, align=False).to_numpy()
    return out


__all__ = [
    "ATTRIBUTION",
    "FORMATS",
    "FRICHES_PATH",
    "FrichesReport",
    "FrichesResult",
    "RowProblem",
    "friches_geojson",
    "load_friches",
    "read_friches",
    "write_geojson",
]
