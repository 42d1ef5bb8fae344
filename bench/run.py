"""The benchmark of issue 4: each figure of the app next to the naive streamlit-folium BASELINE.

Run ``.venv/bin/python -m bench`` (full, several minutes) or ``.venv/bin/python -m bench
--quick`` (small sizes, under a minute: checks that every figure runs, not timings).
``python bench/run.py`` works too. Prints a table and writes JSON (default
``bench/results/latest.json``; ``latest-quick.json`` in quick mode). See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.paths import ROOT
from geo.served import FileStore

BENCH_DIR = ROOT / "bench"
CACHE_DIR = BENCH_DIR / "cache"
OUT_DIR = BENCH_DIR / "out"
RESULTS_DIR = BENCH_DIR / "results"
SEED = 0
AURA = "84"
FULL_SIZES = {"10k": 10_000, "100k": 100_000}
QUICK_SIZES = {"10k": 300, "100k": 1_500}
# The naive baseline costs ~3–5 ms of server time per folium Marker (plus ~20–40 s for the
# national communes): 100,000 markers would take many minutes and gigabytes. By default it
# runs up to this many sites; --baseline-max-sites raises the cap.
BASELINE_MAX_SITES = 10_000

FIGURES = [
    "national_layer",
    "aura_layer",
    "load_sites_10k",
    "load_sites_100k",
    "filter_change_10k",
    "filter_change_100k",
    "browser_10k",
    "browser_100k",
    "cold_start",
    "rss_100k",
]
BROWSER_FIGURES = {"browser_10k", "browser_100k", "cold_start", "rss_100k"}


@dataclass
class Config:
    quick: bool
    repeats: int
    warm_navigations: int  # browser navigations to a warm server after the first render
    baseline_repeats: int
    sizes: dict[str, int]
    national_deps: list[str] | None  # None: every commune
    aura_deps: list[str] | None  # None: every commune of région 84
    baseline_deps: list[str] | None  # communes the naive apps draw (None: all)
    baseline: bool
    baseline_max_sites: int
    browser: bool
    timeout_s: float
    baseline_timeout_s: float
    only: set[str] = field(default_factory=set)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Config:
        quick = args.quick
        repeats = args.repeats or (1 if quick else 5)
        return cls(
            quick=quick,
            repeats=repeats,
            warm_navigations=0 if quick else repeats,
            baseline_repeats=args.baseline_repeats or 1,
            sizes=dict(QUICK_SIZES if quick else FULL_SIZES),
            national_deps=["2A"] if quick else None,
            aura_deps=["15"] if quick else None,
            baseline_deps=["2A"] if quick else None,
            baseline=not args.no_baseline,
            baseline_max_sites=args.baseline_max_sites
            or (QUICK_SIZES["100k"] if quick else BASELINE_MAX_SITES),
            browser=not args.no_browser,
            timeout_s=90.0 if quick else 120.0,
            baseline_timeout_s=args.baseline_timeout or (90.0 if quick else 300.0),
            only=set(args.only.split(",")) if args.only else set(),
        )

    def scope_note(self, full: str, quick: str) -> str:
        return f"QUICK: {quick} (full mode: {full}); targets not evaluated" if self.quick else full


def _baseline_scope(cfg: Config) -> str:
    return f"; the baseline draws département(s) {', '.join(cfg.baseline_deps)}" if cfg.baseline_deps else ""


def T() -> float:
    return time.perf_counter()


def median(values: list[float]) -> float:
    return statistics.median(values)


# --------------------------------------------------------------------------- shared state


class Context:
    """What several figures need, loaded once and lazily: layers, background, sites, browser."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self._cache: dict[str, object] = {}
        self.notes: dict[str, object] = {}

    def _get(self, key: str, make: Callable[[], object]):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def layers(self):
        from geo.load import load_communes, load_departements, load_regions

        return self._get("layers", lambda: (load_communes(), load_departements(), load_regions()))

    @property
    def background(self):
        from bench import adapter

        def make():
            start = T()
            background = adapter.load_background()
            self.notes["background_load_s"] = round(T() - start, 3)
            return background

        return self._get("background", make)

    @property
    def baseline_communes(self):
        from bench.baseline import full_detail_communes

        def make():
            communes, source = full_detail_communes()
            self.notes["baseline_communes_source"] = source
            if source.startswith("FALLBACK"):
                print(f"!! baseline communes: {source}")
            return communes

        return self._get("baseline_communes", make)

    def synthetic_path(self, n: int) -> Path:
        def make():
            from geo import synthetic

            path = CACHE_DIR / f"synthetic-{n}-seed{SEED}.geojson"
            if not path.is_file():
                start = T()
                synthetic.write(n, path, seed=SEED, communes=self.layers[0])
                self.notes[f"synthetic_{n}_generate_s"] = round(T() - start, 3)
            return path

        return self._get(f"synthetic:{n}", make)

    def joined_sites(self, n: int):
        from geo.join import join_sites_to_communes
        from geo.load import read_sites

        def make():
            communes, departements, regions = self.layers
            sites = join_sites_to_communes(
                read_sites(self.synthetic_path(n), communes=communes), communes, departements, regions
            )
            sites["layer"] = "data"
            return sites

        return self._get(f"sites:{n}", make)

    @property
    def browser(self):
        from bench.browser import Browser

        return self._get("browser", Browser)

    def close(self) -> None:
        if "browser" in self._cache:
            self._cache["browser"].close()


