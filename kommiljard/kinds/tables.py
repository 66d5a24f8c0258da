"""What a kind's allocation returns (:class:`Allocation`) and how it becomes the engine's tables.

The shared machinery of every kind's folder (the contract itself is :mod:`kommiljard.kinds.base`):
checking that a panel covers what a block needs (:func:`coverage_problems`, :func:`panel_grid`,
:func:`measure_grid`), and turning an allocation into the engine's rows, cells, steps and step
amounts (:func:`block_tables`), with every cell's pot conserved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BackendMismatchError, KommiljardError
from ..inputs.tables import Problem
from ..language import in_quotes, spoken
from ..money import TOLERANCE_SEK, check_conserved
from .base import Cell, Need
from .naming import panel_of_block, said_cell, tell
from .steps import FLOWS, POT, shares_step


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
            diffs += [_differs(name, i, a, b) for i in bad[:5]]
        pairs = [(name, getattr(self, name), getattr(other, name)) for name in ("tier", "route")]
        pairs += [(name, a, other.extra[name]) for name, a in self.extra.items()]
        for name, a, b in pairs:
            bad = np.argwhere((a != b) & ~(np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a != b)
            diffs += [_differs(name, i, a, b) for i in bad[:5]]
        if diffs:
            raise BackendMismatchError(tell("refuse.mismatch", where=where, diffs="\n  ".join(diffs)))


def _differs(name: str, at: np.ndarray, a: np.ndarray, b: np.ndarray) -> str:
    """Where the reference (``a``) and the kernel (``b``) differ."""
    i = tuple(int(x) for x in at)
    return tell("refuse.mismatch_at", name=in_quotes(name), at=i, a=a[i], b=b[i])


@dataclass(frozen=True)
class BlockTables:
    """A block's part of a :class:`~kommiljard.engine.Payout` (see there for the columns)."""

    rows: pd.DataFrame
    cells: pd.DataFrame
    steps: pd.DataFrame
    step_amounts: pd.DataFrame


NO_DATA_ROUTE = "no_data"


def coverage_problems(frame: pd.DataFrame, block, population, allow_missing: bool, needs: Sequence[Need]):
    """Everything a block needs that the panel (or the population table) lacks: its measure columns and, for
    every region, the rows in ``needs`` with a value of each measure the need names there. With ``allow_missing``
    the rows of regions it lacks are not problems (they become "no data"); an empty measure in a row that is
    there always is one (never a silent zero)."""
    from ..inputs.measures import CATALOGUE

    problems = [
        Problem(
            tell(
                "refuse.missing_column",
                column=m,
                what=CATALOGUE[m].describe() if m in CATALOGUE else tell("refuse.a_measure"),
                block=block.number,
                name=block.title,
            )
        )
        for m in block.measure_columns()
        if m not in frame.columns
    ]
    rows = dict(zip(zip(frame["region"], frame["month"], frame["group"]), frame.index))
    in_panel = set(frame["region"])
    gaps = {}
    for region in sorted(in_panel | set(population.counts.index if population is not None else ())):
        missing = [n.label for n in needs if (region, n.month, n.group) not in rows]
        if missing and not allow_missing:
            gaps[region] = missing
        if population is not None and region not in population.counts.index:
            problems.append(Problem(tell("refuse.no_population", region=region, source=population.source)))
    return problems + empty_measures(frame, rows, needs) + _missing_rows_problems(gaps, block, in_panel, population)


