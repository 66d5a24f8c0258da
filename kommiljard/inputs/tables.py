"""Reading tabular input files (Parquet or CSV) and reporting every problem at once."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..errors import InputError

MAX_LISTED_PROBLEMS = 40
MAX_COLLECTED_PROBLEMS = 300  # beyond, problems are only counted: reading a bad file stays as fast as a good one


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input table; ``row`` counts data rows from 1."""

    message: str
    row: int | None = None

    def render(self) -> str:
        return f"row {self.row}: {self.message}" if self.row is not None else self.message


def raise_problems(source: str, what: str, problems: list[Problem], hint: str) -> None:
    """Raise one :class:`InputError` that lists every problem (nothing if there are none)."""
    if not problems:
        return
    problems = sorted(problems, key=lambda p: (p.row is not None, p.row or 0, p.message))
    lines = [f"  - {p.render()}" for p in problems[:MAX_LISTED_PROBLEMS]]
    if len(problems) > MAX_LISTED_PROBLEMS:
        lines.append(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more")
    raise InputError(
        f"{source}: the {what} has {len(problems)} problem(s) (rows counted from 1 after the header):\n"
        + "\n".join(lines)
        + f"\n{hint}"
    )


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
        raise InputError(f"{path}: is a directory, not a {what} file. Give the path to the file.")
    if not path.is_file():
        problem = "no such" if not path.exists() else "not a regular file, so no"
        raise InputError(f"{path}: {problem} {what} file. Check the path.")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: no permission to read the {what} file.")
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
            df, meta = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True), {}
        else:
            raise InputError(
                f"{path}: the {what} must be a .parquet or .csv file, not {suffix or 'a file without suffix'!r}."
            )
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{path}: could not read the {what}: {exc}. Is it a valid {suffix[1:]} file?") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df.reset_index(drop=True), meta


def missing_columns(df: pd.DataFrame, required: list[str]) -> list[Problem]:
    present = set(df.columns)
    return [
        Problem(f"missing column {c!r} (columns present: {', '.join(map(repr, df.columns))})")
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
        problems.append(Problem(f"{column} = {raw[i]!r} is not a number", i + 1))
    return values
