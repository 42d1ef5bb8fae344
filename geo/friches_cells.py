"""The cells of a friches file as their producers write them: missing values, dates, numbers,
INSEE codes, points, the page export's link and commune cells, and broken encoding undone.

Pure functions of one cell each (``geo.friches`` reads the files with them); each returns
None for a cell it cannot read, and never guesses.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from geo.friches_schema import STANDARD
from geo.schema import INSEE_RE

MISSING = frozenset({"", "na", "nan", "n/a", "null", "none", "non renseigné", "non renseigne"})


def missing(cell: str) -> bool:
    """Whether a cell means "no value" (empty, NA, "Non renseigné"...)."""
    return cell.strip().casefold() in MISSING


# UTF-8 text once decoded as Latin-1 or cp1252: a lead byte (Â-ô) then a continuation byte
# (0x80-0xBF as Latin-1, or as cp1252 shows it: € ‚ ƒ … ™ œ Ÿ...). 'Ã©' for 'é', 'â€™' for '’'.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]"
)


def repair_text(text: str) -> str:
    """``text`` with UTF-8 read as Latin-1 / cp1252 undone ('DÃ©pÃ´t' → 'Dépôt'); other text unchanged.

    Only a text whose every character maps back to one byte, and whose bytes are then valid
    UTF-8, is changed: correct French ('é' alone is not a UTF-8 sequence) never is.
    """
    if not _MOJIBAKE.search(text):
        return text
    raw = bytearray()
    for char in text:
        if ord(char) < 256:  # Latin-1 maps every byte, the C1 controls included
            raw.append(ord(char))
        else:
            try:
                raw += char.encode("cp1252")
            except UnicodeEncodeError:
                return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


_DATE_FR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?")


def parse_date(text: str) -> dt.date | None:
    """A date written dd/mm/yyyy (as French files do) or yyyy-mm-dd (ISO, CNIG); None otherwise."""
    text = text.strip()
    if match := _DATE_FR.fullmatch(text):
        day, month, year = map(int, match.groups())
    elif match := _DATE_ISO.fullmatch(text):
        year, month, day = map(int, match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_number(text: str) -> float | None:
    """A number as French and English files write it ('1 234,5', '1234.5'); None otherwise."""
    compact = re.sub(r"[\s\u00a0\u202f]", "", text)
    if compact.count(",") == 1 and "." not in compact:
        compact = compact.replace(",", ".")
    try:
        value = float(compact)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_insee(text: str) -> tuple[str | None, bool]:
    """(the INSEE code zero-padded, whether a zero was added), or (None, False) when it is not one."""
    compact = re.sub(r"\s", "", text).upper()
    if re.fullmatch(r"[0-9]+\.0+", compact):  # a spreadsheet's 3013.0
        compact = compact.split(".")[0]
    if len(compact) == 4 and (compact.isdigit() or compact[:2] in ("2A", "2B")):
        return (compact if compact[0] == "2" and compact[1] in "AB" else "0" + compact), True
    return (compact, False) if INSEE_RE.fullmatch(compact) else (None, False)


_NUMBER = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_WKT_POINT = re.compile(
    rf"(?:SRID=[0-9]+;)?\s*POINT\s*(?:ZM|Z|M)?\s*\(\s*({_NUMBER})\s+({_NUMBER})(?:\s+{_NUMBER}){{0,2}}\s*\)",
    re.IGNORECASE,
)
_LON_LAT = re.compile(rf"\s*({_NUMBER})\s*[,;]\s*({_NUMBER})\s*")


def parse_point(text: str, fmt: str) -> tuple[float, float] | None:
    """(lon, lat) of a WKT point (friches-standard) or of 'lon,lat' (the page export)."""
    match = (_WKT_POINT if fmt == STANDARD else _LON_LAT).fullmatch(text.strip())
    if match is None:
        return None
    lon, lat = float(match.group(1)), float(match.group(2))
    return (lon, lat) if math.isfinite(lon) and math.isfinite(lat) else None


_HTML_TAG = re.compile(r"<[^>]*>")
COMMUNE_WITH_CODE = re.compile(r"(.*?)\s*\(\s*([0-9AaBb]{4,5})\s*\)\s*")


def page_id(text: str) -> str:
    """The site_id of the page export's 'ID - <a href="/?site=ID">Voir sur la carte</a>'."""
    before_link = text.split("<", 1)[0]
    return _HTML_TAG.sub("", before_link).strip().rstrip("-").strip()
