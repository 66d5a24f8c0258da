"""The draw model ``logit_drift``: shares drawn around a panel's own figures a year earlier.

For a block whose measures are shares of several kinds (a block of performance requirements: the share assessed
within three days, performed within 30 days, waiting over 150 days, ...) there is no national series
to draw them around; the block compares each month with the same month a year earlier, so the
drawn month starts from that one. For every region, group and measure drawn:

    logit(x[t]) = logit(x[t - 12 months]) + d + e[t],   d ~ N(DRIFT_MEAN, DRIFT_SD),  e[t] ~ N(0, NOISE_SD)

``d`` is the region's own persistent change over the year (one per trajectory, region, group and
measure), ``e`` the month's noise. The figures a year earlier, and any month of the measurement year
the panel already has, come from the observed panel (``--observed``, required): they are taken as
they are, and only the other months are drawn. The parameters are rough, unsourced defaults of the
right order (the synthetic sample panels of 2022-2024 are drawn with the same spreads,
``data/make_requirement_panels.py``); they are not estimated from any published series.

Trajectory i depends only on the seed, i and the model: its normals are row ``i % STREAM_SIZE`` of random
stream ``i // STREAM_SIZE`` (:mod:`.rng`), whatever the chunks, batches or threads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.panel import shift_month
from ..kinds import Draw
from ..language import as_typed, speaker
from .rng import STREAM_SIZE, each_stream, stream_generator

say = speaker(__package__)

DRIFT_MEAN = 0.0  # logit units: no change expected over the year
DRIFT_SD = 0.15  # logit units: about 3.5 pp near 60 % (the sample panels' spread of regions' yearly change)
NOISE_SD = 0.07  # logit units: about 1.7 pp near 60 % (the sample panels' monthly noise)
EDGE = 0.05  # percent: a share of exactly 0 or 100 is moved this far inside before its logit is taken


@dataclass(frozen=True)
class Layout:
    """The regions, groups and each measure's months of a drift draw (buffers: (n, months, groups, regions))."""

    regions: tuple[str, ...]
    groups: tuple[str, ...]
    months: dict[str, tuple[str, ...]]

    def months_of(self, measure: str) -> tuple[str, ...]:
        return self.months[measure]


@dataclass(frozen=True)
class DriftModel:
    """A prepared drift draw: the observed values (NaN where drawn) and where each drawn value starts from."""

    layout: Layout
    observed: dict[str, np.ndarray]  # measure -> (months, groups, regions), NaN: drawn (or not read)
    drawn: dict[str, np.ndarray]  # measure -> (months, groups) bool: drawn in that month and group
    anchor: dict[str, np.ndarray]  # measure -> (months,) int: the month a year earlier (-1: none)
    n_latent: int  # normals per trajectory: the drifts, then the monthly noise of every drawn value

    def slots(self) -> list[tuple[str, int]]:
        """(measure, group) of every drift, in the order its normals come."""
        return [(m, g) for m, d in self.drawn.items() for g in range(d.shape[1]) if d[:, g].any()]


def _logit(values: np.ndarray) -> np.ndarray:
    p = np.clip(values, EDGE, 100.0 - EDGE) / 100.0
    return np.log(p / (1.0 - p))


def _expit(values: np.ndarray) -> np.ndarray:
    return 100.0 / (1.0 + np.exp(-values))


