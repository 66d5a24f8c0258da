"""Calibration: synthetic panels and trajectories against the real national series and the
counts published about the 2019 outcome (packaged in ``kommiljard/data/``)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..inputs.population import read_population
from .model import draw, scenario_months, trajectory_model
from .scenario import Scenario, load_scenario

PUBLISHED, SERIES = "outcome_2019_published.csv", "waits_national_2016_2019.csv"  # the checks' sources
SAMPLE_YEARS = (2018, 2019)  # the comparison year and the scheme year of the 2019 sample panel
GROUPS = ("first_visit", "operation")
# The rows of outcome_2019_published.csv that count regions, in calibration_summary's terms.
PUBLISHED_WHAT = {
    "regions improved vs same month 2018": "improved",
    "regions with share_60 above 71": "share_60_ge_71",
    "regions with share_60 at least 71": "share_60_ge_71",
    "regions paid for the month": "paid",
}


@cache
def entry_2019() -> tuple[float, float]:
    """The 2019 rules' blue-bar bound (pp) and 71 % target: what "paid" means in the published counts."""
    from ..rules import load_rules

    block = load_rules("kommiljard-2019").ruleset.block(1)
    return block.bars[0].min_improvement, block.target.threshold


def calibration_summary(panel: pd.DataFrame) -> pd.DataFrame:
    """Count regions per 2019 month and group, in the long format of the published outcome.

    Columns month, group, measure, regions. Measures: ``improved`` (share_90 above the same
    month of 2018), ``improved_1pp`` (by >= 1 pp), ``share_60_ge_71`` and ``paid``
    (improved_1pp or share_60_ge_71; for group ``any``, in at least one group).
    """
    wide = panel.pivot_table(index=["region", "group"], columns="month", values=["share_90", "share_60"])
    rows = []
    for month in sorted(m for m in panel["month"].unique() if m.startswith(f"{SAMPLE_YEARS[1]}-")):
        imp = (wide[("share_90", month)] - wide[("share_90", f"{SAMPLE_YEARS[0]}-{month[5:]}")]).round(6)
        blue, target_pct = entry_2019()
        target = wide[("share_60", month)] >= target_pct
        paid = (imp >= blue) | target
        for group in GROUPS:
            sel = imp.index.get_level_values("group") == group
            counts = {
                "improved": imp[sel] > 0,
                "improved_1pp": imp[sel] >= blue,
                "share_60_ge_71": target[sel],
                "paid": paid[sel],
            }
            rows += [(month, group, k, int(v.sum())) for k, v in counts.items()]
        rows.append((month, "any", "paid", int(paid.groupby(level="region").any().sum())))
    return pd.DataFrame(rows, columns=["month", "group", "measure", "regions"])


