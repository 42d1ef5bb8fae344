"""Hand-made sites, communes and outlines for the map tests (tiers 3 and 5), and readers of
the map's page that decode its payloads with the reference decoder (geo.mapview.payload).

Test modules import the fixtures they use by name from here.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from geo import mapview
from geo.i18n import t
from geo.mapview import build, payload
from geo.served import FileStore

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
TEMPLATE_INJECTION = "${alert(3)}`"


def site(id_, x, y, **props):
    base = {
        "id": id_,
        "name": f"Site {id_}",
        "company": "Société",
        "activity": "Fabrication",
        "sector": "leather-goods",
        "status": "operating",
        "insee": "03901",
        "commune": "Alpha",
        "commune_nom": "Alpha",
        "dep": "03",
        "dep_nom": "Allier",
        "reg": "84",
        "reg_nom": "Auvergne-Rhône-Alpes",
        "epci": "200071082",
        "population": 1200,
        "jobs": 120,
        "jobs_note": "créés",
        "jobs_kind": "created",
        "brownfield": True,
        "brownfield_history": "Ancienne filature",
        "investment_eur": 5e6,
        "surface_m2": 8000.0,
        "year": 2021,
        "location_precision": "commune",
        "sources": [
            {
                "title": "Un article",
                "publisher": "Le Journal",
                "date": "2021-03",
                "url": "https://example.org/a",
            }
        ],
        "geometry": Point(x, y),
    }
    base.update(props)
    return base


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")
    if len(gdf):
        gdf["jobs"] = gdf["jobs"].astype("Int64")
        gdf["year"] = gdf["year"].astype("Int64")
        gdf["brownfield"] = gdf["brownfield"].astype("boolean")
    return gdf


@pytest.fixture
def sites() -> gpd.GeoDataFrame:
    return frame(
        [
            site("alpha-usine", 2.25, 46.5),
            site(
                "hostile",
                2.30,
                46.55,
                name=HOSTILE,
                company=TEMPLATE_INJECTION,
                sector="glass",
                sources=[
                    {
                        "title": "<b>Piège</b>",
                        "publisher": HOSTILE,
                        "date": None,
                        "url": "javascript:alert(4)",
                    },
                    {"title": "Sans lien", "publisher": "Radio", "date": "2020", "url": None},
                ],
            ),
            site(
                "beta-inconnu",
                2.75,
                46.5,
                insee="03902",
                commune="Beta",
                commune_nom="Beta",
                jobs=pd.NA,
                sector="servers-electronics",
                brownfield=pd.NA,
            ),  # fmt: skip
            site(
                "dep-only",
                3.3,
                46.3,
                insee=None,
                commune=None,
                commune_nom=None,
                dep="58",
                dep_nom="Nièvre",
                location_precision="departement",
                sector="food",
                jobs=40,
                reg="27",
                reg_nom="Bourgogne-Franche-Comté",
            ),  # fmt: skip
            site("upload-1", 2.4, 46.7, layer="upload", sector="leather-goods", jobs=12),
        ]
    )


@pytest.fixture
def communes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "insee": ["03901", "03902"],
            "nom": ["Alpha", "Beta <b>"],
            "dep": ["03", "03"],
            "reg": ["84", "84"],
            "epci": ["200071082", ""],
            "population": [1200, 0],
        },
        geometry=[box(2.0, 46.0, 2.5, 47.0), box(2.5, 46.0, 3.0, 47.0)],
        crs="EPSG:4326",
    )


@pytest.fixture
def stats() -> pd.DataFrame:
    # As geo.aggregate returns it: the key is named ``code``; unknown jobs sum to 0.
    return pd.DataFrame(
        {"code": ["03901", "03902"], "sites": [3, 1], "jobs": [132, 0], "jobs_per_1000": [110.0, 0.0]}
    )


@pytest.fixture
def departements() -> gpd.GeoDataFrame:
    # 03 has a hole (a gap in the data) that 58 does not fill.
    allier = Polygon(
        [(2.0, 46.0), (3.0, 46.0), (3.0, 47.0), (2.0, 47.0)],
        holes=[[(2.6, 46.6), (2.7, 46.6), (2.7, 46.7), (2.6, 46.7)]],
    )
    return gpd.GeoDataFrame(
        {"code": ["03", "58"], "nom": ["Allier", "Nièvre"], "reg": ["84", "27"]},
        geometry=[allier, box(3.0, 46.0, 4.0, 47.0)],
        crs="EPSG:4326",
    )


@pytest.fixture
def regions() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["84", "27"], "nom": ["Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté"]},
        geometry=[box(2.0, 46.0, 3.0, 47.0), box(3.0, 46.0, 4.0, 47.0)],
        crs="EPSG:4326",
    )


@pytest.fixture
def full_map(sites, communes, stats, departements, regions) -> folium.Map:
    return mapview.build_map(sites, communes, stats, departements, regions)


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> FileStore:
    """The app's way for many sites (a file served next to the page), here from 1 site on."""
    monkeypatch.setattr(build, "SERVE_MIN_SITES", 1)
    return FileStore(tmp_path / "cache", "/cache")


