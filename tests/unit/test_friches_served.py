"""Tier 1: the friches layer at scale (issue 11, item 6) — the catalog of an inventory writes
its served file once per language, a map's bit mask marks exactly the friches it shows, and
the reference decoder picks them as decode.js does (tests/js: the same golden file)."""

from __future__ import annotations

import gzip
import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from geo.mapview.friches import FRICHE_MARKER_PART, PER_FRICHE, FricheCatalog, friche_payload, select_friches
from geo.mapview.payload import read_json_lines, selection_indices, selection_mask
from geo.served import FileStore

STATUSES = ("without-project", "potential", "with-project", "reused", "unknown")


def _inventory(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    return gpd.GeoDataFrame(
        {
            "id": [f"f-{i:03d}" for i in range(n)],
            "name": [f"Friche {i}" for i in range(n)],
            "friche_type": "industrial",
            "status": [STATUSES[i % len(STATUSES)] for i in range(n)],
            "surface_ha": [None if i % 4 == 0 else 0.5 + i for i in range(n)],
            "former_activity": None,
            "activity_end_year": None,
            "zoning_type": None,
            "zoning_label": None,
            "pollution": None,
            "reuse_type": None,
            "reuse_year": None,
            "source": "EPF",
            "cartofriches_url": [
                f"https://cartofriches.cerema.fr/cartofriches/_app/?site=f-{i:03d}" for i in range(n)
            ],
            "insee": [f"59{350 + i % 3:03d}" for i in range(n)],
        },  # fmt: skip
        geometry=[Point(3.0 + x, 50.5 + y) for x, y in rng.random((n, 2)) / 10],
        crs="EPSG:4326",
    )


@pytest.fixture
def store(tmp_path) -> FileStore:
    return FileStore(tmp_path / "cache", "/cache")


def _file(store: FileStore, name: str) -> dict:
    return read_json_lines(gzip.decompress((store.directory / name).read_bytes()))


def test_the_served_file_holds_every_friche_and_is_written_once_per_language(store):
    friches = _inventory(40)
    catalog = FricheCatalog(friches)
    name = catalog.served_file("fr", store)
    assert name.startswith("friches-") and name.endswith(".json.gz")
    written = (store.directory / name).stat().st_mtime_ns
    assert catalog.served_file("fr", store) == name  # a filter change: the same file, not written again
    assert (store.directory / name).stat().st_mtime_ns == written
    assert _file(store, name) == json.loads(json.dumps(friche_payload(friches, "fr")))
    english = catalog.served_file("en", store)
    assert english != name and _file(store, english)["commune_label"] == "Brownfields (Cartofriches)"
    (store.directory / name).unlink()  # pruned by the store: written again when asked for
    assert catalog.served_file("fr", store) == name and store.has(name)


def test_another_inventory_gives_another_file(store):
    one, other = _inventory(40), _inventory(41)
    assert FricheCatalog(one).served_file("fr", store) != FricheCatalog(other).served_file("fr", store)


@pytest.mark.parametrize("rows", [[0], [3, 9, 10, 39], list(range(0, 40, 2)), list(range(40))])
def test_a_mask_selects_exactly_the_friches_shown(rows):
    friches = _inventory(40)
    catalog = FricheCatalog(friches)
    shown = friches.iloc[rows]
    mask = selection_mask(catalog.positions(shown["id"]), len(catalog))
    assert (mask is None) == (len(rows) == 40)  # every friche: no mask at all
    selected = select_friches(catalog.payload("fr"), {"file": "x", "selection": mask, "count": len(rows),
                                                      "radius": 8.4, "failed": "x"})  # fmt: skip
    inline = friche_payload(shown, "fr")
    assert selected["ids"] == shown["id"].tolist()
    for key in PER_FRICHE:  # the texts are indices into the whole inventory's table: compared as texts
        if key in ("name", "tip", "url"):
            assert [selected["texts"][k] for k in selected[key]] == [
                inline["texts"][k] for k in inline[key]
            ], key
        else:
            assert selected[key] == inline[key], key
    for mine, theirs in zip(selected["rows"], inline["rows"], strict=True):
        assert [None if k < 0 else selected["texts"][k] for k in mine["idx"]] == [
            None if k < 0 else inline["texts"][k] for k in theirs["idx"]
        ]
    assert selected["radius"] == 8.4  # the map's (presenter mode draws them larger), not the file's


def test_positions_refuse_a_friche_not_in_the_inventory():
    catalog = FricheCatalog(_inventory(5))
    with pytest.raises(ValueError, match="not in the frame friches_from"):
        catalog.positions(_inventory(6)["id"])


def test_positions_by_row_labels_are_those_by_ids_and_other_rows_are_looked_up_by_id():
    """A filter's rows are found by their labels; rows of another frame with the same labels
    (a shuffled copy whose index was reset, ids as numbers) are found by their ids."""
    friches = _inventory(30)
    catalog = FricheCatalog(friches)
    by_id = catalog._ids.get_indexer
    for rows in (friches.iloc[[4, 0, 29, 7]], friches.iloc[::3], friches, friches.sample(frac=1, random_state=1)):
        assert catalog.positions(rows["id"]).tolist() == by_id(rows["id"]).tolist()
    relabelled = friches.iloc[[5, 6, 2]].reset_index(drop=True)  # labels 0, 1, 2: rows 5, 6, 2
    assert catalog.positions(relabelled["id"]).tolist() == [5, 6, 2]
    numbered = FricheCatalog(friches.assign(id=range(100, 130)))
    assert numbered.positions(numbered.frame["id"].iloc[[3, 1]].reset_index(drop=True)).tolist() == [3, 1]


def test_a_selection_of_the_catalogs_frame_gives_its_own_positions_another_is_looked_up_by_id():
    """The app's selection is a mask of the frame the catalog holds: its positions are the
    mask's, no id looked up; a selection of another frame (a copy) is found by its ids."""
    from geo.filters import FricheSelection

    friches = _inventory(30)
    catalog = FricheCatalog(friches)
    keep = np.arange(30) % 4 == 1
    mine = FricheSelection(friches, keep)
    other = FricheSelection(friches.iloc[::-1].reset_index(drop=True), keep)
    assert catalog.positions_of(mine) is mine.positions
    assert catalog.positions_of(mine).tolist() == catalog.positions(friches["id"][keep]).tolist()
    assert catalog.positions_of(other).tolist() == [29 - i for i in np.flatnonzero(keep)]


def test_a_mask_has_one_bit_per_friche_in_file_order():
    catalog = FricheCatalog(_inventory(20))
    mask = selection_mask(catalog.positions(_inventory(20)["id"].iloc[[17, 2, 9]]), 20)
    assert selection_indices(mask) == [2, 9, 17]
    assert len(mask) == 4  # 20 friches: 3 bytes, in base64


def test_the_served_file_is_the_markers_line_then_the_texts_line(store):
    friches = _inventory(40)
    name = FricheCatalog(friches).served_file("fr", store)
    markers, texts = (json.loads(line) for line in gzip.decompress((store.directory / name).read_bytes()).split(b"\n"))
    assert tuple(markers) == FRICHE_MARKER_PART  # what the diamonds and their clusters need
    assert {"name", "tip", "url", "rows", "texts", "insee", "ha_hundredths"} <= set(texts)
    assert markers | texts == json.loads(json.dumps(friche_payload(friches, "fr")))
