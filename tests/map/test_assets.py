"""Tier 3: the front-end assets are the app's own (npm → static/vendor), never a CDN's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import branca.colormap
import folium
import folium.elements
import folium.plugins
import pytest
from map_fixtures import sites  # noqa: F401 (a fixture)

from geo import assets, mapview
from geo.paths import ROOT

CDN_NEEDLES = ("cdn.", "jsdelivr", "unpkg", "cdnjs", "googleapis", "bootstrapcdn", "code.jquery")


def make_node_modules(root: Path, versions: dict[str, str] | None = None, pins: dict[str, str] | None = None):
    """A fake npm install: every file geo.assets ships, with recognisable content."""
    versions = versions or {"leaflet": "1.9.4", "supercluster": "8.0.1"}
    pins = pins or dict(versions)
    package_json = root / "package.json"
    package_json.write_text(json.dumps({"dependencies": pins}))
    node_modules = root / "node_modules"
    for package, files in assets.PACKAGES.items():
        pkg = node_modules / package
        pkg.mkdir(parents=True)
        (pkg / "package.json").write_text(json.dumps({"name": package, "version": versions[package]}))
        for name in files:
            path = pkg / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".png"):
                path.write_bytes(b"\x89PNG\r\n\x1a\n" + name.encode())
            elif name.endswith(".css"):
                path.write_text(f"/* {package}/{name} */ .x {{ background: url(images/layers.png); }}")
            else:
                path.write_text(
                    f"/* {package}/{name} */ var s = '</script>';\n//# sourceMappingURL=x.js.map\n"
                )
        (pkg / "README.md").write_text("not shipped")
    return node_modules, package_json


@pytest.fixture
def vendor(tmp_path: Path) -> Path:
    node_modules, package_json = make_node_modules(tmp_path)
    dest = tmp_path / "static" / "vendor"
    assets.install(node_modules, dest, package_json)
    return dest


# ---------------------------------------------------------------------------- install


def test_install_copies_only_the_shipped_files_and_stamps(tmp_path: Path):
    node_modules, package_json = make_node_modules(tmp_path)
    dest = tmp_path / "vendor"
    written = assets.install(node_modules, dest, package_json)

    expected = {f"{p}/{name}" for p, files in assets.PACKAGES.items() for name in files.values()}
    on_disk = {str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()}
    assert on_disk == expected | {assets.STAMP_NAME}
    assert {str(p.relative_to(dest)) for p in written} == expected
    assert (dest / "leaflet" / "leaflet.js").read_text().startswith("/* leaflet/dist/leaflet.js */")
    assert json.loads((dest / assets.STAMP_NAME).read_text()) == {
        "leaflet": "1.9.4",
        "supercluster": "8.0.1",
    }
    assets.check_installed(dest)


def test_install_removes_files_no_longer_shipped(tmp_path: Path):
    node_modules, package_json = make_node_modules(tmp_path)
    dest = tmp_path / "vendor"
    (dest / "old-plugin").mkdir(parents=True)
    (dest / "old-plugin" / "old.js").write_text("stale")
    assets.install(node_modules, dest, package_json)
    assert not (dest / "old-plugin").exists()


def test_install_refuses_a_version_other_than_the_pin(tmp_path: Path):
    node_modules, package_json = make_node_modules(
        tmp_path,
        versions={"leaflet": "1.9.3", "supercluster": "8.0.1"},
        pins={"leaflet": "1.9.4", "supercluster": "8.0.1"},
    )
    with pytest.raises(
        assets.AssetError, match=r"leaflet: version 1\.9\.3, package\.json pins 1\.9\.4 \(run `npm ci`\)"
    ):
        assets.install(node_modules, tmp_path / "vendor", package_json)
    assert not (tmp_path / "vendor").exists()


def test_install_refuses_a_version_range(tmp_path: Path):
    node_modules, package_json = make_node_modules(
        tmp_path, pins={"leaflet": "^1.9.4", "supercluster": "8.0.1"}
    )
    with pytest.raises(assets.AssetError, match="pinned exactly"):
        assets.install(node_modules, tmp_path / "vendor", package_json)


def test_install_reports_a_missing_package(tmp_path: Path):
    node_modules, package_json = make_node_modules(tmp_path)
    for path in sorted((node_modules / "supercluster").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (node_modules / "supercluster").rmdir()
    with pytest.raises(assets.AssetError, match=r"supercluster: missing \(run `npm ci`\)"):
        assets.install(node_modules, tmp_path / "vendor", package_json)


def test_check_installed_names_the_missing_files(tmp_path: Path):
    with pytest.raises(assets.AssetError, match="leaflet/leaflet.js.*scripts/setup.sh"):
        assets.check_installed(tmp_path)


def test_cli_install_and_check(tmp_path: Path, monkeypatch, capsys):
    node_modules, package_json = make_node_modules(tmp_path)
    monkeypatch.setattr(assets, "NODE_MODULES", node_modules)
    monkeypatch.setattr(assets, "PACKAGE_JSON", package_json)
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "vendor")
    assert assets.main(["check"]) == 1
    assert "front-end assets missing" in capsys.readouterr().err
    assert assets.main(["install"]) == 0
    assert assets.main(["check"]) == 0


def test_repo_pins_every_shipped_package_exactly():
    deps = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert deps["leaflet"] == "1.9.4"
    assert set(assets.PACKAGES) <= set(deps)
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    for package in assets.PACKAGES:
        assert lock[f"node_modules/{package}"]["version"] == deps[package], package


# ---------------------------------------------------------------------------- localize


def all_links(m: folium.Map) -> list[str]:
    urls = []
    for element in assets._walk(m):
        urls += [url for _, url in getattr(element, "default_js", [])]
        urls += [url for _, url in getattr(element, "default_css", [])]
    return urls


def test_localize_serves_leaflet_from_the_app_and_refuses_plugins_it_does_not_ship():
    unshipped = folium.Map(tiles=None)
    folium.plugins.MarkerCluster().add_to(unshipped)
    with pytest.raises(assets.AssetError, match="markerclusterjs.*which the app does not ship"):
        assets.localize(unshipped)
    m = folium.Map(tiles=None)
    assets.localize(m)
    links = all_links(m)
    assert f"{assets.VENDOR_URL}/leaflet/leaflet.js" in links
    assert all(url.startswith(assets.VENDOR_URL + "/") for url in links), links

    page = m.get_root().render()
    assert assets.external_urls(page) == []
    for needle in CDN_NEEDLES:
        assert needle not in page, needle
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()


def test_localize_leaves_folium_class_defaults_alone():
    """folium's link lists are class attributes: editing them in place would localize every map."""
    before = list(folium.Map.default_js)
    assets.localize(folium.Map(tiles=None))
    assert folium.Map.default_js == before
    assert folium.Map().default_js[0][1].startswith("https://")


