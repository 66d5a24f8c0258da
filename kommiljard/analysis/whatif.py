"""What if one region improves by X percentage points? Its payout before and after.

Bars are shared, so a region's payout depends on every other region; a what-if changes one
region's measure (``share_90`` in 2019) in chosen measurement months and groups
(:mod:`kommiljard.analysis.levers` says how a share is improved: rounded, clamped to 0-100,
share_60 capped), keeps every other number of the panel, and computes the whole scheme twice
with :func:`~kommiljard.engine.payout`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import Backend, Payout, payout
from ..errors import InputError
from ..inputs.panel import Panel, as_panel
from ..inputs.population import Population, read_population
from ..inputs.regions import region_label, region_names
from ..kinds.staircase.arrays import block_cells, staircase_input
from ..kinds.staircase.units import bound_units, improvement_units
from ..rules import DEFAULT_RULES, ImprovementStaircase, Rules, load_rules
from .levers import (
    SHARE_DECIMALS,
    check_region,
    checked_pp,
    choose_cells,
    improve_panel,
    improved_arrays,
    staircase_blocks,
)


def to_next_tier(block: ImprovementStaircase, current: float, previous: float, tier: int) -> float:
    """The improvement still needed for the next bar, in pp (NaN at the top).

    Counted as the rules count improvements, in whole units of 10**-improvement_decimals
    pp: with the default 6 decimals, 2.4 pp from -1.4 to the 1.0 bar, and one unit above an
    exclusive bound such as "more than 5 pp" (5.000001 - improvement). For a relative
    improvement unit the needed relative change is converted back to pp of the share.
    """
    if tier >= len(block.bars):
        return np.nan
    bar = block.bars[tier]
    passing = bound_units(bar.min_improvement, block) + (0 if bar.inclusive else 1)  # smallest units that pass
    if block.improvement_unit == "relative_pct":  # the bound is a relative change: back to pp of the share
        return float(passing / block.scale * previous / 100.0 - (current - previous))
    return float((passing - improvement_units(current, previous, block)) / block.scale)


@dataclass(frozen=True)
class WhatIf:
    """One region's payout before and after an improvement, with the cells that changed."""

    region: str
    improve_pp: float
    chosen: tuple[tuple[int, str, str], ...]
    baseline: Payout
    scenario: Payout
    cells: pd.DataFrame

    def _total(self, result: Payout) -> float:
        s = result.summary().set_index("region")
        return float(s.loc[self.region, "total_sek"])

    @property
    def baseline_sek(self) -> float:
        """The region's total over the scheme (every block) before the improvement."""
        return self._total(self.baseline)

    @property
    def scenario_sek(self) -> float:
        return self._total(self.scenario)

    @property
    def delta_sek(self) -> float:
        return self.scenario_sek - self.baseline_sek

    def as_dict(self) -> dict:
        return {
            "region": self.region,
            "region_name": region_names().get(self.region, ""),
            "improve_pp": self.improve_pp,
            "cells_changed": [{"block": b, "month": m, "group": g} for b, m, g in self.chosen],
            "baseline_sek": self.baseline_sek,
            "scenario_sek": self.scenario_sek,
            "delta_sek": self.delta_sek,
            "rules": self.baseline.rules.id,
            "panel": self.baseline.panel.source,
            "synthetic_panel": self.baseline.panel.synthetic,
            "cells": self.cells.replace({np.nan: None}).to_dict(orient="records"),
        }


def _no_lever_data(panel: Panel, region: str, where: str) -> InputError:
    return InputError(
        f"{panel.source}: region {region_label(region)} has no data for {where}: a what-if of its own improvement "
        "needs its rows in every cell it changes or is paid from. Add them to the panel."
    )


def _prepare(panel, region: str, rules, population, overrides):
    """Rules, their staircase blocks, the validated panel, the population and the region code."""
    rules = load_rules(rules, overrides)
    blocks = staircase_blocks(rules)
    panel = as_panel(panel, sorted({g for b in blocks for g in b.group_names}))
    population = population if isinstance(population, Population) else read_population(population)
    return rules, blocks, panel, population, check_region(panel, region)


