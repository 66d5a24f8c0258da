"""Sweeps: N synthetic trajectories through the rules, in chunks, streamed to Parquet, resumable.

Reproducibility: trajectory i depends only on the scenario, the rules, the seed and i (its
normals come from random stream ``i // STREAM_SIZE``, :mod:`kommiljard.sweeps.rng`), and every
sum over a trajectory's cells is done in a fixed order, so the parts, the summary and its
exact percentiles are the same whatever the chunk size and the number of threads.

Output directory (``out_dir``)::

    trajectories/part-00000.parquet ...   one row per trajectory and region (see summary.OUTCOMES)
    summary.csv, summary.parquet          one row per region (see summary.SUMMARY)
    summary.xlsx                          the same for people: a workbook in whole kronor, with provenance
    manifest.json                         what produced it; status "complete" is written last
    variants.csv/.parquet, variant_outcomes.csv/.parquet   a variant sweep's (see sweeps.variants)

A *chunk* of ``chunk_size`` trajectories is one Parquet part. Each part is written to a
temporary file and renamed when whole, and carries the sweep's fingerprint; the manifest
lists the parts done. A rerun with the same arguments reuses the parts whose fingerprint and
range match and computes the rest; other arguments are refused unless ``force`` (which
deletes the sweep's own files, nothing else).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from .. import __version__
from ..analysis.compare import Variant, resolve
from ..errors import InputError, KommiljardError
from ..inputs.panel import Panel, as_panel, known_groups
from ..inputs.population import Population, read_population
from ..inputs.regions import normalise_code
from ..language import speaker, words_of
from ..outputs.dialects import csv_text
from ..outputs.exports import sweep_sheets, variant_sheets
from ..outputs.files import atomic_path, read_complete_sweep, read_json, write_table, write_text
from ..outputs.ownership import SWEEP, claim_folder
from ..outputs.spreadsheets import write_workbook
from ..rules import DEFAULT_RULES, Rules, load_rules
from .arguments import check_disk, check_sweep_arguments
from .lock import sweep_lock
from .outcomes import COUNTS_KEY, PART_KEY, Batches, Lever, Setup, part_table, setup_sweep, sweep_draw
from .rng import STREAM_SIZE
from .scenario import Scenario, load_scenario
from .scheme_outcomes import PART_COLUMNS, VARIANT_OUTCOMES, VARIANTS, LocalSums, summarise_variants
from .summary import OUTCOMES, SUMMARY, Gathered, summarise
from .variants import variants_record, with_variants

DEFAULT_CHUNK_SIZE = 100_000
BATCH_SIZE = 10 * STREAM_SIZE  # trajectories computed at once; bounds memory whatever the chunk size
FULL_BATCH_VARIANTS = 8  # a variant sweep of more variants computes fewer trajectories at once (see batch_size)
# How parts are written: the region dictionary-encoded, statistics (min and max per row group) only for the
# trajectory numbers, which readers filter on (those of the amounts cost a seventh of the writing).
PARQUET = {"compression": "snappy", "use_dictionary": ["region"], "write_statistics": ["trajectory"]}


say = speaker(__package__)


class SweepConflictError(KommiljardError):
    """The output directory holds a sweep made with other arguments."""


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


def observed_as_panel(observed_panel, needs, scenario: Scenario | None = None):
    """The observed panel, validated for what the draw reads: its groups and measures, each in every row unless
    the draw model takes rows that leave some empty (``DrawModel.complete`` false: it checks the rows it needs);
    a scenario with its own model reads it as that model does (a fitted one: suppressed cells missing)."""
    from .draws import draw_model

    reader = getattr(scenario.own_model, "read_observed", None) if scenario is not None else None
    if reader is not None:
        return reader(observed_panel, needs.groups)
    complete = getattr(draw_model(needs, "the sweep"), "complete", True)
    return as_panel(observed_panel, known_groups(needs.groups), measures=needs.measures, complete=complete)


def _changed(key: str, then: object, now: object) -> str:
    """``seed: 7 then, 9 now``: a setting of the sweep in the folder and of this one, named in the spoken language."""
    name = say(f"identity.{key}") if f"identity.{key}" in words_of(__package__) else key
    return say("identity.changed", key=name, then=_shown(then), now=_shown(now))


def _shown(value: object) -> str:
    """A recorded setting as Python writes it (``{'region': '06', 'months': None}``), ``None`` said in words."""
    if value is None:
        return say("identity.none")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_shown, value)) + "]"
    return repr(value)


def _fingerprint(identity: dict) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))


def _part_path(out_dir: Path, index: int) -> Path:
    return out_dir / "trajectories" / f"part-{index:05d}.parquet"


def _part_metadata(path: Path) -> tuple[dict, dict] | tuple[None, None]:
    """A written part's own record (whose it is, its trajectories) and its month-by-month bar counts,
    both in the file; (None, None) for anything else."""
    try:
        footer = pq.read_metadata(path).metadata
        return json.loads(footer[PART_KEY]), json.loads(footer[COUNTS_KEY])
    except Exception:
        return None, None


def _remove_own_files(out_dir: Path, keep_parts: bool) -> None:
    """Delete the sweep's own files (never anything else in the directory)."""
    for pattern in (
        "summary.csv",
        "summary.parquet",
        "summary.xlsx",
        ".summary.*.part",
        "variants.csv",
        "variants.parquet",
        "variant_outcomes.csv",
        "variant_outcomes.parquet",
        ".variants.*.part",
        ".variant_outcomes.*.part",
        ".manifest.json.*.part",
        "manifest.json",
    ):
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
    readable = manifest_path.is_file() and not force
    manifest = read_json(manifest_path, say("manifest"), say("refuse.broken_manifest")) if readable else None
    foreign = []
    if manifest is not None and manifest.get("fingerprint") != fingerprint:
        old = manifest.get("identity", {})
        foreign = [_changed(k, old.get(k), v) for k, v in identity.items() if old.get(k) != v]
        foreign = foreign or [say("identity.unreadable")]
    elif manifest is None:
        parts = sorted((out_dir / "trajectories").glob("part-*.parquet")) if (out_dir / "trajectories").is_dir() else []
        if any((_part_metadata(p)[0] or {}).get("fingerprint") != fingerprint for p in parts):
            foreign = [say("identity.other_parts")]
    if foreign and not force:
        raise SweepConflictError(say("refuse.conflict", out=out_dir, foreign="; ".join(foreign)))
    if force:
        _remove_own_files(out_dir, keep_parts=False)
        return None
    return manifest


