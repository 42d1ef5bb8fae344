"""Tier 3: a site's card in the map names the friches near it (the real extract), only with the layer on."""

from __future__ import annotations

import geopandas as gpd
import pytest
from map_fixtures import records, render

from geo import mapview
from geo.friches import load_friches
from geo.friches_near import friches_near_sites, with_friches_near
from geo.load import read_sites
from geo.paths import SITES_PATH

ROUBAIX = "roubaix-ovh-campus"


@pytest.fixture(scope="module")
def real() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return read_sites(SITES_PATH), load_friches().friches


def test_the_roubaix_sites_card_lists_the_friches_within_10_km_of_it(real):
    sites, friches = real
    near = friches_near_sites(sites, friches).set_index(sites["id"]).loc[ROUBAIX]
    page = render(mapview.build_map(sites, friches=friches, cards_from=with_friches_near(sites, friches)))
    rows = dict(records(page)[ROUBAIX]["rows"])
    assert near["n"] > 10
    assert rows["f_friches_near"].startswith(f"{near['n']}\u00a0: ")
    assert f"{near['n_with-project']} avec projet" in rows["f_friches_near"] and rows[
        "f_friches_near"
    ].endswith(" ha")
    assert rows["f_on_friche"].startswith("oui : ")  # a friche's point within 300 m of the campus
    assert "Friches à 10 km" in page  # the row's label


def test_no_friches_row_on_a_sites_card_when_the_layer_is_off(real):
    sites, _ = real
    rows = dict(records(render(mapview.build_map(sites, cards_from=sites)))[ROUBAIX]["rows"])
    assert "f_friches_near" not in rows and "f_on_friche" not in rows
