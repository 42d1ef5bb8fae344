"""The friche (brownfield) schema, declared once: fields, vocabularies, the columns of the files read.

A friche is one row of Cerema's national inventory (Cartofriches, CNIG "Friches"
standard). ``FRICHE_FIELDS`` says what the importer (``geo.friches``), the synthetic
friches (``geo.synthetic_friches``), the exports and the map hold; ``friche_frame`` builds
the one frame they share. The vocabularies turn the CNIG French values into slugs with
French and English labels ("inconnu" is kept as ``unknown``). ``PRIVATE_COLUMNS`` are
never read: owners, owner types, contacts and the free-text producer (real files put a
person's name there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import WGS84
from geo.text import column_key, fold_words
from geo.vocab import Term

# --- Vocabularies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """Slugs with labels, and the spellings files use for each (compared by ``vocab_key``)."""

    name: str
    terms: dict[str, Term]
    spellings: dict[str, str]  # vocab_key(spelling) → slug

    def slug_of(self, text: str) -> str | None:
        """The slug a file's value means, or None when it is not in the vocabulary."""
        return self.spellings.get(vocab_key(text))

    def label(self, slug: str, lang: str = "fr") -> str:
        return self.terms[slug].label(lang)


_NOISE = frozenset({"friche", "friches", "d", "de", "du", "des", "l", "la", "le", "les"})


def vocab_key(text: str) -> str:
    """A vocabulary value as compared: folded words without 'friche' and articles
    ("Friche d’Habitat" → "habitat", "friche loisir tourisme hotellerie" → "loisir tourisme hotellerie")."""
    words = fold_words(text)
    return " ".join(w for w in words if w not in _NOISE) or " ".join(words)


def _vocabulary(name: str, rows: Iterable[tuple[str, str, str, str, tuple[str, ...]]]) -> Vocabulary:
    """rows: (slug, French label, English label, colour, other spellings); the French label is a spelling."""
    terms, spellings = {}, {}
    for slug, fr, en, color, others in rows:
        terms[slug] = Term(slug, fr, en, color)
        for spelling in (slug, fr, *others):
            key = vocab_key(spelling)
            if spellings.get(key, slug) != slug:
                raise ValueError(f"{name}: {spelling!r} means both {spellings[key]!r} and {slug!r}")
            spellings[key] = slug
    return Vocabulary(name, terms, spellings)


# site_statut (CNIG): where the friche stands with respect to a project.
FRICHE_STATUSES = _vocabulary(
    "status",
    [
        ("without-project", "Friche sans projet", "Brownfield without a project", "#d55e00", ()),
        ("potential", "Friche potentielle", "Potential brownfield", "#e69f00", ()),
        ("with-project", "Friche avec projet", "Brownfield with a project", "#0072b2", ()),
        ("reused", "Friche reconvertie", "Reused brownfield", "#009e73", ()),
        ("unknown", "Statut inconnu", "Unknown status", "#999999", ("inconnu", "non renseigné")),
    ],
)

# site_type (CNIG 1.0.x values, plus "autre" and "inconnu" that real files carry).
FRICHE_TYPES = _vocabulary(
    "type",
    [
        ("industrial", "Friche industrielle", "Industrial", "#777777", ()),
        ("agro-industrial", "Friche agro-industrielle", "Agro-industrial", "#777777", ()),
        ("commercial", "Friche commerciale", "Commercial", "#777777", ()),
        ("logistics", "Friche logistique", "Logistics", "#777777", ()),
        ("housing", "Friche d'habitat", "Housing", "#777777", ("friche d'habitation", "habitation")),
        ("public-facility", "Friche d'équipement public", "Public facility", "#777777", ()),
        ("hospital", "Friche hospitalière", "Hospital", "#777777", ()),
        ("education", "Friche enseignement", "Education", "#777777", ("friche d'enseignement",)),
        ("religious", "Friche cultuelle", "Religious", "#777777", ()),
        ("military", "Friche militaire", "Military", "#777777", ()),
        ("railway", "Friche ferroviaire", "Railway", "#777777", ()),
        ("port", "Friche portuaire", "Port", "#777777", ()),
        ("airport", "Friche aéroportuaire", "Airport", "#777777", ()),
        ("quarry-mine", "Friche carrière ou mine", "Quarry or mine", "#777777", ()),
        ("leisure-tourism", "Friche loisir tourisme hôtellerie", "Leisure, tourism, hotels", "#777777", ()),
        ("mixed", "Mixte", "Mixed", "#777777", ("friche mixte",)),
        ("other", "Autre", "Other", "#777777", ()),
        ("unknown", "Type inconnu", "Unknown type", "#777777", ("inconnu", "non renseigné")),
    ],
)

