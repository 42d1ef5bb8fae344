"""Tier 2: the shipped Cartofriches extract reads whole, whatever dialect it is saved in, and owners
and contacts never come out; the page export and the synthetic friches read too."""

from __future__ import annotations

import codecs
import csv
import json
import re

import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo import synthetic_friches
from geo.__main__ import main as geo_main
from geo.communes import load_aliases
from geo.friches import FRICHES_PATH, friches_geojson, load_friches, read_friches
from geo.friches_schema import FIELD_NAMES, FRICHE_STATUSES, PRIVATE_COLUMNS, REJECTIONS
from geo.geocode import Geocoder
from geo.paths import DATA_DIR, ROOT

PAGE_EXPORT = ROOT / "tests" / "fixtures" / "friches" / "cartofriches-page-export.csv"


@pytest.fixture(scope="module")
def aliases():
    return load_aliases()


@pytest.fixture(scope="module")
def geocoder():
    return Geocoder.from_data()


@pytest.fixture(scope="module")
def read(real_communes, aliases, geocoder):
    def read(source, name="friches.csv"):
        return read_friches(source, communes=real_communes, aliases=aliases, geocoder=geocoder, name=name)

    return read


@pytest.fixture(scope="module")
def extract(read):
    return read(FRICHES_PATH, name=None)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The file as its producer wrote it, every cell a string."""
    return pd.read_csv(FRICHES_PATH, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")


def test_every_row_is_placed_or_rejected_with_a_reason(extract, raw):
    friches, report = extract
    assert report.rows_read == len(raw) == 2594
    assert report.placed + len(report.rejected) == report.rows_read
    assert len(friches) == report.placed
    for problem in report.rejected:
        assert problem.code in REJECTIONS and problem.column and problem.row >= 1
    assert friches["id"].is_unique and set(friches["id"]) | {p.site_id for p in report.rejected} == set(
        raw["site_id"]
    )


def test_counts_by_status_match_the_readme(extract):
    """data/friches/README.md: "friche potentielle 1,544; friche avec projet 524; ..."."""
    readme = " ".join((DATA_DIR / "friches" / "README.md").read_text(encoding="utf-8").split())
    said = {
        FRICHE_STATUSES.slug_of(name): int(count.replace(",", ""))
        for name, count in re.findall(r"(friche [a-z ]+?) ([0-9,]+)[;.]", readme)
    }
    assert said == {"potential": 1544, "with-project": 524, "without-project": 506, "reused": 20}
    friches, report = extract
    assert not report.rejected and report.by_status == said
    assert (friches["friche_type"] == "unknown").sum() == 2098


def test_codes_are_the_files_zero_padded_and_the_nord_is_the_files(extract, raw):
    friches = extract.friches
    padded = raw["comm_insee"].str.zfill(5)
    assert (
        friches.set_index("id")["insee_declared"] == padded.set_axis(raw["site_id"]).loc[friches["id"]].values
    ).all()
    assert extract.report.notes["insee_padded"] == 181
    assert friches["insee_declared"].str.fullmatch(r"[0-9]{5}|2[AB][0-9]{3}").all()
    assert "2A048" in set(friches["insee_declared"])
    # ?dep=59 will show exactly the extract's friches of the Nord, by comm_insee
    assert (friches["dep"] == "59").sum() == padded.str.startswith("59").sum() == 206


def test_mismatches_are_reported_not_fixed(extract):
    friches = extract.friches
    checks = extract.report.commune_checks
    assert checks["ok"] > 2500 and checks["mismatch"] == 20
    wrong = friches[friches["commune_check"] == "mismatch"]
    assert (wrong["insee"] == wrong["insee_declared"]).all() and (
        wrong["insee_point"] != wrong["insee"]
    ).all()
    assert (wrong["commune_distance_m"] > 100).all()
    # Les Trois Lacs (27058 in the file) has taken the code 27676: found by its name
    trois_lacs = friches.set_index("id").loc["27058_7492"]
    assert (trois_lacs["insee"], trois_lacs["commune_check"]) == ("27676", "merged")


def test_broken_encoding_is_repaired(extract):
    names = set(extract.friches["name"])
    assert "Ancien moulin à eau" in names and not any("Ã" in n for n in names if n)


def _private_values(raw: pd.DataFrame) -> set[str]:
    values = set()
    for column in PRIVATE_COLUMNS:
        for cell in raw[column]:
            values.update(
                part for part in cell.split("|") if part not in ("NA", "_X_", "autre", "inconnu", "")
            )
    return values


def test_owners_and_contacts_never_come_out(extract, raw, read):
    friches = extract.friches
    assert not set(friches.columns) & set(PRIVATE_COLUMNS)
    assert list(friches.columns) == [*FIELD_NAMES, "geometry"]
    text = friches_geojson(friches)
    # the person named as producer in 1,544 rows and the contact addresses appear nowhere
    secrets = {"lou dupont", *(v for v in raw["source_contact"] if v != "NA")}
    cells = friches.drop(columns="geometry").astype(str)
    for secret in secrets:
        assert secret not in text
        assert not cells.apply(lambda col, s=secret: col.str.contains(s, regex=False)).any().any()
    # nothing comes from those columns: scrambling them changes nothing in the frame
    assert len(_private_values(raw)) > 1000
    scrambled = raw.copy()
    for column in PRIVATE_COLUMNS:
        scrambled[column] = "SECRET-" + scrambled[column].str[::-1]
    again = read(scrambled.to_csv(sep=";", index=False).encode("utf-8"), name=FRICHES_PATH.name)
    assert_geodataframe_equal(again.friches, friches)
    assert "SECRET-" not in friches_geojson(again.friches)


def _resave(raw: pd.DataFrame, *, sep=";", encoding="utf-8", bom=False, crlf=False, shuffle=False) -> bytes:
    frame = raw
    if shuffle:
        frame = raw[list(np.random.default_rng(11).permutation(raw.columns))]
    text = frame.to_csv(
        sep=sep, index=False, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL
    )
    return (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)


@pytest.mark.parametrize(
    "options",
    [
        {"sep": ","},
        {"bom": True},
        {"crlf": True},
        {"encoding": "cp1252"},
        {"encoding": "latin-1"},
        {"shuffle": True},
        {"sep": ",", "bom": True, "crlf": True, "shuffle": True},
        {"sep": ",", "encoding": "cp1252", "crlf": True, "shuffle": True},
    ],
    ids=["comma", "bom", "crlf", "cp1252", "latin-1", "shuffled", "comma-bom-crlf-shuffled", "cp1252-all"],
)
def test_the_file_resaved_gives_the_same_frame(extract, raw, read, options):
    """Latin-1 and cp1252 (Excel's "Latin-1") lack a few characters of the file (’, Œ, μ, the C1
    controls of a mojibake): those rows are left out of the re-saved file, the rest compared."""
    fits = raw.apply(lambda row: all(_encodes(v, options.get("encoding", "utf-8")) for v in row), axis=1)
    assert fits.sum() > 2500
    again = read(_resave(raw[fits], **options), name=FRICHES_PATH.name)
    expected = extract.friches
    if not fits.all():
        expected = expected[expected["id"].isin(raw.loc[fits, "site_id"])].reset_index(drop=True)
        again.friches["row"] = expected["row"]  # the row numbers of the shorter file differ
    assert_geodataframe_equal(again.friches, expected)
    if fits.all():
        assert again.report.by_status == extract.report.by_status
        assert again.report.notes == extract.report.notes


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_the_page_export_reads_like_the_standard_rows(extract, read):
    page, report = read(PAGE_EXPORT, name=PAGE_EXPORT.name)
    assert report.format == "cartofriches-page" and report.rows_read == report.placed == 16
    standard = extract.friches.set_index("id").loc[page["id"]]
    for column in ("status", "friche_type", "insee", "insee_declared", "dep", "commune_check"):
        assert list(page[column]) == list(standard[column]), column
    assert np.allclose(page["surface_ha"], standard["surface_ha"], atol=0.0051, equal_nan=True)  # 2 decimals
    assert np.allclose(page.geometry.x, standard.geometry.x, atol=1e-5)
    assert np.allclose(page.geometry.y, standard.geometry.y, atol=1e-5)
    assert page["producer"].notna().all() and "lou dupont" not in set(page["producer"])


def test_load_friches_reads_the_shipped_extract():
    friches, report = load_friches()
    assert report.file == "data/friches/friches-standard-extract-2024.csv" and len(friches) == 2594


def test_the_cli_on_the_real_file(tmp_path, capsys):
    out = tmp_path / "friches.geojson"
    assert geo_main(["friches", str(FRICHES_PATH), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "rows read: 2594" in printed and "placed: 2594" in printed
    assert "potential (Friche potentielle): 1544" in printed
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["features"]) == 2594 and "lou dupont" not in out.read_text(encoding="utf-8")


# --- synthetic friches -----------------------------------------------------------------------------


def test_synthetic_friches_are_deterministic_plainly_synthetic_and_read_back(real_communes, read, tmp_path):
    paths = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for path in paths:
        synthetic_friches.write(1500, path, seed=3, communes=real_communes)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    synthetic_friches.write(1500, tmp_path / "c.csv", seed=4, communes=real_communes)
    assert (tmp_path / "c.csv").read_bytes() != paths[0].read_bytes()

    friches, report = read(paths[0], name="a.csv")
    assert report.placed == report.rows_read == 1500
    assert report.commune_checks == {"ok": 1500}  # each point inside the commune it names
    assert friches["id"].str.fullmatch(r"synthetic-[0-9]{6}").all()
    assert friches["name"].str.startswith("Friche synthétique n°").all()
    assert friches["source"].str.startswith("Données synthétiques").all()
    assert friches["address"].isna().all() and friches["site_url"].isna().all()
    assert set(friches["status"]) == {"potential", "with-project", "without-project", "reused"}
    assert friches["insee"].nunique() > 1000
    text = paths[0].read_text(encoding="utf-8")
    assert "lou dupont" not in text and "_X_" not in text


def test_synthetic_friches_never_go_under_data(tmp_path, capsys):
    assert geo_main(["synthetic-friches", "5", "-o", str(DATA_DIR / "friches" / "synthetic.csv")]) == 2
    assert not (DATA_DIR / "friches" / "synthetic.csv").exists()
    with pytest.raises(ValueError, match="never written under"):
        synthetic_friches.write(5, DATA_DIR / "synthetic.csv")
    assert geo_main(["synthetic-friches", "-1", "-o", str(tmp_path / "x.csv")]) == 2
    assert geo_main(["synthetic-friches", "20", "-o", str(tmp_path / "x.csv"), "--seed", "2"]) == 0
    assert "20 synthetic friches" in capsys.readouterr().out


@pytest.mark.parametrize("km", [1.0, 10.0, 50.0])
def test_the_near_friches_index_answers_as_near_any_site_on_the_shipped_data(extract, real_communes, km):
    """The app's index of the pairs (site, friche) within ``km`` (the slider's bounds and its
    default) gives the friches near the shipped sites a filter selects as ``near_any_site`` does."""
    from geo.filters import FilterSpec, apply_filters
    from geo.friches_near import NearFriches, near_any_site
    from geo.join import join_sites_to_communes
    from geo.load import load_departements, load_regions, read_sites
    from geo.paths import SITES_PATH

    friches = extract[0]
    sites = join_sites_to_communes(
        read_sites(SITES_PATH, communes=real_communes), real_communes, load_departements(), load_regions()
    )
    index = NearFriches(sites, friches, km)
    assert index.indexed
    specs = [FilterSpec(), FilterSpec(regs=("32",)), FilterSpec(brownfield="yes"), FilterSpec(regs=("04",)),
             FilterSpec(sectors=(sites["sector"].iloc[0],)), FilterSpec(q="zzzz-no-such-site")]  # fmt: skip
    for spec in specs:
        selection = apply_filters(sites, spec)
        assert np.array_equal(index.of(selection), near_any_site(friches, selection, km)), spec
