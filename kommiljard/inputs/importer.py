"""Importing spreadsheet exports of the waiting-time statistics into the canonical panel.

Two layouts are read, from CSV (any of ``;`` ``,`` tab; UTF-8 or Windows-1252) or ``.xlsx``:

- **wide**, one column per month, one row per region, group and measure::

      Region;Vårdkontakt;Mått;sep 2018;okt 2018;...;nov 2019
      Region Jönköpings län;Förstabesök;Andel väntande inom 90 dagar;81,2;...

- **long**, one row per region, month and group, one column per measure::

      Region;Månad;Vårdkontakt;Andel väntande inom 90 dagar;Andel väntande inom 60 dagar;Antal väntande

Column names, groups and regions are matched ignoring case, diacritics and punctuation
(``Region``/``Landsting``/``Län``; ``Månad``/``Period``; ``Vårdkontakt``/``Grupp``;
``Mått``/``Indikator``). Regions may be codes or names; months ``2019-09``, ``sep 2019``,
``september 2019`` or dates; numbers may have a decimal comma, a ``%`` sign and spaces
between thousands. Empty cells, ``-`` and ``..`` are missing. Lines above the header (a
title) are kept as the panel's description; a title that says SYNTHETIC (or *syntetisk*)
marks the panel synthetic. Without a group column, ``group=`` gives the group of all rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, closest
from .panel import MONTH_WORDS, normalise_month, validate_panel
from .regions import fold, normalise_code, region_codes, region_names, suggest_region
from .tables import Problem, file_sha256, raise_problems

ROLES = {
    "region": ("region", "landsting", "lan", "region landsting", "landsting region", "county"),
    "month": ("manad", "period", "month", "tidpunkt", "datum", "date"),
    "group": ("vardkontakt", "grupp", "group", "kontakttyp", "typ", "vantan till", "vardinsats"),
    "measure": ("matt", "measure", "indikator", "variabel", "matvarde"),
}
GROUPS = {"first_visit": ("forstabesok", "forsta besok", "first visit"), "operation": ("operation", "atgard")}
MEASURES = ("share_90", "share_60", "n_waiting")
MEASURE_HINT = "'Andel väntande inom 90 dagar', 'Andel väntande inom 60 dagar' or 'Antal väntande'"
MISSING = {"", "-", "..", "–", "nan", "none"}
SYNTHETIC_WORDS = ("synthetic", "syntetisk")
HINT = "See `kommiljard import --help` for the layouts read; fix the export and run again."


@dataclass(frozen=True)
class Imported:
    """A canonical panel frame read from an export, with what was read and how."""

    frame: pd.DataFrame
    source: str
    sha256: str
    layout: str  # "wide" or "long"
    title: list[str] = field(default_factory=list)
    synthetic: bool = False
    region_spellings: dict[str, list[str]] = field(default_factory=dict)  # code -> as written in the file
    dropped_rows: int = 0  # canonical rows with no value at all (months nobody reported)

    @property
    def metadata(self) -> dict[str, str]:
        """The panel's ``kommiljard.*`` metadata (as the sample panel carries it)."""
        meta = {"kommiljard.imported_from": self.source, "kommiljard.imported_sha256": self.sha256}
        if self.title:
            meta["kommiljard.description"] = " / ".join(self.title)
        if self.synthetic:
            meta["kommiljard.synthetic"] = "true"
        return meta


def measure_of(name: object) -> str | None:
    """Which canonical measure a column or row label means: ``Andel väntande inom 90 dagar`` -> ``share_90``."""
    key = fold(str(name))
    words = key.split()
    if key in MEASURES or key.replace(" ", "_") in MEASURES:
        return key.replace(" ", "_")
    if ("andel" in words or "share" in words or "procent" in words) and ("90" in words) != ("60" in words):
        return "share_90" if "90" in words else "share_60"
    if "antal" in words or "number" in words or key == "n waiting":
        return "n_waiting"
    return None


def group_of(value: object) -> str | None:
    """``Förstabesök`` -> ``first_visit``, ``Operation/åtgärd`` -> ``operation``; None if unknown."""
    key = fold(str(value))
    if key.replace(" ", "_") in GROUPS:
        return key.replace(" ", "_")
    for group, words in GROUPS.items():
        if any(w in key for w in words):
            return group
    return None


