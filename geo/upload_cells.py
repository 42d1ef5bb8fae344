"""One cell of a user's file read as the site schema wants it: numbers (exact integers,
amounts with units, approximate figures), dates, sectors and kinds of jobs from common
words, text cleaned of what cannot be encoded. Each reader says what it set aside."""

from __future__ import annotations

import math
import re

from geo.schema import SITE_FIELDS
from geo.text import fold, fold_words
from geo.vocab import SECTORS

# Lone UTF-16 surrogates: JSON can spell them ("\ud800"), UTF-8 cannot encode them, so the
# page, the map and the exports would all fail on them later. Replaced once, here.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _scalar(value: object, other: object = None) -> object:
    """A JSON value as the upload reads a cell: a string (cleaned), a number, a boolean or None;
    anything else (a list, an object, however deep) is ``other``."""
    if isinstance(value, str):
        return _clean(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return other


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value: object) -> float | None:
    text = _text(value).replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


_INTEGER = re.compile(r"[+-]?[0-9]+")


def _schema_number(value: object, name: str) -> tuple[int | float | None, str]:
    """A numeric field's value as the schema accepts it, or (None, the text set aside)."""
    text = _text(value)
    if not text:
        return None, ""
    rule = SITE_FIELDS[name].rule
    compact = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    number: int | float | None
    if isinstance(value, bool):
        number = None
    elif rule.integer and _INTEGER.fullmatch(compact):
        number = int(compact)  # exactly: 9223372036854775807 as a float is 2**63
    else:
        number = _number(compact)
        if number is not None and rule.integer:
            number = int(number) if number.is_integer() else None
    if number is None or not SITE_FIELDS[name].accepts(number):
        return None, text
    return number, ""


# 2020 | 2020-02 | 2020/02 | 2020-02-11 | 02/2020 | 11/02/2020 | 11.02.2020 (day first, as in France)
_YEAR_FIRST = re.compile(r"([0-9]{4})(?:[-/.]([0-9]{1,2})(?:[-/.][0-9]{1,2})?)?")


_YEAR_LAST = re.compile(r"(?:[0-9]{1,2}[-/.])?([0-9]{1,2})[-/.]([0-9]{4})")


def _schema_date(value: object, name: str) -> tuple[str | int | None, str]:
    """A date field's value as the schema takes it ("YYYY" / "YYYY-MM" for announced, a year
    for the others), or (None, the text set aside)."""
    text = _text(value)
    if not text:
        return None, ""
    year = month = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        year = int(value) if float(value).is_integer() else None
    elif match := _YEAR_FIRST.fullmatch(text):
        year, month = int(match[1]), int(match[2]) if match[2] else None
    elif match := _YEAR_LAST.fullmatch(text):
        year, month = int(match[2]), int(match[1])
    elif (number := _number(text)) is not None and number.is_integer():  # 2020.0 from a spreadsheet
        year = int(number)
    if year is None or (month is not None and not 1 <= month <= 12):
        return None, text
    date: str | int = (f"{year}-{month:02d}" if month else str(year)) if name == "announced" else year
    return (date, "") if SITE_FIELDS[name].accepts(date) else (None, text)


# The kinds of a jobs figure (geo.schema.JOBS_KINDS) as files write them, folded words.
_JOBS_KIND_WORDS = {
    "created": ("created", "to be created", "creation", "creations", "cree", "crees", "a creer", "emplois crees",
                "recrutement", "recrutements", "embauche", "embauches", "hires", "new jobs"),
    "target": ("target", "objectif", "objectif a terme", "a terme", "cible", "vise", "vises"),
    "headcount": ("headcount", "effectif", "effectifs", "salaries", "recense", "recenses", "staff", "existants"),
}  # fmt: skip


_JOBS_KIND_OF = {fold(word): kind for kind, words in _JOBS_KIND_WORDS.items() for word in words}


def _jobs_kind(value: object) -> tuple[str | None, str]:
    """The kind of a row's jobs figure (a slug of JOBS_KINDS, or None), or (None, the text set aside)."""
    text = _text(value)
    if not text:
        return None, ""
    kind = _JOBS_KIND_OF.get(" ".join(fold(text).replace("'", " ").split()))
    return (kind, "") if kind else (None, text)


