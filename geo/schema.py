"""The site schema, declared once: each field's name, dtype, nullability, meaning and rule.

Loading (``geo.load``), validating (``geo.validate``), uploads (``geo.upload``), synthetic
sites (``geo.synthetic``) and exports (``geo.export``) all read this table; ``site_frame``
builds the one frame they share. The rules say what a value must be, once: the
feature-by-feature check words its messages from them and the column-wise fast path
runs the same rules on whole columns. ``COLUMN_ALIASES`` is the one table of the column
names people use in their files (the upload and ``python -m geo geocode``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import WGS84
from geo.text import column_key
from geo.vocab import PRECISIONS, SECTORS, STATUSES

# Patterns are matched whole (fullmatch: "$" would let a trailing newline through) and
# spell digits [0-9] (\d also matches other scripts' digits).
INSEE_RE = re.compile(r"[0-9]{5}|2[AB][0-9]{3}")
# Départements of the commune layer: 01–95 (no 20: Corsica is 2A/2B) and the five DOM.
DEP_RE = re.compile(r"0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-46]")
SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
POSTAL_CODE_RE = re.compile(r"[0-9]{5}")
URL_SCHEMES = ("http://", "https://")
# Dates. ``announced`` is text, "YYYY" or "YYYY-MM", as precise as the source: as text it
# sorts in time ("2020" < "2020-02" < "2020-11" < "2021"), a year alone first, and its year
# is the first four characters (the frame derives ``announced_year``, an integer, to filter
# and count by). ``opened`` and ``former_closed`` are years (the sources give no months).
YEAR_MIN, YEAR_MAX = 1800, 2100
ANNOUNCED_RE = re.compile(r"(18[0-9]{2}|19[0-9]{2}|20[0-9]{2}|2100)(-(0[1-9]|1[0-2]))?")
DATE_FIELDS = ("announced", "opened", "former_closed")
# More jobs than any workplace has (all of France counts about 30 million): a larger figure
# is a typo or a hostile file. The bound keeps every total exact, in int64 and in a float
# (50,000 uploaded sites at most × 10**7 < 2**53).
JOBS_MAX = 10_000_000
# What a jobs figure counts (labels: geo.i18n "jobs_kind_<kind>"): jobs to be created
# (hires announced), a workforce target ("à terme"), or a headcount (staff counted today).
# Headline figures say how much of each they add up; required when jobs is given.
JOBS_KINDS: dict[str, str] = {
    "created": "jobs to be created (hires announced)",
    "target": "a workforce target, to be reached in time",
    "headcount": "staff counted (today's headcount, or a lower bound of it)",
}


def types_of(values: Iterable) -> set[type]:
    """The types of ``values`` (a set: one pass, in C)."""
    return set(map(type, values))


# --- Rules: what a value must be, for one value and for a whole column -----------------------
# ``column_ok`` gets the values of a column (distinct ones, None removed when the field is
# nullable) and accepts exactly when ``accepts`` accepts each of them; it maps C-level
# checks over the values (100,000 sites).


@dataclass(frozen=True)
class Text:
    """A string; optionally not blank, matching a pattern, one of a vocabulary, starting with a prefix."""

    nonblank: bool = False
    pattern: re.Pattern | None = None
    vocab: Mapping | None = None
    prefixes: tuple[str, ...] | None = None

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and self.column_ok({value})

    def column_ok(self, values: Iterable) -> bool:
        if not types_of(values) <= {str}:
            return False
        if self.nonblank and not all(map(str.strip, values)):
            return False
        if self.pattern is not None and not all(map(self.pattern.fullmatch, values)):
            return False
        if self.vocab is not None and not set(values) <= self.vocab.keys():
            return False
        return self.prefixes is None or all(v.lower().startswith(self.prefixes) for v in values)


@dataclass(frozen=True)
class Number:
    """A finite number within [low, high]; ``integer``: an int (true and false are not counts)."""

    low: float
    high: float
    integer: bool = False

    def accepts(self, value: object) -> bool:
        return self.column_ok([value])

    def column_ok(self, values: Iterable) -> bool:
        if not types_of(values) <= ({int} if self.integer else {int, float}):  # type(True) is bool
            return False
        try:
            return all(math.isfinite(v) and self.low <= v <= self.high for v in values)
        except OverflowError:  # an integer too large for a float
            return False


@dataclass(frozen=True)
class Boolean:
    def accepts(self, value: object) -> bool:
        return isinstance(value, bool)

    def column_ok(self, values: set) -> bool:
        return types_of(values) <= {bool}


@dataclass(frozen=True)
class NonEmptyList:
    """A non-empty list (its items have their own table: ``SOURCE_FIELDS``)."""

    def accepts(self, value: object) -> bool:
        return isinstance(value, list) and len(value) > 0

    def column_ok(self, values: Sequence) -> bool:  # lists are unhashable: all values, not distinct
        return types_of(values) == {list} and all(values)


@dataclass(frozen=True)
class DateSources:
    """An object mapping date fields (``DATE_FIELDS``) to the position of their source in ``sources``."""

    def accepts(self, value: object) -> bool:
        return (
            isinstance(value, dict)
            and set(value) <= set(DATE_FIELDS)
            and all(type(i) is int and i >= 0 for i in value.values())
        )

    def column_ok(self, values: Sequence) -> bool:  # dicts are unhashable: all values, not distinct
        return all(map(self.accepts, values))


Rule = Text | Number | Boolean | NonEmptyList | DateSources


@dataclass(frozen=True)
class Field:
    """One property of a site: its rule, the dtype of its column, and what it means."""

    name: str
    rule: Rule
    dtype: str  # of the frame's column: object (texts, lists), Int64, boolean, float64
    expected: str  # what it must be, as messages say it
    meaning: str
    nullable: bool = False
    required: bool = True  # the key must be present (False: absent reads as null)

    def accepts(self, value: object) -> bool:
        return self.nullable if value is None else self.rule.accepts(value)

    def column_ok(self, values: list) -> bool:
        """Whether every value is accepted, checked on the column at once."""
        if isinstance(self.rule, NonEmptyList | DateSources):
            values = values if not self.nullable else [v for v in values if v is not None]
            return self.rule.column_ok(values)
        distinct = set(values)
        if self.nullable:
            distinct.discard(None)
        return self.rule.column_ok(distinct)


def _field(name, rule, dtype, expected, meaning, **options) -> tuple[str, Field]:
    return name, Field(name, rule, dtype, expected, meaning, **options)


def _one_of(vocab: Mapping) -> tuple[Text, str, str]:
    """(rule, dtype, expected) of a slug from a vocabulary."""
    return Text(vocab=vocab), "object", "one of " + ", ".join(map(repr, vocab))


_TEXT, _TEXT_OR_NULL = (Text(), "object", "a string"), (Text(), "object", "a string or null")

SITE_FIELDS: dict[str, Field] = dict(
    [
        _field("id", Text(pattern=SLUG_RE), "object", "a slug such as 'croix-ovh' (a-z, 0-9, single hyphens)",
               "stable identifier, used in URLs (?site=)"),
        _field("name", Text(nonblank=True), "object", "a non-empty string", "the site's name"),
        _field("company", *_TEXT_OR_NULL, "company or group", nullable=True),
        _field("activity", *_TEXT, "what is made or done there"),
        _field("sector", *_one_of(SECTORS), "sector slug (geo.vocab.SECTORS)"),
        _field("status", *_one_of(STATUSES), "project status slug (geo.vocab.STATUSES)"),
        _field("insee", Text(pattern=INSEE_RE), "object",
               "a 5-character INSEE code such as '59163' or '2A004' (null only for a département-precision site)",
               "INSEE code of the commune the site lies in", nullable=True),
        _field("commune", *_TEXT_OR_NULL, "commune name as the sources give it", nullable=True),
        _field("dep", Text(pattern=DEP_RE), "object", "a département code string such as '77', '2A' or '971'",
               "département code"),
        _field("jobs", Number(0, JOBS_MAX, integer=True), "Int64", "an integer from 0 to 10,000,000 or null",
               "jobs, as the sources count them (see jobs_note)", nullable=True),
        _field("jobs_note", Text(), "object", "a string or null (required when jobs is given)",
               "what the jobs figure counts", nullable=True),
        _field("jobs_kind", Text(vocab=JOBS_KINDS), "object",
               "one of " + ", ".join(map(repr, JOBS_KINDS)) + " or null (required when jobs is given)",
               "the kind of the jobs figure (geo.schema.JOBS_KINDS)", nullable=True),
        _field("brownfield", Boolean(), "boolean", "true, false or null",
               "built on former industrial land (friche)", nullable=True),
        _field("brownfield_history", *_TEXT_OR_NULL, "what stood there before", nullable=True),
        _field("investment_eur", Number(0, math.inf), "float64", "a number ≥ 0 or null",
               "investment in euros", nullable=True),
        _field("surface_m2", Number(0, math.inf), "float64", "a number ≥ 0 or null",
               "surface in square metres", nullable=True),
        _field("announced", Text(pattern=ANNOUNCED_RE), "object",
               "a year 'YYYY' or a year and month 'YYYY-MM' as a string (1800 to 2100), or null",
               "when the project was announced, as precisely as its source says (text that sorts in time)",
               nullable=True),
        _field("opened", Number(YEAR_MIN, YEAR_MAX, integer=True), "Int64",
               "an integer year from 1800 to 2100, or null (null while the site is not open)",
               "year the site opened (inauguration, start of production)", nullable=True),
        _field("former_closed", Number(YEAR_MIN, YEAR_MAX, integer=True), "Int64",
               "an integer year from 1800 to 2100, or null (given only for a brownfield site)",
               "brownfield sites: year the former activity on the land ended", nullable=True),
        _field("dates_source", DateSources(), "object",
               "an object such as {\"opened\": 0} giving, for each date given, the position of its source "
               "in sources (from 0), or null when no date is given",
               "which source says each date", nullable=True),
        _field("location_precision", *_one_of(PRECISIONS), "how precise the point is (geo.vocab.PRECISIONS)"),
        _field("sources", NonEmptyList(), "object", "a non-empty list of sources",
               "the sources: list of {title, publisher, date, url}"),
    ]
)  # fmt: skip
FIELD_NAMES = tuple(SITE_FIELDS)

# Fields a sites file may no longer hold, and what to write instead (the validator's message).
# ``year`` is not mapped onto the new dates: it was an inauguration for one site, an opening
# or a takeover for others, an announcement for a planned one; any mapping would guess.
RETIRED_FIELDS: dict[str, str] = {
    "year": "no longer a field: it mixed announcement and opening years. Write 'announced' "
    "('YYYY' or 'YYYY-MM'), 'opened' (year) and, on a brownfield, 'former_closed' (year), each "
    "from a source named in 'dates_source' (null where no source gives the date)",
}

# Columns the frame derives from the fields (never read from nor written to a file):
# ``announced_year``, the year of ``announced`` as an integer, to filter and count by;
# ``year``, the opening year or else the announcement year, only for the readers of the
# former field (the sites table and the map's card) until they read the dates themselves.
DERIVED_COLUMNS = ("announced_year",)

# The items of ``sources``: title, publisher and date are required texts, url a web address or null.
SOURCE_FIELDS: dict[str, Field] = dict(
    [
        *(_field(key, Text(nonblank=True), "object", "a non-empty string", key, required=False)
          for key in ("title", "publisher", "date")),
        _field("url", Text(prefixes=URL_SCHEMES), "object", "an http:// or https:// address or null",
               "address of the source", nullable=True),
    ]
)  # fmt: skip


# --- The frame of sites ------------------------------------------------------------------------


def site_frame(columns: Mapping[str, object], geometry) -> gpd.GeoDataFrame:
    """The one shape of a sites frame: SITE_FIELDS columns in order, typed (a field not given
    is all null), then DERIVED_COLUMNS, then the other columns given, in their order; points
    in EPSG:4326.

    ``columns`` maps names to sequences (lists, arrays) as long as ``geometry`` (shapely
    points, an array of them or a GeoSeries).
    """
    n = len(geometry)
    names = [*FIELD_NAMES, *(c for c in columns if c not in SITE_FIELDS and c not in DERIVED_COLUMNS)]
    data = {}
    for name in names:
        values = columns.get(name)
        if values is None:
            values = [None] * n
        if len(values) != n:
            raise ValueError(f"site_frame: column {name!r} has {len(values)} values for {n} points")
        field = SITE_FIELDS.get(name)
        data[name] = _typed(values, field.dtype if field is not None else "object")
    data["announced_year"] = announced_year(data["announced"])
    names[len(FIELD_NAMES) : len(FIELD_NAMES)] = DERIVED_COLUMNS
    frame = pd.DataFrame(data, columns=names, index=pd.RangeIndex(n))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry).values, crs=WGS84)


def announced_year(announced) -> pd.arrays.IntegerArray:
    """The year of each ``announced`` value ("2020" or "2020-02" → 2020; null stays null)."""
    texts = pd.Series(np.asarray(announced, dtype=object), dtype="string")
    return pd.array(pd.to_numeric(texts.str.slice(0, 4)), dtype="Int64")


def stored_columns(frame: pd.DataFrame) -> list[str]:
    """The columns a sites file holds (the frame's, less the derived ones and the geometry)."""
    geometry = getattr(frame, "_geometry_column_name", None)
    return [c for c in frame.columns if c not in DERIVED_COLUMNS and c != geometry]


def _typed(values, dtype: str):
    if dtype in ("Int64", "boolean"):
        return pd.array(values, dtype=dtype)
    if dtype == "float64":
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            return values.astype("float64")
        return np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    # np.fromiter, not pd.Series(list): it never looks into lists (sources), and is fast.
    return np.fromiter(values, dtype=object, count=len(values))


def json_ready(column: pd.Series) -> list:
    """A column as JSON-ready Python values: missing (None, NA, NaN) → None, numpy scalars → Python."""
    return [_json_value(v) for v in column.tolist()]


def _json_value(value: object) -> object:
    if value is None or isinstance(value, list | dict | str | bool | int):
        return value
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


# --- Column names people use ---------------------------------------------------------------------

# Field → accepted column names, compared by ``geo.text.column_key`` (letters and digits,
# folded: 'Code postal', 'CODE_POSTAL' and 'code-postal' are all 'codepostal'). The first
# accepted spelling present wins, in its leftmost column.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom", "site", "libelle"),
    "company": ("company", "entreprise", "societe"),
    "activity": ("activity", "activite"),
    "sector": ("sector", "secteur"),
    "status": ("status", "statut"),
    "jobs": ("jobs", "emplois", "emploi"),
    "jobs_kind": ("jobskind", "typeemplois", "typedemplois", "natureemplois", "naturedesemplois", "emploistype"),
    "brownfield": ("brownfield", "friche"),
    # A bare "Année" / "year" column is read as the announcement year: the year filter and
    # the chart count announcements first; an opening year has its own column name.
    "announced": ("announced", "annonce", "dateannonce", "datedannonce", "anneeannonce", "anneedannonce",
                  "dateofannouncement", "announcementdate", "announcementyear", "year", "annee"),
    "opened": ("opened", "ouverture", "dateouverture", "datedouverture", "anneeouverture", "anneedouverture",
               "ouvertle", "inauguration", "miseenservice", "openingyear", "openingdate", "opening"),
    "former_closed": ("formerclosed", "fermeture", "datefermeture", "datedefermeture", "anneefermeture",
                      "anneedefermeture", "finactivite", "findactivite", "closingyear"),
    "investment_eur": ("investmenteur", "investment", "investissement", "investissementeur"),
    # an investment column whose name gives the unit: "Investissement (M€)", "Investment (k€)"
    "investment_meur": ("investissementm", "investissementme", "investissementmeur", "investissementmeuros",
                        "investissementenm", "investissementenme", "investissementmillions", "investmentm",
                        "investmentme", "investmentmeur", "investmentmillions", "investmentmillioneur"),
    "investment_keur": ("investissementk", "investissementke", "investissementkeur", "investmentk",
                        "investmentke", "investmentkeur"),
    "insee": ("insee", "codeinsee", "codecommune"),
    "commune": ("commune", "ville"),
    "departement": ("departement", "dep", "dept", "codedepartement"),
    "code_postal": ("codepostal", "cp", "postalcode"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
}  # fmt: skip


def match_columns(header: Sequence[str], fields: Iterable[str] = COLUMN_ALIASES) -> dict[str, int]:
    """Field → position of the column of ``header`` that holds it, for the ``fields`` found."""
    keys = [column_key(str(name)) for name in header]
    found = {}
    for field in fields:
        position = next((keys.index(alias) for alias in COLUMN_ALIASES[field] if alias in keys), None)
        if position is not None:
            found[field] = position
    return found
