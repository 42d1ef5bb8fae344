"""Tier 3: the folium map's HTML — one marker per site, escaped text, local assets only."""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import html
import json
import re
import struct
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from bench.browser import CHROMIUM, CHROMIUM_ARGS
from geo import assets, mapview
from geo.encode import decode_geometry
from geo.paths import COMMUNES_DIR
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


def render(m: folium.Map) -> str:
    return m.get_root().render()


def calls(page: str, function: str) -> list:
    """The payload of every ``ReindusMap.<function>(map, group, ReindusMap.data(ID), ...)`` call:
    the JSON of the page's ``<script type="application/json" id=ID>`` element."""
    out = []
    for match in re.finditer(
        rf'ReindusMap\.{function}\(\s*[\w$]+\s*,\s*(?:[\w$]+|\[[\w$,\s]*\])\s*,\s*window\.ReindusMap\.data\("([\w-]+)"\)',
        page,
    ):
        data = re.search(rf'<script type="application/json" id="{match.group(1)}">(.*?)</script>', page, re.S)
        out.append(json.loads(data.group(1)))
    return out


def strings(page: str) -> list[str]:
    """The string table: the JSON element ``ReindusMap.strings(map, ReindusMap.data(ID))`` names."""
    match = re.search(r'ReindusMap\.strings\(\s*[\w$]+\s*,\s*window\.ReindusMap\.data\("([\w-]+)"\)', page)
    data = re.search(rf'<script type="application/json" id="{match.group(1)}">(.*?)</script>', page, re.S)
    return json.loads(data.group(1))


def val(table: list[str], payload: dict, col: dict | None, i: int):
    """A column's text for entry ``i``, as the runtime's ``val`` reads it."""
    if col is None:
        return None
    if "same" in col:
        ref = payload[col["same"]]
        return ref[i] if isinstance(ref, list) else val(table, payload, ref, i)
    if "v" in col:
        return col["v"][i]
    return None if col["t"][i] < 0 else table[col["t"][i]]


def served(p: dict, store: FileStore) -> dict:
    """A served layer's payload (``{src, sel, gs, gu}``) as the runtime's ``selected`` makes
    it from the file: the sites the bit mask marks, with the file's own string table ``S``."""
    name = p["src"].rsplit("/", 1)[1]
    assert p["src"] == store.url_of(name)
    full = json.loads(gzip.decompress((store.directory / name).read_bytes()))
    if p["sel"] is None:
        idx = list(range(len(full["i"])))
    else:
        bits = base64.b64decode(p["sel"])
        idx = [b * 8 + k for b, byte in enumerate(bits) for k in range(8) if byte >> k & 1]

    def col(c: dict) -> dict:
        if "same" in c:
            return c
        key = "v" if "v" in c else "t"
        return {"k": c["k"], key: [c[key][i] for i in idx]}

    q = {"S": full["S"], "sl": full["sl"], "c": [col(c) for c in full["c"]]}
    q |= {k: [full[k][i] for i in idx] for k in ("i", "x", "y", "s", "r", "f")}
    q |= {k: col(full[k]) for k in ("name", "place", "jobs_text", "sub", "insee")}
    q |= {"gs": p["gs"], "gu": p["gu"]}
    return q


def records(page: str, store: FileStore | None = None) -> dict[str, dict]:
    """Every marker as a record: what the runtime reads from the columnar payloads (a
    served layer's from its file in ``store``)."""
    out = {}
    for p in calls(page, "addSites"):
        if "src" in p:
            p = served(p, store)
        table = p.get("S") or strings(page)
        for i, id_ in enumerate(p["i"]):
            get = lambda key: val(table, p, p.get(key), i)  # noqa: B023, E731
            place = get("place")
            rec = {
                "i": id_,
                "k": re.sub(r"[^A-Za-z0-9_-]", "_", id_),
                "s": p["sl"][p["s"][i]],
                "g": p["gu"] if p["f"][i] & 4 else p["gs"][p["s"][i]],
                "x": p["x"][i] / 10**mapview.COORD_DECIMALS,
                "y": p["y"][i] / 10**mapview.COORD_DECIMALS,
                "r": p["r"][i] / 10,
                "t": f"<b>{get('name')}</b>" + (f"<br>{place}" if place else "") + f"<br>{get('jobs_text')}",
                "h": f'<div class="rc-title">{get("name")}</div><div class="rc-sub">{get("sub")}</div>',
                "c": [[c["k"], v] for c in p["c"] if (v := val(table, p, c, i)) is not None],
                "insee": get("insee"),
            }
            for bit, key in ((1, "u"), (2, "d"), (4, "up")):
                if p["f"][i] & bit:
                    rec[key] = 1
            out[id_] = rec
    return out


