"""Tier 1–2: users' uploads (geocoded, failures explained, limits) and the exports."""

import csv
import io
import json

import pandas as pd
import pytest

from geo import export
from geo.geocode import Geocoder
from geo.join import join_sites_to_communes
from geo.load import load_departements, load_regions
from geo.upload import MAX_UPLOAD_MB, read_upload


@pytest.fixture(scope="module")
def geocoder():
    return Geocoder.from_data()


def upload(name, data, geocoder, real_communes, **kw):
    return read_upload(name, data, geocoder=geocoder, communes=real_communes, **kw)


def test_csv_from_excel_is_geocoded_and_failures_are_explained(geocoder, real_communes):
    data = (
        "Nom;Commune;Département;Emplois;Secteur;Friche\n"
        "Usine <script>alert(1)</script>;Croix;;12;verre;oui\n"
        "Atelier;Croix;Nord;30;Maroquinerie;non\n"
        "Inconnue;Nowherville;;;;\n"
        "Sans lieu;;;;;\n"
        "Projet;Chateauneuf sur Isere;;5;unknown-sector;\n"
    ).encode("cp1252")
    seen = []
    result = upload("sites.csv", data, geocoder, real_communes, progress=seen.append)
    assert result.error is None
    assert list(result.sites["id"]) == ["upload-2", "upload-5"]
    placed = result.sites.set_index("id")
    assert placed.loc["upload-2", "insee"] == "59163" and placed.loc["upload-2", "sector"] == "leather-goods"
    assert placed.loc["upload-2", "brownfield"] == False  # noqa: E712 (pandas nullable boolean)
    assert (
        placed.loc["upload-5", "sector"] == "other"
        and placed.loc["upload-5", "location_precision"] == "commune"
    )
    reasons = {f.row: (f.reason, f.candidates) for f in result.failures}
    assert reasons[1] == ("ambiguous", ("Croix (59, 59163)", "Croix (90, 90030)"))
    assert reasons[3][0] == "not_found"
    assert reasons[4] == ("no_location", ())
    assert seen and seen[-1] == 1.0
    # the hostile name is kept as text: escaping is the display's job
    assert result.failures[0].label == "Usine <script>alert(1)</script>"


def test_lat_lon_rows_must_fall_in_a_french_commune(geocoder, real_communes):
    data = b"name,lat,lon\nA,50.69,3.17\nSea,47.0,-6.0\nBad,abc,3\nOcean,0,0\n"
    result = upload("points.csv", data, geocoder, real_communes)
    assert list(result.sites["name"]) == ["A"]
    assert result.sites.iloc[0]["location_precision"] == "site"
    assert [(f.row, f.reason) for f in result.failures] == [(2, "outside"), (3, "bad_point"), (4, "outside")]


def test_geojson_upload(geocoder, real_communes):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.17, 50.69]},
             "properties": {"name": "Point", "jobs": 7}},
            {"type": "Feature", "geometry": None, "properties": {"nom": "Par commune", "insee": "26002"}},
        ],
    }  # fmt: skip
    result = upload("mine.geojson", json.dumps(doc).encode(), geocoder, real_communes)
    assert list(result.sites["name"]) == ["Point", "Par commune"]
    assert result.sites["jobs"].iloc[0] == 7 and result.sites["jobs"].isna().iloc[1]


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("big.csv", b"x" * (MAX_UPLOAD_MB * 1024 * 1024 + 1), "too_big"),
        ("empty.csv", b"   \n", "empty"),
        ("bad.geojson", b"{not json", "unreadable"),
        ("list.geojson", b"[1, 2]", "unreadable"),
        ("binary.csv", bytes(range(256)) * 10, "unreadable"),
        ("cols.csv", b"foo,bar\n1,2\n", "no_location_column"),
    ],
)
def test_broken_uploads_get_a_clear_message(geocoder, real_communes, name, data, error):
    result = upload(name, data, geocoder, real_communes)
    assert result.error == error
    assert result.sites.empty
    assert result.error_text("fr") and "{" not in result.error_text("en")


@pytest.fixture(scope="module")
def joined(real_communes):
    from geo.load import read_sites
    from geo.paths import SITES_PATH

    sites = read_sites(SITES_PATH, communes=real_communes)
    return join_sites_to_communes(sites, real_communes, load_departements(), load_regions())


def test_csv_export_keeps_codes_as_text_and_translates_headers(joined):
    for lang, insee_col in (("fr", "code_insee"), ("en", "insee")):
        raw = export.sites_csv(joined, lang)
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows) == len(joined)
        assert {r[insee_col] for r in rows} >= {"59163", "26002", "67482"}
    fr = list(csv.DictReader(io.StringIO(export.sites_csv(joined, "fr").decode("utf-8-sig"))))
    assert "Châteauneuf-sur-Isère" in {r["commune"] for r in fr}


def test_geojson_export_round_trips(joined):
    doc = json.loads(export.sites_geojson(joined))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(joined)
    props = {f["properties"]["id"]: f["properties"] for f in doc["features"]}
    assert props["roubaix-ovh-campus"]["jobs"] == 700
    assert props["roubaix-ovh-campus"]["sources"][0]["publisher"] == "L'Usine Digitale"
    assert props["seine-et-marne-thomson-computing"]["insee"] is None


# --- issue 13 -----------------------------------------------------------------------------------

HOSTILE_CELLS = ["=HYPERLINK(\"http://evil.example\",\"clic\")", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
                 "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1\r\n=2+2"]  # fmt: skip


def test_csv_export_wrote_formula_cells_verbatim():
    """Regression: 24 of 24 hostile cells (=HYPERLINK, +cmd, @SUM, -2+3+cmd…) reached the CSV as formulas."""
    import geopandas as gpd
    from shapely.geometry import Point

    n = len(HOSTILE_CELLS)
    sites = gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(n)], "name": HOSTILE_CELLS, "company": HOSTILE_CELLS[::-1],
         "jobs": pd.array([-0, 12, None, 3, 4, 5, 6], dtype="Int64"), "investment_eur": [-1.5, 2e6, None, 0, 1, 2, 3],
         "insee": ["01001", "2A004", None, "59163", "59163", "59163", "59163"]},
        geometry=[Point(-1.5, 47.0)] * n, crs="EPSG:4326",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(export.sites_csv(sites, "en").decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == n  # a carriage return inside a cell does not end the row
    column = {
        name: [row[header.index(name)] for row in body]
        for name in ("name", "company", "jobs", "longitude", "insee", "investment_eur")
    }
    assert column["name"] == ["'" + cell for cell in HOSTILE_CELLS]
    assert column["company"] == ["'" + cell for cell in HOSTILE_CELLS[::-1]]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not cell.lstrip("+-").replace(".", "").isdigit()
                   for row in rows for cell in row)  # fmt: skip
    # numbers and codes stay as they were
    assert (
        column["jobs"][:2] == ["0", "12"]
        and column["longitude"][0] == "-1.5"
        and column["investment_eur"][0] == "-1.5"
    )
    assert column["insee"][:2] == ["01001", "2A004"]
