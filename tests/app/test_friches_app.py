"""Tier 4: the friches layer in the app (toggle, filters with counts, notices, credit, no private text)."""

import csv

from app_pages import notices, ready, run
from streamlit.testing.v1 import AppTest

from geo.friches import FRICHES_PATH
from geo.paths import ROOT

# Owners' names and contacts (geo.friches_schema.PRIVATE_COLUMNS also drops the owner's type
# and the producer, whose values — "Commune", "Cerema" — are common words of the page).
OWNER_CONTACT = ("proprio_nom", "proprio_personne", "source_contact")



def _rows() -> list[dict]:
    with FRICHES_PATH.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


ROWS = _rows()


def page_text(at: AppTest) -> str:
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown] + [h.proto.body for h in at.html]
    parts += [str(getattr(w, "label", "")) for w in at.sidebar]
    return "\n".join(parts)


def test_the_layer_is_off_by_default_and_one_toggle_shows_it():
    at = run()
    assert "data-friches" not in ready(at)
    assert at.toggle(key="w_friches").value is False
    at.toggle(key="w_friches").set_value(True).run()
    assert f'data-friches="{len(ROWS)}"' in ready(at)
    assert at.query_params["friches"] in ("1", ["1"])


def test_friches_of_the_nord_are_the_files_by_its_insee_code():
    nord = [r for r in ROWS if r["comm_insee"].zfill(5).startswith("59")]
    assert len(nord) == 206
    at = run(friches="1", dep="59")
    assert 'data-friches="206"' in ready(at)
    assert at.multiselect(key="w_deps").value == ["59"]
    # the layer notice and the credit line name the extract
    text = page_text(at)
    assert "Cerema, Cartofriches — extrait de 2 594 friches sur ~28 000 (2024)" in text
    assert "--friches" in text and "REINDUS_FRICHES" in text


def test_friche_filters_from_the_url_fill_the_widgets_with_live_counts():
    at = run(friches="1", friche_status="reused", friche_ha_min="1", friche_ha_max="50")
    assert at.multiselect(key="w_friche_statuses").value == ["reused"]
    assert at.number_input(key="w_friche_ha_min").value == 1.0
    assert at.number_input(key="w_friche_ha_max").value == 50.0
    reused = [r for r in ROWS if r["site_statut"] == "friche reconvertie"]
    options = at.multiselect(key="w_friche_statuses").options
    assert any(o.startswith("Friche reconvertie (") for o in options), options
    n = int(ready(at).split('data-friches="')[1].split('"')[0])
    assert 0 < n <= len(reused)


def test_bad_friche_parameters_give_notices():
    at = run(friches="maybe", friche_status="bogus", friche_ha_min="abc", friche="not-a-friche")
    text = " ".join(notices(at))
    for value in ("maybe", "bogus", "abc", "not-a-friche"):
        assert value in text, text
    assert "data-friches" not in ready(at)


def test_a_link_to_a_friche_shows_the_layer_and_keeps_it_selected():
    friche_id = next(r["site_id"] for r in ROWS if r["comm_insee"].startswith("59"))
    at = run(friche=friche_id)
    assert "data-friches" in ready(at)
    assert at.query_params["friche"] in (friche_id, [friche_id])
    assert at.query_params["friches"] in ("1", ["1"])


def test_a_friche_filtered_out_is_no_longer_selected():
    friche_id = next(r["site_id"] for r in ROWS if r["comm_insee"].startswith("59"))
    at = run(friche=friche_id, dep="62")
    assert "friche" not in at.query_params


def test_no_owner_or_contact_text_in_the_page():
    at = run(friches="1", dep="59")
    text = page_text(at)
    private = {r[c].strip() for r in ROWS for c in OWNER_CONTACT if r.get(c)}
    private = {v for v in private if len(v) > 5} - {"NA", "inconnu"}
    assert private
    assert not [v for v in private if v in text]


def test_headline_figures_of_the_friches_shown():
    at = run(friches="1")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Friches affichées"] == "2\u202f594"
    assert metrics["Friches avec projet"] == "524"
    assert metrics["Friches reconverties"] == "20"
    assert metrics["Surface disponible"].endswith(" ha")
    assert any("Friche potentielle 1\u202f544" in c.value for c in at.caption)
    at = run()
    assert "Friches affichées" not in {m.label for m in at.metric}


def test_another_inventory_is_credited_as_itself_not_as_the_extract(monkeypatch, tmp_path):
    # `--friches PATH` / REINDUS_FRICHES (the national file, a synthetic one): the notice, the
    # credit line and the legend said "extrait de 2 594 friches" whatever the file
    national = tmp_path / "friches-national.csv"
    national.write_bytes((ROOT / "tests/fixtures/friches/cartofriches-page-export.csv").read_bytes())
    monkeypatch.setenv("REINDUS_FRICHES", str(national))
    at = run(friches="1")
    shown = int(ready(at).split('data-friches="')[1].split('"')[0])
    assert shown > 0
    text = page_text(at)
    assert "extrait de 2 594" not in text
    assert f"Cerema, Cartofriches — fichier friches-national.csv : {shown} friches" in text
    assert "REINDUS_FRICHES" not in text  # (how to load the full file: said only over the extract)
