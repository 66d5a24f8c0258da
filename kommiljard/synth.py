"""Seeded SYNTHETIC waiting-time panels for the 2019 kömiljard (Sep–Nov of 2018 and 2019).

Per-region monthly waiting-time shares for 2018–2019 are not public in machine-readable
form, so the sample panel is drawn around the real national series. On the logit scale
(``L(x) = log(x / (100 - x))`` for a share x in percent), for region r, group g, month m:

    L(share_90), 2018 = L(national[g, m]) + offset[r, g]                             + noise
    L(share_90), 2019 = L(national[g, m]) + offset[r, g] + shift[m] + change[r, g] + noise
    L(share_60)       = L(share_90) - gap[g, m] - gap_offset[r, g]                 - noise

``offset`` is a persistent regional level (population-weighted mean 0, so the regions
aggregate to about the national level) and ``change`` a persistent year-on-year change,
both correlated between the two groups of a region; each ``noise`` is independent per
month. ``shift`` is the typical regional change, set so that on average as many regions
improve as were published for 2019. The logit scale keeps shares inside (0, 100) without
piling up at the bounds. Shares are rounded to one decimal; share_60 <= share_90.

The second part draws synthetic *trajectories* for sweeps from a scenario file
(:mod:`kommiljard.scenario`): all 21 regions over a baseline and a measurement year, by the
million, seeded by logical blocks, optionally given observed cells; ``calibration_table``
compares them with the real national series and the published 2019 counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from statistics import NormalDist
from importlib.resources import files
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numba import njit
from numba.np.random._constants import fi_double as _ZIG_FI
from numba.np.random._constants import ki_double as _ZIG_KI
from numba.np.random._constants import wi_double as _ZIG_WI
from numba.np.random._constants import ziggurat_nor_inv_r as _ZIG_NOR_INV_R
from numba.np.random._constants import ziggurat_nor_r as _ZIG_NOR_R

from .regions import region_codes, region_table

if TYPE_CHECKING:
    from .scenario import Scenario

GROUPS = ("first_visit", "operation")
MONTHS = (9, 10, 11)
YEARS = (2018, 2019)  # base year, scheme year
# Indexes that broadcast (region, group) and (group, month) arrays to (region, group, year, month).
_BY_REGION = np.s_[:, :, None, None]
_BY_MONTH = np.s_[None, :, None, :]


@dataclass(frozen=True)
class SynthParams:
    """Generator parameters (not scheme rules). Tuples are per month: Sep, Oct, Nov.

    Spreads are on the logit scale; near a share p (percent) one logit unit is about
    p * (100 - p) / 100 pp, e.g. 0.6 is about 10 pp at 80 % and 12.6 pp at 70 %.
    """

    # National share_90 (%), Sep/Oct/Nov 2018: shared/data/waits_national_2016_2019.csv,
    # rows 2018-09..2018-11 (forstabesok -> first_visit, operation_atgard -> operation).
    national_share_90: dict[str, tuple[float, float, float]] = field(
        default_factory=lambda: {"first_visit": (76.0, 82.0, 84.0), "operation": (64.0, 71.0, 74.0)}
    )
    # Expected number of the 21 regions whose share_90 is above the same month of 2018, from
    # shared/data/outcome_2019_published.csv: Sep 10 (first visits) and 11 (operations); their
    # mean 10.5 means no typical change, as in the national operation series (2019-09 and
    # 2018-09 are both 64). Oct 16 and Nov 15 (operations; no count was published for first
    # visits, assumed alike). Turned into shift[m] by _typical_change().
    improving_regions: tuple[float, float, float] = (10.5, 16.0, 15.0)
    # Between-region SD of the persistent level and its correlation between groups; about
    # 10 pp for first visits and 12 pp for operations. Chosen so that, over seeds, share_60
    # >= 71 holds for about as many regions as published (Sep: 6 first visit, 4 operation;
    # Nov: 13 first visit); operations fall short in Sep (about 3), see data/README.md.
    level_sd: dict[str, float] = field(default_factory=lambda: {"first_visit": 0.6, "operation": 0.57})
    level_corr: float = 0.5
    # SD of the persistent regional year-on-year change (about 2.7 pp for first visits, 3.6 pp
    # for operations) and its correlation between groups; announced 2019 improvements reach
    # 3-9 pp (notes in outcome_2019_published.csv).
    change_sd: float = 0.17
    change_corr: float = 0.4
    # SD of the independent month-to-month noise in share_90 (about 1.5 pp).
    month_sd: float = 0.08
    # National share_90 - share_60 gap in pp, from the Sep-Nov rows of
    # shared/data/waits_national_breakdown_counts.csv: first visits Oct 10.78 (2018-10),
    # Nov 12.11 (mean of 2017-11 and 2018-11), Sep = mean of those three rows; operations
    # Sep 8.89 (2019-09), Nov 13.09 (2017-11), Oct = mean of the two. Converted to the logit
    # scale at the national level.
    gap_pp: dict[str, tuple[float, float, float]] = field(
        default_factory=lambda: {"first_visit": (11.7, 10.8, 12.1), "operation": (8.9, 11.0, 13.1)}
    )
    # Between-region SD of the gap (persistent, about 2.5 pp) and its monthly noise (about 0.8 pp).
    gap_sd: float = 0.12
    gap_month_sd: float = 0.04
    # National number waiting (excl. patient-chosen waits), Sep-Nov rows of
    # waits_national_breakdown_counts.csv: first visits 290-300k, operations about 127k.
    national_waiting: dict[str, int] = field(
        default_factory=lambda: {"first_visit": 295_000, "operation": 126_800}
    )
    # Log-SD of the regional number waiting per inhabitant (persistent, and monthly).
    waiting_log_sd: float = 0.2
    waiting_month_log_sd: float = 0.05


DEFAULT_PARAMS = SynthParams()


def sample_panel(
    seed: int = 2019,
    regions: Sequence[str] | None = None,
    months: Sequence[int] = MONTHS,
    params: SynthParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Draw a synthetic panel with one row per region, month and group.

    ``months`` are calendar months (of Sep=9, Oct=10, Nov=11), each drawn in 2018 and 2019.
    Columns: region, month ("YYYY-MM"), group, share_90, share_60, n_waiting. All 21
    regions and three months are always drawn, so a subset is a slice of the full panel
    for the same seed.
    """
    table = region_table()
    codes = list(table["region"])
    regions = codes if regions is None else list(regions)
    if unknown := sorted(set(regions) - set(codes)):
        raise ValueError(f"unknown region code(s) {unknown}; valid: {' '.join(codes)}")
    if unknown := sorted(set(months) - set(MONTHS)):
        raise ValueError(f"month(s) {unknown} not calibrated; choose from {MONTHS}")

    rng = np.random.default_rng(np.random.SeedSequence(seed))
    pop = table["population"].to_numpy(dtype=float)
    n_reg, n_grp, n_mon = len(codes), len(GROUPS), len(MONTHS)
    shape = (n_reg, n_grp, len(YEARS), n_mon)

    offset = _correlated_pairs(rng, n_reg, params.level_corr) * [params.level_sd[g] for g in GROUPS]
    offset -= np.average(offset, axis=0, weights=pop)
    change = _correlated_pairs(rng, n_reg, params.change_corr) * params.change_sd
    noise = rng.normal(0.0, params.month_sd, shape)
    gap_offset = rng.normal(0.0, params.gap_sd, (n_reg, n_grp))
    gap_noise = rng.normal(0.0, params.gap_month_sd, shape)
    size = rng.normal(0.0, params.waiting_log_sd, (n_reg, n_grp))
    size_noise = rng.normal(0.0, params.waiting_month_log_sd, shape)

    national = np.array([params.national_share_90[g] for g in GROUPS])  # (group, month)
    national_gap = _logit(national) - _logit(national - [params.gap_pp[g] for g in GROUPS])
    scheme_year = np.array([0.0, 1.0])[:, None]  # (year, 1)
    change_2019 = scheme_year * (change[_BY_REGION] + _typical_change(params, n_reg))
    l90 = _logit(national)[_BY_MONTH] + offset[_BY_REGION] + change_2019 + noise
    gap = np.maximum(national_gap[_BY_MONTH] + gap_offset[_BY_REGION] + gap_noise, 0.0)
    s90 = np.round(_expit(l90), 1)
    s60 = np.round(_expit(l90 - gap), 1)

    waiting = np.outer(pop / pop.sum(), [params.national_waiting[g] for g in GROUPS])  # (region, group)
    n_waiting = waiting[_BY_REGION] * np.exp(size[_BY_REGION] + size_noise)
    n_waiting = np.maximum(np.rint(n_waiting), 1).astype("int64")

    r, g, y, m = np.indices(shape).reshape(4, -1)
    panel = pd.DataFrame(
        {
            "region": np.array(codes)[r],
            "month": [f"{YEARS[yi]}-{MONTHS[mi]:02d}" for yi, mi in zip(y, m)],
            "group": np.array(GROUPS)[g],
            "share_90": s90.ravel(),
            "share_60": s60.ravel(),
            "n_waiting": n_waiting.ravel(),
        }
    )
    keep = panel["region"].isin(regions) & np.isin(np.array(MONTHS)[m], list(months))
    return panel[keep].sort_values(["region", "month", "group"], ignore_index=True)