@dataclass(frozen=True)
class Sweep:
    """A sweep's settings: ``n`` trajectories of a scenario (None: the default) drawn with ``seed`` through
    the rules, in parts of ``chunk_size``, written to ``out_dir``.

    ``lever`` (a :class:`Lever` or dict with region, improve_pp, months, groups) adds a region's
    improvement on the same draws; ``observed_panel`` fixes the cells it has and draws the others given
    them (a fitted scenario forecasts from it). ``rules`` with ``overrides`` (``--set``) and
    ``population`` are what the payout uses. ``threads`` sets numba's threads (and the threads drawing
    normals); the results do not depend on it. ``force`` starts again over a sweep made with other
    arguments (deleting its files). ``variants`` (name -> rule set, as
    :func:`kommiljard.analysis.compare.compare` takes them) allocates every variant on the same draws
    (:mod:`kommiljard.sweeps.variants`); the first is the sweep's rules, so ``rules`` and ``overrides``
    are left out then.
    """

    scenario: Scenario | str | Path | None
    n: int
    seed: int
    out_dir: str | Path
    chunk_size: int = DEFAULT_CHUNK_SIZE
    lever: Lever | dict | None = None
    observed_panel: Panel | pd.DataFrame | str | Path | None = None
    rules: Rules | str | Path = DEFAULT_RULES
    population: Population | str | Path | None = None
    overrides: dict | None = None
    threads: int | None = None
    force: bool = False
    variants: Mapping[str, Variant] | None = None

    def run(self, *, progress: Callable[[int, int], None] | None = None, scheduler=None) -> SweepResult:
        """Run the sweep (see the module docstring for the files written and how reruns resume).

        ``progress(done, n)`` is called after every part. The numbers are checked before anything is
        written, and ``out_dir`` is locked while the sweep writes it (:mod:`kommiljard.sweeps.lock`): a
        second sweep into it is refused. ``scheduler`` (``local:N``, a Dask scheduler's address or a
        ``distributed.Client``) computes the parts as Dask tasks (:mod:`kommiljard.sweeps.distributed`),
        with the same results.
        """
        check_sweep_arguments(self.n, self.seed, self.chunk_size, self.threads)
        claim_folder(self.out_dir, SWEEP)  # a new or empty folder, or a sweep's: nothing else is written or deleted
        check_disk(self.out_dir, self.n * max(len(self.variants or ()), 1), self.lever is not None)  # per variant
        if scheduler is not None:
            from .distributed import connected
        with connected(scheduler) if scheduler is not None else nullcontext() as client, sweep_lock(self.out_dir):
            return _run_sweep(self, progress, client)


