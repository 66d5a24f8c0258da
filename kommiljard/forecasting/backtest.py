"""Backtests: how good a fitted forecast of a scheme's payouts would have been.

Given a history that runs past a scheme's months, :func:`backtest` pretends to stand at
``as_of``: it fits every region to the history up to then (:func:`~kommiljard.forecasting.fit.fit_history`),
writes the fitted scenario a user would have written (:func:`~kommiljard.forecasting.fitted.fitted_scenario`),
and sweeps it with the months known by then (:mod:`.forecast_model`): the rules' months up
to ``as_of`` are taken from the history, the later ones drawn from each region's forecast.
Then it computes, with the engine, what the history says each region was paid, and compares:

- per region the forecast's mean and central 50 % and 90 % intervals of the payout (exact
  percentiles of the trajectories, 25-75 and 5-95), the realised payout and whether it fell
  inside each interval;
- over the regions, the share inside each interval (the intervals' *coverage*: 50 % and
  90 % if the forecast is calibrated) and the mean absolute error of the forecast mean in
  kronor, against the naive forecast (this year's shares = last year's plus the national
  trend, :func:`~kommiljard.forecasting.forecast.naive_forecast`, run through the engine).

The payout is that of the block a sweep draws (block 1 of the 2019 scheme); a region's
payout has a mass at 0 (no bar in any month), so an interval whose lower end is 0 holds
every realised 0, and coverage can run a little above the nominal level.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import base_provenance, payout
from ..errors import InputError
from ..inputs.panel import Panel, normalise_month
from ..inputs.population import Population, read_population
from ..inputs.regions import region_names
from ..rules import DEFAULT_RULES, Rules, load_rules
from ..sweeps.outcomes import Batches, setup_sweep, sweep_draw
from ..sweeps.rng import STREAM_SIZE
from ..sweeps.scenario import DEFAULT_SCENARIO, load_scenario
from .fit import MIN_MONTHS, RESPONSE_CV, Fit, HistoryWarning, fit_history
from .fitted import fitted_scenario, scenario_text
from .forecast import naive_forecast
from .forecast_model import fitted_from_text
from .histories import as_history, cell_text, check_forecastable, listed, say
from .scores import TOLERANCE_SEK, crps, expected_coverage, pit_bounds

INTERVALS = {50: (25, 75), 90: (5, 95)}  # central interval -> percentiles of the trajectories
DEFAULT_N = 2000
_BATCH = 10 * STREAM_SIZE


@dataclass(frozen=True)
class Backtest:
    """A backtest's per-region table, its summary over the regions, its provenance, and the fit behind it."""

    regions: pd.DataFrame
    summary: dict
    provenance: dict
    fit: Fit
    scenario_text: str  # the fitted scenario the forecast was drawn from (TOML)


def backtest(
    history: Panel | pd.DataFrame | str | Path,
    as_of: str,
    *,
    rules: Rules | str | Path = DEFAULT_RULES,
    n: int = DEFAULT_N,
    seed: int = 0,
    population: Population | str | Path | None = None,
    response_from: str | Path | None = "default-2019",
    response_sd_pp: float = 0.0,
    borrow: bool = False,
    min_months: int = MIN_MONTHS,
    threads: int = 1,
    response_cv: float = RESPONSE_CV,
) -> Backtest:
    """Fit ``history`` up to ``as_of``, forecast the scheme's later months, compare with what happened.

    ``n`` trajectories drawn with ``seed`` (the same arguments give the same result);
    ``response_from`` names the scenario whose scheme response is assumed (None: no response).
    """
    rules = rules if isinstance(rules, Rules) else load_rules(rules)
    population = population if isinstance(population, Population) else read_population(population)
    block, needs = sweep_draw(rules)
    check_forecastable(needs.measures, rules.id)
    panel, groups = as_history(history, needs.groups).panel, needs.groups
    month = normalise_month(as_of)
    if month is None:
        raise InputError(say("refuse.as_of_not_month", as_of=as_of))
    if n < 1:
        raise InputError(say("refuse.no_trajectories", n=n))
    months = needs.every_month()  # every month the block's payout reads
    later = [m for m in months if m > month]
    if not later:
        raise InputError(say("refuse.nothing_to_forecast", month=month, first=months[0], last=months[-1]))
    frame = panel.frame[panel.frame["group"].isin(groups)]
    _check_realised(frame, months, groups, panel.source)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HistoryWarning)  # the fit keeps them in fit.warnings
        fit = fit_history(panel, until=month, groups=groups, min_months=min_months, borrow=borrow)
    document = fitted_scenario(fit, panel.synthetic, response_from, response_sd_pp, min_months, response_cv)
    text = scenario_text(document)
    scenario = fitted_from_text(text, say("fitted_origin", source=panel.source, month=month))
    known = panel.with_frame(frame[frame["month"] <= month].reset_index(drop=True))
    setup, observed = setup_sweep(scenario, rules, population, None, known)
    amounts = _amounts(setup, n, seed, threads)
    regions = setup.regions

    realised = _block_amounts(frame[frame["month"].isin(months)], rules, population, block, regions)
    naive_rows = naive_forecast(known, later, month)
    naive_panel = pd.concat([frame[frame["month"].isin(months) & (frame["month"] <= month)], naive_rows])
    naive = _block_amounts(naive_panel, rules, population, block, regions)
    default = _default_amounts(rules, population, known, n, seed, threads)

    table = _table(regions, amounts, realised, naive, default)
    summary = _summary(table, month, months, later, n, seed) | {
        "pot_sek": float(sum(setup.plan.pots.tolist()))  # each cell's pot in order, as the rules sum them
    }
    provenance = {
        **base_provenance(),
        "kind": "kommiljard backtest",
        "history": {"source": panel.source, "sha256": panel.sha256, "synthetic": panel.synthetic},
        "rules": rules.provenance() | {"block": block.number},
        "population": {"source": population.source, "sha256": population.sha256},
        "fit": {
            "until": fit.until,
            "months": list(fit.national_months),
            "warnings": list(fit.warnings),
            "borrowed": [r for r, b in zip(fit.regions, fit.borrowed, strict=True) if b.any()],
        },
        "scenario": {"name": scenario.name, "sha256": scenario.sha256, "response": scenario.spec.fit.response},
        "observed": observed,
        "default_scenario": DEFAULT_SCENARIO if default is not None else None,
        "n": int(n),
        "seed": int(seed),
        "synthetic": panel.synthetic,
    }
    return Backtest(table, summary, provenance, fit, text)


