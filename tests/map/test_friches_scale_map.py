"""Tier 3: the friches layer at scale in the map's HTML (issue 11, item 6) — from
SERVE_MIN_FRICHES friches in the inventory, the map carries a bit mask of a served file (no
friche text in the page) and reuses the file across filter changes; above CLUSTER_MIN_FRICHES
shown, the layer is clustered; an export (no store) and an upload (no inventory) keep their
friches inside the map. Thresholds lowered here so that the real extract takes each path."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from map_fixtures import calls, render, served_file, sites  # noqa: F401 (fixture)

from geo import assets, mapview
from geo.filters import apply_friche_filters
from geo.friches import load_friches
from geo.mapview import friches as friches_layer
from geo.mapview.payload import selection_indices
from geo.served import FileStore
from geo.state import FilterSpec


@pytest.fixture(scope="module")
def inventory() -> gpd.GeoDataFrame:
    return load_friches().friches


@pytest.fixture
def store(tmp_path, monkeypatch) -> FileStore:
    monkeypatch.setattr(friches_layer, "SERVE_MIN_FRICHES", 1000)  # the extract's 2,594 are "many"
    return FileStore(tmp_path / "cache", "/cache")


def _cluster_arg(page: str) -> bool:
    (match,) = re.findall(
        r'ReindusMap\.addFriches\([^;]*window\.ReindusMap\.data\("[\w-]+"\),\s*(\{[^}]*\})\)', page
    )
    return {'{"cluster":true}': True, '{"cluster":false}': False}[match.replace(" ", "")]


def test_many_friches_travel_as_a_served_file_and_the_map_carries_a_mask(sites, inventory, store):  # noqa: F811
    nord = apply_friche_filters(inventory, FilterSpec(deps=("59",)))
    page = render(mapview.build_map(sites, friches=nord, friches_from=inventory, files=store))
    (p,) = calls(page, "addFriches")
    assert set(p) == {"file", "selection", "count", "radius", "failed"} and p["count"] == 206
    file = served_file(p, store)
    assert len(file["ids"]) == len(inventory)
    assert [file["ids"][i] for i in selection_indices(p["selection"])] == sorted(
        nord["id"], key=list(inventory["id"]).index
    )
    assert nord["name"].iloc[0] not in page  # the friches' texts are in the file, not in the map
    assert not _cluster_arg(page)  # 206 shown: every friche its own marker

    # another filter: another mask, the same file, written once
    lille = apply_friche_filters(inventory, FilterSpec(deps=("59",), friche_statuses=("without-project",)))
    (q,) = calls(
        render(mapview.build_map(sites, friches=lille, friches_from=inventory, files=store)), "addFriches"
    )
    assert q["file"] == p["file"] and q["selection"] != p["selection"] and q["count"] == len(lille) < 206
    assert [f.name for f in store.directory.iterdir()] == [p["file"].rsplit("/", 1)[1]]


def test_above_the_cluster_threshold_the_layer_is_clustered(sites, inventory, store, monkeypatch):  # noqa: F811
    monkeypatch.setattr(friches_layer, "CLUSTER_MIN_FRICHES", 2000)
    page = render(mapview.build_map(sites, friches=inventory, friches_from=inventory, files=store))
    assert _cluster_arg(page)
    assert any("supercluster" in url for url in assets.script_sources(page))
    (p,) = calls(page, "addFriches")
    assert p["selection"] is None and p["count"] == len(inventory)  # all of them: no mask


@pytest.mark.parametrize("how", ["export", "upload", "extract"])
def test_friches_stay_inside_the_map_without_a_store_an_inventory_or_many_friches(
    sites,  # noqa: F811
    inventory,
    tmp_path,
    monkeypatch,
    how,
):
    store = FileStore(tmp_path / "cache", "/cache")
    if how != "extract":
        monkeypatch.setattr(friches_layer, "SERVE_MIN_FRICHES", 1000)
    options = {
        "export": {"friches_from": inventory, "files": None},  # an offline HTML file holds its data
        "upload": {"friches_from": None, "files": store},  # a user's upload is never written to disk
        "extract": {"friches_from": inventory, "files": store},  # 2,594 < SERVE_MIN_FRICHES: as before
    }[how]
    nord = apply_friche_filters(inventory, FilterSpec(deps=("59",)))
    page = render(mapview.build_map(sites, friches=nord, **options))
    (p,) = calls(page, "addFriches")
    assert "file" not in p and len(p["ids"]) == 206
    assert not store.directory.exists() or not any(store.directory.iterdir())
