"""What the bench measures of the app, in one place: the map entry points and st_folium's server side.

Re-point this module when ``geo.mapview`` changes; the rest of the bench only calls
:func:`load_background`, :func:`map_of_selection`, :func:`commune_layer_map` and
:func:`st_folium_server_side`.
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd

from geo import mapview
from geo.aggregate import aggregate
from geo.join import join_sites_to_communes
from geo.served import FileStore


def api_name() -> str:
    """The map entry points measured (recorded with the results)."""
    return (
        "mapview.map_of_selection(selection, Background.load(), cards_from=all sites, files=FileStore)"
        " + mapview.commune_layer_map"
    )


def load_background() -> mapview.Background:
    """The cached read-only layers the app builds once per process."""
    return mapview.Background.load()


def map_of_selection(
    selection: gpd.GeoDataFrame,
    background: mapview.Background,
    *,
    all_sites: gpd.GeoDataFrame,
    files: FileStore | None,
    **options,
) -> folium.Map:
    """The app's map of a filtered selection of joined sites (``all_sites``: the unfiltered
    frame, which app.build_map passes as ``cards_from``; ``files``: where the app serves
    the sites' file, as app.build_map passes ``geo.served.APP_FILES``)."""
    return mapview.map_of_selection(selection, background, cards_from=all_sites, files=files, **options)


def served_bytes(files: FileStore) -> int:
    """Size of the (compressed) files the maps made so far put in ``files``: what the
    browser fetches once, besides each map's own payload."""
    return sum(p.stat().st_size for p in files.directory.glob("*.json.gz"))


def commune_layer_map(
    codes: list[str], background: mapview.Background, sites_per_commune: gpd.GeoDataFrame
) -> tuple[folium.Map, str]:
    """A map whose commune layer holds every commune of ``codes``, as a choropleth of the
    figures of ``sites_per_commune`` (no markers); returns (map, how it was made)."""
    stats = aggregate(sites_per_commune, background.population, "commune").rename(columns={"code": "insee"})
    return (
        mapview.commune_layer_map(codes, background, stats),
        "mapview.commune_layer_map(codes, background, stats): the communes' layer, no markers",
    )


def one_site_per_commune(communes: gpd.GeoDataFrame, departements, regions, template: gpd.GeoDataFrame):
    """Joined sites, one at each commune's anchor point, with the properties of ``template``'s rows."""
    sites = template.iloc[[i % len(template) for i in range(len(communes))]].reset_index(drop=True)
    sites = sites.assign(
        id=[f"commune-{code.lower()}" for code in communes["insee"]],
        insee=communes["insee"].to_numpy(),
        commune=communes["nom"].to_numpy(),
        dep=communes["dep"].to_numpy(),
        location_precision="commune",
    )
    sites = sites.set_geometry(gpd.points_from_xy(communes["lon"], communes["lat"]), crs="EPSG:4326")
    joined = join_sites_to_communes(sites, communes, departements, regions)
    joined["layer"] = "data"
    return joined


# --------------------------------------------------------------------------- st_folium


def st_folium_server_side(
    fig: folium.Map, *, key: str = "map", height: int = 560, returned_objects=("last_object_clicked",)
) -> dict:
    """What ``streamlit_folium.st_folium`` (0.27.4) does with the map on the server, then Streamlit's
    ``json.dumps`` of the component arguments; returns ``{"payload_bytes", "args"}``.

    Copied step by step from ``st_folium`` (render=True, use_container_width=True, no
    feature_group_to_add / layer_control), calling its private helpers ``_get_html``,
    ``_get_header``, ``_get_map_string``, ``get_full_id`` and ``generate_js_hash``; only
    the final ``_component_func(...)`` call (which needs a running script) is replaced by
    the serialisation Streamlit's ``custom_component`` does with those arguments.
    """
    import branca
    from streamlit_folium import _get_header, _get_html, _get_map_string, generate_js_hash, get_full_id

    folium_map = fig
    folium_map.get_root().render()
    folium_map.render()
    html = _get_html(folium_map)
    header = _get_header(folium_map)
    leaflet = _get_map_string(folium_map)
    m_id = get_full_id(folium_map)
    try:
        bounds = folium_map.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    southwest, northeast = bounds
    defaults = {
        "last_object_clicked": None,
        "bounds": {
            "_southWest": {"lat": southwest[0], "lng": southwest[1]},
            "_northEast": {"lat": northeast[0], "lng": northeast[1]},
        },
        "zoom": folium_map.options.get("zoom") if hasattr(folium_map, "options") else {},
    }
    defaults = {k: v for k, v in defaults.items() if k in returned_objects}

    def walk(element):
        if isinstance(element, branca.colormap.ColorMap):
            yield element
        if isinstance(element, folium.elements.JSCSSMixin):
            yield element
        if hasattr(element, "_children"):
            for child in element._children.values():
                yield from walk(child)

    css_links: list[str] = []
    js_links: list[str] = []
    for element in walk(folium_map):
        if isinstance(element, branca.colormap.ColorMap):
            js_links.insert(0, "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")
            js_links.insert(0, "https://d3js.org/d3.v4.min.js")
        css_links.extend([href for _, href in getattr(element, "default_css", [])])
        js_links.extend([src for _, src in getattr(element, "default_js", [])])
    css_links = list(dict.fromkeys(css_links))
    js_links = list(dict.fromkeys(js_links))
    hash_key = generate_js_hash(leaflet, key, False)
    args = {
        "script": leaflet,
        "header": header,
        "html": html,
        "id": m_id,
        "height": height,
        "width": None,
        "returned_objects": list(returned_objects),
        "zoom": None,
        "center": None,
        "feature_group": None,
        "return_on_hover": False,
        "layer_control": None,
        "pixelated": False,
        "css_links": css_links,
        "js_links": js_links,
        "wrap_longitude": False,
        "default": defaults,
        "key": hash_key,
    }
    serialized = json.dumps(args)  # streamlit.components.v1.custom_component: json_args
    return {
        "payload_bytes": len(serialized.encode("utf-8")),
        "parts": {k: len(args[k]) for k in ("script", "header", "html")},
    }
