"""Tier 3: a map whose sites (or friches) come from a served file starts their worker before
its other scripts (issue 14): its first script is early.js (a data: URL) with the very message
the runtime's readInWorker sends, so that the runtime takes that worker (tests/js/early.test.js)."""

from __future__ import annotations

import base64
import json
import re

from map_fixtures import calls, render

from geo import mapview
from geo.mapview import build


def early_reads(m) -> tuple[str, list[dict]] | None:
    """The worker's URL and the messages of the map's early script; None: it has none."""
    links = dict(m.default_js)
    if "reindus_early" not in links:
        return None
    assert next(iter(links)) == "reindus_early"  # (first: before the bundle)
    url = links["reindus_early"]
    assert url.startswith("data:text/javascript;base64,")
    code = base64.b64decode(url.split(",", 1)[1]).decode()
    assert code.startswith((build.STATIC / "early.js").read_text("utf-8"))
    worker, reads = re.search(r"ReindusEarly\.start\((\"[^\"]+\"), (\[.*\])\);\s*$", code, re.S).groups()
    return json.loads(worker), json.loads(reads)


def test_a_served_sites_file_is_read_from_the_first_script_with_the_runtimes_own_message(sites, store, monkeypatch):
    monkeypatch.setattr(build, "SERVE_MIN_SITES", 1)
    monkeypatch.setattr(build, "CLUSTER_MIN_SITES", 1)  # (clustered: the message holds the index's options)
    data = sites.assign(layer="data")
    m = mapview.build_map(data.iloc[[0, 1, 3]], cards_from=data, files=store, hidden=("glass",))
    worker, reads = early_reads(m)
    page = render(m)
    (served,) = calls(page, "addSites")
    assert worker == build._runtime_config(False, "fr")["sitesWorker"]
    (read,) = reads
    assert read == {
        "kind": "sites", "file": served["file"], "served": served,
        "cluster": {"options": build.CLUSTER_OPTIONS, "shown": read["cluster"]["shown"]}, "hold": True,
    }  # fmt: skip
    # which layers are shown when the runtime reads the file: every group but the hidden sector's
    groups = [g for g in m._children.values() if getattr(g, "rc_key", (None,))[0] == "hide"]
    assert read["cluster"]["shown"] == [g.rc_key[1] != "glass" for g in groups]
    assert False in read["cluster"]["shown"] and True in read["cluster"]["shown"]


def test_sites_in_the_map_itself_and_an_offline_map_start_no_worker(sites, store):
    assert early_reads(mapview.build_map(sites)) is None  # (inline: nothing to read)
    data = sites.assign(layer="data")
    assert early_reads(mapview.build_map(data, cards_from=data, files=None)) is None


def test_a_standalone_page_of_a_served_map_inlines_its_early_script(sites, store, monkeypatch):
    """geo.assets keeps the map's own script out of the bundle, first, and inlines it offline."""
    import pytest

    from geo import assets

    try:
        assets.check_installed()
    except assets.AssetError:
        pytest.skip("static/vendor not installed (run scripts/setup.sh)")
    data = sites.assign(layer="data")
    m = mapview.build_map(data, cards_from=data, files=store)
    assert [name for name, _ in m.default_js] == ["reindus_early", "reindus_bundle"]
    page = assets.standalone_html(m)
    assert "ReindusEarly.start(" in page and assets.INLINE_SCRIPT not in page
    assert assets.loaded_urls(page) == []


def test_the_page_starts_the_same_early_reads_as_the_map_itself(sites, store, monkeypatch):
    """A session's first screen runs the map's early script in the page (st.html), as soon as
    the map's element arrives; the map's frame adopts those workers (tests/js/early.test.js)."""
    monkeypatch.setattr(build, "SERVE_MIN_SITES", 1)
    data = sites.assign(layer="data")
    m = mapview.build_map(data, cards_from=data, files=store)
    script = mapview.early_page_script(m)
    code = base64.b64decode(dict(m.default_js)["reindus_early"].split(",", 1)[1]).decode()
    # the map's very call, then the workers no frame adopts ended after a minute
    assert script == f"<script>{code}ReindusEarly.expire(60000);\n</script>"
    assert script.count("</script") == 1  # (the messages' texts cannot end it: to_json escapes <)
    # a map that reads no served file: nothing to start
    assert mapview.early_page_script(mapview.build_map(data, cards_from=data, files=None)) is None
    assert mapview.early_page_script(mapview.build_map(sites)) is None
