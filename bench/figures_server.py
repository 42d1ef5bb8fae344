"""Server-side figures: commune layers, loading sites, a filter change (see bench/README.md)."""

from __future__ import annotations

import gc
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.context import AURA, FULL_SIZES, Context, T, _baseline_scope, figure, median
from geo.served import FileStore


def _serve(fmap) -> dict:
    from bench.adapter import st_folium_server_side

    return st_folium_server_side(fmap)


def _layer_figure(ctx: Context, name: str, codes_of: Callable, scope: str, target: dict) -> dict:
    from bench import adapter
    from bench.baseline import naive_map

    cfg = ctx.cfg
    communes, departements, regions = ctx.layers
    chosen = codes_of(communes)
    template = ctx.joined_sites(cfg.sizes["10k"]).head(50)
    sites = adapter.one_site_per_commune(chosen, departements, regions, template)
    background = ctx.background
    builds, serves, payload, how = [], [], None, ""
    for _ in range(cfg.repeats):
        gc.collect()
        start = T()
        fmap, how = adapter.commune_layer_map(list(chosen["insee"]), background, sites)
        built = T()
        served = _serve(fmap)
        builds.append(built - start)
        serves.append(T() - built)
        payload = served["payload_bytes"]
    metrics = {
        "payload_mb": round(payload / 1e6, 3),
        "build_s": round(median([b + s for b, s in zip(builds, serves, strict=True)]), 3),
    }
    base = None
    if cfg.baseline:
        full = ctx.baseline_communes
        full = full[full["insee"].isin(chosen["insee"])]
        empty = sites.iloc[0:0]
        times, base_payload = [], None
        for _ in range(cfg.baseline_repeats):
            gc.collect()
            start = T()
            served = _serve(naive_map(full, empty))
            times.append(T() - start)
            base_payload = served["payload_bytes"]
        base = {"payload_mb": round(base_payload / 1e6, 3), "build_s": round(median(times), 3)}
    return figure(
        f"{name}: commune layer of {len(chosen)} communes (map build + st_folium server side)",
        scope,
        metrics,
        base,
        target,
        cfg,
        details={
            "communes": len(chosen),
            "method": how,
            "map_build_s_median": round(median(builds), 3),
            "st_folium_s_median": round(median(serves), 3),
            "samples_build_s": [round(b + s, 4) for b, s in zip(builds, serves, strict=True)],
        },
    )


def fig_national_layer(ctx: Context) -> dict:
    cfg = ctx.cfg
    deps = cfg.national_deps
    return _layer_figure(
        ctx,
        "national",
        lambda c: c[c["dep"].isin(deps)] if deps else c,
        cfg.scope_note("all 34,867 communes", f"communes of département(s) {', '.join(deps or [])}"),
        {"payload_mb": 4.0, "build_s": 1.0},
    )


def fig_aura_layer(ctx: Context) -> dict:
    cfg = ctx.cfg
    deps = cfg.aura_deps
    return _layer_figure(
        ctx,
        "AURA",
        lambda c: c[c["dep"].isin(deps)] if deps else c[c["reg"] == AURA],
        cfg.scope_note(
            "every commune of région 84 (Auvergne-Rhône-Alpes)", f"département(s) {', '.join(deps or [])}"
        ),
        {"payload_mb": 1.5, "build_s": None},
    )


def _load_figure(ctx: Context, size: str, target_s: float | None) -> dict:
    import geopandas as gpd

    from geo.join import join_sites_to_communes
    from geo.load import read_sites

    cfg = ctx.cfg
    n = cfg.sizes[size]
    path = ctx.synthetic_path(n)
    communes, departements, regions = ctx.layers
    reads, joins = [], []
    for _ in range(cfg.repeats):
        gc.collect()
        start = T()
        raw = read_sites(path, communes=communes)
        read = T()
        join_sites_to_communes(raw, communes, departements, regions)
        reads.append(read - start)
        joins.append(T() - read)
        del raw
    totals = [r + j for r, j in zip(reads, joins, strict=True)]
    base = None
    if cfg.baseline:
        times = []
        for _ in range(cfg.baseline_repeats):
            gc.collect()
            start = T()
            gpd.read_file(path)
            times.append(T() - start)
        base = {"load_s": round(median(times), 3)}
    return figure(
        f"load {n:,} sites: read_sites (validated against the communes) + join_sites_to_communes",
        cfg.scope_note(f"{FULL_SIZES[size]:,} synthetic sites", f"{n:,} synthetic sites"),
        {"load_s": round(median(totals), 3)},
        base,
        {"load_s": target_s},
        cfg,
        details={
            "sites": n,
            "file_mb": round(path.stat().st_size / 1e6, 2),
            "read_sites_s_median": round(median(reads), 3),
            "join_s_median": round(median(joins), 3),
            "samples_load_s": [round(t, 4) for t in totals],
            "baseline_is": "geopandas.read_file(path) (pyogrio/GDAL), no validation, no join",
        },
    )


def fig_load_sites_10k(ctx: Context) -> dict:
    return _load_figure(ctx, "10k", None)


def fig_load_sites_100k(ctx: Context) -> dict:
    return _load_figure(ctx, "100k", 5.0)  # "a few seconds"


def _filter_specs():
    from geo.filters import FilterSpec

    return {
        "all sites": FilterSpec(),
        "brownfield=yes": FilterSpec(brownfield="yes"),
        "sector=food,metals-machinery": FilterSpec(sectors=("food", "metals-machinery")),
        "reg=84": FilterSpec(regs=(AURA,)),
    }


