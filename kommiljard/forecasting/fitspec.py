"""The ``[fit]`` table of a fitted scenario file (written by ``kommiljard fit``): pydantic models,
and :class:`FittedSpec`, a scenario file with one.

A fitted scenario is an ordinary scenario (its ``[national]``, ``[shock]`` and ``[spread]``
sections filled with what the fit implies) plus a ``[fit]`` table holding every fitted
parameter on the logit scale with its standard error, shrinkage and the data it came from:

    [fit]                          method, scale, history, history_sha256, until, baseline_year,
                                   months (first and last month used), min_months, response
                                   (what is assumed, not fitted), response_sd_pp, warnings
    [fit.national]                 group_corr, and per group the national factor's parameters
    [fit.regions."06"]             group_corr (between the region's two groups), group_corr_shrinkage
    [fit.regions."06".operation]   the region's absolute level, season, trend, AR(1) noise and
                                   share_60 gap, their standard errors, first_month, n_months,
                                   borrowed, shrinkage per parameter, and a note for people

Groups are tables named after the groups (as in ``[national]``); any other key must be a
known one (an unknown one gets "did you mean ..."). Every number must be finite. The rest of the
file is an ordinary scenario (:class:`kommiljard.sweeps.scenario.ScenarioSpec`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import closest
from ..inputs.regions import region_codes
from ..sweeps.scenario import ScenarioSpec, validated_spec
from .histories import say

Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Logit = Annotated[float, Field(ge=-20, le=20)]
LogitSd = Annotated[float, Field(ge=0, le=20)]
Corr = Annotated[float, Field(ge=-1, le=1)]
Share = Annotated[float, Field(ge=0, le=1)]
Ar1 = Annotated[float, Field(gt=-1, lt=1)]
TwelveLogits = Annotated[tuple[Logit, ...], Field(min_length=12, max_length=12)]


def month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FitParams(Strict):
    """One series' fitted parameters (logit scale) and their estimation error."""

    level_logit: Logit
    season_logit: TwelveLogits
    trend_logit: Logit
    ar1: Ar1
    noise_sd_logit: LogitSd
    level_se_logit: LogitSd
    trend_se_logit: LogitSd
    level_trend_corr: Corr
    season_se_logit: LogitSd
    ar1_se: Annotated[float, Field(ge=0, le=2)]
    season_change_sd_logit: LogitSd = 0.0
    season_change_rho: Share = 1.0


class FitRegionGroup(FitParams):
    """A region's parameters in one group: share_90 (absolute) and its share_60 gap, with their data."""

    gap_level_logit: Logit
    gap_season_logit: TwelveLogits
    gap_ar1: Ar1
    gap_noise_sd_logit: LogitSd
    gap_level_se_logit: LogitSd
    gap_season_se_logit: LogitSd
    gap_ar1_se: Annotated[float, Field(ge=0, le=2)]
    first_month: Month
    n_months: int = Field(ge=1)  # months with data from first_month to until
    missing_months: int = Field(default=0, ge=0)  # suppressed or missing months among them
    borrowed: bool
    break_month: Month | None = None  # a level break the fit found: the level is the later one
    break_step_logit: Logit = 0.0
    shrinkage: dict[str, Share] = {}
    note: str = ""


def _split_groups(data: Any, fields) -> Any:
    """Move the tables named after groups into ``groups``; scalars stay (an unknown one is refused)."""
    if not isinstance(data, dict) or "groups" in data:
        return data
    keep = {k: v for k, v in data.items() if k in fields or not isinstance(v, dict)}
    return keep | {"groups": {k: v for k, v in data.items() if k not in fields and isinstance(v, dict)}}


class ByGroup(Strict):
    """A table whose keys other than its own fields are groups (read into ``groups``)."""

    @model_validator(mode="before")
    @classmethod
    def _groups(cls, data: Any) -> Any:
        return _split_groups(data, cls.model_fields)


class FitNational(ByGroup):
    """The national factor: per group its parameters, and the correlation of its innovations between groups."""

    group_corr: Corr
    groups: dict[str, FitParams]


class FitRegion(ByGroup):
    """One region: per group its parameters, and the correlation between its groups' monthly innovations."""

    group_corr: Corr
    group_corr_shrinkage: Share = 0.0
    groups: dict[str, FitRegionGroup]


class FitBreaks(Strict):
    """How often the regions' levels broke in one group (breaks per month of a series) and how far (RMS, logit)."""

    per_month: Share
    sd_logit: LogitSd