def calibration_summary(panel: pd.DataFrame) -> pd.DataFrame:
    """Count regions per 2019 month and group, in the long format of the published outcome.

    Columns month, group, measure, regions. Measures: ``improved`` (share_90 above the same
    month of 2018), ``improved_1pp`` (by >= 1 pp), ``share_60_ge_71`` and ``paid``
    (improved_1pp or share_60_ge_71; for group ``any``, in at least one group).
    """
    wide = panel.pivot_table(index=["region", "group"], columns="month", values=["share_90", "share_60"])
    rows = []
    for month in sorted(m for m in panel["month"].unique() if m.startswith(f"{YEARS[1]}-")):
        imp = (wide[("share_90", month)] - wide[("share_90", f"{YEARS[0]}-{month[5:]}")]).round(6)
        target = wide[("share_60", month)] >= 71.0
        paid = (imp >= 1.0) | target
        for group in GROUPS:
            sel = imp.index.get_level_values("group") == group
            counts = {
                "improved": imp[sel] > 0,
                "improved_1pp": imp[sel] >= 1.0,
                "share_60_ge_71": target[sel],
                "paid": paid[sel],
            }
            rows += [(month, group, k, int(v.sum())) for k, v in counts.items()]
        rows.append((month, "any", "paid", int(paid.groupby(level="region").any().sum())))
    return pd.DataFrame(rows, columns=["month", "group", "measure", "regions"])


# What was published about 2019 (shared/data/outcome_2019_published.csv), as
# (month, group, measure) -> number of regions, in calibration_summary's terms.
PUBLISHED_2019 = {
    ("2019-09", "first_visit", "improved"): 10,
    ("2019-09", "operation", "improved"): 11,
    ("2019-10", "operation", "improved"): 16,
    ("2019-11", "operation", "improved"): 15,
    ("2019-09", "first_visit", "share_60_ge_71"): 6,
    ("2019-09", "operation", "share_60_ge_71"): 4,
    ("2019-11", "first_visit", "share_60_ge_71"): 13,
    ("2019-09", "any", "paid"): 16,
    ("2019-11", "any", "paid"): 21,
}


def _logit(pct: np.ndarray) -> np.ndarray:
    return np.log(pct / (100.0 - pct))


def _expit(x: np.ndarray) -> np.ndarray:
    return 100.0 / (1.0 + np.exp(-x))


def _correlated_pairs(rng: np.random.Generator, n: int, corr: float) -> np.ndarray:
    """``n`` draws of two standard normals with correlation ``corr``, shape (n, 2)."""
    z = rng.standard_normal((n, 2))
    return np.column_stack([z[:, 0], corr * z[:, 0] + np.sqrt(1.0 - corr**2) * z[:, 1]])


