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


def test_the_too_big_message_writes_the_size_as_french_does(geocoder, real_communes):
    """Regression: "Fichier trop gros (5.7 Mo)" in a French page."""
    result = upload("big.csv", b"x" * int(5.7 * 1024 * 1024), geocoder, real_communes)
    assert "(5,7 Mo)" in result.error_text("fr") and "(5.7 MB)" in result.error_text("en")


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
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=export.CSV_DIALECTS[lang][0]))
        assert len(rows) == len(joined)
        assert {r[insee_col] for r in rows} >= {"59163", "26002", "67482"}
    fr = list(csv.DictReader(io.StringIO(export.sites_csv(joined, "fr").decode("utf-8-sig")), delimiter=";"))
    assert "Châteauneuf-sur-Isère" in {r["commune"] for r in fr}


def test_the_french_csv_opens_as_columns_in_french_excel_and_the_english_one_in_english(joined):
    """Regression: the export was ","-separated with 15000.0 and True, one column in French Excel."""
    fr = export.sites_csv(joined, "fr").decode("utf-8-sig")
    header, first = fr.splitlines()[:2]
    # the label columns' slugs beside them: sector_code, status_code, jobs_kind_code
    assert header.count(";") == len(export.EXPORT_COLUMNS) + 2 and header.count(",") == 0
    rows = {r["identifiant"]: r for r in csv.DictReader(io.StringIO(fr), delimiter=";")}
    roubaix = rows["roubaix-ovh-campus"]
    assert roubaix["secteur"] == "Cloud et centres de données" and roubaix["secteur_code"] == "cloud-datacenters"
    assert roubaix["friche"] == "Oui" and rows["strasbourg-2crsi"]["friche"] == "n.c."
    assert "," in roubaix["longitude"] and "." not in roubaix["longitude"]
    assert all(not r["investissement_eur"].endswith(",0") for r in rows.values())
    en = export.sites_csv(joined, "en").decode("utf-8-sig")
    en_rows = {r["id"]: r for r in csv.DictReader(io.StringIO(en))}
    assert en_rows["roubaix-ovh-campus"]["brownfield"] == "Yes" and "." in en_rows["roubaix-ovh-campus"]["longitude"]


def test_the_geopackage_export_opens_with_every_site_in_wgs84(joined, tmp_path):
    import geopandas as gpd

    path = tmp_path / "sites.gpkg"
    path.write_bytes(export.sites_gpkg(joined))
    layer = gpd.read_file(path)
    assert len(layer) == len(joined) and layer.crs.to_epsg() == 4326
    assert set(layer["id"]) == set(joined["id"]) and "insee" in layer
    assert layer.set_index("id").loc["roubaix-ovh-campus", "jobs"] == 700


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


def feature_collection(*features: str) -> bytes:
    """A GeoJSON FeatureCollection from features written as JSON text (numbers exactly as typed)."""
    return ('{"type": "FeatureCollection", "features": [' + ", ".join(features) + "]}").encode()


def point_feature(properties: str, coordinates: str = "[3.17, 50.69]") -> str:
    return f'{{"type": "Feature", "geometry": {{"type": "Point", "coordinates": {coordinates}}}, "properties": {properties}}}'


BAD_JOBS = ["1e20", "9223372036854775807", "1e308", str(10**30), "9.3e18", "-5", "12.5", "10000001"]


