"""Tier 1: each jobs figure says what it counts (created / target / headcount), on the card,
in the headline figure, in the exports and from an upload."""

import csv
import io

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo import export
from geo.aggregate import kpis
from geo.mapview.cards import jobs_with_kind, site_cards
from geo.schema import JOBS_KINDS, match_columns
from geo.upload import _jobs_kind
from ui.panels import jobs_kinds_words, kpi_values


def sites_with(jobs, kinds):
    n = len(jobs)
    return gpd.GeoDataFrame(
        {
            "id": [f"s-{i}" for i in range(n)],
            "name": [f"Site {i}" for i in range(n)],
            "sector": ["glass"] * n,
            "status": ["operating"] * n,
            "jobs": pd.array(jobs, dtype="Int64"),
            "jobs_kind": kinds,
            "jobs_note": [None] * n,
            "brownfield": pd.array([None] * n, dtype="boolean"),
            "investment_eur": [float("nan")] * n,
        },
        geometry=[Point(3.17, 50.69)] * n,
        crs="EPSG:4326",
    )


def test_the_card_said_700_jobs_without_saying_of_what_kind():
    assert jobs_with_kind(700, "created", "fr") == "700 emplois (à créer)"
    assert jobs_with_kind(300, "target", "en") == "300 jobs (target)"
    assert jobs_with_kind(500, None, "fr") == "500 emplois"  # an upload without a kind: the figure alone
    assert jobs_with_kind(None, None, "fr") == "emplois non chiffrés"
    texts = site_cards(sites_with([700], ["created"]), "fr")
    row = texts.keys.index("f_jobs")
    assert texts.strings[texts.codes[0, row]].startswith("700 emplois (à créer)")


def test_every_kind_has_a_label_in_both_languages():
    for kind in JOBS_KINDS:
        assert jobs_with_kind(2, kind, "fr") != jobs_with_kind(2, kind, "en")


def test_the_jobs_headline_summed_figures_of_different_kinds_without_saying_so():
    sites = sites_with([500, 700, 300, 180, 40, None], ["headcount", "created", "target", "created", None, None])
    assert kpis(sites).jobs_by_kind == {"created": 880, "target": 300, "headcount": 500, None: 40}
    words = jobs_kinds_words(kpis(sites).jobs_by_kind, "fr")
    assert words == "dont 880 à créer, 300 visés à terme, 500 recensés, 40 de nature n.c."
    jobs = kpi_values(sites, "fr")[1]
    assert jobs.value == "1\u202f720" and jobs.note == "sur 5 des 6 sites" and jobs.detail == words
    assert "Dont 880 à créer" in jobs.help


def test_no_jobs_figure_keeps_nc_and_says_no_kind():
    jobs = kpi_values(sites_with([None], [None]), "fr")[1]
    assert jobs.value == "n.c." and jobs.detail is None


def test_the_csv_names_the_kind_in_the_language_with_its_slug_beside():
    sites = sites_with([700, None], ["created", None])
    rows = list(csv.DictReader(io.StringIO(export.sites_csv(sites, "fr").decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["emplois_nature"] == "à créer" and rows[0]["emplois_nature_code"] == "created"
    assert rows[1]["emplois_nature"] == "" and rows[1]["emplois"] == ""
    en = list(csv.DictReader(io.StringIO(export.sites_csv(sites, "en").decode("utf-8-sig"))))
    assert en[0]["jobs_kind"] == "to be created"
    assert "jobs_kind" in export.EXPORT_COLUMNS


@pytest.mark.parametrize(
    ("text", "kind"),
    [("created", "created"), ("À créer", "created"), ("Recrutements", "created"), ("objectif", "target"),
     ("à terme", "target"), ("Effectif", "headcount"), ("headcount", "headcount"), ("", None)],
)  # fmt: skip
def test_an_upload_reads_the_kind_of_its_jobs(text, kind):
    assert _jobs_kind(text) == (kind, "")


def test_an_unknown_kind_is_set_aside_not_guessed():
    assert _jobs_kind("beaucoup") == (None, "beaucoup")


def test_the_kind_column_is_found_by_its_usual_names():
    for header in (["Nom", "Emplois", "Type d'emplois"], ["name", "jobs", "jobs_kind"], ["Nature des emplois"]):
        assert "jobs_kind" in match_columns(header), header
