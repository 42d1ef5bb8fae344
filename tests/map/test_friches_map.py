"""Tier 3: the friches layer in the map's HTML — diamonds by status, escaped cards, legend credit, nothing private."""

from __future__ import annotations

import csv
import re

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


def _same_names(page: str) -> str:
    """A page with folium's random element names (and the data blocks named after them) made equal."""
    return re.sub(r"[0-9a-f]{32}", "X", page)


@pytest.mark.parametrize("served", [False, True])
def test_a_selection_of_the_inventory_draws_the_map_its_frame_draws(
    sites,  # noqa: F811
    real_friches,
    served,
    tmp_path,
    monkeypatch,
):
    """The app passes the friches shown as a mask of the inventory (no frame copied on every
    run): the map is the one the frame of those friches gives, in the map or served."""
    from geo.filters import FricheSelection, friche_selection
    from geo.mapview import friches as friches_layer
    from geo.served import FileStore

    monkeypatch.setattr(friches_layer, "SERVE_MIN_FRICHES", 1000)  # the extract's 2,594 are "many"
    store = FileStore(tmp_path / "cache", "/cache")
    options = {"friches_from": real_friches, "files": store} if served else {}
    spec = FilterSpec(deps=("59",), friche_statuses=("without-project", "potential"))
    shown = friche_selection(real_friches, spec)
    frame = apply_friche_filters(real_friches, spec)
    assert isinstance(shown, FricheSelection) and len(shown) == len(frame) > 0
    chosen = frame["id"].iloc[0]
    pages = [
        render(mapview.build_map(sites, friches=friches, selected_friche=chosen, **options))
        for friches in (shown, frame)
    ]
    assert _same_names(pages[0]) == _same_names(pages[1])
    (p,) = calls(pages[0], "addFriches")
    assert ("file" in p) is served and f'"selectedFriche":"{chosen}"' in pages[0].replace(" ", "")