@pytest.mark.parametrize("jobs", BAD_JOBS)
@pytest.mark.parametrize("kind", ["csv", "geojson"])
def test_jobs_outside_the_schema_crashed_the_upload(geocoder, real_communes, kind, jobs):
    """Regression: jobs of 1e20 raised OverflowError, 9223372036854775807 a TypeError (uint64 → int64),
    and the same from GeoJSON (1e20, 1e308, 10**30, 9.3e18); a negative figure vanished silently."""
    if kind == "csv":
        data, name = f"name,lat,lon,jobs\nA,50.69,3.17,{jobs}\n".encode(), "sites.csv"
    else:
        data, name = feature_collection(point_feature(f'{{"name": "A", "jobs": {jobs}}}')), "sites.geojson"
    result = upload(name, data, geocoder, real_communes)
    assert result.error is None and result.failures == []
    assert len(result.sites) == 1 and result.sites["jobs"].isna().all()
    assert result.sites["jobs_note"].isna().all()  # the card does not say a figure was given
    assert [(w.row, w.label, w.reason) for w in result.warnings] == [(1, "A", "bad_jobs")]
    assert result.warnings[0].value  # the value set aside is shown
    frame = result.warnings_frame("fr")
    # the row as the file numbers it: the spreadsheet's row (header = 1), the GeoJSON's feature
    where = "Ligne" if kind == "csv" else "Entité"
    assert list(frame.columns) == [where, "Site", "Raison", "Valeur"]
    assert frame.iloc[0][where] == (2 if kind == "csv" else 1)
    assert frame.iloc[0]["Raison"].startswith("emplois ignorés")


def test_jobs_the_schema_accepts_are_kept_with_their_note(geocoder, real_communes):
    data = (
        "name,lat,lon,jobs,annee,investissement\nA,50.69,3.17,1 200,2024,5e6\nB,50.69,3.17,10000000,1750,-1\n"
    )
    result = upload("sites.csv", data.encode(), geocoder, real_communes)
    assert list(result.sites["jobs"]) == [1200, 10_000_000]
    assert list(result.sites["jobs_note"]) == ["Chiffre fourni dans le fichier importé"] * 2
    assert result.sites["announced"].iloc[0] == "2024" and result.sites["investment_eur"].iloc[0] == 5e6
    assert [(w.row, w.reason, w.value) for w in result.warnings] == [
        (2, "bad_investment_eur", "-1"),
        (2, "bad_announced", "1750"),
    ]


NESTED = 100_000


@pytest.mark.parametrize(
    "data",
    [
        b"[" * NESTED + b"]" * NESTED,
        feature_collection(point_feature('{"name": ' + "[" * NESTED + "]" * NESTED + "}")),
        feature_collection(point_feature('{"name": ' + '{"a": ' * NESTED + "1" + "}" * NESTED + "}")),
    ],
    ids=["brackets", "list_in_properties", "objects_in_properties"],
)
def test_deeply_nested_geojson_raised_recursion_error(geocoder, real_communes, data):
    result = upload("deep.geojson", data, geocoder, real_communes)
    assert (result.error, result.error_why) == ("unreadable", "too_deep")
    assert result.error_text("fr") == "Fichier illisible : le JSON est imbriqué trop profondément."


def test_nesting_the_parser_reads_is_not_taken_for_a_value(geocoder, real_communes):
    deep = "[" * 300 + "]" * 300
    data = feature_collection(point_feature(f'{{"name": {deep}, "jobs": {deep}}}'), point_feature("{}", deep))
    result = upload("deep.geojson", data, geocoder, real_communes)
    assert result.error is None and list(result.sites["name"]) == ["#1"]
    assert [(f.row, f.reason) for f in result.failures] == [(2, "bad_point")]


def test_lone_surrogate_in_a_name_broke_the_map_and_the_exports(geocoder, real_communes):
    r"""Regression: a name "\ud800x" (a JSON escape of half a UTF-16 pair) was imported, then every
    rerun failed in the map render and the CSV export raised (surrogates not allowed)."""
    data = feature_collection(
        point_feature(r'{"name": "\ud800x", "company": "a\udfffb", "jobs": 3, "activit\ud800": "y"}'),
        r'{"type": "Feature", "geometry": null, "properties": {"nom": "\udc00", "commune": "Croix\ud800", "insee": "26002"}}',
    )
    result = upload("surrogates.geojson", data, geocoder, real_communes)
    assert result.error is None and result.failures == []
    assert list(result.sites["name"]) == ["\ufffdx", "\ufffd"]
    assert result.sites["company"].iloc[0] == "a\ufffdb"
    for column in result.sites.columns.drop("geometry"):
        for value in result.sites[column]:
            for text in value if isinstance(value, list) else [value]:
                (json.dumps(text, ensure_ascii=False) if isinstance(text, dict) else str(text)).encode(
                    "utf-8"
                )
    joined = join_sites_to_communes(result.sites, real_communes, load_departements(), load_regions())
    export.sites_csv(joined, "fr").decode("utf-8")
    doc = json.loads(export.sites_geojson(joined).decode("utf-8"))
    assert doc["features"][0]["properties"]["name"] == "\ufffdx"
    assert result.failures_frame("fr").empty


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("header_only.csv", b"name,commune,jobs\n", "no_rows"),
        ("header_only_excel.csv", "Nom;Commune\r\n\r\n\r\n".encode("cp1252"), "no_rows"),
        ("columns_only.csv", b"foo,bar\n", "no_location_column"),
        ("no_features.geojson", feature_collection(), "no_rows"),
    ],
)
def test_upload_of_no_rows_said_0_sites_imported(geocoder, real_communes, name, data, error):
    """Regression: a header-only CSV, 'foo,bar' and the like said "0 site(s) importé(s)" in green."""
    result = upload(name, data, geocoder, real_communes)
    assert result.error == error and result.sites.empty
    assert "0 site" not in result.error_text("fr") and "{" not in result.error_text("en")


