"""Tier 4: an upload's report of rows not placed or read with a warning, downloaded from the
sidebar in the page's language and its spreadsheets' dialect."""

import csv
import io

import pytest
from app_pages import APP, whole_page
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

FILE = (
    b"Nom;Commune;Secteur;Emplois;Contact\n"
    b"Filature [x](javascript:alert(1));Roubaix;Textile;env. 300;a@b.fr\n"
    b"Atelier;Nowherville;verre;12;\n"
    b"=1+1;Tourcoing;verre;5;\n"
)


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """The callables the app gives its download buttons, by file name (what a click runs)."""
    seen: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data, mimetype, coordinates, file_name=None, **kw):
        seen[file_name] = data
        return original(self, data, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


def uploaded(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = lang
    whole_page(at)
    at.get("file_uploader")[0].upload("mes-sites.csv", FILE, "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_upload_report_downloads_every_warning_row_in_french_excels_dialect(deferred):
    at = uploaded("fr")
    (button,) = [b for b in at.get("download_button") if b.proto.label == "Rapport de l'import (CSV)"]
    data = deferred["rapport-import.csv"]()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == [
        "Ligne",
        "Site",
        "Colonne",
        "Valeur donnée",
        "Ce que l'application a fait",
        "Communes possibles",
    ]
    by = {(row[0], row[2]): row for row in rows[1:]}
    assert by[("", "Contact")][4] == "colonne ignorée : aucun champ ne la lit"
    assert by[("2", "Secteur")][3] == "Textile" and by[("2", "Emplois")][3] == "env. 300"
    assert by[("2", "Secteur")][1] == "Filature [x](javascript:alert(1))"  # the name as the file gives it
    assert by[("3", "Commune")][4] == "ligne non placée : commune introuvable"
    assert not any(cell.startswith("=") for row in rows for cell in row)  # no formula
    # on the page, the file's text is never Markdown (the tables show it as text)
    assert "javascript:alert" not in " ".join(m.proto.body for m in at.markdown)
    assert button.proto.help  # says what the report lists


def test_the_upload_report_in_english_is_comma_separated(deferred):
    uploaded("en")
    rows = list(
        csv.reader(
            io.StringIO(deferred["upload-report.csv"]().decode("utf-8-sig"), newline=""), delimiter=","
        )
    )
    assert rows[0][:5] == ["Row", "Site", "Column", "Value given", "What the app did"]
    assert any(row[4] == "row not placed: commune not found" for row in rows)


def test_a_clean_upload_has_no_report_button():
    at = whole_page(AppTest.from_file(APP, default_timeout=90))
    at.get("file_uploader")[0].upload("ok.csv", b"nom,commune,emplois\nA,Roubaix,12\n", "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not [b for b in at.get("download_button") if "import" in b.proto.label]