def _baseline_filter_change(ctx: Context, sites, n: int) -> dict | None:
    """The naive baseline's map of every site (or why it was not run, and an extrapolation)."""
    from bench.baseline import naive_map
    from geo.filters import FilterSpec, apply_filters

    cfg = ctx.cfg
    base = None
    if cfg.baseline and n <= cfg.baseline_max_sites:
        communes = ctx.baseline_communes
        if cfg.baseline_deps:
            communes = communes[communes["dep"].isin(cfg.baseline_deps)]
        times, payload = [], None
        for _ in range(cfg.baseline_repeats):
            gc.collect()
            start = T()
            selection = apply_filters(sites, FilterSpec())
            served = _serve(naive_map(communes, selection))
            times.append(T() - start)
            payload = served["payload_bytes"]
        base = {"server_ms": round(1000 * median(times), 1), "payload_mb": round(payload / 1e6, 3),
                "spec": "all sites", "communes": len(communes)}  # fmt: skip
    elif cfg.baseline:
        base = {"skipped": f"{n:,} sites > --baseline-max-sites {cfg.baseline_max_sites:,}"}
        smaller = ctx.notes.get("baseline_filter_change_ms")
        if smaller:  # markers dominate: linear in the number of sites, from the smaller size
            (m, ms), *_ = smaller.items()
            base["linear_extrapolation_ms"] = round(ms * n / m, -2)
    if base and "server_ms" in base:
        ctx.notes.setdefault("baseline_filter_change_ms", {})[n] = base["server_ms"]
    return base


def _time_filter_changes(ctx: Context, sites, specs: dict, samples: dict, files: FileStore, population) -> None:
    """Each filter change of ``specs`` timed step by step, ``ctx.cfg.repeats`` times (into ``samples``)."""
    from bench import adapter
    from geo.aggregate import aggregate, kpis
    from geo.filters import apply_filters

    cfg, background = ctx.cfg, ctx.background
    for _ in range(cfg.repeats):
        for name, spec in specs.items():  # each run is a change from the previous spec
            gc.collect()
            t0 = T()
            selection = apply_filters(sites, spec)
            t1 = T()
            kpis(selection)
            aggregate(selection, population, "commune")
            t2 = T()
            fmap = adapter.map_of_selection(
                selection, background, all_sites=sites, files=files, lang="fr", basemap="plan-ign"
            )
            t3 = T()
            served = _serve(fmap)
            t4 = T()
            samples[name].append(
                {
                    "filter": t1 - t0,
                    "aggregate": t2 - t1,
                    "map": t3 - t2,
                    "st_folium": t4 - t3,
                    "total": t4 - t0,
                    "payload": served["payload_bytes"],
                    "sites": len(selection),
                }  # fmt: skip
            )


def _filter_figure(ctx: Context, size: str, target_ms: float) -> dict:
    from bench import adapter

    cfg = ctx.cfg
    n = cfg.sizes[size]
    sites = ctx.joined_sites(n)
    background = ctx.background
    population = ctx.layers[0].set_index("insee")["population"]
    specs = _filter_specs()
    samples: dict[str, list[dict]] = {name: [] for name in specs}
    # the app's first render, once per process and data (not in the figure): fills the
    # caches (site cards, shapes) and writes the sites' file the browser fetches once
    files = FileStore(Path(tempfile.mkdtemp(prefix="bench-served-")), "/app/static/cache")
    start = T()
    _serve(
        adapter.map_of_selection(
            sites, background, all_sites=sites, files=files, lang="fr", basemap="plan-ign"
        )
    )
    first_render_s = T() - start
    served_mb = adapter.served_bytes(files) / 1e6
    _time_filter_changes(ctx, sites, specs, samples, files, population)
    shutil.rmtree(files.directory, ignore_errors=True)
    per_spec = {
        name: {
            "sites": runs[0]["sites"],
            "payload_mb": round(runs[0]["payload"] / 1e6, 3),
            **{
                f"{k}_ms": round(1000 * median([r[k] for r in runs]), 1)
                for k in ("filter", "aggregate", "map", "st_folium", "total")
            },  # fmt: skip
        }
        for name, runs in samples.items()
    }
    worst = max(per_spec, key=lambda name: per_spec[name]["total_ms"])
    metrics = {"server_ms": per_spec[worst]["total_ms"], "payload_mb": per_spec[worst]["payload_mb"]}
    base = _baseline_filter_change(ctx, sites, n)
    return figure(
        f"filter change → map ready, server side, {n:,} sites (worst filter: {worst!r})",
        cfg.scope_note(f"{FULL_SIZES[size]:,} synthetic sites", f"{n:,} synthetic sites")
        + _baseline_scope(cfg),
        metrics,
        base,
        {"server_ms": target_ms, "payload_mb": None},
        cfg,
        details={
            "sites": n,
            "worst_filter": worst,
            "per_filter": per_spec,
            "steps": "apply_filters | kpis + aggregate(commune) | map_of_selection | st_folium server side "
            "(render, _get_html, _get_header, _get_map_string, get_bounds, generate_js_hash, json.dumps of args)",
            "first_render_s": round(first_render_s, 3),
            "served_file_mb": round(served_mb, 3),
            "served_note": "the first map of a data frame writes every site to one file the app serves "
            "(geo.served), fetched once by the browser; each map then carries which sites it shows "
            "(payload_mb): the first render and the file are not in server_ms",
        },
    )


def fig_filter_change_10k(ctx: Context) -> dict:
    return _filter_figure(ctx, "10k", 150.0)


def fig_filter_change_100k(ctx: Context) -> dict:
    return _filter_figure(ctx, "100k", 600.0)


# --------------------------------------------------------------------------- browser figures

