"""The filter state as one value object, its URL codec, and the pure filtering function.

``FilterSpec`` says which sites are shown; ``ViewState`` says how (selected site, basemap,
language, mode). Both travel in the URL through one codec: :func:`to_query` and
:func:`from_query`. The widgets, the URL and the tests all go through them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from geo.text import fold
from geo.vocab import SECTORS, STATUSES

BROWNFIELD_VALUES = ("yes", "no")
BASEMAPS = ("plan-ign", "osm", "none")
LANGS = ("fr", "en")
MODES = ("explore", "present")
MAX_QUERY_CHARS = 200
MAX_RADIUS_KM = 1000.0


@dataclass(frozen=True)
class FilterSpec:
    """Which sites to show. Empty tuples and ``None`` mean "no constraint"."""

    sectors: tuple[str, ...] = ()
    jobs_min: int | None = None
    jobs_max: int | None = None
    brownfield: str | None = None  # "yes" | "no" | None (any)
    statuses: tuple[str, ...] = ()
    regs: tuple[str, ...] = ()
    deps: tuple[str, ...] = ()
    q: str = ""
    near: str | None = None  # INSEE code of the commune of a radius search
    km: float | None = None  # radius in kilometres, only meaningful with ``near``

    def __post_init__(self):
        # Canonical form, so two specs that select the same sites compare equal.
        for name in ("sectors", "statuses", "regs", "deps"):
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))
        object.__setattr__(self, "q", " ".join(self.q.split())[:MAX_QUERY_CHARS])

    @property
    def has_jobs_bound(self) -> bool:
        return self.jobs_min is not None or self.jobs_max is not None

    @property
    def is_empty(self) -> bool:
        return self == FilterSpec()


@dataclass(frozen=True)
class ViewState:
    """How the selection is shown: selected site, basemap, language, explorer or presenter."""

    site: str | None = None
    basemap: str = "plan-ign"
    lang: str = "fr"
    mode: str = "explore"


@dataclass(frozen=True)
class Known:
    """The values a URL may name; anything else is dropped with a notice."""

    regs: frozenset[str] = frozenset()
    deps: frozenset[str] = frozenset()
    site_ids: frozenset[str] = frozenset()
    communes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Notice:
    """A URL parameter value that was dropped, and why (the app translates ``reason``)."""

    param: str
    value: str
    reason: str  # "unknown" | "not_a_number" | "negative" | "min_above_max" | "too_long" | "needs_near"


# -- URL codec -------------------------------------------------------------------------

_MULTI = {"sector": "sectors", "status": "statuses", "reg": "regs", "dep": "deps"}


def to_query(spec: FilterSpec, view: ViewState = ViewState()) -> dict[str, list[str]]:
    """Encode the state as query parameters, omitting defaults (short, stable URLs)."""
    out: dict[str, list[str]] = {}
    for param, attr in _MULTI.items():
        values = getattr(spec, attr)
        if values:
            out[param] = list(values)
    for param in ("jobs_min", "jobs_max"):
        value = getattr(spec, param)
        if value is not None:
            out[param] = [str(value)]
    if spec.brownfield:
        out["brownfield"] = [spec.brownfield]
    if spec.q:
        out["q"] = [spec.q]
    if spec.near:
        out["near"] = [spec.near]
        if spec.km is not None:
            out["km"] = [_format_km(spec.km)]
    defaults = ViewState()
    for f in fields(ViewState):
        value = getattr(view, f.name)
        if value is not None and value != getattr(defaults, f.name):
            out[f.name] = [str(value)]
    return out


def from_query(
    params: Mapping[str, str | Iterable[str]], known: Known | None = None
) -> tuple[FilterSpec, ViewState, list[Notice]]:
    """Decode query parameters; unknown or malformed values are dropped with a notice.

    ``params`` maps a name to one string or a list of strings (Streamlit's
    ``st.query_params.to_dict()`` gives the last value only; pass
    ``{k: st.query_params.get_all(k) for k in st.query_params}`` to keep repeats).
    A comma inside a multi-valued parameter also separates values (``sector=a,b``).
    Without ``known``, région, département, site and commune codes are not checked.
    """
    notices: list[Notice] = []
    values = {key: _as_list(raw) for key, raw in params.items()}
    spec_args: dict = {}
    allowed = {
        "sectors": set(SECTORS),
        "statuses": set(STATUSES),
        "regs": known.regs if known else None,
        "deps": known.deps if known else None,
    }
    for param, attr in _MULTI.items():
        kept = []
        for item in (part.strip() for raw in values.get(param, []) for part in raw.split(",")):
            if not item:
                continue
            if allowed[attr] is not None and item not in allowed[attr]:
                notices.append(Notice(param, item, "unknown"))
            else:
                kept.append(item)
        spec_args[attr] = tuple(kept)

    for param in ("jobs_min", "jobs_max"):
        raw = _last(values, param)
        if raw is None:
            continue
        number = _parse_int(raw)
        if number is None:
            notices.append(Notice(param, raw, "not_a_number"))
        elif number < 0:
            notices.append(Notice(param, raw, "negative"))
        else:
            spec_args[param] = number
    if spec_args.get("jobs_min") is not None and spec_args.get("jobs_max") is not None:
        if spec_args["jobs_min"] > spec_args["jobs_max"]:
            notices.append(Notice("jobs_max", str(spec_args.pop("jobs_max")), "min_above_max"))

    raw = _last(values, "brownfield")
    if raw is not None:
        if raw in BROWNFIELD_VALUES:
            spec_args["brownfield"] = raw
        else:
            notices.append(Notice("brownfield", raw, "unknown"))

    raw = _last(values, "q")
    if raw is not None:
        if len(raw) > MAX_QUERY_CHARS:
            notices.append(Notice("q", raw[:40] + "…", "too_long"))
        spec_args["q"] = raw

    near, km = _last(values, "near"), _last(values, "km")
    if near is not None:
        if known is not None and near not in known.communes:
            notices.append(Notice("near", near, "unknown"))
        else:
            spec_args["near"] = near
    if km is not None:
        radius = _parse_float(km)
        if radius is None:
            notices.append(Notice("km", km, "not_a_number"))
        elif not 0 < radius <= MAX_RADIUS_KM:
            notices.append(Notice("km", km, "unknown"))
        elif "near" not in spec_args:
            notices.append(Notice("km", km, "needs_near"))
        else:
            spec_args["km"] = radius
    if "near" in spec_args and "km" not in spec_args:
        spec_args["km"] = 20.0

    view_args: dict = {}
    choices = {"basemap": BASEMAPS, "lang": LANGS, "mode": MODES}
    for param, options in choices.items():
        raw = _last(values, param)
        if raw is None:
            continue
        if raw in options:
            view_args[param] = raw
        else:
            notices.append(Notice(param, raw, "unknown"))
    raw = _last(values, "site")
    if raw is not None:
        if known is not None and raw not in known.site_ids:
            notices.append(Notice("site", raw, "unknown"))
        else:
            view_args["site"] = raw

    ignored = set(values) - set(_MULTI) - {"jobs_min", "jobs_max", "brownfield", "q", "near", "km"}
    ignored -= {f.name for f in fields(ViewState)}
    notices.extend(Notice(name, _last(values, name) or "", "unknown") for name in sorted(ignored))
    return FilterSpec(**spec_args), ViewState(**view_args), notices


def _as_list(raw: str | Iterable[str]) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    return [str(item) for item in raw]


def _last(values: dict[str, list[str]], name: str) -> str | None:
    items = values.get(name)
    return items[-1].strip() if items else None


def _parse_int(raw: str) -> int | None:
    try:
        return int(raw.replace(" ", "").replace("\u202f", ""))
    except ValueError:
        return None


def _parse_float(raw: str) -> float | None:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _format_km(km: float) -> str:
    return str(int(km)) if float(km).is_integer() else repr(float(km))


# -- filtering -----------------------------------------------------------------------------


def search_text(sites: pd.DataFrame) -> pd.Series:
    """The folded text the free-text search looks in: name, company, commune."""
    parts = [_fold_column(sites[col]) for col in ("name", "company", "commune_nom") if col in sites]
    out = parts[0]
    for part in parts[1:]:
        out = out + " | " + part
    return out


def _fold_column(values: pd.Series) -> pd.Series:
    """:func:`fold` of each value, computed once per distinct value (communes and companies repeat)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    folded = np.array([*map(fold, uniques), ""], dtype=object)  # code -1 (missing) → ""
    return pd.Series(folded[codes], index=values.index, dtype=object)


