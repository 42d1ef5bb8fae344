"""Tier 3: the friches layer in the map's HTML — diamonds by status, escaped cards, legend credit, nothing private."""

from __future__ import annotations

import csv

import geopandas as gpd
import pytest
from map_fixtures import HOSTILE, calls, render, sites  # noqa: F401 (fixture)
from shapely.geometry import Point

from geo import mapview
from geo.filters import apply_friche_filters
from geo.friches import FRICHES_PATH, load_friches
from geo.friches_schema import CARTOFRICHES_URL
from geo.mapview.friches import friche_payload
from geo.state import FilterSpec

OWNER_CONTACT = ("proprio_nom", "proprio_personne", "source_contact")  # (see tests/app/test_friches_app.py)


@pytest.fixture(scope="module")
def real_friches() -> gpd.GeoDataFrame:
    return load_friches().friches


def _friche(id_, **props) -> dict:
    row = {
        "id": id_, "name": "Ancienne usine", "friche_type": "industrial", "status": "without-project",
        "surface_ha": 1.5, "former_activity": "Tissage", "activity_end_year": 1998, "zoning_type": "U",
        "zoning_label": "UE", "pollution": "suspected", "reuse_type": None, "reuse_year": None,
        "source": "EPF", "cartofriches_url": CARTOFRICHES_URL.format(id=id_), "dep": "59", "reg": "32",
        "geometry": Point(3.17, 50.69),
    }  # fmt: skip
    return row | props


def _frame(rows) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    for column in ("activity_end_year", "reuse_year"):
        frame[column] = frame[column].astype("Int64")
    return frame


def test_friches_are_a_layer_of_their_own_with_status_colours(sites):  # noqa: F811
    friches = _frame([_friche("a"), _friche("b", status="reused", reuse_type="industry", reuse_year=2021)])
    page = render(mapview.build_map(sites, friches=friches, selected_friche="b"))
    (p,) = calls(page, "addFriches")
    assert p["ids"] == ["a", "b"]
    assert [p["status_slugs"][s] for s in p["status"]] == ["without-project", "reused"]
    texts = [p["texts"][k] for k in p["rows"][[r["key"] for r in p["rows"]].index("reuse")]["idx"] if k >= 0]
    assert texts == ["Industrie 2021"]  # only the reused one has a reuse row
    assert '"selectedFriche":"b"' in page.replace(" ", "")
    assert "Cerema, Cartofriches — extrait de 2 594 friches sur ~28 000 (2024)" in page  # the legend


def test_the_legend_credits_the_inventory_the_map_shows(sites):  # noqa: F811
    from geo.mapview.friches import inventory_credit

    credit = inventory_credit("friches <national>.csv", 28_143, "fr")
    page = render(mapview.build_map(sites, friches=_frame([_friche("a")]), friches_credit=credit))
    assert "fichier friches &lt;national&gt;.csv : 28\u202f143 friches" in page
    assert "extrait de 2 594" not in page


def test_no_friches_layer_when_off(sites):  # noqa: F811
    page = render(mapview.build_map(sites))
    assert calls(page, "addFriches") == []
    assert "Cartofriches" not in page


def test_friche_texts_are_escaped_and_links_only_http(sites):  # noqa: F811
    friches = _frame([_friche("x", name=HOSTILE, source=HOSTILE, cartofriches_url="javascript:alert(1)")])
    page = render(mapview.build_map(sites, friches=friches))
    (p,) = calls(page, "addFriches")
    assert "<script>alert(1)" not in page
    assert p["url"] == [-1]
    assert p["texts"][p["name"][0]].startswith("&lt;script&gt;")


def test_the_real_extract_has_every_card_link_and_no_private_text(real_friches):
    nord = apply_friche_filters(real_friches, FilterSpec(deps=("59",)))
    assert len(nord) == 206
    p = friche_payload(nord, "fr")
    assert len(p["ids"]) == 206 and all(k >= 0 for k in p["url"])
    assert all(p["texts"][k].startswith("https://cartofriches.cerema.fr/") for k in p["url"])
    with FRICHES_PATH.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    private = {r[c].strip() for r in rows for c in OWNER_CONTACT if r.get(c)} - {"NA", "inconnu"}
    text = "\n".join(p["texts"])
    assert not [v for v in private if len(v) > 5 and v in text]


def test_the_payload_gives_each_friches_commune_and_surface_for_the_commune_cards(real_friches):
    nord = apply_friche_filters(real_friches, FilterSpec(deps=("59",)))
    p = friche_payload(nord, "fr")
    assert p["insee"].count("59512") == int((nord["insee"] == "59512").sum()) > 0
    assert all(code.startswith("59") for code in p["insee"] if code)
    assert (
        len(p["ha_hundredths"]) == 206
        and p["status_labels"][p["status_slugs"].index("reused")] == "Friche reconvertie"
    )
