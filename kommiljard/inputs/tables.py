"""Reading tabular input files (Parquet or CSV) and reporting every problem at once."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..errors import InputError
from ..language import speaker, words_of

say = speaker(__package__)

MAX_LISTED_PROBLEMS = 40
MAX_COLLECTED_PROBLEMS = 300  # beyond, problems are only counted: reading a bad file stays as fast as a good one


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input table; ``row`` counts data rows from 1."""

    message: str
    row: int | None = None

    def render(self) -> str:
        return say("row_problem", row=self.row, message=self.message) if self.row is not None else self.message


def raise_problems(source: str, what: str, problems: list[Problem], hint: str) -> None:
    """Raise one :class:`InputError` that lists every problem (nothing if there are none)."""
    if not problems:
        return
    # the table's problems first, in the order found (a hint follows what it is about), then the rows' by row
    problems = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))
    lines = [f"  - {p.render()}" for p in problems[:MAX_LISTED_PROBLEMS]]
    if len(problems) > MAX_LISTED_PROBLEMS:
        lines.append(say("and_more", n=len(problems) - MAX_LISTED_PROBLEMS))
    head = say("refuse.table_problems", source=source, what=noun(what), n=len(problems))
    raise InputError("\n".join([head, *lines, hint]))


def noun(what: str) -> str:
    """What a file or table is (``panel``, ``population table``) in the spoken language; a caller's own words as
    they are."""
    key = f"noun.{what}"
    return say(key) if key in words_of(__package__) else what


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_input_file(path: str | Path, what: str) -> Path:
    """``path`` if it is a file that can be read; else a message that says what it is instead."""
    path = Path(path)
    if path.is_dir():
        raise InputError(say("refuse.a_directory", path=path, what=noun(what)))
    if not path.is_file():
        key = "refuse.no_such_file" if not path.exists() else "refuse.not_a_regular_file"
        raise InputError(say(key, path=path, what=noun(what)))
    if not os.access(path, os.R_OK):
        raise InputError(say("refuse.no_permission", path=path, what=noun(what)))
    return path


def read_table(path: str | Path, what: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a Parquet or CSV file as text-preserving columns; return it and its metadata."""
    path = check_input_file(path, what)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            with pq.ParquetFile(path) as file:  # one file: read_table's dataset machinery costs a command 6 ms
                table = file.read()
            meta = {
                k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items() if k.startswith(b"kommiljard.")
            }
            df = table.to_pandas()
        elif suffix in (".csv", ".txt"):
            data = path.read_bytes()
            df = _read_csv(data)
            _check_line_breaks(data, len(df), path, what)
            meta = {}
        else:
            given = repr(suffix) if suffix else say("no_suffix")
            raise InputError(say("refuse.table_suffix", path=path, what=noun(what), given=given))
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(say("refuse.empty_table", path=path, what=noun(what))) from None
    except Exception as exc:
        said = say("refuse.unreadable_table", path=path, what=noun(what), exc=exc, suffix=suffix[1:])
        raise InputError(said) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df.reset_index(drop=True), meta


DECIMAL_COMMA = r"^([-+−]?\d+),(\d+)$"  # 73,4: a number written the Swedish way (a cell of its own, nothing else)


def _read_csv(data: bytes) -> pd.DataFrame:
    """A CSV as text columns, as a spreadsheet saves it: UTF-8 (with or without a byte-order mark) or Windows'
    cp1252 (Excel's "CSV" on a Swedish Windows); commas, or semicolons or tabs between cells, in which case a
    number's decimal comma is read as its point (``73,4`` -> ``73.4``)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    header = next((line for line in text.splitlines() if line.strip()), "")
    sep = max((";", "\t", ","), key=lambda c: (header.count(c), c == ","))
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                     skipinitialspace=True)  # fmt: skip
    if sep != ",":
        df = df.apply(lambda column: column.str.replace(DECIMAL_COMMA, r"\1.\2", regex=True))
    return df


def _check_line_breaks(data: bytes, rows: int, path: Path, what: str) -> None:
    """Refuse a CSV whose lines end with LF but where a lone CR split a row (a cell's line break left unquoted): it
    read as more rows than the file has lines. A file of CR line ends only, or CRs inside quotes, reads as written."""
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if b"\r" in data.replace(b"\r\n", b"") and b"\n" in data and rows + 1 > lines:
        at = data.replace(b"\r\n", b"\n\n").index(b"\r")  # the first lone CR, counted in the original's lines
        raise InputError(say("refuse.lone_cr", path=path, what=noun(what), line=data[:at].count(b"\n") + 1))


def missing_columns(df: pd.DataFrame, required: list[str]) -> list[Problem]:
    present = set(df.columns)
    return [
        Problem(say("problem.missing_column", column=repr(c), present=", ".join(map(repr, df.columns))))
        for c in required
        if c not in present
    ]


def numeric_column(df: pd.DataFrame, column: str, problems: list[Problem]) -> pd.Series:
    """Parse a column as float64, recording every value that is not a number.

    Narrow floats (float32 Parquet columns) are widened through their shortest decimal text,
    so 16.2 stays 16.2 rather than 16.200000762939453 (which would move a tier bound).
    """
    raw = df[column]
    if pd.api.types.is_float_dtype(raw.dtype) and raw.dtype.itemsize < 8:
        narrow = raw.to_numpy(
            dtype=raw.dtype.numpy_dtype if hasattr(raw.dtype, "numpy_dtype") else raw.dtype, na_value=np.nan
        )
        raw = pd.Series(narrow.astype(str), index=raw.index).where(~np.isnan(narrow))
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    bad = values.isna() & raw.notna()
    for i in raw.index[bad]:
        problems.append(Problem(say("problem.not_a_number", column=column, value=repr(raw[i])), i + 1))
    return values
