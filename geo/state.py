"""The view's state and its URL codec, generated from one table of parameters.

``FilterSpec`` says which sites are shown; ``ViewState`` says how (selected site, layers
hidden in the map, basemap, language, mode); ``State`` holds both. :data:`PARAMS` declares
every URL parameter once (name, field, kind, bounds, repeatable): :func:`from_query` and
:func:`to_query` are generated from it, and so are the widgets' bounds (``geo`` knows no
widget: the app reads :func:`param`). A state coming from a link and one coming from the
widgets or the map go through the same :func:`normalize`, so they can never disagree.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from geo.friches_schema import FRICHE_STATUSES, FRICHE_TYPES
from geo.schema import JOBS_MAX
from geo.vocab import SECTORS, STATUSES

BROWNFIELD_VALUES = ("yes", "no", "unknown")  # unknown is a value: most sources do not say
BASEMAPS = ("plan-ign", "osm", "none")
LANGS = ("fr", "en")
MODES = ("explore", "present")
# Overlays of the map's layer control that can be hidden: sectors, the user's own sites,
# the commune choropleth and the outlines.
HIDEABLE = (*SECTORS, "uploads", "communes", "departements", "regions")
MAX_QUERY_CHARS = 200
DEFAULT_KM = 20.0
YEAR_OF = ("announced", "opened")  # the date the year filter reads (the first: default)
YEAR_LOW, YEAR_HIGH = 1800, 2100  # the schema's bounds of a date
JOBS_BOUND_MAX = JOBS_MAX  # what a site may have (geo.schema): a bound beyond it is brought back
FRICHE_HA_MAX = 10_000.0  # a friche's surface bound (ha): beyond any inventoried land unit
FRICHE_NEAR_KM = 10.0  # "friches near the sites shown": the default radius (km)
FLAG_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


@dataclass(frozen=True)
class FilterSpec:
    """Which sites to show. Empty tuples and ``None`` mean "no constraint"."""

    sectors: tuple[str, ...] = ()
    jobs_min: int | None = None
    jobs_max: int | None = None
    brownfield: str | None = None  # "yes" | "no" | "unknown" | None (any)
    statuses: tuple[str, ...] = ()
    regs: tuple[str, ...] = ()
    deps: tuple[str, ...] = ()
    q: str = ""
    near: str | None = None  # INSEE code of the commune of a radius search
    km: float = DEFAULT_KM  # radius in kilometres, only meaningful with ``near``
    # Years (geo.schema's dates): sites whose year of ``year_of`` is within the bounds;
    # a site whose year no source gives is left out when a bound is set (said on the page).
    year_min: int | None = None
    year_max: int | None = None
    year_of: str = "announced"  # "announced" | "opened"
    # Friches (geo.friches): which friches the layer shows; régions, départements and the
    # radius above apply to them too.
    friche_statuses: tuple[str, ...] = ()
    friche_types: tuple[str, ...] = ()
    friche_ha_min: float | None = None
    friche_ha_max: float | None = None
    # Only the friches within friche_near_km of a site shown (where the next plant could go).
    friche_near_sites: bool = False
    friche_near_km: float = FRICHE_NEAR_KM

    def __post_init__(self):
        # Canonical form, so two specs that select the same sites compare equal.
        for name in ("sectors", "statuses", "regs", "deps", "friche_statuses", "friche_types"):
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))
        object.__setattr__(self, "q", " ".join(self.q.split())[:MAX_QUERY_CHARS])
        object.__setattr__(self, "km", float(self.km) if self.km is not None else DEFAULT_KM)
        near_km = self.friche_near_km
        object.__setattr__(self, "friche_near_km", float(near_km) if near_km is not None else FRICHE_NEAR_KM)

    @property
    def has_jobs_bound(self) -> bool:
        return self.jobs_min is not None or self.jobs_max is not None

    @property
    def has_year_bound(self) -> bool:
        return self.year_min is not None or self.year_max is not None

    @property
    def is_empty(self) -> bool:
        return self == FilterSpec()


@dataclass(frozen=True)
class ViewState:
    """How the selection is shown: selected site, hidden layers, basemap, language, mode."""

    site: str | None = None
    hide: tuple[str, ...] = ()
    basemap: str = "plan-ign"
    lang: str = "fr"
    mode: str = "explore"
    timeline: int | None = None  # presenter mode's year by year: the year shown
    friches: bool = False  # the friches layer shown (off by default)
    friche: str | None = None  # id of the friche whose card is open

    def __post_init__(self):
        object.__setattr__(self, "hide", tuple(sorted(set(self.hide))))


@dataclass(frozen=True)
class Known:
    """The values a URL may name that depend on the data; anything else is dropped with a notice."""

    regs: frozenset[str] = frozenset()
    deps: frozenset[str] = frozenset()
    site_ids: frozenset[str] = frozenset()
    communes: frozenset[str] = frozenset()
    friche_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Notice:
    """A parameter value that was dropped or changed, and why (the app translates ``reason``)."""

    param: str
    value: str
    reason: str  # "unknown" | "not_a_number" | "out_of_range" | "swapped" | "too_long" | "needs_near"
    kept: str | None = None  # the value used instead, if any


@dataclass(frozen=True)
class Param:
    """One URL parameter: the field it sets, how its values are read, its bounds.

    ``kind``: ``choice`` (one of ``choices``), ``int``, ``float``, ``text``, ``flag`` (``1``/``0``). ``choices`` is a
    tuple of values, or the name of a :class:`Known` set (values that depend on the data).
    ``high`` bounds a text's length. ``needs`` names a parameter without which this one
    means nothing (a radius needs its commune).
    """

    name: str
    field: str
    kind: str
    repeatable: bool = False
    choices: tuple[str, ...] | str | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    needs: str | None = None

    @property
    def owner(self) -> type:
        return FilterSpec if self.field in _SPEC_FIELDS else ViewState

    @property
    def default(self) -> object:
        return next(f.default for f in fields(self.owner) if f.name == self.field)


_SPEC_FIELDS = {f.name for f in fields(FilterSpec)}

PARAMS: tuple[Param, ...] = (
    Param("sector", "sectors", "choice", repeatable=True, choices=tuple(SECTORS)),
    Param("jobs_min", "jobs_min", "int", low=0, high=JOBS_BOUND_MAX, step=50),
    Param("jobs_max", "jobs_max", "int", low=0, high=JOBS_BOUND_MAX, step=50),
    Param("brownfield", "brownfield", "choice", choices=BROWNFIELD_VALUES),
    Param("status", "statuses", "choice", repeatable=True, choices=tuple(STATUSES)),
    Param("reg", "regs", "choice", repeatable=True, choices="regs"),
    Param("dep", "deps", "choice", repeatable=True, choices="deps"),
    Param("q", "q", "text", high=MAX_QUERY_CHARS),
    Param("near", "near", "choice", choices="communes"),
    Param("km", "km", "float", low=1.0, high=300.0, step=0.5, needs="near"),
    Param("year_min", "year_min", "int", low=YEAR_LOW, high=YEAR_HIGH),
    Param("year_max", "year_max", "int", low=YEAR_LOW, high=YEAR_HIGH),
    Param("year_of", "year_of", "choice", choices=YEAR_OF),
    Param("site", "site", "choice", choices="site_ids"),
    Param("hide", "hide", "choice", repeatable=True, choices=HIDEABLE),
    Param("basemap", "basemap", "choice", choices=BASEMAPS),
    Param("lang", "lang", "choice", choices=LANGS),
    Param("mode", "mode", "choice", choices=MODES),
    Param("timeline", "timeline", "int", low=YEAR_LOW, high=YEAR_HIGH),
    Param("friches", "friches", "flag"),
    Param("friche_status", "friche_statuses", "choice", repeatable=True, choices=tuple(FRICHE_STATUSES.terms)),
    Param("friche_type", "friche_types", "choice", repeatable=True, choices=tuple(FRICHE_TYPES.terms)),
    Param("friche_ha_min", "friche_ha_min", "float", low=0.0, high=FRICHE_HA_MAX, step=0.5),
    Param("friche_ha_max", "friche_ha_max", "float", low=0.0, high=FRICHE_HA_MAX, step=0.5),
    Param("friche", "friche", "choice", choices="friche_ids"),
    Param("friche_near_sites", "friche_near_sites", "flag"),
    Param("friche_near_km", "friche_near_km", "float", low=1.0, high=50.0, step=0.5),
)
_BY_NAME = {p.name: p for p in PARAMS}


def param(name: str) -> Param:
    """The declaration of URL parameter ``name`` (the widgets take their bounds from it)."""
    return _BY_NAME[name]


@dataclass(frozen=True)
class State:
    """The whole state of a view: what the URL holds, and nothing else."""

    spec: FilterSpec = FilterSpec()
    view: ViewState = ViewState()

    def get(self, field: str) -> object:
        return getattr(self.spec if field in _SPEC_FIELDS else self.view, field)

    def replace(self, **changes: object) -> State:
        """A new state with ``changes`` (field names of FilterSpec or ViewState), not normalized."""
        unknown = set(changes) - _SPEC_FIELDS - {f.name for f in fields(ViewState)}
        if unknown:
            raise TypeError(f"State.replace: unknown fields {sorted(unknown)}")
        spec = {k: v for k, v in changes.items() if k in _SPEC_FIELDS}
        view = {k: v for k, v in changes.items() if k not in _SPEC_FIELDS}
        return State(dataclasses.replace(self.spec, **spec), dataclasses.replace(self.view, **view))


# -- codec -------------------------------------------------------------------------------


def to_query(state: State) -> dict[str, list[str]]:
    """Encode the state as query parameters, omitting defaults (short, stable URLs)."""
    out: dict[str, list[str]] = {}
    for p in PARAMS:
        value = state.get(p.field)
        if value in (None, "", ()) or value == p.default:
            continue
        if p.needs and state.get(_BY_NAME[p.needs].field) in (None, "", ()):
            continue
        out[p.name] = list(value) if p.repeatable else [_format(p, value)]
    return out


def from_query(params: Mapping[str, str | Iterable[str]], known: Known | None = None) -> tuple[State, list[Notice]]:
    """Decode query parameters; unknown or malformed values are dropped with a notice.

    ``params`` maps a name to one string or a list of strings (pass
    ``{k: st.query_params.get_all(k) for k in st.query_params}`` to keep repeats). A comma
    inside a repeatable parameter also separates values (``sector=a,b``). Without
    ``known``, the values that depend on the data (régions, départements, communes, site
    ids) are not checked. Numbers out of their bounds are brought within, with a notice.
    """
    notices: list[Notice] = []
    changes: dict[str, object] = {}
    for name, raw in params.items():
        values = [raw] if isinstance(raw, str) else [str(item) for item in raw]
        p = _BY_NAME.get(name)
        if p is None:
            notices.append(Notice(name, values[-1] if values else "", "unknown"))
        elif p.repeatable:
            items = [part.strip() for value in values for part in value.split(",")]
            kept = [item for item in items if item and _read(p, item, known, notices) is not None]
            changes[p.field] = tuple(kept)
        elif values:
            value = _read(p, values[-1].strip(), known, notices)
            if value is not None:
                changes[p.field] = value
    for p in PARAMS:
        if p.needs and p.field in changes and _BY_NAME[p.needs].field not in changes:
            notices.append(Notice(p.name, _format(p, changes.pop(p.field)), "needs_near"))
    if changes.get("friche") is not None and "friches" not in changes:
        changes["friches"] = True  # a link to a friche shows the friches layer
    state, more = normalize(State().replace(**changes))
    return state, notices + more


# Pairs of bounds: given the wrong way round, they are swapped (the range the user meant).
RANGES = (("jobs_min", "jobs_max"), ("year_min", "year_max"), ("friche_ha_min", "friche_ha_max"))


def normalize(state: State) -> tuple[State, list[Notice]]:
    """The state with contradictory values resolved, the same way for a link and a widget:
    bounds given the wrong way round (:data:`RANGES`) are swapped, with a notice."""
    notices = []
    for low_name, high_name in RANGES:
        low, high = state.get(low_name), state.get(high_name)
        if low is not None and high is not None and low > high:
            p = _BY_NAME[high_name]
            notices.append(Notice(p.name, _format(p, high), "swapped", kept=f"{_format(p, high)}–{_format(p, low)}"))
            state = state.replace(**{low_name: high, high_name: low})
    return state, notices


def _read(p: Param, raw: str, known: Known | None, notices: list[Notice]) -> object | None:
    """One value of parameter ``p``, or None (with a notice) when it cannot be used."""
    if p.kind == "choice":
        allowed = p.choices if isinstance(p.choices, tuple) else (getattr(known, p.choices) if known else None)
        if allowed is not None and raw not in allowed:
            notices.append(Notice(p.name, raw, "unknown"))
            return None
        return raw
    if p.kind == "flag":
        if raw.lower() not in FLAG_VALUES:
            notices.append(Notice(p.name, raw, "unknown"))
            return None
        return FLAG_VALUES[raw.lower()]
    if p.kind == "text":
        if p.high is not None and len(raw) > p.high:
            notices.append(Notice(p.name, raw[:40] + "…", "too_long", kept=str(int(p.high))))
        return raw
    number = _number(raw, integer=p.kind == "int")
    if number is None:
        notices.append(Notice(p.name, raw, "not_a_number"))
        return None
    clamped = min(max(number, p.low if p.low is not None else number), p.high if p.high is not None else number)
    if clamped != number:
        clamped = int(clamped) if p.kind == "int" else float(clamped)
        notices.append(Notice(p.name, raw, "out_of_range", kept=_format(p, clamped)))
    return clamped


def _number(raw: str, *, integer: bool) -> int | float | None:
    text = raw.replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    if integer:
        try:
            return int(text)
        except ValueError:
            return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    if math.isinf(value) and "inf" not in text.lower():
        return value  # (digits beyond a float's range: a number, out of bounds, brought within them)
    return value if math.isfinite(value) else None


def _format(p: Param, value: object) -> str:
    if p.kind == "flag":
        return "1" if value else "0"
    if p.kind == "float":
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)
