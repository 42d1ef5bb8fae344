"""The friches layer at national scale (issue 11, item 6): 10,000 synthetic sites and 30,000
synthetic friches, the layer on — a filter change server side, and a browser navigation —
each measured alternately with the same 10,000 sites without the layer (the sites-only
figures' method), in the same run: "within the 10,000-site figures" is read off each
figure's ratio (see bench/README.md)."""

from __future__ import annotations

import gc
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.context import AURA, CACHE_DIR, OUT_DIR, SEED, Context, T, figure, median
from geo.served import FileStore

FULL_FRICHES = 30_000
# Quick mode: just above SERVE_MIN_FRICHES and CLUSTER_MIN_FRICHES, so that the served and
# clustered path runs (with the quick bench's few hundred sites).
QUICK_FRICHES = 6_000

# Readiness with both layers, as browser_10k's (bench.browser.SITES_DRAWN_JS: the first
# screen's markers drawn) with, in the map, the friches drawn (window.__fricheCount, set once
# their file is read and their clusters drawn, before the sites'); the page complete is
# waited for next and recorded as complete_s (bench.browser._time_ready).
FRICHES_READY_JS = """() => {
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const win = frame && frame.contentWindow;
  if (!win || (win.__sitesDrawn !== true && win.__mapReady !== true) || typeof win.__siteCount !== 'number') {
    return false;
  }
  if (typeof win.__fricheCount !== 'number') return false;
  const doc = win.document;
  return {mapSites: win.__siteCount, friches: win.__fricheCount,
          fricheMarkers: doc.querySelectorAll('.friche-marker').length,
          fricheClusters: doc.querySelectorAll('.rc-cluster-friche').length,
          frameStartS: (win.performance.timeOrigin - performance.timeOrigin) / 1000,
          inFrameS: win.performance.now() / 1000};
}"""


def _n_friches(ctx: Context) -> int:
    return QUICK_FRICHES if ctx.cfg.quick else FULL_FRICHES


def friches_path(ctx: Context, n: int) -> Path:
    """A synthetic friches-standard CSV of ``n`` friches (``geo.synthetic_friches``, seed 0),
    cached in bench/cache/ under a name that changes with the generator."""

    def make():
        from geo import synthetic_friches

        code = hashlib.sha256(Path(synthetic_friches.__file__).read_bytes()).hexdigest()[:10]
        path = CACHE_DIR / f"synthetic-friches-{n}-seed{SEED}-{code}.csv"
        if not path.is_file():
            start = T()
            synthetic_friches.write(n, path, seed=SEED, communes=ctx.layers[0])
            ctx.notes[f"synthetic_friches_{n}_generate_s"] = round(T() - start, 3)
        return path

    return ctx._get(f"synthetic-friches:{n}", make)


def _inventory(ctx: Context, n: int):
    """The friches as the app reads them (``geo.friches.load_friches`` on the commune layer)."""
    from geo.friches import load_friches

    return ctx._get(
        f"friches:{n}", lambda: load_friches(friches_path(ctx, n), communes=ctx.layers[0]).friches
    )


# --------------------------------------------------------------------------- server side


def _specs():
    from geo.filters import FilterSpec

    return {  # the sites figure's four filters, and two of the friches' own
        "all sites": FilterSpec(),
        "brownfield=yes": FilterSpec(brownfield="yes"),
        "sector=food,metals-machinery": FilterSpec(sectors=("food", "metals-machinery")),
        "reg=84": FilterSpec(regs=(AURA,)),
        "friche_status=without-project": FilterSpec(friche_statuses=("without-project",)),
        "friche_near_sites=1": FilterSpec(friche_near_sites=True),
    }


