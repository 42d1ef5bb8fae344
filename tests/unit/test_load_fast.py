"""geo.load at scale: the column-wise check of a good file gives what the feature-by-feature one gives,
and any bad feature among many good ones is still named by file, feature and field."""

from __future__ import annotations

import copy
import json
import unicodedata

import pytest
from geopandas.testing import assert_geodataframe_equal

from geo import load, synthetic, validate
from geo.filters import search_text
from geo.paths import SITES_PATH
from geo.text import fold


@pytest.fixture(scope="module")
def synthetic_doc(real_communes) -> dict:
    return json.loads(synthetic.feature_collection(synthetic.generate(400, real_communes, seed=11)))


def _slow(monkeypatch):
    monkeypatch.setattr(validate, "fast_check", lambda features: None)


@pytest.mark.parametrize("which", ["real", "synthetic"])
def test_fast_and_slow_checks_read_the_same_frame(real_communes, synthetic_doc, monkeypatch, which):
    data = SITES_PATH.read_bytes() if which == "real" else json.dumps(synthetic_doc).encode()
    doc = json.loads(data)
    assert validate.fast_check(doc["features"]) is not None  # the good file takes the fast path
    fast = load.read_sites(data, communes=real_communes)
    _slow(monkeypatch)
    slow = load.read_sites(data, communes=real_communes)
    assert_geodataframe_equal(fast, slow)
    assert list(fast.columns) == list(slow.columns)


def test_equal_texts_share_one_object_and_are_copied_out_of_the_document(synthetic_doc):
    sites = load.read_sites(json.dumps(synthetic_doc))
    assert sites["sector"].map(id).nunique() == sites["sector"].nunique()
    assert sites["sources"].map(id).nunique() == 1  # all identical: one shared list
    assert sites.loc[0, "sources"] == [synthetic.SOURCE]


# (path into the feature, bad value, field reported)
MUTATIONS = [
    (("properties", "jobs"), 1.5, "jobs"),
    (("properties", "jobs"), True, "jobs"),
    (("properties", "jobs_note"), None, "jobs_note"),
    (("properties", "jobs_kind"), None, "jobs_kind"),
    (("properties", "year"), 2021, "year"),  # the former field: refused, with what to write instead
    (("properties", "announced"), "2020-13", "announced"),
    (("properties", "announced"), 2020, "announced"),
    (("properties", "opened"), 1799, "opened"),
    (("properties", "former_closed"), 2020.5, "former_closed"),
    (("properties", "dates_source"), [0], "dates_source"),
    (("properties", "sector"), "steel", "sector"),
    (("properties", "insee"), "99999", "insee"),
    (("properties", "insee"), None, "insee"),
    (("properties", "dep"), "20", "dep"),
    (("properties", "name"), " ", "name"),
    (("properties", "brownfield"), "yes", "brownfield"),
    (("properties", "investment_eur"), -1, "investment_eur"),
    (("properties", "surface_m2"), float("inf"), "surface_m2"),
    (("properties", "sources"), [], "sources"),
    (("properties", "sources", 0, "url"), "ftp://x", "sources[0].url"),
    (("properties", "sources", 0, "title"), "", "sources[0].title"),
    (("properties", "geometry"), "x", "geometry"),
    (("geometry", "coordinates"), [0.0, 0.0], "geometry"),
    (("geometry", "coordinates"), [2.35, 48.85, 10.0], "geometry"),
    (("geometry", "type"), "MultiPoint", "geometry"),
    (("type",), "Point", "type"),
]


@pytest.mark.parametrize(("path", "value", "field"), MUTATIONS)
def test_one_bad_feature_among_many_is_named(real_communes, synthetic_doc, path, value, field):
    doc = copy.deepcopy(synthetic_doc)
    target = doc["features"][123]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    problems = load.validate_sites(
        json.dumps(doc, allow_nan=True).encode(), communes=real_communes, name="x.geojson"
    )
    assert [(p.file, p.feature, p.field) for p in problems] == [("x.geojson", "synthetic-000124", field)]


def test_missing_property_and_duplicate_id_among_many(real_communes, synthetic_doc):
    doc = copy.deepcopy(synthetic_doc)
    del doc["features"][5]["properties"]["status"]
    doc["features"][9]["properties"]["id"] = doc["features"][8]["properties"]["id"]
    problems = load.validate_sites(json.dumps(doc).encode(), communes=real_communes, name="x.geojson")
    assert [(p.feature, p.field) for p in problems] == [("synthetic-000006", "status"), ("#9", "id")]


# (what the site must have, the change, the field reported): the rules between dates
DATE_RULES = [
    (lambda p: p["opened"] is not None, {"status": "planned"}, "opened"),
    (lambda p: p["former_closed"] is not None, {"brownfield": False}, "former_closed"),
    (lambda p: p["opened"] is not None and p["announced"] is not None, {"announced": "2100"}, "announced"),
    (lambda p: p["opened"] is not None, {"dates_source": None}, "dates_source"),
    (lambda p: p["opened"] is None and p["dates_source"], {"dates_source": {"opened": 0}}, "dates_source"),
]


@pytest.mark.parametrize(("having", "change", "field"), DATE_RULES)
def test_a_rule_between_dates_broken_among_many_is_named(real_communes, synthetic_doc, having, change, field):
    doc = copy.deepcopy(synthetic_doc)
    props = next(f["properties"] for f in doc["features"] if having(f["properties"]))
    props.update(change)
    problems = load.validate_sites(json.dumps(doc).encode(), communes=real_communes, name="x.geojson")
    assert {(p.feature, p.field) for p in problems} == {(props["id"], field)}, problems


def test_a_point_outside_its_commune_among_many(real_communes, synthetic_doc):
    doc = copy.deepcopy(synthetic_doc)
    other = next(
        f for f in doc["features"] if f["properties"]["dep"] != doc["features"][7]["properties"]["dep"]
    )
    doc["features"][7]["geometry"]["coordinates"] = other["geometry"]["coordinates"]
    problems = load.validate_sites(json.dumps(doc).encode(), communes=real_communes, name="x.geojson")
    assert [(p.feature, p.field) for p in problems] == [("synthetic-000008", "geometry")]
    assert "is not in" in problems[0].message and "it falls in" in problems[0].message


def _fold_as_before(text):
    if not isinstance(text, str):
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@pytest.mark.parametrize(
    "text",
    [
        "Châteauneuf-du-Pape",
        "ŒUVRE Straße",
        "L'Haÿ-les-Roses",
        "ﬁ ligature",
        "a\u0301\u0327b",
        "",
        "ABC",
        None,
    ],
)
def test_fold_is_unchanged(text):
    assert fold(text) == _fold_as_before(text)


def test_fold_is_unchanged_on_every_code_point():
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = "".join(chars)
    assert fold(text) == _fold_as_before(text)
    assert [fold(c) for c in chars[::97]] == [_fold_as_before(c) for c in chars[::97]]


def test_search_text_of_missing_values_is_empty():
    import pandas as pd

    frame = pd.DataFrame({"name": ["Été", None, "Été"], "company": [None, "X", pd.NA]}, index=[5, 6, 7])
    assert search_text(frame).tolist() == ["ete | ", " | x", "ete | "]
    assert search_text(frame).index.tolist() == [5, 6, 7]
