"""Browser figures: first and return visits, cold start, memory (see bench/README.md)."""

from __future__ import annotations

import json
import re
import subprocess
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
    """The sites file of a browser figure and its size (``"default"``: data/sites.geojson).
    Quick mode runs its small browser figure on the default data, so that one server also
    gives the cold start."""
    if size == "default" or (ctx.cfg.quick and size == "10k"):
        from geo.paths import SITES_PATH

        return None, len(json.loads(SITES_PATH.read_text(encoding="utf-8"))["features"])
    n = ctx.cfg.sizes[size]
    return ctx.synthetic_path(n), n


def browser_run(ctx: Context, size: str) -> dict:
    """Our app with N sites: a first render (fills the caches), then navigations to the
    warm server, alternating with the floor page's (once per data; several figures read it)."""
    path, _ = _browser_sites(ctx, size)
    return ctx._get(f"browser_run:{path or 'default'}", lambda: _measure_browser_run(ctx, size))


def floor_server(ctx: Context):
    """The floor page's server (bench/floor_app.py), started once and warmed by a first
    render (not counted); stopped with the context."""
    from bench.browser import SITES_DRAWN_JS, Server

    def make():
        server = Server("bench/floor_app.py", log=_log("floor"))
        server.health_s = server.wait_healthy()
        first = ctx.browser.navigate(server.url, SITES_DRAWN_JS, ctx.cfg.timeout_s)
        server.first = first
        server.first_render_s = first["seconds"]
        server.cold_s = first["ended_at"] - server.started
        return server

    return ctx._get("floor_server", make)


def _alternating(ctx: Context, url: str, n: int) -> tuple[list[dict], list[dict]]:
    """``n`` empty-cache navigations to ``url`` and ``n`` to the floor page, alternating
    (floor first, then ours first…) so that the machine's noise hits both alike."""
    from bench.browser import SITES_DRAWN_JS

    ours, floors = alternating_with_floor(ctx, [(url, SITES_DRAWN_JS)], n)
    return ours[0], floors


def alternating_with_floor(
    ctx: Context, pages: list[tuple[str, str]], n: int
) -> tuple[list[list[dict]], list[dict]]:
    """:func:`alternate` with the bench's floor server, browser and timeout."""
    return alternate(ctx.browser, floor_server(ctx).url, pages, n, ctx.cfg.timeout_s)


def alternate(
    browser, floor_url: str, pages: list[tuple[str, str]], n: int, timeout_s: float
) -> tuple[list[list[dict]], list[dict]]:
    """``n`` rounds of empty-cache navigations to the floor page and to each of ``pages``
    ((url, readiness JS)), the order turned by one each round (floor first, then the first
    page first…) so that the machine's noise hits all alike: each page's runs, the floor's."""
    from bench.browser import SITES_DRAWN_JS

    targets = [(floor_url, SITES_DRAWN_JS), *pages]
    runs: list[list[dict]] = [[] for _ in targets]
    for i in range(n):
        for k in range(len(targets)):
            j = (i + k) % len(targets)
            runs[j].append(browser.navigate(*targets[j], timeout_s))
    return runs[1:], runs[0]


def ratios(ours: list[float], floors: list[float]) -> dict:
    """Ours ÷ floor, pair by pair (each pair measured back to back): median and spread."""
    pairs = [a / b for a, b in zip(ours, floors, strict=True) if b]
    return {
        "median": round(median(pairs), 3) if pairs else None,
        "min": round(min(pairs), 3) if pairs else None,
        "max": round(max(pairs), 3) if pairs else None,
        "pairs": [round(r, 3) for r in pairs],
        "of_medians": round(median(ours) / median(floors), 3) if ours and floors else None,
    }