# sol_pollution_existe: whether soil pollution is known.
POLLUTION = _vocabulary(
    "pollution",
    [
        ("none", "Pollution inexistante", "No pollution", "#777777", ()),
        ("unlikely", "Pollution peu probable", "Pollution unlikely", "#777777", ()),
        ("suspected", "Pollution supposée", "Pollution suspected", "#777777", ()),
        ("proven", "Pollution avérée", "Pollution proven", "#777777", ()),
        ("unknown", "Pollution inconnue", "Pollution unknown", "#777777", ("inconnu", "non renseigné")),
    ],
)

# site_reconv_type: what a reused friche became ("industry" answers "reused for industry?").
REUSE_TYPES = _vocabulary(
    "reuse type",
    [
        ("industry", "Industrie", "Industry", "#777777", ("industriel", "activité industrielle")),
        ("other-economic", "Autres activités économiques", "Other economic activities", "#777777",
         ("activités économiques", "activité économique")),
        ("logistics", "Logistique", "Logistics", "#777777", ()),
        ("offices", "Bureau", "Offices", "#777777", ("bureaux",)),
        ("retail", "Commerce", "Retail", "#777777", ("commerces",)),
        ("housing", "Habitat", "Housing", "#777777", ("logement", "logements")),
        ("public-facility", "Équipement public", "Public facility", "#777777", ("équipements publics",)),
        ("public-space", "Aménagement d'espace public", "Public space", "#777777", ("espace public",)),
        ("solar", "Panneaux photovoltaïques", "Solar panels", "#777777", ("photovoltaïque", "centrale photovoltaïque")),
        ("renaturation", "Renaturation", "Renaturation", "#777777", ()),
        ("mixed", "Mixte", "Mixed", "#777777", ()),
        ("other", "Autre", "Other", "#777777", ()),
        ("unknown", "Reconversion inconnue", "Unknown reuse", "#777777", ("inconnu", "non renseigné")),
    ],
)  # fmt: skip

# How the point agrees with the commune the row declares (geo.friches checks it on the
# real commune polygons; a disagreement is reported, never "fixed").
COMMUNE_CHECKS: dict[str, Term] = {
    t.slug: t
    for t in [
        Term("ok", "Point dans la commune déclarée", "Point in the declared commune"),
        Term("merged", "Commune fusionnée depuis (code mis à jour)", "Commune merged since (code updated)"),
        Term("mismatch", "Point hors de la commune déclarée", "Point outside the declared commune"),
        Term("unknown-code", "Code INSEE inconnu du COG", "INSEE code unknown to the COG"),
        Term("no-commune", "Point hors de toute commune", "Point in no commune"),
    ]
}

# Why a row is not placed: the code → the field whose column the reason names, and what it says.
REJECTIONS: dict[str, tuple[str, str]] = {
    "id_missing": ("id", "no identifier"),
    "id_duplicate": ("id", "identifier already used by an earlier row"),
    "point_missing": ("point", "no point"),
    "point_invalid": ("point", "not a readable point"),
    "point_outside": ("point", "point outside France"),
    "insee_missing": ("insee", "no INSEE code"),
    "insee_invalid": ("insee", "not an INSEE code"),
    "status_invalid": ("status", "status not in the CNIG vocabulary"),
    "type_invalid": ("friche_type", "type not in the CNIG vocabulary"),
}
# What is read with a warning (the value is left empty or read as unknown, the row kept).
WARNINGS = ("date_invalid", "number_invalid", "year_invalid", "value_unknown", "parcel_invalid")

# --- The fields --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FricheField:
    """One column of the friches frame: its dtype, nullability and meaning."""

    name: str
    dtype: str  # object (texts, slugs), float64, Int64, datetime64[ns]
    meaning: str
    nullable: bool = True
    vocab: Vocabulary | Mapping[str, Term] | None = None


def _f(name, dtype, meaning, **options) -> tuple[str, FricheField]:
    return name, FricheField(name, dtype, meaning, **options)


