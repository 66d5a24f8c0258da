"""Scenario files: the parameters of the synthetic trajectories that sweeps draw.

A scenario (TOML, one per file, every number cited) describes how the 21 regions' monthly
``share_90`` and ``share_60`` may move over a baseline year and the measurement year: the
national level and its seasonal pattern, the national trend and the scheme's response, a
national shock shared by all regions, the spread between regions (level, trend, monthly
noise, each correlated between groups), and optionally fixed values for named regions.
The model that uses them is documented in :mod:`kommiljard.sweeps.model`.

A scenario may carry its *own* trajectory model (:class:`TrajectorySource`), which a sweep draws
instead of the generic one. A *fitted* scenario (``kommiljard fit``) does: its ``[fit]`` table
holds every region's parameters fitted to its own history, and
:func:`kommiljard.forecasting.forecast_model.load_any_scenario` loads it with each region's
forecast as its model. This module reads the ``[fit]`` table as it is and leaves it to
forecasting: a sweep refuses a fitted scenario loaded without its model.

Bundled scenarios live in ``kommiljard/scenarios/`` (``scenarios/`` at the repository root
points there). Errors name the file and the key, with a suggestion for misspelt keys.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import KommiljardError
from ..inputs.panel import Panel
from ..inputs.population import Population
from ..inputs.regions import region_codes
from ..kinds import Draw
from ..language import speaker, spoken
from ..money import format_number
from ..rules.common import MAX_TEXT
from ..rules.tomlfiles import TomlKind

DEFAULT_SCENARIO = "default-2019"
SEASON_MEAN_TOLERANCE_PP = 0.05

Pct = Annotated[float, Field(gt=0, lt=100)]
Sd = Annotated[float, Field(ge=0, le=50)]
Corr = Annotated[float, Field(ge=-1, le=1)]
Twelve = Annotated[
    tuple[float, ...], Field(min_length=12, max_length=12, description="one value per month, January to December")
]
say = speaker(__package__)


def _decimals(value: float, decimals: int, signed: bool = False) -> str:
    return format_number(value, decimals, signed, lang=spoken())


class ScenarioError(KommiljardError):
    """A scenario file (or name) that cannot be used as it is."""


class Frozen(BaseModel):
    """Base: unknown keys are errors, numbers finite, texts of a readable length, instances immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_max_length=MAX_TEXT)


class NationalGroup(Frozen):
    """The national series of one group: level, seasonality, trend, response, share_60 gap.

    Months run January to December. The expected national share_90 in calendar month m is
    ``level_pct + season_pp[m]`` in the baseline year and that plus ``trend_pp +
    response_pp[m]`` in the measurement year.
    """

    level_pct: Pct
    level_source: str = ""
    season_pp: Twelve
    season_source: str = ""
    trend_pp: float = Field(ge=-30, le=30)
    trend_source: str = ""
    response_pp: Twelve = (0.0,) * 12
    response_source: str = ""
    gap_pp: Twelve
    gap_source: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> NationalGroup:
        mean = math.fsum(self.season_pp) / 12
        if abs(mean) > SEASON_MEAN_TOLERANCE_PP:
            raise ValueError(say("refuse.season_mean", mean=_decimals(mean, 3, signed=True)))
        for m in range(12):
            base = self.level_pct + self.season_pp[m]
            later = base + self.trend_pp + self.response_pp[m]
            if not (0 < base < 100 and 0 < later < 100):
                raise ValueError(
                    say("refuse.share_outside", month=m + 1, base=_decimals(base, 1), later=_decimals(later, 1))
                )
            if not 0 <= self.gap_pp[m] < min(base, later):
                limit = _decimals(min(base, later), 1)
                raise ValueError(say("refuse.gap", month=m + 1, gap=self.gap_pp[m], limit=limit))
        return self


class Shock(Frozen):
    """The national shock: one draw per trajectory shared by every region (measurement year)."""

    year_sd_pp: dict[str, Sd]
    year_source: str = ""
    month_sd_pp: dict[str, Sd]
    month_source: str = ""
    group_corr: Corr
    group_corr_source: str = ""