@cache
def published_2019() -> dict[tuple[str, str, str], int]:
    """What was published about 2019 (``outcome_2019_published.csv``), as (month, group, measure)
    -> number of regions, in :func:`calibration_summary`'s terms."""
    with (files("kommiljard") / "data" / "outcome_2019_published.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype=str)
    counts = table[table["what"].isin(PUBLISHED_WHAT)]
    return {(r.period, r.group, PUBLISHED_WHAT[r.what]): int(r.value) for r in counts.itertuples()}


_SERIES_GROUPS = {"forstabesok": "first_visit", "operation_atgard": "operation"}


def reference_series() -> pd.DataFrame:
    """The real national series (packaged in kommiljard/data, sources in its SOURCES.md): month, group, share_90,
    and share_60 where the breakdown by waiting time was published."""
    data = files("kommiljard") / "data"
    with (data / "waits_national_2016_2019.csv").open("rb") as fh:
        series = pd.read_csv(fh)
    with (data / "waits_national_breakdown_counts.csv").open("rb") as fh:
        breakdown = pd.read_csv(fh)
    series = series.rename(columns={"share_waiting_le90d_pct": "share_90"})[["month", "group", "share_90"]]
    breakdown = breakdown.rename(
        columns={"DERIVED_share_le90d_pct": "share_90_breakdown", "DERIVED_share_le60d_pct": "share_60"}
    )
    out = series.merge(
        breakdown[["month", "group", "share_90_breakdown", "share_60"]], on=["month", "group"], how="outer"
    )
    out["group"] = out["group"].map(_SERIES_GROUPS)
    return out.sort_values(["group", "month"], ignore_index=True)


def calibration_table(
    scenario: Scenario | str | Path | None = None, n: int = 2000, seed: int = 0, population=None
) -> pd.DataFrame:
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
    scenario = load_scenario(scenario)
    spec = scenario.spec
    months = scenario_months(spec)
    population = population or read_population()
    model = trajectory_model(scenario, months, months, population=population)
    drawn = draw(model, seed, 0, n)
    w = population.of(model.regions).astype(np.float64)
    w /= w.sum()
    scheme = [
        m
        for m in months
        if int(m[:4]) == spec.measurement_year
        and any(spec.national[g].response_pp[int(m[5:]) - 1] for g in model.groups)
    ]
    # the national series (T, M, G) are population-weighted means of the regions' shares
    d = _Drawn(
        spec, months, scheme, model.groups, drawn.share_90, drawn.share_60, drawn.share_90 @ w, drawn.share_60 @ w
    )
    rows = _Rows()
    _published_counts(rows, d)
    real = reference_series().set_index(["month", "group"])
    for gi, group in enumerate(model.groups):
        _national_series(rows, d, real, gi, group)
    _largest_change(rows, d)
    return pd.DataFrame(rows)


class _Drawn(NamedTuple):
    """A calibration's trajectories: the scenario, its months (the scheme's: those with a response), the
    groups, the regions' shares (T, M, G, R) and the national series (T, M, G)."""

    spec: object
    months: list[str]
    scheme: list[str]
    groups: tuple[str, ...]
    share_90: np.ndarray
    share_60: np.ndarray
    nat90: np.ndarray
    nat60: np.ndarray


class _Rows(list):
    """The calibration's rows, one per check: the model's mean and 5-95 % range over the trajectories,
    beside the real value and its source."""

    def add(self, check, month, group, measure, values, *, real=np.nan, source="") -> None:
        values = np.asarray(values, dtype=np.float64)
        self.append(
            {
                "check": check,
                "month": month,
                "group": group,
                "measure": measure,
                "model_mean": values.mean(),
                "model_p5": np.percentile(values, 5),
                "model_p95": np.percentile(values, 95),
                "real": real,
                "source": source,
            }
        )


def _published_counts(rows: _Rows, d: _Drawn) -> None:
    """Regions per scheme month and group that improved, improved by the blue bar, reached the target or
    were paid, against the published counts."""
    months, spec = d.months, d.spec
    blue, target_pct = entry_2019()
    for month in d.scheme:
        cur, prev = months.index(month), months.index(f"{spec.baseline_year}{month[4:]}")
        imp = np.round(d.share_90[:, cur] - d.share_90[:, prev], 6)  # (T, G, R)
        target = d.share_60[:, cur] >= target_pct
        paid = (imp >= blue) | target
        for gi, group in enumerate(d.groups):
            for measure, hit in (
                ("improved", imp > 0),
                ("improved_1pp", imp >= blue),
                ("share_60_ge_71", target),
                ("paid", paid),
            ):
                published = published_2019().get((month, group, measure), np.nan)
                count = hit[:, gi].sum(axis=-1)
                rows.add("published_count", month, group, measure, count, real=published, source=PUBLISHED)
        published = published_2019().get((month, "any", "paid"), np.nan)
        count = paid.any(axis=1).sum(axis=-1)
        rows.add("published_count", month, "any", "paid", count, real=published, source=PUBLISHED)


def _national_series(rows: _Rows, d: _Drawn, real: pd.DataFrame, gi: int, group: str) -> None:
    """One group's national level per month, its season, its share_60 gap and the size of its
    year-on-year changes, against the real series."""
    months, spec, nat90 = d.months, d.spec, d.nat90
    for mi, month in enumerate(months):
        real_value = real["share_90"].get((month, group), np.nan)
        rows.add("national_level", month, group, "share_90_pct", nat90[:, mi, gi], real=real_value, source=SERIES)
    base = [months.index(f"{spec.baseline_year}-{m:02d}") for m in range(1, 13)]
    dev = nat90[:, base, gi] - nat90[:, base, gi].mean(axis=1, keepdims=True)
    real_dev = _real_season(real["share_90"].xs(group, level="group"))
    for m in range(12):
        real_value = real_dev.get(m + 1, np.nan)
        rows.add(
            "season", f"{m + 1:02d}", group, "deviation_pp", dev[:, m], real=real_value, source=f"{SERIES}, full years"
        )
    for mi, month in enumerate(months):
        if (month, group) in real.index and not np.isnan(real["share_60"].get((month, group), np.nan)):
            gap = real.loc[(month, group)]
            model_gap, real_gap = nat90[:, mi, gi] - d.nat60[:, mi, gi], gap["share_90_breakdown"] - gap["share_60"]
            source = "waits_national_breakdown_counts.csv"
            rows.add(
                "national_gap", month, group, "share_90_minus_share_60_pp", model_gap, real=real_gap, source=source
            )
    quiet = [m for m in range(1, 13) if f"{spec.measurement_year}-{m:02d}" not in d.scheme]
    later = [months.index(f"{spec.measurement_year}-{m:02d}") for m in quiet]
    earlier = [months.index(f"{spec.baseline_year}-{m:02d}") for m in quiet]
    yoy = np.rint(nat90[:, later, gi]) - np.rint(nat90[:, earlier, gi])
    real_within, real_years = _real_yoy_sizes(real["share_90"].xs(group, level="group"), spec)
    rows.add("yoy_size", "", group, "within_year_sd", yoy.std(axis=1, ddof=1), real=real_within,
             source=f"{SERIES}, 2017-2019 outside the scheme months")  # fmt: skip
    rows.add("yoy_size", "", group, "year_mean_sd", np.full(2, yoy.mean(axis=1).std(ddof=1)), real=real_years,
             source=f"{SERIES}, annual means 2017-2019")  # fmt: skip


def _largest_change(rows: _Rows, d: _Drawn) -> None:
    """The largest regional improvement in the scheme months, against the largest announced."""
    months, base = d.months, d.spec.baseline_year
    changes = [np.round(d.share_90[:, months.index(m)] - d.share_90[:, months.index(f"{base}{m[4:]}")], 6)
               for m in d.scheme]  # fmt: skip
    largest = np.max(changes, axis=(0, 2, 3))
    rows.add("regional_change", "", "any", "largest_improvement_pp", largest, real=9.0,
             source=f"{PUBLISHED}: region 22, Oct operations +9 (largest announced)")  # fmt: skip


def _real_season(series: pd.Series) -> dict[int, float]:
    """Mean deviation of each calendar month from its year's mean, over full years."""
    frame = series.rename("v").reset_index()
    frame["year"], frame["cal"] = frame["month"].str[:4].astype(int), frame["month"].str[5:].astype(int)
    wide = frame.pivot(index="year", columns="cal", values="v").dropna()
    return wide.sub(wide.mean(axis=1), axis=0).mean().to_dict()


def _real_yoy_sizes(series: pd.Series, spec) -> tuple[float, float]:
    """Within-year SD of the change vs a year earlier (pooled), and the SD of its annual means."""
    values = series.to_dict()
    scheme = {
        f"{spec.measurement_year}-{m:02d}"
        for m in range(1, 13)
        if any(n.response_pp[m - 1] for n in spec.national.values())
    }
    changes = pd.Series(
        {
            m: v - values[f"{int(m[:4]) - 1}{m[4:]}"]
            for m, v in values.items()
            if f"{int(m[:4]) - 1}{m[4:]}" in values and m not in scheme
        }
    )
    years = changes.groupby(changes.index.str[:4])
    within = np.sqrt(((changes - years.transform("mean")) ** 2).sum() / (len(changes) - years.ngroups))
    return float(within), float(years.mean().std(ddof=1))
