"""Text folding for comparison: the one function every search, match and alias uses."""

from __future__ import annotations

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
