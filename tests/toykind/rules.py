"""The toy quota's rules model: months, clinics (groups), the measure and the threshold, each cited."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from kommiljard.rules.common import Block, check_months


class ToyQuota(Block):
    """Block kind: per month and clinic a pot, shared by visits among the regions with at least ``threshold``."""

    kind: Literal["toy_quota"]
    months: tuple[str, ...] = Field(min_length=1)
    months_source: str = ""
    groups: tuple[str, ...] = Field(min_length=1)
    measure: Literal["toy_visits"] = "toy_visits"
    threshold: int = Field(ge=0, le=1_000_000)
    threshold_source: str = ""

    _months = field_validator("months")(check_months)

    @property
    def group_names(self) -> tuple[str, ...]:
        return self.groups

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        return tuple((m, g) for m in self.months for g in self.groups)

    def pot_sek(self) -> float:
        """Every cell's pot: the block's total in equal parts."""
        return self.total_sek / len(self.cells)

    def measure_columns(self) -> tuple[str, ...]:
        return (self.measure,)
