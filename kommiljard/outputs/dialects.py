"""CSV in the English or the Swedish dialect, and what a spreadsheet must never run.

- **English** (``en``, the default): ``,`` between fields, a decimal point, every float as
  computed (float64, for programs).
- **Swedish** (``sv``): ``;`` between fields, a decimal comma, UTF-8 with a byte-order mark (so
  that Excel reads å, ä and ö), amounts (``*_sek`` columns) in whole kronor unless ``exact``; for
  people, so the callers give headers and values in words (:func:`kommiljard.outputs.exports.for_people`)
  and, for synthetic data, a first line that says so.

A text cell that a spreadsheet would run as a formula (one starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) gets a leading apostrophe, in every dialect and in workbooks;
numbers stay numbers (a negative amount is a number, never text). Whole kronor are rounded column
by column by largest remainder, so that a column still adds up to its rounded total; callers that
need more (a payout: every cell's paid + lapsed = pot) round before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..language import speaker
from ..money import whole_kronor

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DIALECTS = ("en", "sv")
say = speaker(__package__)


def neutralise(value):
    """A text that a spreadsheet would run as a formula, with a leading apostrophe; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def money_columns(frame: pd.DataFrame) -> list[str]:
    """The amounts of a frame: its numeric ``*_sek`` columns."""
    return [c for c in frame.columns if str(c).endswith("_sek") and pd.api.types.is_numeric_dtype(frame[c])]


def in_whole_kronor(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The frame with its amounts in whole kronor (nullable integers; no data stays empty).

    A column that is not whole already is rounded by largest remainder, so it adds up to its rounded total.
    """
    frame = frame.copy()
    for col in money_columns(frame) if columns is None else columns:
        values = frame[col].to_numpy(np.float64, na_value=np.nan)
        finite = np.isfinite(values)
        whole = values if np.array_equal(values[finite], np.round(values[finite])) else whole_kronor(values)
        frame[col] = pd.array(np.where(finite, whole, 0).astype(np.int64), dtype="Int64")
        frame.loc[~finite, col] = pd.NA
    return frame


def _text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].map(neutralise)
    frame.columns = [neutralise(str(c)) for c in frame.columns]
    return frame


def check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise InputError(say("refuse.dialect", dialect=dialect))
    return dialect


def csv_text(frame: pd.DataFrame, dialect: str = "en", exact: bool = False, note: str | None = None) -> str:
    """The frame as CSV in a dialect (see the module docstring); the Swedish text starts with a byte-order mark
    and, if given, a ``note`` line above the header (what a spreadsheet reader must see first: synthetic data)."""
    if check_dialect(dialect) == "en":
        return _text_cells(frame).to_csv(index=False)
    if not exact:
        frame = in_whole_kronor(frame)
    first = f"{neutralise(note)}\n" if note else ""
    return "\ufeff" + first + _text_cells(frame).to_csv(index=False, sep=";", decimal=",")