FRICHE_FIELDS: dict[str, FricheField] = dict(
    [
        _f("id", "object", "site_id of the inventory (CNIG), as the file gives it; used in URLs (?friche=)",
           nullable=False),
        _f("name", "object", "site_nom: the site's name"),
        _f("friche_type", "object", "site_type: type slug (FRICHE_TYPES)", nullable=False, vocab=FRICHE_TYPES),
        _f("status", "object", "status slug (FRICHE_STATUSES)", nullable=False, vocab=FRICHE_STATUSES),
        _f("insee", "object", "current (COG) INSEE code of the declared commune; null when unknown to the COG"),
        _f("insee_declared", "object", "INSEE code as declared, zero-padded ('3013' → '03013')", nullable=False),
        _f("commune", "object", "commune name as the file gives it"),
        _f("dep", "object", "département code (of the declared commune)", nullable=False),
        _f("reg", "object", "région code (of the declared commune, when known to the COG)"),
        _f("insee_point", "object", "INSEE code of the commune the point lies in (null: none)"),
        _f("commune_check", "object", "how the point agrees with the declared commune (COMMUNE_CHECKS)",
           nullable=False, vocab=COMMUNE_CHECKS),
        _f("commune_distance_m", "float64", "metres from the point to the declared commune (0 inside)"),
        _f("address", "object", "site_adresse"),
        _f("surface_m2", "float64", "land surface (unité foncière) in square metres"),
        _f("surface_ha", "float64", "the same in hectares"),
        _f("identified_on", "datetime64[ns]", "site_identif_date: when the friche was identified"),
        _f("updated_on", "datetime64[ns]", "site_actu_date: when its record was last updated"),
        _f("former_activity", "object", "activite_libelle: former activities ('; '-separated)"),
        _f("activity_end_year", "Int64", "activite_fin_annee: year the activity ended"),
        _f("occupation", "object", "site_occupation as given"),
        _f("buildings", "Int64", "bati_nombre: number of buildings"),
        _f("building_state", "object", "bati_etat as given"),
        _f("pollution", "object", "soil pollution slug (POLLUTION)", nullable=False, vocab=POLLUTION),
        _f("reuse_type", "object", "what a reused friche became (REUSE_TYPES); null when not given",
           vocab=REUSE_TYPES),
        _f("reuse_year", "Int64", "site_reconv_annee: year of the reuse"),
        _f("zoning_type", "object", "urba_zone_type: U, AUc, AUs, A, N"),
        _f("zoning_label", "object", "urba_zone_lib: the zone's label in the local plan"),
        _f("urban_plan", "object", "urba_doc_type: PLU, PLUI, CC, PSMV, RNU"),
        _f("site_url", "object", "site_url: the site's sheet(s) (BASIAS, BASOL, observatory)"),
        _f("cartofriches_url", "object", "the friche's page on Cartofriches (national ids only)"),
        _f("source", "object", "source_nom: the source that identified the site"),
        _f("source_url", "object", "source_url"),
        _f("producer", "object", "data producer, from Cartofriches' page export only (see PRIVATE_COLUMNS)"),
        _f("source_format", "object", "the file's format (FORMATS)", nullable=False),
        _f("row", "Int64", "the row's number in its file (1: the first row after the header)", nullable=False),
    ]
)  # fmt: skip
FIELD_NAMES = tuple(FRICHE_FIELDS)
# The parcel outline (geomsurf), when the file has one; the point is the frame's geometry.
PARCEL = "parcel"

CARTOFRICHES_URL = "https://cartofriches.cerema.fr/cartofriches/?site={id}"
# A friche of the national inventory is named by its commune and a number (59512_1234; 2A004_12):
# only those have a Cartofriches page (not a synthetic friche, nor a local file's own ids).
NATIONAL_ID = re.compile(r"[0-9][0-9AB][0-9]{3}_[0-9]+")


def cartofriches_url(friche_id: str) -> str | None:
    """The friche's page on Cartofriches, when its id is a national inventory's."""
    return CARTOFRICHES_URL.format(id=friche_id) if NATIONAL_ID.fullmatch(friche_id) else None

# --- The files read ----------------------------------------------------------------------------

# The national export (CNIG columns) and Cartofriches' page export (French headers, R's
# write.csv: an unnamed first column of row numbers).
STANDARD, PAGE = "friches-standard", "cartofriches-page"
FORMATS = {
    STANDARD: "friches-standard.csv (CNIG columns)",
    PAGE: "Cartofriches page export (11 columns, French headers)",
}

# Columns never read, whatever the file: owners (names, kind of person, owner type codes)
# and contacts. source_producteur is free text that real files fill with a person's name
# (1,544 rows of the shipped extract), so it goes too; source_nom names the source.
PRIVATE_COLUMNS = (
    "proprio_nom",
    "proprio_personne",
    "proprio_type",
    "source_contact",
    "source_producteur",
)

