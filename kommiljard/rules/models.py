"""A whole scheme: its blocks (each validated by its kind's model) and its named interpretation alternatives.

The code knows *kinds* of rule block, each a folder of ``kinds/`` with its own model; a rule
file's ``blocks`` are validated against the union of the registered kinds' models
(:func:`ruleset_model`), so a new kind needs no line here. Every number of a particular scheme
comes from its rule file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import Field, create_model, field_validator, model_validator

from ..kinds import KINDS, block_models, rule_models
from ..language import spoken
from ..money import format_kronor
from .common import MAX_SEK, MONTH_RE, Frozen, check_names_unique, say

MAX_ALTERNATIVES = 200  # named alternatives in one rule file (the bundled ones: at most 9)


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
    total_sek: float = Field(gt=0, le=MAX_SEK)
    total_source: str = ""
    valid_from: str | None = None
    valid_to: str | None = None
    valid_source: str = ""
    blocks: tuple[Any, ...] = Field(min_length=1)  # each a registered kind's model (see ruleset_model)
    alternatives: tuple[Alternative, ...] = Field(default=(), max_length=MAX_ALTERNATIVES)

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not MONTH_RE.match(value):
            raise ValueError(say("check.month", value=repr(value)))
        return value

    @model_validator(mode="after")
    def _blocks(self) -> RuleSet:
        numbers = [b.number for b in self.blocks]
        if len(set(numbers)) != len(numbers):
            raise ValueError(say("check.block_numbers", numbers=numbers))
        total = math.fsum(b.total_sek for b in self.blocks)
        if abs(total - self.total_sek) > 0.005:
            lang = spoken()
            sums = {"total": format_kronor(total, 2, lang=lang), "scheme": format_kronor(self.total_sek, 2, lang=lang)}
            raise ValueError(say("check.blocks_total", **sums))
        check_names_unique(self.alternatives, "alternative")
        self._check_period()
        return self

    def _check_period(self) -> None:
        """Every month of every block must lie inside the scheme's period (``valid_from``..``valid_to``)."""
        if (self.valid_from is None) != (self.valid_to is None):
            raise ValueError(say("check.both_valid"))
        if self.valid_from is None:
            return
        if self.valid_from > self.valid_to:
            raise ValueError(say("check.valid_order", first=self.valid_from, last=self.valid_to))
        for b in self.blocks:
            outside = [m for m in b.months if not self.valid_from <= m <= self.valid_to]
            if outside:
                period = {"first": self.valid_from, "last": self.valid_to}
                raise ValueError(
                    say("check.outside_period", number=b.number, name=b.title, months=", ".join(outside), **period)
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
                needs.setdefault(col, say("block_of", number=b.number, name=b.title, id=self.id))
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


def ruleset_model(kinds: Sequence[str] | None = None) -> type[RuleSet]:
    """:class:`RuleSet` with ``blocks`` validated against the union of the registered kinds' models (built again
    when a kind is registered), or of the models of ``kinds`` only (registered kinds' names: a rule file's own)."""
    models = block_models() if kinds is None else tuple(dict.fromkeys(KINDS[k].model for k in kinds))
    return _ruleset_model(KINDS.version, models)


@cache
def _ruleset_model(version: int, models: tuple[type, ...]) -> type[RuleSet]:
    block = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 - a union built from a tuple
    return create_model("RuleSet", __base__=RuleSet, blocks=(tuple[block, ...], Field(min_length=1)))


def models_of_a_rule_file() -> tuple[type, ...]:
    """Every model of a rule file, for "did you mean" suggestions on unknown keys."""
    return (RuleSet, Alternative, *rule_models())
