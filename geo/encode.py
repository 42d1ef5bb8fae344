"""Compact wire formats for the map: polygons as quantized delta rings, texts as a string table.

Why: the naive approach (every commune as a full-detail GeoJSON feature with its popup
HTML) sends ~53 MB for France's 34,867 communes. Here a polygon ring is a flat array of
integers — the first vertex in units of ``10**-decimals`` degrees, then the differences
between consecutive vertices — written as one string in Google's encoded polyline format
(about 1.5 characters a coordinate instead of 3–4 as JSON numbers), and repeated texts (communes, sectors, companies, labels)
are sent once in a table and referenced by index. Both are decoded by the map's runtime
(``geo.mapview``); :func:`decode_geometry` is the same decoder in Python, for tests and
the benchmark.

Shared borders stay shared: two neighbours' common vertices have the same coordinates, so
they quantize to the same integers; consecutive vertices that collapse onto each other are
dropped in both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import shapely


def encode_geometries(geoms: Sequence | np.ndarray, decimals: int) -> list[str | None]:
    """One JSON fragment per (Multi)Polygon: ``[[ring, ring…], …]``, each ring a string in
    Google's encoded polyline format (lat/lon × ``10**decimals``, closing vertex left out).

    Empty or missing geometries give ``None``.
    """
    geoms = np.asarray(geoms, dtype=object)
    out: list[str | None] = [None] * len(geoms)
    if not len(geoms):
        return out
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    if not len(coords):
        return out
    q = np.rint(coords[:, ::-1] * 10.0**decimals).astype(np.int64)  # (lat, lon), as polylines are
    first = np.ones(len(q), dtype=bool)
    first[1:] = vertex_ring[1:] != vertex_ring[:-1]
    last = np.ones(len(q), dtype=bool)
    last[:-1] = vertex_ring[:-1] != vertex_ring[1:]
    # keep each ring's first vertex; drop the closing one and vertices that quantize onto
    # their predecessor (the same in both neighbours of a shared border)
    repeat = np.zeros(len(q), dtype=bool)
    repeat[1:] = (q[1:] == q[:-1]).all(axis=1)
    keep = first | ~(last | repeat)
    q, vertex_ring = q[keep], vertex_ring[keep]
    first = np.ones(len(q), dtype=bool)
    first[1:] = vertex_ring[1:] != vertex_ring[:-1]
    delta = q.copy()
    delta[1:] -= q[:-1]
    delta[first] = q[first]

    text, offsets = _polyline_chars(delta.ravel())
    starts = offsets[2 * np.searchsorted(vertex_ring, np.arange(len(rings) + 1))]
    ring_text = [text[a:b] for a, b in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True)]

    poly_rings: list[list[str]] = [[] for _ in range(len(parts))]
    for ring, part in zip(ring_text, ring_part.tolist(), strict=True):
        if ring:
            poly_rings[part].append(json.dumps(ring))
    geom_polys: list[list[str]] = [[] for _ in range(len(geoms))]
    for rings_of_part, geom in zip(poly_rings, part_geom.tolist(), strict=True):
        if rings_of_part:
            geom_polys[geom].append("[" + ",".join(rings_of_part) + "]")
    for i, polys in enumerate(geom_polys):
        if polys:
            out[i] = "[" + ",".join(polys) + "]"
    return out


def _polyline_chars(values: np.ndarray) -> tuple[str, np.ndarray]:
    """Encoded-polyline characters of signed integers, and each value's start offset (+ end)."""
    zigzag = np.where(values < 0, ~(values << 1), values << 1)
    chunks = np.zeros((len(values), 13), dtype=np.int64)  # 5 bits a chunk: 64-bit values fit
    rest = zigzag.copy()
    count = np.zeros(len(values), dtype=np.int64)
    for k in range(13):
        chunks[:, k] = rest & 0x1F
        count += (k == 0) | (rest > 0)
        rest >>= 5
    width = int(count.max()) if len(values) else 1
    chunks = chunks[:, :width]
    more = np.arange(width)[None, :] < (count[:, None] - 1)  # a continuation bit on all but the last
    chars = (chunks | (more * 0x20)) + 63
    used = np.arange(width)[None, :] < count[:, None]
    text = chars[used].astype(np.uint8).tobytes().decode("ascii")
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(count, out=offsets[1:])
    return text, offsets


def decode_polyline(text: str) -> np.ndarray:
    """(lat, lon) integer pairs of one encoded-polyline ring (the reference decoder)."""
    values, shift, result = [], 0, 0
    for char in text:
        byte = ord(char) - 63
        result |= (byte & 0x1F) << shift
        shift += 5
        if byte < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift = result = 0
    return np.cumsum(np.asarray(values, dtype=np.int64).reshape(-1, 2), axis=0)


def decode_geometry(fragment: list, decimals: int) -> shapely.Geometry:
    """The (Multi)Polygon of one :func:`encode_geometries` fragment (already JSON-parsed)."""
    scale = 10.0**-decimals
    polygons = []
    for polygon in fragment:
        rings = []
        for ring in polygon:
            xy = decode_polyline(ring)[:, ::-1] * scale
            rings.append(np.vstack([xy, xy[:1]]))
        polygons.append(shapely.Polygon(rings[0], rings[1:]))
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


class StringTable:
    """Texts sent once and referenced by index (``-1`` for none).

    Every text put in the table must already be safe to insert as HTML: the callers
    escape data with :func:`html.escape` before adding it.
    """

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, text: str) -> int:
        index = self._index.get(text)
        if index is None:
            index = self._index[text] = len(self.strings)
            self.strings.append(text)
        return index

    def add_many(self, texts: Iterable[str]) -> list[int]:
        """:meth:`add` for many texts at once (the same indices, without a call per text)."""
        index, strings, out = self._index, self.strings, []
        for text in texts:
            at = index.get(text)
            if at is None:
                at = index[text] = len(strings)
                strings.append(text)
            out.append(at)
        return out

    def column(self, values: Sequence[str | None] | pd.Series) -> list[int]:
        """Indices of ``values`` (``None`` / NA → ``-1``), adding each distinct text once."""
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        if not len(uniques):
            return [-1] * len(codes)
        lookup = np.array([self.add(str(u)) for u in uniques] + [-1], dtype=np.int64)
        return lookup[codes].tolist()  # code -1 (NA) takes the last entry, -1
