"""Importing counts of performed operations per region, month and procedure (the price-per-operation schemes).

Two layouts of kommiljard's own are read (``docs/data-formats.md`` shows both); no published export of
monthly operations per region and procedure was found to read as it is:

- ``operations-long``: a region column, a month column (``Månad``), a procedure column (``Ingrepp``,
  ``Procedure``; or ``group`` as a panel names it) and a count column (``Antal operationer``, ``Antal``,
  ``operations``): one row per region, month and procedure.
- ``operations-wide``: a region column, a procedure column, then one column per month.

A procedure is named as kommiljard names it (``cataract``) or in Swedish (``Katarakt``, ``Höftprotes``,
``Knäprotes``, ``Prolaps``, ``Ljumskbråck``, ``Koloskopi``); an unknown name is an error with the name it
is closest to. A count is a whole number of operations, at least 0 (``1 234`` and ``1234 st`` read as 1234);
a negative or fractional count, a cell that is not a number, an unknown region or a row given twice is an
error naming its cell. An empty cell is left out, and the import says so. The region numbers are SCB county
codes. A title or footer that says SYNTHETIC (or *syntetisk*) marks the panel synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import closest
from ..language import speaker, typed
from .grid import Grid, Issue, as_text, read_grids
from .layouts import ROLES, SEARCH_ROWS, Reading, Value, region_issues
from .measures import PROCEDURES
from .panel import normalise_month
from .regions import fold, normalise_code, region_codes, region_label
from .vocabulary import MISSING, parse_value

say = speaker(__package__)

PROCEDURE_WORDS = {
    "hip_prosthesis": ("hip prosthesis", "hoftprotes", "hoftproteser", "hoftprotesoperation", "hoftledsprotes"),
    "knee_prosthesis": ("knee prosthesis", "knaprotes", "knaproteser", "knaprotesoperation", "knaledsprotes"),
    "cataract": ("katarakt", "kataraktoperation", "kataraktoperationer", "gra starr", "grastarr"),
    "prolapse": ("prolaps", "prolapsoperation", "prolapsoperationer", "framfall", "framfallsoperation"),
    "inguinal_hernia": ("inguinal hernia", "ljumskbrack", "ljumskbracksoperation", "ljumskbracksoperationer"),
    "colonoscopy": ("koloskopi", "koloskopier"),
}
PROCEDURE_HEADERS = ("ingrepp", "procedure", "procedur", "operationstyp", "atgard", "diagnosomrade")
COUNT_HEADERS = (
    "operations",
    "antal",
    "antal operationer",
    "antal ingrepp",
    "operationer",
    "count",
    "antal utforda operationer",
    "utforda operationer",
)
LAYOUTS = ("operations-long", "operations-wide")


def procedure_of(text: object) -> str | None:
    """``Katarakt`` or ``cataract`` -> ``cataract``; None if it names no procedure (no guessing)."""
    key = fold(as_text(text))
    for procedure, words in PROCEDURE_WORDS.items():
        if key == procedure.replace("_", " ") or key in words:
            return procedure
    return None


def _suggest(text: str) -> str:
    names = {w: p for p, words in PROCEDURE_WORDS.items() for w in (p.replace("_", " "), *words)}
    close = closest(fold(text), list(names))
    return say("refuse.did_you_mean", close=repr(names[close])) if close else ""


@dataclass(frozen=True)
class Header:
    """Where an operations table's header is and which columns are what."""

    layout: str
    row: int
    region: int
    procedure: int
    month: int | None = None  # long
    count: int | None = None  # long
    months: tuple[tuple[int, str], ...] = ()  # wide: (column, month)


def find_header(grid: Grid) -> Header | None:
    """The header of an operations table in ``grid``: a region column and a procedure column (a header naming
    procedures, or a group column whose first value is one), then a month and a count column, or month columns."""
    for row in range(min(len(grid.rows), SEARCH_ROWS)):
        folded = {c: fold(grid.text(row, c)) for c in grid.filled(row)}
        region = next((c for c, k in folded.items() if k in ROLES["region"]), None)
        if region is None:
            continue
        procedure = next((c for c, k in folded.items() if k in PROCEDURE_HEADERS), None)
        if procedure is None:
            groups = [c for c, k in folded.items() if k in ROLES["group"]]
            first = next((r for r in range(row + 1, len(grid.rows)) if not grid.blank(r)), None)
            procedure = next((c for c in groups if first is not None and procedure_of(grid.cell(first, c))), None)
        if procedure is None:
            continue
        month = next((c for c, k in folded.items() if k in ROLES["month"]), None)
        count = next((c for c, k in folded.items() if k in COUNT_HEADERS), None)
        if month is not None and count is not None:
            return Header("operations-long", row, region, procedure, month, count)
        months = tuple(
            (c, m) for c in folded if c not in (region, procedure) and (m := normalise_month(grid.cell(row, c)))
        )
        if months:
            return Header("operations-wide", row, region, procedure, months=months)
    return None


def operations_files(paths: list[Path], sheet: str | None) -> dict[Path, tuple[Grid, Header]]:
    """The files among ``paths`` that hold an operations table: the grid and its header."""
    found = {}
    for path in paths:
        for grid in read_grids(path, sheet):
            header = find_header(grid)
            if header is not None:
                found[path] = (grid, header)
                break
    return found


