"""Excel workbooks that people forward and print: one sheet per table, in English or Swedish.

Each table sheet has its title (and, for synthetic data, a red line that says so) above a bold, shaded,
frozen header row in the chosen language (frozen key columns too), amounts in whole kronor with a
thousands format (``#,##0``) or in mnkr (``#,##0.0,,``: the cell keeps its kronor, the format shows
millions), shares with one decimal, chances in percent, a total row where a sum means something, values
only (no formulas; text that a spreadsheet would run is neutralised, see
:mod:`~kommiljard.outputs.dialects`). Every sheet prints on A4: fitted to the page's width, in landscape
when wide, its header repeated on every page, the sheet's title and the page number in the page
header and footer. The last sheet, "About the data", says whether the data are synthetic, what the
rule set is and where its numbers come from, and the provenance; it is written with the data, atomically.
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
from .wording import column_header, provenance_rows, readable, word

KRONOR_FORMAT = "#,##0"
MNKR_FORMAT = "#,##0.0,,"  # kronor shown in millions, one decimal
SHARE_FORMAT = "0.0"
CHANCE_FORMAT = "0.0%"
COUNT_FORMAT, FRACTION_FORMAT = "#,##0", "#,##0.00"  # counts (people, operations); a count's mean (a baseline)
MAX_WIDTH = 42  # characters: a longer text wraps in its cell
LANDSCAPE_FROM = 95  # characters of column widths: wider tables print in landscape
HEAD_FILL, TOTAL_FILL, WARN = "DCE6F1", "F2F2F2", "A11D1D"


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a table (columns as the code names them), its amounts in kronor (``*_sek``
    unless given) and in mnkr, percent columns (values 0-100), counts (operations, people), columns whose 0-1
    values are chances, how many
    leading columns to freeze, lines of text above the table (what it is; no data), the column that says
    "total" in a total row (None: no total row), and the rules whose words name the routes."""

    name: str
    frame: pd.DataFrame
    money: Sequence[str] | None = None
    percent: Sequence[str] = ()
    counts: Sequence[str] = ()
    chance: Sequence[str] = ()
    keys: int = 1
    notes: Sequence[str] = ()
    widths: dict[str, int] = field(default_factory=dict)
    mnkr: Sequence[str] = ()
    total: str | None = None
    rules: object = None


def about_sheet(provenance: dict, lang: str = "en", rules=None) -> Sheet:
    """The sheet of its own that says what the data are: synthetic or not, the rule set and its sources, and the
    provenance as readable rows."""
    rows: list[tuple[str, str]] = []
    if is_synthetic(provenance):
        rows.append((word("about_data", lang), word("synthetic_banner", lang)))
    if rules is not None:
        from ..rules.texts import text_in

        rs = rules.ruleset
        rows += [
            (word("rules_title", lang).split(":")[0], f"{rs.title} ({rules.id}, {word('version', lang)} {rs.version})"),
            (word("agreement_word", lang), text_in(rs.agreement, lang)),
            (word("source_word", lang), text_in(rs.source, lang)),
            (word("total_word", lang), text_in(rs.total_source, lang)),
        ]
    rows += provenance_rows(provenance, lang, known_only=True)
    rows.append(("JSON", json.dumps(provenance, ensure_ascii=False, default=str)))  # everything, for programs
    frame = pd.DataFrame(rows, columns=["what", "value"])
    return Sheet(word("about_sheet", lang), frame, money=[], widths={"what": 30, "value": 100})


def is_synthetic(provenance: dict) -> bool:
    """Whether a provenance says its data are synthetic (a panel's mark, a sweep's scenario, a history's)."""
    panel = provenance.get("panel") if isinstance(provenance.get("panel"), dict) else {}
    return bool(panel.get("synthetic") or provenance.get("synthetic_panel") or provenance.get("synthetic"))


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


def _table(sheet: Sheet, lang: str) -> tuple[pd.DataFrame, list[str], list[str | None]]:
    """The sheet's table as written: amounts in whole kronor, a total row, values in words; its headers in the
    language and every column's number format."""
    money = money_columns(sheet.frame) if sheet.money is None else list(sheet.money)
    frame = in_whole_kronor(sheet.frame, money)
    if sheet.total is not None and len(frame):
        sums = {c: frame[c].sum() for c in [*money, *sheet.mnkr]}
        frame = pd.concat([frame, pd.DataFrame([{sheet.total: word("total", lang), **sums}])], ignore_index=True)
    formats = [
        KRONOR_FORMAT if c in money
        else MNKR_FORMAT if c in sheet.mnkr
        else CHANCE_FORMAT if c in sheet.chance
        else SHARE_FORMAT if c in sheet.percent
        else _count_format(frame[c]) if c in sheet.counts
        else None
        for c in frame.columns
    ]  # fmt: skip
    units = [", kr" if c in money else ", mnkr" if c in sheet.mnkr else "" for c in frame.columns]
    headers = [column_header(str(c), lang) for c in frame.columns]
    headers = [h if h.endswith(unit) else h + unit for h, unit in zip(headers, units)]
    return readable(frame, lang, sheet.rules), headers, formats


