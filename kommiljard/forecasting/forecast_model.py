"""A fitted scenario's trajectories: every region's forecast given the observed months, for a sweep.

A sweep of a scenario written by ``kommiljard fit`` does not draw the regions alike around the
national series: it draws each region from its own fitted forecast
(:func:`kommiljard.forecasting.forecast.forecast`) starting from the last observed month, and keeps
every observed cell as it is. The generic model is not conditioned on the observed months
again: the fit has already learnt from them.

:func:`load_any_scenario` loads a scenario file of either kind: a fitted one (with a ``[fit]``
table, :mod:`.fitspec`) carries this model as its own (:class:`FittedModel`, the sweeps'
:class:`~kommiljard.sweeps.scenario.TrajectorySource`), which the sweep draws.

The variables are those of :class:`~kommiljard.sweeps.model.TrajectoryModel` (share_90 for
each month, group and region the rules need, then the share_90 - share_60 gap in the
measurement months): the months up to the panel's last month must all be in the panel and
are fixed; the later ones are the forecast's joint Gaussian (logit scale), drawn by the same
conditional kernel as a conditioned generic model (:class:`~kommiljard.sweeps.model.ConditionedModel`),
so a fitted sweep is reproducible, chunked and resumable like any other.

The scheme response is the scenario's assumption (``[national.*].response_pp``, by calendar
month, in the measurement months of the rules swept; ``fit.response_sd_pp``). When the last
observed month is itself a response month, its assumed response is taken out of the state the
forecast starts from (the fitted AR(1) deviation is the deviation without the scheme), and
added again in the months forecast.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..errors import InputError
from ..inputs.panel import Panel, shift_month
from ..inputs.population import Population
from ..kinds import Draw
from ..rules.tomlfiles import said_origin
from ..sweeps.model import ConditionedModel, VariableLayout, observed_record
from ..sweeps.scenario import Scenario, ScenarioSpec, read_scenario_file, text_sha256, validated_spec
from .fit import logit
from .fitspec import FittedSpec, fitted_spec
from .fitted import fit_from_entries
from .forecast import WINDOW, Forecast, forecast
from .histories import as_history, cell_text, check_forecastable, group_word, listed, say

_JITTER = 1e-10


@dataclass(frozen=True)
class ForecastVariables(VariableLayout):
    """The variables a fitted sweep draws, laid out as a :class:`~kommiljard.sweeps.model.TrajectoryModel`'s."""

    regions: tuple[str, ...]
    groups: tuple[str, ...]
    months: tuple[str, ...]
    months_60: tuple[str, ...]

    @cached_property
    def pair_90(self) -> np.ndarray:
        """For each gap variable, the share_90 variable of the same month, group and region."""
        per_month = len(self.groups) * len(self.regions)
        m60 = np.array([self.months.index(m) for m in self.months_60], dtype=np.int64)
        return (m60[:, None] * per_month + np.arange(per_month)).ravel()


