"""Competing implementations of what the sweep kernel computes, for the benchmarks.

Each takes a case of ``tests/comparisons.py`` (the 2019 staircase's cells, (T, C, R) float64
shares) and returns per trajectory, group and region the amount summed over the months and
the highest tier, as ``staircase_outcomes`` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kommiljard.kinds.staircase.kernel import StaircaseParams
from kommiljard.kinds.steps import DOWN, in_units

from comparisons import REGIONS, StaircaseCase, by_group


def numpy_outcomes(case: StaircaseCase) -> dict[str, np.ndarray]:
    """A vectorised numpy version of the rules on (T, C, R) float64 shares."""
    p = StaircaseParams.from_block(case.block)
    units = in_units(case.current, p.scale) - in_units(case.previous, p.scale)  # shares rounded as published
    reached = np.where(p.bar_inclusive, units[..., None] >= p.bar_bound, units[..., None] > p.bar_bound)
    tier = reached.sum(axis=-1)
    if p.target_bar >= 0:
        at_target = case.target >= p.target_bound if p.target_inclusive else case.target > p.target_bound
        tier = np.where((tier == 0) & at_target, p.target_bar + 1, tier)
    bars = np.arange(len(p.bar_share)) + 1
    member = tier[..., None] >= bars if p.cumulative else tier[..., None] == bars  # (T, C, R, K)
    weight = np.swapaxes(member, 2, 3).astype(np.float64) @ case.weights  # (T, C, K)
    count = member.sum(axis=2)
    bar_pot = np.zeros_like(weight)
    carry = np.zeros(weight.shape[:2])
    for k in range(len(p.bar_share) - 1, -1, -1):
        available = case.pots * p.bar_share[k] + carry
        has = count[..., k] > 0
        bar_pot[..., k] = np.where(has, available, 0.0)
        carry = np.where(~has & (p.cascade_mode >= DOWN) & (k > 0), available, 0.0)
    rate = np.divide(bar_pot, weight, out=np.zeros_like(weight), where=weight > 0)
    amount = (member * rate[:, :, None, :]).sum(axis=-1) * case.weights  # (T, C, R)
    return by_group({"amount": amount, "tier": tier}, len(case.block.group_names))


def pandas_outcomes(case: StaircaseCase) -> dict[str, np.ndarray]:
    """What most analysts write: groupby(trajectory, cell).apply over a long table."""
    p = StaircaseParams.from_block(case.block)
    n_traj, n_cells, n_regions = case.current.shape
    index = pd.MultiIndex.from_product([range(n_traj), range(n_cells), REGIONS], names=["trajectory", "cell", "region"])
    table = pd.DataFrame(
        {
            "share_90": case.current.ravel(),
            "share_90_last_year": case.previous.ravel(),
            "share_60": case.target.ravel(),
            "population": np.tile(case.weights, n_traj * n_cells),
            "pot": np.repeat(np.tile(case.pots, n_traj), n_regions),
        },
        index=index,
    ).reset_index()

    def allocate(g: pd.DataFrame) -> pd.DataFrame:
        units = in_units(g["share_90"], p.scale) - in_units(g["share_90_last_year"], p.scale)
        tier = sum((units >= b) if inc else (units > b) for b, inc in zip(p.bar_bound, p.bar_inclusive))
        if p.target_bar >= 0:
            at_target = g["share_60"] >= p.target_bound if p.target_inclusive else g["share_60"] > p.target_bound
            tier = tier.where(~((tier == 0) & at_target), p.target_bar + 1)
        amount = pd.Series(0.0, index=g.index)
        carry = 0.0
        for k in range(len(p.bar_share) - 1, -1, -1):
            available = g["pot"].iloc[0] * p.bar_share[k] + carry
            member = tier >= k + 1 if p.cumulative else tier == k + 1
            if member.any():
                amount += available * g["population"].where(member, 0.0) / g.loc[member, "population"].sum()
                carry = 0.0
            else:
                carry = available if p.cascade_mode >= DOWN and k > 0 else 0.0
        return pd.DataFrame({"amount": amount, "tier": tier})

    out = table.groupby(["trajectory", "cell"], group_keys=False).apply(allocate, include_groups=False)
    shape = (n_traj, n_cells, n_regions)
    return by_group(
        {"amount": out["amount"].to_numpy().reshape(shape), "tier": out["tier"].to_numpy().reshape(shape)},
        len(case.block.group_names),
    )
