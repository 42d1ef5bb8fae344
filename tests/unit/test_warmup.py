"""scripts/warmup.py (issue 14): which server it warms, and that it never fails the app."""

from __future__ import annotations

import importlib.util

import pytest

from geo.paths import ROOT


@pytest.fixture(scope="module")
def warmup():
    spec = importlib.util.spec_from_file_location("warmup", ROOT / "scripts" / "warmup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("argv", "url"),
    [
        ([], "http://127.0.0.1:8501"),
        (["--", "--sites", "data/x.geojson"], "http://127.0.0.1:8501"),
        (["--server.port", "8600"], "http://127.0.0.1:8600"),
        (["--server.port=8601", "--server.address=0.0.0.0"], "http://127.0.0.1:8601"),
        (["--server.address", "10.0.0.5", "--server.port", "9000"], "http://10.0.0.5:9000"),
        (["--url", "http://127.0.0.1:7000/"], "http://127.0.0.1:7000"),
    ],
)
def test_the_server_warmed_is_the_one_run_sh_starts(warmup, monkeypatch, argv, url):
    monkeypatch.delenv("STREAMLIT_SERVER_PORT", raising=False)
    monkeypatch.delenv("STREAMLIT_SERVER_ADDRESS", raising=False)
    assert warmup.server_url(argv) == url


def test_the_port_from_the_environment(warmup, monkeypatch):
    monkeypatch.setenv("STREAMLIT_SERVER_PORT", "8777")
    assert warmup.server_url([]) == "http://127.0.0.1:8777"


def test_no_server_is_no_failure(warmup, capsys):
    from bench.browser import free_port

    assert warmup.main(["--wait-s", "0.2", "--url", f"http://127.0.0.1:{free_port()}"]) == 0
    assert "skipped" in capsys.readouterr().out


def test_turned_off(warmup, monkeypatch, capsys):
    monkeypatch.setenv("REINDUS_WARMUP", "0")
    assert warmup.main(["--wait-s", "5"]) == 0
    assert capsys.readouterr().out == ""
