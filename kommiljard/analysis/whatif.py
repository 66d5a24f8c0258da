"""What if one region moves its lever (improves by X percentage points, performs N more operations)?
Its payout before and after.

Money is shared, so a region's payout depends on every other region; a what-if changes one
region's lever (its ``share_90`` in 2019: :mod:`kommiljard.kinds.staircase.lever` says how a share
is improved) in chosen months and groups, keeps every other number of the panel, and computes
the whole scheme twice with :func:`~kommiljard.engine.payout`. The lever and what the cells'
columns say are its kind's (:meth:`kommiljard.kinds.base.BlockKind.lever`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import Backend, Payout, payout
from ..errors import InputError
from ..inputs.panel import Panel, as_panel, known_groups
from ..inputs.population import Population, read_population
from ..inputs.regions import region_label, region_names
from ..kinds import Lever, kind_of
from ..language import spoken
from ..rules import DEFAULT_RULES, Rules, load_rules
from . import number, say
from .levers import LeverBlock, cell_text, check_region, choose_cells, improve_panel, lever_blocks, lever_of


@dataclass(frozen=True)
class WhatIf:
    """One region's payout before and after moving its lever, with the cells that changed."""

    region: str
    improve_pp: float  # the change, in the lever's unit (percentage points for a staircase)
    chosen: tuple[tuple[int, str, str], ...]
    baseline: Payout
    scenario: Payout
    cells: pd.DataFrame
    lever: Lever | None = None

    @property
    def change(self) -> float:
        return self.improve_pp

    def _total(self, result: Payout) -> float:
        s = result.summary().set_index("region")
        return float(s.loc[self.region, "total_sek"])

    @cached_property
    def baseline_sek(self) -> float:
        """The region's total over the scheme (every block) before the change."""
        return self._total(self.baseline)

    @cached_property
    def scenario_sek(self) -> float:
        return self._total(self.scenario)

    @property
    def delta_sek(self) -> float:
        return self.scenario_sek - self.baseline_sek

    def as_dict(self) -> dict:
        change = f"{self.lever.option}_{self.lever.unit}" if self.lever is not None else "improve_pp"
        return {
            "region": self.region,
            "region_name": region_names().get(self.region, ""),
            change: self.improve_pp,
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
    return InputError(say("refuse.no_lever_data", source=panel.source, region=region_label(region), where=where))


def _prepare(panel, region: str, rules, population, overrides, *, option: str | None, allow_missing: bool):
    """Rules, their lever blocks, the validated panel, the population and the region code."""
    from ..engine import coverage_checks

    rules = load_rules(rules, overrides)
    blocks = lever_blocks(rules, option)
    population = population if isinstance(population, Population) else read_population(population)
    checks = coverage_checks(rules, population, allow_missing)
    panel = as_panel(
        panel, known_groups(rules.ruleset.group_names), checks, rules.ruleset.measure_columns(), complete=False
    )
    return rules, blocks, panel, population, check_region(panel, region)


def whatif(
    panel: Panel | pd.DataFrame | str | Path,
    region: str,
    improve_pp: float,
    months: Iterable[str] | str | None = None,
    groups: Iterable[str] | str | None = None,
    rules: Rules | str | Path = DEFAULT_RULES,
    *,
    population: Population | str | Path | None = None,
    overrides: dict | None = None,
    conditions: pd.DataFrame | str | Path | None = None,
    backend: Backend = "auto",
    allow_missing_regions: bool = False,
    lever: str | None = None,
) -> WhatIf:
    """The region's payout before and after moving its lever by ``improve_pp`` (in the lever's unit: pp of a share).

    ``months``/``groups`` choose the panel rows moved (default: all); ``lever`` the lever's option where the rule
    set's blocks have different ones (``improve``, ``more``). ``cells`` has one row per lever cell: its kind's
    columns of what moved (for a staircase: the measure, improvement (pp)), the tier and route before and after,
    the amounts, its kind's columns of what comes next (``to_next_tier_pp``: pp still needed for the next bar) and
    ``sek_per_extra_<unit>`` (what one more unit in that cell would add to the region, after the change: in every
    cell together, or in the rows moved, as the lever's ``marginal`` says). With
    ``allow_missing_regions`` other regions may lack data (see :func:`~kommiljard.engine.payout`); the region itself
    may not.
    """
    prepared = _prepare(panel, region, rules, population, overrides, option=lever, allow_missing=allow_missing_regions)
    rules, blocks, panel, population, region = prepared
    the_lever = lever_of(blocks)
    change = the_lever.check(improve_pp)
    chosen = choose_cells(rules, months, groups, lever)
    one_more = chosen if the_lever.marginal == "chosen" else choose_cells(rules, None, None, lever)
    after_panel = improve_panel(panel, rules, region, change, chosen, lever)
    runs = [
        payout(p, rules, population, conditions, backend, allow_missing_regions=allow_missing_regions)
        for p in (panel, after_panel, improve_panel(after_panel, rules, region, 1.0, one_more, lever))
    ]
    gaps = runs[0].no_data()
    if region in gaps:
        raise _no_lever_data(panel, region, gaps[region])
    cells = pd.concat([_block_cells(lb, runs, region, set(chosen), change) for lb in blocks], ignore_index=True)
    return WhatIf(region, float(change), tuple(chosen), runs[0], runs[1], cells, the_lever)


def _block_cells(lb: LeverBlock, runs: list[Payout], region: str, chosen: set, change: float) -> pd.DataFrame:
    """The what-if's rows of one lever block: one per lever cell (before, after, and after one more unit)."""
    number = lb.block.number
    cells = lb.actions.rows()
    keys = pd.MultiIndex.from_tuples([(number, m, g) for (m, g), _ in cells], names=["block", "month", "group"])
    before, after, extra = (_rows_at(r.table, region, keys) for r in runs)
    changed = [any((number, m, g) in chosen for m, g in rows) for _, rows in cells]
    state, following = lb.actions.describe(before, after, changed, change)
    unit = lb.actions.lever.unit
    frame = pd.DataFrame(
        {
            "changed": changed,
            **state,
            "tier_before": before["tier"],
            "tier_after": after["tier"],
            "route_before": before["route"],
            "route_after": after["route"],
            "amount_before_sek": before["amount_sek"],
            "amount_after_sek": after["amount_sek"],
            "delta_sek": after["amount_sek"] - before["amount_sek"],
            **following,
            f"sek_per_extra_{unit}": extra["amount_sek"] - after["amount_sek"],
        },
        index=keys,
    )
    return frame.reset_index()


def _rows_at(table: pd.DataFrame, region: str, keys: pd.MultiIndex) -> pd.DataFrame:
    """The region's rows of a payout table at ``keys`` (block, month, group), indexed by them (as ``set_index`` and
    ``.loc[keys]`` give them, found by position: a what-if reads three tables)."""
    mine = table[(table["region"] == region) & table["month"].notna()]

    def key(values: tuple) -> tuple:  # an empty part (a price block's whole-scheme cell has no group) is None
        return tuple(None if pd.isna(v) else v for v in values)

    at = {key(k): i for i, k in enumerate(zip(mine["block"], mine["month"], mine["group"]))}
    rows = mine.iloc[[at[key(k)] for k in keys]].drop(columns=list(keys.names))
    return rows.set_axis(keys)


# Points on one payout curve: the whole range of a share, -100 to 100 pp, by 0.01 pp. Each point holds
# the whole block (cells x regions) a few times over in memory: about 20 MB per array at the limit.
MAX_CURVE_POINTS = 20_001
GRID_DECIMALS = 6  # a curve's x values are rounded as a lever's change is (exact decimals)


def payout_curve(
    panel: Panel | pd.DataFrame | str | Path,
    region: str,
    month: Iterable[str] | str | None = None,
    group: Iterable[str] | str | None = None,
    rules: Rules | str | Path = DEFAULT_RULES,
    population: Population | str | Path | None = None,
    *,
    lo: float | None = None,
    hi: float | None = None,
    step: float | None = None,
    overrides: dict | None = None,
    allow_missing_regions: bool = False,
    lever: str | None = None,
) -> pd.DataFrame:
    """The region's payout as its lever runs from ``lo`` to ``hi`` by ``step`` (defaults: the lever's), others fixed.

    In every chosen cell (default: all) the region's lever is set to each value at once, as its kind defines the
    curve's x (:attr:`~kommiljard.kinds.base.Lever.axis`; a staircase: the improvement over last year in pp, the
    share set to last year's plus it, clamped to 0-100). Columns: the axis (``improvement_pp``), ``amount_sek`` (the
    region's amount summed over the chosen cells) and ``tier`` (the highest tier reached in a chosen cell).
    """
    prepared = _prepare(panel, region, rules, population, overrides, option=lever, allow_missing=allow_missing_regions)
    rules, blocks, panel, population, region = prepared
    the_lever = lever_of(blocks)
    grid = _curve_grid(the_lever, lo, hi, step)
    chosen = choose_cells(rules, month, group, lever)
    amount, tier = np.zeros(len(grid)), np.zeros(len(grid), dtype=np.int64)
    for lb in blocks:
        rows = lb.actions.rows()
        cells = [c for c, (_, moved) in enumerate(rows) if any((lb.block.number, m, g) in chosen for m, g in moved)]
        if not cells:
            continue
        inp = kind_of(lb.block).arrays(panel, lb.block, population, allow_missing=allow_missing_regions)
        r = inp.regions.index(region)
        missing = inp.missing
        if missing is not None and len(missing) == 1 < len(rows):  # one period for every lever cell (a price block)
            missing = np.repeat(missing, len(rows), axis=0)
        if missing is not None and missing[cells, r].any():
            gone = ", ".join(cell_text(*rows[c][0]) for c in cells if missing[c, r])
            raise _no_lever_data(panel, region, say("lever_cells", block=lb.block.number, cells=gone))
        moved = [(m, g) for number, m, g in chosen if number == lb.block.number]
        got, top = lb.actions.curve(inp, r, cells, grid, moved)
        amount += got
        tier = np.maximum(tier, top)
    return pd.DataFrame({the_lever.axis: grid, "amount_sek": amount, "tier": tier.astype(np.int8)})


def _curve_grid(lever: Lever, lo: float | None, hi: float | None, step: float | None) -> np.ndarray:
    """The x values of a payout curve, checked: within the lever's range, at most :data:`MAX_CURVE_POINTS`."""
    lo = lever.check(lever.curve[0] if lo is None else lo, "--lo")
    hi = lever.check(lever.curve[1] if hi is None else hi, "--hi")
    step = lever.check(lever.step if step is None else step, "--step")
    if not step > 0 or hi < lo:
        raise InputError(say("refuse.curve_bounds", lo=lo, hi=hi, step=step))
    unit = lever.unit
    if spoken() != "en":
        from ..kinds.look import unit_word  # not at the top: it draws (matplotlib), which a what-if need not load

        unit = unit_word(unit, spoken())
    if (hi - lo) / step + 1 > MAX_CURVE_POINTS:
        points, most = number((hi - lo) / step + 1, ".3g"), number(float(MAX_CURVE_POINTS), ".0f")
        raise InputError(say("refuse.curve_too_many", lo=number(lo), hi=number(hi), unit=unit, step=number(step),
                             points=points, most=most))  # fmt: skip
    return np.round(lo + step * np.arange(int(np.floor((hi - lo) / step + 1e-9)) + 1), GRID_DECIMALS)
