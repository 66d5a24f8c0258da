"""What a sweep computes for a batch of trajectories: draw the measures, apply the lever, allocate.

In the EMA workbench's terms, the *uncertainties* are everything a draw model draws (for shares:
each region's level, trend and monthly noise, the national shock; :mod:`.draws`); the optional
*lever* is one region's own change (:class:`Lever`, exactly as in
:func:`kommiljard.analysis.whatif.whatif`); the *outcomes* are each region's amount from the swept
block, its tier in each month and group and its highest tier per group, and with a lever the same
without it (the gain). What is drawn for a block, and how a batch of draws is allocated, is its
kind's (:meth:`kommiljard.kinds.base.BlockKind.draw`, :meth:`~kommiljard.kinds.base.BlockKind.sweep_plan`);
this module drives them, kind for kind the same.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from ..analysis.levers import choose_cells
from ..errors import InputError
from ..inputs.panel import Panel
from ..inputs.population import Population
from ..inputs.regions import normalise_code
from ..kinds import Draw, SweepPlan, kind_of, kind_word
from ..language import speaker, spoken
from ..rules import Rules
from ..rules.tomlfiles import said_origin
from .draws import DrawModel, draw_model
from .scenario import Scenario

say = speaker(__package__)

PART_KEY = b"kommiljard.sweep_part"  # a part's own record, in its schema
COUNTS_KEY = b"kommiljard.month_counts"  # its month-by-month bar counts, in its footer


@dataclass(frozen=True)
class Lever:
    """A region's own change: ``improve_pp`` (in the lever's unit: pp of a share for a staircase) in chosen cells."""

    region: str
    improve_pp: float
    months: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None

    def __post_init__(self) -> None:  # refused here, before a sweep writes anything (the range: by the block's lever)
        try:
            value = float(self.improve_pp)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value):
            raise InputError(say("refuse.lever_not_number", value=self.improve_pp))
        object.__setattr__(self, "improve_pp", value)


@dataclass(frozen=True)
class Setup:
    """Everything a chunk needs, prepared once: the swept block, its kind's plan, the draw model and its model."""

    block: Any
    plan: SweepPlan
    draws: DrawModel
    model: object  # the draw model's prepared model
    lever_region: int = -1  # -1: no lever
    lever_cells: tuple[int, ...] = ()  # the plan's lever cells moved
    lever_at: tuple[tuple[str, str], ...] = ()  # those cells' (month, group), for the manifest
    variants: tuple[Setup, ...] = ()  # a variant sweep: every variant's setup on these draws, the first this one's

    @property
    def layout(self):
        """The drawn variables' layout: the regions, each measure's months."""
        return self.draws.layout(self.model)

    @property
    def regions(self) -> tuple[str, ...]:
        return self.layout.regions


def sweep_block(rules: Rules):
    """The one block a sweep draws trajectories for: the rule set's only block whose kind can draw it."""
    blocks = [b for b in rules.ruleset.blocks if kind_of(b).draw(b) is not None]
    if len(blocks) != 1:
        kinds = ", ".join(sorted({kind_word(kind_of(b), "kind", spoken()) for b in rules.ruleset.blocks}))
        raise InputError(say("refuse.one_block", origin=said_origin(rules.origin), count=len(blocks), kinds=kinds))
    return blocks[0]


def sweep_draw(rules: Rules) -> tuple[Any, Draw]:
    """The swept block and what is drawn for it."""
    block = sweep_block(rules)
    return block, kind_of(block).draw(block)


