"""Tier 1: every text key the code uses exists in French and English; t() never shows a key."""

import re
from pathlib import Path

import pytest

from geo.export import EXPORT_COLUMNS
from geo.i18n import TEXTS, t
from geo.mapview.friches import FRICHE_ROWS
from geo.paths import ROOT
from geo.schema import JOBS_KINDS
from geo.state import BASEMAPS, BROWNFIELD_VALUES
from geo.upload import CHECKED_DATES, CHECKED_NUMBERS

# t("key", ...) or _t("key", ...) with a literal key
LITERAL = re.compile(r'(?<![\w.])_?t\(\s*"([a-z0-9_]+)"(?!\s*\+)')
# keys the code composes (t(f"basemap_{b}"), a key from a tuple...): each family in full
COMPOSED = {
    *(f"basemap_{b}" for b in BASEMAPS),
    *(f"brownfield_{v}" for v in ("any", *BROWNFIELD_VALUES)),
    *(f"col_{c}" for c in EXPORT_COLUMNS),
    *(f"reason_{r}" for r in ("unknown", "not_a_number", "out_of_range", "needs_near")),
    *(f"notice_{r}" for r in ("swapped", "too_long", "changed", "dropped")),
    *(f"upload_reason_{r}" for r in ("ambiguous", "not_found", "no_location", "bad_point", "outside", "not_point")),
    *(f"upload_reason_bad_{f}" for f in (*CHECKED_NUMBERS, *CHECKED_DATES)),
    *(f"upload_unreadable_{w}" for w in ("binary", "not_text", "ragged", "bad_csv", "unreadable", "invalid_json",
                                         "json_number", "too_deep", "not_geojson")),
    *(f"layer_{k}" for k in ("communes", "departements", "regions")),
    *(f"friche_row_{k}" for k in FRICHE_ROWS),
    "jobs_min", "jobs_max", "tour_prev", "tour_next", "upload_layer",
    "export_csv", "export_geojson", "export_gpkg", "export_html", "export_png",
    "col_sector_code", "col_status_code", "col_jobs_kind_code", "upload_reason_bad_jobs_kind",
    "upload_reason_swapped_point", "upload_reason_sector_other", "upload_reason_approx_jobs",
    *(f"jobs_kind_{k}" for k in JOBS_KINDS), *(f"jobs_sum_{k}" for k in (*JOBS_KINDS, "unknown")),
    *(f"upload_error_{e}" for e in ("empty", "no_location_column", "too_big", "too_many_rows", "unreadable",
                                    "no_rows", "not_points")),
}  # fmt: skip


def code_files() -> list[Path]:
    return [ROOT / "app.py", *(ROOT / "ui").glob("*.py"), *(ROOT / "geo").rglob("*.py")]


def used_keys() -> set[str]:
    return {key for path in code_files() for key in LITERAL.findall(path.read_text(encoding="utf-8"))}


def test_the_scan_finds_the_keys_the_code_uses():
    keys = used_keys()
    assert {"app_title", "kpi_sites", "kpi_jobs", "near_ambiguous"} <= keys and len(keys) > 60


@pytest.mark.parametrize("key", sorted(used_keys() | COMPOSED))
def test_every_key_used_exists_in_french_and_english(key):
    assert key in TEXTS, f"no text for {key!r}"
    assert TEXTS[key].get("fr") and TEXTS[key].get("en"), f"{key!r} lacks a language"


def test_every_text_has_both_languages_and_the_same_placeholders():
    for key, entry in TEXTS.items():
        assert set(entry) == {"fr", "en"}, key
        fields = [set(re.findall(r"{(\w+)", entry[lang])) for lang in ("fr", "en")]
        assert fields[0] == fields[1], key


def test_a_missing_key_raises_instead_of_showing_the_key():
    with pytest.raises(KeyError, match="no_such_key"):
        t("no_such_key")
    with pytest.raises(KeyError, match="'de'"):
        t("app_title", "de")
