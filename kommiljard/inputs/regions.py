"""The 21 Swedish regions (SCB county codes) and normalisation of region identifiers.

People write a region as ``06``, ``6``, ``Jönköping``, ``Jönköpings län``, ``Region
Jönköpings län`` or ``06 Jönköping``; all of them mean county code ``06``. Matching ignores
case, diacritics and punctuation. Every name in the packaged ``region_names_and_codes.csv``
(as vantetider.se, Socialstyrelsen and government tables write the regions) matches too.

A name that is no region but a place in one (``Göteborg``, ``Malmöhus län``; the packaged
``region_places.csv``) is never read as a region, but an unknown name is answered with the region
it lies in: ``Göteborg`` -> 14 Västra Götaland (not Gävleborg, which is merely spelt alike).

Numbers are SCB county codes here. SKR's vantetider.se numbered the county councils
differently (Stockholm 10 ... Norrbotten 65): :func:`code_of_vantetider_id` translates those,
and only a reader that knows its file uses them may call it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache
from importlib.resources import files

import pandas as pd

# Abbreviations in use besides the names of the packaged tables (which also match as
# "<name>s län", "Region <name>", "<name>s läns landsting" and so on, see _key).
ALIASES = {
    "01": ("SLL",),
    "14": ("VGR",),
}
_PREFIXES = ("region ", "landstinget ", "landsting ")
_SUFFIXES = (" lans landsting", " landsting", " lan", " county", "regionen")
_CODE_AND_NAME = re.compile(r"^(\d{1,2})\s*[-–:,]?\s+(\D.*)$")


@cache
def region_table() -> pd.DataFrame:
    """Code, name and population (31 Dec 2018) of the 21 regions, from the packaged table."""
    path = files("kommiljard") / "data" / "population_2018.csv"
    with path.open("rb") as fh:
        return pd.read_csv(fh, dtype={"region": str, "name": str, "population": "int64"})


@cache
def region_codes() -> tuple[str, ...]:
    """The valid two-digit county codes, ascending."""
    return tuple(region_table()["region"])


@cache
def _region_names() -> dict[str, str]:
    t = region_table()
    return dict(zip(t["region"], t["name"]))


def region_names() -> dict[str, str]:
    """Map county code to the short region name (a copy: callers may change it)."""
    return dict(_region_names())


def region_label(code: str) -> str:
    """``"06 Jönköping"``: the code and the short name, as outputs show a region."""
    return f"{code} {_region_names().get(code, '')}".strip()


def fold(text: str) -> str:
    """Lower case, without diacritics, punctuation or repeated spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.lower()).split())


def _key(text: str) -> str:
    """The comparable core of a region name: ``Region Jönköpings län`` -> ``jonkoping``."""
    key = fold(text)
    for prefix in _PREFIXES:
        key = key.removeprefix(prefix)
    for suffix in _SUFFIXES:
        key = key.removesuffix(suffix)
    return key.removesuffix("s")  # genitive: "Jönköpings", "Dalarnas"


@cache
def region_identifiers() -> pd.DataFrame:
    """SCB code of each region beside vantetider.se's county-council id and the names other publications use."""
    path = files("kommiljard") / "data" / "region_names_and_codes.csv"
    with path.open("rb") as fh:
        return pd.read_csv(fh, dtype=str)


@cache
def _codes_of_vantetider_ids() -> dict[str, str]:
    table = region_identifiers()
    return dict(zip(table["vantetider_landstingskod"], table["scb_lan_code"], strict=True))


def code_of_vantetider_id(value: object) -> str | None:
    """The SCB code of a vantetider.se county-council id (``10`` -> ``"01"`` Stockholm); None if it is none."""
    return _codes_of_vantetider_ids().get(str(value).strip().removesuffix(".0"))


@cache
def _names_by_key() -> dict[str, str]:
    keys = {_key(name): code for code, name in _region_names().items()}
    table = region_identifiers()
    for column in (c for c in table.columns if c.startswith("name_")):
        keys.update({_key(name): code for code, name in zip(table["scb_lan_code"], table[column])})
    keys.update({_key(alias): code for code, names in ALIASES.items() for alias in names})
    return keys


def normalise_code(value: object) -> str:
    """The county code a value means (``6``, ``"06"``, ``"Region Jönköpings län"`` -> ``"06"``).

    A value that names no region is returned as text, for the caller to report.
    """
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if text.isdigit() and len(text) <= 2:
        return text.zfill(2)
    code = _names_by_key().get(_key(text))
    if code is not None:
        return code
    both = _CODE_AND_NAME.match(text)
    if both and _names_by_key().get(_key(both[2])) == both[1].zfill(2):
        return both[1].zfill(2)
    return text


@cache
def _places() -> dict[str, tuple[str, str, dict[str, str]]]:
    """Folded key -> (code, place, what the place is by language) of every name a suggestion may come from: the
    regions' own names (no place), then the places in them (``region_places.csv``: ``what`` in English,
    ``what_sv`` in Swedish)."""
    keys = {key: (code, "", {}) for key, code in _names_by_key().items()}
    path = files("kommiljard") / "data" / "region_places.csv"
    with path.open("rb") as fh:
        table = pd.read_csv(fh, dtype=str)
    for code, place, what, what_sv in zip(table["scb_lan_code"], table["place"], table["what"], table["what_sv"]):
        keys.setdefault(_key(place), (code, place, {"en": what, "sv": what_sv}))
    return keys


def nearest_region(value: object) -> tuple[str, str] | None:
    """The region an unknown identifier most likely means, and why, in the spoken language (``""`` for a region's
    own name spelt alike; ``"Göteborg is its county seat"`` for a place in it); None if nothing is close."""
    from ..language import speaker, spoken

    keys = _places()
    key = _key(str(value))
    if key not in keys:
        close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
        if not close:
            return None
        key = close[0]
    code, place, what = keys[key]
    return code, speaker(__package__)("place_is", place=place, what=what[spoken()]) if place else ""


def suggest_region(value: object) -> str | None:
    """The region closest to an unknown identifier, as ``"06 Jönköping"`` (or ``"14 Västra Götaland (Göteborg
    is its county seat)"`` for a place in it); None if none is close."""
    found = nearest_region(value)
    if found is None:
        return None
    code, why = found
    return region_label(code) + (f" ({why})" if why else "")


def unknown_region_message(value: object) -> str:
    """Why ``value`` is not a region, with the closest valid one if there is one."""
    from ..language import speaker

    say = speaker(__package__)
    close = suggest_region(value)
    did = say("problem.did_you_mean", close=close) if close else ""
    return say("problem.unknown_region_value", value=repr(value), did=did, codes=" ".join(region_codes()))
