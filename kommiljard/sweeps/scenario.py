"""Scenario files: the parameters of the synthetic trajectories that sweeps draw.

A scenario (TOML, one per file, every number cited) describes how the 21 regions' monthly
``share_90`` and ``share_60`` may move over a baseline year and the measurement year: the
national level and its seasonal pattern, the national trend and the scheme's response, a
national shock shared by all regions, the spread between regions (level, trend, monthly
noise, each correlated between groups), and optionally fixed values for named regions.
The model that uses them is documented in :mod:`kommiljard.sweeps.model`.

A *fitted* scenario (``kommiljard fit``) also has a ``[fit]`` table (:mod:`.fitspec`): every
region's parameters fitted to its own history; a sweep of it forecasts from the observed
months (:mod:`.forecast_model`) instead of drawing the regions alike.

Bundled scenarios live in ``kommiljard/scenarios/`` (``scenarios/`` at the repository root
points there). Errors name the file and the key, with a suggestion for misspelt keys.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import KommiljardError
from ..inputs.regions import region_codes
from ..rules.common import MAX_TEXT
from ..rules.tomlfiles import TomlKind
from . import fitspec

DEFAULT_SCENARIO = "default-2019"
SEASON_MEAN_TOLERANCE_PP = 0.05

Pct = Annotated[float, Field(gt=0, lt=100)]
Sd = Annotated[float, Field(ge=0, le=50)]
Corr = Annotated[float, Field(ge=-1, le=1)]
Twelve = Annotated[
    tuple[float, ...], Field(min_length=12, max_length=12, description="one value per month, January to December")
]


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
            raise ValueError(f"season_pp must average 0 (level_pct is the annual mean); it averages {mean:+.3f} pp")
        for m in range(12):
            base = self.level_pct + self.season_pp[m]
            later = base + self.trend_pp + self.response_pp[m]
            if not (0 < base < 100 and 0 < later < 100):
                raise ValueError(
                    f"month {m + 1}: the national share_90 would be {base:.1f} % (baseline year) and {later:.1f} % "
                    "(measurement year); both must be inside 0-100"
                )
            if not 0 <= self.gap_pp[m] < min(base, later):
                raise ValueError(
                    f"gap_pp month {m + 1} = {self.gap_pp[m]} must be at least 0 and below the national share_90 "
                    f"({min(base, later):.1f} %)"
                )
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
    fit: fitspec.FitTable | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSpec:
        if self.measurement_year != self.baseline_year + 1:
            raise ValueError(
                f"measurement_year ({self.measurement_year}) must be the year after baseline_year "
                f"({self.baseline_year})"
            )
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
                problems.append(f"{key}: no value for group(s) {missing}")
            for u in unknown:
                close = difflib.get_close_matches(u, groups, n=1)
                problems.append(
                    f"{key}.{u}: unknown group"
                    + (f"; did you mean {close[0]!r}?" if close else f" (groups: {sorted(groups)})")
                )
        for code in self.regions:
            if code not in region_codes():
                close = difflib.get_close_matches(code, region_codes(), n=1)
                problems.append(
                    f"regions.{code}: not an SCB county code"
                    + (f"; did you mean {close[0]!r}?" if close else "")
                    + ' (write it quoted, e.g. [regions."06"])'
                )
        n = len(groups)
        for key, corr in (
            ("shock.group_corr", self.shock.group_corr),
            ("spread.level_corr", self.spread.level_corr),
            ("spread.trend_corr", self.spread.trend_corr),
        ):
            if n > 1 and corr < -1 / (n - 1):
                problems.append(
                    f"{key} = {corr}: with {n} groups a common correlation must be at least {-1 / (n - 1):.3f}"
                )
        if self.fit is not None:
            problems += _fit_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(self.national)


def _fit_problems(spec: ScenarioSpec) -> list[str]:
    """A fitted scenario's [fit] table must agree with the scenario around it."""
    fit, problems = spec.fit, []
    if fit.baseline_year != spec.baseline_year:
        problems.append(f"fit.baseline_year = {fit.baseline_year} differs from baseline_year = {spec.baseline_year}")
    if set(fit.national.groups) != set(spec.national):
        problems.append(
            f"fit.national has groups {sorted(fit.national.groups)}, [national] has {sorted(spec.national)}: "
            "they must be the same"
        )
    if spec.regions:
        problems.append(
            "regions: a fitted scenario holds every region in [fit.regions]; remove the [regions.*] tables "
            "(or refit the history)"
        )
    return problems


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with where it came from (for provenance)."""

    spec: ScenarioSpec
    origin: str
    sha256: str

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
    raw, origin, sha256 = SCENARIO_FILES.read(str(name_or_path or DEFAULT_SCENARIO))
    return Scenario(_validate(raw, origin), origin, sha256)


def scenario_from_text(text: str, origin: str) -> Scenario:
    """A scenario from its TOML text (one just written, e.g. by ``kommiljard fit``), validated as a file is."""
    return Scenario(_validate(tomllib.loads(text), origin), origin, hashlib.sha256(text.encode()).hexdigest())


def _validate(raw: dict, origin: str) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise SCENARIO_FILES.validation_error(
            exc, origin, (NationalGroup, Shock, Spread, RegionSetting, ScenarioSpec, *fitspec.MODELS), fitspec.key_of
        ) from None
