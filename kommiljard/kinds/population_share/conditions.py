"""Which regions met a population block's conditions: a table with one column per condition."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...inputs.population import region_problems
from ...inputs.regions import normalise_code
from ...inputs.tables import Problem, missing_columns, numeric_column, raise_problems, read_table
from .rules import PopulationShare

TRUE_WORDS = {"true", "1", "yes", "ja", "y", "j", "x"}
FALSE_WORDS = {"false", "0", "no", "nej", "n", ""}


def read_conditions(path: str | Path, block: PopulationShare) -> pd.DataFrame:
    """Read which regions met a population block's conditions: one column per condition.

    A ``flag`` condition is a yes/no column (true/false, 1/0, ja/nej); an ``at_least``
    condition is a number compared with its threshold. Returns a frame indexed by region
    with one boolean column per condition.
    """
    raw, _ = read_table(path, "conditions table")
    names = [c.name for c in block.conditions]
    problems = missing_columns(raw, ["region", *names])
    if problems:
        raise_problems(
            str(path),
            "conditions table",
            problems,
            f"The conditions table needs the columns region, {', '.join(names)}.",
        )
    codes = raw["region"].map(normalise_code)
    problems += region_problems(codes, "conditions table")
    met = pd.DataFrame(index=codes.to_numpy())
    for cond in block.conditions:
        if cond.kind == "flag":
            text = raw[cond.name].fillna("").astype(str).str.strip().str.lower()
            for i in text.index[~text.isin(TRUE_WORDS | FALSE_WORDS)]:
                problems.append(
                    Problem(f"{cond.name} = {raw[cond.name][i]!r} is not yes/no (true/false, 1/0, ja/nej)", i + 1)
                )
            met[cond.name] = text.isin(TRUE_WORDS).to_numpy()
        else:
            values = numeric_column(raw, cond.name, problems)
            for i in values.index[values.isna() & raw[cond.name].isna()]:
                problems.append(Problem(f"{cond.name} is empty", i + 1))
            for i in values.index[values.isin([np.inf, -np.inf])]:
                problems.append(Problem(f"{cond.name} = {raw[cond.name][i]!r} is not a finite number", i + 1))
            met[cond.name] = (values >= cond.threshold).to_numpy()
    raise_problems(str(path), "conditions table", problems, f"Columns: region, {', '.join(names)}.")
    return met
