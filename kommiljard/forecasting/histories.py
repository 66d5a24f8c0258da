"""Monthly histories as exported: a panel whose cells may be suppressed or missing.

A history is a panel (region, month, group, share_90, share_60, :mod:`kommiljard.inputs.panel`) of
several years, but a cell that the statistics suppress or lack is a missing value, not an error:
``N`` (Socialstyrelsen's mark for a small count), ``..``, ``-``, ``–``, ``x``, a blank cell and ``<5``
(any ``<`` and a number) are read as NaN, and the fit uses the months that are there. Everything else
is checked as a panel is, and refused with one line per distinct problem: a share that is not a
number, a share outside 0-100, a region, month and group given twice, an unknown region or group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.panel import KEY, SHARE_COLUMNS, Panel, panel_problems
from ..inputs.regions import region_label
from ..inputs.tables import Problem, file_sha256, missing_columns, read_table

SUPPRESSED = re.compile(r"^\s*(n|\.\.|-|–|—|x|<\s*\d+(?:[.,]\d+)?|)\s*$", re.IGNORECASE)
SUPPRESSED_WORDS = "N, .., -, x, a blank cell or <5"
LISTED = 6  # examples named in one line


@dataclass(frozen=True)
class History:
    """A validated history (missing cells NaN) and how many cells were suppressed or empty per measure."""

    panel: Panel
    suppressed: dict[str, int]


def as_history(history: Panel | pd.DataFrame | str | Path, groups: Iterable[str] | None = None) -> History:
    """Read and check a history: a :class:`Panel` is taken as it is (its NaN cells missing); a frame or file
    is read with suppressed cells as NaN, every other problem refused in one :class:`InputError`."""
    if isinstance(history, Panel):
        frame = history.frame
        return History(history, {c: int(frame[c].isna().sum()) for c in SHARE_COLUMNS if c in frame})
    if isinstance(history, pd.DataFrame):
        raw, source, sha, meta = history, "(in memory)", "", {}
    else:
        raw, meta = read_table(history, "history")
        source, sha = str(history), file_sha256(history)
    raw = raw.reset_index(drop=True)
    if missing := missing_columns(raw, KEY + SHARE_COLUMNS):
        raise InputError(f"{source}: the history cannot be read:\n" + "\n".join(f"  - {p}" for p in missing))
    raw, suppressed = _unsuppressed(raw)
    frame, problems = panel_problems(raw, groups, measures=())
    problems = _grouped(frame, problems, raw)
    if problems:
        raise InputError(f"{source}: the history cannot be read:\n" + "\n".join(f"  - {p}" for p in problems))
    return History(Panel(frame, source, sha, meta), suppressed)


def _unsuppressed(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The frame with every suppressed or empty share cell NaN, and how many there were per measure."""
    raw, counts = raw.copy(), {}
    for column in SHARE_COLUMNS:
        values = raw[column]
        marked = values.map(lambda v: isinstance(v, str) and bool(SUPPRESSED.match(v))).astype(bool) | values.isna()
        counts[column] = int(marked.sum())
        raw[column] = values.where(~marked, np.nan)
    return raw, counts


def _grouped(frame: pd.DataFrame | None, problems: list[Problem], raw: pd.DataFrame) -> list[str]:
    """The panel's problems, one line per distinct problem: duplicates by month, shares outside 0-100 and values
    that are not numbers each gathered, the rest as they are."""
    dupes = [p for p in problems if p.message.startswith("duplicate row")]
    ranges = [p for p in problems if "outside 0-100" in p.message]
    numbers = [p for p in problems if "is not a number" in p.message]
    rest = [p for p in problems if p not in dupes and p not in ranges and p not in numbers]
    lines = []
    if dupes and frame is not None:
        twice = frame[frame.duplicated(KEY, keep=False)].drop_duplicates(KEY)
        months = sorted(set(twice["month"]))
        cells = [f"{region_label(r)} {g} {m}" for r, g, m in zip(twice["region"], twice["group"], twice["month"])]
        lines.append(
            f"duplicate rows: {len(months)} month(s) given more than once for some region and group "
            f"({_listed(months)}; {len(cells)} cell(s), e.g. {_listed(cells)}): a history has one row per region, "
            "month and group"
        )
    if ranges:
        lines.append(
            f"{len(ranges)} share(s) outside 0-100, e.g. {_listed([p.render() for p in ranges])}: shares are "
            "percentages"
        )
    if numbers:
        lines.append(
            f"{len(numbers)} share(s) that are not numbers, e.g. {_listed([p.render() for p in numbers])}: "
            f"write the share in percent, or a suppressed cell as {SUPPRESSED_WORDS}"
        )
    return lines + [p.render() for p in rest]


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown + (f" and {len(items) - LISTED} more" if len(items) > LISTED else "")
