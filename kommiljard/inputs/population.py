"""Population tables: the sharing key of every block, SCB's by default."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from ..language import speaker
from .regions import normalise_code, region_codes, unknown_region_message
from .tables import Problem, file_sha256, missing_columns, noun, numeric_column, raise_problems, read_table

BUNDLED_POPULATION = "population_2018.csv"
# Ten times Sweden's population: far above any region's, and small enough that every sum of the
# regions' populations is exact in int64 and float64 (21 * 10**8 < 2**53).
say = speaker(__package__)
MAX_POPULATION = 100_000_000


@dataclass(frozen=True)
class Population:
    """Population per region code, with its source."""

    counts: pd.Series  # index: region code (str), values: int64 > 0
    source: str
    sha256: str

    def of(self, regions) -> np.ndarray:
        return self.counts.loc[list(regions)].to_numpy(dtype=np.int64)


def region_problems(codes: pd.Series, what: str) -> list[Problem]:
    problems = []
    valid = set(region_codes())
    for i, code in codes.items():
        if code not in valid:
            problems.append(Problem(unknown_region_message(code), i + 1))
    for code in sorted(set(codes[codes.duplicated()])):
        rows = [str(i + 1) for i in codes.index[codes == code]]
        problems.append(Problem(say("problem.region_twice", code=code, what=noun(what), rows=", ".join(rows))))
    return problems


def read_population(path: str | Path | None = None) -> Population:
    """Read a population table (``region``, ``population``); the default is SCB 31 Dec 2018."""
    if path is None:
        resource = files("kommiljard") / "data" / BUNDLED_POPULATION
        with resource.open("rb") as fh:
            raw = pd.read_csv(fh, dtype=str)
        # data (provenance, a sweep's identity): one text in every language, said in Swedish where people read it
        source, sha = f"kommiljard/data/{BUNDLED_POPULATION} (SCB, 31 Dec 2018)", ""
    else:
        raw, _ = read_table(path, "population table")
        source, sha = str(path), file_sha256(path)
    problems = missing_columns(raw, ["region", "population"])
    if not problems:
        codes = raw["region"].map(normalise_code)
        values = numeric_column(raw, "population", problems)
        problems += region_problems(codes, "population table")
        for i, v in values.items():
            if pd.notna(v) and not (math.isfinite(v) and 0 < v <= MAX_POPULATION and v == round(v)):
                most = f"{MAX_POPULATION:,}".replace(",", " ")
                problems.append(Problem(say("problem.population", value=repr(raw["population"][i]), most=most), i + 1))
            elif pd.isna(v) and pd.isna(raw["population"][i]):
                problems.append(Problem(say("problem.population_empty"), i + 1))
    raise_problems(source, "population table", problems, say("population_hint"))
    return Population(pd.Series(values.to_numpy(np.int64), index=codes.to_numpy(), name="population"), source, sha)