def _count_format(column: pd.Series) -> str:
    """Whole counts with thousands separators; two decimals where a count is a mean (a baseline of 61 139,33)."""
    numbers = pd.to_numeric(column, errors="coerce").dropna()
    return COUNT_FORMAT if (numbers == numbers.round()).all() else FRACTION_FORMAT


def _fill(ws, sheet: Sheet, lang: str, synthetic: bool) -> None:
    """Write one sheet: its notes, header, rows, formats, widths, frozen panes and print setup."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    frame, headers, formats = _table(sheet, lang)
    notes = [*([word("synthetic_sheet", lang)] if synthetic else []), *sheet.notes]
    for note in notes:
        ws.append([_cell_value(note)])
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=False, vertical="top")
    if synthetic:
        ws.cell(row=1, column=1).font = Font(bold=True, color=WARN)
    head = len(notes) + 1 + bool(notes)  # the header's row, after the notes and a blank row
    if notes:
        ws.append([])
    ws.append([_cell_value(h) for h in headers])
    for cell in ws[head]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEAD_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    money = [f == KRONOR_FORMAT for f in formats]
    originals = sheet.frame.to_dict("records")  # the rows as computed (the total row after them)
    for i, row in enumerate(frame.itertuples(index=False)):
        values = [_cell_value(v) for v in row]
        # an amount without data says so in words: never an empty cell a reader could take for 0; in a row that has
        # its data (``data`` ok, ``no_data`` 0), an amount its block's kind does not have is "-" (not applicable)
        missing = "-" if i >= len(originals) or _has_data(originals[i]) else NO_DATA[lang]
        ws.append([missing if v is None and m else v for v, m in zip(values, money)])
    if sheet.total is not None and len(frame):
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=TOTAL_FILL)
            cell.border = Border(top=Side(style="thin"))
    widths = _formats_and_widths(ws, sheet, head, headers, formats)
    _wrap_notes(ws, len(notes), widths)
    ws.freeze_panes = ws.cell(row=head + 1, column=min(sheet.keys, len(headers)) + 1)
    _print_setup(ws, sheet.name, head, sum(widths), lang, synthetic)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _wrap_notes(ws, rows: int, widths: list[int]) -> None:
    """The lines above the table wrapped across the table's width (merged cells): a long note neither widens the
    printed page nor runs off it."""
    from openpyxl.styles import Alignment

    span, total = max(len(widths), 1), max(sum(widths), 20)
    for row in range(1, rows + 1):
        text = str(ws.cell(row=row, column=1).value or "")
        if span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 15 * max(1, -(-len(text) // int(total * 1.1)))


def _formats_and_widths(ws, sheet: Sheet, head: int, headers: list[str], formats: list[str | None]) -> list[int]:
    """Each column's number format and width (its content, at most :data:`MAX_WIDTH`; longer text wraps)."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths = []
    for j, (header, fmt) in enumerate(zip(headers, formats), start=1):
        column = list(ws.iter_rows(min_row=head + 1, min_col=j, max_col=j))
        texts = [str(c.value) for (c,) in column if c.value is not None and not (fmt and _is_number(c.value))]
        longest = max([len(t) for t in texts] + [max((len(w) for w in header.split()), default=4), 4])
        for (cell,) in column:
            if fmt and _is_number(cell.value):
                cell.number_format = fmt
                cell.alignment = Alignment(horizontal="right")
                shown = len(f"{abs(int(cell.value)):,}") + 2 + 3 * (fmt == FRACTION_FORMAT) if fmt != MNKR_FORMAT else 8
                longest = max(longest, shown)
            elif isinstance(cell.value, str) and len(cell.value) > MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        name = str(sheet.frame.columns[j - 1]) if j - 1 < len(sheet.frame.columns) else ""
        width = sheet.widths.get(name, min(MAX_WIDTH, longest + 2))
        ws.column_dimensions[get_column_letter(j)].width = width
        widths.append(width)
    return widths


def _print_setup(ws, title: str, head: int, width: int, lang: str, synthetic: bool) -> None:
    """A4, fitted to the page's width (as many pages down as needed), landscape when wide, the header row on
    every page, the title (and the synthetic mark) in the page header, the page number in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if width > LANDSCAPE_FROM else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{head}:{head}"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.left.text = title.replace("&", "&&")
    if synthetic:
        ws.oddHeader.right.text = word("synthetic_short", lang)
        ws.oddHeader.right.color = WARN
    ws.oddFooter.right.text = word("page_of", lang, page="&P", pages="&N")
    ws.print_options.gridLines = False


def write_workbook(
    path: str | Path, sheets: Sequence[Sheet], provenance: dict | None = None, lang: str = "en", rules=None
) -> Path:
    """Write an ``.xlsx`` workbook atomically: the sheets, then (if given) "About the data" with the provenance
    (and ``rules``' sources), every text in ``lang``."""
    from openpyxl import Workbook

    path = Path(path)
    synthetic = is_synthetic(provenance or {})
    wb = Workbook()
    wb.remove(wb.active)
    about = [about_sheet(provenance, lang, rules)] if provenance is not None else []
    for sheet in [*sheets, *about]:
        _fill(wb.create_sheet(sheet.name[:31]), sheet, lang, synthetic and all(sheet is not a for a in about))
    buffer = io.BytesIO()  # the zip archive is made in memory: a full disk fails the plain write below, cleanly
    wb.save(buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return path
