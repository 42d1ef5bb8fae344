"""Tier 1: the friches' URL parameters (one state path), their filter and headline figures, on tiny frames."""

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.aggregate import friche_figures
from geo.filters import FricheSelection, apply_friche_filters, friche_counts, friche_selection
from geo.state import FilterSpec, Known, State, from_query, to_query


def test_the_layer_is_off_by_default_and_a_flag_turns_it_on():
    assert State().view.friches is False and to_query(State()) == {}
    state, notices = from_query({"friches": "1"})
    assert state.view.friches is True and notices == []
    assert to_query(state) == {"friches": ["1"]}


@pytest.mark.parametrize(
    ("params", "param", "reason"),
    [
        ({"friches": "maybe"}, "friches", "unknown"),
        ({"friche_status": "bogus"}, "friche_status", "unknown"),
        ({"friche_type": "castle"}, "friche_type", "unknown"),
        ({"friche_ha_min": "abc"}, "friche_ha_min", "not_a_number"),
        ({"friche_ha_max": "-3"}, "friche_ha_max", "out_of_range"),
        ({"friche": "nope"}, "friche", "unknown"),
    ],
)
def test_bad_friche_values_are_dropped_with_a_notice(params, param, reason):
    _, notices = from_query(params, Known(friche_ids=frozenset({"a"})))
    assert [(n.param, n.reason) for n in notices] == [(param, reason)]


def test_surface_bounds_the_wrong_way_round_are_swapped():
    state, notices = from_query({"friche_ha_min": "5", "friche_ha_max": "2"})
    assert (state.spec.friche_ha_min, state.spec.friche_ha_max) == (2.0, 5.0)
    assert [n.reason for n in notices] == ["swapped"]


def test_a_link_to_a_friche_shows_the_layer():
    state, _ = from_query({"friche": "a"}, Known(friche_ids=frozenset({"a"})))
    assert state.view.friche == "a" and state.view.friches is True


@pytest.fixture
def friches() -> gpd.GeoDataFrame:
    rows = [
        ("a", "without-project", "industrial", 2.0, "59", "32", None),
        ("b", "potential", "commercial", None, "59", "32", None),
        ("c", "reused", "industrial", 10.0, "62", "32", "industry"),
        ("d", "with-project", "housing", 0.5, "75", "11", None),
    ]
    return gpd.GeoDataFrame(
        [
            dict(zip(("id", "status", "friche_type", "surface_ha", "dep", "reg", "reuse_type"), r, strict=True))
            for r in rows
        ],
        geometry=[Point(3, 50)] * 4,
        crs="EPSG:4326",
    )


def test_friche_filters_and_the_territory_filters(friches):
    def ids(**spec):
        return list(apply_friche_filters(friches, FilterSpec(**spec))["id"])

    assert ids(deps=("59",)) == ["a", "b"]
    assert ids(regs=("32",), friche_types=("industrial",)) == ["a", "c"]
    assert ids(friche_ha_min=1.0) == ["a", "c"]  # unknown surface left out
    assert ids(friche_ha_max=2.0) == ["a", "d"]
    assert ids(friche_statuses=("reused", "potential")) == ["b", "c"]
    counts = friche_counts(
        friches, FilterSpec(deps=("59",), friche_statuses=("potential",)), "status", "friche_statuses"
    )
    assert counts.to_dict() == {
        "without-project": 1,
        "potential": 1,
    }  # a control counts under the other filters


def test_headline_figures(friches):
    f = friche_figures(friches)
    assert (f.friches, f.available, f.available_ha, f.available_with_surface) == (4, 2, 2.0, 1)
    assert (f.reused, f.reused_for_industry, f.by_status["with-project"]) == (1, 1, 1)


@pytest.mark.parametrize("spec", [{}, {"deps": ("59",)}, {"friche_statuses": ("reused",)}, {"regs": ("84",)}])
def test_a_selection_is_a_mask_of_the_inventory_with_the_frames_figures(friches, spec):
    """The app's friches shown are a mask of the inventory, not a copy of it (issue 11, item 6):
    its rows, count, ids and headline figures are those of the filtered frame."""
    spec = FilterSpec(**spec)
    shown, frame = friche_selection(friches, spec), apply_friche_filters(friches, spec)
    assert shown.inventory is friches and shown.keep.dtype == bool
    assert len(shown) == len(frame) and shown.empty == frame.empty
    assert shown.frame["id"].tolist() == frame["id"].tolist() == shown.column("id").tolist()
    assert shown.positions.tolist() == [list(friches["id"]).index(i) for i in frame["id"]]
    assert [i in shown for i in "abcdz"] == [i in set(frame["id"]) for i in "abcdz"]
    assert friche_figures(friches, shown.keep) == friche_figures(frame)
    if spec == FilterSpec():
        assert shown.frame is friches  # every friche: the inventory itself


def test_a_frame_is_the_selection_of_all_its_rows_and_a_bad_mask_is_refused(friches):
    every = FricheSelection.of(friches)
    assert FricheSelection.of(every) is every and every.frame is friches and len(every) == 4
    with pytest.raises(ValueError, match="one bool per friche"):
        FricheSelection(friches, friches["id"].eq("a").to_numpy()[:3])
    with pytest.raises(ValueError, match="one bool per friche"):
        FricheSelection(friches, friches.index.to_numpy())


def test_the_year_filter_applies_to_reconversions_and_keeps_the_friches_still_to_reuse():
    """Issue 12, item 5: a year range keeps the friches reused within it; the others stay."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from geo.filters import friche_mask
    from geo.state import FilterSpec

    friches = gpd.GeoDataFrame(
        {
            "status": ["reused", "reused", "reused", "without-project"],
            "reuse_year": pd.array([2015, 2021, None, None], dtype="Int64"),
            "friche_type": ["industrial"] * 4,
            "surface_ha": [1.0] * 4,
            "reg": ["32"] * 4,
            "dep": ["59"] * 4,
        },
        geometry=[Point(3, 50)] * 4,
        crs=4326,
    )
    assert friche_mask(friches, FilterSpec(year_min=2020)).tolist() == [False, True, False, True]
    assert friche_mask(friches, FilterSpec()).tolist() == [True] * 4
