"""What a sweep computes for a batch of trajectories: draw the shares, apply the lever, allocate.

In the EMA workbench's terms, the *uncertainties* are everything the scenario draws (each
region's level, trend and monthly noise, the national shock); the optional *lever* is one
region's own improvement (:class:`Lever`, exactly as in :func:`kommiljard.analysis.whatif.whatif`);
the *outcomes* are each region's amount from the staircase block, its tier in each month and
group and its highest tier per group, and with a lever the same without it (the gain). A
fitted scenario draws each region from its own forecast (:mod:`.forecast_model`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..analysis.levers import caps_target, checked_pp, choose_cells, improved_share
from ..errors import InputError
from ..inputs.panel import Panel, shift_month
from ..inputs.population import Population
from ..inputs.regions import normalise_code
from ..kinds import kind_of
from ..kinds.staircase.arrays import block_cells
from ..kinds.staircase.kernel import StaircaseParams, staircase_outcomes
from ..rules import ImprovementStaircase, Rules
from .forecast_model import fitted_model
from .model import ConditionedModel, draw, trajectory_model
from .scenario import Scenario

PART_KEY = b"kommiljard.sweep_part"


@dataclass(frozen=True)
class Lever:
    """A region's own improvement: ``improve_pp`` added to its measure in chosen cells."""

    region: str
    improve_pp: float
    months: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None

    def __post_init__(self) -> None:  # refused here, before a sweep writes anything
        object.__setattr__(self, "improve_pp", checked_pp(self.improve_pp, "--improve"))


@dataclass(frozen=True)
class Setup:
    """Everything a chunk needs, prepared once."""

    block: ImprovementStaircase
    model: object  # TrajectoryModel or ConditionedModel
    params: StaircaseParams
    weights: np.ndarray
    pots: np.ndarray
    current: list[int]  # model month index of each measurement month
    previous: list[int]
    target: list[int]  # model share_60 month index of each measurement month (the target's measure)
    lever_region: int  # -1: no lever
    lever_cells: list[int]
    lever_pp: float
    cap_target: bool

    @property
    def regions(self) -> tuple[str, ...]:
        return (self.model.model if hasattr(self.model, "model") else self.model).regions


def sweep_block(rules: Rules) -> ImprovementStaircase:
    """The one block a sweep draws trajectories for; the registry says which kinds can be swept."""
    blocks = [b for b in rules.ruleset.blocks if kind_of(b).sweepable]
    if len(blocks) != 1:
        kinds = sorted({b.kind for b in rules.ruleset.blocks})
        raise InputError(
            f"{rules.origin}: a sweep draws trajectories for exactly one improvement-staircase block; this rule set "
            "has "
            f"{len(blocks)} (its kinds: {', '.join(kinds)}). Sweeps of other kinds are not implemented."
        )
    block = blocks[0]
    if block.measure != "share_90" or (block.target is not None and block.target.measure != "share_60"):
        raise InputError(
            f"{rules.origin}: the trajectories give share_90 and share_60, but block {block.number} measures "
            f"{block.measure!r}" + (f" with a target on {block.target.measure!r}" if block.target else "") + "."
        )
    return block


def setup_sweep(
    scenario: Scenario, rules: Rules, population: Population, lever: Lever | None, observed: Panel | None
) -> tuple[Setup, dict | None]:
    block = sweep_block(rules)
    if scenario.spec.fit is not None:  # each region from its own forecast, given the observed months
        model, obs_info = fitted_model(scenario, block, observed)
    else:
        model, obs_info = _scenario_model(scenario, block, population, observed)
    base = model.model if isinstance(model, ConditionedModel) else model
    regions = base.regions
    weights = population.of(regions).astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    lever_region, lever_cells = -1, []
    if lever is not None:
        code = normalise_code(lever.region)
        if code not in regions:
            raise InputError(f"lever: region {lever.region!r} is not an SCB county code ({' '.join(regions)}).")
        lever_region = regions.index(code)
        lever_cells = [block_cells(block).index((m, g)) for _, m, g in choose_cells(rules, lever.months, lever.groups)]
    setup = Setup(
        block,
        model,
        StaircaseParams.from_block(block),
        weights,
        np.array([block.pot_sek(g) for _, g in block_cells(block)], dtype=np.float64),
        [base.months.index(m) for m in block.months],
        [base.months.index(shift_month(m, -block.compare_lag_months)) for m in block.months],
        [base.months_60.index(m) for m in block.months] if block.target else [],
        lever_region,
        lever_cells,
        float(lever.improve_pp) if lever else 0.0,
        caps_target(block),
    )
    return setup, obs_info