def commune_cards(page: str, lang: str = "fr") -> dict[str, dict]:
    """Every commune of the choropleth: fill colour, unknown flag, tooltip and card HTML."""
    table, sites = strings(page), records(page)
    (p,) = [c for c in calls(page, "addAreas") if "c" in c]
    out = {}
    for i in range(len(p["g"])):
        code = val(table, p, p["c"][p["ik"]], i)
        names = [val_name for r in sites.values() if r["insee"] == code for val_name in [_title(r)]]
        extra = '<ul class="rc-sources">' + "".join(f"<li>{n}</li>" for n in names) + "</ul>" if names else ""
        rows = "".join(
            f'<tr><th scope="row">{html.escape(mapview._t(c["k"], lang))}</th><td>{v}{extra if c["k"] == "f_sites" else ""}</td></tr>'
            for c in p["c"]
            if (v := val(table, p, c, i)) is not None
        )
        cls = p["fc"][i]
        out[code] = {
            "f": mapview.NO_JOBS_FILL if cls < 0 else mapview.CHOROPLETH_COLORS[cls],
            "u": 1 if cls < 0 else 0,
            "t": f"<b>{val(table, p, p['name'], i)}</b><br>{val(table, p, p['jobs_text'], i)}",
            "h": f'<div class="rc-title">{val(table, p, p["name"], i)}</div><table class="rc-table">{rows}</table>',
            "g": p["g"][i],
            "d": p["d"],
        }
    return out


def _title(record: dict) -> str:
    return re.match(r'<div class="rc-title">(.*?)</div>', record["h"]).group(1)


def finish_view(page: str) -> dict:
    match = re.search(r"ReindusMap\.view\(\s*[\w$]+\s*,\s*", page)
    return json.JSONDecoder().raw_decode(page, match.end())[0]


def card(record: dict, lang: str = "fr") -> str:
    """The card as the browser assembles it: escaped header + rows of escaped values."""
    labels = {k: html.escape(mapview._t(k, lang)) if k.startswith("f_") else k[2:] for k, _ in record["c"]}
    return record["h"] + "".join(f"<tr><th>{labels[k]}</th><td>{v}</td></tr>" for k, v in record["c"])


# ---------------------------------------------------------------------------- markers


def test_one_marker_per_site(full_map, sites):
    page = render(full_map)
    recs = records(page)
    assert sorted(recs) == sorted(sites["id"])
    assert sum(len(payload["i"]) for payload in calls(page, "addSites")) == len(sites)
    assert page.count("L.circleMarker(") == 1  # one loop in the runtime, none per site
    assert '"sortMax"' in page


def test_markers_are_coloured_and_sized_by_jobs(full_map):
    recs = records(render(full_map))
    assert recs["alpha-usine"]["s"] == "leather-goods"
    assert recs["alpha-usine"]["r"] == pytest.approx(mapview.radius_px(120), abs=0.05)
    assert recs["upload-1"]["r"] == mapview.RADIUS_MIN_PX  # 12 jobs: the floor
    assert mapview.radius_px(10**6) == mapview.RADIUS_MAX_PX
    assert mapview.radius_px(400) == pytest.approx(2 * mapview.radius_px(100))  # area ∝ jobs


def test_unknown_jobs_are_drawn_hollow(full_map):
    recs = records(render(full_map))
    assert recs["beta-inconnu"].get("u") == 1
    assert recs["beta-inconnu"]["r"] == mapview.RADIUS_UNKNOWN_PX
    assert [i for i, r in recs.items() if r.get("u")] == ["beta-inconnu"]
    assert "emplois non chiffrés" in recs["beta-inconnu"]["t"]


def test_departement_precision_is_styled_differently(full_map):
    page = render(full_map)
    recs = records(page)
    assert [i for i, r in recs.items() if r.get("d")] == ["dep-only"]
    # The runtime draws such a site with a dashed ring and a large translucent dashed halo.
    assert "if (f & 2)" in page and "L.circle(ll," in page and f'"halo":{mapview.DEPARTEMENT_HALO_M}' in page


def test_uploaded_sites_have_their_own_layer(full_map):
    page = render(full_map)
    recs = records(page)
    assert recs["upload-1"].get("up") == 1
    payloads = calls(page, "addSites")
    (payload,) = payloads  # one payload; each marker goes to its layer's group
    uploads = [i for i, f in zip(payload["i"], payload["f"], strict=True) if f & 4]
    assert uploads == ["upload-1"]
    assert [r["i"] for r in recs.values() if r["g"] == recs["upload-1"]["g"]] == ["upload-1"]
    names = [c.layer_name for c in full_map._children.values() if isinstance(c, folium.FeatureGroup)]
    assert any("Vos sites (1)" in n for n in names)
    assert any("Maroquinerie (1)" in n for n in names)  # alpha only: the upload is not counted there


def test_one_toggleable_layer_per_sector_and_per_outline(full_map):
    groups = [c for c in full_map._children.values() if isinstance(c, folium.FeatureGroup) and c.overlay]
    names = [g.layer_name for g in groups]
    for label in (
        "Maroquinerie",
        "Verre",
        "Serveurs, ordinateurs, électronique",
        "Agroalimentaire",
        "Vos sites",
    ):
        assert sum(label in n for n in names) == 1, label
    assert "Communes : emplois" in names and "Départements" in names and "Régions" in names
    assert any(isinstance(c, folium.LayerControl) for c in full_map._children.values())


