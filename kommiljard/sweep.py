"""Sweeps: N synthetic trajectories through the numba kernel, streamed to Parquet.

In the EMA workbench's terms, the *uncertainties* are everything the scenario draws (each
region's level, trend and monthly noise, the national shock); the optional *lever* is one
region's own improvement (X pp added to its share_90 in chosen months and groups, exactly
as in :func:`kommiljard.whatif.whatif`); the *outcomes* are each region's block-1 amount and
tiers, and with a lever the gain (the same draws with and without it).

Reproducibility: trajectory i depends only on the scenario, the rules, the seed and i
(:func:`kommiljard.synth.draw` seeds logical blocks of 1 000 trajectories from
``numpy.random.SeedSequence``), and every sum over a trajectory's cells is done in a fixed
order, so the parts, the summary and its exact percentiles are the same whatever the chunk
size and the number of threads.

Output directory (``out_dir``)::

    trajectories/part-00000.parquet ...   one row per trajectory and region (see OUTCOMES)
    summary.csv, summary.parquet          one row per region (see SUMMARY)
    manifest.json                         what produced it; status "complete" is written last

Each part is written to a temporary file and renamed when whole, and carries the sweep's
fingerprint; the manifest lists the parts done. A rerun with the same arguments reuses
the parts whose fingerprint and range match and computes the rest; other arguments are
refused unless ``force`` (which deletes the sweep's own files, nothing else).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .allocate.kernels import StaircaseParams, run_staircase, staircase_outcomes
from .cube import block_cells
from .errors import InputError, KommiljardError
from .outputs import atomic_path, write_table, write_text
from .panel import Panel, as_panel, shift_month
from .population import Population, read_population
from .provenance import package_version
from .regions import normalise_code, region_names
from .rules import DEFAULT_RULES, ImprovementStaircase, Rules, load_rules
from .scenario import Scenario, load_scenario
from .synth import BLOCK_SIZE, draw, trajectory_model
from .whatif import TARGET_MEASURE_CAP, choose_cells, improved_share, readonly

DEFAULT_CHUNK_SIZE = 100_000
BATCH_SIZE = 10 * BLOCK_SIZE  # trajectories computed at once; bounds memory whatever the chunk size
PART_KEY = b"kommiljard.sweep_part"
OUTCOMES = {
    "trajectory": "int64: trajectory number, 0 to n - 1",
    "region": "string (dictionary-encoded): SCB county code",
    "amount_sek": "float64: the region's amount from the staircase block (block 1) in this trajectory, with the lever if any",
    "tier_<group>": "int8: the highest tier reached in that group over the measurement months (0 none ... 3 orange in 2019)",
    "baseline_sek": "float64 (with a lever): the amount without the lever, same draws",
    "gain_sek": "float64 (with a lever): amount_sek - baseline_sek",
    "baseline_tier_<group>": "int8 (with a lever): tier_<group> without the lever",
}
SUMMARY = {
    "mean_sek, p5_sek, p50_sek, p95_sek": "mean and exact percentiles (linear interpolation) of amount_sek over the trajectories",
    "p_<bar>_<group>": "share of trajectories in which the region reaches the bar (its tier includes it) in that group in at least one measurement month",
    "mean_gain_sek, p5_gain_sek, p50_gain_sek, p95_gain_sek": "(with a lever) the same for gain_sek",
    "mean_baseline_sek, p_<bar>_<group>_baseline": "(with a lever) the same without the lever",
}


class SweepConflictError(KommiljardError):
    """The output directory holds a sweep made with other arguments."""


@dataclass(frozen=True)
class Lever:
    """A region's own improvement: ``improve_pp`` added to its measure in chosen cells."""

    region: str
    improve_pp: float
    months: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SweepResult:
    out_dir: Path
    manifest: dict
    summary: pd.DataFrame
    computed_parts: int
    reused_parts: int
    elapsed_s: float

    def trajectories(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The per-trajectory outcomes (all parts) as one frame."""
        return pd.read_parquet(self.out_dir / "trajectories", columns=columns)


@dataclass(frozen=True)
class _Setup:
    """Everything a chunk needs, prepared once."""

    block: ImprovementStaircase
    model: object  # TrajectoryModel or ConditionedModel
    params: StaircaseParams
    weights: np.ndarray
    pots: np.ndarray
    current: list[int]  # model month index of each measurement month
    previous: list[int]
    level: list[int]  # model share_60 month index of each measurement month
    lever_region: int  # -1: no lever
    lever_cells: list[int]
    lever_pp: float
    cap_level: bool


def _staircase_block(rules: Rules) -> ImprovementStaircase:
    blocks = rules.ruleset.blocks_of(ImprovementStaircase)
    if len(blocks) != 1:
        raise InputError(f"{rules.origin}: a sweep needs exactly one improvement-staircase block; this rule set has {len(blocks)}.")
    block = blocks[0]
    if block.measure != "share_90" or (block.target is not None and block.target.measure != "share_60"):
        raise InputError(f"{rules.origin}: the trajectories give share_90 and share_60, but block {block.number} measures {block.measure!r}"
                         + (f" with a target on {block.target.measure!r}" if block.target else "") + ".")  # fmt: skip
    return block


def _setup(scenario: Scenario, rules: Rules, population: Population, lever: Lever | None, observed: Panel | None) -> tuple[_Setup, dict | None]:
    block = _staircase_block(rules)
    spec = scenario.spec
    years = {str(spec.baseline_year), str(spec.measurement_year)}
    needed = sorted(set(block.months) | {shift_month(m, -block.compare_lag_months) for m in block.months})
    if outside := [m for m in needed if m[:4] not in years]:
        raise InputError(f"scenario {scenario.name!r} covers {spec.baseline_year} and {spec.measurement_year}, but the rules need {outside}.")
    months, months_60 = set(needed), set(block.months) if block.target else set()
    obs_info = None
    frame = None
    if observed is not None:
        frame = observed.frame
        frame = frame[frame["month"].str[:4].isin(years) & frame["group"].isin(block.group_names)]
        months |= set(frame["month"])
        months_60 |= set(frame["month"])
        cells = frame[["region", "month", "group", "share_90", "share_60"]].sort_values(["region", "month", "group"])
        obs_info = {"source": observed.source, "synthetic": observed.synthetic, "cells_used": len(cells),
                    "cells_ignored": len(observed.frame) - len(cells),
                    "sha256": hashlib.sha256(cells.to_csv(index=False).encode()).hexdigest()}  # fmt: skip
    model = trajectory_model(scenario, sorted(months), sorted(months_60), block.group_names, population)
    if frame is not None:
        model = model.condition(frame)
    base = model.model if frame is not None else model
    regions = base.regions
    weights = population.of(regions).astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    lever_region, lever_cells = -1, []
    if lever is not None:
        code = normalise_code(lever.region)
        if code not in regions:
            raise InputError(f"lever: region {lever.region!r} is not an SCB county code ({' '.join(regions)}).")
        lever_region = regions.index(code)
        lever_cells = [block_cells(block).index((m, g)) for _, m, g in choose_cells(rules, lever.months, lever.groups)]
    setup = _Setup(
        block, model, StaircaseParams.from_block(block), weights,
        np.array([block.pot_sek(g) for _, g in block_cells(block)], dtype=np.float64),
        [base.months.index(m) for m in block.months],
        [base.months.index(shift_month(m, -block.compare_lag_months)) for m in block.months],
        [base.months_60.index(m) for m in block.months] if block.target else [],
        lever_region, lever_cells, float(lever.improve_pp) if lever else 0.0,
        bool(block.target) and TARGET_MEASURE_CAP.get(block.measure) == block.target.measure,
    )  # fmt: skip
    return setup, obs_info


def _outcomes(setup: _Setup, n: int, current, previous, level, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Per group amounts (T, G, R) and highest tiers (T, G, R) of one set of inputs.

    ``current``, ``previous`` and ``level`` are ``(source, months)`` pairs: a (T, X, G, R)
    array of shares and the indexes of the block's months in it (``level`` None without a
    target). Shares on the 0.1 grid go straight to :func:`staircase_outcomes`; anything else
    through :func:`run_staircase`, with the same result bits.
    """
    fast = staircase_outcomes(setup.params, current, previous, level, setup.weights, setup.pots, len(setup.block.group_names), threads)
    if fast is not None:
        return fast.amount, fast.tier
    arrays = [_cells(*current), _cells(*previous)]
    arrays.append(_cells(*level) if level is not None else np.full(arrays[0].shape, np.nan))
    res = run_staircase(setup.params, *readonly(*arrays), setup.weights, setup.pots)
    n_groups = len(setup.block.group_names)
    n_months = len(setup.block.months)
    amount = res.amount.reshape(n, n_months, n_groups, -1)
    tier = res.tier.reshape(n, n_months, n_groups, -1)
    by_group = amount[:, 0].copy()
    for m in range(1, n_months):  # a fixed order of additions, whatever the batch
        by_group += amount[:, m]
    return by_group, tier.max(axis=1)


def _cells(source: np.ndarray, months) -> np.ndarray:
    """(T, M * G, R): the block's months of a (T, X, G, R) source, month-major."""
    return np.ascontiguousarray(source[:, months]).reshape(len(source), -1, source.shape[-1])


def _batch(setup: _Setup, seed: int, start: int, stop: int, threads: int) -> dict[str, np.ndarray]:
    """Outcomes of trajectories start..stop-1: arrays (T, R) or (T, G, R)."""
    drawn = draw(setup.model, seed, start, stop, threads)
    n = stop - start
    months = np.arange(len(setup.block.months))
    current, previous = (drawn.share_90, np.array(setup.current)), (drawn.share_90, np.array(setup.previous))
    level = (drawn.share_60, np.array(setup.level)) if setup.level else None
    amount, tier = _outcomes(setup, n, current, previous, level, threads)
    out = {"amount": amount, "tier": tier}
    if setup.lever_region >= 0:
        r, cells = setup.lever_region, setup.lever_cells
        shape = (n, len(months), -1, drawn.share_90.shape[-1])  # (T, M, G, R)
        flat = _cells(*current)
        flat[:, cells, r] = improved_share(flat[:, cells, r], setup.lever_pp)
        lever_current = (flat.reshape(shape), months)
        if setup.cap_level:
            flat_level = _cells(*level)
            flat_level[:, cells, r] = np.minimum(flat_level[:, cells, r], flat[:, cells, r])
            level = (flat_level.reshape(shape), months)
        out["baseline_amount"], out["baseline_tier"] = amount, tier
        out["amount"], out["tier"] = _outcomes(setup, n, lever_current, previous, level, threads)
    return out


def _total(by_group: np.ndarray) -> np.ndarray:
    total = by_group[:, 0].copy()
    for g in range(1, by_group.shape[1]):
        total += by_group[:, g]
    return total


def _part_table(setup: _Setup, start: int, out: dict[str, np.ndarray], regions: tuple[str, ...], metadata: dict) -> pa.Table:
    n, n_groups, n_regions = out["amount"].shape
    groups = setup.block.group_names
    columns = {
        "trajectory": pa.array(np.repeat(np.arange(start, start + n, dtype=np.int64), n_regions)),
        "region": pa.DictionaryArray.from_arrays(pa.array(np.tile(np.arange(n_regions, dtype=np.int8), n)), pa.array(regions)),
        "amount_sek": pa.array(_total(out["amount"]).ravel()),
    }
    columns |= {f"tier_{g}": pa.array(out["tier"][:, i].ravel()) for i, g in enumerate(groups)}
    if "baseline_amount" in out:
        baseline = _total(out["baseline_amount"])
        columns["baseline_sek"] = pa.array(baseline.ravel())
        columns["gain_sek"] = pa.array((_total(out["amount"]) - baseline).ravel())
        columns |= {f"baseline_tier_{g}": pa.array(out["baseline_tier"][:, i].ravel()) for i, g in enumerate(groups)}
    table = pa.table(columns)
    return table.replace_schema_metadata({PART_KEY: json.dumps(metadata).encode()})


class _Gathered:
    """Per-region totals of every trajectory (for exact percentiles) and bar counts."""

    def __init__(self, n: int, n_groups: int, n_regions: int, n_bars: int, lever: bool):
        self.amount = np.empty((n, n_regions))
        self.baseline = np.empty((n, n_regions)) if lever else None
        self.reached = np.zeros((n_bars, n_groups, n_regions), dtype=np.int64)
        self.reached_baseline = np.zeros_like(self.reached) if lever else None

    def add(self, start: int, amount: np.ndarray, tier: np.ndarray, baseline=None, baseline_tier=None) -> None:
        self.amount[start : start + len(amount)] = amount
        for k in range(len(self.reached)):
            self.reached[k] += (tier >= k + 1).sum(axis=0)
            if baseline_tier is not None:
                self.reached_baseline[k] += (baseline_tier >= k + 1).sum(axis=0)
        if baseline is not None:
            self.baseline[start : start + len(baseline)] = baseline

    def add_part(self, path: Path, start: int, groups: tuple[str, ...], n_regions: int) -> None:
        """Gather a part written earlier (a resumed sweep)."""
        table = pq.read_table(path)
        shape = (-1, n_regions)
        tiers = np.stack([table[f"tier_{g}"].to_numpy().reshape(shape) for g in groups], axis=1)
        if self.baseline is None:
            self.add(start, table["amount_sek"].to_numpy().reshape(shape), tiers)
            return
        base_tiers = np.stack([table[f"baseline_tier_{g}"].to_numpy().reshape(shape) for g in groups], axis=1)
        self.add(start, table["amount_sek"].to_numpy().reshape(shape), tiers, table["baseline_sek"].to_numpy().reshape(shape), base_tiers)


def _summary(gathered: _Gathered, regions: tuple[str, ...], block: ImprovementStaircase) -> pd.DataFrame:
    n = len(gathered.amount)
    names = region_names()

    def stats(column: Callable[[int], np.ndarray], suffix: str) -> dict:
        """Mean and exact percentiles, one region at a time (temporaries of N values, not N x R)."""
        rows = []
        for j in range(len(regions)):
            values = column(j)
            rows.append([values.mean(), *np.percentile(values, [5, 50, 95])])
        a = np.array(rows)
        return {f"mean{suffix}_sek": a[:, 0], f"p5{suffix}_sek": a[:, 1], f"p50{suffix}_sek": a[:, 2], f"p95{suffix}_sek": a[:, 3]}

    def bars(reached: np.ndarray, suffix: str) -> dict:
        return {f"p_{bar.name}_{g}{suffix}": reached[k, gi] / n for gi, g in enumerate(block.group_names) for k, bar in enumerate(block.bars)}

    amount, baseline = gathered.amount, gathered.baseline
    columns = {"region": list(regions), "region_name": [names.get(r, "") for r in regions]}
    columns |= stats(lambda j: np.ascontiguousarray(amount[:, j]), "") | bars(gathered.reached, "")
    if baseline is not None:
        columns |= stats(lambda j: amount[:, j] - baseline[:, j], "_gain")
        columns["mean_baseline_sek"] = np.array([np.ascontiguousarray(baseline[:, j]).mean() for j in range(len(regions))])
        columns |= bars(gathered.reached_baseline, "_baseline")
    return pd.DataFrame(columns)


def _fingerprint(identity: dict) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def _part_path(out_dir: Path, index: int) -> Path:
    return out_dir / "trajectories" / f"part-{index:05d}.parquet"


def _part_metadata(path: Path) -> dict | None:
    try:
        return json.loads(pq.read_schema(path).metadata[PART_KEY])
    except Exception:  # noqa: BLE001 - not one of our parts (or unreadable): treated as foreign
        return None


def _remove_own_files(out_dir: Path, keep_parts: bool) -> None:
    """Delete the sweep's own files (never anything else in the directory)."""
    for pattern in ("summary.csv", "summary.parquet", ".summary.*.part", ".manifest.json.*.part", "manifest.json"):
        for path in out_dir.glob(pattern):
            if keep_parts and path.name == "manifest.json":
                continue
            path.unlink()
    parts = out_dir / "trajectories"
    if parts.is_dir():
        for path in parts.glob(".part-*.parquet.*.part"):
            path.unlink()
        if not keep_parts:
            for path in parts.glob("part-*.parquet"):
                path.unlink()


def _check_existing(out_dir: Path, identity: dict, fingerprint: str, force: bool) -> dict | None:
    """The existing manifest if it is this sweep's; refuse (or clear with ``force``) if not."""
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else None
    foreign = []
    if manifest is not None and manifest.get("fingerprint") != fingerprint:
        old = manifest.get("identity", {})
        foreign = [f"{k}: {old.get(k)!r} then, {v!r} now" for k, v in identity.items() if old.get(k) != v] or ["(unreadable manifest)"]
    elif manifest is None:
        parts = sorted((out_dir / "trajectories").glob("part-*.parquet")) if (out_dir / "trajectories").is_dir() else []
        if any((_part_metadata(p) or {}).get("fingerprint") != fingerprint for p in parts):
            foreign = ["trajectories/ holds parts of another sweep"]
    if foreign and not force:
        raise SweepConflictError(f"{out_dir}: holds a sweep made with other arguments ({'; '.join(foreign)}). "
                                 "Rerun with the same arguments to resume it, add --force to start again (deletes that sweep's files), or choose another --out.")  # fmt: skip
    if force:
        _remove_own_files(out_dir, keep_parts=False)
        return None
    return manifest


def run_sweep(
    scenario: Scenario | str | Path | None,
    n: int,
    seed: int,
    out_dir: str | Path,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    lever: Lever | dict | None = None,
    observed_panel: Panel | pd.DataFrame | str | Path | None = None,
    rules: Rules | str | Path = DEFAULT_RULES,
    progress: Callable[[int, int], None] | None = None,
    population: Population | str | Path | None = None,
    overrides: dict | None = None,
    threads: int | None = None,
    force: bool = False,
) -> SweepResult:
    """Run ``n`` trajectories of a scenario (None: the default) through the rules, in chunks, to ``out_dir``.

    ``lever`` (a :class:`Lever` or dict with region, improve_pp, months, groups) adds a
    region's improvement on the same draws; ``observed_panel`` fixes the cells it has and
    draws the others given them. ``progress(done, n)`` is called after every part.
    ``threads`` sets numba's threads (and the threads drawing normals); the results do not
    depend on it. See the module docstring for the files written and how reruns resume.
    """
    started = time.perf_counter()
    if n < 1 or chunk_size < 1:
        raise InputError(f"sweep: n and chunk_size must be positive (got n={n}, chunk_size={chunk_size})")
    if threads is not None and not 1 <= threads <= numba.config.NUMBA_NUM_THREADS:
        raise InputError(f"sweep: threads must be between 1 and {numba.config.NUMBA_NUM_THREADS} (NUMBA_NUM_THREADS), got {threads}")
    scenario = load_scenario(scenario)
    rules = load_rules(rules, overrides)
    population = population if isinstance(population, Population) else read_population(population)
    lever = Lever(**lever) if isinstance(lever, dict) else lever
    if lever is not None:
        lever = Lever(normalise_code(lever.region), float(lever.improve_pp),
                      tuple(lever.months) if lever.months else None, tuple(lever.groups) if lever.groups else None)  # fmt: skip
    observed = as_panel(observed_panel, _staircase_block(rules).group_names) if observed_panel is not None else None
    setup, obs_info = _setup(scenario, rules, population, lever, observed)
    regions = (setup.model.model if obs_info else setup.model).regions
    identity = {
        "scenario_sha256": scenario.sha256, "rules_sha256": rules.sha256, "rules_overrides": dict(rules.overrides),
        "population": f"{population.source} {population.sha256}", "seed": int(seed), "n": int(n), "chunk_size": int(chunk_size),
        "block_size": BLOCK_SIZE, "lever": asdict(lever) if lever else None, "observed_sha256": obs_info["sha256"] if obs_info else None,
        "kommiljard_version": package_version(),
    }  # fmt: skip
    fingerprint = _fingerprint(identity)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = _check_existing(out_dir, identity, fingerprint, force)
    finished = existing is not None and existing.get("status") == "complete" and (out_dir / "summary.parquet").is_file()
    if finished and all((out_dir / p["file"]).is_file() for p in existing["parts"]):
        summary = pd.read_parquet(out_dir / "summary.parquet")
        if progress:
            progress(n, n)
        return SweepResult(out_dir, existing, summary, 0, len(existing["parts"]), time.perf_counter() - started)
    _remove_own_files(out_dir, keep_parts=True)
    (out_dir / "trajectories").mkdir(exist_ok=True)

    chunks = [(i, s, min(s + chunk_size, n)) for i, s in enumerate(range(0, n, chunk_size))]
    manifest = {
        "status": "running", "kind": "kommiljard sweep", "kommiljard_version": package_version(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": scenario.provenance(),
        "rules": {"id": rules.id, "version": rules.ruleset.version, "origin": rules.origin, "sha256": rules.sha256, "overrides": dict(rules.overrides)},
        "population": {"source": population.source, "sha256": population.sha256},
        "seed": int(seed), "n": int(n), "chunk_size": int(chunk_size), "block_size": BLOCK_SIZE,
        "seeding": "trajectory i is row i % block_size of logical block i // block_size; block b draws its normals from "
                   "numpy.random.Generator(numpy.random.SFC64(numpy.random.SeedSequence(seed, spawn_key=(b,))))",
        "lever": ({**asdict(lever), "cells": [{"month": setup.block.months[c // len(setup.block.group_names)],
                                               "group": setup.block.group_names[c % len(setup.block.group_names)]} for c in setup.lever_cells]}
                  if lever else None),
        "observed": obs_info, "identity": identity, "fingerprint": fingerprint,
        "n_parts": len(chunks), "parts": [], "outcomes": OUTCOMES, "summary_columns": SUMMARY,
    }  # fmt: skip
    gathered = _Gathered(n, len(setup.block.group_names), len(regions), len(setup.block.bars), lever is not None)
    done, reused = 0, 0
    threads_before = numba.get_num_threads()
    if threads:
        numba.set_num_threads(threads)
    try:
        threads = numba.get_num_threads()
        todo = []
        for index, start, stop in chunks:
            path = _part_path(out_dir, index)
            meta = _part_metadata(path) if path.is_file() else None
            if meta and meta.get("fingerprint") == fingerprint and (meta["start"], meta["stop"]) == (start, stop):
                gathered.add_part(path, start, setup.block.group_names, len(regions))
                manifest["parts"].append(_part_record(path, out_dir, meta))
                done += stop - start
                reused += 1
            else:
                todo.append((index, start, stop))
        manifest["parts"].sort(key=lambda p: p["start"])
        write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        if progress and done:
            progress(done, n)
        for index, start, stop in todo:
            meta = {"fingerprint": fingerprint, "part": index, "start": start, "stop": stop, "seed": int(seed),
                    "first_block": start // BLOCK_SIZE, "last_block": (stop - 1) // BLOCK_SIZE}  # fmt: skip
            path = _part_path(out_dir, index)
            _write_part(path, setup, seed, meta, regions, gathered, threads)
            manifest["parts"].append(_part_record(path, out_dir, meta))
            manifest["parts"].sort(key=lambda p: p["start"])
            write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            done += stop - start
            if progress:
                progress(done, n)
    finally:
        numba.set_num_threads(threads_before)

    summary = _summary(gathered, regions, setup.block)
    elapsed = time.perf_counter() - started
    manifest |= {"status": "complete", "completed_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                 "elapsed_s": round(elapsed, 3), "threads": threads, "computed_parts": len(todo), "reused_parts": reused,
                 "summary": {"csv": "summary.csv", "parquet": "summary.parquet"}}  # fmt: skip
    write_text(out_dir / "summary.csv", summary.to_csv(index=False))
    write_table(summary, out_dir / "summary.parquet", {k: v for k, v in manifest.items() if k not in ("parts", "status")})
    write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))  # last: the sweep is complete
    return SweepResult(out_dir, manifest, summary, len(todo), reused, elapsed)


def _write_part(path: Path, setup: _Setup, seed: int, meta: dict, regions: tuple[str, ...], gathered: _Gathered, threads: int) -> None:
    """Compute trajectories meta["start"] to meta["stop"] - 1 in batches; one Parquet file, renamed into place when whole."""
    with atomic_path(path) as tmp:
        writer = None
        try:
            for a in range(meta["start"], meta["stop"], BATCH_SIZE):
                out = _batch(setup, seed, a, min(a + BATCH_SIZE, meta["stop"]), threads)
                baseline = _total(out["baseline_amount"]) if "baseline_amount" in out else None
                gathered.add(a, _total(out["amount"]), out["tier"], baseline, out.get("baseline_tier"))
                table = _part_table(setup, a, out, regions, meta)
                writer = writer or pq.ParquetWriter(tmp, table.schema, compression="snappy", use_dictionary=["region"])
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()


def _part_record(path: Path, out_dir: Path, meta: dict) -> dict:
    return {"file": str(path.relative_to(out_dir)), "start": meta["start"], "stop": meta["stop"],
            "rows": pq.read_metadata(path).num_rows, "first_block": meta["first_block"], "last_block": meta["last_block"]}  # fmt: skip


def trajectory_panel(
    scenario: Scenario | str | Path | None,
    seed: int,
    index: int,
    rules: Rules | str | Path = DEFAULT_RULES,
    observed_panel: Panel | pd.DataFrame | str | Path | None = None,
    population: Population | str | Path | None = None,
    overrides: dict | None = None,
) -> pd.DataFrame:
    """The panel of trajectory ``index`` of a sweep with these arguments (before any lever).

    Rows for every region, group and month the rules use; share_60 is drawn only where the
    rules use it (the measurement months) and is NaN in the comparison months.
    """
    scenario, rules = load_scenario(scenario), load_rules(rules, overrides)
    population = population if isinstance(population, Population) else read_population(population)
    observed = as_panel(observed_panel, _staircase_block(rules).group_names) if observed_panel is not None else None
    setup, _ = _setup(scenario, rules, population, None, observed)
    base = setup.model.model if observed is not None else setup.model
    drawn = draw(setup.model, seed, index, index + 1)
    s60 = np.full(drawn.share_90.shape[1:], np.nan)
    for j, month in enumerate(base.months_60):
        s60[base.months.index(month)] = drawn.share_60[0, j]
    m, g, r = np.indices(s60.shape).reshape(3, -1)
    months = [base.months[i] for i in sorted(set(setup.current) | set(setup.previous))]
    frame = pd.DataFrame({"region": np.array(base.regions)[r], "month": np.array(base.months, dtype=object)[m], "group": np.array(base.groups)[g],
                          "share_90": drawn.share_90[0].ravel(), "share_60": s60.ravel()})  # fmt: skip
    return frame[frame["month"].isin(months)].sort_values(["region", "month", "group"], ignore_index=True)


def read_sweep(out_dir: str | Path) -> SweepResult:
    """A finished sweep from its directory (refuses one that is not complete)."""
    out_dir = Path(out_dir)
    path = out_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if manifest.get("status") != "complete":
        raise InputError(f"{out_dir}: not a complete sweep (no manifest with status complete). Rerun the sweep with the same arguments to finish it.")
    return SweepResult(out_dir, manifest, pd.read_parquet(out_dir / "summary.parquet"), 0, len(manifest["parts"]), float(manifest.get("elapsed_s", 0.0)))


