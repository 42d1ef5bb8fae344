"""The friches layer of the web map (Cerema's Cartofriches): diamonds coloured by status,
their tooltips and cards, as one named payload that ``ReindusMap.addFriches`` draws.

A friche is a diamond, a site a circle: the two layers differ by shape, not only colour.
Every text is escaped here, once; owners and contacts never reach this module (the
importer drops them, ``geo.friches_schema.PRIVATE_COLUMNS``).

At national scale (the full inventory, ~28,000 friches) the layer follows the sites'
design (:mod:`geo.served`): a :class:`FricheCatalog` of the app's whole inventory writes
every friche once, per language, as a served file, and each map carries only a bit mask
of the friches it shows (:class:`ServedFriches`); above :data:`CLUSTER_MIN_FRICHES`
friches shown, the runtime clusters them (markers only for what is on screen).
"""

from __future__ import annotations

import functools
from typing import TypedDict

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo import assets
from geo.filters import FricheSelection
from geo.friches_schema import FRICHE_STATUSES, FRICHE_TYPES, POLLUTION, REUSE_TYPES
from geo.i18n import fmt_int
from geo.i18n import t as _t
from geo.mapview import styles
from geo.mapview.cards import escape, safe_url
from geo.mapview.elements import RuntimeCall
from geo.mapview.payload import (
    COORD_DECIMALS,
    json_lines,
    lon_lat,
    selection_indices,
    selection_mask,
    to_json,
)
from geo.served import FileStore, served_or_none

# The card's rows, in order (labels: i18n ``friche_row_<key>``).
FRICHE_ROWS = ("type", "status", "surface", "identified", "activity", "zoning", "pollution", "reuse", "source")
# From this many friches in the inventory the app holds (the full national file, ~28,000),
# they travel as one served file written once, and each map carries a bit mask. The
# shipped extract (2,594 friches, ~740 KB) stays inside the map, as before.
SERVE_MIN_FRICHES = 5_000
# Above this many friches shown, the layer is clustered (as sites above CLUSTER_MIN_SITES).
CLUSTER_MIN_FRICHES = 5_000
# The payload's entries that are one per friche (the rest is shared: texts, labels, colours).
PER_FRICHE = ("ids", "lon", "lat", "status", "name", "tip", "url", "insee", "ha_hundredths")


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
    cluster_title: str  # a cluster's tooltip ("{n} friches")


# The first line of a served friches' file (payload.json_lines): what drawing the markers
# and their clusters needs; the card texts and the commune cards' columns follow.
FRICHE_MARKER_PART = ("ids", "lon", "lat", "coord_decimals", "status", "status_slugs", "status_colors", "cluster_title")


class ServedFriches(TypedDict):
    """Friches of a served file (``geo.served``): those the bit mask ``selection`` marks."""

    file: str  # URL of the gzip-compressed FrichePayload of the whole inventory
    selection: str | None  # base64, bit i % 8 of byte i // 8 for friche i; None: all
    count: int
    radius: float  # (presenter mode draws them larger: not in the file)
    failed: str  # what the map says when the file cannot be read (text, not HTML)


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
        "radius": _radius(large),
        "cluster_title": escape(_t("n_friches", lang)),
    }


def _radius(large: bool) -> float:
    return styles.FRICHE_RADIUS_PX * (1.4 if large else 1.0)


def _insee_of(friches: pd.DataFrame) -> list:
    """The commune each friche belongs to: its current code, else the code it declares."""
    if "insee" not in friches:
        return list(friches.get("insee_declared", pd.Series([None] * len(friches))))
    declared = friches["insee_declared"] if "insee_declared" in friches else friches["insee"]
    return list(friches["insee"].where(friches["insee"].notna(), declared))


class FricheCatalog:
    """The served file (per language and store) of one frame of friches: the app's whole
    inventory, kept by the app between maps (``Background.friche_catalog``), so that a
    filter change only picks rows. Never mutate the frame after its first map."""

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        self.frame = frame
        self._ids = pd.Index(frame["id"].astype(str))
        self._files: dict[tuple[str, str], str] = {}

    def __len__(self) -> int:
        return len(self.frame)

    @functools.cached_property
    def lon_lat(self) -> tuple[np.ndarray, np.ndarray]:
        """Every friche's longitude and latitude (the frame's CRS), read once: a map's view
        takes those of the friches it shows."""
        return lon_lat(np.asarray(self.frame.geometry.values))

    def payload(self, lang: str) -> FrichePayload:
        """Every friche's payload (made again when asked: once written, the file is what is
        kept, not 30,000 friches' lists of Python objects)."""
        return friche_payload(self.frame, lang)

    def positions(self, ids: pd.Series) -> np.ndarray:
        """The rows of the catalog's frame holding ``ids`` (each must be there)."""
        at = self._ids.get_indexer(ids.astype(str))
        if (at < 0).any():
            missing = list(ids[at < 0][:5])
            raise ValueError(f"build_map: friches {missing} are not in the frame friches_from")
        return at

    def positions_of(self, friches: FricheSelection) -> np.ndarray:
        """The rows of the catalog's frame holding the friches shown: the selection's own
        positions when it was made of that frame (the app's: no id looked up), else by ids."""
        return friches.positions if friches.inventory is self.frame else self.positions(friches.column("id"))

    def served_file(self, lang: str, files: FileStore) -> str:
        """Every friche of the frame as one file of ``files``, written once (again if deleted)."""
        key = (lang, str(files.directory))
        known = self._files.get(key)
        if known is not None and files.has(known):
            return known
        data = json_lines(self.payload(lang), FRICHE_MARKER_PART)  # (the markers first, as the sites')
        self._files[key] = files.publish(data, "friches")
        return self._files[key]


