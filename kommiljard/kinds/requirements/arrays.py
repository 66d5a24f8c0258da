"""From a validated panel to the arrays of one block of requirements, and what a panel lacks for it.

A requirement reads its measures in the rows of its own group only: the measured months (its
``measure`` if it can be met by improving, the fulfilment measure if by a high level) and, for
the improvement, the same months a year earlier (the measure). A panel may hold rows of several
kinds with empty cells for measures a row does not have; only the cells a requirement needs are
checked, and each must be a number within its measure's unit. A needed row or value that is
missing is an error, never a silent zero or a silently failed requirement; only when asked
(``allow_missing``) the region's cell is computed as "no data" (``RequirementsInput.missing``).
A period-mean requirement (``assessment = "period_mean"``) has one cell, reported under its last
month, whose figures are the means over its months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...inputs.panel import Panel, shift_month
from ...inputs.population import Population
from ...inputs.regions import region_label
from ...inputs.tables import Problem, raise_problems
from ...language import in_quotes, speaker, spoken, typed
from ...money import format_number
from ..naming import group_name, panel_of_block, said_cell
from ..naming import tell as told
from .rules import Requirement, RequirementsBonus

tell = speaker(__package__)

Cell = tuple[str, str]  # (month reported under, requirement name)
Need = tuple[str, str, str]  # (month, group, column)


@dataclass(frozen=True)
class RequirementsInput:
    """Arrays for one block: cells are (month, requirement), requirement by requirement, months in order."""

    regions: tuple[str, ...]
    cells: tuple[Cell, ...]
    cell_requirement: np.ndarray  # (C,) int64: index of the cell's requirement
    pots: np.ndarray  # (C,) float64 kronor
    current: np.ndarray  # (C, R) the requirement's measure (NaN: no improvement route)
    previous: np.ndarray  # (C, R) the same a year earlier
    level: np.ndarray  # (C, R) the fulfilment measure (NaN: no fulfilment route)
    population: np.ndarray  # (R,) int64
    weights: np.ndarray  # (R,) float64: population, or 1 for equal sharing
    missing: np.ndarray | None = None  # (C, R) bool: no data for the cell (then NaN above)


def cell_months(req: Requirement) -> list[tuple[str, tuple[str, ...]]]:
    """Each cell of a requirement: the month it is reported under and the months it measures."""
    if req.assessment == "each_month":
        return [(m, (m,)) for m in req.months]
    return [(req.months[-1], req.months)]


def cell_needs(req: Requirement, months: tuple[str, ...]) -> list[Need]:
    """The (month, group, column) values a cell of ``req`` over ``months`` reads."""
    needs = []
    for m in months:
        if req.improvement is not None:
            needs.append((m, req.group, req.measure))
            needs.append((shift_month(m, -req.improvement.compare_lag_months), req.group, req.measure))
        if req.fulfilment is not None:
            needs.append((m, req.group, req.level_measure))
    return list(dict.fromkeys(needs))


def all_needs(block: RequirementsBonus) -> dict[Need, list[str]]:
    """Every value the block reads, with the requirements that read it."""
    out: dict[Need, list[str]] = defaultdict(list)
    for req in block.requirements:
        for _, months in cell_months(req):
            for need in cell_needs(req, months):
                if req.name not in out[need]:
                    out[need].append(req.name)
    return out


class Lookup:
    """A panel's rows by (month, group, region), and its columns as numbers (NaN: empty or not a number)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.drop_duplicates(["region", "month", "group"]).reset_index(drop=True)
        f = self.frame
        self.index = {key: i for i, key in enumerate(zip(f["month"], f["group"], f["region"]))}
        self._numbers: dict[str, np.ndarray] = {}
        self._raw: dict[str, np.ndarray] = {}

    def positions(self, months, group: str, regions) -> np.ndarray:
        """(len(months), R) row positions, -1 where the panel has no row."""
        found = [self.index.get((m, group, r), -1) for m in months for r in regions]
        return np.array(found, dtype=np.intp).reshape(len(months), len(regions))

    def raw(self, column: str) -> np.ndarray:
        """The column as given (objects), for messages and to tell an empty cell from text."""
        if column not in self._raw:
            self._raw[column] = self.frame[column].to_numpy(object)
        return self._raw[column]

    def numbers(self, column: str) -> np.ndarray:
        if column not in self._numbers:
            self._numbers[column] = pd.to_numeric(self.frame[column], errors="coerce").to_numpy(np.float64)
        return self._numbers[column]

    def values(self, column: str, positions: np.ndarray) -> np.ndarray:
        """The column's numbers at ``positions`` (NaN where there is no row)."""
        return np.where(positions >= 0, self.numbers(column)[positions], np.nan)


