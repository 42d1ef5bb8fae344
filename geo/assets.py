"""Front-end assets served by the app itself (no CDN): Leaflet and its plugins, from npm.

- ``python -m geo.assets install`` copies the few dist files the map needs from
  ``node_modules/`` (``npm ci``, versions pinned in ``package.json``) to ``static/vendor/``,
  which Streamlit serves at ``/app/static/vendor/`` (``server.enableStaticServing``).
- :func:`localize` points every JS/CSS link of a folium map (and of every element in it)
  at those copies, drops what the map does not need (jQuery, Bootstrap, Font Awesome,
  awesome-markers), and refuses an asset that is not shipped, so a new plugin cannot
  silently bring a CDN back.
- :func:`publish` puts one of our own front-end files (the map's runtime, shipped as
  package data in ``geo/mapview/static/``) in ``static/runtime/`` under a content-hashed
  name, served at ``/app/static/runtime/`` and cached by the browser.
- :func:`standalone_html` renders a map as one HTML file with Leaflet and the runtime
  inlined, that works offline once saved to disk.

This module does not import folium (only ``geo.mapview`` does): it walks the element
tree through branca's ``_children`` and the ``default_js`` / ``default_css`` lists that
folium's ``JSCSSMixin`` elements carry.
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.paths import ROOT, STATIC_DIR

if TYPE_CHECKING:  # pragma: no cover
    import folium

NODE_MODULES = ROOT / "node_modules"
PACKAGE_JSON = ROOT / "package.json"
VENDOR_DIR = STATIC_DIR / "vendor"
# Streamlit serves ./static at /app/static. The component iframe of streamlit_folium is
# served by the same server (/component/streamlit_folium.st_folium/index.html, sandboxed
# with allow-same-origin), so this root-relative URL resolves to the app's own origin.
VENDOR_URL = "/app/static/vendor"
STAMP_NAME = ".installed"
# Our own front-end files (geo/mapview/static/), published under content-hashed names.
RUNTIME_DIR = STATIC_DIR / "runtime"
RUNTIME_URL = "/app/static/runtime"

# npm package -> {file in the package: path under static/vendor/<package>/}. Only what
# the map uses: the minified JS, the CSS and the images the CSS refers to.
PACKAGES: dict[str, dict[str, str]] = {
    "leaflet": {
        "dist/leaflet.js": "leaflet.js",
        "dist/leaflet.css": "leaflet.css",
        "dist/images/layers.png": "images/layers.png",
        "dist/images/layers-2x.png": "images/layers-2x.png",
        "dist/images/marker-icon.png": "images/marker-icon.png",
        "dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
        "dist/images/marker-shadow.png": "images/marker-shadow.png",
        "LICENSE": "LICENSE",
    },
    "supercluster": {
        "dist/supercluster.min.js": "supercluster.min.js",
        "LICENSE": "LICENSE",
    },
}

# folium's resource names (the first item of its default_js / default_css pairs) -> the
# shipped copy, relative to static/vendor/.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "supercluster": "supercluster/supercluster.min.js",
}

# What folium.Map links by default and our map does not use: no Bootstrap widgets, no
# icon fonts, no awesome-markers (sites are CircleMarkers, drawn without icons).
DROPPED_ASSETS: frozenset[str] = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)


class AssetError(RuntimeError):
    """An asset is missing, stale, or not shipped by the app."""


# ---------------------------------------------------------------------------- install


def install(
    node_modules: Path = NODE_MODULES,
    dest: Path = VENDOR_DIR,
    package_json: Path = PACKAGE_JSON,
) -> list[Path]:
    """Copy the needed dist files from ``node_modules`` to ``dest`` and stamp it.

    Checks first that every package is pinned in ``package.json`` and that the version
    in ``node_modules`` is the pinned one (else ``npm ci`` was not run). Replaces ``dest``
    as a whole, so a file dropped from :data:`PACKAGES` does not linger. Returns the
    files written.
    """
    pins = _pinned_versions(package_json)
    versions: dict[str, str] = {}
    problems: list[str] = []
    for package, files in PACKAGES.items():
        pkg_dir = node_modules / package
        pin = pins.get(package)
        if pin is None:
            problems.append(f"{package_json}: dependency {package!r} is not pinned")
            continue
        installed = _installed_version(pkg_dir)
        if installed is None:
            problems.append(f"{pkg_dir}: missing (run `npm ci`)")
            continue
        if installed != pin:
            problems.append(f"{pkg_dir}: version {installed}, package.json pins {pin} (run `npm ci`)")
            continue
        missing = [name for name in files if not (pkg_dir / name).is_file()]
        if missing:
            problems.append(f"{pkg_dir}: missing {', '.join(missing)}")
        versions[package] = installed
    if problems:
        raise AssetError("cannot install front-end assets:\n  " + "\n  ".join(problems))

    staging = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    written: list[Path] = []
    for package, files in PACKAGES.items():
        for src_name, dest_name in files.items():
            target = staging / package / dest_name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(node_modules / package / src_name, target)
            written.append(dest / package / dest_name)
    # The stamp is written last: scripts/setup.sh reinstalls when it is missing or older
    # than package-lock.json.
    (staging / STAMP_NAME).write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return written


def check_installed(vendor_dir: Path = VENDOR_DIR) -> None:
    """Raise :class:`AssetError` unless every shipped file is in ``vendor_dir``."""
    missing = [
        f"{package}/{name}"
        for package, files in PACKAGES.items()
        for name in files.values()
        if not (vendor_dir / package / name).is_file()
    ]
    if not (vendor_dir / STAMP_NAME).is_file():
        missing.append(STAMP_NAME)
    if missing:
        raise AssetError(
            f"{vendor_dir}: front-end assets missing ({', '.join(missing)}); "
            "run `bash scripts/setup.sh` (npm ci + python -m geo.assets install)"
        )


def _pinned_versions(package_json: Path) -> dict[str, str]:
    try:
        deps = json.loads(package_json.read_text())["dependencies"]
    except (OSError, ValueError, KeyError) as exc:
        raise AssetError(f"{package_json}: cannot read the pinned dependencies ({exc})") from exc
    bad = {name: v for name, v in deps.items() if not re.fullmatch(r"\d+\.\d+\.\d+", v)}
    if bad:
        raise AssetError(f"{package_json}: versions must be pinned exactly, got {bad}")
    return deps


def _installed_version(pkg_dir: Path) -> str | None:
    try:
        return json.loads((pkg_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


# ---------------------------------------------------------------------------- publish


def publish(source: Path, directory: Path = RUNTIME_DIR) -> str:
    """The app-served URL of ``source`` under a content-hashed name (the browser may cache it
    for good), written atomically to ``directory`` when missing. Raises OSError when it
    cannot be written (a read-only app directory)."""
    return publish_bytes(source.stem, source.suffix, source.read_bytes(), directory)


def publish_bytes(stem: str, suffix: str, content: bytes, directory: Path = RUNTIME_DIR) -> str:
    """The app-served URL of ``content`` as ``<stem>-<hash of content><suffix>`` (see :func:`publish`)."""
    name = f"{stem}-{hashlib.blake2b(content, digest_size=8).hexdigest()}{suffix}"
    target = directory / name
    if not target.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{name}.{os.getpid()}.tmp")
        staging.write_bytes(content)
        os.replace(staging, target)
    return f"{RUNTIME_URL}/{name}"


def _is_published_url(url: str) -> bool:
    return re.fullmatch(re.escape(RUNTIME_URL) + r"/[\w-]+\.(?:js|css)", url) is not None


# A script the map carries itself (geo.mapview.build's early.js and its call): code, not a place.
INLINE_SCRIPT = "data:text/javascript;base64,"


def _is_inline_script(url: str) -> bool:
    return url.startswith(INLINE_SCRIPT)


# ---------------------------------------------------------------------------- localize


def asset_url(name: str) -> str:
    """The app-served URL of a shipped asset, by folium resource name (``"leaflet"``...)."""
    try:
        return f"{VENDOR_URL}/{LOCAL_ASSETS[name]}"
    except KeyError:
        raise AssetError(f"asset {name!r} is not shipped (known: {sorted(LOCAL_ASSETS)})") from None


def localize(m: folium.Map) -> folium.Map:
    """Point every JS/CSS link of ``m`` and of its elements at ``static/vendor``; return ``m``.

    Known Leaflet resources are replaced by the local copies, the ones the map does not
    need (jQuery, Bootstrap, icon fonts, awesome-markers) are dropped, and anything else
    raises :class:`AssetError` naming the element and the URL. Elements that would pull
    a CDN in another way are refused too: a branca ``ColorMap`` (streamlit_folium then
    loads d3 from two CDNs) and folium's ``Popup`` or ``objects_to_stay_in_front``
    (they call jQuery, which is not shipped).
    """
    problems: list[str] = []
    _clean_rendered_header(m, problems)
    for element in _walk(m):
        problems.extend(_refuse_cdn_elements(element))
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if links is None:
                continue
            kept: list[tuple[str, str]] = []
            for name, url in links:
                if name in DROPPED_ASSETS:
                    continue
                if name in LOCAL_ASSETS:
                    kept.append((name, asset_url(name)))
                elif _is_vendor_url(url) or _is_published_url(url) or _is_inline_script(url):
                    kept.append((name, url))
                else:
                    problems.append(
                        f"{_describe(element)} needs {attr[8:]} asset {name!r} ({url}), which the app "
                        "does not ship: add its npm package to package.json and geo.assets.PACKAGES "
                        "and LOCAL_ASSETS, or do without it"
                    )
            # An instance attribute: folium's lists are class attributes shared by every map.
            setattr(element, attr, kept)
    if problems:
        raise AssetError("map needs assets served from elsewhere:\n  " + "\n  ".join(problems))
    _bundle_scripts(m)
    return m


_BUNDLED: dict[str, tuple[str, ...]] = {}  # a bundle's URL -> the URLs of its files (script_sources)


def script_sources(page: str) -> list[str]:
    """The scripts ``page`` loads, in order, each bundle given as the files it holds."""
    srcs = re.findall(r'<script src="([^"]+)"', page)
    return [url for src in srcs for url in _BUNDLED.get(src, (src,))]


def _bundle_of(urls: tuple[str, ...]) -> bytes:
    """One script made of ``urls``' files, in that order (the files are content-hashed or vendored)."""
    return joined_scripts(tuple(_vendor_file(url, VENDOR_DIR) for url in urls))


