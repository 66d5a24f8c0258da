"""Rule model of absolute thresholds: per period and group, levels of a share, each with its own
pot shared by the regions that reach it, optionally behind a gate (2009-2014)."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ...money import format_kronor
from ...rules.common import MAX_SEK, Block, Frozen, check_months, check_names_unique, check_shares_sum


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

    _months = field_validator("months")(check_months)


class Level(Frozen):
    """An absolute threshold with its own pot, shared among the regions that reach it."""

    name: str
    threshold: float = Field(ge=0, le=100)
    inclusive: bool
    pot_sek: dict[str, Annotated[float, Field(gt=0, le=MAX_SEK)]]
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


class AbsoluteThreshold(Block):
    """Block kind: per period and group, levels of a share; each level's pot is shared by those reaching it."""

    kind: Literal["absolute_threshold"]
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
        check_names_unique(self.groups, "group")
        check_names_unique(self.periods, "period")
        check_names_unique(self.levels, "level")
        check_shares_sum([p.share for p in self.periods], "period shares")
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
            raise ValueError(
                f"the levels' pot_sek add up to {format_kronor(total, 2)}, not the block's total_sek "
                f"{format_kronor(self.total_sek, 2)}"
            )
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
