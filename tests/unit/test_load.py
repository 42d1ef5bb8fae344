"""Tier 1: geo.load on tiny hand-made communes and sites."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point, Polygon

from geo import communes as layers
from geo import load, territories
from geo.cli import validate as run_validate_cli
from geo.load import DataError, Problem, read_sites, validate_sites

FIXTURES = Path(__file__).parents[1] / "fixtures"
NAME = "test.geojson"


def problems_of(data: bytes, tiny_communes) -> list[Problem]:
    return validate_sites(data, communes=tiny_communes, name=NAME)


# --- Problem and DataError ---------------------------------------------------------------


def test_problem_str_names_file_feature_and_field():
    problem = Problem("data/sites.geojson", "croix-ovh", "jobs", "expected an integer or null, got 'abc'")
    assert str(problem) == (
        "data/sites.geojson: feature 'croix-ovh': field 'jobs': expected an integer or null, got 'abc'"
    )
    assert str(Problem("f.geojson", "#3", "", "oops")) == "f.geojson: feature #3: oops"
    assert str(Problem("f.geojson", "", "", "oops")) == "f.geojson: oops"


def test_data_error_lists_every_problem_one_per_line():
    problems = [Problem("f", "a", "jobs", "one"), Problem("f", "b", "year", "two")]
    error = DataError(problems)
    assert isinstance(error, ValueError)
    assert error.problems == problems
    assert str(error).splitlines() == [str(p) for p in problems]


# --- A good file -----------------------------------------------------------------------------


def test_good_site_reads_into_a_typed_geodataframe(tiny_communes, site, geojson):
    data = geojson(
        site(),
        site(coordinates=[2.75, 46.5], id="beta-atelier", insee="03902", jobs=None, jobs_note=None, jobs_kind=None),
    )
    sites = read_sites(data, communes=tiny_communes, name=NAME)
    sources = [
        {"title": "Un article", "publisher": "Un journal", "date": "2021-03", "url": "https://example.org/a"}
    ]
    expected = gpd.GeoDataFrame(
        {
            "id": ["alpha-usine", "beta-atelier"],
            "name": ["Usine d'Alpha"] * 2,
            "company": ["Alpha SA"] * 2,
            "activity": ["Fabrication de boîtes"] * 2,
            "sector": ["metals-machinery"] * 2,
            "status": ["operating"] * 2,
            "insee": ["03901", "03902"],
            "commune": ["Alpha"] * 2,
            "dep": ["03"] * 2,
            "jobs": pd.array([120, None], dtype="Int64"),
            "jobs_note": ["120 emplois créés", None],
            "jobs_kind": ["created", None],
            "brownfield": pd.array([True, True], dtype="boolean"),
            "brownfield_history": ["Ancienne filature"] * 2,
            "investment_eur": [5e6, 5e6],
            "surface_m2": [8000.5, 8000.5],
            "announced": ["2019-11"] * 2,
            "opened": pd.array([2021, 2021], dtype="Int64"),
            "former_closed": pd.array([2015, 2015], dtype="Int64"),
            "dates_source": [{"announced": 0, "opened": 0, "former_closed": 0}] * 2,
            "location_precision": ["commune"] * 2,
            "sources": [sources, sources],
            "announced_year": pd.array([2019, 2019], dtype="Int64"),
        },
        geometry=[Point(2.25, 46.5), Point(2.75, 46.5)],
        crs="EPSG:4326",
    )
    assert_geodataframe_equal(sites, expected)


def test_extra_properties_are_kept_after_the_schema_columns(tiny_communes, site, geojson):
    sites = read_sites(geojson(site(cluster=True, notes="une note")), communes=tiny_communes)
    assert list(sites.columns[-3:]) == ["cluster", "notes", "geometry"]
    assert sites.loc[0, "notes"] == "une note"


def test_empty_collection_gives_an_empty_geodataframe(tiny_communes, geojson):
    sites = read_sites(geojson(), communes=tiny_communes)
    assert len(sites) == 0
    assert sites.crs == "EPSG:4326"
    assert list(sites.columns[:2]) == ["id", "name"]


def test_source_may_be_bytes_text_or_path(tmp_path, site, geojson):
    data = geojson(site())
    path = tmp_path / "sites.geojson"
    path.write_bytes(data)
    from_bytes = read_sites(data)
    for source in (data.decode(), path, str(path)):
        assert_geodataframe_equal(read_sites(source), from_bytes)


def test_without_communes_places_are_not_checked(site, geojson):
    assert validate_sites(geojson(site(insee="03902"))) == []


def test_communes_in_another_crs_are_reprojected(tiny_communes, site, geojson):
    data = geojson(site(coordinates=[2.75, 46.5]))
    problems = validate_sites(data, communes=tiny_communes.to_crs(2154), name=NAME)
    assert [p.field for p in problems] == ["geometry"]
    assert validate_sites(geojson(site()), communes=tiny_communes.to_crs(2154)) == []


# --- Each kind of problem ------------------------------------------------------------------

PROPERTY_PROBLEMS = [
    # (overrides, field, words of the message)
    ({"id": "Croix OVH"}, "id", "slug"),
    ({"id": 7}, "id", "slug"),
    ({"name": ""}, "name", "non-empty string"),
    ({"name": None}, "name", "got null"),
    ({"company": 3}, "company", "a string or null, got 3"),
    ({"activity": None}, "activity", "got null"),
    ({"sector": "steel"}, "sector", "'leather-goods'"),
    ({"status": "done"}, "status", "'operating', 'under-construction', 'planned', 'announced', got 'done'"),
    ({"location_precision": "gps"}, "location_precision", "'departement'"),
    ({"insee": "3901"}, "insee", "5-character INSEE code"),
    ({"insee": 3901}, "insee", "got 3901"),
    ({"insee": "03901\n"}, "insee", "5-character INSEE code"),
    ({"insee": "\u0660\u0663\u0669\u0660\u0661"}, "insee", "5-character INSEE code"),  # Arabic-Indic digits
    ({"id": "alpha-usine\n"}, "id", "slug"),
    ({"insee": None}, "insee", "only allowed when location_precision is 'departement'"),
    ({"dep": 3}, "dep", "département code string"),
    ({"dep": "20"}, "dep", "got '20'"),
    ({"jobs": "abc"}, "jobs", "expected an integer from 0 to 10,000,000 or null, got 'abc'"),
    ({"jobs": -1}, "jobs", "got -1"),
    ({"jobs": True}, "jobs", "got true"),
    ({"jobs": 1.5}, "jobs", "got 1.5"),
    ({"jobs": 10**30}, "jobs", "integer"),
    ({"jobs": 10, "jobs_note": None}, "jobs_note", "required"),
    ({"jobs": 10, "jobs_note": "  "}, "jobs_note", "required"),
    ({"jobs": 10, "jobs_kind": None}, "jobs_kind", "required when jobs is given: one of 'created', 'target'"),
    ({"jobs_kind": "recrutements"}, "jobs_kind", "got 'recrutements'"),
    ({"brownfield": "yes"}, "brownfield", "true, false or null"),
    ({"brownfield_history": 1}, "brownfield_history", "string or null"),
    ({"investment_eur": -5}, "investment_eur", "number ≥ 0"),
    ({"investment_eur": "40 M€"}, "investment_eur", "got '40 M€'"),
    ({"surface_m2": True}, "surface_m2", "got true"),
    ({"year": 2021}, "year", "no longer a field: it mixed announcement and opening years"),
    ({"announced": 2020}, "announced", "'YYYY' or a year and month 'YYYY-MM' as a string"),
    ({"announced": "février 2020"}, "announced", "got 'février 2020'"),
    ({"announced": "2020-02-11"}, "announced", "got '2020-02-11'"),
    ({"opened": 1799}, "opened", "from 1800 to 2100"),
    ({"opened": 2020.0}, "opened", "got 2020.0"),
    ({"former_closed": "1994"}, "former_closed", "got '1994'"),
    ({"dates_source": [0]}, "dates_source", "the position of its source"),
    ({"dates_source": {"year": 0}}, "dates_source", "got {"),
    ({"dates_source": {"announced": 0, "opened": 0}}, "dates_source", "no source for former_closed"),
    ({"dates_source": {"announced": 0, "opened": 0, "former_closed": 3}}, "dates_source",
     "former_closed: no source at position 3 (sources has 1)"),
    ({"announced": None}, "dates_source", "a source for announced, which is null"),
    ({"status": "planned"}, "opened", "2021 given but status is 'planned'"),
    ({"brownfield": None}, "former_closed", "only for a site on a brownfield"),
    ({"former_closed": 2022}, "former_closed", "2022 is after the opening year 2021"),
    ({"announced": "2022-01"}, "announced", "'2022-01' is after the opening year 2021"),
    ({"sources": []}, "sources", "non-empty list"),
    ({"sources": "Le Monde"}, "sources", "non-empty list"),
    ({"sources": ["Le Monde"]}, "sources[0]", "expected an object"),
    ({"sources": [{"publisher": "P", "date": "2020", "url": None}]}, "sources[0].title", "non-empty string"),
    (
        {"sources": [{"title": "T", "publisher": "P", "date": 2020, "url": None}]},
        "sources[0].date",
        "got 2020",
    ),
    (
        {"sources": [{"title": "T", "publisher": "P", "date": "2020", "url": "javascript:alert(1)"}]},
        "sources[0].url",
        "http:// or https://",
    ),
    ({"sources": [{"title": "T", "publisher": "P", "date": "2020"}]}, "sources[0].url", "missing"),
    ({"geometry": "x"}, "geometry", "reserved name"),
    ({"insee": "03999"}, "insee", "unknown INSEE code '03999'"),
    ({"dep": "58"}, "dep", "Alpha (03901) is in département '03'"),
]


@pytest.mark.parametrize(("overrides", "field", "words"), PROPERTY_PROBLEMS)
def test_property_problem_names_file_feature_and_field(tiny_communes, site, geojson, overrides, field, words):
    feature = site(**overrides)
    problems = problems_of(geojson(feature), tiny_communes)
    # A feature is named by its id when it has a string id, else by its position.
    label = overrides.get("id", "alpha-usine")
    label = label if isinstance(label, str) else "#0"
    assert [(p.file, p.feature, p.field) for p in problems] == [(NAME, label, field)], problems
    assert words in problems[0].message


@pytest.mark.parametrize(
    "field", ["id", "name", "sector", "insee", "dep", "jobs", "sources", "location_precision"]
)
def test_missing_property_is_reported(tiny_communes, site, geojson, field):
    feature = site()
    del feature["properties"][field]
    problems = problems_of(geojson(feature), tiny_communes)
    assert field in [p.field for p in problems]
    assert any(p.field == field and p.message.startswith("missing") for p in problems)


GEOMETRY_PROBLEMS = [
    (
        {"type": "LineString", "coordinates": [[2.2, 46.5], [2.3, 46.6]]},
        "expected a Point geometry, got 'LineString'",
    ),
    (None, "expected a Point geometry, got null"),
    ({"type": "Point", "coordinates": [2.2]}, "2 finite numbers"),
    ({"type": "Point", "coordinates": [2.2, 46.5, 100]}, "2 finite numbers"),
    ({"type": "Point", "coordinates": ["2.2", "46.5"]}, "2 finite numbers"),
    ({"type": "Point", "coordinates": [True, 46.5]}, "2 finite numbers"),
    ({"type": "Point", "coordinates": [0, 0]}, "outside France"),
    ({"type": "Point", "coordinates": [46.5, 2.25]}, "outside France"),  # latitude and longitude swapped
]


@pytest.mark.parametrize(("geometry", "words"), GEOMETRY_PROBLEMS)
def test_geometry_problem_is_reported(tiny_communes, site, geojson, geometry, words):
    feature = site()
    feature["geometry"] = geometry
    problems = problems_of(geojson(feature), tiny_communes)
    assert [(p.feature, p.field) for p in problems] == [("alpha-usine", "geometry")]
    assert words in problems[0].message


def test_non_finite_coordinates_are_reported(tiny_communes):
    text = (FIXTURES / "sites_good.geojson").read_text().replace("[2.25, 46.5]", "[NaN, 46.5]")
    problems = problems_of(text.encode(), tiny_communes)
    assert [(p.feature, p.field) for p in problems] == [("alpha-usine", "geometry")]


def test_point_in_another_commune_names_both_communes(tiny_communes, site, geojson):
    problems = problems_of(geojson(site(coordinates=[3.25, 46.5])), tiny_communes)
    assert [(p.feature, p.field) for p in problems] == [("alpha-usine", "geometry")]
    assert "is not in Alpha (03901)" in problems[0].message
    assert "falls in Gamma (58901, département 58)" in problems[0].message


def test_point_in_no_commune_says_so(tiny_communes, site, geojson):
    problems = problems_of(geojson(site(coordinates=[4.0, 46.5])), tiny_communes)
    assert "falls in no commune" in problems[0].message


@pytest.mark.parametrize("insee", ["03901", "03902"])
def test_point_on_the_shared_border_belongs_to_both_communes(tiny_communes, site, geojson, insee):
    assert problems_of(geojson(site(coordinates=[2.5, 46.5], insee=insee)), tiny_communes) == []


@pytest.mark.parametrize("dep", ["03", "58"])
def test_departement_site_on_a_departement_border_belongs_to_both(tiny_communes, site, geojson, dep):
    feature = site(
        coordinates=[3.0, 46.5], insee=None, commune=None, dep=dep, location_precision="departement"
    )
    assert problems_of(geojson(feature), tiny_communes) == []


def test_departement_site_outside_its_departement(tiny_communes, site, geojson):
    feature = site(coordinates=[3.25, 46.5], insee=None, commune=None, location_precision="departement")
    problems = problems_of(geojson(feature), tiny_communes)
    assert [(p.feature, p.field) for p in problems] == [("alpha-usine", "geometry")]
    assert "not in département 03" in problems[0].message
    assert "Gamma (58901" in problems[0].message


FEATURE_PROBLEMS = [
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.2, 46.5]}}, "properties"),
    ({"type": "Feature", "properties": None, "geometry": None}, "properties"),
    ({"type": "Thing"}, "type"),
    ("a string", "type"),
]


@pytest.mark.parametrize(("feature", "field"), FEATURE_PROBLEMS)
def test_malformed_feature_is_named_by_its_position(tiny_communes, site, geojson, feature, field):
    problems = problems_of(geojson(site(), feature), tiny_communes)
    assert (NAME, "#1", field) in [(p.file, p.feature, p.field) for p in problems]


FILE_PROBLEMS = [
    ({"type": "Feature", "properties": {}, "geometry": None}, "type", "FeatureCollection"),
    ([], "type", "FeatureCollection"),
    ({"type": "FeatureCollection", "features": {}}, "features", "list of features"),
    (
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "EPSG:2154"}},
            "features": [],
        },
        "crs",
        "'EPSG:2154'",
    ),
    ({"type": "FeatureCollection", "crs": "EPSG:4326", "features": []}, "crs", "named CRS"),
]


@pytest.mark.parametrize(("doc", "field", "words"), FILE_PROBLEMS)
def test_file_level_problem(doc, field, words):
    problems = validate_sites(json.dumps(doc).encode(), name=NAME)
    assert [(p.file, p.feature, p.field) for p in problems] == [(NAME, "", field)]
    assert words in problems[0].message


@pytest.mark.parametrize(
    "name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "OGC:CRS84", "WGS84"]
)
def test_wgs84_crs_member_is_accepted(site, geojson, name):
    assert validate_sites(geojson(site(), crs={"type": "name", "properties": {"name": name}})) == []


def test_duplicate_id_is_reported_on_the_second_feature_named_by_position(tiny_communes, site, geojson):
    problems = problems_of(geojson(site(), site(coordinates=[2.3, 46.6])), tiny_communes)
    assert [(p.feature, p.field) for p in problems] == [("#1", "id")]
    assert problems[0].message == "duplicate id 'alpha-usine': also the id of feature #0"


def test_every_problem_of_a_file_is_reported(tiny_communes):
    problems = validate_sites(FIXTURES / "sites_bad.geojson", communes=tiny_communes)
    found = sorted((p.file, p.feature, p.field) for p in problems)
    file = "tests/fixtures/sites_bad.geojson"
    assert found == sorted(
        [
            (file, "alpha-usine", "jobs"),
            (file, "alpha-usine", "geometry"),  # in Beta, not Alpha
            (file, "#1", "geometry"),  # outside France (latitude and longitude swapped)
            (file, "#1", "sector"),
            (file, "#1", "id"),  # duplicate
        ]
    )
    with pytest.raises(DataError) as info:
        read_sites(FIXTURES / "sites_bad.geojson", communes=tiny_communes)
    assert info.value.problems == problems


# --- Hostile and malformed input ---------------------------------------------------------------


def test_hostile_text_is_kept_as_data_unaltered(tiny_communes, site, geojson):
    hostile = '<script>alert(1)</script> & "quotes" \' \u202e'
    sites = read_sites(geojson(site(name=hostile, notes=hostile)), communes=tiny_communes)
    assert sites.loc[0, "name"] == hostile
    assert sites.loc[0, "notes"] == hostile


def test_malformed_json_gives_a_data_error_with_line_and_column():
    with pytest.raises(DataError) as info:
        read_sites(FIXTURES / "sites_malformed.geojson")
    [problem] = info.value.problems
    assert problem.file == "tests/fixtures/sites_malformed.geojson"
    assert "invalid JSON at line 4, column" in problem.message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "invalid JSON at line 1, column 1"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000, "invalid JSON"),
        (b'{"type": "FeatureCollection", "features": [], "n": ' + b"9" * 5000 + b"}", "invalid JSON"),
    ],
)
def test_garbage_bytes_are_problems_not_tracebacks(data, words):
    [problem] = validate_sites(data, name="upload.geojson")
    assert problem.file == "upload.geojson"
    assert words in problem.message


def test_utf8_bom_is_accepted(site, geojson):
    assert validate_sites(b"\xef\xbb\xbf" + geojson(site())) == []


def test_long_values_are_cut_short_in_messages(tiny_communes, site, geojson):
    [problem] = problems_of(geojson(site(jobs="x" * 10_000)), tiny_communes)
    assert len(problem.message) < 200


def test_a_long_id_does_not_name_the_feature(tiny_communes, site, geojson):
    [problem] = problems_of(geojson(site(id="X" * 10_000)), tiny_communes)
    assert (problem.feature, problem.field) == ("#0", "id")
    assert len(str(problem)) < 300


def test_feature_without_property_id_is_named_by_its_geojson_id(tiny_communes, site, geojson):
    feature = site()
    del feature["properties"]["id"]
    feature["id"] = 42
    [problem] = problems_of(geojson(feature), tiny_communes)
    assert (problem.feature, problem.field) == ("42", "id")


def test_missing_file_is_a_problem(tmp_path):
    [problem] = validate_sites(tmp_path / "nope.geojson")
    assert "cannot read the file" in problem.message


def test_unknown_source_type_is_a_type_error():
    with pytest.raises(TypeError):
        read_sites(42)


# --- The command line ----------------------------------------------------------------------


@pytest.fixture
def tiny_layer(monkeypatch, tiny_communes):
    """run_validate_cli checks against the tiny tiny_communes instead of the real layer."""
    monkeypatch.setattr(layers, "load_communes", lambda: tiny_communes)


def test_cli_on_a_good_file(tiny_layer, capsys):
    assert run_validate_cli(FIXTURES / "sites_good.geojson") == 0
    assert capsys.readouterr().out == "tests/fixtures/sites_good.geojson: 2 sites, no problem\n"


def test_cli_on_a_bad_file_prints_every_problem(tiny_layer, capsys):
    assert run_validate_cli(FIXTURES / "sites_bad.geojson") == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert lines[0].startswith("tests/fixtures/sites_bad.geojson: feature 'alpha-usine': field 'jobs': ")
    assert lines[-1] == "tests/fixtures/sites_bad.geojson: 5 problems in 2 features"


def test_cli_on_malformed_json(tiny_layer, capsys):
    assert run_validate_cli(FIXTURES / "sites_malformed.geojson") == 1
    lines = capsys.readouterr().out.splitlines()
    assert "invalid JSON at line 4" in lines[0]
    assert lines[1:] == ["tests/fixtures/sites_malformed.geojson: 1 problem"]


def test_cli_on_a_missing_file_prints_one_line(tiny_layer, capsys, tmp_path):
    assert run_validate_cli(tmp_path / "nope.geojson") == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1
    assert "nope.geojson: cannot read the file" in out


# --- Commune layer loaders ---------------------------------------------------------------------


def write_communes(directory: Path, layer: gpd.GeoDataFrame) -> None:
    layer.to_parquet(directory / "communes.parquet")


@pytest.fixture
def commune_layer(tiny_communes):
    """The tiny tiny_communes with every column of data/tiny_communes/tiny_communes.parquet."""
    layer = tiny_communes.assign(
        reg="84", epci="", population=100, lon=[2.25, 2.75, 3.25], lat=46.5, anchor="mairie"
    )
    return layer[["insee", "nom", "dep", "reg", "epci", "population", "geometry", "lon", "lat", "anchor"]]


def test_load_communes_reads_a_good_layer(tmp_path, monkeypatch, commune_layer):
    monkeypatch.setattr(layers, "COMMUNES_DIR", tmp_path)
    write_communes(tmp_path, commune_layer)
    assert_geodataframe_equal(load.load_communes(), commune_layer)


BAD_LAYERS = [
    ("missing column", lambda g: g.drop(columns="dep"), "dep", "required column is missing"),
    ("wrong CRS", lambda g: g.to_crs(3857), "geometry", "EPSG:4326"),
    ("no CRS", lambda g: g.set_crs(None, allow_override=True), "geometry", "EPSG:4326"),
    (
        "invalid geometry",
        lambda g: g.set_geometry([Polygon([(2, 46), (3, 47), (3, 46), (2, 47)]), *g.geometry[1:]], crs=4326),
        "geometry",
        "invalid geometry (03901)",
    ),
    ("empty geometry", lambda g: g.set_geometry([Polygon(), *g.geometry[1:]], crs=4326), "geometry", "empty"),
    ("short insee", lambda g: g.assign(insee=["3901", "03902", "58901"]), "insee", "'3901'"),
    ("duplicate insee", lambda g: g.assign(insee=["03901", "03901", "58901"]), "insee", "unique"),
]


def test_the_geometry_check_is_made_once_per_file(tmp_path, monkeypatch, commune_layer):
    """shapely.is_valid runs at the first load of a file only (issue 14: 0.4 s off every start);
    a file written again is checked again."""
    monkeypatch.setattr(layers, "COMMUNES_DIR", tmp_path)
    write_communes(tmp_path, commune_layer)
    checked, is_valid = [], layers.shapely.is_valid
    monkeypatch.setattr(layers.shapely, "is_valid", lambda geoms: checked.append(len(geoms)) or is_valid(geoms))
    load.load_communes()
    load.load_communes()
    assert checked == [3]
    assert "communes.parquet" in json.loads((tmp_path / layers.CHECKED_NAME).read_text())
    spoil = next(spoil for case, spoil, *_ in BAD_LAYERS if case == "invalid geometry")
    write_communes(tmp_path, spoil(commune_layer))
    with pytest.raises(DataError, match="invalid geometry"):
        load.load_communes()
    assert checked == [3, 3]


@pytest.mark.parametrize(("case", "spoil", "field", "words"), BAD_LAYERS, ids=[c[0] for c in BAD_LAYERS])
def test_load_communes_checks_its_input(tmp_path, monkeypatch, commune_layer, case, spoil, field, words):
    monkeypatch.setattr(layers, "COMMUNES_DIR", tmp_path)
    write_communes(tmp_path, spoil(commune_layer))
    with pytest.raises(DataError) as info:
        load.load_communes()
    assert [(p.file, p.field) for p in info.value.problems] == [(str(tmp_path / "communes.parquet"), field)]
    assert words in info.value.problems[0].message


def test_missing_layer_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(layers, "COMMUNES_DIR", tmp_path)
    for loader, name in [
        (load.load_communes, "communes.parquet"),
        (load.load_national_communes, "communes_national.parquet"),
        (load.load_departements, "departements.parquet"),
        (load.load_regions, "regions.parquet"),
        (load.load_aliases, "aliases.csv"),
        (load.load_postal_codes, "postal_codes.csv"),
    ]:
        with pytest.raises(DataError, match=f"{name}: file not found"):
            loader()


def test_not_a_parquet_file(tmp_path, monkeypatch):
    monkeypatch.setattr(layers, "COMMUNES_DIR", tmp_path)
    (tmp_path / "regions.parquet").write_text("hello")
    with pytest.raises(DataError, match="not a readable parquet file"):
        load.load_regions()


def test_csv_codes_stay_strings(tmp_path, monkeypatch):
    monkeypatch.setattr(layers, "COMMUNES_DIR", tmp_path)
    (tmp_path / "aliases.csv").write_text(
        "alias_insee,alias_nom,kind,insee,dep\n01340,Saint-Bois,deleguee,01015,\n"
    )
    (tmp_path / "postal_codes.csv").write_text("code_postal,insee\n01000,01053\n20000,2A004\n")
    aliases = load.load_aliases()
    assert aliases.loc[0, "alias_insee"] == "01340" and aliases.loc[0, "insee"] == "01015"
    assert load.load_postal_codes()["insee"].tolist() == ["01053", "2A004"]


def test_csv_with_a_bad_code(tmp_path, monkeypatch):
    monkeypatch.setattr(layers, "COMMUNES_DIR", tmp_path)
    (tmp_path / "postal_codes.csv").write_text("code_postal,insee\n1000,1053\n")
    with pytest.raises(DataError) as info:
        load.load_postal_codes()
    assert [p.field for p in info.value.problems] == ["code_postal", "insee"]


def test_france_extent_boxes_are_well_formed():
    boxes = np.array([territory.bbox for territory in territories.TERRITORIES])
    assert (boxes[:, 0] < boxes[:, 2]).all() and (boxes[:, 1] < boxes[:, 3]).all()
    assert load.in_france(2.35, 48.85) and load.in_france(55.45, -20.9) and not load.in_france(0, 0)


def test_lone_surrogate_in_the_data_file_passed_validation(tiny_communes, site):
    r"""Regression (issue 13): a name "\ud800x" passed, then the map render and the exports failed on it
    (UTF-8 cannot encode half a UTF-16 pair). The file is refused, naming feature and property."""
    features = [
        site(name="\ud800x"),
        site(id="beta-usine", **{"extra\udc00": 1}),
        site(id="gamma", note="😀 ok"),
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode("ascii")
    problems = problems_of(data, tiny_communes)
    assert [(p.feature, p.field) for p in problems] == [
        ("alpha-usine", "name"),
        ("beta-usine", "extra\\udc00"),
    ]
    assert all("lone UTF-16 surrogate" in p.message for p in problems)
    str(problems[1]).encode("utf-8")  # the message itself can be printed
    good = json.dumps({"type": "FeatureCollection", "features": [site(note="😀 ok")]}).encode("ascii")
    assert problems_of(good, tiny_communes) == []
