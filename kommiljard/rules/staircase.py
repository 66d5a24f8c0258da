"""Rule model of the improvement staircase: per month and group, bars of a pot for improving
on the same month a year earlier (2019, 2020 before March)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .common import Frozen, check_months, check_names_unique, check_shares_sum


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
    """An alternative entry to one bar for regions at a high absolute level."""

    bar: str
    measure: str
    threshold: float = Field(ge=0, le=100)
    inclusive: bool
    route: str
    source: str = ""
    note: str = ""


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

    _months = field_validator("months")(check_months)

    @model_validator(mode="after")
    def _consistent(self) -> ImprovementStaircase:
        check_names_unique(self.groups, "group")
        check_names_unique(self.bars, "bar")
        check_shares_sum([g.share for g in self.groups], "group shares")
        check_shares_sum([b.pot_share for b in self.bars], "bar pot_share values")
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
