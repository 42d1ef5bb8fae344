"""The benchmark harness runs (``python -m bench --quick``) and writes every figure: not timings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from geo.paths import ROOT

pytestmark = pytest.mark.browser  # the quick bench drives Chromium against `streamlit run`


def test_quick_bench_runs_and_writes_every_figure(tmp_path):
    from bench.run import FIGURES

    output = tmp_path / "quick.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "-o", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["mode"] == "quick"
    assert list(results["figures"]) == FIGURES
    for name, figure in results["figures"].items():
        assert "error" not in figure, (name, figure.get("error"))
        assert figure["metrics"] and all(isinstance(v, int | float) for v in figure["metrics"].values()), name
        assert figure["baseline"] is not None, name
        assert set(figure["target"]) == set(figure["metrics"]), name
    # the floor page (issue 14), measured in the same run, and each browser figure as a ratio to it
    figures = results["figures"]
    assert figures["floor"]["details"]["counts"] == {"sites": 5, "mapSites": 5} | {
        k: figures["floor"]["details"]["counts"][k] for k in ("frameStartS", "inFrameS")
    }
    for name in ("browser_10k", "browser_100k", "browser_default"):
        details = figures[name]["details"]
        assert details["floor"]["ready_s"] and details["floor"]["ready_warm_cache_s"], name
        ours, floor = details["ready_s"][0], details["floor"]["ready_s"][0]
        ratio = ours / floor
        # the JSON's times are rounded to the ms, the ratio (from the unrounded times) to 0.001
        rounding = ratio * (0.0005 / ours + 0.0005 / floor) + 0.0005
        assert figures[name]["metrics"]["ready_over_floor"] == pytest.approx(ratio, abs=rounding), name
        # where the time went: the map's iframe, its scripts (one bundle: Leaflet, the runtime),
        # the runtime's marks, the long tasks
        timeline = details["timeline"]
        assert 0 < timeline["frame_created_s"] <= timeline["bundle_js_arrived_s"] <= timeline["markers_drawn_s"]
        assert timeline["init_s"] <= timeline["markers_drawn_s"] <= details["ready_s"][0] + 0.1, name
        assert {"count", "total_s", "longest_s"} <= set(timeline["long_tasks_map"]), name
        assert details["floor"]["timeline"]["markers_drawn_s"] > 0, name
    # both layers (issue 11): the first screen with the friches drawn, then the page complete
    friches = figures["browser_friches"]["details"]
    assert friches["counts"]["friches"] == 6000 and friches["counts"]["sites"] == friches["sites"]
    assert friches["complete_s"]["friches"][0] >= friches["ready_s"]["friches"][0]
    # measured as browser_10k is, beside the floor's runs; its target browser_10k's ratio, same run
    assert len(friches["floor_ready_s"]) == len(friches["ready_s"]["friches"]) == 1
    ratio = friches["ready_s"]["friches"][0] / friches["floor_ready_s"][0]
    assert friches["ready_over_floor"]["friches"]["median"] == pytest.approx(ratio, abs=0.01)
    assert figures["browser_friches"]["target"]["ready_over_floor"] == figures["browser_10k"]["metrics"]["ready_over_floor"]
    # the cold start with scripts/warmup.py, as scripts/run.sh starts it
    (sample,) = figures["cold_start"]["details"]["samples"]
    assert sample["warmup"]["returncode"] == 0 and "the app is warm" in sample["warmup"]["said"]
    machine = results["machine"]
    for key in ("cpu_model", "cores_logical", "ram_gb", "python", "packages"):
        assert machine[key], key
    assert machine["packages"]["streamlit-folium"] and machine["packages"]["folium"]
    assert "figure" in done.stdout and "national_layer" in done.stdout  # the printed table


def test_the_outside_measure_times_a_running_app_against_the_floor(tmp_path):
    """``python -m bench.outside``: an app started on its own (here the default data), its
    first screens timed alternately with the floor page it starts, as the bench records them."""
    from bench.browser import Server

    with Server("app.py", log=tmp_path / "streamlit-outside.log") as app:
        app.wait_healthy(timeout=60)
        done = subprocess.run(
            [sys.executable, "-m", "bench.outside", "--url", app.url, "--runs", "1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout[: done.stdout.rindex("}") + 1])
    assert result["counts"]["mapSites"] == result["counts"]["sites"] == 10
    assert len(result["ready_s"]) == len(result["floor_ready_s"]) == 1 and result["page_errors"] == []
    ours, floor = result["ready_s"][0], result["floor_ready_s"][0]
    assert result["ready_over_floor"]["median"] == pytest.approx(ours / floor, abs=0.01)
    assert result["complete_s"][0] >= ours and result["timeline"]["markers_drawn_s"] > 0
    assert "x the floor" in done.stdout.splitlines()[-1]
    with pytest.raises(SystemExit):
        from bench import outside

        outside.main(["--runs", "0"])