def whatif(
    panel: Panel | pd.DataFrame | str | Path,
    region: str,
    improve_pp: float,
    months: Iterable[str] | str | None = None,
    groups: Iterable[str] | str | None = None,
    rules: Rules | str | Path = DEFAULT_RULES,
    population: Population | str | Path | None = None,
    overrides: dict | None = None,
    conditions: pd.DataFrame | str | Path | None = None,
    backend: Backend = "auto",
    allow_missing_regions: bool = False,
) -> WhatIf:
    """The region's payout before and after adding ``improve_pp`` to its measure.

    ``months``/``groups`` choose the measurement cells changed (default: all). ``cells``
    has one row per staircase month and group: the measure, improvement (pp), tier and
    route before and after, the amounts, ``to_next_tier_pp`` (pp still needed for the next
    bar after the change; NaN at the top) and ``sek_per_extra_pp`` (what one more pp in
    that cell would add to the region, after the change). With ``allow_missing_regions`` other
    regions may lack data (see :func:`~kommiljard.engine.payout`); the region itself may not.
    """
    improve_pp = checked_pp(improve_pp, "--improve")
    rules, blocks, panel, population, region = _prepare(panel, region, rules, population, overrides)
    chosen = choose_cells(rules, months, groups)
    every = choose_cells(rules, None, None)
    after_panel = improve_panel(panel, rules, region, improve_pp, chosen)
    runs = [
        payout(p, rules, population, conditions, backend, allow_missing_regions=allow_missing_regions)
        for p in (panel, after_panel, improve_panel(after_panel, rules, region, 1.0, every))
    ]
    gaps = runs[0].no_data()
    if region in gaps:
        raise _no_lever_data(panel, region, gaps[region])
    before, after, extra = (
        r.table[(r.table["region"] == region) & r.table["month"].notna()].set_index(["block", "month", "group"])
        for r in runs
    )
    by_number = {b.number: b for b in blocks}
    keys = pd.MultiIndex.from_tuples(every, names=["block", "month", "group"])
    before, after, extra = before.loc[keys], after.loc[keys], extra.loc[keys]
    cells = pd.DataFrame(
        {
            "changed": [k in set(chosen) for k in keys],
            "share_previous": after["share_previous"],
            "share_before": before["share_current"],
            "share_after": after["share_current"],
            "clamped": [
                k in set(chosen) and not np.isclose(a - b, improve_pp)
                for k, a, b in zip(keys, after["share_current"], before["share_current"])
            ],
            "improvement_before_pp": before["improvement_pp"],
            "improvement_after_pp": after["improvement_pp"],
            "tier_before": before["tier"],
            "tier_after": after["tier"],
            "route_before": before["route"],
            "route_after": after["route"],
            "amount_before_sek": before["amount_sek"],
            "amount_after_sek": after["amount_sek"],
            "delta_sek": after["amount_sek"] - before["amount_sek"],
            "to_next_tier_pp": [
                to_next_tier(by_number[k[0]], c, p, t)
                for k, c, p, t in zip(keys, after["share_current"], after["share_previous"], after["tier"])
            ],
            "sek_per_extra_pp": extra["amount_sek"] - after["amount_sek"],
        },
        index=keys,
    ).reset_index()
    return WhatIf(region, float(improve_pp), tuple(chosen), runs[0], runs[1], cells)


# Points on one payout curve: the whole range of a share, -100 to 100 pp, by 0.01 pp. Each point holds
# the whole staircase (cells x regions) a few times over in memory: about 20 MB per array at the limit.
MAX_CURVE_POINTS = 20_001


def payout_curve(
    panel: Panel | pd.DataFrame | str | Path,
    region: str,
    month: Iterable[str] | str | None = None,
    group: Iterable[str] | str | None = None,
    rules: Rules | str | Path = DEFAULT_RULES,
    population: Population | str | Path | None = None,
    lo: float = -5.0,
    hi: float = 10.0,
    step: float = 0.1,
    overrides: dict | None = None,
    allow_missing_regions: bool = False,
) -> pd.DataFrame:
    """The region's payout as its own improvement runs from ``lo`` to ``hi`` pp, others fixed.

    In every chosen cell (default: all measurement months and groups) the region's measure
    is set to last year's value plus ``improvement_pp`` (clamped to 0-100, see the module
    docstring). Columns: ``improvement_pp``, ``amount_sek`` (the region's amount summed over
    the chosen cells) and ``tier`` (the highest tier reached in a chosen cell).
    """
    from ..kinds.staircase.kernel import StaircaseParams, run_staircase

    lo, hi = checked_pp(lo, "--lo"), checked_pp(hi, "--hi")
    step = checked_pp(step, "--step")
    if not step > 0 or hi < lo:
        raise InputError(f"payout curve: need --step > 0 and --hi >= --lo (got lo={lo}, hi={hi}, step={step})")
    if (hi - lo) / step + 1 > MAX_CURVE_POINTS:
        raise InputError(
            f"payout curve: from {lo:g} to {hi:g} pp by {step:g} would be {(hi - lo) / step + 1:.3g} points; at most "
            f"{MAX_CURVE_POINTS} (e.g. -100 to 100 by 0.01). Give a larger --step or a narrower --lo/--hi."
        )
    rules, blocks, panel, population, region = _prepare(panel, region, rules, population, overrides)
    chosen = choose_cells(rules, month, group)
    grid = np.round(lo + step * np.arange(int(np.floor((hi - lo) / step + 1e-9)) + 1), SHARE_DECIMALS)
    amount, tier = np.zeros(len(grid)), np.zeros(len(grid), dtype=np.int64)
    for block in blocks:
        cells = [block_cells(block).index((m, g)) for n, m, g in chosen if n == block.number]
        if not cells:
            continue
        inp = staircase_input(panel, block, population, allow_missing_regions)
        r = inp.regions.index(region)
        if inp.missing[cells, r].any():
            gone = [f"{inp.cells[c][0]} {inp.cells[c][1]}" for c in cells if inp.missing[c, r]]
            raise _no_lever_data(panel, region, f"block {block.number}: {', '.join(gone)}")
        current, target = improved_arrays(inp, block, r, cells, inp.previous[cells, r][None] + grid[:, None])
        previous = np.repeat(inp.previous[None], len(grid), axis=0)
        res = run_staircase(StaircaseParams.from_block(block), current, previous, target, inp.weights, inp.pots)
        amount += res.amount[:, cells, r].sum(axis=1)
        tier = np.maximum(tier, res.tier[:, cells, r].max(axis=1))
    return pd.DataFrame({"improvement_pp": grid, "amount_sek": amount, "tier": tier.astype(np.int8)})