def apply_filters(
    sites: pd.DataFrame, spec: FilterSpec, *, distance_m: pd.Series | None = None, skip: str | None = None
) -> pd.DataFrame:
    """Return the sites that ``spec`` selects (a pure function; ``sites`` is not modified).

    ``sites`` is the joined frame (``geo.join``). A jobs bound excludes sites whose jobs
    are unknown. ``distance_m`` (metres from ``spec.near``, see ``geo.distance``) is
    required when ``spec.near`` is set. ``skip`` names one FilterSpec field to ignore,
    for the live counts of that field's own control ("jobs" covers both bounds).
    """
    keep = mask(sites, spec, distance_m=distance_m, skip=skip)
    # Nothing filtered out: the frame itself, not a copy (the callers never modify it).
    return sites if keep.all() else sites[keep]


def mask(
    sites: pd.DataFrame, spec: FilterSpec, *, distance_m: pd.Series | None = None, skip: str | None = None
) -> np.ndarray:
    """Boolean array of the sites ``spec`` selects (see :func:`apply_filters`)."""
    keep = np.ones(len(sites), dtype=bool)
    if spec.sectors and skip != "sectors":
        keep &= sites["sector"].isin(spec.sectors).to_numpy()
    if spec.statuses and skip != "statuses":
        keep &= sites["status"].isin(spec.statuses).to_numpy()
    if spec.regs and skip != "regs":
        keep &= sites["reg"].isin(spec.regs).to_numpy()
    if spec.deps and skip != "deps":
        keep &= sites["dep"].isin(spec.deps).to_numpy()
    if spec.has_jobs_bound and skip != "jobs":
        jobs = sites["jobs"].astype("Float64")
        known = jobs.notna().to_numpy()
        values = jobs.fillna(-1).to_numpy(dtype=float)
        keep &= known
        if spec.jobs_min is not None:
            keep &= values >= spec.jobs_min
        if spec.jobs_max is not None:
            keep &= values <= spec.jobs_max
    if spec.brownfield and skip != "brownfield":
        flag = sites["brownfield"].astype("boolean")
        wanted = spec.brownfield == "yes"
        keep &= (flag == wanted).fillna(False).to_numpy(dtype=bool)
    if spec.q and skip != "q":
        haystack = sites["search_text"] if "search_text" in sites else search_text(sites)
        for word in fold(spec.q).split():
            keep &= haystack.str.contains(word, regex=False).to_numpy(dtype=bool)
    if spec.near and skip != "near":
        if distance_m is None:
            raise ValueError("apply_filters: spec.near is set but no distance_m was given")
        keep &= distance_m.to_numpy(dtype=float) <= (spec.km or 0) * 1000.0
    return keep


def facet_counts(
    sites: pd.DataFrame, spec: FilterSpec, column: str, attr: str, *, distance_m: pd.Series | None = None
) -> pd.Series:
    """Sites per value of ``column`` under every filter but the control's own (``attr``)."""
    keep = mask(sites, spec, distance_m=distance_m, skip=attr)
    return sites[column][keep].value_counts(dropna=False)  # one column, not a copy of the frame
