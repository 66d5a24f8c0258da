"""Rule model of the improvement staircase: per month and group, bars of a pot for improving
on the same month a year earlier (2019, 2020 before March)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ...rules.common import (
    Block,
    Frozen,
    check_ascending_bounds,
    check_months,
    check_names_unique,
    check_shares_sum,
)

# The improvements a bar's bound can mean: percentage points of a share (0-100) change by at most
# 100; a relative change cannot fall below -100 %, and 10**6 % is far beyond any share's change
# while 10**6 in units of 10**-9 stays an exact integer in float64.
IMPROVEMENT_RANGE = {"pp": (-100.0, 100.0), "relative_pct": (-100.0, 1e6)}


class Group(Frozen):
    """A performance group (e.g. first visits) with its share of the block."""

    name: str
    label: str = ""
    share: float = Field(gt=0, le=1)
    source: str = ""


class Bar(Frozen):
    """One step of the staircase: a share of the pot for improvements above a bound."""

    name: str
    label: str = ""  # the agreement's word for it (blå, röd, orange), for Swedish outputs
    pot_share: float = Field(gt=0, le=1)
    min_improvement: float
    inclusive: bool
    source: str = ""
    note: str = ""


class Target(Frozen):
    """An alternative entry to one bar for regions at a high absolute level.

    ``entry``: who may use it: every region that reached no bar by its improvement
    (``no_bar``), or only one that did not improve at all (``not_improved``).
    ``needs_improver``: whether the target pays only in a month and group in which some region
    reached a bar by improving (otherwise the pot lapses, target or not).
    ``decimals``: the target's measure is rounded as published (half away from zero) to this many
    decimals before it is compared with the threshold; None compares it as given.
    """

    bar: str
    measure: str
    threshold: float = Field(ge=0, le=100)
    inclusive: bool
    route: str
    entry: Literal["no_bar", "not_improved"] = "no_bar"
    entry_note: str = ""
    needs_improver: bool = False
    needs_improver_note: str = ""
    decimals: int | None = Field(default=None, ge=0, le=9)
    decimals_note: str = ""
    source: str = ""
    note: str = ""

    @property
    def scale(self) -> float:
        """Multiplier to whole units of the measure's last compared decimal; 0 when compared as given."""
        return 0.0 if self.decimals is None else 10.0**self.decimals


class ImprovementStaircase(Block):
    """Block kind: per month and group, bars of a pot for improvement vs a year earlier."""

    kind: Literal["improvement_staircase"]
    months: tuple[str, ...] = Field(min_length=1)
    months_source: str = ""
    compare_lag_months: int = Field(ge=1, le=120)
    compare_source: str = ""
    measure: str
    measure_source: str = ""
    measure_note: str = ""
    improvement_unit: Literal["pp", "relative_pct"]
    improvement_unit_note: str = ""
    improvement_decimals: int = Field(ge=0, le=9)
    improvement_decimals_note: str = ""
    cumulative: bool
    cumulative_note: str = ""
    sharing: Literal["population", "equal"]
    sharing_note: str = ""
    cascade: Literal["down", "lapse", "down_then_up"]
    cascade_source: str = ""
    cascade_note: str = ""
    no_qualifier: Literal["lapse"]
    no_qualifier_source: str = ""
    groups: tuple[Group, ...] = Field(min_length=1)
    bars: tuple[Bar, ...] = Field(min_length=1)
    target: Target | None = None

    _months = field_validator("months")(check_months)

    @model_validator(mode="after")
    def _consistent(self) -> ImprovementStaircase:
        check_names_unique(self.groups, "group")
        check_names_unique(self.bars, "bar")
        check_shares_sum([g.share for g in self.groups], "group shares")
        check_shares_sum([b.pot_share for b in self.bars], "bar pot_share values")
        check_ascending_bounds(self.bars, *IMPROVEMENT_RANGE[self.improvement_unit], "bars", self.improvement_unit)
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
