"""A sweep's summary: per region the payout's mean and exact percentiles, the chance of reaching each bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..compiling import kernel
from ..inputs.regions import region_names
from .quantiles import Means, Quantiles, local_passes

PERCENTILES = (5, 50, 95)

OUTCOMES = {
    "trajectory": "int64: trajectory number, 0 to n - 1",
    "region": "string (dictionary-encoded): SCB county code",
    "amount_sek": "float64: the region's amount from the staircase block in this trajectory, with the lever if any",
    "tier_<group>": "int8: the highest tier reached in that group over the measurement months (0: none)",
    "baseline_sek": "float64 (with a lever): the amount without the lever, same draws",
    "gain_sek": "float64 (with a lever): amount_sek - baseline_sek",
    "baseline_tier_<group>": "int8 (with a lever): tier_<group> without the lever",
}
# Each part's count of trajectories reaching each bar in each month (for p_<bar>_<group>_<month>) is kept in
# the manifest's record of the part, not as columns of every row: a resumed sweep reads it from there.
SUMMARY = {
    "mean_sek, p5_sek, p50_sek, p95_sek": "mean and exact percentiles (numpy's linear interpolation) of amount_sek",
    "p_<bar>_<group>": "share of trajectories in which the region reaches the bar (its tier includes it) "
    "in that group in at least one measurement month",
    "p_<bar>_<group>_<month>": "share of trajectories in which the region reaches the bar in that group in that "
    "measurement month (YYYY-MM)",
    "mean_gain_sek, p5_gain_sek, p50_gain_sek, p95_gain_sek": "(with a lever) the same for gain_sek",
    "mean_baseline_sek, p_<bar>_<group>_baseline, p_<bar>_<group>_<month>_baseline": "(with a lever) the same "
    "without the lever",
}


def _count_months(month_tier: np.ndarray, reached_month: np.ndarray) -> None:
    """:func:`_count_reached` for each month's tiers (T, M, G, R) into counts (K, M, G, R)."""
    n_traj, n_months, n_groups, n_regions = month_tier.shape
    if n_months:
        tiers = np.ascontiguousarray(month_tier).reshape(n_traj, n_months * n_groups, n_regions)
        _count_reached(tiers, reached_month.reshape(len(reached_month), n_months * n_groups, n_regions))


@kernel(nogil=True)
def _count_reached(tier, reached):
    """Add to ``reached[k, g, r]`` the trajectories whose tier (T, G, R, C-contiguous) in group g includes bar k:
    ``tier > k``, counted without a branch (the loop over a trajectory's cells vectorises)."""
    n_traj, n_bars = tier.shape[0], reached.shape[0]
    cells = tier.reshape(n_traj, -1)
    counts = np.zeros((n_bars, cells.shape[1]), np.int64)
    for t in range(n_traj):
        for k in range(n_bars):
            for j in range(cells.shape[1]):
                counts[k, j] += cells[t, j] > k
    reached += counts.reshape(reached.shape)


