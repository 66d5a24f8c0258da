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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from .inputs.regions import region_table
from .sweeps.model import expit, logit

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

    # National share_90 (%), Sep/Oct/Nov 2018: kommiljard/data/waits_national_2016_2019.csv,
    # rows 2018-09..2018-11 (forstabesok -> first_visit, operation_atgard -> operation).
    national_share_90: dict[str, tuple[float, float, float]] = field(
        default_factory=lambda: {"first_visit": (76.0, 82.0, 84.0), "operation": (64.0, 71.0, 74.0)}
    )
    # Expected number of the 21 regions whose share_90 is above the same month of 2018, from
    # kommiljard/data/outcome_2019_published.csv: Sep 10 (first visits) and 11 (operations); their
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
    # kommiljard/data/waits_national_breakdown_counts.csv: first visits Oct 10.78 (2018-10),
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
    national_waiting: dict[str, int] = field(default_factory=lambda: {"first_visit": 295_000, "operation": 126_800})
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
    national_gap = logit(national) - logit(national - [params.gap_pp[g] for g in GROUPS])
    scheme_year = np.array([0.0, 1.0])[:, None]  # (year, 1)
    change_2019 = scheme_year * (change[_BY_REGION] + _typical_change(params, n_reg))
    l90 = logit(national)[_BY_MONTH] + offset[_BY_REGION] + change_2019 + noise
    gap = np.maximum(national_gap[_BY_MONTH] + gap_offset[_BY_REGION] + gap_noise, 0.0)
    s90 = np.round(expit(l90), 1)
    s60 = np.round(expit(l90 - gap), 1)

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


def _correlated_pairs(rng: np.random.Generator, n: int, corr: float) -> np.ndarray:
    """``n`` draws of two standard normals with correlation ``corr``, shape (n, 2)."""
    z = rng.standard_normal((n, 2))
    return np.column_stack([z[:, 0], corr * z[:, 0] + np.sqrt(1.0 - corr**2) * z[:, 1]])


def _typical_change(params: SynthParams, n_regions: int) -> np.ndarray:
    """shift per month (logit; the same for both groups): the expected number of the
    ``n_regions`` regions whose share_90 rose is then ``params.improving_regions``."""
    sd = np.hypot(params.change_sd, np.sqrt(2) * params.month_sd)  # of change + noise_2019 - noise_2018
    return np.array([sd * NormalDist().inv_cdf(k / n_regions) for k in params.improving_regions])
