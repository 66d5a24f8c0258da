"""The draw models of a sweep: how the measures a block reads are drawn (the EMA workbench's *uncertainties*).

A kind says what a sweep draws for its block (:class:`kommiljard.kinds.base.Draw`: the model's name,
each measure's months, the groups); the model of that name here draws it. ``logit_shares`` draws
``share_90`` and ``share_60`` on the logit scale from a scenario (:mod:`.model`; a fitted
scenario's own model, each region from its own forecast), conditioned on ``--observed`` months;
``logit_drift`` draws any shares around the observed panel's own figures a year earlier (:mod:`.drift`).
:func:`register_draw` adds a model (a kind whose measures are counts brings a counts model).

A draw model prepares a model for one sweep (:meth:`DrawModel.prepare`), says its layout (the
regions and each measure's months, ``months_of``), gives buffers for a batch and fills them
stream by stream, calling back after each random stream (so that the kind allocates it while its
values are in the cache), and writes one drawn trajectory as a panel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.panel import Panel
from ..inputs.population import Population
from ..kinds import Draw
from ..language import as_typed, speaker
from ..rules.tomlfiles import said_origin
from .counts import Counts
from .drift import LogitDrift
from .model import ConditionedModel, Draws, VariableLayout, draw, draw_outcomes, observed_record, trajectory_model
from .scenario import Scenario

say = speaker(__package__)


class DrawModel(Protocol):
    """How a sweep draws a block's measures (see the module docstring)."""

    def prepare(
        self, scenario: Scenario, needs: Draw, population: Population, observed: Panel | None, who: str
    ) -> tuple[Any, dict | None]:
        """The model a sweep draws from for ``needs`` (``who`` names the block in messages), and what it used of
        the observed panel (None without one)."""

    def layout(self, model) -> Any:
        """The model's layout: ``regions``, and ``months_of(measure)`` for each measure drawn."""

    def buffers(self, model, n: int) -> dict[str, np.ndarray]:
        """Empty arrays for ``n`` trajectories: measure -> (n, months, groups, regions)."""

    def fill(self, model, seed: int, start: int, stop: int, threads: int, *, out: dict, then: Callable) -> None:
        """Draw trajectories ``start`` to ``stop - 1`` into ``out``'s first rows, calling ``then(rows)`` after each
        random stream; trajectory i depends only on the seed, i and the model."""

    def panel(self, model, drawn: dict[str, np.ndarray], months: list[str]) -> pd.DataFrame:
        """The first trajectory of ``drawn`` as a panel's rows in ``months`` (region, month, group, measures)."""

    # Optional: a draw model that can draw inside a numba kernel also has ``measures`` (the names of what it
    # draws, in order) and ``fill_outcomes(model, seed, start, stop, threads, *, args, out, total)``, which
    # draws and lets the kind allocate each trajectory as it is drawn (kommiljard.kinds.trajectory): out the
    # (amount, tier, month_tier) arrays, total (T, R) the amounts summed over the groups, ``args`` the plan's
    # ``fused(measures)``. A sweep without a lever or variants uses it where both sides have it.


