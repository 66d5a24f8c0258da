"""Values given as options, read and checked in one place: numbers, counts, seeds, months, regions and names.

Every command of the command line reads its options through this module (``kommiljard.cli.options`` wires
it into the commands), and the Python API checks the same values with the same functions, so a value is
accepted in the same spellings and refused with the same message everywhere: exit status 2 and one
:class:`OptionError` that names the option, the value and what to do.

- **Numbers** may be written with a decimal comma (``3,5``), a Unicode minus (``−1``) and spaces between
  thousands (``1 000 000``); ``nan``, ``inf`` and anything too large to be finite are refused. A lever's
  change (``--improve``, ``--more``) has the range its kind declares (:class:`kommiljard.kinds.base.Lever`,
  whose check is :func:`number`); every other range is declared here, in :data:`RANGES`.
- **Months**: ``2019-10``, ``2019-10-01``, ``10/2019``, ``okt 2019``, ``oktober 2019``, ``Okt2019``,
  ``2019 okt``, Swedish or English names and abbreviations; a month without a year (``okt``) is the one
  month of that name among the choices (a rule set's measurement months).
- **Regions**: a county code, a name in any common spelling (:mod:`kommiljard.inputs.regions`); an
  unknown name gets the nearest region, by its names and the places in it (``Göteborg`` -> 14 Västra
  Götaland).
- **Names** (groups, procedures, kinds): the nearest valid name is suggested.

:data:`OPTION_RANGES` says which option has which range.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral

from ..errors import InputError
from ..language import speaker, spoken, typed

say = speaker(__package__)


class OptionError(InputError):
    """A value given for an option that cannot be used: the message names the option, the value and what to do."""

    def __init__(self, option: str, value: object, problem: str):
        self.option, self.value, self.problem = option, value, problem
        super().__init__(f"{option}{'' if value is None else ' ' + shown(value)}: {problem}")


def shown(value: object) -> str:
    """A value as a message quotes it: plain if it is one short word or number, else quoted (and cut)."""
    text = str(value)
    if isinstance(value, (int, float)) or re.fullmatch(r"[\w.,:+\-−/]{1,40}", text):
        return text
    return repr(text if len(text) <= 60 else text[:57] + "...")


@dataclass(frozen=True)
class Range:
    """The values an option may take: ``low`` to ``high`` (``high`` may be a function, evaluated when checked)."""

    low: float
    high: float | Callable[[], float]
    unit: str
    why: str = ""
    whole: bool = False
    low_open: bool = False  # the low end itself is not allowed (a step must be > 0)

    def upper(self) -> float:
        return self.high() if callable(self.high) else self.high

    def describe(self) -> str:
        """``a number from -100 to 100 percentage points (shares are 0-100 %)``; ``a number at most 0``."""
        kind = say("range.whole" if self.whole else "range.number")
        low, high, unit = _number_text(self.low), _number_text(self.upper()), _said("range.unit", self.unit)
        if math.isinf(self.low) and math.isinf(self.upper()):
            text = say("range.finite", unit=unit)
        elif math.isinf(self.upper()):
            text = say("range.above" if self.low_open else "range.at_least", kind=kind, low=low, unit=unit)
        elif math.isinf(self.low):
            text = say("range.at_most", kind=kind, high=high, unit=unit)
        else:
            text = say("range.above_to" if self.low_open else "range.from_to", kind=kind, low=low, high=high, unit=unit)
        return text.rstrip() + (f" ({_said('range.why', self.why)})" if self.why else "")

    def holds(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        return above and x <= self.upper()


def _number_text(x: float) -> str:
    if float(x).is_integer() and abs(x) >= 10**6:
        return f"{int(x):,}".replace(",", " ")
    text = f"{x:g}" if not float(x).is_integer() else str(int(x))
    return text.replace(".", ",") if spoken() == "sv" else text


def _said(table: str, text: str) -> str:
    """The words of ``table.text`` (a range's unit or reason declared here) in the spoken language; a text given
    by a caller (a lever's unit, already in its words) as it is."""
    from ..language import words_of

    key = f"{table}.{text}"
    return say(key) if text and key in words_of(__package__) else text


def _numba_threads() -> int:
    import numba  # only when a thread count is checked: the command line starts without numba

    return int(numba.config.NUMBA_NUM_THREADS)


MAX_SEED = 2**63 - 1  # a seed is written to manifests and part metadata: it must fit a 64-bit integer
INF = math.inf
PAGE = "page"  # the reasons and units here are keys of range.why and range.unit in words.toml
RANGES: dict[str, Range] = {  # a lever's change has the range its kind declares (kinds.base.Lever)
    "change": Range(-INF, INF, ""),
    "change_lo": Range(-INF, 0, "", PAGE),
    "change_hi": Range(0, INF, "", PAGE),
    "change_step": Range(0, INF, "", low_open=True),
    "seed": Range(0, MAX_SEED, "", "seed", whole=True),
    "trajectories": Range(1, 10**9, "trajectories", "trajectories", True),
    "forecast_trajectories": Range(1, 10**6, "trajectories", "backtest", whole=True),
    "chunk_size": Range(1, 10**9, "per_part", whole=True),
    "threads": Range(1, _numba_threads, "threads", "threads", whole=True),
    "response_sd": Range(0, 50, "pp"),
    "response_cv": Range(0, 5, "", "response_cv"),
    "min_months": Range(2, 1200, "months", "min_months", whole=True),
    "local_workers": Range(1, 256, "workers", whole=True),
}
OPTION_RANGES: dict[str, str] = {  # the documented range of each numeric option (docs/refusals.md lists them)
    "whatif --lo, --hi; plot --current (then the lever's own range)": "change",
    "page --lo (then the lever's own range)": "change_lo",
    "page --hi (then the lever's own range)": "change_hi",
    "whatif --step; page --step": "change_step",
    "sweep --seed; backtest --seed; history --seed": "seed",
    "sweep --n": "trajectories",
    "backtest --n": "forecast_trajectories",
    "sweep --chunk-size": "chunk_size",
    "sweep --threads": "threads",
    "fit --response-sd; backtest --response-sd; history --response-sd": "response_sd",
    "fit --response-cv; backtest --response-cv": "response_cv",
    "fit --min-months; backtest --min-months": "min_months",
    "sweep --scheduler local:N": "local_workers",
}

_NUMBER = re.compile(r"[+-]?(\d+(?:[.,]\d*)?|[.,]\d+)(?:e[+-]?\d+)?")
_SPACES = re.compile(r"(?<=\d)[\s\u00a0\u202f_'](?=\d{3}\b)")  # thousands separators: 1 000 000, 1_000_000


def _plain_number(value: object, option: str, wanted: str) -> float:
    """A number as people write it (see the module docstring), or an :class:`OptionError` saying how to write it
    (``wanted``: what the option takes)."""
    if isinstance(value, bool):
        raise OptionError(option, value, say("refuse.not_a_truth", wanted=wanted))
    if isinstance(value, (int, float)):
        return float(value)
    text = _SPACES.sub("", str(value).strip().replace("−", "-").replace("–", "-")).lower()
    if "," in text and "." in text:
        raise OptionError(option, value, say("refuse.two_decimal_signs", wanted=wanted))
    if not _NUMBER.fullmatch(text):
        raise OptionError(option, value, say("refuse.not_a_number", wanted=wanted))
    return float(text.replace(",", "."))


def give(allowed: Range) -> str:
    """``give a number from 0 to 50 percentage points``: what to do about a value outside ``allowed``."""
    return say("refuse.give", wanted=allowed.describe())


def number(value: object, option: str, allowed: str | Range) -> float:
    """``value`` as a finite number within ``allowed`` (a :data:`RANGES` key or a :class:`Range`)."""
    allowed = RANGES[allowed] if isinstance(allowed, str) else allowed
    x = _plain_number(value, option, allowed.describe())
    if not math.isfinite(x) or not allowed.holds(x):
        raise OptionError(option, value, give(allowed))
    return x


def whole(value: object, option: str, allowed: str | Range) -> int:
    """``value`` as a whole number within ``allowed`` (``2000``, ``2 000``, ``1e6``)."""
    allowed = RANGES[allowed] if isinstance(allowed, str) else allowed
    if isinstance(value, Integral) and not isinstance(value, bool):
        x = int(value)
    elif isinstance(value, float):  # from Python: a float is no count, even 1000.0
        raise OptionError(option, value, give(allowed))
    else:
        f = _plain_number(value, option, allowed.describe())
        if not math.isfinite(f) or not f.is_integer():
            raise OptionError(option, value, give(allowed))
        text = str(value).strip()
        x = int(text) if re.fullmatch(r"[+-]?\d+", text) else int(f)  # exact for long seeds
    if not allowed.holds(x):
        raise OptionError(option, value, give(allowed))
    return x


def number_list(value: object, option: str, allowed: str | Range = "change") -> list[float]:
    """``3``, ``0,1,2,3`` or ``0;1,5;3``: numbers (each within ``allowed``), each once. ``3,5`` alone is refused as
    ambiguous (3 and 5, or 3.5?): write ``3.5``, or ``3;5`` for two."""
    text = str(value).strip()
    if re.fullmatch(r"[+\-−]?\d+,\d+", text):
        a, b = text.split(",")
        raise OptionError(option, value, say("refuse.ambiguous_sizes", a=a, b=b))
    items = [item.strip() for item in re.split(";" if ";" in text else ",", text)]
    sizes: list[float] = []
    for item in items:
        x = number(item, option, allowed)
        if x in sizes:
            raise OptionError(option, value, say("refuse.size_twice", item=item))
        sizes.append(x)
    return sizes


# ----------------------------------------------------------------------------------------------- names


def fold(text: object) -> str:
    """Lower case, without diacritics or punctuation (as :func:`kommiljard.inputs.regions.fold`)."""
    from .regions import fold as fold_text

    return fold_text(str(text))


def nearest(value: object, choices: Iterable[str], spellings: Mapping[str, str] | None = None) -> str | None:
    """The choice a mistyped ``value`` most likely means: compared folded, also with other ``spellings``
    (spelling -> choice), or the one choice whose name it begins (``hip`` -> ``hip_prosthesis``); None if nothing is
    close."""
    keys = {fold(c): c for c in choices}
    keys.update({fold(s): c for s, c in (spellings or {}).items() if c in keys.values()})
    key = fold(value)
    if key in keys:
        return keys[key]
    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
    if close:
        return keys[close[0]]
    begun = {c for k, c in keys.items() if len(key) >= 3 and k.startswith(key)}
    return begun.pop() if len(begun) == 1 else None


def name(
    value: object,
    option: str,
    choices: Sequence[str],
    what: str = "name",
    spellings: Mapping[str, str] | None = None,
    *,
    shown: Mapping[str, str] | None = None,
) -> str:
    """One of ``choices`` (a group, a procedure, a kind): exactly, folded, or by another of its ``spellings``;
    else an :class:`OptionError` with the nearest choice. ``shown``: how a refusal in Swedish names each choice
    (its Swedish name, which is also one of its spellings); in English, and without it, a choice is shown as typed."""
    text = str(value).strip()
    if text in choices:
        return text
    folded = {fold(c): c for c in choices} | {fold(s): c for s, c in (spellings or {}).items() if c in choices}
    if fold(text) in folded:
        return folded[fold(text)]
    close = nearest(text, choices, spellings)
    names = shown if shown and spoken() != "en" else {}
    did = say("refuse.did_you_mean", close=repr(names.get(close, close))) if close else "."
    listed = typed(names.get(c, c) for c in choices)
    raise OptionError(option, value, say("refuse.not_a_name", what=_said("what", what), did=did, choices=listed))


GROUP_SPELLINGS = {
    "förstabesök": "first_visit",
    "första besök": "first_visit",
    "nybesök": "first_visit",
    "operation/åtgärd": "operation",
    "operationer": "operation",
    "åtgärd": "operation",
    "behandling": "operation",
}


def group(
    value: object,
    option: str = "--group",
    choices: Sequence[str] = ("first_visit", "operation"),
    *,
    spellings: Mapping[str, str] | None = None,
    shown: Mapping[str, str] | None = None,
) -> str:
    """A group of patients: ``first_visit``, ``operation`` or a Swedish or English name of one; a rule set's own
    groups (a requirement, a procedure) by the ``spellings`` and ``shown`` names its kind gives them
    (:func:`kommiljard.kinds.naming.read_group`)."""
    known = GROUP_SPELLINGS | dict(spellings or {})
    return name(value, option, list(choices), "group", known, shown=shown)


def region(value: object, option: str = "--region") -> str:
    """A region's county code from a code or any common name; an unknown name gets the nearest region (by name,
    or by a place in it)."""
    from .regions import normalise_code, region_codes, suggest_region

    code = normalise_code(value)
    if code in region_codes():
        return code
    close = suggest_region(value)
    did = say("refuse.did_you_mean", close=close) if close else "."
    raise OptionError(option, value, say("refuse.not_a_region", did=did, codes=" ".join(region_codes())))


# ----------------------------------------------------------------------------------------------- months


def _month_words() -> dict[str, int]:
    from .panel import MONTH_WORDS

    return {word: m for m, words in MONTH_WORDS.items() for word in words}


def month_syntax(value: object, option: str = "--month") -> tuple[int | None, int]:
    """(year or None, month) of a month as people write it (see the module docstring)."""
    from .panel import normalise_month

    full = normalise_month(value) if not isinstance(value, str) or value.strip() else None
    if full is not None:
        return int(full[:4]), int(full[5:])
    text = str(value).strip().lower()
    numeric = re.fullmatch(r"(\d{4})[-/. ](\d{1,2})|(\d{1,2})[-/. ](\d{4})", text)
    if numeric:
        year, month = (numeric[1], numeric[2]) if numeric[1] else (numeric[4], numeric[3])
        if 1 <= int(month) <= 12:
            return int(year), int(month)
        raise OptionError(option, value, say("refuse.no_such_month", month=month))
    words = _month_words()
    parts = re.findall(r"[^\W\d_]+|\d+", text)
    letters = [p for p in parts if not p.isdigit()]
    years = [p for p in parts if p.isdigit()]
    if len(letters) == 1 and len(years) <= 1 and (not years or len(years[0]) == 4):
        if letters[0] in words:
            return (int(years[0]) if years else None), words[letters[0]]
        close = difflib.get_close_matches(letters[0], list(words), n=1, cutoff=0.6)
        if close:
            hint = f"{close[0]} {years[0]}" if years else close[0]
            raise OptionError(option, value, say("refuse.not_a_month_did", hint=repr(hint)))
    raise OptionError(option, value, say("refuse.not_a_month"))


def month(value: object, option: str = "--month", choices: Sequence[str] | None = None, among: str = "") -> str:
    """A month as ``YYYY-MM``. With ``choices`` (``YYYY-MM``; ``among`` says what they are) it must be one of them,
    and a month without a year (``okt``) is the one of that name among them; without, the year is needed."""
    year, mon = month_syntax(value, option)
    valid = list(choices) if choices is not None else None
    among = among or say("refuse.months_allowed")
    if year is None:
        if valid is None:
            raise OptionError(option, value, say("refuse.give_the_year_too", value=value, mon=f"{mon:02d}"))
        named = [m for m in valid if int(m[5:7]) == mon]
        if len(named) == 1:
            return named[0]
        if not named:
            raise OptionError(option, value, say("refuse.no_month_named", among=among, months=listed_months(valid)))
        raise OptionError(option, value, say("refuse.give_the_year", months=say("or").join(named)))
    text = f"{year:04d}-{mon:02d}"
    if valid is None or text in valid:
        return text
    # the same month of another year first (okt 2018 -> 2019-10), else the nearest in time
    close = min(valid, key=lambda m: (m[5:] != text[5:], abs(_index(m) - _index(text)), m)) if valid else None
    did = say("refuse.did_you_mean", close=close) if close else "."
    raise OptionError(option, value, say("refuse.not_among", among=among, did=did, months=listed_months(valid)))


def _index(month_text: str) -> int:
    return int(month_text[:4]) * 12 + int(month_text[5:7]) - 1


def listed_months(months: Sequence[str]) -> str:
    """The months, or their first and last if there are many."""
    ordered = sorted(months)
    return ", ".join(ordered) if len(ordered) <= 8 else say("first_to_last", first=ordered[0], last=ordered[-1])


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (``YYYY-MM``), in order."""
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(_index(first), _index(last) + 1)]


__all__ = [
    "OPTION_RANGES",
    "RANGES",
    "OptionError",
    "Range",
    "group",
    "month",
    "month_syntax",
    "months_between",
    "name",
    "nearest",
    "number",
    "number_list",
    "region",
    "give",
    "whole",
]
