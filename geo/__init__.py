"""Carte de la réindustrialisation: data loading, checks, joins, geocoding, filters, maps."""
