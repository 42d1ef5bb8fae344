"""Area layers as served files (issue 14): the outlines and many communes travel as files the
app serves, not inside the map; the file holds what the map would have held."""

from __future__ import annotations

import gzip
import json

import pytest
from map_fixtures import calls, communes, departements, regions, render, sites  # noqa: F401 (fixtures)

from geo import mapview
from geo.mapview import build
from geo.served import FileStore


def read_served(store: FileStore, url: str):
    areas = store.areas()
    assert url.startswith(areas.url + "/")
    return json.loads(gzip.decompress((areas.directory / url[len(areas.url) + 1 :]).read_bytes()))


def test_areas_over_the_threshold_are_served_files_holding_what_the_map_would(
    sites, communes, departements, regions, tmp_path, monkeypatch  # noqa: F811
):
    store = FileStore(tmp_path / "cache", "/cache")
    inline = calls(render(mapview.build_map(sites, communes, None, departements, regions)), "addAreas")
    monkeypatch.setattr(build, "SERVE_MIN_AREA_BYTES", 1)
    page = render(mapview.build_map(sites, communes, None, departements, regions, files=store))
    served = calls(page, "addAreas")
    assert [set(p) for p in served] == [{"file"}] * 3  # communes, départements, régions
    assert [read_served(store, p["file"]) for p in served] == inline
    assert '"rings"' not in page
    # the same areas: the same files (the browser keeps them), another selection: another file
    again = calls(render(mapview.build_map(sites, communes, None, departements, regions, files=store)), "addAreas")
    assert again == served
    fewer = calls(render(mapview.build_map(sites.iloc[:1], communes.iloc[:1], None, departements, regions,
                                           files=store)), "addAreas")  # fmt: skip
    assert fewer[0] != served[0] and fewer[1:] == served[1:]


def test_small_areas_stay_in_the_map_and_an_unwritable_store_keeps_them_there(
    sites, communes, departements, regions, tmp_path, monkeypatch  # noqa: F811
):
    store = FileStore(tmp_path / "cache", "/cache")
    page = render(mapview.build_map(sites, communes, None, departements, regions, files=store))
    assert all("rings" in p for p in calls(page, "addAreas"))  # (a few test shapes: under the threshold)
    monkeypatch.setattr(build, "SERVE_MIN_AREA_BYTES", 1)
    (tmp_path / "not-a-directory").write_text("")  # (no directory can be made under it, even as root)
    unwritable = FileStore(tmp_path / "not-a-directory", "/cache")
    with pytest.warns(UserWarning, match="not served"):
        page = render(mapview.build_map(sites, communes, None, departements, regions, files=unwritable))
    assert all("rings" in p for p in calls(page, "addAreas"))
