"""Tier 2: the real data loads, validates, and every site lies in the commune it names."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import shapely

from geo import load
from geo.paths import ROOT, SITES_PATH


@pytest.fixture(scope="module")
def sites(real_communes):
    return load.read_sites(SITES_PATH, communes=real_communes)


def test_every_commune_loads(real_communes):
    assert len(real_communes) == 34_867
    assert real_communes.crs.to_epsg() == 4326
    assert real_communes["insee"].is_unique
    assert real_communes["insee"].str.len().eq(5).all()
    assert real_communes["insee"].map(type).eq(str).all()
    geoms = real_communes.geometry.values
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    assert {"2A004", "2B033", "97101", "01001"} <= set(real_communes["insee"])


def test_anchor_point_lies_in_its_commune(real_communes):
    anchors = shapely.points(real_communes[["lon", "lat"]].to_numpy())
    assert shapely.covered_by(anchors, real_communes.geometry.values).all()


def test_national_layer_has_the_same_communes(real_communes):
    national = load.load_national_communes()
    assert national["insee"].tolist() == real_communes["insee"].tolist()
    assert national.crs.to_epsg() == 4326


def test_departements_and_regions_load_with_names():
    departements = load.load_departements()
    regions = load.load_regions()
    assert len(departements) == 101 and len(regions) == 18
    assert departements.set_index("code").loc["77", "nom"] == "Seine-et-Marne"
    assert departements.set_index("code").loc["2A", "nom"] == "Corse-du-Sud"
    assert regions.set_index("code").loc["32", "nom"] == "Hauts-de-France"
    assert departements["nom"].str.len().gt(0).all() and regions["nom"].str.len().gt(0).all()
    assert departements["communes"].sum() == regions["communes"].sum() == 34_867


def test_aliases_point_old_communes_to_the_current_one():
    aliases = load.load_aliases().set_index("alias_nom")
    assert aliases.loc["Seynod", "insee"] == "74010"
    assert aliases.loc["Tourlaville", "insee"] == "50129"


def test_postal_codes_keep_leading_zeros():
    postal = load.load_postal_codes()
    assert "01053" in set(postal.loc[postal["code_postal"] == "01000", "insee"])


def test_sites_file_validates_without_problem(real_communes):
    assert load.validate_sites(SITES_PATH, communes=real_communes) == []


def test_every_site_lies_in_the_commune_it_names(sites, real_communes):
    by_insee = real_communes.set_index("insee")
    named = sites[sites["insee"].notna()]
    assert len(named) == len(sites) - 1  # only the Seine-et-Marne line has no commune
    for site in named.itertuples():
        commune = by_insee.loc[site.insee]
        assert commune.geometry.covers(site.geometry), site.id
        assert commune.dep == site.dep and commune.nom == site.commune, site.id


def test_required_places_are_present(sites):
    by_insee = sites.groupby("insee")["id"].count().to_dict()
    for insee in ["59163", "26002", "26084", "59512", "43268", "59273", "76217"]:
        assert by_insee.get(insee) == 1, insee
    assert by_insee.get("67482") == 2  # 2CRSI and the OVHcloud data centre
    [seine_et_marne] = sites[sites["insee"].isna()].itertuples()
    assert seine_et_marne.dep == "77" and seine_et_marne.location_precision == "departement"
    assert seine_et_marne.notes


def test_key_figures_are_what_the_sources_say(sites):
    by_insee = sites.set_index("insee", drop=False)
    croix = by_insee.loc["59163"]
    assert croix.jobs == 500 and croix.brownfield and "borne basse" in croix.jobs_note
    roubaix = by_insee.loc["59512"]
    assert roubaix.jobs == 700 and roubaix.investment_eur == 40_000_000 and roubaix.surface_m2 == 9000
    assert by_insee.loc["26002"].jobs == 300
    chateauneuf = by_insee.loc["26084"]
    assert chateauneuf.jobs == 600 and chateauneuf.status == "planned" and chateauneuf.surface_m2 == 12_000
    assert by_insee.loc["43268"].jobs == 180 and by_insee.loc["43268"].brownfield
    assert by_insee.loc["67482"].jobs.isna().all()


def test_jobs_figures_of_different_kinds_were_added_as_one(sites):
    """Regression: "Emplois annoncés" summed a headcount, a target and jobs to be created;
    each figure now has its kind, read from its note and its source."""
    kinds = dict(zip(sites["id"], sites["jobs_kind"], strict=True))
    assert kinds["croix-ovh-usine"] == "headcount"  # « plus de 500 personnes » at work today
    assert kinds["roubaix-ovh-campus"] == "created"  # 700 postes à créer
    assert kinds["albon-algo"] == "target"  # 300 personnes « à terme »
    assert kinds["chateauneuf-sur-isere-algo"] == "created"  # 600 recrutements prévus
    assert kinds["yssingeaux-ateliers-du-meygal"] == "created"  # 180 recrutements
    assert (sites["jobs"].isna() == sites["jobs_kind"].isna()).all()  # a kind exactly when a figure


def test_bresle_glass_valley_is_a_cluster_not_a_site(sites):
    [bresle] = sites.loc[sites["cluster"].eq(True)].to_dict("records")
    assert bresle["insee"] == "76217" and bresle["sector"] == "glass"
    assert pd.isna(bresle["jobs"]) and bresle["jobs_note"] is None
    assert "Bresle" in bresle["notes"]


def test_every_site_cites_a_source(sites):
    for site in sites.itertuples():
        assert site.sources, site.id
        assert all(source["publisher"] and source["title"] for source in site.sources), site.id


def test_validate_command_exits_0():
    result = subprocess.run(
        [sys.executable, "-m", "geo", "validate"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("no problem")


def test_communes_of_the_rhone_form_a_coverage_without_gaps(real_communes):
    geoms = real_communes.loc[real_communes["dep"] == "69"].geometry.values
    # No overlap, no mismatched shared edge, and no gap narrower than about 10 m. (Not
    # every département passes the gap test: a narrow sea inlet, as at Porto-Vecchio, is one.)
    assert shapely.coverage_is_valid(geoms, gap_width=1e-4)


def test_communes_of_metropolitan_france_do_not_overlap(real_communes):
    metropole = real_communes.loc[real_communes["dep"].str.len() == 2].geometry.values
    assert shapely.coverage_is_valid(metropole)
