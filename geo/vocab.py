"""The controlled vocabularies of the site data: sectors, statuses, location precisions.

Slugs are what the data files and the URL carry; labels are what people read (French
first, English as a choice). Colours are the sector colours of the map and the charts
(Okabe–Ito / Tableau-like, distinguishable by colour-blind readers).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    slug: str
    fr: str
    en: str
    color: str = "#777777"

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


SECTORS: dict[str, Term] = {
    t.slug: t
    for t in [
        Term("leather-goods", "Maroquinerie", "Leather goods", "#b5651d"),
        Term(
            "servers-electronics",
            "Serveurs, ordinateurs, électronique",
            "Servers, computers, electronics",
            "#0072b2",
        ),
        Term("cloud-datacenters", "Cloud et centres de données", "Cloud and data centres", "#56b4e9"),
        Term("glass", "Verre", "Glass", "#009e73"),
        Term("food", "Agroalimentaire", "Food", "#e69f00"),
        Term("chemicals-pharma", "Chimie et pharmacie", "Chemicals and pharma", "#cc79a7"),
        Term("metals-machinery", "Métallurgie et machines", "Metals and machinery", "#666666"),
        Term(
            "transport-equipment",
            "Automobile, aéronautique, ferroviaire",
            "Vehicles, aerospace, rail",
            "#d55e00",
        ),
        Term("energy-batteries", "Énergie et batteries", "Energy and batteries", "#f0e442"),
        Term("other", "Autre industrie", "Other industry", "#999999"),
    ]
}

STATUSES: dict[str, Term] = {
    t.slug: t
    for t in [
        Term("operating", "En activité", "Operating"),
        Term("under-construction", "En construction", "Under construction"),
        Term("planned", "Projet planifié", "Planned"),
        Term("announced", "Annoncé", "Announced"),
    ]
}

# How precise a site's point is: from an exact address down to the whole département.
PRECISIONS: dict[str, Term] = {
    t.slug: t
    for t in [
        Term("address", "Adresse", "Address"),
        Term("site", "Site (zone d'activité)", "Site (business park)"),
        Term("commune", "Commune (mairie)", "Commune (town hall)"),
        Term("departement", "Département seulement", "Département only"),
    ]
}
