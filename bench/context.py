"""The bench's configuration, shared context (cached inputs) and figure record (see bench/run.py)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.paths import ROOT

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
    "filter_change_friches",
    "floor",
    "browser_10k",
    "browser_100k",
    "browser_friches",
    "browser_default",
    "cold_start",
    "rss_100k",
]
BROWSER_FIGURES = {"browser_friches", "floor", "browser_10k", "browser_100k", "browser_default", "cold_start", "rss_100k"}


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
            import hashlib

            from geo import schema, synthetic

            # named by what makes the file too: a change of the schema or of the generator
            # gives a new file, never a stale one read by the new validator
            code = hashlib.sha256(Path(schema.__file__).read_bytes() + Path(synthetic.__file__).read_bytes())
            path = CACHE_DIR / f"synthetic-{n}-seed{SEED}-{code.hexdigest()[:10]}.geojson"
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
        for value in self._cache.values():  # servers kept for several figures (the floor page)
            if hasattr(value, "proc") and hasattr(value, "stop"):
                value.stop()
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