def run_sweep(
    scenario: Scenario | str | Path | None,
    n: int,
    seed: int,
    out_dir: str | Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    scheduler=None,
    **settings,
) -> SweepResult:
    """Run ``n`` trajectories of a scenario (None: the default) through the rules, in chunks, to ``out_dir``:
    ``Sweep(scenario, n, seed, out_dir, **settings).run(progress=progress, scheduler=scheduler)``, where
    ``settings`` are :class:`Sweep`'s other fields by name (chunk_size, lever, observed_panel, rules,
    population, overrides, threads, force, variants)."""
    return Sweep(scenario, n, seed, out_dir, **settings).run(progress=progress, scheduler=scheduler)


@dataclass(frozen=True)
class _Plan:
    """A sweep's settings resolved: the loaded inputs, the prepared setup, and its identity and fingerprint."""

    sweep: Sweep
    scenario: Scenario
    rules: Rules
    population: Population
    lever: Lever | None
    variants: dict[str, Rules] | None
    setup: Setup
    observed: dict | None  # what the sweep used of the observed panel
    identity: dict
    fingerprint: str

    @property
    def out_dir(self) -> Path:
        return Path(self.sweep.out_dir)

    @classmethod
    def of(cls, sweep: Sweep) -> _Plan:
        scenario, rules, variants = load_scenario(sweep.scenario), sweep.rules, sweep.variants
        if variants is not None:
            if sweep.overrides or rules != DEFAULT_RULES:
                raise InputError(say("refuse.variant_rules"))
            variants = {str(name): resolve(v) for name, v in variants.items()}
            rules = next(iter(variants.values()), DEFAULT_RULES)
        rules = load_rules(rules, sweep.overrides)
        population = sweep.population
        population = population if isinstance(population, Population) else read_population(population)
        lever = _lever(sweep.lever)
        given = sweep.observed_panel
        needs = sweep_draw(rules)[1]
        observed = observed_as_panel(given, needs, scenario) if given is not None else None
        setup, obs_info = setup_sweep(scenario, rules, population, lever, observed)
        if variants is not None:
            setup = with_variants(setup, variants, population)
        identity = {
            "scenario_sha256": scenario.sha256,
            "rules_sha256": rules.sha256,
            "rules_overrides": dict(rules.overrides),
            "population": f"{population.source} {population.sha256}",
            "seed": int(sweep.seed),
            "n": int(sweep.n),
            "chunk_size": int(sweep.chunk_size),
            "stream_size": STREAM_SIZE,
            "lever": asdict(lever) if lever else None,
            "observed_sha256": obs_info["sha256"] if obs_info else None,
            "kommiljard_version": __version__,
        }
        if variants is not None:
            identity["variants"] = variants_record(variants)
        plan = (sweep, scenario, rules, population, lever, variants, setup, obs_info, identity, _fingerprint(identity))
        return cls(*plan)


def _lever(lever: Lever | dict | None) -> Lever | None:
    """A lever as the sweep records it: its region's code, its size a float, its cells tuples (or None)."""
    lever = Lever(**lever) if isinstance(lever, dict) else lever
    if lever is None:
        return None
    return Lever(
        normalise_code(lever.region),
        float(lever.improve_pp),
        tuple(lever.months) if lever.months else None,
        tuple(lever.groups) if lever.groups else None,
    )