class Spread(Frozen):
    """How regions differ from the national series (standard deviations in pp)."""

    level_sd_pp: dict[str, Sd]
    level_source: str = ""
    level_corr: Corr
    level_corr_source: str = ""
    trend_sd_pp: dict[str, Sd]
    trend_source: str = ""
    trend_corr: Corr
    trend_corr_source: str = ""
    noise_sd_pp: dict[str, Sd]
    noise_source: str = ""
    gap_sd_pp: dict[str, Sd]
    gap_noise_sd_pp: dict[str, Sd]
    gap_source: str = ""


class RegionSetting(Frozen):
    """Known values for one region: its level in the baseline year and its own trend."""

    level_pct: dict[str, Pct] = {}
    trend_pp: dict[str, Annotated[float, Field(ge=-30, le=30)]] = {}
    note: str = ""


class CountsSpec(Frozen):
    """How a sweep draws counts of operations (the ``counts`` draw model, :mod:`kommiljard.sweeps.counts`): around
    each region's own level (the same months of its latest ``level_years`` years in the observed panel) times a
    growth (``growth_pct`` expected; a log-normal spread shared by a region's procedures and one of each), Poisson
    or negative binomial (``dispersion``: its size) around that; months already observed pull a region's growth
    towards what they show, weighing like ``prior_months`` months against the expected growth."""

    growth_pct: float = Field(default=0.0, ge=-90, le=500)
    growth_source: str = ""
    sd_region_pct: float = Field(default=8.0, ge=0, le=100)
    sd_procedure_pct: float = Field(default=4.0, ge=0, le=100)
    sd_source: str = ""
    distribution: Literal["poisson", "negative_binomial"] = "negative_binomial"
    dispersion: float = Field(default=200.0, ge=1, le=1e9)
    dispersion_source: str = ""
    level_years: int = Field(default=1, ge=1, le=10)
    prior_months: float = Field(default=3.0, gt=0, le=120)
    note: str = ""


class ScenarioSpec(Frozen):
    """A whole scenario file."""

    schema_version: Literal[1]
    name: str
    title: str
    description: str = ""
    baseline_year: int = Field(ge=2000, le=2100)
    measurement_year: int = Field(ge=2000, le=2100)
    national: dict[str, NationalGroup] = Field(min_length=1)
    shock: Shock
    spread: Spread
    regions: dict[str, RegionSetting] = {}
    fit: dict | None = None  # a fitted scenario's [fit] table, as written (kommiljard.forecasting.fitspec reads it)
    counts: CountsSpec | None = None  # how counts of operations are drawn (None: CountsSpec's defaults)

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSpec:
        if self.measurement_year != self.baseline_year + 1:
            raise ValueError(say("refuse.years", measurement=self.measurement_year, baseline=self.baseline_year))
        groups = set(self.national)
        per_group = {
            "shock.year_sd_pp": self.shock.year_sd_pp,
            "shock.month_sd_pp": self.shock.month_sd_pp,
            "spread.level_sd_pp": self.spread.level_sd_pp,
            "spread.trend_sd_pp": self.spread.trend_sd_pp,
            "spread.noise_sd_pp": self.spread.noise_sd_pp,
            "spread.gap_sd_pp": self.spread.gap_sd_pp,
            "spread.gap_noise_sd_pp": self.spread.gap_noise_sd_pp,
        }
        per_group |= {
            f"regions.{code}.{k}": getattr(s, k) for code, s in self.regions.items() for k in ("level_pct", "trend_pp")
        }
        problems = []
        for key, values in per_group.items():
            missing = sorted(groups - set(values)) if not key.startswith("regions.") else []
            unknown = sorted(set(values) - groups)
            if missing:
                problems.append(say("refuse.no_value", key=key, missing=missing))
            for u in unknown:
                close = difflib.get_close_matches(u, groups, n=1)
                hint = say("did_you_mean", close=close[0]) if close else say("refuse.groups_are", groups=sorted(groups))
                problems.append(say("refuse.unknown_group", key=f"{key}.{u}") + hint)
        for code in self.regions:
            if code not in region_codes():
                close = difflib.get_close_matches(code, region_codes(), n=1)
                hint = say("did_you_mean", close=close[0]) if close else ""
                problems.append(say("refuse.not_county", code=code) + hint + say("refuse.write_quoted"))
        n = len(groups)
        for key, corr in (
            ("shock.group_corr", self.shock.group_corr),
            ("spread.level_corr", self.spread.level_corr),
            ("spread.trend_corr", self.spread.trend_corr),
        ):
            if n > 1 and corr < -1 / (n - 1):
                problems.append(say("refuse.correlation", key=key, corr=corr, n=n, least=_decimals(-1 / (n - 1), 3)))
        problems += self.more_problems()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def more_problems(self) -> list[str]:
        """What a richer kind of scenario checks across its keys besides (a fitted one: its [fit] table)."""
        return []

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(self.national)


