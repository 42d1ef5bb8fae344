"""The user's own sites: the upload widget, its report, and the frame of all sites it makes;
or, when the file has a friches file's columns (Cartofriches), the friches layer of the session.

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

from geo import upload, upload_report
from geo.friches import FrichesResult, is_friches_file
from geo.i18n import fmt_int, t
from geo.problems import DataError
from ui import session


@dataclass(frozen=True)
class Upload:
    file_id: str
    name: str
    result: upload.UploadResult
    sites: gpd.GeoDataFrame | None  # the data's sites and the uploaded ones, joined to communes


@dataclass(frozen=True)
class FricheUpload:
    """A friches file uploaded (recognised by its columns): the friches layer of this session."""

    file_id: str
    name: str
    result: FrichesResult | None  # None: the file could not be read (``error`` says why)
    error: str | None = None


def all_sites(data_sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The data's sites and the user's uploaded ones (one frame per upload, kept in the
    session: the map formats each frame's texts once, and reuses them on every filter)."""
    kept = session.upload()
    sites = getattr(kept, "sites", None)  # (a friches upload has none)
    return sites if sites is not None else data_sites


def friches() -> gpd.GeoDataFrame | None:
    """The friches of the session's uploaded friches file, when it placed some; else None."""
    kept = session.upload()
    if isinstance(kept, FricheUpload) and kept.result is not None and kept.result.report.usable:
        return kept.result.friches
    return None


def friches_name() -> str | None:
    """The name of the session's uploaded friches file, when its friches are the layer."""
    kept = session.upload()
    return kept.name if friches() is not None else None


def section(
    data_sites: gpd.GeoDataFrame,
    read: Callable[..., upload.UploadResult],
    join: Callable,
    lang: str,
    read_friches: Callable[[str, bytes], FrichesResult] | None = None,
) -> None:
    """The upload expander; ``read(name, data, progress)`` reads a file, ``join(frame)`` joins it;
    ``read_friches(name, data)`` reads a file that has a friches file's columns."""
    kept = session.upload()
    with st.sidebar.expander(t("upload", lang), expanded=kept is not None):
        file = st.file_uploader(
            t("upload_help", lang, mb=upload.MAX_UPLOAD_MB),
            type=["csv", "txt", "geojson", "json"],
            key="w_upload",
            on_change=session.upload_widget_changed,
        )
        if file is not None and (kept is None or kept.file_id != file.file_id) and read_friches is not None:
            if is_friches_file(file.getvalue(), file.name):
                kept = _read_friches(file, read_friches)
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
        if isinstance(kept, FricheUpload):
            _friches_report(kept, from_widget=file is not None, lang=lang)
        elif kept is not None:
            _report(kept, from_widget=file is not None, lang=lang)


def _read_friches(file, read_friches: Callable[[str, bytes], FrichesResult]) -> FricheUpload:
    """Read an uploaded friches file, keep it for the session, and show the layer."""
    try:
        kept = FricheUpload(file.file_id, file.name, read_friches(file.name, file.getvalue()))
    except DataError as error:
        kept = FricheUpload(file.file_id, file.name, None, error=str(error))
    session.keep_upload(kept)
    if kept.result is not None and kept.result.report.usable:
        session.change(friches=True, friche=None)
    return kept


def _friches_report(kept: FricheUpload, *, from_widget: bool, lang: str) -> None:
    if kept.result is None or not kept.result.report.usable:
        message("error", t("upload_friches_unusable", lang, name=kept.name, error=kept.error or ""))
        return
    report = kept.result.report
    n = fmt_int(report.placed, lang)
    message("success" if from_widget else "info", t("upload_friches_ok", lang, name=kept.name, n=n))
    if not from_widget:
        st.button(t("upload_remove", lang), on_click=session.forget_upload, key="upload_remove")
    if report.rejected:
        reasons = ", ".join(f"{code} ({fmt_int(k, lang)})" for code, k in report.by_reason.items())
        message("warning", t("upload_friches_rejected", lang, n=fmt_int(len(report.rejected), lang), reasons=reasons))


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
    if upload_report.has_report(result):  # every row not placed or read with a warning, every column ignored
        st.download_button(
            t("upload_report", lang), data=lambda: upload_report.report_csv(result, lang),
            file_name=t("upload_report_file", lang), mime="text/csv", on_click="ignore", key="dl_upload_report",
            help=t("upload_report_help", lang), width="stretch",
        )  # fmt: skip
