"""Money invariants, rounding to whole kronor, and the one way numbers are written for people."""

from __future__ import annotations

import numpy as np

from .errors import KommiljardError
from .language import LOCALES, speaker, spoken

say = speaker(__package__)

TOLERANCE_SEK = 0.01


def check_conserved(pot: float, paid: float, lapsed: float, where: str) -> None:
    """Paid plus lapsed must equal the pot to within 0.01 kr; anything else is a bug."""
    if abs(paid + lapsed - pot) > TOLERANCE_SEK:
        lang = spoken()
        sums = {k: format_kronor(v, 2, lang=lang) for k, v in (("paid", paid), ("lapsed", lapsed), ("pot", pot))}
        raise KommiljardError(say("refuse.not_conserved", where=where, **sums))


def largest_remainder(amounts, total: float | None = None) -> np.ndarray:
    """Round amounts to whole kronor so that they still add up to the rounded total.

    Each amount is floored; the kronor left over go one each to the largest remainders
    (ties to the earlier position).
    """
    values = np.asarray(amounts, dtype=np.float64)
    target = int(round(values.sum() if total is None else total))
    floors = np.floor(values)
    short = target - int(floors.sum())
    order = np.argsort(-(values - floors), kind="stable")
    out = floors.copy()
    if short > 0:
        out[order[:short]] += 1
    elif short < 0:
        out[order[::-1][:-short]] -= 1
    return out.astype(np.int64)


def whole_kronor(amounts, total: float | None = None) -> np.ndarray:
    """:func:`largest_remainder` over the finite amounts; NaN (no data) stays NaN (float64)."""
    values = np.asarray(amounts, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    if finite.any():
        out[finite] = largest_remainder(values[finite], total)
    return out


# One way of writing numbers for people, in every command, the report, the spreadsheets' text and the
# pictures: thousands separated by a space, a decimal point (in Swedish a decimal comma and a no-break space
# between thousands, written by babel for the sv_SE locale), a sign only where a difference is meant. A missing
# amount (no data) is written as words, never as 0.
NO_DATA = {"en": "no data", "sv": "uppgift saknas"}
MINUS = "-"
PP_UNIT = {"en": "pp", "sv": "procentenheter"}
SWEDISH = LOCALES["sv"]


def _missing(value) -> bool:
    try:
        return value is None or not np.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def format_number(value: float, decimals: int | None = 0, signed: bool = False, lang: str = "en") -> str:
    """``1 280 000 000``, ``1 280.5`` (``1 280,5`` in Swedish); with ``signed`` a ``+`` before a positive
    value; ``decimals=None``: as many as the value needs, up to 6. NaN and None are written as "no data"."""
    if _missing(value):
        return NO_DATA[lang]
    value = float(value)
    if decimals is None:
        decimals = next((d for d in range(7) if round(value, d) == round(value, 6)), 6)
    if round(value, decimals) == 0:
        value = 0.0  # no "-0"
    if lang == "sv":
        from babel.numbers import format_decimal

        pattern = ("+#,##0" if signed else "#,##0") + ("." + "0" * decimals if decimals else "")
        if signed:
            pattern += ";-#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(round(value, decimals), format=pattern, locale=SWEDISH, decimal_quantization=True)
    return f"{value:{'+' if signed else ''},.{decimals}f}".replace(",", " ")


def format_kronor(amount: float, decimals: int = 0, signed: bool = False, lang: str = "en") -> str:
    """Kronor: ``1 280 000 000`` (whole kronor unless ``decimals``; "no data" for NaN)."""
    return format_number(amount, decimals, signed, lang)


def kronor(amount: float, decimals: int = 0, signed: bool = False, lang: str = "en") -> str:
    """Kronor with the unit, for text: ``1 280 000 000 kr`` (in Swedish by babel's ``format_currency``)."""
    if _missing(amount):
        return NO_DATA[lang]
    if lang == "sv" and not signed:
        from babel.numbers import format_currency

        pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0¤"
        amount = 0.0 if round(float(amount), decimals) == 0 else float(amount)
        return format_currency(amount, "SEK", format=pattern, locale=SWEDISH, currency_digits=False)
    return f"{format_kronor(amount, decimals, signed, lang)}{_unit_space(lang)}kr"


def format_mnkr(amount_sek: float, signed: bool = False, lang: str = "en") -> str:
    """Millions of kronor with one decimal: ``1 280.0`` (from kronor)."""
    return format_number(amount_sek / 1e6 if not _missing(amount_sek) else amount_sek, 1, signed, lang)


def mnkr(amount_sek: float, signed: bool = False, lang: str = "en") -> str:
    """Millions of kronor with the unit, for text: ``1 280.0 mnkr``."""
    text = format_mnkr(amount_sek, signed, lang)
    return text if _missing(amount_sek) else f"{text}{_unit_space(lang)}mnkr"


def decimals_of(value: float, least: int = 1) -> int:
    """The decimals a share or a percentage point is written with, the same in every output: at least ``least``,
    more when the figure has more (up to 6): ``71.0``, ``70.96``, ``1.100001``."""
    if _missing(value):
        return least
    value = float(value)
    return max(least, next((d for d in range(7) if round(value, d) == round(value, 6)), 6))


def format_share(value: float, lang: str = "en") -> str:
    """A share in percent as written everywhere: ``71.0``, ``70.96`` (:func:`decimals_of`); the unit is the caller's."""
    return format_number(value, decimals_of(value), False, lang)


def format_pp(value: float, decimals: int | None = None, signed: bool = True, lang: str = "en") -> str:
    """Percentage points, signed: ``+3.0``, ``+2.95`` (a change; ``decimals`` None: :func:`decimals_of`); the unit
    is for the caller's header or text."""
    return format_number(value, decimals_of(value) if decimals is None else decimals, signed, lang)


def pp(value: float, decimals: int | None = None, signed: bool = True, lang: str = "en") -> str:
    """Percentage points with the unit: ``+3.0 pp`` (``+3,0 procentenheter`` in Swedish)."""
    text = format_pp(value, decimals, signed, lang)
    return text if _missing(value) else f"{text}{_unit_space(lang)}{PP_UNIT[lang]}"


def format_percent(value: float, decimals: int = 1, lang: str = "en") -> str:
    """A share in percent (0-100): ``71.0 %`` (``71,0 %`` in Swedish)."""
    return format_number(value, decimals, False, lang) + ("" if _missing(value) else f"{_unit_space(lang)}%")


def _unit_space(lang: str) -> str:
    """The space between a number and its unit: a no-break space in Swedish (as babel writes ``kr``)."""
    return "\u00a0" if lang == "sv" else " "
