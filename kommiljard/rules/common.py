"""What every rule model shares: strict immutable models and the checks used by several kinds."""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SHARE_SUM_TOLERANCE = 1e-9


class Frozen(BaseModel):
    """Base: unknown keys are errors, types are not coerced (``true`` is no number), instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def check_months(months: tuple[str, ...]) -> tuple[str, ...]:
    bad = [m for m in months if not MONTH_RE.match(m)]
    if bad:
        raise ValueError(f"months must be written YYYY-MM, got {bad}")
    if len(set(months)) != len(months):
        raise ValueError(f"months are listed twice: {sorted({m for m in months if months.count(m) > 1})}")
    if list(months) != sorted(months):
        raise ValueError("months must be listed in ascending order")
    return months


def check_names_unique(items, what: str) -> None:
    names = [i.name for i in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{what} names must be unique, repeated: {dup}")


def check_shares_sum(values, what: str) -> None:
    total = math.fsum(values)
    if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
        raise ValueError(f"{what} must add up to 1, they add up to {total:g}")
