"""Shares on a 0.1 grid as int16 tenths of a percent, and the staircase's bounds in tenths.

Published shares carry one decimal, so a share ``s`` is stored exactly as the integer
``a = 10 s`` (0 to 1000). For such shares the reference's improvement in units of
``10 ** -D`` (``D = improvement_decimals >= 1``) is exactly ``(a - b) * 10 ** (D - 1)``: the
float error of ``a/10 - b/10`` is below 1e-13 pp, far from the 0.5-unit rounding edge
(``tests/test_kernel_fast.py`` checks every pair of shares for D = 1 to 9). A bound of ``u``
units is therefore passed exactly when ``a - b >= ceil(u / 10 ** (D - 1))`` (inclusive) or
``a - b >= floor(u / 10 ** (D - 1)) + 1`` (exclusive): integer comparisons, no rounding.

With D = 0 the reference rounds the float difference half to even, and that float is not
exactly on the half for 9 354 of the 1 002 001 pairs; the tenths path is not used then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_TENTHS = 1000  # 100.0 %
NEVER = 2 * MAX_TENTHS + 1  # a bound no difference of two shares reaches
MAX_BARS = 3  # the sweep kernel unrolls this many bars


def shares_to_tenths(values) -> np.ndarray | None:
    """``values`` (percent) as int16 tenths, or None unless every one is exactly on the 0.1 grid.

    Exactly means ``tenths / 10 == value`` in float64 (the value is the double nearest to
    a one-decimal number) and ``0 <= value <= 100``; NaN and anything else refuse.
    """
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        t = np.rint(v * 10.0)
        ok = (t >= 0) & (t <= MAX_TENTHS) & (t / 10.0 == v)
    if not ok.all():
        return None
    return t.astype(np.int16)


def tenths_bound(units: float, decimals: int, inclusive: bool) -> int:
    """The least difference in tenths that passes a bound of ``units`` (units of 10**-decimals)."""
    if not math.isfinite(units):
        return NEVER if units > 0 else -NEVER
    factor = 10 ** (decimals - 1)
    u = int(units)  # bounds are whole units (rint of a rule-file number)
    least = -(-u // factor) if inclusive else u // factor + 1
    return max(-NEVER, min(NEVER, least))


@dataclass(frozen=True)
class TenthsRules:
    """A staircase's rules for int16 tenths: integer bounds, padded to ``MAX_BARS`` bars."""

    bounds: np.ndarray  # (MAX_BARS,) int16, least difference reaching each bar (NEVER if padding)
    target_bound: int  # least share_60 in tenths that opens the target's bar
    target_tier: int  # tier the target gives (0: no target)
    shares: np.ndarray  # (MAX_BARS,) float64, 0 for padding
    members: np.ndarray  # (MAX_BARS + 1, MAX_BARS) float64: 1 where tier n shares bar k
    cascade_down: bool
    decimals: int

    @classmethod
    def from_params(cls, params) -> TenthsRules | None:
        """The tenths form of a :class:`StaircaseParams`, or None if it has none.

        None when the improvement is relative, ``improvement_decimals`` is 0 or above 9, or
        there are more than ``MAX_BARS`` bars.
        """
        decimals = round(math.log10(params.scale))
        n_bars = len(params.bar_share)
        if params.relative or not 1 <= decimals <= 9 or n_bars > MAX_BARS:
            return None
        bounds = np.full(MAX_BARS, NEVER, dtype=np.int16)
        for k in range(n_bars):
            bounds[k] = tenths_bound(params.bar_bound[k], decimals, bool(params.bar_inclusive[k]))
        has_target = params.target_bar >= 0
        shares = np.zeros(MAX_BARS)
        shares[:n_bars] = params.bar_share
        tiers = np.arange(MAX_BARS + 1)[:, None]
        bars = np.arange(MAX_BARS)[None, :]
        members = (tiers >= bars + 1) if params.cumulative else (tiers == bars + 1)
        return cls(
            bounds=bounds,
            target_bound=tenths_bound(params.target_bound, decimals, params.target_inclusive) if has_target else NEVER,
            target_tier=params.target_bar + 1 if has_target else 0,
            shares=shares,
            members=members.astype(np.float64),
            cascade_down=params.cascade_down,
            decimals=decimals,
        )