def _typical_change(params: SynthParams, n_regions: int) -> np.ndarray:
    """shift per month (logit; the same for both groups): the expected number of the
    ``n_regions`` regions whose share_90 rose is then ``params.improving_regions``."""
    sd = np.hypot(params.change_sd, np.sqrt(2) * params.month_sd)  # of change + noise_2019 - noise_2018
    return np.array([sd * NormalDist().inv_cdf(k / n_regions) for k in params.improving_regions])


# ---------------------------------------------------------------------------------------
# Synthetic trajectories for sweeps: a scenario's model, drawn by the million.
#
# On the logit scale, for region r, group g and month m of year y (0 = baseline year,
# 1 = measurement year), with every spread of the scenario converted from pp to logit at
# the group's national level:
#
#     L(share_90) = centre[g, y, m] + level[r, g] + y * (trend[r, g] + shock[g] + shock_m[g, m]) + noise
#     L(share_60) = L(share_90) - max(gap[g, y, m] + gap_level[r, g] + gap_noise, 0)
#
# ``centre`` is set so that the expected population-weighted share is the scenario's
# national share (level + season, plus trend and response in the measurement year).
# ``level`` and ``trend`` are drawn per region, correlated between groups and centred to a
# population-weighted mean of 0 (the regions add up to the national series), unless the
# scenario fixes them for a region. ``shock`` and ``shock_m`` are shared by all regions.
# Every term is linear in one vector of standard normals per trajectory, so the model is a
# Gaussian vector whose loadings are what :func:`_model_logits` computes from the identity
# matrix; conditioning on observed cells is ordinary Gaussian conditioning.
# ---------------------------------------------------------------------------------------

BLOCK_SIZE = 1_000  # trajectories per logical block; block b draws from SeedSequence(seed, spawn_key=(b,))
_LOGIT_CLIP = (0.05, 99.95)  # observed shares of 0 or 100 % are read as these on the logit scale
_JITTER = 1e-10


