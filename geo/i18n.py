"""Every text the user reads, in French (default) and English: ``t(key, lang, **fmt)``.

Keys are English snake_case; every key has both languages (a test reads the code for
the keys it uses), and :func:`t` raises on a missing one rather than showing the key.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # -- page and sidebar
    "app_title": {"fr": "Carte de la réindustrialisation", "en": "Reindustrialisation map"},
    "filters_loading": {
        "fr": "Chargement des filtres…",
        "en": "Loading the filters…",
    },
    "app_subtitle": {
        "fr": "Usines, ateliers et centres de données qui ouvrent ou s'agrandissent en France, souvent sur des friches.",
        "en": "Factories, workshops and data centres opening or growing in France, often on brownfields.",
    },
    "filters": {"fr": "Filtres", "en": "Filters"},
    "sector": {"fr": "Secteur", "en": "Sector"},
    "status": {"fr": "Statut", "en": "Status"},
    "region": {"fr": "Région", "en": "Region"},
    "departement": {"fr": "Département", "en": "Département"},
    "jobs": {"fr": "Emplois", "en": "Jobs"},
    "jobs_range": {"fr": "Emplois annoncés (min – max)", "en": "Announced jobs (min – max)"},
    "jobs_min": {"fr": "Emplois min.", "en": "Min. jobs"},
    "jobs_max": {"fr": "Emplois max.", "en": "Max. jobs"},
    "jobs_bound_note": {
        "fr": "Avec une borne d'emplois, les {n} site(s) sans chiffre d'emplois sont exclus.",
        "en": "With a jobs bound, the {n} site(s) with no jobs figure are left out.",
    },
    "brownfield": {"fr": "Reconversion de friche", "en": "Brownfield reuse"},
    "brownfield_any": {"fr": "Tous", "en": "Any"},
    "brownfield_yes": {"fr": "Oui", "en": "Yes"},
    "brownfield_no": {"fr": "Non", "en": "No"},
    "brownfield_unknown": {"fr": "Non renseigné", "en": "Unknown"},
    # multiselect placeholders: an empty choice means "no constraint", so say "all"
    "all_sectors": {"fr": "Tous les secteurs", "en": "All sectors"},
    "all_statuses": {"fr": "Tous les statuts", "en": "All statuses"},
    "all_regions": {"fr": "Toutes les régions", "en": "All regions"},
    "all_departements": {"fr": "Tous les départements", "en": "All départements"},
    "search": {"fr": "Recherche (nom, entreprise, commune)", "en": "Search (name, company, commune)"},
    "radius": {"fr": "Autour d'une commune", "en": "Around a commune"},
    "radius_commune": {
        "fr": "Commune (nom, code postal ou INSEE)",
        "en": "Commune (name, postal or INSEE code)",
    },
    "radius_km": {"fr": "Rayon (km)", "en": "Radius (km)"},
    "reset": {"fr": "Réinitialiser les filtres", "en": "Reset filters"},
    "language": {"fr": "Langue", "en": "Language"},
    "basemap": {"fr": "Fond de carte", "en": "Basemap"},
    "basemap_plan-ign": {"fr": "Plan IGN", "en": "Plan IGN"},
    "basemap_osm": {"fr": "OpenStreetMap", "en": "OpenStreetMap"},
    "basemap_none": {"fr": "Sans fond (hors ligne)", "en": "No basemap (offline)"},
    # -- KPIs
    "kpi_sites": {"fr": "Sites", "en": "Sites"},
    "kpi_jobs": {"fr": "Emplois annoncés", "en": "Announced jobs"},
    "kpi_brownfield": {"fr": "Sur friche", "en": "On brownfields"},
    "kpi_investment": {"fr": "Investissement", "en": "Investment"},
    "kpi_partial": {"fr": "sur {known} des {total} sites", "en": "from {known} of {total} sites"},
    "kpi_jobs_help": {
        "fr": "Somme des chiffres d'emplois des sources ({known} site(s) sur {total} en donnent un).",
        "en": "Sum of the sources' job figures ({known} of {total} site(s) give one).",
    },
    "kpi_brownfield_help": {
        "fr": "Part des sites sur friche, parmi les {known} dont on le sait.",
        "en": "Share of sites on brownfields, among the {known} where it is known.",
    },
    "kpi_jobs_kinds": {"fr": "dont {kinds}", "en": "of which {kinds}"},
    # the kinds of a jobs figure (geo.schema.JOBS_KINDS): on a card "700 emplois (à créer)"
    "jobs_kind_created": {"fr": "à créer", "en": "to be created"},
    "jobs_kind_target": {"fr": "objectif à terme", "en": "target"},
    "jobs_kind_headcount": {"fr": "effectif", "en": "headcount"},
    # what the jobs headline figure adds up, kind by kind: "dont 1 480 à créer, 500 recensés"
    "jobs_sum_created": {"fr": "{n} à créer", "en": "{n} to be created"},
    "jobs_sum_target": {"fr": "{n} visés à terme", "en": "{n} targeted"},
    "jobs_sum_headcount": {"fr": "{n} recensés", "en": "{n} counted on site"},
    "jobs_sum_unknown": {"fr": "{n} de nature n.c.", "en": "{n} of unstated kind"},
    "kpi_investment_help": {
        "fr": "Somme des montants publiés ({known} site(s)).",
        "en": "Sum of published amounts ({known} site(s)).",
    },
    "by_sector": {"fr": "Par secteur", "en": "By sector"},
    "by_region": {"fr": "Par région", "en": "By region"},
    "by_year_announced": {"fr": "Par année d'annonce", "en": "By year announced"},
    "by_year_opened": {"fr": "Par année d'ouverture", "en": "By year opened"},
    "year_sites": {"fr": "{n} site(s) · {jobs} emplois", "en": "{n} site(s) · {jobs} jobs"},
    "year_unknown": {"fr": "Année n.c.", "en": "Year n/a"},
    "years": {"fr": "Années", "en": "Years"},
    "year_of": {"fr": "Année de", "en": "Year of"},
    "year_of_opened": {"fr": "l'ouverture", "en": "opening"},
    "year_of_announced": {"fr": "l'annonce", "en": "announcement"},
    "year_bound_note": {
        "fr": "{n} site(s) sans cette date dans les sources, laissés de côté.",
        "en": "{n} site(s) without this date in the sources, left out.",
    },
    "timeline_on": {"fr": "Année par année", "en": "Year by year"},
    "timeline_off": {"fr": "Site par site", "en": "Site by site"},
    "timeline_play": {"fr": "▶ Lecture / pause", "en": "▶ Play / pause"},
    "timeline_year": {
        "fr": "{year} — nouveaux : {new} · {n} site(s) en tout",
        "en": "{year} — new: {new} · {n} site(s) in all",
    },
    "timeline_none": {"fr": "aucun", "en": "none"},
    "timeline_former": {"fr": "sur une friche fermée en {year}", "en": "on a brownfield closed in {year}"},
    "no_years": {"fr": "Aucune date dans les sites montrés.", "en": "No date in the sites shown."},
    "not_given": {"fr": "n.c.", "en": "n/a"},  # no figure in the sources
    "table": {"fr": "Sites sélectionnés", "en": "Selected sites"},
    "table_capped": {
        "fr": "Les {n} sites aux plus gros effectifs sur {total} : le fichier CSV les contient tous.",
        "en": "The {n} sites with the most jobs out of {total}: the CSV file has them all.",
    },
    "th_name": {"fr": "Nom", "en": "Name"},
    "th_company": {"fr": "Entreprise", "en": "Company"},
    "th_commune": {"fr": "Commune", "en": "Commune"},
    "th_dep": {"fr": "Dép.", "en": "Dép."},
    "th_investment": {"fr": "Investissement", "en": "Investment"},
    "th_year": {"fr": "Année", "en": "Year"},
    "no_sites": {"fr": "Aucun site ne correspond à ces filtres.", "en": "No site matches these filters."},
    # -- URL and sharing
    "copy_link": {"fr": "Lien vers cette vue", "en": "Link to this view"},
    "copy": {"fr": "Copier", "en": "Copy"},
    "copied": {"fr": "Copié ✓", "en": "Copied ✓"},
    "copy_link_help": {
        "fr": "Ce lien rouvre exactement la même vue (filtres, site, fond, langue, mode).",
        "en": "This link reopens exactly this view (filters, site, basemap, language, mode).",
    },
    "notice_dropped": {
        "fr": "Paramètre d'URL ignoré : {param}={value} ({reason}).",
        "en": "URL parameter ignored: {param}={value} ({reason}).",
    },
    "notice_changed": {
        "fr": "Paramètre {param}={value} ramené à {kept} ({reason}).",
        "en": "Parameter {param}={value} changed to {kept} ({reason}).",
    },
    "notice_swapped": {
        "fr": "Bornes inversées ({param}) : intervalle {kept} appliqué.",
        "en": "Bounds the wrong way round ({param}): range {kept} applied.",
    },
    "notice_too_long": {
        "fr": "Recherche {param}={value} tronquée à {kept} caractères.",
        "en": "Search {param}={value} cut to {kept} characters.",
    },
    "reason_unknown": {"fr": "valeur inconnue", "en": "unknown value"},
    "reason_not_a_number": {"fr": "pas un nombre", "en": "not a number"},
    "reason_out_of_range": {"fr": "hors des bornes", "en": "out of bounds"},
    "reason_needs_near": {"fr": "rayon sans commune", "en": "radius without a commune"},
    "hidden_layers": {"fr": "Masqués sur la carte : {layers}", "en": "Hidden on the map: {layers}"},
    "upload_kept": {
        "fr": "Vos sites : {name} ({n} site(s)), gardés pour la session.",
        "en": "Your sites: {name} ({n} site(s)), kept for the session.",
    },
    "upload_remove": {"fr": "Retirer vos sites", "en": "Remove your sites"},
    # -- presenter mode
    "present": {"fr": "Mode présentation", "en": "Presenter mode"},
    "back_to_explorer": {"fr": "← Retour à l'exploration", "en": "← Back to the explorer"},
    "near_words": {"fr": "{km} km autour de {commune}", "en": "{km} km around {commune}"},
    "all_sites_words": {"fr": "Tous les sites", "en": "All sites"},
    "fullscreen": {"fr": "Plein écran", "en": "Full screen"},
    "present_keys": {
        "fr": "Page suivante / précédente, flèches : site suivant / précédent ; Échap : retour",
        "en": "Page Down / Up, arrows: next / previous site; Escape: back",
    },
    "tour_prev": {"fr": "◀ Précédent", "en": "◀ Previous"},
    "tour_next": {"fr": "Suivant ▶", "en": "Next ▶"},
    "tour_position": {"fr": "Site {i} sur {n}", "en": "Site {i} of {n}"},
    "tour_start": {
        "fr": "Visite guidée : {n} site(s) — « Suivant ▶ » pour commencer",
        "en": "Guided tour: {n} site(s) — “Next ▶” to start",
    },
    "tour_empty": {
        "fr": "Aucun site à présenter avec ces filtres.",
        "en": "No site to present with these filters.",
    },
    # -- export / import
    "export": {"fr": "Exporter", "en": "Export"},
    "export_csv": {"fr": "Sites (CSV)", "en": "Sites (CSV)"},
    "export_geojson": {"fr": "Sites (GeoJSON)", "en": "Sites (GeoJSON)"},
    "export_html": {"fr": "Carte (HTML hors ligne)", "en": "Map (offline HTML)"},
    "export_png": {"fr": "Image pour diapositive (PNG)", "en": "Slide image (PNG)"},
    "upload": {"fr": "Vos propres sites", "en": "Your own sites"},
    "upload_help": {
        "fr": "CSV avec une colonne commune (+ departement), insee ou lat/lon ; ou GeoJSON. {mb} Mo au plus. "
        "Les sites restent dans votre session.",
        "en": "CSV with a commune column (+ departement), insee or lat/lon; or GeoJSON. At most {mb} MB. "
        "Sites stay in your session.",
    },
    "upload_layer": {"fr": "Vos sites", "en": "Your sites"},
    "upload_ok": {"fr": "{n} site(s) importé(s).", "en": "{n} site(s) imported."},
    "upload_failed_rows": {"fr": "{n} ligne(s) non placée(s) :", "en": "{n} row(s) not placed:"},
    "upload_error_too_big": {
        "fr": "Fichier trop gros ({detail} Mo) : {mb} Mo au plus.",
        "en": "File too large ({detail} MB): at most {mb} MB.",
    },
    "upload_error_empty": {"fr": "Le fichier est vide.", "en": "The file is empty."},
    "upload_error_unreadable": {
        "fr": "Fichier illisible : {detail}",
        "en": "Cannot read the file: {detail}",
    },
    "upload_error_too_many_rows": {
        "fr": "Trop de lignes ({detail}) : {rows} au plus.",
        "en": "Too many rows ({detail}): at most {rows}.",
    },
    "upload_error_no_location_column": {
        "fr": "Aucune colonne commune, insee ou lat/lon. Colonnes trouvées : {detail}",
        "en": "No commune, insee or lat/lon column. Columns found: {detail}",
    },
    "upload_error_no_rows": {
        "fr": "Le fichier ne contient aucun site : rien sous la ligne d'en-tête, ou aucune entité GeoJSON.",
        "en": "The file holds no site: nothing under the header line, or no GeoJSON feature.",
    },
    "upload_error_not_points": {
        "fr": "Les géométries doivent être des points (trouvé : {detail}). Donnez un point par site, "
        "ou une colonne commune ou insee.",
        "en": "Geometries must be points (found: {detail}). Give one point per site, "
        "or a commune or insee column.",
    },
    "upload_unreadable_binary": {
        "fr": "ce n'est pas un fichier texte (CSV ou GeoJSON).",
        "en": "this is not a text file (CSV or GeoJSON).",
    },
    "upload_unreadable_not_text": {
        "fr": "le texte n'est pas du {encoding} valide.",
        "en": "the text is not valid {encoding}.",
    },
    "upload_unreadable_ragged": {
        "fr": "la ligne {line} a {fields} champs, l'en-tête en a {header}.",
        "en": "line {line} has {fields} fields, the header has {header}.",
    },
    "upload_unreadable_bad_csv": {
        "fr": "CSV mal formé à la ligne {line} (un champ trop long, ou un guillemet non fermé).",
        "en": "malformed CSV at line {line} (a field too long, or an unclosed quote).",
    },
    "upload_unreadable_unreadable": {
        "fr": "le fichier ne peut pas être lu.",
        "en": "the file cannot be read.",
    },
    "upload_unreadable_invalid_json": {
        "fr": "JSON invalide (ligne {line}, colonne {col}).",
        "en": "invalid JSON (line {line}, column {col}).",
    },
    "upload_unreadable_json_number": {
        "fr": "un nombre du JSON a trop de chiffres.",
        "en": "a number in the JSON has too many digits.",
    },
    "upload_unreadable_too_deep": {
        "fr": "le JSON est imbriqué trop profondément.",
        "en": "the JSON is nested too deeply.",
    },
    "upload_unreadable_not_geojson": {
        "fr": "ce n'est pas une FeatureCollection GeoJSON.",
        "en": "this is not a GeoJSON FeatureCollection.",
    },
    "upload_warning_rows": {
        "fr": "{n} ligne(s) placée(s), une valeur mise de côté ou lue au mieux :",
        "en": "{n} row(s) placed, a value set aside or read as well as it could be:",
    },
    "upload_col_value": {"fr": "Valeur", "en": "Value"},
    "upload_reason_not_point": {
        "fr": "géométrie autre qu'un point, et ni commune ni code INSEE",
        "en": "a geometry other than a point, and no commune or INSEE code",
    },
    "upload_reason_bad_jobs": {
        "fr": "emplois ignorés : un entier de 0 à 10 000 000 est attendu",
        "en": "jobs ignored: an integer from 0 to 10,000,000 is expected",
    },
    "upload_reason_bad_year": {
        "fr": "année ignorée : une année de 1900 à 2100 est attendue",
        "en": "year ignored: a year from 1900 to 2100 is expected",
    },
    "upload_reason_bad_announced": {
        "fr": "date d'annonce ignorée : une année ou une date de 1800 à 2100 est attendue (2020, 2020-02, 11/02/2020), "
        "au plus tard l'année d'ouverture",
        "en": "announcement date ignored: a year or a date from 1800 to 2100 is expected (2020, 2020-02, 11/02/2020), "
        "no later than the opening year",
    },
    "upload_reason_bad_opened": {
        "fr": "année d'ouverture ignorée : une année passée de 1800 à 2100 est attendue, pour un site en activité",
        "en": "opening year ignored: a past year from 1800 to 2100 is expected, for an operating site",
    },
    "upload_reason_bad_former_closed": {
        "fr": "fin de l'activité précédente ignorée : une année de 1800 à 2100, sur une friche (friche = oui), "
        "au plus tard l'année d'ouverture",
        "en": "former activity's end ignored: a year from 1800 to 2100, on a brownfield (brownfield = yes), "
        "no later than the opening year",
    },
    "upload_reason_swapped_point": {
        "fr": "latitude et longitude inversées : le point est placé en les échangeant",
        "en": "latitude and longitude swapped: the point is placed with them exchanged",
    },
    "upload_reason_sector_other": {
        "fr": "secteur non reconnu : classé « Autre industrie »",
        "en": "sector not recognised: filed under 'Other industry'",
    },
    "upload_reason_approx_jobs": {
        "fr": "chiffre d'emplois approximatif : lu comme le nombre donné",
        "en": "approximate jobs figure: read as the number given",
    },
    "upload_ignored_columns": {
        "fr": "Colonnes ignorées (aucun champ ne les lit) : {columns}.",
        "en": "Columns ignored (no field reads them): {columns}.",
    },
    "upload_reason_bad_jobs_kind": {
        "fr": "nature des emplois ignorée : « à créer », « objectif » ou « effectif » est attendu",
        "en": "kind of jobs ignored: 'created', 'target' or 'headcount' is expected",
    },
    "upload_reason_bad_investment_eur": {
        "fr": "investissement ignoré : un montant positif ou nul est attendu",
        "en": "investment ignored: an amount of zero or more is expected",
    },
    "upload_suggestions_capped": {
        "fr": "Communes proches cherchées pour les {n} premiers noms introuvables seulement : "
        "{more} autre(s) sans suggestion.",
        "en": "Close communes were looked for for the first {n} names not found only: "
        "{more} other(s) without suggestions.",
    },
    "upload_col_row": {"fr": "Ligne", "en": "Row"},
    "upload_col_feature": {"fr": "Entité", "en": "Feature"},
    "upload_reason_brownfield_unknown": {
        "fr": "friche non reconnue : lue comme non renseignée (oui ou non est attendu)",
        "en": "brownfield not recognised: read as unknown (yes or no is expected)",
    },
    "upload_reason_status_unknown": {
        "fr": "statut non reconnu : « Annoncé » retenu (« En activité » avec une année d'ouverture)",
        "en": "status not recognised: 'Announced' kept ('Operating' with an opening year)",
    },
    "upload_report": {"fr": "Rapport de l'import (CSV)", "en": "Upload report (CSV)"},
    "upload_report_file": {"fr": "rapport-import.csv", "en": "upload-report.csv"},
    "upload_report_help": {
        "fr": "Chaque ligne non placée ou lue avec un avertissement, et chaque colonne ignorée : "
        "la ligne de votre fichier, la colonne, la valeur donnée, ce que l'application en a fait.",
        "en": "Every row not placed or read with a warning, and every column ignored: the row of your "
        "file, the column, the value given, what the app did with it.",
    },
    "upload_report_column": {"fr": "Colonne", "en": "Column"},
    "upload_report_value": {"fr": "Valeur donnée", "en": "Value given"},
    "upload_report_action": {"fr": "Ce que l'application a fait", "en": "What the app did"},
    "upload_report_not_placed": {"fr": "ligne non placée : {reason}", "en": "row not placed: {reason}"},
    "upload_report_ignored_column": {
        "fr": "colonne ignorée : aucun champ ne la lit",
        "en": "column ignored: no field reads it",
    },
    "upload_col_label": {"fr": "Site", "en": "Site"},
    "upload_col_reason": {"fr": "Raison", "en": "Reason"},
    "upload_col_candidates": {"fr": "Communes possibles", "en": "Possible communes"},
    "upload_reason_ambiguous": {
        "fr": "commune ambiguë : précisez le département",
        "en": "ambiguous commune: give the département",
    },
    "upload_reason_not_found": {"fr": "commune introuvable", "en": "commune not found"},
    "upload_reason_no_location": {
        "fr": "ni commune, ni code INSEE, ni lat/lon",
        "en": "no commune, INSEE code or lat/lon",
    },
    "upload_reason_bad_point": {"fr": "lat/lon illisibles", "en": "unreadable lat/lon"},
    "upload_reason_outside": {
        "fr": "point hors des communes françaises",
        "en": "point outside French communes",
    },
    "upload_progress": {"fr": "Géocodage de vos sites…", "en": "Geocoding your sites…"},
    "data_error": {
        "fr": "Le fichier de sites ne peut pas être chargé. Problèmes trouvés :",
        "en": "The sites file cannot be loaded. Problems found:",
    },
    "near_ambiguous": {
        "fr": "Plusieurs communes possibles, précisez (code INSEE ou postal) : {options}",
        "en": "Several communes match, be more specific (INSEE or postal code): {options}",
    },
    "near_not_found": {"fr": "Commune introuvable.", "en": "Commune not found."},
    # -- the friches layer (Cerema, Cartofriches)
    "friches_layer": {"fr": "Friches (Cartofriches)", "en": "Brownfields (Cartofriches)"},
    "friches_toggle": {"fr": "Afficher les friches (Cartofriches)", "en": "Show brownfields (Cartofriches)"},
    "friches_filters": {"fr": "Friches", "en": "Brownfields"},
    "friches_credit": {
        "fr": "Cerema, Cartofriches — extrait de 2 594 friches sur ~28 000 (2024)",
        "en": "Cerema, Cartofriches — extract of 2,594 brownfields out of ~28,000 (2024)",
    },
    # the credit of another inventory than the shipped extract: the national file, a synthetic one, an upload
    "friches_credit_file": {
        "fr": "Cerema, Cartofriches — fichier {name} : {n} friches",
        "en": "Cerema, Cartofriches — file {name}: {n} brownfields",
    },
    "friches_notice": {
        "fr": "Couche des friches : {n} friche(s) affichée(s). Source : {credit}, Licence Ouverte.{hint} Les filtres "
        "région, département et rayon s'appliquent aussi aux friches.",
        "en": "Brownfields layer: {n} brownfield(s) shown. Source: {credit}, Licence Ouverte.{hint} The région, "
        "département and radius filters apply to brownfields too.",
    },
    "friches_full_hint": {
        "fr": " Pour l'inventaire complet, lancez l'application avec --friches CHEMIN ou REINDUS_FRICHES=CHEMIN "
        "(friches-standard.csv de data.gouv.fr).",
        "en": " For the full inventory, start the app with --friches PATH or REINDUS_FRICHES=PATH "
        "(friches-standard.csv from data.gouv.fr).",
    },
    "friches_full_file": {
        "fr": "Friches : fichier {name} ({n} friches).",
        "en": "Brownfields: file {name} ({n} brownfields).",
    },
    "friche_status": {"fr": "Statut de la friche", "en": "Brownfield status"},
    "friche_type": {"fr": "Type de friche", "en": "Brownfield type"},
    "all_friche_statuses": {"fr": "Tous les statuts", "en": "All statuses"},
    "all_friche_types": {"fr": "Tous les types", "en": "All types"},
    "friche_ha_min": {"fr": "Surface min. (ha)", "en": "Min. area (ha)"},
    "friche_ha_max": {"fr": "Surface max. (ha)", "en": "Max. area (ha)"},
    "friche_ha_note": {
        "fr": "Avec une borne de surface, les {n} friche(s) sans surface sont exclues.",
        "en": "With an area bound, the {n} brownfield(s) with no area are left out.",
    },
    "kpi_friches": {"fr": "Friches affichées", "en": "Brownfields shown"},
    "kpi_friches_available": {"fr": "Surface disponible", "en": "Area available"},
    "kpi_friches_available_note": {
        "fr": "{n} friche(s) sans projet ou potentielle(s)",
        "en": "{n} brownfield(s) without a project or potential",
    },
    "kpi_friches_available_help": {
        "fr": "Surface des friches sans projet et des friches potentielles ; {known} sur {total} donnent leur surface.",
        "en": "Area of the brownfields without a project and the potential ones; {known} of {total} give their area.",
    },
    "kpi_friches_project": {"fr": "Friches avec projet", "en": "With a project"},
    "kpi_friches_reused": {"fr": "Friches reconverties", "en": "Reused"},
    "kpi_friches_industry": {"fr": "dont {n} pour l'industrie", "en": "{n} of them for industry"},
    "friche_unnamed": {"fr": "Friche sans nom", "en": "Unnamed brownfield"},
    "friche_ended": {"fr": "fin en {year}", "en": "ended {year}"},
    "friche_link": {"fr": "Fiche sur Cartofriches ↗", "en": "Page on Cartofriches ↗"},
    "n_friches": {"fr": "{n} friches", "en": "{n} brownfields"},
    "friches_failed": {
        "fr": "Les friches n'ont pas pu être chargées sur la carte. Rechargez la page.",
        "en": "The brownfields could not be loaded on the map. Reload the page.",
    },
    "friche_row_type": {"fr": "Type", "en": "Type"},
    "friche_row_status": {"fr": "Statut", "en": "Status"},
    "friche_row_surface": {"fr": "Surface", "en": "Area"},
    "same_spot": {"fr": "Au même endroit :", "en": "At the same place:"},
    "friche_row_identified": {"fr": "Inventoriée en", "en": "Inventoried in"},
    "friche_row_activity": {"fr": "Ancienne activité", "en": "Former activity"},
    "friche_row_zoning": {"fr": "Zonage (PLU)", "en": "Zoning (local plan)"},
    "friche_row_pollution": {"fr": "Pollution des sols", "en": "Soil pollution"},
    "friche_row_reuse": {"fr": "Reconversion", "en": "Reuse"},
    "friche_row_source": {"fr": "Source", "en": "Source"},
    # a site's card, the friches layer on (geo.friches_near: NEAR_KM, ON_FRICHE_M)
    "f_friches_near": {"fr": "Friches à 10 km", "en": "Brownfields within 10 km"},
    "f_on_friche": {"fr": "Sur une friche inventoriée", "en": "On an inventoried brownfield"},
    "friches_near_none": {"fr": "aucune", "en": "none"},
    "friches_near_without-project": {"fr": "{n} sans projet", "en": "{n} without a project"},
    "friches_near_potential": {"fr": "{n} potentielle(s)", "en": "{n} potential"},
    "friches_near_with-project": {"fr": "{n} avec projet", "en": "{n} with a project"},
    "friches_near_reused": {"fr": "{n} reconvertie(s)", "en": "{n} reused"},
    "friches_near_unknown": {"fr": "{n} de statut inconnu", "en": "{n} of unknown status"},
    "on_friche_yes": {"fr": "oui : {name}", "en": "yes: {name}"},
    "on_friche_no": {"fr": "non (aucune à moins de 300 m)", "en": "no (none within 300 m)"},
    # the filter "friches near the sites shown" (geo.state: friche_near_sites, friche_near_km)
    "friche_near_sites": {
        "fr": "Seulement les friches à {km} km des sites affichés ({n})",
        "en": "Only brownfields within {km} km of the sites shown ({n})",
    },
    "friche_near_km": {"fr": "Distance aux sites (km)", "en": "Distance to the sites (km)"},
    # a friches file uploaded in the sidebar (recognised by its columns: ui.uploads)
    "upload_friches_ok": {
        "fr": "Fichier de friches reconnu ({name}) : {n} friche(s) placée(s), affichées comme couche des friches "
        "pour cette session (à la place de l'extrait).",
        "en": "Brownfields file recognised ({name}): {n} brownfield(s) placed, shown as the brownfields layer "
        "for this session (instead of the extract).",
    },
    "upload_friches_rejected": {
        "fr": "{n} ligne(s) écartée(s) : {reasons}.",
        "en": "{n} row(s) set aside: {reasons}.",
    },
    "upload_friches_unusable": {
        "fr": "Fichier de friches {name} inutilisable : {error}",
        "en": "Brownfields file {name} not usable: {error}",
    },
    # exports of the friches shown (geo.friches_export)
    "export_friches_csv": {"fr": "Friches affichées (CSV)", "en": "Brownfields shown (CSV)"},
    "export_friches_geojson": {"fr": "Friches affichées (GeoJSON)", "en": "Brownfields shown (GeoJSON)"},
    "export_friches_note": {
        "fr": "{n} friche(s) — Cerema, Cartofriches (Licence Ouverte 2.0), sans propriétaires ni contacts.",
        "en": "{n} brownfield(s) — Cerema, Cartofriches (Licence Ouverte 2.0), without owners or contacts.",
    },
    "export_failed": {
        "fr": "Le fichier n'a pas pu être fait (arrêté au bout de {limit} s, ou une erreur). "
        "Réduisez la sélection et réessayez.",
        "en": "The file could not be made (stopped after {limit} s, or an error). Narrow the selection and try again.",
    },
    "sources_credit": {
        "fr": "Sources : IGN, INSEE (COG 2025) ; articles de presse cités par site.",
        "en": "Sources: IGN, INSEE (COG 2025); press articles cited per site.",
    },
    # -- export column headers
    "col_id": {"fr": "identifiant", "en": "id"},
    "col_name": {"fr": "nom", "en": "name"},
    "col_company": {"fr": "entreprise", "en": "company"},
    "col_activity": {"fr": "activite", "en": "activity"},
    "col_sector": {"fr": "secteur", "en": "sector"},
    "col_status": {"fr": "statut", "en": "status"},
    "col_sector_code": {"fr": "secteur_code", "en": "sector_code"},
    "col_status_code": {"fr": "statut_code", "en": "status_code"},
    "export_gpkg": {"fr": "Sites (GeoPackage, QGIS)", "en": "Sites (GeoPackage, QGIS)"},
    "col_jobs": {"fr": "emplois", "en": "jobs"},
    "col_jobs_note": {"fr": "emplois_precision", "en": "jobs_note"},
    "col_jobs_kind": {"fr": "emplois_nature", "en": "jobs_kind"},
    "col_jobs_kind_code": {"fr": "emplois_nature_code", "en": "jobs_kind_code"},
    "col_brownfield": {"fr": "friche", "en": "brownfield"},
    "col_brownfield_history": {"fr": "friche_historique", "en": "brownfield_history"},
    "col_investment_eur": {"fr": "investissement_eur", "en": "investment_eur"},
    "col_surface_m2": {"fr": "surface_m2", "en": "surface_m2"},
    "col_year": {"fr": "annee", "en": "year"},
    "col_insee": {"fr": "code_insee", "en": "insee"},
    "col_commune_nom": {"fr": "commune", "en": "commune"},
    "col_dep": {"fr": "code_departement", "en": "departement_code"},
    "col_dep_nom": {"fr": "departement", "en": "departement"},
    "col_reg": {"fr": "code_region", "en": "region_code"},
    "col_reg_nom": {"fr": "region", "en": "region"},
    "col_epci": {"fr": "epci_siren", "en": "epci_siren"},
    "col_population": {"fr": "population_commune", "en": "commune_population"},
    "col_location_precision": {"fr": "precision_localisation", "en": "location_precision"},
    "col_lon": {"fr": "longitude", "en": "longitude"},
    "col_lat": {"fr": "latitude", "en": "latitude"},
    "col_layer": {"fr": "couche", "en": "layer"},
    "col_sources": {"fr": "sources", "en": "sources"},
    "col_announced": {"fr": "annonce", "en": "announced"},
    "col_opened": {"fr": "ouverture", "en": "opened"},
    "col_former_closed": {"fr": "fin_activite_precedente", "en": "former_closed"},
    "col_dates_source": {"fr": "sources_des_dates", "en": "dates_source"},
    # -- friches (brownfields, geo.friches): why a row is not placed (geo.friches_schema.REJECTIONS)
    "friche_reason_id_missing": {"fr": "pas d'identifiant", "en": "no identifier"},
    "friche_reason_id_duplicate": {
        "fr": "identifiant déjà pris par une ligne précédente",
        "en": "identifier already used by an earlier row",
    },
    "friche_reason_point_missing": {"fr": "pas de point", "en": "no point"},
    "friche_reason_point_invalid": {"fr": "point illisible", "en": "not a readable point"},
    "friche_reason_point_outside": {"fr": "point hors de France", "en": "point outside France"},
    "friche_reason_insee_missing": {"fr": "pas de code INSEE", "en": "no INSEE code"},
    "friche_reason_insee_invalid": {"fr": "code INSEE invalide", "en": "not an INSEE code"},
    "friche_reason_status_invalid": {
        "fr": "statut hors du vocabulaire CNIG",
        "en": "status not in the CNIG vocabulary",
    },
    "friche_reason_type_invalid": {"fr": "type hors du vocabulaire CNIG", "en": "type not in the CNIG vocabulary"},
    # -- the map (legend, layers, cards, PNG for slides)
    "legend": {"fr": "Légende", "en": "Legend"},
    "legend_sectors": {"fr": "Secteurs", "en": "Sectors"},
    "legend_size": {"fr": "Taille : emplois annoncés", "en": "Size: announced jobs"},
    "legend_unknown_jobs": {"fr": "Emplois non chiffrés", "en": "Jobs not given"},
    "legend_departement": {
        "fr": "Localisé au département seulement",
        "en": "Located to the département only",
    },
    "legend_choropleth": {"fr": "Emplois par commune", "en": "Jobs per commune"},
    "legend_no_jobs": {"fr": "Sites sans chiffre d'emplois", "en": "Sites with no jobs figure"},
    "legend_no_sites": {"fr": "Aucun site à afficher", "en": "No site to show"},
    "n_jobs": {"fr": "{n} emplois", "en": "{n} jobs"},
    "n_sites": {"fr": "{n} sites", "en": "{n} sites"},
    "one_job": {"fr": "1 emploi", "en": "1 job"},
    "jobs_unknown": {"fr": "emplois non chiffrés", "en": "jobs not given"},
    "layer_communes": {"fr": "Communes : emplois", "en": "Communes: jobs"},
    "layer_departements": {"fr": "Départements", "en": "Départements"},
    "layer_regions": {"fr": "Régions", "en": "Regions"},
    "yes": {"fr": "Oui", "en": "Yes"},
    "no": {"fr": "Non", "en": "No"},
    "unknown": {"fr": "Inconnu", "en": "Unknown"},
    "f_id": {"fr": "Identifiant", "en": "Identifier"},
    "f_company": {"fr": "Entreprise", "en": "Company"},
    "f_activity": {"fr": "Activité", "en": "Activity"},
    "f_place": {"fr": "Commune", "en": "Commune"},
    "f_area": {"fr": "Département, région", "en": "Département, region"},
    "f_departement": {"fr": "Département", "en": "Département"},
    "f_region": {"fr": "Région", "en": "Region"},
    "f_jobs": {"fr": "Emplois", "en": "Jobs"},
    "f_brownfield": {"fr": "Sur une friche", "en": "On a brownfield"},
    "f_brownfield_history": {"fr": "Ancien usage du site", "en": "Former use of the site"},
    "f_investment_eur": {"fr": "Investissement", "en": "Investment"},
    "f_surface_m2": {"fr": "Surface", "en": "Floor area"},
    "f_year": {"fr": "Année", "en": "Year"},
    "f_announced": {"fr": "Annonce", "en": "Announced"},
    "f_announced_year": {"fr": "Année d'annonce", "en": "Year announced"},
    "f_opened": {"fr": "Ouverture", "en": "Opened"},
    "f_former_closed": {"fr": "Fin de l'activité précédente", "en": "Former activity ended"},
    "f_dates_source": {"fr": "Sources des dates", "en": "Sources of the dates"},
    "f_location_precision": {"fr": "Précision du point", "en": "Location precision"},
    "f_notes": {"fr": "Notes", "en": "Notes"},
    "f_sources": {"fr": "Sources", "en": "Sources"},
    "f_insee": {"fr": "Code INSEE", "en": "INSEE code"},
    "f_population": {"fr": "Population", "en": "Population"},
    "f_epci": {"fr": "EPCI (SIREN)", "en": "EPCI (SIREN)"},
    "f_sites": {"fr": "Sites", "en": "Sites"},
    "f_commune_jobs": {"fr": "Emplois annoncés", "en": "Announced jobs"},
    "f_jobs_per_1000": {"fr": "Emplois pour 1 000 habitants", "en": "Jobs per 1,000 inhabitants"},
    "upload_badge": {"fr": "Site importé", "en": "Uploaded site"},
    "more_sites": {"fr": "… et {n} autres", "en": "… and {n} more"},
    "sites_failed": {
        "fr": "Les sites n'ont pas pu être chargés sur la carte. Rechargez la page.",
        "en": "The sites could not be loaded on the map. Reload the page.",
    },
    "card_loading": {
        "fr": "Chargement de la fiche…",
        "en": "Loading the card…",
    },
    "areas_failed": {
        "fr": "Les communes ou les contours n'ont pas pu être chargés sur la carte. Rechargez la page.",
        "en": "The communes or the outlines could not be loaded on the map. Reload the page.",
    },
    "png_credit": {
        "fr": "Sources : IGN, INSEE (COG 2025) ; articles de presse — voir data/sites.geojson",
        "en": "Sources: IGN, INSEE (COG 2025); press articles — see data/sites.geojson",
    },
    "png_credit_upload": {"fr": " ; sites importés par l'utilisateur", "en": "; user-uploaded sites"},
    "png_all_sites": {"fr": "Tous les sites", "en": "All sites"},
    "png_one_site": {"fr": "1 site", "en": "1 site"},
    "png_jobs_total": {"fr": "{n} emplois annoncés", "en": "{n} announced jobs"},
    "png_jobs_unknown": {"fr": "(emplois {nc} pour {sites})", "en": "(jobs {nc} for {sites})"},
    "png_date": {"fr": "au {date}", "en": "as of {date}"},
    "png_months": {
        "fr": "janvier,février,mars,avril,mai,juin,juillet,août,septembre,octobre,novembre,décembre",
        "en": "January,February,March,April,May,June,July,August,September,October,November,December",
    },
    "png_sources": {"fr": "Sources : {parts}", "en": "Sources: {parts}"},
    "png_sep": {"fr": " ; ", "en": "; "},
    "png_articles": {"fr": "articles de {publishers}", "en": "articles from {publishers}"},
    "png_more_publishers": {"fr": "{names} et {n} autres", "en": "{names} and {n} more"},
    "png_n_publishers": {"fr": "{n} éditeurs", "en": "{n} publishers"},
    "png_credit_ign": {"fr": "IGN, INSEE (COG 2025)", "en": "IGN, INSEE (COG 2025)"},
    "png_credit_friches": {"fr": "Cerema, Cartofriches", "en": "Cerema, Cartofriches"},
    "png_credit_uploaded": {"fr": "sites importés par l'utilisateur", "en": "user-uploaded sites"},
    "png_friches": {"fr": "Friches (Cartofriches)", "en": "Brownfields (Cartofriches)"},
    "png_outlines": {"fr": "Limites", "en": "Boundaries"},
}


def t(key: str, lang: str = "fr", **fmt: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``fmt``.

    A missing key or language is a bug, not a text to show: it raises (the test suite
    checks that every key the code uses exists in French and English)."""
    try:
        text = TEXTS[key][lang]
    except KeyError:
        raise KeyError(f"geo.i18n: no text {key!r} in {lang!r}") from None
    return text.format(**fmt) if fmt else text