# Field read → column names, compared by geo.text.column_key. The standard's names first,
# then older CNIG drafts' (site_numero, activite_fin_date), then the page export's headers.
STANDARD_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("site_id", "site_numero"),
    "name": ("site_nom",),
    "friche_type": ("site_type",),
    "status": ("site_statut",),
    "insee": ("comm_insee",),
    "commune": ("comm_nom",),
    "address": ("site_adresse",),
    "surface": ("unite_fonciere_surface",),
    "identified_on": ("site_identif_date",),
    "updated_on": ("site_actu_date",),
    "former_activity": ("activite_libelle",),
    "activity_end_year": ("activite_fin_annee", "activite_fin_date"),
    "occupation": ("site_occupation",),
    "buildings": ("bati_nombre",),
    "building_state": ("bati_etat",),
    "pollution": ("sol_pollution_existe",),
    "reuse_type": ("site_reconv_type",),
    "reuse_year": ("site_reconv_annee",),
    "zoning_type": ("urba_zone_type",),
    "zoning_label": ("urba_zone_lib",),
    "urban_plan": ("urba_doc_type",),
    "site_url": ("site_url",),
    "source": ("source_nom",),
    "source_url": ("source_url",),
    "point": ("geompoint",),
    "parcel": ("geomsurf",),
}
PAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("Identifiant et lien Cartofriches",),
    "dep": ("Département",),
    "commune": ("Commune",),
    "name": ("Nom du site",),
    "producer": ("Producteur de la donnée",),
    "status": ("Statut",),
    "friche_type": ("Type",),
    "zoning_type": ("Zonage d'urbanisme",),
    "surface": ("Surface (en Ha)",),
    "point": ("Coordonnées GPS (Longitude,Latitude)",),
}
# What a file needs to be read as that format.
REQUIRED = {
    STANDARD: ("id", "insee", "point"),
    PAGE: ("id", "commune", "point"),
}
_PRIVATE_KEYS = frozenset(map(column_key, PRIVATE_COLUMNS))


def is_private(column: str) -> bool:
    """Whether a file's column is one the importer never reads (owners, contacts)."""
    key = column_key(column)
    return key in _PRIVATE_KEYS or key.startswith("proprio")


def match_friche_columns(header: list[str]) -> tuple[str, dict[str, int]] | None:
    """(format, field → column position) for a friches file's header, or None when neither
    format's required columns are all there. Private columns are never matched."""
    keys = [None if is_private(h) else column_key(h) for h in header]
    best = None
    for fmt, table in ((STANDARD, STANDARD_COLUMNS), (PAGE, PAGE_COLUMNS)):
        found = {}
        for field, names in table.items():
            position = next((keys.index(k) for k in map(column_key, names) if k in keys), None)
            if position is not None:
                found[field] = position
        if all(f in found for f in REQUIRED[fmt]) and (best is None or len(found) > len(best[1])):
            best = (fmt, found)
    return best


# --- The frame of friches ----------------------------------------------------------------------


def friche_frame(columns: Mapping[str, object], geometry, parcel=None) -> gpd.GeoDataFrame:
    """The one shape of a friches frame: FRICHE_FIELDS columns in order, typed (a field not
    given is all null), points in EPSG:4326, then ``parcel`` (outlines or None) when given."""
    n = len(geometry)
    unknown = [c for c in columns if c not in FRICHE_FIELDS]
    if unknown:
        raise ValueError(f"friche_frame: unknown column(s) {unknown}; the fields are FRICHE_FIELDS")
    data = {}
    for name, field in FRICHE_FIELDS.items():
        values = columns.get(name)
        if values is None:
            values = [None] * n
        if len(values) != n:
            raise ValueError(f"friche_frame: column {name!r} has {len(values)} values for {n} points")
        data[name] = _typed(values, field.dtype)
    frame = gpd.GeoDataFrame(
        pd.DataFrame(data, index=pd.RangeIndex(n)), geometry=gpd.GeoSeries(geometry).values, crs=WGS84
    )
    if parcel is not None:
        frame[PARCEL] = gpd.GeoSeries(list(parcel), crs=WGS84).values
    return frame


def _typed(values, dtype: str):
    if dtype == "Int64":
        return pd.array(values, dtype="Int64")
    if dtype == "float64":
        return np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
    if dtype == "datetime64[ns]":
        return pd.to_datetime(pd.Series(list(values), dtype=object)).astype("datetime64[ns]").to_numpy()
    return np.fromiter(values, dtype=object, count=len(values))