def response_by_month(spec: ScenarioSpec, months: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    """The assumed response ``{month: {group: pp}}`` for :func:`forecast`, by calendar month, in ``months``
    (default: the 12 months of the scenario's measurement year); months without a response are left out."""
    months = months or [f"{spec.measurement_year}-{m:02d}" for m in range(1, 13)]
    out = {}
    for month in months:
        c = int(month[5:7]) - 1
        if any(n.response_pp[c] for n in spec.national.values()):
            out[month] = {g: n.response_pp[c] for g, n in spec.national.items()}
    return out


def load_any_scenario(name_or_path: str | Path | Scenario | None = None) -> Scenario:
    """A bundled scenario by name or a scenario file by path (None: the default), fitted or not: a fitted
    one (with a ``[fit]`` table) validated as such and carrying its own model (:class:`FittedModel`)."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    return _scenario(*read_scenario_file(name_or_path))


def fitted_from_text(text: str, origin: str) -> Scenario:
    """A fitted scenario from its TOML text (one just written by ``kommiljard fit``), validated as a file is."""
    return _scenario(tomllib.loads(text), origin, text_sha256(text))


def _scenario(raw: dict, origin: str, sha256: str) -> Scenario:
    if "fit" not in raw:
        return Scenario(validated_spec(raw, origin), origin, sha256)
    spec = fitted_spec(raw, origin)
    return Scenario(spec, origin, sha256, FittedModel(spec, origin))


@dataclass(frozen=True)
class FittedModel:
    """A fitted scenario's own trajectory model: each region's forecast given the observed months."""

    spec: FittedSpec
    origin: str

    def sweep_model(self, needs: Draw, population: Population, observed: Panel | None) -> tuple[ConditionedModel, dict]:
        """The conditioned model a sweep draws ``needs`` from, and what it used of the panel (the fit,
        not ``population``, says how regions differ)."""
        with threadpool_limits(1):  # small matrices: one BLAS thread is fastest and spins no idle CPUs
            return fitted_model(self.spec, self.origin, needs, observed)

    def read_observed(self, panel, groups) -> Panel:
        """An observed history: suppressed cells (``N``, ``..``, blank, ``<5``) are missing, not errors."""
        return as_history(panel, groups).panel


def fitted_model(spec: FittedSpec, origin: str, needs: Draw, observed: Panel | None) -> tuple[ConditionedModel, dict]:
    """The conditioned model a sweep of a fitted scenario draws from, and what it used of the panel."""
    if observed is None:
        raise InputError(say("refuse.no_observed", origin=said_origin(origin)))
    check_forecastable(needs.measures, said_origin(origin))
    fit = fit_from_entries(spec.fit.entries())
    groups = tuple(needs.groups)
    if missing := [g for g in groups if g not in fit.groups]:
        names = ", ".join(group_word(g) for g in missing)
        raise InputError(
            say(
                "refuse.rules_groups",
                origin=said_origin(origin),
                missing=names,
                groups=", ".join(map(group_word, fit.groups)),
            )
        )
    frame = observed.frame[observed.frame["group"].isin(groups)]
    last, first = str(frame["month"].max()), str(frame["month"].min())
    if first > fit.until:
        start = shift_month(fit.until, 1 - WINDOW)
        raise InputError(say("refuse.observed_after_until", source=observed.source, first=first, until=fit.until,
                             start=start))  # fmt: skip
    needed = list(needs.months["share_90"])
    variables = ForecastVariables(fit.regions, groups, tuple(needed), tuple(needs.months.get("share_60", ())))
    known = [m for m in needed if m <= last]
    later = [m for m in needed if m > last]
    rows = frame.set_index(["month", "group", "region"]).sort_index()
    _check_known(observed.source, rows, known, groups, fit.regions, last=last, until=fit.until)
    response = response_by_month(spec, needs.paid)  # the scheme's months, whatever the fit's years
    fc = forecast(fit, later, observed, response, spec.fit.response_sd_pp, spec.fit.response_cv) if later else None
    model = _conditioned(variables, rows, known, fc)
    used = frame[frame["month"].isin(known) | (frame["month"] >= shift_month(fit.until, 1 - WINDOW))]
    info = observed_record(observed, frame, len(used)) | {
        "forecast_from": last,
        "months_forecast": later,
        "months_known": known,
        "fit_until": fit.until,
    }
    return model, info


def _check_known(source: str, rows: pd.DataFrame, known: list[str], groups, regions, *, last: str, until: str) -> None:
    """Every cell of the rules' months up to the panel's last must be in it, with both shares; a month after the
    fit's with a cell missing could be forecast instead, from the panel up to the month before (said so)."""
    cells = pd.MultiIndex.from_product([known, groups, regions], names=["month", "group", "region"])
    present = rows.reindex(cells)
    lacking = present[["share_90", "share_60"]].isna()
    absent = lacking.any(axis=1).to_numpy()
    if absent.any():
        where = cells[absent]
        cells = [
            say("refuse.known_cell", columns=_shares_named(lacking.columns[row]), cell=cell_text(r, g, m))
            for (m, g, r), row in zip(where, lacking.to_numpy()[absent], strict=True)
        ]
        earliest = min(where.get_level_values("month"))
        instead = (
            say("refuse.known_instead_earlier", before=shift_month(earliest, -1), earliest=earliest)
            if earliest > until
            else say("refuse.known_instead_compared")
        )
        raise InputError(say("refuse.known_missing", source=source, last=last, n=len(cells), listed=listed(cells, 4),
                             instead=instead))  # fmt: skip


def _shares_named(columns) -> str:
    """The shares a cell lacks, as a reader names them: both shares, or the one."""
    return say("share_both") if len(columns) > 1 else say(f"share_named.{columns[0]}")


def _conditioned(variables: ForecastVariables, rows: pd.DataFrame, known: list[str], fc: Forecast | None):
    """The observed cells fixed, the others the forecast's Gaussian, as a ConditionedModel."""
    groups, regions = variables.groups, variables.regions
    cells = pd.MultiIndex.from_product([groups, regions])
    per_month = len(cells)
    share = np.full(variables.n_vars, np.nan)
    logits = np.full(variables.n_vars, np.nan)
    source = np.full(variables.n_vars, -1)  # each drawn variable's index in the forecast's vectors
    if fc is not None:  # the forecast's order: (month, group, region), share_90 then gaps
        g_of = np.array([fc.groups.index(g) for g in groups])
        r_of = np.array([fc.regions.index(r) for r in regions])
        within = (g_of[:, None] * len(fc.regions) + r_of[None, :]).ravel()
        n_fc = int(np.prod(fc.shape))
    for first, months, gaps in ((0, variables.months, False), (variables.n90, variables.months_60, True)):
        for mi, month in enumerate(months):
            at = slice(first + mi * per_month, first + (mi + 1) * per_month)
            if month in known:
                both = rows.loc[month].reindex(cells)
                share[at] = both["share_60" if gaps else "share_90"].to_numpy(float)
                l90 = logit(both["share_90"].to_numpy(float))
                logits[at] = l90 - logit(share[at]) if gaps else l90
            else:
                k = fc.months.index(month)
                source[at] = (n_fc if gaps else 0) + k * len(fc.groups) * len(fc.regions) + within
    observed, missing = np.flatnonzero(source < 0), np.flatnonzero(source >= 0)
    if len(missing):
        pick = source[missing]
        mean = fc.mean_vector()[pick]
        cov = fc.covariance()[np.ix_(pick, pick)]
        try:
            factor, triangular = np.linalg.cholesky(cov + _JITTER * np.eye(len(pick))), True
        except np.linalg.LinAlgError:
            lam, vec = np.linalg.eigh(cov)
            factor, triangular = vec * np.sqrt(np.clip(lam, 0.0, None)), False
    else:
        mean, factor, triangular = np.zeros(0), np.zeros((0, 0)), True
    return ConditionedModel(
        variables,
        observed,
        missing,
        logits[observed],
        share,
        mean,
        np.ascontiguousarray(factor),
        triangular,
        len(observed),
    )
