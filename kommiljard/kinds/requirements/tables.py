"""A block of requirements as the engine's tables: rows, cells, steps and step amounts.

A cell is one requirement in one month (or its period), reported under the month, with the
requirement's name as its ``group``. It has two steps: ``earned`` (the cell's pot; what regions
earned from it is paid, the rest is passed up to the bonus) and ``bonus`` (the cell's unearned money,
shared by the bonus key, or lapsed). So in every cell earned + bonus + lapsed = pot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import KommiljardError
from ...money import check_conserved
from ..steps import BASE, COUNT, FLOWS, LAPSED, PASSED_UP, POT, RECEIVED, WEIGHT
from ..tables import NO_DATA_ROUTE, Allocation, BlockTables
from .arrays import RequirementsInput
from .rules import RequirementsBonus
from .units import ROUTE_FULFILMENT, ROUTE_NAMES, STEPS

EARNED, BONUS = 0, 1


def step_label(block: RequirementsBonus, req_index: int, tier: int, route: int) -> str:
    """What a region reached, as outputs write it: the staircase step's name, ``fulfilment`` or ``""``."""
    if route == ROUTE_FULFILMENT:
        return "fulfilment"
    steps = block.requirements[req_index].improvement
    return steps.steps[tier - 1].name if tier > 0 and steps is not None else ""


def cell_flows(pot: float, earned: np.ndarray, bonus: np.ndarray, lapsed: float, weights, key) -> np.ndarray:
    """(FLOWS, 2): the cell's pot through its two steps (see the module docstring)."""
    f = np.zeros((len(FLOWS), len(STEPS)))
    paid_earned = float(np.nansum(earned))
    f[BASE, EARNED], f[POT, EARNED], f[PASSED_UP, EARNED] = pot, paid_earned, pot - paid_earned
    f[WEIGHT, EARNED], f[COUNT, EARNED] = float(weights[earned > 0].sum()), float((earned > 0).sum())
    f[RECEIVED, BONUS], f[POT, BONUS], f[LAPSED, BONUS] = pot - paid_earned, float(np.nansum(bonus)), lapsed
    f[WEIGHT, BONUS], f[COUNT, BONUS] = float(key[bonus > 0].sum()), float((bonus > 0).sum())
    return f


def _rows(block, inp: RequirementsInput, a: Allocation, names: dict[str, str], gone: np.ndarray) -> pd.DataFrame:
    """One row per cell and region (cell-major), every column at once."""
    n_cells, n_regions = a.amount.shape
    req = [block.requirements[int(j)] for j in inp.cell_requirement]
    relative = np.repeat([r.improvement is not None and r.improvement.unit == "relative_pct" for r in req], n_regions)
    improvement = a.extra["improvement"].ravel()
    earned, bonus = a.by_step[..., EARNED], a.by_step[..., BONUS]
    months = [m for m, _ in inp.cells]
    labels = [
        step_label(block, int(inp.cell_requirement[c]), int(t), int(r))
        for c in range(n_cells)
        for t, r in zip(a.tier[c], a.route[c])
    ]
    share = inp.weights / inp.weights.sum()

    def each_cell(values) -> np.ndarray:
        return np.repeat(np.asarray(values), n_regions)

    return pd.DataFrame(
        {
            "region": np.tile(np.array(inp.regions, dtype=object), n_cells),
            "region_name": np.tile(np.array([names.get(r, "") for r in inp.regions], dtype=object), n_cells),
            "block": block.number,
            "month": each_cell(np.array(months, dtype=object)),
            "group": each_cell(np.array([n for _, n in inp.cells], dtype=object)),
            "tier": a.tier.ravel(),
            "route": np.where(gone.ravel(), NO_DATA_ROUTE, np.array(ROUTE_NAMES, dtype=object)[a.route.ravel()]),
            "bars": labels,
            "improvement_pp": np.where(relative, np.nan, improvement),
            **({"improvement_pct": np.where(relative, improvement, np.nan)} if relative.any() else {}),
            "share_current": inp.current.ravel(),
            "share_previous": inp.previous.ravel(),
            "level": inp.level.ravel(),
            "fraction": np.where(gone, np.nan, a.extra["fraction"]).ravel(),
            "population": np.tile(inp.population, n_cells),
            "part_sek": (inp.pots[:, None] * share[None, :]).ravel(),
            "earned_sek": np.where(gone, np.nan, earned).ravel(),
            "bonus_sek": np.where(gone, np.nan, bonus).ravel(),
            "amount_sek": np.where(gone, np.nan, a.amount).ravel(),
            "paid_in": each_cell(np.array([block.paid_in(m) for m in months], dtype=object)),
            "data": np.where(gone.ravel(), "missing", "ok"),
            "cell_pot_sek": each_cell(inp.pots),
            "cell_lapsed_sek": each_cell(a.lapsed),
        }
    )


