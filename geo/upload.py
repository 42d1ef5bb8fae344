"""Users' own sites: a CSV or GeoJSON upload turned into sites, with every failed row explained.

Each row is placed by, in order: ``lat``/``lon`` (a GeoJSON point); an ``insee`` code; a
``commune`` name (+ ``departement``, ``code_postal``) resolved by the offline geocoder —
never a guess: an ambiguous commune is a failed row listing the candidates. Each distinct
(commune, département, postal code) is resolved once, and close names are looked for
for at most ``MAX_FUZZY_SEARCHES`` unknown names per upload, so that a file of 50,000
unknown names does not hold the server. A value the schema does not accept (jobs of
``1e20`` or ``-5``) is set aside with a row warning, and so is what was read with some
liberty: a sector word none of ``SECTOR_WORDS`` knows (filed under "other"), an approximate
jobs figure ("env. 300"), swapped latitude and longitude; amounts may carry their unit ("15 M€",
or the column's: "Investissement (M€)"); a postal code alone is placed like a commune; the
columns no field reads are listed in the notes. A whole-file problem is one error,
worded in the user's language. Uploads live in the caller's session; nothing here
writes to disk.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.csvfile import InputError, decode_text, parse_text
from geo.geocode import Geocoder
from geo.i18n import fmt_int, t
from geo.schema import DATE_FIELDS, SITE_FIELDS, match_columns, site_frame
from geo.territories import in_france
from geo.text import fold
from geo.upload_cells import (  # noqa: F401 (SECTOR_WORDS: the upload's API too)
    SECTOR_WORDS,
    _cell,
    _clean,
    _jobs_kind,
    _number,
    _scalar,
    _schema_date,
    _schema_number,
    _sector,
    _text,
    _vocab,
)
from geo.validate import date_problems
from geo.vocab import STATUSES

MAX_UPLOAD_MB = 5
MAX_ROWS = 50_000
# Unknown names searched for close ones (~0.4 ms each) per upload: at most ~0.4 s of CPU.
# Past it, unknown names are reported without suggestions, and the result says how many.
MAX_FUZZY_SEARCHES = 1_000
# Values of the schema's numeric fields an upload reads; one the field's rule refuses is a
# row warning ("bad_<field>"), the site being placed without it.
CHECKED_NUMBERS = ("jobs", "investment_eur")
# The dates an upload reads (geo.schema.DATE_FIELDS): a year, a year and month or a full
# date (kept to the month for ``announced``, to the year for the others); one the schema
# refuses, or one that breaks the rules between dates (geo.validate.date_problems: a former
# activity closed only on a brownfield, in order), is a row warning ("bad_<field>") too.
# An opening year with no status says the site is open (status "operating"); an opening
# year after this one is not an opening.
CHECKED_DATES = DATE_FIELDS

_YES = {"yes", "oui", "true", "vrai", "1", "y", "o"}
_NO = {"no", "non", "false", "faux", "0", "n"}
_UNKNOWN = {"nc", "n.c.", "n.c", "?", "-", "inconnu", "unknown", "non renseigne", "ne sait pas", "na", "n/a"}
_LOCATION_FIELDS = {"commune", "insee", "lat", "lon", "code_postal"}
_PROGRESS_EVERY = 250


@dataclass(frozen=True)
class Failure:
    """A row not placed (``UploadResult.failures``) or placed with a value set aside (``warnings``)."""

    row: int  # 1-based row of the CSV (after the header) or feature number of the GeoJSON
    label: str  # what the row said (name or commune), for the user to find it
    # i18n key suffix (upload_reason_…). Not placed: ambiguous | not_found | no_location |
    # bad_point | outside | not_point. Warnings: bad_<field> for CHECKED_NUMBERS and CHECKED_DATES.
    reason: str
    candidates: tuple[str, ...] = ()  # "Nom (dep, insee)" strings
    value: str = ""  # the value as the file gave it (a row not placed: what it was to be placed by)
    fields: tuple[str, ...] = ()  # the fields that value comes from (geo.schema names; lat/lon, geometry)


@dataclass
class UploadResult:
    sites: gpd.GeoDataFrame
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None  # i18n key suffix of a whole-file problem (upload_error_…)
    error_detail: str = ""
    warnings: list[Failure] = field(default_factory=list)  # rows placed, a value set aside
    # error "unreadable": why (i18n upload_unreadable_<why>) and the figures its text names
    error_why: str = ""
    error_args: dict = field(default_factory=dict)
    unsuggested: int = 0  # unknown names left without suggestions (MAX_FUZZY_SEARCHES reached)
    ignored_columns: list[str] = field(default_factory=list)  # the file's columns no field reads
    # Where the user finds a row: its number as a spreadsheet shows it (``file_rows[row - 1]``;
    # a CSV's header is row 1), or its feature number in a GeoJSON; the file's column of each field.
    file_rows: list[int] = field(default_factory=list)
    geojson: bool = False
    column_names: dict[str, str] = field(default_factory=dict)

    def file_row(self, row: int) -> int:
        """The number the user's file gives ``row`` (a Failure's): the spreadsheet's row, or the feature's."""
        return self.file_rows[row - 1] if 0 < row <= len(self.file_rows) else row

    def row_header(self, lang: str) -> str:
        return t("upload_col_feature" if self.geojson else "upload_col_row", lang)

    def error_text(self, lang: str) -> str:
        detail = self.error_detail
        if self.error_why:
            detail = t(f"upload_unreadable_{self.error_why}", lang, **self.error_args)
        if self.error == "too_big" and lang == "fr":  # (the size as French writes it: 5,7 Mo)
            detail = detail.replace(".", ",")
        return t(f"upload_error_{self.error}", lang, detail=detail, mb=MAX_UPLOAD_MB, rows=fmt_int(MAX_ROWS, lang))

    def failures_frame(self, lang: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                self.row_header(lang): [self.file_row(f.row) for f in self.failures],
                t("upload_col_label", lang): [f.label for f in self.failures],
                t("upload_col_reason", lang): [t(f"upload_reason_{f.reason}", lang) for f in self.failures],
                t("upload_col_candidates", lang): [", ".join(f.candidates) for f in self.failures],
            }
        )

    def warnings_frame(self, lang: str) -> pd.DataFrame:
        """The rows placed with a value set aside (title: ``upload_warning_rows``)."""
        return pd.DataFrame(
            {
                self.row_header(lang): [self.file_row(w.row) for w in self.warnings],
                t("upload_col_label", lang): [w.label for w in self.warnings],
                t("upload_col_reason", lang): [t(f"upload_reason_{w.reason}", lang) for w in self.warnings],
                t("upload_col_value", lang): [w.value for w in self.warnings],
            }
        )

    def notes(self, lang: str) -> list[str]:
        """What else the user should know about how the file was read: the columns ignored,
        the names left without suggestions."""
        notes = []
        if self.ignored_columns:
            shown = ", ".join(f"« {c} »" if lang == "fr" else f"'{c}'" for c in self.ignored_columns[:20])
            more = len(self.ignored_columns) - 20
            notes.append(t("upload_ignored_columns", lang, columns=shown + (f" (+{more})" if more > 0 else "")))
        if not self.unsuggested:
            return notes
        return notes + [
            t(
                "upload_suggestions_capped",
                lang,
                n=fmt_int(MAX_FUZZY_SEARCHES, lang),
                more=fmt_int(self.unsuggested, lang),
            )
        ]


def read_upload(
    name: str,
    data: bytes,
    *,
    geocoder: Geocoder,
    communes: gpd.GeoDataFrame,
    progress: Callable[[float], None] | None = None,
) -> UploadResult:
    """Turn an uploaded file into sites (the frame of ``geo.schema``, as ``geo.load.read_sites`` gives).

    ``progress(fraction)`` is called as the rows are placed, last with 1.0.
    """
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        return _failed("too_big", f"{len(data) / 1024 / 1024:.1f}")
    if not data.strip():
        return _failed("empty")
    try:
        table = _read_table(name, data)
    except InputError as problem:
        if problem.code == "empty":
            return _failed("empty")
        return _failed("unreadable", str(problem)[:200], why=problem.code, **problem.details)
    except _Unreadable as problem:
        return _failed("unreadable", why=problem.why, **problem.details)
    if len(table.rows) > MAX_ROWS:
        return _failed("too_many_rows", str(len(table.rows)))
    if not table.rows and (table.geojson or table.fields & _LOCATION_FIELDS):
        return _failed("no_rows")  # (a CSV header without a location column says so first)
    if not table.fields & _LOCATION_FIELDS:
        if table.other_geometries:
            return _failed("not_points", ", ".join(sorted(table.other_geometries)))
        return _failed("no_location_column", ", ".join(table.columns[:12]))
    result = _place_all(table.rows, _clean(name), geocoder, communes, progress)
    result.ignored_columns = table.ignored
    result.file_rows, result.geojson, result.column_names = table.file_rows, table.geojson, table.names
    return result


def _failed(error: str, detail: str = "", why: str = "", **args: object) -> UploadResult:
    return UploadResult(_frame([]), [], error, detail, error_why=why, error_args=args)


# -- reading ----------------------------------------------------------------------------------------


@dataclass
class _Table:
    columns: list[str]  # the file's column (property) names, for messages
    rows: list[dict]  # field → value (geo.schema.COLUMN_ALIASES), plus "_geometry" for a non-point
    fields: set[str]  # the fields found in the header (GeoJSON: in any feature; a point is lat/lon)
    other_geometries: Counter = field(default_factory=Counter)  # GeoJSON geometry types not Point
    geojson: bool = False
    ignored: list[str] = field(default_factory=list)  # column (property) names no field reads
    file_rows: list[int] = field(default_factory=list)  # each row's number in a spreadsheet (CSV)
    names: dict[str, str] = field(default_factory=dict)  # field → the file's column (property) name


class _Unreadable(Exception):
    """A file that is text but not a GeoJSON the upload reads: ``why`` (upload_unreadable_<why>)."""

    def __init__(self, why: str, **args: object) -> None:
        super().__init__(why)
        self.why, self.details = why, args


def _read_table(name: str, data: bytes) -> _Table:
    text = decode_text(data, name)  # UTF-8, UTF-16/32, Excel's cp1252; refuses binary files
    # By its content as well as its name: a GeoJSON saved as .csv is read as what it is.
    if name.lower().endswith((".geojson", ".json")) or text.lstrip("\ufeff \t\r\n").startswith("{"):
        return _geojson_table(text)
    return _csv_table(text, name)


def _csv_table(text: str, name: str) -> _Table:
    file_rows: list[int] = []
    header, records = parse_text(text, name, row_numbers=file_rows)
    mapping = match_columns(header)
    rows = [{key: record[i] for key, i in mapping.items()} for record in records]
    read = set(mapping.values())
    ignored = [str(h).strip() or f"#{i + 1}" for i, h in enumerate(header) if i not in read]
    names = {key: str(header[i]).strip() for key, i in mapping.items()}
    return _Table(header, rows, set(mapping), ignored=ignored, file_rows=file_rows, names=names)


def _geojson_table(text: str) -> _Table:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as problem:
        raise _Unreadable("invalid_json", line=problem.lineno, col=problem.colno) from None
    except RecursionError:  # '[' * 100000: nesting deeper than the parser goes
        raise _Unreadable("too_deep") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise _Unreadable("json_number") from None
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        raise _Unreadable("not_geojson")
    columns: dict[str, None] = {}
    read: set[str] = set()
    fields: set[str] = set()
    names: dict[str, str] = {}
    others: Counter = Counter()
    rows = []
    for feature in doc["features"]:
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        keys, values = [_clean(k) for k in props], list(props.values())
        mapping = match_columns(keys)
        row = {key: _scalar(values[i]) for key, i in mapping.items()}
        columns.update(dict.fromkeys(keys))
        read.update(keys[i] for i in mapping.values())
        fields.update(mapping)
        for key, i in mapping.items():
            names.setdefault(key, keys[i])
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind == "Point":
            coords = geometry.get("coordinates")
            if isinstance(coords, list) and len(coords) >= 2:
                row["lon"], row["lat"] = _scalar(coords[0], "?"), _scalar(coords[1], "?")
            else:
                row["lon"] = row["lat"] = "?"
            fields.update(("lon", "lat"))
        elif kind is not None:
            row["_geometry"] = _clean(kind)[:40] if isinstance(kind, str) else "?"
            others[row["_geometry"]] += 1
        rows.append(row)
    ignored = [c for c in columns if c not in read]
    names = {"lat": "geometry", "lon": "geometry", "_geometry": "geometry"} | names
    return _Table(["geometry", *columns], rows, fields, others, geojson=True, ignored=ignored, names=names)


# -- placing the rows ------------------------------------------------------------------------------


def _place_all(
    rows: list[dict],
    file_name: str,
    geocoder: Geocoder,
    communes: gpd.GeoDataFrame,
    progress: Callable[[float], None] | None,
) -> UploadResult:
    """Place every row: geocode each distinct commune once, then build the sites."""
    queries = [_query(row) for row in rows]
    distinct = list(dict.fromkeys(q for q in queries if q is not None))
    anchors = {
        code: (float(lon), float(lat), nom, dep)
        for code, lon, lat, nom, dep in zip(
            communes["insee"], communes["lon"], communes["lat"], communes["nom"], communes["dep"], strict=True
        )
    }
    answers, unsuggested = {}, 0
    searches = MAX_FUZZY_SEARCHES
    for done, query in enumerate(distinct, start=1):
        result = geocoder.resolve(*query, suggest=searches > 0)
        if result.status == "not_found":
            if searches > 0:
                searches -= 1
            else:
                unsuggested += 1
        answers[query] = _answer(result, anchors)
        if progress and done % _PROGRESS_EVERY == 0:
            progress(0.95 * done / len(distinct))

    sites, failures, warnings = [], [], []
    for number, (row, query) in enumerate(zip(rows, queries, strict=True), start=1):
        label = (_text(row.get("name")) or _text(row.get("commune")) or _text(row.get("insee"))
                 or _text(row.get("code_postal")))
        placed = _point(row) if query is None else answers[query]
        swapped = isinstance(placed, tuple) and len(placed) == 5
        if swapped:  # placed, latitude and longitude read the other way round: said
            placed = placed[:4]
        if isinstance(placed, str):
            failures.append(Failure(number, label, placed, value=_given(row, placed), fields=_given_fields(row, placed)))
        elif isinstance(placed, Failure):
            fields = tuple(f for f in ("insee", "commune", "departement", "code_postal") if _text(row.get(f)))
            value = ", ".join(_text(row.get(f)) for f in fields)
            failures.append(replace(placed, row=number, label=label, value=value[:120], fields=fields))
        else:
            site, set_aside = _site(row, number, file_name, *placed)
            sites.append(site)
            if swapped:
                set_aside.insert(0, ("@swapped_point", f"{_text(row.get('lat'))}, {_text(row.get('lon'))}"))
            warnings.extend(
                Failure(
                    number, site["name"], key[1:] if key.startswith("@") else f"bad_{key}", value=v[:60],
                    fields=_WARNING_FIELDS.get(key, (key,)),
                )
                for key, v in set_aside
            )  # fmt: skip
    frame = _frame(sites)
    frame, outside = _drop_outside(frame, communes)
    failures.extend(
        replace(f, value=_given(rows[f.row - 1], f.reason), fields=_given_fields(rows[f.row - 1], f.reason))
        for f in outside
    )
    failures.sort(key=lambda f: f.row)
    placed_rows = {int(site_id.split("-")[1]) for site_id in frame["id"]}
    warnings = [w for w in warnings if w.row in placed_rows]
    if progress:
        progress(1.0)
    return UploadResult(frame, failures, warnings=warnings, unsuggested=unsuggested)


# The fields a row warning's value comes from, when its key is not a field's name.
_WARNING_FIELDS = {
    "@swapped_point": ("lat", "lon"), "@sector_other": ("sector",), "@approx_jobs": ("jobs",),
    "@brownfield_unknown": ("brownfield",), "@status_unknown": ("status",),
}  # fmt: skip


def _given_fields(row: dict, reason: str) -> tuple[str, ...]:
    """The fields a row not placed was to be placed by (``reason``: why it was not)."""
    if reason in ("bad_point", "outside"):
        return ("lat", "lon")
    return ("_geometry",) if reason == "not_point" else ()


def _given(row: dict, reason: str) -> str:
    """What a row not placed gave to be placed by, as the file gave it ("50.69, 3.17")."""
    if reason in ("bad_point", "outside"):
        return f"{_text(row.get('lat'))}, {_text(row.get('lon'))}"[:120]
    return _text(row.get("_geometry")) if reason == "not_point" else ""


def _query(row: dict) -> tuple[str, str | None, str | None] | None:
    """What to ask the geocoder for a row (None: the row has a point, or nothing, to place it by)."""
    if _text(row.get("lat")) or _text(row.get("lon")):
        return None
    commune = _text(row.get("insee")) or _text(row.get("commune"))
    postal = _text(row.get("code_postal")) or None
    if not commune and not postal:
        return None
    # a postal code alone (38000) is placed by the geocoder too: one commune, or ambiguous
    return commune, _text(row.get("departement")) or None, postal


def _point(row: dict) -> tuple[float, float, str, str | None] | tuple[float, float, str, None, str] | str:
    """(lon, lat, precision, insee) of a row without a commune to resolve, or why not (a reason);
    a fifth item "swapped" when latitude and longitude were given the other way round."""
    if _text(row.get("lat")) or _text(row.get("lon")):
        lon, lat = _number(row.get("lon")), _number(row.get("lat"))
        if lon is None or lat is None:
            return "bad_point"
        if not in_france(lon, lat):
            if in_france(lat, lon):  # latitude and longitude swapped (3.17, 50.69): placed, and said
                return lat, lon, "site", None, "swapped"
            return "outside"
        return lon, lat, "site", None
    return "not_point" if "_geometry" in row else "no_location"


def _answer(result, anchors: dict) -> tuple[float, float, str, str] | Failure:
    """The geocoder's answer as a placement (lon, lat, precision, insee) or a failure (row and label
    filled in per row)."""
    if result.status == "ok" and result.insee in anchors:
        lon, lat, _, _ = anchors[result.insee]
        return lon, lat, "commune", result.insee
    codes = result.candidates if result.status == "ambiguous" else tuple(s[0] for s in result.suggestions)
    names = tuple(f"{anchors[c][2]} ({anchors[c][3]}, {c})" for c in codes if c in anchors)
    return Failure(0, "", result.status if result.status != "ok" else "not_found", names)


def _dates(row: dict, status: str | None, brownfield: bool | None, sources: list) -> tuple[dict, str, list]:
    """The row's dates, its status (given, else "operating" with an opening year, else
    "announced"), and the (field, value) pairs set aside."""
    values, texts = {}, {}
    for name in CHECKED_DATES:
        values[name], texts[name] = _schema_date(row.get(name), name)
    set_aside = [(name, texts[name]) for name in CHECKED_DATES if texts[name]]
    if values["opened"] is not None and values["opened"] > dt.date.today().year:
        set_aside.append(("opened", _text(row.get("opened"))))
        values["opened"] = None
    if status is None:
        status = "operating" if values["opened"] is not None else "announced"
    cited = {name: 0 for name in CHECKED_DATES if values[name] is not None}
    for name, _ in date_problems(*values.values(), cited, sources, status, brownfield):
        if name in values and values[name] is not None:
            set_aside.append((name, _text(row.get(name))))
            values[name] = None
    values["dates_source"] = {name: 0 for name in CHECKED_DATES if values[name] is not None} or None
    return values, status, set_aside


def _site(
    row: dict, number: int, file_name: str, lon: float, lat: float, precision: str, insee: str | None
) -> tuple[dict, list[tuple[str, str]]]:
    """The site of a placed row, and the (field, value) pairs the schema refused."""
    values, set_aside = {}, []
    for name in CHECKED_NUMBERS:
        values[name], refused = _schema_number(_cell(row, name, set_aside), name)
        if refused:
            set_aside.append((name, refused))
    kind, refused = _jobs_kind(row.get("jobs_kind"))
    if refused:
        set_aside.append(("jobs_kind", refused))
    flag = fold(_text(row.get("brownfield")))
    brownfield = True if flag in _YES else False if flag in _NO else None
    if brownfield is None and flag and flag not in _UNKNOWN:  # ("peut-être": read as unknown, and said)
        set_aside.append(("@brownfield_unknown", _text(row.get("brownfield"))))
    sources = [{"title": file_name, "publisher": "Fichier importé", "date": "", "url": None}]
    given_status = _vocab(row.get("status"), STATUSES, None)
    if given_status is None and fold(_text(row.get("status"))) not in ("", *_UNKNOWN):
        set_aside.append(("@status_unknown", _text(row.get("status"))))
    dates, status, dates_aside = _dates(row, given_status, brownfield, sources)
    set_aside += dates_aside
    site = {
        "id": f"upload-{number}",
        "name": _text(row.get("name")) or _text(row.get("commune")) or f"#{number}",
        "company": _text(row.get("company")) or None,
        "activity": _text(row.get("activity")),
        "sector": _sector(row.get("sector"), set_aside),
        "status": status,
        "insee": insee,
        "commune": _text(row.get("commune")) or None,
        "dep": _text(row.get("departement")) or None,
        "jobs": values["jobs"],
        # Said only of a figure the site shows: a refused one is a row warning instead.
        "jobs_note": "Chiffre fourni dans le fichier importé" if values["jobs"] is not None else None,
        "jobs_kind": kind if values["jobs"] is not None else None,
        "brownfield": brownfield,
        "brownfield_history": None,
        "investment_eur": values["investment_eur"],
        "surface_m2": None,
        **dates,
        "location_precision": precision,
        "sources": sources,
        "geometry": Point(lon, lat),
    }
    return site, set_aside


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
