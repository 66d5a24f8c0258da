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


def round_table(amounts) -> np.ndarray:
    """Round a table of amounts (rows by parts) to whole kronor so that it still adds up both ways.

    Largest-remainder rounding in two directions (controlled rounding): every amount goes to the
    krona below or above it, every row's rounded parts add up to its total rounded to a krona
    below or above, every column's to its total likewise, and the grand total to the nearest
    krona. Among the roundings that do, the one that moves the amounts and the totals least in all
    is taken (a small integer programme; its constraint matrix is a network matrix, so such a
    rounding always exists). A single column is largest-remainder rounding: the largest
    remainders go up.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    values = np.asarray(amounts, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    n_rows, n_cols = values.shape
    floors = np.floor(values)
    frac = (values - floors).ravel()
    grand = int(np.floor(values.sum() + 0.5)) - int(floors.sum())
    if values.size == 0:
        return floors.astype(np.int64)
    rows_sum, cols_sum = values.sum(axis=1), values.sum(axis=0)
    by_row = np.kron(np.eye(n_rows), np.ones(n_cols))  # (R, R*C): the parts of each row
    by_col = np.kron(np.ones(n_rows), np.eye(n_cols))  # (C, R*C): the parts of each column
    constraints = [
        LinearConstraint(by_row, np.floor(rows_sum) - floors.sum(axis=1), np.ceil(rows_sum) - floors.sum(axis=1)),
        LinearConstraint(by_col, np.floor(cols_sum) - floors.sum(axis=0), np.ceil(cols_sum) - floors.sum(axis=0)),
        LinearConstraint(np.ones((1, values.size)), grand, grand),
    ]
    # Moving an amount up costs 1 - frac, leaving it down costs frac; likewise for the row and column
    # totals it belongs to, whose rounding rises by one with each part moved up.
    row_frac, col_frac = rows_sum - np.floor(rows_sum), cols_sum - np.floor(cols_sum)
    cost = (1.0 - 2.0 * frac) + np.repeat(1.0 - 2.0 * row_frac, n_cols) + np.tile(1.0 - 2.0 * col_frac, n_rows)
    res = milp(
        cost,
        constraints=constraints,
        integrality=np.ones(values.size),
        bounds=Bounds(0.0, (frac > 0).astype(np.float64)),  # a whole amount stays as it is
    )
    if not res.success:
        raise KommiljardError(
            f"internal error: no rounding of the table to whole kronor ({res.message}). Please report this."
        )
    return (floors + np.rint(res.x).reshape(n_rows, n_cols)).astype(np.int64)


def format_kronor(amount: float) -> str:
    """Whole kronor with spaces between thousands: ``1 234 567``."""
    return f"{amount:,.0f}".replace(",", " ")
