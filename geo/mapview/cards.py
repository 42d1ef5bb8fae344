"""The texts of the map's tooltips and cards: escaped and formatted once per frame and
language, then picked by row for each map.

Every text that comes from data is escaped with :func:`html.escape` here, before it goes
into a payload; the browser only concatenates those escaped strings inside the runtime's
own markup.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from geo.encode import StringTable
from geo.i18n import NBSP, TEXTS, fmt_eur, fmt_int
from geo.i18n import t as _t
from geo.vocab import PRECISIONS, SECTORS, STATUSES

# The first columns of a site's texts are the marker's own; the rest are card rows.
SITE_HEAD = ("name", "place", "jobs_text", "sub", "insee")
# Where the data's own extra properties go among a site's card rows (each as ``x_<name>``).
EXTRA_ROWS = "x_*"
# A site's card rows, in the order an audience reads them (under the title, its name, and
# the line of its sector and status): what it makes and who, where, its jobs and their
# kind, the other figures, the brownfield and its former use, the years, the sources;
# then the notes (long, often where the point was put), the data's other properties, and
# the codes last.
SITE_CARD_ROWS = (
    "f_activity", "f_company", "f_place", "f_area",
    "f_jobs", "f_investment_eur", "f_surface_m2",
    "f_brownfield", "f_brownfield_history", "f_former_closed", "f_on_friche", "f_friches_near",
    "f_announced", "f_opened",
    "f_sources", "f_notes",
    EXTRA_ROWS,
    "f_insee", "f_location_precision", "f_id",
)  # fmt: skip
# Row labels of the commune card, in order.
COMMUNE_ROWS = ("f_insee", "f_population", "f_epci", "f_departement", "f_region", "f_sites", "f_commune_jobs",
                "f_jobs_per_1000")  # fmt: skip
# Columns a site card does not show as rows: drawn elsewhere in the card (title, header),
# internal, or the commune's own figures (on the commune card).
_CARD_SKIP = {
    "geometry", "name", "sector", "status", "layer", "search_text", "lon", "lat", "population",
    "epci", "commune", "commune_nom", "dep", "dep_nom", "reg", "reg_nom", "insee", "jobs_note",
    "jobs_kind", "sources", "id", "cluster", "year", "announced_year", "dates_source",
}  # fmt: skip


def escape(value: object) -> str:
    """Escape any value for HTML (text and attribute contexts)."""
    return _escape(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=65536)
def _escape(text: str) -> str:
    # Data repeats itself (communes, départements, companies, labels): escape each text once.
    return html.escape(text, quote=True)


def safe_url(url: object) -> str | None:
    """``url`` escaped for an ``href`` when it is an absolute http(s) URL, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not re.match(r"(?i)https?://\S", url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return html.escape(url, quote=True)


def labels_for(keys: Iterable[str], lang: str) -> dict[str, str]:
    """Row labels of the cards (escaped); extra data columns keep their own name."""
    return {k: escape(_t(k, lang)) if k.startswith("f_") else escape(k[2:]) for k in keys}


def missing_to_none(value: object) -> object:
    """None for every flavour of missing (None, NaN, pd.NA, NaT, empty text)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (bool, int, np.integer, list, tuple, dict, np.ndarray)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def place_of(row: Mapping) -> str | None:
    """The commune a site is in, by name."""
    return missing_to_none(row.get("commune_nom")) or missing_to_none(row.get("commune"))


def jobs_text(jobs: object, lang: str) -> str:
    if jobs is None:
        return _t("jobs_unknown", lang)
    return _t("one_job", lang) if int(jobs) == 1 else _t("n_jobs", lang, n=fmt_int(int(jobs), lang))


def jobs_with_kind(jobs: object, kind: object, lang: str) -> str:
    """A jobs figure with what it counts: "700 emplois (à créer)"; no kind, the figure alone."""
    text = jobs_text(jobs, lang)
    return f"{text} ({_t(f'jobs_kind_{kind}', lang)})" if jobs is not None and kind else text


def decimal_text(value: float, lang: str) -> str:
    text = f"{float(value):.1f}"
    return text.replace(".", ",") if lang == "fr" else text


# --------------------------------------------------------------------------- text tables


@dataclass
class CardTexts:
    """Every entry's tooltip and card texts, escaped once per (frame, language).

    ``codes[i, j]`` indexes ``strings`` (-1: nothing to show) for entry ``i`` and column
    ``keys[j]``. A filter change only takes rows of ``codes``: no text is formatted again.
    """

    strings: list[str]
    keys: list[str]
    codes: np.ndarray
    ids: pd.Index

    def positions(self, ids: pd.Series) -> np.ndarray:
        where = self.ids.get_indexer(ids.astype(str))
        if (where < 0).any():
            raise ValueError("build_map: some sites or communes are not in the frame their texts come from")
        return where

    def rows_of(self, ids: pd.Series) -> np.ndarray:
        return self.codes[self.positions(ids)]

    @functools.cached_property
    def _with_none(self) -> np.ndarray:
        return np.array([*self.strings, None], dtype=object)  # index -1 reads None

    @functools.cached_property
    def inline(self) -> np.ndarray:
        """Per column: are most texts different (names, codes)? Then they travel as texts,
        not as indices into the map's string table. Decided once, on the whole frame."""
        n = len(self.codes)
        return np.array(
            [n > 20 and len(np.unique(self.codes[:, j])) > n // 2 for j in range(len(self.keys))], bool
        )

    def columns(
        self, rows: np.ndarray, table: StringTable, keys: Iterable[str] | None = None
    ) -> dict[str, dict]:
        """Payload columns of ``rows`` (from :meth:`rows_of`): ``{key, table: [index]}`` or
        ``{key, text: [text]}``; ``table`` gets each text used, once."""
        keep = None if keys is None else set(keys)
        wanted = [j for j, k in enumerate(self.keys) if keep is None or k in keep]
        lookup = self._lookup(rows[:, [j for j in wanted if not self.inline[j]]], table)
        out: dict[str, dict] = {}
        for j in wanted:
            key = self.keys[j]
            if self.inline[j]:
                out[key] = {"key": key, "text": self._with_none[rows[:, j]].tolist()}
            else:
                out[key] = {"key": key, "table": lookup[rows[:, j]].tolist()}
        return out

    def _lookup(self, codes: np.ndarray, table: StringTable) -> np.ndarray:
        """Our string index → the map's table index (-1 stays -1); the most used texts get
        the shortest indices."""
        lookup = np.full(len(self.strings) + 1, -1, dtype=np.int64)  # index -1 reads -1
        if codes.size:
            counts = np.bincount(codes[codes >= 0], minlength=len(self.strings))
            used = np.flatnonzero(counts)
            used = used[np.argsort(-counts[used], kind="stable")]
            strings = self.strings
            lookup[used] = table.add_many([strings[u] for u in used.tolist()])
        return lookup


class _Columns:
    """Builds text columns: each distinct value's HTML is made once, then indexed."""

    def __init__(self, frame: pd.DataFrame, table: StringTable) -> None:
        self.frame, self.table, self.n = frame, table, len(frame)
        self.keys: list[str] = []
        self.columns: list[np.ndarray] = []

    def get(self, column: str) -> list:
        if column in self.frame:
            return [missing_to_none(v) for v in self.frame[column].tolist()]
        return [None] * self.n

    def _factorize(self, columns: list[str]) -> tuple[np.ndarray, list[tuple]]:
        """Codes of the rows' values and the distinct values (missing ones as None)."""
        present = [c for c in columns if c in self.frame]
        if (
            len(present) == 1
            and len(columns) == 1
            and self.frame[present[0]].map(type).isin([list, dict, np.ndarray]).sum() == 0
        ):
            codes, uniques = pd.factorize(self.frame[present[0]], use_na_sentinel=True)
            return codes, [(missing_to_none(u),) for u in uniques]
        values = list(zip(*(self.get(c) for c in columns), strict=True))
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        return codes, list(uniques)

    def add(self, key: str, columns: list[str], html_of: Callable, *, keys: list | None = None) -> None:
        if keys is None:
            codes, uniques = self._factorize(columns)
            texts = [html_of(*u) for u in uniques]
            if (codes < 0).any():  # the rows where the single column is missing
                texts.append(html_of(*([None] * len(columns))))
                codes = np.where(codes < 0, len(uniques), codes)
        else:
            codes, uniques = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=True)
            texts = [html_of(u) for u in uniques]
        lookup = [self.table.add(text) if text else -1 for text in texts]
        lookup.append(-1)
        self.keys.append(key)
        self.columns.append(np.asarray(lookup, dtype=np.int32)[codes])

    def texts(self, ids: pd.Series) -> CardTexts:
        codes = np.column_stack(self.columns) if self.columns else np.zeros((self.n, 0), np.int32)
        return CardTexts(self.table.strings, self.keys, codes, pd.Index(ids.astype(str)))


# --------------------------------------------------------------------------- sites


def _text(value: object) -> str | None:
    return escape(value) if value is not None else None


def _area(dep, dep_nom, reg_nom) -> str | None:
    dep_text = f"{dep_nom} ({dep})" if dep and dep_nom else dep_nom or dep
    return escape(" · ".join(str(v) for v in (dep_text, reg_nom) if v)) or None


def _extra(value: object) -> str | None:
    return None if value is None or isinstance(value, (list, dict, tuple, np.ndarray)) else escape(value)


def _site_rows(lang: str) -> list[tuple[str, list[str], Callable]]:
    """(key, columns, html of their values) of a site's texts: the marker's, then the card
    rows (in any order: :data:`SITE_CARD_ROWS` orders them; the sources are made apart)."""
    jobs = lambda j: escape(jobs_text(j, lang))  # noqa: E731
    return [
        ("name", ["name"], _text),
        ("place", ["commune_nom", "commune", "dep_nom", "dep"], lambda a, b, c, d: _text(a or b or c or d)),
        ("jobs_text", ["jobs"], jobs),
        ("sub", ["sector", "status", "layer"], lambda s, st, layer: _card_sub(s, st, layer, lang)),
        ("insee", ["insee"], _text),
        ("f_company", ["company"], _text),
        ("f_activity", ["activity"], _text),
        ("f_place", ["commune_nom", "commune"], lambda a, b: _text(a or b)),
        ("f_insee", ["insee"], _text),
        ("f_area", ["dep", "dep_nom", "reg_nom"], _area),
        ("f_jobs", ["jobs", "jobs_kind", "jobs_note"],
         lambda j, kind, note: escape(jobs_with_kind(j, kind, lang))
         + (f'<div class="rc-note">{escape(note)}</div>' if note else "")),
        ("f_brownfield", ["brownfield"],
         lambda b: escape(_t("unknown" if b is None else "yes" if bool(b) else "no", lang))),
        ("f_brownfield_history", ["brownfield_history"], _text),
        ("f_investment_eur", ["investment_eur"],
         lambda v: escape(fmt_eur(float(v), lang)) if v is not None else None),
        ("f_surface_m2", ["surface_m2"],
         lambda v: escape(f"{fmt_int(float(v), lang)} m²") if v is not None else None),
        ("f_announced", ["announced"], lambda v: escape(month_year(v, lang)) if v else None),
        ("f_opened", ["opened"], lambda v: escape(int(v)) if v is not None else None),
        ("f_former_closed", ["former_closed"], lambda v: escape(int(v)) if v is not None else None),
        # the friches layer's link (geo.friches_near), when the app gives the columns: else no row
        ("f_friches_near", ["_friches_n", "_friches_by_status", "_friches_ha"],
         lambda n, by, ha: escape(friches_near_text(n, by, ha, lang)) if n is not None else None),
        ("f_on_friche", ["_on_friche"], lambda name: escape(on_friche_text(name, lang)) if name is not None else None),
        ("f_location_precision", ["location_precision"],
         lambda p: escape(PRECISIONS[p].label(lang) if p in PRECISIONS else p) if p else None),
        ("f_notes", ["notes"], _text),
        ("f_id", ["id"], _text),
    ]  # fmt: skip


def friches_near_text(n: int, by_status: tuple, ha: float | None, lang: str) -> str:
    """The friches near a site: "12 : 5 sans projet, 4 avec projet, 3 potentielles · 38 ha"."""
    from geo.friches_near import STATUS_SLUGS

    if not n:
        return _t("friches_near_none", lang)
    parts = [
        _t(f"friches_near_{s}", lang, n=fmt_int(int(k), lang))
        for s, k in zip(STATUS_SLUGS, by_status, strict=True)
        if k
    ]
    text = f"{fmt_int(int(n), lang)}{NBSP if lang == 'fr' else ''}: {', '.join(parts)}"
    if ha is not None and ha == ha:
        text += f" · {fmt_int(round(ha), lang) if ha >= 10 else decimal_text(ha, lang)} ha"
    return text


def on_friche_text(name: object, lang: str) -> str:
    """Whether a site stands on an inventoried friche: "oui : <its name>" or "non"."""
    if isinstance(name, str) and name:
        return _t("on_friche_yes", lang, name=name)
    return _t("on_friche_no", lang)


_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip


def month_year(value: str, lang: str) -> str:
    """An announcement date as people read it: "2020", or "février 2020" / "February 2020"."""
    year, _, month = str(value).partition("-")
    return f"{_MONTHS[lang][int(month) - 1]} {year}" if month else year


def site_cards(sites: pd.DataFrame, lang: str) -> CardTexts:
    """Every site's marker texts (:data:`SITE_HEAD`) and card rows (in the order of
    :data:`SITE_CARD_ROWS`), escaped and formatted."""
    cols = _Columns(sites, StringTable())
    rows = {key: (columns, html_of) for key, columns, html_of in _site_rows(lang)}
    for key in SITE_HEAD:
        cols.add(key, *rows[key])
    for key in SITE_CARD_ROWS:
        if key == EXTRA_ROWS:
            for column in _extra_columns(sites):
                cols.add(f"x_{column}", [column], _extra)
        elif key == "f_sources":
            cols.add(
                key,
                [],
                lambda key: _sources_html(json.loads(key)) if key else None,
                keys=[_sources_key(s) for s in cols.get("sources")],
            )
        else:
            cols.add(key, *rows[key])
    return cols.texts(sites["id"])


def _extra_columns(sites: pd.DataFrame) -> list[str]:
    """The data's properties no row of its own shows (a card row each, by their own name)."""
    geometry = getattr(sites, "_geometry_column_name", None)
    return [
        column
        for column in sites.columns
        if column not in _CARD_SKIP
        and f"f_{column}" not in TEXTS
        and not column.startswith("_")
        and column != geometry
    ]


def _sources_key(sources: object) -> str | None:
    if isinstance(sources, np.ndarray):
        sources = sources.tolist()
    if not isinstance(sources, (list, tuple)) or not sources:
        return None
    return json.dumps(sources, ensure_ascii=False, sort_keys=True, default=str)


def _card_sub(sector: str, status: object, layer: object, lang: str) -> str:
    term = SECTORS[sector]
    bits = [f'<span class="rc-dot" style="background:{term.color}"></span>{escape(term.label(lang))}']
    if status:
        bits.append(escape(STATUSES[status].label(lang) if status in STATUSES else status))
    if layer == "upload":
        bits.append(f'<span class="rc-badge">{escape(_t("upload_badge", lang))}</span>')
    return " · ".join(bits)


def _source_html(source: object) -> str:
    if not isinstance(source, Mapping):
        return f"<li>{escape(source)}</li>"
    title = missing_to_none(source.get("title")) or missing_to_none(source.get("url")) or "?"
    href = safe_url(source.get("url"))
    head = (
        f'<a href="{href}" target="_blank" rel="noopener noreferrer">{escape(title)}</a>'
        if href
        else escape(title)
    )
    extra = (missing_to_none(source.get("publisher")), missing_to_none(source.get("date")))
    rest = ", ".join(escape(v) for v in extra if v)
    return f"<li>{head}{' — ' + rest if rest else ''}</li>"


def _sources_html(sources: object) -> str | None:
    if isinstance(sources, np.ndarray):
        sources = sources.tolist()
    if not isinstance(sources, (list, tuple)) or not sources:
        return None
    return f'<ul class="rc-sources">{"".join(_source_html(s) for s in sources)}</ul>'


# --------------------------------------------------------------------------- communes


def commune_texts(communes: pd.DataFrame, names: dict[str, dict[str, str]], lang: str) -> CardTexts:
    """The static texts of commune cards (name, code, population, EPCI, département, région)."""
    cols = _Columns(communes, StringTable())
    cols.add("name", ["nom"], _text)
    cols.add("f_insee", ["insee"], _text)
    cols.add("f_population", ["population"], lambda v: escape(fmt_int(v, lang)) if v is not None else None)
    cols.add("f_epci", ["epci"], lambda v: escape(v) if v else None)
    cols.add(
        "f_departement",
        ["dep"],
        lambda dep: escape(f"{names['dep'].get(str(dep), '')} ({dep})".strip()) if dep else None,
    )
    cols.add("f_region", ["reg"], lambda reg: escape(names["reg"].get(str(reg), str(reg))) if reg else None)
    return cols.texts(communes["insee"])


def commune_figures(figures: pd.DataFrame, table: StringTable, lang: str) -> dict[str, dict]:
    """Payload columns of the communes' figures of this map (``jobs``, ``n`` sites, ``p`` per 1,000)."""
    cols = _Columns(figures, table)
    cols.add("jobs_text", ["jobs"], lambda j: escape(jobs_text(j, lang)))
    cols.add("f_sites", ["n"], lambda n: escape(fmt_int(int(n or 0), lang)))
    cols.add("f_jobs_per_1000", ["p"], lambda p: escape(decimal_text(p, lang)) if p is not None else None)
    return {k: {"key": k, "table": v.tolist()} for k, v in zip(cols.keys, cols.columns, strict=True)}
