"""Each region's amount in each lever cell as a function of the change it makes to its own lever there.

This is what the what-if page looks up. A what-if (:func:`kommiljard.analysis.whatif.whatif`)
moves one region's lever (adds X pp to its share, for a staircase) in chosen cells and runs the
whole scheme again. Each lever cell (a staircase's measurement month and group) has its own pot,
shared among the regions by that cell's numbers only, so the region's amount in a cell depends on
the X moved in that cell and on nothing else it changes: its total for any choice of X per cell
is the sum of its cell amounts plus what the other blocks give it (which no move changes).
:func:`cell_curves` computes those cell amounts on a grid of X with each block's fast kernel, one
batch per region and block (:meth:`kommiljard.kinds.base.LeverActions.curves`), and refuses rule
sets where the sum would not be exact (a panel row a lever moves read by another cell, or by
another block).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..engine import Payout
from ..errors import InputError
from ..kinds import kind_of
from ..rules import Rules
from ..rules.tomlfiles import said_origin
from . import number, say
from .levers import LeverBlock, cell_text, lever_blocks

DEFAULT_LO, DEFAULT_HI = None, None  # the lever's own grid (Lever.grid): -20 to 20 pp for a share
MAX_STEP_DECIMALS = 2  # a panel with more decimals gets a 0.01 pp grid (still exact on it, bounds between points)
MAX_GRID_POINTS = 20_001
SHARE_DECIMALS = 6  # a change is rounded to 6 decimals, as a lever rounds it


def share_decimals(values) -> int:
    """The fewest decimals (0 to 6) that write every value exactly: 1 for ``[71.3, 80.0]``."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    for d in range(SHARE_DECIMALS + 1):
        scaled = v * 10.0**d
        if np.all(np.abs(scaled - np.rint(scaled)) < 1e-6):
            return d
    return SHARE_DECIMALS


def default_step(result: Payout) -> float:
    """The panel's precision as a step of the lever: 0.1 pp when the shares carry one decimal (1 for whole
    numbers such as counts of operations)."""
    blocks = lever_blocks(result.rules)
    columns = sorted({m for lb in blocks for m in lb.actions.measures[:1]})
    frame = result.panel.frame
    values = [frame[c].to_numpy(np.float64, na_value=np.nan) for c in columns if c in frame.columns]
    decimals = share_decimals(np.concatenate(values)) if values else 0
    return 10.0 ** -min(decimals, MAX_STEP_DECIMALS)


def check_additive(rules: Rules) -> None:
    """Refuse a rule set where a region's total is not its lever cells' sum plus fixed amounts: every panel row a
    lever moves (with the measures it changes) must be read by its own cell only."""
    instead, origin = say("refuse.instead"), said_origin(rules.origin)
    moved: dict[tuple[str, str], tuple[LeverBlock, tuple]] = {}  # panel row -> the lever cell that moves it
    for lb in lever_blocks(rules):
        for cell, rows in lb.actions.rows():
            for row in rows:
                if row in moved:
                    other, where = moved[row]
                    cells = {"first_cell": cell_text(*where), "second_cell": cell_text(*cell), "row": cell_text(*row)}
                    raise InputError(say("refuse.levers_overlap", origin=origin, first=other.block.number,
                                         second=lb.block.number, instead=instead, **cells))  # fmt: skip
                moved[row] = (lb, cell)
    for block in rules.ruleset.blocks:
        kind = kind_of(block)
        for need in kind.needs(block):
            if (need.month, need.group) not in moved:
                continue
            lb, cell = moved[(need.month, need.group)]
            own = block is lb.block and tuple(need.cell) == tuple(cell)
            if not own and set(need.measures) & set(lb.actions.measures):
                raise InputError(say("refuse.reads_moved", origin=origin, block=block.number, label=need.label,
                                     lever=lb.block.number, cell=cell_text(*cell), instead=instead))  # fmt: skip