def figure(title: str, scope: str, metrics: dict, baseline: dict | None, target: dict, cfg: Config,
           **extra) -> dict:  # fmt: skip
    """One figure: our metrics, the baseline's, baseline/ours ratios, targets and whether they are met."""
    ratio = {}
    for key, value in metrics.items():
        base = (baseline or {}).get(key)
        ratio[key] = round(base / value, 2) if isinstance(base, int | float) and value else None
    meets = None
    if not cfg.quick:
        meets = {
            k: (metrics.get(k) is not None and metrics[k] <= v) for k, v in target.items() if v is not None
        }
    return {
        "title": title,
        "scope": scope,
        "metrics": metrics,
        "baseline": baseline,
        "ratio_baseline_over_ours": ratio,
        "target": target,
        "meets_target": meets,
        **extra,
    }


# --------------------------------------------------------------------------- in-process figures


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


def _filter_figure(ctx: Context, size: str, target_ms: float) -> dict:
    from bench import adapter
    from bench.baseline import naive_map
    from geo.aggregate import aggregate, kpis
    from geo.filters import FilterSpec, apply_filters

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


def _log(name: str) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUT_DIR / f"{name}.log"


def _baseline_env(cfg: Config) -> dict:
    return {"BENCH_BASELINE_DEPS": ",".join(cfg.baseline_deps)} if cfg.baseline_deps else {}


def _timeout_result(exc: Exception, timeout: float) -> dict:
    return {"failed": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}", "timeout_s": timeout}


def _browser_sites(ctx: Context, size: str) -> tuple[Path | None, int]:
    """The sites file of a browser figure and its size. Quick mode runs its small browser
    figure on the default data, so that one server also gives the cold start."""
    if ctx.cfg.quick and size == "10k":
        from geo.paths import SITES_PATH

        return None, len(json.loads(SITES_PATH.read_text(encoding="utf-8"))["features"])
    n = ctx.cfg.sizes[size]
    return ctx.synthetic_path(n), n


def _browser_run(ctx: Context, size: str) -> dict:
    """Our app with N sites: a first render (fills the caches), then navigations to the
    warm server (once per size; several figures read it)."""
    return ctx._get(f"browser_run:{size}", lambda: _measure_browser_run(ctx, size))


