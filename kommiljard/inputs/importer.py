"""Importing exports of the waiting-time statistics, one or several files, into one canonical panel.

Each file is recognised and read by :mod:`kommiljard.inputs.layouts` (Socialstyrelsen's
statistics database, SKR's vantetider.se Kontaktkort tables, and kommiljard's own wide and
long layouts; CSV, ``.xlsx`` or a Parquet panel). The values of all files are then combined:

- every region, month, group and measure comes from exactly one cell of one file (two is an
  error naming both cells);
- a panel row (region, month, group) needs both shares: a share that is missing, suppressed
  (``N``) or absent from one file while the other share is given is an error naming the cell,
  or the file that lacks the region or month;
- a region, month and group for which no file gives a share (every cell ``N`` or empty) is
  left out, and the import says so; ``n_waiting`` is optional; a row of another group (the
  measures of the requirements of 2022-2024: child and adolescent psychiatry's phases, primary
  care, revisits) needs any of its measures, without the pair of shares; and where those measures
  are imported, share_90 may come without share_60 (the requirements read share_90 alone);
- regions that no file has are reported (the panel does not cover them).

Every problem names the file and the row and column as a spreadsheet shows them. A title
or footer that says SYNTHETIC (or *syntetisk*) marks the panel synthetic.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import pandas as pd

from ..errors import InputError, closest
from ..language import as_typed, speaker, typed
from .grid import XLSX_SUFFIXES, Issue, Issues, place, raise_issues
from .layouts import Hints, Reading, Value, read_export
from .panel import SHARE_COLUMNS, validate_panel
from .plausibility import fractions_in
from .regions import nearest_region, region_codes, region_label, region_names
from .tables import file_sha256
from .vocabulary import (
    GROUP_NAMES,
    MEASURES,
    SHARES,
    group_of,
    group_word,
    measure_hint,
    measure_named,
    number,
)

__all__ = ["Imported", "import_export", "import_exports", "import_summary", "number"]

say = speaker(__package__)
MEASURE_WORDS = {
    "share_90": "Andel väntande inom 90 dagar",
    "share_60": "Andel väntande inom 60 dagar",
    "n_waiting": "Antal väntande",
    "share_over_150": "Andel väntande mer än 150 dagar",
    "performed_30": "Kontaktstatus: Genomförd, Andel inom 30 dagar",
    "performed_60": "Kontaktstatus: Genomförd, Andel inom 60 dagar",
    "assessment_3d": "Andel medicinsk bedömning inom 3 dagar",
    "within_target": "Andel inom medicinskt måldatum",
}
SPECIALISED = {"first_visit", "operation"}  # the phases whose panel rows hold the two shares
Key = tuple[str, str, str, str]  # region, month, group, measure
_ROW, _MEASURE = itemgetter(0, 1, 2), itemgetter(3)  # a value's panel row (region, month, group), its measure
MAX_ASIDE_LOOKED_UP = 500  # rows left aside (hospitals, notes) checked for a misspelt missing region


@dataclass(frozen=True)
class Imported:
    """A canonical panel frame read from one or more exports, with what was read and how."""

    frame: pd.DataFrame
    source: str  # the files, "; "-separated
    sha256: str  # their hashes, in the same order
    layout: str  # the layouts of the files ("wide", "long", "socialstyrelsen", "kontaktkort"), ", "-separated
    title: list[str] = field(default_factory=list)
    synthetic: bool = False
    region_spellings: dict[str, list[str]] = field(default_factory=dict)  # code -> as written in the files
    dropped_rows: int = 0  # region-month-groups with no share at all (months nobody reported, suppressed cells)
    files: tuple[Reading, ...] = ()
    left_out: list[str] = field(default_factory=list)  # the dropped rows, and why
    warnings: list[str] = field(default_factory=list)

    @property
    def metadata(self) -> dict[str, str]:
        """The panel's ``kommiljard.*`` metadata (as the sample panel carries it)."""
        meta = {
            "kommiljard.imported_from": self.source,
            "kommiljard.imported_sha256": self.sha256,
        }
        if self.title:
            meta["kommiljard.description"] = " / ".join(self.title)
        if self.synthetic:
            meta["kommiljard.synthetic"] = "true"
        return meta


