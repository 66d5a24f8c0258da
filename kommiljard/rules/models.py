"""Validated, immutable models of a scheme's rule file.

The code knows *kinds* of rule (an improvement staircase, absolute thresholds on a share, a
population share); every number of a particular scheme comes from its rule file.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SHARE_SUM_TOLERANCE = 1e-9


class Frozen(BaseModel):
    """Base: unknown keys are errors, types are not coerced (``true`` is no number), instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Group(Frozen):
    """A performance group (e.g. first visits) with its share of the block."""

    name: str
    label: str = ""
    share: float = Field(gt=0, le=1)
    source: str = ""


class Bar(Frozen):
    """One step of the staircase: a share of the pot for improvements above a bound."""

    name: str
    pot_share: float = Field(gt=0, le=1)
    min_improvement: float
    inclusive: bool
    source: str = ""
    note: str = ""

    def reached_by(self, improvement: float) -> bool:
        """Whether an improvement (in the block's unit) reaches this bar."""
        if self.inclusive:
            return improvement >= self.min_improvement
        return improvement > self.min_improvement


class Target(Frozen):
    """An alternative entry to one bar for regions at a high absolute level."""

    bar: str
    measure: str
    threshold: float = Field(ge=0, le=100)
    inclusive: bool
    route: str
    source: str = ""
    note: str = ""


def _check_months(months: tuple[str, ...]) -> tuple[str, ...]:
    bad = [m for m in months if not MONTH_RE.match(m)]
    if bad:
        raise ValueError(f"months must be written YYYY-MM, got {bad}")
    if len(set(months)) != len(months):
        raise ValueError(f"months are listed twice: {sorted({m for m in months if months.count(m) > 1})}")
    if list(months) != sorted(months):
        raise ValueError("months must be listed in ascending order")
    return months


def _check_names_unique(items, what: str) -> None:
    names = [i.name for i in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{what} names must be unique, repeated: {dup}")


def _check_shares_sum(values, what: str) -> None:
    total = math.fsum(values)
    if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
        raise ValueError(f"{what} must add up to 1, they add up to {total:g}")


class ImprovementStaircase(Frozen):
    """Block kind: per month and group, bars of a pot for improvement vs a year earlier."""

    kind: Literal["improvement_staircase"]
    number: int = Field(ge=1)
    name: str
    total_sek: float = Field(gt=0)
    source: str = ""
    months: tuple[str, ...] = Field(min_length=1)
    months_source: str = ""
    compare_lag_months: int = Field(ge=1)
    compare_source: str = ""
    measure: str
    measure_source: str = ""
    improvement_unit: Literal["pp", "relative_pct"]
    improvement_unit_note: str = ""
    improvement_decimals: int = Field(ge=0, le=9)
    improvement_decimals_note: str = ""
    cumulative: bool
    cumulative_note: str = ""
    sharing: Literal["population", "equal"]
    sharing_note: str = ""
    cascade: Literal["down", "lapse"]
    cascade_source: str = ""
    no_qualifier: Literal["lapse"]
    no_qualifier_source: str = ""
    groups: tuple[Group, ...] = Field(min_length=1)
    bars: tuple[Bar, ...] = Field(min_length=1)
    target: Target | None = None

    _months = field_validator("months")(_check_months)

    @model_validator(mode="after")
    def _consistent(self) -> ImprovementStaircase:
        _check_names_unique(self.groups, "group")
        _check_names_unique(self.bars, "bar")
        _check_shares_sum([g.share for g in self.groups], "group shares")
        _check_shares_sum([b.pot_share for b in self.bars], "bar pot_share values")
        keys = [(b.min_improvement, not b.inclusive) for b in self.bars]
        if any(lo >= hi for lo, hi in zip(keys, keys[1:])):
            raise ValueError(
                "bars must ascend: each bar's min_improvement must be above the previous one's "
                f"(got {[b.min_improvement for b in self.bars]})"
            )
        if self.target is not None and self.target.bar not in self.bar_names:
            raise ValueError(f"target.bar {self.target.bar!r} is not one of the bars {list(self.bar_names)}")
        return self

    @property
    def bar_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.bars)

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.groups)

    @property
    def scale(self) -> float:
        """Multiplier that turns an improvement into whole units of its last decimal."""
        return 10.0**self.improvement_decimals

    def pot_sek(self, group: str) -> float:
        """The pot of one month and group: the block's total times the group's share, per month."""
        share = next(g.share for g in self.groups if g.name == group)
        return self.total_sek * share / len(self.months)

    def measure_columns(self) -> tuple[str, ...]:
        return (self.measure,) + ((self.target.measure,) if self.target else ())


