"""The friches layer of the web map (Cerema's Cartofriches): diamonds coloured by status,
their tooltips and cards, as one named payload that ``ReindusMap.addFriches`` draws.

A friche is a diamond, a site a circle: the two layers differ by shape, not only colour.
Every text is escaped here, once; owners and contacts never reach this module (the
importer drops them, ``geo.friches_schema.PRIVATE_COLUMNS``).
"""

from __future__ import annotations

from typing import TypedDict

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.friches_schema import FRICHE_STATUSES, FRICHE_TYPES, POLLUTION, REUSE_TYPES
from geo.i18n import t as _t
from geo.mapview import styles
from geo.mapview.cards import escape, safe_url
from geo.mapview.elements import RuntimeCall
from geo.mapview.payload import COORD_DECIMALS, lon_lat, to_json

# The card's rows, in order (labels: i18n ``friche_row_<key>``).
FRICHE_ROWS = ("type", "status", "surface", "identified", "activity", "zoning", "pollution", "reuse", "source")


class FrichePayload(TypedDict):
    """Friches drawn by ``ReindusMap.addFriches`` (documented in runtime.js)."""

    ids: list[str]
    lon: list[int]  # degrees × 10**coord_decimals
    lat: list[int]
    coord_decimals: int
    status: list[int]  # index into status_slugs / status_colors
    status_slugs: list[str]
    status_colors: list[str]
    texts: list[str]  # escaped texts, indexed by the columns below (-1: none)
    name: list[int]
    tip: list[int]  # the tooltip's second line (status · surface)
    url: list[int]  # the Cartofriches page (an escaped href)
    rows: list[dict]  # {key, label, idx}
    link: str  # the link's text
    insee: list[str]  # the friche's commune ("" when unknown), for the commune cards
    ha_hundredths: list[int]  # surface in hundredths of a hectare (-1: unknown)
    status_labels: list[str]
    commune_label: str
    radius: float


def _fmt_ha(value: float, lang: str) -> str:
    text = f"{value:,.2f}".replace(",", "\u202f" if lang == "fr" else ",")
    return (text.replace(".", ",") if lang == "fr" else text) + " ha"


def friche_texts(friches: pd.DataFrame, lang: str) -> dict[str, list[str | None]]:
    """The card's texts of each friche (plain, not escaped; None: not shown)."""

    def label(vocab, slug):
        return vocab.label(slug, lang) if isinstance(slug, str) and slug in vocab.terms else None

    def text(value):
        return value.strip() if isinstance(value, str) and value.strip() else None

    def year(value):
        return None if pd.isna(value) else str(int(value))

    out: dict[str, list[str | None]] = {k: [] for k in ("name", "tip", *FRICHE_ROWS)}
    for row in friches.itertuples(index=False):
        status = label(FRICHE_STATUSES, row.status)
        ha = None if pd.isna(row.surface_ha) else _fmt_ha(float(row.surface_ha), lang)
        out["name"].append(text(row.name) or _t("friche_unnamed", lang))
        out["tip"].append(" · ".join(x for x in (status, ha) if x))
        out["type"].append(label(FRICHE_TYPES, row.friche_type))
        out["status"].append(status)
        out["surface"].append(ha)
        identified = getattr(row, "identified_on", None)  # (hand-made frames may not have it)
        out["identified"].append(None if pd.isna(identified) else str(pd.Timestamp(identified).year))
        activity, ended = text(row.former_activity), year(row.activity_end_year)
        if ended:
            activity = f"{activity or '—'} ({_t('friche_ended', lang, year=ended)})"
        out["activity"].append(activity)
        zoning = " – ".join(x for x in (text(row.zoning_type), text(row.zoning_label)) if x)
        out["zoning"].append(zoning or None)
        out["pollution"].append(label(POLLUTION, row.pollution))
        reuse = None
        if row.status == "reused" or text(row.reuse_type) or year(row.reuse_year):
            reuse = (
                " ".join(x for x in (label(REUSE_TYPES, row.reuse_type), year(row.reuse_year)) if x) or None
            )
        out["reuse"].append(reuse)
        out["source"].append(text(row.source))
    return out


