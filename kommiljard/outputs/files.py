"""Writing outputs atomically: a file, with its provenance, appears complete or not at all.

Every output is first written to a temporary file beside its destination
(``.NAME.XXXXXXXX.part``), flushed to disk and moved into place with ``os.replace``, which is
atomic within a folder. An output made of a main file and companions (a CSV table and its
``FILE.csv.provenance.json``) has **one commit point**:

1. every file is written completely to its temporary file;
2. the companions' previous versions, if any, are removed;
3. the main file is moved into place: the commit point;
4. the companions are moved into place.

A reader therefore never finds a provenance beside data it does not describe: before step 3
the previous data (if any) stand without a provenance, after it the new data, first alone,
then with their own. A CSV's provenance also records the SHA-256 of the CSV it describes
(``data_sha256``), which :func:`read_provenance` checks. If any step fails, the temporary
files are removed, and so is any file of this write already moved into place (a failure after
the commit point leaves no data without its provenance); the error, an
:class:`~kommiljard.errors.OutputError`, names the path and what to do. Parquet outputs keep
their provenance in the file's own metadata, so they are a single file.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..errors import InputError, OutputError
from ..inputs.tables import file_sha256
from ..language import speaker, spoken
from .ownership import check_companion, check_not_input

PROVENANCE_KEY = b"kommiljard.provenance"
DATA_SHA256 = "data_sha256"  # in a CSV's provenance: the SHA-256 of the CSV it belongs to
say = speaker(__package__)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_destination(path: str | Path, what: str = "--out") -> Path:
    """Refuse, before any work is done, an output path that cannot be written: its folder must
    exist and be writable, and the path must be neither a directory nor one of the command's inputs
    (:func:`kommiljard.outputs.ownership.check_not_input`)."""
    path = Path(path)
    check_not_input(path, what)
    if path.is_dir():
        raise OutputError(say("refuse.is_directory", path=path, what=what, example=path / ("output" + path.suffix)))
    folder = path.parent
    if not folder.exists():
        raise OutputError(say("refuse.no_folder", path=path, folder=folder, what=what))
    if not folder.is_dir():
        raise OutputError(say("refuse.not_folder", path=path, folder=folder, what=what))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(say("refuse.no_permission", path=path, folder=folder))
    return path


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """An operating-system error while writing ``path``, said plainly."""
    path = Path(path)
    name = {errno.EPERM: "EACCES"}.get(exc.errno, errno.errorcode.get(exc.errno or 0, ""))
    key = f"refuse.os.{name}" if name in OS_REASONS else "refuse.os.other"
    reason = say(key, folder=path.parent, error=system_error(exc))
    return OutputError(say("refuse.not_written", path=path, reason=reason))


OS_REASONS = ("ENOSPC", "EDQUOT", "EACCES", "EROFS", "ENOTDIR", "EISDIR", "ENAMETOOLONG")


def detail(exc: Exception, english: str | None = None) -> str:
    """What is wrong in a file that cannot be read: the library's own words in English (``english``, else the
    error's text), else said in the language (a line and column of JSON, text that is not UTF-8, a damaged file)."""
    if spoken() == "en":
        return str(exc) if english is None else english
    if isinstance(exc, json.JSONDecodeError):
        return say("refuse.json_at", line=exc.lineno, column=exc.colno)
    if isinstance(exc, UnicodeDecodeError):
        return say("refuse.not_text")
    if isinstance(exc, OSError):
        return system_error(exc)
    return say("refuse.damaged")


def system_error(exc: OSError) -> str:
    """The operating system's own words for ``exc`` (English); in another language its error's name (``EIO``)."""
    if spoken() == "en":
        return exc.strerror or str(exc) or type(exc).__name__
    return errno.errorcode.get(exc.errno or 0, type(exc).__name__)


def _flush(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_paths(path: str | Path, *companions: str | Path):
    """Yield temporary paths for ``path`` and its ``companions``; commit them together if the block
    succeeds (see the module docstring for the order), else leave nothing behind.

    Every operating-system error (permission, not a folder, no space) becomes an
    :class:`OutputError` naming the path.
    """
    finals = [check_destination(p) for p in (path, *companions)]
    temps: list[str] = []
    placed: list[Path] = []
    current = finals[0]
    try:
        for final in finals:
            current = final
            fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
            os.close(fd)
            temps.append(tmp)
        current = finals[0]
        yield tuple(Path(t) for t in temps) if companions else Path(temps[0])
        mode = 0o666 & ~_umask()  # mkstemp's 0600 would make outputs private to their writer
        for tmp, final in zip(temps, finals):
            current = final
            os.chmod(tmp, mode)
            _flush(tmp)
        for final in finals[1:]:
            current = final
            final.unlink(missing_ok=True)
        for tmp, final in zip(temps, finals):  # the main file first: the commit point
            current = final
            os.replace(tmp, final)
            placed.append(final)
    except OSError as exc:
        for final in placed:
            final.unlink(missing_ok=True)
        raise output_error(current, exc) from None
    finally:
        for tmp in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)


