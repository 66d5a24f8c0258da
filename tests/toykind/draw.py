"""How a sweep draws the toy quota: visits Poisson around a mean per clinic, the observed months as they are.

A draw model of its own (registered with :func:`kommiljard.sweeps.draws.register_draw`), and the
toy's plan for batches of drawn visits (:class:`ToyPlan`, a :class:`kommiljard.kinds.base.SweepPlan`).
Trajectory i takes its numbers from random stream i // STREAM_SIZE, as every sweep does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommiljard.sweeps.rng import STREAM_SIZE

from .kernel import allocate
from .lever import LEVER, more_visits

MEAN_VISITS = 8.0


@dataclass(frozen=True)
class ToyModel:
    regions: tuple[str, ...]
    months: tuple[str, ...]
    groups: tuple[str, ...]
    mean: float
    known: np.ndarray  # (M, G, R): observed visits, NaN where drawn

    def months_of(self, measure: str) -> tuple[str, ...]:
        return self.months


class ToyPoisson:
    def prepare(self, scenario, needs, population, observed, who):
        regions = tuple(population.counts.index)
        months = needs.months["toy_visits"]
        known = np.full((len(months), len(needs.groups), len(regions)), np.nan)
        info = None
        if observed is not None:
            frame = observed.frame[observed.frame["month"].isin(months) & observed.frame["group"].isin(needs.groups)]
            for row in frame.itertuples():
                known[months.index(row.month), needs.groups.index(row.group), regions.index(row.region)] = (
                    row.toy_visits
                )
            info = {"source": observed.source, "cells_used": len(frame), "sha256": observed.sha256 or "in memory"}
        return ToyModel(regions, months, needs.groups, MEAN_VISITS, known), info

    def layout(self, model):
        return model

    def buffers(self, model, n):
        return {"toy_visits": np.empty((n, len(model.months), len(model.groups), len(model.regions)))}

    def fill(self, model, seed, start, stop, threads, *, out, then):
        shape = (len(model.months), len(model.groups), len(model.regions))
        for s in range(start // STREAM_SIZE, (stop - 1) // STREAM_SIZE + 1):
            lo, hi = max(start, s * STREAM_SIZE), min(stop, (s + 1) * STREAM_SIZE)
            rng = np.random.Generator(np.random.SFC64(np.random.SeedSequence(seed, spawn_key=(s,))))
            drawn = rng.poisson(model.mean, size=(STREAM_SIZE, *shape)).astype(np.float64)
            rows = slice(lo - start, hi - start)
            out["toy_visits"][rows] = np.where(
                np.isnan(model.known), drawn[lo - s * STREAM_SIZE : hi - s * STREAM_SIZE], model.known
            )
            then(rows)

    def panel(self, model, drawn, months):
        m, g, r = np.indices(drawn["toy_visits"].shape[1:]).reshape(3, -1)
        frame = pd.DataFrame(
            {
                "region": np.array(model.regions)[r],
                "month": np.array(model.months, dtype=object)[m],
                "group": np.array(model.groups)[g],
                "toy_visits": drawn["toy_visits"][0].ravel(),
            }
        )
        return frame[frame["month"].isin(months)].sort_values(["region", "month", "group"], ignore_index=True)


@dataclass(frozen=True)
class ToyPlan:
    block: object
    pots: np.ndarray
    lever: tuple | None = None  # (region, cells, change, rows)
    axis: str = LEVER.axis
    steps: tuple[str, ...] = ("quota",)

    @property
    def groups(self):
        return self.block.groups

    @property
    def months(self):
        return self.block.months

    def allocate(self, drawn, out=None, threads: int = 1):
        visits = drawn["toy_visits"]
        return self._outcomes(visits.reshape(len(visits), -1, visits.shape[-1]), out)

    def _outcomes(self, cells, out):
        n, (n_months, n_groups), n_regions = len(cells), (len(self.months), len(self.groups)), cells.shape[-1]
        amount, tier, _ = allocate(self.pots, cells, self.block.threshold)
        month_tier = tier.reshape(n, n_months, n_groups, n_regions)
        by_group = amount.reshape(n, n_months, n_groups, n_regions).sum(axis=1)
        if out is None:
            return by_group, month_tier.max(axis=1), month_tier
        out[0][...], out[1][...], out[2][...] = by_group, month_tier.max(axis=1), month_tier
        return out

    def outcomes(self, drawn, out):
        visits = drawn["toy_visits"]
        cells = visits.reshape(len(visits), -1, visits.shape[-1])
        mine = (out["amount"], out["tier"], out["month_tier"])
        if self.lever is None:
            self._outcomes(cells, mine)
            return
        self._outcomes(cells, (out["baseline_amount"], out["baseline_tier"], out["baseline_month_tier"]))
        region, chosen, change = self.lever[:3]
        moved = cells.copy()
        moved[:, list(chosen), region] = more_visits(moved[:, list(chosen), region], change)
        self._outcomes(moved, mine)

    def lever_values(self, drawn, out):
        visits = drawn["toy_visits"]
        out[...] = visits.reshape(len(visits), -1, visits.shape[-1]).mean(axis=1)