@functools.lru_cache(maxsize=16)
def joined_scripts(paths: tuple[Path, ...]) -> bytes:
    """Scripts as one, in order, each file whole but for its source-map comment; read once
    per process (shipped files: vendored, or the runtime's package data)."""
    parts = [_SOURCE_MAP.sub("\n", path.read_text(encoding="utf-8")) for path in paths]
    # (each file as it was: its own statement list; ";" ends a file whose last statement has none)
    return "\n;\n".join(parts).encode("utf-8")


def _bundle_scripts(m: Any) -> None:
    """The map's scripts (Leaflet, its plugins, the runtime) as one served file: the map's
    iframe (streamlit_folium loads a page's scripts one after the other) then makes one
    request instead of one per file, in the order folium renders them (issue 14). A map
    that cannot publish it (a read-only app directory) keeps its links."""
    holders = [e for e in _walk(m) if getattr(e, "default_js", None)]
    # (a script the map carries itself stays a script of its own, first: INLINE_SCRIPT)
    inline = [(name, url) for e in holders for name, url in e.default_js if _is_inline_script(url)]
    urls = tuple(dict.fromkeys(url for e in holders for _, url in e.default_js if not _is_inline_script(url)))
    if len(urls) < 2:
        return
    try:
        bundle = publish_bytes("bundle", ".js", _bundle_of(urls))
    except OSError:
        return
    _BUNDLED[bundle] = urls
    for element in holders:
        element.default_js = []
    m.default_js = [*inline, ("reindus_bundle", bundle)]