NBSP, NARROW_NBSP = "\u00a0", "\u202f"


def fmt_int(value: float | int, lang: str = "fr") -> str:
    """1 234 567 in French (narrow no-break spaces), 1,234,567 in English."""
    text = f"{int(round(value)):,}"
    return text.replace(",", NARROW_NBSP) if lang != "en" else text


def fmt_eur(value: float, lang: str = "fr") -> str:
    """Euros with a readable unit: 40 M€, 1,2 Md€ / €40M, €1.2bn."""
    if value >= 1e9:
        number, unit = value / 1e9, ("Md€", "bn")
    elif value >= 1e6:
        number, unit = value / 1e6, ("M€", "M")
    else:
        number, unit = value, ("€", "")
    digits = f"{number:,.1f}".rstrip("0").rstrip(".") if number < 100 else f"{number:,.0f}"
    if lang == "en":
        return f"€{digits}{unit[1]}"
    french = digits.replace(",", NARROW_NBSP).replace(".", ",")
    return f"{french}{NBSP}{unit[0]}"


def fmt_pct(share: float | None, lang: str = "fr") -> str:
    """A share as a percentage (43 % / 43%); an unknown share as a dash."""
    if share is None:
        return "–"
    return f"{share * 100:.0f}{NBSP}%" if lang != "en" else f"{share * 100:.0f}%"