def _filter_change(ctx, sites, card_sites, near_index, spec, files, population, friches_on: bool) -> dict:
    """One filter change as the app runs it, step by step (seconds); ``friches_on``: the layer on;
    ``near_index``: the app's ``friches_near_index`` of these sites and friches at the spec's radius."""
    from bench import adapter
    from geo.aggregate import aggregate, friche_figures, kpis
    from geo.filters import apply_filters, friche_selection

    t0 = T()
    selection = apply_filters(sites, spec)
    t1 = T()
    kpis(selection)
    aggregate(selection, population, "commune")
    t2 = T()
    options = {}
    if friches_on:
        friches_all = near_index.friches
        near = near_index.of(selection)  # (every run, for its live count)
        t_near = T()
        friches = friche_selection(friches_all, spec, near_sites=near)  # (a mask, as in the app)
        friche_figures(friches.inventory, friches.keep)  # (ui.panels.friche_kpi_values)
        options = {"friches": friches, "friches_from": friches_all}
    t3 = T()
    fmap = adapter.map_of_selection(
        selection, ctx.background, all_sites=card_sites, files=files, lang="fr", basemap="plan-ign", **options
    )
    t4 = T()
    served = adapter.st_folium_server_side(fmap)
    t5 = T()
    out = {"filter": t1 - t0, "aggregate": t2 - t1, "map": t4 - t3, "st_folium": t5 - t4, "total": t5 - t0,
           "payload": served["payload_bytes"], "sites": len(selection)}  # fmt: skip
    if friches_on:
        out |= {"near_sites": t_near - t2, "friche_filter": t3 - t_near, "friches": len(friches)}
    return out


def fig_filter_change_friches(ctx: Context) -> dict:
    """10,000 sites and 30,000 friches, the layer on: a filter change → map ready, server
    side; measured alternately with the same sites without the layer (the baseline column)."""
    from geo.friches_near import NearFriches, with_friches_near

    cfg = ctx.cfg
    n_sites, n_friches = cfg.sizes["10k"], _n_friches(ctx)
    sites, friches_all = ctx.joined_sites(n_sites), _inventory(ctx, n_friches)
    population = ctx.layers[0].set_index("insee")["population"]
    # what the app caches once per process and data (not in the figure): the site cards with
    # the friches near each, the pairs (site, friche) within the radius (app.friches_near_index),
    # the first render of each map, which writes the served files
    start = T()
    card_sites = with_friches_near(sites, friches_all)
    cards_s = T() - start
    specs = _specs()
    near_index, near_index_s = {}, {}
    for km in sorted({spec.friche_near_km for spec in specs.values()}):
        start = T()
        near_index[km] = NearFriches(sites, friches_all, km)
        near_index_s[km] = T() - start
    files = FileStore(Path(tempfile.mkdtemp(prefix="bench-friches-")), "/app/static/cache")
    first, spec = {}, specs["all sites"]
    for on in (False, True):
        start = T()
        near = near_index[spec.friche_near_km]
        _filter_change(ctx, sites, card_sites if on else sites, near, spec, files, population, on)
        first[on] = round(T() - start, 3)
    served_mb = {
        p.name.split("-")[0]: round(p.stat().st_size / 1e6, 3) for p in files.directory.glob("*.json.gz")
    }
    samples: dict[bool, dict[str, list[dict]]] = {on: {name: [] for name in specs} for on in (False, True)}
    for i in range(cfg.repeats):
        for name, spec in specs.items():  # each a change from the previous spec; layer off/on alternately
            for on in (True, False) if i % 2 else (False, True):
                gc.collect()
                samples[on][name].append(
                    _filter_change(
                        ctx,
                        sites,
                        card_sites if on else sites,
                        near_index[spec.friche_near_km],
                        spec,
                        files,
                        population,
                        on,
                    )  # fmt: skip
                )
    shutil.rmtree(files.directory, ignore_errors=True)

    def per_spec(runs_by_spec: dict[str, list[dict]]) -> dict:
        out = {}
        for name, runs in runs_by_spec.items():
            keys = [k for k in runs[0] if k not in ("payload", "sites", "friches")]
            out[name] = {"sites": runs[0]["sites"], "payload_mb": round(runs[0]["payload"] / 1e6, 3)}
            if "friches" in runs[0]:
                out[name]["friches"] = runs[0]["friches"]
            out[name] |= {f"{k}_ms": round(1000 * median([r[k] for r in runs]), 1) for k in keys}
            out[name]["total_min_ms"] = round(1000 * min(r["total"] for r in runs), 1)  # (on a busy machine)
        return out

    ours, sites_only = per_spec(samples[True]), per_spec(samples[False])
    worst = max(ours, key=lambda name: ours[name]["total_ms"])
    worst_sites = max(sites_only, key=lambda name: sites_only[name]["total_ms"])
    return figure(
        f"filter change → map ready, server side, {n_sites:,} sites + {n_friches:,} friches, layer on "
        f"(worst filter: {worst!r})",
        cfg.scope_note(
            f"{n_sites:,} synthetic sites and {n_friches:,} synthetic friches",
            f"{n_sites:,} synthetic sites and {n_friches:,} synthetic friches",
        ),
        {"server_ms": ours[worst]["total_ms"], "payload_mb": ours[worst]["payload_mb"]},
        {
            "server_ms": sites_only[worst_sites]["total_ms"],
            "payload_mb": sites_only[worst_sites]["payload_mb"],
            "is": f"the same {n_sites:,} sites without the friches layer (filter_change_10k's steps), "
            f"measured alternately in this figure; worst filter {worst_sites!r}",
        },
        {"server_ms": 150.0, "payload_mb": None},  # filter_change_10k's target
        cfg,
        details={
            "sites": n_sites,
            "friches": n_friches,
            "friches_file": friches_path(ctx, n_friches).name,
            "worst_filter": worst,
            "per_filter": ours,
            "per_filter_sites_only": sites_only,
            "steps": "apply_filters | kpis + aggregate(commune) | [layer on: NearFriches.of (friches near "
            "the sites shown, every run for the sidebar's live count) + friche_selection (a mask of the "
            "inventory, no frame copied) + friche_figures] | "
            "map_of_selection (friches=, friches_from=) | st_folium server side",
            "site_cards_with_friches_near_s": round(cards_s, 3),
            "near_index_s": {f"{km:g} km": round(v, 3) for km, v in near_index_s.items()},
            "near_index_pairs": {f"{km:g} km": v.n_pairs for km, v in near_index.items()},
            "first_render_s": {"sites_only": first[False], "layer_on": first[True]},
            "served_files_mb": served_mb,
            "note": "the first map of each data frame writes its served files (sites; friches: the whole "
            "inventory once per language) and the app computes the site cards' friches within 10 km and "
            "the pairs (site, friche) within the near-sites radius once per data: outside server_ms, as in "
            "the app",
        },
    )