def empty_measures(frame: pd.DataFrame, rows: dict, needs: Sequence[Need]) -> list[Problem]:
    """A problem for every measure a need names that is empty in a row of the panel (``rows``: key -> index)."""
    problems, reported = [], frame.attrs.get("reported", set())
    wanted = sorted({m for n in needs for m in n.measures if m in frame.columns})
    empty = {m: frame[m].isna() for m in wanted}
    keys: dict[tuple[str, str], set[str]] = {}
    for n in needs:
        keys.setdefault((n.month, n.group), set()).update(n.measures)
    # the rows with an empty measure at all: the others cannot have a problem (a panel has thousands of rows)
    doubtful = set(frame.index[np.logical_or.reduce([e.to_numpy() for e in empty.values()])]) if empty else set()
    for (region, month, group), i in rows.items():
        if i not in doubtful:
            continue
        for m in sorted(keys.get((month, group), ())):
            if m in empty and empty[m][i] and (i, m) not in reported:
                cell = f"{month}, {group}" if spoken() == "en" else said_cell(month, group)
                measure = in_quotes(m)
                problems.append(
                    Problem(tell("refuse.empty_measure", measure=measure, region=region, cell=cell), int(i) + 1)
                )
    return problems


@dataclass(frozen=True)
class PanelGrid:
    """A covered panel, ready to be read into a block's (cells, regions) arrays."""

    regions: tuple[str, ...]  # the panel's and the population table's, sorted
    frame: pd.DataFrame  # the panel's rows
    population: np.ndarray  # (R,) int64
    weights: np.ndarray  # (R,) float64: population, or 1 for equal sharing

    @cached_property
    def indexed(self) -> pd.DataFrame:
        """The panel by (month, group, region)."""
        return self.frame.set_index(["month", "group", "region"])

    @cached_property
    def _positions(self) -> dict[tuple, int]:
        f = self.frame
        return {key: i for i, key in enumerate(zip(f["month"], f["group"], f["region"]))}

    def read(self, column: str, keys: Sequence[tuple[str, str, str]]) -> np.ndarray:
        """``column`` at each (month, group, region) of ``keys`` as float64, NaN where the panel has no such row:
        what ``indexed[column].reindex(keys)`` holds, found by position (a what-if reads a panel thrice)."""
        pos = np.fromiter((self._positions.get(k, -1) for k in keys), dtype=np.intp, count=len(keys))
        found = pos >= 0
        out = np.full(len(keys), np.nan)
        out[found] = np.array(self.frame[column].take(pos[found]), dtype=np.float64)
        return out


def panel_grid(panel, block, population, allow_missing: bool, needs: Sequence[Need], hint: str) -> PanelGrid:
    """The panel for one block; raises an :class:`InputError` listing every gap (with ``allow_missing``
    only the gaps other than missing rows: a region's cell without its rows is then NaN)."""
    from ..inputs.tables import raise_problems

    frame = panel.frame
    problems = coverage_problems(frame, block, population, allow_missing, needs)
    raise_problems(panel.source, panel_of_block(block), problems, hint)
    regions = tuple(sorted(set(frame["region"]) | set(population.counts.index)))
    pop = population.of(regions)
    weights = pop.astype(np.float64) if getattr(block, "sharing", "") == "population" else np.ones(len(regions))
    return PanelGrid(regions, frame, pop, weights)