class LogitShares:
    """``share_90`` over every month the block reads, and ``share_60`` over the months it reads it in, drawn on
    the logit scale (:func:`kommiljard.sweeps.model.draw`)."""

    measures = ("share_90", "share_60")

    def prepare(self, scenario, needs: Draw, population, observed, who: str):
        others = [m for m in needs.measures if m not in self.measures]
        if "share_90" not in needs.months or others:
            measures = ", ".join(as_typed(m) for m in needs.measures)
            raise InputError(say("refuse.measures", who=who, measures=measures))
        if scenario.own_model is not None:  # e.g. a fitted scenario: each region from its own forecast
            model, used = scenario.own_model.sweep_model(needs, population, observed)
        elif scenario.spec.fit is not None:
            raise InputError(say("refuse.fitted_unread", origin=said_origin(scenario.origin)))
        else:
            model, used = _scenario_model(scenario, needs, population, observed)
        if isinstance(model, ConditionedModel) and model.n_latent == 0:
            source = observed.source if observed is not None else say("observed_panel")
            months = ", ".join(sorted(set(model.model.months)))
            raise InputError(say("refuse.nothing_to_draw", source=source, months=months))
        return model, used

    def layout(self, model) -> VariableLayout:
        return model.model if isinstance(model, ConditionedModel) else model

    def buffers(self, model, n: int) -> dict[str, np.ndarray]:
        base = self.layout(model)
        return {"share_90": np.empty((n, *base.shape_90)), "share_60": np.empty((n, *base.shape_60))}

    def fill(self, model, seed: int, start: int, stop: int, threads: int, *, out: dict, then: Callable) -> None:
        draw(model, seed, start, stop, threads=threads, out=Draws(start, out["share_90"], out["share_60"]), then=then)

    def fill_outcomes(self, model, seed: int, start: int, stop: int, threads: int, *, args, out: tuple, total) -> None:
        draw_outcomes(model, seed, start, stop, threads=threads, args=args, out=out, total=total)

    def panel(self, model, drawn: dict[str, np.ndarray], months: list[str]) -> pd.DataFrame:
        base = self.layout(model)
        s60 = np.full(drawn["share_90"].shape[1:], np.nan)
        for j, month in enumerate(base.months_60):
            s60[base.months.index(month)] = drawn["share_60"][0, j]
        m, g, r = np.indices(s60.shape).reshape(3, -1)
        frame = pd.DataFrame(
            {
                "region": np.array(base.regions)[r],
                "month": np.array(base.months, dtype=object)[m],
                "group": np.array(base.groups)[g],
                "share_90": drawn["share_90"][0].ravel(),
                "share_60": s60.ravel(),
            }
        )
        return frame[frame["month"].isin(months)].sort_values(["region", "month", "group"], ignore_index=True)


def _scenario_model(scenario: Scenario, needs: Draw, population: Population, observed: Panel | None):
    """The generic model of a scenario for the drawn months, conditioned on the observed cells if any."""
    spec = scenario.spec
    years = {str(spec.baseline_year), str(spec.measurement_year)}
    needed = list(needs.months["share_90"])
    if outside := [m for m in needed if m[:4] not in years]:
        raise InputError(
            say(
                "refuse.scenario_years",
                name=scenario.name,
                baseline=spec.baseline_year,
                measurement=spec.measurement_year,
                outside=outside,
            )
        )
    months, months_60 = set(needed), set(needs.months.get("share_60", ()))
    obs_info = None
    frame = None
    if observed is not None:
        frame = observed.frame
        frame = frame[frame["month"].str[:4].isin(years) & frame["group"].isin(needs.groups)]
        months |= set(frame["month"])
        months_60 |= set(frame["month"])
        obs_info = observed_record(observed, frame, len(frame))
    model = trajectory_model(scenario, sorted(months), sorted(months_60), needs.groups, population)
    return (model.condition(frame) if frame is not None else model), obs_info


DRAW_MODELS: dict[str, DrawModel] = {"logit_shares": LogitShares(), "logit_drift": LogitDrift(), "counts": Counts()}


def register_draw(name: str, model: DrawModel, replace: bool = False) -> DrawModel:
    """Add a draw model (a kind's :class:`~kommiljard.kinds.base.Draw` names it); returns it."""
    if name in DRAW_MODELS and DRAW_MODELS[name] is not model and not replace:
        raise ValueError(f"a draw model called {name!r} is registered already; pass replace=True to replace it")
    DRAW_MODELS[name] = model
    return model


def draw_model(needs: Draw, who: str) -> DrawModel:
    """The draw model a block's draw names; an unknown name is an error naming the known ones."""
    try:
        return DRAW_MODELS[needs.model]
    except KeyError:
        known = ", ".join(as_typed(m) for m in DRAW_MODELS)
        raise InputError(say("refuse.draw_model", who=who, model=needs.model, known=known)) from None