# --------------------------------------------------------------------------- browser


def fig_browser_friches(ctx: Context) -> dict:
    """Navigation → markers interactive with both layers (``?friches=1``) on a server with
    10,000 sites and 30,000 friches, measured as browser_10k is (alternately with the floor
    page, each run a ratio to the floor's run beside it), together with the same server's
    page without the layer (browser_10k's page): the floor, both layers, the sites only, in
    turn. The target: both layers' ratio to the floor within browser_10k's, same run."""
    from bench.browser import SITES_DRAWN_JS, Server
    from bench.figures_browser import (
        alternating_with_floor,
        browser_run,
        floor_server,
        ratios,
        timeline_summary,
    )

    cfg = ctx.cfg
    n_sites, n_friches = cfg.sizes["10k"], _n_friches(ctx)
    sites_path, path = ctx.synthetic_path(n_sites), friches_path(ctx, n_friches)
    browser = ctx.browser
    floor = floor_server(ctx)  # (started before ours)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with Server(
        "app.py", sites=sites_path, env={"REINDUS_FRICHES": str(path)}, log=OUT_DIR / "app-friches.log"
    ) as server:
        health_s = server.wait_healthy()
        targets = {
            "friches": (f"{server.url}/?friches=1", FRICHES_READY_JS),
            "sites": (server.url, SITES_DRAWN_JS),
        }
        # first renders (not counted): read the inventory, write the served files, fill the caches
        first = {k: browser.navigate(url, ready, cfg.timeout_s) for k, (url, ready) in targets.items()}
        pages, floors = alternating_with_floor(ctx, list(targets.values()), cfg.warm_navigations)
        runs = dict(zip(targets, pages, strict=True))
        if not floors:  # quick: the first renders are the samples, next to one of the floor's
            runs = {k: [first[k]] for k in targets}
            floors = [browser.navigate(floor.url, SITES_DRAWN_JS, cfg.timeout_s)]
        # (quick: ours only, once, so that CI runs this path too)
        visits = {
            k: browser.return_visits(url, ready, cfg.timeout_s, max(1, cfg.warm_navigations))
            for k, (url, ready) in targets.items()
            if k == "friches" or not cfg.quick
        }
        visits.setdefault("sites", {"seconds": []})
        rss_mb = server.rss_mb()
    ready = {k: [r["seconds"] for r in v] for k, v in runs.items()}
    floor_ready = [r["seconds"] for r in floors]
    over_floor = {k: ratios(v, floor_ready) for k, v in ready.items()}
    # browser_10k's ratio in this run: the figure the layer's page is to stay within
    sites_10k = browser_run(ctx, "10k")["ready_over_floor"]["median"]
    counts = runs["friches"][-1]["counts"]
    return figure(
        f"browser: navigation → markers interactive, {n_sites:,} sites + {n_friches:,} friches (?friches=1; "
        "warm server, empty browser cache)",
        cfg.scope_note(
            f"{n_sites:,} synthetic sites and {n_friches:,} synthetic friches",
            f"{n_sites:,} synthetic sites and {n_friches:,} synthetic friches, first render only",
        ),
        {
            "ready_s": round(median(ready["friches"]), 3),
            "ready_warm_cache_s": round(median(visits["friches"]["seconds"]), 3),
            "ready_over_floor": over_floor["friches"]["median"],
        },
        {
            "ready_s": round(median(ready["sites"]), 3),
            "ready_warm_cache_s": round(median(visits["sites"]["seconds"]), 3)
            if visits["sites"]["seconds"]
            else None,
            "ready_over_floor": over_floor["sites"]["median"],
            "is": f"the same server's page without the friches layer ({n_sites:,} sites: browser_10k's page), "
            "navigations in turn with ours and the floor's",
        },
        {"ready_s": None, "ready_warm_cache_s": None, "ready_over_floor": sites_10k},
        cfg,
        details={
            "sites": n_sites,
            "friches": n_friches,
            "health_s": round(health_s, 3),
            "first_render_s": {k: round(v["seconds"], 3) for k, v in first.items()},
            "ready_s": {k: [round(x, 3) for x in v] for k, v in ready.items()},
            "floor_ready_s": [round(x, 3) for x in floor_ready],
            # each page's runs ÷ the floor's run of the same round
            "ready_over_floor": over_floor,
            "target_is": "browser_10k's ready_over_floor (median), same run",
            # the page complete: the script's last run over, the map complete (communes drawn)
            "complete_s": {
                k: [round(r["complete_s"], 3) for r in v if r.get("complete_s")] for k, v in runs.items()
            },
            "ready_warm_cache_s": {k: [round(x, 3) for x in v["seconds"]] for k, v in visits.items()},
            "map_frame_created_s": [round(r["counts"]["frameStartS"], 3) for r in runs["friches"]],
            "map_in_frame_s": [round(r["counts"]["inFrameS"], 3) for r in runs["friches"]],
            "timeline": timeline_summary([r["timeline"] for r in runs["friches"]]),
            "counts": {
                k: counts[k] for k in ("sites", "mapSites", "friches", "fricheMarkers", "fricheClusters")
            },
            "refused_hosts": sorted({h for v in runs.values() for r in v for h in r["refused_hosts"]}),
            "page_errors": [e for v in runs.values() for r in v for e in r["page_errors"]][:5],
            "rss_after_all_runs_mb": round(rss_mb, 1),
        },
    )
