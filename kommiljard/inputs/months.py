"""Months as the inputs write them (``2019-09``, ``sep 2019``, ``okt. 2019``, a date on the first), read as
``YYYY-MM``; and moving a month by whole months."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

MONTH_WORDS = {
    1: ("januari", "january", "jan"),
    2: ("februari", "february", "feb"),
    3: ("mars", "march", "mar"),
    4: ("april", "apr"),
    5: ("maj", "may"),
    6: ("juni", "june", "jun"),
    7: ("juli", "july", "jul"),
    8: ("augusti", "august", "aug"),
    9: ("september", "sept", "sep"),
    10: ("oktober", "october", "okt", "oct"),
    11: ("november", "nov"),
    12: ("december", "dec"),
}
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


def month_runs(months) -> list[list[str]]:
    """Months (``YYYY-MM``) sorted, as runs of consecutive months: ``[["2022-02", …, "2022-10"], ["2023-02", …]]``."""
    runs: list[list[str]] = []
    for month in sorted(set(months)):
        if runs and shift_month(runs[-1][-1], 1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return runs


def runs_text(months) -> str:
    """Months as their runs, written as they are: ``2022-02–2022-10, 2023-02–2023-10``; a lone month by itself."""
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in month_runs(months))


__all__ = ["MONTH_WORDS", "month_runs", "normalise_month", "runs_text", "shift_month"]
