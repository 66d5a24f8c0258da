"""The cells of an export file as a spreadsheet program shows them, and problems located in them.

A :class:`Grid` is the rows of one CSV file or one workbook sheet. ``rows[i]`` is the row the
user sees as row ``i + 1`` (title lines and blank lines count), so a problem can name the row
and the column letter the user finds in Excel or LibreOffice.

CSV files may be separated by ``;``, tabs or ``,`` and encoded as UTF-8 (with or without a
byte-order mark), UTF-16 (Excel's "Unicode text") or Windows-1252 (Excel's CSV on a Swedish
Windows). A workbook's percent-formatted cells (``0.812`` shown as ``81,2 %``) are read as
percent (``81.2``). A Parquet file is read as a table with its column names in row 1.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl.utils import get_column_letter

from ..errors import InputError, closest
from ..language import speaker
from .tables import MAX_COLLECTED_PROBLEMS, MAX_LISTED_PROBLEMS, check_input_file

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = ";\t,"  # in order of preference when as many lines use two of them
DELIMITER_NAMES = {";": "';'", "\t": "tab", ",": "','"}
ZIP_MAGIC, OLE_MAGIC, PARQUET_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"PAR1"
MAX_CELL_CHARS = 100_000  # a cell of an export holds a name, a month or a number; the csv module stops at 131 072
MAX_SHEET_BYTES = 50_000_000  # a sheet's XML, inflated: about half a million cells, read in about ten seconds
say = speaker(__package__)


@dataclass(frozen=True)
class Grid:
    """The rows of cells of one CSV file or workbook sheet; ``rows[i]`` is spreadsheet row ``i + 1``."""

    source: str  # the file as the user named it
    rows: list[list[object]]
    kind: str  # how it was read, e.g. "CSV (';', UTF-8)" or "xlsx, sheet 'Data'"
    notes: tuple[str, ...] = ()  # what the file says about itself outside its cells (a Parquet panel's metadata)
    sheet: str | None = None  # a workbook's sheet

    def cell(self, row: int, column: int | None) -> object:
        """The value at 0-based ``row``, ``column``: text stripped, None if empty or absent."""
        if column is None or row >= len(self.rows) or column >= len(self.rows[row]):
            return None
        value = self.rows[row][column]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, row: int, column: int | None) -> str:
        """The cell as text (``""`` if empty); whole floats without ``.0``."""
        return as_text(self.cell(row, column))

    def blank(self, row: int) -> bool:
        return all(self.cell(row, c) is None for c in range(len(self.rows[row])))

    def filled(self, row: int) -> list[int]:
        """The columns of ``row`` that hold something."""
        return [c for c in range(len(self.rows[row])) if self.cell(row, c) is not None]


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def place(row: int | None, column: int | None = None, header: str | None = None) -> str:
    """``row 7, column D ('September 2025')`` for 0-based ``row`` and ``column``."""
    parts = [] if row is None else [say("place.row", row=row + 1)]
    if column is not None:
        parts.append(say("place.column", column=get_column_letter(column + 1)) + (f" ({header!r})" if header else ""))
    return ", ".join(parts)


@dataclass(frozen=True)
class Issue:
    """One problem with an export, located as the user sees the file (0-based ``row``/``column``)."""

    message: str
    source: str = ""  # empty: a problem between files, whose message names them
    row: int | None = None
    column: int | None = None
    header: str | None = None

    def render(self) -> str:
        where = place(self.row, self.column, self.header)
        return f"{where}: {self.message}" if where else self.message


class Issues(list):
    """Issues collected up to :data:`~kommiljard.inputs.tables.MAX_COLLECTED_PROBLEMS`; beyond, only counted
    (``more``), so that a file with a million bad cells is refused as fast as it is read, in bounded memory."""

    def __init__(self, issues=()):
        super().__init__()
        self.more = 0
        self += issues

    @property
    def full(self) -> bool:
        return len(self) >= MAX_COLLECTED_PROBLEMS

    def append(self, issue: Issue) -> None:
        if self.full:
            self.more += 1
        else:
            super().append(issue)

    def __iadd__(self, issues):
        for issue in issues:
            self.append(issue)
        self.more += getattr(issues, "more", 0)
        return self


def raise_issues(issues: list[Issue], hint: str) -> None:
    """One :class:`InputError` listing every issue under the file it is in (nothing if there are none); of many,
    the first few, and how many more."""
    if not issues:
        return
    uncollected = getattr(issues, "more", 0)
    issues = list(dict.fromkeys(issues))
    count = len(issues) + uncollected
    files = list(dict.fromkeys(i.source for i in issues))
    key = {source: n for n, source in enumerate(files)}
    issues.sort(key=lambda i: (key[i.source], i.row is not None, i.row or 0, i.column or 0, i.message))
    shown = issues[:MAX_LISTED_PROBLEMS]
    if files == [issues[0].source] and issues[0].source:
        head = say("refuse.file_problems", source=issues[0].source, n=count)
        lines = [f"  - {i.render()}" for i in shown]
    else:
        head = say("refuse.exports_problems", n=count)
        lines = []
        for source in dict.fromkeys(i.source for i in shown):
            indent = "  - " if not source else "    - "
            if source:
                lines.append(f"  {source}:")
            lines += [f"{indent}{i.render()}" for i in shown if i.source == source]
    if count > len(shown):
        lines.append(say("and_more", n=count - len(shown)))
    raise InputError("\n".join([head, *lines, hint]))


def read_grids(path: Path, sheet: str | None = None) -> list[Grid]:
    """The grids of a file: one for a CSV or Parquet file; each sheet of a workbook (only ``sheet`` if given)."""
    check_input_file(path, "export")
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        raise InputError(say("refuse.xls", path=path))
    if suffix in XLSX_SUFFIXES or (head.startswith(ZIP_MAGIC) and suffix in CSV_SUFFIXES):
        if not head.startswith(ZIP_MAGIC):
            raise InputError(say("refuse.not_a_workbook", path=path))
        return _workbook_grids(path, sheet)
    if suffix == ".parquet":
        return [_parquet_grid(path)]
    if suffix not in CSV_SUFFIXES:
        raise InputError(say("refuse.export_suffix", path=path, given=repr(suffix) if suffix else say("no_suffix")))
    return [_csv_grid(path)]


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with; binary content is an InputError."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    binary = say("refuse.binary", path=path)
    if b"\x00" in raw[:65536]:
        raise InputError(binary)
    try:
        text, encoding = raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            raise InputError(binary) from None
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n\f")
    if controls > max(2, len(text[:65536]) // 200):
        raise InputError(binary)
    return text, encoding


def _delimiter(lines: list[str]) -> str | None:
    """The separator that splits the most lines into the same number (more than one) of cells.

    Counting lines that contain a character would not do: decimal commas put ``,`` on nearly
    every line of a ``;``-separated export. None if no separator splits at least half of the
    lines alike (a one-column file).
    """
    lines = [line for line in lines[:500] if line.strip() and len(line) <= MAX_CELL_CHARS]  # longer: refused later
    best, best_score = None, 0
    for delimiter in DELIMITERS:  # on equal scores the first wins: ';' before tab before ','
        try:
            widths = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter))
        except csv.Error:  # a quote that opens a field running past the lines sniffed
            continue
        score = max((n for width, n in widths.items() if width > 1), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best if 2 * best_score >= len(lines) else None


def _csv_grid(path: Path) -> Grid:
    text, encoding = _decode(path, path.read_bytes())
    if not text.strip():
        raise InputError(say("refuse.empty_file", path=path))
    lines = text.splitlines()
    delimiter = _delimiter(lines)
    if delimiter is None:
        rows = [[line] for line in lines]
        kind = say("read.csv_one_column", encoding=encoding)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = []
        try:
            rows.extend(reader)
        except csv.Error as exc:  # a cell longer than the csv module's limit, or a stray NUL
            raise InputError(_unreadable_row(path, lines, len(rows), delimiter, exc)) from None
        shown = say("read.tab") if delimiter == "\t" else DELIMITER_NAMES[delimiter]
        kind = say("read.csv", delimiter=shown, encoding=encoding)
    _check_cell_sizes(path, rows)
    return Grid(str(path), rows, kind)


def _check_cell_sizes(path: Path, rows: list[list[object]]) -> None:
    """Refuse a cell longer than ``MAX_CELL_CHARS``, naming it: no export has one, and reading on would only
    spend time and memory on it."""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise InputError(_long_cell(path, r, c, len(value)))


def _long_cell(path: Path, row: int, column: int | None, length: int | None) -> str:
    size = say("characters", n=f"{length:,}".replace(",", " ")) if length else say("too_many_characters")
    most = f"{MAX_CELL_CHARS:,}".replace(",", " ")
    return say("refuse.long_cell", path=path, place=place(row, column), size=size, most=most)


def _unreadable_row(path: Path, lines: list[str], done: int, delimiter: str, exc: csv.Error) -> str:
    """Where the csv module stopped (the row after the ``done`` rows read) and why, said as a spreadsheet would."""
    if "field larger than field limit" not in str(exc):
        return say("refuse.unreadable_row", path=path, row=done + 1, exc=exc)
    line = lines[done] if done < len(lines) else ""
    fields = line.split(delimiter)
    column = next((c for c, field in enumerate(fields) if len(field) > MAX_CELL_CHARS), None)
    return _long_cell(path, done, column, len(fields[column]) if column is not None else None)


def _check_workbook_size(path: Path) -> None:
    """Refuse a workbook whose sheets (or shared texts) would inflate to more than ``MAX_SHEET_BYTES`` of XML,
    before reading any: the sizes are in the zip archive's directory."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = _sheet_names(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(say("refuse.unreadable_workbook", path=path, exc=exc)) from None
    total = sum(m.file_size for m in members)
    for m in members:
        if (m.filename.startswith("xl/worksheets/") or m.filename == "xl/sharedStrings.xml") and (
            m.file_size > MAX_SHEET_BYTES or total > 4 * MAX_SHEET_BYTES
        ):
            what = say("sheet", name=repr(names[m.filename])) if m.filename in names else m.filename
            mb = {k: f"{v / 1e6:,.0f}".replace(",", " ") for k, v in (("size", m.file_size), ("total", total))}
            most = f"{MAX_SHEET_BYTES / 1e6:.0f}"
            raise InputError(say("refuse.large_sheet", path=path, what=what, **mb, most=most))


