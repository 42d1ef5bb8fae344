"""The explorer's panels: headline figures, notices, the share link, charts, table, exports."""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import export, friches_export
from geo.aggregate import aggregate, friche_figures, kpis
from geo.filters import YEAR_COLUMNS, FricheSelection
from geo.friches_schema import FRICHE_STATUSES
from geo.i18n import fmt_eur, fmt_int, fmt_pct, t
from geo.offload import LIMIT_S, Offload
from geo.state import Notice, State, to_query
from geo.vocab import SECTORS, STATUSES
from ui import session

SHARE_JS = (Path(__file__).parent / "share.js").read_text(encoding="utf-8")
# A download clicked while the page reruns is held until its button is drawn again (see the file).
DOWNLOADS_JS = (Path(__file__).parent / "downloads.js").read_text(encoding="utf-8")
# Downloads of this many sites or friches and more are made in a worker process, stopped past
# its limit (geo.offload): a large export no longer holds the server's GIL for everyone.
# Below, every export takes well under a second here, less than a worker's start (~2 s).
OFFLOAD_MIN_ROWS = int(os.environ.get("REINDUS_OFFLOAD_MIN_ROWS", "2000"))
OFFLOAD = Offload(limit_s=float(os.environ.get("REINDUS_EXPORT_LIMIT_S", str(LIMIT_S))))


def heavy(rows: int, job: Callable, *args, **kwargs):
    """A download's file, ``job(*args, **kwargs)``: here for fewer than OFFLOAD_MIN_ROWS rows,
    else in the worker, within its limit (:class:`geo.offload.TooLong` past it: the page says
    the export was stopped). ``job`` is a top-level function (pickled for the worker)."""
    if rows < OFFLOAD_MIN_ROWS:
        return job(*args, **kwargs)
    return OFFLOAD.run(job, *args, **kwargs)


def notice_text(notice: Notice, lang: str) -> str:
    """What a notice says: a value dropped, or changed to another (and why)."""
    fmt = {"param": notice.param, "value": notice.value[:60], "kept": notice.kept}
    if notice.reason in ("swapped", "too_long"):
        return t(f"notice_{notice.reason}", lang, **fmt)
    reason = t(f"reason_{notice.reason}", lang)
    return t("notice_changed" if notice.kept is not None else "notice_dropped", lang, reason=reason, **fmt)


def filters_in_words(state: State, names: dict[str, pd.Series], lang: str) -> str:
    """The active filters as a line of text (the PNG's subtitle): "Secteur : Verre · Emplois 100–600"."""
    spec, parts = state.spec, []

    def listed(key: str, values, label) -> None:
        if values:
            parts.append(f"{t(key, lang)} : {', '.join(label(v) for v in values)}")

    listed("sector", spec.sectors, lambda s: SECTORS[s].label(lang))
    if spec.has_jobs_bound:
        low = fmt_int(spec.jobs_min, lang) if spec.jobs_min is not None else "0"
        high = fmt_int(spec.jobs_max, lang) if spec.jobs_max is not None else "…"
        parts.append(f"{t('jobs', lang)} {low}–{high}")
    if spec.brownfield:
        parts.append(f"{t('brownfield', lang)} : {t('brownfield_' + spec.brownfield, lang).lower()}")
    listed("status", spec.statuses, lambda s: STATUSES[s].label(lang))
    listed("region", spec.regs, lambda c: names["reg"].get(c, c))
    listed("departement", spec.deps, lambda c: f"{names['dep'].get(c, c)} ({c})")
    if spec.q:
        parts.append(f"« {spec.q} »")
    if spec.near:
        km = f"{spec.km:g}".replace(".", "," if lang == "fr" else ".")
        parts.append(t("near_words", lang, km=km, commune=names["commune"].get(spec.near, spec.near)))
    return " · ".join(parts) if parts else t("all_sites_words", lang)


def export_heading(state: State, names: dict[str, pd.Series], lang: str) -> str:
    """The exported map's heading: "Carte de la réindustrialisation — <filters> — 28/11/2026"."""
    import datetime as dt

    today = dt.date.today()
    date = today.strftime("%d/%m/%Y") if lang == "fr" else today.isoformat()
    return f"{t('app_title', lang)} — {filters_in_words(state, names, lang)} — {date}"


def show_notices(notices: list[Notice], lang: str) -> None:
    for notice in notices:
        st.html(f'<div class="url-notice" role="status">⚠️ {html.escape(notice_text(notice, lang))}</div>')


