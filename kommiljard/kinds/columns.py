"""Column declarations shared by the kinds that measure shares (a kind lists the ones its rows fill).

The payout table's contract names ``improvement_pp``; the staircase, the thresholds and the
population share have always written these columns (NaN where a kind has no such value), so
each of them declares them, and a rule set of any of them keeps its table's columns.
"""

from __future__ import annotations

from .base import Column

IMPROVEMENT_PP = Column(
    "improvement_pp",
    (
        "the improvement in percentage points: this year's share minus last year's, as the block rounds them",
        "förbättringen i procentenheter: årets andel minus förra årets, avrundade som blocket avrundar",
    ),
    "pp",
)
SHARE_CURRENT = Column(
    "share_current",
    ("the measure in the measurement month (or the period's figure)", "måttet i mätmånaden (eller periodens värde)"),
    "percent",
)
SHARE_PREVIOUS = Column(
    "share_previous",
    ("the measure in the month compared with", "måttet i den månad som jämförs"),
    "percent",
)
SHARE_60 = Column(
    "share_60",
    ("the target's measure in the measurement month", "målets mått i mätmånaden"),
    "percent",
)
CONDITIONS_MET = Column(
    "conditions_met",
    ("whether the region met the block's conditions", "om regionen uppfyllde blockets villkor"),
    empty=None,
    after_money=True,
)
SHARE_COLUMNS = (IMPROVEMENT_PP, SHARE_CURRENT, SHARE_PREVIOUS, SHARE_60)
