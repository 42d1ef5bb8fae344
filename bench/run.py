"""The benchmark of issue 4: each figure of the app next to the naive streamlit-folium BASELINE.

Run ``.venv/bin/python -m bench`` (full, several minutes) or ``.venv/bin/python -m bench
--quick`` (small sizes, under a minute: checks that every figure runs, not timings).
``python bench/run.py`` works too. Prints a table and writes JSON (default
``bench/results/latest.json``; ``latest-quick.json`` in quick mode). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))



from bench import figures_browser, figures_friches, figures_server
from bench.context import BASELINE_MAX_SITES, BROWSER_FIGURES, FIGURES, RESULTS_DIR, SEED, Config, Context, T

# Each figure's function, by name: fig_<name> in the server, the friches or the browser module.
FIGURE_FUNCTIONS: dict[str, Callable[[Context], dict]] = {
    name: getattr(figures_server, f"fig_{name}", None)
    or getattr(figures_friches, f"fig_{name}", None)
    or getattr(figures_browser, f"fig_{name}")
    for name in FIGURES
}


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