class LogitDrift:
    """The ``logit_drift`` draw model (:class:`~kommiljard.sweeps.draws.DrawModel`). An observed panel may leave a
    measure empty in rows that do not have it (``complete`` false): the model checks the rows it needs."""

    complete = False

    def prepare(self, scenario, needs: Draw, population, observed, who: str):
        if observed is None:
            raise InputError(say("refuse.drift_observed", who=who))
        regions = tuple(sorted(set(population.counts.index)))
        layout = Layout(regions, tuple(needs.groups), {m: tuple(ms) for m, ms in needs.months.items()})
        frame = observed.frame.drop_duplicates(["region", "month", "group"]).set_index(["month", "group", "region"])
        values, drawn, anchors, problems = {}, {}, {}, []
        for measure in layout.months:
            grid, draw_it, anchor, missing = _measure_grid(frame, measure, layout, needs)
            values[measure], drawn[measure], anchors[measure] = grid, draw_it, anchor
            problems += missing
        if problems:
            more = say("more") if len(problems) > 8 else ""
            missing = ", ".join(problems[:8])
            raise InputError(say("refuse.drift_lacks", who=who, source=observed.source, missing=missing, more=more))
        n_drift = sum(d.any(axis=0).sum() for d in drawn.values()) * len(regions)
        n_noise = sum(int(d.sum()) for d in drawn.values()) * len(regions)
        model = DriftModel(layout, values, drawn, anchors, int(n_drift + n_noise))
        return model, _record(observed, values)

    def layout(self, model: DriftModel) -> Layout:
        return model.layout

    def buffers(self, model: DriftModel, n: int) -> dict[str, np.ndarray]:
        shape = (len(model.layout.groups), len(model.layout.regions))
        return {m: np.empty((n, len(months), *shape)) for m, months in model.layout.months.items()}

    def fill(self, model: DriftModel, seed: int, start: int, stop: int, threads: int, *, out: dict, then: Callable):
        def one_stream(s: int) -> None:
            lo, hi = max(start, s * STREAM_SIZE), min(stop, (s + 1) * STREAM_SIZE)
            normals = stream_generator(seed, s).standard_normal((STREAM_SIZE, model.n_latent))
            rows = slice(lo - start, hi - start)
            _fill(model, normals[lo - s * STREAM_SIZE : hi - s * STREAM_SIZE], {k: v[rows] for k, v in out.items()})
            then(rows)

        each_stream(start, stop, threads, one_stream)

    def panel(self, model: DriftModel, drawn: dict[str, np.ndarray], months: list[str]) -> pd.DataFrame:
        layout, frames = model.layout, []
        for measure, values in drawn.items():
            m, g, r = np.indices(values.shape[1:]).reshape(3, -1)
            frames.append(
                pd.DataFrame(
                    {
                        "region": np.array(layout.regions)[r],
                        "month": np.array(layout.months[measure], dtype=object)[m],
                        "group": np.array(layout.groups)[g],
                        measure: values[0].ravel(),
                    }
                ).set_index(["region", "month", "group"])
            )
        frame = pd.concat(frames, axis=1).reset_index().dropna(subset=list(drawn), how="all")
        return frame[frame["month"].isin(months)].sort_values(["region", "month", "group"], ignore_index=True)


def _measure_grid(frame: pd.DataFrame, measure: str, layout: Layout, needs: Draw) -> tuple:
    """(observed values (months, groups, regions), drawn (months, groups), each month's month a year earlier (-1:
    none), the figures a year earlier a drawn month lacks) of one measure. A month the block reads in a group is
    drawn unless the panel has every region's figure there; a drawn month starts from the month a year earlier."""
    months, groups, regions = layout.months[measure], layout.groups, layout.regions
    grid = np.full((len(months), len(groups), len(regions)), np.nan)
    if measure in frame.columns:
        keys = pd.MultiIndex.from_product([months, groups, regions])
        column = pd.to_numeric(frame[measure], errors="coerce").reindex(keys)
        grid = column.to_numpy(np.float64, copy=True).reshape(grid.shape)
    read = np.array([[_reads(needs, measure, m, g) for g in groups] for m in months])
    anchor = np.array([months.index(a) if (a := shift_month(m, -12)) in months else -1 for m in months])
    draw_it = read & np.isnan(grid).any(axis=2)
    missing = [
        say(
            "refuse.figure",
            measure=as_typed(measure),
            group=as_typed(groups[g]),
            month=shift_month(months[t], -12),
        )
        for t, g in zip(*np.nonzero(draw_it))
        if anchor[t] < 0 or (np.isnan(grid[anchor[t], g]).any() and not draw_it[anchor[t], g])
    ]
    grid[draw_it] = np.nan
    return grid, draw_it, anchor, missing


def _record(observed, values: dict[str, np.ndarray]) -> dict:
    """What a sweep records of the observed panel: its source, how many figures the draws use, and a fingerprint
    of them."""
    used = sum(int(np.isfinite(v).sum()) for v in values.values())
    digest = hashlib.sha256()
    for measure in sorted(values):
        digest.update(measure.encode() + np.nan_to_num(values[measure], nan=-1.0).tobytes())
    return {
        "source": observed.source,
        "synthetic": observed.synthetic,
        "cells_used": used,
        "cells_ignored": 0,
        "sha256": digest.hexdigest(),
    }


def _reads(needs: Draw, measure: str, month: str, group: str) -> bool:
    """Whether the block reads ``measure`` in ``group``'s rows of ``month`` (``needs.needs["reads"]``, else every
    group)."""
    reads = needs.needs.get("reads")
    return reads is None or (measure, month, group) in set(reads)


def _fill(model: DriftModel, normals: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """The values of a slice of trajectories from their normals (T, n_latent), month by month (a drawn month
    starts from the same month a year earlier, observed or drawn before it)."""
    n_regions = len(model.layout.regions)
    drift = {}
    k = 0
    for measure, g in model.slots():
        drift[(measure, g)] = DRIFT_MEAN + DRIFT_SD * normals[:, k : k + n_regions]
        k += n_regions
    for measure, values in model.observed.items():
        target = out[measure]
        target[:] = values  # the observed figures (NaN where drawn)
        drawn = model.drawn[measure]
        for t in range(values.shape[0]):
            for g in np.flatnonzero(drawn[t]):
                start = target[:, model.anchor[measure][t], g]
                noise = NOISE_SD * normals[:, k : k + n_regions]
                k += n_regions
                target[:, t, g] = _expit(_logit(start) + drift[(measure, g)] + noise)
