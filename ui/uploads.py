"""The user's own sites: the upload widget, its report, and the frame of all sites it makes.

The upload is kept in the session (``ui.session``), not in the widget: presenter mode
draws no sidebar, and coming back must not lose it. Only the user removes it (the
uploader's ×, or the "remove" button).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import upload
from geo.i18n import t
from ui import session


@dataclass(frozen=True)
class Upload:
    file_id: str
    name: str
    result: upload.UploadResult
    sites: gpd.GeoDataFrame | None  # the data's sites and the uploaded ones, joined to communes


def all_sites(data_sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The data's sites and the user's uploaded ones (one frame per upload, kept in the
    session: the map formats each frame's texts once, and reuses them on every filter)."""
    kept = session.upload()
    return kept.sites if kept is not None and kept.sites is not None else data_sites


def section(data_sites: gpd.GeoDataFrame, read: Callable[..., upload.UploadResult], join: Callable, lang: str) -> None:
    """The upload expander; ``read(name, data, progress)`` reads a file, ``join(frame)`` joins it."""
    kept = session.upload()
    with st.sidebar.expander(t("upload", lang), expanded=kept is not None):
        file = st.file_uploader(
            t("upload_help", lang, mb=upload.MAX_UPLOAD_MB),
            type=["csv", "txt", "geojson", "json"],
            key="w_upload",
            on_change=session.upload_widget_changed,
        )
        if file is not None and (kept is None or kept.file_id != file.file_id):
            bar = st.progress(0.0, text=t("upload_progress", lang))
            result = read(file.name, file.getvalue(), lambda done: bar.progress(min(1.0, done), text=t("upload_progress", lang)))
            bar.empty()
            sites = None
            if len(result.sites):
                joined = join(result.sites)
                joined["layer"] = "upload"
                sites = pd.concat([data_sites, joined], ignore_index=True)
            kept = Upload(file.file_id, file.name, result, sites)
            session.keep_upload(kept)
        if kept is not None:
            _report(kept, from_widget=file is not None, lang=lang)


def message(kind: str, text: str) -> None:
    """A message box whose text is shown as text: a file's content or name (``[x](javascript:…)``,
    ``![p](http://…)``) is never read as Markdown, so it makes no link and fetches no image."""
    st.html(f'<div class="msg msg-{kind}" role="{"alert" if kind == "error" else "status"}">{html.escape(text)}</div>')


def _report(kept: Upload, *, from_widget: bool, lang: str) -> None:
    result = kept.result
    if result.error:
        message("error", result.error_text(lang))
        return
    if from_widget:
        message("success", t("upload_ok", lang, n=len(result.sites)))
    else:  # back from presenter mode: the widget is new, the sites are still here
        message("info", t("upload_kept", lang, name=kept.name, n=len(result.sites)))
        st.button(t("upload_remove", lang), on_click=session.forget_upload, key="upload_remove")
    if result.failures:
        message("warning", t("upload_failed_rows", lang, n=len(result.failures)))
        st.dataframe(result.failures_frame(lang), hide_index=True, width="stretch")
    if result.warnings:  # rows placed with a value set aside (a jobs figure out of bounds...)
        message("warning", t("upload_warning_rows", lang, n=len(result.warnings)))
        st.dataframe(result.warnings_frame(lang), hide_index=True, width="stretch")
    for note in result.notes(lang):
        message("info", note)
