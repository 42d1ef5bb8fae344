"""Tier 1: the filter value object, its URL codec and the pure filtering function."""

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from geo.filters import (
    BASEMAPS,
    LANGS,
    MODES,
    FilterSpec,
    Known,
    ViewState,
    apply_filters,
    facet_counts,
    fold,
    from_query,
    to_query,
)
from geo.vocab import SECTORS, STATUSES

KNOWN = Known(
    regs=frozenset({"32", "84", "44"}),
    deps=frozenset({"59", "26", "67", "2A"}),
    site_ids=frozenset({"a", "b", "c"}),
    communes=frozenset({"59512", "26002"}),
)


@pytest.fixture
def sites():
    rows = [
        dict(
            id="a",
            name="Usine A",
            company="OVH",
            commune_nom="Roubaix",
            sector="cloud-datacenters",
            status="operating",
            reg="32",
            dep="59",
            jobs=700,
            brownfield=True,
        ),
        dict(
            id="b",
            name="Atelier B",
            company="Algo",
            commune_nom="Châteauneuf-sur-Isère",
            sector="leather-goods",
            status="planned",
            reg="84",
            dep="26",
            jobs=600,
            brownfield=None,
        ),
        dict(
            id="c",
            name="Centre C",
            company=None,
            commune_nom="Strasbourg",
            sector="cloud-datacenters",
            status="operating",
            reg="44",
            dep="67",
            jobs=None,
            brownfield=False,
        ),
        dict(
            id="d",
            name="Ligne D",
            company="Thomson",
            commune_nom=None,
            sector="servers-electronics",
            status="operating",
            reg="11",
            dep="77",
            jobs=None,
            brownfield=None,
        ),
    ]
    frame = pd.DataFrame(rows)
    frame["jobs"] = frame["jobs"].astype("Int64")
    frame["brownfield"] = frame["brownfield"].astype("boolean")
    return gpd.GeoDataFrame(frame, geometry=[Point(3.17, 50.69)] * 4, crs=4326)


def ids(frame):
    return list(frame["id"])


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (FilterSpec(), ["a", "b", "c", "d"]),
        (FilterSpec(sectors=("cloud-datacenters",)), ["a", "c"]),
        (FilterSpec(statuses=("planned",)), ["b"]),
        (FilterSpec(regs=("32", "84")), ["a", "b"]),
        (FilterSpec(deps=("67",)), ["c"]),
        (FilterSpec(brownfield="yes"), ["a"]),
        (FilterSpec(brownfield="no"), ["c"]),
        # a jobs bound excludes sites whose jobs are unknown, even a bound of 0
        (FilterSpec(jobs_min=0), ["a", "b"]),
        (FilterSpec(jobs_min=650), ["a"]),
        (FilterSpec(jobs_max=650), ["b"]),
        (FilterSpec(jobs_min=600, jobs_max=600), ["b"]),
        (FilterSpec(q="chateauneuf"), ["b"]),
        (FilterSpec(q="OVH roubaix"), ["a"]),
        (FilterSpec(q="thomson"), ["d"]),
        (FilterSpec(q="nowhere"), []),
        (FilterSpec(sectors=("cloud-datacenters",), brownfield="yes"), ["a"]),
    ],
)
def test_apply_filters(sites, spec, expected):
    assert ids(apply_filters(sites, spec)) == expected


def test_apply_filters_does_not_modify_its_input(sites):
    before = sites.copy()
    apply_filters(sites, FilterSpec(q="ovh", jobs_min=1))
    pd.testing.assert_frame_equal(sites, before)


def test_radius_filter_needs_distances(sites):
    spec = FilterSpec(near="59512", km=10)
    with pytest.raises(ValueError, match="distance_m"):
        apply_filters(sites, spec)
    distances = pd.Series([0.0, 9_999.0, 10_001.0, 50_000.0], index=sites.index)
    assert ids(apply_filters(sites, spec, distance_m=distances)) == ["a", "b"]


def test_facet_counts_ignore_the_controls_own_filter(sites):
    spec = FilterSpec(sectors=("leather-goods",), regs=("32", "84", "44"))
    counts = facet_counts(sites, spec, "sector", "sectors")
    assert counts.to_dict() == {"cloud-datacenters": 2, "leather-goods": 1}


def test_spec_is_canonical():
    assert FilterSpec(sectors=("glass", "glass", "cloud-datacenters")) == FilterSpec(
        sectors=("cloud-datacenters", "glass")
    )
    assert FilterSpec(q="  usine   ovh ").q == "usine ovh"