def number(value: object) -> float | None:
    """A number as a spreadsheet writes it (``81,2``, ``81,2 %``, ``52 310``); None if missing; NaN if not a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if pd.isna(value) else float(value)
    text = re.sub(r"[\s\u00a0\u202f%]", "", str(value))
    if text.lower() in MISSING:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return float("nan")


def _role(column: object) -> str | None:
    key = fold(str(column))
    return next((role for role, names in ROLES.items() if key in names), None)


def read_cells(path: Path, sheet: str | None = None) -> list[list[object]]:
    """The cells of a CSV or ``.xlsx`` export, row by row, as text (CSV) or typed values (xlsx)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file. Check the path.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            book = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
        except Exception as exc:
            raise InputError(f"{path}: could not read the spreadsheet: {exc}") from None
        names = list(book)
        if sheet is None:
            sheet = names[0]
        elif sheet not in book:
            close = closest(sheet, names)
            raise InputError(
                f"{path}: no sheet {sheet!r}" + _did_you_mean(close and repr(close)) + f". Sheets: {', '.join(names)}."
            )
        return book[sheet].where(book[sheet].notna(), None).values.tolist()
    if suffix not in (".csv", ".txt", ".tsv"):
        raise InputError(
            f"{path}: import reads .csv (or .txt/.tsv) and .xlsx exports, not {suffix or 'a file without suffix'!r}."
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # Excel's "CSV" in Swedish Windows
    lines = text.splitlines()
    header = next(
        (line for line in lines[:30] if any(_role(c) == "region" for c in re.split(r"[;,\t]", line))),
        lines[0] if lines else "",
    )
    delimiter = max(";\t,", key=header.count)
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _split_header(rows: list[list[object]], path: Path) -> tuple[list[str], list[str], list[tuple[int, list[object]]]]:
    """Title lines above the header, the header, and the data rows numbered from 1 after it (blank rows skipped)."""

    def blank(row: list[object]) -> bool:
        return all(c is None or not str(c).strip() for c in row)

    for i, row in enumerate(rows[:30]):
        if any(_role(c) == "region" for c in row if c is not None):
            title = [" ".join(str(c).strip() for c in r if not blank([c])) for r in rows[:i] if not blank(r)]
            data = [(n, r) for n, r in enumerate(rows[i + 1 :], start=1) if not blank(r)]
            return title, [("" if c is None else str(c).strip()) for c in row], data
    raise InputError(
        f"{path}: found no header row with a region column (Region, Landsting or Län) in the first 30 rows. {HINT}"
    )


def import_export(
    path: str | Path, group: str | None = None, sheet: str | None = None, synthetic: bool = False
) -> Imported:
    """Read a spreadsheet export (wide or long, see the module docstring) into a validated canonical panel."""
    path = Path(path)
    title, header, rows = _split_header(read_cells(path, sheet), path)
    where = {
        role: i for i, role in reversed(list(enumerate(map(_role, header)))) if role
    }  # the first column of each role
    problems: list[Problem] = []
    if "group" not in where and group is None:
        problems.append(
            Problem(
                f"no group column (Vårdkontakt or Grupp; columns: {', '.join(header)}): add one, or give the group of "
                "all rows (--group first_visit or operation)"
            )
        )
    if group is not None and group_of(group) is None:
        close = closest(group, list(GROUPS))
        problems.append(Problem(f"--group {group!r} is not a group" + _did_you_mean(close and repr(close))))
    layout = "long" if "month" in where else "wide"
    records = (_wide if layout == "wide" else _long)(header, rows, where, problems)
    frame = _identify(
        pd.DataFrame(records, columns=["row", "region_written", "month", "group_written", "measure", "value"]),
        None if "group" in where else group,
        problems,
    )
    raise_problems(str(path), f"export ({layout} layout)", problems, HINT)

    panel = frame.set_index(["region", "month", "group", "measure"])["value"].unstack("measure").reset_index()
    panel.columns.name = None
    for measure in ("share_90", "share_60"):
        if measure not in panel.columns:
            raise InputError(
                f"{path}: the export has no {measure} ({MEASURE_HINT}): found "
                f"{', '.join(sorted(set(frame['measure'])))}. {HINT}"
            )
    present = [m for m in MEASURES if m in panel.columns]
    empty = panel[present].isna().all(axis=1)
    panel = panel.loc[~empty, ["region", "month", "group", *present]].sort_values(
        ["region", "month", "group"], ignore_index=True
    )
    shares = panel[["share_90", "share_60"]].stack()
    if len(shares) and shares.max() <= 1.0:
        raise InputError(
            f"{path}: every share is at most 1 (largest {shares.max():g}): the export looks like fractions. Write "
            "shares in percent (81,2 for 81.2 %)."
        )
    canonical = validate_panel(panel, str(path))
    spellings = frame.groupby("region")["region_written"].agg(lambda s: sorted(set(map(str, s)))).to_dict()
    synthetic = synthetic or any(w in line.lower() for line in title for w in SYNTHETIC_WORDS)
    return Imported(canonical, str(path), file_sha256(path), layout, title, synthetic, spellings, int(empty.sum()))


def _identify(frame: pd.DataFrame, group: str | None, problems: list[Problem]) -> pd.DataFrame:
    """County codes and canonical groups for the records; unknown or repeated ones are problems."""
    frame["region"] = frame["region_written"].map(lambda v: "" if v is None else normalise_code(v))
    for written, rows in frame[~frame["region"].isin(region_codes())].groupby("region", sort=True)["row"]:
        text = (
            f"region {written!r} is not a Swedish region" + _did_you_mean(suggest_region(written))
            if written
            else "the region is empty"
        )
        problems.append(Problem(text, int(rows.min())))
    frame["group"] = frame["group_written"].map(group_of) if group is None else group_of(group)
    unknown = frame[frame["group"].isna()] if group is None else frame.iloc[:0]  # a wrong --group is reported already
    for written, rows in unknown.groupby(unknown["group_written"].fillna(""), sort=True)["row"]:
        problems.append(
            Problem(
                f"group {written!r} is not first visits (Förstabesök) or operations (Operation/åtgärd)", int(rows.min())
            )
        )
    key = ["region", "month", "group", "measure"]
    for (region, month, grp, measure), rows in (
        frame[frame.duplicated(key, keep=False)].dropna(subset=key).groupby(key)["row"]
    ):
        problems.append(
            Problem(
                f"{measure} of region {region}, {month}, {grp} is given more than once (rows "
                f"{', '.join(map(str, sorted(set(rows))))})"
            )
        )
    return frame


def _month_hint(text: str) -> str | None:
    """``"septmber 2019"`` -> ``"'september 2019'"``: the month word nearest a misspelt one."""
    words = fold(text).split()
    years = [w for w in words if len(w) == 4 and w.isdigit()]
    others = [w for w in words if w not in years]
    if len(years) == 1 and len(others) == 1:
        word = closest(others[0], [w for names in MONTH_WORDS.values() for w in names])
        return f"'{word} {years[0]}'" if word else None
    return None


def _did_you_mean(close: str | None) -> str:
    return f"; did you mean {close}?" if close else ""


def _wide(
    header: list[str], rows: list[tuple[int, list[object]]], where: dict[str, int], problems: list[Problem]
) -> list[tuple]:
    """Records ``(row, region, month, group, measure, value)`` of a table with one column per month."""
    if "measure" not in where:
        problems.append(
            Problem(
                "no month column (Månad) and no measure column (Mått): a wide export needs a Mått column naming "
                f"{MEASURE_HINT} in each row, and one column per month. Columns: {', '.join(header)}"
            )
        )
        return []
    keys = set(where.values())
    months = {}
    for i, name in enumerate(header):
        if i in keys or not name:
            continue
        month = normalise_month(name)
        if month is None:
            problems.append(
                Problem(
                    f"column {name!r} is not a month (write 2019-09, sep 2019 or september 2019)"
                    + _did_you_mean(_month_hint(name))
                )
            )
        else:
            months[i] = month
    records = []
    for r, row in rows:
        measure = measure_of(_cell(row, where["measure"]))
        if measure is None:
            problems.append(Problem(f"measure {_cell(row, where['measure'])!r} is not one of {MEASURE_HINT}", r))
            continue
        for i, month in months.items():
            value = number(_cell(row, i))
            if value is not None and value != value:  # NaN: text that is not a number
                problems.append(Problem(f"column {header[i]!r}: {_cell(row, i)!r} is not a number", r))
            records.append((r, _cell(row, where["region"]), month, _cell(row, where.get("group")), measure, value))
    return records


def _long(
    header: list[str], rows: list[tuple[int, list[object]]], where: dict[str, int], problems: list[Problem]
) -> list[tuple]:
    """Records ``(row, region, month, group, measure, value)`` of a table with one column per measure."""
    measures = {i: m for i, name in enumerate(header) if i not in where.values() and (m := measure_of(name))}
    records = []
    for r, row in rows:
        month = normalise_month(_cell(row, where["month"]))
        if month is None:
            problems.append(
                Problem(
                    f"month {_cell(row, where['month'])!r} is not a month (write 2019-09, sep 2019 or september 2019)",
                    r,
                )
            )
            continue
        for i, measure in measures.items():
            value = number(_cell(row, i))
            if value is not None and value != value:
                problems.append(Problem(f"column {header[i]!r}: {_cell(row, i)!r} is not a number", r))
            records.append((r, _cell(row, where["region"]), month, _cell(row, where.get("group")), measure, value))
    return records


def _cell(row: list[object], index: int | None) -> object:
    if index is None or index >= len(row) or row[index] is None:
        return None
    return row[index].strip() if isinstance(row[index], str) else row[index]


def import_summary(imported: Imported) -> pd.DataFrame:
    """One row per region: code, name, how the file wrote it, months and groups read."""
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
