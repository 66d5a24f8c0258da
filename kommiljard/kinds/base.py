"""What every kind of rule block provides (:class:`BlockKind`), and what its allocation returns.

A kind turns a validated panel into arrays for one block (:meth:`BlockKind.arrays`), allocates
the block's money by its readable reference or its fast kernel (the two must agree to the
öre), turns the allocation into the engine's tables, explains one region's amount, and draws
one cell. The engine, explain, the plots, the report and the sweep ask the registry
(:data:`kommiljard.kinds.KINDS`) for the kind of each block; they never test a block's type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..errors import BackendMismatchError, KommiljardError
from ..inputs.tables import Problem
from ..money import TOLERANCE_SEK, check_conserved
from .steps import FLOWS, POT, shares_step

Cell = tuple[str, str]  # (month, group): the month a cell is reported under, and its group


@dataclass(frozen=True)
class Allocation:
    """A block's outcome on one panel, cells (C) by regions (R) by steps (K)."""

    amount: np.ndarray  # (C, R) float64 kronor
    tier: np.ndarray  # (C, R) int8: steps reached, 0 for none
    route: np.ndarray  # (C, R) int8: index into the kind's route names
    lapsed: np.ndarray  # (C,) float64 kronor nobody qualified for
    by_step: np.ndarray  # (C, R, K) float64: each region's amount from each step
    flows: np.ndarray  # (C, len(FLOWS), K) float64: each step's money after the cascade (kinds.steps)
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # the kind's own (C, R) values, e.g. improvement

    def compare(self, other: Allocation, where: str) -> None:
        """Raise :class:`BackendMismatchError` naming the first places where ``other`` differs."""
        diffs = []
        for name in ("amount", "lapsed", "by_step", "flows"):
            a, b = getattr(self, name), getattr(other, name)
            bad = np.argwhere(~(np.abs(a - b) <= TOLERANCE_SEK))
            diffs += [
                f"{name} at {tuple(int(x) for x in i)}: reference {a[tuple(i)]!r}, kernel {b[tuple(i)]!r}"
                for i in bad[:5]
            ]
        pairs = [(name, getattr(self, name), getattr(other, name)) for name in ("tier", "route")]
        pairs += [(name, a, other.extra[name]) for name, a in self.extra.items()]
        for name, a, b in pairs:
            bad = np.argwhere((a != b) & ~(np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a != b)
            diffs += [
                f"{name} at {tuple(int(x) for x in i)}: reference {a[tuple(i)]!r}, kernel {b[tuple(i)]!r}"
                for i in bad[:5]
            ]
        if diffs:
            raise BackendMismatchError(
                f"the numba kernel and the reference disagree in {where}:\n  " + "\n  ".join(diffs)
            )


@dataclass(frozen=True)
class BlockTables:
    """A block's part of a :class:`~kommiljard.engine.Payout` (see there for the columns)."""

    rows: pd.DataFrame
    cells: pd.DataFrame
    steps: pd.DataFrame
    step_amounts: pd.DataFrame


class BlockKind(Protocol):
    """A kind of rule block. Adding one: a rules model, a folder in ``kinds/`` and a registry entry."""

    name: str  # the rule file's ``kind``
    step_word: str  # what one step is called in outputs: "bar", "level"
    sweepable: bool  # whether ``kommiljard sweep`` can draw trajectories for it

    def route_names(self, block) -> tuple[str, ...]:
        """Route codes 0, 1, ... as written in outputs."""

    def step_names(self, block) -> tuple[str, ...]:
        """The block's steps, lowest first."""

    def coverage(self, frame: pd.DataFrame, block, population, allow_missing: bool = False) -> list[Problem]:
        """Everything the block needs that a panel (its canonical frame) or the population lacks; with
        ``allow_missing`` the rows a region lacks are not problems."""

    def arrays(self, panel, block, population, conditions=None, allow_missing: bool = False) -> Any:
        """The block's input arrays; raises an InputError listing every gap (with ``allow_missing``, a
        region's cell without its rows is computed as not qualifying and marked as having no data)."""

    def reference(self, block, arrays) -> Allocation:
        """The readable specification, cell by cell."""

    def fast(self, block, arrays) -> Allocation:
        """The fast kernel; equal to :meth:`reference` to the öre."""

    def tables(self, block, arrays, allocation: Allocation, names: dict[str, str]) -> BlockTables:
        """The allocation as the engine's tables."""

    def cells(self, block) -> list[Cell]:
        """The block's cells (month reported under, group), in order."""

    def cell_of(self, block, month: str, group: str) -> Cell | None:
        """The cell that measures ``month`` (``YYYY-MM``) for ``group``, or None."""

    def explain(self, rules, block, cell: Cell, panel, population, region: str, conditions=None, allow_missing=False):
        """One region's amount in one cell, traced through the reference (``render(lang, width)``, ``as_dict()``); with
        ``allow_missing`` other regions may lack the cell's rows (the region itself may not)."""

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        """The picture of one cell of a payout (matplotlib Axes), its words in ``lang`` (en, sv)."""


ALLOW_MISSING = (
    "--allow-missing-regions (payout, validate, explain, whatif, compare, report, plot, page; in Python: "
    "allow_missing_regions=True)"
)
NO_DATA_ROUTE = "no_data"


Need = tuple[str, str, str]  # (month, group) of a row a block needs, and how a message names it


def coverage_problems(frame: pd.DataFrame, block, population, allow_missing: bool, needs: Sequence[Need]):
    """Everything a block needs that the panel (or the population table) lacks: its measure columns and,
    for every region, the rows in ``needs``; with ``allow_missing`` the rows of regions it lacks are not
    problems (they become "no data")."""
    from ..inputs.panel import MEASURES

    problems = [
        Problem(
            f"missing column {m!r}: {MEASURES.get(m, 'a measure')}, measured by block {block.number} ({block.name})"
        )
        for m in block.measure_columns()
        if m not in frame.columns
    ]
    present = set(zip(frame["region"], frame["month"], frame["group"]))
    in_panel = set(frame["region"])
    gaps = {}
    for region in sorted(in_panel | set(population.counts.index if population is not None else ())):
        missing = [label for month, group, label in needs if (region, month, group) not in present]
        if missing and not allow_missing:
            gaps[region] = missing
        if population is not None and region not in population.counts.index:
            problems.append(Problem(f"region {region} has no population in {population.source}"))
    return problems + _missing_rows_problems(gaps, block, in_panel, population)


@dataclass(frozen=True)
class PanelGrid:
    """A covered panel, ready to be read into a block's (cells, regions) arrays."""

    regions: tuple[str, ...]  # the panel's and the population table's, sorted
    indexed: pd.DataFrame  # the panel by (month, group, region)
    population: np.ndarray  # (R,) int64
    weights: np.ndarray  # (R,) float64: population, or 1 for equal sharing


def panel_grid(panel, block, population, allow_missing: bool, needs: Sequence[Need], hint: str) -> PanelGrid:
    """The panel for one block; raises an :class:`InputError` listing every gap (with ``allow_missing``
    only the gaps other than missing rows: a region's cell without its rows is then NaN)."""
    from ..inputs.tables import raise_problems

    frame = panel.frame
    problems = coverage_problems(frame, block, population, allow_missing, needs)
    raise_problems(panel.source, f"panel (for block {block.number}, {block.name})", problems, hint)
    regions = tuple(sorted(set(frame["region"]) | set(population.counts.index)))
    pop = population.of(regions)
    weights = pop.astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    return PanelGrid(regions, frame.set_index(["month", "group", "region"]), pop, weights)


def _missing_rows_problems(missing: dict[str, list[str]], block, in_panel: set[str], population) -> list[Problem]:
    """Regions without the rows a block needs (region -> what it lacks): who and what, then once what to do."""
    from ..inputs.regions import region_label

    absent = [region_label(r) for r in missing if r not in in_panel]
    problems = []
    if absent:
        table = f" ({population.source})" if population is not None else ""
        who = f"region {absent[0]} has" if len(absent) == 1 else f"{len(absent)} regions have"
        problems.append(
            Problem(
                f"{who} no rows{'' if len(absent) == 1 else ': ' + ', '.join(absent)}. The panel must cover every "
                f"region of the population table{table} in every month that block {block.number} ({block.name}) needs"
            )
        )
    for region, rows in missing.items():
        if region in in_panel:
            where = f"(block {block.number}, {block.name})"
            problems.append(Problem(f"region {region_label(region)} has no row for {', '.join(rows)} {where}"))
    if problems:
        problems.append(
            Problem(
                f"to compute block {block.number} without the rows above: {ALLOW_MISSING}; a region then gets "
                "nothing from the cells it lacks, marked 'no data' (never 0 kr), and the others share the money"
            )
        )
    return problems


def no_kind(kind: str, known: Sequence[str]):
    from ..errors import RuleFileError

    return RuleFileError(f"no kind of rule block called {kind!r}; kinds: {', '.join(known)}")


def step_labels(names: Sequence[str], tiers: np.ndarray, cumulative: bool) -> list[str]:
    """The steps each tier shares, as outputs write them (``blue+red``; ``""`` for none)."""
    return ["+".join(n for k, n in enumerate(names) if shares_step(int(t), k, cumulative)) for t in tiers]


def block_tables(
    block,
    route_names: Sequence[str],
    cells: Sequence[Cell],
    regions: Sequence[str],
    names: dict[str, str],
    population: np.ndarray,
    pots: np.ndarray,
    allocation: Allocation,
    step_names: Sequence[str],
    missing: np.ndarray | None,
    columns: dict[str, Any],
) -> BlockTables:
    """The engine's tables of one block, from its allocation and the kind's own columns.

    ``pots`` (C,) is each cell's pot. ``missing`` (C, R), if given, marks the regions without data in
    a cell: the allocation paid them nothing, and their rows say so (``data`` "missing", route
    ``no_data``, amount NaN: no data, not 0 kr). ``columns`` maps each of the kind's row columns
    (``improvement_pp``, ``share_current``, ...) to a (C, R) array, or a scalar for every row. Every
    cell's pot is checked to be conserved.
    """
    routes = np.array(route_names)
    cumulative = getattr(block, "cumulative", True)
    rows, cell_rows, step_rows, amount_rows = [], [], [], []
    for c, (month, group) in enumerate(cells):
        a = allocation
        pot = float(pots[c])
        paid = float(a.amount[c].sum())
        check_conserved(pot, paid, float(a.lapsed[c]), f"block {block.number} {month or ''} {group or ''}".strip())
        tiers = a.tier[c].astype(int)
        gone = np.zeros(len(regions), bool) if missing is None else missing[c]
        if (a.amount[c][gone] != 0).any() or (tiers[gone] != 0).any():
            raise KommiljardError(
                f"internal error: block {block.number} {month} {group}: a region without data was paid. Please "
                "report this."
            )
        amount = np.where(gone, np.nan, a.amount[c])
        rows.append(
            pd.DataFrame(
                {
                    "region": regions,
                    "region_name": [names.get(r, "") for r in regions],
                    "block": block.number,
                    "month": month,
                    "group": group,
                    "tier": tiers,
                    "route": np.where(gone, NO_DATA_ROUTE, routes[a.route[c]]),
                    "bars": step_labels(step_names, tiers, cumulative),
                    **{k: (v[c] if isinstance(v, np.ndarray) and v.ndim == 2 else v) for k, v in columns.items()},
                    "population": population,
                    "amount_sek": amount,
                    "data": np.where(gone, "missing", "ok"),
                    "cell_pot_sek": pot,
                    "cell_lapsed_sek": a.lapsed[c],
                }
            )
        )
        cell_rows.append(
            {
                "block": block.number,
                "month": month,
                "group": group,
                "pot_sek": pot,
                "paid_sek": paid,
                "lapsed_sek": float(a.lapsed[c]),
                "qualifiers": int((tiers > 0).sum()),
                "no_data": int(gone.sum()),
            }
        )
        for k, step in enumerate(step_names):
            f = a.flows[c, :, k]
            step_rows.append(
                {
                    "block": block.number,
                    "month": month,
                    "group": group,
                    "step": step,
                    "step_index": k,
                    **{
                        f"{name}_sek" if name not in ("weight", "count") else name: float(v)
                        for name, v in zip(FLOWS, f)
                    },
                }
            )
            amount_rows.append(
                pd.DataFrame(
                    {
                        "region": regions,
                        "block": block.number,
                        "month": month,
                        "group": group,
                        "step": step,
                        "member": [shares_step(int(t), k, cumulative) for t in tiers],
                        "step_pot_sek": float(f[POT]),
                        "amount_sek": np.where(gone, np.nan, a.by_step[c, :, k]),
                    }
                )
            )
    steps = pd.DataFrame(step_rows).rename(columns={"weight": "member_weight", "count": "members"})
    steps["members"] = steps["members"].astype("int64")
    return BlockTables(
        pd.concat(rows, ignore_index=True), pd.DataFrame(cell_rows), steps, pd.concat(amount_rows, ignore_index=True)
    )
