"""What a sweep computes for a batch of trajectories: draw the shares, apply the lever, allocate.

In the EMA workbench's terms, the *uncertainties* are everything the scenario draws (each
region's level, trend and monthly noise, the national shock); the optional *lever* is one
region's own improvement (:class:`Lever`, exactly as in :func:`kommiljard.analysis.whatif.whatif`);
the *outcomes* are each region's amount from the staircase block, its tier in each month and
group and its highest tier per group, and with a lever the same without it (the gain). A
scenario with its own model (a fitted one: each region from its own forecast, built by
:mod:`kommiljard.forecasting`) is drawn from that model.
"""

from __future__ import annotations

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
from ..kinds.staircase.kernel import Outcomes, StaircaseParams, staircase_outcomes
from ..rules import ImprovementStaircase, Rules
from .model import ConditionedModel, Draws, VariableLayout, draw, observed_record, trajectory_model
from .scenario import Scenario

PART_KEY = b"kommiljard.sweep_part"  # a part's own record, in its schema
COUNTS_KEY = b"kommiljard.month_counts"  # its month-by-month bar counts, in its footer


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
    variants: tuple[Setup, ...] = ()  # a variant sweep: every variant's setup on these draws, the first this one's

    @property
    def layout(self) -> VariableLayout:
        """The model whose variables are drawn (a conditioned model's underlying one): regions, months, shapes."""
        return self.model.model if isinstance(self.model, ConditionedModel) else self.model

    @property
    def regions(self) -> tuple[str, ...]:
        return self.layout.regions


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
    if scenario.own_model is not None:  # e.g. a fitted scenario: each region from its own forecast
        model, obs_info = scenario.own_model.sweep_model(block, population, observed)
    elif scenario.spec.fit is not None:
        raise InputError(
            f"{scenario.origin}: a fitted scenario draws each region from its own forecast, which needs its [fit] "
            "table read by kommiljard.forecasting: load it with "
            "kommiljard.forecasting.forecast_model.load_any_scenario (the commands do) and sweep what that returns."
        )
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
        obs_info = observed_record(observed, frame, len(frame))
    model = trajectory_model(scenario, sorted(months), sorted(months_60), block.group_names, population)
    return (model.condition(frame) if frame is not None else model), obs_info


def outcomes(setup: Setup, current, previous, target, threads: int = 1, out=None) -> tuple[np.ndarray, ...]:
    """Per group amounts (T, G, R), highest tiers (T, G, R) and each month's tiers (T, M, G, R): see
    :func:`staircase_outcomes` (``out``: the (amount, tier, month_tier) arrays to fill)."""
    res = staircase_outcomes(
        setup.params,
        current,
        previous,
        target,
        setup.weights,
        setup.pots,
        len(setup.block.group_names),
        threads,
        Outcomes(*out) if out is not None else None,
        months=True,
    )
    return res.amount, res.tier, res.month_tier


def _cells(source: np.ndarray, months) -> np.ndarray:
    """(T, M * G, R): the block's months of a (T, X, G, R) source, month-major."""
    return np.ascontiguousarray(source[:, months]).reshape(len(source), -1, source.shape[-1])


