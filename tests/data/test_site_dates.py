"""Tier 2: every date of data/sites.geojson is said by the source it cites (issue 12).

Each non-null ``announced``, ``opened`` and ``former_closed`` names a source in
``dates_source``; the test reads that source's text and finds the year (and the month,
when ``announced`` gives one) next to the words of that kind of date ("inauguré",
"opened", "closed"…), the nearest such words being of that kind. An article from the
seeds is read whole (``../shared/seeds/``); a public web source by the paragraph of
``../shared/SOURCES.md`` that names its address and the site's commune, and the lines of
its "Dates per place" section about that commune. When the text holds no year, the
source's own date may give it, the words being next to the site's commune or company
(an inauguration reported the day it happened).

The texts are not part of the repository: the tests are skipped without them
(``REINDUS_SHARED`` or the ``shared`` folder beside the repository).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from geo.paths import ROOT, SITES_PATH
from geo.schema import DATE_FIELDS

SHARED = Path(os.environ.get("REINDUS_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
pytestmark = pytest.mark.skipif(
    not (SEEDS.is_dir() and (SHARED / "SOURCES.md").is_file()),
    reason=f"the source texts ({SHARED}/seeds, SOURCES.md) are not here",
)

# The seed article each source without an address is (by its publisher, as the data writes it).
SEED_OF_PUBLISHER = {
    "Chronique économique (éditeur non nommé)": "000_7e263e26699d4487.txt",
    "L'Usine Digitale": "001_f19e6762c74faa50.txt",
    "Veille M3 (Métropole de Lyon)": "002_b863551016d5361c.txt",
    "La Tribune (César Armand)": "003_36fee1b08cf72410.txt",
    "AFP": "004_a2164c8ef93b125c.txt",
}
# The words of each kind of date, French and English (the texts are folded to lower case).
WORDS = {
    "announced": r"annon\w*|announc\w*|envisage\w*|planifie\w*|va créer|prévoi\w*",
    "opened": r"ouvert\w*|inaugur\w*|open\w*|taken over|repris\w*|mise en service",
    "former_closed": r"ferm\w*|closed|occupée de|idle|arrêt\w*|cessé\w*|ended",
}
NEAR = 80  # characters between the date and its words
MONTHS = [
    ("janvier", "january", "jan"), ("février", "february", "feb"), ("mars", "march", "mar"),
    ("avril", "april", "apr"), ("mai", "may", "may"), ("juin", "june", "jun"),
    ("juillet", "july", "jul"), ("août", "august", "aug"), ("septembre", "september", "sep"),
    ("octobre", "october", "oct"), ("novembre", "november", "nov"), ("décembre", "december", "dec"),
]  # fmt: skip


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("\u00a0", " ")).lower()


def _sites() -> list[dict]:
    return [f["properties"] for f in json.loads(SITES_PATH.read_text(encoding="utf-8"))["features"]]


def _dated() -> list[tuple[str, str, object]]:
    return [(p["id"], name, p[name]) for p in _sites() for name in DATE_FIELDS if p[name] is not None]


def source_text(site: dict, source: dict) -> str:
    """The text of ``source`` as the test reads it (see the module's docstring)."""
    if source["url"] is None:
        assert source["publisher"] in SEED_OF_PUBLISHER, f"{site['id']}: which seed is {source['publisher']!r}?"
        return _normal((SEEDS / SEED_OF_PUBLISHER[source["publisher"]]).read_text(encoding="utf-8"))
    place = site["commune"] or ""
    notes = (SHARED / "SOURCES.md").read_text(encoding="utf-8")
    paragraphs = [p for p in notes.split("\n\n") if source["url"] in p and place in p]
    dates = notes.split("## Dates per place", 1)[1]
    lines = [line for line in dates.splitlines() if line.startswith(f"- {place}")] if place else []
    assert paragraphs, f"{site['id']}: SOURCES.md names {source['url']} nowhere beside {place!r}"
    return _normal("\n".join(paragraphs + lines))


def _gaps(text: str, pattern: str, spans: list[tuple[int, int]]) -> list[int]:
    """For each span, the characters between it and the nearest match of ``pattern`` (or a large number)."""
    found = [m.span() for m in re.finditer(pattern, text)]
    return [min((max(a - e, s - b, 0) for a, b in found), default=10**9) for s, e in spans]


def said_in_text(text: str, name: str, year: int) -> bool:
    """The year is in the text next to words of this kind of date, nearer to them than to any other kind's."""
    spans = [m.span() for m in re.finditer(rf"(?<![0-9]){year}(?![0-9])", text)]
    gaps = {kind: _gaps(text, words, spans) for kind, words in WORDS.items()}
    return any(
        gaps[name][i] <= NEAR and all(gaps[name][i] < gaps[other][i] for other in WORDS if other != name)
        for i in range(len(spans))
    )


def said_by_source_date(text: str, name: str, year: int, site: dict, source: dict) -> bool:
    """The source is dated that year and says the thing happened at the site (its words next to
    the commune or company) without dating it itself (no year next to those words)."""
    if not source["date"].startswith(str(year)):
        return False
    places = [re.escape(_normal(p)) for p in (site["commune"], site["company"]) if p]
    if not places:
        return False
    words = [m.span() for m in re.finditer(WORDS[name], text)]
    near_place = [w for w, gap in zip(words, _gaps(text, "|".join(places), words), strict=True) if gap <= NEAR]
    return bool(near_place) and min(_gaps(text, r"(?<![0-9])(?:1[89]|20)[0-9]{2}(?![0-9])", near_place)) > NEAR


def month_said(text: str, year: int, month: int, source: dict) -> bool:
    """The month is next to the year in the text, or the source is dated that month."""
    if source["date"].startswith(f"{year}-{month:02d}"):
        return True
    names = "|".join(MONTHS[month - 1])
    return re.search(rf"(?:{names})\.? {year}|{month:02d}/{year}", text) is not None


def is_said(site: dict, name: str, value: object) -> bool:
    source = site["sources"][site["dates_source"][name]]
    text = source_text(site, source)
    year = int(str(value)[:4])
    said = said_in_text(text, name, year) or said_by_source_date(text, name, year, site, source)
    if said and name == "announced" and len(value) == 7:
        return month_said(text, year, int(value[5:]), source)
    return said


@pytest.mark.parametrize(("site_id", "name", "value"), _dated())
def test_each_date_is_said_by_the_source_it_cites(site_id, name, value):
    site = next(p for p in _sites() if p["id"] == site_id)
    assert is_said(site, name, value), f"{site_id}: {name} = {value!r} is not found in its source"


@pytest.mark.parametrize(("site_id", "name", "value"), _dated())
def test_a_wrong_date_is_not_found(site_id, name, value):
    """The check tells dates apart: a year off by one, or the date of another kind, fails it."""
    site = next(p for p in _sites() if p["id"] == site_id)
    year = int(str(value)[:4])
    for wrong in (year - 1, year + 1):
        assert not is_said(site, name, wrong if name != "announced" else str(wrong)), (site_id, name, wrong)
    for other in DATE_FIELDS:
        # (a closure on a site that is no brownfield is refused by the validator before any text is read)
        if other != name and site[other] != value and (other != "former_closed" or site["brownfield"]):
            swapped = {**site, "dates_source": {other: site["dates_source"][name]}}
            assert not is_said(swapped, other, value if other == "announced" else year), (site_id, other)


def test_the_dates_of_the_data_are_the_ones_the_sources_give():
    """What SOURCES.md lists per place, and nothing where it says nothing (a date never guessed)."""
    dates = {p["id"]: tuple(p[name] for name in DATE_FIELDS) for p in _sites()}
    assert dates == {
        "croix-ovh-usine": (None, 2018, None),  # the former Ontex plant: no year of closing given
        "roubaix-ovh-campus": (None, 2016, 1994),
        "albon-algo": (None, 2020, None),
        "chateauneuf-sur-isere-algo": ("2020", None, None),
        "strasbourg-2crsi": (None, None, None),
        "strasbourg-ovhcloud-datacenter": (None, 2022, None),
        "yssingeaux-ateliers-du-meygal": (None, 2012, 2011),
        "gravelines-ovh-datacenter": (None, 2013, None),  # "idle four years": no year given
        "seine-et-marne-thomson-computing": (None, 2020, None),
        "dieppe-bresle-verre": (None, None, None),
    }