@pytest.mark.parametrize(
    ("params", "param", "reason"),
    [
        ({"jobs_min": "abc"}, "jobs_min", "not_a_number"),
        ({"jobs_max": "-5"}, "jobs_max", "negative"),
        ({"jobs_min": "10", "jobs_max": "5"}, "jobs_max", "min_above_max"),
        ({"sector": "unicorns"}, "sector", "unknown"),
        ({"status": "dreaming"}, "status", "unknown"),
        ({"brownfield": "maybe"}, "brownfield", "unknown"),
        ({"reg": "99"}, "reg", "unknown"),
        ({"dep": "<script>"}, "dep", "unknown"),
        ({"lang": "de"}, "lang", "unknown"),
        ({"mode": "kiosk"}, "mode", "unknown"),
        ({"basemap": "google"}, "basemap", "unknown"),
        ({"site": "nope"}, "site", "unknown"),
        ({"near": "00000"}, "near", "unknown"),
        ({"near": "59512", "km": "far"}, "km", "not_a_number"),
        ({"near": "59512", "km": "nan"}, "km", "not_a_number"),
        ({"near": "59512", "km": "-3"}, "km", "unknown"),
        ({"km": "5"}, "km", "needs_near"),
        ({"utm_source": "mail"}, "utm_source", "unknown"),
        ({"q": "x" * 500}, "q", "too_long"),
    ],
)
def test_bad_parameters_are_dropped_with_a_notice(params, param, reason):
    spec, view, notices = from_query(params, KNOWN)
    assert [(n.param, n.reason) for n in notices] == [(param, reason)]
    assert len(spec.q) <= 200
    # what was dropped does not leak into the state
    assert "unicorns" not in spec.sectors and view.lang in LANGS and view.mode in MODES


def test_good_values_survive_next_to_bad_ones():
    spec, view, notices = from_query(
        {
            "sector": ["glass", "unicorns", "leather-goods,servers-electronics"],
            "jobs_min": "abc",
            "lang": "en",
        },
        KNOWN,
    )
    assert spec.sectors == ("glass", "leather-goods", "servers-electronics")
    assert spec.jobs_min is None
    assert view.lang == "en"
    assert {n.param for n in notices} == {"sector", "jobs_min"}


def test_defaults_give_an_empty_query():
    assert to_query(FilterSpec(), ViewState()) == {}
    assert from_query({}) == (FilterSpec(), ViewState(), [])


def test_near_without_km_gets_a_default_radius():
    spec, _, notices = from_query({"near": "59512"}, KNOWN)
    assert (spec.near, spec.km, notices) == ("59512", 20.0, [])


def test_fold_ignores_accents_and_case():
    assert fold("Châteauneuf-sur-ISÈRE") == "chateauneuf-sur-isere"
    assert fold(None) == ""


# -- property-based round trip ------------------------------------------------------------

slugs = lambda pool: st.lists(st.sampled_from(sorted(pool)), max_size=4, unique=True).map(tuple)  # noqa: E731
jobs = st.one_of(st.none(), st.integers(min_value=0, max_value=10**7))
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60).map(
    lambda s: " ".join(s.split())
)


@st.composite
def states(draw):
    jobs_min, jobs_max = draw(jobs), draw(jobs)
    if jobs_min is not None and jobs_max is not None and jobs_min > jobs_max:
        jobs_min, jobs_max = jobs_max, jobs_min
    near = draw(st.one_of(st.none(), st.sampled_from(sorted(KNOWN.communes))))
    km = draw(st.floats(min_value=0.5, max_value=1000, allow_nan=False)) if near else None
    spec = FilterSpec(
        sectors=draw(slugs(SECTORS)),
        jobs_min=jobs_min,
        jobs_max=jobs_max,
        brownfield=draw(st.sampled_from([None, "yes", "no"])),
        statuses=draw(slugs(STATUSES)),
        regs=draw(slugs(KNOWN.regs)),
        deps=draw(slugs(KNOWN.deps)),
        q=draw(text),
        near=near,
        km=km,
    )
    view = ViewState(
        site=draw(st.one_of(st.none(), st.sampled_from(sorted(KNOWN.site_ids)))),
        basemap=draw(st.sampled_from(BASEMAPS)),
        lang=draw(st.sampled_from(LANGS)),
        mode=draw(st.sampled_from(MODES)),
    )
    return spec, view


@given(states())
def test_url_round_trip_is_exact(state):
    spec, view = state
    decoded = from_query(to_query(spec, view), KNOWN)
    assert decoded == (spec, view, [])


@given(states())
def test_url_round_trip_through_single_strings(state):
    """Streamlit hands over one string per key; multi-valued keys are comma-joined."""
    spec, view = state
    flat = {
        key: ",".join(values) if key in {"sector", "status", "reg", "dep"} else values[-1]
        for key, values in to_query(spec, view).items()
    }
    assert from_query(flat, KNOWN) == (spec, view, [])


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.text(max_size=30), st.lists(st.text(max_size=30)))))
def test_arbitrary_parameters_never_raise(params):
    spec, view, notices = from_query(params, KNOWN)
    assert isinstance(spec, FilterSpec) and isinstance(view, ViewState)
    # every dropped value is reported: decoding what was kept gives no notice
    assert from_query(to_query(spec, view), KNOWN)[2] == []
