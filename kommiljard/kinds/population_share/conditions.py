"""Which regions met a population block's conditions: a table with one column per condition.

The same reading for a file (``--conditions FILE``) and a data frame (``payout(conditions=frame)``):
regions in a ``region`` column or, for a frame, in its index (codes or names); a ``flag`` condition
is yes or no, written as a boolean, 1/0, ja/nej, yes/no or true/false; an ``at_least`` condition is
a number compared with its threshold (or a boolean or yes/no: met as given). Anything else, an
empty cell included, is refused with the region and the value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError
from ...inputs.population import region_problems
from ...inputs.regions import normalise_code
from ...inputs.tables import Problem, raise_problems, read_table
from ...language import in_quotes, speaker, spoken
from ...money import format_number
from .rules import PopulationShare

TRUE_WORDS = {"true", "1", "yes", "ja", "y", "j", "x"}
FALSE_WORDS = {"false", "0", "no", "nej", "n"}
tell = speaker(__package__)


def named(names) -> str:
    """Column names as typed (quoted in Swedish), joined."""
    return ", ".join(in_quotes(n) for n in names)


def read_conditions(source: str | Path | pd.DataFrame, block: PopulationShare) -> pd.DataFrame:
    """Which regions met each of a population block's conditions, from a file or a data frame.

    Returns a frame indexed by region code with one boolean column per condition (see the module
    docstring for what is accepted); raises one :class:`InputError` listing every problem.
    """
    if isinstance(source, pd.DataFrame):
        raw, where = _with_region_column(source), tell("refuse.the_frame")
    else:
        raw, _ = read_table(source, tell("refuse.conditions_table"))
        where = str(source)
    names = [c.name for c in block.conditions]
    absent = [n for n in names if n not in raw.columns]
    if absent:
        said = {"where": where, "absent": named(absent), "block": block.number, "name": block.name}
        raise InputError(tell("refuse.no_condition_column", **said, names=named(names)))
    raw = raw.reset_index(drop=True)
    codes = raw["region"].map(normalise_code)
    problems = region_problems(codes, tell("refuse.conditions_table"))
    met = pd.DataFrame(index=codes.to_numpy())
    for cond in block.conditions:
        values = [_judged(v, cond) for v in raw[cond.name]]
        for i, (value, ok) in enumerate(zip(raw[cond.name], values)):
            if ok is None:
                said = {"region": raw["region"][i], "condition": cond.name, "value": value}
                problems.append(Problem(tell("refuse.bad_value", **said, expected=_expected(cond)), i + 1))
        met[cond.name] = [bool(ok) for ok in values]
    raise_problems(where, tell("refuse.conditions_table"), problems, tell("refuse.columns_hint", names=named(names)))
    return met


def _with_region_column(frame: pd.DataFrame) -> pd.DataFrame:
    """A data frame with its regions in a ``region`` column: the column itself, or the index (any name)."""
    if "region" in frame.columns:
        return frame
    if isinstance(frame.index, pd.RangeIndex):
        raise InputError(tell("refuse.no_region_column"))
    return frame.rename_axis("region").reset_index()


def _judged(value, condition) -> bool | None:
    """Whether ``value`` says the condition was met; None if it says neither."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if condition.kind != "flag":
        number = _number(value)
        if number is not None:
            return number >= condition.threshold
        return _yes_no(value) if isinstance(value, str) else None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return {0: False, 1: True}.get(value) if np.isfinite(value) else None
    return _yes_no(value) if isinstance(value, str) else None


def _yes_no(text: str) -> bool | None:
    word = text.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _number(value) -> float | None:
    """A finite number, from a number or a text (a decimal comma is read too); None otherwise."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            return None
    return number if np.isfinite(number) else None


def _expected(condition) -> str:
    if condition.kind == "flag":
        return tell("refuse.not_yes_no")
    return tell("refuse.not_number", threshold=format_number(condition.threshold, None, lang=spoken()))