def share_link(state: State, page_url: str) -> str:
    """The address of the view: the page's own address with the state's query string."""
    query = urlencode(to_query(state), doseq=True)
    page = urlsplit(page_url or "")
    base = urlunsplit((page.scheme, page.netloc, page.path or "/", "", "")) if page.netloc else ""
    return f"{base}?{query}" if query else (base or "/")


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str  # "n.c." when no site of the selection gives the figure: unknown is not zero
    note: str | None  # "sur 4 des 10 sites" when the figure rests on part of the sites
    help: str | None
    detail: str | None = None  # what the figure adds up: "dont 1 480 à créer, 500 recensés"


def kpi_values(selection: gpd.GeoDataFrame, lang: str) -> list[Kpi]:
    """The headline figures in ``lang``, each saying how many sites it rests on."""
    figures = kpis(selection)
    total = figures.sites

    def figure(label: str, known: int, value: str, help_key: str) -> Kpi:
        note = t("kpi_partial", lang, known=fmt_int(known, lang), total=fmt_int(total, lang)) if 0 < known < total else None
        shown = value if known else t("not_given", lang)
        return Kpi(t(label, lang), shown, note, t(help_key, lang, known=known, total=total))

    jobs = figure("kpi_jobs", figures.sites_with_jobs, fmt_int(figures.jobs, lang), "kpi_jobs_help")
    kinds = jobs_kinds_words(figures.jobs_by_kind, lang)
    if kinds:  # what the total adds up: figures of different kinds, each said
        jobs = Kpi(jobs.label, jobs.value, jobs.note, f"{jobs.help} {kinds[0].upper()}{kinds[1:]}.", kinds)
    return [
        Kpi(t("kpi_sites", lang), fmt_int(total, lang), None, None),
        jobs,
        figure("kpi_brownfield", figures.brownfield_known, fmt_pct(figures.brownfield_share, lang), "kpi_brownfield_help"),
        figure("kpi_investment", figures.sites_with_investment, fmt_eur(figures.investment_eur, lang), "kpi_investment_help"),
    ]


def jobs_kinds_words(jobs_by_kind: dict[str | None, int], lang: str) -> str | None:
    """What a jobs total adds up, kind by kind: "dont 1 480 à créer, 500 recensés" (None: no figure)."""
    if not jobs_by_kind:
        return None
    parts = [t(f"jobs_sum_{kind or 'unknown'}", lang, n=fmt_int(n, lang)) for kind, n in jobs_by_kind.items()]
    return t("kpi_jobs_kinds", lang, kinds=", ".join(parts))


def kpi_row(kpis: list[Kpi], key: str, first: bool = False) -> None:
    """A row of figures in a keyed box (ui/page.css: two a row on a phone): each a metric with
    its notes as captions below.

    ``first``: a session's first screen, each figure's metric as plain HTML in its place
    (ui/page.css ``.kpi-first``). st.metric would make the page fetch and compile its code
    (with st.button's, 0.25 s here) before it mounts the map's frame (issue 14). The boxes,
    columns and captions are the same in both runs, so the next run replaces each cell's
    first element in place: the row never empties while the metrics arrive (it did when
    the first screen was one HTML block, which the columns replaced, and the map below
    jumped up for a frame)."""
    for column, kpi in zip(st.container(key=key).columns(4), kpis, strict=True):
        if first:
            column.html(
                f'<div class="kpi-first"><div class="kpi-first-label">{html.escape(kpi.label)}</div>'
                f'<div class="kpi-first-value">{html.escape(kpi.value)}</div></div>'
            )
        else:
            column.metric(kpi.label, kpi.value, help=kpi.help)
        for note in (kpi.note, kpi.detail):
            if note:
                column.caption(note)


def friche_kpi_values(friches: FricheSelection | gpd.GeoDataFrame, lang: str) -> list[Kpi]:
    """The friches layer's headline figures: shown (by status), available (ha), with a project, reused (for industry)."""
    shown = FricheSelection.of(friches)
    f = friche_figures(shown.inventory, shown.keep)
    by_status = " · ".join(
        f"{FRICHE_STATUSES.label(slug, lang)} {fmt_int(n, lang)}" for slug, n in f.by_status.items() if n
    )
    ha = f"{fmt_int(round(f.available_ha), lang)} ha" if f.available_with_surface else t("not_given", lang)
    return [
        Kpi(t("kpi_friches", lang), fmt_int(f.friches, lang), by_status or None, None),
        Kpi(t("kpi_friches_available", lang), ha, t("kpi_friches_available_note", lang, n=fmt_int(f.available, lang)),
            t("kpi_friches_available_help", lang, known=f.available_with_surface, total=f.available)),
        Kpi(t("kpi_friches_project", lang), fmt_int(f.by_status["with-project"], lang), None, None),
        Kpi(t("kpi_friches_reused", lang), fmt_int(f.reused, lang),
            t("kpi_friches_industry", lang, n=fmt_int(f.reused_for_industry, lang)), None),
    ]  # fmt: skip


