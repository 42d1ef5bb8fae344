"""Tier 1–2: the downloadable report of an upload (every row not placed or read with a
warning, every column ignored), in the page's language and its spreadsheets' dialect."""

import csv
import io
import json

import pytest

from geo.geocode import Geocoder
from geo.upload import read_upload
from geo.upload_report import has_report, report_csv, report_frame

# A planner's file, as Excel saves it in French: a blank line (a row of the sheet), an
# ignored column, a sector word none matches, "env. 300", an unknown brownfield flag and
# status, a commune not found, swapped coordinates, a formula in a name.
PLANNER_CSV = (
    "Nom;Commune;Secteur;Emplois;Friche;Statut;Investissement (M€);Contact;lat;lon\n"
    "Filature;Roubaix;Textile;env. 300;peut-être;en cours;15;a@b.fr;;\n"
    "\n"
    "Atelier;Nowherville;verre;12;oui;;;;;\n"
    '=HYPERLINK("http://x");;Batteries;abc;non;Annoncé;-3;;3.17;50.69\n'
    "Sans lieu;;;;;;;;;\n"
).encode()


@pytest.fixture(scope="module")
def planner(real_communes):
    return read_upload("sites.csv", PLANNER_CSV, geocoder=Geocoder.from_data(), communes=real_communes)


def rows_of(data: bytes, sep: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the accents
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=sep))


def test_the_report_names_each_row_as_the_spreadsheet_numbers_it(planner):
    frame = report_frame(planner, "fr")
    assert list(frame.columns) == [
        "Ligne", "Site", "Colonne", "Valeur donnée", "Ce que l'application a fait", "Communes possibles",
    ]  # fmt: skip
    by_row = frame[frame["Ligne"] != ""].groupby("Ligne")
    # header = row 1, Filature = row 2, the blank line = row 3, Atelier = 4, the formula = 5, Sans lieu = 6
    assert sorted(by_row.groups) == [2, 4, 5, 6]
    filature = frame[frame["Ligne"] == 2].set_index("Colonne")
    assert filature.loc["Secteur", "Valeur donnée"] == "Textile"
    assert filature.loc["Secteur", "Ce que l'application a fait"].startswith("secteur non reconnu")
    assert filature.loc["Emplois", "Valeur donnée"] == "env. 300"
    assert "approximatif" in filature.loc["Emplois", "Ce que l'application a fait"]
    assert filature.loc["Friche", "Valeur donnée"] == "peut-être"
    assert filature.loc["Statut", "Valeur donnée"] == "en cours"
    atelier = frame[frame["Ligne"] == 4].iloc[0]
    assert (atelier["Colonne"], atelier["Valeur donnée"]) == ("Commune", "Nowherville")
    assert atelier["Ce que l'application a fait"] == "ligne non placée : commune introuvable"
    formula = frame[frame["Ligne"] == 5].set_index("Colonne")
    assert formula.loc["lat / lon", "Valeur donnée"] == "3.17, 50.69"
    assert formula.loc["lat / lon", "Ce que l'application a fait"].startswith(
        "latitude et longitude inversées"
    )
    assert formula.loc["Emplois", "Valeur donnée"] == "abc"
    # the investment read from the column whose name gives the unit is named by that column
    assert formula.loc["Investissement (M€)", "Valeur donnée"] == "-3"
    sans_lieu = frame[frame["Ligne"] == 6].iloc[0]
    assert (
        sans_lieu["Ce que l'application a fait"] == "ligne non placée : ni commune, ni code INSEE, ni lat/lon"
    )
    ignored = frame[frame["Ligne"] == ""]
    assert list(ignored["Colonne"]) == ["Contact"]
    assert list(ignored["Ce que l'application a fait"]) == ["colonne ignorée : aucun champ ne la lit"]


def test_the_page_tables_number_the_rows_as_the_report_does(planner):
    assert list(planner.failures_frame("fr")["Ligne"]) == [4, 6]
    assert set(planner.warnings_frame("fr")["Ligne"]) == {2, 5}


def test_the_french_report_opens_as_columns_in_french_excel_with_no_formula(planner):
    rows = rows_of(report_csv(planner, "fr"), ";")
    assert rows[0][0] == "Ligne" and all(len(row) == len(rows[0]) for row in rows)
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells  # the name as text, never run
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert "-3" in cells  # a number that starts with '-' stays a number


def test_the_english_report_is_comma_separated_and_in_english(planner):
    rows = rows_of(report_csv(planner, "en"), ",")
    assert rows[0] == ["Row", "Site", "Column", "Value given", "What the app did", "Possible communes"]
    actions = [row[4] for row in rows[1:]]
    assert "row not placed: commune not found" in actions
    assert "column ignored: no field reads it" in actions


def test_a_geojson_report_names_features_and_the_geometry(real_communes):
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"nom": "A", "secteur": "Textile"},
                 "geometry": {"type": "Point", "coordinates": [3.17, 50.69]}},
                {"type": "Feature", "properties": {"nom": "B"},
                 "geometry": {"type": "Point", "coordinates": [-30.0, 10.0]}},
            ],
        }
    ).encode()  # fmt: skip
    result = read_upload("s.geojson", data, geocoder=Geocoder.from_data(), communes=real_communes)
    frame = report_frame(result, "fr")
    assert list(frame["Entité"]) == [1, 2]
    assert list(frame["Colonne"]) == ["secteur", "geometry"]
    assert frame.iloc[1]["Valeur donnée"] == "10.0, -30.0"


def test_a_clean_upload_has_nothing_to_report(real_communes):
    result = read_upload(
        "ok.csv",
        b"nom,commune,emplois\nA,Roubaix,12\n",
        geocoder=Geocoder.from_data(),
        communes=real_communes,
    )
    assert not has_report(result) and report_frame(result, "fr").empty


def test_rows_after_excels_sep_line_are_numbered_as_excel_shows_them(real_communes):
    """Excel hides its 'sep=;' line: the header is its row 1."""
    data = b"sep=;\nnom;commune;secteur\nA;Roubaix;Textile\n"
    result = read_upload("s.csv", data, geocoder=Geocoder.from_data(), communes=real_communes)
    assert list(report_frame(result, "fr")["Ligne"]) == [2]