class Gathered:
    """What the summary needs, gathered part by part in bounded memory: the means (block sums),
    the histograms of the exact percentiles (:mod:`kommiljard.sweeps.quantiles`) and bar counts,
    over the months and month by month."""

    def __init__(
        self,
        n: int,
        n_groups: int,
        n_regions: int,
        *,
        n_bars: int,
        lever: bool,
        n_months: int,
        variant_bars: tuple = (),
        within: tuple[int, int] | None = None,
    ):
        self.n, self.n_regions = n, n_regions
        self.amount, self.amount_sum = Quantiles(n_regions), Means(n, n_regions, within)
        self.gain = Quantiles(n_regions) if lever else None
        self.gain_sum = Means(n, n_regions, within) if lever else None
        self.baseline_sum = Means(n, n_regions, within) if lever else None
        self.reached = np.zeros((n_bars, n_groups, n_regions), dtype=np.int64)
        self.reached_baseline = np.zeros_like(self.reached) if lever else None
        self.reached_month = np.zeros((n_bars, n_months, n_groups, n_regions), dtype=np.int64)
        self.reached_month_baseline = np.zeros_like(self.reached_month) if lever else None
        # a variant sweep (``variant_bars``: each variant's number of bars): bar counts, cells paying nothing
        shape = (len(variant_bars), max(variant_bars, default=0), n_groups, n_regions)
        self.variant_reached = np.zeros(shape, dtype=np.int64) if variant_bars else None
        self.variant_empty = np.zeros(len(variant_bars), dtype=np.int64) if variant_bars else None

    @classmethod
    def of(cls, setup, n: int, within: tuple[int, int] | None = None) -> Gathered:
        """Counters for ``n`` trajectories of a sweep's :class:`~kommiljard.sweeps.outcomes.Setup` (or for those
        ``within`` (start, stop) of them: a part's, merged into the sweep's with :meth:`merge`)."""
        plan = setup.plan
        return cls(
            n,
            len(plan.groups),
            len(setup.regions),
            n_bars=len(plan.steps),
            lever=setup.lever_region >= 0,
            n_months=len(plan.months),
            variant_bars=tuple(len(v.plan.steps) for v in setup.variants),
            within=within,
        )

    def portable(self) -> dict:
        """What :meth:`merge` takes: the sums, the histograms' non-empty bins and the counts, a few hundred kB for a
        part of any size (a Dask task returns it instead of the driver reading the part)."""
        out = {k: v.portable() for k, v in vars(self).items() if isinstance(v, Means | Quantiles)}
        return out | {k: v for k, v in vars(self).items() if isinstance(v, np.ndarray)}

    def merge(self, portable: dict) -> None:
        """Add what :meth:`portable` of another trajectories' counters holds: the same bits as if this had been
        given their values."""
        for key, value in portable.items():
            mine = getattr(self, key)
            if isinstance(mine, np.ndarray):
                mine += value
            else:
                mine.merge(value)

    def add(self, start: int, out: dict[str, np.ndarray]) -> None:
        """Trajectories ``start`` on, as :class:`~kommiljard.sweeps.outcomes.Batches` computes them: amounts
        (amount_sek, T x R), tiers (T, G, R), each month's tiers (T, M, G, R), and without the lever if any
        (baseline_sek, baseline_tier, baseline_month_tier); in a variant sweep variant_tier (T, V, G, R) and
        variant_empty (T, V) (a reused part has them in its footer: :meth:`add_months`)."""
        amount, tier, month_tier = out["amount_sek"], out["tier"], out["month_tier"]
        baseline, baseline_tier = out.get("baseline_sek"), out.get("baseline_tier")
        baseline_month_tier = out.get("baseline_month_tier")
        self.amount.add(amount)
        self.amount_sum.add(start, amount)
        _count_reached(np.ascontiguousarray(tier), self.reached)
        _count_months(month_tier, self.reached_month)
        if baseline_tier is not None:
            _count_reached(np.ascontiguousarray(baseline_tier), self.reached_baseline)
            _count_months(baseline_month_tier, self.reached_month_baseline)
        if baseline is not None:
            gain = amount - baseline  # as Batches computes gain_sek
            self.gain.add(gain)
            self.gain_sum.add(start, gain)
            self.baseline_sum.add(start, baseline)
        if self.variant_reached is not None and "variant_tier" in out:  # a reused part's are in its footer
            for k in range(len(self.variant_reached)):
                _count_reached(np.ascontiguousarray(out["variant_tier"][:, k]), self.variant_reached[k])
            self.variant_empty += out["variant_empty"].sum(axis=0, dtype=np.int64)

    def month_counts(self) -> dict[str, np.ndarray]:
        """The month-by-month bar counts so far (copies), to record what a part added (:meth:`add_months`)."""
        counts = {"reached_month": self.reached_month.copy()}
        if self.reached_month_baseline is not None:
            counts["reached_month_baseline"] = self.reached_month_baseline.copy()
        if self.variant_reached is not None:
            counts |= {"variant_reached": self.variant_reached.copy(), "variant_empty": self.variant_empty.copy()}
        return counts

    def add_months(self, counts: dict) -> None:
        """Add a part's month-by-month bar counts, as recorded when it was written."""
        self.reached_month += np.asarray(counts["reached_month"], dtype=np.int64)
        if self.reached_month_baseline is not None:
            self.reached_month_baseline += np.asarray(counts["reached_month_baseline"], dtype=np.int64)
        if self.variant_reached is not None:
            self.variant_reached += np.asarray(counts["variant_reached"], dtype=np.int64)
            self.variant_empty += np.asarray(counts["variant_empty"], dtype=np.int64)

    def add_part(self, path: Path, start: int, groups: tuple[str, ...], month_counts: dict) -> None:
        """Gather a part written earlier (a resumed sweep), one row group at a time; its month-by-month
        bar counts come from its footer."""
        self.add_months(month_counts)
        lever = self.gain is not None
        columns = ["amount_sek", *(f"tier_{g}" for g in groups)]
        if lever:
            columns += ["baseline_sek", *(f"baseline_tier_{g}" for g in groups)]
        shape = (-1, self.n_regions)
        file = pq.ParquetFile(path)
        for i in range(file.num_row_groups):
            table = file.read_row_group(i, columns=columns)
            amount = table["amount_sek"].to_numpy().reshape(shape)
            tiers = np.stack([table[f"tier_{g}"].to_numpy().reshape(shape) for g in groups], axis=1)
            no_months = np.zeros((len(amount), 0, len(groups), self.n_regions), np.int8)  # counted already
            out = {"amount_sek": amount, "tier": tiers, "month_tier": no_months}
            if lever:
                base_tiers = np.stack([table[f"baseline_tier_{g}"].to_numpy().reshape(shape) for g in groups], axis=1)
                baseline = table["baseline_sek"].to_numpy().reshape(shape)
                out |= {"baseline_sek": baseline, "baseline_tier": base_tiers, "baseline_month_tier": no_months}
            self.add(start, out)
            start += len(amount)


