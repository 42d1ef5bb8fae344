"""Fixtures of the browser tests: the app under `streamlit run` and Debian's Chromium (one per module)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_pages import ARTIFACTS, Page

from bench.browser import CHROMIUM, CHROMIUM_ARGS, Server


@pytest.fixture(scope="module")
def server():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/setup.sh --dev` (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with Server("app.py", log=ARTIFACTS / "streamlit.log") as app:
        app.wait_healthy(timeout=60)
        yield app.url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, server):
    pages = []

    def opener(query: str = "", size=(1400, 900), setup=None) -> Page:
        page = Page(browser, server, query, size, setup=setup)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        assert page.errors == [], f"JavaScript errors: {page.errors}"
        assert page.foreign == [], f"requests to third parties: {page.foreign}"
        page.close()
