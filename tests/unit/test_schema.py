"""Tier 1: what is declared once (site schema, column aliases, territories, folding, atomic writes)."""

from __future__ import annotations

import os

import pandas as pd
import pytest
import shapely

from geo import atomic, export, schema, territories
from geo.names import normalize
from geo.text import column_key, fold, fold_words


def test_site_frame_has_every_field_typed_in_order():
    frame = schema.site_frame({"id": ["a"], "jobs": [None], "extra": [[1]]}, shapely.points([[2.3, 48.8]]))
    assert list(frame.columns) == [*schema.FIELD_NAMES, *schema.DERIVED_COLUMNS, "extra", "geometry"]
    assert frame["jobs"].dtype == "Int64" and frame["brownfield"].dtype == "boolean"
    assert frame["investment_eur"].dtype == "float64" and frame.crs.to_epsg() == 4326
    assert frame.loc[0, "extra"] == [1] and frame.loc[0, "name"] is None


def test_site_frame_refuses_a_short_column():
    with pytest.raises(ValueError, match="'name' has 2 values for 1 points"):
        schema.site_frame({"name": ["a", "b"]}, shapely.points([[2.3, 48.8]]))


@pytest.mark.parametrize(
    ("field", "value"),
    [("jobs", True), ("jobs", -1), ("opened", 1799), ("opened", 2020.0), ("former_closed", "1994"),
     ("announced", 2020), ("announced", "2020-13"), ("announced", "2020-2"), ("announced", "1799"),
     ("announced", "2020-02-11"), ("dates_source", {"year": 0}), ("dates_source", {"opened": -1}),
     ("dates_source", {"opened": True}), ("dates_source", [0]), ("investment_eur", float("nan")), ("investment_eur", 10**400),
     ("sector", "nope"), ("insee", "5916"), ("dep", "20"), ("id", "Not A Slug"), ("name", "  "), ("sector", ["x"])],
)  # fmt: skip
def test_one_rule_refuses_a_value_alone_and_in_a_column(field, value):
    spec = schema.SITE_FIELDS[field]
    assert not spec.accepts(value)
    try:
        assert not spec.column_ok([value])
    except TypeError:  # an unhashable value: the fast path then gives way to the worded check
        pass


def test_json_ready_gives_plain_python_values():
    column = pd.Series(pd.array([1, None], dtype="Int64"))
    assert schema.json_ready(column) == [1, None]
    assert schema.json_ready(pd.Series([1.5, float("nan")])) == [1.5, None]


def test_upload_and_cli_share_the_column_aliases():
    """The geocode CLI read 'dept' but not 'ville', the upload 'ville' but not 'dept': one table now."""
    found = schema.match_columns(["Ville", "Dept", "Code postal"])
    assert found == {"commune": 0, "departement": 1, "code_postal": 2}
    assert schema.match_columns(["x", "commune", "Commune"])["commune"] == 1  # the leftmost


def test_export_keeps_every_field_of_the_schema():
    assert set(schema.FIELD_NAMES) - {"commune"} <= set(export.EXPORT_COLUMNS)  # commune → commune_nom


@pytest.mark.parametrize(
    ("lon", "lat", "name"),
    [(2.35, 48.85, "Métropole"), (9.0, 42.0, "Corse"), (-61.0, 16.32, "Guadeloupe"),  # La Désirade's tip
     (-61.0, 14.6, "Martinique"), (-53.0, 4.0, "Guyane"), (55.45, -21.1, "La Réunion"), (45.1, -12.8, "Mayotte")],
)  # fmt: skip
def test_one_table_of_territories_for_boxes_and_distances(lon, lat, name):
    territory = territories.territory_of_point(lon, lat)
    assert territory.name == name and territories.in_france(lon, lat)
    for dep in territory.deps:
        assert territories.crs_for_dep(dep) == territory.crs == territories.crs_for_point(lon, lat)


def test_folding_is_one_function():
    assert fold_words("L'Œuvre-SAINT-Étienne") == ["l", "oeuvre", "saint", "etienne"]
    assert column_key("Code_Postal") == "codepostal" and fold("Châteauneuf") == "chateauneuf"
    assert normalize("ST-ÉTIENNE") == "saint etienne"


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    path = atomic.write_text(tmp_path / "a.csv", "old\n")
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    with pytest.raises(RuntimeError), atomic.replacing(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert path.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["a.csv"]