class FitCorrelation(Strict):
    """The correlation of the regions' own monthly innovations: ``order`` names each row (``region:group``)."""

    order: tuple[str, ...]
    matrix: tuple[tuple[Corr, ...], ...]
    between_shrinkage: Share = 1.0  # Ledoit-Wolf's weight on no correlation between regions
    note: str = ""

    @model_validator(mode="after")
    def _square(self) -> FitCorrelation:
        n = len(self.order)
        if len(self.matrix) != n or any(len(row) != n for row in self.matrix):
            raise ValueError(f"fit.correlation.matrix must be {n} x {n} (one row and column per entry of order)")
        return self


class FitTable(Strict):
    """The whole ``[fit]`` table."""

    method: str
    scale: str
    history: str
    history_sha256: str = ""
    history_synthetic: bool = False
    until: Month
    baseline_year: int = Field(ge=2000, le=2100)
    months: tuple[Month, Month]
    min_months: int | None = Field(default=None, ge=2)
    response: str
    response_sd_pp: float = Field(default=0.0, ge=0, le=50)
    response_sd_source: str = ""
    response_cv: float = Field(default=0.0, ge=0, le=5)
    response_cv_source: str = ""
    warnings: tuple[str, ...] = ()
    seasons: str = "fitted"  # or "reference": a history too short to fit them
    national: FitNational
    regions: dict[str, FitRegion]
    correlation: FitCorrelation | None = None
    level_breaks: dict[str, FitBreaks] = {}

    @model_validator(mode="after")
    def _consistent(self) -> FitTable:
        problems = []
        until = month_number(self.until)
        if self.baseline_year != (until + 1) // 12 - 1:
            year = (until + 1) // 12 - 1
            problems.append(say("refuse.spec_baseline_year", given=self.baseline_year, until=self.until, year=year))
        if self.months[1] != self.until or month_number(self.months[0]) > until:
            problems.append(say("refuse.spec_months", months=list(self.months)))
        groups = set(self.national.groups)
        codes = region_codes()
        if missing := [c for c in codes if c not in self.regions]:
            problems.append(say("refuse.spec_regions_missing", missing=", ".join(missing)))
        for code, region in self.regions.items():
            if code not in codes:
                close = closest(code, codes)
                problems.append(say("refuse.spec_not_county", code=code, did=_did_you_mean(close)))
            for g in sorted(set(region.groups) - groups):
                close = closest(g, groups | set(FitRegion.model_fields) - {"groups"})
                problems.append(say("refuse.spec_unknown_group", code=code, group=g, did=_did_you_mean(close)))
            for g in sorted(groups - set(region.groups)):
                problems.append(say("refuse.spec_group_missing", code=code, group=g))
            for g, p in region.groups.items():
                months = until - month_number(p.first_month) + 1
                if month_number(p.first_month) > until:
                    problems.append(say("refuse.spec_first_month", code=code, group=g, first=p.first_month))
                elif p.n_months > months:
                    problems.append(say("refuse.spec_n_months", code=code, group=g, n=p.n_months, first=p.first_month,
                                        until=self.until, months=months))  # fmt: skip
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def entries(self) -> dict:
        """The table as TOML-shaped plain values (groups as tables beside the other keys), as written."""
        data = self.model_dump(exclude_none=True)
        for table in [data["national"], *data["regions"].values()]:
            table.update(table.pop("groups"))
        return data


class FittedSpec(ScenarioSpec):
    """A whole fitted scenario file: a scenario whose ``[fit]`` table agrees with the scenario around it."""

    fit: FitTable

    def more_problems(self) -> list[str]:
        fit, problems = self.fit, []
        if fit.baseline_year != self.baseline_year:
            problems.append(say("refuse.spec_baseline_differs", fit=fit.baseline_year, scenario=self.baseline_year))
        if set(fit.national.groups) != set(self.national):
            problems.append(
                say("refuse.spec_groups_differ", fit=sorted(fit.national.groups), scenario=sorted(self.national))
            )
        if self.regions:
            problems.append(say("refuse.spec_region_tables"))
        return problems


def _did_you_mean(close: str | None) -> str:
    return say("did_you_mean", close=close) if close else ""


MODELS = (FitParams, FitRegionGroup, FitNational, FitRegion, FitCorrelation, FitBreaks, FitTable)


def key_of(loc: tuple) -> str:
    """A validation error's location as the file's key (without the models' ``groups`` level)."""
    return ".".join(str(p) for p in loc if p != "groups")


def fitted_spec(raw: dict, origin: str) -> FittedSpec:
    """A fitted scenario file's table validated, errors naming the file and every key."""
    return validated_spec(raw, origin, FittedSpec, MODELS, key_of)