def _clean_rendered_header(m: Any, problems: list[str]) -> None:
    """Fix the links an earlier render already put in the page header (they are re-added on render)."""
    root = m.get_root() if hasattr(m, "get_root") else None
    header = getattr(root, "header", None)
    for name, child in list(getattr(header, "_children", {}).items()):
        if type(child).__name__ not in ("JavascriptLink", "CssLink"):
            continue
        if name in DROPPED_ASSETS:
            del header._children[name]
        elif name in LOCAL_ASSETS:
            child.url = asset_url(name)
        elif not (_is_vendor_url(child.url) or _is_published_url(child.url)):
            problems.append(f"page header links {name!r} ({child.url}), which the app does not ship")


def _walk(element: Any) -> Iterator[Any]:
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


def _refuse_cdn_elements(element: Any) -> list[str]:
    names = {cls.__name__ for cls in type(element).__mro__}
    if "ColorMap" in names:
        return [
            f"{_describe(element)}: a branca ColorMap makes streamlit_folium load d3 from a CDN; "
            "draw the legend as HTML (geo.mapview does)"
        ]
    if type(element).__name__ == "Popup" and type(element).__module__.startswith("folium"):
        return [f"{_describe(element)}: folium.Popup needs jQuery, which the app does not ship"]
    if getattr(element, "objects_to_stay_in_front", None):
        return [f"{_describe(element)}: objects_to_stay_in_front needs jQuery, which the app does not ship"]
    return []


