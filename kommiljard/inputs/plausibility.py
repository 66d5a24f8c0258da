"""Whether a panel's numbers are plausibly what their columns say: shares in percent, not fractions.

A share written as a fraction (0.753 for 75.3 %) passes every range check (it lies within 0-100),
and the payout that follows is wrong without a sign: every region seems to have collapsed, and a
whole block lapses. No real panel has every share of every region and month at most 1.5 %, so a
panel whose shares all lie at or below ``FRACTION_LIMIT`` (and not all at 0) is refused with the
hint to write them in percent. The importer applies the same rule to every export it reads.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

FRACTION_LIMIT = 1.5  # percent: every share at or below it means fractions, not percentages


def fractions_problem(frame: pd.DataFrame, columns: Iterable[str]) -> str | None:
    """Why the shares of ``columns`` in ``frame`` look like fractions, or None if they do not."""
    columns = [c for c in columns if c in frame.columns]
    if not columns:
        return None
    values = np.concatenate([pd.to_numeric(frame[c], errors="coerce").to_numpy(np.float64) for c in columns])
    return fractions_in(values[np.isfinite(values)], ", ".join(columns))


def fractions_in(values, what: str) -> str | None:
    """Why these shares (percent) of ``what`` look like fractions, or None if they do not."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0 or values.max() > FRACTION_LIMIT or values.max() <= 0:
        return None
    from ..language import speaker, spoken

    largest, limit = f"{values.max():g}", f"{FRACTION_LIMIT:g}"
    if spoken() == "sv":
        largest, limit = largest.replace(".", ","), limit.replace(".", ",")
    return speaker(__package__)("problem.fractions", what=what, limit=limit, largest=largest)
