"""Read the CSV files people make (Excel's included) as a header and rows of strings.

Encoding: UTF-8 with or without BOM, UTF-16 with BOM, else cp1252 / Latin-1 (what Excel
writes; a byte sequence is checked against the encodings in that order, since no
detector tells cp1252 from Latin-1 on short files better than this). Delimiter: Excel's
``sep=`` first line, else ``csv.Sniffer`` among , ; tab |, checked against the header.
Writing goes through ``geo.atomic``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from geo import atomic

DELIMITERS = ",;\t|"
_EXCEL_SEP_LINE = re.compile(r"sep=([,;\t|])[ \t]*(?:\r\n|\r|\n)")


class InputError(Exception):
    """An input file that cannot be read as a table (a one-line message)."""


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """A CSV as its header and rows of strings (encoding and delimiter detected); raises InputError."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a CSV file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
    return parse_table(data, str(path))


def parse_table(data: bytes, path: str) -> tuple[list[str], list[list[str]]]:
    """The bytes of a CSV as its header and rows of strings; ``path`` names it in messages."""
    text = _decode(data, path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    hint = _EXCEL_SEP_LINE.match(text)
    if hint:  # Excel's 'sep=;' first line names the delimiter
        delimiter, text = hint.group(1), text[hint.end() :]
    else:
        delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not row:  # a blank line is not a row
                continue
            if header is None:
                header = row
                continue
            if len(row) > len(header):
                if any(cell.strip() for cell in row[len(header) :]):
                    raise InputError(
                        f"{path}: line {reader.line_num} has {len(row)} fields, the header has {len(header)}"
                    )
                row = row[: len(header)]
            rows.append(row + [""] * (len(header) - len(row)))
    except csv.Error as error:
        raise InputError(f"{path}: not a readable CSV file (line {reader.line_num}: {error})") from None
    if header is None:
        raise InputError(f"{path}: empty file")
    return header, rows


# C0 control characters other than tab, newlines, form feed and the DOS end-of-file mark.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")


def _decode(data: bytes, path: Path | str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252 / Latin-1 (what Excel writes)."""
    if not data:
        raise InputError(f"{path}: empty file")
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = data.decode("cp1252")
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not valid text ({error.reason} at byte {error.start})") from None
    controls = len(_CONTROL_CHARS.findall(text))
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise InputError(f"{path}: looks like a binary file, not a CSV text file")
    return text


def _sniff_delimiter(text: str) -> str:
    """csv.Sniffer among , ; tab |, checked against the header line; ',' when nothing tells."""
    sample = text[:65536]
    header = sample.lstrip("\r\n").splitlines()[0] if sample.strip() else ""
    in_header = [d for d in DELIMITERS if d in header]
    if not in_header:
        # One column: split on nothing that occurs, so names with commas stay whole.
        return next((d for d in DELIMITERS if d not in text), ",")
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in in_header:
        return sniffed
    return max(in_header, key=header.count)


def write_table(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write a UTF-8 CSV (comma-separated, no BOM) atomically."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic.write_text(path, buffer.getvalue())
