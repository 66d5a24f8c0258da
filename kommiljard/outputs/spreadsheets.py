"""Excel workbooks that people forward: one sheet per table, a bold frozen header row (and frozen key
columns), column widths set to the content, amounts in whole kronor with a thousands format, values
only (no formulas; text that a spreadsheet would run is neutralised, see
:mod:`~kommiljard.outputs.dialects`), and a provenance sheet in the same file, so that the data and
their provenance are written together, atomically.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..money import NO_DATA
from .dialects import in_whole_kronor, money_columns, neutralise
from .files import atomic_path

KRONOR_FORMAT = "#,##0"
MAX_WIDTH = 60


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a table, its amounts (``*_sek`` unless given), percent columns
    (values 0-100), columns whose 0-1 values are chances, how many leading columns to freeze, and
    lines of text above the table (what it is; SYNTHETIC; no data)."""

    name: str
    frame: pd.DataFrame
    money: Sequence[str] | None = None
    percent: Sequence[str] = ()
    chance: Sequence[str] = ()
    keys: int = 1
    notes: Sequence[str] = ()
    widths: dict[str, int] = field(default_factory=dict)


def _flatten(data: dict, prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += _flatten(value, f"{name}.")
        elif value not in ({}, None, "", []):
            rows.append((name, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    return rows


def provenance_sheet(provenance: dict) -> Sheet:
    """Provenance as ``what``/``value`` rows (nested keys joined by dots; empty values left out)."""
    return Sheet("Provenance", pd.DataFrame(_flatten(provenance), columns=["what", "value"]), money=[])


def _has_data(row: dict) -> bool:
    """Whether a row of the engine's tables says it has its data (a payout row's ``data``, a cell's ``no_data``)."""
    return row.get("data") == "ok" or ("no_data" in row and row["no_data"] == 0)


def _cell_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _fill(ws, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    money = money_columns(sheet.frame) if sheet.money is None else list(sheet.money)
    frame = in_whole_kronor(sheet.frame, money)
    columns = list(frame.columns)
    for note in sheet.notes:
        ws.append([_cell_value(note)])
    head = len(sheet.notes) + 1 + bool(sheet.notes)  # the header's row, after the notes and a blank row
    if sheet.notes:
        ws.append([])
    ws.append([_cell_value(str(c)) for c in columns])
    for cell in ws[head]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False):
        values = [_cell_value(v) for v in row]
        # an amount without data says so in words: never an empty cell a reader could take for 0; in a row that has
        # its data (``data`` ok, ``no_data`` 0), an amount its block's kind does not have is "-" (not applicable)
        missing = "-" if _has_data(dict(zip(columns, row))) else NO_DATA["en"]
        values = [missing if v is None and c in money else v for c, v in zip(columns, values)]
        ws.append(values)
    for j, col in enumerate(columns, start=1):
        fmt = (
            KRONOR_FORMAT
            if col in money
            else "0.0%"
            if col in sheet.chance
            else "0.0"
            if col in sheet.percent
            else None
        )
        texts = [str(col)] + [
            str(c.value) for (c,) in ws.iter_rows(min_row=head + 1, min_col=j, max_col=j) if c.value is not None
        ]
        longest = max((len(t) for t in texts), default=8)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=head + 1, min_col=j, max_col=j):
                if isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
                    cell.alignment = Alignment(horizontal="right")
            longest = max(longest, len(f"{10 ** (longest - 1):,}") if col in money else longest)
        ws.column_dimensions[get_column_letter(j)].width = sheet.widths.get(col, min(MAX_WIDTH, longest + 2))
    ws.freeze_panes = ws.cell(row=head + 1, column=min(sheet.keys, len(columns)) + 1)


def write_workbook(path: str | Path, sheets: Sequence[Sheet], provenance: dict | None = None) -> Path:
    """Write an ``.xlsx`` workbook atomically: the sheets, then (if given) the provenance sheet."""
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in [*sheets, *([provenance_sheet(provenance)] if provenance is not None else [])]:
        _fill(wb.create_sheet(sheet.name[:31]), sheet)
    buffer = io.BytesIO()  # the zip archive is made in memory: a full disk fails the plain write below, cleanly
    wb.save(buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return path