def coverage(frame: pd.DataFrame, block: RequirementsBonus, population, allow_missing: bool = False) -> list[Problem]:
    """Everything the block needs that the panel (or the population table) lacks, and every needed value
    that is not a number within its unit; with ``allow_missing`` missing rows and values are not problems."""
    where = tell("refuse.where", block=block.number, name=block.title)
    needs = all_needs(block)
    readers = defaultdict(list)
    for (_, _, column), names in needs.items():
        readers[column] += [n for n in names if n not in readers[column]]
    problems = [
        Problem(
            tell("refuse.missing_column", column=col, what=_measure_words(block, col), who=_who(names), where=where)
        )
        for col, names in readers.items()
        if col not in frame.columns
    ]
    regions = sorted(set(frame["region"]) | set(population.counts.index if population is not None else ()))
    if population is not None:
        problems += [
            Problem(tell("refuse.no_population", region=region_label(r), source=population.source))
            for r in regions
            if r not in population.counts.index
        ]
    lookup, lang = Lookup(frame), spoken()
    gaps: dict[str, list[str]] = defaultdict(list)
    for (month, group, column), names in needs.items():
        if column not in frame.columns:
            continue
        pos = lookup.positions([month], group, regions)[0]
        raw = lookup.raw(column)[pos]
        empty = (pos < 0) | pd.isna(raw)
        values = lookup.values(column, pos)
        lo, hi = block.measure(column).range
        for i in np.flatnonzero(empty):
            what = tell("refuse.no_row") if pos[i] < 0 else tell("refuse.empty", column=in_quotes(column))
            cell = said_cell(month, group)  # a row of the requirement's own group names it: no need to say which
            own = list(names) == [group]
            gaps[regions[i]].append(tell("refuse.gap_own", cell=cell, what=what) if own else
                                    tell("refuse.gap", cell=cell, what=what, who=_who(names)))  # fmt: skip
        for i in np.flatnonzero(~empty & ~((values >= lo) & (values <= hi))):
            where_row = {"region": regions[i], "cell": f"{month}, {group}" if lang == "en" else said_cell(month, group)}
            bounds = {"lo": format_number(lo, None, lang=lang), "hi": format_number(hi, None, lang=lang)}
            unit = tell(f"refuse.unit.{block.measure(column).unit}")
            said = {"column": column, "value": raw[i], "unit": unit, "who": _who(names), "where": where}
            problems.append(Problem(tell("refuse.out_of_range", **said, **where_row, **bounds)))
    if gaps and not allow_missing:
        problems += _gap_problems(gaps, where)
    return problems


def _who(names: list[str]) -> str:
    """The requirements a row serves: by name as the rule file writes them in English, by their Swedish short names
    in Swedish (``kravet '7. BUP, första besök'``), never by code."""
    shown = names if spoken() == "en" else [group_name(n, "sv", short=True) for n in names]
    return tell("refuse.requirement" if len(names) == 1 else "refuse.requirements", names=typed(shown))


def _measure_words(block: RequirementsBonus, column: str) -> str:
    m = block.measure(column)
    unit = tell(f"refuse.unit.{m.unit}")
    return f"{m.label}, {unit}" if m.label else unit


def _gap_problems(gaps: dict[str, list[str]], where: str) -> list[Problem]:
    problems = []
    for region, rows in gaps.items():
        shown = ", ".join(rows[:6]) + (tell("refuse.and_more", n=len(rows) - 6) if len(rows) > 6 else "")
        problems.append(Problem(tell("refuse.lacks", region=region_label(region), where=where, shown=shown)))
    problems.append(Problem(tell("refuse.without_values", where=where, allow=told("refuse.allow_missing"))))
    return problems


def _figures(lookup: Lookup, req: Requirement, months, regions) -> tuple[np.ndarray, ...]:
    """(current, previous, level) of one cell: means over its months (one month: the month's figure)."""
    nan = np.full(len(regions), np.nan)
    current = previous = level = nan
    here = lookup.positions(months, req.group, regions)
    if req.improvement is not None:
        lag = req.improvement.compare_lag_months
        current = lookup.values(req.measure, here).mean(axis=0)
        before = lookup.positions([shift_month(m, -lag) for m in months], req.group, regions)
        previous = lookup.values(req.measure, before).mean(axis=0)
    if req.fulfilment is not None:
        level = lookup.values(req.level_measure, here).mean(axis=0)
    return current, previous, level


def requirements_input(
    panel: Panel, block: RequirementsBonus, population: Population, allow_missing: bool = False
) -> RequirementsInput:
    """Arrays for one block; raises an :class:`InputError` listing every gap (with ``allow_missing`` only
    the other problems: a region's cell without its values is NaN and marked in ``missing``)."""
    frame = panel.frame
    problems = coverage(frame, block, population, allow_missing)
    hint = "Add the missing rows or values (or a population for every region) and run again."
    raise_problems(panel.source, panel_of_block(block), problems, hint)
    regions = tuple(sorted(set(frame["region"]) | set(population.counts.index)))
    pop = population.of(regions)
    weights = pop.astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    lookup = Lookup(frame)
    cells, index, pots, figures = [], [], [], []
    for j, req in enumerate(block.requirements):
        for month, months in cell_months(req):
            cells.append((month, req.name))
            index.append(j)
            pots.append(block.cell_pot_sek(req))
            figures.append(_figures(lookup, req, months, regions))
    current, previous, level = (np.array([f[k] for f in figures]) for k in range(3))
    routes = [(req.improvement is not None, req.fulfilment is not None) for req in block.requirements]
    imp = np.array([routes[j][0] for j in index])[:, None]
    ful = np.array([routes[j][1] for j in index])[:, None]
    missing = (imp & (np.isnan(current) | np.isnan(previous))) | (ful & np.isnan(level))
    for a in (current, previous, level):
        a[missing] = np.nan
    return RequirementsInput(
        regions,
        tuple(cells),
        np.array(index, dtype=np.int64),
        np.array(pots, dtype=np.float64),
        current,
        previous,
        level,
        pop,
        weights,
        missing,
    )