def _stream_outcomes(setup: Setup, share_90: np.ndarray, share_60: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Fill ``out`` (amount, tier and month_tier, and the baseline's with a lever) for drawn shares (T, M, G, R)."""
    current, previous = (share_90, np.array(setup.current)), (share_90, np.array(setup.previous))
    target = (share_60, np.array(setup.target)) if setup.target else None
    if setup.lever_region < 0:
        outcomes(setup, current, previous, target, 1, (out["amount"], out["tier"], out["month_tier"]))
        return
    baseline = (out["baseline_amount"], out["baseline_tier"], out["baseline_month_tier"])
    outcomes(setup, current, previous, target, 1, baseline)
    months = np.arange(len(setup.block.months))
    r, cells = setup.lever_region, setup.lever_cells
    shape = (len(share_90), len(months), -1, share_90.shape[-1])  # (T, M, G, R)
    flat = _cells(*current)
    flat[:, cells, r] = improved_share(flat[:, cells, r], setup.lever_pp)
    lever_current = (flat.reshape(shape), months)
    if setup.cap_target:
        flat_target = _cells(*target)
        flat_target[:, cells, r] = np.minimum(flat_target[:, cells, r], flat[:, cells, r])
        target = (flat_target.reshape(shape), months)
    outcomes(setup, lever_current, previous, target, 1, (out["amount"], out["tier"], out["month_tier"]))


def _variant_outcomes(setup: Setup, share_90: np.ndarray, share_60: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Fill ``out``'s variant arrays for drawn shares (T, M, G, R) whose first variant's outcomes (and amount_sek)
    are in ``out``."""
    current, previous = (share_90, np.array(setup.current)), (share_90, np.array(setup.previous))
    target = (share_60, np.array(setup.target)) if setup.target else None
    n = len(share_90)
    scratch = (np.empty(out["amount"].shape), np.empty(out["tier"].shape, np.int8), np.empty_like(out["month_tier"]))
    for k, variant in enumerate(setup.variants):
        amount, tier, month_tier = (out["amount"], out["tier"], out["month_tier"]) if k == 0 else scratch
        if k:
            outcomes(variant, current, previous, target, 1, scratch)
            total(amount, out["variant_sek"][:, k])
        else:  # the first variant is this setup: its totals are amount_sek
            out["variant_sek"][:, 0] = out["amount_sek"]
        out["variant_tier"][:, k] = tier
        out["variant_empty"][:, k] = (month_tier.reshape(n, -1, month_tier.shape[-1]).max(axis=2) == 0).sum(axis=1)
    change = share_90[:, setup.current] - share_90[:, setup.previous]  # (T, M, G, R), pp
    improvement = out["improvement_pp"]
    np.copyto(improvement, change[:, 0, 0])
    for m in range(change.shape[1]):  # in a fixed order: the same bits whatever the batch
        for g in range(change.shape[2]):
            if m or g:
                improvement += change[:, m, g]
    improvement /= change.shape[1] * change.shape[2]


class Batches:
    """Outcomes of batches of trajectories, drawn and allocated stream by stream (in ``threads``),
    each stream's allocation right after its draw while its shares are in the cache; the draws'
    arrays are reused from batch to batch."""

    def __init__(self, setup: Setup, seed: int, threads: int = 1):
        self.setup, self.seed, self.threads = setup, seed, threads
        self.drawn: Draws | None = None

    def __call__(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Outcomes of trajectories start..stop-1 (new arrays, kept by the caller): amount and tier
        (T, G, R), month_tier (T, M, G, R), amount_sek (T, R) summed over the groups; with a lever
        the same without it (baseline_amount, baseline_tier, baseline_month_tier, baseline_sek) and
        gain_sek. A variant sweep adds, for every variant on the same draws (the first is this setup's),
        variant_sek (T, V, R), variant_tier (T, V, G, R), variant_empty (T, V): cells paying nothing, and
        improvement_pp (T, R): each region's improvement averaged over the block's cells."""
        setup, n = self.setup, stop - start
        base = setup.layout
        if self.drawn is None or len(self.drawn.share_90) < n:
            self.drawn = Draws(start, np.empty((n, *base.shape_90)), np.empty((n, *base.shape_60)))
        s90, s60 = self.drawn.share_90[:n], self.drawn.share_60[:n]
        shape = (n, len(setup.block.group_names), len(base.regions))
        month_shape = (n, len(setup.block.months), *shape[1:])
        out = {"amount": np.empty(shape), "tier": np.empty(shape, np.int8), "amount_sek": np.empty((n, shape[2]))}
        out["month_tier"] = np.empty(month_shape, np.int8)
        if setup.lever_region >= 0:
            out |= {"baseline_amount": np.empty(shape), "baseline_tier": np.empty(shape, np.int8)}
            out |= {"baseline_month_tier": np.empty(month_shape, np.int8)}
            out |= {"baseline_sek": np.empty((n, shape[2])), "gain_sek": np.empty((n, shape[2]))}
        if setup.variants:
            n_variants = len(setup.variants)
            out |= {"variant_sek": np.empty((n, n_variants, shape[2])), "improvement_pp": np.empty((n, shape[2]))}
            out |= {"variant_tier": np.empty((n, n_variants, *shape[1:]), np.int8)}
            out["variant_empty"] = np.empty((n, n_variants), np.int16)

        def then(rows: slice) -> None:  # in the drawing thread, while the stream's shares are in the cache
            mine = {k: v[rows] for k, v in out.items()}
            _stream_outcomes(setup, s90[rows], s60[rows], mine)
            total(mine["amount"], mine["amount_sek"])
            if "baseline_sek" in mine:
                total(mine["baseline_amount"], mine["baseline_sek"])
                np.subtract(mine["amount_sek"], mine["baseline_sek"], out=mine["gain_sek"])
            if setup.variants:
                _variant_outcomes(setup, s90[rows], s60[rows], mine)

        draw(setup.model, self.seed, start, stop, self.threads, out=Draws(start, s90, s60), then=then)
        return out


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
    groups = setup.block.group_names
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
        columns["improvement_pp"] = pa.array(out["improvement_pp"].ravel())
        columns |= {
            variant_column(k): pa.array(out["variant_sek"][:, k].ravel()) for k in range(1, len(setup.variants))
        }
    table = pa.table(columns)
    return table.replace_schema_metadata({PART_KEY: json.dumps(metadata).encode()})