def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    return atomic_paths(path)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


TABLE_SUFFIXES = (".parquet", ".csv")


def check_out_path(path: str | Path, suffixes: tuple[str, ...] = TABLE_SUFFIXES, option: str = "--out") -> Path:
    """Refuse an output path before any work is done: its suffix must fit and it must be writable
    (:func:`check_destination`)."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InputError(say("refuse.suffix", path=path, option=option, suffixes=say("refuse.or").join(suffixes)))
    return check_destination(path, option)


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    provenance: dict,
    dialect: str = "en",
    exact: bool = False,
    note: str | None = None,
) -> list[Path]:
    """Write ``.parquet`` (provenance in the file's metadata) or ``.csv`` (plus a
    ``.provenance.json`` beside it) in a CSV dialect (:mod:`kommiljard.outputs.spreadsheets`:
    ``en`` exact floats, ``sv`` whole kronor unless ``exact``). Returns the paths written."""
    from .dialects import csv_text

    path = check_out_path(path)
    if path.suffix.lower() == ".parquet":
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[PROVENANCE_KEY] = json.dumps(provenance, ensure_ascii=False, allow_nan=False).encode()
        with atomic_path(path) as tmp:
            pq.write_table(table.replace_schema_metadata(meta), tmp)
        return [path]
    sidecar = sidecar_path(path)
    check_companion(sidecar, path)
    text = csv_text(frame, dialect, exact, note)
    with atomic_paths(path, sidecar) as (tmp, tmp_sidecar):
        tmp.write_text(text, encoding="utf-8")
        record = {**provenance, DATA_SHA256: file_sha256(tmp)}
        tmp_sidecar.write_text(json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    return [path, sidecar]


def sidecar_path(path: str | Path) -> Path:
    """Where the provenance of a CSV output is written: ``FILE.csv.provenance.json``."""
    path = Path(path)
    return path.with_name(path.name + ".provenance.json")


def read_complete_sweep(directory: str | Path, how: str | None = None) -> dict:
    """The manifest of a finished sweep in ``directory``; else an :class:`InputError` (``how``: what to run; by
    default, the sweep again to finish it)."""
    how = say("refuse.rerun_to_finish") if how is None else how
    path = Path(directory) / "manifest.json"
    broken = say("refuse.rerun_sweep")
    manifest = read_json(path, say("refuse.sweep_manifest"), broken) if path.is_file() else {}
    if manifest.get("status") != "complete":
        raise InputError(say("refuse.sweep_incomplete", directory=directory, how=how))
    return manifest


def read_json(path: str | Path, what: str, hint: str = "") -> dict:
    """A JSON object written by kommiljard (a sweep's manifest, a provenance); a file that is not
    one is an :class:`InputError` naming it, with ``hint`` saying what to do."""
    path = Path(path)
    said = {"path": path, "what": what, "hint": hint}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(say("refuse.json_invalid", **said, detail=detail(exc)).strip()) from None
    except OSError as exc:
        raise InputError(say("refuse.json_unreadable", **said, reason=system_error(exc)).strip()) from None
    if not isinstance(data, dict):
        raise InputError(say("refuse.json_not_object", **said).strip())
    return data


def read_provenance(path: str | Path) -> dict:
    """The provenance recorded with an output written by :func:`write_table`.

    A CSV's provenance must describe that very CSV (its ``data_sha256``): one that does not is
    refused rather than trusted.
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return json.loads(pq.read_schema(path).metadata[PROVENANCE_KEY])
    record = read_json(sidecar_path(path), say("refuse.provenance"), say("refuse.write_again"))
    if DATA_SHA256 in record and record.pop(DATA_SHA256) != file_sha256(path):
        raise InputError(say("refuse.provenance_mismatch", sidecar=sidecar_path(path), path=path))
    return record


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
            raise InputError(say("refuse.synthetic_csv", path=path))
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False)
    else:
        raise InputError(say("refuse.panel_suffix", path=path))
    return path
