"""Counts drawn for a sweep: Poisson or negative binomial around an expected count, from SFC64 streams.

A count measure (operations performed) is drawn per region and group (a procedure) for a block's
months as one total: its expected value is the trend's count for those months times a random growth
(log-normal: a part shared by the region's groups and a part of its own), and the count is Poisson
around it (``poisson``) or Poisson around a gamma-distributed multiple of it (``negative_binomial``,
size ``dispersion``: variance mean + mean^2 / dispersion). Months already observed are added as they
are. The random numbers come from the sweep's streams (:mod:`kommiljard.sweeps.rng`): trajectory i
takes its numbers from stream i // STREAM_SIZE, so results do not depend on chunks or threads.

The samplers are NumPy's algorithms in numba on the stream's SFC64 state, so that a trajectory costs
no more than a staircase trajectory: the standard normals of :func:`~kommiljard.sweeps.rng.fill_normals`,
Poisson by multiplication below a mean of 10, by Hörmann's PTRS transformed rejection from 10 (NumPy's
``random_poisson``) and from a mean of 30 by the normal approximation with Cornish and Fisher's skewness term
(its percentiles are Poisson's to within one count), gamma by Marsaglia and Tsang's method.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from ..compiling import kernel
from ..language import as_typed, speaker
from .rng import STREAM_SIZE, sfc64_state, standard_normal, stream_generator, uniform
from .scenario import CountsSpec

say = speaker(__package__)

# A Poisson mean from which the count is drawn by the normal approximation with Cornish-Fisher's skewness term:
# its percentiles from 0.01 % to 99.99 % are Poisson's to within one count (tests/test_counts.py).
NORMAL_ABOVE = 30.0


@njit(inline="always")
def _poisson_small(lam, a, b, c, w):
    """Poisson by multiplying uniforms (a mean below 10): (the count, the new state words)."""
    enlam = math.exp(-lam)
    x = 0
    prod = 1.0
    while True:
        u, a, b, c, w = uniform(a, b, c, w)
        prod *= u
        if prod > enlam:
            x += 1
        else:
            return x, a, b, c, w


@njit(inline="always")
def _poisson_ptrs(lam, a, b, c, w):
    """Poisson by Hörmann's PTRS (a mean of 10 or more): (the count, the new state words)."""
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    bb = 0.931 + 2.53 * slam
    aa = -0.059 + 0.02483 * bb
    invalpha = 1.1239 + 1.1328 / (bb - 3.4)
    vr = 0.9277 - 3.6224 / (bb - 2)
    while True:
        u, a, b, c, w = uniform(a, b, c, w)
        u -= 0.5
        v, a, b, c, w = uniform(a, b, c, w)
        us = 0.5 - abs(u)
        k = math.floor((2 * aa / us + bb) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k, a, b, c, w
        if k < 0 or (us < 0.013 and v > us):
            continue
        log_ratio = math.log(v) + math.log(invalpha) - math.log(aa / (us * us) + bb)
        if log_ratio <= -lam + k * loglam - math.lgamma(k + 1):
            return k, a, b, c, w


@njit(inline="always")
def poisson(lam, a, b, c, w):
    """One Poisson count of mean ``lam`` (0 for a mean of 0 or less): (the count, the new state words).

    From a mean of ``NORMAL_ABOVE`` the count is Poisson's normal approximation with the skewness term of
    Cornish and Fisher, rounded to a whole number: ``floor(mean + sqrt(mean) z + (z^2 - 1) / 6 + 1/2)``."""
    if not lam > 0.0:
        return 0.0, a, b, c, w
    if lam >= NORMAL_ABOVE:
        z, a, b, c, w = standard_normal(a, b, c, w)
        return max(math.floor(lam + math.sqrt(lam) * z + (z * z - 1.0) / 6.0 + 0.5), 0.0), a, b, c, w
    if lam >= 10.0:
        k, a, b, c, w = _poisson_ptrs(lam, a, b, c, w)
        return float(k), a, b, c, w
    k, a, b, c, w = _poisson_small(lam, a, b, c, w)
    return float(k), a, b, c, w


@njit(inline="always")
def gamma_unit_mean(shape, a, b, c, w):
    """A gamma variate of mean 1 and ``shape`` (>= 1), by Marsaglia and Tsang: (the variate, the new words)."""
    d = shape - 1.0 / 3.0
    scale = 1.0 / math.sqrt(9.0 * d)
    while True:
        x, a, b, c, w = standard_normal(a, b, c, w)
        v = 1.0 + scale * x
        if v <= 0.0:
            continue
        v = v * v * v
        u, a, b, c, w = uniform(a, b, c, w)
        if u < 1.0 - 0.0331 * (x * x) * (x * x) or math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v / shape, a, b, c, w


@kernel(nogil=True)
def draw_counts(state, expected, observed, growth, out):
    """Fill ``out`` (T, R, G) with drawn totals from the SFC64 ``state`` (uint64 (4,), advanced).

    ``expected`` (R, G) is each region and group's expected count in the months to draw (before growth),
    ``observed`` (R, G) the counts of the months already observed (added as they are), ``growth`` the
    rules of the growth and the noise: (log-mean (R, G), scale of the spreads (R, G), SD shared by a
    region's groups, SD of each group, dispersion: 0 for Poisson, else the negative binomial's size, >= 1).
    """
    centre, scale, sd_region, sd_group, dispersion = growth
    n_traj, n_regions, n_groups = out.shape
    a, b, c, w = state[0], state[1], state[2], state[3]
    for t in range(n_traj):
        for r in range(n_regions):
            shared, a, b, c, w = standard_normal(a, b, c, w)
            for g in range(n_groups):
                own, a, b, c, w = standard_normal(a, b, c, w)
                mean = expected[r, g] * math.exp(centre[r, g] + scale[r, g] * (sd_region * shared + sd_group * own))
                if dispersion > 0.0 and mean > 0.0:
                    factor, a, b, c, w = gamma_unit_mean(dispersion, a, b, c, w)
                    mean *= factor
                count, a, b, c, w = poisson(mean, a, b, c, w)
                out[t, r, g] = observed[r, g] + count
    state[0], state[1], state[2], state[3] = a, b, c, w


# ---- the draw model ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountsModel:
    """A prepared counts model: what the sweep draws, and the earlier years the block compares with.

    The drawn buffer holds each region's total over the block's months (one "month": the period, reported
    under its last month): only the total counts for the money. The baseline years are observed, never
    drawn: ``history`` (Y, R, G) holds each year's total over the same months.
    """

    regions: tuple[str, ...]
    groups: tuple[str, ...]
    period: tuple[str, ...]  # the months paid for
    years: tuple[int, ...]  # the baseline years
    history: np.ndarray  # (Y, R, G)
    expected: np.ndarray  # (R, G): the trend's count over the months still to draw
    observed: np.ndarray  # (R, G): the counts of the period's months already observed
    level: np.ndarray  # (M, G, R): the trend's count in each month of the period (before growth)
    known: np.ndarray  # (M, G, R): the observed counts of the period's months, NaN where drawn
    growth: tuple  # the arguments of draw_counts after the arrays

    def months_of(self, measure: str) -> tuple[str, ...]:
        return self.period[-1:]


class Counts:
    """The ``counts`` draw model (see the module docstring): a block's operations around each region's own trend.
    Its observed panel may leave ``operations`` empty in rows that do not have it (``complete`` false: share rows
    beside operations rows); the model checks the baseline years it needs and draws the period's empty months."""

    complete = False

    def prepare(self, scenario, needs, population, observed, who: str):
        from ..errors import InputError

        if observed is None:
            raise InputError(say("refuse.counts_observed", who=who))
        spec = getattr(scenario.spec, "counts", None) or CountsSpec()
        regions, groups = tuple(population.counts.index), tuple(needs.groups)
        frame = observed.frame
        frame = frame[frame["group"].isin(groups) & frame["operations"].notna()]
        values = frame.set_index(["month", "group", "region"])["operations"].astype(np.float64)
        period = tuple(needs.paid)
        baseline = [m for m in needs.months["operations"] if m not in period]
        grid = _grid_of(values, regions, groups)
        history, years = _history(grid, baseline, who, (regions, groups))
        known = grid(period)
        level = _level(grid, period, spec.level_years, who)
        return _model(spec, regions, groups, period, years=years, history=history, known=known, level=level), _record(
            observed, frame
        )

    def layout(self, model: CountsModel) -> CountsModel:
        return model

    def buffers(self, model: CountsModel, n: int) -> dict[str, np.ndarray]:
        return {"operations": np.empty((n, 1, len(model.groups), len(model.regions)))}

    def fill(self, model: CountsModel, seed: int, start: int, stop: int, threads: int, *, out: dict, then) -> None:
        """Draw trajectories ``start`` to ``stop - 1``; each stream from its first row, so that a trajectory's
        counts do not depend on where a batch starts."""
        streams = range(start // STREAM_SIZE, (stop - 1) // STREAM_SIZE + 1)

        def one(s: int) -> None:
            lo, hi = max(start, s * STREAM_SIZE), min(stop, (s + 1) * STREAM_SIZE)
            totals = np.empty((hi - s * STREAM_SIZE, len(model.regions), len(model.groups)))
            draw_counts(sfc64_state(stream_generator(seed, s)), model.expected, model.observed, model.growth, totals)
            rows = slice(lo - start, hi - start)
            out["operations"][rows, 0] = totals[lo - s * STREAM_SIZE :].transpose(0, 2, 1)
            then(rows)

        if threads > 1 and len(streams) > 1:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(one, streams))
        else:
            for s in streams:
                one(s)

    def panel(self, model: CountsModel, drawn: dict[str, np.ndarray], months: list[str]) -> pd.DataFrame:
        """The first trajectory as a panel: the period's drawn total split over its months still to draw in
        proportion to the trend (whole operations, largest remainder), the observed months as they are."""
        from ..money import largest_remainder

        values = model.known.copy()
        unknown = np.isnan(values)
        total = drawn["operations"][0, 0] - model.observed.T  # (G, R): what was drawn
        for g, r in np.ndindex(total.shape):
            where = np.flatnonzero(unknown[:, g, r])
            if len(where):
                weights = model.level[where, g, r] + 1e-12
                values[where, g, r] = largest_remainder(total[g, r] * weights / weights.sum(), total[g, r])
        m, g, r = np.indices(values.shape).reshape(3, -1)
        frame = pd.DataFrame(
            {
                "region": np.array(model.regions)[r],
                "month": np.array(model.period, dtype=object)[m],
                "group": np.array(model.groups)[g],
                "operations": values.ravel(),
            }
        )
        return frame[frame["month"].isin(months)].sort_values(["region", "month", "group"], ignore_index=True)


def _grid_of(values: pd.Series, regions, groups):
    """A function of months: the observed counts (M, G, R), NaN where the panel has none."""

    def grid(months) -> np.ndarray:
        keys = pd.MultiIndex.from_tuples([(m, g, r) for m in months for g in groups for r in regions])
        return values.reindex(keys).to_numpy(np.float64).reshape(len(months), len(groups), len(regions))

    return grid


def _history(grid, baseline: list[str], who: str, keys: tuple) -> tuple[np.ndarray, tuple[int, ...]]:
    """(Y, R, G) each baseline year's total over its months, summed month by month; every month must be observed
    (``keys``: the grid's regions and groups, to name a gap)."""
    from ..errors import InputError
    from ..inputs.regions import region_label

    years = tuple(sorted({int(m[:4]) for m in baseline}))
    values = grid(baseline)
    if np.isnan(values).any():
        gaps = np.argwhere(np.isnan(values))
        months = sorted({baseline[m] for m in gaps[:, 0]})
        regions = sorted({keys[0][r] for r in gaps[:, 2]})
        region, month, group = region_label(keys[0][gaps[0, 2]]), baseline[gaps[0, 0]], keys[1][gaps[0, 1]]
        first = say("refuse.no_row", region=region, month=month, group=as_typed(group))
        raise InputError(
            say(
                "refuse.counts_lacks",
                who=who,
                months=", ".join(months[:6]),
                more=say("more") if len(months) > 6 else "",
                regions=", ".join(map(region_label, regions[:4])),
                more_regions=say("more") if len(regions) > 4 else "",
                first=first,
            )
        )
    out = np.zeros((len(years), values.shape[2], values.shape[1]))
    for i, month in enumerate(baseline):
        out[years.index(int(month[:4]))] += values[i].T
    return out, years


def _level(grid, period: tuple[str, ...], level_years: int, who: str) -> np.ndarray:
    """(M, G, R) the trend's count in each month of the period: the mean of the same month of the latest years."""
    from ..errors import InputError

    year = int(period[0][:4])
    earlier = [tuple(f"{year - k}-{m[5:]}" for m in period) for k in range(1, level_years + 1)]
    levels = np.array([grid(months) for months in earlier])
    if np.isnan(levels).any():
        months = ", ".join(earlier[-1][:3])
        raise InputError(say("refuse.counts_level", who=who, years=level_years, year=year, months=months))
    return levels.mean(axis=0)


def _model(spec, regions, groups, period, *, years, history, known, level) -> CountsModel:
    """The model: expected counts of the months still to draw and each region's growth, pulled towards what its
    observed months of the period show."""
    unknown = np.isnan(known)
    expected = np.where(unknown, level, 0.0).sum(axis=0).T  # (R, G)
    observed = np.where(unknown, 0.0, known).sum(axis=0).T
    seen = (~unknown).sum(axis=0).T  # months observed per (R, G)
    level_seen = np.where(unknown, 0.0, level).sum(axis=0).T
    prior = math.log1p(spec.growth_pct / 100.0)
    ratio = np.divide(observed, level_seen, out=np.ones_like(observed), where=level_seen > 0)
    weight = seen / (seen + spec.prior_months)
    centre_of_mean = weight * np.log(np.maximum(ratio, 1e-6)) + (1 - weight) * prior
    scale = np.sqrt(spec.prior_months / (spec.prior_months + seen))
    sd_region, sd_group = spec.sd_region_pct / 100.0, spec.sd_procedure_pct / 100.0
    centre = centre_of_mean - 0.5 * scale**2 * (
        sd_region**2 + sd_group**2
    )  # the growth factor's mean: exp(centre_of_mean)
    dispersion = spec.dispersion if spec.distribution == "negative_binomial" else 0.0
    growth = (np.ascontiguousarray(centre), np.ascontiguousarray(scale), sd_region, sd_group, float(dispersion))
    return CountsModel(regions, groups, period, years, history, expected, observed, level, known, growth)


def _record(observed, frame: pd.DataFrame) -> dict:
    """What a sweep records of the observed panel: its source, the rows used and ignored, a fingerprint."""
    import hashlib

    rows = frame[["region", "month", "group", "operations"]].sort_values(["region", "month", "group"])
    return {
        "source": observed.source,
        "synthetic": observed.synthetic,
        "cells_used": len(frame),
        "cells_ignored": len(observed.frame) - len(frame),
        "sha256": hashlib.sha256(rows.to_csv(index=False).encode()).hexdigest(),
    }
