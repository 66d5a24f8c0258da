"""Rule model of a population share: a fixed sum shared by population among the regions that
meet the block's conditions (block 2 of 2019)."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from ...rules.common import Block, Frozen, check_months, check_names_unique


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


class PopulationShare(Block):
    """Block kind: a fixed sum shared by population among the regions that meet conditions."""

    kind: Literal["population_share"]
    sharing: Literal["population", "equal"]
    sharing_note: str = ""
    forfeit: Literal["lapse", "redistribute", "paid_regardless"]
    forfeit_note: str = ""
    months: tuple[str, ...] = ()
    months_source: str = ""
    conditions: tuple[Condition, ...] = ()

    _months = field_validator("months")(check_months)

    @model_validator(mode="after")
    def _unique(self) -> PopulationShare:
        check_names_unique(self.conditions, "condition")
        return self

    def measure_columns(self) -> tuple[str, ...]:
        return ()
