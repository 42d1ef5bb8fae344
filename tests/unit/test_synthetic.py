"""geo.synthetic: deterministic, valid, population-weighted synthetic sites, never written into data/."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo import load, synthetic
from geo.__main__ import main as geo_main
from geo.paths import DATA_DIR, ROOT
from geo.vocab import PRECISIONS, SECTORS, STATUSES


@pytest.fixture(scope="module")
def many(real_communes):
    """20,000 sites: enough for the shares to be measured (the draw is seeded: no flakiness)."""
    return synthetic.generate(20_000, real_communes, seed=7)


def test_same_seed_gives_the_same_bytes(real_communes, tmp_path):
    first = synthetic.feature_collection(synthetic.generate(500, real_communes, seed=3))
    again = synthetic.feature_collection(synthetic.generate(500, real_communes, seed=3))
    assert first == again
    assert synthetic.feature_collection(synthetic.generate(500, real_communes, seed=4)) != first
    # the command line too, file to file
    for name in ("a.geojson", "b.geojson"):
        assert geo_main(["synthetic", "200", "-o", str(tmp_path / name), "--seed", "5"]) == 0
    assert (tmp_path / "a.geojson").read_bytes() == (tmp_path / "b.geojson").read_bytes()


def test_the_file_reads_back_into_the_same_frame(real_communes):
    sites = synthetic.generate(500, real_communes, seed=2)
    assert_geodataframe_equal(load.read_sites(synthetic.feature_collection(sites), communes=real_communes), sites)


def test_the_draw_does_not_depend_on_the_order_of_the_communes(real_communes):
    shuffled = real_communes.sample(frac=1.0, random_state=1)
    assert synthetic.feature_collection(synthetic.generate(100, shuffled)) == synthetic.feature_collection(
        synthetic.generate(100, real_communes)
    )


def test_every_point_lies_in_the_commune_its_insee_names(real_communes, many):
    positions = pd.Index(real_communes["insee"]).get_indexer(many["insee"])
    assert (positions >= 0).all()
    # the points as written (6 decimals), checked as geo.load checks them
    text = synthetic.feature_collection(many.head(5000))
    coords = np.array([f["geometry"]["coordinates"] for f in json.loads(text)["features"]])
    written = shapely.points(coords)
    assert shapely.covered_by(written, real_communes.geometry.values[positions[:5000]]).all()
    assert shapely.covered_by(many.geometry.values, real_communes.geometry.values[positions]).all()
    assert (real_communes["dep"].to_numpy()[positions] == many["dep"].to_numpy()).all()
    assert (real_communes["nom"].to_numpy()[positions] == many["commune"].to_numpy()).all()


def test_address_points_are_spread_and_commune_points_are_the_anchor(real_communes, many):
    by_insee = real_communes.set_index("insee")
    at_commune = many[many["location_precision"] == "commune"]
    anchors = by_insee.loc[at_commune["insee"], ["lon", "lat"]].to_numpy()
    assert np.allclose(np.column_stack([at_commune.geometry.x, at_commune.geometry.y]), anchors, atol=1e-6)
    at_address = many[many["location_precision"] == "address"]
    # random points, not the anchor (a fallback to it is allowed, but rare)
    same = np.isclose(at_address.geometry.x, by_insee.loc[at_address["insee"], "lon"].to_numpy(), atol=1e-9)
    assert same.mean() < 0.01


def test_a_small_file_passes_validate(tmp_path, capsys):
    path = tmp_path / "synthetic-300.geojson"
    assert geo_main(["synthetic", "300", "-o", str(path)]) == 0
    assert geo_main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.strip().endswith("300 sites, no problem")
    sites = load.read_sites(path, communes=load.load_communes())
    assert len(sites) == 300
    assert sites["id"].iloc[0] == "synthetic-000001" and sites["id"].iloc[-1] == "synthetic-000300"


def test_sites_are_plausible_and_clearly_synthetic(many):
    n = len(many)
    assert many["id"].str.fullmatch(r"synthetic-\d{6}").all() and many["id"].is_unique
    assert many["name"].str.startswith("Site synthétique ").all()
    assert many["company"].str.startswith("Synthétique SA n°").all()
    assert all(s == [synthetic.SOURCE] for s in many["sources"].head(100))
    assert synthetic.SOURCE["publisher"] == "geo.synthetic" and synthetic.SOURCE["url"] is None
    assert set(many["sector"]) == set(SECTORS)
    sector_counts = many["sector"].value_counts()
    assert sector_counts.max() > 3 * sector_counts.min()  # not uniform
    assert set(many["status"]) <= set(STATUSES)
    assert set(many["location_precision"]) == {"address", "commune"} <= set(PRECISIONS)
    assert abs(many["jobs"].isna().mean() - 0.10) < 0.02
    assert many["jobs"].min() >= 1 and many["jobs"].max() > 20 * many["jobs"].median()  # long tail
    assert abs((many["brownfield"] == True).sum() / n - 0.35) < 0.02  # noqa: E712 - nullable boolean
    assert abs(many["brownfield"].isna().mean() - 0.10) < 0.02
    assert 0.3 < many["investment_eur"].notna().mean() < 0.6
    # Dates: announced as "YYYY" or "YYYY-MM", opened only when operating, a former closure
    # only on a brownfield, in order, each date citing the one synthetic source.
    announced = many["announced"].dropna()
    assert 0.8 < len(announced) / n < 0.9 and 0.3 < announced.str.len().eq(7).mean() < 0.5
    assert many["announced_year"].between(2009, 2026).all()
    assert many.loc[many["opened"].notna(), "status"].eq("operating").all()
    assert many["opened"].between(2012, 2025).all() and many["opened"].nunique() == 14
    assert many.loc[many["former_closed"].notna(), "brownfield"].eq(True).all()
    assert (many["former_closed"] < many["opened"]).dropna().all()
    assert (many["announced_year"] < many["opened"]).dropna().all()
    for row in many.head(500).itertuples():
        given = {name for name in ("announced", "opened", "former_closed") if not pd.isna(getattr(row, name))}
        assert set(row.dates_source or {}) == given and set((row.dates_source or {}).values()) <= {0}
    known_jobs = many["jobs"].notna()
    assert many.loc[known_jobs, "jobs_note"].notna().all() and many.loc[~known_jobs, "jobs_note"].isna().all()


def test_communes_are_drawn_by_population(real_communes, many):
    """Counts per commune follow the weights (population + floor) within 5 binomial standard deviations."""
    weights = (real_communes["population"] + synthetic.POPULATION_FLOOR).astype(float)
    share = weights / weights.sum()
    counts = many["insee"].value_counts().reindex(real_communes["insee"], fill_value=0).to_numpy()
    n = len(many)
    top = np.argsort(-real_communes["population"].to_numpy())[:100]  # the hundred largest real_communes
    for chosen in (top[:1], top):  # Paris alone, then the hundred together
        p = share.to_numpy()[chosen].sum()
        expected, sd = n * p, math.sqrt(n * p * (1 - p))
        assert abs(counts[chosen].sum() - expected) < 5 * sd
    # a big city gets many more sites than a village, and the floor lets villages get some
    small = real_communes["population"].to_numpy() < 200
    assert counts[top[:1]].sum() > 100 * counts[small].mean()
    assert counts[small].sum() > 0


def test_refuses_to_write_into_data(tmp_path, real_communes, capsys):
    for path in (
        DATA_DIR / "synthetic.geojson",
        ROOT / "bench" / ".." / "data" / "sub" / "x.geojson",
        DATA_DIR,
    ):
        with pytest.raises(ValueError, match="never written under"):
            synthetic.write(10, path, communes=real_communes)
    assert not (DATA_DIR / "synthetic.geojson").exists() and not (DATA_DIR / "sub").exists()
    assert geo_main(["synthetic", "10", "-o", str(DATA_DIR / "synthetic.geojson")]) == 2
    assert "never written under" in capsys.readouterr().out
    assert not (DATA_DIR / "synthetic.geojson").exists()


def test_bad_arguments_are_refused(real_communes):
    with pytest.raises(ValueError, match="n must be"):
        synthetic.generate(-1, real_communes)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        synthetic.generate(3, pd.DataFrame(real_communes.drop(columns="geometry")))
    assert len(synthetic.generate(0, real_communes)) == 0


def test_ten_thousand_sites_take_well_under_ten_seconds(real_communes):
    start = time.perf_counter()
    synthetic.feature_collection(synthetic.generate(10_000, real_communes, seed=1))
    assert time.perf_counter() - start < 10