def timeline_summary(timelines: list[dict]) -> dict:
    """Where the time went over several navigations: the median of each moment (seconds
    from the navigation's start) and of the long tasks' total, count and longest, by frame."""
    timelines = [t for t in timelines if t and "error" not in t]
    if not timelines:
        return {}
    moments = {k for t in timelines for k in t if k.endswith("_s")}
    out: dict = {k: round(median([t[k] for t in timelines if k in t]), 3) for k in sorted(moments)}
    out = dict(sorted(out.items(), key=lambda item: item[1]))  # in the order they happen
    for where in ("page", "map"):
        tasks = [[x for x in t.get("long_tasks", []) if x[2] == where] for t in timelines]
        out[f"long_tasks_{where}"] = {
            "count": median([len(x) for x in tasks]),
            "total_s": round(median([sum(d for _, d, _ in x) for x in tasks]), 3),
            "longest_s": round(median([max((d for _, d, _ in x), default=0.0) for x in tasks]), 3),
        }
    # one navigation's long tasks in full (the median one by their total)
    by_total = sorted(timelines, key=lambda t: sum(x[1] for x in t.get("long_tasks", [])))
    out["long_tasks_of_one_run"] = by_total[len(by_total) // 2].get("long_tasks", [])[:40]
    return out


def _measure_browser_run(ctx: Context, size: str) -> dict:
    from bench.browser import SITES_DRAWN_JS, Server

    cfg = ctx.cfg
    path, n = _browser_sites(ctx, size)
    browser = ctx.browser
    floor = floor_server(ctx)  # (started before ours: not counted in our cold start)
    with Server("app.py", sites=path, log=_log(f"app-{n}")) as server:
        # quick: this server (default data) is also the cold start's, warmed as scripts/run.sh does
        warmer = start_warmup(server, _log("warmup-quick")) if cfg.quick and path is None else None
        health_s = server.wait_healthy()
        first = browser.navigate(server.url, SITES_DRAWN_JS, cfg.timeout_s)
        warmup = finish_warmup(warmer, _log("warmup-quick")) if warmer is not None else None
        rss_first = server.rss_mb()
        # quick: the first render is the only sample of ours (it checks that it runs, not
        # timings), next to one of the floor's
        runs, floors = _alternating(ctx, server.url, cfg.warm_navigations)
        if not runs:
            runs, floors = [first], [browser.navigate(floor.url, SITES_DRAWN_JS, cfg.timeout_s)]
        # and as on a return visit (the browser's cache warm): informative, not the figure
        # (quick: one, so that CI runs this path too)
        visits, floor_visits = browser.return_visits_alternating(
            [(server.url, SITES_DRAWN_JS), (floor.url, SITES_DRAWN_JS)],
            cfg.timeout_s,
            max(1, cfg.warm_navigations),
        )
        warm_cache = visits["seconds"]
        rss_after = server.rss_mb()
    ready, floor_ready = [r["seconds"] for r in runs], [r["seconds"] for r in floors]
    result = {
        "sites": n,
        "file": str(path.relative_to(ROOT)) if path else "data/sites.geojson",
        "health_s": round(health_s, 3),
        "cold_s": round(first["ended_at"] - server.started, 3),
        "first_render_s": round(first["seconds"], 3),
        "ready_s": [round(r["seconds"], 3) for r in runs],
        "ready_warm_cache_s": [round(x, 3) for x in warm_cache],
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
        "warmup": warmup,
        # the floor page (bench/floor_app.py), measured alternately with ours
        "floor": {
            "ready_s": [round(x, 3) for x in floor_ready],
            "ready_warm_cache_s": [round(x, 3) for x in floor_visits["seconds"]],
            "timeline": timeline_summary([r["timeline"] for r in floors]),
        },
        "ready_over_floor": ratios(ready, floor_ready),
        # the map complete, communes included (window.__mapReady: the readiness before issue 14)
        "complete_s": [round(r["complete_s"], 3) for r in runs if r.get("complete_s") is not None],
        "complete_over_floor": ratios(
            [r["complete_s"] for r in runs if r.get("complete_s") is not None],
            [r["seconds"] for r in floors if r.get("complete_s") is not None],
        ),
        "warm_cache_over_floor": ratios(warm_cache, floor_visits["seconds"]),
        "timeline": timeline_summary([r["timeline"] for r in runs]),
        "timeline_warm_cache": timeline_summary(visits["timelines"]),
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


def _browser_figure(
    ctx: Context, size: str, former_target_s: float | None, floor_target: float | None
) -> dict:
    """A browser figure: ours, and ours ÷ the floor page measured alternately (issue 14:
    the targets are ratios to the floor; the former absolute ones are in the details)."""
    cfg = ctx.cfg
    ours = browser_run(ctx, size)
    base_run = _baseline_browser_run(ctx, size) if cfg.baseline and size != "default" else None
    base = None
    if base_run is not None:
        base = {"ready_s": base_run.get("ready_s"), **{k: v for k, v in base_run.items() if k != "ready_s"}}
    elif cfg.baseline:
        base = {"skipped": "the default data's page is compared with the floor only"}
    n = ours["sites"]
    full = "data/sites.geojson" if size == "default" else f"{FULL_SIZES[size]:,} synthetic sites"
    return figure(
        f"browser: navigation → markers interactive, {n:,} sites (warm server, empty browser cache)",
        cfg.scope_note(full, f"{ours['file']} ({n:,} sites), first render only") + _baseline_scope(cfg),
        {
            "ready_s": round(median(ours["ready_s"]), 3),
            "ready_warm_cache_s": round(median(ours["ready_warm_cache_s"]), 3),
            "ready_over_floor": ours["ready_over_floor"]["median"],
            "warm_cache_over_floor": ours["warm_cache_over_floor"]["median"],
            "complete_s": round(median(ours["complete_s"]), 3) if ours["complete_s"] else None,
        },
        base,
        {
            "ready_s": None,
            "ready_warm_cache_s": None,
            "ready_over_floor": floor_target,
            "warm_cache_over_floor": None,
            "complete_s": None,
        },  # fmt: skip
        cfg,
        details={**ours, "former_target_ready_s": former_target_s},
    )


def fig_floor(ctx: Context) -> dict:
    """The floor page alone (bench/floor_app.py): the smallest st_folium page with the app's
    self-hosted Leaflet and a handful of markers, same readiness and method as ours."""
    from bench.browser import SITES_DRAWN_JS

    cfg = ctx.cfg
    floor = floor_server(ctx)
    if cfg.quick:  # its first render, no return visit (the browser figures make one each)
        runs, visits = [floor.first], {"seconds": [], "other_hosts": [], "page_errors": []}
    else:
        runs = [
            ctx.browser.navigate(floor.url, SITES_DRAWN_JS, cfg.timeout_s)
            for _ in range(cfg.warm_navigations)
        ]
        (visits,) = ctx.browser.return_visits_alternating(
            [(floor.url, SITES_DRAWN_JS)], cfg.timeout_s, len(runs)
        )
    metrics = {"ready_s": round(median([r["seconds"] for r in runs]), 3)}
    if visits["seconds"]:
        metrics["ready_warm_cache_s"] = round(median(visits["seconds"]), 3)
    return figure(
        "floor: a bare st_folium page (the app's self-hosted Leaflet, 5 markers) → markers drawn",
        cfg.scope_note("bench/floor_app.py", "bench/floor_app.py, its first render"),
        metrics,
        {"skipped": "the floor is the reference of the browser figures (no naive baseline)"},
        dict.fromkeys(metrics),
        cfg,
        details={
            "ready_s": [round(r["seconds"], 3) for r in runs],
            "ready_warm_cache_s": [round(x, 3) for x in visits["seconds"]],
            "health_s": round(floor.health_s, 3),
            "cold_s": round(floor.cold_s, 3),
            "first_render_s": round(floor.first_render_s, 3),
            "counts": runs[-1]["counts"],
            "refused_hosts": sorted(
                {h for r in runs for h in r["refused_hosts"]} | set(visits["other_hosts"])
            ),
            "page_errors": [e for r in [*runs, visits] for e in r["page_errors"]][:5],
            "timeline": timeline_summary([r["timeline"] for r in runs]),
        },
    )


def fig_browser_10k(ctx: Context) -> dict:
    return _browser_figure(ctx, "10k", 2.0, 1.15)


def fig_browser_100k(ctx: Context) -> dict:
    return _browser_figure(ctx, "100k", 5.0, 1.6)


def fig_browser_default(ctx: Context) -> dict:
    return _browser_figure(ctx, "default", None, None)


def start_warmup(server, log: Path) -> subprocess.Popen:
    """scripts/warmup.py against ``server``, as scripts/run.sh starts it with the server."""
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "scripts/warmup.py", "--url", server.url],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def finish_warmup(warmer: subprocess.Popen, log: Path) -> dict:
    """Wait for the warm-up (bounded); its exit status and what it said."""
    try:
        warmer.wait(timeout=120)
    except subprocess.TimeoutExpired:
        warmer.kill()
        warmer.wait(timeout=20)
    said = log.read_text(encoding="utf-8").strip()[-300:]
    warm_at = re.search(r"warm ([0-9.]+) s after the start", said)
    return {
        "returncode": warmer.returncode,
        "said": said,
        "warm_at_s": float(warm_at[1]) if warm_at else None,
    }


# Cold starts of each kind (with and without the warm-up) in a full run: one start varies by
# ±0.4 s on the 2-core machine (the same code, consecutive runs), so the median of 5, not 3.
COLD_STARTS = 5


def _cold_start(ctx: Context, i: int, warm: bool) -> dict:
    """``streamlit run app.py`` (default data) started, the browser navigating as soon as
    the health check answers; with ``warm``, scripts/warmup.py started with it as
    scripts/run.sh does. Seconds from the start to the first full render."""
    from bench.browser import APP_READY_JS, Server

    kind = "warm" if warm else "plain"
    with Server("app.py", log=_log(f"cold-start-{kind}-{i}")) as server:
        warmer = start_warmup(server, _log(f"warmup-{i}")) if warm else None
        health = server.wait_healthy()
        nav = ctx.browser.navigate(server.url, APP_READY_JS, ctx.cfg.timeout_s)
        sample = {"cold_s": nav["ended_at"] - server.started, "health_s": health}
        if warmer is not None:
            sample["warmup"] = finish_warmup(warmer, _log(f"warmup-{i}"))
    return sample


def fig_cold_start(ctx: Context) -> dict:
    """Cold start as a user sees it with scripts/run.sh (the server warmed at start by one
    session of its own, issue 14), and as before (no warm-up: ``cold_no_warmup_s``)."""
    from bench.browser import BASELINE_READY_JS, Server

    cfg = ctx.cfg
    browser = ctx.browser  # launched before the clock starts
    runs, plain, base = [], [], None
    if cfg.quick:
        # the quick browser_10k server runs the default data, warmed: its first render is a cold start
        first = browser_run(ctx, "10k")
        runs.append({"cold_s": first["cold_s"], "health_s": first["health_s"], "warmup": first["warmup"]})
        if cfg.baseline:
            run = _baseline_browser_run(ctx, "10k")
            base = {"cold_s": run.get("cold_s"), **{k: v for k, v in run.items() if k != "cold_s"}}
    else:
        # up to COLD_STARTS of each, alternating, so that the machine's noise hits both
        for i in range(max(1, min(cfg.repeats, COLD_STARTS))):
            for warm in (True, False) if i % 2 == 0 else (False, True):
                (runs if warm else plain).append(_cold_start(ctx, i, warm))
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
    metrics = {"cold_s": round(median([r["cold_s"] for r in runs]), 3)}
    if plain:
        metrics["cold_no_warmup_s"] = round(median([r["cold_s"] for r in plain]), 3)
    warm_at = [r["warmup"]["warm_at_s"] for r in runs if (r.get("warmup") or {}).get("warm_at_s") is not None]
    if warm_at and not cfg.quick:  # from then on, a visitor gets a warm page (browser_default)
        metrics["warm_at_s"] = round(median(warm_at), 3)

    def rounded(r: dict) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}

    return figure(
        "cold start: scripts/run.sh's `streamlit run` + warm-up → the first visitor's first full render "
        "(#app-ready + __mapReady), default data",
        cfg.scope_note("data/sites.geojson", "data/sites.geojson, one cold start with the warm-up")
        + _baseline_scope(cfg),
        metrics,
        base,
        {"cold_s": 3.0, "cold_no_warmup_s": None, "warm_at_s": None} if plain else {"cold_s": 3.0},
        cfg,
        details={
            "how": "the visitor's browser navigates as soon as /_stcore/health answers (the worst case: "
            "the warm-up session is then still running); cold_no_warmup_s: the same without the warm-up",
            "samples": [rounded(r) for r in runs],
            "samples_no_warmup": [rounded(r) for r in plain],
        },
    )


def fig_rss_100k(ctx: Context) -> dict:
    cfg = ctx.cfg
    ours = browser_run(ctx, "100k")
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
