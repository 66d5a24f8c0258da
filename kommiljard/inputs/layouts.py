"""Recognising the layouts in which the waiting-time statistics are exported, and reading them.

Four layouts are recognised from the cells of a file (``docs/data-formats.md`` shows each):

- ``socialstyrelsen``: an export of Socialstyrelsen's statistics database (since July 2025).
  A title line naming the contact status, the phase and the measure (``Kontaktstatus:
  Väntande, Fas: Första besök, Andel inom 90 dagar``), a row with the year of each column, a
  row ``Region;Juli;Augusti;...`` with month names, the national row ``Alla regioner``
  (skipped), one row per region, ``N`` for a suppressed cell, and a footer line (ignored).
- ``kontaktkort``: a table from SKR's vantetider.se (before 2025). Month headers ``Sep2015``
  or ``Okt 2018``, values ``64 %`` or ``128 017 st``, rows for the country, the six healthcare
  regions, the county councils and hospitals (only the county councils are read), an optional
  measure column, ``Ejdeltagit`` and ``N/A`` for missing values.
- ``wide`` and ``long``: kommiljard's own layouts (a ``Mått`` column and one column per month,
  or a ``Månad`` column and one column per measure).

**Which numbering a region number is in depends on the layout.** In a Kontaktkort table,
numbers are vantetider.se's county-council ids and are read from the id column (``Id``,
``Landstingskod`` ...): ``10`` is Stockholm, ``65`` Norrbotten, ``1`` the country and
``101``-``106`` the healthcare regions. In every other layout numbers are SCB county codes:
``10`` is Blekinge. A bare number where a Kontaktkort table has its names is refused, since
nothing tells which numbering it is; a Kontaktkort id whose row names another region is refused.

A reader fills a :class:`Reading` (one :class:`Value` per cell read, with its place in the
file) and a list of :class:`~kommiljard.inputs.grid.Issue`: problems in the data are collected,
not raised, so that every problem of every file is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError, closest
from ..language import as_typed, speaker, spoken, typed
from .grid import Grid, Issue, Issues, as_text, place, read_grids
from .months import MONTH_WORDS, normalise_month, runs_text
from .regions import code_of_vantetider_id, fold, normalise_code, region_codes, region_label, suggest_region
from .vocabulary import (
    GROUP_NAMES,
    MEASURES,
    MISSING,
    PERCENTS,
    TitleSays,
    group_of,
    group_word,
    measure_hint,
    measure_named,
    parse_value,
    read_title,
)

say = speaker(__package__)
SEARCH_ROWS = 30  # the header must be within the first rows

# Header words (folded: lower case, no diacritics or punctuation).
ROLES = {
    "region": ("region", "landsting", "lan", "region landsting", "landsting region", "county"),
    "month": ("manad", "period", "month", "tidpunkt", "datum", "date"),
    "group": ("vardkontakt", "grupp", "group", "kontakttyp", "typ", "vantan till", "vardinsats"),
    "measure": ("matt", "measure", "indikator", "variabel", "matvarde"),
}
ID_HEADERS = (
    "id",
    "enhetsid",
    "enhet id",
    "landstingskod",
    "landstings id",
    "landstingsid",
    "kod",
    "enhetskod",
    "vantetider id",
)
UNIT_HEADERS = ("enhet", "enhetsnamn", "namn", "omrade", "sjukhus", "vardenhet", "vardgivare")
SOCIALSTYRELSEN_REGION_HEADERS = ("region", "regioner", "lan", "landsting")
NATIONAL = (
    "riket",
    "alla regioner",
    "sverige",
    "hela riket",
    "hela landet",
    "samtliga regioner",
    "alla landsting",
    "totalt",
)
HEALTHCARE_REGIONS = ("norra", "uppsala orebro", "stockholm gotland", "sydostra", "sodra", "vastra")
COUNTRY_ID, HEALTHCARE_REGION_IDS = 1, range(101, 107)
MONTH_NAMES = {word for words in MONTH_WORDS.values() for word in words}
SYNTHETIC_WORDS = ("synthetic", "syntetisk")

# Cells that mean "no value", by layout (compared lower case, spaces removed), and why (words.toml's [missing]).
MISSING_IN = {
    "socialstyrelsen": {**MISSING, "n": "suppressed"},
    "kontaktkort": {**MISSING, "ejdeltagit": "ejdeltagit", "n/a": "not_available"},
    "wide": MISSING,
    "long": MISSING,
    "operations-long": MISSING,
    "operations-wide": MISSING,
}


@dataclass(frozen=True)
class Hints:
    """What the command line says about files that do not say it themselves (canonical names)."""

    group: str | None = None
    measure: str | None = None


class Value(NamedTuple):
    """One cell read: what it is the value of, the value (None if missing) and where it is (0-based). A named
    tuple: an import makes one per cell, and ``value[:4]`` is its key."""

    region: str
    month: str
    group: str
    measure: str
    value: float | None
    written: str  # the cell as written, or why it is missing
    row: int
    column: int


@dataclass
class Reading:
    """What one file gives: its layout, the values read with their places, and what was left aside."""

    source: str
    kind: str  # how the cells were read: "CSV (';', UTF-8)", "xlsx, sheet 'Data'"
    layout: str = ""
    title: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines below the table (a footer)
    values: list[Value] = field(default_factory=list)
    headers: dict[int, str] = field(default_factory=dict)  # column -> header as shown
    said: dict[str, str] = field(default_factory=dict)  # "phase"/"measure" -> what and how it was known
    skipped: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # reason -> (row, text) left aside
    spellings: dict[str, set[str]] = field(default_factory=dict)  # code -> as written

    def issue(self, message: str, row: int | None = None, column: int | None = None, header: bool = True) -> Issue:
        """An issue at a cell; ``header=False`` for a cell above the header row (a title). ``message`` is said in the
        spoken language (``say("issue.…")``)."""
        return Issue(
            message, self.source, row, column, self.headers.get(column) if header and column is not None else None
        )

    def where(self, value: Value) -> str:
        """``file, row 7, column D ('September 2025')``."""
        return f"{self.source}, {place(value.row, value.column, self.headers.get(value.column))}"

    def skip(self, reason: str, row: int, text: str) -> None:
        self.skipped.setdefault(reason, []).append((row, text))

    @property
    def synthetic(self) -> bool:
        return any(word in line.lower() for line in self.title + self.notes for word in SYNTHETIC_WORDS)

    def report(self) -> list[str]:
        """What was read and left aside, line by line (the import prints it)."""
        months = {v.month for v in self.values}
        lines = [f"{self.source} ({self.kind}): {layout_name(self.layout)}"]
        lines += [f"  {say('report.' + what)}: {how}" for what, how in self.said.items()]
        read = {"months": runs_text(months) or say("none"), "regions": len({v.region for v in self.values})}
        lines.append(say("report.read", **read))
        for reason, rows in self.skipped.items():
            by_text: dict[str, list[int]] = {}
            for r, text in rows:
                by_text.setdefault(text, []).append(r + 1)
            shown = [f"{text!r} ({_rows_text(numbers)})" for text, numbers in list(by_text.items())[:6]]
            more = say("report.more", n=len(by_text) - 6) if len(by_text) > 6 else ""
            lines.append(say("report.left_aside", n=len(rows), reason=reason, shown=", ".join(shown), more=more))
        return lines


def _from_column(column: int, header: str | None) -> str:
    """How a file says its phase or measure in each row: ``from column B ('Mått') in each row``."""
    return say("report.from_column", column=place(None, column, header))


def _said(what: str, name: str) -> str:
    """A phase (a group's code in English, as always; its name in Swedish) or a measure (its column name)."""
    return group_word(name, code=True) if what == "phase" else as_typed(name)


def layout_name(layout: str) -> str:
    """A layout as people call it (``socialstyrelsen``: Socialstyrelsen statistics database export), spoken."""
    return say(f"layout.{layout}")


def _rows_text(numbers: list[int]) -> str:
    """``row 4``, ``rows 4-7`` or ``row 4 and 2 more``."""
    if len(numbers) == 1:
        return say("place.row", row=numbers[0])
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return say("report.rows", first=numbers[0], last=numbers[-1])
    return say("report.row_and_more", row=numbers[0], n=len(numbers) - 1)


def settle(
    reading: Reading,
    issues: list[Issue],
    what: str,
    says: TitleSays,
    flag: str | None,
    row: int | None,
    silent: str | None = None,
) -> str | None:
    """The file's phase or measure (``what``) from its title or the flag; a contradiction or silence (``silent``: what
    the file lacks, said; by default that it does not say it) is an issue."""
    option = "--group" if what == "phase" else "--measure"
    choices = typed(GROUP_NAMES) if what == "phase" else typed(MEASURES)
    example = "Fas: Första besök" if what == "phase" else "Andel inom 90 dagar"
    said, said_text = (says.phase, says.phase_text) if what == "phase" else (says.measure, says.measure_text)
    if said and flag and said != flag:
        named = said if spoken() == "en" else _said(what, said)
        message = say("issue.contradicts_title", option=option, flag=flag, said=repr(said_text), named=named)
        issues.append(reading.issue(message, row, 0, header=False))
        return None
    if said:
        reading.said[what] = say("report.from_title", said=_said(what, said), title=repr(said_text))
        return said
    if flag:
        reading.said[what] = say(
            "report.from_option", flag=_said(what, flag), option=option, what=say("report." + what).lower()
        )
        return flag
    silent = silent or say(f"issue.silent_{what}")
    it = say(f"issue.it_{what}")
    message = say("issue.give_it", silent=silent, it=it, option=option, choices=choices, example=example)
    issues.append(reading.issue(message, row, 0 if row is not None else None, header=False))
    return None


_new_value = tuple.__new__  # Value(...) without NamedTuple's keyword handling: one per cell of a file
# A file's region names, months and values repeat row after row: each is read once (typed: 1, 1.0 and True differ).
_month_of = lru_cache(maxsize=1 << 16, typed=True)(normalise_month)
_code_of = lru_cache(maxsize=1 << 12, typed=True)(normalise_code)
_group_of = lru_cache(maxsize=1 << 12, typed=True)(group_of)


_PLAIN = re.compile(r"\d+(?:\.\d+)?").fullmatch  # most cells of a big file: read without parse_value


def _cell(raw: object, layout: str, measure: str) -> tuple[float | None, str, str | None, bool]:
    """A cell as the value of ``measure``: its value, how it is written (or why it is missing, said), the problem
    with it (a key of words.toml's ``[issue]``, said with the cell's region) or None, and whether the value is
    kept. A plain number (``75.3``) is read at once, as :func:`parse_value` reads it; anything else once per
    distinct text and language."""
    if type(raw) is str and _PLAIN(raw):
        value = float(raw)
        if measure in PERCENTS and value > 100:
            return value, raw, "issue.not_a_percentage", True
        return value, raw, None, True
    return _parsed_cell(raw, layout, measure, spoken())


@lru_cache(maxsize=1 << 16, typed=True)
def _parsed_cell(raw: object, layout: str, measure: str, lang: str) -> tuple[float | None, str, str | None, bool]:
    parsed = parse_value(raw, MISSING_IN[layout])
    text = as_text(raw)
    if parsed.bad:
        return None, text, "issue.not_a_number", False
    problem = None
    if parsed.unit == "st" and measure in PERCENTS:
        problem = "issue.count_not_share"
    elif parsed.unit == "%" and measure == "n_waiting":
        problem = "issue.share_not_count"
    elif parsed.value is not None and measure in PERCENTS and not 0 <= parsed.value <= 100:
        problem = "issue.not_a_percentage"
    elif parsed.value is not None and measure == "n_waiting" and parsed.value < 0:
        problem = "issue.negative"
    return parsed.value, parsed.missing or text, problem, True


def add_row(
    reading: Reading, issues: list[Issue], r: int, row: list, key: tuple[str, str], cells: list[tuple[int, str, str]]
) -> None:
    """Read the ``cells`` (column, month, measure) of row ``r`` (its cells ``row``) as values of ``key`` =
    (region code, group), checking each. Called once per row: it runs for every cell of a file."""
    (code, group), keep, layout, width = key, reading.values.append, reading.layout, len(row)
    for c, month, measure in cells:
        raw = row[c] if c < width else None
        value, shown, problem, kept = _cell(raw.strip() or None if isinstance(raw, str) else raw, layout, measure)
        if problem is not None:
            problem = say(problem, text=repr(as_text(raw)), measure=as_typed(measure), region=region_label(code))
            issues.append(reading.issue(problem, r, c))
        if kept:
            keep(_new_value(Value, (code, month, group, measure, value, shown, r, c)))


def region_issues(
    reading: Reading, unknown: dict[str, list[tuple[int, int]]], issues: list[Issue], why: str = ""
) -> None:
    """One issue per region name that is not a region, at its first place, with the other rows."""
    for written, places in unknown.items():
        if getattr(issues, "full", False):  # only counted: a suggestion costs a millisecond
            issues.append(None)
            continue
        (row, column), more = places[0], sorted({r + 1 for r, _ in places[1:]})
        close = suggest_region(written)
        did = say("refuse.did_you_mean", close=close) if close else ""
        text = say("issue.not_a_region", written=repr(written), did=did) if written else say("issue.empty_region")
        also = ", ".join(map(str, more[:10])) + (say("report.more", n=len(more) - 10) if len(more) > 10 else "")
        issues.append(reading.issue(text + why + (say("issue.also_rows", rows=also) if more else ""), row, column))


def _roles(grid: Grid, row: int) -> dict[str, int]:
    """The first column of each role in a header row (region, month, group, measure, id, unit)."""
    roles: dict[str, int] = {}
    for column in grid.filled(row):
        key = fold(grid.text(row, column))
        role = next((r for r, names in ROLES.items() if key in names), None)
        role = role or ("id" if key in ID_HEADERS else "unit" if key in UNIT_HEADERS else None)
        if role:
            roles.setdefault(role, column)
    return roles


def _month_columns(grid: Grid, row: int) -> dict[int, str]:
    return {c: m for c in grid.filled(row) if (m := normalise_month(grid.cell(row, c)))}


def _is_socialstyrelsen_header(grid: Grid, row: int) -> bool:
    filled = grid.filled(row)
    if len(filled) < 2 or fold(grid.text(row, filled[0])) not in SOCIALSTYRELSEN_REGION_HEADERS:
        return False
    return all(fold(grid.text(row, c)) in MONTH_NAMES for c in filled[1:])


def _skr_signature(grid: Grid, row: int, name_column: int) -> bool:
    """Rows for the country or a healthcare region, or cells like ``64 %``, ``128 017 st``, ``Ejdeltagit``, ``N/A``."""
    for r in range(row + 1, min(len(grid.rows), row + 400)):
        name = fold(grid.text(r, name_column))
        if name in NATIONAL or "sjukvardsregion" in name:
            return True
        for c in grid.filled(r):
            text = grid.text(r, c).lower()
            if text in ("ejdeltagit", "n/a") or re.fullmatch(r"[\d\s\u00a0\u202f,.]+\s*(%|st)", text):
                return True
    return False


def recognise(grid: Grid) -> tuple[str, int] | None:
    """The layout of a grid and the row of its header; None if it is none of the four."""
    for row in range(min(len(grid.rows), SEARCH_ROWS)):
        if _is_socialstyrelsen_header(grid, row):
            return "socialstyrelsen", row
        roles = _roles(grid, row)
        months = _month_columns(grid, row)
        if "id" in roles and months:
            return "kontaktkort", row
        if "region" in roles or "unit" in roles:
            if "region" in roles and "month" in roles:
                return "long", row
            if "region" in roles and "measure" in roles:
                return "wide", row
            if months and _skr_signature(grid, row, roles.get("unit", roles.get("region"))):
                return "kontaktkort", row
            if "region" in roles:
                return "wide", row
        elif len(months) > 1 and min(months) > 0 and grid.cell(row, 0) is None and _skr_signature(grid, row, 0):
            return "kontaktkort", row  # units in column A, under a blank header
    return None


def read_export(path: Path, hints: Hints, sheet: str | None = None) -> tuple[Reading, list[Issue]]:
    """Recognise the layout of a file (the first sheet of a workbook that has one, or ``sheet``) and read it."""
    grids = read_grids(path, sheet)
    for grid in grids:
        found = recognise(grid)
        if found:
            break
    else:
        raise InputError(_unrecognised(path, grids))
    layout, header = found
    reading = Reading(str(path), grid.kind, layout, notes=list(grid.notes))
    issues = Issues()
    READERS[layout](grid, header, hints, reading, issues)
    return reading, issues


def _unrecognised(path: Path, grids: list[Grid]) -> str:
    where = say("refuse.in_sheets", sheets=", ".join(repr(g.sheet) for g in grids)) if len(grids) > 1 else ""
    if all(len(grid.filled(r)) <= 1 for grid in grids for r in range(len(grid.rows))):
        return say("refuse.one_column", path=path, where=where, hint=say("layout_hint"))
    return say("refuse.no_header", path=path, rows=SEARCH_ROWS, where=where, hint=say("layout_hint"))


def _title(grid: Grid, below: int) -> list[str]:
    """The non-blank rows above ``below``, each as one line (cells joined by commas, as a title's parts are)."""
    return [", ".join(grid.text(r, c) for c in grid.filled(r)) for r in range(below) if not grid.blank(r)]


def _read_socialstyrelsen(grid: Grid, header: int, hints: Hints, reading: Reading, issues: list[Issue]) -> None:
    """Title, year row, month-name row, one row per region; ``Alla regioner`` and the footer left aside."""
    name_column, *month_columns = grid.filled(header)
    reading.headers[name_column] = grid.text(header, name_column)
    is_year = re.compile(r"(19|20)\d\d").fullmatch
    years = header - 1 if header > 0 and any(is_year(grid.text(header - 1, c)) for c in month_columns) else None
    reading.title = _title(grid, header if years is None else years)
    months = _socialstyrelsen_months(grid, header, years, month_columns, reading, issues)
    says = read_title(reading.title)
    group, measure = _title_group_and_measure(
        reading, issues, says, hints, _first_row(grid, header if years is None else years)
    )
    unknown: dict[str, list[tuple[int, int]]] = {}
    for r in range(header + 1, len(grid.rows)):
        filled = grid.filled(r)
        if not filled:
            continue
        name = grid.text(r, name_column)
        code = normalise_code(name) if name else ""
        if fold(name) in NATIONAL:
            reading.skip(say("skip.national"), r, name)
            continue
        if code not in region_codes():
            if any(c in months for c in filled):
                unknown.setdefault(name, []).append((r, name_column))
            else:
                _note(reading, grid, r)
            continue
        reading.spellings.setdefault(code, set()).add(name)
        if group and measure:
            add_row(reading, issues, r, grid.rows[r], (code, group), [(c, m, measure) for c, m in months.items()])
    region_issues(reading, unknown, issues)


def _socialstyrelsen_months(
    grid: Grid, header: int, years: int | None, columns: list[int], reading: Reading, issues: list[Issue]
) -> dict[int, str]:
    """The month of each column from the month names and the row of years above them.

    A blank year cell takes the year to its left (a workbook's merged cells), if the months
    then run in order.
    """
    for c in columns:
        reading.headers[c] = grid.text(header, c)
    if years is None:
        issues.append(reading.issue(say("issue.no_year_row", row=header + 1), header, columns[0]))
        return {}
    months, year, carried = {}, "", False
    for c in columns:
        written = grid.text(years, c)
        if re.fullmatch(r"(19|20)\d\d", written):
            year = written
        elif not written and year:
            carried = True
        else:
            what = say("issue.not_a_year", written=repr(written)) if written else say("issue.no_year")
            issues.append(reading.issue(what, years, c, header=False))
            continue
        reading.headers[c] = f"{grid.text(header, c)} {year}"
        months[c] = normalise_month(reading.headers[c])  # a month name (the header was recognised by them) and a year
    order = list(months.values())
    if carried and order != sorted(set(order)):
        issues.append(reading.issue(say("issue.months_out_of_order"), years, columns[0], header=False))
        return {}
    return months


def _note(reading: Reading, grid: Grid, row: int) -> None:
    """A row without values that names no region: a footer or a note, kept for the synthetic mark."""
    reading.notes.append(" ".join(grid.text(row, c) for c in grid.filled(row)))
    reading.skip(say("skip.note"), row, reading.notes[-1])


def _first_row(grid: Grid, below: int) -> int | None:
    return next((r for r in range(max(below, 0)) if not grid.blank(r)), None)


def _title_group_and_measure(
    reading: Reading,
    issues: list[Issue],
    says: TitleSays,
    hints: Hints,
    title_row: int | None,
    need_group: bool = True,
    need_measure: bool = True,
) -> tuple[str | None, str | None]:
    """The file's phase and measure from its title and the flags; a title naming something else is an issue."""
    unusable = says.unusable_for(need_group, need_measure)
    if unusable:
        what = "; ".join(unusable)
        message = say("issue.unusable", layout=layout_name(reading.layout), what=what, wanted=say("wanted"))
        issues.append(reading.issue(message, title_row, 0 if title_row is not None else None, header=False))
        return None, None
    group = settle(reading, issues, "phase", says, hints.group, title_row) if need_group else None
    measure = settle(reading, issues, "measure", says, hints.measure, title_row) if need_measure else None
    return group, measure


def _unit(
    reading: Reading,
    issues: list[Issue],
    row: int,
    id_column: int | None,
    name_column: int | None,
    id_text: str,
    name: str,
) -> str | None:
    """The SCB code of a Kontaktkort row's unit, or None (the row is left aside or has an issue)."""
    name_code = normalise_code(name) if name else ""
    named = name_code if name_code in region_codes() else None
    if id_text:
        if not id_text.isdigit():
            issues.append(reading.issue(say("issue.id_not_a_number", id=repr(id_text)), row, id_column))
            return None
        number_ = int(id_text)
        code = code_of_vantetider_id(number_)
        if named and code != named:
            ids = say("issue.id_of", region=region_label(code)) if code else say("issue.id_of_none")
            message = say("issue.id_against_name", id=id_text, ids=ids, region=region_label(named))
            issues.append(reading.issue(message, row, id_column))
            return None
        if code is None:
            kind = (
                say("skip.national")
                if number_ == COUNTRY_ID
                else say("skip.healthcare_region")
                if number_ in HEALTHCARE_REGION_IDS
                else say("skip.unit")
            )
            reading.skip(kind, row, name or id_text)
            return None
        return code
    key = fold(name)
    if key in NATIONAL:
        reading.skip(say("skip.national"), row, name)
    elif "sjukvardsregion" in key or key.removesuffix(" sjukvardsregionen") in HEALTHCARE_REGIONS:
        reading.skip(say("skip.healthcare_region"), row, name)
    elif name.isdigit():
        meanings = [say("issue.meaning_id", region=region_label(c)) for c in [code_of_vantetider_id(name)] if c]
        meanings += [say("issue.meaning_code", region=region_label(c)) for c in [name.zfill(2)] if c in region_codes()]
        meant = say("or").join(meanings) or say("issue.no_meaning")
        issues.append(reading.issue(say("issue.number_for_name", name=repr(name), meanings=meant), row, name_column))
    elif named:
        return named
    else:
        reading.skip(say("skip.unit"), row, name)
    return None


def _read_kontaktkort(grid: Grid, header: int, hints: Hints, reading: Reading, issues: list[Issue]) -> None:
    """Id and/or name column, optional measure and group columns, one column per month; county councils only."""
    roles = _roles(grid, header)
    months = _month_columns(grid, header)
    reading.headers = {c: grid.text(header, c) for c in grid.filled(header)}
    first_month = min(months)
    id_column = roles.get("id")
    name_column = roles.get("unit", roles.get("region"))
    if name_column is None:
        blank = [c for c in range(first_month) if grid.cell(header, c) is None]
        name_column = blank[0] if blank else None
    measure_column, group_column = roles.get("measure"), roles.get("group")
    for c in grid.filled(header):
        if c > first_month and c not in months:
            issues.append(reading.issue(say("issue.kontaktkort_month", name=repr(grid.text(header, c))), header, c))
    reading.title = _title(grid, header)
    title_row = _first_row(grid, header)
    group, measure = _title_group_and_measure(
        reading,
        issues,
        read_title(reading.title),
        hints,
        title_row,
        need_group=group_column is None,
        need_measure=measure_column is None,
    )
    if measure_column is not None:
        reading.said["measure"] = _from_column(measure_column, reading.headers[measure_column])
        _no_flag_against(reading, issues, "--measure", hints.measure, header, measure_column)
    if group_column is not None:
        reading.said["phase"] = _from_column(group_column, reading.headers[group_column])
        _no_flag_against(reading, issues, "--group", hints.group, header, group_column)
    for r in range(header + 1, len(grid.rows)):
        filled = grid.filled(r)
        if not filled:
            continue
        id_text, name = grid.text(r, id_column), grid.text(r, name_column)
        if not any(c in months for c in filled) and not (
            code_of_vantetider_id(id_text) or normalise_code(name) in region_codes()
        ):
            _note(reading, grid, r)
            continue
        if not id_text and not name:
            issues.append(reading.issue(say("issue.no_unit"), r, id_column if id_column is not None else name_column))
            continue
        code = _unit(reading, issues, r, id_column, name_column, id_text, name)
        if code is None:
            continue
        row_measure, row_group = measure, group
        if measure_column is not None:
            row_measure, _ = measure_named(grid.text(r, measure_column))
            if row_measure is None:
                reading.skip(say("skip.other_measure"), r, grid.text(r, measure_column))
                continue
        if group_column is not None:
            row_group = group_of(grid.text(r, group_column))
            if row_group is None:
                written = repr(grid.text(r, group_column))
                issues.append(reading.issue(say("issue.not_a_group", written=written), r, group_column))
                continue
        if row_group is None or row_measure is None:
            continue
        reading.spellings.setdefault(code, set()).add(name or id_text)
        add_row(reading, issues, r, grid.rows[r], (code, row_group), [(c, m, row_measure) for c, m in months.items()])


def _no_flag_against(
    reading: Reading, issues: list[Issue], option: str, flag: str | None, row: int, column: int
) -> None:
    if flag:
        issues.append(reading.issue(say("issue.contradicts_column", option=option, flag=flag), row, column))


def _own_header(grid: Grid, header: int, reading: Reading) -> tuple[dict[str, int], list[str]]:
    names = [grid.text(header, c) for c in range(len(grid.rows[header]))]
    reading.headers = {c: name for c, name in enumerate(names) if name}
    reading.title = _title(grid, header)
    return {role: c for role, c in _roles(grid, header).items() if role in ROLES}, names


def _own_group(
    reading: Reading,
    issues: list[Issue],
    grid: Grid,
    header: int,
    roles: dict[str, int],
    names: list[str],
    hints: Hints,
) -> str | None:
    """The group of every row of a file without a group column (from its title or --group); None with one."""
    if "group" in roles:
        reading.said["phase"] = _from_column(roles["group"], names[roles["group"]])
        _no_flag_against(reading, issues, "--group", hints.group, header, roles["group"])
        return None
    silent = say("issue.no_group_column", columns=typed(filter(None, names)))
    title_row = _first_row(grid, header)
    return settle(reading, issues, "phase", read_title(reading.title), hints.group, title_row, silent)


def _text_at(row: list, column: int) -> str:
    """A cell of a row as text (``Grid.text`` without the grid: it runs for every row of a file)."""
    raw = row[column] if column < len(row) else None
    return raw.strip() if type(raw) is str else as_text(raw)


def _own_rows(
    grid: Grid,
    header: int,
    reading: Reading,
    issues: list[Issue],
    roles: dict[str, int],
    file_group: str | None,
    cells: Callable[[int, str, str], list[tuple[int, str, str]]],
) -> None:
    """Rows of the own layouts: region (SCB code or name), group, and ``cells(row, code, group)``.

    ``cells`` gives the (column, month, measure) of each value of a row.
    """
    unknown: dict[str, list[tuple[int, int]]] = {}
    groups_unknown: dict[str, list[tuple[int, int]]] = {}
    codes = frozenset(region_codes())
    region_column, group_column = roles["region"], roles.get("group")
    for r in range(header + 1, len(grid.rows)):
        row = grid.rows[r]
        written = _text_at(row, region_column)
        if not written and grid.blank(r):
            continue
        code = _code_of(written) if written else ""
        group = file_group if group_column is None else _group_of(_text_at(row, group_column))
        if group is None and group_column is not None:
            groups_unknown.setdefault(grid.text(r, group_column), []).append((r, group_column))
        if code not in codes:
            unknown.setdefault(written, []).append((r, region_column))
        else:
            reading.spellings.setdefault(code, set()).add(written)
        if code in codes and group:
            add_row(reading, issues, r, row, (code, group), cells(r, code, group))
            continue
        for c, _, _ in cells(r, code, group):
            if parse_value(grid.cell(r, c)).bad:
                issues.append(reading.issue(say("issue.not_a_number", text=repr(grid.text(r, c))), r, c))
    region_issues(reading, unknown, issues, _vantetider_hint(unknown))
    for written, places in groups_unknown.items():
        issues.append(reading.issue(say("issue.group_not_a_group", written=repr(written)), *places[0]))


def _vantetider_hint(unknown: dict[str, list]) -> str:
    """For numbers that are no SCB code but are vantetider.se ids: say which layout reads those."""
    ids = [w for w in unknown if w.isdigit() and code_of_vantetider_id(w)]
    return say("issue.vantetider_id", id=ids[0], region=region_label(code_of_vantetider_id(ids[0]))) if ids else ""


def _read_wide(grid: Grid, header: int, hints: Hints, reading: Reading, issues: list[Issue]) -> None:
    """Region, group (Vårdkontakt) and measure (Mått) columns, then one column per month."""
    roles, names = _own_header(grid, header, reading)
    file_group = _own_group(reading, issues, grid, header, roles, names, hints)
    file_measure = None
    if "measure" in roles:
        reading.said["measure"] = _from_column(roles["measure"], names[roles["measure"]])
        _no_flag_against(reading, issues, "--measure", hints.measure, header, roles["measure"])
    else:
        silent = say("issue.no_measure_column", hint=measure_hint(), columns=typed(filter(None, names)))
        file_measure = settle(reading, issues, "measure", read_title(reading.title), hints.measure, header, silent)
        if file_measure is None:
            return
    months = {}
    for c, name in reading.headers.items():
        if c in roles.values():
            continue
        month = normalise_month(grid.cell(header, c))
        if month is None:
            message = say("issue.column_not_a_month", name=repr(name), did=_did_you_mean(_month_hint(name)))
            issues.append(reading.issue(message, header, c))
        else:
            months[c] = month

    def cells(r: int, code: str, group: str) -> list[tuple[int, str, str]]:
        if file_measure:
            return [(c, m, file_measure) for c, m in months.items()]
        measure, _ = measure_named(grid.text(r, roles["measure"]))
        if measure is None:
            message = say("issue.measure_not_one_of", written=repr(grid.text(r, roles["measure"])), hint=measure_hint())
            issues.append(reading.issue(message, r, roles["measure"]))
            return []
        return [(c, m, measure) for c, m in months.items()]

    _own_rows(grid, header, reading, issues, roles, file_group, cells)


def _read_long(grid: Grid, header: int, hints: Hints, reading: Reading, issues: list[Issue]) -> None:
    """Region, month (Månad) and group columns, then one column per measure."""
    roles, names = _own_header(grid, header, reading)
    file_group = _own_group(reading, issues, grid, header, roles, names, hints)
    measures = {
        c: m for c, name in reading.headers.items() if c not in roles.values() and (m := measure_named(name)[0])
    }
    columns = ", ".join(f"{names[c]!r} ({as_typed(m)})" for c, m in measures.items())
    reading.said["measure"] = say("report.from_column_names", columns=columns)
    if hints.measure:
        _no_flag_against(reading, issues, "--measure", hints.measure, header, min(measures, default=0))

    columns = list(measures.items())

    def cells(r: int, code: str, group: str) -> list[tuple[int, str, str]]:
        month = _month_of(grid.cell(r, roles["month"]))
        if month is not None:
            return [(c, month, m) for c, m in columns]
        else:
            written = repr(grid.text(r, roles["month"]))
            issues.append(reading.issue(say("issue.month_not_a_month", written=written), r, roles["month"]))
            return []

    _own_rows(grid, header, reading, issues, roles, file_group, cells)


def _month_hint(text: str) -> str | None:
    """``"septmber 2019"`` -> ``"'september 2019'"``: the month word nearest a misspelt one."""
    words = fold(text).split()
    years = [w for w in words if len(w) == 4 and w.isdigit()]
    others = [w for w in words if w not in years]
    if len(years) == 1 and len(others) == 1:
        word = closest(others[0], sorted(MONTH_NAMES))
        return f"'{word} {years[0]}'" if word else None
    return None


def _did_you_mean(close: str | None) -> str:
    return say("refuse.did_you_mean", close=close) if close else ""


READERS: dict[str, Callable[[Grid, int, Hints, Reading, list[Issue]], None]] = {
    "socialstyrelsen": _read_socialstyrelsen,
    "kontaktkort": _read_kontaktkort,
    "wide": _read_wide,
    "long": _read_long,
}


PANEL_MEASURES = {"share_90", "share_60", "performed_60", "n_waiting", "operations"}


def export_hint(path: str | Path) -> str | None:
    """What a file given where a panel belongs looks like, if it is a waiting-time export that ``kommiljard
    import`` reads: its layout, header and title, and the command that turns it into a panel. None if it is no
    export kommiljard knows."""
    import shlex

    path = Path(path)
    try:
        grids = read_grids(path)
    except InputError:
        return None
    for grid in grids:
        found = recognise(grid)
        if found is None:
            continue
        layout, header = found
        cells = [grid.text(header, c) for c in grid.filled(header)]
        if {c.strip().lower() for c in cells} & PANEL_MEASURES:  # a panel's own columns: a panel with a fault
            return None
        shown = "; ".join(cells if len(cells) <= 5 else [*cells[:4], "…", cells[-1]])
        rows = sum(not grid.blank(r) for r in range(header + 1, len(grid.rows)))
        title = _title(grid, header)
        titled = say("refuse.titled", title=_shortened(title[0], 100)) if title else ""
        panel = shlex.quote(f"{path.stem}_panel.parquet")
        command = f"kommiljard import {shlex.quote(str(path))} --out {panel}"
        several = say("refuse.several") if layout == "socialstyrelsen" else ""
        return say(
            "refuse.export_not_panel",
            **dict(path=path, layout=layout_name(layout), kind=grid.kind, row=header + 1, shown=shown, rows=rows),
            **dict(titled=titled, command=command, panel=panel, name=path.name, several=several),
        )
    return None


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with ``…`` if cut."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