def _missing_rows_problems(missing: dict[str, list[str]], block, in_panel: set[str], population) -> list[Problem]:
    """Regions without the rows a block needs (region -> what it lacks): who and what, then once what to do."""
    from ..inputs.regions import region_label

    absent = [region_label(r) for r in missing if r not in in_panel]
    problems = []
    if absent:
        table = f" ({population.source})" if population is not None else ""
        who = (
            tell("refuse.one_region_no_rows", region=absent[0])
            if len(absent) == 1
            else tell("refuse.regions_no_rows", n=len(absent), regions=", ".join(absent))
        )
        problems.append(
            Problem(tell("refuse.cover_every_region", who=who, table=table, block=block.number, name=block.title))
        )
    for region, rows in missing.items():
        if region in in_panel:
            said = {"region": region_label(region), "rows": ", ".join(rows), "block": block.number, "name": block.name}
            problems.append(Problem(tell("refuse.no_row_for", **said)))
    if problems:
        problems.append(Problem(tell("refuse.without_rows", block=block.number, allow=tell("refuse.allow_missing"))))
    return problems


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
    *,
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
            cell = f"{month} {group}" if spoken() == "en" else said_cell(month, group)
            raise KommiljardError(tell("refuse.paid_without_data", block=block.number, cell=cell))
        where = {"block": block.number, "month": month, "group": group}
        rows.append(
            {
                "region": regions,
                "region_name": [names.get(r, "") for r in regions],
                **where,
                "tier": tiers,
                "route": np.where(gone, NO_DATA_ROUTE, routes[a.route[c]]),
                "bars": step_labels(step_names, tiers, cumulative),
                **{k: (v[c] if isinstance(v, np.ndarray) and v.ndim == 2 else v) for k, v in columns.items()},
                "population": population,
                "amount_sek": np.where(gone, np.nan, a.amount[c]),
                "data": np.where(gone, "missing", "ok"),
                "cell_pot_sek": pot,
                "cell_lapsed_sek": a.lapsed[c],
            }
        )
        cell_rows.append(
            where
            | {"pot_sek": pot, "paid_sek": paid, "lapsed_sek": float(a.lapsed[c])}
            | {"qualifiers": int((tiers > 0).sum()), "no_data": int(gone.sum())}
        )
        steps, amounts = _step_rows(
            a, c, step_names, where, regions=regions, tiers=tiers, gone=gone, cumulative=cumulative
        )
        step_rows += steps
        amount_rows += amounts
    steps = pd.DataFrame(step_rows).rename(columns={"weight": "member_weight", "count": "members"})
    steps["members"] = steps["members"].astype("int64")
    n = len(regions)
    return BlockTables(stacked(rows, n), pd.DataFrame(cell_rows), steps, stacked(amount_rows, n))


def stacked(parts: list[dict[str, Any]], n: int) -> pd.DataFrame:
    """The frames ``parts`` describe (each column an array or list of ``n`` values, or one value for all ``n``)
    one under the other, as ``pd.concat`` of one frame each gives, built as one frame (a payout otherwise builds
    a frame per cell and step: three times the time). A column whose parts pandas would type differently (one
    part's ``None`` beside another's text, arrays of different kinds) is left to ``pd.concat``."""
    columns = {}
    for name in parts[0]:
        values = [part[name] for part in parts]
        if all(isinstance(v, np.ndarray) and v.ndim == 1 for v in values) and len({v.dtype.kind for v in values}) == 1:
            columns[name] = np.concatenate(values)
        elif all(isinstance(v, (list, tuple)) and None not in v for v in values):
            columns[name] = [x for v in values for x in v]
        elif len({type(v) for v in values}) == 1 and not isinstance(values[0], (np.ndarray, list, tuple)):
            columns[name] = [x for v in values for x in [v] * n]
        else:
            return pd.concat([pd.DataFrame(p) for p in parts], ignore_index=True)
    return pd.DataFrame(columns)


def _step_rows(
    allocation: Allocation, c: int, step_names: Sequence[str], where: dict, *, regions, tiers, gone, cumulative
):
    """Cell ``c``'s steps (their flows) and each region's amount from each step, as the tables' rows."""
    step_rows, amount_rows = [], []
    for k, step in enumerate(step_names):
        f = allocation.flows[c, :, k]
        step_rows.append(
            where
            | {"step": step, "step_index": k}
            | {f"{name}_sek" if name not in ("weight", "count") else name: float(v) for name, v in zip(FLOWS, f)}
        )
        amount_rows.append(
            {
                "region": regions,
                **where,
                "step": step,
                "member": shares_step(tiers, k, cumulative),  # the rule on every region at once
                "step_pot_sek": float(f[POT]),
                "amount_sek": np.where(gone, np.nan, allocation.by_step[c, :, k]),
            }
        )
    return step_rows, amount_rows
