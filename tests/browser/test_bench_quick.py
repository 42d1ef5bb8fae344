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
    machine = results["machine"]
    for key in ("cpu_model", "cores_logical", "ram_gb", "python", "packages"):
        assert machine[key], key
    assert machine["packages"]["streamlit-folium"] and machine["packages"]["folium"]
    assert "figure" in done.stdout and "national_layer" in done.stdout  # the printed table
