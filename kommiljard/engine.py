"""payout(): validated inputs -> each block's arrays -> its kind's allocation -> tidy tables.

Backends: ``numba`` (each kind's fast kernel), ``reference`` (the readable specification),
``check`` (both, failing loudly if they differ by more than 0.01 kr or in any tier or route) and
``auto`` (the default), which is the reference: a payout is one panel, whose few hundred
region-cells the readable rules allocate in milliseconds, while starting numba (its import, then
loading the cached kernels) costs more than importing numpy, pandas and pyarrow. The kernels give
the same bits; they serve many panels at once (what-if curves, sweeps).
The engine knows no kind of rule: it asks the registry (:data:`kommiljard.kinds.KINDS`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import platform
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from . import __version__, library_version
from .errors import InputError, KommiljardError, MissingDataWarning
from .inputs.panel import Panel, as_panel, known_groups
from .inputs.population import Population, read_population
from .inputs.regions import region_label, region_names
from .kinds import kind_of, table_columns
from .kinds.naming import no_data_message
from .kinds.registry import KEY_COLUMNS, MONEY_COLUMNS
from .language import speaker
from .money import largest_remainder
from .rules import Rules, load_rules

say = speaker(__package__)

Backend = Literal["auto", "numba", "reference", "check"]
MAX_SUMMARY_GROUPS = 4  # a block with more groups has one column in the summary
BACKENDS = ("auto", "numba", "reference", "check")


@dataclass(frozen=True)
class Payout:
    """The result of applying a rule set to a panel.

    - ``table``: one row per region, block, month and group (the output contract).
    - ``cells``: one row per block, month and group: ``pot_sek``, ``paid_sek``, ``lapsed_sek``,
      ``qualifiers``, ``no_data`` (regions without data in the cell).
    - ``steps``: one row per block, month, group and step (a bar or a level): its own money
      (``base_sek``), what it ``received_sek`` from the steps above, what it pays
      (``pot_sek``), ``passed_down_sek``, ``lapsed_sek``, ``members`` and ``member_weight``.
    - ``step_amounts``: one row per region, block, month, group and step: ``member``, the
      step's ``step_pot_sek`` after the cascade and the region's ``amount_sek`` from it.

    Population blocks have an empty month and group, and one step, ``share``.

    A region without data in a cell (computed with ``allow_missing_regions``) has ``data``
    "missing", route ``no_data`` and amount NaN there: it was paid nothing from that cell, and no
    output may read that as "0 kr, did not qualify". Sums skip it, so paid + lapsed = pot still.
    """

    rules: Rules
    panel: Panel
    population: Population
    table: pd.DataFrame
    cells: pd.DataFrame
    steps: pd.DataFrame
    step_amounts: pd.DataFrame
    provenance: dict = field(default_factory=dict)

    def summary(self, whole_kronor: bool = False) -> pd.DataFrame:
        """Per region: amounts per block (and group, where a block has a few groups) and the total.

        With ``whole_kronor`` the amounts are those of :meth:`in_whole_kronor`: whole kronor that
        add up both ways (each row's parts to its total, each column to its total row). A column is NaN
        for a region without data in every cell it sums; if some region lacks data, a ``no_data``
        column says where (``total_sek`` is what the region is paid: nothing from those cells).
        """
        if whole_kronor:
            return self.in_whole_kronor().summary()
        t = self.table
        block = "block" + t["block"].astype(str)
        many = t.groupby("block")["group"].nunique() > MAX_SUMMARY_GROUPS  # one column for such a block
        key = np.where(t["group"].isna() | t["block"].map(many), block, block + "_" + t["group"].fillna(""))
        wide = (
            t.assign(column=key)
            .groupby(["region", "region_name", "column"])["amount_sek"]
            .sum(min_count=1)
            .unstack("column")
        )
        wide.columns.name = None
        wide["total_sek"] = wide.sum(axis=1, min_count=1)  # summed in the columns' sorted order, as it always was
        wide = wide[[*dict.fromkeys(key), "total_sek"]]  # shown in the rules' order (requirements 7, 8, 9)
        wide = wide.reset_index()
        gaps = self.no_data()
        if gaps:
            wide["no_data"] = wide["region"].map(gaps).fillna("")
        return wide

    def in_whole_kronor(self) -> Payout:
        """This payout with every amount in whole kronor, rounded from the top down so that every sum a
        reader can check still holds: the cells' pots together to the scheme's total (largest
        remainder), then in every cell the regions' amounts and the lapsed money together to the cell's
        pot. Sums of the rounded detail (the summary per region) then add up both ways, every cell's
        paid + lapsed = pot, and everything paid and lapsed to the total. No data stays NaN."""
        table, cells = self.table.copy(), self.cells.copy()
        pots = largest_remainder(cells["pot_sek"].to_numpy())
        row_keys, cell_keys = (_cell_keys(f) for f in (table, cells))
        amount = np.full(len(table), np.nan)
        lapsed = np.zeros(len(cells))
        cell_pot, cell_lapsed = (table[c].to_numpy(np.float64, copy=True) for c in ("cell_pot_sek", "cell_lapsed_sek"))
        values = table["amount_sek"].to_numpy(np.float64)
        rows_of = pd.Series(np.arange(len(table))).groupby(row_keys).indices  # cell key -> its rows, in order
        for i, key in enumerate(cell_keys):
            rows = rows_of.get(key, np.array([], dtype=np.intp))
            known = rows[np.isfinite(values[rows])]
            rounded = largest_remainder(np.append(values[known], cells["lapsed_sek"].iloc[i]), pots[i])
            amount[known], lapsed[i] = rounded[:-1], rounded[-1]
            cell_pot[rows], cell_lapsed[rows] = pots[i], rounded[-1]
        table["amount_sek"], table["cell_pot_sek"], table["cell_lapsed_sek"] = amount, cell_pot, cell_lapsed
        cells["pot_sek"], cells["lapsed_sek"], cells["paid_sek"] = pots.astype(np.float64), lapsed, pots - lapsed
        return dataclasses.replace(self, table=table, cells=cells)

    def no_data(self) -> dict[str, str]:
        """Region code -> the cells it had no data for, in words (empty if every region had data)."""
        return missing_cells(self.table, self.rules)

    @property
    def lapsed_sek(self) -> float:
        return float(self.cells["lapsed_sek"].sum())

    @property
    def paid_sek(self) -> float:
        return float(self.cells["paid_sek"].sum())

    def cell_tables(
        self, block: int, month: str | None, group: str | None
    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
        """One cell of a block: its steps (lowest first), its regions' rows, and each step's members."""

        def of(frame: pd.DataFrame) -> pd.DataFrame:
            sel = frame["block"] == block
            sel &= frame["month"].isna() if month is None else frame["month"] == month
            sel &= frame["group"].isna() if group is None else frame["group"] == group
            return frame[sel]

        steps = of(self.steps).sort_values("step_index", ignore_index=True)
        if steps.empty:
            raise InputError(say("refuse.no_cell", block=block, cell=f"{month or ''} {group or ''}".strip()).rstrip())
        amounts = of(self.step_amounts)
        members = {s: list(g.loc[g["member"], "region"]) for s, g in amounts.groupby("step", sort=False)}
        return steps, of(self.table).reset_index(drop=True), members


def coverage_checks(rules: Rules, population: Population | None, allow_missing_regions: bool = False) -> list:
    """Panel checks for everything a rule set's blocks need from a panel (rows, columns, population);
    with ``allow_missing_regions`` a region's missing rows are not problems."""
    return [
        functools.partial(
            kind_of(block).coverage, block=block, population=population, allow_missing=allow_missing_regions
        )
        for block in rules.ruleset.blocks
    ]


def missing_cells(table: pd.DataFrame, rules: Rules) -> dict[str, str]:
    """Region code -> the cells of a payout table it had no data for, in words: ``block 1 (every cell)``
    or ``block 1: 2019-11 operation``."""
    missing = table["data"] == "missing"
    if not missing.any():
        return {}
    gone = table[missing]
    out = {}
    for region, rows in gone.groupby("region"):
        parts = []
        for number, cells in rows.groupby("block"):
            block = rules.ruleset.block(int(number))
            if len(cells) == len(kind_of(block).cells(block)):  # data (provenance, the summary's no_data): one text,
                parts.append(f"block {number} (every cell)")  # said where read (kinds.naming.no_data_text)
            else:
                parts.append(
                    f"block {number}: " + ", ".join(f"{m} {g}" for m, g in zip(cells["month"], cells["group"]))
                )
        out[region] = "; ".join(parts)
    return out


def allocate(block, arrays, backend: Backend):
    """A block's allocation by the chosen backend (``check``: both, and they must agree)."""
    if backend not in BACKENDS:
        raise InputError(say("refuse.backend", backend=repr(backend), backends=", ".join(BACKENDS)))
    kind = kind_of(block)
    if backend in ("reference", "auto"):
        return kind.reference(block, arrays)
    fast = kind.fast(block, arrays)
    if backend == "check":
        kind.reference(block, arrays).compare(fast, f"block {block.number} ({block.title})")
    return fast


def payout(
    panel: Panel | pd.DataFrame | str | Path,
    rules: Rules | str | Path = "kommiljard-2019",
    population: Population | str | Path | None = None,
    conditions: pd.DataFrame | str | Path | None = None,
    backend: Backend = "auto",
    overrides: dict | None = None,
    *,
    allow_missing_regions: bool = False,
) -> Payout:
    """Apply a rule set to a waiting-time panel: who gets how much in every block.

    ``conditions`` says which regions met a population block's conditions (default: all). The
    panel must cover every region of the population table in every cell a block needs; with
    ``allow_missing_regions`` a region without the rows of a cell is computed as not qualifying
    there and marked as having no data (a :class:`MissingDataWarning` names them).
    """
    rules = load_rules(rules, overrides)
    groups = known_groups(rules.ruleset.group_names)
    population = population if isinstance(population, Population) else read_population(population)
    checks = coverage_checks(rules, population, allow_missing_regions)
    panel = as_panel(panel, groups or None, checks, rules.ruleset.measure_columns(), complete=False)
    names = region_names()
    parts = []
    conditions_used = None  # which regions met a block's conditions: only where a block has conditions
    for block in rules.ruleset.blocks:
        kind = kind_of(block)
        arrays = kind.arrays(panel, block, population, conditions=conditions, allow_missing=allow_missing_regions)
        parts.append(kind.tables(block, arrays, allocate(block, arrays, backend), names))
        conditions_used = getattr(arrays, "conditions", None) or conditions_used
    table = payout_table(rules, [p.rows for p in parts])
    provenance = {
        **base_provenance(),
        "rules": rules.provenance(),
        "panel": {"source": panel.source, "sha256": panel.sha256, "synthetic": panel.synthetic, **panel.metadata},
        "population": {"source": population.source, "sha256": population.sha256},
        "conditions": conditions_used,
        "backend": "reference" if backend == "auto" else backend,
    }
    gaps = missing_cells(table, rules)
    if allow_missing_regions:
        provenance["allow_missing_regions"] = True
        provenance["no_data"] = {region_label(r): what for r, what in gaps.items()}
    if gaps:
        warnings.warn(MissingDataWarning(no_data_message(gaps)), stacklevel=2)
    return Payout(
        rules,
        panel,
        population,
        table,
        pd.concat([p.cells for p in parts], ignore_index=True),
        pd.concat([p.steps for p in parts], ignore_index=True),
        pd.concat([p.step_amounts for p in parts], ignore_index=True),
        provenance,
    )


def columns_of(rules: Rules, filled: set[str] | None = None) -> list[str]:
    """The payout table's columns for a rule set: the engine's key, the columns of the rule set's kinds placed
    before the money, the money, the kinds' columns placed after it (:func:`kommiljard.kinds.table_columns`);
    an optional column only if it is in ``filled`` (the columns the blocks' rows hold; None: every column)."""
    kinds = list({b.kind: kind_of(b) for b in rules.ruleset.blocks}.values())
    declared = [c for c in table_columns(kinds) if not c.optional or filled is None or c.name in filled]
    before = [c.name for c in declared if not c.after_money]
    return [*KEY_COLUMNS, *before, *MONEY_COLUMNS, *(c.name for c in declared if c.after_money)]


def payout_table(rules: Rules, rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The blocks' rows as one table of :func:`columns_of`: a column a block's kind does not fill takes its
    declared empty value; a column no kind declared is a bug, never dropped in silence."""
    kinds = list({b.kind: kind_of(b) for b in rules.ruleset.blocks}.values())
    empties = {c.name: c.empty for c in table_columns(kinds)}
    every = columns_of(rules)
    columns = columns_of(rules, {c for frame in rows for c in frame.columns})
    for block, frame in zip(rules.ruleset.blocks, rows):
        stray = [c for c in frame.columns if c not in every]
        if stray:
            said = say("refuse.undeclared_column", kind=repr(block.kind), columns=", ".join(stray), block=block.number)
            raise KommiljardError(said)
        for name in columns:
            if name not in frame.columns:
                frame[name] = empties[name]
    table = pd.concat(rows, ignore_index=True)[columns]
    table["tier"] = table["tier"].astype("int8")
    return table


def base_provenance() -> dict:
    """Package and library versions and the time, for every output's provenance."""
    return {
        "kommiljard_version": __version__,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        **{lib: library_version(lib) for lib in ("numpy", "numba")},
    }


def _cell_keys(frame: pd.DataFrame) -> np.ndarray:
    """Block, month and group as one text per row (a population block's month and group are empty)."""
    return (frame["block"].astype(str) + "|" + frame["month"].fillna("") + "|" + frame["group"].fillna("")).to_numpy()
