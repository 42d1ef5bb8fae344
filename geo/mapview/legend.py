"""The web map's legend, as escaped, translated HTML (the PNG draws its own: geo.mapview.png)."""

from __future__ import annotations

import pandas as pd

from geo.filters import FricheSelection
from geo.i18n import fmt_int
from geo.i18n import t as _t
from geo.mapview.cards import escape
from geo.mapview.friches import legend_rows
from geo.mapview.styles import CHOROPLETH_COLORS, LEGEND_JOBS, UPLOAD_STROKE, class_labels, radius_px
from geo.vocab import SECTORS

_UNKNOWN_JOBS_ICON = (
    '<svg width="20" height="20" aria-hidden="true"><circle cx="10" cy="10" r="7" '
    'fill="#fff" stroke="#52606d" stroke-width="2" stroke-dasharray="3 3"/></svg>'
)
_DEPARTEMENT_ICON = (
    '<svg width="20" height="20" aria-hidden="true"><circle cx="10" cy="10" r="9" '
    'fill="#52606d" fill-opacity="0.15" stroke="#52606d" stroke-width="1.2" stroke-dasharray="4 3"/>'
    '<circle cx="10" cy="10" r="3.5" fill="#52606d" fill-opacity="0.5" stroke="#52606d"/></svg>'
)
_UPLOAD_ICON = (
    '<svg width="20" height="20" aria-hidden="true"><circle cx="10" cy="10" '
    f'r="6.5" fill="#9aa5b1" stroke="{UPLOAD_STROKE}" stroke-width="2.5"/></svg>'
)


def _row(icon: str, text: str) -> str:
    return f'<div class="rc-lg-row">{icon}{escape(text)}</div>'


def legend_html(
    sites: pd.DataFrame,
    lang: str = "fr",
    *,
    communes: bool = True,
    uploads: bool = False,
    friches: pd.DataFrame | FricheSelection | None = None,
    friches_credit: str | None = None,
) -> str:
    """The legend's HTML (escaped, translated): sectors present, sizes, special styles,
    choropleth, and the friches' statuses with the inventory's credit when they are shown."""
    parts = [f"<details open><summary>{escape(_t('legend', lang))}</summary>"]
    shown = set(sites["sector"].unique())
    present = [s for s in SECTORS if s in shown]
    if not present:
        parts.append(f'<div class="rc-lg-empty">{escape(_t("legend_no_sites", lang))}</div>')
    else:
        parts.append(f'<div class="rc-lg-h">{escape(_t("legend_sectors", lang))}</div>')
        for slug in present:
            term = SECTORS[slug]
            dot = f'<span class="rc-lg-dot" style="background:{term.color}"></span>'
            parts.append(_row(dot, term.label(lang)))
        parts.append(f'<div class="rc-lg-h">{escape(_t("legend_size", lang))}</div>{_sizes_svg(lang)}')
        parts.append(_row(_UNKNOWN_JOBS_ICON, _t("legend_unknown_jobs", lang)))
        parts.append(_row(_DEPARTEMENT_ICON, _t("legend_departement", lang)))
        if uploads:
            parts.append(_row(_UPLOAD_ICON, _t("upload_layer", lang)))
    if communes:
        parts.append(
            f'<div class="rc-lg-h">{escape(_t("legend_choropleth", lang))}</div><div class="rc-lg-classes">'
        )
        for color, label in zip(CHOROPLETH_COLORS, class_labels(lang), strict=True):
            parts.append(f'<span><i class="rc-lg-box" style="background:{color}"></i>{escape(label)}</span>')
        parts.append("</div>")
        parts.append(_row('<span class="rc-lg-box rc-lg-nojobs"></span>', _t("legend_no_jobs", lang)))
    if friches is not None:
        parts.append(legend_rows(friches, lang, friches_credit))
    parts.append("</details>")
    return "".join(parts)


def _sizes_svg(lang: str) -> str:
    """Nested proportional circles (the cartographer's size legend), labelled on the right."""
    radii = [radius_px(jobs) for jobs in LEGEND_JOBS]
    big = max(radii)
    height, cx = 2 * big + 2, big + 1
    shapes, labels = [], []
    for jobs, r in sorted(zip(LEGEND_JOBS, radii, strict=True), key=lambda p: -p[1]):
        top = height - 1 - 2 * r
        shapes.append(
            f'<circle cx="{cx:.1f}" cy="{height - 1 - r:.1f}" r="{r:.1f}" fill="#9aa5b1" fill-opacity="0.35" '
            f'stroke="#52606d" stroke-width="1"/><line x1="{cx:.1f}" y1="{top:.1f}" x2="{2 * big + 10:.1f}" '
            f'y2="{top:.1f}" stroke="#9aa5b1" stroke-dasharray="2 2"/>'
        )
        labels.append(
            f'<text x="{2 * big + 14:.1f}" y="{top:.1f}" dy="0.35em">{escape(fmt_int(jobs, lang))}</text>'
        )
    return (
        f'<svg class="rc-lg-sizes" width="{2 * big + 70:.0f}" height="{height + 8:.0f}" aria-hidden="true">'
        f'<g transform="translate(0 6)">{"".join(shapes)}{"".join(labels)}</g></svg>'
    )