class Condition(Frozen):
    """A condition a region must meet to share a population block."""

    name: str
    kind: Literal["flag", "at_least"]
    threshold: float | None = None
    label: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _threshold(self) -> Condition:
        if (self.kind == "at_least") != (self.threshold is not None):
            raise ValueError(f"condition {self.name!r}: kind 'at_least' needs a threshold, 'flag' takes none")
        return self


class PopulationShare(Frozen):
    """Block kind: a fixed sum shared by population among the regions that meet conditions."""

    kind: Literal["population_share"]
    number: int = Field(ge=1)
    name: str
    total_sek: float = Field(gt=0)
    source: str = ""
    sharing: Literal["population", "equal"]
    sharing_note: str = ""
    forfeit: Literal["lapse", "redistribute"]
    forfeit_note: str = ""
    months: tuple[str, ...] = ()
    months_source: str = ""
    conditions: tuple[Condition, ...] = ()

    _months = field_validator("months")(_check_months)

    @model_validator(mode="after")
    def _unique(self) -> PopulationShare:
        _check_names_unique(self.conditions, "condition")
        return self

    def measure_columns(self) -> tuple[str, ...]:
        return ()


class PerformanceGroup(Frozen):
    """A performance group of a threshold block (its money is in each level's ``pot_sek``)."""

    name: str
    label: str = ""
    source: str = ""


class Period(Frozen):
    """Months measured together; the period's ``share`` of every level's pot is paid for it."""

    name: str
    months: tuple[str, ...] = Field(min_length=1)
    share: float = Field(gt=0, le=1)
    source: str = ""

    _months = field_validator("months")(_check_months)


class Level(Frozen):
    """An absolute threshold with its own pot, shared among the regions that reach it."""

    name: str
    threshold: float = Field(ge=0, le=100)
    inclusive: bool
    pot_sek: dict[str, Annotated[float, Field(gt=0)]]
    source: str = ""
    note: str = ""


class Gate(Frozen):
    """A threshold that must be met before any level counts."""

    measure: str
    threshold: float = Field(ge=0, le=100)
    inclusive: bool
    aggregate: Literal["last", "mean", "min"]
    scope: Literal["group", "all_groups"]
    source: str = ""
    note: str = ""


class AbsoluteThreshold(Frozen):
    """Block kind: per period and group, levels of a share; each level's pot is shared by those reaching it."""

    kind: Literal["absolute_threshold"]
    number: int = Field(ge=1)
    name: str
    total_sek: float = Field(gt=0)
    source: str = ""
    measure: str
    measure_source: str = ""
    aggregate: Literal["last", "mean", "min"]
    aggregate_note: str = ""
    decimals: int = Field(ge=0, le=9)
    decimals_note: str = ""
    cumulative: bool
    cumulative_note: str = ""
    sharing: Literal["population", "equal"]
    sharing_note: str = ""
    cascade: Literal["down", "lapse"]
    cascade_note: str = ""
    groups: tuple[PerformanceGroup, ...] = Field(min_length=1)
    periods: tuple[Period, ...] = Field(min_length=1)
    levels: tuple[Level, ...] = Field(min_length=1)
    gate: Gate | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AbsoluteThreshold:
        _check_names_unique(self.groups, "group")
        _check_names_unique(self.periods, "period")
        _check_names_unique(self.levels, "level")
        _check_shares_sum([p.share for p in self.periods], "period shares")
        months = self.months
        twice = sorted({m for m in months if months.count(m) > 1})
        if twice:
            raise ValueError(f"month(s) {', '.join(twice)} belong to more than one period")
        if list(months) != sorted(months):
            raise ValueError("periods must be listed in time order, each after the one before")
        keys = [(lv.threshold, not lv.inclusive) for lv in self.levels]
        if any(lo >= hi for lo, hi in zip(keys, keys[1:])):
            raise ValueError(
                "levels must ascend: list them from the lowest threshold up, each above the previous one "
                f"(got {[lv.threshold for lv in self.levels]})"
            )
        groups = set(self.group_names)
        for lv in self.levels:
            if set(lv.pot_sek) != groups:
                raise ValueError(
                    f"level {lv.name!r}: pot_sek must give an amount for each group {sorted(groups)} and no other, "
                    f"got {sorted(lv.pot_sek)}"
                )
        total = math.fsum(a for lv in self.levels for a in lv.pot_sek.values())
        if abs(total - self.total_sek) > 0.005:
            raise ValueError(f"the levels' pot_sek add up to {total:,.2f}, not the block's total_sek {self.total_sek:,.2f}")
        return self

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.groups)

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(lv.name for lv in self.levels)

    @property
    def months(self) -> tuple[str, ...]:
        """Every month of every period."""
        return tuple(m for p in self.periods for m in p.months)

    @property
    def scale(self) -> float:
        """Multiplier that turns a share into whole units of its last compared decimal."""
        return 10.0**self.decimals

    def pot_sek(self, level: Level, period: Period, group: str) -> float:
        """The pot of one level, period and group."""
        return level.pot_sek[group] * period.share

    def measure_columns(self) -> tuple[str, ...]:
        return (self.measure,) + ((self.gate.measure,) if self.gate else ())


