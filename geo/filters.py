"""The pure filtering function: which sites a ``FilterSpec`` (``geo.state``) selects."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.state import FilterSpec
from geo.text import fold

# The column each kind of date is filtered and counted on (geo.schema's dates).
YEAR_COLUMNS = {"opened": "opened", "announced": "announced_year"}

__all__ = ["YEAR_COLUMNS",
    "FilterSpec", "FricheSelection", "apply_filters", "apply_friche_filters", "facet_counts", "friche_counts",
    "friche_mask", "friche_selection", "mask", "search_text", "site_layer",
]


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


def site_layer(sites: pd.DataFrame, site_id: str) -> str | None:
    """The map's layer a site is drawn in, as the layer control's ``hide`` names it: ``uploads``
    for a site of the user's upload, else its sector's slug (None: no such site in ``sites``)."""
    rows = sites.loc[sites["id"] == site_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return "uploads" if "layer" in rows and row["layer"] == "upload" else row["sector"]


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
        keep &= within(sites["jobs"], spec.jobs_min, spec.jobs_max)
    if spec.has_year_bound and skip != "years":
        keep &= within(sites[YEAR_COLUMNS[spec.year_of]], spec.year_min, spec.year_max)
    if spec.brownfield and skip != "brownfield":
        flag = sites["brownfield"].astype("boolean")
        if spec.brownfield == "unknown":
            keep &= flag.isna().to_numpy(dtype=bool)
        else:
            keep &= (flag == (spec.brownfield == "yes")).fillna(False).to_numpy(dtype=bool)
    if spec.q and skip != "q":
        haystack = sites["search_text"] if "search_text" in sites else search_text(sites)
        for word in fold(spec.q).split():
            keep &= haystack.str.contains(word, regex=False).to_numpy(dtype=bool)
    if spec.near and skip != "near":
        if distance_m is None:
            raise ValueError("apply_filters: spec.near is set but no distance_m was given")
        keep &= distance_m.to_numpy(dtype=float) <= spec.km * 1000.0
    return keep


def within(values: pd.Series, low: float | None, high: float | None) -> np.ndarray:
    """Which values lie within the bounds (None: no bound); an unknown value never does."""
    numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
    keep = numbers.notna().to_numpy()
    known = numbers.fillna(-1).to_numpy(dtype=float)
    if low is not None:
        keep &= known >= low
    if high is not None:
        keep &= known <= high
    return keep


def facet_counts(
    sites: pd.DataFrame, spec: FilterSpec, column: str, attr: str, *, distance_m: pd.Series | None = None
) -> pd.Series:
    """Sites per value of ``column`` under every filter but the control's own (``attr``)."""
    keep = mask(sites, spec, distance_m=distance_m, skip=attr)
    return sites[column][keep].value_counts(dropna=False)  # one column, not a copy of the frame


# -- friches (geo.friches): their own filters, and the territory filters shared with the sites


def friche_mask(
    friches: pd.DataFrame,
    spec: FilterSpec,
    *,
    distance_m: pd.Series | None = None,
    near_sites: np.ndarray | None = None,
    skip: str | None = None,
) -> np.ndarray:
    """Boolean array of the friches ``spec`` selects: status, type, surface (ha; a bound
    excludes friches of unknown surface), and the sites' régions, départements and radius
    (by the friche's declared commune; ``distance_m`` from ``spec.near``); with
    ``spec.friche_near_sites``, only those ``near_sites`` marks (within ``spec.friche_near_km``
    of a site shown: ``geo.friches_near.near_any_site``)."""
    keep = np.ones(len(friches), dtype=bool)
    if spec.friche_statuses and skip != "friche_statuses":
        keep &= friches["status"].isin(spec.friche_statuses).to_numpy()
    if spec.friche_types and skip != "friche_types":
        keep &= friches["friche_type"].isin(spec.friche_types).to_numpy()
    if spec.has_year_bound and skip != "years":
        # the years apply to reconversions: a reused friche is kept when its reuse year is
        # within them (unknown: left out); the friches still to reuse are the stock, kept
        reused = (friches["status"] == "reused").to_numpy()
        keep &= ~reused | within(friches["reuse_year"], spec.year_min, spec.year_max)
    if (spec.friche_ha_min is not None or spec.friche_ha_max is not None) and skip != "friche_ha":
        keep &= within(friches["surface_ha"], spec.friche_ha_min, spec.friche_ha_max)
    if spec.regs and skip != "regs":
        keep &= friches["reg"].isin(spec.regs).to_numpy()
    if spec.deps and skip != "deps":
        keep &= friches["dep"].isin(spec.deps).to_numpy()
    if spec.near and skip != "near":
        if distance_m is None:
            raise ValueError("friche_mask: spec.near is set but no distance_m was given")
        keep &= distance_m.to_numpy(dtype=float) <= spec.km * 1000.0
    if spec.friche_near_sites and skip != "friche_near_sites":
        if near_sites is None or len(near_sites) != len(friches):
            raise ValueError("friche_mask: spec.friche_near_sites is set but no near_sites mask of the friches was given")
        keep &= np.asarray(near_sites, dtype=bool)
    return keep