def _measure_browser_run(ctx: Context, size: str) -> dict:
    from bench.browser import APP_READY_JS, Server

    cfg = ctx.cfg
    path, n = _browser_sites(ctx, size)
    browser = ctx.browser
    with Server("app.py", sites=path, log=_log(f"app-{n}")) as server:
        health_s = server.wait_healthy()
        first = browser.navigate(server.url, APP_READY_JS, cfg.timeout_s)
        rss_first = server.rss_mb()
        # quick: the first render is the only sample (it checks that it runs, not timings)
        runs = [
            browser.navigate(server.url, APP_READY_JS, cfg.timeout_s) for _ in range(cfg.warm_navigations)
        ]
        # and as on a return visit (the browser's cache warm): informative, not the figure
        # (quick: one, so that CI runs this path too)
        visits = browser.return_visits(server.url, APP_READY_JS, cfg.timeout_s, max(1, cfg.warm_navigations))
        warm_cache = visits["seconds"]
        runs = runs or [first]
        rss_after = server.rss_mb()
    result = {
        "sites": n,
        "file": str(path.relative_to(ROOT)) if path else "data/sites.geojson",
        "health_s": round(health_s, 3),
        "cold_s": round(first["ended_at"] - server.started, 3),
        "first_render_s": round(first["seconds"], 3),
        "ready_s": [round(r["seconds"], 3) for r in runs],
        "ready_warm_cache_s": [round(x, 3) for x in warm_cache],
        "script_done_s": [round(r["script_done_s"], 3) for r in runs],
        # the page (Streamlit's own load, the script run, the other elements) until the
        # map's iframe is created, then the map in its iframe until the markers are ready
        "map_frame_created_s": [round(r["counts"]["frameStartS"], 3) for r in runs],
        "map_in_frame_s": [round(r["counts"]["inFrameS"], 3) for r in runs],
        "counts": {k: runs[-1]["counts"][k] for k in ("sites", "mapSites")},
        "refused_hosts": sorted(
            {h for r in [first, *runs] for h in r["refused_hosts"]} | set(visits["other_hosts"])
        ),
        "page_errors": [e for r in [first, *runs, visits] for e in r["page_errors"]][:5],
        "rss_after_first_render_mb": round(rss_first, 1),
        "rss_after_all_runs_mb": round(rss_after, 1),
    }
    return result


def _baseline_browser_run(ctx: Context, size: str) -> dict:
    """The naive app with N sites: a first render, then (full mode) one navigation to the
    warm server (once per size)."""
    return ctx._get(f"baseline_browser_run:{size}", lambda: _measure_baseline_browser_run(ctx, size))


def _measure_baseline_browser_run(ctx: Context, size: str) -> dict:
    from bench.browser import BASELINE_READY_JS, Server

    cfg = ctx.cfg
    path, n = _browser_sites(ctx, size)
    if n > cfg.baseline_max_sites:
        return {"skipped": f"{n:,} sites > --baseline-max-sites {cfg.baseline_max_sites:,}"}
    ctx.baseline_communes  # noqa: B018 - fetch/cache the full-detail communes before the server needs them
    browser = ctx.browser
    result: dict = {"sites": n}
    with Server(
        "bench/baseline_app.py", sites=path, env=_baseline_env(cfg), log=_log(f"baseline-{n}")
    ) as server:
        server.wait_healthy()
        try:
            first = browser.navigate(server.url, BASELINE_READY_JS, cfg.baseline_timeout_s, cdn=True)
            result["cold_s"] = round(first["ended_at"] - server.started, 3)
            result["first_render_s"] = round(first["seconds"], 3)
            result["rss_after_first_render_mb"] = round(server.rss_mb(), 1)
            warm = first
            if cfg.warm_navigations:
                warm = browser.navigate(server.url, BASELINE_READY_JS, cfg.baseline_timeout_s, cdn=True)
            result["ready_s"] = round(warm["seconds"], 3)
            result["script_done_s"] = round(warm["script_done_s"], 3)
            result["counts"] = warm["counts"]
            result["refused_hosts"] = sorted(set(first["refused_hosts"]) | set(warm["refused_hosts"]))
        except Exception as exc:  # a timeout is a result here
            result.update(_timeout_result(exc, cfg.baseline_timeout_s))
        result["rss_end_mb"] = round(server.rss_mb(), 1)
    return result


def _browser_figure(ctx: Context, size: str, target_s: float) -> dict:
    cfg = ctx.cfg
    ours = _browser_run(ctx, size)
    base_run = _baseline_browser_run(ctx, size) if cfg.baseline else None
    base = None
    if base_run is not None:
        base = {"ready_s": base_run.get("ready_s"), **{k: v for k, v in base_run.items() if k != "ready_s"}}
    n = ours["sites"]
    return figure(
        f"browser: navigation → markers interactive, {n:,} sites (warm server, empty browser cache)",
        cfg.scope_note(
            f"{FULL_SIZES[size]:,} synthetic sites", f"{ours['file']} ({n:,} sites), first render only"
        )
        + _baseline_scope(cfg),
        {
            "ready_s": round(median(ours["ready_s"]), 3),
            "ready_warm_cache_s": round(median(ours["ready_warm_cache_s"]), 3),
        },
        base,
        {"ready_s": target_s, "ready_warm_cache_s": None},
        cfg,
        details=ours,
    )