def group_flag(value: str | None) -> str | None:
    """``--group``: ``first_visit``/``operation`` or a Swedish name (``Förstabesök``); anything else is an error."""
    if value is None:
        return None
    group = group_of(value)
    if group is None:
        close = closest(value, list(GROUP_NAMES))
        did = say("refuse.did_you_mean", close=repr(close)) if close else ""
        raise InputError(say("refuse.group_flag", value=repr(value), did=did, groups=typed(GROUP_NAMES)))
    return group


def measure_flag(value: str | None) -> str | None:
    """``--measure``: ``share_90``/``share_60``/``n_waiting`` or a Swedish name; anything else is an error."""
    if value is None:
        return None
    measure, other = measure_named(value)
    if measure is None:
        close = closest(value, list(MEASURES))
        what = say("refuse.it_names", other=other) if other else ""
        did = say("refuse.did_you_mean", close=repr(close)) if close else ""
        others = typed(m for m in MEASURES if m not in ("share_90", "share_60", "n_waiting"))
        raise InputError(
            say("refuse.measure_flag", value=repr(value), what=what, did=did, hint=measure_hint(), others=others)
        )
    return measure


def import_export(
    path: str | Path,
    group: str | None = None,
    sheet: str | None = None,
    synthetic: bool = False,
    measure: str | None = None,
) -> Imported:
    """Read one export into a validated canonical panel (see :func:`import_exports`)."""
    return import_exports([path], group, measure, sheet, synthetic)


