"""Tier 1: the filter value object, its URL codec and the pure filtering function."""

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from geo.filters import apply_filters, facet_counts
from geo.state import (
    BASEMAPS,
    BROWNFIELD_VALUES,
    HIDEABLE,
    LANGS,
    MODES,
    PARAMS,
    YEAR_OF,
    FilterSpec,
    Known,
    State,
    ViewState,
    from_query,
    normalize,
    param,
    to_query,
)
from geo.text import fold
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
        # unknown is its own value, never drawn as "no"
        (FilterSpec(brownfield="unknown"), ["b", "d"]),
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


def test_year_bounds_keep_the_sites_dated_within_them_and_leave_undated_ones_out(sites):
    dated = sites.assign(opened=pd.array([2016, 2020, None, 2012], dtype="Int64"),
                         announced_year=pd.array([None, 2019, None, None], dtype="Int64"))  # fmt: skip
    assert ids(apply_filters(dated, FilterSpec(year_min=2015, year_of="opened"))) == ["a", "b"]
    assert ids(apply_filters(dated, FilterSpec(year_max=2016, year_of="opened"))) == ["a", "d"]
    assert ids(apply_filters(dated, FilterSpec(year_min=2015))) == ["b"]  # the announcement by default
    assert ids(apply_filters(dated, FilterSpec(year_min=2000, year_of="announced"))) == ["b"]
    assert ids(apply_filters(dated, FilterSpec(year_of="announced"))) == ["a", "b", "c", "d"]  # no bound: all


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
        ({"jobs_min": "1e20"}, "jobs_min", "not_a_number"),
        ({"jobs_max": "-5"}, "jobs_max", "out_of_range"),
        ({"jobs_max": "99999999999999999999999"}, "jobs_max", "out_of_range"),
        ({"jobs_min": "10", "jobs_max": "5"}, "jobs_max", "swapped"),
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
        ({"near": "59512", "km": "-3"}, "km", "out_of_range"),
        ({"near": "59512", "km": "500"}, "km", "out_of_range"),
        ({"near": "59512", "km": "0.5"}, "km", "out_of_range"),
        ({"hide": "everything"}, "hide", "unknown"),
        ({"km": "5"}, "km", "needs_near"),
        ({"utm_source": "mail"}, "utm_source", "unknown"),
        ({"q": "x" * 500}, "q", "too_long"),
    ],
)
def test_bad_parameters_are_dropped_with_a_notice(params, param, reason):
    state, notices = from_query(params, KNOWN)
    spec, view = state.spec, state.view
    assert [(n.param, n.reason) for n in notices] == [(param, reason)]
    assert len(spec.q) <= 200
    # what was dropped does not leak into the state
    assert "unicorns" not in spec.sectors and view.lang in LANGS and view.mode in MODES


def test_good_values_survive_next_to_bad_ones():
    state, notices = from_query(
        {
            "sector": ["glass", "unicorns", "leather-goods,servers-electronics"],
            "jobs_min": "abc",
            "lang": "en",
        },
        KNOWN,
    )
    assert state.spec.sectors == ("glass", "leather-goods", "servers-electronics")
    assert state.spec.jobs_min is None
    assert state.view.lang == "en"
    assert {n.param for n in notices} == {"sector", "jobs_min"}


def test_defaults_give_an_empty_query():
    assert to_query(State()) == {}
    assert from_query({}) == (State(), [])


def test_near_without_km_gets_a_default_radius():
    state, notices = from_query({"near": "59512"}, KNOWN)
    assert (state.spec.near, state.spec.km, notices) == ("59512", 20.0, [])


@pytest.mark.parametrize(("km", "kept"), [("500", 300.0), ("1000", 300.0), ("0.5", 1.0), ("12.5", 12.5), ("12,5", 12.5)])
def test_radius_from_a_link_is_brought_within_the_sliders_bounds(km, kept):
    """Regression: ?near=59512&km=500 or km=0.5 raised in the page; km=12.5 silently became 12."""
    state, notices = from_query({"near": "59512", "km": km}, KNOWN)
    assert state.spec.km == kept
    low, high = param("km").low, param("km").high
    assert low <= state.spec.km <= high
    assert [n.kept for n in notices] == ([] if km.startswith("12") else [str(int(kept))])


def test_jobs_bounds_the_wrong_way_round_are_swapped_from_a_link_and_from_widgets_alike():
    """Regression: min 600 / max 100 in the sidebar gave 0 sites, the same link gave 1 site."""
    from_link, link_notices = from_query({"jobs_min": "600", "jobs_max": "100"})
    from_widgets, widget_notices = normalize(State().replace(jobs_min=600, jobs_max=100))
    assert from_link == from_widgets
    assert (from_link.spec.jobs_min, from_link.spec.jobs_max) == (100, 600)
    assert link_notices == widget_notices and link_notices[0].reason == "swapped"


def test_a_long_search_is_said_to_be_cut_not_ignored():
    state, (notice,) = from_query({"q": "usine " * 60})
    assert notice.reason == "too_long" and notice.kept == "200"
    assert len(state.spec.q) == 200 and state.spec.q.startswith("usine usine")


def test_every_parameter_default_is_the_value_objects_default():
    """The table names fields; the defaults live once, in FilterSpec and ViewState."""
    state = State()
    for p in PARAMS:
        assert state.get(p.field) == p.default
    assert {p.field for p in PARAMS} == {f for f in (*FilterSpec.__dataclass_fields__, *ViewState.__dataclass_fields__)}