def test_geojson_named_csv_said_0_sites_imported(geocoder, real_communes):
    data = feature_collection(point_feature('{"name": "A"}'))
    result = upload("export.csv", data, geocoder, real_communes)
    assert result.error is None and list(result.sites["name"]) == ["A"]


def test_polygons_were_reported_as_no_commune_column(geocoder, real_communes):
    polygon = '{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[3, 50], [3.1, 50], [3, 50.1], [3, 50]]]}, "properties": {"name": "P"}}'
    line = '{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[3, 50], [3.1, 50]]}, "properties": {}}'
    result = upload("zones.geojson", feature_collection(polygon, line), geocoder, real_communes)
    assert (result.error, result.error_detail) == ("not_points", "LineString, Polygon")
    assert result.error_text("fr").startswith(
        "Les géométries doivent être des points (trouvé : LineString, Polygon)"
    )
    mixed = upload(
        "mixed.geojson", feature_collection(point_feature('{"name": "A"}'), polygon), geocoder, real_communes
    )
    assert list(mixed.sites["name"]) == ["A"]
    assert [(f.row, f.label, f.reason) for f in mixed.failures] == [(2, "P", "not_point")]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_utf16_without_bom_and_utf32_uploads_were_a_binary_file(geocoder, real_communes, encoding):
    data = "nom;commune;emplois\nUsine;Évry-Courcouronnes;12\n".encode(encoding)
    result = upload("sites.csv", data, geocoder, real_communes)
    assert result.error is None and list(result.sites["insee"]) == ["91228"]


@pytest.mark.parametrize(
    ("name", "data", "fr"),
    [
        (
            "binary.csv",
            bytes(range(256)) * 10,
            "Fichier illisible : ce n'est pas un fichier texte (CSV ou GeoJSON).",
        ),
        ("bad.geojson", b'{"type": \n nope}', "Fichier illisible : JSON invalide (ligne 2, colonne 2)."),
        ("list.geojson", b"[1, 2]", "Fichier illisible : ce n'est pas une FeatureCollection GeoJSON."),
        (
            "ragged.csv",
            b"commune,x\nCroix,Nord,59\n",
            "Fichier illisible : la ligne 2 a 3 champs, l'en-tête en a 2.",
        ),
        (
            "long.csv",
            b"commune,x\n" + b"a" * 200_000 + b",1\n",
            "Fichier illisible : CSV mal formé à la ligne 2 (un champ trop long, ou un guillemet non fermé).",
        ),
        (
            "bom.csv",
            b"\xff\xfe" + b"\x00\xd8" + b"a\x00",
            "Fichier illisible : le texte n'est pas du UTF-16-LE valide.",
        ),
    ],
)
def test_unreadable_upload_messages_were_in_english_inside_french(geocoder, real_communes, name, data, fr):
    """Regression: "Fichier illisible : …: looks like a binary file, not a CSV text file"."""
    result = upload(name, data, geocoder, real_communes)
    assert result.error == "unreadable"
    assert result.error_text("fr") == fr
    assert result.error_text("en").startswith("Cannot read the file: ") and "{" not in result.error_text("en")


