"""What a block of requirements declares besides its model, measures and words: the columns its rows add to the
payout table, and its lever (points of a requirement's measure in the better direction)."""

from __future__ import annotations

from ..base import Column, Lever
from ..columns import IMPROVEMENT_PP, SHARE_CURRENT, SHARE_PREVIOUS
from .words import LEVER_WORDS

MAX_CHANGE_PP = 100.0  # shares are 0-100 %: no change of one is larger
LEVER = Lever(
    option="improve",
    unit="pp",
    lo=-MAX_CHANGE_PP,
    hi=MAX_CHANGE_PP,
    step=0.1,
    curve=(-5.0, 10.0),
    grid=(-10.0, 10.0),
    axis="improvement_pp",
    words=LEVER_WORDS,
)


def _column(name: str, en: str, sv: str, unit: str = "", after_money: bool = False, optional: bool = False) -> Column:
    return Column(name, (en, sv), unit, after_money=after_money, optional=optional, header=HEADERS.get(name, ("", "")))


HEADERS = {  # the columns' short names in tables people read (English, Swedish)
    "level": ("level figure", "nivåvärde"),
    "fraction": ("part earned", "intjänad del"),
    "part_sek": ("part", "del"),
    "earned_sek": ("earned", "intjänat"),
    "bonus_sek": ("bonus", "bonus"),
    "paid_in": ("paid in", "utbetalas i"),
}


COLUMNS = (
    IMPROVEMENT_PP,
    _column(
        "improvement_pct",
        "the relative improvement in percent of last year's figure, as a relative requirement compares it",
        "den relativa förbättringen i procent av förra årets värde, som ett relativt krav jämför den",
        "percent",
        optional=True,
    ),
    SHARE_CURRENT,
    SHARE_PREVIOUS,
    _column("level", "the figure a high level is judged on", "värdet som en hög nivå bedöms på", "percent"),
    _column("fraction", "the fraction of its part the region earned", "den del av sin andel regionen tjänade in"),
    _column("part_sek", "the region's part of the cell's money", "regionens andel av cellens pengar", "kr", True),
    _column("earned_sek", "what the region earned in the cell", "vad regionen tjänade in i cellen", "kr", True),
    _column(
        "bonus_sek",
        "the region's share of the cell's unearned money (the bonus pot)",
        "regionens del av cellens ej intjänade pengar (bonuspotten)",
        "kr",
        True,
    ),
    _column("paid_in", "the month the earned money is paid", "månaden då de intjänade pengarna betalas", "", True),
)
