"""Tier 1: the sites table as it shows them: no "None", unknown figures "n.c.", most jobs first."""

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from ui.panels import TABLE_COLUMNS, TABLE_SELECT_WIDTH, sites_table_frame


def sites(jobs, investment, opened):
    n = len(jobs)
    return gpd.GeoDataFrame(
        {
            "id": [f"s-{i}" for i in range(n)],
            "name": [f"Site {i}" for i in range(n)],
            "company": [None] * n,
            "sector": ["glass"] * n,
            "status": ["operating"] * n,
            "commune_nom": ["Croix"] + [None] * (n - 1),
            "dep_nom": ["Nord"] + ["Seine-et-Marne"] * (n - 1),
            "dep": ["59"] + ["77"] * (n - 1),
            "jobs": pd.array(jobs, dtype="Int64"),
            "brownfield": pd.array([True] + [None] * (n - 1), dtype="boolean"),
            "investment_eur": investment,
            "announced": ["2020-02"] + [None] * (n - 1),
            "opened": pd.array(opened, dtype="Int64"),
        },
        geometry=[Point(3.17, 50.69)] * n,
        crs="EPSG:4326",
    )


def test_the_table_showed_none_for_unknown_figures():
    table = sites_table_frame(sites([None, 1200, 5], [float("nan"), 4e7, float("nan")], [None, 2021, None]), "fr")
    cells = table.astype(str).to_numpy().ravel().tolist()
    assert not any(c in ("None", "nan", "<NA>", "NaT") for c in cells)
    assert list(table["Emplois"]) == ["1\u202f200", "5", "n.c."]  # most jobs first, unknown last
    assert list(table["Investissement"]) == ["40\xa0M€", "n.c.", "n.c."]
    assert list(table["Ouverture"]) == ["2021", "n.c.", "n.c."]  # a year, not 2 021
    assert list(table["Commune"]) == ["Seine-et-Marne (77)", "Seine-et-Marne (77)", "Croix (59)"]
    assert list(table["Sur friche"]) == ["n.c.", "n.c.", "Oui"]
    assert list(table["Entreprise"]) == ["", "", ""]


def test_the_english_table_reads_n_a():
    table = sites_table_frame(sites([None], [float("nan")], [None]), "en")
    assert table.iloc[0]["Jobs"] == "n/a" and table.iloc[0]["Opened"] == "n/a"
    assert table.iloc[0]["Announced"] == "2020-02"


def test_every_column_of_the_table_has_a_width_and_they_fit_1400_px():
    """Regression: at 1400 px the table scrolled sideways and hid its last columns. The main
    column is 1,020 px wide beside the sidebar (checked with a screenshot)."""
    table = sites_table_frame(sites([1], [1.0], [2020]), "fr")
    assert len(TABLE_COLUMNS) == len(table.columns)
    # (and the rows' selection boxes, since a row selects its site: issue 10)
    assert sum(width for _, width, _ in TABLE_COLUMNS) + TABLE_SELECT_WIDTH <= 1015