def _run_sweep(sweep: Sweep, progress: Callable[[int, int], None] | None, client) -> SweepResult:
    started = time.perf_counter()
    plan = _Plan.of(sweep)
    out_dir, n = plan.out_dir, sweep.n
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = _check_existing(out_dir, plan.identity, plan.fingerprint, sweep.force)
    finished = existing is not None and existing.get("status") == "complete" and (out_dir / "summary.parquet").is_file()
    if finished and all((out_dir / p["file"]).is_file() for p in existing["parts"]):
        summary = pd.read_parquet(out_dir / "summary.parquet")
        if progress:
            progress(n, n)
        return SweepResult(out_dir, existing, summary, 0, len(existing["parts"]), time.perf_counter() - started)
    _remove_own_files(out_dir, keep_parts=True)
    (out_dir / "trajectories").mkdir(exist_ok=True)
    chunks = [(i, s, min(s + sweep.chunk_size, n)) for i, s in enumerate(range(0, n, sweep.chunk_size))]
    manifest = _new_manifest(plan, len(chunks))
    gathered = Gathered.of(plan.setup, n)
    threads_before = numba.get_num_threads()
    if sweep.threads:
        numba.set_num_threads(sweep.threads)
    writing = ThreadPoolExecutor(1, thread_name_prefix="parquet")  # writes a batch while the next is computed
    try:
        done = _compute_parts(plan, manifest, chunks, gathered, writing, progress=progress, client=client)
    finally:
        numba.set_num_threads(threads_before)
        writing.shutdown()
    summary, elapsed = _write_tables(plan, manifest, gathered, done, started, client=client)
    return SweepResult(out_dir, manifest, summary, done["computed_parts"], done["reused_parts"], elapsed)


def lever_unit(block) -> str:
    """The unit of a change of the block's lever (``pp``, ``operations``), as the manifest records it."""
    from ..kinds import kind_of

    actions = kind_of(block).lever(block)
    return actions.lever.unit if actions is not None else "pp"


def _new_manifest(plan: _Plan, n_parts: int) -> dict:
    """A running sweep's manifest: what produced it (its parts are added as they are written)."""
    sweep, setup, lever = plan.sweep, plan.setup, plan.lever
    block, swept = setup.block, setup.plan
    manifest = {
        "status": "running",
        "kind": "kommiljard sweep",
        "kommiljard_version": __version__,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": plan.scenario.provenance(),
        "rules": plan.rules.provenance(),
        "population": {"source": plan.population.source, "sha256": plan.population.sha256},
        "seed": int(sweep.seed),
        "n": int(sweep.n),
        "chunk_size": int(sweep.chunk_size),
        "stream_size": STREAM_SIZE,
        "seeding": "trajectory i is row i % stream_size of random stream i // stream_size; stream s draws its "
        "normals from numpy.random.Generator(numpy.random.SFC64(numpy.random.SeedSequence(seed, spawn_key=(s,))))",
        "block": {
            "number": block.number,
            "name": block.name,
            "groups": list(swept.groups),
            "bars": list(swept.steps),
            "months": list(swept.months),
        },
        "lever": (
            {
                **asdict(lever),
                "unit": lever_unit(block),
                "cells": [{"month": month, "group": group} for month, group in setup.lever_at],
            }
            if lever
            else None
        ),
        "observed": plan.observed,
        "identity": plan.identity,
        "fingerprint": plan.fingerprint,
        "n_parts": n_parts,
        "parts": [],
        "outcomes": OUTCOMES,
        "summary_columns": SUMMARY,
    }
    if plan.variants is not None:
        manifest["variants"] = variants_record(plan.variants, [v.block for v in setup.variants])
        manifest["variant_columns"] = {
            "parts": PART_COLUMNS,
            "variants": VARIANTS,
            "variant_outcomes": VARIANT_OUTCOMES,
        }
    return manifest


