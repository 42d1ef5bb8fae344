"""Tier 3: the folium map's HTML — one marker per site, escaped text, local assets only.

The payloads are read with the reference decoder (geo.mapview.payload), as the runtime reads them.
"""

from __future__ import annotations

import html
import re
import struct
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from map_fixtures import (
    HOSTILE,
    TEMPLATE_INJECTION,
    calls,
    card,
    commune_cards,
    finish_view,
    frame,
    records,
    render,
    runtime_config,
    site,
)
from shapely.geometry import Point

from geo import assets, mapview
from geo.mapview import build
from geo.mapview.elements import STATIC
from geo.served import FileStore

RUNTIME_JS = (STATIC / "runtime.js").read_text("utf-8")
DECODE_JS = (STATIC / "decode.js").read_text("utf-8")
RUNTIME_CSS = (STATIC / "runtime.css").read_text("utf-8")


# ---------------------------------------------------------------------------- markers


def test_one_marker_per_site(full_map, sites):
    page = render(full_map)
    recs = records(page)
    assert sorted(recs) == sorted(sites["id"])
    assert sum(len(payload["ids"]) for payload in calls(page, "addSites")) == len(sites)
    assert "L.circleMarker(" not in page  # drawn by the runtime (a linked file), no code per site
    assert runtime_config(page)["sortMax"] == build.SVG_MAX_SITES


def test_markers_are_coloured_and_sized_by_jobs(full_map):
    recs = records(render(full_map))
    assert recs["alpha-usine"]["sector"] == "leather-goods"
    assert recs["alpha-usine"]["radius"] == pytest.approx(mapview.radius_px(120), abs=0.05)
    assert recs["upload-1"]["radius"] == mapview.RADIUS_MIN_PX  # 12 jobs: the floor
    assert mapview.radius_px(10**6) == mapview.RADIUS_MAX_PX
    assert mapview.radius_px(400) == pytest.approx(2 * mapview.radius_px(100))  # area ∝ jobs


def test_unknown_jobs_are_drawn_hollow(full_map):
    recs = records(render(full_map))
    assert recs["beta-inconnu"]["unknown_jobs"]
    assert recs["beta-inconnu"]["radius"] == mapview.RADIUS_UNKNOWN_PX
    assert [i for i, r in recs.items() if r["unknown_jobs"]] == ["beta-inconnu"]
    assert "emplois non chiffrés" in recs["beta-inconnu"]["tip"]


def test_departement_precision_is_styled_differently(full_map):
    page = render(full_map)
    recs = records(page)
    assert [i for i, r in recs.items() if r["departement"]] == ["dep-only"]
    # The runtime draws such a site with a dashed ring and a large translucent dashed halo.
    assert "if (p.departement[i])" in RUNTIME_JS and "L.circle(ll," in RUNTIME_JS
    assert runtime_config(page)["halo"] == mapview.DEPARTEMENT_HALO_M


def test_uploaded_sites_have_their_own_layer(full_map):
    page = render(full_map)
    recs = records(page)
    assert recs["upload-1"]["upload"]
    payloads = calls(page, "addSites")
    (payload,) = payloads  # one payload; each marker goes to its layer's group
    uploads = [i for i, up in zip(payload["ids"], payload["upload"], strict=True) if up]
    assert uploads == ["upload-1"]
    assert [r["id"] for r in recs.values() if r["group"] == recs["upload-1"]["group"]] == ["upload-1"]
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
    assert records(page)["alpha-usine"]["className"] == "site-marker site-alpha-usine sector-leather-goods"
    assert "'site-marker site-' + p.ids[i].replace(/[^A-Za-z0-9_-]/g, '_') + ' sector-'" in DECODE_JS
    assert "window.__sites[p.ids[i]] = m" in RUNTIME_JS and "window.__mapReady = true" in RUNTIME_JS
    assert "data-site-count" in RUNTIME_JS


def test_marker_class_of_an_odd_id_is_css_safe(communes):
    m = mapview.build_map(frame([site('a b/c"<d>', 2.2, 46.5)]), communes)
    rec = records(render(m))['a b/c"<d>']
    assert rec["className"].split()[1] == "site-a_b_c__d_"


def test_small_maps_use_svg_and_large_ones_canvas(sites, monkeypatch):
    assert mapview.build_map(sites).options["prefer_canvas"] is False
    monkeypatch.setattr(build, "SVG_MAX_SITES", 3)
    assert mapview.build_map(sites).options["prefer_canvas"] is True


def test_clustering_uses_the_local_supercluster(sites):
    page = render(mapview.build_map(sites, cluster=True))
    assert f"{assets.VENDOR_URL}/supercluster/supercluster.min.js" in assets.script_sources(page)
    assert '"cluster":true' in page
    assert assets.external_urls(page) == []
    plain = assets.script_sources(render(mapview.build_map(sites)))
    assert not any("supercluster" in url for url in plain)  # not loaded when not used
    # the same sites travel either way: clustering is the browser's business
    assert records(page).keys() == records(render(mapview.build_map(sites))).keys()