def friche_payload(friches: gpd.GeoDataFrame, lang: str, *, large: bool = False) -> FrichePayload:
    """The friches' payload: positions, status, escaped texts in one table of distinct texts."""
    table: dict[str, int] = {}

    def index(values) -> list[int]:
        return [-1 if v is None else table.setdefault(escape(v), len(table)) for v in values]

    texts = friche_texts(friches, lang)
    xs, ys = lon_lat(np.asarray(friches.geometry.values))
    scale = 10**COORD_DECIMALS
    slugs = list(FRICHE_STATUSES.terms)
    status = pd.Categorical(friches["status"], categories=slugs).codes
    urls = [safe_url(u) for u in friches["cartofriches_url"]]
    return {
        "ids": friches["id"].astype(str).tolist(),
        "lon": np.round(xs * scale).astype(np.int64).tolist(),
        "lat": np.round(ys * scale).astype(np.int64).tolist(),
        "coord_decimals": COORD_DECIMALS,
        "status": np.where(status < 0, slugs.index("unknown"), status).tolist(),
        "status_slugs": slugs,
        "status_colors": [styles.FRICHE_STATUS_COLORS[s] for s in slugs],
        "name": index(texts["name"]),
        "tip": index(texts["tip"]),
        "url": [-1 if u is None else table.setdefault(u, len(table)) for u in urls],
        "rows": [
            {"key": k, "label": escape(_t(f"friche_row_{k}", lang)), "idx": index(texts[k])}
            for k in FRICHE_ROWS
        ],
        "texts": list(table),
        "link": escape(_t("friche_link", lang)),
        # for the commune cards: the friches of a commune by status and surface (decode.js fricheSummary)
        "insee": [c if isinstance(c, str) else "" for c in _insee_of(friches)],
        "ha_hundredths": np.round(friches["surface_ha"].astype(float).fillna(-0.01).to_numpy() * 100)
        .astype(int)
        .tolist(),
        "status_labels": [escape(FRICHE_STATUSES.label(slug, lang)) for slug in slugs],
        "commune_label": escape(_t("friches_layer", lang)),
        "radius": styles.FRICHE_RADIUS_PX * (1.4 if large else 1.0),
    }


def _insee_of(friches: pd.DataFrame) -> list:
    """The commune each friche belongs to: its current code, else the code it declares."""
    if "insee" not in friches:
        return list(friches.get("insee_declared", pd.Series([None] * len(friches))))
    declared = friches["insee_declared"] if "insee_declared" in friches else friches["insee"]
    return list(friches["insee"].where(friches["insee"].notna(), declared))


def add_friches(m: folium.Map, friches: gpd.GeoDataFrame, lang: str, *, large: bool = False) -> None:
    """The friches' layer (not in the layer control: the sidebar's one toggle shows it)."""
    group = folium.FeatureGroup(name=escape(_t("friches_layer", lang)), overlay=True, control=False)
    group.add_child(
        RuntimeCall(
            "addFriches", groups="parent", data=lambda: to_json(friche_payload(friches, lang, large=large))
        )
    )
    m.add_child(group)


def legend_rows(friches: pd.DataFrame, lang: str) -> str:
    """The legend's friches section: a diamond per status present, and the extract's credit."""
    present = set(friches["status"])
    parts = [f'<div class="rc-lg-h">{escape(_t("friches_layer", lang))}</div>']
    for slug, term in FRICHE_STATUSES.terms.items():
        if slug in present:
            icon = (
                '<svg width="20" height="20" aria-hidden="true"><path d="M10 3L17 10L10 17L3 10Z" '
                f'fill="{styles.FRICHE_STATUS_COLORS[slug]}" fill-opacity="0.85" stroke="#3b2f1a" stroke-width="1.2"/>'
                "</svg>"
            )
            parts.append(f'<div class="rc-lg-row">{icon}{escape(term.label(lang))}</div>')
    parts.append(f'<div class="rc-lg-note">{escape(_t("friches_credit", lang))}</div>')
    return "".join(parts)
