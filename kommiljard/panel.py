"""Waiting-time panels: reading, normalising and validating them once, at the edge.

A panel has one row per region, month and group with ``share_90`` and ``share_60`` in
percent (see the interface section of ``kommiljard-rules.md``). Every problem is collected
and reported in one :class:`~kommiljard.errors.InputError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .errors import closest
from .regions import normalise_code, region_codes, suggest_region
from .tables import Problem, file_sha256, missing_columns, numeric_column, raise_problems, read_table

KEY = ["region", "month", "group"]
SHARE_COLUMNS = ["share_90", "share_60"]
REQUIRED = KEY + SHARE_COLUMNS
HINT = "Fix these rows in the panel and run again (`kommiljard validate PANEL` checks a panel without computing)."


@dataclass(frozen=True)
class Panel:
    """A validated panel in canonical form, with where it came from."""

    frame: pd.DataFrame
    source: str = "(in memory)"
    sha256: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return self.metadata.get("kommiljard.synthetic") == "true"

    def with_frame(self, frame: pd.DataFrame) -> Panel:
        """The same provenance with other values (a what-if); the hash marks the change."""
        return Panel(frame, self.source, self.sha256 + "+modified" if self.sha256 else "", self.metadata)


MONTH_WORDS = {
    1: ("januari", "january", "jan"), 2: ("februari", "february", "feb"), 3: ("mars", "march", "mar"),
    4: ("april", "apr"), 5: ("maj", "may"), 6: ("juni", "june", "jun"), 7: ("juli", "july", "jul"),
    8: ("augusti", "august", "aug"), 9: ("september", "sept", "sep"), 10: ("oktober", "october", "okt", "oct"),
    11: ("november", "nov"), 12: ("december", "dec"),
}  # fmt: skip
_MONTH_OF_WORD = {word: month for month, words in MONTH_WORDS.items() for word in words}


def normalise_month(value: object) -> str | None:
    """The month a value names, as ``"YYYY-MM"``; None if it names none.

    Accepts ``2019-09``, ``2019-09-01``, a date on the first of a month, and month names in
    Swedish or English with a four-digit year: ``sep 2019``, ``september 2019``, ``okt. 2019``,
    ``2019 sep``.
    """
    if isinstance(value, (pd.Timestamp, dt.date)):
        first = value.day == 1 and not (isinstance(value, dt.datetime) and value.time() != dt.time())
        return f"{value.year:04d}-{value.month:02d}" if first else None
    text = str(value).strip()
    for fmt, day_check in (("%Y-%m", False), ("%Y-%m-%d", True), ("%Y-%m-%d %H:%M:%S", True)):
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if day_check and (parsed.day != 1 or parsed.time() != dt.time()):
            return None
        return f"{parsed.year:04d}-{parsed.month:02d}"
    words = re.findall(r"[^\W\d_]+|\d+", text.lower())
    if len(words) == 2:
        year, word = sorted(words, key=str.isalpha)
        if len(year) == 4 and year.isdigit() and word in _MONTH_OF_WORD:
            return f"{year}-{_MONTH_OF_WORD[word]:02d}"
    return None


def shift_month(month: str, months: int) -> str:
    """``shift_month("2019-09", -12) == "2018-09"``."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _schema(groups: Iterable[str] | None) -> pa.DataFrameSchema:
    share = [pa.Check.in_range(0.0, 100.0, error="outside 0-100 (shares are percentages)")]
    group_checks = [pa.Check.isin(sorted(groups), error="unknown group")] if groups else []
    return pa.DataFrameSchema(
        {
            "region": pa.Column(str, pa.Check.isin(region_codes(), error="unknown region code"), nullable=False),
            "month": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}$", error="month not YYYY-MM"), nullable=False),
            "group": pa.Column(str, group_checks, nullable=False),
            "share_90": pa.Column("float64", share, nullable=False),
            "share_60": pa.Column("float64", share, nullable=False),
        },
        checks=[
            pa.Check(
                lambda d: ~(d["share_60"] > d["share_90"]),
                error="share_60 is above share_90 (nobody can have waited <= 60 days without also <= 90)",
                name="share_60_not_above_share_90",
            )
        ],
        unique=KEY,
        report_duplicates="all",
    )