def fig_browser_10k(ctx: Context) -> dict:
    return _browser_figure(ctx, "10k", 2.0)


def fig_browser_100k(ctx: Context) -> dict:
    return _browser_figure(ctx, "100k", 5.0)


def fig_cold_start(ctx: Context) -> dict:
    from bench.browser import APP_READY_JS, BASELINE_READY_JS, Server

    cfg = ctx.cfg
    browser = ctx.browser  # launched before the clock starts
    runs, base = [], None
    if cfg.quick:  # the quick browser_10k server runs the default data: its first render is a cold start
        first = _browser_run(ctx, "10k")
        runs.append({"cold_s": first["cold_s"], "health_s": first["health_s"]})
        if cfg.baseline:
            run = _baseline_browser_run(ctx, "10k")
            base = {"cold_s": run.get("cold_s"), **{k: v for k, v in run.items() if k != "cold_s"}}
    else:
        for i in range(max(1, min(cfg.repeats, 3))):
            with Server("app.py", log=_log(f"cold-start-{i}")) as server:
                health = server.wait_healthy()
                nav = browser.navigate(server.url, APP_READY_JS, cfg.timeout_s)
                runs.append({"cold_s": nav["ended_at"] - server.started, "health_s": health})
        if cfg.baseline:
            ctx.baseline_communes  # noqa: B018
            with Server(
                "bench/baseline_app.py", env=_baseline_env(cfg), log=_log("baseline-cold-start")
            ) as server:
                try:
                    server.wait_healthy()
                    nav = browser.navigate(server.url, BASELINE_READY_JS, cfg.baseline_timeout_s, cdn=True)
                    base = {"cold_s": round(nav["ended_at"] - server.started, 3), "counts": nav["counts"]}
                except Exception as exc:
                    base = {"cold_s": None, **_timeout_result(exc, cfg.baseline_timeout_s)}
    return figure(
        "cold start: `streamlit run` → first full render (#app-ready + __mapReady), default data",
        cfg.scope_note("data/sites.geojson", "data/sites.geojson, the browser_10k server's first render")
        + _baseline_scope(cfg),
        {"cold_s": round(median([r["cold_s"] for r in runs]), 3)},
        base,
        {"cold_s": 3.0},
        cfg,
        details={"samples": [{k: round(v, 3) for k, v in r.items()} for r in runs]},
    )


def fig_rss_100k(ctx: Context) -> dict:
    cfg = ctx.cfg
    ours = _browser_run(ctx, "100k")
    base = None
    if cfg.baseline:
        run = _baseline_browser_run(ctx, "100k")
        base = {"rss_mb": run.get("rss_after_first_render_mb"),
                **{k: v for k, v in run.items() if k.startswith(("rss", "failed", "skipped"))}}  # fmt: skip
    n = cfg.sizes["100k"]
    return figure(
        f"RSS of the streamlit process tree with {n:,} sites, after a first render",
        cfg.scope_note(f"{FULL_SIZES['100k']:,} synthetic sites", f"{n:,} synthetic sites"),
        {"rss_mb": ours["rss_after_first_render_mb"]},
        base,
        {"rss_mb": 600.0},
        cfg,
        details={
            "rss_after_all_runs_mb": ours["rss_after_all_runs_mb"],
            "sessions_opened": 1 + len(ours["ready_s"]),
            "how": "sum of VmRSS over the process and its descendants (/proc)",
        },
    )


FIGURE_FUNCTIONS: dict[str, Callable[[Context], dict]] = {name: globals()[f"fig_{name}"] for name in FIGURES}


# --------------------------------------------------------------------------- output


