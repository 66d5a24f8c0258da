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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.panel import KEY, SHARE_COLUMNS, Panel, panel_problems
from ..inputs.regions import region_label
from ..inputs.tables import Problem, file_sha256, missing_columns, read_table
from ..kinds.naming import measure_name
from ..language import speaker, speaking, spoken
from ..money import format_number
from ..outputs.wording import group_name

say = speaker(__package__)

SUPPRESSED = re.compile(r"^\s*(n|\.\.|-|–|—|x|<\s*\d+(?:[.,]\d+)?|)\s*$", re.IGNORECASE)
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
    if missing := missing_columns(raw, KEY):
        raise InputError(say("refuse.history_unreadable", source=source, lines=lines(missing)))
    if lacking := [c for c in SHARE_COLUMNS if c not in raw.columns]:
        raise InputError(say("refuse.history_no_shares", source=source, lacking=joined(typed_each(lacking), "or"),
                             present=", ".join(typed_each(map(str, raw.columns)))))  # fmt: skip
    raw, suppressed = _unsuppressed(raw)
    frame, problems = panel_problems(raw, groups, measures=())
    if problems:
        problems = _grouped(frame, problems, raw, groups)
        raise InputError(say("refuse.history_unreadable", source=source, lines=lines(problems)))
    return History(Panel(frame, source, sha, meta), suppressed)


def lines(problems: Iterable) -> str:
    """Problems one a line, each under the heading that names the file."""
    return "\n".join(say("problem_line", problem=p.render() if isinstance(p, Problem) else p) for p in problems)


def listed(items: Sequence[str], limit: int = LISTED) -> str:
    """``a, b, c and 3 more``: the first ``limit`` items, in the language spoken."""
    shown = ", ".join(items[:limit])
    return shown + (say("and_more", n=len(items) - limit) if len(items) > limit else "")


def joined(items: Iterable[str], word: str = "and") -> str:
    """``a and b`` (``word``: ``and`` or ``or``), in the language spoken."""
    return say(word).join(items)


def check_forecastable(measures: Iterable[str], rules: str) -> None:
    """Refuse rules that pay on measures other than the shares a fitted forecast draws."""
    if other := [m for m in measures if m not in SHARE_COLUMNS]:
        named = joined([measure_name(m, spoken()) for m in other])
        raise InputError(say("refuse.rules_not_shares", rules=rules, measures=named))


def typed_each(values: Iterable[str]) -> list[str]:
    """Values as a user types them (a file's column, a group's code), each quoted."""
    return [f"'{v}'" for v in values]


def group_word(group: str) -> str:
    """A group as a message names it, in the language spoken: ``first visits``, ``operationer``."""
    return group_name(group, spoken(), short=True)


def cell_text(region: str, group: str, month: str) -> str:
    """A region's group and month as a message names them: ``06 Jönköping operations and treatments 2019-10``."""
    return f"{region_label(region)} {group_name(group, spoken())} {month}"


def _unsuppressed(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The frame with every suppressed or empty share cell NaN, and how many there were per measure."""
    raw, counts = raw.copy(), {}
    for column in SHARE_COLUMNS:
        values = raw[column]
        marked = values.map(lambda v: isinstance(v, str) and bool(SUPPRESSED.match(v))).astype(bool) | values.isna()
        counts[column] = int(marked.sum())
        raw[column] = values.where(~marked, np.nan)
    return raw, counts


def _grouped(frame: pd.DataFrame | None, problems: list[Problem], raw: pd.DataFrame, groups) -> list[str]:
    """The panel's problems, one line per distinct problem: duplicates by month, shares outside 0-100 and values
    that are not numbers each gathered, the rest as they are. The kind of each problem is read from its English
    text (the same problems, in the same order, said in English when another language is spoken)."""
    english = problems
    if spoken() != "en":
        with speaking("en"):
            english = panel_problems(raw, groups, measures=())[1]
    kinds = [_kind(e.message) for e in english] if len(english) == len(problems) else [None] * len(problems)
    dupes, ranges, numbers, unknown, rest = ([p for p, k in zip(problems, kinds) if k == kind] for kind in _KINDS)
    out = []
    if dupes and frame is not None:
        twice = frame[frame.duplicated(KEY, keep=False)].drop_duplicates(KEY)
        months = sorted(set(twice["month"]))
        cells = [cell_text(r, g, m) for r, g, m in zip(twice["region"], twice["group"], twice["month"])]
        out.append(say("refuse.history_duplicates", months=len(months), listed=listed(months), cells=len(cells),
                       examples=listed(cells)))  # fmt: skip
    if ranges:
        out.append(say("refuse.history_outside", n=len(ranges), examples=listed([p.render() for p in ranges])))
    if numbers:
        examples = listed([p.render() for p in numbers])
        suppressed = say("suppressed_words")
        out.append(say("refuse.history_not_numbers", n=len(numbers), examples=examples, suppressed=suppressed))
    if len(unknown) > LISTED:  # a few are listed by row, with the group they may mean; many are gathered
        out.append(_unknown_groups(raw, groups, len(unknown)))
    else:
        rest = [p for p, k in zip(problems, kinds) if k in ("group", None)]
    return out + [p.render() for p in rest]


_KINDS = ("duplicate", "outside", "number", "group", None)


def _unknown_groups(raw: pd.DataFrame, groups, n: int) -> str:
    """One line for every row whose group the history may not hold: the groups found, and those it may."""
    wanted = set(groups or ())
    found = raw["group"].dropna().astype(str)
    strange = sorted(set(found[~found.isin(wanted)]))
    allowed = joined([f"{group_word(g)} ('{g}')" for g in sorted(wanted)], "or")
    return say("refuse.history_groups", n=format_number(n, lang=spoken()), found=listed(typed_each(strange)),
               allowed=allowed)  # fmt: skip


def _kind(message: str) -> str | None:
    """Which of the gathered problems an (English) problem is: a duplicate, a share outside 0-100, not a number."""
    if message.startswith("duplicate row"):
        return "duplicate"
    if "outside 0-100" in message:
        return "outside"
    if message.endswith("unknown group") or "unknown group;" in message:
        return "group"
    return "number" if "is not a number" in message else None
