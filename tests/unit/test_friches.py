"""geo.friches on tiny hand-made files: formats and dialects, every rejection named, the commune
check, vocabularies, owners and contacts never read, the command line."""

from __future__ import annotations

import codecs
import datetime as dt
import json

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import box

from geo import friches_schema as schema
from geo.__main__ import main as geo_main
from geo.friches import FrichesResult, friches_geojson, read_friches
from geo.friches_cells import parse_date, parse_insee, parse_number, parse_point, repair_text
from geo.geocode import Geocoder
from geo.i18n import TEXTS
from geo.problems import DataError

# Three 0.5° boxes (made-up codes), as tests/conftest.py's tiny_communes, with régions.
COMMUNES = [
    ("03901", "Alpha", "03", "84", box(2.0, 46.0, 2.5, 47.0)),
    ("03902", "Beta", "03", "84", box(2.5, 46.0, 3.0, 47.0)),
    ("58901", "Gamma", "58", "27", box(3.0, 46.0, 3.5, 47.0)),
]
# 03900 was merged into Alpha; Gamma-le-Neuf is a commune nouvelle's new name for 58900.
ALIASES = pd.DataFrame(
    {
        "alias_insee": ["03900"],
        "alias_nom": ["Vieux-Alpha"],
        "kind": ["deleguee"],
        "insee": ["03901"],
        "dep": ["03"],
    }
)


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    insee, nom, dep, reg, geoms = zip(*COMMUNES, strict=True)
    return gpd.GeoDataFrame(
        {"insee": insee, "nom": nom, "dep": dep, "reg": reg}, geometry=list(geoms), crs=4326
    )


@pytest.fixture(scope="module")
def geocoder(communes) -> Geocoder:
    return Geocoder(pd.DataFrame(communes.drop(columns="geometry")))


HEADER = (
    "site_id;site_nom;site_type;site_statut;comm_nom;comm_insee;unite_fonciere_surface;site_identif_date;"
    "site_actu_date;site_reconv_type;sol_pollution_existe;activite_libelle;proprio_nom;proprio_personne;"
    "proprio_type;source_producteur;source_contact;source_nom;geompoint"
)
OWNER = "SCI DES PROPRIETAIRES SECRETS"
CONTACT = "personne.privee@example.org"
PRODUCER = "jeanne martin"
GOOD = [
    # padded code, both date forms, a surface in m²
    f"A1;Ancienne usine;friche industrielle;friche sans projet;Alpha;3901;12000;10/10/2022;2023-01-31;NA;"
    f"pollution avérée;Fonderie|Dépôt;{OWNER};personne morale;P5a;{PRODUCER};{CONTACT};EPF;POINT (2.25 46.5)",
    # a merged commune's old code: mapped to the current one, the point agrees
    "A2;Friche B;Friche d’Habitat;Friche reconvertie;Vieux-Alpha;03900;NA;NA;NA;industrie;inconnu;NA;_X_;"
    "personne physique;X1a;NA;NA;EPF;POINT (2.1 46.1)",
    # declares Alpha, stands in Beta, 30 km away: reported, not fixed
    "A3;Friche C;inconnu;friche potentielle;Alpha;03901;1,5;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;EPF;POINT (2.9 46.5)",
    # a code neither current nor an alias, found by the declared name in its département
    "A4;Friche D;mixte;inconnu;Gamma;58900;NA;31/02/2022;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (3.2 46.5)",
]
BAD = {
    "status_invalid": "B1;X;inconnu;friche abandonnée;Alpha;03901;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (2.2 46.2)",
    "type_invalid": "B2;X;friche spatiale;friche potentielle;Alpha;03901;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (2.2 46.2)",
    "point_missing": "B3;X;inconnu;friche potentielle;Alpha;03901;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA",
    "point_invalid": "B4;X;inconnu;friche potentielle;Alpha;03901;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (abc)",
    "point_outside": "B5;X;inconnu;friche potentielle;Alpha;03901;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (46.5 2.25)",
    "id_duplicate": "A1;X;inconnu;friche potentielle;Alpha;03901;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (2.2 46.2)",
    "id_missing": "NA;X;inconnu;friche potentielle;Alpha;03901;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (2.2 46.2)",
    "insee_invalid": "B6;X;inconnu;friche potentielle;Alpha;ABCDE;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (2.2 46.2)",
    "insee_missing": "B7;X;inconnu;friche potentielle;Alpha;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;POINT (2.2 46.2)",
}
TEXT = "\n".join([HEADER, *GOOD, *BAD.values()]) + "\n"