def table(results: dict) -> str:
    rows = [("figure", "metric", "ours", "baseline", "×", "target", "ok")]
    for name, fig in results["figures"].items():
        if "error" in fig or "skipped" in fig:
            rows.append((name, "-", fig.get("error", fig.get("skipped", ""))[:60], "", "", "", ""))
            continue
        for key, value in fig["metrics"].items():
            base = (fig.get("baseline") or {}).get(key)
            if base is None and fig.get("baseline"):
                b = fig["baseline"]
                base_text = "timeout" if "failed" in b else "skipped" if "skipped" in b else "-"
            else:
                base_text = _fmt(base)
            ratio = fig["ratio_baseline_over_ours"].get(key)
            target = fig["target"].get(key)
            ok = (fig["meets_target"] or {}).get(key)
            rows.append((name, key, _fmt(value), base_text, "" if ratio is None else f"{ratio:g}",
                         "" if target is None else f"≤ {target:g}", "" if ok is None else "yes" if ok else "NO"))  # fmt: skip
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    return str(value)


def _silence_streamlit() -> None:
    """Importing streamlit_folium outside ``streamlit run`` logs 'missing ScriptRunContext' warnings."""
    import streamlit  # noqa: F401

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, 1 repeat: checks that it runs (CI)"
    )
    parser.add_argument("--repeats", type=int, help="runs per figure, medians reported (default 5; quick 1)")
    parser.add_argument("--baseline-repeats", type=int, help="runs of each baseline (default 1: it is slow)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument("--baseline-max-sites", type=int,
                        help=f"skip the baseline of figures with more sites (default {BASELINE_MAX_SITES:,})")  # fmt: skip
    parser.add_argument("--baseline-timeout", type=float, help="seconds before a baseline page is given up")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium figures")
    parser.add_argument("--only", help=f"comma-separated figures among: {', '.join(FIGURES)}")
    parser.add_argument(
        "-o", "--output", type=Path, help="JSON path (default bench/results/latest[-quick].json)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = Config.from_args(args)
    unknown = cfg.only - set(FIGURES)
    if unknown:
        print(f"unknown figure(s): {', '.join(sorted(unknown))}; choose among {', '.join(FIGURES)}")
        return 2
    _silence_streamlit()
    from bench import adapter, machine

    started = datetime.now(UTC)
    t_start = T()
    output = args.output or RESULTS_DIR / ("latest-quick.json" if cfg.quick else "latest.json")
    results = {
        "schema": 1,
        "mode": "quick" if cfg.quick else "full",
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join(
            [Path(sys.executable).name, "-m", "bench", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": machine.describe(),
        "api": adapter.api_name(),
        "settings": {
            "repeats": cfg.repeats,
            "baseline_repeats": cfg.baseline_repeats,
            "sizes": cfg.sizes,
            "seed": SEED,
            "baseline": cfg.baseline,
            "browser": cfg.browser,
        },
        "figures": {},
    }
    print(
        f"bench ({results['mode']}): {results['api']}; load average {results['machine']['load_average_1_5_15']}"
    )
    ctx = Context(cfg)
    failed = False
    try:
        for name in FIGURES:
            if cfg.only and name not in cfg.only:
                results["figures"][name] = {"skipped": "not in --only"}
                continue
            if name in BROWSER_FIGURES and not cfg.browser:
                results["figures"][name] = {"skipped": "--no-browser"}
                continue
            start = T()
            try:
                results["figures"][name] = FIGURE_FUNCTIONS[name](ctx)
            except Exception as exc:
                failed = True
                results["figures"][name] = {
                    "error": f"{type(exc).__name__}: {exc}"[:500],
                    "traceback": traceback.format_exc()[-3000:],
                }
            results["figures"][name]["elapsed_s"] = round(T() - start, 2)
            summary = results["figures"][name].get("metrics") or results["figures"][name].get("error")
            print(f"  {name:<20} {results['figures'][name]['elapsed_s']:>7.1f} s  {summary}", flush=True)
    finally:
        ctx.close()
    results["notes"] = ctx.notes
    results["duration_s"] = round(T() - t_start, 1)
    results["load_average_end"] = machine.load_average()
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n"
    output.write_text(text, encoding="utf-8")
    if args.output is None:  # keep every run too (gitignored)
        stamp = started.strftime("%Y%m%d-%H%M%S")
        (RESULTS_DIR / f"run-{stamp}-{results['mode']}.json").write_text(text, encoding="utf-8")
    print()
    print(table(results))
    print(
        f"\n{output} ({results['duration_s']} s); baseline communes: {ctx.notes.get('baseline_communes_source', '-')}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