def _year_months(spec, months: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Year index (0 baseline, 1 measurement) and calendar month (1-12) of each ``YYYY-MM``."""
    years = {spec.baseline_year: 0, spec.measurement_year: 1}
    bad = [m for m in months if int(m[:4]) not in years]
    if bad:
        raise ValueError(f"month(s) {bad} are outside scenario {spec.name!r}'s years {spec.baseline_year} and {spec.measurement_year}")
    return np.array([years[int(m[:4])] for m in months]), np.array([int(m[5:7]) for m in months])


def _centre(pct: float, sd: float) -> float:
    """The logit c with E[expit(c + sd * Z)] = pct / 100 (Gauss-Hermite, Newton)."""
    x, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    c = float(_logit(np.array(pct)))
    for _ in range(50):
        e = 1.0 / (1.0 + np.exp(-(c + sd * x)))
        step = (w @ e - pct / 100.0) / (w @ (e * (1.0 - e)))
        c -= step
        if abs(step) < 1e-13:
            break
    return c


def _corr_factor(corr: float, n: int) -> np.ndarray:
    """Lower Cholesky factor of an n x n matrix with ``corr`` off the diagonal."""
    return np.linalg.cholesky(np.full((n, n), corr) + (1.0 - corr) * np.eye(n))


@dataclass(frozen=True)
class TrajectoryModel:
    """A scenario's model for the 21 regions, given groups and months.

    Variables, in this order: share_90 for (month, group, region) over ``months``, then the
    share_90 - share_60 gap for (month, group, region) over ``months_60``. Months are
    ``YYYY-MM`` in the scenario's baseline or measurement year; groups and regions follow
    the cube's order, so a draw reshapes to the kernel's (T, cells, regions) arrays.
    """

    scenario: Scenario
    regions: tuple[str, ...]
    groups: tuple[str, ...]
    months: tuple[str, ...]
    months_60: tuple[str, ...]
    mu: np.ndarray  # (V,) logit means
    kernel_args: tuple  # the coefficients _model_logits takes after (z, mu)
    n_latent: int  # standard normals per trajectory

    @property
    def n_vars(self) -> int:
        return len(self.mu)

    @cached_property
    def n90(self) -> int:
        """Number of share_90 variables (the gaps follow)."""
        return int(np.prod(self.shape_90))

    @cached_property
    def pair_90(self) -> np.ndarray:
        """For each gap variable, the share_90 variable of the same month, group and region."""
        per_month = len(self.groups) * len(self.regions)
        m60 = np.array([self.months.index(m) for m in self.months_60], dtype=np.int64)
        return (m60[:, None] * per_month + np.arange(per_month)).ravel()

    @property
    def shape_90(self) -> tuple[int, int, int]:
        return len(self.months), len(self.groups), len(self.regions)

    @property
    def shape_60(self) -> tuple[int, int, int]:
        return len(self.months_60), len(self.groups), len(self.regions)

    def logits(self, z: np.ndarray) -> np.ndarray:
        """Logits (n, V) of the variables for standard normals ``z`` (n, n_latent)."""
        out = np.empty((z.shape[0], self.n_vars))
        _model_logits(np.ascontiguousarray(z, dtype=np.float64), self.mu, *self.kernel_args, out)
        return out

    def fill(self, rng: np.random.Generator, skip: int, s90: np.ndarray, s60: np.ndarray) -> None:
        """Draw ``len(s90)`` trajectories from ``rng`` after skipping ``skip`` of them."""
        nothing_observed = np.full(self.n_vars, np.nan)
        state = sfc64_state(rng)
        _draw_structured(state, skip, self.n_latent, self.mu, *self.kernel_args, self.n90, self.pair_90, nothing_observed, s90, s60)
        set_sfc64_state(rng, state)

    def covariance(self) -> np.ndarray:
        """Covariance (V, V) of the variables' logits."""
        loadings = self.logits(np.eye(self.n_latent)) - self.mu
        return loadings.T @ loadings

    def index(self) -> pd.DataFrame:
        """One row per variable: kind (share_90 or gap), month, group, region."""
        frames = []
        for kind, months in (("share_90", self.months), ("gap", self.months_60)):
            m, g, r = np.indices((len(months), len(self.groups), len(self.regions))).reshape(3, -1)
            frames.append(pd.DataFrame({"kind": kind, "month": np.array(months, dtype=object)[m], "group": np.array(self.groups)[g], "region": np.array(self.regions)[r]}))
        return pd.concat(frames, ignore_index=True)

    def condition(self, observed: pd.DataFrame) -> ConditionedModel:
        """The model given observed cells (rows with region, month, group, share_90, share_60).

        Rows outside the model's months, groups or regions are ignored. share_90 and the gap
        of an observed cell are fixed; every other variable is drawn from its conditional
        distribution, so a region's observed months inform its level and trend, and every
        observed month informs the national shock.
        """
        index = self.index()
        key = {k: i for i, k in enumerate(zip(index["kind"], index["month"], index["group"], index["region"]))}
        obs_share = np.full(self.n_vars, np.nan)
        obs_logit = np.full(self.n_vars, np.nan)
        for row in observed.itertuples(index=False):
            s90, s60 = float(row.share_90), float(row.share_60)
            l90 = float(_logit(np.clip(s90, *_LOGIT_CLIP)))
            i = key.get(("share_90", row.month, row.group, row.region))
            if i is not None:
                obs_share[i], obs_logit[i] = s90, l90
            j = key.get(("gap", row.month, row.group, row.region))
            if j is not None:
                obs_share[j], obs_logit[j] = s60, l90 - float(_logit(np.clip(s60, *_LOGIT_CLIP)))
        seen = ~np.isnan(obs_logit)
        o, x = np.flatnonzero(seen), np.flatnonzero(~seen)
        cov = self.covariance()
        s_oo = cov[np.ix_(o, o)] + _JITTER * np.eye(len(o))
        gain = np.linalg.solve(s_oo, cov[np.ix_(o, x)]).T if len(o) else np.zeros((len(x), 0))
        mean = self.mu[x] + gain @ (obs_logit[o] - self.mu[o])
        cond = cov[np.ix_(x, x)] - gain @ cov[np.ix_(o, x)]
        cond = (cond + cond.T) / 2
        try:
            factor, triangular = np.linalg.cholesky(cond + _JITTER * np.eye(len(x))), True
        except np.linalg.LinAlgError:  # a degenerate scenario (some spreads 0): factor via eigenvalues
            lam, vec = np.linalg.eigh(cond)
            factor, triangular = vec * np.sqrt(np.clip(lam, 0.0, None)), False
        return ConditionedModel(self, o, x, obs_logit[o], obs_share, mean, np.ascontiguousarray(factor), triangular, int(seen.sum()))


@dataclass(frozen=True)
class ConditionedModel:
    """A :class:`TrajectoryModel` given observed cells: draws only the others."""

    model: TrajectoryModel
    observed: np.ndarray  # variable indexes
    missing: np.ndarray
    observed_logit: np.ndarray
    observed_share: np.ndarray  # (V,) NaN where not observed
    mean: np.ndarray  # conditional mean of the missing variables
    factor: np.ndarray  # its covariance = factor @ factor.T
    triangular: bool
    n_observed: int

    @property
    def n_latent(self) -> int:
        return len(self.missing)

    def fill(self, rng: np.random.Generator, skip: int, s90: np.ndarray, s60: np.ndarray) -> None:
        state = sfc64_state(rng)
        _draw_conditional(state, skip, self.mean, self.factor, self.triangular, self.missing, self.observed, self.observed_logit,
                          self.model.n_vars, self.model.n90, self.model.pair_90, self.observed_share, s90, s60)  # fmt: skip
        set_sfc64_state(rng, state)


def trajectory_model(
    scenario: Scenario | str | Path | None,
    months: Sequence[str],
    months_60: Sequence[str] = (),
    groups: Sequence[str] | None = None,
    population=None,
) -> TrajectoryModel:
    """Build the model of a scenario for share_90 in ``months`` and share_60 in ``months_60``.

    ``population`` (a :class:`~kommiljard.population.Population`, default SCB 2018) weights
    the centring of regional levels and trends.
    """
    from .errors import InputError
    from .population import read_population
    from .scenario import ScenarioError, load_scenario

    scenario = load_scenario(scenario)
    spec = scenario.spec
    groups = tuple(groups or spec.group_names)
    if unknown := [g for g in groups if g not in spec.national]:
        raise ScenarioError(f"{scenario.origin}: no group(s) {unknown} (the rules need them); the scenario describes {list(spec.group_names)}")
    months, months_60 = tuple(sorted(set(months))), tuple(sorted(set(months_60)))
    if extra := sorted(set(months_60) - set(months)):
        raise ValueError(f"months_60 {extra} must also be share_90 months")
    year, cal = _year_months(spec, months)
    regions = region_codes()
    population = population or read_population()
    if missing := [r for r in regions if r not in population.counts.index]:
        raise InputError(f"{population.source}: synthetic trajectories need the population of all 21 regions; missing {' '.join(missing)}")
    w = population.of(regions).astype(np.float64)
    R, G, M = len(regions), len(groups), len(months)
    nat = [spec.national[g] for g in groups]

    slope90 = np.array([n.level_pct * (100 - n.level_pct) / 100 for n in nat])
    level60 = np.array([n.level_pct - float(np.mean(n.gap_pp)) for n in nat])
    slope60 = level60 * (100 - level60) / 100

    def per_group(values: dict, slope: np.ndarray) -> np.ndarray:
        return np.array([values[g] for g in groups]) / slope

    sd_level, sd_trend = per_group(spec.spread.level_sd_pp, slope90), per_group(spec.spread.trend_sd_pp, slope90)
    sd_noise = per_group(spec.spread.noise_sd_pp, slope90)
    sd_year, sd_month = per_group(spec.shock.year_sd_pp, slope90), per_group(spec.shock.month_sd_pp, slope90)
    sd_gap, sd_gapnoise = per_group(spec.spread.gap_sd_pp, slope60), per_group(spec.spread.gap_noise_sd_pp, slope60)

    # Regions the scenario fixes: level (logit offset from the centre) and trend.
    free_level, free_trend = np.ones((R, G)), np.ones((R, G))
    fixed_level, fixed_trend = np.zeros((R, G)), np.zeros((R, G))
    annual_sd = np.hypot(sd_level, sd_noise)
    for code, setting in spec.regions.items():
        r = regions.index(code)
        for gi, g in enumerate(groups):
            if g in setting.level_pct:
                free_level[r, gi] = 0.0
                fixed_level[r, gi] = float(_logit(np.array(setting.level_pct[g]))) - _centre(nat[gi].level_pct, annual_sd[gi])
            if g in setting.trend_pp:
                free_trend[r, gi] = 0.0
                fixed_trend[r, gi] = setting.trend_pp[g] / slope90[gi]

    def centring_shift(free: np.ndarray, fixed: np.ndarray) -> np.ndarray:
        """Shift of the drawn regions so that the weighted mean over all regions is 0."""
        w_free = w @ free
        return np.where(w_free > 0, -(w @ ((1 - free) * fixed)) / np.where(w_free > 0, w_free, 1.0), 0.0)

    level = np.where(free_level > 0, centring_shift(free_level, fixed_level), fixed_level)  # (R, G)
    trend = np.where(free_trend > 0, centring_shift(free_trend, fixed_trend), fixed_trend)

    slots = sorted({m for m, y in zip(months, year) if y == 1})
    slot = np.array([slots.index(m) if y == 1 else -1 for m, y in zip(months, year)], dtype=np.int64)
    mu90 = np.empty((M, G, R))
    gap_logit = {}
    for mi in range(M):
        y, c = year[mi], cal[mi] - 1
        for gi, n in enumerate(nat):
            pct = n.level_pct + n.season_pp[c] + y * (n.trend_pp + n.response_pp[c])
            var = sd_level[gi] ** 2 + sd_noise[gi] ** 2 + y * (sd_trend[gi] ** 2 + sd_year[gi] ** 2 + sd_month[gi] ** 2)
            centre = _centre(pct, np.sqrt(var))
            mu90[mi, gi] = centre + level[:, gi] + y * trend[:, gi]
            var60 = var + sd_gap[gi] ** 2 + sd_gapnoise[gi] ** 2
            gap_logit[months[mi], gi] = centre - _centre(pct - n.gap_pp[c], np.sqrt(var60))
    mu60 = np.array([[np.full(R, gap_logit[m, gi]) for gi in range(G)] for m in months_60]).reshape(len(months_60), G, R)
    mu = np.concatenate([mu90.ravel(), mu60.ravel()])

    args = (
        R, G, year.astype(np.int64), slot, max(len(slots), 1), len(months_60), free_level, free_trend, w,
        _corr_factor(spec.spread.level_corr, G), _corr_factor(spec.spread.trend_corr, G), _corr_factor(spec.shock.group_corr, G),
        sd_level, sd_trend, sd_year, sd_month, sd_noise, sd_gap, sd_gapnoise,
    )  # fmt: skip
    n_latent = 3 * R * G + G + max(len(slots), 1) * G + len(mu)
    return TrajectoryModel(scenario, regions, groups, months, months_60, mu, args, n_latent)


@njit(cache=True)
def _correlated(zt, start, factor, sd, free, w, out):
    """Per-region draws correlated between groups, centred to a weighted mean of 0."""
    n_reg, n_grp = out.shape
    for r in range(n_reg):
        for g in range(n_grp):
            v = 0.0
            for h in range(g + 1):
                v += factor[g, h] * zt[start + r * n_grp + h]
            out[r, g] = sd[g] * v * free[r, g]
    for g in range(n_grp):
        total = 0.0
        weight = 0.0
        for r in range(n_reg):
            total += w[r] * out[r, g]
            weight += w[r] * free[r, g]
        if weight > 0.0:
            for r in range(n_reg):
                out[r, g] -= free[r, g] * total / weight


@njit(nogil=True, cache=True)
def _model_logits(
    z, mu, n_reg, n_grp, year, slot, n_slots, n_months_60, free_level, free_trend, w,
    level_factor, trend_factor, shock_factor,
    sd_level, sd_trend, sd_year, sd_month, sd_noise, sd_gap, sd_gapnoise, out,
):  # fmt: skip
    """The model's logits for each row of standard normals ``z`` (see the section comment)."""
    rg = n_reg * n_grp
    trend0, year0 = rg, 2 * rg
    month0 = year0 + n_grp
    gap0 = month0 + n_slots * n_grp
    noise0 = gap0 + rg
    n_months = year.shape[0]
    level = np.empty((n_reg, n_grp))
    trend = np.empty((n_reg, n_grp))
    shock = np.empty((n_slots + 1, n_grp))  # row 0: the year's shock; row 1 + s: month slot s
    for t in range(z.shape[0]):
        zt = z[t]
        _correlated(zt, 0, level_factor, sd_level, free_level, w, level)
        _correlated(zt, trend0, trend_factor, sd_trend, free_trend, w, trend)
        for g in range(n_grp):
            for s in range(n_slots + 1):
                first = year0 if s == 0 else month0 + (s - 1) * n_grp
                v = 0.0
                for h in range(g + 1):
                    v += shock_factor[g, h] * zt[first + h]
                shock[s, g] = v * (sd_year[g] if s == 0 else sd_month[g])
        i = 0
        for m in range(n_months):
            for g in range(n_grp):
                for r in range(n_reg):
                    v = mu[i] + level[r, g] + sd_noise[g] * zt[noise0 + i]
                    if year[m] == 1:
                        v += trend[r, g] + shock[0, g] + shock[1 + slot[m], g]
                    out[t, i] = v
                    i += 1
        for m in range(n_months_60):
            for g in range(n_grp):
                for r in range(n_reg):
                    out[t, i] = mu[i] + sd_gap[g] * zt[gap0 + r * n_grp + g] + sd_gapnoise[g] * zt[noise0 + i]
                    i += 1


@njit(nogil=True, cache=True)
def _conditional_logits(z, mean, factor, triangular, missing, observed, observed_logit, out):
    """Observed variables at their values; the others from mean + factor @ z."""
    m = missing.shape[0]
    for t in range(z.shape[0]):
        for j in range(observed.shape[0]):
            out[t, observed[j]] = observed_logit[j]
        for a in range(m):
            v = mean[a]
            stop = a + 1 if triangular else m
            for b in range(stop):
                v += factor[a, b] * z[t, b]
            out[t, missing[a]] = v


@njit(cache=True)
def _share(logit):
    """A logit as a percentage rounded to one decimal, as published."""
    return np.rint(1000.0 / (1.0 + np.exp(-logit))) / 10.0


@njit(nogil=True, cache=True)
def _shares(logits, n90, pair_90, observed_share, s90, s60):
    """share_90 (T, n90) and share_60 (T, n60) from logits; observed cells keep their values."""
    n60 = s60.shape[1]
    for t in range(logits.shape[0]):
        for i in range(n90):
            s90[t, i] = observed_share[i] if not np.isnan(observed_share[i]) else _share(logits[t, i])
        for j in range(n60):
            k = n90 + j
            if not np.isnan(observed_share[k]):
                s60[t, j] = observed_share[k]
            else:
                gap = max(logits[t, k], 0.0)
                s60[t, j] = min(_share(logits[t, pair_90[j]] - gap), s90[t, pair_90[j]])


@dataclass(frozen=True)
class Draws:
    """Shares of trajectories ``start`` to ``stop - 1``: share_90 (T, M, G, R), share_60 (T, M60, G, R)."""

    start: int
    share_90: np.ndarray
    share_60: np.ndarray


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The generator of logical block ``block``: its trajectories take, row after row, the
    standard normals of ``block_generator(seed, block).standard_normal((BLOCK_SIZE, n_latent))``."""
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(seed, spawn_key=(block,))))


# NumPy's standard normals (its ziggurat, ``random_standard_normal`` in
# numpy/random/src/distributions/distributions.c, as numba re-implements it in
# numba/np/random/distributions.py) from SFC64 (numpy/random/src/sfc64/sfc64.h), with the
# generator's four words of state in local variables: numba's Generator support calls the
# bit generator through a function pointer for every word, which took most of a sweep's
# drawing time. tests/test_trajectories.py checks the values and the state after against
# NumPy's on millions of draws.
_U1, _U3, _U8, _U11, _U24, _U40 = (np.uint64(k) for k in (1, 3, 8, 11, 24, 40))
_MASK8, _MASK52 = np.uint64(0xFF), np.uint64(0x000FFFFFFFFFFFFF)
_TO_DOUBLE = 1.0 / 9007199254740992.0


@njit(inline="always")
def _sfc64_next(a, b, c, w):
    """SFC64's next word and its new state."""
    tmp = a + b + w
    return tmp, b ^ (b >> _U11), c + (c << _U3), ((c << _U24) | (c >> _U40)) + tmp, w + _U1


@njit(nogil=True, cache=True)
def _fill_normals(state, out):
    """Fill ``out`` with the next standard normals of the SFC64 ``state`` (uint64 (4,), updated)."""
    a, b, c, w = state[0], state[1], state[2], state[3]
    for i in range(out.shape[0]):
        while True:
            r, a, b, c, w = _sfc64_next(a, b, c, w)
            idx = np.intp(r & _MASK8)
            r = r >> _U8
            rabs = (r >> _U1) & _MASK52
            x = rabs * _ZIG_WI[idx]
            if r & _U1:
                x = -x
            if rabs < _ZIG_KI[idx]:
                break
            if idx == 0:
                while True:
                    u, a, b, c, w = _sfc64_next(a, b, c, w)
                    xx = -_ZIG_NOR_INV_R * np.log1p(-((u >> _U11) * _TO_DOUBLE))
                    u, a, b, c, w = _sfc64_next(a, b, c, w)
                    yy = -np.log1p(-((u >> _U11) * _TO_DOUBLE))
                    if yy + yy > xx * xx:
                        break
                x = -(_ZIG_NOR_R + xx) if (rabs >> _U8) & _U1 else _ZIG_NOR_R + xx
                break
            u, a, b, c, w = _sfc64_next(a, b, c, w)
            if (_ZIG_FI[idx - 1] - _ZIG_FI[idx]) * ((u >> _U11) * _TO_DOUBLE) + _ZIG_FI[idx] < np.exp(-0.5 * x * x):
                break
        out[i] = x
    state[0], state[1], state[2], state[3] = a, b, c, w


def sfc64_state(rng: np.random.Generator) -> np.ndarray:
    """The four words of an SFC64 generator's state, as a new uint64 array."""
    if not isinstance(rng.bit_generator, np.random.SFC64):
        raise TypeError(f"trajectories are drawn from SFC64 generators, not {type(rng.bit_generator).__name__}")
    return np.array(rng.bit_generator.state["state"]["state"], dtype=np.uint64)


def set_sfc64_state(rng: np.random.Generator, state: np.ndarray) -> None:
    """Put ``state`` (from :func:`sfc64_state`, advanced) back into ``rng``."""
    full = rng.bit_generator.state
    full["state"]["state"] = np.array(state, dtype=np.uint64)
    rng.bit_generator.state = full


@njit(nogil=True, cache=True)
def _draw_structured(
    state, skip, n_latent, mu, n_reg, n_grp, year, slot, n_slots, n_months_60, free_level, free_trend, w,
    level_factor, trend_factor, shock_factor, sd_level, sd_trend, sd_year, sd_month, sd_noise, sd_gap, sd_gapnoise,
    n90, pair_90, observed_share, s90, s60,
):  # fmt: skip
    """Draw s90.shape[0] trajectories after skipping ``skip`` (NumPy's stream of the SFC64 ``state``)."""
    z = np.empty((1, n_latent))
    for _ in range(skip):
        _fill_normals(state, z[0])
    logits = np.empty((1, mu.shape[0]))
    for t in range(s90.shape[0]):
        _fill_normals(state, z[0])
        _model_logits(z, mu, n_reg, n_grp, year, slot, n_slots, n_months_60, free_level, free_trend, w,
                      level_factor, trend_factor, shock_factor, sd_level, sd_trend, sd_year, sd_month, sd_noise, sd_gap, sd_gapnoise, logits)  # fmt: skip
        _shares(logits, n90, pair_90, observed_share, s90[t : t + 1], s60[t : t + 1])


@njit(nogil=True, cache=True)
def _draw_conditional(state, skip, mean, factor, triangular, missing, observed, observed_logit, n_vars, n90, pair_90, observed_share, s90, s60):
    """As :func:`_draw_structured` for a conditioned model."""
    n_latent = missing.shape[0]
    z = np.empty((1, n_latent))
    for _ in range(skip):
        _fill_normals(state, z[0])
    logits = np.empty((1, n_vars))
    for t in range(s90.shape[0]):
        _fill_normals(state, z[0])
        _conditional_logits(z, mean, factor, triangular, missing, observed, observed_logit, logits)
        _shares(logits, n90, pair_90, observed_share, s90[t : t + 1], s60[t : t + 1])


def draw(model: TrajectoryModel | ConditionedModel, seed: int, start: int, stop: int, threads: int = 1) -> Draws:
    """Draw trajectories ``start`` to ``stop - 1`` of a seed.

    Trajectory i depends only on the seed, i and the model: the normals come in logical
    blocks of :data:`BLOCK_SIZE` trajectories, block b from ``SeedSequence(seed,
    spawn_key=(b,))`` (the b-th child of ``SeedSequence(seed).spawn``), whatever range is
    asked for; ``threads`` work on whole blocks (the kernels release the GIL).
    """
    base = model.model if isinstance(model, ConditionedModel) else model
    s90, s60 = np.empty((stop - start, base.n90)), np.empty((stop - start, base.n_vars - base.n90))

    def one_block(b: int) -> None:
        lo, hi = max(start, b * BLOCK_SIZE), min(stop, (b + 1) * BLOCK_SIZE)
        rows = slice(lo - start, hi - start)
        model.fill(block_generator(seed, b), lo - b * BLOCK_SIZE, s90[rows], s60[rows])

    blocks = range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1)
    if threads > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one_block, blocks))
    else:
        for b in blocks:
            one_block(b)
    return Draws(start, s90.reshape(-1, *base.shape_90), s60.reshape(-1, *base.shape_60))


