"""Shared by the AppTest modules: the app run with a query string, and what its page says."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from geo.paths import ROOT

APP = str(ROOT / "app.py")


def run(**params) -> AppTest:
    """The app opened with ``params`` as its query string, as a browser gets it: its first
    screen, then the whole page (the run that the map's report of its drawn markers brings
    in a browser: ui.session.first_screen); no exception allowed."""
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    return whole_page(at)


def whole_page(at: AppTest) -> AppTest:
    """``at``'s first run (its first screen in the explorer), then the run that draws the whole page."""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def ready(at: AppTest) -> str:
    """The page's readiness marker, where the browser tests read the site count."""
    return next(h.proto.body for h in at.html if 'id="app-ready"' in h.proto.body)


def notices(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.html if 'class="url-notice"' in h.proto.body]