def test_fold_ignores_accents_and_case():
    assert fold("Châteauneuf-sur-ISÈRE") == "chateauneuf-sur-isere"
    assert fold(None) == ""


# -- property-based round trip ------------------------------------------------------------

slugs = lambda pool: st.lists(st.sampled_from(sorted(pool)), max_size=4, unique=True).map(tuple)  # noqa: E731
jobs = st.one_of(st.none(), st.integers(min_value=0, max_value=param("jobs_max").high))
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60).map(
    lambda s: " ".join(s.split())
)


@st.composite
def states(draw):
    jobs_min, jobs_max = draw(jobs), draw(jobs)
    if jobs_min is not None and jobs_max is not None and jobs_min > jobs_max:
        jobs_min, jobs_max = jobs_max, jobs_min
    near = draw(st.one_of(st.none(), st.sampled_from(sorted(KNOWN.communes))))
    year_min, year_max = sorted(draw(st.lists(st.one_of(st.none(), st.integers(1800, 2100)), min_size=2, max_size=2)), key=lambda y: (y is None, y))
    if year_min is not None and year_max is None and draw(st.booleans()):
        year_min, year_max = None, year_min
    km = draw(st.floats(min_value=1, max_value=300, allow_nan=False)) if near else 20.0
    spec = FilterSpec(
        sectors=draw(slugs(SECTORS)),
        jobs_min=jobs_min,
        jobs_max=jobs_max,
        brownfield=draw(st.sampled_from([None, *BROWNFIELD_VALUES])),
        statuses=draw(slugs(STATUSES)),
        regs=draw(slugs(KNOWN.regs)),
        deps=draw(slugs(KNOWN.deps)),
        q=draw(text),
        near=near,
        km=km,
        year_min=year_min,
        year_max=year_max,
        year_of=draw(st.sampled_from(YEAR_OF)),
    )
    view = ViewState(
        site=draw(st.one_of(st.none(), st.sampled_from(sorted(KNOWN.site_ids)))),
        hide=draw(slugs(HIDEABLE)),
        basemap=draw(st.sampled_from(BASEMAPS)),
        lang=draw(st.sampled_from(LANGS)),
        mode=draw(st.sampled_from(MODES)),
    )
    return State(spec, view)


@given(states())
def test_url_round_trip_is_exact(state):
    assert from_query(to_query(state), KNOWN) == (state, [])


@given(states())
def test_url_round_trip_through_single_strings(state):
    """Streamlit hands over one string per key; multi-valued keys are comma-joined."""
    flat = {
        key: ",".join(values) if param(key).repeatable else values[-1] for key, values in to_query(state).items()
    }
    assert from_query(flat, KNOWN) == (state, [])


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.text(max_size=30), st.lists(st.text(max_size=30)))))
def test_arbitrary_parameters_never_raise(params):
    state, notices = from_query(params, KNOWN)
    assert isinstance(state.spec, FilterSpec) and isinstance(state.view, ViewState)
    # every dropped value is reported: decoding what was kept gives no notice
    assert from_query(to_query(state), KNOWN)[1] == []


def test_the_readmes_table_of_url_parameters_is_the_declared_one():
    """The README documents the parameters of geo.state.PARAMS, no more, no fewer."""
    import re

    from geo.paths import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### URL parameters", 1)[1].split("\n### ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("| `"))
    documented = {name for cell in re.findall(r"^\| ([^|]+) \|", table, flags=re.M) for name in re.findall(r"`(\w+)`", cell)}
    assert documented == {p.name for p in PARAMS}


def test_site_layer_names_the_layer_control_entry_a_site_is_drawn_in():
    """An open site shows its layer (app.py): its sector's slug, or ``uploads`` for an uploaded site."""
    from geo.filters import site_layer

    sites = pd.DataFrame({"id": ["a", "b"], "sector": ["glass", "food"], "layer": [None, "upload"]})
    assert site_layer(sites, "a") == "glass"
    assert site_layer(sites, "b") == "uploads"
    assert site_layer(sites, "nope") is None
    assert site_layer(sites.drop(columns="layer"), "b") == "food"


@pytest.mark.parametrize(
    ("name", "raw", "kept"),
    [("km", "9" * 400, "300"), ("km", "-" + "9" * 400, "1"), ("friche_ha_max", "1" + "0" * 400, "10000")],
)
def test_a_number_beyond_a_floats_range_is_brought_within_the_bounds_not_called_not_a_number(name, raw, kept):
    """Regression: ?near=59512&km=999…9 (400 digits) said "pas un nombre" and dropped the radius:
    the digits overflow a float (inf), which the codec took for the text "inf"."""
    state, notices = from_query({"near": "59512", name: raw}, KNOWN)
    assert [(n.reason, n.kept) for n in notices] == [("out_of_range", kept)]
    assert _format_of(state, name) == kept
    for spelled in ("inf", "-Infinity", "nan"):  # still not numbers
        _, notices = from_query({"near": "59512", name: spelled}, KNOWN)
        assert [n.reason for n in notices] == ["not_a_number"]


def _format_of(state, name: str) -> str:
    value = state.get(param(name).field)
    return str(int(value)) if float(value).is_integer() else str(value)