class CountingGeocoder:
    """The real geocoder, counting what read_upload asks of it."""

    def __init__(self, geocoder):
        self.geocoder, self.calls = geocoder, []

    def resolve(self, *args, suggest=True):
        self.calls.append((args, suggest))
        return self.geocoder.resolve(*args, suggest=suggest)


def test_50000_unknown_communes_stalled_the_server(geocoder, real_communes, monkeypatch):
    """Regression: every row of unknown communes was fuzzy-matched (21–29 s of CPU for 50,000 rows).
    Each distinct commune is resolved once, and close names are searched for a bounded number."""
    from geo import upload as upload_module

    monkeypatch.setattr(upload_module, "MAX_FUZZY_SEARCHES", 5)
    names = ["Roubaiz", *(f"Zzqx{i:02d}ville" for i in range(40)), "Croix", "Roubaix"]
    rows = [(name, dep) for _ in range(3) for name in names for dep in ("", "59")]
    data = ("nom,commune,dep\n" + "".join(f"S{i},{n},{d}\n" for i, (n, d) in enumerate(rows))).encode()
    counting, seen = CountingGeocoder(geocoder), []
    result = read_upload("many.csv", data, geocoder=counting, communes=real_communes, progress=seen.append)
    assert len(counting.calls) == len(set(counting.calls)) == 2 * len(names)  # each (commune, dep) once
    assert sum(suggest for _, suggest in counting.calls) <= 5 + 3  # searches stop after 5 names not found
    assert result.unsuggested == 2 * 41 - 5  # 82 (commune, dep) not found, 5 searched
    assert len(result.sites) == 3 * 3  # Croix in 59, Roubaix with and without 59
    assert result.failures[0].label == "S0" and result.failures[0].candidates == ("Roubaix (59, 59512)",)
    assert result.notes("fr") == [
        "Communes proches cherchées pour les 5 premiers noms introuvables seulement : 77 autre(s) sans suggestion."
    ]
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert upload("few.csv", b"commune\nRoubaiz\n", geocoder, real_communes).notes("en") == []


# --- issue 12: dates ------------------------------------------------------------------------------


def test_date_columns_are_read_under_their_french_names(geocoder, real_communes):
    data = (
        "Nom;lat;lon;Date d'annonce;Ouverture;Fin d'activité;Friche;Statut\n"
        "A;50.69;3.17;11/02/2020;2021;2015;oui;\n"  # a day-first date: kept to the month
        "B;50.69;3.17;2019-09;;;non;planned\n"
        "C;50.69;3.17;2018;2019-05-03;;;\n"  # an opening date: its year; no status → operating
    )
    result = upload("sites.csv", data.encode(), geocoder, real_communes)
    sites = result.sites
    assert list(sites["announced"]) == ["2020-02", "2019-09", "2018"]
    assert list(sites["announced_year"]) == [2020, 2019, 2018]
    assert sites["opened"].tolist() == [2021, pd.NA, 2019] and sites["former_closed"].tolist()[0] == 2015
    assert list(sites["status"]) == ["operating", "planned", "operating"]
    assert list(sites["dates_source"]) == [
        {"announced": 0, "opened": 0, "former_closed": 0}, {"announced": 0}, {"announced": 0, "opened": 0}
    ]
    assert not result.warnings


def test_a_bare_annee_column_is_the_announcement_year(geocoder, real_communes):
    result = upload("s.csv", "name,lat,lon,Année\nA,50.69,3.17,2024\n".encode(), geocoder, real_communes)
    assert result.sites["announced"].tolist() == ["2024"] and result.sites["opened"].isna().all()