@pytest.fixture
def data_sites(sites) -> gpd.GeoDataFrame:
    """The sites as the app's data (no uploaded ones: those are never served)."""
    return sites.assign(layer="data")


def render(m: folium.Map) -> str:
    return m.get_root().render()


def _data(page: str, data_id: str):
    found = re.search(rf'<script type="application/json" id="{data_id}">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def calls(page: str, function: str) -> list:
    """The payload of every ``ReindusMap.<function>(map, group(s), ReindusMap.data(ID), ...)`` call."""
    pattern = (
        rf"ReindusMap\.{function}\(\s*[\w$]+\s*,\s*(?:[\w$]+|\[[\w$,\s]*\])\s*,"
        r'\s*window\.ReindusMap\.data\("([\w-]+)"\)'
    )
    return [_data(page, match.group(1)) for match in re.finditer(pattern, page)]


def strings(page: str) -> list[str]:
    """The map's string table (the data of ``ReindusMap.strings(map, ReindusMap.data(ID))``)."""
    match = re.search(r'ReindusMap\.strings\(\s*[\w$]+\s*,\s*window\.ReindusMap\.data\("([\w-]+)"\)', page)
    return _data(page, match.group(1))


def served_file(p: dict, store: FileStore) -> dict:
    """The content of a served selection's file."""
    name = p["file"].rsplit("/", 1)[1]
    assert p["file"] == store.url_of(name)
    return payload.read_json_lines(gzip.decompress((store.directory / name).read_bytes()))


def records(page: str, store: FileStore | None = None) -> dict[str, dict]:
    """Every marker as the reference decoder reads it (a served layer's from its file in
    ``store``), with its tooltip (``tip``) and card head (``head``) as the runtime writes them."""
    out = {}
    for p in calls(page, "addSites"):
        if "file" in p:
            p = payload.select(served_file(p, store), p)
        for rec in payload.site_records(p, strings(page)):
            place = rec["place"]
            rec["tip"] = (
                f"<b>{rec['name']}</b>" + (f"<br>{place}" if place else "") + f"<br>{rec['jobs_text']}"
            )
            rec["head"] = f'<div class="rc-title">{rec["name"]}</div><div class="rc-sub">{rec["sub"]}</div>'
            out[rec["id"]] = rec
    return out


def commune_cards(page: str, lang: str = "fr") -> dict[str, dict]:
    """Every commune of the choropleth: fill colour, unknown flag, tooltip and card HTML."""
    sites = records(page)
    (p,) = [c for c in calls(page, "addAreas") if "rows" in c]
    out = {}
    for rec in payload.commune_records(p, strings(page)):
        names = [r["name"] for r in sites.values() if r["insee"] == rec["insee"]]
        extra = '<ul class="rc-sources">' + "".join(f"<li>{n}</li>" for n in names) + "</ul>" if names else ""
        rows = "".join(
            f'<tr><th scope="row">{html.escape(t(k, lang))}</th><td>{v}{extra if k == "f_sites" else ""}</td></tr>'
            for k, v in rec["rows"]
        )
        cls = rec["fill_class"]
        out[rec["insee"]] = {
            "f": mapview.NO_JOBS_FILL if cls < 0 else mapview.CHOROPLETH_COLORS[cls],
            "u": 1 if cls < 0 else 0,
            "tip": f"<b>{rec['name']}</b><br>{rec['jobs_text']}",
            "head": f'<div class="rc-title">{rec["name"]}</div><table class="rc-table">{rows}</table>',
            "d": p["decimals"],
        }
    return out


def finish_view(page: str) -> dict:
    match = re.search(r"ReindusMap\.view\(\s*[\w$]+\s*,\s*", page)
    return json.JSONDecoder().raw_decode(page, match.end())[0]


def runtime_config(page: str) -> dict:
    match = re.search(r"ReindusMap\.init\(\s*[\w$]+\s*,\s*", page)
    return json.JSONDecoder().raw_decode(page, match.end())[0]


def card(record: dict, lang: str = "fr") -> str:
    """The card as the browser assembles it: escaped header + rows of escaped values."""
    labels = {k: html.escape(t(k, lang)) if k.startswith("f_") else k[2:] for k, _ in record["rows"]}
    return record["head"] + "".join(f"<tr><th>{labels[k]}</th><td>{v}</td></tr>" for k, v in record["rows"])