def test_localize_raises_on_an_asset_the_app_does_not_ship():
    class Fancy(folium.elements.JSCSSMixin):
        default_js = [("fancy_js", "https://cdn.example.org/fancy.min.js")]

    m = folium.Map(tiles=None)
    m.add_child(Fancy())
    with pytest.raises(
        assets.AssetError, match=r"Fancy .*'fancy_js' \(https://cdn\.example\.org/fancy\.min\.js\)"
    ):
        assets.localize(m)


def test_localize_refuses_a_colormap_because_streamlit_folium_loads_d3_from_a_cdn():
    m = folium.Map(tiles=None)
    m.add_child(branca.colormap.LinearColormap(["white", "red"], vmin=0, vmax=1))
    with pytest.raises(assets.AssetError, match="ColorMap"):
        assets.localize(m)


def test_localize_refuses_folium_popup_because_it_needs_jquery():
    m = folium.Map(tiles=None)
    folium.CircleMarker([46, 2], popup="hello").add_to(m)
    with pytest.raises(assets.AssetError, match="jQuery"):
        assets.localize(m)


def test_localize_fixes_links_left_by_an_earlier_render():
    m = folium.Map(tiles=None)
    m.get_root().render()  # folium puts its CDN links in the page header
    assets.localize(m)
    assert assets.external_urls(m.get_root().render()) == []