def trajectories(
    scenario: Scenario | str | Path | None = None,
    n: int = 1,
    seed: int = 0,
    months: Sequence[str] | None = None,
    observed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``n`` synthetic panels in one long frame: trajectory, region, month, group, share_90, share_60.

    ``months`` default to all 24 months of the scenario's baseline and measurement years;
    share_60 is drawn for the same months. With ``observed`` (a panel frame), its cells
    stay as observed and the others are drawn given them. Each trajectory is a valid panel.
    """
    from .scenario import load_scenario

    scenario = load_scenario(scenario)
    spec = scenario.spec
    months = _scenario_months(spec) if months is None else list(months)
    if observed is not None:
        months = sorted(set(months) | set(observed["month"]) & set(_scenario_months(spec)))
    model = trajectory_model(scenario, months, months)
    drawn = draw(model.condition(observed) if observed is not None else model, seed, 0, n)
    t, m, g, r = np.indices(drawn.share_90.shape).reshape(4, -1)
    return pd.DataFrame({
        "trajectory": t.astype(np.int64), "region": np.array(model.regions)[r], "month": np.array(model.months)[m],
        "group": np.array(model.groups)[g], "share_90": drawn.share_90.ravel(), "share_60": drawn.share_60.ravel(),
    })  # fmt: skip


def _scenario_months(spec) -> list[str]:
    return [f"{y}-{m:02d}" for y in (spec.baseline_year, spec.measurement_year) for m in range(1, 13)]


# ---------------------------------------------------------------------------------------
# Calibration: a scenario's trajectories against the real national series and 2019 counts.
# ---------------------------------------------------------------------------------------

_SERIES_GROUPS = {"forstabesok": "first_visit", "operation_atgard": "operation"}


def reference_series() -> pd.DataFrame:
    """The real national series (packaged copies of shared/data): month, group, share_90,
    and share_60 where the breakdown by waiting time was published."""
    data = files("kommiljard") / "data"
    with (data / "waits_national_2016_2019.csv").open("rb") as fh:
        series = pd.read_csv(fh)
    with (data / "waits_national_breakdown_counts.csv").open("rb") as fh:
        breakdown = pd.read_csv(fh)
    series = series.rename(columns={"share_waiting_le90d_pct": "share_90"})[["month", "group", "share_90"]]
    breakdown = breakdown.rename(columns={"DERIVED_share_le90d_pct": "share_90_breakdown", "DERIVED_share_le60d_pct": "share_60"})
    out = series.merge(breakdown[["month", "group", "share_90_breakdown", "share_60"]], on=["month", "group"], how="outer")
    out["group"] = out["group"].map(_SERIES_GROUPS)
    return out.sort_values(["group", "month"], ignore_index=True)


def calibration_table(scenario: Scenario | str | Path | None = None, n: int = 2000, seed: int = 0, population=None) -> pd.DataFrame:
    """Compare ``n`` trajectories of a scenario with the real data, one row per check.

    Columns: ``check``, ``month``, ``group``, ``measure``, ``model_mean``, ``model_p5``,
    ``model_p95`` (over trajectories), ``real`` and ``source``. National values are
    population-weighted means of the regions' shares. Checks:

    - ``published_count``: regions (of 21) per 2019 measurement month and group that
      ``improved`` (> 0 pp), ``improved_1pp``, have ``share_60_ge_71``, or are ``paid``
      (either; group ``any``: in at least one group), against the published counts.
    - ``national_level``: national share_90 per month, against the real series.
    - ``season``: the baseline year's deviation of each calendar month from its mean,
      against the real pattern (mean of 2017 and 2018).
    - ``national_gap``: national share_90 - share_60, where the breakdown was published.
    - ``yoy_size``: the size of year-on-year changes of the national series (rounded to
      whole percent, as published), outside the scheme months: ``within_year_sd`` (spread
      over the months of a year) and ``year_mean_sd`` (spread of a year's mean change).
    - ``regional_change``: the largest regional improvement in the scheme months, against
      the largest announced (a lower bound for the truth).
    """
    from .population import read_population
    from .scenario import load_scenario

    scenario = load_scenario(scenario)
    spec = scenario.spec
    months = _scenario_months(spec)
    population = population or read_population()
    model = trajectory_model(scenario, months, months, population=population)
    drawn = draw(model, seed, 0, n)
    w = population.of(model.regions).astype(np.float64)
    w /= w.sum()
    nat90 = drawn.share_90 @ w  # (T, M, G)
    nat60 = drawn.share_60 @ w
    real = reference_series().set_index(["month", "group"])
    rows: list[dict] = []

    def add(check, month, group, measure, values, real_value=np.nan, source=""):
        values = np.asarray(values, dtype=np.float64)
        rows.append({"check": check, "month": month, "group": group, "measure": measure, "model_mean": values.mean(),
                     "model_p5": np.percentile(values, 5), "model_p95": np.percentile(values, 95),
                     "real": real_value, "source": source})  # fmt: skip

    scheme = [m for m in months if int(m[:4]) == spec.measurement_year and any(spec.national[g].response_pp[int(m[5:]) - 1] for g in model.groups)]
    for month in scheme:
        cur, prev = months.index(month), months.index(f"{spec.baseline_year}{month[4:]}")
        imp = np.round(drawn.share_90[:, cur] - drawn.share_90[:, prev], 6)  # (T, G, R)
        target = drawn.share_60[:, cur] >= 71.0
        paid = (imp >= 1.0) | target
        for gi, group in enumerate(model.groups):
            for measure, hit in (("improved", imp > 0), ("improved_1pp", imp >= 1.0), ("share_60_ge_71", target), ("paid", paid)):
                add("published_count", month, group, measure, hit[:, gi].sum(axis=-1), PUBLISHED_2019.get((month, group, measure), np.nan), "outcome_2019_published.csv")
        add("published_count", month, "any", "paid", paid.any(axis=1).sum(axis=-1), PUBLISHED_2019.get((month, "any", "paid"), np.nan), "outcome_2019_published.csv")

    series_source = "waits_national_2016_2019.csv"
    for gi, group in enumerate(model.groups):
        for mi, month in enumerate(months):
            add("national_level", month, group, "share_90_pct", nat90[:, mi, gi], real["share_90"].get((month, group), np.nan), series_source)
        base = [months.index(f"{spec.baseline_year}-{m:02d}") for m in range(1, 13)]
        dev = nat90[:, base, gi] - nat90[:, base, gi].mean(axis=1, keepdims=True)
        real_dev = _real_season(real["share_90"].xs(group, level="group"))
        for m in range(12):
            add("season", f"{m + 1:02d}", group, "deviation_pp", dev[:, m], real_dev.get(m + 1, np.nan), series_source + ", full years")
        for mi, month in enumerate(months):
            if (month, group) in real.index and not np.isnan(real["share_60"].get((month, group), np.nan)):
                gap = real.loc[(month, group)]
                add("national_gap", month, group, "share_90_minus_share_60_pp", nat90[:, mi, gi] - nat60[:, mi, gi],
                    gap["share_90_breakdown"] - gap["share_60"], "waits_national_breakdown_counts.csv")  # fmt: skip
        quiet = [m for m in range(1, 13) if f"{spec.measurement_year}-{m:02d}" not in scheme]
        later = [months.index(f"{spec.measurement_year}-{m:02d}") for m in quiet]
        earlier = [months.index(f"{spec.baseline_year}-{m:02d}") for m in quiet]
        yoy = np.rint(nat90[:, later, gi]) - np.rint(nat90[:, earlier, gi])
        real_within, real_years = _real_yoy_sizes(real["share_90"].xs(group, level="group"), spec)
        add("yoy_size", "", group, "within_year_sd", yoy.std(axis=1, ddof=1), real_within, series_source + ", 2017-2019 outside the scheme months")
        add("yoy_size", "", group, "year_mean_sd", np.full(2, yoy.mean(axis=1).std(ddof=1)), real_years, series_source + ", annual means 2017-2019")
    largest = np.max([np.round(drawn.share_90[:, months.index(m)] - drawn.share_90[:, months.index(f"{spec.baseline_year}{m[4:]}")], 6) for m in scheme], axis=(0, 2, 3))
    add("regional_change", "", "any", "largest_improvement_pp", largest, 9.0, "outcome_2019_published.csv: region 22, Oct operations +9 (largest announced)")
    return pd.DataFrame(rows)


def _real_season(series: pd.Series) -> dict[int, float]:
    """Mean deviation of each calendar month from its year's mean, over full years."""
    frame = series.rename("v").reset_index()
    frame["year"], frame["cal"] = frame["month"].str[:4].astype(int), frame["month"].str[5:].astype(int)
    wide = frame.pivot(index="year", columns="cal", values="v").dropna()
    return wide.sub(wide.mean(axis=1), axis=0).mean().to_dict()


def _real_yoy_sizes(series: pd.Series, spec) -> tuple[float, float]:
    """Within-year SD of the change vs a year earlier (pooled), and the SD of its annual means."""
    values = series.to_dict()
    scheme = {f"{spec.measurement_year}-{m:02d}" for m in range(1, 13) if any(n.response_pp[m - 1] for n in spec.national.values())}
    changes = pd.Series({m: v - values[f"{int(m[:4]) - 1}{m[4:]}"] for m, v in values.items() if f"{int(m[:4]) - 1}{m[4:]}" in values and m not in scheme})
    years = changes.groupby(changes.index.str[:4])
    within = np.sqrt(((changes - years.transform("mean")) ** 2).sum() / (len(changes) - years.ngroups))
    return float(within), float(years.mean().std(ddof=1))
