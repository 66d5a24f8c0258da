"""A sweep's summary: per region the payout's mean and exact percentiles, the chance of reaching each bar
(in each group over the measurement months, and in each month and group)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..inputs.regions import region_names
from ..rules import ImprovementStaircase

OUTCOMES = {
    "trajectory": "int64: trajectory number, 0 to n - 1",
    "region": "string (dictionary-encoded): SCB county code",
    "amount_sek": "float64: the region's amount from the staircase block in this trajectory, with the lever if any",
    "tier_<group>": "int8: the highest tier reached in that group over the measurement months (0: none)",
    "tier_<group>_<month>": "int8: the tier reached in that group in that measurement month (YYYY-MM)",
    "baseline_sek": "float64 (with a lever): the amount without the lever, same draws",
    "gain_sek": "float64 (with a lever): amount_sek - baseline_sek",
    "baseline_tier_<group>": "int8 (with a lever): tier_<group> without the lever",
    "baseline_tier_<group>_<month>": "int8 (with a lever): tier_<group>_<month> without the lever",
}
SUMMARY = {
    "mean_sek, p5_sek, p50_sek, p95_sek": "mean and exact percentiles (linear interpolation) of amount_sek",
    "p_<bar>_<group>": "share of trajectories in which the region reaches the bar (its tier includes it) "
    "in that group in at least one measurement month",
    "p_<bar>_<group>_<month>": "share of trajectories in which the region reaches the bar in that group in that "
    "measurement month (YYYY-MM)",
    "mean_gain_sek, p5_gain_sek, p50_gain_sek, p95_gain_sek": "(with a lever) the same for gain_sek",
    "mean_baseline_sek, p_<bar>_<group>_baseline, p_<bar>_<group>_<month>_baseline": "(with a lever) the same "
    "without the lever",
}


class Gathered:
    """Per-region totals of every trajectory (for exact percentiles) and bar counts."""

    def __init__(self, n: int, n_groups: int, n_regions: int, n_bars: int, lever: bool, n_months: int):
        self.amount = np.empty((n, n_regions))
        self.baseline = np.empty((n, n_regions)) if lever else None
        self.reached = np.zeros((n_bars, n_groups, n_regions), dtype=np.int64)
        self.reached_baseline = np.zeros_like(self.reached) if lever else None
        self.reached_month = np.zeros((n_bars, n_months, n_groups, n_regions), dtype=np.int64)
        self.reached_month_baseline = np.zeros_like(self.reached_month) if lever else None

    def add(
        self,
        start: int,
        amount: np.ndarray,
        tier: np.ndarray,
        month_tier: np.ndarray,
        baseline=None,
        baseline_tier=None,
        baseline_month_tier=None,
    ) -> None:
        self.amount[start : start + len(amount)] = amount
        for k in range(len(self.reached)):
            self.reached[k] += (tier >= k + 1).sum(axis=0)
            self.reached_month[k] += (month_tier >= k + 1).sum(axis=0)
            if baseline_tier is not None:
                self.reached_baseline[k] += (baseline_tier >= k + 1).sum(axis=0)
            if baseline_month_tier is not None:
                self.reached_month_baseline[k] += (baseline_month_tier >= k + 1).sum(axis=0)
        if baseline is not None:
            self.baseline[start : start + len(baseline)] = baseline

    def add_part(self, path: Path, start: int, groups: tuple[str, ...], n_regions: int, months: tuple[str, ...]):
        """Gather a part written earlier (a resumed sweep)."""
        table = pq.read_table(path)
        shape = (-1, n_regions)

        def tiers(prefix: str, month: str = "") -> np.ndarray:
            return np.stack([table[f"{prefix}_{g}{month}"].to_numpy().reshape(shape) for g in groups], axis=1)

        def by_month(prefix: str) -> np.ndarray:
            return np.stack([tiers(prefix, f"_{m}") for m in months], axis=1)

        if self.baseline is None:
            self.add(start, table["amount_sek"].to_numpy().reshape(shape), tiers("tier"), by_month("tier"))
            return
        self.add(
            start,
            table["amount_sek"].to_numpy().reshape(shape),
            tiers("tier"),
            by_month("tier"),
            table["baseline_sek"].to_numpy().reshape(shape),
            tiers("baseline_tier"),
            by_month("baseline_tier"),
        )


def summarise(gathered: Gathered, regions: tuple[str, ...], block: ImprovementStaircase) -> pd.DataFrame:
    n = len(gathered.amount)
    names = region_names()

    def stats(column: Callable[[int], np.ndarray], suffix: str) -> dict:
        """Mean and exact percentiles, one region at a time (temporaries of N values, not N x R)."""
        rows = []
        for j in range(len(regions)):
            values = column(j)
            rows.append([values.mean(), *np.percentile(values, [5, 50, 95])])
        a = np.array(rows)
        return {
            f"mean{suffix}_sek": a[:, 0],
            f"p5{suffix}_sek": a[:, 1],
            f"p50{suffix}_sek": a[:, 2],
            f"p95{suffix}_sek": a[:, 3],
        }

    def bars(reached: np.ndarray, suffix: str) -> dict:
        return {
            f"p_{bar.name}_{g}{suffix}": reached[k, gi] / n
            for gi, g in enumerate(block.group_names)
            for k, bar in enumerate(block.bars)
        }

    def month_bars(reached: np.ndarray, suffix: str) -> dict:
        return {
            f"p_{bar.name}_{g}_{month}{suffix}": reached[k, m, gi] / n
            for m, month in enumerate(block.months[: reached.shape[1]])
            for gi, g in enumerate(block.group_names)
            for k, bar in enumerate(block.bars)
        }

    amount, baseline = gathered.amount, gathered.baseline
    columns = {"region": list(regions), "region_name": [names.get(r, "") for r in regions]}
    columns |= stats(lambda j: np.ascontiguousarray(amount[:, j]), "") | bars(gathered.reached, "")
    columns |= month_bars(gathered.reached_month, "")
    if baseline is not None:
        columns |= stats(lambda j: amount[:, j] - baseline[:, j], "_gain")
        columns["mean_baseline_sek"] = np.array(
            [np.ascontiguousarray(baseline[:, j]).mean() for j in range(len(regions))]
        )
        columns |= bars(gathered.reached_baseline, "_baseline")
        columns |= month_bars(gathered.reached_month_baseline, "_baseline")
    return pd.DataFrame(columns)