def _compute_parts(plan: _Plan, manifest: dict, chunks: list, gathered: Gathered, writing, *, progress, client) -> dict:
    """Reuse the parts already written for this sweep, compute the others (here or as Dask tasks), gathering
    every part and recording it in the manifest; what the manifest says of the run."""
    sweep, setup, out_dir = plan.sweep, plan.setup, plan.out_dir
    threads, groups = numba.get_num_threads(), setup.plan.groups
    done, reused, todo, remote = 0, 0, [], []
    for index, start, stop in chunks:
        path = _part_path(out_dir, index)
        meta, counts = _part_metadata(path) if path.is_file() else (None, None)
        whose = (meta or {}).get("fingerprint"), (meta or {}).get("start"), (meta or {}).get("stop")
        if whose == (plan.fingerprint, start, stop):
            if client is None:
                gathered.add_part(path, start, groups, counts)
            else:  # read where the part is, by a task
                remote.append((_part_path(out_dir.resolve(), index), meta, counts))
            manifest["parts"].append(_part_record(path, out_dir, meta))
            done += stop - start
            reused += 1
        else:
            todo.append((index, start, stop))
    manifest["parts"].sort(key=lambda p: p["start"])
    _write_manifest(out_dir, manifest)
    if progress and done:
        progress(done, sweep.n)
    metas = [
        {
            "fingerprint": plan.fingerprint,
            "part": index,
            "start": start,
            "stop": stop,
            "seed": int(sweep.seed),
            "first_stream": start // STREAM_SIZE,
            "last_stream": (stop - 1) // STREAM_SIZE,
        }
        for index, start, stop in todo
    ]

    def written(path: Path, meta: dict) -> None:
        nonlocal done
        manifest["parts"].append(_part_record(path, out_dir, meta))
        manifest["parts"].sort(key=lambda p: p["start"])
        _write_manifest(out_dir, manifest)
        done += meta["stop"] - meta["start"]
        if progress:
            progress(done, sweep.n)

    cluster = None
    if client is None:
        compute = Batches(setup, sweep.seed, threads)
        for meta in metas:
            path = _part_path(out_dir, meta["part"])
            _write_part(path, compute, meta, setup.regions, gathered, writing)
            written(path, meta)
    else:  # each part computed and written by a Dask task, which returns the part's counters
        from .distributed import run_parts

        def gather(meta: dict, counters: dict) -> None:
            gathered.merge(counters)
            if meta["part"] not in reused_parts:
                written(_part_path(out_dir, meta["part"]), meta)

        reused_parts = {meta["part"] for _, meta, _ in remote}
        chunks = [(_part_path(out_dir.resolve(), meta["part"]), meta) for meta in metas]  # the workers' paths
        task_threads = threads if sweep.threads else 1
        cluster = run_parts(
            client, _write_part, setup, seed=sweep.seed, threads=task_threads, chunks=chunks, written=gather,
            reused=remote, n=sweep.n,
        )  # fmt: skip
    return {"threads": threads, "computed_parts": len(todo), "reused_parts": reused} | (
        {"dask": cluster} if cluster else {}
    )


def _write_tables(plan: _Plan, manifest: dict, gathered: Gathered, done: dict, started: float, *, client=None):
    """Summarise a computed sweep (``done``: what :func:`_compute_parts` says of the run, started at
    ``started``; on Dask with ``client``, the percentiles' passes over the parts are tasks) and write its tables
    (summary, and a variant sweep's), the workbook and, last, the complete manifest; the summary and the seconds
    the sweep took."""
    setup, out_dir, regions, threads = plan.setup, plan.out_dir, plan.setup.regions, done["threads"]
    parts = [out_dir / part["file"] for part in manifest["parts"]]
    passes = None
    if client is not None:
        from .distributed import dask_passes

        passes = dask_passes(client, [out_dir.resolve() / part["file"] for part in manifest["parts"]], len(regions))
    summary = summarise(gathered, regions, setup.plan, parts, threads, passes=passes)
    elapsed = time.perf_counter() - started
    manifest |= {
        "status": "complete",
        "completed_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed, 3),
        **done,
        "summary": {"csv": "summary.csv", "parquet": "summary.parquet", "xlsx": "summary.xlsx"},
    }
    write_text(out_dir / "summary.csv", summary.to_csv(index=False))
    provenance = {k: v for k, v in manifest.items() if k not in ("parts", "status")}
    write_table(summary, out_dir / "summary.parquet", provenance)
    sheets = sweep_sheets(summary, manifest)
    if plan.variants is not None:
        people = plan.population.of(regions).astype(np.float64)
        names = list(plan.variants)
        tables = summarise_variants(
            gathered, setup, names, manifest["variants"], _part_reader(plan, manifest, client, threads),
            population=people,
        )  # fmt: skip
        for name, table in zip(("variants", "variant_outcomes"), tables):
            write_text(out_dir / f"{name}.csv", csv_text(table))  # variant names neutralised
            write_table(table, out_dir / f"{name}.parquet", provenance)
            manifest["summary"][name] = {"csv": f"{name}.csv", "parquet": f"{name}.parquet"}
        sheets += variant_sheets(*tables, manifest)
    write_workbook(out_dir / "summary.xlsx", sheets, provenance)
    _write_manifest(out_dir, manifest)  # last: the sweep is complete
    return summary, elapsed