def import_exports(
    paths, group: str | None = None, measure: str | None = None, sheet: str | None = None, synthetic: bool = False
) -> Imported:
    """Read exports (any layout of :mod:`kommiljard.inputs.layouts`) and combine them into one validated panel.

    ``group`` and ``measure`` say what files that do not say it hold (a file that says
    something else is an error); ``sheet`` picks the sheet of workbooks (default: the first
    sheet in a recognised layout). Raises one :class:`InputError` listing every problem.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError(say("refuse.no_export"))
    hints = Hints(group_flag(group), measure_flag(measure))
    if sheet is not None and not any(p.suffix.lower() in XLSX_SUFFIXES for p in paths):
        raise InputError(say("refuse.sheet_without_xlsx", sheet=repr(sheet)))
    hashes = [file_sha256(p) if p.is_file() else "" for p in paths]
    for i, (path, sha) in enumerate(zip(paths, hashes, strict=True)):
        first = next((paths[j] for j in range(i) if sha and hashes[j] == sha), None)
        if first is not None:
            raise InputError(say("refuse.same_content", path=path, first=first))
    from .operations_import import operations_files

    found = operations_files(paths, sheet)  # counts of operations per procedure (their own layouts)
    if found:
        others = [p for p in paths if p not in found]
        shares = import_exports(others, group, measure, sheet, synthetic) if others else None
        return _import_operations(paths, found, shares, synthetic)
    readings, issues = [], Issues()
    for path in paths:
        reading, found = read_export(path, hints, sheet)
        readings.append(reading)
        issues += found
    raise_issues(issues, say("hint"))  # each file on its own first: problems between files would only repeat them
    frame, left_out, issues = _combine(readings)
    raise_issues(issues, say("hint"))
    if frame.empty:
        read = "; ".join(say("refuse.no_share_in", source=r.source, n=len(r.values)) for r in readings)
        raise InputError(say("refuse.no_share", read=read, hint=measure_hint(), then=say("hint")))
    # the checks above leave nothing for this to find: the shares as a panel of first visits and operations needs
    # them, or (a panel of the requirements of 2022-2024) each measure where its rows give it
    shares_only = set(frame.columns) <= {"region", "month", "group", *SHARES, "n_waiting"}
    panel = validate_panel(
        frame, "; ".join(map(str, paths)), measures=SHARE_COLUMNS if shares_only else [], complete=shares_only
    )
    spellings: dict[str, set[str]] = defaultdict(set)
    for reading in readings:
        for code, written in reading.spellings.items():
            spellings[code] |= written
    return Imported(
        panel,
        "; ".join(map(str, paths)),
        "; ".join(hashes),
        ", ".join(dict.fromkeys(r.layout for r in readings)),
        [line for r in readings for line in r.title],
        synthetic or any(r.synthetic for r in readings),
        {code: sorted(written) for code, written in spellings.items()},
        len(left_out),
        tuple(readings),
        left_out,
        _warnings(readings, panel),
    )


def _import_operations(paths: list[Path], found: dict, shares: Imported | None, synthetic: bool) -> Imported:
    """The panel of the operations files ``found`` (:func:`.operations_import.operations_files`), with the rows
    of ``shares`` (the other files' import, or None) beside them."""
    from .operations_import import operations_frame, read_operations  # (the module imports nothing of this one)
    from .panel import known_groups

    readings, issues = [], []
    for grid, header in found.values():
        reading, problems = read_operations(grid, header)
        readings.append(reading)
        issues += problems
    raise_issues(issues, say("hint"))
    frame, left_out, issues = operations_frame(readings)
    raise_issues(issues, say("hint"))
    if frame.empty:
        read = "; ".join(say("refuse.no_count_in", source=r.source, n=len(r.values)) for r in readings)
        raise InputError(say("refuse.no_count", read=read, then=say("hint")))
    both = frame if shares is None else pd.concat([shares.frame, frame], ignore_index=True)
    source = "; ".join(map(str, paths))
    panel = validate_panel(both, source, known_groups(), measures=[])
    missing = [region_label(c) for c in region_codes() if c not in set(frame["region"])]
    warnings = [say("warn.no_operations", regions=", ".join(missing))] if missing else []
    spellings = {c: sorted(w) for r in readings for c, w in r.spellings.items()}
    mine = Imported(
        panel,
        source,
        "; ".join(file_sha256(p) for p in paths),
        ", ".join(dict.fromkeys([*(shares.layout.split(", ") if shares else []), *(r.layout for r in readings)])),
        [*(shares.title if shares else []), *(line for r in readings for line in r.title)],
        synthetic or any(r.synthetic for r in readings) or bool(shares and shares.synthetic),
        {**(shares.region_spellings if shares else {}), **spellings},
        len(left_out) + (shares.dropped_rows if shares else 0),
        (*(shares.files if shares else ()), *readings),
        [*(shares.left_out if shares else []), *left_out],
        [*(shares.warnings if shares else []), *warnings],
    )
    return mine


def _label(key: tuple[str, ...]) -> str:
    """``share_90 of 06 Jönköping, 2019-09, first_visit`` (or without the measure)."""
    region, month, group, *measure = key
    row = say("import.row", region=region_label(region), month=month, group=group_word(group, code=True))
    return say("import.measure_of", measure=as_typed(measure[0]), row=row) if measure else row


def _at(value: Value, reading: Reading, here: str) -> str:
    """Where a cell is, with its file unless it is ``here``."""
    spot = place(value.row, value.column, reading.headers.get(value.column))
    return spot if reading.source == here else f"{reading.source}, {spot}"


def _issue(message: str, value: Value, reading: Reading) -> Issue:
    return Issue(message, reading.source, value.row, value.column, reading.headers.get(value.column))


def _combine(readings: list[Reading]) -> tuple[pd.DataFrame, list[str], list[Issue]]:
    """The panel frame of all values, the rows left out (no share at all), and every problem between cells and files."""
    issues = Issues()
    rows, twice, present = _rows_of(readings)
    issues += _twice_issues(twice)
    for reading in readings:
        shares = [v.value for v in reading.values if v.measure in SHARES and v.value is not None]
        if fractions := fractions_in(shares, say("import.of_this_export")):
            issues.append(Issue(fractions, reading.source))
    kept, left_out, lacking = {}, [], []
    for key, ms in rows.items():  # one pass over the panel's rows
        e90, e60 = ms.get("share_90"), ms.get("share_60")
        v90, v60 = e90 and e90[0].value, e60 and e60[0].value
        # a row of first visits or operations needs a share; a row of another group (the requirements of
        # 2022-2024) any of its measures
        specialised = key[2] in SPECIALISED
        given = v90 is not None or v60 is not None if specialised else any(e[0].value is not None for e in ms.values())
        if not given:
            wanted = SHARES if specialised else tuple(ms)
            why = "; ".join(f"{as_typed(m)} {ms[m][0].written}" for m in wanted if m in ms)
            left_out.append(f"{_label(key)} ({why})")
            continue
        kept[key] = ms
        if v90 is None and v60 is None:
            continue  # a row of another measure: the pair of shares does not concern it
        if v90 is None or v60 is None:
            lacking.append((key, ms))
        elif v60 > v90:
            (v60, r60), (v90, r90) = ms["share_60"], ms["share_90"]
            issues.append(
                _issue(
                    say("import.above", v60=v60.value, v90=v90.value, at=_at(v90, r90, r60.source), row=_label(key)),
                    v60,
                    r60,
                )
            )
    issues += _incomplete(readings, lacking)
    return _frame(kept, [m for m in MEASURES if m in present]), left_out, issues


def _rows_of(readings: list[Reading]) -> tuple[dict, dict, set[str]]:
    """Every panel row's measures, ``(region, month, group) -> measure -> (value, reading)``, from the first cell
    that gives each; the cells given again, by the pair of files (first, again); and the measures given. A
    file's cells of one row come together (a row of a long export): each run of them is looked up once."""
    rows: dict[tuple[str, str, str], dict[str, tuple[Value, Reading]]] = {}
    twice: dict[tuple[str, str], list[tuple[Key, Value, Reading, Value, Reading]]] = defaultdict(list)
    for reading in readings:
        for key, run in groupby(reading.values, key=_ROW):
            run = list(run)
            measures = rows.get(key)
            if measures is None:  # a new row: its measures at once, unless one is given twice
                measures = {value[3]: (value, reading) for value in run}
                if len(measures) == len(run):
                    rows[key] = measures
                    continue
                measures = rows[key] = {}
            for value in run:
                first = measures.get(value[3])
                if first is None:
                    measures[value[3]] = (value, reading)
                else:
                    twice[(first[1].source, reading.source)].append((value[:4], *first, value, reading))
    present = {measure for reading in readings for measure in set(map(_MEASURE, reading.values))}
    return rows, twice, present


def _twice_issues(twice: dict) -> list[Issue]:
    """A cell given twice, at each place; many cells of one file given again by another, once."""
    issues = Issues()
    for (first_file, file), pairs in twice.items():
        if len(pairs) > 3 and first_file != file:
            key, first, first_reading, value, reading = pairs[0]
            issues.append(
                Issue(
                    say(
                        "import.many_twice",
                        n=len(pairs),
                        first=first_file,
                        row=_label(key),
                        here=place(value.row, value.column, reading.headers.get(value.column)),
                        there=_at(first, first_reading, file),
                    ),
                    file,
                )
            )
            continue
        for key, first, first_reading, value, reading in pairs:
            if issues.full:
                issues.more += 1
                continue
            there = _at(first, first_reading, reading.source)
            issues.append(_issue(say("import.twice", row=_label(key), there=there), value, reading))
    return issues


def _frame(kept: dict, measures: list[str]) -> pd.DataFrame:
    """The panel frame of the rows kept, column by column, sorted by region, month and group."""
    nan = float("nan")
    columns = {name: [key[i] for key in kept] for i, name in enumerate(("region", "month", "group"))}
    for m in measures:
        columns[m] = [nan if m not in ms or ms[m][0].value is None else ms[m][0].value for ms in kept.values()]
    frame = pd.DataFrame(columns, columns=["region", "month", "group", *measures])
    return frame.sort_values(["region", "month", "group"], ignore_index=True)


def _incomplete(readings: list[Reading], lacking: list) -> list[Issue]:
    """Shares missing from panel rows whose other share is given (``lacking``: (key, measures)): a cell, a region, a
    month or a whole measure."""
    issues = Issues()
    if not lacking:
        return issues
    regions, months = defaultdict(set), defaultdict(set)  # (file, group, measure) -> what the file has
    for reading in readings:
        for v in reading.values:
            regions[(reading.source, v.group, v.measure)].add(v.region)
            months[(reading.source, v.group, v.measure)].add(v.month)
    no_measure, no_region, no_month = {}, {}, {}
    for key, ms in lacking:
        region, month, group = key
        for measure in SHARES:
            if measure in ms and ms[measure][0].value is not None:
                continue
            other_value, other_reading = next(ms[m] for m in SHARES if m in ms and ms[m][0].value is not None)
            if measure in ms:
                value, reading = ms[measure]
                issues.append(
                    _issue(
                        say(
                            "import.no_value",
                            written=value.written,
                            row=_label((*key, measure)),
                            other=as_typed(other_value.measure),
                            at=_at(other_value, other_reading, reading.source),
                        ),
                        value,
                        reading,
                    )
                )
                continue
            providers = [r.source for r in readings if (r.source, group, measure) in regions]
            if not providers:
                no_measure.setdefault((group, measure), (other_value, other_reading))
            for source in providers:
                if region not in regions[(source, group, measure)]:
                    no_region.setdefault((source, region, group, measure), (other_value, other_reading))
                elif month not in months[(source, group, measure)]:
                    no_month.setdefault((source, month, group, measure), (other_value, other_reading))
    issues += _absent(readings, no_measure, no_region, no_month)
    return issues


def _absent(readings: list[Reading], no_measure: dict, no_region: dict, no_month: dict) -> list[Issue]:
    """The issues of shares absent from the import (a measure), from an export (a region) or from a column (a
    month), each with the other share's cell that is given."""
    issues = []
    requirements = {v.measure for r in readings for v in r.values} - {*SHARES, "n_waiting"}
    for (group, measure), (value, reading) in no_measure.items():
        if requirements and measure == "share_60":
            continue  # a panel of the requirements of 2022-2024 (their measures are imported) reads share_90 alone
        issues.append(
            Issue(
                say(
                    "import.no_measure",
                    measure=as_typed(measure),
                    words=MEASURE_WORDS[measure],
                    group=group_word(group),
                    other=as_typed(value.measure),
                    at=reading.where(value),
                ),
                "" if len(readings) > 1 else reading.source,
            )
        )
    for (source, region, group, measure), (value, reading) in no_region.items():
        issues.append(
            Issue(
                say(
                    "import.no_region",
                    region=region_label(region),
                    measure=as_typed(measure),
                    group=group_word(group),
                    other=as_typed(value.measure),
                    at=_at(value, reading, source),
                ),
                source,
            )
        )
    for (source, month, group, measure), (value, reading) in no_month.items():
        issues.append(
            Issue(
                say(
                    "import.no_month",
                    month=month,
                    measure=as_typed(measure),
                    group=group_word(group),
                    other=as_typed(value.measure),
                    at=_at(value, reading, source),
                ),
                source,
            )
        )
    return issues


def _warnings(readings: list[Reading], panel: pd.DataFrame) -> list[str]:
    """What the panel lacks that a payout may need: regions no file has, a phase no file has."""
    warnings = []
    has = set(panel["region"])
    missing = [code for code in region_codes() if code not in has]
    if missing and len(panel):
        spelt: dict[str, list[str]] = defaultdict(list)  # code -> rows left aside that name it, misspelt
        texts: dict[str, str | None] = {}  # each text left aside, looked up once (and only so many: difflib is slow)
        for reading in readings:
            for rows in reading.skipped.values():
                for row, text in rows:
                    if text not in texts and len(texts) < MAX_ASIDE_LOOKED_UP:
                        found = nearest_region(text)
                        texts[text] = found[0] if found and not found[1] else None
                    if texts.get(text) in missing:
                        spelt[texts[text]].append(f"{reading.source} {say('place.row', row=row + 1)} {text!r}")
        lines = [
            region_label(code) + (say("warn.misspelt", rows=", ".join(spelt[code][:2])) if spelt[code] else "")
            for code in missing
        ]
        key = "warn.no_region" if len(missing) == 1 else "warn.no_regions"
        warnings.append(say(key, regions=", ".join(lines)))
    groups = set(panel["group"]) & SPECIALISED
    if groups and groups != SPECIALISED:
        warnings.append(say("warn.one_phase", groups=", ".join(group_word(g) for g in sorted(groups))))
    return warnings


def import_summary(imported: Imported) -> pd.DataFrame:
    """One row per region: code, name, how the files wrote it, months and groups read."""
    f = imported.frame
    names = region_names()
    rows = [
        {
            "region": code,
            "region_name": names[code],
            "written_as": "; ".join(imported.region_spellings.get(code, [])),
            "months": " ".join(sorted(g["month"].unique())),
            "groups": " ".join(sorted(g["group"].unique())),
            "rows": len(g),
        }
        for code, g in f.groupby("region")
    ]
    return pd.DataFrame(rows)