def kpi_row_html(selection: gpd.GeoDataFrame, lang: str) -> str:
    """The headline figures in large type, for presenter mode (read from the back of a room)."""
    cells = "".join(
        f'<div class="kpi"><div class="kpi-value">{html.escape(k.value)}</div>'
        f'<div class="kpi-label">{html.escape(k.label)}</div>'
        + (f'<div class="kpi-note">{html.escape(k.note)}</div>' if k.note else "")
        + (f'<div class="kpi-note">{html.escape(k.detail)}</div>' if k.detail else "")
        + "</div>"
        for k in kpi_values(selection, lang)
    )
    return f'<div class="kpi-row" data-testid="kpi-row">{cells}</div>'


def bars_html(title: str, rows: list[tuple[str, float | None, str]], unit: str, lang: str) -> str:
    """A ranked bar chart in plain HTML: ``rows`` are (label, value, colour), largest first;
    a value of None (no figure at all) is written "n.c." and ranked last.

    No chart library: the page loads no plotting code, and the labels are escaped like
    every other text."""
    rows = sorted(rows, key=lambda row: (row[1] is None, -(row[1] or 0), row[0]))
    top = max((value or 0 for _, value, _ in rows), default=0) or 1
    items = "".join(
        f'<div class="bar-label">{html.escape(label)}</div>'
        f'<div class="bar-track"><div class="bar" style="width:{100 * (value or 0) / top:.1f}%;'
        f'background:{html.escape(colour)}"></div></div>'
        f'<div class="bar-value">{html.escape(t("not_given", lang) if value is None else fmt_int(value, lang))}</div>'
        for label, value, colour in rows
    )
    return (
        f'<figure class="bars" data-testid="bars"><figcaption>{html.escape(title)}'
        f' <span class="bars-unit">({html.escape(unit)})</span></figcaption>'
        f'<div class="bars-grid">{items}</div></figure>'
    )


def years_html(selection: gpd.GeoDataFrame, year_of: str, lang: str) -> str:
    """Sites per year (of announcement or opening), stacked by sector, with their jobs; the
    sites whose year no source gives are counted apart, never spread over the years."""
    years = pd.to_numeric(selection[YEAR_COLUMNS[year_of]], errors="coerce") if len(selection) else pd.Series(dtype=float)
    known = selection[years.notna()]
    rows = []
    for year, group in known.groupby(years[years.notna()].astype(int)):
        by_sector = group["sector"].value_counts()
        segments = "".join(
            f'<div class="seg" style="width:{100 * n / len(group):.1f}%;background:{html.escape(SECTORS[s].color)}"'
            f' title="{html.escape(SECTORS[s].label(lang))} : {n}"></div>'
            for s, n in by_sector.items()
        )
        rows.append((str(year), len(group), segments, _jobs_words(group, lang)))
    top = max((n for _, n, _, _ in rows), default=1)
    items = "".join(
        f'<div class="bar-label">{year}</div><div class="bar-track"><div class="stack" style="width:{100 * n / top:.1f}%">'
        f'{segments}</div></div><div class="bar-value">{html.escape(t("year_sites", lang, n=n, jobs=jobs))}</div>'
        for year, n, segments, jobs in rows
    )
    unknown = len(selection) - len(known)
    if unknown:
        items += (
            f'<div class="bar-label">{html.escape(t("year_unknown", lang))}</div><div></div>'
            f'<div class="bar-value">{html.escape(t("year_sites", lang, n=unknown, jobs=_jobs_words(selection[years.isna()], lang)))}</div>'
        )
    title = t(f"by_year_{year_of}", lang)
    return f'<figure class="bars" data-testid="years"><figcaption>{html.escape(title)}</figcaption><div class="bars-grid">{items}</div></figure>'


def _jobs_words(sites: gpd.GeoDataFrame, lang: str) -> str:
    jobs = pd.to_numeric(sites["jobs"], errors="coerce")
    return fmt_int(jobs.sum(), lang) if jobs.notna().any() else t("not_given", lang)


