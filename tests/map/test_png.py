"""Tier 3: the PNG for slides — size, only host communes, France with Corsica, labels that
never overlap, the subtitle and the credit line (issue 10, "The PNG for slides is broken").

Timings are not asserted here: ``scripts/png_figures.py`` measures them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import struct

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from map_fixtures import frame, site
from shapely.geometry import Point, box

from geo import mapview
from geo.mapview import png, png_layout
from geo.mapview.png_layout import boxes_overlap, place_labels
from geo.territories import TERRITORIES

CORSICA = next(t for t in TERRITORIES if t.name == "Corse")
# Corsica's box (the territory's, islands and a margin included) in Lambert-93, to the metre
CORSICA_L93 = gpd.GeoSeries([box(*CORSICA.bbox).segmentize(0.05)], crs=4326).to_crs(2154).total_bounds.round()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def assert_no_overlap(boxes) -> None:
    placed = [b for b in boxes if b is not None]
    for a, b in itertools.combinations(placed, 2):
        assert not boxes_overlap(a, b), (a, b)


# ---------------------------------------------------------------------------- size


@pytest.mark.parametrize(("aspect", "size"), [("16:9", (1920, 1080)), ("4:3", (1440, 1080))])
def test_png_size_by_aspect(sites, communes, departements, regions, aspect, size):
    data = mapview.to_png(sites, communes, departements, regions, title="Titre", lang="fr", aspect=aspect)
    assert png_size(data) == size


def test_the_app_call_still_works(sites, communes, departements, regions):
    """app.py calls to_png(selection, communes, departements, regions, title=..., lang=...)."""
    data = mapview.to_png(sites, communes, departements, regions, title="Carte", lang="en")
    assert png_size(data) == (1920, 1080)


def test_unknown_aspect_is_refused(sites):
    with pytest.raises(ValueError, match="aspect"):
        mapview.to_png(sites, None, None, None, title="x", aspect="21:9")


# ---------------------------------------------------------------------------- what is drawn


def test_only_host_communes_are_drawn(sites, communes, departements, regions):
    """Not every commune of the layer: only those hosting a selected site (here Alpha, not Beta)."""
    only_alpha = sites[sites["insee"].eq("03901")]
    slide = png.render_slide(only_alpha, communes, departements, regions, title="t")
    assert slide.communes == ["03901"]
    assert list(png_layout.host_communes(only_alpha, communes)["insee"]) == ["03901"]


def test_no_commune_drawn_without_sites(sites, communes, departements, regions):
    slide = png.render_slide(sites.iloc[0:0], communes, departements, regions, title="t")
    assert slide.communes == []


def test_commune_classes_keep_unknown_apart(sites, stats):
    """A commune whose sites give no jobs figure is n.c., not 0 (geo.aggregate sums it to 0)."""
    jobs = png.commune_known_jobs(sites, stats)
    assert jobs["03901"] == 132
    assert pd.isna(jobs["03902"])


def test_national_map_includes_corsica(sites, communes, departements, regions):
    far_apart = frame(
        [site("lille", 3.06, 50.63, insee="59350"), site("perpignan", 2.89, 42.70, insee="66136")]
    )
    slide = png.render_slide(far_apart, communes, departements, regions, title="t")
    x0, y0, x1, y1 = np.round(slide.extent)
    corsica = CORSICA_L93
    assert x0 <= corsica[0] and y0 <= corsica[1] and x1 >= corsica[2] and y1 >= corsica[3]
    assert not slide.zoomed


def test_extent_france_never_zooms(sites, communes, departements, regions):
    zoomed = png.render_slide(sites, communes, departements, regions, title="t")
    national = png.render_slide(sites, communes, departements, regions, title="t", extent="france")
    assert zoomed.zoomed and not national.zoomed
    assert round(national.extent[2]) >= CORSICA_L93[2] and round(national.extent[1]) <= CORSICA_L93[1]


def test_overseas_sites_get_an_inset(sites, communes, departements, regions):
    overseas = frame(
        [*(sites.to_dict("records")[:1]), site("reunion", 55.45, -20.9, insee="97411", dep="974")]
    )
    slide = png.render_slide(overseas, communes, departements, regions, title="t")
    assert slide.territories == ["La Réunion"]
    assert png_size(slide.png()) == (1920, 1080)


def test_many_sites_one_scatter_per_style(communes):
    """10,000 sites are two scatter collections (known / unknown jobs), not one per site."""
    rng = np.random.default_rng(0)
    rows = [
        site(f"s{i}", 2.0 + rng.random() * 4, 44.0 + rng.random() * 4, jobs=pd.NA if i % 10 == 0 else 50)
        for i in range(10_000)
    ]
    slide = png.render_slide(frame(rows), communes, None, None, title="t")
    main = slide.fig.axes[1]
    assert len(main.collections) <= 3  # known, unknown (no halos, no communes in view here)


# ---------------------------------------------------------------------------- labels


def test_place_labels_never_overlap():
    rng = np.random.default_rng(1)
    anchors = [tuple(p) for p in rng.uniform(0, 400, size=(60, 2))]
    sizes = [(float(w), 14.0) for w in rng.uniform(40, 160, size=60)]
    radii = [6.0] * 60
    boxes = place_labels(anchors, sizes, radii, (0, 0, 400, 400))
    assert_no_overlap(boxes)
    assert any(b is None for b in boxes) and any(b is not None for b in boxes)  # some dropped, some placed
    for b in boxes:
        if b is not None:
            assert 0 <= b[0] and 0 <= b[1] and b[2] <= 400 and b[3] <= 400


def test_place_labels_keep_off_other_markers_and_obstacles():
    anchors = [(100.0, 100.0), (130.0, 100.0)]
    boxes = place_labels(anchors, [(60.0, 14.0), (60.0, 14.0)], [10.0, 10.0], (0, 0, 300, 300),
                         obstacles=[(140, 80, 300, 120)])  # fmt: skip
    marker_b = (120, 90, 140, 110)
    assert boxes[0] is not None and not boxes_overlap(boxes[0], marker_b)
    assert boxes[1] is None or not boxes_overlap(boxes[1], (140, 80, 300, 120))


def test_place_labels_the_first_label_wins():
    boxes = place_labels(
        [(50.0, 50.0), (50.0, 50.0)], [(300.0, 90.0), (300.0, 90.0)], [5.0, 5.0], (0, 0, 400, 200)
    )
    assert boxes[0] is not None and boxes[1] is None


def test_albon_chateauneuf_yssingeaux_labels_do_not_collide(communes, departements, regions):
    """They collided on the old PNG: three sites ~20 km apart, seen on a national map."""
    three = frame([
        site("albon", 4.847825, 45.245033, commune_nom="Albon", insee="26004", jobs=300),
        site("chateauneuf", 4.9431, 45.015816, commune_nom="Châteauneuf-sur-Isère", insee="26085", jobs=600),
        site("yssingeaux", 4.123511, 45.143046, commune_nom="Yssingeaux", insee="43268", jobs=180),
        site("lille", 3.06, 50.63, commune_nom="Lille", insee="59350", jobs=10),  # national frame
    ])  # fmt: skip
    slide = png.render_slide(three, communes, departements, regions, title="t")
    assert not slide.zoomed
    labels = dict(slide.labels)
    assert set(labels) == {"Albon", "Châteauneuf-sur-Isère", "Yssingeaux", "Lille"}
    assert_no_overlap(labels.values())
    assert sum(b is not None for b in labels.values()) >= 3


# ---------------------------------------------------------------------------- texts


def test_subtitle_has_filters_counts_and_date_with_unknown_as_nc(sites):
    text = png.subtitle_text(sites, "Secteur : maroquinerie", "fr", dt.date(2025, 5, 14))
    assert text.startswith("Secteur : maroquinerie · 5 sites · ")
    assert "(emplois n.c. pour 1 site)" in text and text.endswith("au 14 mai 2025")
    english = png.subtitle_text(sites.iloc[0:0], None, "en", dt.date(2025, 5, 14))
    assert english == "All sites · 0 sites · as of 14 May 2025"


def test_subtitle_all_jobs_unknown_is_nc_not_zero(sites):
    unknown = sites.assign(jobs=pd.array([pd.NA] * len(sites), dtype="Int64"))
    assert "n.c. emplois annoncés" in png.subtitle_text(unknown, None, "fr", dt.date(2025, 1, 1))
    assert " 0 emplois" not in png.subtitle_text(unknown, None, "fr", dt.date(2025, 1, 1))


def test_credit_names_publishers_ign_insee_and_cerema_when_friches_shown(sites):
    publishers, rest = png.credit_parts(sites, "fr", friches=True)
    assert publishers[0] == "Le Journal" and "Radio" in publishers  # most cited first
    text = png.credit_text(publishers, rest, "fr")
    assert text.startswith("Sources : articles de Le Journal")
    assert "IGN, INSEE (COG 2025)" in text and "Cerema, Cartofriches" in text
    assert "sites importés par l'utilisateur" in text  # the fixture has an upload
    assert "data/sites.geojson" not in text
    without = png.credit_text(*png.credit_parts(sites, "en", friches=False), "en")
    assert "Cerema" not in without
    assert png.credit_text(publishers, rest, "fr", shown=1).count(",") >= 1
    assert "et 2 autres" in png.credit_text(publishers, rest, "fr", shown=1)


def test_friches_are_drawn_and_credited(sites, communes, departements, regions):
    friches = gpd.GeoDataFrame({"id": ["f1"]}, geometry=[Point(2.3, 46.4)], crs=4326)
    data = mapview.to_png(sites, communes, departements, regions, title="t", friches=friches)
    assert png_size(data) == (1920, 1080)
