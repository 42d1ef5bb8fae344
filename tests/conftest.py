"""Tiny hand-made communes and sites for the tier-1 tests."""

from __future__ import annotations

import copy
import json

import geopandas as gpd
import pytest
from shapely.geometry import box

# The map's hand-made sites, communes and outlines, and the readers of its page (tiers 1, 3, 5).
pytest_plugins = ["map_fixtures"]

# Three 0.5° boxes side by side (made-up INSEE codes): Alpha | Beta share the border
# lon 2.5, Beta | Gamma share lon 3.0, and Gamma is in another département.
TINY_COMMUNES = [
    ("03901", "Alpha", "03", box(2.0, 46.0, 2.5, 47.0)),
    ("03902", "Beta", "03", box(2.5, 46.0, 3.0, 47.0)),
    ("58901", "Gamma", "58", box(3.0, 46.0, 3.5, 47.0)),
]

GOOD_SITE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.25, 46.5]},
    "properties": {
        "id": "alpha-usine",
        "name": "Usine d'Alpha",
        "company": "Alpha SA",
        "activity": "Fabrication de boîtes",
        "sector": "metals-machinery",
        "status": "operating",
        "insee": "03901",
        "commune": "Alpha",
        "dep": "03",
        "jobs": 120,
        "jobs_note": "120 emplois créés",
        "jobs_kind": "created",
        "brownfield": True,
        "brownfield_history": "Ancienne filature",
        "investment_eur": 5000000,
        "surface_m2": 8000.5,
        "announced": "2019-11",
        "opened": 2021,
        "former_closed": 2015,
        "dates_source": {"announced": 0, "opened": 0, "former_closed": 0},
        "location_precision": "commune",
        "sources": [
            {
                "title": "Un article",
                "publisher": "Un journal",
                "date": "2021-03",
                "url": "https://example.org/a",
            }
        ],
    },
}


@pytest.fixture
def tiny_communes() -> gpd.GeoDataFrame:
    """Three box-shaped communes in EPSG:4326."""
    insee, nom, dep, geoms = zip(*TINY_COMMUNES, strict=True)
    return gpd.GeoDataFrame({"insee": insee, "nom": nom, "dep": dep}, geometry=list(geoms), crs="EPSG:4326")


@pytest.fixture
def site():
    """A factory of site features: a good one in Alpha, with properties and geometry overridden."""

    def make(coordinates=None, **props):
        feature = copy.deepcopy(GOOD_SITE)
        feature["properties"].update(props)
        if coordinates is not None:
            feature["geometry"]["coordinates"] = coordinates
        return feature

    return make


@pytest.fixture
def geojson():
    """Turn features into the bytes of a FeatureCollection, as an upload would give them."""

    def dump(*features, **members) -> bytes:
        doc = {"type": "FeatureCollection", **members, "features": list(features)}
        return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")

    return dump


@pytest.fixture(scope="session")
def real_communes() -> gpd.GeoDataFrame:
    """All 34,867 real INSEE communes of data/communes/ (read once per test session; never mutate)."""
    from geo.load import load_communes

    return load_communes()


# Tiers are folders: the browser mark is applied per folder, so `pytest -m "not browser"`
# runs no browser at all.
_TIER_MARKS = {"browser": "browser"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = item.path.parent.name
        if tier in _TIER_MARKS:
            item.add_marker(getattr(pytest.mark, _TIER_MARKS[tier]))
