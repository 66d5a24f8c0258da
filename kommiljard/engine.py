"""payout(): validate inputs -> arrays -> allocation backend -> tidy tables.

Backends: ``numba`` (the kernel), ``reference`` (the readable specification) and ``check``
(both, failing loudly if they differ by more than 0.01 kr or in any tier or route).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .allocate.kernels import StaircaseParams, StaircaseResult, run_staircase
from .allocate.population_share import allocate_population_share
from .allocate.reference import allocate_cell
from .cube import StaircaseInput, rule_checks, staircase_input
from .cube_threshold import threshold_input
from .engine_threshold import allocate_threshold, threshold_rows
from .errors import BackendMismatchError, InputError
from .measure import route_names
from .money import TOLERANCE_SEK, check_conserved, largest_remainder
from .panel import Panel, as_panel
from .population import Population, read_conditions, read_population
from .provenance import base_provenance
from .regions import region_names
from .rules import AbsoluteThreshold, ImprovementStaircase, PopulationShare, Rules, load_rules

Backend = Literal["numba", "reference", "check"]
COLUMNS = [
    "region", "region_name", "block", "month", "group", "tier", "route", "bars", "improvement_pp",
    "share_current", "share_previous", "share_60", "population", "amount_sek", "cell_pot_sek",
    "cell_lapsed_sek", "conditions_met", "gate_value",
]  # fmt: skip


def staircase_reference(block: ImprovementStaircase, inp: StaircaseInput) -> StaircaseResult:
    """Run the reference allocation cell by cell, returning the kernel's array layout."""
    shape = inp.current.shape
    out = StaircaseResult(np.empty(shape), np.empty(shape, np.int8), np.empty(shape, np.int8), np.empty(shape), np.empty(shape[0]))
    for c in range(shape[0]):
        cell = allocate_cell(
            block, list(inp.regions), inp.current[c].tolist(), inp.previous[c].tolist(),
            inp.level[c].tolist(), inp.weights.tolist(), float(inp.pots[c]),
        )  # fmt: skip
        out.amount[c] = [r.amount for r in cell.regions]
        out.tier[c] = [r.tier for r in cell.regions]
        out.route[c] = [r.route for r in cell.regions]
        out.improvement[c] = [r.improvement for r in cell.regions]
        out.lapsed[c] = cell.lapsed
    return out


def compare_backends(ref: StaircaseResult, fast: StaircaseResult, inp: StaircaseInput) -> None:
    """Raise :class:`BackendMismatchError` naming the first cells where the two disagree."""
    diffs = []
    for name in ("amount", "lapsed"):
        bad = np.argwhere(np.abs(getattr(ref, name) - getattr(fast, name)) > TOLERANCE_SEK)
        diffs += [f"{name} at {tuple(i)}: reference {getattr(ref, name)[tuple(i)]!r}, kernel {getattr(fast, name)[tuple(i)]!r}" for i in bad[:5]]
    for name in ("tier", "route"):
        bad = np.argwhere(getattr(ref, name) != getattr(fast, name))
        diffs += [f"{name} at {tuple(i)}" for i in bad[:5]]
    if diffs:
        cells = ", ".join(f"{c}={m} {g}" for c, (m, g) in enumerate(inp.cells))
        raise BackendMismatchError("the numba kernel and the reference disagree:\n  " + "\n  ".join(diffs) + f"\n(cells: {cells}; regions: {inp.regions})")


def allocate_staircase(block: ImprovementStaircase, inp: StaircaseInput, backend: Backend) -> StaircaseResult:
    if backend == "reference":
        return staircase_reference(block, inp)
    fast = run_staircase(StaircaseParams.from_block(block), inp.current, inp.previous, inp.level, inp.weights, inp.pots)
    if backend == "check":
        compare_backends(staircase_reference(block, inp), fast, inp)
    elif backend != "numba":
        raise ValueError(f"unknown backend {backend!r}: use numba, reference or check")
    return fast


@dataclass(frozen=True)
class Payout:
    """The result of applying a rule set to a panel."""

    rules: Rules
    panel: Panel
    population: Population
    table: pd.DataFrame  # one row per region, block, month and group
    cells: pd.DataFrame  # one row per block, month and group: pot, paid, lapsed
    provenance: dict = field(default_factory=dict)

    def summary(self, whole_kronor: bool = False) -> pd.DataFrame:
        """Per region: amounts per block (and group for staircase blocks) and the total.

        With ``whole_kronor`` each amount column is rounded to whole kronor by largest
        remainder, so that the rounded amounts still add up (for reports).
        """
        t = self.table
        key = np.where(t["group"].isna(), "block" + t["block"].astype(str), "block" + t["block"].astype(str) + "_" + t["group"].fillna(""))
        wide = t.assign(column=key).pivot_table(index=["region", "region_name"], columns="column", values="amount_sek", aggfunc="sum", fill_value=0.0)
        wide.columns.name = None
        wide["total_sek"] = wide.sum(axis=1)
        if whole_kronor:
            for col in wide.columns:
                wide[col] = largest_remainder(wide[col].to_numpy())
        return wide.reset_index()

    @property
    def lapsed_sek(self) -> float:
        return float(self.cells["lapsed_sek"].sum())

    @property
    def paid_sek(self) -> float:
        return float(self.cells["paid_sek"].sum())