def grid_indices(lo: float, hi: float, step: float) -> np.ndarray:
    """Whole steps k with ``lo <= k * step <= hi``; 0 must be among them."""
    if not (step > 0 and math.isfinite(step)):
        raise InputError(say("refuse.grid_step", step=step))
    if not (lo <= 0.0 <= hi) or not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(say("refuse.grid_zero", lo=number(lo), hi=number(hi)))
    points = (hi - lo) / step + 1  # a float first: -1e308 to 1e308 is inf, which no integer can hold
    if not points <= MAX_GRID_POINTS + 1:
        raise _too_many(lo, hi, step, points)
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    if last - first + 1 > MAX_GRID_POINTS:
        raise _too_many(lo, hi, step, last - first + 1)
    return np.arange(first, last + 1, dtype=np.int64)


def _too_many(lo: float, hi: float, step: float, points: float) -> InputError:
    return InputError(say("refuse.grid_too_many", lo=number(lo), hi=number(hi), step=number(step),
                          points=number(float(points), ".0f"), most=number(float(MAX_GRID_POINTS), ".0f")))  # fmt: skip


def _grid(lever, asked: tuple, result: Payout) -> tuple[float, np.ndarray]:
    """The step and the whole steps of the page's grid from ``asked`` (lo, hi, step; None: the lever's grid and
    the panel's precision), each within the lever's own range."""
    lo, hi, step = asked
    lo = lever.check(lever.grid[0] if lo is None else lo, "--lo")
    hi = lever.check(lever.grid[1] if hi is None else hi, "--hi")
    step = default_step(result) if step is None else lever.check(step, "--step")
    return step, grid_indices(lo, hi, step)


@dataclass(frozen=True)
class CellCurves:
    """Every region's amount, tier and route in every lever cell at each grid point of its lever."""

    result: Payout  # the baseline payout (rules, panel, population and every other block's amounts)
    regions: tuple[str, ...]
    cells: tuple[tuple[int, str, str], ...]  # (block, month, group), in the rules' order
    routes: tuple[tuple[str, ...], ...]  # per cell: the names of route codes 0, 1, 2
    step: float
    k: np.ndarray  # (K,) int64: grid point k moves the lever by k * step
    amount: np.ndarray  # (R, C, K) float64 kronor
    tier: np.ndarray  # (R, C, K) int8
    route: np.ndarray  # (R, C, K) int8: codes into ``routes``
    state: dict  # name -> (R, C): what the page shows of each cell before any move (a share, last year's share)
    fixed: np.ndarray  # (R,) the region's amount from every other block (a lever does not change it)
    no_data: tuple[str, ...] = ()  # regions left out: without rows for some cell (a payout with allow_missing)
    together: np.ndarray | None = None  # (R, K) the lever cells' amount as all move by k * step at once, where they
    # do not add up (a lever with ``together``: a bonus pot); None where the cells' sum is exact

    @property
    def share(self) -> np.ndarray:
        """(R, C) a staircase cell's share before any improvement (``state["share"]``)."""
        return self.state["share"]

    @property
    def previous(self) -> np.ndarray:
        """(R, C) the share a staircase cell compares with (``state["previous"]``)."""
        return self.state["previous"]

    @property
    def improve_pp(self) -> np.ndarray:
        """The change at each grid point, rounded as a lever rounds it (6 decimals)."""
        return np.round(self.k * self.step, SHARE_DECIMALS)

    def index(self, improve_pp: float) -> int:
        """The grid position of a change; an :class:`InputError` if it is not on the grid."""
        k = round(improve_pp / self.step)
        if abs(k * self.step - improve_pp) > 1e-9 or not self.k[0] <= k <= self.k[-1]:
            lo, hi = self.k[0] * self.step, self.k[-1] * self.step
            raise InputError(say("refuse.not_on_grid", value=number(improve_pp), lo=number(lo), hi=number(hi),
                                 step=number(self.step)))  # fmt: skip
        return int(k - self.k[0])

    def total(self, region: str, improve: float | Mapping[tuple[str, str], float] = 0.0) -> float:
        """The region's total over the scheme with ``improve`` in every cell, or per (month, group)."""
        r = self.regions.index(region)
        amounts = [
            self.amount[r, c, self.index(improve if not isinstance(improve, Mapping) else improve.get((m, g), 0.0))]
            for c, (_, m, g) in enumerate(self.cells)
        ]
        return float(sum(amounts) + self.fixed[r])


