"""What every rule model shares: strict immutable models and the checks used by several kinds."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..language import speaker, spoken, words_of

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SHARE_SUM_TOLERANCE = 1e-9
# Money is float64 kronor: up to 10**12 kr (a million mnkr, about the whole state budget) every sum
# of a scheme's amounts stays exact to well below an öre.
MAX_SEK = 1e12
MAX_BLOCK_NUMBER = 999
MAX_TEXT = 10_000  # characters of any text in a rule file (the bundled ones: under 500)
# Characters that terminals obey rather than show: C0 controls but newline and tab, DEL, C1 controls,
# and the bidirectional overrides that reorder text on screen.
say = speaker(__package__)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class Frozen(BaseModel):
    """Base: unknown keys are errors, types are not coerced (``true`` is no number), instances are immutable;
    numbers must be finite (no ``nan``, no ``inf``) and texts at most ``MAX_TEXT`` characters. A model's validator
    is built when it first validates (``defer_build``): a command builds those of its rule file's kinds only."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, str_max_length=MAX_TEXT, defer_build=True
    )


class Block(Frozen):
    """What every kind of block has: its kind (a literal in each kind's model), number, name, money and source."""

    kind: str
    number: int = Field(ge=1, le=MAX_BLOCK_NUMBER)
    name: str
    total_sek: float = Field(gt=0, le=MAX_SEK)
    source: str = ""

    @property
    def title(self) -> str:
        """The block's name without the ``(block 2)`` some agreements end it with: what a sentence that says
        "block 2 (…)" puts in the brackets."""
        return re.sub(rf"\s*\(block {self.number}\)$", "", self.name, flags=re.IGNORECASE) or self.name


def control_characters(text: str) -> str | None:
    """The control characters in ``text``, written as escapes (``\\x1b``), or None if it has none."""
    found = sorted(set(CONTROL.findall(text)))
    return ", ".join(c.encode("unicode_escape").decode("ascii") for c in found) if found else None


def _g(x: float) -> str:
    """A bound or a sum as the checks write it (``0.9``, in Swedish ``0,9``)."""
    text = f"{x:g}"
    return text.replace(".", ",") if spoken() == "sv" else text


def _what(what: str) -> str:
    """What a check names (``bars``, ``group shares``: the kinds' words for their lists) in the spoken language."""
    key = f"what.{what}"
    return say(key) if key in words_of(__package__) else what


def check_months(months: tuple[str, ...]) -> tuple[str, ...]:
    bad = [m for m in months if not MONTH_RE.match(m)]
    if bad:
        raise ValueError(say("check.months_written", bad=bad))
    if len(set(months)) != len(months):
        raise ValueError(say("check.months_twice", twice=sorted({m for m in months if months.count(m) > 1})))
    if list(months) != sorted(months):
        raise ValueError(say("check.months_ascending"))
    return months


def check_names_unique(items, what: str) -> None:
    names = [i.name for i in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(say("check.names_unique", what=_what(what), dup=dup))


def check_shares_sum(values, what: str) -> None:
    total = math.fsum(values)
    if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
        raise ValueError(say("check.shares_sum", what=_what(what), total=_g(total)))


def check_ascending_bounds(items, lowest: float, highest: float, what: str, unit: str) -> None:
    """Steps (bars, staircase steps) with a ``min_improvement`` and ``inclusive``: each bound within ``lowest`` to
    ``highest`` (``unit``), and each above the one before (an exclusive bound is above an inclusive one of the same
    value). ``what`` names them in messages (``bars``, ``improvement steps``)."""
    outside = [f"{i.name} = {i.min_improvement:g}" for i in items if not lowest <= i.min_improvement <= highest]
    if outside:
        bounds = {"lowest": _g(lowest), "highest": _g(highest)}
        raise ValueError(say("check.bounds", what=what.split()[-1], **bounds, unit=unit, outside=", ".join(outside)))
    keys = [(i.min_improvement, not i.inclusive) for i in items]
    if any(lo >= hi for lo, hi in zip(keys, keys[1:])):
        one, values = what.split()[-1].rstrip("s"), [i.min_improvement for i in items]
        raise ValueError(say("check.ascend", what=_what(what), one=_what(one), values=values))


def changes_text(overrides: Mapping[str, Any] | None, sep: str = ", ") -> str:
    """A rule set's changes as ``--set`` takes them (``block1.cascade=lapse, block1.cumulative=false``): what
    :func:`~kommiljard.rules.loader.parse_override` reads back (a table shortened to ``{…}``); nothing if none."""
    return sep.join(f"{k}={_as_set(v)}" for k, v in (overrides or {}).items())


def _as_set(value: Any) -> str:
    """One value as ``--set`` reads it: ``true``, ``0.5``, ``equal``, ``["2026-06", "2026-07"]`` (a list in TOML);
    a table (a period of an alternative, with its months and source) shortened to ``{…}``: too long to read."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(f'"{v}"' if isinstance(v, str) else _as_set(v) for v in value) + "]"
    return str(value)
