"""Tier 4: "friches near the sites shown" in the app (URL, sidebar toggle with its count, radius)."""

from app_pages import run
from streamlit.testing.v1 import AppTest


def n_friches(at: AppTest) -> int:
    body = next(h.proto.body for h in at.html if 'id="app-ready"' in h.proto.body)
    return int(body.split('data-friches="')[1].split('"')[0])


def test_friches_near_the_sites_shown_from_the_url_fill_the_toggle_and_radius():
    everywhere = n_friches(run(friches="1", dep="59"))
    at = run(friches="1", dep="59", friche_near_sites="1", friche_near_km="3")
    near = n_friches(at)
    assert 0 < near < everywhere
    toggle = at.toggle(key="w_friche_near_sites")
    assert toggle.value is True and f"({near})" in toggle.label and "3 km" in toggle.label
    assert at.slider(key="w_friche_near_km").value == 3.0


def test_the_toggle_counts_what_it_would_keep_and_turning_it_on_keeps_that_many():
    at = run(friches="1", dep="59")
    toggle = at.toggle(key="w_friche_near_sites")
    assert toggle.value is False and "10 km" in toggle.label
    expected = int(toggle.label.rsplit("(", 1)[1].rstrip(")").replace("\u202f", ""))
    toggle.set_value(True).run()
    assert n_friches(at) == expected
    assert at.query_params["friche_near_sites"] in ("1", ["1"])


def test_bad_friche_near_values_give_notices():
    at = run(friches="1", friche_near_sites="maybe", friche_near_km="500")
    text = " ".join(h.proto.body for h in at.html if 'class="url-notice"' in h.proto.body)
    assert "maybe" in text and "500" in text