def test_external_urls_finds_scripts_styles_images_but_not_links():
    page = (
        '<script src="/app/static/vendor/leaflet/leaflet.js"></script>'
        '<script src="https://cdn.example.org/x.js"></script><link rel="stylesheet" href="//cdn.example.org/x.css"/>'
        '<img src="http://example.org/i.png"><a href="https://example.org/page">ok</a>'
    )
    assert assets.external_urls(page) == [
        "https://cdn.example.org/x.js",
        "//cdn.example.org/x.css",
        "http://example.org/i.png",
    ]


# ---------------------------------------------------------------------------- standalone


def test_standalone_html_inlines_leaflet_and_loads_nothing(vendor: Path):
    m = folium.Map(tiles=None)
    folium.CircleMarker([46.5, 2.5]).add_to(m)
    page = assets.standalone_html(m, title="Carte <test>", vendor_dir=vendor)

    assert assets.loaded_urls(page) == []
    assert "<script src=" not in page and "<link" not in page
    assert "/* leaflet/dist/leaflet.js */" in page and "/* leaflet/dist/leaflet.css */" in page
    assert "<\\/script>" in page and "var s = '</script>'" not in page  # inline JS cannot close its tag
    assert "sourceMappingURL" not in page
    assert 'url("data:image/png;base64,' in page and "url(images/" not in page
    assert "<title>Carte &lt;test&gt;</title>" in page
    for needle in CDN_NEEDLES:
        assert needle not in page, needle


def test_standalone_html_needs_the_installed_assets(tmp_path: Path):
    with pytest.raises(assets.AssetError, match="setup.sh"):
        assets.standalone_html(folium.Map(tiles=None), vendor_dir=tmp_path)


def test_standalone_html_with_the_real_vendor_files():
    """After `scripts/setup.sh`: the real Leaflet is inlined."""
    try:
        assets.check_installed()
    except assets.AssetError:
        pytest.skip("static/vendor not installed (run scripts/setup.sh)")
    page = assets.standalone_html(folium.Map(tiles=None))
    assert 'version="1.9.4"' in page
    assert assets.loaded_urls(page) == []


def test_a_maps_scripts_travel_as_one_served_file_in_folium_order(sites):  # noqa: F811
    """Issue 14: streamlit_folium loads a page's scripts one after the other; the map's
    (Leaflet, Supercluster, the runtime) are one content-hashed file, each file whole, in
    the order folium renders their links (Leaflet first)."""
    m = mapview.build_map(sites, cluster=True)
    page = m.get_root().render()
    (src,) = re.findall(r'<script src="([^"]+)"', page)
    sources = assets.script_sources(page)
    assert sources[0] == f"{assets.VENDOR_URL}/leaflet/leaflet.js"
    assert {Path(u).name.split("-")[0] for u in sources[1:]} >= {"decode", "runtime", "supercluster.min.js"}
    bundle = (assets.RUNTIME_DIR / src.rsplit("/", 1)[1]).read_text(encoding="utf-8")
    at = [bundle.index(assets._vendor_file(u, assets.VENDOR_DIR).read_text(encoding="utf-8")[:200]) for u in sources]
    assert at == sorted(at)
    assert "sourceMappingURL" not in bundle
    # the same scripts: the same file (the browser's cache keeps it across maps)
    assert re.findall(r'<script src="([^"]+)"', mapview.build_map(sites, cluster=True).get_root().render()) == [src]