def _describe(element: Any) -> str:
    name = element.get_name() if hasattr(element, "get_name") else "?"
    return f"{type(element).__module__}.{type(element).__name__} {name}"


def _is_vendor_url(url: str) -> bool:
    if not url.startswith(VENDOR_URL + "/"):
        return False
    shipped = {f"{package}/{name}" for package, files in PACKAGES.items() for name in files.values()}
    return url[len(VENDOR_URL) + 1 :] in shipped


# ---------------------------------------------------------------------------- checks


class _ResourceParser(HTMLParser):
    """Collect the URLs an HTML page loads by itself (script src, link href, img src...)."""

    _ATTRS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = self._ATTRS.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)

    handle_startendtag = handle_starttag


def loaded_urls(html_text: str) -> list[str]:
    """The URLs of the scripts, stylesheets, images and frames that ``html_text`` loads."""
    parser = _ResourceParser()
    parser.feed(html_text)
    parser.close()
    return parser.urls


def external_urls(html_text: str) -> list[str]:
    """The loaded URLs (see :func:`loaded_urls`) that point at another host.

    Tile URL templates live inside scripts and are not counted: only tiles may come
    from outside.
    """
    return [u for u in loaded_urls(html_text) if re.match(r"(?i)^(?:[a-z][a-z0-9+.-]*:)?//", u)]


# ---------------------------------------------------------------------------- standalone


_SCRIPT_LINK = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_CSS_LINK = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"/>')
_CSS_URL = re.compile(r"url\((?P<q>['\"]?)(?P<path>images/[^)'\"]+)(?P=q)\)")
_SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S+\s*$")


def standalone_html(m: folium.Map, *, title: str | None = None, vendor_dir: Path = VENDOR_DIR) -> str:
    """One self-contained HTML page of ``m``: Leaflet's and the runtime's JS, CSS and images inlined.

    Saved to disk it works offline (only basemap tiles need the network). Raises
    :class:`AssetError` when the vendor files are not installed or when the page would
    still load anything from elsewhere.
    """
    check_installed(vendor_dir)
    localize(m)
    root = m.get_root()
    if title is not None:
        import html as _html

        root.title = _html.escape(title)
    page = root.render()

    def script(match: re.Match[str]) -> str:
        url = match["url"]
        if _is_inline_script(url):
            code = base64.b64decode(url[len(INLINE_SCRIPT) :]).decode("utf-8")
        else:
            code = _SOURCE_MAP.sub("\n", _vendor_file(url, vendor_dir).read_text(encoding="utf-8"))
        # Inline code must not close its own <script> element.
        return "<script>" + re.sub(r"(?i)</script", r"<\\/script", code) + "</script>"

    def stylesheet(match: re.Match[str]) -> str:
        path = _vendor_file(match["url"], vendor_dir)
        css = _CSS_URL.sub(lambda u: f'url("{_data_uri(path.parent / u["path"])}")', path.read_text("utf-8"))
        return "<style>" + re.sub(r"(?i)</style", r"<\\/style", css) + "</style>"

    page = _SCRIPT_LINK.sub(script, page)
    page = _CSS_LINK.sub(stylesheet, page)
    leftover = loaded_urls(page)
    if leftover:
        raise AssetError(f"standalone page still loads {leftover}")
    return page


def _vendor_file(url: str, vendor_dir: Path) -> Path:
    if _is_published_url(url):
        return RUNTIME_DIR / url[len(RUNTIME_URL) + 1 :]
    if not _is_vendor_url(url):
        raise AssetError(f"standalone page: {url} is not a shipped asset")
    return vendor_dir / url[len(VENDOR_URL) + 1 :]


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


# ---------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.assets", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="copy Leaflet & plugins from node_modules/ to static/vendor/")
    sub.add_parser("check", help="exit 1 unless static/vendor/ holds every shipped file")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            written = install(NODE_MODULES, VENDOR_DIR, PACKAGE_JSON)
            print(f"installed {len(written)} files in {VENDOR_DIR}")
        else:
            check_installed(VENDOR_DIR)
            print(f"{VENDOR_DIR}: ok")
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
