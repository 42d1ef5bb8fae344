"""Exports of the friches shown: CSV (in the language's spreadsheet dialect) and GeoJSON.

Only the columns of :data:`EXPORT_COLUMNS` leave the app: the inventory's fields, never an
owner or a contact (the importer never reads them: ``geo.friches_schema.PRIVATE_COLUMNS``)
nor the page export's free-text producer, which may name a person. Each file credits the
inventory (Cerema, Cartofriches, Licence Ouverte).
"""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import as_wgs84, check_frame
from geo.csvfile import LINE_END, safe_cell
from geo.export import CSV_DIALECTS
from geo.friches import ATTRIBUTION, friches_geojson
from geo.friches_schema import FRICHE_FIELDS, FRICHE_STATUSES, FRICHE_TYPES, POLLUTION, REUSE_TYPES

# Fields that stay in the app: the producer (free text, a person's name in real files) and
# the row of the file read.
_KEPT_BACK = ("producer", "row")
EXPORT_COLUMNS = tuple(f for f in FRICHE_FIELDS if f not in _KEPT_BACK)
# Slug columns written as labels in the CSV, their slugs beside (``<column>_code``).
_LABELLED = {"friche_type": FRICHE_TYPES, "status": FRICHE_STATUSES, "pollution": POLLUTION, "reuse_type": REUSE_TYPES}
_DECIMALS = ("surface_m2", "surface_ha", "commune_distance_m", "lon", "lat")


def export_frame(friches: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The friches with the exported columns only, in EPSG:4326."""
    friches = as_wgs84(friches, "friches export: friches")
    check_frame(friches, "friches export: friches", ("id", "status"))
    columns = [c for c in EXPORT_COLUMNS if c in friches.columns]
    return gpd.GeoDataFrame(friches[columns], geometry=friches.geometry.values, crs=friches.crs)


def friches_csv(friches: gpd.GeoDataFrame, lang: str = "fr") -> bytes:
    """UTF-8 CSV with a BOM in the language's dialect (``geo.export.CSV_DIALECTS``: French
    ``;`` and a decimal comma): the inventory's field names, vocabularies as labels with their
    slugs beside, dates ISO, lon / lat, the credit; no cell is a formula."""
    if lang not in CSV_DIALECTS:
        raise ValueError(f"friches_csv: lang must be one of {sorted(CSV_DIALECTS)}, got {lang!r}")
    sep, decimal = CSV_DIALECTS[lang]
    shown = export_frame(friches)
    frame = pd.DataFrame(shown.drop(columns=shown.geometry.name)).reset_index(drop=True)
    points = np.asarray(shown.geometry.values)
    frame["lon"], frame["lat"] = np.round(shapely.get_x(points), 6), np.round(shapely.get_y(points), 6)
    for column, vocab in _LABELLED.items():
        if column in frame:
            frame.insert(frame.columns.get_loc(column) + 1, f"{column}_code", frame[column])
            frame[column] = frame[column].map(
                lambda v, vocab=vocab: vocab.label(v, lang) if v in vocab.terms else v, na_action="ignore"
            )
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    for column in _DECIMALS:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").map(
                lambda v: _number_text(v, decimal), na_action="ignore"
            )
    frame["credit"] = ATTRIBUTION
    frame.columns = [safe_cell(str(c)) for c in frame.columns]
    frame = frame.astype("string").apply(lambda column: column.map(safe_cell, na_action="ignore"))
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, sep=sep, lineterminator=LINE_END)
    return buffer.getvalue().encode("utf-8-sig")


def friches_export_geojson(friches: gpd.GeoDataFrame) -> bytes:
    """A GeoJSON FeatureCollection of points (EPSG:4326) with the exported fields and the
    inventory's attribution (``geo.friches.friches_geojson``)."""
    return friches_geojson(export_frame(friches)).encode("utf-8")


def _number_text(value: float, decimal: str) -> str:
    text = str(int(value)) if float(value).is_integer() else repr(float(value))
    return text.replace(".", decimal)