@dataclass(frozen=True, eq=False)
class FricheSelection:
    """Friches shown: the inventory and a mask of its rows, not a copy of the frame (the
    29,000 friches of 36 columns a filter keeps took 8–20 ms to copy on every run). The
    figures read :meth:`column`, the served map :attr:`positions`; what needs a frame (the
    exports, a map that carries its friches) takes :attr:`frame`, made when first asked."""

    inventory: pd.DataFrame
    keep: np.ndarray  # one bool per row of ``inventory``

    def __post_init__(self) -> None:
        if self.keep.dtype != bool or self.keep.shape != (len(self.inventory),):
            raise ValueError(
                f"FricheSelection: keep must be one bool per friche ({len(self.inventory)}), "
                f"got {self.keep.dtype} of shape {self.keep.shape}"
            )

    @classmethod
    def of(cls, friches: FricheSelection | pd.DataFrame) -> FricheSelection:
        """A selection as it is; a frame: all its rows."""
        if isinstance(friches, FricheSelection):
            return friches
        return cls(friches, np.ones(len(friches), dtype=bool))

    @functools.cached_property
    def count(self) -> int:
        return int(np.count_nonzero(self.keep))

    def __len__(self) -> int:
        return self.count

    @property
    def empty(self) -> bool:
        return self.count == 0

    @property
    def everything(self) -> bool:
        """Every friche of the inventory is shown."""
        return self.count == len(self.inventory)

    @functools.cached_property
    def positions(self) -> np.ndarray:
        """The rows shown, by position in the inventory (ascending)."""
        return np.flatnonzero(self.keep)

    def column(self, name: str) -> pd.Series:
        """One column of the friches shown (their labels kept), not a copy of the frame."""
        values = self.inventory[name]
        return values if self.everything else values[self.keep]

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The friches shown as a frame (the inventory itself when all of them are)."""
        return self.inventory if self.everything else self.inventory[self.keep]

    def __contains__(self, friche_id: object) -> bool:
        """Whether the friche of this id is shown."""
        return bool((self.inventory["id"].to_numpy() == friche_id)[self.keep].any())


def friche_selection(
    friches: pd.DataFrame,
    spec: FilterSpec,
    *,
    distance_m: pd.Series | None = None,
    near_sites: np.ndarray | None = None,
) -> FricheSelection:
    """The friches ``spec`` selects (see :func:`friche_mask`), as a mask of ``friches``."""
    return FricheSelection(friches, friche_mask(friches, spec, distance_m=distance_m, near_sites=near_sites))


def apply_friche_filters(
    friches: pd.DataFrame,
    spec: FilterSpec,
    *,
    distance_m: pd.Series | None = None,
    near_sites: np.ndarray | None = None,
) -> pd.DataFrame:
    """The friches ``spec`` selects, as a frame (see :func:`friche_selection`); ``friches``
    is not modified."""
    return friche_selection(friches, spec, distance_m=distance_m, near_sites=near_sites).frame


def friche_counts(
    friches: pd.DataFrame,
    spec: FilterSpec,
    column: str,
    attr: str,
    *,
    distance_m: pd.Series | None = None,
    near_sites: np.ndarray | None = None,
) -> pd.Series:
    """Friches per value of ``column`` under every filter but the control's own (``attr``)."""
    keep = friche_mask(friches, spec, distance_m=distance_m, near_sites=near_sites, skip=attr)
    return friches[column][keep].value_counts(dropna=False)
