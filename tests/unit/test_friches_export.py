"""Tier 1–2: exports of the friches shown — the language's CSV dialect, no formula, GeoJSON, never an owner or a contact."""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.friches import FRICHES_PATH, load_friches
from geo.friches_export import EXPORT_COLUMNS, friches_csv, friches_export_geojson
from geo.friches_schema import PRIVATE_COLUMNS, friche_frame


def _friches(**overrides) -> gpd.GeoDataFrame:
    columns = {
        "id": ["59512_1", "2A004_2"], "name": ["Ancienne filature", "Dépôt"], "friche_type": ["industrial", "other"],
        "status": ["without-project", "reused"], "insee": ["59512", "2A004"], "insee_declared": ["59512", "2A004"],
        "dep": ["59", "2A"], "commune_check": ["ok", "ok"], "surface_m2": [12500.0, None],
        "surface_ha": [1.25, None], "pollution": ["unknown", "unknown"], "producer": ["Jean Dupont", "Marie Curie"],
        "cartofriches_url": ["https://cartofriches.cerema.fr/cartofriches/?site=59512_1", "x"],
        "source_format": ["friches-standard", "friches-standard"], "row": [1, 2],
    } | overrides  # fmt: skip
    return friche_frame(columns, [Point(3.17, 50.69), Point(8.74, 41.93)])


def _read(data: bytes, sep: str) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the accents
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep))


def test_the_french_csv_has_semicolons_a_decimal_comma_labels_and_their_codes():
    rows = _read(friches_csv(_friches(), "fr"), ";")
    assert rows[0]["surface_ha"] == "1,25" and rows[0]["lon"] == "3,17" and rows[0]["surface_m2"] == "12500"
    assert (rows[0]["status"], rows[0]["status_code"]) == ("Friche sans projet", "without-project")
    assert rows[1]["insee"] == "2A004" and rows[1]["surface_ha"] == ""
    assert rows[0]["credit"].startswith("Cerema, Cartofriches")


def test_the_english_csv_has_commas_and_a_dot():
    rows = _read(friches_csv(_friches(), "en"), ",")
    assert rows[0]["surface_ha"] == "1.25" and rows[0]["status"] == "Brownfield without a project"


def test_a_friche_cell_that_reads_as_a_formula_is_neutralised():
    rows = _read(friches_csv(_friches(name=['=HYPERLINK("http://x")', "@SUM(A1)"]), "fr"), ";")
    assert not rows[0]["name"].startswith("=") and not rows[1]["name"].startswith("@")


def test_no_producer_or_row_column_in_either_export():
    data = friches_csv(_friches(), "fr").decode("utf-8-sig") + friches_export_geojson(_friches()).decode()
    assert "Jean Dupont" not in data and "Marie Curie" not in data
    header = data.splitlines()[0].split(";")
    assert "producer" not in header and "row" not in header
    doc = json.loads(friches_export_geojson(_friches()))
    assert set(doc["features"][0]["properties"]) <= set(EXPORT_COLUMNS) and "producer" not in EXPORT_COLUMNS
    assert doc["attribution"].startswith("Cerema, Cartofriches")
    assert doc["features"][1]["geometry"] == {"type": "Point", "coordinates": [8.74, 41.93]}


def test_bad_language_is_refused():
    with pytest.raises(ValueError, match="lang"):
        friches_csv(_friches(), "de")


def test_exports_of_the_real_extract_hold_no_owner_or_contact_text():
    """Every owner's name, owner type, contact and producer text of the shipped file stays out of both files."""
    with FRICHES_PATH.open(encoding="utf-8-sig", newline="") as f:
        raw = list(csv.DictReader(f, delimiter=";"))
    private = {r[c].strip() for r in raw for c in PRIVATE_COLUMNS if r.get(c)}
    # (a producer "Cerema" or an owner "Commune de Fougères" is also public text of other columns)
    public = "\n".join(v for r in raw for c, v in r.items() if c not in PRIVATE_COLUMNS and v)
    private = {v for v in private if len(v) > 5 and v not in public}
    assert private
    friches = load_friches().friches
    text = friches_csv(friches, "fr").decode("utf-8-sig")
    assert len(_read(friches_csv(friches, "fr"), ";")) == len(friches) == len(raw)
    geojson = friches_export_geojson(friches).decode()
    header = text.splitlines()[0].split(";")
    assert not {c for c in header if c in PRIVATE_COLUMNS or c.startswith("proprio")}
    leaked = sorted(v for v in private if v in text or v in geojson)
    assert not leaked, leaked[:5]
    assert len(pd.read_json(io.StringIO(geojson))["features"]) == len(friches)