@pytest.fixture(scope="module")
def result(communes, geocoder) -> FrichesResult:
    return read_friches(
        TEXT.encode("utf-8"), communes=communes, aliases=ALIASES, geocoder=geocoder, name="tiny.csv"
    )


def read(data: bytes, communes, geocoder) -> FrichesResult:
    return read_friches(data, communes=communes, aliases=ALIASES, geocoder=geocoder, name="tiny.csv")


def test_every_row_is_placed_or_rejected_with_its_reason(result):
    friches, report = result
    assert report.rows_read == len(GOOD) + len(BAD) == report.placed + len(report.rejected)
    assert list(friches["id"]) == ["A1", "A2", "A3", "A4"]
    assert report.by_reason == dict.fromkeys(BAD, 1)
    rows = {p.code: p.row for p in report.rejected}
    assert rows == {code: len(GOOD) + 1 + i for i, code in enumerate(BAD)}


@pytest.mark.parametrize("code", sorted(BAD))
def test_a_rejection_names_the_row_and_the_column(result, code):
    problem = next(p for p in result.report.rejected if p.code == code)
    column = {"id": "site_id", "point": "geompoint", "insee": "comm_insee", "status": "site_statut",
              "friche_type": "site_type"}[schema.REJECTIONS[code][0]]  # fmt: skip
    assert problem.column == column
    assert str(problem).startswith(f"row {problem.row}") and f"column {column!r}" in str(problem)
    assert problem.problem("tiny.csv").file == "tiny.csv"


def test_a_swapped_point_is_rejected_with_a_hint(result):
    problem = next(p for p in result.report.rejected if p.code == "point_outside")
    assert "swapped" in problem.message


def test_codes_are_padded_text_and_merged_communes_mapped(result):
    friches, report = result
    first = friches.iloc[0]
    assert (first["insee_declared"], first["insee"], first["dep"], first["reg"]) == (
        "03901",
        "03901",
        "03",
        "84",
    )
    assert report.notes["insee_padded"] == 1
    merged = friches.iloc[1]
    assert (merged["insee_declared"], merged["insee"], merged["commune_check"]) == (
        "03900",
        "03901",
        "merged",
    )
    assert friches["insee"].map(type).eq(str).all()


def test_the_point_is_checked_against_the_declared_commune_and_a_mismatch_reported(result):
    friches, report = result
    wrong = friches.iloc[2]
    assert wrong["commune_check"] == "mismatch"
    assert wrong["insee"] == "03901" and wrong["insee_point"] == "03902"  # reported, not changed
    assert 25_000 < wrong["commune_distance_m"] < 40_000
    assert report.commune_checks == {"ok": 1, "merged": 2, "mismatch": 1}


def test_a_new_code_is_found_by_the_declared_name(result):
    friches, report = result
    renamed = friches.iloc[3]
    assert (renamed["insee_declared"], renamed["insee"], renamed["commune_check"]) == (
        "58900",
        "58901",
        "merged",
    )
    assert report.notes["insee_by_name"] == 1


def test_vocabularies_surfaces_and_dates(result):
    friches, report = result
    assert list(friches["friche_type"]) == ["industrial", "housing", "unknown", "mixed"]
    assert list(friches["status"]) == ["without-project", "reused", "potential", "unknown"]
    assert list(friches["pollution"]) == ["proven", "unknown", "unknown", "unknown"]
    assert list(friches["reuse_type"]) == [None, "industry", None, None]
    assert friches["surface_m2"].tolist()[:3] == [12000.0, pytest.approx(float("nan"), nan_ok=True), 1.5]
    assert friches["surface_ha"].iloc[0] == 1.2
    assert friches["identified_on"].iloc[0] == pd.Timestamp("2022-10-10")
    assert friches["updated_on"].iloc[0] == pd.Timestamp("2023-01-31")
    assert friches["former_activity"].iloc[0] == "Fonderie; Dépôt"
    assert report.by_status == {"without-project": 1, "reused": 1, "potential": 1, "unknown": 1}
    # 31/02/2022 is no date: a warning naming the row and the column, the row kept
    (warning,) = report.warnings
    assert (warning.code, warning.row, warning.column) == ("date_invalid", 4, "site_identif_date")


def test_the_frame_has_the_schema_fields_and_dtypes(result):
    friches = result.friches
    assert list(friches.columns) == [*schema.FIELD_NAMES, "geometry"]
    for name, field in schema.FRICHE_FIELDS.items():
        assert str(friches[name].dtype) == field.dtype, name
        if not field.nullable:
            assert friches[name].notna().all(), name
        if field.vocab is not None:
            terms = field.vocab.terms if isinstance(field.vocab, schema.Vocabulary) else field.vocab
            assert set(friches[name].dropna()) <= set(terms), name
    assert friches.crs.to_epsg() == 4326 and (friches.geom_type == "Point").all()
    assert friches["cartofriches_url"].iloc[0] is None  # "A1": not a national id, no Cartofriches page


