"""A download clicked while the page reruns (issue 13, "an export clicked during a rerun
silently does nothing").

Streamlit makes a download's file from a callable registered when its button is drawn; a
run registers a new one and forgets the old one when the run ends. A click that reaches
the server after that, with the old button still on screen, got "Deferred file … not
found" and no file (2 to 3 clicks of 5 on the PNG or GeoPackage button right after a
search at 10,000 sites, measured with Chromium). ``ui/downloads.js`` holds a click on a
button the run has not drawn again, and makes a failed click once more on the redrawn one.

To make the window certain rather than a matter of timing, the tests hold back the
server's messages on Streamlit's websocket (Playwright's ``route_web_socket``): the
server runs the search to its end, and forgets the old callables, while the page still
shows the old buttons; the click lands then; the messages are released. Either the page
has been told a run started (its first message let through: the buttons are stale), or
it has been told nothing (its main thread was busy: the click goes out with the old id).
"""

from __future__ import annotations

import csv
import io
import re

import geopandas as gpd
import pytest
from browser_pages import HeldSocket, wait_run_held

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("key", "mode"), [("dl_csv", "after_start"), ("dl_gpkg", "after_start"), ("dl_csv", "all")]
)
def test_download_clicked_during_a_rerun_gives_the_file_of_the_new_view(open_page, key, mode):
    socket = HeldSocket()
    page = open_page(setup=lambda context: context.route_web_socket(re.compile(r"/_stcore/stream"), socket))
    before = page.ready_count()
    socket.mode = mode
    search = page.page.get_by_label("Recherche (nom, entreprise, commune)")
    search.fill("Roubaix")
    search.press("Enter")
    wait_run_held(page, socket)
    box = page.page.locator(f'[data-testid="stElementContainer"].st-key-{key}')
    assert box.get_attribute("data-stale") == ("true" if mode == "after_start" else "false")

    with page.page.expect_download(timeout=30_000) as download:
        box.locator("button").click()
        if mode == "after_start":
            assert "rc-dl-waiting" in (box.get_attribute("class") or ""), "the held click says it waits"
        page.page.wait_for_timeout(500)
        socket.release()
    page.wait_ready()
    shown = page.ready_count()
    assert 0 < shown < before
    body = download.value.path().read_bytes()
    if key == "dl_csv":
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) == shown, "the file is the view the run drew, not the one before"
    else:
        assert len(gpd.read_file(io.BytesIO(body))) == shown
    page.page.wait_for_timeout(1500)
    assert page.page.locator('[data-testid="stDownloadButtonError"]:visible').count() == 0


# -- files made in the worker process (geo.offload), and a file stopped at its limit


@pytest.fixture(scope="module")
def offload_server(request):
    """The app with every export made in the worker, and the worker's limit from the test's parameter."""
    from browser_pages import ARTIFACTS

    from bench.browser import Server

    with Server("app.py", env={"REINDUS_OFFLOAD_MIN_ROWS": "0", "REINDUS_EXPORT_LIMIT_S": request.param},
                log=ARTIFACTS / f"streamlit-offload-{request.param}.log") as app:  # fmt: skip
        app.wait_healthy(timeout=60)
        yield app.url


@pytest.mark.parametrize("offload_server", ["60"], indirect=True)
def test_a_file_made_in_the_worker_process_opens(browser, offload_server, tmp_path):
    from browser_pages import Page
    from PIL import Image

    page = Page(browser, offload_server, "?dep=59")
    try:
        shown = page.ready_count()
        with page.page.expect_download(timeout=60_000) as png:
            page.page.locator(".st-key-dl_png button").click()
        image = Image.open(png.value.path())
        assert image.format == "PNG" and image.size[0] >= 1280
        with page.page.expect_download(timeout=60_000) as gpkg:
            page.page.locator(".st-key-dl_gpkg button").click()
        assert len(gpd.read_file(gpkg.value.path())) == shown
        with page.page.expect_download(timeout=60_000) as html_map:
            page.page.locator(".st-key-dl_html button").click()
        # the offline map made in the worker, opened from disk with the network cut: every site
        offline = browser.new_page()
        offline.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                      else route.abort())  # fmt: skip
        saved = tmp_path / html_map.value.suggested_filename
        html_map.value.save_as(saved)
        offline.goto(saved.as_uri())
        offline.wait_for_function("window.__mapReady === true")
        assert offline.evaluate("window.__siteCount") == shown
        assert "Nord" in offline.title()
        offline.close()
        assert page.errors == [] and page.foreign == []
    finally:
        page.close()


@pytest.mark.parametrize("offload_server", ["0.05"], indirect=True)
def test_a_file_stopped_at_its_limit_is_said_in_the_page_s_language(browser, offload_server):
    from browser_pages import Page

    page = Page(browser, offload_server, "")
    try:
        downloads = []
        page.page.on("download", lambda download: downloads.append(download))
        page.page.locator(".st-key-dl_csv button").click()
        note = page.page.locator(".st-key-dl_csv .rc-dl-failed")
        note.wait_for(timeout=30_000)
        assert "Le fichier n'a pas pu être fait (arrêté au bout de 0 s" in note.inner_text()
        assert note.get_attribute("role") == "alert"
        note.scroll_into_view_if_needed()
        page.screenshot("export-stopped-message.png")
        assert page.page.locator(".st-key-dl_csv [data-testid='stDownloadButtonError']:visible").count() == 0
        assert downloads == []
    finally:
        page.close()
