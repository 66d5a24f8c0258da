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

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..inputs.regions import region_names
from .outcomes import Setup, variant_column
from .quantiles import Means, Quantiles, local_passes
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


def _lapsed_of(pot: float, amounts: np.ndarray) -> np.ndarray:
    """(T, R) amounts -> (T, 1) lapsed money (the percentiles' passes read it so)."""
    return _lapsed(pot, _paid(amounts))


def _axis_sums(n: int, n_regions: int, within: tuple[int, int] | None = None) -> dict:
    """The lever's quantity's sums (improved, d, d squared) over trajectories (``within`` a part)."""
    return {"improved": Means(n, 1, within), "d": Means(n, n_regions, within), "d2": Means(n, n_regions, within)}


def _add_axis(acc: dict, start: int, d: np.ndarray) -> None:
    acc["improved"].add(start, _paid(np.maximum(d, 0.0)))
    acc["d"].add(start, d)
    acc["d2"].add(start, d * d)


def _variant_sums(n: int, n_regions: int, within: tuple[int, int] | None = None) -> dict:
    """One variant's sums and histograms over trajectories (``within`` a part)."""
    sums = {k: Means(n, 1, within) for k in ("lapsed_sums", "paid", "spread")}
    sums |= {k: Means(n, n_regions, within) for k in ("amount_sums", "xd")}
    return sums | {"amounts": Quantiles(n_regions), "lapsed": Quantiles(1)}


def _add_variant(acc: dict, start: int, x: np.ndarray, d: np.ndarray, pot: float, population: np.ndarray) -> None:
    """Add the amounts ``x`` (T, R) of trajectories ``start`` on, ``d`` their lever's quantity."""
    paid = _paid(x)
    acc["xd"].add(start, x * d)
    acc["amounts"].add(x)
    acc["amount_sums"].add(start, x)
    acc["lapsed"].add(_lapsed(pot, paid))
    acc["lapsed_sums"].add(start, _lapsed(pot, paid))
    acc["paid"].add(start, paid)
    acc["spread"].add(start, gini(x / population)[:, None])


def part_sums(part: tuple[Path, int, int], n: int, axis: str, variant: tuple[str, float] | None, population) -> dict:
    """A part's (path, start, stop) sums of the lever's quantity (``variant`` None) or of a variant's amounts
    (``variant``: its column and pot), :meth:`~kommiljard.sweeps.quantiles.Means.portable` each (a Dask task)."""
    path, start, stop = part
    n_regions = len(population)
    acc = _axis_sums(n, n_regions, (start, stop)) if variant is None else _variant_sums(n, n_regions, (start, stop))
    columns = [axis] if variant is None else [variant[0], axis]
    for first, values in _row_groups([(path, start)], columns, n_regions):
        if variant is None:
            _add_axis(acc, first, values[axis])
        else:
            _add_variant(acc, first, values[variant[0]], values[axis], variant[1], population)
    return {k: v.portable() for k, v in acc.items()}


class LocalSums:
    """How :func:`summarise_variants` reads the parts in this process (``parts``: (path, start, stop) each, in
    order): it adds them straight into the sweep's sums, and runs the percentiles' passes in ``threads``."""

    def __init__(self, parts: list[tuple[Path, int, int]], threads: int = 1):
        self.parts, self.threads = parts, threads

    def sums(self, acc: dict, axis: str, variant: tuple[str, float] | None, population) -> None:
        columns = [axis] if variant is None else [variant[0], axis]
        for start, values in _row_groups([(path, start) for path, start, _ in self.parts], columns, len(population)):
            if variant is None:
                _add_axis(acc, start, values[axis])
            else:
                _add_variant(acc, start, values[variant[0]], values[axis], variant[1], population)

    def passes(self, column: str, n_regions: int, transform=None):
        paths = [path for path, _, _ in self.parts]
        return local_passes(part_values(paths, column, n_regions, transform), self.threads)


def summarise_variants(
    gathered: Gathered,
    setup: Setup,
    names: list[str],
    records: list[dict],
    parts,
    *,
    population: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per variant and region, and per variant (see the module docstring): two frames. ``parts`` reads the
    written parts (:class:`LocalSums`, or on Dask tasks that read each where it is); ``population`` each region's,
    in the setup's order."""
    n, regions = gathered.n, setup.regions
    n_regions = len(regions)
    axis = setup.plan.axis  # the lever's quantity: improvement_pp for a staircase
    d_acc = _axis_sums(n, n_regions)
    parts.sums(d_acc, axis, None, population)
    mean_improved = float(d_acc["improved"].mean()[0])
    mean_d = d_acc["d"].mean()
    var_d = d_acc["d2"].mean() - mean_d * mean_d
    labels = region_names()
    by_region, scheme = [], []
    for k, (name, variant) in enumerate(zip(names, setup.variants)):
        column, pot = variant_column(k), float(variant.plan.pots.sum())
        acc = _variant_sums(n, n_regions)
        parts.sums(acc, axis, (column, pot), population)
        p = acc["amounts"].percentiles(PERCENTILES, parts.passes(column, n_regions))
        q = acc["lapsed"].percentiles(PERCENTILES, parts.passes(column, n_regions, functools.partial(_lapsed_of, pot)))
        mean = acc["amount_sums"].mean()
        rows = {"variant": name, "region": list(regions), "region_name": [labels.get(r, "") for r in regions]}
        rows |= {"mean_sek": mean} | {f"p{v}_sek": p[:, i] for i, v in enumerate(PERCENTILES)}
        rows["mean_sek_per_inhabitant"] = mean / population
        varies = var_d > 1e-12  # not where every month is observed
        slope = np.divide(acc["xd"].mean() - mean * mean_d, var_d, out=np.full(n_regions, np.nan), where=varies)
        rows["sek_per_pp"] = slope
        rows |= {
            f"p_{bar}_{g}": gathered.variant_reached[k, b, gi] / n
            for gi, g in enumerate(variant.plan.groups)
            for b, bar in enumerate(variant.plan.steps)
        }
        by_region.append(pd.DataFrame(rows))
        mean_paid = float(acc["paid"].mean()[0])
        cells = len(variant.plan.pots)
        scheme.append(
            {
                "variant": name,
                "rules": records[k]["rules"],
                "overrides": ", ".join(f"{key}={value!r}" for key, value in records[k]["overrides"].items()),
                "pot_sek": pot,
                "mean_paid_sek": mean_paid,
                "mean_lapsed_sek": float(acc["lapsed_sums"].mean()[0]),
                **{f"p{v}_lapsed_sek": float(q[0, i]) for i, v in enumerate(PERCENTILES)},
                "sek_per_pp": float(slope[varies].mean()) if varies.any() else float("nan"),
                "mean_improved_pp": mean_improved,
                "paid_sek_per_improved_pp": mean_paid / mean_improved if mean_improved > 0 else float("nan"),
                "gini_per_inhabitant": float(acc["spread"].mean()[0]),
                "gini_of_mean_per_inhabitant": float(gini((mean / population)[None, :])[0]),
                "p_cell_pays_nothing": int(gathered.variant_empty[k]) / (n * cells),
            }
        )
    return pd.concat(by_region, ignore_index=True), pd.DataFrame(scheme)