@pytest.mark.parametrize(
    ("columns", "values", "reason"),
    [
        ("annonce", "février 2020", "bad_announced"),
        ("annonce", "13/2020", "bad_announced"),
        ("ouverture", "2999", "bad_opened"),  # not opened yet: no opening year
        ("ouverture,statut", "2020,planned", "bad_opened"),  # a planned site has not opened
        ("fermeture", "2010", "bad_former_closed"),  # not said to be a brownfield
        ("fermeture,friche,ouverture", "2022,oui,2020", "bad_former_closed"),  # closed after the opening
        ("annonce,ouverture", "2023,2020", "bad_announced"),  # announced after the opening
    ],
)
def test_dates_the_rules_refuse_are_set_aside_with_a_warning(geocoder, real_communes, columns, values, reason):
    data = f"name,lat,lon,{columns}\nA,50.69,3.17,{values}\n"
    result = upload("s.csv", data.encode(), geocoder, real_communes)
    assert len(result.sites) == 1
    assert [w.reason for w in result.warnings] == [reason]
    field = reason.removeprefix("bad_")
    assert result.sites[field].isna().all()
    assert field not in (result.sites["dates_source"].iloc[0] or {})
    assert result.warnings_frame("fr").iloc[0]["Raison"]


def test_exports_carry_the_dates_and_their_sources(joined):
    fr = list(csv.DictReader(io.StringIO(export.sites_csv(joined, "fr").decode("utf-8-sig")), delimiter=";"))
    rows = {r[next(iter(r))]: r for r in fr}  # by the first column: the id
    roubaix = rows["roubaix-ovh-campus"]
    assert (roubaix["annonce"], roubaix["ouverture"], roubaix["fin_activite_precedente"]) == ("", "2016", "1994")
    assert roubaix["sources_des_dates"] == "opened: L'Usine Digitale; former_closed: L'Usine Digitale"
    assert rows["chateauneuf-sur-isere-algo"]["annonce"] == "2020"
    en = list(csv.DictReader(io.StringIO(export.sites_csv(joined, "en").decode("utf-8-sig"))))
    assert {"announced", "opened", "former_closed", "dates_source"} <= set(en[0])
    assert "year" not in en[0] and "announced_year" not in en[0]
    props = {f["properties"]["id"]: f["properties"] for f in json.loads(export.sites_geojson(joined))["features"]}
    assert props["yssingeaux-ateliers-du-meygal"]["opened"] == 2012
    assert props["yssingeaux-ateliers-du-meygal"]["former_closed"] == 2011
    assert props["yssingeaux-ateliers-du-meygal"]["dates_source"] == {"opened": 1, "former_closed": 1}
    assert not {"year", "announced_year"} & set(props["roubaix-ovh-campus"])  # derived: not written


def test_the_geojson_export_validates_again(joined, real_communes):
    """An export read back: the derived columns (year, announced_year) would be refused."""
    from geo.load import validate_sites

    assert validate_sites(export.sites_geojson(joined), communes=real_communes, name="export.geojson") == []


def test_an_upload_with_a_kind_column_keeps_it_and_one_without_reads_null(geocoder, real_communes):
    data = "name,lat,lon,emplois,type d'emplois\nA,50.69,3.17,120,à créer\nB,50.69,3.17,40,beaucoup\nC,50.69,3.17,,effectif\n"
    result = upload("sites.csv", data.encode(), geocoder, real_communes)
    assert list(result.sites["jobs_kind"]) == ["created", None, None]  # no figure: no kind
    assert [(w.row, w.reason, w.value) for w in result.warnings] == [(2, "bad_jobs_kind", "beaucoup")]
    plain = upload("sites.csv", b"name,lat,lon,jobs\nA,50.69,3.17,120\n", geocoder, real_communes)
    assert plain.sites["jobs_kind"].isna().all() and plain.warnings == []


def test_sector_words_all_became_other_industry_without_a_word(geocoder, real_communes):
    """Regression: "Batteries", "Textile", "Aéronautique", "Électronique", "Data center" all
    became "Autre industrie" silently."""
    data = (
        "name,lat,lon,secteur\nA,50.69,3.17,Batteries\nB,50.69,3.17,Textile\nC,50.69,3.17,Aéronautique\n"
        "D,50.69,3.17,Électronique\nE,50.69,3.17,Data center\nF,50.69,3.17,Autre\n"
    )
    result = upload("sites.csv", data.encode(), geocoder, real_communes)
    assert list(result.sites["sector"]) == [
        "energy-batteries", "other", "transport-equipment", "servers-electronics", "cloud-datacenters", "other",
    ]  # fmt: skip
    assert [(w.row, w.reason, w.value) for w in result.warnings] == [(2, "sector_other", "Textile")]
    assert result.warnings_frame("fr").iloc[0]["Raison"].startswith("secteur non reconnu")


