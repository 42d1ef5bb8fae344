"""What the bench measures of the app, in one place: the map entry points and st_folium's server side.

Re-point this module when ``geo.mapview`` changes; the rest of the bench only calls
:func:`load_background`, :func:`map_of_selection`, :func:`commune_layer_map` and
:func:`st_folium_server_side`.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd

from geo import mapview
from geo.aggregate import aggregate
from geo.join import join_sites_to_communes
from geo.load import load_communes, load_departements, load_regions


def api_name() -> str:
    """Which map entry point this checkout offers (recorded with the results)."""
    if hasattr(mapview, "map_of_selection") and hasattr(mapview, "Background"):
        extra = " + commune_layer_map" if hasattr(mapview, "commune_layer_map") else ""
        return "mapview.map_of_selection(selection, Background.load())" + extra
    return "mapview.build_map (legacy, as app.build_map calls it)"


@dataclass
class _LegacyBackground:
    """The layers app.load_base gives to build_map, for a checkout without ``mapview.Background``."""

    communes: gpd.GeoDataFrame
    departements: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame

    @property
    def population(self) -> pd.Series:
        return self.communes.set_index("insee")["population"]


def load_background():
    """The cached read-only layers the app builds once per process."""
    if hasattr(mapview, "Background"):
        return mapview.Background.load()
    return _LegacyBackground(load_communes(), load_departements(), load_regions())


def map_of_selection(
    selection: gpd.GeoDataFrame, background, *, all_sites: gpd.GeoDataFrame | None = None, **options
) -> folium.Map:
    """The app's map of a filtered selection of joined sites (``all_sites``: the unfiltered
    frame, which app.build_map passes as ``cards_from`` when map_of_selection takes it)."""
    if hasattr(mapview, "map_of_selection") and not isinstance(background, _LegacyBackground):
        if all_sites is not None and "cards_from" in inspect.signature(mapview.map_of_selection).parameters:
            options["cards_from"] = all_sites
        return mapview.map_of_selection(selection, background, **options)
    # Legacy: what app.build_map did before mapview.map_of_selection existed.
    communes = background.communes
    hosting = communes[communes["insee"].isin(selection["insee"].dropna())]
    stats = aggregate(selection, communes.set_index("insee")["population"], "commune")
    deps = background.departements[background.departements["code"].isin(selection["dep"].dropna())]
    regs = background.regions[background.regions["code"].isin(selection["reg"].dropna())]
    return mapview.build_map(
        selection, hosting, stats.rename(columns={"code": "insee"}), deps, regs, **options
    )


def commune_layer_map(
    codes: list[str], background, sites_per_commune: gpd.GeoDataFrame
) -> tuple[folium.Map, str]:
    """A map whose commune layer holds every commune of ``codes``; returns (map, how it was made).

    ``sites_per_commune``: one joined site per commune of ``codes`` (the fallback when
    ``mapview.commune_layer_map`` does not exist: its markers are in the payload too).
    """
    if hasattr(mapview, "commune_layer_map"):
        return mapview.commune_layer_map(codes, background), "mapview.commune_layer_map(codes, background)"
    fmap = map_of_selection(sites_per_commune, background)
    return (
        fmap,
        f"{api_name()} with one synthetic site per commune (its {len(codes)} markers are in the payload)",
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