def setup_sweep(
    scenario: Scenario, rules: Rules, population: Population, lever: Lever | None, observed: Panel | None
) -> tuple[Setup, dict | None]:
    block, needs = sweep_draw(rules)
    who = say("block", origin=said_origin(rules.origin), number=block.number, name=block.title)
    draws = draw_model(needs, who)
    model, obs_info = draws.prepare(scenario, needs, population, observed, who)
    layout = draws.layout(model)
    region, cells, at, change, moved_rows = -1, (), (), 0.0, ()
    if lever is not None:
        code = normalise_code(lever.region)
        if code not in layout.regions:
            raise InputError(say("refuse.lever_region", region=lever.region, codes=" ".join(layout.regions)))
        actions = kind_of(block).lever(block)
        if actions is None:
            raise InputError(say("refuse.no_lever", who=who))
        change = actions.lever.check(lever.improve_pp, f"--{actions.lever.option}")
        chosen = {(m, g) for n, m, g in choose_cells(rules, lever.months, lever.groups) if n == block.number}
        rows = actions.rows()
        cells = tuple(c for c, (_, moved) in enumerate(rows) if any(r in chosen for r in moved))
        region, at = layout.regions.index(code), tuple(tuple(rows[c][0]) for c in cells)
        moved_rows = tuple(r for c in cells for r in rows[c][1] if r in chosen)
    lever_of = (region, cells, change, moved_rows) if region >= 0 else None
    plan = kind_of(block).sweep_plan(block, layout, population, lever_of)
    return Setup(block, plan, draws, model, region, cells, at), obs_info


