"""Tier 1: the compact wire formats (encoded polylines, string table)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geo.encode import StringTable, _polyline_chars, decode_geometry, decode_polyline, encode_geometries


def test_google_reference_polyline():
    # The example of Google's "Encoded Polyline Algorithm Format" page.
    values = np.array([3850000, -12020000, 220000, -75000, 255200, -550300])
    text, offsets = _polyline_chars(values)
    assert text == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    assert offsets[-1] == len(text)
    assert decode_polyline(text).tolist() == [
        [3850000, -12020000],
        [4070000, -12095000],
        [4325200, -12645300],
    ]


def test_round_trip_keeps_holes_and_parts():
    hole = [(1.2, 46.2), (1.4, 46.2), (1.4, 46.4), (1.2, 46.4)]
    geoms = [
        Polygon([(1, 46), (2, 46), (2, 47), (1, 47)], [hole]),
        MultiPolygon([box(3, 45, 3.5, 45.5), box(4, 45, 4.25, 45.25)]),
        None,
        Polygon(),
    ]
    out = encode_geometries(geoms, 4)
    assert out[2] is None and out[3] is None
    first = decode_geometry(json.loads(out[0]), 4)
    assert first.equals_exact(geoms[0], 1e-9) and len(first.interiors) == 1
    second = decode_geometry(json.loads(out[1]), 4)
    assert second.equals_exact(geoms[1], 1e-9)


def test_quantization_error_is_half_a_unit():
    poly = Polygon([(2.123456, 46.987654), (2.2, 46.9), (2.3, 47.01)])
    back = decode_geometry(json.loads(encode_geometries([poly], 3)[0]), 3)
    assert shapely.hausdorff_distance(poly, back) <= 0.5e-3 * 2**0.5 + 1e-12


def test_real_communes_decode_close_to_their_geometry(real_communes):
    sample = real_communes.iloc[::997]
    out = encode_geometries(sample.geometry.values, 4)
    for fragment, geom in zip(out, sample.geometry.values, strict=True):
        back = decode_geometry(json.loads(fragment), 4)
        assert shapely.hausdorff_distance(back, geom) < 1e-4
        assert back.area == pytest.approx(geom.area, rel=0.01)


def test_neighbours_still_share_their_border(real_communes):
    """Shared vertices quantize alike: two neighbours' decoded rings meet without a gap."""
    pair = real_communes[real_communes["insee"].isin(["59163", "59512"])]  # Croix and Roubaix
    a, b = (decode_geometry(json.loads(f), 3) for f in encode_geometries(pair.geometry.values, 3))
    shared = a.boundary.intersection(b.boundary)
    assert shared.length > 0.01  # a common line, not touching points
    assert a.intersection(b).area < 1e-6  # and no overlap


def test_string_table_sends_each_text_once():
    table = StringTable()
    assert table.column(["a", None, "b", "a"]) == [0, -1, 1, 0]
    assert table.column(["b", "c"]) == [1, 2]
    assert table.strings == ["a", "b", "c"]
    assert table.column([None, None]) == [-1, -1]
    assert table.add_many(["c", "d", "a", "d"]) == [2, 3, 0, 3]
    assert table.strings == ["a", "b", "c", "d"] and table.add("d") == 3