def read_operations(grid: Grid, header: Header) -> tuple[Reading, list[Issue]]:
    """Every count of an operations table, with its place; the problems found (collected, not raised)."""
    reading = Reading(grid.source, grid.kind, header.layout, notes=list(grid.notes))
    reading.headers = {c: grid.text(header.row, c) for c in grid.filled(header.row)}
    reading.title = [grid.text(r, 0) for r in range(header.row) if grid.text(r, 0)]
    reading.said["procedure"] = say(
        "report.from_column", column=say("report.named_column", name=repr(reading.headers[header.procedure]))
    )
    issues: list[Issue] = []
    unknown: dict[str, list[tuple[int, int]]] = {}
    codes, code_of = set(region_codes()), {}
    for r in range(header.row + 1, len(grid.rows)):
        if grid.blank(r):
            continue
        written = grid.text(r, header.region)
        if written not in code_of:
            code_of[written] = normalise_code(written) if written else ""
        code = code_of[written]
        if code not in codes and len(grid.filled(r)) == 1 and parse_value(grid.cell(r, grid.filled(r)[0])).bad:
            reading.notes.append(grid.text(r, grid.filled(r)[0]))  # a note under the table (e.g. SYNTHETIC)
            continue
        if code not in codes:
            if fold(written) in ("riket", "alla regioner", "sverige", "totalt"):
                reading.skip(say("skip.country"), r, written)
            else:
                unknown.setdefault(written, []).append((r, header.region))
            continue
        reading.spellings.setdefault(code, set()).add(written)
        procedure = _row_procedure(grid, reading, issues, r, header.procedure)
        if procedure is None:
            continue
        for column, month in _row_months(grid, reading, issues, r, header):
            _add_count(grid, reading, issues, (code, month, procedure), (r, column))
    region_issues(reading, unknown, issues)
    return reading, issues


def _row_procedure(grid: Grid, reading: Reading, issues: list[Issue], r: int, column: int) -> str | None:
    written = grid.text(r, column)
    procedure = procedure_of(written)
    if procedure is None:
        what = say("issue.procedure_unknown", written=repr(written)) if written else say("issue.procedure_empty")
        message = say("issue.procedure", what=what, procedures=typed(PROCEDURES), did=_suggest(written))
        issues.append(reading.issue(message, r, column))
    return procedure


def _row_months(grid: Grid, reading: Reading, issues: list[Issue], r: int, header: Header) -> list[tuple[int, str]]:
    """The (column, month) of each count of row ``r``."""
    if header.layout == "operations-wide":
        return list(header.months)
    month = normalise_month(grid.cell(r, header.month))
    if month is None:
        text = grid.text(r, header.month)
        issues.append(reading.issue(say("issue.operations_month", written=repr(text)), r, header.month))
        return []
    return [(header.count, month)]


def _add_count(grid: Grid, reading: Reading, issues: list[Issue], key: tuple[str, str, str], at: tuple[int, int]):
    """One cell as the operations of ``key`` = (region, month, procedure), checked: a whole number >= 0."""
    (code, month, procedure), (r, c) = key, at
    raw = grid.cell(r, c)
    parsed, text = parse_value(raw, MISSING), as_text(raw)
    if parsed.value is not None and parsed.unit is None and parsed.value >= 0 and float(parsed.value).is_integer():
        reading.values.append(Value(code, month, procedure, "operations", parsed.value, text, r, c))
        return
    what = _operations_of(code, month, procedure)
    if parsed.bad or parsed.unit == "%":
        issues.append(reading.issue(say("issue.not_a_count", text=repr(text), what=what), r, c))
    elif parsed.value is not None and (parsed.value < 0 or not float(parsed.value).is_integer()):
        issues.append(reading.issue(say("issue.not_a_whole_count", text=repr(text), what=what), r, c))
    else:
        reading.values.append(Value(code, month, procedure, "operations", parsed.value, parsed.missing or text, r, c))


def _operations_of(code: str, month: str, procedure: str) -> str:
    """``the operations of 01 Stockholm, 2025-07, cataract`` (the procedure as typed: quoted in Swedish)."""
    return say("issue.operations_of", region=region_label(code), month=month, procedure=typed([procedure]))


def operations_frame(readings: list[Reading]) -> tuple[pd.DataFrame, list[str], list[Issue]]:
    """The panel rows (region, month, group, operations) of every count; the cells left out (empty); the rows
    given twice."""
    seen: dict[tuple[str, str, str], tuple[Reading, Value]] = {}
    issues, left_out, records = [], [], []
    for reading in readings:
        for v in reading.values:
            key = (v.region, v.month, v.group)
            if key in seen:
                first_reading, first = seen[key]
                here = first_reading is reading
                there = say("place.row", row=first.row + 1) if here else first_reading.where(first)
                msg = say("issue.operations_twice", what=_operations_of(v.region, v.month, v.group), there=there)
                issues.append(reading.issue(msg, v.row, v.column))
                continue
            seen[key] = (reading, v)
            if v.value is None:
                left_out.append(f"{region_label(v.region)}, {v.month}, {v.group} ({v.written})")
            else:
                records.append({"region": v.region, "month": v.month, "group": v.group, "operations": int(v.value)})
    frame = pd.DataFrame(records, columns=["region", "month", "group", "operations"])
    frame["operations"] = frame["operations"].astype("Int64")
    return frame.sort_values(["region", "month", "group"], ignore_index=True), left_out, issues
