"""Rule model of several performance requirements with a bonus pot (2022-2024).

Each requirement is data: the measure it reads (a panel column, in the rows of one group), the
months it is measured in, how it is met (an improvement on the same month a year earlier, with
an optional staircase of partial money, and/or a high level of fulfilment at or above a
threshold) and its tranche of the block's money. A region's part of a tranche follows the
sharing key; what a region does not earn goes to the bonus pot, shared as the rule file says.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ...money import format_kronor
from ...rules.common import (
    MAX_SEK,
    MONTH_RE,
    Block,
    Frozen,
    check_ascending_bounds,
    check_months,
    check_names_unique,
)
from ..staircase.rules import IMPROVEMENT_RANGE

# How the bonus pot is shared (a rule file's ``bonus``): in proportion to what each region earned
# from met requirements; by population among the regions that earned anything; each requirement's
# unearned money among the regions that met that requirement (by what they earned from it); or
# no bonus pot (unearned money lapses).
BONUS_READINGS = ("earned", "met_population", "per_requirement", "lapse")
MAX_MEASURE_VALUE = 1e6  # a fulfilment threshold's size: shares are 0-100, days and counts stay far below


# The units a measure can have, and the values each allows.
MEASURE_UNITS = {"percent": (0.0, 100.0), "days": (0.0, 36_600.0), "count": (0.0, 1e8)}


class Measure(Frozen):
    """A panel column the requirements read: its meaning and unit (which fixes the values it may take)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    label: str = ""
    unit: Literal["percent", "days", "count"]
    source: str = ""
    note: str = ""

    @property
    def range(self) -> tuple[float, float]:
        """The values it may take: the panel format's range if it knows the measure, else its unit's."""
        from ...inputs.measures import CATALOGUE

        known = CATALOGUE.get(self.name)
        return (float(known.lo), float(known.hi)) if known is not None else MEASURE_UNITS[self.unit]


class ImprovementStep(Frozen):
    """A step of a requirement's improvement staircase (*förbättringstrappa*): an improvement at or
    above ``min_improvement`` earns ``fraction`` of the region's part of the requirement's money."""

    name: str
    min_improvement: float
    inclusive: bool
    fraction: float = Field(gt=0, le=1)
    source: str = ""
    note: str = ""


class Improvement(Frozen):
    """Met by improving on the same month ``compare_lag_months`` earlier."""

    compare_lag_months: int = Field(ge=1, le=120)
    unit: Literal["pp", "relative_pct"]
    better: Literal["higher", "lower"]
    steps: tuple[ImprovementStep, ...] = Field(min_length=1)
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _steps(self) -> Improvement:
        check_names_unique(self.steps, "step")
        check_ascending_bounds(self.steps, *IMPROVEMENT_RANGE[self.unit], "improvement steps", self.unit)
        fractions = [s.fraction for s in self.steps]
        if any(lo > hi for lo, hi in zip(fractions, fractions[1:])):
            raise ValueError(
                f"improvement steps' fractions must not fall from step to step (a higher step earns at least as "
                f"much), got {fractions}"
            )
        return self


class Fulfilment(Frozen):
    """Met by a high level: the month's ``measure`` (default: the requirement's) at or above ``threshold``
    (``better = "lower"``: at or below) earns ``fraction`` of the region's part of the requirement's money."""

    measure: str | None = None
    threshold: float = Field(ge=-MAX_MEASURE_VALUE, le=MAX_MEASURE_VALUE)
    inclusive: bool
    better: Literal["higher", "lower"] = "higher"
    fraction: float = Field(default=1.0, gt=0, le=1)
    source: str = ""
    note: str = ""


class Requirement(Frozen):
    """One performance requirement: what it measures, when, how it is met, and its tranche."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    label: str = ""
    area: str = ""
    group: str
    measure: str
    months: tuple[str, ...] = Field(min_length=1)
    assessment: Literal["each_month", "period_mean"]
    decimals: int = Field(ge=0, le=9)
    total_sek: float = Field(gt=0, le=MAX_SEK)
    improvement: Improvement | None = None
    fulfilment: Fulfilment | None = None
    unsourced: bool = False
    source: str = ""
    note: str = ""

    _months = field_validator("months")(check_months)

    @model_validator(mode="after")
    def _routes(self) -> Requirement:
        if self.improvement is None and self.fulfilment is None:
            raise ValueError(
                f"requirement {self.name!r} can be met by nothing: give an [improvement] or a [fulfilment] table "
                "(or both)"
            )
        if self.unsourced and not self.note.strip():
            raise ValueError(f"requirement {self.name!r} is marked unsourced: its note must say what it is based on")
        return self

    @property
    def cell_months(self) -> tuple[str, ...]:
        """The month each of its cells is reported under: every month, or the period's last."""
        return self.months if self.assessment == "each_month" else self.months[-1:]

    @property
    def scale(self) -> float:
        """Multiplier that turns a figure into whole units of its last compared decimal."""
        return 10.0**self.decimals

    @property
    def level_measure(self) -> str | None:
        """The column the fulfilment route compares with its threshold (None: no such route)."""
        if self.fulfilment is None:
            return None
        return self.fulfilment.measure or self.measure

    def measure_columns(self) -> tuple[str, ...]:
        """The columns it reads in its group's rows: the improvement's measure, the fulfilment's."""
        own = (self.measure,) if self.improvement else ()
        return tuple(dict.fromkeys(own + ((self.level_measure,) if self.fulfilment else ())))


