"""What each variant of a variant sweep pays: per region, and for the scheme as a whole.

Everything is read back from the written parts (a variant's amounts are one column of them)
once the sweep is done, variant after variant, so memory does not grow with the number of
variants and a resumed sweep computes the same numbers as an uninterrupted one; the bar counts
and the count of cells that pay nothing come from each part's footer.

Definitions (``t`` a trajectory, ``r`` a region, ``x[t, r]`` its amount in the variant, in kronor):

- **lapsed**: ``pot - sum_r x[t, r]`` rounded to whole öre, the block's pot (its total over the
  measurement months and groups) less what the trajectory paid: the money that goes back to the
  state. (The rounding drops float noise far below an öre: the amounts of a pot paid in full
  add up to the pot within about 1e-6 kr.)
- ``d[t, r]``, a region's **improvement**: share_90 in a measurement month less in its comparison
  month, in percentage points, averaged over the block's months and groups (the parts' column
  improvement_pp). Every variant is measured on the same draws, so it is the same for all.
- **kronor per pp** (``sek_per_pp``, the incentive strength): for each region, the least-squares
  slope of its amount on its own improvement over the trajectories,
  ``Cov(x[., r], d[., r]) / Var(d[., r])``: how many kronor more the region is paid in the futures
  where it improved by one pp more; in the variants table per region, and in the outcomes table
  their mean over the regions (empty for a region whose improvement does not vary, when every
  month is observed). It is a slope across the drawn futures, so it includes what moves
  with a region's improvement (other regions improve too in a good year); the exact effect of one
  region's own extra pp, all else equal, is what a sweep with a lever (``--region``, ``--improve``)
  measures.
- **kronor paid per pp improved** (``paid_sek_per_improved_pp``): the expected amount paid over the
  expected improvement, ``E[sum_r x[t, r]] / E[sum_r max(0, d[t, r])]`` (a region that got worse
  adds nothing): the price of a pp of improvement achieved, on average. A variant that pays the
  whole pot in every trajectory has the same price as any other such variant.
- **Gini of kronor per inhabitant** (``gini_per_inhabitant``): per trajectory, the Gini coefficient
  of ``x[t, r] / population[r]`` over the 21 regions (each region counts once),
  ``sum_i sum_j |y_i - y_j| / (2 n^2 mean(y))``, 0 when nothing is paid; then averaged over the
  trajectories. ``gini_of_mean_per_inhabitant`` is the Gini of the regions' expected kronor per
  inhabitant instead (of the means, not per trajectory). 0 is an even spread; 1 - 1/21 all to one
  region.
- **a cell pays nothing** (``p_cell_pays_nothing``): the share of all (trajectory, month, group)
  cells of the block in which no region reaches a bar (no region is paid anything in that month
  and group).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..inputs.regions import region_names
from .outcomes import Setup, variant_column
from .quantiles import Means, Quantiles
from .summary import PERCENTILES, Gathered, part_values

PART_COLUMNS = {
    "amount_sek_v<k>": "float64: variant k's amount (k = 1, 2, ...; the first variant's is amount_sek)",
    "improvement_pp": "float64: the region's improvement in pp, averaged over the block's months and groups",
}
VARIANTS = {
    "variant": "the variant's name",
    "region, region_name": "SCB county code and name",
    "mean_sek, p5_sek, p50_sek, p95_sek": "mean and exact percentiles of the region's amount from the staircase block",
    "mean_sek_per_inhabitant": "mean_sek over the region's population",
    "sek_per_pp": "least-squares slope of the region's amount on its own improvement (pp) over the trajectories",
    "p_<bar>_<group>": "chance that the region reaches the bar in that group in at least one measurement month "
    "(empty where the variant has no such bar)",
}
VARIANT_OUTCOMES = {
    "variant, rules, overrides": "the variant's name, rule set and its parameter changes",
    "pot_sek": "the block's pot over its measurement months and groups",
    "mean_paid_sek": "expected amount paid to all regions",
    "mean_lapsed_sek, p5_lapsed_sek, p50_lapsed_sek, p95_lapsed_sek": "mean and exact percentiles of the lapsed "
    "money: pot_sek less what the trajectory paid",
    "sek_per_pp": "incentive strength: the regions' mean sek_per_pp (variants table)",
    "mean_improved_pp": "E[sum over regions of max(0, improvement)], the improvement in pp averaged over the cells",
    "paid_sek_per_improved_pp": "mean_paid_sek / mean_improved_pp: kronor paid per pp of improvement achieved",
    "gini_per_inhabitant": "Gini of kronor per inhabitant across regions, per trajectory, averaged",
    "gini_of_mean_per_inhabitant": "Gini of the regions' expected kronor per inhabitant",
    "p_cell_pays_nothing": "share of (trajectory, month, group) cells in which no region is paid",
}


def gini(values: np.ndarray) -> np.ndarray:
    """(T, R) -> (T,): the Gini coefficient of each row, ``sum_i sum_j |y_i - y_j| / (2 R^2 mean)``, 0 for a row of
    zeros."""
    y = np.sort(values, axis=1)
    n = y.shape[1]
    total = y.sum(axis=1)
    rank = np.arange(1, n + 1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = 2.0 * (y @ rank) / (n * total) - (n + 1.0) / n
    return np.where(total > 0, np.maximum(g, 0.0), 0.0)


def _row_groups(parts: list[tuple[Path, int]], columns: list[str], n_regions: int):
    """(start, {column: (T, R)}) of every row group of the parts, in trajectory order."""
    for path, start in parts:
        file = pq.ParquetFile(path)
        for i in range(file.num_row_groups):
            table = file.read_row_group(i, columns=columns)
            values = {c: table[c].to_numpy().reshape(-1, n_regions) for c in columns}
            yield start, values
            start += len(next(iter(values.values())))


def _paid(amounts: np.ndarray) -> np.ndarray:
    """(T, R) -> (T, 1): summed over the regions in region order."""
    paid = amounts[:, :1].copy()
    for r in range(1, amounts.shape[1]):
        paid[:, 0] += amounts[:, r]
    return paid


def _lapsed(pot: float, paid: np.ndarray) -> np.ndarray:
    """What a trajectory did not pay, rounded to whole öre (+ 0.0: never -0)."""
    return np.round(pot - paid, 2) + 0.0


def summarise_variants(
    gathered: Gathered,
    setup: Setup,
    names: list[str],
    records: list[dict],
    parts: list[tuple[Path, int]],
    *,
    population: np.ndarray,
    threads: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per variant and region, and per variant (see the module docstring): two frames. ``parts`` are the
    written parts with their first trajectory, in order; ``population`` each region's, in the setup's order."""
    n, regions = gathered.n, setup.regions
    n_regions = len(regions)
    improved, d_sums, d2_sums = Means(n, 1), Means(n, n_regions), Means(n, n_regions)
    axis = setup.plan.axis  # the lever's quantity: improvement_pp for a staircase
    for start, values in _row_groups(parts, [axis], n_regions):
        d = values[axis]
        improved.add(start, _paid(np.maximum(d, 0.0)))
        d_sums.add(start, d)
        d2_sums.add(start, d * d)
    mean_improved = float(improved.mean()[0])
    mean_d = d_sums.mean()
    var_d = d2_sums.mean() - mean_d * mean_d
    labels = region_names()
    by_region, scheme = [], []
    for k, (name, variant) in enumerate(zip(names, setup.variants)):
        column, pot = variant_column(k), float(variant.plan.pots.sum())
        amounts, amount_sums, lapsed, lapsed_sums = Quantiles(n_regions), Means(n, n_regions), Quantiles(1), Means(n, 1)
        paid_sums, spread, xd_sums = Means(n, 1), Means(n, 1), Means(n, n_regions)
        for start, values in _row_groups(parts, [column, axis], n_regions):
            x = values[column]
            paid = _paid(x)
            xd_sums.add(start, x * values[axis])
            amounts.add(x)
            amount_sums.add(start, x)
            lapsed.add(_lapsed(pot, paid))
            lapsed_sums.add(start, _lapsed(pot, paid))
            paid_sums.add(start, paid)
            spread.add(start, gini(x / population)[:, None])
        paths = [path for path, _ in parts]
        p = amounts.percentiles(PERCENTILES, part_values(paths, column, n_regions), threads)
        q = lapsed.percentiles(
            PERCENTILES, part_values(paths, column, n_regions, lambda x, p=pot: _lapsed(p, _paid(x)))
        )
        mean = amount_sums.mean()
        rows = {"variant": name, "region": list(regions), "region_name": [labels.get(r, "") for r in regions]}
        rows |= {"mean_sek": mean} | {f"p{v}_sek": p[:, i] for i, v in enumerate(PERCENTILES)}
        rows["mean_sek_per_inhabitant"] = mean / population
        varies = var_d > 1e-12  # not where every month is observed
        slope = np.divide(xd_sums.mean() - mean * mean_d, var_d, out=np.full(n_regions, np.nan), where=varies)
        rows["sek_per_pp"] = slope
        rows |= {
            f"p_{bar}_{g}": gathered.variant_reached[k, b, gi] / n
            for gi, g in enumerate(variant.plan.groups)
            for b, bar in enumerate(variant.plan.steps)
        }
        by_region.append(pd.DataFrame(rows))
        mean_paid = float(paid_sums.mean()[0])
        cells = len(variant.plan.pots)
        scheme.append(
            {
                "variant": name,
                "rules": records[k]["rules"],
                "overrides": ", ".join(f"{key}={value!r}" for key, value in records[k]["overrides"].items()),
                "pot_sek": pot,
                "mean_paid_sek": mean_paid,
                "mean_lapsed_sek": float(lapsed_sums.mean()[0]),
                **{f"p{v}_lapsed_sek": float(q[0, i]) for i, v in enumerate(PERCENTILES)},
                "sek_per_pp": float(slope[varies].mean()) if varies.any() else float("nan"),
                "mean_improved_pp": mean_improved,
                "paid_sek_per_improved_pp": mean_paid / mean_improved if mean_improved > 0 else float("nan"),
                "gini_per_inhabitant": float(spread.mean()[0]),
                "gini_of_mean_per_inhabitant": float(gini((mean / population)[None, :])[0]),
                "p_cell_pays_nothing": int(gathered.variant_empty[k]) / (n * cells),
            }
        )
    return pd.concat(by_region, ignore_index=True), pd.DataFrame(scheme)
