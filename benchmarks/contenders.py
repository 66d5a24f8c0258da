"""What the benchmarks compare: the numba sweep path, numpy, pandas and a plain read of the inputs.

Every contender computes each trajectory's payout per region under block 1 of the bundled
2019 rules, summed over its months and groups, from the same synthetic input
(:func:`synthetic_tenths`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommiljard.allocate.batch import LANES, Totals, staircase_totals
from kommiljard.kinds.staircase.kernel import StaircaseParams
from kommiljard.inputs.population import read_population
from kommiljard.rules import ImprovementStaircase, load_rules


@dataclass(frozen=True)
class Setup:
    """Block 1 of the 2019 rules with the bundled population."""

    block: ImprovementStaircase
    params: StaircaseParams
    weights: np.ndarray  # (R,) float64
    pots: np.ndarray  # (C,) float64
    regions: tuple[str, ...]


def setup() -> Setup:
    block = load_rules().ruleset.block(1)
    population = read_population()
    regions = tuple(population.counts.index)
    pots = np.array([block.pot_sek(g) for _ in block.months for g in block.group_names])
    return Setup(block, StaircaseParams.from_block(block), population.of(regions).astype(np.float64), pots, regions)


def synthetic_tenths(n_blocks: int, n_cells: int, n_regions: int, seed, lanes: int = LANES) -> tuple[np.ndarray, ...]:
    """Shares as int16 tenths, (K, C, R, L): last year 55-95 %, a change of -4 to +6 pp,
    share_60 5-16 pp below share_90. Every tier, the 71 % target and the cascade occur."""
    rng = np.random.default_rng(seed)
    shape = (n_blocks, n_cells, n_regions, lanes)
    previous = rng.integers(550, 951, size=shape, dtype=np.int16)
    current = previous + rng.integers(-40, 61, size=shape, dtype=np.int16)
    np.clip(current, 0, 1000, out=current)
    level = current - rng.integers(50, 161, size=shape, dtype=np.int16)
    np.clip(level, 0, 1000, out=level)
    return current, previous, level


def by_trajectory(tenths: np.ndarray) -> np.ndarray:
    """(K, C, R, L) int16 tenths -> (K * L, C, R) float64 shares in percent, as analysts hold them."""
    return np.ascontiguousarray(np.moveaxis(tenths, 3, 1).reshape(-1, *tenths.shape[1:3]) / 10.0)


def kernel_totals(s: Setup, current, previous, level, out: Totals | None = None) -> np.ndarray:
    """The project's sweep path: (T, R) payouts (into ``out``'s buffers, as a sweep reuses them)."""
    return staircase_totals(s.params, current, previous, level, s.weights, s.pots, out=out).amount.T


def numpy_totals(s: Setup, current, previous, level) -> np.ndarray:
    """A careful vectorised numpy version of the rules on (T, C, R) float64 shares: (T, R)."""
    p = s.params
    units = np.rint((current - previous) * p.scale)
    reached = np.where(p.bar_inclusive, units[..., None] >= p.bar_bound, units[..., None] > p.bar_bound)
    tier = reached.sum(axis=-1)
    if p.target_bar >= 0:
        level_units = np.rint(level * p.scale)
        at_target = level_units >= p.target_bound if p.target_inclusive else level_units > p.target_bound
        tier = np.where((tier == 0) & at_target, p.target_bar + 1, tier)
    bars = np.arange(len(p.bar_share)) + 1
    member = tier[..., None] >= bars if p.cumulative else tier[..., None] == bars  # (T, C, R, K)
    weight = np.swapaxes(member, 2, 3).astype(np.float64) @ s.weights  # (T, C, K)
    count = member.sum(axis=2)
    bar_pot = np.zeros_like(weight)
    carry = np.zeros(weight.shape[:2])
    for k in range(len(p.bar_share) - 1, -1, -1):
        available = s.pots * p.bar_share[k] + carry
        has = count[..., k] > 0
        bar_pot[..., k] = np.where(has, available, 0.0)
        carry = np.where(~has & p.cascade_down & (k > 0), available, 0.0)
    rate = np.divide(bar_pot, weight, out=np.zeros_like(weight), where=weight > 0)
    amount = (member * rate[:, :, None, :]).sum(axis=-1) * s.weights  # (T, C, R)
    return amount.sum(axis=1)


def long_table(s: Setup, current, previous, level) -> pd.DataFrame:
    """(T, C, R) float64 shares as one row per trajectory, cell and region."""
    n_traj, n_cells, n_regions = current.shape
    index = pd.MultiIndex.from_product([range(n_traj), range(n_cells), s.regions], names=["trajectory", "cell", "region"])
    return pd.DataFrame(
        {
            "share_90": current.ravel(),
            "share_90_last_year": previous.ravel(),
            "share_60": level.ravel(),
            "population": np.tile(s.weights, n_traj * n_cells),
            "pot": np.repeat(np.tile(s.pots, n_traj), n_regions),
        },
        index=index,
    ).reset_index()


def pandas_totals(s: Setup, table: pd.DataFrame) -> np.ndarray:
    """What most analysts write: groupby(trajectory, cell).apply over the long table: (T, R)."""
    p = s.params

    def allocate(g: pd.DataFrame) -> pd.Series:
        units = ((g["share_90"] - g["share_90_last_year"]) * p.scale).round()
        tier = sum((units >= b) if inc else (units > b) for b, inc in zip(p.bar_bound, p.bar_inclusive))
        if p.target_bar >= 0:
            level = (g["share_60"] * p.scale).round()
            at_target = level >= p.target_bound if p.target_inclusive else level > p.target_bound
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
                carry = available if p.cascade_down and k > 0 else 0.0
        return amount

    paid = table.groupby(["trajectory", "cell"], group_keys=False).apply(allocate, include_groups=False)
    totals = table.assign(amount=paid).groupby(["trajectory", "region"], sort=False)["amount"].sum()
    return totals.to_numpy().reshape(-1, len(s.regions))


def read_floor(current, previous, level) -> int:
    """One plain numpy pass that only reads the kernel's inputs: the max of each (SIMD, at
    memory speed; ``sum`` widens int16 to int64 and is about 4x slower, see run.py)."""
    return int(current.max()) + int(previous.max()) + int(level.max())


def read_sum(current, previous, level) -> int:
    """The same read pass with ``sum`` instead of ``max``."""
    return int(current.sum()) + int(previous.sum()) + int(level.sum())