def cell_curves(
    result: Payout, lo: float | None = None, hi: float | None = None, step: float | None = None
) -> CellCurves:
    """Each region's amount in each lever cell as it moves its lever there by ``k * step``, ``lo <= k * step <= hi``.

    ``result`` is the baseline payout; its rules, panel and population are used, and the amounts
    of its other blocks are kept as they are. ``lo``/``hi`` default to the lever's grid
    (:attr:`~kommiljard.kinds.base.Lever.grid`: -20 to 20 pp for a share), ``step`` to the panel's
    precision (:func:`default_step`). Grid point k equals ``whatif(panel, region, k * step, months=month,
    groups=group)`` in that cell, to the bit: the same panel values go through the same kernel. A payout
    computed with ``allow_missing_regions`` gives curves of the regions with every cell's rows; the others
    (``no_data``) take no part in the cells they lack, as in the payout, and have no curves.
    """
    rules, panel, population = result.rules, result.panel, result.population
    blocks = lever_blocks(rules)
    check_additive(rules)
    step, k = _grid(blocks[0].actions.lever, (lo, hi, step), result)
    grid = np.round(k * step, SHARE_DECIMALS)
    allow_missing = bool(result.provenance.get("allow_missing_regions"))
    inputs = [(lb, kind_of(lb.block).arrays(panel, lb.block, population, allow_missing=allow_missing)) for lb in blocks]
    lacking = set().union(
        *(np.asarray(inp.regions)[inp.missing.any(axis=0)] for _, inp in inputs if inp.missing is not None)
    )
    no_data = tuple(r for r in inputs[0][1].regions if r in lacking)
    regions = tuple(r for r in inputs[0][1].regions if r not in lacking)
    cells = tuple((lb.block.number, *cell) for lb, _ in inputs for cell, _ in lb.actions.rows())
    shape = (len(regions), len(cells), len(k))
    amount, tier, route = np.empty(shape), np.empty(shape, np.int8), np.empty(shape, np.int8)
    state: dict[str, np.ndarray] = {}
    joint = len(inputs) == 1 and hasattr(inputs[0][0].actions, "together")  # one lever block whose cells tie
    together = np.empty((len(regions), len(k))) if joint else None
    start = 0
    for lb, inp in inputs:
        n = len(lb.actions.rows())
        for r, region in enumerate(inp.regions):
            if region in lacking:
                continue
            got, j = lb.actions.curves(inp, r, grid), regions.index(region)
            if together is not None:
                together[j] = lb.actions.together(inp, r, grid)
            amount[j, start : start + n] = got["amount"].T
            tier[j, start : start + n] = got["tier"].T
            route[j, start : start + n] = got["route"].T
            for name, values in got["state"].items():
                state.setdefault(name, np.full(shape[:2], np.nan))[j, start : start + n] = values
        start += n
    numbers = {lb.block.number for lb in blocks}
    others = result.table[~result.table["block"].isin(numbers)]
    fixed = others.groupby("region")["amount_sek"].sum().reindex(list(regions), fill_value=0.0).to_numpy(np.float64)
    routes = tuple(kind_of(lb.block).route_names(lb.block) for lb, _ in inputs for _ in lb.actions.rows())
    return CellCurves(result, regions, cells, routes, step, k, amount, tier, route, state, fixed, no_data, together)