def part_values(
    paths: list[Path], column: str, n_regions: int, then: Callable[[np.ndarray], np.ndarray] | None = None
) -> Callable[[], list[Callable[[], np.ndarray]]]:
    """Loaders of one column of the written parts, one row group (a batch of trajectories) each, as (T, R)
    (or ``then`` of that)."""

    def loaders() -> list[Callable[[], np.ndarray]]:
        out = []
        for path in paths:
            for i in range(pq.ParquetFile(path).num_row_groups):

                def load(path=path, i=i) -> np.ndarray:
                    table = pq.ParquetFile(path).read_row_group(i, columns=[column])
                    values = table[column].to_numpy().reshape(-1, n_regions)
                    return values if then is None else then(values)

                out.append(load)
        return out

    return loaders


def summarise(
    gathered: Gathered,
    regions: tuple[str, ...],
    plan,
    parts: list[Path],
    threads: int = 1,
    *,
    passes: Callable[[str], Callable] | None = None,
) -> pd.DataFrame:
    """One row per region; the exact percentiles read the written ``parts`` again (in ``threads``), or in the
    passes ``passes(column)`` runs (:meth:`~kommiljard.sweeps.quantiles.Quantiles.percentiles`; Dask tasks).
    ``plan``: the swept block's :class:`~kommiljard.kinds.base.SweepPlan` (its groups, months and steps name the
    chances)."""
    n = gathered.n
    names = region_names()
    passes = passes or (lambda column: local_passes(part_values(parts, column, len(regions)), threads))

    def stats(values: Quantiles, sums: Means, column: str, suffix: str) -> dict:
        p = values.percentiles(PERCENTILES, passes(column))
        return {f"mean{suffix}_sek": sums.mean()} | {f"p{q}{suffix}_sek": p[:, i] for i, q in enumerate(PERCENTILES)}

    def bars(reached: np.ndarray, suffix: str) -> dict:
        return {
            f"p_{bar}_{g}{suffix}": reached[k, gi] / n
            for gi, g in enumerate(plan.groups)
            for k, bar in enumerate(plan.steps)
        }

    def month_bars(reached: np.ndarray, suffix: str) -> dict:
        return {
            f"p_{bar}_{g}_{month}{suffix}": reached[k, m, gi] / n
            for m, month in enumerate(plan.months)
            for gi, g in enumerate(plan.groups)
            for k, bar in enumerate(plan.steps)
        }

    columns = {"region": list(regions), "region_name": [names.get(r, "") for r in regions]}
    columns |= stats(gathered.amount, gathered.amount_sum, "amount_sek", "") | bars(gathered.reached, "")
    columns |= month_bars(gathered.reached_month, "")
    if gathered.gain is not None:
        columns |= stats(gathered.gain, gathered.gain_sum, "gain_sek", "_gain")
        columns["mean_baseline_sek"] = gathered.baseline_sum.mean()
        columns |= bars(gathered.reached_baseline, "_baseline")
        columns |= month_bars(gathered.reached_month_baseline, "_baseline")
    return pd.DataFrame(columns)