def charts(selection: gpd.GeoDataFrame, regions: gpd.GeoDataFrame, lang: str, year_of: str = "announced") -> None:
    if selection.empty:
        return
    left, right = st.columns(2, gap="large")
    per_sector = selection["sector"].value_counts()
    left.html(
        bars_html(
            t("by_sector", lang),
            [(SECTORS[s].label(lang), n, SECTORS[s].color) for s, n in per_sector.items()],
            t("kpi_sites", lang).lower(),
            lang,
        )
    )
    regions = regions.set_index("code")
    by_region = aggregate(selection, regions["population"], "region")
    names = regions["nom"]
    # a région none of whose sites gives a jobs figure: unknown (n.c.), not 0
    known = selection.groupby("reg")["jobs"].count()
    right.html(
        bars_html(
            t("by_region", lang),
            [
                (names.get(code, code), jobs if known.get(code, 0) else None, "#4a6fa5")
                for code, jobs in zip(by_region["code"], by_region["jobs"], strict=True)
            ],
            t("kpi_jobs", lang).lower(),
            lang,
        )
    )
    st.html(years_html(selection, year_of, lang))


TABLE_MAX_ROWS = 5000  # more is for the CSV export: the page stays light at 100,000 sites


# The table's columns: (header key, width in pixels, right-aligned). At 1400 px the main
# column is 1,020 px wide: the widths and the rows' selection boxes (TABLE_SELECT_WIDTH) add
# up to less, so every column shows without a horizontal scroll (long names are cut, as the
# card and the CSV have them whole). On a phone the table scrolls sideways.
TABLE_SELECT_WIDTH = 35
TABLE_COLUMNS = (
    ("th_name", 160, False), ("th_company", 85, False), ("sector", 135, False), ("status", 95, False),
    ("th_commune", 125, False), ("jobs", 65, True), ("kpi_brownfield", 70, False),
    ("th_investment", 100, True), ("f_announced", 65, True), ("f_opened", 70, True),
)  # fmt: skip


