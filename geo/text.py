"""Text folding for comparison: the one function every search, match and alias uses."""

from __future__ import annotations

import re
import unicodedata


class _CombiningMarks(dict):
    """``str.translate`` table that deletes combining marks: filled as characters are met."""

    def __missing__(self, codepoint: int) -> int | None:
        kept = None if unicodedata.combining(chr(codepoint)) else codepoint
        self[codepoint] = kept
        return kept


_DROP_COMBINING = _CombiningMarks()


def fold(text: object) -> str:
    """Lowercase without accents, for accent-insensitive search ("Chateauneuf" finds "Châteauneuf")."""
    if not isinstance(text, str):
        return ""
    if text.isascii():  # no decomposition, no combining mark: the common case, done fast
        return text.casefold()
    return unicodedata.normalize("NFKD", text).translate(_DROP_COMBINING).casefold()


# Letters NFKD leaves whole: 'Œuvre' and 'Oeuvre' are one name ('ß' casefolds to 'ss' already).
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
_ASCII_SEPARATORS = re.compile("[^a-z0-9]+")


def fold_words(text: str) -> list[str]:
    """The words of ``text`` folded (``fold``, ligatures spelled out); every non-alphanumeric
    character separates words: "L'Île-Saint-Denis" → ['l', 'ile', 'saint', 'denis']."""
    folded = fold(text).translate(_LIGATURES)
    if folded.isascii():  # the common case, ten times faster than looking at each character
        return _ASCII_SEPARATORS.sub(" ", folded).split()
    # casefold may make letters that decompose again: decomposed once more, marks dropped
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)).split()


def accented_words(text: str) -> list[str]:
    """Like ``fold_words`` but keeping the accents: 'Vergné' → ['vergné'] (not 'Vergne')."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_LIGATURES)
    return "".join(ch if ch.isalnum() else " " for ch in folded).split()


def column_key(name: str) -> str:
    """A column name as compared with the known ones: letters and digits only, folded
    ('Code postal' → 'codepostal', 'Département' → 'departement')."""
    return "".join(ch for ch in fold(name) if ch.isalnum())
