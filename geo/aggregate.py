"""Figures per commune, département and région, and the headline figures of a selection."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.schema import JOBS_KINDS

LEVELS = {"commune": "insee", "departement": "dep", "region": "reg"}


@dataclass(frozen=True)
class Kpis:
    """Headline figures of a selection of sites (unknown values are left out, and counted)."""

    sites: int
    jobs: int
    sites_with_jobs: int
    brownfield_share: float | None  # among sites whose brownfield status is known
    brownfield_known: int
    investment_eur: float
    sites_with_investment: int
    # jobs added up kind by kind (geo.schema.JOBS_KINDS, then None for a figure of no kind),
    # only the kinds present: what the jobs total sums
    jobs_by_kind: dict[str | None, int] = field(default_factory=dict)


def kpis(sites: pd.DataFrame) -> Kpis:
    jobs = sites["jobs"].astype("Float64")
    brownfield = sites["brownfield"].astype("boolean")
    investment = pd.to_numeric(sites["investment_eur"], errors="coerce")
    known = int(brownfield.notna().sum())
    return Kpis(
        sites=len(sites),
        jobs=int(jobs.sum(skipna=True)),
        sites_with_jobs=int(jobs.notna().sum()),
        brownfield_share=(float(brownfield.sum(skipna=True)) / known) if known else None,
        brownfield_known=known,
        investment_eur=float(investment.sum(skipna=True)),
        sites_with_investment=int(investment.notna().sum()),
        jobs_by_kind=_jobs_by_kind(sites, jobs),
    )


def _jobs_by_kind(sites: pd.DataFrame, jobs: pd.Series) -> dict[str | None, int]:
    """The jobs of the sites that give a figure, summed per kind (schema order, no kind last)."""
    known = jobs.notna()
    if not known.any():
        return {}
    kinds = sites["jobs_kind"] if "jobs_kind" in sites else pd.Series(None, index=sites.index, dtype=object)
    sums = jobs[known].groupby(kinds[known].astype(object).where(kinds[known].notna(), "")).sum()
    order = [*JOBS_KINDS, ""]
    return {(kind or None): int(sums[kind]) for kind in order if kind in sums.index}


def aggregate(sites: pd.DataFrame, population: pd.Series, level: str) -> pd.DataFrame:
    """Sites, jobs, brownfield share and jobs per 1,000 inhabitants per unit of ``level``.

    ``population`` is indexed by the unit's code (INSEE code, département or région
    code). Sites without a code at that level (a département-precision site at commune
    level) are left out.
    """
    if level not in LEVELS:
        raise ValueError(f"aggregate: level must be one of {', '.join(LEVELS)}, got {level!r}")
    key = LEVELS[level]
    if key not in sites:
        raise ValueError(f"aggregate: sites lack the {key!r} column (join them to communes first)")
    frame = pd.DataFrame(
        {
            "code": sites[key].astype("object"),
            "jobs": sites["jobs"].astype("Float64"),
            "jobs_known": sites["jobs"].notna(),
            "brownfield": sites["brownfield"].astype("boolean").astype("Float64"),
        }
    ).dropna(subset=["code"])
    grouped = frame.groupby("code", sort=True)
    out = pd.DataFrame(
        {
            "sites": grouped.size(),
            "jobs": grouped["jobs"].sum(min_count=0).astype("int64"),
            "sites_with_jobs": grouped["jobs_known"].sum().astype("int64"),
            "brownfield_share": grouped["brownfield"].mean(),
        }
    )
    out.index.name = "code"
    pop = population.reindex(out.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_1000 = out["jobs"] / pop.astype(float) * 1000.0
    out["population"] = pop.astype("Int64")
    out["jobs_per_1000"] = per_1000.where(pop > 0)
    return out.reset_index()


# Friches a planner can still place a project on (CNIG statuses): no project yet, or a potential friche.
AVAILABLE_STATUSES = ("without-project", "potential")


@dataclass(frozen=True)
class FricheFigures:
    """Headline figures of the friches shown (``geo.friches``); surfaces unknown are left out, and counted."""

    friches: int
    by_status: dict[str, int]  # every status slug, 0 included
    available: int  # without a project or potential
    available_ha: float
    available_with_surface: int
    reused: int
    reused_for_industry: int


def friche_figures(friches: pd.DataFrame, keep: np.ndarray | None = None) -> FricheFigures:
    """The figures of the friches shown: the rows of ``friches`` that ``keep`` marks (None:
    all; ``geo.filters.FricheSelection``'s mask: no copy of the frame); their statuses read
    once (codes, not four comparisons of 30,000 texts: 1 ms a run, not 3.5)."""
    from geo.friches_schema import FRICHE_STATUSES  # (the figures' one tie to the friches' vocabulary)

    def shown(column: str) -> np.ndarray:
        values = friches[column].to_numpy()
        return values if keep is None else values[keep]

    status = shown("status")
    codes, statuses = pd.factorize(status)  # (an unknown status: -1, counted nowhere)
    counts = dict(zip(statuses, np.bincount(codes[codes >= 0], minlength=len(statuses)), strict=True))
    available = np.isin(codes, [k for k, status in enumerate(statuses) if status in AVAILABLE_STATUSES])
    reused = np.isin(codes, [k for k, status in enumerate(statuses) if status == "reused"])
    ha = pd.to_numeric(friches["surface_ha"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ha = (ha if keep is None else ha[keep])[available]
    known = ~np.isnan(ha)
    return FricheFigures(
        friches=len(status),
        by_status={slug: int(counts.get(slug, 0)) for slug in FRICHE_STATUSES.terms},
        available=int(available.sum()),
        available_ha=float(ha[known].sum()),
        available_with_surface=int(known.sum()),
        reused=int(reused.sum()),
        reused_for_industry=int((shown("reuse_type")[reused] == "industry").sum()),
    )
