"""Command line: ``python -m geo geocode IN.csv -o OUT.csv``, ``python -m geo validate [PATH]``
and ``python -m geo synthetic N -o PATH [--seed S]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.paths import SITES_PATH


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_geo = sub.add_parser("geocode", help="resolve a CSV of commune names / postal codes to INSEE codes")
    p_geo.add_argument("input", type=Path)
    p_geo.add_argument("-o", "--output", type=Path, required=True)

    p_val = sub.add_parser("validate", help="check a sites GeoJSON file and print every problem")
    p_val.add_argument("path", type=Path, nargs="?", default=SITES_PATH)

    p_syn = sub.add_parser(
        "synthetic", help="write N deterministic synthetic sites (performance tests; never under data/)"
    )
    p_syn.add_argument("n", type=int, metavar="N")
    p_syn.add_argument("-o", "--output", type=Path, required=True)
    p_syn.add_argument("--seed", type=int, default=0)

    args = parser.parse_args(argv)
    if args.command == "geocode":
        from geo.geocode import run_geocode_cli

        return run_geocode_cli(args.input, args.output)
    if args.command == "synthetic":
        from geo.synthetic import run_synthetic_cli

        return run_synthetic_cli(args.n, args.output, seed=args.seed)
    from geo.load import run_validate_cli

    return run_validate_cli(args.path)


if __name__ == "__main__":
    sys.exit(main())