def test_coordinates_are_rounded(sites):
    moved = sites.copy()
    moved.geometry = [Point(2.123456789, 46.987654321)] + list(moved.geometry[1:])
    rec = records(render(mapview.build_map(moved)))["alpha-usine"]
    assert (rec["lon"], rec["lat"]) == (2.12346, 46.98765)


def test_sites_in_another_crs_are_reprojected(sites):
    page = render(mapview.build_map(sites.to_crs(2154)))
    rec = records(page)["alpha-usine"]
    assert (rec["lon"], rec["lat"]) == pytest.approx((2.25, 46.5), abs=1e-5)


# ---------------------------------------------------------------------------- escaping


def test_a_hostile_site_name_is_text(full_map):
    page = render(full_map)
    for raw in ("<script>alert(1)", "<img src=x", "onerror=alert(2)>"):
        assert raw not in page, raw
    escaped = html.escape(HOSTILE)
    rec = records(page)["hostile"]
    assert escaped in rec["tip"] and escaped in rec["head"]
    assert escaped in page  # the JSON carries the escaped text as is


def test_template_syntax_in_data_is_not_evaluated_on_the_server(communes):
    """branca re-compiles rendered macros as jinja templates: {{ 6*7 }} in a name became 42."""
    sites = frame([site("{{ 6*7 }}", 2.2, 46.5, name="X{{ 7*7 }}Y{% if true %}Z{% endif %}")])
    page = render(mapview.build_map(sites, communes))
    rec = records(page)["{{ 6*7 }}"]
    assert "X{{ 7*7 }}Y{% if true %}Z{% endif %}" in rec["tip"]
    assert "X49Y" not in page


def test_no_data_text_reaches_a_javascript_template_literal(full_map):
    """folium's Tooltip/Popup paste text into `...` literals, where ${...} runs even after HTML escaping."""
    page = render(full_map)
    assert not any(isinstance(e, (folium.Tooltip, folium.Popup)) for e in assets._walk(full_map))
    rec = records(page)["hostile"]
    assert ["f_company", html.escape(TEMPLATE_INJECTION)] in rec["rows"]
    # The only backtick in the page is inside that JSON string value.
    assert page.count("`") == 1


def test_a_javascript_url_in_a_source_is_not_a_link(full_map):
    page = render(full_map)
    sources = dict(records(page)["hostile"]["rows"])["f_sources"]
    assert "href" not in sources
    assert "&lt;b&gt;Piège&lt;/b&gt;" in sources and "Sans lien" in sources
    assert not re.search(r"(?i)href=\\?\"\s*javascript", page)
    good = dict(records(page)["alpha-usine"]["rows"])["f_sources"]
    assert 'href="https://example.org/a" target="_blank" rel="noopener noreferrer"' in good


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
    rows = dict(records(page)["a"]["rows"])
    assert rows["f_notes"] == "Point à la mairie"
    assert rows["x_capacity"] == "&lt;i&gt;400 000&lt;/i&gt;"
    assert (
        runtime_config(page)["labels"]["x_capacity"] == "capacity"
    )  # its label, registered with the runtime


def test_sites_without_optional_columns(communes):
    bare = gpd.GeoDataFrame({"id": ["u1"], "name": ["Mon site"], "sector": ["other"]}, geometry=[Point(2.2, 46.5)],
                            crs="EPSG:4326")  # fmt: skip
    rec = records(render(mapview.build_map(bare)))["u1"]
    assert rec["unknown_jobs"] and "Mon site" in rec["tip"]


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
        assert text in alpha["head"], text
    assert "Beta &lt;b&gt;" in beta["head"] and "Beta <b>" not in page
    assert "emplois non chiffrés" in beta["head"]
    assert "Emplois pour 1 000 habitants" not in beta["head"]  # 0 known jobs is no ratio


def test_commune_stats_are_computed_when_not_given(sites, communes):
    page = render(mapview.build_map(sites, communes))
    alpha = commune_cards(page)["03901"]
    assert "252 emplois" in alpha["head"]  # alpha 120 + hostile 120 + upload 12
    assert "<td>3<ul" in alpha["head"]


def test_outline_layers_are_not_interactive(full_map):
    page = render(full_map)
    options = re.findall(r'\{"pane":"rc-outlines","interactive":false', page)
    assert len(options) == 2


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


