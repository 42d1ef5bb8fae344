"""Resolve what people type (a commune name, a postal code, an INSEE code) to an INSEE code, offline.

The tables are the ones ``geo.build_communes`` writes in ``data/communes/``: current
communes, their old names (delegated and associated communes, municipal arrondissements)
and postal codes. Nothing is guessed: when several communes fit, the answer is
``ambiguous`` with every candidate, and the caller (or the person) narrows it down with
a département or a postal code.

How ``Geocoder.resolve(commune, departement, code_postal)`` reads ``commune``:

1. A code (``01001``, ``2A004``, ``75001``; a 4-digit number gets back the leading zero
   Excel drops, ``1001`` → ``01001``) is tried, in this order, as a current INSEE code, a
   postal code, then the INSEE code of a former commune (``74268``, Seynod → Annecy). The
   first reading that survives the ``departement`` / ``code_postal`` filters wins.
   ``75001`` is not an INSEE code, so it is read as a postal code (Paris). ``26140`` is
   both (the INSEE code of Geyssans, the postal code of Albon and three others): it is
   read as Geyssans, unless the département or the postal code given with it rules
   Geyssans out (``26140`` with ``code_postal=26140`` is then ambiguous between the four).
2. Otherwise a name, compared after ``normalize`` (case, accents, punctuation, St/Ste).
   Current names and former names (``Seynod`` → Annecy) are collected together and
   deduplicated by the commune they lead to. When that gives several communes and the
   text carries accents, the accents decide if they can (``Vergné`` is not ``Vergne``;
   text without accents proves nothing: it may have lost them). Only when all that
   finds nothing (or nothing that passes the filters) a looser comparison is tried, on
   both sides: a leading article dropped (the tables store ``Île-Saint-Denis``,
   ``Havre``, ``Rochelle``), a trailing ``CEDEX 07`` dropped, ``Lyon 3e`` read as
   ``Lyon 3e Arrondissement``, and ``Château-Chinon`` matching both
   ``Château-Chinon (Ville)`` and ``(Campagne)``.
3. A leading postal code (``26140 Albon``) or a trailing département or postal code in
   brackets (``Croix (59)``, ``Croix (Nord)``, ``Croix (59170)``) in the ``commune`` text
   narrows the candidates like the separate fields do.

An empty ``commune`` with a known ``code_postal`` is resolved from the postal code alone.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import difflib
import io
import itertools
import math
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from geo.paths import COMMUNES_DIR

STATUSES = ("ok", "ambiguous", "not_found")
MATCHED_VIA = ("insee", "name", "alias", "postal_code")
_VIA_TEXT = {
    "insee": "INSEE code",
    "name": "name",
    "alias": "former name or code",
    "postal_code": "postal code",
}

MAX_SUGGESTIONS = 5
# difflib ratio a name must reach to be suggested: 0.8 keeps one or two typos in a
# 10-letter name, and drops the far-fetched matches difflib's default 0.6 lets through.
SUGGESTION_CUTOFF = 0.8
# Longer texts are not names: no fuzzy search on them (commune names have ≤ 45 characters).
MAX_NAME_LENGTH = 200
# Names scanned for suggestions that start with what was typed ('saint' starts 4,000).
PREFIX_SCAN = 5_000
# The memo of resolve(); cleared when full, so memory stays bounded on huge inputs.
CACHE_SIZE = 200_000

# ---------------------------------------------------------------------------- normalize

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
# The combining accents of Latin letters (what NFKD splits off 'é'), deleted in one pass.
_LATIN_ACCENTS = re.compile("[\u0300-\u036f]+")
_ASCII_SEPARATORS = re.compile("[^a-z0-9]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
_ARTICLES = frozenset({"l", "le", "la", "les"})


def normalize(name: object) -> str:
    """The comparison form of a name: lowercase ASCII-ish words, accents and punctuation gone.

    ``"L'Île-Saint-Denis"`` → ``"l ile saint denis"``, ``"ST-ÉTIENNE"`` → ``"saint etienne"``.
    Every character that is not a letter or a digit separates words; articles are kept
    (see ``_loose_key`` for the comparison that drops a leading one).
    """
    text = _as_text(name)
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text).casefold().translate(_LIGATURES)
    text = _LATIN_ACCENTS.sub("", unicodedata.normalize("NFKD", text))
    if text.isascii():  # the common case, ten times faster than looking at each character
        cleaned = _ASCII_SEPARATORS.sub(" ", text.lower())
    else:
        cleaned = "".join(
            ch if ch.isalnum() else " " for ch in text if not unicodedata.combining(ch)
        ).casefold()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in cleaned.split())


def _accented_key(name: str) -> str:
    """Like ``normalize`` but keeping the accents: 'Vergné' → 'vergné', 'ST-ÉTIENNE' → 'saint étienne'."""
    text = unicodedata.normalize("NFC", name).casefold().translate(_LIGATURES)
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _as_text(value: object) -> str:
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


def _loose_key(key: str) -> str:
    """The forgiving comparison form: no leading article, no CEDEX, 'lyon 3e arrondissement' → 'lyon 3'."""
    if "cedex" in key:
        key = _CEDEX.sub("", key)
    words = key.split()
    if len(words) > 1 and words[0] in _ARTICLES:
        key = " ".join(words[1:])
    if key.replace(" ", "").isalpha():  # no digit: no arrondissement number
        return key
    return _ARRONDISSEMENT.sub(r" \1", key)


# ---------------------------------------------------------------------------- codes

_INSEE_RE = re.compile(r"(?:\d{5}|2[AB]\d{3})")
_DEP_CODE_RE = re.compile(r"(?:\d{1,3}|0?2[AB])")
# "26140 Albon", "Croix (59)", "Albon (26140)", "Croix (Nord)": what rides along with the name.
_LEADING_POSTAL = re.compile(r"^(\d{5})[\s,;-]+(\D.*)$")
_TRAILING_BRACKET = re.compile(r"^(.*?\S)[\s,;-]*\(([^()]+)\)$")


def _code_like(text: str) -> str | None:
    """``text`` as a 5-character code (INSEE or postal), restoring a leading zero Excel dropped."""
    compact = text.replace(" ", "").upper()
    if len(compact) == 4 and compact.isascii() and compact.isdigit():
        compact = "0" + compact
    return compact if _INSEE_RE.fullmatch(compact) else None


def _postal_like(text: str) -> str | None:
    compact = text.replace(" ", "")
    if len(compact) == 4:
        compact = "0" + compact
    return compact if len(compact) == 5 and compact.isascii() and compact.isdigit() else None


# ---------------------------------------------------------------------------- result


@dataclass(frozen=True)
class GeocodeResult:
    """What ``Geocoder.resolve`` found for one input.

    Attributes
    ----------
    status
        ``ok`` (one commune), ``ambiguous`` (several; see ``candidates``) or ``not_found``.
    insee, nom
        The commune when ``ok``, else None.
    candidates
        ``(insee,)`` when ok; every candidate, sorted, when ambiguous; () when not found.
    suggestions
        When not found: up to five ``(insee, nom, dep)`` of close names, or of the
        communes of that name that the département / postal code ruled out.
    matched_via
        ``insee``, ``name``, ``alias`` (a former name or code), ``postal_code`` or None.
    message
        A short explanation in English (the UI translates the statuses itself).
    """

    status: str
    insee: str | None = None
    nom: str | None = None
    candidates: tuple[str, ...] = ()
    suggestions: tuple[tuple[str, str, str], ...] = ()
    matched_via: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class _Filters:
    """What narrows the candidates: allowed départements and/or the communes of a postal code."""

    deps: frozenset[str] | None = None
    insee: frozenset[str] | None = None
    described: str = ""

    def passes(self, code: str, dep_of: Mapping[str, str]) -> bool:
        if self.insee is not None and code not in self.insee:
            return False
        return self.deps is None or dep_of.get(code) in self.deps

    def __and__(self, other: _Filters) -> _Filters:
        described = " and ".join(d for d in (self.described, other.described) if d)
        return _Filters(_both(self.deps, other.deps), _both(self.insee, other.insee), described)


def _both(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """Both constraints at once; None means no constraint."""
    return b if a is None else a if b is None else a & b


class _FilterError(Exception):
    """A département or postal code that cannot be understood."""


# ---------------------------------------------------------------------------- geocoder

_COMMUNE_COLUMNS = ("insee", "nom", "dep")


def _check_columns(table: pd.DataFrame, name: str, required: Iterable[str]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"Geocoder: {name} must be a pandas DataFrame, got {type(table).__name__}")
    missing = [col for col in required if col not in table.columns]
    if missing:
        raise ValueError(f"Geocoder: {name} table lacks column(s) {missing}; it has {list(table.columns)}")


def _strings(column: pd.Series) -> list[str]:
    return column.astype("string").fillna("").str.strip().tolist()


class Geocoder:
    """Commune name / postal code / INSEE code → INSEE code, from in-memory tables.

    Parameters
    ----------
    communes
        Current communes: ``insee``, ``nom``, ``dep`` (strings); ``population``, if
        present, ranks suggestions.
    departements
        ``code``, ``nom``; when None, the codes found in ``communes`` are the only
        départements known, by code.
    aliases
        Former names: ``alias_insee``, ``alias_nom``, ``insee`` (the current commune).
    postal_codes
        ``code_postal``, ``insee``; one row per pair.
    """

    def __init__(
        self,
        communes: pd.DataFrame,
        departements: pd.DataFrame | None = None,
        aliases: pd.DataFrame | None = None,
        postal_codes: pd.DataFrame | None = None,
    ) -> None:
        _check_columns(communes, "communes", _COMMUNE_COLUMNS)
        if departements is not None:
            _check_columns(departements, "departements", ("code", "nom"))
        if aliases is not None:
            _check_columns(aliases, "aliases", ("alias_insee", "alias_nom", "insee"))
        if postal_codes is not None:
            _check_columns(postal_codes, "postal_codes", ("code_postal", "insee"))

        self._nom: dict[str, str] = {}
        self._dep: dict[str, str] = {}
        for code, nom, dep in zip(*(_strings(communes[c]) for c in _COMMUNE_COLUMNS), strict=True):
            if code:
                self._nom[code] = nom
                self._dep[code] = dep
        # Optional: ranks suggestions ('Boulogne' → Boulogne-Billancourt before Boulogne-sur-Gesse).
        self._population: dict[str, int] = {}
        if "population" in communes.columns:
            population = pd.to_numeric(communes["population"], errors="coerce").fillna(0)
            self._population = dict(zip(_strings(communes["insee"]), population.astype("int64"), strict=True))
        self._cache: dict[tuple[str, str, str], GeocodeResult] = {}
        self._build_names(aliases)
        self._build_postal(postal_codes)
        self._build_departements(departements)
        self._build_fuzzy()

    @classmethod
    def from_data(cls, directory: Path = COMMUNES_DIR) -> Geocoder:
        """Read the tables of ``data/communes/`` (no geometry: reading takes a fraction of a second)."""
        directory = Path(directory)
        communes = pd.read_parquet(directory / "communes.parquet", columns=[*_COMMUNE_COLUMNS, "population"])
        departements = pd.read_parquet(directory / "departements.parquet", columns=["code", "nom"])
        aliases = pd.read_csv(directory / "aliases.csv", dtype=str, keep_default_na=False)
        postal_codes = pd.read_csv(directory / "postal_codes.csv", dtype=str, keep_default_na=False)
        return cls(communes, departements, aliases, postal_codes)

    # -- index building

    def _build_names(self, aliases: pd.DataFrame | None) -> None:
        # key → {insee: how it was matched}; a current name wins over a former one.
        self._strict: dict[str, dict[str, str]] = {}
        self._loose: dict[str, dict[str, str]] = {}
        self._old_codes: dict[str, set[str]] = {}

        def add(index: dict[str, dict[str, str]], key: str, code: str, via: str) -> None:
            if key:
                targets = index.setdefault(key, {})
                if targets.get(code) != "name":
                    targets[code] = via

        spelled: list[tuple[str, str, str]] = []  # (key, insee, name as written)
        for code, nom in self._nom.items():
            key = normalize(nom)
            add(self._strict, key, code, "name")
            add(self._loose, _loose_key(key), code, "name")
            spelled.append((key, code, nom))
            if " (" in nom:  # 'Château-Chinon (Ville)' is also 'Château-Chinon'
                add(self._loose, _loose_key(normalize(nom.split(" (", 1)[0])), code, "name")
        if aliases is not None:
            for old_code, old_nom, code in zip(
                _strings(aliases["alias_insee"]),
                _strings(aliases["alias_nom"]),
                _strings(aliases["insee"]),
                strict=True,
            ):
                if code not in self._nom:
                    continue
                key = normalize(old_nom)
                add(self._strict, key, code, "alias")
                add(self._loose, _loose_key(key), code, "alias")
                spelled.append((key, code, old_nom))
                if old_code and old_code not in self._nom:
                    self._old_codes.setdefault(old_code.upper(), set()).add(code)
        # Accents typed are information: 'Vergné' is not 'Vergne' (both in Charente-Maritime).
        # Kept only for the names that normalize() makes ambiguous.
        self._accented: dict[str, set[str]] = {}
        for key, code, written in spelled:
            if len(self._strict[key]) > 1:
                self._accented.setdefault(_accented_key(written), set()).add(code)

    def _build_postal(self, postal_codes: pd.DataFrame | None) -> None:
        postal: dict[str, set[str]] = {}
        if postal_codes is not None:
            for cp, code in zip(
                _strings(postal_codes["code_postal"]), _strings(postal_codes["insee"]), strict=True
            ):
                if cp and code in self._nom:
                    postal.setdefault(cp, set()).add(code)
        self._postal: dict[str, frozenset[str]] = {cp: frozenset(codes) for cp, codes in postal.items()}

    def _build_departements(self, departements: pd.DataFrame | None) -> None:
        self._dep_nom: dict[str, str] = {}
        if departements is not None:
            for code, nom in zip(_strings(departements["code"]), _strings(departements["nom"]), strict=True):
                self._dep_nom[code.upper()] = nom
        for dep in self._dep.values():
            if dep:
                self._dep_nom.setdefault(dep, dep)
        self._dep_by_name: dict[str, frozenset[str]] = {}
        for code, nom in self._dep_nom.items():
            if nom != code:
                for key in {normalize(nom), _loose_key(normalize(nom))}:
                    self._dep_by_name[key] = self._dep_by_name.get(key, frozenset()) | {code}
        corsica = frozenset({"2A", "2B"}) & self._dep_nom.keys()
        if corsica:  # the single département before 1976: code 20, 'Corse'
            self._dep_by_name.setdefault("corse", corsica)

    def _build_fuzzy(self) -> None:
        """Letter counts of every name, to shortlist difflib candidates with one numpy pass."""
        # Sorted by length, so the names difflib could accept for a query are one slice.
        self._keys = sorted(self._strict, key=lambda k: (len(k), k))
        self._sorted_keys = sorted(self._strict)
        self._key_lengths = np.array([len(k) for k in self._keys], dtype=np.int64)
        # One row per letter, one column per name: a query reads only its own letters' rows.
        self._key_counts = np.ascontiguousarray(_letter_counts(self._keys).T.astype(np.uint8))
        by_dep: dict[str, list[int]] = {}
        for row, key in enumerate(self._keys):
            for dep in {self._dep[code] for code in self._strict[key]}:
                by_dep.setdefault(dep, []).append(row)
        self._key_rows_by_dep = {dep: np.array(rows, dtype=np.int64) for dep, rows in by_dep.items()}

    # -- public

    @property
    def departements(self) -> dict[str, str]:
        """Département code → name, as known to this geocoder."""
        return dict(self._dep_nom)

    def nom(self, insee: str) -> str | None:
        return self._nom.get(insee)

    def resolve(
        self, commune: object, departement: object = None, code_postal: object = None
    ) -> GeocodeResult:
        """Resolve one commune (name, postal code or INSEE code), optionally narrowed; never raises."""
        key = (_as_text(commune), _as_text(departement), _as_text(code_postal))
        result = self._cache.get(key)
        if result is None:
            result = self._resolve(*key)
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = result
        return result

    def resolve_many(self, rows: Iterable[object]) -> list[GeocodeResult]:
        """Resolve rows in order: dicts with ``commune``/``departement``/``code_postal`` keys,
        tuples ``(commune, departement, code_postal)`` (shorter ones allowed), or bare names."""
        results = []
        for row in rows:
            if isinstance(row, Mapping):
                results.append(
                    self.resolve(row.get("commune"), row.get("departement"), row.get("code_postal"))
                )
            elif isinstance(row, tuple | list):
                args = list(row)[:3]
                results.append(self.resolve(*args, *[None] * (3 - len(args))))
            else:
                results.append(self.resolve(row))
        return results

    # -- resolution steps

    def _resolve(self, commune: str, departement: str, code_postal: str) -> GeocodeResult:
        try:
            filters = self._filters(departement, code_postal)
        except _FilterError as error:
            return GeocodeResult("not_found", message=str(error))

        if not commune:
            if filters.insee is not None and code_postal:
                readings = [("postal_code", dict.fromkeys(filters.insee, "postal_code"))]
                return self._decide(readings, replace(filters, described=""), code_postal)
            return GeocodeResult("not_found", message="empty")

        code = _code_like(commune)
        if code is not None:
            return self._decide(self._code_readings(code), filters, code)

        name, hints = commune, _Filters()
        try:
            name, hints = self._split_hints(commune)
        except _FilterError:
            pass  # 'Croix (99)': not a known département, so the bracket stays part of the name
        filters = filters & hints
        key = normalize(name)
        if not key:
            return GeocodeResult("not_found", message="empty")
        if len(key) > MAX_NAME_LENGTH:
            return GeocodeResult(
                "not_found", message=f"too long to be a commune name ({len(key)} characters)"
            )
        strict = self._strict.get(key, {})
        if len(strict) > 1 and not name.isascii():
            exact = self._accented.get(_accented_key(name), set())
            strict = {code: via for code, via in strict.items() if code in exact} or strict
        readings = [("name", strict), ("name", self._loose.get(_loose_key(key), {}))]
        readings = [(via, found) for via, found in readings if found]
        if not readings:
            return GeocodeResult(
                "not_found",
                suggestions=self._suggest(key, filters),
                message=f"no commune named {_quote(name)}" + _where(filters),
            )
        return self._decide(readings, filters, name, what="no commune named")

    def _code_readings(self, code: str) -> list[tuple[str, dict[str, str]]]:
        readings = []
        if code in self._nom:
            readings.append(("insee", {code: "insee"}))
        if code in self._postal:
            readings.append(("postal_code", dict.fromkeys(self._postal[code], "postal_code")))
        if code in self._old_codes:
            readings.append(("alias", dict.fromkeys(self._old_codes[code], "alias")))
        return readings

    def _decide(
        self,
        readings: list[tuple[str, dict[str, str]]],
        filters: _Filters,
        typed: str,
        what: str = "no commune for",
    ) -> GeocodeResult:
        """The first reading with candidates left after the filters gives the answer."""
        if not readings:
            return GeocodeResult(
                "not_found", message=f"{_quote(typed)} is neither an INSEE code nor a postal code"
            )
        for _, found in readings:
            kept = {code: via for code, via in found.items() if filters.passes(code, self._dep)}
            if len(kept) == 1:
                ((code, via),) = kept.items()
                message = f"matched by {_VIA_TEXT[via]}"
                if via == "insee" and code in self._postal:
                    message += (
                        f" ({code} is also a postal code: give the postal code in code_postal to use it)"
                    )
                return GeocodeResult("ok", code, self._nom[code], (code,), matched_via=via, message=message)
            if kept:
                via = "name" if "name" in kept.values() else next(iter(kept.values()))
                return GeocodeResult(
                    "ambiguous",
                    candidates=tuple(sorted(kept)),
                    matched_via=via,
                    message=f"{len(kept)} communes match {_quote(typed)}{_where(filters)}; "
                    "narrow down with a département or a postal code",
                )
        # Every reading was ruled out by the filters: the first one's communes are the suggestions.
        ruled_out = sorted(readings[0][1])
        return GeocodeResult(
            "not_found",
            suggestions=tuple(
                (code, self._nom[code], self._dep[code]) for code in ruled_out[:MAX_SUGGESTIONS]
            ),
            message=f"{what} {_quote(typed)}{_where(filters)} ({len(ruled_out)} elsewhere, in suggestions)",
        )

    def _filters(self, departement: str, code_postal: str) -> _Filters:
        filters = _Filters()
        if departement:
            deps = self._parse_departement(departement)
            if deps is None:
                raise _FilterError(f"unknown département {_quote(departement)}")
            filters = filters & _Filters(deps=deps, described=f"in département {'/'.join(sorted(deps))}")
        if code_postal:
            filters = filters & self._postal_filter(code_postal)
        return filters

    def _postal_filter(self, code_postal: str) -> _Filters:
        cp = _postal_like(code_postal)
        if cp is None:
            raise _FilterError(f"postal code {_quote(code_postal)} is not a 5-digit code")
        if cp in self._postal:
            return _Filters(insee=self._postal[cp], described=f"with postal code {cp}")
        # Not in the table (a CEDEX code, a new code): its first digits still give the département.
        deps = self._deps_of_postal_code(cp)
        if not deps:
            raise _FilterError(f"unknown postal code {cp}")
        return _Filters(
            deps=deps, described=f"in département {'/'.join(sorted(deps))} (postal code {cp} unknown)"
        )

    def _deps_of_postal_code(self, cp: str) -> frozenset[str]:
        if cp.startswith("97"):
            candidates = {cp[:3]}
        elif cp.startswith("20"):
            candidates = {"2A", "2B"}
        else:
            candidates = {cp[:2]}
        return frozenset(candidates & self._dep_nom.keys())

    def _parse_departement(self, text: str) -> frozenset[str] | None:
        """A département code ('26', '7', '2a', '971') or name ('Drôme', 'seine et marne') → codes."""
        found = self._departement_code(text)
        if found is not None:
            return found
        key = normalize(text)
        found = self._dep_by_name.get(key) or self._dep_by_name.get(_loose_key(key))
        if found is not None:
            return found
        # 'Drôme (26)', '26 - Drôme': one code word, the rest (if it is a name) must agree.
        words = key.split()
        codes = [w for w in words if _DEP_CODE_RE.fullmatch(w.upper())]
        if len(codes) != 1:
            return None
        found = self._departement_code(codes[0])
        rest = " ".join(w for w in words if w != codes[0])
        named = self._dep_by_name.get(rest) or self._dep_by_name.get(_loose_key(rest))
        if found is not None and named is not None and not (found & named):
            return None
        return found

    def _departement_code(self, text: str) -> frozenset[str] | None:
        code = text.replace(" ", "").upper()
        if not _DEP_CODE_RE.fullmatch(code):
            return None
        code = code.lstrip("0").rjust(2, "0") if code[-1].isdigit() else code.lstrip("0")
        if code == "20":
            return self._dep_by_name.get("corse")
        return frozenset({code}) if code in self._dep_nom else None

    def _split_hints(self, commune: str) -> tuple[str, _Filters]:
        """'26140 Albon' → ('Albon', postal code 26140); 'Croix (59)', 'Croix (Nord)' → ('Croix', 59).

        A bracket that is part of a name ('Château-Chinon (Ville)') stays in the name.
        """
        match = _LEADING_POSTAL.match(commune)
        if match:
            return match.group(2), self._postal_filter(match.group(1))
        match = _TRAILING_BRACKET.match(commune)
        if match and normalize(commune) not in self._strict:
            name, inside = match.groups()
            if _postal_like(inside) is not None and len(inside.strip()) == 5:
                return name, self._postal_filter(inside)
            deps = self._parse_departement(inside)
            if deps is None:
                raise _FilterError(inside)
            return name, _Filters(deps=deps, described=f"in département {'/'.join(sorted(deps))}")
        return commune, _Filters()

    def _suggest(self, key: str, filters: _Filters) -> tuple[tuple[str, str, str], ...]:
        """Close names (difflib), restricted to the filters when they leave any."""
        if len(key) > MAX_NAME_LENGTH:
            return ()
        rows = None
        if filters.deps is not None:
            parts = [self._key_rows_by_dep[d] for d in sorted(filters.deps) if d in self._key_rows_by_dep]
            rows = np.unique(np.concatenate(parts)) if parts else np.array([], dtype=np.int64)
        if filters.insee is not None:
            deps = {self._dep[code] for code in filters.insee}
            parts = [self._key_rows_by_dep[d] for d in sorted(deps) if d in self._key_rows_by_dep]
            allowed = np.unique(np.concatenate(parts)) if parts else np.array([], dtype=np.int64)
            rows = allowed if rows is None else np.intersect1d(rows, allowed)
        # A postal code keeps only some communes of its départements: look further down the list.
        n = MAX_SUGGESTIONS if filters.insee is None else 4 * MAX_SUGGESTIONS
        codes = self._communes_starting_with(key, filters)
        for name in self._close_names(key, rows, n):
            codes.extend(sorted(code for code in self._strict[name] if filters.passes(code, self._dep)))
        unique = list(dict.fromkeys(codes))[:MAX_SUGGESTIONS]
        return tuple((code, self._nom[code], self._dep[code]) for code in unique)

    def _communes_starting_with(self, key: str, filters: _Filters) -> list[str]:
        """'cherbourg' → Cherbourg-en-Cotentin (and its former name Cherbourg-Octeville): the
        first words of a longer name, which difflib ranks low. The most populous first."""
        prefix = key + " "
        start = bisect.bisect_left(self._sorted_keys, prefix)
        codes: set[str] = set()
        for name in itertools.islice(self._sorted_keys, start, start + PREFIX_SCAN):
            if not name.startswith(prefix):
                break
            codes.update(code for code in self._strict[name] if filters.passes(code, self._dep))
        ranked = sorted(codes, key=lambda code: (-self._population.get(code, 0), code))
        return ranked[:MAX_SUGGESTIONS]

    def _close_names(self, key: str, rows: np.ndarray | None, n: int) -> list[str]:
        """``difflib.get_close_matches(key, names, n, SUGGESTION_CUTOFF)``, same answer, faster.

        difflib keeps a name only if its real_quick_ratio (lengths) and quick_ratio (shared
        letters, in any order) reach the cutoff, then computes the real ratio, which
        neither bound is below. Here both bounds are computed with numpy for all names at
        once, and the real ratios in decreasing order of bound, stopping when the bound
        falls under the n-th best ratio found: a handful of ratios instead of 37,000.
        """
        size, cutoff = len(key), SUGGESTION_CUTOFF
        start = int(np.searchsorted(self._key_lengths, size * cutoff / (2 - cutoff) - 1e-6, side="left"))
        stop = int(np.searchsorted(self._key_lengths, size * (2 - cutoff) / cutoff + 1e-6, side="right"))
        columns = np.arange(start, stop) if rows is None else rows[(rows >= start) & (rows < stop)]
        if columns.size == 0:
            return []
        counts = _letter_counts([key])[0]
        shared = np.zeros(columns.size, dtype=np.int32)
        for letter in np.flatnonzero(counts):
            row = self._key_counts[letter, start:stop] if rows is None else self._key_counts[letter, columns]
            shared += np.minimum(row, counts[letter])
        bound = 2.0 * shared / (self._key_lengths[columns] + size)
        order = np.flatnonzero(bound >= cutoff - 1e-9)
        order = order[np.argsort(-bound[order], kind="stable")]
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(key)
        best: list[tuple[float, str]] = []  # the n best (ratio, name), as get_close_matches ranks them
        for i in order:
            if len(best) >= n and bound[i] < best[-1][0] - 1e-9:
                break
            name = self._keys[columns[i]]
            matcher.set_seq1(name)
            score = matcher.ratio()
            if score >= cutoff:
                best.append((score, name))
                best.sort(reverse=True)
                del best[n:]
        return [name for _, name in best]


_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789 "
# Code point (below 128) → bucket; every other character shares the last bucket, which
# keeps the shared-letter count an upper bound.
_BUCKET_OF = np.full(128, len(_LETTERS), dtype=np.int64)
_BUCKET_OF[[ord(ch) for ch in _LETTERS]] = np.arange(len(_LETTERS))


def _letter_counts(keys: list[str]) -> np.ndarray:
    """One row per key: how many times each letter occurs in it."""
    lengths = np.array([len(k) for k in keys], dtype=np.int64)
    points = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    buckets = np.where(points < 128, _BUCKET_OF[np.minimum(points, 127)], len(_LETTERS))
    rows = np.repeat(np.arange(len(keys)), lengths)
    width = len(_LETTERS) + 1
    counts = np.bincount(rows * width + buckets, minlength=len(keys) * width)
    return counts.reshape(len(keys), width).astype(np.int32)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _where(filters: _Filters) -> str:
    return f" {filters.described}" if filters.described else ""


# ---------------------------------------------------------------------------- CLI

DELIMITERS = ",;\t|"
_EXCEL_SEP_LINE = re.compile(r"sep=([,;\t|])[ \t]*(?:\r\n|\r|\n)")
# Input columns, matched on their letters only: 'Commune', 'Département', 'Code postal'.
INPUT_COLUMNS = {
    "commune": ("commune",),
    "departement": ("departement", "dep", "dept"),
    "code_postal": ("codepostal", "cp"),
}
# Added to the output; an input column with the same letters is overwritten in place.
OUTPUT_COLUMNS = ("insee", "commune_nom", "status", "candidates")


class InputError(Exception):
    """An input file that cannot be read as a table of communes (a one-line message)."""


def run_geocode_cli(input_path: Path, output_path: Path, *, geocoder: Geocoder | None = None) -> int:
    """``python -m geo geocode IN.csv -o OUT.csv``: add insee, commune_nom, status, candidates.

    The output holds the input columns as read, in order, plus the four result columns,
    UTF-8, comma-separated, one row per input row. An input column named like a result
    column (``insee``, ``INSEE``, ``Status``...) is overwritten in place, under the
    result column's name, rather than duplicated. Returns 0 when the file was processed,
    1 (and a one-line message on stderr) when it could not be read or written.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    try:
        header, rows = read_table(input_path)
        columns = _find_columns(header, input_path)
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


def _column_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)).casefold()


def _find_columns(header: list[str], path: Path) -> dict[str, int]:
    keys = [_column_key(h) for h in header]
    found = {}
    for name, accepted in INPUT_COLUMNS.items():
        for alias in accepted:  # the first accepted spelling present, leftmost column
            if alias in keys:
                found[name] = keys.index(alias)
                break
    if "commune" not in found:
        shown = ", ".join(_quote(h, 30) for h in header[:20]) + (", …" if len(header) > 20 else "")
        raise InputError(f"{path}: no 'commune' column (found: {shown or 'none'})")
    return found


def _output_header(header: list[str]) -> tuple[list[str], dict[str, int]]:
    out = list(header)
    keys = [_column_key(h) for h in header]
    positions = {}
    for name in OUTPUT_COLUMNS:
        key = _column_key(name)
        if key in keys:
            positions[name] = keys.index(key)
            out[positions[name]] = name
        else:
            positions[name] = len(out)
            out.append(name)
    return out, positions


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
    """Write UTF-8 CSV atomically: a temporary file in the same directory, then os.replace."""
    path = Path(path)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
