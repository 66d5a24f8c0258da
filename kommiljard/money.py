"""Money invariants and rounding for reports."""

from __future__ import annotations

import numpy as np

from .errors import KommiljardError

TOLERANCE_SEK = 0.01


def check_conserved(pot: float, paid: float, lapsed: float, where: str) -> None:
    """Paid plus lapsed must equal the pot to within 0.01 kr; anything else is a bug."""
    if abs(paid + lapsed - pot) > TOLERANCE_SEK:
        raise KommiljardError(
            f"internal error: {where}: paid {paid:,.2f} + lapsed {lapsed:,.2f} != pot {pot:,.2f}. Please report this."
        )


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


def format_kronor(amount: float) -> str:
    """Whole kronor with spaces between thousands: ``1 234 567``."""
    return f"{amount:,.0f}".replace(",", " ")