def test_marker_classes_and_registry_for_browser_tests(full_map):
    page = render(full_map)
    assert records(page)["alpha-usine"]["k"] == "alpha-usine"
    assert "'site-marker site-' + p.i[i].replace(/[^A-Za-z0-9_-]/g, '_') + ' sector-' + sector" in page
    assert "window.__sites[p.i[i]] = m" in page and "window.__mapReady = true" in page
    assert "data-site-count" in page


def test_marker_class_of_an_odd_id_is_css_safe(communes):
    m = mapview.build_map(frame([site('a b/c"<d>', 2.2, 46.5)]), communes)
    rec = records(render(m))['a b/c"<d>']
    assert rec["k"] == "a_b_c__d_"


def test_small_maps_use_svg_and_large_ones_canvas(sites, monkeypatch):
    assert mapview.build_map(sites).options["prefer_canvas"] is False
    monkeypatch.setattr(mapview, "SVG_MAX_SITES", 3)
    assert mapview.build_map(sites).options["prefer_canvas"] is True


def test_clustering_uses_the_local_supercluster(sites):
    page = render(mapview.build_map(sites, cluster=True))
    assert f"{assets.VENDOR_URL}/supercluster/supercluster.min.js" in page
    assert '"cluster":true' in page
    assert assets.external_urls(page) == []
    assert "supercluster.min.js" not in render(mapview.build_map(sites))  # not loaded when not used
    # the same sites travel either way: clustering is the browser's business
    assert records(page).keys() == records(render(mapview.build_map(sites))).keys()


def test_coordinates_are_rounded(sites):
    moved = sites.copy()
    moved.geometry = [Point(2.123456789, 46.987654321)] + list(moved.geometry[1:])
    rec = records(render(mapview.build_map(moved)))["alpha-usine"]
    assert (rec["x"], rec["y"]) == (2.12346, 46.98765)


def test_sites_in_another_crs_are_reprojected(sites):
    page = render(mapview.build_map(sites.to_crs(2154)))
    rec = records(page)["alpha-usine"]
    assert (rec["x"], rec["y"]) == pytest.approx((2.25, 46.5), abs=1e-5)


# ---------------------------------------------------------------------------- escaping


def test_a_hostile_site_name_is_text(full_map):
    page = render(full_map)
    for raw in ("<script>alert(1)", "<img src=x", "onerror=alert(2)>"):
        assert raw not in page, raw
    escaped = html.escape(HOSTILE)
    rec = records(page)["hostile"]
    assert escaped in rec["t"] and escaped in rec["h"]
    assert escaped in page  # the JSON carries the escaped text as is


def test_template_syntax_in_data_is_not_evaluated_on_the_server(communes):
    """branca re-compiles rendered macros as jinja templates: {{ 6*7 }} in a name became 42."""
    sites = frame([site("{{ 6*7 }}", 2.2, 46.5, name="X{{ 7*7 }}Y{% if true %}Z{% endif %}")])
    page = render(mapview.build_map(sites, communes))
    rec = records(page)["{{ 6*7 }}"]
    assert "X{{ 7*7 }}Y{% if true %}Z{% endif %}" in rec["t"]
    assert "X49Y" not in page


def test_no_data_text_reaches_a_javascript_template_literal(full_map):
    """folium's Tooltip/Popup paste text into `...` literals, where ${...} runs even after HTML escaping."""
    page = render(full_map)
    assert not any(isinstance(e, (folium.Tooltip, folium.Popup)) for e in assets._walk(full_map))
    rec = records(page)["hostile"]
    assert ["f_company", html.escape(TEMPLATE_INJECTION)] in rec["c"]
    # The only backtick in the page is inside that JSON string value.
    assert page.count("`") == 1