class TrajectorySource(Protocol):
    """A scenario's own trajectory model, drawn by a sweep instead of the generic one (a fitted scenario's:
    :class:`kommiljard.forecasting.forecast_model.FittedModel`)."""

    def sweep_model(self, needs: Draw, population: Population, observed: Panel | None) -> tuple[Any, dict | None]:
        """The model a sweep draws ``needs`` from (a :class:`~kommiljard.sweeps.model.ConditionedModel` or
        :class:`~kommiljard.sweeps.model.TrajectoryModel`) and what it used of the observed panel."""
        ...

    def read_observed(self, panel: Any, groups: Any) -> Panel:
        """The observed panel (a path, frame or Panel) read as this model reads one."""
        ...


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with where it came from (for provenance), and its own model if it has one."""

    spec: ScenarioSpec
    origin: str
    sha256: str
    own_model: TrajectorySource | None = None  # None: the generic model of :mod:`kommiljard.sweeps.model`

    @property
    def name(self) -> str:
        return self.spec.name

    def provenance(self) -> dict:
        return {"name": self.name, "origin": self.origin, "sha256": self.sha256}


SCENARIO_FILES = TomlKind("scenario file", "scenarios", "scenarios", ScenarioError)


def bundled_scenario_names() -> list[str]:
    """Names of the scenario files shipped with the package."""
    return SCENARIO_FILES.bundled_names()


def load_scenario(name_or_path: str | Path | Scenario | None = None) -> Scenario:
    """Load a bundled scenario by name (``default-2019``) or a scenario file by path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    raw, origin, sha256 = read_scenario_file(name_or_path)
    return Scenario(validated_spec(raw, origin), origin, sha256)


def read_scenario_file(name_or_path: str | Path | None) -> tuple[dict, str, str]:
    """A scenario file's parsed table, where it came from, and its text's SHA-256 (None: the default)."""
    return SCENARIO_FILES.read(str(name_or_path or DEFAULT_SCENARIO))


def scenario_from_text(text: str, origin: str) -> Scenario:
    """A scenario from its TOML text, validated as a file is."""
    return Scenario(validated_spec(tomllib.loads(text), origin), origin, text_sha256(text))


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def validated_spec(
    raw: dict,
    origin: str,
    kind: type[ScenarioSpec] = ScenarioSpec,
    models: tuple[type[BaseModel], ...] = (),
    key_of: Callable[[tuple], str] | None = None,
) -> ScenarioSpec:
    """``raw`` validated as a ``kind`` of scenario; errors name the file and every key (``models``: the
    kind's own tables, whose keys are suggested for misspelt ones; ``key_of``: a location as the file's key)."""
    try:
        return kind.model_validate(raw)
    except ValidationError as exc:
        raise SCENARIO_FILES.validation_error(
            exc, origin, (NationalGroup, Shock, Spread, RegionSetting, CountsSpec, ScenarioSpec, *models), key_of
        ) from None