# Words people write for a sector, folded (geo.text.fold), each to a slug of geo.vocab.SECTORS;
# a multi-word entry matches those words in a row. A value none matches becomes "other", and
# the row says so (a warning), so that "Textile" is not silently "Autre industrie".
SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "leather-goods": ("maroquinerie", "cuir", "leather", "sellerie", "malletier", "luxe"),
    "servers-electronics": ("electronique", "electronics", "serveurs", "serveur", "servers", "ordinateurs",
                            "informatique", "composants", "semiconducteurs", "semi conducteurs", "puces", "chips"),
    "cloud-datacenters": ("data center", "data centre", "datacenter", "datacentre", "data centers", "datacenters",
                          "centre de donnees", "centres de donnees", "cloud", "hebergement"),
    "glass": ("verre", "verrerie", "glass", "flaconnage", "cristallerie"),
    "food": ("agroalimentaire", "agro alimentaire", "alimentaire", "food", "laiterie", "boulangerie",
             "conserverie", "brasserie", "boissons"),
    "chemicals-pharma": ("chimie", "chimique", "pharmacie", "pharmaceutique", "pharma", "medicaments",
                         "chemicals", "sante", "cosmetique", "cosmetiques", "plasturgie"),
    "metals-machinery": ("metallurgie", "acier", "siderurgie", "fonderie", "machines", "mecanique", "usinage",
                         "machinery", "metals", "robotique", "chaudronnerie"),
    "transport-equipment": ("aeronautique", "aerospatial", "spatial", "aerospace", "automobile", "auto",
                            "ferroviaire", "rail", "naval", "vehicules", "equipementier", "velo", "velos"),
    "energy-batteries": ("batteries", "batterie", "battery", "gigafactory", "energie", "energy", "hydrogene",
                         "solaire", "photovoltaique", "eolien", "nucleaire", "electrolyseurs"),
}  # fmt: skip


_SECTOR_OF = [(tuple(word.split()), slug) for slug, words in SECTOR_WORDS.items() for word in words]


def _sector(value: object, set_aside: list) -> str:
    """The sector slug of a row: its slug or label, else a word of SECTOR_WORDS; else "other",
    with a warning when the row gave something else ("@sector_other")."""
    slug = _vocab(value, SECTORS, None)
    if slug is not None:
        return slug
    words = fold_words(_text(value))
    for phrase, slug in _SECTOR_OF:
        n = len(phrase)
        if any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
            return slug
    if words and fold(_text(value)) not in ("autre", "autres", "other", "divers"):
        set_aside.append(("@sector_other", _text(value)))
    return "other"


# Approximate figures ("env. 300", "~300", "environ 300", "300 environ"): read as the number,
# and said with a row warning ("@approx_jobs").
_APPROX = re.compile(
    r"(?:(?:env(?:iron)?\.?|approx(?:\.|imately)?|about|ca\.|~|≈|\+/-|±)\s*)?([0-9][0-9 \u202f\u00a0.,]*)"
    r"(?:\s*(?:environ|env\.?|approx\.?))?",
    re.IGNORECASE,
)


# Amounts with units: "15 M€", "300 k€", "1,2 Md€", "15 millions d'euros", "40 M EUR".
_AMOUNT = re.compile(
    r"([0-9][0-9 \u202f\u00a0.,]*?)\s*(k|m|md|mds|mrd|milliers?|millions?|milliards?|bn|b)?\s*"
    r"(?:€|eur|euros?|d'euros?|d’euros?)?",
    re.IGNORECASE,
)


_UNITS = {"k": 1e3, "millier": 1e3, "milliers": 1e3, "m": 1e6, "million": 1e6, "millions": 1e6,
          "md": 1e9, "mds": 1e9, "mrd": 1e9, "milliard": 1e9, "milliards": 1e9, "bn": 1e9, "b": 1e9}  # fmt: skip


# An investment column whose header gives the unit: "Investissement (M€)", "Investissement (k€)".
_COLUMN_UNITS = {"investment_meur": 1e6, "investment_keur": 1e3}


def _cell(row: dict, name: str, set_aside: list) -> object:
    """A numeric cell as the schema's reader takes it: an approximate jobs figure's number
    (warned), an amount's euros (units in the cell or in the column's name)."""
    value = row.get(name)
    if name == "jobs":
        text = _text(value)
        match = _APPROX.fullmatch(text) if text and not _INTEGER.fullmatch(text) else None
        if match and match[0] != match[1]:
            set_aside.append(("@approx_jobs", text))
            return match[1]
        return value
    if name == "investment_eur":
        for column, scale in _COLUMN_UNITS.items():
            if _text(value) == "" and _text(row.get(column)):
                value = row.get(column)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return value * scale
                return _amount(_text(value), scale)
        return _amount(_text(value), 1) if isinstance(value, str) else value
    return value


def _amount(text: str, scale: float) -> object:
    """Euros of "15 M€" / "300 k€" / "1,2 Md€" (the cell's unit wins over the column's scale);
    the text as it was when it is not an amount (the schema then refuses it, with a warning)."""
    match = _AMOUNT.fullmatch(text.strip())
    if not match or not text.strip():
        return text
    number = _number(match[1])
    if number is None:
        return text
    unit = (match[2] or "").lower()
    return number * (_UNITS[unit] if unit else scale)


def _vocab(value: object, terms: dict, default: str | None) -> str | None:
    text = fold(_text(value))
    for slug, term in terms.items():
        if text in {slug, fold(term.fr), fold(term.en)}:
            return slug
    return default
