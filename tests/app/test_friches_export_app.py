"""Tier 4: the friches shown can be downloaded (CSV, GeoJSON) when the layer is on, and only then."""

from app_pages import run
from streamlit.testing.v1 import AppTest

from geo.paths import ROOT


def download_labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_friches_export_buttons_show_with_the_layer_only():
    labels = download_labels(run(friches="1", dep="59"))
    assert "Friches affichées (CSV)" in labels and "Friches affichées (GeoJSON)" in labels
    assert "Sites (CSV)" in labels  # the sites' buttons are still there
    assert not [label for label in download_labels(run()) if "Friches" in label]


def test_the_friches_export_note_counts_the_friches_shown_and_credits_the_inventory():
    at = run(friches="1", dep="59", lang="en")
    assert "Brownfields shown (CSV)" in download_labels(at)
    assert any(c.value.startswith("206 brownfield(s) — Cerema, Cartofriches") for c in at.caption)


def test_an_uploaded_friches_file_is_the_friches_layer_of_the_session():
    """A friches file kept by the sidebar's upload (ui.uploads.FricheUpload) replaces the extract on the map."""
    from geo.friches import read_friches
    from ui.uploads import FricheUpload

    page = ROOT / "tests" / "fixtures" / "friches" / "cartofriches-page-export.csv"
    result = read_friches(page.read_bytes(), name=page.name)
    assert result.report.usable
    at = run(friches="1")
    at.session_state["_session"].upload = FricheUpload("file-1", page.name, result)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    body = next(h.proto.body for h in at.html if 'id="app-ready"' in h.proto.body)
    assert f'data-friches="{len(result.friches)}"' in body
    assert any(f"({page.name})" in h.proto.body and "Fichier de friches reconnu" in h.proto.body for h in at.html)
    assert 'data-sites="' in body and at.toggle(key="w_friches").value is True
