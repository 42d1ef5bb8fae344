"""What a frame of sites costs once, kept by its owner: the texts of every site per language,
and the served file of all of them (:mod:`geo.served`).

A :class:`SiteCatalog` belongs to whoever holds the frame: the app's
:class:`~geo.mapview.background.Background` keeps the catalogs of the last frames it was
asked for (``Background.catalog``); a caller may also make one and pass it as
``cards_from``. A filter change then only picks rows: no text is formatted again, and the
file is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo.encode import StringTable
from geo.mapview.cards import CardTexts, site_cards
from geo.mapview.payload import SITE_MARKER_PART, json_lines, site_payload
from geo.served import FileStore
from geo.vocab import SECTORS


@dataclass(frozen=True)
class SiteFile:
    """The served file of every site of a frame."""

    name: str
    sites: int
    card_keys: tuple[str, ...]  # its card rows


class SiteCatalog:
    """The texts (per language) and the served file (per language and store) of one frame
    of sites. Never mutate the frame after its first map."""

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        self.frame = frame
        self._cards: dict[str, CardTexts] = {}
        self._files: dict[tuple[str, str], SiteFile] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def cards(self, lang: str) -> CardTexts:
        if lang not in self._cards:
            self._cards[lang] = site_cards(self.frame, lang)
        return self._cards[lang]

    def served_file(self, lang: str, files: FileStore) -> SiteFile:
        """Every site of the frame as one file of ``files`` (a site payload with its own
        string table, in two lines: payload.json_lines), written once, again if it was deleted."""
        key = (lang, str(files.directory))
        known = self._files.get(key)
        if known is not None and files.has(known.name):
            return known
        cards = self.cards(lang)
        table = StringTable()
        payload = site_payload(check_sites(self.frame), cards.codes, cards, table)
        payload["strings"] = table.strings
        data = json_lines(payload, SITE_MARKER_PART)  # (the markers first: they are drawn before the texts are read)
        known = self._files[key] = SiteFile(
            files.publish(data, "sites"), len(self.frame), tuple(col["key"] for col in payload["rows"])
        )
        return known


def check_sites(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The sites in EPSG:4326, after checking columns, point geometries, sectors and ids."""
    from geo.mapview.background import to_wgs84

    if not isinstance(sites, gpd.GeoDataFrame):
        raise TypeError(f"build_map: sites must be a GeoDataFrame, not {type(sites).__name__}")
    missing = [c for c in ("id", "name", "sector") if c not in sites.columns]
    if missing:
        raise ValueError(f"build_map: sites lack the columns {missing}")
    sites = to_wgs84(sites, "sites")
    problems = []
    points = np.asarray(sites.geometry.values)
    # type id 0 is a Point; None has -1 (shapely directly: geopandas' accessors each
    # check the whole column again)
    bad_geom = (shapely.get_type_id(points) != 0) | shapely.is_empty(points)
    problems += [f"site {i!r}: geometry is not a point" for i in sites.loc[bad_geom, "id"]]
    bad_sector = ~sites["sector"].isin(list(SECTORS))
    problems += [
        f"site {i!r}: sector {s!r} is not one of geo.vocab.SECTORS"
        for i, s in sites.loc[bad_sector, ["id", "sector"]].itertuples(index=False)
    ]
    dup = sites["id"].duplicated(keep=False)
    problems += [f"site {i!r}: id is not unique" for i in sites.loc[dup, "id"].unique()]
    if sites["id"].isna().any():
        problems.append(f"{int(sites['id'].isna().sum())} site(s) without an id")
    if problems:
        raise ValueError("build_map: " + "; ".join(problems[:20]) + (" …" if len(problems) > 20 else ""))
    return sites