def select_friches(file: FrichePayload, served: ServedFriches) -> FrichePayload:
    """The friche payload of a served selection (decode.js's ``selectFriches``): the
    file's friches its mask marks, drawn at the map's radius."""
    idx = selection_indices(served["selection"])

    def pick(a: list) -> list:
        return a if idx is None else [a[i] for i in idx]

    out = dict(file) | {k: pick(file[k]) for k in PER_FRICHE}
    out["rows"] = [dict(row, idx=pick(row["idx"])) for row in file["rows"]]
    return out | {"radius": served["radius"]}  # type: ignore[return-value]


def add_friches(
    m: folium.Map,
    friches: gpd.GeoDataFrame | FricheSelection,
    lang: str,
    *,
    large: bool = False,
    cluster: bool | None = None,
    catalog: FricheCatalog | None = None,
    files: FileStore | None = None,
) -> tuple[ServedFriches, bool] | None:
    """The friches' layer (not in the layer control: the sidebar's one toggle shows it);
    returns its served selection and whether it is clustered, when it reads a served file.

    ``cluster``: by default above :data:`CLUSTER_MIN_FRICHES` friches. With ``catalog``
    (the whole inventory ``friches`` was filtered from) of :data:`SERVE_MIN_FRICHES`
    friches or more and ``files``, the friches travel as the catalog's served file and
    the map carries only which of them it shows (``friches`` may then be the inventory's
    :class:`~geo.filters.FricheSelection`: no frame of the friches shown is made).
    """
    friches = FricheSelection.of(friches)
    if cluster is None:
        cluster = len(friches) > CLUSTER_MIN_FRICHES
    group = folium.FeatureGroup(name=escape(_t("friches_layer", lang)), overlay=True, control=False)
    name = _served_file(catalog, lang, files)
    if name is not None:
        served: ServedFriches = {
            "file": files.url_of(name),
            "selection": selection_mask(catalog.positions_of(friches), len(catalog)),
            "count": len(friches),
            "radius": _radius(large),
            "failed": _t("friches_failed", lang),
        }
        data = to_json(served)
        read = (served, cluster)
    else:
        data = lambda: to_json(friche_payload(friches.frame, lang, large=large))  # noqa: E731
        read = None
    # Only a clustered layer needs Supercluster (served by the app).
    js = [("supercluster", assets.asset_url("supercluster"))] if cluster else []
    group.add_child(
        RuntimeCall("addFriches", groups="parent", data=data, args=({"cluster": cluster},), default_js=js)
    )
    m.add_child(group)
    return read


def _served_file(catalog: FricheCatalog | None, lang: str, files: FileStore | None) -> str | None:
    """The catalog's served file, when its friches go to one: many of them, and the store
    writable (an uploaded inventory is never given as a catalog: it stays in its session)."""
    if catalog is None or files is None or len(catalog) < SERVE_MIN_FRICHES:
        return None
    return served_or_none("friches", files, lambda: catalog.served_file(lang, files))


def inventory_credit(name: str | None, total: int, lang: str) -> str:
    """The credit of the inventory shown: the shipped extract's (``name`` None), or the file's
    name and size (the national file given with ``--friches``, a synthetic one, an upload)."""
    if name is None:
        return _t("friches_credit", lang)
    return _t("friches_credit_file", lang, name=name, n=fmt_int(total, lang))


def legend_rows(friches: pd.DataFrame | FricheSelection, lang: str, credit: str | None = None) -> str:
    """The legend's friches section: a diamond per status present, and the inventory's credit
    (:func:`inventory_credit`; the shipped extract's by default)."""
    present = set(FricheSelection.of(friches).column("status").unique())
    parts = [f'<div class="rc-lg-h">{escape(_t("friches_layer", lang))}</div>']
    for slug, term in FRICHE_STATUSES.terms.items():
        if slug in present:
            icon = (
                '<svg width="20" height="20" aria-hidden="true"><path d="M10 3L17 10L10 17L3 10Z" '
                f'fill="{styles.FRICHE_STATUS_COLORS[slug]}" fill-opacity="0.85" stroke="#3b2f1a" stroke-width="1.2"/>'
                "</svg>"
            )
            parts.append(f'<div class="rc-lg-row">{icon}{escape(term.label(lang))}</div>')
    parts.append(f'<div class="rc-lg-note">{escape(credit or _t("friches_credit", lang))}</div>')
    return "".join(parts)