def _describe(frame: pd.DataFrame, row: int) -> str:
    r = frame.loc[row]
    return f"({r['region']}, {r['month']}, {r['group']})"


def _pandera_problems(frame: pd.DataFrame, groups: Iterable[str] | None, unparsable: set) -> list[Problem]:
    try:
        _schema(groups).validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    problems = []
    allowed = sorted(groups or [])  # groups; regions are suggested by name or code
    for case in cases.itertuples():
        col, check, value, index = case.column, str(case.check), case.failure_case, case.index
        if index is None or pd.isna(index):
            problems.append(Problem(f"{col}: {check}: {value}"))
            continue
        row = int(index)
        where = _describe(frame, row)
        if check == "multiple_fields_uniqueness":
            if col == "region":  # report a duplicate once, not once per key column
                problems.append(Problem(f"duplicate row for {where}: region, month and group must be unique", row + 1))
        elif check == "not_nullable":
            if (row, col) not in unparsable:  # text that is not a number was reported already
                problems.append(Problem(f"{col} is empty or NaN {where}", row + 1))
        elif check in ("share_60_not_above_share_90",) or "share_60 is above" in check:
            r = frame.loc[row]
            problems.append(Problem(f"share_60 = {r['share_60']} is above share_90 = {r['share_90']} {where}", row + 1))
        else:
            close = suggest_region(value) if col == "region" else closest(value, allowed if col == "group" else [])
            did = f"; did you mean {close}?" if close else ""
            problems.append(Problem(f"{col} = {value!r} {where}: {check}{did}", row + 1))
    return problems


def normalise_panel(raw: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Canonical column types: region codes zero-padded, months ``YYYY-MM``, shares float64."""
    frame = pd.DataFrame(index=raw.index)
    frame["region"] = raw["region"].map(lambda v: None if pd.isna(v) else normalise_code(v)).astype(object)
    months = raw["month"].map(lambda v: None if pd.isna(v) else normalise_month(v))
    for i in raw.index[months.isna() & raw["month"].notna()]:
        problems.append(Problem(f"month = {raw['month'][i]!r} is not a month: write YYYY-MM (or the first day of the month)", i + 1))
    frame["month"] = months.where(months.notna(), raw["month"].astype(object)).astype(object)
    frame["group"] = raw["group"].map(lambda v: None if pd.isna(v) else str(v).strip()).astype(object)
    for col in SHARE_COLUMNS:
        frame[col] = numeric_column(raw, col, problems)
    if "n_waiting" in raw.columns:
        frame["n_waiting"] = numeric_column(raw, "n_waiting", problems).round().astype("Int64")
    for col in raw.columns:
        if col not in frame.columns:
            frame[col] = raw[col]
    return frame


def panel_problems(raw: pd.DataFrame, groups: Iterable[str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Normalise and check a raw panel frame; return the canonical frame and all problems."""
    problems = missing_columns(raw, REQUIRED)
    if problems:
        return None, problems
    raw = raw.reset_index(drop=True)
    frame = normalise_panel(raw, problems)
    unparsable = {(i, c) for c in SHARE_COLUMNS for i in raw.index[frame[c].isna() & raw[c].notna()]}
    problems += _pandera_problems(frame, groups, unparsable)
    return frame, problems


def validate_panel(raw: pd.DataFrame, source: str = "(in memory)", groups: Iterable[str] | None = None) -> pd.DataFrame:
    """Return the canonical frame or raise one :class:`InputError` listing every problem."""
    frame, problems = panel_problems(raw, groups)
    raise_problems(source, "panel", problems, HINT)
    return frame


def read_panel(path: str | Path, groups: Iterable[str] | None = None) -> Panel:
    """Read and validate a panel file (Parquet or CSV)."""
    raw, meta = read_table(path, "panel")
    frame = validate_panel(raw, str(path), groups)
    return Panel(frame, str(path), file_sha256(path), meta)


def as_panel(panel: Panel | pd.DataFrame | str | Path, groups: Iterable[str] | None = None) -> Panel:
    """Accept a :class:`Panel`, a data frame or a path."""
    if isinstance(panel, Panel):
        return panel
    if isinstance(panel, pd.DataFrame):
        return Panel(validate_panel(panel, groups=groups))
    return read_panel(panel, groups)