def test_a_javascript_url_in_a_source_is_not_a_link(full_map):
    page = render(full_map)
    sources = dict(records(page)["hostile"]["c"])["f_sources"]
    assert "href" not in sources
    assert "&lt;b&gt;Piège&lt;/b&gt;" in sources and "Sans lien" in sources
    assert not re.search(r"(?i)href=\\?\"\s*javascript", page)
    good = dict(records(page)["alpha-usine"]["c"])["f_sources"]
    assert 'href="https://example.org/a" target="_blank" rel="noopener noreferrer"' in good


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&amp;c=2"),
        ("  http://example.org/  ", "http://example.org/"),
        ('https://example.org/"onmouseover="x', "https://example.org/&quot;onmouseover=&quot;x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.org/a", None),
        ("https://", None),
        ("ftp://example.org", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_safe_url(url, expected):
    assert mapview.safe_url(url) == expected


def test_the_card_shows_every_property_translated(full_map):
    recs = records(render(full_map))
    fr = card(recs["alpha-usine"])
    for text in ("Site alpha-usine", "Maroquinerie", "En activité", "Société", "Fabrication", "Alpha", "Code INSEE", "03901",
                 "Allier (03) · Auvergne-Rhône-Alpes", "120 emplois", "créés", "Sur une friche", "Oui",
                 "Ancien usage du site", "Ancienne filature", "5\u00a0M€", "8\u202f000 m²", "2021",
                 "Commune (mairie)", "Le Journal, 2021-03", "Identifiant", "alpha-usine"):  # fmt: skip
        assert text in fr, text
    beta = card(recs["beta-inconnu"])
    assert "Inconnu" in beta and "emplois non chiffrés" in beta
    en = card(
        records(render(mapview.build_map(frame([site("alpha-usine", 2.2, 46.5)]), lang="en")))["alpha-usine"],
        "en",
    )
    for text in ("Leather goods", "Operating", "Company", "On a brownfield", "Yes", "Former use of the site",
                 "€5M", "8,000 m²", "Commune (town hall)", "Identifier"):  # fmt: skip
        assert text in en, text


def test_extra_columns_appear_by_name_and_escaped(communes):
    sites = frame([site("a", 2.2, 46.5, notes="Point à la mairie", capacity="<i>400 000</i>")])
    page = render(mapview.build_map(sites, communes))
    rows = dict(records(page)["a"]["c"])
    assert rows["f_notes"] == "Point à la mairie"
    assert rows["x_capacity"] == "&lt;i&gt;400 000&lt;/i&gt;"
    assert '"x_capacity":"capacity"' in page  # its label, registered with the runtime


def test_sites_without_optional_columns(communes):
    bare = gpd.GeoDataFrame({"id": ["u1"], "name": ["Mon site"], "sector": ["other"]}, geometry=[Point(2.2, 46.5)],
                            crs="EPSG:4326")  # fmt: skip
    rec = records(render(mapview.build_map(bare)))["u1"]
    assert rec["u"] == 1 and "Mon site" in rec["t"]


# ---------------------------------------------------------------------------- communes and outlines


def test_commune_choropleth_and_card(full_map):
    page = render(full_map)
    props = commune_cards(page)
    alpha, beta = props["03901"], props["03902"]
    assert alpha["f"] == mapview.jobs_color(132) == mapview.CHOROPLETH_COLORS[1]
    assert beta["f"] == mapview.NO_JOBS_FILL and beta["u"] == 1  # its only site gives no figure
    for text in ("Code INSEE", "03901", "1\u202f200", "EPCI (SIREN)", "200071082", "Allier (03)",
                 "Auvergne-Rhône-Alpes", "132 emplois", "Emplois pour 1 000 habitants", "110,0",
                 "Site alpha-usine", html.escape(HOSTILE)):  # fmt: skip
        assert text in alpha["h"], text
    assert "Beta &lt;b&gt;" in beta["h"] and "Beta <b>" not in page
    assert "emplois non chiffrés" in beta["h"]
    assert "Emplois pour 1 000 habitants" not in beta["h"]  # 0 known jobs is no ratio


def test_commune_stats_are_computed_when_not_given(sites, communes):
    page = render(mapview.build_map(sites, communes))
    alpha = commune_cards(page)["03901"]
    assert "252 emplois" in alpha["h"]  # alpha 120 + hostile 120 + upload 12
    assert "<td>3<ul" in alpha["h"]


def test_outlines_are_lines_only_and_share_borders(departements, regions):
    deps, regs = mapview.outline_shapes(departements, regions)
    for shapes in (deps, regs):
        for fragment in shapes:
            geom = decode_geometry(json.loads(fragment), mapview.OUTLINE_DECIMALS)
            assert all(len(p.interiors) == 0 for p in getattr(geom, "geoms", [geom])), "holes are dropped"
    # Régions are the union of their départements: the same vertices, no doubled line.
    assert regs[0] == deps[0]


def test_outline_layers_are_not_interactive(full_map):
    page = render(full_map)
    options = re.findall(r'\{"pane":"rc-outlines","interactive":false', page)
    assert len(options) == 2


def test_real_outlines_stay_light():
    departements = gpd.read_parquet(COMMUNES_DIR / "departements.parquet")
    regions = gpd.read_parquet(COMMUNES_DIR / "regions.parquet")
    deps, regs = mapview.outline_shapes(departements, regions)
    assert sum(map(len, deps)) + sum(map(len, regs)) < 300_000
    assert len(deps) == len(departements) and len(regs) == len(regions)


# ---------------------------------------------------------------------------- legend, view, basemaps


def test_legend_is_translated(sites, communes):
    fr = render(mapview.build_map(sites, communes, lang="fr"))
    en = render(mapview.build_map(sites, communes, lang="en"))
    for text in ("Légende", "Secteurs", "Taille : emplois annoncés", "Emplois non chiffrés",
                 "Localisé au département seulement", "Emplois par commune", "Vos sites", "Maroquinerie"):  # fmt: skip
        assert text in fr, text
    for text in ("Legend", "Sectors", "Size: announced jobs", "Jobs not given", "Located to the département only",
                 "Jobs per commune", "Your sites", "Leather goods"):  # fmt: skip
        assert text in en, text
        assert text not in fr, text
    assert "Légende" not in en


def test_legend_lists_only_the_sectors_shown():
    legend = mapview.legend_html(frame([site("a", 2.2, 46.5, sector="glass")]), "fr", communes=False)
    assert "Verre" in legend and "Maroquinerie" not in legend and "Emplois par commune" not in legend


def test_presenter_mode_uses_larger_type(sites):
    assert (
        ".rc-legend { background: rgba(255,255,255,.95); padding: 6px 10px; border-radius: 6px;\n  box-shadow: 0 1px 5px rgba(0,0,0,.35); font-size: 18px"
        in render(mapview.build_map(sites, large=True))
    )
    assert "font-size: 13px" in render(mapview.build_map(sites))


def test_the_view_fits_the_sites(full_map, sites):
    view = finish_view(render(full_map))
    (south, west), (north, east) = view["bounds"]
    assert (south, west, north, east) == pytest.approx(
        (sites.geometry.y.min(), sites.geometry.x.min(), sites.geometry.y.max(), sites.geometry.x.max())
    )
    assert view["selected"] is None


def test_overseas_sites_do_not_zoom_the_mainland_out_to_the_world(sites):
    reunion = frame([site("reunion", 55.45, -20.9, insee="97411")])
    both = pd.concat([sites, reunion], ignore_index=True)
    (south, west), (north, east) = finish_view(render(mapview.build_map(both)))["bounds"]
    assert south > 41 and west > -5.5  # the mainland sites' box, not one spanning the globe
    (south, west), _ = finish_view(
        render(mapview.build_map(frame([site("r", 55.45, -20.9), site("s", 55.5, -21.0)])))
    )["bounds"]
    assert south == pytest.approx(-21.0)  # only overseas sites: fit them


def test_one_site_opens_at_town_zoom(sites):
    view = finish_view(render(mapview.build_map(sites.iloc[[0]])))
    assert view["bounds"] is None and view["zoom"] == mapview.SINGLE_SITE_ZOOM
    assert view["center"] == pytest.approx([46.5, 2.25])


def test_no_sites_open_on_metropolitan_france(sites):
    m = mapview.build_map(sites.iloc[0:0])
    view = finish_view(render(m))
    assert view["bounds"] is None and view["zoom"] == mapview.FRANCE_ZOOM
    assert view["center"] == list(mapview.FRANCE_CENTER)
    assert "Aucun site à afficher" in render(m)


def test_the_selected_site_opens_its_card(sites):
    view = finish_view(render(mapview.build_map(sites, selected="alpha-usine")))
    assert view["selected"] == "alpha-usine" and view["selectedZoom"] == mapview.SINGLE_SITE_ZOOM
    assert (
        finish_view(render(mapview.build_map(sites, selected="dep-only")))["selectedZoom"]
        == mapview.DEPARTEMENT_SITE_ZOOM
    )
    # A stale ?site= (filtered out) falls back to the normal view.
    assert finish_view(render(mapview.build_map(sites, selected="gone")))["selected"] is None


@pytest.mark.parametrize("basemap", ["plan-ign", "osm", "none"])
def test_the_chosen_basemap_is_shown_and_the_others_offered(sites, basemap):
    m = mapview.build_map(sites, basemap=basemap)
    bases = {
        c.layer_name: c for c in m._children.values() if isinstance(c, folium.map.Layer) and not c.overlay
    }
    assert set(bases) == {"Plan IGN", "OpenStreetMap", "Sans fond (hors ligne)"}
    shown = [name for name, layer in bases.items() if layer.show]
    assert shown == [
        {"plan-ign": "Plan IGN", "osm": "OpenStreetMap", "none": "Sans fond (hors ligne)"}[basemap]
    ]
    page = render(m)
    # The WMTS template, as folium's tojson writes it (& as \u0026).
    assert "LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2" in page and "TILEMATRIX={z}\\u0026TILEROW={y}" in page
    assert "\\u00a9 IGN \\u2013 Plan IGN" in page


def test_bad_arguments_fail_loudly(sites):
    with pytest.raises(ValueError, match="basemap"):
        mapview.build_map(sites, basemap="google")
    with pytest.raises(ValueError, match="lang"):
        mapview.build_map(sites, lang="de")
    with pytest.raises(TypeError, match="GeoDataFrame"):
        mapview.build_map(pd.DataFrame(sites))
    bad = sites.copy()
    bad.loc[0, "sector"] = "spaceships"
    with pytest.raises(ValueError, match="site 'alpha-usine': sector 'spaceships'"):
        mapview.build_map(bad)
    dup = pd.concat([sites, sites.iloc[[0]]])
    with pytest.raises(ValueError, match="'alpha-usine': id is not unique"):
        mapview.build_map(dup)
    with pytest.raises(ValueError, match="no CRS"):
        mapview.build_map(sites.set_crs(None, allow_override=True))


# ---------------------------------------------------------------------------- no CDN


def test_the_page_loads_nothing_from_a_cdn(full_map, sites):
    page = render(full_map)
    for needle in ("cdn.", "jsdelivr", "unpkg", "cdnjs", "googleapis", "bootstrapcdn", "code.jquery"):
        assert needle not in page, needle
    assert assets.external_urls(page) == []
    assert f'<script src="{assets.VENDOR_URL}/leaflet/leaflet.js"></script>' in page
    assert f'<link rel="stylesheet" href="{assets.VENDOR_URL}/leaflet/leaflet.css"/>' in page
    # Any other absolute URL is a tile template, an attribution link or a source's link.
    allowed = ("https://data.geopf.fr/wmts?", "https://tile.openstreetmap.org/", "https://www.openstreetmap.org/copyright",
               "https://example.org/a")  # fmt: skip
    for url in re.findall(r"https?://[^\s\"'\\<>]+", page):
        assert url.startswith(allowed), url


def test_streamlit_folium_loads_only_local_assets_and_keeps_our_names(full_map):
    """What st_folium sends its iframe: the link lists it walks, and the renamed script."""
    import streamlit_folium

    full_map.get_root().render()
    links = [url for element in assets._walk(full_map) for _, url in getattr(element, "default_js", []) + getattr(element, "default_css", [])]  # fmt: skip
    assert links and all(url.startswith(assets.VENDOR_URL + "/") for url in links)
    header = streamlit_folium._get_header(full_map)
    assert ".rc-legend" in header  # our stylesheet travels in the header
    script = streamlit_folium._get_map_string(full_map)
    assert "window.ReindusMap.init(map_div," in script
    assert "window.ReindusMap.view(map_div," in script and "window.ReindusMap.finish(map_div)" in script
    # the sites travel in the html part (inert JSON), not in the script st_folium reprocesses
    body = streamlit_folium._get_html(full_map)
    assert '<script type="application/json"' in body and '<script type="application/json"' not in script
    assert len(records(script + body)) == 5


def test_clicked_site_id_reads_the_card_text():
    text = "Usine\nLeather goods · Operating\nCompany\tAlgo\nIdentifier\talbon-algo"
    assert mapview.clicked_site_id({"last_object_clicked_popup": text}, ["albon-algo", "x"]) == "albon-algo"
    assert mapview.clicked_site_id({"last_object_clicked_popup": "Identifiant\tnope"}, ["albon-algo"]) is None
    assert mapview.clicked_site_id(None, ["albon-algo"]) is None


# ---------------------------------------------------------------------------- PNG


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_for_slides(sites, communes, stats, departements, regions):
    data = mapview.to_png(
        sites, communes, departements, regions, title=HOSTILE, lang="fr", commune_stats=stats
    )
    assert png_size(data) == (1920, 1080)
    assert len(data) > 30_000


def test_png_draws_dollar_signs_as_text(sites, communes):
    """matplotlib reads $...$ as mathtext: a title or commune name with one must not crash the export."""
    odd = sites.copy()
    odd.loc[0, "commune_nom"] = "Sainte-$\\frac{$"
    data = mapview.to_png(odd, communes, None, None, title="Coût $x^$ le m²", lang="fr")
    assert png_size(data) == (1920, 1080)


def test_png_without_sites_or_layers(sites):
    data = mapview.to_png(sites.iloc[0:0], None, None, None, title="Vide", lang="en", size_px=(1280, 720))
    assert png_size(data) == (1280, 720)


# ---------------------------------------------------------------------------- browser smoke test


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.mark.browser
@contextlib.contextmanager
def offline_page(m: folium.Map, tmp_path: Path, *, http: bool = False):
    """The map's standalone page in Debian's Chromium, network cut (tiles refused); with
    ``http``, ``tmp_path`` is served by a local HTTP server (for served site files)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed")
    try:
        page_html = assets.standalone_html(m)
    except assets.AssetError:
        pytest.skip("static/vendor not installed (run scripts/setup.sh)")
    path = tmp_path / "map.html"
    path.write_text(page_html, encoding="utf-8")
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack, sync_playwright() as p:
        url, local = path.as_uri(), ("file:", "data:")
        if http:
            handler = functools.partial(QuietHandler, directory=str(tmp_path))
            server = stack.enter_context(ThreadingHTTPServer(("127.0.0.1", 0), handler))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            stack.callback(server.shutdown)
            origin = f"http://127.0.0.1:{server.server_address[1]}"
            url, local = f"{origin}/map.html", (*local, origin + "/")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            dialogs, errors, outside = [], [], []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r):
                if r.request.url.startswith(local):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(url)
            page.wait_for_function("window.__mapReady === true")
            yield page
            assert dialogs == [] and errors == []
            assert all("geopf.fr" in u for u in outside), outside  # tiles only
        finally:
            browser.close()


def test_standalone_map_works_offline_in_chromium(full_map, tmp_path: Path):
    """The exported page, network cut: markers, registry, a card with the hostile name as text, a commune card."""
    with offline_page(full_map, tmp_path) as page:
        assert page.evaluate("window.__siteCount") == 5
        assert page.locator("path.site-marker").count() == 5
        assert page.locator(".leaflet-control-layers").count() == 1
        assert page.locator(".rc-legend").count() == 1
        page.evaluate("window.__reindus.openSite('hostile')")
        card_el = page.locator('.rc-card[data-site-id="hostile"]')
        card_el.wait_for()
        assert HOSTILE in card_el.inner_text()
        assert page.locator(".rc-card script, .rc-card img").count() == 0
        assert page.locator('.rc-card a[href^="javascript"]').count() == 0
        page.evaluate("window.__reindus.openCommune('03901')")
        commune = page.locator(".rc-commune")
        commune.wait_for()
        text = commune.inner_text()
        assert "Alpha" in text and "03901" in text and "Site alpha-usine" in text and HOSTILE in text
        # with the mouse: hovering a commune shows its tooltip and outlines it, a click its card
        page.evaluate(
            "window.__reindus.map.closePopup(); window.__reindus.map.setView([46.5, 2.5], 8, {animate: false})"
        )
        x, y = page.evaluate(
            "(() => { const p = window.__reindus.map.latLngToContainerPoint([46.9, 2.6]); return [p.x, p.y]; })()"
        )
        page.mouse.move(x, y)
        page.locator(".rc-tooltip", has_text="Beta").wait_for()
        assert page.evaluate("window.__communes['03902'].options.weight") == 2.5
        page.mouse.click(x, y)
        page.locator(".rc-commune", has_text="03902").wait_for()
        page.mouse.move(5, 400)
        page.wait_for_function("window.__communes['03902'].options.weight === 1")


def test_clustered_map_draws_every_site_when_zoomed_in(sites, communes, tmp_path: Path):
    """The clustered path (used above CLUSTER_MIN_SITES): clusters at first, each site its own marker up close."""
    m = mapview.build_map(sites, communes, cluster=True)
    with offline_page(m, tmp_path) as page:
        assert page.evaluate("window.__siteCount") == 5
        page.evaluate("window.__reindus.map.setView([46.55, 2.6], 7, {animate: false})")
        assert page.locator(".rc-cluster").count() >= 1 and page.locator("path.site-marker").count() < 5
        page.evaluate("window.__reindus.openSite('beta-inconnu')")
        page.locator('.rc-card[data-site-id="beta-inconnu"]').wait_for()
        # markers are drawn again at every move: an open card stays open while the map pans
        page.evaluate("window.__reindus.map.panBy([40, 30], {animate: false})")
        page.evaluate("window.__reindus.map.panBy([-60, 0], {animate: false})")
        assert page.evaluate("window.__sites['beta-inconnu'].isPopupOpen()")
        page.evaluate("window.__reindus.map.setView([46.5, 2.25], 15, {animate: false})")
        assert page.locator("path.site-marker.site-alpha-usine").count() == 1
        # a sector switched off in the layer control leaves the clusters and the map
        page.evaluate("window.__reindus.map.setView([46.55, 2.6], 7, {animate: false})")
        before = page.evaluate(
            "window.__reindus.map._rc.index.getClusters([-180, -85, 180, 85], 7)"
            ".reduce((n, c) => n + (c.properties.point_count || 1), 0)"
        )
        page.locator(".leaflet-control-layers").hover()
        page.get_by_label("Maroquinerie (1)").uncheck()
        after = page.evaluate(
            "window.__reindus.map._rc.index.getClusters([-180, -85, 180, 85], 7)"
            ".reduce((n, c) => n + (c.properties.point_count || 1), 0)"
        )
        assert (before, after) == (5, 4)


# ---------------------------------------------------------------------------- served sites


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> FileStore:
    """The app's way for many sites (a file served next to the page), here from 1 site on."""
    monkeypatch.setattr(mapview, "SERVE_MIN_SITES", 1)
    return FileStore(tmp_path / "cache", "/cache")


@pytest.fixture
def data_sites(sites) -> gpd.GeoDataFrame:
    """The sites as the app's data (no uploaded ones: those are never served)."""
    return sites.assign(layer="data")


SELECTIONS = {
    "all": lambda f: f,
    "some": lambda f: f[f["id"].isin(["hostile", "dep-only", "upload-1"])],
    "one": lambda f: f[f["id"] == "beta-inconnu"],
    "none": lambda f: f.iloc[0:0],
}


@pytest.mark.parametrize("which", sorted(SELECTIONS))
def test_served_sites_draw_the_same_markers_as_sites_in_the_page(data_sites, communes, store, which):
    selection = SELECTIONS[which](data_sites)
    inline = render(mapview.build_map(selection, communes, cards_from=data_sites))
    page = render(mapview.build_map(selection, communes, cards_from=data_sites, files=store))
    (payload,) = calls(page, "addSites")
    assert set(payload) == {"src", "sel", "n", "gs", "gu"} and payload["n"] == len(selection)
    assert (payload["sel"] is None) == (which == "all")
    assert records(page, store) == records(inline)
    assert len(records(inline)) == len(selection)
    # the page carries no site text: the names are in the file only
    assert "alpha-usine" not in page and html.escape(HOSTILE) not in page
    assert [p.name for p in store.directory.iterdir()] == [payload["src"].rsplit("/", 1)[1]]


def test_a_filter_change_reuses_the_file(data_sites, communes, store):
    def payload(selection: gpd.GeoDataFrame) -> tuple[dict, str]:
        page = render(mapview.build_map(selection, communes, cards_from=data_sites, files=store))
        return calls(page, "addSites")[0], page

    first, _ = payload(data_sites)
    second, _ = payload(data_sites.iloc[:2])
    assert first["src"] == second["src"] and first["sel"] != second["sel"]
    assert len(list(store.directory.iterdir())) == 1
    (store.directory / first["src"].rsplit("/", 1)[1]).unlink()  # cleaned up behind the app's back
    third, page = payload(data_sites)
    assert third["src"] == first["src"] and len(records(page, store)) == 5  # written again


def test_sites_stay_in_the_page_when_few_or_without_a_store(sites, communes, tmp_path: Path):
    store = FileStore(tmp_path / "cache", "/cache")
    assert len(sites) < mapview.SERVE_MIN_SITES
    for m in (
        mapview.build_map(sites, communes, cards_from=sites, files=store),  # 5 sites
        mapview.build_map(sites, communes, cards_from=sites),  # an exported page: no store
        mapview.build_map(sites, communes, files=store),  # no frame to serve
    ):
        (payload,) = calls(render(m), "addSites")
        assert "src" not in payload and len(payload["i"]) == 5
    assert not store.directory.exists()


@pytest.mark.parametrize("cluster", [False, True])
def test_served_sites_in_chromium(data_sites, communes, store, tmp_path: Path, cluster):
    """The runtime fetches the file, keeps the selected sites, and their cards read its texts."""
    selection = data_sites[data_sites["id"] != "dep-only"]
    m = mapview.build_map(selection, communes, cards_from=data_sites, files=store, cluster=cluster)
    with offline_page(m, tmp_path, http=True) as page:
        assert page.evaluate("window.__siteCount") == 4
        assert page.evaluate("Object.keys(window.__siteIndex || window.__sites).sort()") == sorted(
            selection["id"]
        )
        page.evaluate("window.__reindus.openSite('hostile')")
        card_el = page.locator('.rc-card[data-site-id="hostile"]')
        card_el.wait_for()
        assert HOSTILE in card_el.inner_text() and "Verre" in card_el.inner_text()
        assert page.locator(".rc-card script, .rc-card img").count() == 0
        page.evaluate("window.__reindus.openCommune('03901')")
        commune = page.locator(".rc-commune")
        commune.wait_for()
        assert "Site alpha-usine" in commune.inner_text() and HOSTILE in commune.inner_text()
        assert page.locator(".rc-error").count() == 0


def test_a_missing_site_file_is_said_on_the_map(data_sites, communes, store, tmp_path: Path):
    lost = FileStore(store.directory, "/nowhere")  # written, but not where its URL points
    m = mapview.build_map(data_sites, communes, cards_from=data_sites, files=lost)
    with offline_page(m, tmp_path, http=True) as page:
        assert page.locator(".rc-error").inner_text() == mapview._t("sites_failed", "fr")
        assert page.evaluate("window.__siteCount") == 0
        assert page.locator(".leaflet-control-layers").count() == 1  # the rest of the map works


def test_sites_stay_in_the_page_when_the_store_cannot_be_written(
    data_sites, communes, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(mapview, "SERVE_MIN_SITES", 1)
    (tmp_path / "file").write_text("not a directory")
    store = FileStore(tmp_path / "file" / "cache", "/cache")  # mkdir fails: as a read-only app directory
    with pytest.warns(UserWarning, match="sites not served"):
        page = render(mapview.build_map(data_sites, communes, cards_from=data_sites, files=store))
    (payload,) = calls(page, "addSites")
    assert "src" not in payload and len(records(page)) == 5


def test_uploaded_sites_are_never_written_to_disk(sites, communes, store):
    assert (sites["layer"] == "upload").any()
    page = render(mapview.build_map(sites, communes, cards_from=sites, files=store))
    (payload,) = calls(page, "addSites")
    assert "src" not in payload and len(records(page)) == 5
    assert not store.directory.exists()
    data_only = sites[sites["layer"] != "upload"]
    page = render(mapview.build_map(data_only, communes, cards_from=data_only, files=store))
    assert "src" in calls(page, "addSites")[0] and len(records(page, store)) == 4