def test_presenter_mode_uses_larger_type(sites):
    assert runtime_config(render(mapview.build_map(sites, large=True)))["cssVars"]["--rc-fs"] == "18px"
    assert runtime_config(render(mapview.build_map(sites)))["cssVars"]["--rc-fs"] == "13px"
    assert "font-size: var(--rc-fs)" in RUNTIME_CSS


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
    assert assets.script_sources(page)[0] == f"{assets.VENDOR_URL}/leaflet/leaflet.js"
    (bundle,) = re.findall(r'<script src="([^"]+)"', page)  # (one request: geo.assets bundles them)
    assert bundle.startswith(f"{assets.RUNTIME_URL}/bundle-")
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
    assert links and all(url.startswith((assets.VENDOR_URL + "/", assets.RUNTIME_URL + "/")) for url in links)
    # the scripts (in one bundle: Leaflet, the runtime) and the runtime's stylesheet are
    # app-served files under content-hashed names
    assert [u.rsplit("/", 1)[1].split("-")[0] for u in links if u.startswith(assets.RUNTIME_URL)] == [
        "bundle",
        "runtime",
    ]
    (bundle,) = [u for element in assets._walk(full_map) for _, u in getattr(element, "default_js", [])]
    assert [u.rsplit("/", 1)[1].split("-")[0] for u in assets._BUNDLED[bundle]] == ["leaflet.js", "decode", "runtime"]
    script = streamlit_folium._get_map_string(full_map)
    assert "window.ReindusMap.init(map_div," in script
    assert "window.ReindusMap.view(map_div," in script and "window.ReindusMap.finish(map_div)" in script
    # the sites travel in the html part (inert JSON), not in the script st_folium reprocesses
    body = streamlit_folium._get_html(full_map)
    assert '<script type="application/json"' in body and '<script type="application/json"' not in script
    assert len(records(script + body)) == 5


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


# ---------------------------------------------------------------------------- served sites


def store(tmp_path: Path, monkeypatch) -> FileStore:
    """The app's way for many sites (a file served next to the page), here from 1 site on."""
    monkeypatch.setattr(build, "SERVE_MIN_SITES", 1)
    return FileStore(tmp_path / "cache", "/cache")


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
    assert set(payload) == {"file", "selection", "count", "group_of_sector", "group_of_upload"}
    assert payload["count"] == len(selection)
    assert (payload["selection"] is None) == (which == "all")
    assert records(page, store) == records(inline)
    assert len(records(inline)) == len(selection)
    # the page carries no site text: the names are in the file only
    assert "alpha-usine" not in page and html.escape(HOSTILE) not in page
    assert [p.name for p in store.directory.iterdir()] == [payload["file"].rsplit("/", 1)[1]]


def test_a_filter_change_reuses_the_file(data_sites, communes, store):
    def payload(selection: gpd.GeoDataFrame) -> tuple[dict, str]:
        page = render(mapview.build_map(selection, communes, cards_from=data_sites, files=store))
        return calls(page, "addSites")[0], page

    first, _ = payload(data_sites)
    second, _ = payload(data_sites.iloc[:2])
    assert first["file"] == second["file"] and first["selection"] != second["selection"]
    assert len(list(store.directory.iterdir())) == 1
    (store.directory / first["file"].rsplit("/", 1)[1]).unlink()  # cleaned up behind the app's back
    third, page = payload(data_sites)
    assert third["file"] == first["file"] and len(records(page, store)) == 5  # written again


def test_sites_stay_in_the_page_when_few_or_without_a_store(sites, communes, tmp_path: Path):
    store = FileStore(tmp_path / "cache", "/cache")
    assert len(sites) < build.SERVE_MIN_SITES
    for m in (
        mapview.build_map(sites, communes, cards_from=sites, files=store),  # 5 sites
        mapview.build_map(sites, communes, cards_from=sites),  # an exported page: no store
        mapview.build_map(sites, communes, files=store),  # no frame to serve
    ):
        (payload,) = calls(render(m), "addSites")
        assert "file" not in payload and len(payload["ids"]) == 5
    assert not store.directory.exists()


def test_sites_stay_in_the_page_when_the_store_cannot_be_written(
    data_sites, communes, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(build, "SERVE_MIN_SITES", 1)
    (tmp_path / "file").write_text("not a directory")
    store = FileStore(tmp_path / "file" / "cache", "/cache")  # mkdir fails: as a read-only app directory
    with pytest.warns(UserWarning, match="sites not served"):
        page = render(mapview.build_map(data_sites, communes, cards_from=data_sites, files=store))
    (payload,) = calls(page, "addSites")
    assert "file" not in payload and len(records(page)) == 5


def test_uploaded_sites_are_never_written_to_disk(sites, communes, store):
    assert (sites["layer"] == "upload").any()
    page = render(mapview.build_map(sites, communes, cards_from=sites, files=store))
    (payload,) = calls(page, "addSites")
    assert "file" not in payload and len(records(page)) == 5
    assert not store.directory.exists()
    data_only = sites[sites["layer"] != "upload"]
    page = render(mapview.build_map(data_only, communes, cards_from=data_only, files=store))
    assert "file" in calls(page, "addSites")[0] and len(records(page, store)) == 4


def test_hidden_layers_start_switched_off(sites, communes, departements, regions):
    m = mapview.build_map(
        sites, communes, None, departements, regions, hidden=["glass", "uploads", "communes", "regions"]
    )
    shown = {
        c.layer_name: c.show for c in m._children.values() if isinstance(c, folium.FeatureGroup) and c.overlay
    }
    off = sorted(name.split("</span>")[-1] for name, show in shown.items() if not show)
    assert off == ["Communes : emplois", "Régions", "Verre (1)", "Vos sites (1)"]
