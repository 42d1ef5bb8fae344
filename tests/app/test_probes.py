"""Tier 4: the probes of a careless or hostile visitor's URLs, kept as tests (issue 13).

Each URL must give a page — never a traceback — whose texts are escaped, and whose notices
say what was dropped or changed."""

import pytest
from app_pages import APP, whole_page
from streamlit.testing.v1 import AppTest

PROBES = [
    {"near": "59512", "km": "500"},
    {"near": "59512", "km": "0.5"},
    {"near": "59512", "km": "1000"},
    {"near": "59512", "km": "nan"},
    {"near": "../../etc/passwd"},
    {"jobs_max": "99999999999999999999999"},
    {"jobs_min": "9007199254740993"},
    {"jobs_min": "1e20"},
    {"jobs_min": "-0", "jobs_max": "-1"},
    {"year_min": "1e9"},
    {"year_min": "2100", "year_max": "1800"},
    {"year_of": "closed"},
    {"mode": "present", "timeline": "abc"},
    {"mode": "present", "timeline": "1800"},
    {"site": "../../etc/passwd"},
    {"site": "<img src=x onerror=alert(1)>"},
    {"q": '"><script>alert(1)</script>'},
    {"q": "x" * 5000},
    {"dep": "<script>", "reg": "'; DROP TABLE--"},
    {"hide": ["<b>", "communes", "glass"]},
    {"basemap": "javascript:alert(1)"},
    {"lang": "xx", "mode": "kiosk"},
    {"friches": "maybe"},
    {"friches": "1", "friche": "nope", "friche_ha_min": "-3", "friche_ha_max": "abc"},
    {"sector": "," * 50},
    {"\u202e": "\u202egnp.exe", "q": "\u0000\u200b"},
]


@pytest.mark.parametrize("params", PROBES, ids=[str(i) for i in range(len(PROBES))])
def test_a_hostile_url_gives_a_page_and_escaped_notices(params):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    whole_page(at)
    page = " ".join(h.proto.body for h in at.html)
    assert 'id="app-ready"' in page
    for hostile in ("<script>alert", "<img src=x", "<b>", "href=\"javascript"):
        assert hostile not in page
    notices = [h.proto.body for h in at.html if 'class="url-notice"' in h.proto.body]
    assert all("<script" not in n and "<img" not in n for n in notices)
