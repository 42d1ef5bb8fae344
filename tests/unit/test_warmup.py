"""scripts/warmup.py (issue 14): which server it warms, and that it never fails the app."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

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


def test_the_session_is_ready_to_open_before_the_server_answers(warmup, monkeypatch):
    # what the session imports is imported while the server starts (0.25 s of the cold start)
    code = (
        "import importlib.util, sys; spec = importlib.util.spec_from_file_location('w', 'scripts/warmup.py'); "
        "w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w); "
        "before = {m for m in ('websockets', 'bench.loadtest', 'streamlit.proto.BackMsg_pb2') if m in sys.modules}; "
        "w.prepare(); print(sorted(before), all(m in sys.modules for m in "
        "('websockets', 'bench.loadtest', 'streamlit.proto.BackMsg_pb2', 'streamlit.proto.ForwardMsg_pb2')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip() == "[] True", done.stderr
    calls = []
    monkeypatch.setattr(warmup, "prepare", lambda: calls.append("prepare"))
    monkeypatch.setattr(warmup, "wait_healthy", lambda url, wait_s: calls.append("health") or False)
    assert warmup.main(["--server.port", "8999"]) == 0
    assert calls == ["prepare", "health"]


def test_the_page_icon_is_the_emoji_streamlit_draws_without_its_emoji_catalogue():
    # 🏭 as the data: URL Streamlit's frontend makes of an emoji icon; given as the emoji,
    # Streamlit loads its catalogue of every emoji to check it (80 ms of a cold start)
    code = (
        "import sys, urllib.parse, app; from streamlit.commands.page_config import _get_favicon_string; "
        "print(_get_favicon_string(app.PAGE_ICON) == app.PAGE_ICON, app.PAGE_ICON.isascii(), "
        "'>🏭</text></svg>' in urllib.parse.unquote(app.PAGE_ICON), 'streamlit.emojis' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "True True True False", done.stderr[-2000:]
