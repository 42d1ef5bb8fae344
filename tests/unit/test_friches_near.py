"""Tier 1: the friches near each site (counts by status, surface, the friche a site stands on), in metres."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from geo.friches_near import (
    NEAR_KM,
    ON_FRICHE_M,
    NearFriches,
    friches_near_sites,
    near_any_site,
    pairs_within,
    with_friches_near,
)
from geo.i18n import t
from geo.mapview.cards import friches_near_text, on_friche_text, site_cards

# Roubaix (mainland, Lambert-93) and Saint-Denis de La Réunion (UTM 40S): 1 km ≈ 0.0141° of
# longitude at 50.7°N; 0.009° of latitude anywhere.
ROUBAIX = (3.17, 50.69)
REUNION = (55.45, -20.88)


def _sites(*points, ids=None) -> gpd.GeoDataFrame:
    ids = ids or [f"s{i}" for i in range(len(points))]
    return gpd.GeoDataFrame(
        {"id": ids, "name": ids, "sector": ["other"] * len(points)},
        geometry=[Point(p) for p in points],
        crs="EPSG:4326",
    )


def _friches(rows) -> gpd.GeoDataFrame:
    """rows: (id, (lon, lat), status, surface_ha)."""
    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "name": [f"Friche {r[0]}" for r in rows],
            "status": [r[2] for r in rows],
            "surface_ha": [r[3] for r in rows],
        },
        geometry=[Point(r[1]) for r in rows],
        crs="EPSG:4326",
    )


def _north(point, km):
    return (point[0], point[1] + km * 0.009)


FRICHES = _friches(
    [
        ("a", _north(ROUBAIX, 0.1), "without-project", 2.0),  # 100 m: the site stands on it
        ("b", _north(ROUBAIX, 5), "with-project", 3.5),
        ("c", _north(ROUBAIX, 9.5), "without-project", None),  # surface unknown
        ("d", _north(ROUBAIX, 11), "reused", 50.0),  # beyond 10 km
        ("e", _north(REUNION, 2), "potential", 1.0),
        ("f", _north(ROUBAIX, 3), "no-such-status", 1.0),  # counted as unknown
    ]
)


def test_friches_within_10_km_are_counted_by_status_with_their_known_surface():
    near = friches_near_sites(_sites(ROUBAIX), FRICHES)
    row = near.iloc[0]
    assert row["n"] == 4
    assert (row["n_without-project"], row["n_with-project"], row["n_reused"], row["n_unknown"]) == (
        2,
        1,
        0,
        1,
    )
    assert row["ha"] == pytest.approx(6.5) and row["ha_known"] == 3


def test_a_site_stands_on_the_nearest_friche_within_300_m():
    near = friches_near_sites(_sites(ROUBAIX, _north(ROUBAIX, 2)), FRICHES)
    assert near["on_friche"].tolist() == ["a", None]
    assert near["on_friche_name"].tolist()[0] == "Friche a"


def test_a_site_stands_on_a_friche_whose_parcel_holds_it_even_far_from_its_point():
    friches = FRICHES.copy()
    far = _north(ROUBAIX, 2)
    friches["parcel"] = gpd.GeoSeries(
        [None, box(far[0] - 0.01, far[1] - 0.01, far[0] + 0.01, far[1] + 0.01), None, None, None, None],
        crs="EPSG:4326",
    ).values
    near = friches_near_sites(_sites(far), friches)
    assert near["on_friche"].tolist() == ["b"]  # its point is 3 km away, its parcel holds the site


def test_a_site_and_a_friche_in_two_territories_are_never_near():
    near = friches_near_sites(_sites(REUNION, ROUBAIX), FRICHES, km=20000)
    assert near["n"].tolist() == [1, 5]  # La Réunion's own friche; the mainland's five


def test_distances_are_measured_in_metres_of_the_territorys_crs():
    sites = _sites(REUNION)
    assert pairs_within(sites, FRICHES, 1990.0).shape[1] == 0
    assert pairs_within(sites, FRICHES, 2010.0).shape[1] == 1


@pytest.mark.parametrize("km", [0.5, 3.0, 10.0])
def test_near_any_site_agrees_with_every_distance_measured(km):
    """The grid's shortcut (a friche in a cell holding a site is near) never keeps a friche
    beyond ``km`` nor drops one within: the same answer as all pairwise distances."""
    rng = np.random.default_rng(11)
    sites = _sites(*[(2.0 + x, 47.0 + y) for x, y in rng.random((300, 2)) * 0.8])
    friches = _friches(
        [(f"f{i}", (2.0 + x, 47.0 + y), "potential", 1.0) for i, (x, y) in enumerate(rng.random((2000, 2)))]
    )
    s_xy = np.column_stack([sites.to_crs(2154).geometry.x, sites.to_crs(2154).geometry.y])
    f_xy = np.column_stack([friches.to_crs(2154).geometry.x, friches.to_crs(2154).geometry.y])
    nearest = np.sqrt(((f_xy[:, None, :] - s_xy[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    keep = near_any_site(friches, sites, km)
    assert 0 < keep.sum() < len(friches)
    assert (keep == (nearest <= km * 1000)).all()


def test_near_any_site_keeps_the_friches_within_km_of_at_least_one_site():
    keep = near_any_site(FRICHES, _sites(ROUBAIX), 4.0)
    assert FRICHES.loc[keep, "id"].tolist() == ["a", "f"]
    assert not near_any_site(FRICHES, _sites(), 10.0).any()


def test_no_friche_no_site_and_bad_radius():
    assert friches_near_sites(_sites(ROUBAIX), FRICHES.iloc[0:0])["n"].tolist() == [0]
    assert friches_near_sites(_sites(), FRICHES).empty
    with pytest.raises(ValueError, match="radius"):
        friches_near_sites(_sites(ROUBAIX), FRICHES, km=0)
    with pytest.raises(ValueError, match="lacks column"):
        friches_near_sites(_sites(ROUBAIX), FRICHES.drop(columns="status"))


def test_a_sites_card_lists_the_friches_near_it_by_status_and_surface():
    cards = site_cards(with_friches_near(_sites(ROUBAIX, _north(ROUBAIX, 20)), FRICHES), "fr")
    near, on = (cards.keys.index(k) for k in ("f_friches_near", "f_on_friche"))
    assert (
        cards.strings[cards.codes[0, near]]
        == "4\u00a0: 2 sans projet, 1 avec projet, 1 de statut inconnu · 6,5 ha"
    )
    assert cards.strings[cards.codes[0, on]] == "oui : Friche a"
    assert cards.strings[cards.codes[1, near]] == "1\u00a0: 1 reconvertie(s) · 50 ha"
    assert cards.strings[cards.codes[1, on]] == t("on_friche_no", "fr")


def test_a_sites_card_has_no_friches_row_when_the_layer_is_off():
    cards = site_cards(_sites(ROUBAIX), "fr")
    assert not (cards.codes[:, cards.keys.index("f_friches_near")] >= 0).any()
    assert not (cards.codes[:, cards.keys.index("f_on_friche")] >= 0).any()


def test_the_card_texts_are_escaped_and_in_english_too():
    assert friches_near_text(0, (0,) * 5, None, "en") == "none"
    assert friches_near_text(2, (0, 2, 0, 0, 0), 1.25, "en") == "2: 2 potential · 1.2 ha"
    assert on_friche_text("<b>x</b>", "en") == "yes: <b>x</b>"  # (escaped by the card's row)
    cards = site_cards(with_friches_near(_sites(ROUBAIX), FRICHES.assign(name="<b>x</b>")), "en")
    assert cards.strings[cards.codes[0, cards.keys.index("f_on_friche")]] == "yes: &lt;b&gt;x&lt;/b&gt;"


def test_the_card_labels_say_the_radius_and_distance_the_code_uses():
    assert f"{NEAR_KM:g} km" in t("f_friches_near", "fr") and f"{NEAR_KM:g} km" in t("f_friches_near", "en")
    assert f"{ON_FRICHE_M:g} m" in t("on_friche_no", "fr") and f"{ON_FRICHE_M:g} m" in t("on_friche_no", "en")


def test_with_friches_near_leaves_the_sites_frame_unchanged():
    sites = _sites(ROUBAIX)
    before = sites.copy()
    out = with_friches_near(sites, FRICHES)
    assert list(sites.columns) == list(before.columns) and out is not sites
    assert np.array_equal(out["_friches_n"], [4])


# -- "friches near the sites shown": its URL parameters and its filter


def test_friches_near_the_sites_shown_round_trips_through_the_url():
    from geo.state import FilterSpec, from_query, to_query

    assert FilterSpec().friche_near_sites is False and FilterSpec().friche_near_km == NEAR_KM
    state, notices = from_query({"friche_near_sites": "1", "friche_near_km": "2,5"})
    assert (state.spec.friche_near_sites, state.spec.friche_near_km, notices) == (True, 2.5, [])
    assert to_query(state) == {"friche_near_sites": ["1"], "friche_near_km": ["2.5"]}
    assert to_query(from_query({"friche_near_sites": "1", "friche_near_km": "10"})[0]) == {"friche_near_sites": ["1"]}


@pytest.mark.parametrize(
    ("params", "param", "reason", "kept"),
    [
        ({"friche_near_sites": "maybe"}, "friche_near_sites", "unknown", None),
        ({"friche_near_km": "far"}, "friche_near_km", "not_a_number", None),
        ({"friche_near_km": "80"}, "friche_near_km", "out_of_range", "50"),
        ({"friche_near_km": "0.2"}, "friche_near_km", "out_of_range", "1"),
    ],
)
def test_bad_friche_near_values_are_dropped_or_brought_within_bounds_with_a_notice(params, param, reason, kept):
    from geo.state import from_query

    _, notices = from_query(params)
    assert [(n.param, n.reason, n.kept) for n in notices] == [(param, reason, kept)]


def test_the_near_sites_filter_keeps_only_the_friches_it_marks_and_counts_the_rest():
    from geo.filters import apply_friche_filters, friche_counts
    from geo.state import FilterSpec

    friches = FRICHES.assign(friche_type="industrial", dep="59", reg="32")
    spec = FilterSpec(friche_near_sites=True, friche_near_km=4.0)
    near = near_any_site(friches, _sites(ROUBAIX), spec.friche_near_km)
    assert apply_friche_filters(friches, spec, near_sites=near)["id"].tolist() == ["a", "f"]
    assert friche_counts(friches, spec, "status", "friche_statuses", near_sites=near).to_dict() == {
        "without-project": 1, "no-such-status": 1,
    }  # fmt: skip
    assert len(apply_friche_filters(friches, FilterSpec(), near_sites=near)) == len(friches)  # off: all
    with pytest.raises(ValueError, match="near_sites"):
        apply_friche_filters(friches, spec)


# -- the index of the pairs (site, friche) within a radius: the same answer as near_any_site

# Where sites and friches cluster: Lille, Lyon, Fos-sur-Mer, Ajaccio (Lambert-93), La Réunion,
# Guadeloupe, Cayenne (their UTM zones); a point far out at sea counts as the mainland's.
PLACES = [
    (3.06, 50.63), (4.84, 45.76), (4.94, 43.44), (8.74, 41.93), REUNION, (-61.55, 16.24), (-52.33, 4.93),
]  # fmt: skip


def _around(rng, n: int, spread_deg: float) -> list[tuple[float, float]]:
    centres = np.array(PLACES)[rng.integers(0, len(PLACES), n)]
    return [tuple(p) for p in centres + rng.normal(0.0, spread_deg, (n, 2))]


@pytest.fixture(scope="module")
def clustered():
    rng = np.random.default_rng(7)
    sites = _sites(*_around(rng, 400, 0.15), (-20.0, 46.0))
    friches = _friches(
        [(f"f{i}", point, "potential", 1.0) for i, point in enumerate(_around(rng, 3000, 0.25))]
    )
    return sites, friches


def _selections(sites: gpd.GeoDataFrame, rng) -> dict[str, gpd.GeoDataFrame]:
    lon = sites.geometry.x.to_numpy()
    return {
        "all (the frame itself)": sites,
        "all (a copy)": sites[np.ones(len(sites), dtype=bool)],
        "none": sites.iloc[0:0],
        "one": sites.iloc[[5]],
        "a tenth": sites[rng.random(len(sites)) < 0.1],
        "half": sites[rng.random(len(sites)) < 0.5],
        "overseas only": sites[lon < -40],
        "La Réunion only": sites[lon > 50],
        "shuffled": sites.sample(frac=0.3, random_state=3),
    }


@pytest.mark.parametrize("km", [1.0, 2.5, 10.0, 30.0])
def test_near_friches_index_answers_every_selection_as_near_any_site(clustered, km):
    sites, friches = clustered
    index = NearFriches(sites, friches, km)
    assert index.indexed and index.n_pairs == pairs_within(sites, friches, km * 1000).shape[1]
    for name, selection in _selections(sites, np.random.default_rng(int(km * 10))).items():
        expected = near_any_site(friches, selection, km)
        assert np.array_equal(index.of(selection), expected), name
    assert 0 < index.of(sites).sum() < len(friches)


@pytest.mark.parametrize("km", [2.5, 10.0])
def test_above_its_bound_the_index_keeps_no_pair_and_gives_the_same_answers(clustered, km):
    sites, friches = clustered
    n_pairs = pairs_within(sites, friches, km * 1000).shape[1]
    kept = NearFriches(sites, friches, km, max_pairs=n_pairs)
    over = NearFriches(sites, friches, km, max_pairs=n_pairs - 1)
    tiny = NearFriches(sites, friches, km, max_pairs=10)  # (stops at its first slice's forecast)
    assert kept.indexed and not over.indexed and not tiny.indexed and over.n_pairs is None
    for name, selection in _selections(sites, np.random.default_rng(1)).items():
        assert np.array_equal(kept.of(selection), over.of(selection)), name
        assert np.array_equal(tiny.of(selection), near_any_site(friches, selection, km)), name


def test_the_bounded_pairs_are_the_pairs_when_within_the_bound(clustered):
    from geo.friches_near import _pairs

    sites, friches = clustered
    every = pairs_within(sites, friches, 5000.0)
    bounded = _pairs(sites, friches, 5000.0, max_pairs=every.shape[1])
    assert {tuple(p) for p in bounded.T} == {tuple(p) for p in every.T}
    assert _pairs(sites, friches, 5000.0, max_pairs=every.shape[1] - 1) is None


def test_a_sites_frame_whose_index_repeats_a_label_is_asked_each_time(clustered):
    sites, friches = clustered
    repeated = sites.set_axis([0] * 2 + list(range(1, len(sites) - 1)))
    index = NearFriches(repeated, friches, 10.0)
    assert not index.indexed
    half = repeated.iloc[::2]
    assert np.array_equal(index.of(half), near_any_site(friches, half, 10.0))


def test_the_index_refuses_rows_from_another_frame_and_a_bad_radius(clustered):
    sites, friches = clustered
    index = NearFriches(sites.iloc[:100], friches, 10.0)
    with pytest.raises(ValueError, match="not in the sites frame"):
        index.of(sites.iloc[95:105])
    with pytest.raises(ValueError, match="negative radius"):
        NearFriches(sites, friches, -1.0)
    with pytest.raises(ValueError, match="lacks column"):
        NearFriches(sites, friches.drop(columns="id"), 10.0)


def test_the_index_of_no_site_or_no_friche_marks_nothing(clustered):
    sites, friches = clustered
    assert not NearFriches(sites.iloc[0:0], friches, 10.0).of(sites.iloc[0:0]).any()
    none = NearFriches(sites, friches.iloc[0:0], 10.0)
    assert none.indexed and none.n_pairs == 0 and len(none.of(sites.iloc[:10])) == 0
    assert NearFriches(_sites(REUNION), FRICHES, 1.0).of(_sites(REUNION)).tolist() == [False] * len(FRICHES)
    near_reunion = NearFriches(_sites(REUNION), FRICHES, 3.0).of(_sites(REUNION))
    assert near_reunion.tolist() == [False, False, False, False, True, False]


def test_the_index_reads_a_frame_in_another_crs(clustered):
    sites, friches = clustered
    index = NearFriches(sites.to_crs(3857), friches.to_crs(2154), 10.0)
    half = sites.iloc[::2].to_crs(3857)
    assert np.array_equal(index.of(half), near_any_site(friches, sites.iloc[::2], 10.0))