def _table_order(selection: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The sites in the table's order: most jobs first (unknown last), then by name."""
    selection = selection.assign(_jobs=pd.to_numeric(selection["jobs"], errors="coerce"))
    return selection.sort_values(["_jobs", "name"], ascending=[False, True], na_position="last", kind="stable")


def sites_table_frame(selection: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    """The sites as the table shows them: most jobs first (unknown last), every value as text
    in the page's language, an unknown figure "n.c." (a number column would show "None")."""
    selection = _table_order(selection)
    unknown = t("not_given", lang)

    def text(values: pd.Series, show: Callable[[object], str]) -> pd.Series:
        return values.map(show, na_action="ignore").astype(object).where(values.notna(), unknown)

    def column(name: str) -> pd.Series:
        return selection[name] if name in selection else pd.Series(None, index=selection.index, dtype=object)

    names = zip(column("commune_nom"), column("dep_nom"), column("commune"), strict=True)
    commune = [next((n for n in three if isinstance(n, str) and n), "") for three in names]
    dep = column("dep")
    table = {
        "th_name": selection["name"],
        "th_company": column("company").fillna(""),
        "sector": selection["sector"].map(lambda s: SECTORS[s].label(lang) if s in SECTORS else s),
        "status": selection["status"].map(lambda s: STATUSES[s].label(lang) if s in STATUSES else s),
        "th_commune": [f"{c} ({d})" if c and d else c or d or "" for c, d in zip(commune, dep, strict=True)],
        "jobs": text(selection["_jobs"], lambda v: fmt_int(v, lang)),
        "kpi_brownfield": column("brownfield").astype("boolean").map(
            {True: t("brownfield_yes", lang), False: t("brownfield_no", lang)}, na_action="ignore"
        ).astype(object).fillna(unknown),
        "th_investment": text(pd.to_numeric(column("investment_eur"), errors="coerce"), lambda v: fmt_eur(v, lang)),
        "f_announced": text(column("announced"), str),
        "f_opened": text(pd.to_numeric(column("opened"), errors="coerce"), lambda v: str(int(v))),
    }
    # Headers for reading (the exports keep their machine-friendly column names).
    frame = pd.DataFrame({t(key, lang): values for key, values in table.items()})
    return frame.reset_index(drop=True)


def sites_table(selection: gpd.GeoDataFrame, lang: str) -> None:
    st.subheader(t("table", lang))
    if len(selection) > TABLE_MAX_ROWS:
        st.caption(
            t("table_capped", lang, n=fmt_int(TABLE_MAX_ROWS, lang), total=fmt_int(len(selection), lang))
        )
        selection = selection.sort_values("jobs", ascending=False, na_position="last").head(TABLE_MAX_ROWS)
    config = {
        t(key, lang): st.column_config.TextColumn(width=width, alignment="right" if right else "left")
        for key, width, right in TABLE_COLUMNS
    }
    ordered = _table_order(selection)
    # a row selected opens its site (by id: the rows' positions are those of this frame)
    st.dataframe(
        sites_table_frame(ordered, lang), hide_index=True, width="stretch", column_config=config,
        **session.bind_table(list(ordered["id"])),
    )  # fmt: skip


def exports(selection: gpd.GeoDataFrame, map_html: Callable[[], str], map_png: Callable[[], bytes], lang: str) -> None:
    """The download buttons. Each deferred callable holds what it needs, captured when the
    button is drawn (it runs outside the script run: no session, no widget state).
    ``downloads.js`` holds a click made during a rerun until the button is drawn again:
    the callable it had is gone once the run ends. Large files are made in a worker (:func:`heavy`)."""
    st.subheader(t("export", lang))
    st.html(
        f'<span id="rc-dl-failed" hidden data-text="{html.escape(t("export_failed", lang, limit=fmt_int(round(OFFLOAD.limit_s), lang)))}"></span>'
        f"<script>{DOWNLOADS_JS}</script>",
        unsafe_allow_javascript=True,
    )
    n = len(selection)
    buttons = [
        ("export_csv", lambda: heavy(n, export.sites_csv, selection, lang), "sites-reindustrialisation.csv",
         "text/csv", "dl_csv"),
        ("export_geojson", lambda: heavy(n, export.sites_geojson, selection), "sites-reindustrialisation.geojson",
         "application/geo+json", "dl_geojson"),
        ("export_gpkg", lambda: heavy(n, export.sites_gpkg, selection), "sites-reindustrialisation.gpkg",
         "application/geopackage+sqlite3", "dl_gpkg"),
        ("export_html", map_html, "carte-reindustrialisation.html", "text/html", "dl_html"),
        ("export_png", map_png, "carte-reindustrialisation.png", "image/png", "dl_png"),
    ]  # fmt: skip
    for column, (label, data, file_name, mime, key) in zip(st.columns(len(buttons)), buttons, strict=True):
        column.download_button(
            t(label, lang), data=data, file_name=file_name, mime=mime, on_click="ignore", key=key, width="stretch"
        )


def friche_exports(friches: FricheSelection | gpd.GeoDataFrame, lang: str) -> None:
    """The friches shown as CSV and GeoJSON (``geo.friches_export``: no owner or contact column);
    their frame made when a download is asked for, not on every run."""
    shown = FricheSelection.of(friches)
    buttons = [
        ("export_friches_csv", lambda: heavy(len(shown), friches_export.friches_csv, shown.frame, lang),
         "friches-cartofriches.csv", "text/csv", "dl_friches_csv"),
        ("export_friches_geojson",
         lambda: heavy(len(shown), friches_export.friches_export_geojson, shown.frame),
         "friches-cartofriches.geojson", "application/geo+json", "dl_friches_geojson"),
    ]  # fmt: skip
    for column, (label, data, file_name, mime, key) in zip(st.columns(len(buttons)), buttons, strict=True):
        column.download_button(
            t(label, lang), data=data, file_name=file_name, mime=mime, on_click="ignore", key=key, width="stretch"
        )
    st.caption(t("export_friches_note", lang, n=fmt_int(len(shown), lang)))


def share_row(state: State, page_url: str) -> None:
    """The link to the current view, right under the map, with a copy button."""
    lang = state.view.lang
    link = html.escape(share_link(state, page_url))
    st.html(
        f'<div class="share-row" data-testid="share-link"><span title="{html.escape(t("copy_link_help", lang))}">'
        f"{html.escape(t('copy_link', lang))}</span>"
        f'<input type="text" readonly value="{link}" aria-label="{html.escape(t("copy_link", lang))}">'
        f'<button type="button" data-done="{html.escape(t("copied", lang))}">{html.escape(t("copy", lang))}</button>'
        f"</div><script>{SHARE_JS}</script>",
        unsafe_allow_javascript=True,
    )


