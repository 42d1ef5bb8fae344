"""Tier 1: the golden payloads of tests/js/golden/ are what the encoder writes today, and the
Python reference decoder reads them as recorded (node --test runs decode.js on the same files).

Regenerate after a deliberate change of the wire format (from the repository root):
``PYTHONPATH=. .venv/bin/python tests/unit/test_payload_golden.py``.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, when run as a script
from map_fixtures import HOSTILE, calls, frame, render, served_file, site, strings

from geo import mapview
from geo.mapview import build, payload
from geo.mapview.friches import FricheCatalog, select_friches
from geo.served import FileStore

GOLDEN = Path(__file__).resolve().parents[1] / "js" / "golden"


def _sites():
    return frame(
        [
            site("alpha-usine", 2.25, 46.5),
            site("hostile", 2.3, 46.55, name=HOSTILE, sector="glass", sources=[]),
            site("beta inconnu", 2.75, 46.5, insee="03902", commune_nom="Beta", jobs=None, sector="food"),
            site("dep-only", 3.3, 46.3, insee=None, commune=None, commune_nom=None, location_precision="departement"),
            site("upload-1", 2.4, 46.7, layer="upload", jobs=12),
        ]
    )


def _communes():
    import geopandas as gpd
    from shapely.geometry import Polygon, box

    holed = Polygon([(2.0, 46.0), (2.5, 46.0), (2.5, 47.0), (2.0, 47.0)], [[(2.1, 46.1), (2.2, 46.1), (2.2, 46.2)]])
    return gpd.GeoDataFrame(
        {"insee": ["03901", "03902"], "nom": ["Alpha", "Beta <b>"], "dep": ["03", "03"], "population": [1200, 0]},
        geometry=[holed, box(2.5, 46.0, 3.0, 47.0)],
        crs="EPSG:4326",
    )


def golden_payloads(directory: Path) -> dict[str, dict]:
    """The golden files' content, made by building maps with today's encoder."""
    sites = _sites()
    page = render(mapview.build_map(sites, _communes()))
    (inline,) = calls(page, "addSites")
    (communes,) = [p for p in calls(page, "addAreas") if "rows" in p]
    table = strings(page)
    data = sites.assign(layer="data")
    store = FileStore(directory / "cache", "/cache")
    serve_min, build.SERVE_MIN_SITES = build.SERVE_MIN_SITES, 1
    try:
        (served,) = calls(render(mapview.build_map(data.iloc[[1, 3, 4]], cards_from=data, files=store)), "addSites")
    finally:
        build.SERVE_MIN_SITES = serve_min
    file = served_file(served, store)
    lines = gzip.decompress((store.directory / served["file"].rsplit("/", 1)[1]).read_bytes()).decode().split("\n")
    friches = _friches()
    catalog = FricheCatalog(friches)
    friche_served = {
        "file": store.url_of(catalog.served_file("fr", store)),
        "selection": payload.selection_mask(catalog.positions(friches["id"].iloc[[0, 2]]), len(catalog)),
        "count": 2, "radius": 8.4, "failed": "—",
    }  # fmt: skip
    friche_file = served_file(friche_served, store)
    return {
        "sites_inline": {"payload": inline, "strings": table, "expected": payload.site_records(inline, table)},
        "sites_served": {
            "file": file,
            "lines": lines,  # the file as served: JSON lines, the markers' part first
            "served": served,
            "selected": payload.selection_indices(served["selection"]),
            "expected": payload.site_records(payload.select(file, served)),
        },
        "friches_served": {
            "file": friche_file,
            "served": friche_served,
            "expected": select_friches(friche_file, friche_served),
        },
        "communes": {
            "payload": communes,
            "strings": table,
            "expected": payload.commune_records(communes, table),
            "first_ring": _first_ring(communes),
        },
    }


def _friches():
    import geopandas as gpd
    from shapely.geometry import Point

    rows = [
        {"id": "f-1", "name": "Filature", "status": "without-project", "surface_ha": 1.25, "insee": "03901"},
        {"id": "f-2", "name": HOSTILE, "status": "reused", "surface_ha": None, "insee": None},
        {"id": "f-3", "name": "Tuilerie", "status": "potential", "surface_ha": 0.5, "insee": "03902"},
    ]
    common = {"friche_type": "industrial", "former_activity": None, "activity_end_year": None,
              "zoning_type": "U", "zoning_label": None, "pollution": None, "reuse_type": None,
              "reuse_year": None, "source": "EPF", "cartofriches_url": None}  # fmt: skip
    return gpd.GeoDataFrame(
        [r | common for r in rows], geometry=[Point(2.25, 46.5), Point(2.3, 46.55), Point(2.75, 46.5)], crs="EPSG:4326"
    )


def _first_ring(p: dict) -> list[list[float]]:
    """The first ring of the first commune as [lat, lng] pairs (as decode.js's ``ring`` gives them)."""
    from geo.encode import decode_polyline

    scale = 10.0 ** -p["decimals"]
    return [[lat * scale, lng * scale] for lat, lng in decode_polyline(p["rings"][0][0][0]).tolist()]


def _load(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, dict]:
    return golden_payloads(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", ["sites_inline", "sites_served", "friches_served", "communes"])
def test_golden_files_are_what_the_encoder_writes(made, name):
    assert _load(name) == json.loads(json.dumps(made[name])), "stale: run PYTHONPATH=. python tests/unit/test_payload_golden.py"


def test_a_served_file_is_the_markers_line_then_the_texts_line():
    g = _load("sites_served")
    markers, texts = (json.loads(line) for line in g["lines"])
    assert tuple(markers) == payload.SITE_MARKER_PART  # what drawing the markers needs, nothing else
    assert {"name", "place", "jobs_text", "sub", "insee", "rows", "strings"} <= set(texts)
    assert not set(markers) & set(texts)
    assert payload.read_json_lines("\n".join(g["lines"]).encode()) == g["file"] == markers | texts


def test_the_reference_decoder_reads_the_golden_sites():
    inline = _load("sites_inline")
    assert payload.site_records(inline["payload"], inline["strings"]) == inline["expected"]
    records = {r["id"]: r for r in inline["expected"]}
    assert records["beta inconnu"]["className"] == "site-marker site-beta_inconnu sector-food"
    assert records["beta inconnu"]["unknown_jobs"] and records["dep-only"]["departement"]
    assert records["upload-1"]["upload"] and records["upload-1"]["group"] == inline["payload"]["group_of_upload"]
    assert records["alpha-usine"]["group"] != records["hostile"]["group"]  # one layer per sector


def test_the_reference_decoder_selects_the_served_sites():
    served = _load("sites_served")
    selected = payload.select(served["file"], served["served"])
    assert payload.site_records(selected) == served["expected"]
    assert [r["id"] for r in served["expected"]] == ["hostile", "dep-only", "upload-1"]
    assert payload.selection_indices(served["served"]["selection"]) == served["selected"] == [1, 3, 4]


def test_the_reference_decoder_selects_the_served_friches():
    served = _load("friches_served")
    selected = select_friches(served["file"], served["served"])
    assert selected == served["expected"]
    assert selected["ids"] == ["f-1", "f-3"] and selected["insee"] == ["03901", "03902"]
    assert [selected["texts"][k] for k in selected["name"]] == ["Filature", "Tuilerie"]
    assert selected["radius"] == 8.4 != served["file"]["radius"]


def test_the_reference_decoder_reads_the_golden_communes():
    communes = _load("communes")
    assert payload.commune_records(communes["payload"], communes["strings"]) == communes["expected"]
    assert [r["insee"] for r in communes["expected"]] == ["03901", "03902"]
    assert _first_ring(communes["payload"]) == communes["first_ring"]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in golden_payloads(Path(tmp)).items():
            text = json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
            (GOLDEN / f"{name}.json").write_text(text, encoding="utf-8")
            print(f"wrote {GOLDEN / name}.json")