def test_amounts_with_units_and_an_investment_column_in_millions_were_ignored(geocoder, real_communes):
    """Regression: "15 M€" was refused and an "Investissement (M€)" column ignored."""
    data = "name,lat,lon,investissement\nA,50.69,3.17,15 M€\nB,50.69,3.17,300 k€\nC,50.69,3.17,\"1,2 Md€\"\n"
    result = upload("sites.csv", data.encode(), geocoder, real_communes)
    assert list(result.sites["investment_eur"]) == [15e6, 3e5, 1.2e9] and result.warnings == []
    in_millions = "Nom;lat;lon;Investissement (M€)\nA;50,69;3,17;2,5\nB;50,69;3,17;beaucoup\n".encode("cp1252")
    result = upload("sites.csv", in_millions, geocoder, real_communes)
    assert result.sites["investment_eur"].iloc[0] == 2.5e6 and pd.isna(result.sites["investment_eur"].iloc[1])
    assert [(w.row, w.reason) for w in result.warnings] == [(2, "bad_investment_eur")]
    assert result.ignored_columns == []


def test_approximate_jobs_were_dropped(geocoder, real_communes):
    """Regression: "env. 300" jobs was dropped without a word; now 300, with a warning."""
    data = "name,lat,lon,emplois\nA,50.69,3.17,env. 300\nB,50.69,3.17,~40\nC,50.69,3.17,120\n"
    result = upload("sites.csv", data.encode(), geocoder, real_communes)
    assert list(result.sites["jobs"]) == [300, 40, 120]
    assert [(w.row, w.reason, w.value) for w in result.warnings] == [(1, "approx_jobs", "env. 300"),
                                                                     (2, "approx_jobs", "~40")]  # fmt: skip


def test_a_row_with_only_a_postal_code_failed(geocoder, real_communes):
    """Regression: a row with only a postal code (38000) was not placed; Grenoble is its one commune."""
    result = upload("sites.csv", b"name,code_postal\nA,38000\nB,\n", geocoder, real_communes)
    assert result.error is None
    assert list(result.sites["insee"]) == ["38185"]
    assert [(f.row, f.reason) for f in result.failures] == [(2, "no_location")]
    alone = upload("sites.csv", b"cp\n38000\n", geocoder, real_communes)
    assert alone.error is None and list(alone.sites["insee"]) == ["38185"]


def test_swapped_latitude_and_longitude_only_said_outside(geocoder, real_communes):
    """Regression: lat/lon given the wrong way round only said "outside French communes"."""
    result = upload("sites.csv", b"name,lat,lon\nA,3.17,50.69\nSea,47.0,-6.0\n", geocoder, real_communes)
    assert list(result.sites["name"]) == ["A"]
    point = result.sites.geometry.iloc[0]
    assert (round(point.x, 2), round(point.y, 2)) == (3.17, 50.69)
    assert [(w.row, w.reason) for w in result.warnings] == [(1, "swapped_point")]
    assert [(f.row, f.reason) for f in result.failures] == [(2, "outside")]


def test_columns_the_upload_ignored_were_not_reported(geocoder, real_communes):
    """Regression: a column no field reads was dropped without a word."""
    data = "name,lat,lon,Contact,Remarques\nA,50.69,3.17,x,y\n"
    result = upload("sites.csv", data.encode(), geocoder, real_communes)
    assert result.ignored_columns == ["Contact", "Remarques"]
    assert result.notes("fr") == ["Colonnes ignorées (aucun champ ne les lit) : « Contact », « Remarques »."]
    doc = feature_collection(point_feature('{"name": "A", "jobs": 3, "couleur": "bleu"}'))
    assert upload("sites.geojson", doc, geocoder, real_communes).ignored_columns == ["couleur"]
