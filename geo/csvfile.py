"""Read the CSV files people make (Excel's included) as a header and rows of strings.

Encoding: UTF-8 with or without BOM, UTF-16 / UTF-32 with BOM or (told by where the zero
bytes fall) without, else cp1252 / Latin-1 (what Excel writes; a byte sequence is checked
against the encodings in that order, since no detector tells cp1252 from Latin-1 on short
files better than this). Delimiter: Excel's ``sep=`` first line, else ``csv.Sniffer``
among , ; tab |, checked against the header. Writing goes through ``geo.atomic``, every
cell through ``safe_cell`` (no spreadsheet formula).
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
    """An input file that cannot be read as a table: a one-line message in English (the
    command line prints it), and ``code`` + ``details`` for a caller that words it in the
    user's language (the upload: ``geo.i18n`` key ``upload_unreadable_<code>``).

    Codes: ``empty``, ``binary`` (not text), ``not_text`` (a BOM whose encoding does not
    decode), ``ragged`` (line, fields, header), ``bad_csv`` (line), ``unreadable`` (the file
    itself: missing, a directory, no permission).
    """

    def __init__(self, message: str, code: str = "unreadable", **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


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
    return parse_text(decode_text(data, path), path)


def parse_text(text: str, path: str, row_numbers: list[int] | None = None) -> tuple[list[str], list[list[str]]]:
    """A CSV's text (``decode_text``) as its header and rows of strings; raises InputError.

    ``row_numbers``, when given, receives each row's number as a spreadsheet shows it (the
    header's row 1, a blank line a row, Excel's ``sep=`` line none), for messages that name
    a row the user can find."""
    if not text.strip():
        raise InputError(f"{path}: empty file", "empty")
    hint = _EXCEL_SEP_LINE.match(text)
    if hint:  # Excel's 'sep=;' first line names the delimiter
        delimiter, text = hint.group(1), text[hint.end() :]
    else:
        delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    sheet_row = 0
    try:
        for row in reader:
            sheet_row += 1
            if not row:  # a blank line is not a row
                continue
            if header is None:
                header = row
                continue
            if len(row) > len(header):
                if any(cell.strip() for cell in row[len(header) :]):
                    raise InputError(
                        f"{path}: line {reader.line_num} has {len(row)} fields, the header has {len(header)}",
                        "ragged",
                        line=reader.line_num,
                        fields=len(row),
                        header=len(header),
                    )
                row = row[: len(header)]
            rows.append(row + [""] * (len(header) - len(row)))
            if row_numbers is not None:
                row_numbers.append(sheet_row)
    except csv.Error as error:
        raise InputError(
            f"{path}: not a readable CSV file (line {reader.line_num}: {error})",
            "bad_csv",
            line=reader.line_num,
        ) from None
    if header is None:
        raise InputError(f"{path}: empty file", "empty")
    return header, rows


# C0 control characters other than tab, newlines, form feed and the DOS end-of-file mark.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")


def decode_text(data: bytes, path: Path | str) -> str:
    """The text of a file people made (see the module's docstring for the encodings); raises
    InputError when it is not text."""
    if not data:
        raise InputError(f"{path}: empty file", "empty")
    encoding = _wide_encoding(data)
    try:
        if encoding is not None:
            text = data.decode(encoding).removeprefix("\ufeff")
        elif data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = data.decode("cp1252")
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not valid {error.encoding} text ({error.reason} at byte {error.start})",
            "not_text",
            encoding=error.encoding.upper(),
        ) from None
    controls = len(_CONTROL_CHARS.findall(text))
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise InputError(f"{path}: looks like a binary file, not a CSV text file", "binary")
    return text


# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16 / UTF-32 (LE or BE), by their mark or, without one, by where the zero bytes fall.

    Text in those encodings made of Latin letters has a zero in every high byte: in
    UTF-16-LE every odd byte, in UTF-32-LE bytes 2 and 3 of every 4. Nine in ten high
    bytes zero and no low byte zero tells them; a binary file rarely looks like that.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    sample = data[:4096]
    if b"\x00" not in sample:
        return None
    if len(data) % 4 == 0 and len(sample) >= 8:
        quads = [sample[i::4] for i in range(4)]
        if _zeros(quads[2]) and _zeros(quads[3]) and not _zeros(quads[0], 0.0):
            return "utf-32-le"
        if _zeros(quads[0]) and _zeros(quads[1]) and not _zeros(quads[3], 0.0):
            return "utf-32-be"
    if len(data) % 2 == 0 and len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if _zeros(odd) and not _zeros(even, 0.0):
            return "utf-16-le"
        if _zeros(even) and not _zeros(odd, 0.0):
            return "utf-16-be"
    return None


def _zeros(part: bytes, share: float = 0.9) -> bool:
    """Whether more than ``share`` of the bytes are zero (``share=0``: any zero at all)."""
    return part.count(0) > share * len(part) if share else part.count(0) > 0


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
    """Write a UTF-8 CSV (comma-separated, no BOM) atomically, every cell through ``safe_cell``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=LINE_END)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    atomic.write_text(path, buffer.getvalue())


# RFC 4180's line end. It also makes the csv module quote a cell holding a lone carriage
# return, which it writes bare when the line end is "\n" (and which ends the row in Excel).
LINE_END = "\r\n"

# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): = + - @, and
# tab or carriage return, which some spreadsheets skip before looking at the next character.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as people write it ('-12', '+3,5', '-1.5e3'): it stays a number, unquoted.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")


def safe_cell(cell: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: one that starts like a formula gets a
    leading single quote (OWASP's advice), unless it is a plain number ('-12' stays '-12').

    Every CSV this project writes goes through it (``write_table``, ``geo.export.sites_csv``).
    """
    if cell.startswith(FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
