"""Exports of the filtered sites: CSV (in the user's language and its spreadsheets' dialect), GeoJSON, GeoPackage."""

from __future__ import annotations

import io
import json

import pandas as pd

from geo.csvfile import LINE_END, safe_cell
from geo.i18n import t
from geo.schema import DERIVED_COLUMNS, JOBS_KINDS, json_ready
from geo.vocab import SECTORS, STATUSES

# Column order of the exports; header labels come from geo.i18n ("col_<name>"). Every field
# of geo.schema is there (a test checks), "commune" as the sources wrote it giving way to
# the commune the site lies in (commune_nom, from the join).
EXPORT_COLUMNS = [
    "id", "name", "company", "activity", "sector", "status", "jobs", "jobs_kind", "jobs_note",
    "brownfield",
    "brownfield_history", "investment_eur", "surface_m2", "announced", "opened", "former_closed", "dates_source",
    "insee", "commune_nom", "dep", "dep_nom",
    "reg", "reg_nom", "epci", "population", "location_precision", "lon", "lat", "layer", "sources",
]  # fmt: skip
# Properties of the original site that the GeoJSON export keeps (the joined ones are added;
# the columns derived from the dates are not: the file reads back as it was written).
_INTERNAL = {"search_text", "geometry", "lon", "lat", *DERIVED_COLUMNS}


def export_frame(sites: pd.DataFrame) -> pd.DataFrame:
    """The sites as a flat table: coordinates as lon/lat, sources as one readable cell."""
    frame = pd.DataFrame(index=sites.index)
    for col in EXPORT_COLUMNS:
        if col == "lon":
            frame[col] = sites.geometry.x.round(6)
        elif col == "lat":
            frame[col] = sites.geometry.y.round(6)
        elif col == "sources":
            frame[col] = sites[col].map(_sources_text) if col in sites else ""
        elif col == "dates_source":
            frame[col] = (
                [_dates_source_text(*pair) for pair in zip(sites[col], sites["sources"], strict=True)]
                if col in sites and "sources" in sites
                else ""
            )
        elif col == "layer":
            frame[col] = sites[col] if col in sites else "data"
        else:
            frame[col] = sites[col] if col in sites else pd.NA
    return frame.reset_index(drop=True)


# The CSV dialect of each language, as its spreadsheets open it in one click: French Excel
# wants ";" between cells and a decimal comma; English, "," and a dot.
CSV_DIALECTS = {"fr": (";", ","), "en": (",", ".")}
_DECIMALS = ("lon", "lat", "investment_eur", "surface_m2")
_LABELLED = {"sector": SECTORS, "status": STATUSES}  # labels for people, slugs kept beside for machines


def sites_csv(sites: pd.DataFrame, lang: str = "fr") -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads the accents) in the language's dialect
    (:data:`CSV_DIALECTS`): sectors, statuses and kinds of jobs as labels (their slugs in
    ``*_code`` columns), brownfield as yes / no / n.c., numbers with the language's decimal mark; INSEE
    codes stay text; no cell is a formula (``geo.csvfile.safe_cell``)."""
    _, decimal = CSV_DIALECTS[lang]
    frame = export_frame(sites)
    for col, vocab in _LABELLED.items():
        frame.insert(frame.columns.get_loc(col) + 1, f"{col}_code", frame[col])
        frame[col] = frame[col].map(lambda v, vocab=vocab: vocab[v].label(lang) if v in vocab else v)
    # the kind of a jobs figure: its label ("à créer"), the slug beside; none given, empty
    frame.insert(frame.columns.get_loc("jobs_kind") + 1, "jobs_kind_code", frame["jobs_kind"])
    frame["jobs_kind"] = frame["jobs_kind"].map(
        lambda v: t(f"jobs_kind_{v}", lang) if v in JOBS_KINDS else v, na_action="ignore"
    )
    yes, no, unknown = (t(key, lang) for key in ("brownfield_yes", "brownfield_no", "not_given"))
    frame["brownfield"] = frame["brownfield"].astype("boolean").map({True: yes, False: no}, na_action="ignore")
    frame["brownfield"] = frame["brownfield"].fillna(unknown)
    for col in _DECIMALS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").map(
            lambda v: _number_text(v, decimal), na_action="ignore"
        )
    frame.columns = [t(f"col_{col}", lang) for col in frame.columns]
    return table_csv(frame, lang)


def table_csv(frame: pd.DataFrame, lang: str = "fr") -> bytes:
    """A table as the language's spreadsheets open it (:data:`CSV_DIALECTS`, UTF-8 with a
    BOM), every cell and header written as text through ``geo.csvfile.safe_cell`` (no formula)."""
    sep, _ = CSV_DIALECTS[lang]
    frame = frame.copy()
    frame.columns = [safe_cell(str(col)) for col in frame.columns]
    # Every cell is written as text; codes such as 01001 or 2A004 keep their form.
    frame = frame.astype("string").apply(lambda column: column.map(safe_cell, na_action="ignore"))
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, sep=sep, lineterminator=LINE_END)
    return buffer.getvalue().encode("utf-8-sig")


def _number_text(value: float, decimal: str) -> str:
    """A number as a spreadsheet reads it: 15000 (not 15000.0), 3,17 with a decimal comma."""
    text = str(int(value)) if float(value).is_integer() else repr(float(value))
    return text.replace(".", decimal)


def sites_gpkg(sites: pd.DataFrame) -> bytes:
    """A GeoPackage (what QGIS opens first): one layer of points, EPSG:4326, the export's
    columns (sources as one readable cell), field names in English."""
    import tempfile
    from pathlib import Path

    import geopandas as gpd

    frame = export_frame(sites)
    layer = gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]).astype({"dates_source": "string", "sources": "string"}),
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs="EPSG:4326",
    )
    with tempfile.TemporaryDirectory(prefix="export-gpkg-") as directory:
        path = Path(directory) / "sites.gpkg"
        layer.to_file(path, layer="sites_reindustrialisation", driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def sites_geojson(sites: pd.DataFrame) -> bytes:
    """A GeoJSON FeatureCollection (EPSG:4326) with every property, field names in English."""
    keys = [key for key in sites.columns if key not in _INTERNAL]
    values = [json_ready(sites[key]) for key in keys]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(geom.x, 6), round(geom.y, 6)]},
            "properties": dict(zip(keys, row, strict=True)),
        }
        for geom, *row in zip(sites.geometry, *values, strict=True)
    ]
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _sources_text(sources: object) -> str:
    if not isinstance(sources, list):
        return ""
    parts = []
    for src in sources:
        bits = [src.get("publisher"), src.get("title"), src.get("date"), src.get("url")]
        parts.append(", ".join(str(b) for b in bits if b))
    return " | ".join(parts)


def _dates_source_text(cited: object, sources: object) -> str:
    """Which source gives each date, by its publisher: "opened: MtoM Mag; former_closed: Leatherbiz"."""
    if not isinstance(cited, dict) or not isinstance(sources, list):
        return ""
    parts = []
    for name, position in cited.items():
        source = sources[position] if isinstance(position, int) and 0 <= position < len(sources) else None
        publisher = source.get("publisher") if isinstance(source, dict) else None
        parts.append(f"{name}: {publisher or f'source {position}'}")
    return "; ".join(parts)