def _sheet_names(archive) -> dict[str, str]:
    """Member (``xl/worksheets/sheet1.xml``) -> the sheet's name, from the workbook's own index."""
    import xml.etree.ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        sheets = ET.fromstring(archive.read("xl/workbook.xml")).find("m:sheets", ns)
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return {}
    targets = {r.get("Id"): "xl/" + r.get("Target", "").lstrip("/").removeprefix("xl/") for r in rels}
    return {targets[s.get(rel)]: s.get("name") for s in (sheets or []) if s.get(rel) in targets}


def _workbook_grids(path: Path, sheet: str | None) -> list[Grid]:
    from openpyxl import load_workbook

    _check_workbook_size(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            book = load_workbook(path, data_only=True)
    except Exception as exc:
        raise InputError(say("refuse.unreadable_workbook", path=path, exc=f"{type(exc).__name__}: {exc}")) from None
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        close = closest(sheet, names)
        did = say("refuse.did_you_mean", close=repr(close)) if close else ""
        raise InputError(say("refuse.no_sheet", path=path, sheet=repr(sheet), did=did, sheets=", ".join(names)))
    grids = []
    for name in [sheet] if sheet is not None else names:
        rows = []
        for row in book[name].iter_rows(min_row=1, min_col=1):
            values = [_cell_value(cell) for cell in row]
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        grids.append(Grid(str(path), rows, say("read.xlsx", sheet=repr(name)), sheet=name))
    return grids


def _cell_value(cell) -> object:
    """A workbook cell's value; a number shown as a percentage is read in percent (0.812 -> 81.2)."""
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return float(Decimal(repr(value)) * 100)
    return value


def _parquet_grid(path: Path) -> Grid:
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        frame = table.to_pandas()
    except Exception as exc:
        raise InputError(say("refuse.unreadable_parquet", path=path, exc=f"{type(exc).__name__}: {exc}")) from None
    rows = [list(map(str, frame.columns))]
    rows += [[None if pd.isna(v) else v for v in r] for r in frame.astype(object).itertuples(index=False)]
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items() if k.startswith(b"kommiljard.")}
    notes = [meta["kommiljard.description"]] if "kommiljard.description" in meta else []
    if meta.get("kommiljard.synthetic") == "true":
        notes.append(say("read.synthetic_metadata"))
    return Grid(str(path), rows, "Parquet", tuple(notes))
