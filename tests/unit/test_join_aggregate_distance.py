"""Tier 1: joining sites to nord_communes, aggregating, and distances, on tiny hand-made frames."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.aggregate import aggregate, kpis
from geo.distance import crs_for_point, distances_to_commune, distances_to_point, within_km
from geo.join import join_sites_to_communes


@pytest.fixture
def nord_communes():
    # three nord_communes side by side (1° wide) in the Nord, in two départements
    return gpd.GeoDataFrame(
        {
            "insee": ["59001", "59002", "62001"],
            "nom": ["Gauche", "Milieu", "Droite"],
            "dep": ["59", "59", "62"],
            "reg": ["32", "32", "32"],
            "epci": ["200000001", "", "200000002"],
            "population": [1000, 2000, 0],
        },
        geometry=[box(2.0, 50.0, 2.1, 50.1), box(2.1, 50.0, 2.2, 50.1), box(2.2, 50.0, 2.3, 50.1)],
        crs=4326,
    )


@pytest.fixture
def departements():
    return pd.DataFrame({"code": ["59", "62"], "nom": ["Nord", "Pas-de-Calais"], "reg": ["32", "32"]})


@pytest.fixture
def regions():
    return pd.DataFrame({"code": ["32"], "nom": ["Hauts-de-France"]})


def make_sites(rows):
    frame = pd.DataFrame(rows)
    geometry = [Point(xy) for xy in frame.pop("xy")]
    frame["jobs"] = frame["jobs"].astype("Int64")
    frame["brownfield"] = frame["brownfield"].astype("boolean")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


@pytest.fixture
def sites():
    return make_sites(
        [
            dict(
                id="in-gauche",
                name="A",
                company="X",
                insee="59001",
                dep="59",
                location_precision="commune",
                jobs=100,
                brownfield=True,
                investment_eur=1e6,
                xy=(2.05, 50.05),
            ),
            # exactly on the Gauche/Milieu border: must be kept once, in the commune it names
            dict(
                id="on-border",
                name="B",
                company="Y",
                insee="59002",
                dep="59",
                location_precision="site",
                jobs=None,
                brownfield=False,
                investment_eur=None,
                xy=(2.1, 50.05),
            ),
            dict(
                id="in-droite",
                name="C",
                company=None,
                insee="62001",
                dep="62",
                location_precision="address",
                jobs=50,
                brownfield=None,
                investment_eur=2e6,
                xy=(2.25, 50.05),
            ),
            dict(
                id="dep-only",
                name="D",
                company=None,
                insee=None,
                dep="59",
                location_precision="departement",
                jobs=20,
                brownfield=True,
                investment_eur=None,
                xy=(2.15, 50.02),
            ),
        ]
    )


def test_join_adds_commune_departement_region(sites, nord_communes, departements, regions):
    joined = join_sites_to_communes(sites, nord_communes, departements, regions)
    assert list(joined["id"]) == list(sites["id"])
    got = joined.set_index("id")
    assert got.loc["in-gauche", "commune_nom"] == "Gauche"
    assert got.loc["in-gauche", "epci"] == "200000001"
    assert got.loc["in-gauche", "population"] == 1000
    assert got.loc["in-droite", "dep_nom"] == "Pas-de-Calais"
    assert got.loc["in-droite", "reg_nom"] == "Hauts-de-France"
    assert pd.isna(got.loc["on-border", "epci"])  # empty EPCI in the source → missing


def test_point_on_a_shared_border_neither_vanishes_nor_doubles(sites, nord_communes, departements, regions):
    joined = join_sites_to_communes(sites, nord_communes, departements, regions)
    assert joined["id"].is_unique and len(joined) == len(sites)
    assert joined.set_index("id").loc["on-border", "insee"] == "59002"
    # without a named commune, the tie goes to the lowest code, deterministically
    unnamed = sites.assign(insee=[None, None, "62001", None])
    joined = join_sites_to_communes(unnamed, nord_communes, departements, regions)
    assert joined.set_index("id").loc["on-border", "insee"] == "59001"


def test_departement_precision_sites_get_no_commune(sites, nord_communes, departements, regions):
    got = join_sites_to_communes(sites, nord_communes, departements, regions).set_index("id")
    assert pd.isna(got.loc["dep-only", "insee"]) and pd.isna(got.loc["dep-only", "commune_nom"])
    assert got.loc["dep-only", "dep_nom"] == "Nord" and got.loc["dep-only", "reg"] == "32"


def test_join_checks_its_inputs(sites, nord_communes, departements, regions):
    with pytest.raises(ValueError, match="communes lacks column"):
        join_sites_to_communes(sites, nord_communes.drop(columns="population"), departements, regions)
    with pytest.raises(ValueError, match="EPSG"):
        join_sites_to_communes(sites, nord_communes.to_crs(2154), departements, regions)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        join_sites_to_communes(pd.DataFrame(sites), nord_communes, departements, regions)


def test_kpis_count_unknowns_apart(sites):
    figures = kpis(sites)
    assert figures.sites == 4
    assert figures.jobs == 170 and figures.sites_with_jobs == 3
    assert figures.brownfield_known == 3 and figures.brownfield_share == pytest.approx(2 / 3)
    assert figures.investment_eur == 3e6 and figures.sites_with_investment == 2
    empty = kpis(sites.iloc[0:0])
    assert (empty.sites, empty.jobs, empty.brownfield_share) == (0, 0, None)


def test_aggregate_per_commune_and_departement(sites, nord_communes, departements, regions):
    joined = join_sites_to_communes(sites, nord_communes, departements, regions)
    per_commune = aggregate(joined, nord_communes.set_index("insee")["population"], "commune").set_index("code")
    assert list(per_commune.index) == ["59001", "59002", "62001"]  # the dep-only site has no commune
    assert per_commune.loc["59001", "jobs_per_1000"] == pytest.approx(100.0)
    assert per_commune.loc["59002", "jobs"] == 0 and per_commune.loc["59002", "sites_with_jobs"] == 0
    assert pd.isna(per_commune.loc["62001", "jobs_per_1000"])  # population 0: no ratio, no crash
    per_dep = aggregate(joined, pd.Series({"59": 3000, "62": 0}), "departement").set_index("code")
    assert per_dep.loc["59", "sites"] == 3 and per_dep.loc["59", "jobs"] == 120
    assert per_dep.loc["59", "brownfield_share"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="level"):
        aggregate(joined, per_dep["population"], "canton")


def test_distances_in_metres(sites, nord_communes):
    to_gauche = distances_to_commune(sites, nord_communes, "59001")
    assert to_gauche["in-gauche" == sites["id"]].iloc[0] == 0.0
    # 0.2° of longitude at 50°N is about 14.3 km; Lambert-93 gives metres
    from_point = distances_to_point(sites, 2.05, 50.05)
    assert from_point.iloc[2] == pytest.approx(14_300, rel=0.02)
    # on-border is ~3.6 km away, dep-only ~7.9 km, in-droite ~14.3 km: nearest first
    assert list(within_km(sites, from_point, 5)["id"]) == ["in-gauche", "on-border"]
    assert list(within_km(sites, from_point, 10)["id"]) == ["in-gauche", "on-border", "dep-only"]
    with pytest.raises(KeyError, match="99999"):
        distances_to_commune(sites, nord_communes, "99999")


@pytest.mark.parametrize(
    ("lon", "lat", "crs"),
    [
        (2.35, 48.85, 2154),
        (9.0, 42.0, 2154),
        (55.45, -21.1, 2975),
        (-61.5, 16.2, 5490),
        (-53.0, 4.0, 2972),
        (45.1, -12.8, 4471),
    ],
)
def test_overseas_points_use_their_local_crs(lon, lat, crs):
    assert crs_for_point(lon, lat) == crs