def _staircase_rows(block: ImprovementStaircase, inp: StaircaseInput, res: StaircaseResult, names: dict) -> tuple[list[pd.DataFrame], list[dict]]:
    routes = np.array(route_names(block))
    bar_names = block.bar_names
    rows, cells = [], []
    for c, (month, group) in enumerate(inp.cells):
        tiers = res.tier[c].astype(int)
        bars = ["+".join(bar_names[k] for k in range(len(bar_names)) if (t >= k + 1 if block.cumulative else t == k + 1)) for t in tiers]
        paid = float(res.amount[c].sum())
        check_conserved(float(inp.pots[c]), paid, float(res.lapsed[c]), f"block {block.number} {month} {group}")
        rows.append(pd.DataFrame({
            "region": inp.regions, "region_name": [names.get(r, "") for r in inp.regions],
            "block": block.number, "month": month, "group": group, "tier": tiers, "route": routes[res.route[c]],
            "bars": bars, "improvement_pp": res.improvement[c], "share_current": inp.current[c],
            "share_previous": inp.previous[c], "share_60": inp.level[c], "population": inp.population,
            "amount_sek": res.amount[c], "cell_pot_sek": inp.pots[c], "cell_lapsed_sek": res.lapsed[c],
            "conditions_met": pd.NA,
        }))  # fmt: skip
        cells.append({"block": block.number, "month": month, "group": group, "pot_sek": float(inp.pots[c]),
                      "paid_sek": paid, "lapsed_sek": float(res.lapsed[c]), "qualifiers": int((tiers > 0).sum())})  # fmt: skip
    return rows, cells


def _population_rows(block: PopulationShare, population: Population, conditions, names: dict) -> tuple[pd.DataFrame, dict]:
    regions = list(population.counts.index)
    pop = population.of(regions)
    weights = pop.astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    if conditions is None:
        met = [True] * len(regions)
    else:
        table = conditions if isinstance(conditions, pd.DataFrame) else read_conditions(conditions, block)
        missing = [r for r in regions if r not in table.index]
        if missing:
            raise InputError(f"{conditions}: the conditions table has no row for region(s) {', '.join(missing)}. Add a row for every region in the population table.")
        met = [bool(table.loc[r].all()) for r in regions]
    amounts, lapsed = allocate_population_share(block, weights.tolist(), met)
    check_conserved(block.total_sek, sum(amounts), lapsed, f"block {block.number}")
    frame = pd.DataFrame({
        "region": regions, "region_name": [names.get(r, "") for r in regions], "block": block.number,
        "month": None, "group": None, "tier": 0, "route": "none", "bars": "", "improvement_pp": np.nan,
        "share_current": np.nan, "share_previous": np.nan, "share_60": np.nan, "population": pop,
        "amount_sek": amounts, "cell_pot_sek": block.total_sek, "cell_lapsed_sek": lapsed, "conditions_met": met,
    })  # fmt: skip
    cell = {"block": block.number, "month": None, "group": None, "pot_sek": block.total_sek,
            "paid_sek": float(sum(amounts)), "lapsed_sek": lapsed, "qualifiers": int(sum(met))}  # fmt: skip
    return frame, cell


def payout(
    panel: Panel | pd.DataFrame | str | Path,
    rules: Rules | str | Path = "kommiljard-2019",
    population: Population | str | Path | None = None,
    conditions: pd.DataFrame | str | Path | None = None,
    backend: Backend = "numba",
    overrides: dict | None = None,
) -> Payout:
    """Apply a rule set to a waiting-time panel: who gets how much in every block.

    ``conditions`` says which regions met a population block's conditions (default: all).
    """
    rules = load_rules(rules, overrides)
    groups = rules.ruleset.group_names
    population = population if isinstance(population, Population) else read_population(population)
    panel = as_panel(panel, groups or None, rule_checks(rules, population), rules.ruleset.measure_columns())
    names = region_names()
    rows, cells = [], []
    for block in rules.ruleset.blocks:
        if isinstance(block, ImprovementStaircase):
            inp = staircase_input(panel, block, population)
            r, c = _staircase_rows(block, inp, allocate_staircase(block, inp, backend), names)
            rows += r
            cells += c
        elif isinstance(block, AbsoluteThreshold):
            inp = threshold_input(panel, block, population)
            r, c = threshold_rows(block, inp, allocate_threshold(block, inp, backend), names)
            rows += r
            cells += c
        else:
            r, c = _population_rows(block, population, conditions, names)
            rows.append(r)
            cells.append(c)
    table = pd.concat(rows, ignore_index=True)
    table = table[[c for c in COLUMNS if c in table.columns]]  # gate_value: threshold blocks only
    table["tier"] = table["tier"].astype("int8")
    provenance = {
        **base_provenance(),
        "rules": {"id": rules.id, "version": rules.ruleset.version, "origin": rules.origin, "sha256": rules.sha256, "overrides": dict(rules.overrides)},
        "panel": {"source": panel.source, "sha256": panel.sha256, "synthetic": panel.synthetic, **panel.metadata},
        "population": {"source": population.source, "sha256": population.sha256},
        "conditions": str(conditions) if conditions is not None and not isinstance(conditions, pd.DataFrame) else ("(in memory)" if conditions is not None else "all regions met them (no table given)"),
        "backend": backend,
    }  # fmt: skip
    return Payout(rules, panel, population, table, pd.DataFrame(cells), provenance)
