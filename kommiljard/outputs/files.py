"""Writing outputs atomically: a file appears complete or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..errors import InputError

PROVENANCE_KEY = b"kommiljard.provenance"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist. Create it or choose another --out.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make outputs private to their writer
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


TABLE_SUFFIXES = (".parquet", ".csv")


def check_out_path(path: str | Path, suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> Path:
    """Refuse an output path before any work is done: its folder must exist, its suffix fit."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{path}: --out must end in {' or '.join(suffixes)}")
    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist. Create it or choose another --out.")
    return path


def write_table(
    frame: pd.DataFrame, path: str | Path, provenance: dict, dialect: str = "en", exact: bool = False
) -> list[Path]:
    """Write ``.parquet`` (provenance in the file's metadata) or ``.csv`` (plus a
    ``.provenance.json`` beside it) in a CSV dialect (:mod:`kommiljard.outputs.spreadsheets`:
    ``en`` exact floats, ``sv`` whole kronor unless ``exact``). Returns the paths written."""
    from .dialects import csv_text

    path = check_out_path(path)
    if path.suffix.lower() == ".parquet":
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[PROVENANCE_KEY] = json.dumps(provenance, ensure_ascii=False).encode()
        with atomic_path(path) as tmp:
            pq.write_table(table.replace_schema_metadata(meta), tmp)
        return [path]
    sidecar = path.with_name(path.name + ".provenance.json")
    write_text(sidecar, json.dumps(provenance, indent=2, ensure_ascii=False))
    text = csv_text(frame, dialect, exact)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return [path, sidecar]


def read_provenance(path: str | Path) -> dict:
    """The provenance recorded with an output written by :func:`write_table`."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return json.loads(pq.read_schema(path).metadata[PROVENANCE_KEY])
    return json.loads(path.with_name(path.name + ".provenance.json").read_text(encoding="utf-8"))


def write_panel(frame: pd.DataFrame, path: str | Path, metadata: dict[str, str], synthetic: bool = False) -> Path:
    """Write a canonical panel: Parquet with its ``kommiljard.*`` metadata, or CSV (data only)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = {**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}}
        meta[b"kommiljard.imported_by"] = f"kommiljard {__version__} import".encode()
        with atomic_path(path) as tmp:
            pq.write_table(table.replace_schema_metadata(meta), tmp)
    elif suffix == ".csv":
        if synthetic:
            raise InputError(
                f"{path}: the data are SYNTHETIC and a CSV file cannot say so: write a .parquet panel, which records "
                "it."
            )
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False)
    else:
        raise InputError(f"{path}: --out must end in .parquet (keeps where the data came from) or .csv.")
    return path
