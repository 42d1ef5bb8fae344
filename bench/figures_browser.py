"""Browser figures: first and return visits, cold start, memory (see bench/README.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.context import FULL_SIZES, OUT_DIR, Config, Context, _baseline_scope, figure, median
from geo.paths import ROOT


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




# --------------------------------------------------------------------------- output