def requirements_tables(
    block: RequirementsBonus, inp: RequirementsInput, a: Allocation, names: dict[str, str]
) -> BlockTables:
    """The engine's tables of one block, every cell checked to conserve its pot."""
    gone = np.zeros(a.amount.shape, bool) if inp.missing is None else inp.missing
    if (a.amount[gone] != 0).any():
        from .arrays import tell

        raise KommiljardError(tell("refuse.paid_without_data", block=block.number))
    cells, steps = [], []
    for c, (month, name) in enumerate(inp.cells):
        pot, lapsed, paid = float(inp.pots[c]), float(a.lapsed[c]), float(a.amount[c].sum())
        check_conserved(pot, paid, lapsed, f"block {block.number} {month} {name}")
        earned, bonus = a.by_step[c, :, EARNED], a.by_step[c, :, BONUS]
        cells.append(
            {
                "block": block.number,
                "month": month,
                "group": name,
                "pot_sek": pot,
                "paid_sek": paid,
                "lapsed_sek": lapsed,
                "qualifiers": int((a.tier[c] > 0).sum()),
                "no_data": int(gone[c].sum()),
                "earned_sek": float(earned.sum()),
                "bonus_sek": float(bonus.sum()),
            }
        )
        for k, step in enumerate(STEPS):
            flows = {
                f"{n}_sek" if n not in ("weight", "count") else n: float(v) for n, v in zip(FLOWS, a.flows[c, :, k])
            }
            steps.append({"block": block.number, "month": month, "group": name, "step": step, "step_index": k, **flows})
    steps_frame = pd.DataFrame(steps).rename(columns={"weight": "member_weight", "count": "members"})
    steps_frame["members"] = steps_frame["members"].astype("int64")
    return BlockTables(
        _rows(block, inp, a, names, gone), pd.DataFrame(cells), steps_frame, _step_amounts(block, inp, a, gone)
    )


def _step_amounts(block, inp: RequirementsInput, a: Allocation, gone: np.ndarray) -> pd.DataFrame:
    """One row per cell, step and region: whether the region shares the step and its amount from it."""
    n_cells, n_regions, n_steps = a.by_step.shape
    order = (n_cells, n_steps, n_regions)  # cell, then step, then region
    by_step = a.by_step.transpose(0, 2, 1)
    return pd.DataFrame(
        {
            "region": np.tile(np.array(inp.regions, dtype=object), n_cells * n_steps),
            "block": block.number,
            "month": np.repeat(np.array([m for m, _ in inp.cells], dtype=object), n_steps * n_regions),
            "group": np.repeat(np.array([n for _, n in inp.cells], dtype=object), n_steps * n_regions),
            "step": np.tile(np.repeat(np.array(STEPS, dtype=object), n_regions), n_cells),
            "member": (by_step > 0).reshape(-1),
            "step_pot_sek": np.repeat(a.flows[:, POT, :], n_regions, axis=1).reshape(-1),
            "amount_sek": np.where(np.broadcast_to(gone[:, None, :], order), np.nan, by_step).reshape(-1),
        }
    )
