"""Render the slide PNGs (app data, dep=59, 10,000 synthetic sites) into test-artifacts/png/ and time them.

Run: ``.venv/bin/python scripts/png_figures.py [--synthetic PATH] [--repeat N]``; the synthetic file
is made with ``.venv/bin/python -m geo synthetic 10000 -o /tmp/s10k.geojson`` when missing.
Times are wall-clock seconds of ``mapview.to_png`` alone (data loaded and joined beforehand);
the first call of a process also pays matplotlib's import and font cache, reported apart.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import mapview  # noqa: E402
from geo.filters import apply_filters  # noqa: E402
from geo.join import join_sites_to_communes  # noqa: E402
from geo.load import read_sites  # noqa: E402
from geo.paths import SITES_PATH  # noqa: E402
from geo.state import FilterSpec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=Path, default=Path("/tmp/s10k.geojson"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "png")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.synthetic.exists():
        subprocess.run([sys.executable, "-m", "geo", "synthetic", "10000", "-o", str(args.synthetic)], check=True,
                       cwd=ROOT)  # fmt: skip

    background = mapview.Background.load()
    communes, deps, regs = background.communes, background.departements, background.regions

    def joined(path: Path):
        sites = join_sites_to_communes(read_sites(path, communes=communes), communes, deps, regs)
        sites["layer"] = "data"
        return sites

    data = joined(SITES_PATH)
    cases = {
        "national": (data, {}),
        "dep59": (apply_filters(data, FilterSpec(deps=("59",))), {"subtitle": "Département : Nord (59)"}),
        "synthetic10k": (joined(args.synthetic), {"subtitle": "10 000 sites synthétiques"}),
        "national-4x3": (data, {"aspect": "4:3"}),
        "synthetic10k-4x3": (
            joined(args.synthetic),
            {"aspect": "4:3", "lang": "en", "subtitle": "10,000 synthetic sites"},
        ),
        "national-en": (data, {"lang": "en"}),
    }
    start = time.perf_counter()
    mapview.to_png(data.iloc[0:0], communes, deps, regs, title="warm-up", lang="fr")
    print(f"first call (matplotlib import, fonts): {time.perf_counter() - start:.2f} s")
    for name, (sites, extra) in cases.items():
        kwargs = {"title": "Carte de la réindustrialisation", "lang": "fr", **extra}
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            png = call(sites, communes, deps, regs, kwargs)
            times.append(time.perf_counter() - start)
        path = args.out / f"{name}.png"
        path.write_bytes(png)
        print(f"{name:17s} {len(sites):6d} sites  best {min(times):.2f} s  median {sorted(times)[len(times) // 2]:.2f} s"
              f"  → {path}")  # fmt: skip


def call(sites, communes, deps, regs, kwargs) -> bytes:
    try:
        return mapview.to_png(sites, communes, deps, regs, **kwargs)
    except TypeError:  # the old signature (no subtitle, aspect): the baseline
        kwargs = {k: v for k, v in kwargs.items() if k in ("title", "lang")}
        return mapview.to_png(sites, communes, deps, regs, **kwargs)


if __name__ == "__main__":
    main()
