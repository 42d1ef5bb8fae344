"""Commune names and codes as people type them, put in the form the geocoder compares.

``normalize`` folds a name (``geo.text.fold_words``: case, accents, ligatures,
punctuation) and spells out St/Ste; ``loose_key`` is the forgiving form (no leading
article, no CEDEX, 'Lyon 3e' → 'lyon 3'); the code helpers read INSEE and postal codes
the way spreadsheets mangle them (a dropped leading zero).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from geo.schema import INSEE_RE
from geo.text import accented_words, fold_words

_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
_ARTICLES = frozenset({"l", "le", "la", "les"})


def normalize(name: object) -> str:
    """The comparison form of a name: lowercase ASCII-ish words, accents and punctuation gone.

    ``"L'Île-Saint-Denis"`` → ``"l ile saint denis"``, ``"ST-ÉTIENNE"`` → ``"saint etienne"``.
    Every character that is not a letter or a digit separates words; articles are kept
    (see ``loose_key`` for the comparison that drops a leading one).
    """
    text = as_text(name)
    return " ".join(_ABBREVIATIONS.get(word, word) for word in fold_words(text)) if text else ""


def accented_key(name: str) -> str:
    """Like ``normalize`` but keeping the accents: 'Vergné' → 'vergné', 'ST-ÉTIENNE' → 'saint étienne'."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in accented_words(name))


def as_text(value: object) -> str:
    """A cell as stripped text: None, NaN and pd.NA are empty; 26140.0 is '26140'."""
    if isinstance(value, str):
        return value.strip()
    try:
        missing = pd.isna(value)
    except (TypeError, ValueError):
        missing = False
    if isinstance(missing, bool | np.bool_) and missing:  # None, NaN, pd.NA, NaT (not list-likes)
        return ""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer():
            return str(int(value))
    try:
        return str(value).strip()
    except Exception:  # an object whose __str__ fails is not a name
        return ""


_CEDEX = re.compile(r" cedex(?: \d{1,3})?$")
_ARRONDISSEMENT = re.compile(r" 0*(\d{1,2}) ?(?:er|ere|e|eme|em)?(?: arr(?:t|ondissement)?)?$")


def loose_key(key: str) -> str:
    """The forgiving comparison form: no leading article, no CEDEX, 'lyon 3e arrondissement' → 'lyon 3'."""
    if "cedex" in key:
        key = _CEDEX.sub("", key)
    words = key.split()
    if len(words) > 1 and words[0] in _ARTICLES:
        key = " ".join(words[1:])
    if key.replace(" ", "").isalpha():  # no digit: no arrondissement number
        return key
    return _ARRONDISSEMENT.sub(r" \1", key)


# A département as typed: '7', '07', '971', '2a', '02A' (geo.schema.DEP_RE is the strict form).
DEP_CODE_RE = re.compile(r"(?:\d{1,3}|0?2[AB])")
# "26140 Albon", "Croix (59)", "Albon (26140)", "Croix (Nord)": what rides along with the name.
LEADING_POSTAL = re.compile(r"^(\d{5})[\s,;-]+(\D.*)$")
TRAILING_BRACKET = re.compile(r"^(.*?\S)[\s,;-]*\(([^()]+)\)$")


def code_like(text: str) -> str | None:
    """``text`` as a 5-character code (INSEE or postal), restoring a leading zero Excel dropped."""
    compact = text.replace(" ", "").upper()
    if len(compact) == 4 and compact.isascii() and compact.isdigit():
        compact = "0" + compact
    return compact if INSEE_RE.fullmatch(compact) else None


def postal_like(text: str) -> str | None:
    compact = text.replace(" ", "")
    if len(compact) == 4:
        compact = "0" + compact
    return compact if len(compact) == 5 and compact.isascii() and compact.isdigit() else None


def quote(text: str, limit: int = 60) -> str:
    """A text as a message quotes it: one line, cut short."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