def test_a_cartofriches_link_only_for_the_national_inventory_s_ids():
    assert schema.cartofriches_url("59512_1234") == "https://cartofriches.cerema.fr/cartofriches/?site=59512_1234"
    assert schema.cartofriches_url("2A004_12") is not None
    for other in ("synthetic-000001", "A1", "59512", "59512_12x", "<script>_1"):
        assert schema.cartofriches_url(other) is None, other


def test_owners_and_contacts_never_reach_the_frame_nor_the_geojson(result, communes, geocoder):
    friches, report = result
    assert not set(friches.columns) & {*schema.PRIVATE_COLUMNS, "owner", "contact"}
    text = friches_geojson(friches)
    for secret in (OWNER, CONTACT, PRODUCER, "personne morale", "P5a", "X1a", "_X_"):
        assert secret not in text
        assert (
            not friches.astype(str).apply(lambda col, s=secret: col.str.contains(s, regex=False)).any().any()
        )
    assert set(report.dropped_columns) == set(schema.PRIVATE_COLUMNS)
    # the same file without those columns at all gives the same frame
    keep = [i for i, h in enumerate(HEADER.split(";")) if h not in schema.PRIVATE_COLUMNS]
    stripped = "\n".join(";".join(line.split(";")[i] for i in keep) for line in TEXT.splitlines()) + "\n"
    assert_geodataframe_equal(read(stripped.encode(), communes, geocoder).friches, friches)


def _resaved(text: str, *, delimiter=";", encoding="utf-8", bom=b"", newline="\n") -> bytes:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return bom + out.getvalue().encode(encoding)


@pytest.mark.parametrize(
    "options",
    [
        {"delimiter": ","},
        {"bom": codecs.BOM_UTF8},
        {"newline": "\r\n"},
        {"encoding": "cp1252"},
        {"encoding": "latin-1"},
        {"delimiter": ",", "bom": codecs.BOM_UTF8, "newline": "\r\n"},
    ],
    ids=["comma", "bom", "crlf", "cp1252", "latin-1", "all"],
)
def test_dialects_give_the_same_frame(result, communes, geocoder, options):
    text = TEXT.replace("’", "'")  # Latin-1 has no curly apostrophe
    again = read(_resaved(text, **options), communes, geocoder)
    assert_geodataframe_equal(again.friches, result.friches)
    assert again.report.by_reason == result.report.by_reason


PAGE_HEADER = (
    '"","Identifiant et lien Cartofriches","Département","Commune","Nom du site","Producteur de la donnée",'
    '"Statut","Type","Zonage d\'urbanisme","Surface (en Ha)","Coordonnées GPS (Longitude,Latitude)"'
)


def test_the_page_export_reads(communes, geocoder):
    lines = [
        PAGE_HEADER,
        '"1","P1 - <a href=""/?site=P1"" target=""_blank"">Voir sur la carte</a>","03 - Allier","ALPHA (3901)",'
        '"Usine","EPF","friche sans projet","friche industrielle","U",1.25,"2.25,46.5"',
        '"2","P2 - <a href=""/?site=P2"">Voir sur la carte</a>","58 - Nièvre","GAMMA (58901)","Dépôt","DDT",'
        '"friche avec projet","inconnu","Non renseigné","Non renseigné","3.2,46.5"',
        '"3","P3 - <a href=""/?site=P3"">x</a>","58 - Nièvre","GAMMA","Dépôt","DDT","friche avec projet",'
        '"inconnu","N",1,"3.2,46.5"',
    ]
    friches, report = read(("\r\n".join(lines) + "\r\n").encode("utf-8"), communes, geocoder)
    assert report.format == schema.PAGE and report.rows_read == 3 and report.placed == 2
    assert list(friches["id"]) == ["P1", "P2"]
    assert list(friches["insee"]) == ["03901", "58901"]
    assert friches["surface_m2"].iloc[0] == 12_500 and friches["surface_ha"].iloc[0] == 1.25
    assert pd.isna(friches["surface_ha"].iloc[1]) and friches["zoning_type"].iloc[1] is None
    assert list(friches["producer"]) == ["EPF", "DDT"]
    assert (friches.geometry.x.iloc[0], friches.geometry.y.iloc[0]) == (2.25, 46.5)
    (problem,) = report.rejected
    assert (problem.code, problem.row, problem.column) == ("insee_missing", 3, "Commune")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"name,lat,lon\nx,1,2\n", "not a friches file"),
        (b"\x00\x01\x02" * 50, "binary"),
    ],
)
def test_a_file_that_is_not_a_friches_file_is_refused_naming_it(communes, geocoder, data, message):
    with pytest.raises(DataError, match=message) as caught:
        read(data, communes, geocoder)
    assert caught.value.problems[0].file == "tiny.csv"


