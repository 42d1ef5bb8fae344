"""Tier 1: a site's card reads in an audience's order — what and who, where, jobs and their
kind, brownfield and former use, years, sources — with the codes last (issue 10)."""

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.encode import StringTable
from geo.mapview.cards import EXTRA_ROWS, SITE_CARD_ROWS, SITE_HEAD, _site_rows, site_cards
from geo.mapview.payload import site_payload


def one_site(**extra) -> gpd.GeoDataFrame:
    row = {
        "id": "s-1", "name": "Usine", "company": "Société <b>", "activity": "Fabrication", "sector": "glass",
        "status": "operating", "insee": "59163", "commune": "Croix", "dep": "59", "jobs": 120,
        "jobs_kind": "created", "jobs_note": None, "brownfield": True, "brownfield_history": "Filature",
        "investment_eur": 5e6, "surface_m2": 8000.0, "announced": "2020-02", "opened": 2022,
        "former_closed": 1994, "location_precision": "commune", "notes": "Point à la mairie",
        "sources": [{"title": "Un article", "url": "https://example.org/a"}], **extra,
    }  # fmt: skip
    return gpd.GeoDataFrame([row], geometry=[Point(3.15, 50.68)], crs="EPSG:4326")


def card_keys(sites) -> list[str]:
    keys = site_cards(sites, "fr").keys
    assert tuple(keys[: len(SITE_HEAD)]) == SITE_HEAD
    return keys[len(SITE_HEAD) :]


def test_the_codes_came_before_the_jobs_and_the_brownfield():
    keys = card_keys(one_site())
    assert keys == [k for k in SITE_CARD_ROWS if k != EXTRA_ROWS]
    at = keys.index
    assert at("f_activity") < at("f_company") < at("f_jobs") < at("f_brownfield") < at("f_brownfield_history")
    assert (
        at("f_brownfield_history")
        < at("f_former_closed")
        < at("f_announced")
        < at("f_opened")
        < at("f_sources")
    )
    assert keys[-3:] == ["f_insee", "f_location_precision", "f_id"]


def test_the_datas_own_properties_come_after_the_sources_and_before_the_codes():
    keys = card_keys(one_site(website="https://example.org", capacity_mw=12))
    assert keys.index("f_sources") < keys.index("x_website") < keys.index("f_insee")
    assert keys.index("x_capacity_mw") < keys.index("f_insee")
    assert keys[-3:] == ["f_insee", "f_location_precision", "f_id"]


def test_every_row_a_site_has_is_placed_in_the_order():
    """A row left out of SITE_CARD_ROWS would silently vanish from every card."""
    rows = {key for key, _, _ in _site_rows("fr")} - set(SITE_HEAD)
    assert rows <= set(SITE_CARD_ROWS)
    assert "f_sources" in SITE_CARD_ROWS and len(set(SITE_CARD_ROWS)) == len(SITE_CARD_ROWS)


def test_the_payload_carries_the_rows_in_that_order_and_escaped():
    sites = one_site()
    cards = site_cards(sites, "en")
    payload = site_payload(sites, cards.rows_of(sites["id"]), cards, StringTable())
    keys = [col["key"] for col in payload["rows"]]
    assert keys == [k for k in SITE_CARD_ROWS if k in keys]
    assert keys.index("f_jobs") < keys.index("f_sources") < keys.index("f_insee")
    company = cards.strings[cards.codes[0, cards.keys.index("f_company")]]
    assert company == "Société &lt;b&gt;"


def test_a_site_without_dates_or_brownfield_keeps_the_order_of_the_rows_it_has():
    sites = one_site().assign(announced=None, opened=pd.NA, brownfield_history=None, former_closed=pd.NA)
    cards = site_cards(sites, "fr")
    shown = [k for j, k in enumerate(cards.keys) if cards.codes[0, j] >= 0 and k not in SITE_HEAD]
    assert shown == [k for k in SITE_CARD_ROWS if k in shown]
    assert "f_announced" not in shown and "f_opened" not in shown
    assert shown.index("f_brownfield") < shown.index("f_sources") < shown.index("f_insee")
