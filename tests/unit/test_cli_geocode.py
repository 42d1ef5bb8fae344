"""Tier 2: ``python -m geo geocode IN.csv -o OUT.csv`` on the real commune tables."""

import csv
import io
import subprocess
import sys

import pytest

from geo import geocode
from geo.__main__ import main
from geo.paths import ROOT

RESULT_COLUMNS = ["insee", "commune_nom", "status", "candidates"]


@pytest.fixture(scope="module")
def real_geocoder():
    return geocode.Geocoder.from_data()


@pytest.fixture
def run(monkeypatch, capsys, real_geocoder):
    """Run the CLI in-process (the commune tables loaded once): (exit code, stderr lines)."""
    monkeypatch.setattr(geocode.Geocoder, "from_data", classmethod(lambda cls, *a, **k: real_geocoder))

    def _run(input_path, output_path):
        code = main(["geocode", str(input_path), "-o", str(output_path)])
        return code, capsys.readouterr().err.splitlines()

    return _run


def read_output(path):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "output must be UTF-8 without BOM"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    return rows[0], rows[1:]


def as_dicts(header, rows):
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_utf8_with_bom(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_bytes("\ufeffcommune,departement\nCroix,Nord\nSeynod,\nL'Île-Saint-Denis,\n".encode())
    code, err = run(src, tmp_path / "out.csv")
    assert code == 0
    assert err == [f"3 rows: 3 ok, 0 ambiguous, 0 not_found (wrote {tmp_path / 'out.csv'})"]
    header, rows = read_output(tmp_path / "out.csv")
    assert header == ["commune", "departement", *RESULT_COLUMNS]  # no BOM left in the first name
    assert [r["insee"] for r in as_dicts(header, rows)] == ["59163", "74010", "93039"]


def test_latin1_semicolons_from_excel(tmp_path, run):
    src = tmp_path / "excel.csv"
    text = "Commune;Département;Code postal\r\nChâteauneuf-sur-Isère;Drôme;26300\r\nSainte-Maxime;Var;\r\n"
    src.write_bytes(text.encode("latin-1"))
    code, _ = run(src, tmp_path / "out.csv")
    assert code == 0
    header, rows = read_output(tmp_path / "out.csv")
    assert header == ["Commune", "Département", "Code postal", *RESULT_COLUMNS]
    assert rows == [
        ["Châteauneuf-sur-Isère", "Drôme", "26300", "26084", "Châteauneuf-sur-Isère", "ok", "26084"],
        ["Sainte-Maxime", "Var", "", "83115", "Sainte-Maxime", "ok", "83115"],
    ]


def test_cp1252_curly_apostrophe(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_bytes("commune\nL’Île-Saint-Denis\n".encode("cp1252"))
    assert run(src, tmp_path / "out.csv")[0] == 0
    assert read_output(tmp_path / "out.csv")[1] == [
        ["L’Île-Saint-Denis", "93039", "L'Île-Saint-Denis", "ok", "93039"]
    ]


def test_utf16_tab_separated(tmp_path, run):
    src = tmp_path / "unicode.txt"  # Excel's "Unicode text"
    src.write_bytes("commune\tcode_postal\nCroix\t59170\n".encode("utf-16"))
    assert run(src, tmp_path / "out.csv")[0] == 0
    assert read_output(tmp_path / "out.csv")[1] == [["Croix", "59170", "59163", "Croix", "ok", "59163"]]


def test_excel_sep_line(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_bytes(b"sep=;\r\ncommune;cp\r\nCroix;59170\r\n")
    assert run(src, tmp_path / "out.csv")[0] == 0
    assert read_output(tmp_path / "out.csv") == (
        ["commune", "cp", *RESULT_COLUMNS],
        [["Croix", "59170", "59163", "Croix", "ok", "59163"]],
    )


def test_leading_zeros_are_kept(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_text("id,commune,code_postal\n007,01001,01400\n0008,2A004,\n", encoding="utf-8")
    assert run(src, tmp_path / "out.csv")[0] == 0
    header, rows = read_output(tmp_path / "out.csv")
    assert rows == [
        ["007", "01001", "01400", "01001", "L'Abergement-Clémenciat", "ok", "01001"],
        ["0008", "2A004", "", "2A004", "Ajaccio", "ok", "2A004"],
    ]


def test_order_and_row_count_are_kept(tmp_path, run):
    names = ["Roubaix", "Croix", "", "Seynod", "Nowhere-sur-Rien", "Roubaix", "67482", "Croix"] * 25
    src = tmp_path / "in.csv"
    src.write_text("n;commune\n" + "".join(f"{i};{name}\n" for i, name in enumerate(names)), encoding="utf-8")
    code, err = run(src, tmp_path / "out.csv")
    assert code == 0
    assert err[0].startswith("200 rows: 100 ok, 50 ambiguous, 50 not_found")
    header, rows = read_output(tmp_path / "out.csv")
    out = as_dicts(header, rows)
    assert [r["n"] for r in out] == [str(i) for i in range(len(names))]
    assert [r["commune"] for r in out] == names


def test_ambiguous_and_not_found_rows_list_their_codes(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_text("commune\nCroix\nSaint-Denis\nRoubaiz\n\n", encoding="utf-8")
    assert run(src, tmp_path / "out.csv")[0] == 0
    header, rows = read_output(tmp_path / "out.csv")
    out = as_dicts(header, rows)
    assert [(r["status"], r["candidates"], r["insee"]) for r in out] == [
        ("ambiguous", "59163 90030", ""),
        ("ambiguous", "11339 30247 93066 97411", ""),
        ("not_found", "59512", ""),  # the suggestions' codes
    ]


def test_existing_result_columns_are_overwritten_in_place(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_text("INSEE,commune,Status\nold,Roubaix,stale\n", encoding="utf-8")
    assert run(src, tmp_path / "out.csv")[0] == 0
    header, rows = read_output(tmp_path / "out.csv")
    assert header == ["insee", "commune", "status", "commune_nom", "candidates"]
    assert rows == [["59512", "Roubaix", "ok", "Roubaix", "59512"]]


def test_single_column_without_delimiter(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_text("commune\nRoubaix\nSaint-Étienne\n", encoding="utf-8")
    assert run(src, tmp_path / "out.csv")[0] == 0
    assert [r[1] for r in read_output(tmp_path / "out.csv")[1]] == ["59512", "42218"]


def test_short_rows_are_padded_and_trailing_empty_cells_dropped(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_text("commune;departement\nCroix\nCroix;Nord;;\n", encoding="utf-8")
    assert run(src, tmp_path / "out.csv")[0] == 0
    rows = read_output(tmp_path / "out.csv")[1]
    assert [r[:3] for r in rows] == [["Croix", "", ""], ["Croix", "Nord", "59163"]]


def test_no_temporary_file_is_left(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_text("commune\nRoubaix\n", encoding="utf-8")
    assert run(src, tmp_path / "out.csv")[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


BAD_INPUTS = {
    "missing": (None, "no such file"),
    "empty": (b"", "empty file"),
    "blank": (b"\n\n  \n", "empty file"),
    "no_commune_column": (b"town,dep\nRoubaix,59\n", "no 'commune' column (found: 'town', 'dep')"),
    "binary": (bytes(range(256)) * 8, "binary"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary"),
    "too_many_fields": (b"commune,x\nCroix,Nord,59\n", "line 2 has 3 fields, the header has 2"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_exits_1_and_leaves_the_output_alone(tmp_path, run, case):
    content, message = BAD_INPUTS[case]
    src = tmp_path / "in.csv"
    if content is not None:
        src.write_bytes(content)
    out = tmp_path / "out.csv"
    out.write_text("keep me\n", encoding="utf-8")
    code, err = run(src, out)
    assert code == 1
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert {p.name for p in tmp_path.iterdir()} <= {"in.csv", "out.csv"}  # no temporary file left


def test_a_directory_as_input_exits_1(tmp_path, run):
    code, err = run(tmp_path, tmp_path / "out.csv")
    assert code == 1 and err == [f"error: {tmp_path}: is a directory, not a CSV file"]
    assert not (tmp_path / "out.csv").exists()


def test_unwritable_output_exits_1(tmp_path, run):
    src = tmp_path / "in.csv"
    src.write_text("commune\nRoubaix\n", encoding="utf-8")
    code, err = run(src, tmp_path / "no" / "such" / "dir" / "out.csv")
    assert code == 1 and len(err) == 1 and err[0].startswith("error: cannot write")


def test_as_a_subprocess(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes("Commune;Code postal\nCroix;\nCroix;59170\n1001;\n".encode("cp1252"))
    out = tmp_path / "out.csv"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "geocode", str(src), "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"3 rows: 2 ok, 1 ambiguous, 0 not_found (wrote {out})"]
    header, rows = read_output(out)
    assert [r[2:] for r in rows] == [
        ["", "", "ambiguous", "59163 90030"],
        ["59163", "Croix", "ok", "59163"],
        ["01001", "L'Abergement-Clémenciat", "ok", "01001"],
    ]

    missing = subprocess.run(
        [sys.executable, "-m", "geo", "geocode", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "x.csv")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == [f"error: {tmp_path / 'nope.csv'}: no such file"]
    assert not (tmp_path / "x.csv").exists()


# --- issue 13: what the geocode command wrote and where -------------------------------------------

HOSTILE_CELLS = ["=HYPERLINK(\"http://evil.example\",\"clic\")", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
                 "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]  # fmt: skip


def test_geocode_output_wrote_formula_cells_verbatim(tmp_path, run):
    """Regression: cells such as =HYPERLINK(…) went to the output as they were, a formula for Excel."""
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["=name", "commune", "n"])
        writer.writerows([cell, "Roubaix", "-12"] for cell in HOSTILE_CELLS)
    assert run(src, tmp_path / "out.csv")[0] == 0
    header, rows = read_output(tmp_path / "out.csv")
    assert header[0] == "'=name"
    assert [r[0] for r in rows] == ["'" + cell for cell in HOSTILE_CELLS]
    assert {r[2] for r in rows} == {"-12"}  # numbers stay numbers
    assert {r[3] for r in rows} == {"59512"}


@pytest.mark.parametrize("how", ["direct", "dotdot", "symlinked_dir", "symlinked_file"])
def test_geocode_overwrote_the_shipped_data(tmp_path, run, how):
    """Regression: ``geocode in.csv -o data/sites.geojson`` replaced the shipped sites with CSV text."""
    from geo.paths import DATA_DIR, SITES_PATH

    before = SITES_PATH.read_bytes()
    src = tmp_path / "in.csv"
    src.write_text("commune\nRoubaix\n", encoding="utf-8")
    if how == "direct":
        out = SITES_PATH
    elif how == "dotdot":
        out = ROOT / "bench" / ".." / "data" / "sites.geojson"
    elif how == "symlinked_dir":
        (tmp_path / "d").symlink_to(DATA_DIR)
        out = tmp_path / "d" / "sites.geojson"
    else:
        out = tmp_path / "link.geojson"
        out.symlink_to(SITES_PATH)
    code, err = run(src, out)
    assert code == 2 and len(err) == 1 and "never written under" in err[0], err
    assert SITES_PATH.read_bytes() == before
    assert not (DATA_DIR / "new.csv").exists()


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_geocode_overwrote_its_own_input(tmp_path, run, how):
    src = tmp_path / "in.csv"
    src.write_text("commune\nRoubaix\n", encoding="utf-8")
    out = {"same": src, "symlink": tmp_path / "sym.csv", "hardlink": tmp_path / "hard.csv"}[how]
    if how == "symlink":
        out.symlink_to(src)
    elif how == "hardlink":
        out.hardlink_to(src)
    code, err = run(src, out)
    assert code == 2 and len(err) == 1 and "is the input file" in err[0], err
    assert src.read_text(encoding="utf-8") == "commune\nRoubaix\n"


def test_synthetic_and_geocode_refuse_the_same_outputs(tmp_path, capsys):
    """One rule for where the command line writes: a symlink into data/ is refused by both."""
    from geo.paths import DATA_DIR

    (tmp_path / "d").symlink_to(DATA_DIR)
    assert main(["synthetic", "3", "-o", str(tmp_path / "d" / "fake.geojson")]) == 2
    assert "never written under" in capsys.readouterr().out
    assert not (DATA_DIR / "fake.geojson").exists()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_without_bom_and_utf32_were_called_binary(tmp_path, run, encoding):
    """Regression: UTF-16 without its mark and UTF-32 were refused as 'a binary file'."""
    src = tmp_path / "in.csv"
    src.write_bytes("commune;département\nÉvry-Courcouronnes;91\n".encode(encoding))
    assert run(src, tmp_path / "out.csv")[0] == 0
    assert read_output(tmp_path / "out.csv")[1] == [
        ["Évry-Courcouronnes", "91", "91228", "Évry-Courcouronnes", "ok", "91228"]
    ]