def test_a_file_with_no_usable_row_reads_empty(communes, geocoder):
    friches, report = read(("\n".join([HEADER, BAD["point_missing"]]) + "\n").encode(), communes, geocoder)
    assert friches.empty and not report.usable and report.by_reason == {"point_missing": 1}
    assert list(friches.columns) == [*schema.FIELD_NAMES, "geometry"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10/10/2022", dt.date(2022, 10, 10)),
        ("1/2/2021", dt.date(2021, 2, 1)),
        ("2022-10-10", dt.date(2022, 10, 10)),
        ("2022-10-10T12:00:00Z", dt.date(2022, 10, 10)),
        ("31/02/2022", None),
        ("2022", None),
        ("hier", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3013", ("03013", True)),
        ("03013", ("03013", False)),
        ("2A048", ("2A048", False)),
        ("2a048", ("2A048", False)),
        ("3013.0", ("03013", True)),
        ("97411", ("97411", False)),
        ("123", (None, False)),
        ("ABCDE", (None, False)),
    ],
)
def test_parse_insee(text, expected):
    assert parse_insee(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("11268", 11268.0), ("1 234,5", 1234.5), ("1234.5", 1234.5), ("inf", None), ("x", None)],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text, fmt, expected",
    [
        ("POINT (-1.453596 48.97212)", schema.STANDARD, (-1.453596, 48.97212)),
        ("point(2 46)", schema.STANDARD, (2.0, 46.0)),
        ("SRID=4326;POINT Z (2 46 10)", schema.STANDARD, (2.0, 46.0)),
        ("POINT EMPTY", schema.STANDARD, None),
        ("2.25,46.5", schema.PAGE, (2.25, 46.5)),
        ("POINT (2 46)", schema.PAGE, None),
    ],
)
def test_parse_point(text, fmt, expected):
    assert parse_point(text, fmt) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ancien moulin Ã\xa0 eau", "Ancien moulin à eau"),
        ("DÃ©pÃ´t de peaux", "Dépôt de peaux"),
        ("Dépôt", "Dépôt"),
        ("Ã‰cole", "École"),
        ("zone mixte Ã\xa0 vocation dâ\x80\x99habitat", "zone mixte à vocation d’habitat"),  # as Latin-1
        ("dâ€™habitat", "d’habitat"),  # as cp1252
        ("café» déjà", "café» déjà"),
        ("PRÃ", "PRÃ"),
    ],
)
def test_repair_text_undoes_utf8_read_as_cp1252_only(text, expected):
    assert repair_text(text) == expected


def test_every_cnig_value_is_in_a_vocabulary_with_both_labels():
    cnig_types = ["friche industrielle", "friche commerciale", "friche hospitalière", "friche agro-industrielle",
                  "Friche carrière ou mine", "friche militaire", "friche d'habitat", "friche d'équipement public",
                  "friche portuaire", "friche aéroportuaire", "friche ferroviaire", "friche logistique",
                  "friche loisir tourisme hôtellerie", "friche enseignement", "friche cultuelle", "mixte",
                  "autre", "inconnu", "agro-industrielle", "friche d’habitation", "FRICHE INDUSTRIELLE"]  # fmt: skip
    assert all(schema.FRICHE_TYPES.slug_of(t) for t in cnig_types)
    statuses = [
        "friche potentielle",
        "friche sans projet",
        "friche avec projet",
        "friche reconvertie",
        "inconnu",
    ]
    assert [schema.FRICHE_STATUSES.slug_of(s) for s in statuses] == [
        "potential", "without-project", "with-project", "reused", "unknown"]  # fmt: skip
    for vocab in (schema.FRICHE_STATUSES, schema.FRICHE_TYPES, schema.POLLUTION, schema.REUSE_TYPES):
        assert "unknown" in vocab.terms
        for slug, term in vocab.terms.items():
            assert term.fr and term.en and vocab.slug_of(term.fr) == slug


def test_a_spelling_that_means_two_things_is_refused():
    with pytest.raises(ValueError, match="means both"):
        schema._vocabulary("x", [("a", "Friche A", "A", "#000", ()), ("b", "B", "B", "#000", ("a",))])