class Batches:
    """Outcomes of batches of trajectories, drawn and allocated stream by stream (in ``threads``),
    each stream's allocation right after its draw while its values are in the cache; the draws'
    arrays are reused from batch to batch."""

    def __init__(self, setup: Setup, seed: int, threads: int = 1):
        self.setup, self.seed, self.threads = setup, seed, threads
        self.drawn: dict[str, np.ndarray] | None = None
        self.fused = fused_args(setup)

    def __call__(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Outcomes of trajectories start..stop-1 (new arrays, kept by the caller): amount and tier
        (T, G, R), month_tier (T, M, G, R), amount_sek (T, R) summed over the groups; with a lever
        the same without it (baseline_amount, baseline_tier, baseline_month_tier, baseline_sek) and
        gain_sek. A variant sweep adds, for every variant on the same draws (the first is this setup's),
        variant_sek (T, V, R), variant_tier (T, V, G, R), variant_empty (T, V): cells paying nothing, and
        the lever's quantity (T, R) under its axis name (``improvement_pp``: each region's improvement
        averaged over the block's cells)."""
        setup, n = self.setup, stop - start
        out = _outcome_arrays(setup, n)
        if self.fused is not None:  # each trajectory allocated in the drawing kernel as it is drawn
            outputs = (out["amount"], out["tier"], out["month_tier"])
            setup.draws.fill_outcomes(setup.model, self.seed, start, stop, self.threads, args=self.fused, out=outputs,
                                      total=out["amount_sek"])  # fmt: skip
            return out
        if self.drawn is None or len(next(iter(self.drawn.values()))) < n:
            self.drawn = setup.draws.buffers(setup.model, n)
        drawn = {k: v[:n] for k, v in self.drawn.items()}

        def then(rows: slice) -> None:  # in the drawing thread, while the stream's values are in the cache
            mine = {k: v[rows] for k, v in out.items()}
            values = {k: v[rows] for k, v in drawn.items()}
            setup.plan.outcomes(values, mine)
            total(mine["amount"], mine["amount_sek"])
            if "baseline_sek" in mine:
                total(mine["baseline_amount"], mine["baseline_sek"])
                np.subtract(mine["amount_sek"], mine["baseline_sek"], out=mine["gain_sek"])
            if setup.variants:
                _variant_outcomes(setup, values, mine)

        setup.draws.fill(setup.model, self.seed, start, stop, self.threads, out=drawn, then=then)
        return out


def fused_args(setup: Setup):
    """What the drawing kernel needs to allocate each trajectory as it draws it
    (:mod:`kommiljard.kinds.trajectory`), or None where it cannot: a sweep with a lever or rule variants (which
    allocate batches of draws several ways), a draw model without ``fill_outcomes`` or a kind whose plan gives
    no ``fused`` arguments."""
    if setup.lever_region >= 0 or setup.variants or not hasattr(setup.draws, "fill_outcomes"):
        return None
    fused = getattr(setup.plan, "fused", None)
    return fused(setup.draws.measures) if fused is not None else None


def _outcome_arrays(setup: Setup, n: int) -> dict[str, np.ndarray]:
    """Empty outcome arrays of a batch of ``n`` trajectories (see :class:`Batches`)."""
    plan, n_regions = setup.plan, len(setup.regions)
    shape = (n, len(plan.groups), n_regions)
    month_shape = (n, len(plan.months), *shape[1:])
    out = {"amount": np.empty(shape), "tier": np.empty(shape, np.int8), "amount_sek": np.empty((n, n_regions))}
    out["month_tier"] = np.empty(month_shape, np.int8)
    if setup.lever_region >= 0:
        out |= {"baseline_amount": np.empty(shape), "baseline_tier": np.empty(shape, np.int8)}
        out |= {"baseline_month_tier": np.empty(month_shape, np.int8)}
        out |= {"baseline_sek": np.empty((n, n_regions)), "gain_sek": np.empty((n, n_regions))}
    if setup.variants:
        n_variants = len(setup.variants)
        out |= {"variant_sek": np.empty((n, n_variants, n_regions)), plan.axis: np.empty((n, n_regions))}
        out |= {"variant_tier": np.empty((n, n_variants, *shape[1:]), np.int8)}
        out["variant_empty"] = np.empty((n, n_variants), np.int16)
    return out


def _variant_outcomes(setup: Setup, drawn: dict[str, np.ndarray], out: dict[str, np.ndarray]) -> None:
    """Fill ``out``'s variant arrays for drawn values whose first variant's outcomes (and amount_sek) are in ``out``."""
    n = len(out["amount"])
    scratch = (np.empty(out["amount"].shape), np.empty(out["tier"].shape, np.int8), np.empty_like(out["month_tier"]))
    for k, variant in enumerate(setup.variants):
        amount, tier, month_tier = (out["amount"], out["tier"], out["month_tier"]) if k == 0 else scratch
        if k:
            variant.plan.allocate(drawn, scratch)
            total(amount, out["variant_sek"][:, k])
        else:  # the first variant is this setup: its totals are amount_sek
            out["variant_sek"][:, 0] = out["amount_sek"]
        out["variant_tier"][:, k] = tier
        out["variant_empty"][:, k] = (month_tier.reshape(n, -1, month_tier.shape[-1]).max(axis=2) == 0).sum(axis=1)
    setup.plan.lever_values(drawn, out[setup.plan.axis])


def total(by_group: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(T, G, R) -> (T, R): summed over the groups in a fixed order (into ``out`` if given)."""
    if out is None:
        out = by_group[:, 0].copy()
    else:
        np.copyto(out, by_group[:, 0])
    for g in range(1, by_group.shape[1]):
        out += by_group[:, g]
    return out


def variant_column(k: int) -> str:
    """The parts' column of variant ``k``'s amounts (the first variant's are amount_sek)."""
    return f"amount_sek_v{k}" if k else "amount_sek"


def part_table(
    setup: Setup, start: int, out: dict[str, np.ndarray], regions: tuple[str, ...], metadata: dict
) -> pa.Table:
    """A batch's rows (see :data:`~kommiljard.sweeps.summary.OUTCOMES`), from :class:`Batches`'s arrays."""
    n, n_groups, n_regions = out["amount"].shape
    groups = setup.plan.groups
    columns = {
        "trajectory": pa.array(np.repeat(np.arange(start, start + n, dtype=np.int64), n_regions)),
        "region": pa.DictionaryArray.from_arrays(
            pa.array(np.tile(np.arange(n_regions, dtype=np.int8), n)), pa.array(regions)
        ),
        "amount_sek": pa.array(out["amount_sek"].ravel()),
    }
    columns |= {f"tier_{g}": pa.array(out["tier"][:, i].ravel()) for i, g in enumerate(groups)}
    if "baseline_amount" in out:
        columns["baseline_sek"] = pa.array(out["baseline_sek"].ravel())
        columns["gain_sek"] = pa.array(out["gain_sek"].ravel())
        columns |= {f"baseline_tier_{g}": pa.array(out["baseline_tier"][:, i].ravel()) for i, g in enumerate(groups)}
    if "variant_sek" in out:
        columns[setup.plan.axis] = pa.array(out[setup.plan.axis].ravel())
        columns |= {
            variant_column(k): pa.array(out["variant_sek"][:, k].ravel()) for k in range(1, len(setup.variants))
        }
    table = pa.table(columns)
    return table.replace_schema_metadata({PART_KEY: json.dumps(metadata).encode()})
