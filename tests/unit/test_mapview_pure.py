"""Tier 1: the map's pure functions — radii, colours, safe links, the legend, outlines,
the clicked site."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from map_fixtures import frame, site

from geo import mapview
from geo.encode import decode_geometry
from geo.paths import COMMUNES_DIR


def test_radius_is_proportional_to_the_square_root_of_jobs():
    assert mapview.radius_px(10**6) == mapview.RADIUS_MAX_PX
    assert mapview.radius_px(1) == mapview.RADIUS_MIN_PX
    assert mapview.radius_px(None) == mapview.RADIUS_UNKNOWN_PX
    assert mapview.radius_px(400) == pytest.approx(2 * mapview.radius_px(100))  # area ∝ jobs


def test_jobs_colour_classes():
    assert mapview.jobs_color(None) == mapview.jobs_color(0) == mapview.NO_JOBS_FILL
    assert mapview.jobs_color(132) == mapview.CHOROPLETH_COLORS[1]
    assert mapview.jobs_color(10**6) == mapview.CHOROPLETH_COLORS[-1]


def test_importing_the_map_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, geo.mapview; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&amp;c=2"),
        ("  http://example.org/  ", "http://example.org/"),
        ('https://example.org/"onmouseover="x', "https://example.org/&quot;onmouseover=&quot;x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.org/a", None),
        ("https://", None),
        ("ftp://example.org", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_safe_url(url, expected):
    assert mapview.safe_url(url) == expected


def test_outlines_are_lines_only_and_share_borders(departements, regions):
    deps, regs = mapview.outline_shapes(departements, regions)
    for shapes in (deps, regs):
        for fragment in shapes:
            geom = decode_geometry(json.loads(fragment), mapview.OUTLINE_DECIMALS)
            assert all(len(p.interiors) == 0 for p in getattr(geom, "geoms", [geom])), "holes are dropped"
    # Régions are the union of their départements: the same vertices, no doubled line.
    assert regs[0] == deps[0]


def test_real_outlines_stay_light():
    departements = gpd.read_parquet(COMMUNES_DIR / "departements.parquet")
    regions = gpd.read_parquet(COMMUNES_DIR / "regions.parquet")
    deps, regs = mapview.outline_shapes(departements, regions)
    assert sum(map(len, deps)) + sum(map(len, regs)) < 300_000
    assert len(deps) == len(departements) and len(regs) == len(regions)


def test_legend_lists_only_the_sectors_shown():
    legend = mapview.legend_html(frame([site("a", 2.2, 46.5, sector="glass")]), "fr", communes=False)
    assert "Verre" in legend and "Maroquinerie" not in legend and "Emplois par commune" not in legend