class Payment(Frozen):
    """A payment date: the money of every cell measured up to ``covers_through`` not paid before."""

    name: str
    month: str
    covers_through: str
    source: str = ""
    note: str = ""

    @field_validator("month", "covers_through")
    @classmethod
    def _month(cls, value: str) -> str:
        if not MONTH_RE.match(value):
            raise ValueError(f"must be a month written YYYY-MM, got {value!r}")
        return value


class Published(Frozen):
    """What was published about one payment of the block: a bundled table of amounts per region
    (``kommiljard/data/<file>``, columns ``region`` and ``amount_kr``) and its total."""

    payment: str
    file: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.csv$")
    total_sek: float = Field(gt=0, le=MAX_SEK)
    source: str = ""
    note: str = ""


class RequirementsBonus(Block):
    """Block kind: several requirements, each with its tranche shared out by a key; a region's unearned
    part goes to a bonus pot, paid with the last payment."""

    kind: Literal["requirements_bonus"]
    sharing: Literal["population", "equal"]
    sharing_note: str = ""
    bonus: Literal["earned", "met_population", "per_requirement", "lapse"]
    bonus_source: str = ""
    bonus_note: str = ""
    payments: tuple[Payment, ...] = Field(min_length=1)
    payments_note: str = ""
    measures: tuple[Measure, ...] = Field(min_length=1)
    requirements: tuple[Requirement, ...] = Field(min_length=1, max_length=100)
    published: Published | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RequirementsBonus:
        check_names_unique(self.requirements, "requirement")
        check_names_unique(self.payments, "payment")
        check_names_unique(self.measures, "measure")
        self._check_catalogue()
        declared = {m.name for m in self.measures}
        for r in self.requirements:
            unknown = [m for m in r.measure_columns() if m not in declared]
            if unknown:
                raise ValueError(
                    f"requirement {r.name!r} reads {', '.join(map(repr, unknown))}, which the block's "
                    f"[[blocks.measures]] do not declare (declared: {', '.join(sorted(declared))})"
                )
        total = math.fsum(r.total_sek for r in self.requirements)
        if abs(total - self.total_sek) > 0.005:
            raise ValueError(
                f"the requirements' total_sek add up to {format_kronor(total, 2)}, not the block's total_sek "
                f"{format_kronor(self.total_sek, 2)}: the tranches must add up to the block exactly"
            )
        self._check_payments()
        if self.published is not None and self.published.payment not in [p.name for p in self.payments]:
            raise ValueError(
                f"published.payment {self.published.payment!r} is not one of the payments "
                f"{[p.name for p in self.payments]}"
            )
        return self

    def _check_catalogue(self) -> None:
        """A measure the panel format knows keeps its unit: one name, one meaning."""
        from ...inputs.measures import CATALOGUE

        for m in self.measures:
            known = CATALOGUE.get(m.name)
            if known is not None and known.unit != m.unit:
                raise ValueError(
                    f"measure {m.name!r} is a {known.unit} in the panel format ({known.describe()}), not a {m.unit}: "
                    "give it that unit, or another name"
                )

    def _check_payments(self) -> None:
        months = [p.month for p in self.payments]
        through = [p.covers_through for p in self.payments]
        if months != sorted(set(months)) or through != sorted(set(through)):
            raise ValueError("payments must be listed in time order, each paid and covering later than the one before")
        early = [p.name for p in self.payments if p.month < p.covers_through]
        if early:
            raise ValueError(f"payment(s) {', '.join(early)} fall before the last month they cover")
        last = max(m for r in self.requirements for m in r.months)
        if through[-1] < last:
            raise ValueError(
                f"the last payment ({self.payments[-1].name}) covers through {through[-1]}, but requirements are "
                f"measured until {last}: every measured month must be paid"
            )

    @property
    def months(self) -> tuple[str, ...]:
        """Every month any requirement measures, sorted."""
        return tuple(sorted({m for r in self.requirements for m in r.months}))

    @property
    def group_names(self) -> tuple[str, ...]:
        """The panel groups whose rows the requirements read, sorted."""
        return tuple(sorted({r.group for r in self.requirements}))

    @property
    def requirement_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.requirements)

    @property
    def bonus_month(self) -> str:
        """The bonus pot is paid with the last payment."""
        return self.payments[-1].month

    def paid_in(self, month: str) -> str:
        """The payment month of a cell reported under ``month``."""
        return next(p.month for p in self.payments if month <= p.covers_through)

    def cell_pot_sek(self, requirement: Requirement) -> float:
        """The money of one cell of a requirement: its tranche, split evenly over its cells."""
        return requirement.total_sek / len(requirement.cell_months)

    def measure(self, name: str) -> Measure:
        """The declared measure called ``name``."""
        return next(m for m in self.measures if m.name == name)

    def read_columns(self) -> tuple[str, ...]:
        """Every panel column the requirements read (each only in the rows of its requirement's cells)."""
        return tuple(dict.fromkeys(c for r in self.requirements for c in r.measure_columns()))

    def measure_columns(self) -> tuple[str, ...]:
        # The engine makes these columns non-empty in every row; a requirement's measure is needed only in
        # its own group's rows, which the kind's coverage checks (kinds/requirements/arrays.py).
        return ()
