"""Tier 1: the sidebar's upload recognises a friches file by its columns (either format), not a sites file."""

from __future__ import annotations

import pytest

from geo.friches import FRICHES_PATH, is_friches_file
from geo.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.mark.parametrize(
    "data",
    [
        FRICHES_PATH.read_bytes(),  # friches-standard.csv (CNIG columns, ';')
        (FIXTURES / "friches" / "cartofriches-page-export.csv").read_bytes(),  # the 11-column page export
        FRICHES_PATH.read_text(encoding="utf-8-sig").encode("latin-1", "replace"),
        b"\xef\xbb\xbfsite_id;comm_insee;geompoint\r\nx;59512;POINT(3.17 50.69)\r\n",
    ],
    ids=["standard", "page-export", "latin1", "minimal-bom-crlf"],
)
def test_a_friches_file_is_recognised_by_its_columns(data):
    assert is_friches_file(data, "upload.csv")


@pytest.mark.parametrize(
    "data",
    [
        (FIXTURES / "sites_good.geojson").read_bytes(),
        b"commune;departement;emplois\nRoubaix;59;300\n",
        b"site_id;nom\nx;y\n",  # an id but no commune nor point
        b"",
    ],
    ids=["sites-geojson", "sites-csv", "not-enough-columns", "empty"],
)
def test_a_sites_file_is_not_taken_for_a_friches_file(data):
    assert not is_friches_file(data, "upload.csv")


def test_is_friches_file_wants_bytes():
    with pytest.raises(TypeError, match="bytes"):
        is_friches_file("site_id;comm_insee;geompoint")