def _part_reader(plan: _Plan, manifest: dict, client, threads: int):
    """How a variant sweep's tables read the written parts: here (in ``threads``), or on Dask where they are."""
    parts = [(plan.out_dir / part["file"], part["start"], part["stop"]) for part in manifest["parts"]]
    if client is None:
        return LocalSums(parts, threads)
    from .distributed import DaskSums

    return DaskSums(client, [(plan.out_dir.resolve() / p.relative_to(plan.out_dir), *rest) for p, *rest in parts],
                    plan.sweep.n)  # fmt: skip


def batch_size(setup) -> int:
    """Trajectories computed at once: ``BATCH_SIZE``, or fewer (whole random streams) in a sweep of more than
    ``FULL_BATCH_VARIANTS`` variants, each of which holds its amounts and column for the batch, so that memory
    stays about that of eight variants however many there are. The results do not depend on it."""
    k = max(len(setup.variants), FULL_BATCH_VARIANTS)
    return max(STREAM_SIZE, BATCH_SIZE * FULL_BATCH_VARIANTS // k // STREAM_SIZE * STREAM_SIZE)


def _write_part(
    path: Path, compute: Batches, meta: dict, regions: tuple[str, ...], gathered: Gathered, writing: ThreadPoolExecutor
) -> None:
    """Compute trajectories meta["start"] to meta["stop"] - 1 in batches: one Parquet file, renamed into
    place when whole, its footer holding how many trajectories reached each bar in each month (the
    per-trajectory rows keep only the highest tier). Each batch is written on the ``writing`` thread
    while the next is computed."""
    setup = compute.setup
    before = gathered.month_counts()
    with atomic_path(path) as tmp:
        writer, pending = None, None
        try:
            batch = batch_size(setup)
            for a in range(meta["start"], meta["stop"], batch):
                out = compute(a, min(a + batch, meta["stop"]))
                gathered.add(a, out)
                table = part_table(setup, a, out, regions, meta)
                if pending is not None:
                    pending.result()
                writer = writer or pq.ParquetWriter(tmp, table.schema, **PARQUET)
                pending = writing.submit(writer.write_table, table)
            if pending is not None:
                pending.result()
            counts = {k: (v - before[k]).tolist() for k, v in gathered.month_counts().items()}
            writer.add_key_value_metadata({COUNTS_KEY: json.dumps(counts).encode()})
        finally:
            if pending is not None:
                wait([pending])
            if writer is not None:
                writer.close()


def _part_record(path: Path, out_dir: Path, meta: dict) -> dict:
    """The manifest's record of a part: where it is and its trajectories."""
    return {
        "file": str(path.relative_to(out_dir)),
        "start": meta["start"],
        "stop": meta["stop"],
        "rows": pq.read_metadata(path).num_rows,
        "first_stream": meta["first_stream"],
        "last_stream": meta["last_stream"],
    }


def trajectory_panel(
    scenario: Scenario | str | Path | None,
    seed: int,
    index: int,
    *,
    rules: Rules | str | Path = DEFAULT_RULES,
    observed_panel: Panel | pd.DataFrame | str | Path | None = None,
    population: Population | str | Path | None = None,
    overrides: dict | None = None,
) -> pd.DataFrame:
    """The panel of trajectory ``index`` of a sweep with these arguments (before any lever).

    Rows for every region, group and month the rules use; a measure is drawn only where the rules
    use it (share_60 in the measurement months) and is NaN elsewhere.
    """
    scenario, rules = load_scenario(scenario), load_rules(rules, overrides)
    population = population if isinstance(population, Population) else read_population(population)
    needs = sweep_draw(rules)[1]
    observed = observed_as_panel(observed_panel, needs, scenario) if observed_panel is not None else None
    setup, _ = setup_sweep(scenario, rules, population, None, observed)
    drawn = setup.draws.buffers(setup.model, 1)
    setup.draws.fill(setup.model, seed, index, index + 1, 1, out=drawn, then=lambda rows: None)
    return setup.draws.panel(setup.model, drawn, needs.every_month())


def read_sweep(out_dir: str | Path) -> SweepResult:
    """A finished sweep from its directory (refuses one that is not complete)."""
    out_dir = Path(out_dir)
    manifest = read_complete_sweep(out_dir)
    return SweepResult(
        out_dir,
        manifest,
        pd.read_parquet(out_dir / "summary.parquet"),
        0,
        len(manifest["parts"]),
        float(manifest.get("elapsed_s", 0.0)),
    )