def test_every_rejection_reason_has_texts_in_both_languages():
    for code in schema.REJECTIONS:
        key = f"friche_reason_{code}"
        assert TEXTS[key]["fr"] and TEXTS[key]["en"], key


def test_a_parcel_outline_is_kept_when_the_file_has_one(communes, geocoder):
    header = "site_id;site_statut;comm_insee;geompoint;geomsurf"
    lines = [
        header,
        "P1;friche sans projet;03901;POINT (2.25 46.5);POLYGON ((2.2 46.4, 2.3 46.4, 2.3 46.6, 2.2 46.4))",
        "P2;friche sans projet;03901;POINT (2.25 46.5);NA",
        "P3;friche sans projet;03901;POINT (2.25 46.5);POLYGON ((600000 6600000, 600100 6600000, 600000 6600100, 600000 6600000))",
    ]
    friches, report = read(("\n".join(lines) + "\n").encode(), communes, geocoder)
    assert list(friches.columns) == [*schema.FIELD_NAMES, "geometry", schema.PARCEL]
    assert (
        friches[schema.PARCEL].iloc[0].geom_type == "Polygon" and friches[schema.PARCEL].iloc[1:].isna().all()
    )
    # a polygon in Lambert-93 (not longitude/latitude): a warning, the row placed without it
    (warning,) = report.warnings
    assert (warning.code, warning.row, warning.column) == ("parcel_invalid", 3, "geomsurf")
    assert "geomsurf" not in friches_geojson(friches) and '"parcel"' not in friches_geojson(friches)


def test_friche_frame_refuses_an_unknown_column():
    with pytest.raises(ValueError, match="unknown column"):
        schema.friche_frame({"owner": ["x"]}, gpd.points_from_xy([2.0], [46.0]))


def test_the_geojson_is_deterministic_and_names_the_source(result):
    text = friches_geojson(result.friches)
    assert text == friches_geojson(result.friches)
    doc = json.loads(text)
    assert doc["attribution"].startswith("Cerema, Cartofriches")
    first = doc["features"][0]["properties"]
    assert first["identified_on"] == "2022-10-10" and first["insee"] == "03901"
    assert len(doc["features"]) == len(result.friches)


# --- the command line ----------------------------------------------------------------------------


def test_cli_prints_the_counts_and_exits_0_when_usable(tmp_path, capsys, monkeypatch, communes, geocoder):
    import geo.cli

    monkeypatch.setattr(
        geo.cli,
        "read_friches",
        lambda path: read_friches(path, communes=communes, aliases=ALIASES, geocoder=geocoder),
    )
    source = tmp_path / "friches.csv"
    source.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out.geojson"
    assert geo_main(["friches", str(source), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "rows read: 13" in printed and "placed: 4" in printed and "rejected: 9" in printed
    assert "  point_missing: 1" in printed and "  reused (Friche reconvertie): 1" in printed
    assert "row 7 (site_id 'B3'): column 'geompoint': no point" in printed
    assert "declares 03901 Alpha, point in 03902" in printed
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 4
    assert CONTACT not in printed and OWNER not in printed and CONTACT not in out.read_text(encoding="utf-8")


def test_cli_exits_1_when_the_file_is_not_usable(tmp_path, capsys, monkeypatch, communes, geocoder):
    import geo.cli

    monkeypatch.setattr(
        geo.cli,
        "read_friches",
        lambda path: read_friches(path, communes=communes, aliases=ALIASES, geocoder=geocoder),
    )
    useless = tmp_path / "useless.csv"
    useless.write_text(HEADER + "\n" + BAD["point_missing"] + "\n", encoding="utf-8")
    assert geo_main(["friches", str(useless), "-o", str(tmp_path / "o.geojson")]) == 1
    assert "no usable row" in capsys.readouterr().err
    assert not (tmp_path / "o.geojson").exists()
    other = tmp_path / "other.csv"
    other.write_text("name,lat,lon\nx,1,2\n", encoding="utf-8")
    assert geo_main(["friches", str(other)]) == 1
    assert "not a friches file" in capsys.readouterr().err
    assert geo_main(["friches", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_cli_refuses_to_write_under_data_or_over_the_input(tmp_path, capsys):
    from geo.paths import DATA_DIR

    source = tmp_path / "friches.csv"
    source.write_text(TEXT, encoding="utf-8")
    assert geo_main(["friches", str(source), "-o", str(DATA_DIR / "friches" / "x.geojson")]) == 2
    assert geo_main(["friches", str(source), "-o", str(source)]) == 2
    assert "refused" in capsys.readouterr().err
    assert not (DATA_DIR / "friches" / "x.geojson").exists()