Block = Annotated[ImprovementStaircase | AbsoluteThreshold | PopulationShare, Field(discriminator="kind")]
BLOCK_KINDS = ("improvement_staircase", "absolute_threshold", "population_share")


class Alternative(Frozen):
    """A named interpretation alternative: parameter changes by dotted path (see ``Rules.with_overrides``)."""

    name: str
    label: str = ""
    overrides: dict[str, Any] = Field(min_length=1)
    source: str = ""


class RuleSet(Frozen):
    """A whole scheme: its identity, sources and blocks."""

    schema_version: Literal[1]
    id: str
    title: str
    version: str
    agreement: str
    source: str
    total_sek: float = Field(gt=0)
    total_source: str = ""
    valid_from: str | None = None
    valid_to: str | None = None
    valid_source: str = ""
    blocks: tuple[Block, ...] = Field(min_length=1)
    alternatives: tuple[Alternative, ...] = ()

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not MONTH_RE.match(value):
            raise ValueError(f"must be a month written YYYY-MM, got {value!r}")
        return value

    @model_validator(mode="after")
    def _blocks(self) -> RuleSet:
        numbers = [b.number for b in self.blocks]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"block numbers must be unique, got {numbers}")
        total = math.fsum(b.total_sek for b in self.blocks)
        if abs(total - self.total_sek) > 0.005:
            raise ValueError(f"the blocks' total_sek add up to {total:,.2f}, not the scheme's total_sek {self.total_sek:,.2f}")
        _check_names_unique(self.alternatives, "alternative")
        self._check_period()
        return self

    def _check_period(self) -> None:
        """Every month of every block must lie inside the scheme's period (``valid_from``..``valid_to``)."""
        if (self.valid_from is None) != (self.valid_to is None):
            raise ValueError("give both valid_from and valid_to (the scheme's first and last month), or neither")
        if self.valid_from is None:
            return
        if self.valid_from > self.valid_to:
            raise ValueError(f"valid_from {self.valid_from} is after valid_to {self.valid_to}")
        for b in self.blocks:
            outside = [m for m in b.months if not self.valid_from <= m <= self.valid_to]
            if outside:
                raise ValueError(
                    f"block {b.number} ({b.name}): month(s) {', '.join(outside)} outside the scheme's period "
                    f"{self.valid_from} to {self.valid_to}; correct the month or the scheme's valid_from/valid_to"
                )

    @property
    def group_names(self) -> tuple[str, ...]:
        """Every performance group of every block, sorted."""
        return tuple(sorted({g for b in self.blocks for g in getattr(b, "group_names", ())}))

    def measure_columns(self) -> dict[str, str]:
        """Panel columns the rule set measures, each with the first block that needs it."""
        needs: dict[str, str] = {}
        for b in self.blocks:
            for col in b.measure_columns():
                needs.setdefault(col, f"block {b.number} ({b.name}) of {self.id}")
        return needs

    def alternative(self, name: str) -> Alternative:
        """The named interpretation alternative."""
        for a in self.alternatives:
            if a.name == name:
                return a
        raise KeyError(name)

    def block(self, number: int):
        """The block with this number."""
        for b in self.blocks:
            if b.number == number:
                return b
        raise KeyError(number)

    def blocks_of(self, kind: type):
        """All blocks of one kind, in file order."""
        return [b for b in self.blocks if isinstance(b, kind)]