def _scenario_model(scenario: Scenario, block: ImprovementStaircase, population: Population, observed: Panel | None):
    """The generic model of a scenario for the block's months, conditioned on the observed cells if any."""
    spec = scenario.spec
    years = {str(spec.baseline_year), str(spec.measurement_year)}
    needed = sorted(set(block.months) | {shift_month(m, -block.compare_lag_months) for m in block.months})
    if outside := [m for m in needed if m[:4] not in years]:
        raise InputError(
            f"scenario {scenario.name!r} covers {spec.baseline_year} and {spec.measurement_year}, but the rules need "
            f"{outside}."
        )
    months, months_60 = set(needed), set(block.months) if block.target else set()
    obs_info = None
    frame = None
    if observed is not None:
        frame = observed.frame
        frame = frame[frame["month"].str[:4].isin(years) & frame["group"].isin(block.group_names)]
        months |= set(frame["month"])
        months_60 |= set(frame["month"])
        cells = frame[["region", "month", "group", "share_90", "share_60"]].sort_values(["region", "month", "group"])
        obs_info = {
            "source": observed.source,
            "synthetic": observed.synthetic,
            "cells_used": len(cells),
            "cells_ignored": len(observed.frame) - len(cells),
            "sha256": hashlib.sha256(cells.to_csv(index=False).encode()).hexdigest(),
        }
    model = trajectory_model(scenario, sorted(months), sorted(months_60), block.group_names, population)
    return (model.condition(frame) if frame is not None else model), obs_info


def outcomes(setup: Setup, current, previous, target, threads: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group amounts (T, G, R), highest tiers (T, G, R) and each month's tiers (T, M, G, R):
    see :func:`staircase_outcomes`."""
    res = staircase_outcomes(
        setup.params, current, previous, target, setup.weights, setup.pots, len(setup.block.group_names), threads
    )
    return res.amount, res.tier, res.month_tier


def _cells(source: np.ndarray, months) -> np.ndarray:
    """(T, M * G, R): the block's months of a (T, X, G, R) source, month-major."""
    return np.ascontiguousarray(source[:, months]).reshape(len(source), -1, source.shape[-1])


def batch(setup: Setup, seed: int, start: int, stop: int, threads: int) -> dict[str, np.ndarray]:
    """Outcomes of trajectories start..stop-1: arrays (T, G, R) or, for each month's tiers, (T, M, G, R)."""
    drawn = draw(setup.model, seed, start, stop, threads)
    n = stop - start
    months = np.arange(len(setup.block.months))
    current, previous = (drawn.share_90, np.array(setup.current)), (drawn.share_90, np.array(setup.previous))
    target = (drawn.share_60, np.array(setup.target)) if setup.target else None
    amount, tier, month_tier = outcomes(setup, current, previous, target, threads)
    out = {"amount": amount, "tier": tier, "month_tier": month_tier}
    if setup.lever_region >= 0:
        r, cells = setup.lever_region, setup.lever_cells
        shape = (n, len(months), -1, drawn.share_90.shape[-1])  # (T, M, G, R)
        flat = _cells(*current)
        flat[:, cells, r] = improved_share(flat[:, cells, r], setup.lever_pp)
        lever_current = (flat.reshape(shape), months)
        if setup.cap_target:
            flat_target = _cells(*target)
            flat_target[:, cells, r] = np.minimum(flat_target[:, cells, r], flat[:, cells, r])
            target = (flat_target.reshape(shape), months)
        out["baseline_amount"], out["baseline_tier"], out["baseline_month_tier"] = amount, tier, month_tier
        out["amount"], out["tier"], out["month_tier"] = outcomes(setup, lever_current, previous, target, threads)
    return out


def total(by_group: np.ndarray) -> np.ndarray:
    """(T, G, R) -> (T, R): summed over the groups in a fixed order."""
    total = by_group[:, 0].copy()
    for g in range(1, by_group.shape[1]):
        total += by_group[:, g]
    return total


def part_table(
    setup: Setup, start: int, out: dict[str, np.ndarray], regions: tuple[str, ...], metadata: dict
) -> pa.Table:
    n, n_groups, n_regions = out["amount"].shape
    groups = setup.block.group_names
    columns = {
        "trajectory": pa.array(np.repeat(np.arange(start, start + n, dtype=np.int64), n_regions)),
        "region": pa.DictionaryArray.from_arrays(
            pa.array(np.tile(np.arange(n_regions, dtype=np.int8), n)), pa.array(regions)
        ),
        "amount_sek": pa.array(total(out["amount"]).ravel()),
    }
    columns |= {f"tier_{g}": pa.array(out["tier"][:, i].ravel()) for i, g in enumerate(groups)}
    columns |= month_tier_columns(setup.block, out["month_tier"], "tier")
    if "baseline_amount" in out:
        baseline = total(out["baseline_amount"])
        columns["baseline_sek"] = pa.array(baseline.ravel())
        columns["gain_sek"] = pa.array((total(out["amount"]) - baseline).ravel())
        columns |= {f"baseline_tier_{g}": pa.array(out["baseline_tier"][:, i].ravel()) for i, g in enumerate(groups)}
        columns |= month_tier_columns(setup.block, out["baseline_month_tier"], "baseline_tier")
    table = pa.table(columns)
    return table.replace_schema_metadata({PART_KEY: json.dumps(metadata).encode()})


def month_tier_columns(block: ImprovementStaircase, month_tier: np.ndarray, prefix: str) -> dict:
    """``<prefix>_<group>_<month>`` columns of (T, M, G, R) tiers, one row per trajectory and region."""
    return {
        f"{prefix}_{g}_{month}": pa.array(month_tier[:, m, i].ravel())
        for m, month in enumerate(block.months)
        for i, g in enumerate(block.group_names)
    }
