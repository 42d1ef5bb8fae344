"""The load test (bench/loadtest.py) run tiny against ``streamlit run app.py`` with the real data:
every session opens, makes its filter change and sees the script finish, with no error; and the
protocol handling itself, on ForwardMsgs made here (an exception in the page, a run that never
reaches the app's end, a server that says nothing)."""

from __future__ import annotations

import asyncio
import json

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import loadtest
from bench.browser import Server
from geo.paths import SITES_PATH

SITES = [f["properties"] for f in json.loads(SITES_PATH.read_text(encoding="utf-8"))["features"]]


@pytest.fixture(scope="module")
def server():
    with Server(env=loadtest.LOOPBACK) as running:
        running.wait_healthy()
        yield running


def test_tiny_load_test_every_session_finishes_its_runs_without_error(tmp_path):
    out = tmp_path / "loadtest.json"
    code = loadtest.main(["--sessions", "2", "--reruns", "1", "--data", "real", "-o", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    (dataset,) = report["datasets"]
    (phase,) = dataset["phases"]
    assert code == 0
    assert dataset["warm_up"]["sites"] == len(SITES)
    assert phase["errors"] == 0, phase["error_examples"]
    assert phase["sessions_complete"] == 2
    assert phase["reruns_finished"] == 2
    assert 0 < phase["rerun_p50_ms"] <= phase["rerun_p95_ms"]
    assert phase["bytes_per_rerun"] > 0
    assert phase["rss_peak_mb"] > 0 and phase["server_cpu_s"] > 0
    assert report["machine"]["load_average_1_5_15"]


def test_the_filter_change_reaches_the_app_through_the_query_string(server):
    """Session 1 opens on ?sector=glass and changes to ?dep=13: the app's readiness marker
    counts the sites of each filter, as data/sites.geojson has them."""
    opened, changed = loadtest.queries_of(1, 1)
    assert (opened, changed) == ("sector=glass", "dep=13")
    result = asyncio.run(loadtest.run_session(server.url, 1, 1, timeout_s=60))
    assert result.errors == []
    assert result.opened.sites == sum(s["sector"] == "glass" for s in SITES)
    assert [r.sites for r in result.reruns] == [sum(s["dep"] == "13" for s in SITES)]
    assert result.opened.sites != len(SITES)  # the query string was read


def test_soak_reconnects_and_samples_rss(server):
    soak = asyncio.run(loadtest.soak_phase(server, 2, 0.05, timeout_s=60, think_s=0.1,
                                           reruns_per_connection=2, sample_s=0.5))  # fmt: skip
    assert soak["errors"] == 0, soak["error_examples"]
    assert soak["connections"] > 2  # each user reconnected at least once in 3 s
    assert soak["reruns_finished"] >= 2
    assert len(soak["rss_series_s_mb"]) >= 2


# -- the protocol handling, without a server ----------------------------------------------------


class FakeSocket:
    """Sends what it is given, then answers the rerun with the ForwardMsgs in ``replies``."""

    def __init__(self, replies: list[ForwardMsg]):
        self.sent: list[bytes] = []
        self.replies = [m.SerializeToString() for m in replies]

    async def send(self, data: bytes) -> None:
        self.sent.append(data)

    async def recv(self) -> bytes:
        if not self.replies:
            await asyncio.sleep(3600)
        return self.replies.pop(0)


def _html(body: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.delta.new_element.html.body = body
    return msg


def _exception() -> ForwardMsg:
    msg = ForwardMsg()
    msg.delta.new_element.exception.type = "OverflowError"
    msg.delta.new_element.exception.message = "Python int too large to convert to C long"
    return msg


def _finished(status=ForwardMsg.FINISHED_SUCCESSFULLY) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = status
    return msg


READY = _html('<div id="app-ready" data-sites="7" data-mode="explore"></div>')


def _run(replies: list[ForwardMsg], timeout_s: float = 5.0) -> loadtest.Run:
    return asyncio.run(loadtest._one_run(FakeSocket(replies), "dep=59", set(), timeout_s))


def test_a_clean_run_reads_the_site_count_and_sends_the_query_string():
    socket = FakeSocket([READY, _finished()])
    run = asyncio.run(loadtest._one_run(socket, "dep=59&q=usine", set(), 5.0))
    assert run.sites == 7 and run.seconds is not None and run.bytes > 0
    sent = BackMsg()
    sent.ParseFromString(socket.sent[0])
    assert sent.WhichOneof("type") == "rerun_script"
    assert sent.rerun_script.query_string == "dep=59&q=usine"


def test_an_exception_in_the_page_is_an_error():
    with pytest.raises(loadtest.RunError, match="OverflowError"):
        _run([_exception(), READY, _finished()])


def test_a_run_that_never_reaches_the_apps_end_is_an_error():
    with pytest.raises(loadtest.RunError, match="readiness marker"):
        _run([_html("<p>Erreur de données</p>"), _finished()])


def test_a_compile_error_is_an_error():
    with pytest.raises(loadtest.RunError, match="compile error"):
        _run([_finished(ForwardMsg.FINISHED_WITH_COMPILE_ERROR)])


def test_a_run_cut_short_for_a_rerun_goes_on_to_the_next_finish():
    run = _run([_finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN), READY, _finished()])
    assert run.sites == 7


def test_a_server_that_never_finishes_the_run_is_a_timeout():
    with pytest.raises(TimeoutError):
        _run([READY], timeout_s=0.3)


def test_cacheable_messages_are_remembered_and_sent_back_on_the_next_rerun():
    cacheable = _html("<p>map</p>")
    cacheable.hash, cacheable.metadata.cacheable = "abc123", True
    cached: set[str] = set()
    asyncio.run(loadtest._one_run(FakeSocket([cacheable, READY, _finished()]), "", cached, 5.0))
    assert cached == {"abc123"}


def test_every_session_changes_to_another_query_string():
    for session in range(40):
        queries = loadtest.queries_of(session, 30)
        assert all(a != b for a, b in zip(queries, queries[1:], strict=False))


def test_percentile_interpolates_between_ranks():
    assert loadtest.percentile([], 0.5) is None
    assert loadtest.percentile([3.0], 0.95) == 3.0
    assert loadtest.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert loadtest.percentile(list(map(float, range(101))), 0.95) == 95.0