def _amounts(setup, n: int, seed: int, threads: int) -> np.ndarray:
    """Each trajectory's payout per region (n, R) from a sweep's setup, in batches."""
    compute = Batches(setup, seed, threads)  # its draw arrays reused from batch to batch
    return np.concatenate([compute(a, min(a + _BATCH, n))["amount_sek"] for a in range(0, n, _BATCH)])


def _default_amounts(rules: Rules, population: Population, known: Panel, n: int, seed: int, threads: int):
    """The default scenario's forecast of the payouts given the months known (None when its years are not the
    rules'): what a fitted forecast has to beat besides the naive one."""
    try:
        setup, _ = setup_sweep(load_scenario(DEFAULT_SCENARIO), rules, population, None, known)
    except (InputError, ValueError):
        return None
    return _amounts(setup, n, seed, threads)


def _summary(table: pd.DataFrame, month: str, months: list[str], later: list[str], n: int, seed: int) -> dict:
    """The backtest over the regions: coverage (plain and expected), errors and scores."""
    out = {
        "as_of": month,
        "months_known": [m for m in months if m <= month],
        "months_forecast": later,
        "regions": len(table),
        "n": int(n),
        "seed": int(seed),
        **{f"coverage_{level}": float(table[f"inside_{level}"].mean()) for level in INTERVALS},
        **{f"expected_coverage_{level}": float(table[f"coverage_{level}"].mean()) for level in INTERVALS},
        "mae_sek": float(table["error_sek"].abs().mean()),
        "mae_naive_sek": float(table["naive_error_sek"].abs().mean()),
        "crps_sek": float(table["crps_sek"].mean()),
        "crps_naive_sek": float(table["crps_naive_sek"].mean()),
        "crps_default_sek": float(table["crps_default_sek"].mean()) if "crps_default_sek" in table else None,
        "realised_total_sek": float(table["realised_sek"].sum()),
        "forecast_total_sek": float(table["mean_sek"].sum()),
    }
    return out


def _check_realised(frame: pd.DataFrame, months: list[str], groups, source: str) -> None:
    """The history must hold every month the rules read, for every region and group."""
    full = frame.dropna(subset=["share_90", "share_60"])
    have = set(zip(full["month"], full["group"], full["region"]))
    missing = [(m, g, r) for m in months for g in groups for r in sorted(set(frame["region"])) if (m, g, r) not in have]
    last = str(frame["month"].max()) if len(frame) else say("refuse.no_rows")
    if later := [m for m in months if m > last]:
        raise InputError(
            say("refuse.realised_ends", source=source, last=last, until=months[-1], later=", ".join(later))
        )
    if missing:
        cells = [cell_text(r, g, m) for m, g, r in missing]
        raise InputError(say("refuse.realised_missing", source=source, listed=listed(cells, 8)))


def _block_amounts(frame: pd.DataFrame, rules: Rules, population: Population, block, regions) -> np.ndarray:
    """Each region's payout from ``block`` on these rows, computed by the engine."""
    table = payout(frame.reset_index(drop=True), rules, population).table
    rows = table[table["block"] == block.number]
    return rows.groupby("region")["amount_sek"].sum().reindex(list(regions), fill_value=0.0).to_numpy(float)


def _table(regions, amounts: np.ndarray, realised: np.ndarray, naive: np.ndarray, default) -> pd.DataFrame:
    names = region_names()
    out = pd.DataFrame({"region": list(regions), "region_name": [names.get(r, "") for r in regions]})
    out["mean_sek"] = amounts.mean(axis=0)
    cuts = sorted({p for pair in INTERVALS.values() for p in pair} | {50})
    for p, values in zip(cuts, np.percentile(amounts, cuts, axis=0)):
        out[f"p{p}_sek"] = values
    out["realised_sek"] = realised
    for level, (lo, hi) in INTERVALS.items():
        out[f"inside_{level}"] = (out[f"p{lo}_sek"] - TOLERANCE_SEK <= realised) & (
            realised <= out[f"p{hi}_sek"] + TOLERANCE_SEK
        )
    out["pit_lo"], out["pit_hi"] = pit_bounds(amounts, realised)
    for level in INTERVALS:
        out[f"coverage_{level}"] = expected_coverage(out["pit_lo"], out["pit_hi"], level / 100)
    out["error_sek"] = out["mean_sek"] - realised
    out["crps_sek"] = crps(amounts, realised)
    out["naive_sek"] = naive
    out["naive_error_sek"] = naive - realised
    out["crps_naive_sek"] = np.abs(naive - realised)
    if default is not None:
        out["crps_default_sek"] = crps(default, realised)
    return out
