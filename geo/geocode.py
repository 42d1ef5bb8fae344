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
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from geo.crs import check_frame
from geo.csvfile import InputError, parse_table, read_table, write_table  # noqa: F401  (re-exported)
from geo.fuzzy import CloseNames
from geo.names import (
    DEP_CODE_RE,
    LEADING_POSTAL,
    TRAILING_BRACKET,
    accented_key,
    as_text,
    code_like,
    loose_key,
    normalize,
    postal_like,
    quote,
)
from geo.paths import COMMUNES_DIR
from geo.schema import COLUMN_ALIASES

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
    check_frame(table, f"Geocoder: {name}", required, geo=False)


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
            add(self._loose, loose_key(key), code, "name")
            spelled.append((key, code, nom))
            if " (" in nom:  # 'Château-Chinon (Ville)' is also 'Château-Chinon'
                add(self._loose, loose_key(normalize(nom.split(" (", 1)[0])), code, "name")
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
                add(self._loose, loose_key(key), code, "alias")
                spelled.append((key, code, old_nom))
                if old_code and old_code not in self._nom:
                    self._old_codes.setdefault(old_code.upper(), set()).add(code)
        # Accents typed are information: 'Vergné' is not 'Vergne' (both in Charente-Maritime).
        # Kept only for the names that normalize() makes ambiguous.
        self._accented: dict[str, set[str]] = {}
        for key, code, written in spelled:
            if len(self._strict[key]) > 1:
                self._accented.setdefault(accented_key(written), set()).add(code)

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
                for key in {normalize(nom), loose_key(normalize(nom))}:
                    self._dep_by_name[key] = self._dep_by_name.get(key, frozenset()) | {code}
        corsica = frozenset({"2A", "2B"}) & self._dep_nom.keys()
        if corsica:  # the single département before 1976: code 20, 'Corse'
            self._dep_by_name.setdefault("corse", corsica)

    def _build_fuzzy(self) -> None:
        """Letter counts of every name, to shortlist difflib candidates with one numpy pass."""
        self._names = CloseNames(self._strict, SUGGESTION_CUTOFF)
        self._sorted_keys = sorted(self._strict)
        by_dep: dict[str, list[int]] = {}
        for row, key in enumerate(self._names.keys):
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
        self, commune: object, departement: object = None, code_postal: object = None, *, suggest: bool = True
    ) -> GeocodeResult:
        """Resolve one commune (name, postal code or INSEE code), optionally narrowed; never raises.

        ``suggest=False`` skips the search for close names when nothing is found (the one
        costly step, ~0.4 ms): a caller resolving thousands of unknown names bounds its
        work with it. Such an answer has no close-name suggestions and is not memoised.
        """
        key = (as_text(commune), as_text(departement), as_text(code_postal))
        result = self._cache.get(key)
        if result is None:
            result = self._resolve(*key, suggest=suggest)
            if not suggest:
                return result
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

    def _resolve(
        self, commune: str, departement: str, code_postal: str, *, suggest: bool = True
    ) -> GeocodeResult:
        try:
            filters = self._filters(departement, code_postal)
        except _FilterError as error:
            return GeocodeResult("not_found", message=str(error))

        if not commune:
            if filters.insee is not None and code_postal:
                readings = [("postal_code", dict.fromkeys(filters.insee, "postal_code"))]
                return self._decide(readings, replace(filters, described=""), code_postal)
            return GeocodeResult("not_found", message="empty")

        code = code_like(commune)
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
            exact = self._accented.get(accented_key(name), set())
            strict = {code: via for code, via in strict.items() if code in exact} or strict
        readings = [("name", strict), ("name", self._loose.get(loose_key(key), {}))]
        readings = [(via, found) for via, found in readings if found]
        if not readings:
            return GeocodeResult(
                "not_found",
                suggestions=self._suggest(key, filters) if suggest else (),
                message=f"no commune named {quote(name)}" + _where(filters),
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
                "not_found", message=f"{quote(typed)} is neither an INSEE code nor a postal code"
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
                    message=f"{len(kept)} communes match {quote(typed)}{_where(filters)}; "
                    "narrow down with a département or a postal code",
                )
        # Every reading was ruled out by the filters: the first one's communes are the suggestions.
        ruled_out = sorted(readings[0][1])
        return GeocodeResult(
            "not_found",
            suggestions=tuple(
                (code, self._nom[code], self._dep[code]) for code in ruled_out[:MAX_SUGGESTIONS]
            ),
            message=f"{what} {quote(typed)}{_where(filters)} ({len(ruled_out)} elsewhere, in suggestions)",
        )

    def _filters(self, departement: str, code_postal: str) -> _Filters:
        filters = _Filters()
        if departement:
            deps = self._parse_departement(departement)
            if deps is None:
                raise _FilterError(f"unknown département {quote(departement)}")
            filters = filters & _Filters(deps=deps, described=f"in département {'/'.join(sorted(deps))}")
        if code_postal:
            filters = filters & self._postal_filter(code_postal)
        return filters

    def _postal_filter(self, code_postal: str) -> _Filters:
        cp = postal_like(code_postal)
        if cp is None:
            raise _FilterError(f"postal code {quote(code_postal)} is not a 5-digit code")
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
        found = self._dep_by_name.get(key) or self._dep_by_name.get(loose_key(key))
        if found is not None:
            return found
        # 'Drôme (26)', '26 - Drôme': one code word, the rest (if it is a name) must agree.
        words = key.split()
        codes = [w for w in words if DEP_CODE_RE.fullmatch(w.upper())]
        if len(codes) != 1:
            return None
        found = self._departement_code(codes[0])
        rest = " ".join(w for w in words if w != codes[0])
        named = self._dep_by_name.get(rest) or self._dep_by_name.get(loose_key(rest))
        if found is not None and named is not None and not (found & named):
            return None
        return found

    def _departement_code(self, text: str) -> frozenset[str] | None:
        code = text.replace(" ", "").upper()
        if not DEP_CODE_RE.fullmatch(code):
            return None
        code = code.lstrip("0").rjust(2, "0") if code[-1].isdigit() else code.lstrip("0")
        if code == "20":
            return self._dep_by_name.get("corse")
        return frozenset({code}) if code in self._dep_nom else None

    def _split_hints(self, commune: str) -> tuple[str, _Filters]:
        """'26140 Albon' → ('Albon', postal code 26140); 'Croix (59)', 'Croix (Nord)' → ('Croix', 59).

        A bracket that is part of a name ('Château-Chinon (Ville)') stays in the name.
        """
        match = LEADING_POSTAL.match(commune)
        if match:
            return match.group(2), self._postal_filter(match.group(1))
        match = TRAILING_BRACKET.match(commune)
        if match and normalize(commune) not in self._strict:
            name, inside = match.groups()
            if postal_like(inside) is not None and len(inside.strip()) == 5:
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
        for name in self._names.closest(key, rows, n):
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


def _where(filters: _Filters) -> str:
    return f" {filters.described}" if filters.described else ""


# The columns ``python -m geo geocode`` reads (from the one alias table, geo.schema).
INPUT_COLUMNS = {name: COLUMN_ALIASES[name] for name in ("commune", "departement", "code_postal")}
