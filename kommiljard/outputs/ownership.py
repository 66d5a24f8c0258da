"""What a command may overwrite: what the user named, and what kommiljard itself wrote; never anything else.

The rule, for every writer (every command with ``--out``, ``--plot`` or ``--truth``):

- **A file the user names** (``--out payout.csv``) is replaced, atomically, as every command-line tool
  replaces its named output, unless it is one of the command's own inputs (``payout panel.csv --out
  panel.csv`` would destroy the panel): that is refused. Two outputs of one command may not name the same file.
- **A file written beside it without being named** (a CSV's ``FILE.csv.provenance.json``, a report's
  ``REPORT-whatif.html``) replaces only a file that kommiljard wrote: anything else there is refused.
- **A folder** (``sweep --out DIR``, ``backtest --out DIR``) is written only if it is new, empty, holds what
  the same command wrote there before (its mark: a sweep's ``manifest.json``, a backtest's ``summary.json``),
  or holds nothing but files the command writes (an interrupted run). Files of anyone else in such a folder are
  left alone, and ``--force`` deletes only the command's own files. A part of the folder the command writes
  into that is a symbolic link (a ``trajectories`` folder linked to elsewhere) is refused.

The command line registers each command's inputs (:func:`reading`) and checks its outputs
(:func:`check_outputs`); :func:`kommiljard.outputs.files.check_destination`, which every writer calls,
refuses an input as a destination.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from ..errors import OutputError
from ..language import in_quotes, speaker

_READ: ContextVar[dict[str, str] | None] = ContextVar("kommiljard_inputs", default=None)  # real path -> as given
say = speaker(__package__)


def _real(path: str | Path) -> str:
    return os.path.realpath(os.path.abspath(os.fspath(path)))


@contextmanager
def reading(paths: Iterable[str | Path]) -> Iterator[None]:
    """While the block runs, ``paths`` are the command's inputs: no output may replace one."""
    token = _READ.set({_real(p): str(p) for p in paths})
    try:
        yield
    finally:
        _READ.reset(token)


def check_not_input(path: str | Path, option: str = "--out") -> None:
    """Refuse writing ``path`` if it is one of the command's inputs (as given, through a link or not)."""
    given = (_READ.get() or {}).get(_real(path))
    if given is not None:
        also = say("refuse.given_as", given=given) if given != str(path) else ""
        raise OutputError(say("refuse.is_input", option=option, path=path, also=also))


def check_outputs(outputs: dict[str, str | Path]) -> None:
    """Refuse two outputs (option -> path) that name the same file."""
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if (first := seen.get(_real(path))) is not None:
            raise OutputError(say("refuse.same_file", first=first, option=option, path=path))
        seen[_real(path)] = option


def written_by_kommiljard(path: str | Path) -> bool:
    """Whether a file beside an output is one that kommiljard wrote: a provenance record (JSON with its version
    or data hash), a Parquet file with its metadata, a workbook with its provenance sheet, or a page or report
    (HTML that says so)."""
    path = Path(path)
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return any(k.startswith(b"kommiljard.") for k in (pq.read_schema(path).metadata or {}))
        if path.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(path) as archive:
                return b'name="Provenance"' in archive.read("xl/workbook.xml")
        if path.suffix == ".json":
            record = json.loads(path.read_text(encoding="utf-8"))
            return isinstance(record, dict) and bool({"kommiljard_version", "data_sha256"} & set(record))
        if path.suffix in (".html", ".htm") and path.stat().st_size < 200_000_000:
            text = path.read_text(encoding="utf-8", errors="replace")
            return 'id="page-data"' in text or "kommiljard" in text[-4000:]
    except Exception:  # unreadable, not a zip, not Parquet: not one kommiljard wrote
        return False
    return False


def check_companion(path: str | Path, beside: str | Path) -> None:
    """Refuse writing ``path`` beside the output ``beside`` if a file there was not written by kommiljard."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not written_by_kommiljard(path)):
        raise OutputError(say("refuse.companion", path=path, beside=beside))


@dataclass(frozen=True)
class FolderKind:
    """A command's folder: its mark (a file that says the folder is the command's, when ``marks(path)`` holds),
    what an interrupted run of it may leave before the mark is written (name patterns), and the subfolders it
    writes into."""

    command: str
    mark: str
    marks: Callable[[Path], bool]
    leftovers: tuple[str, ...] = (".*.part",)
    subfolders: tuple[str, ...] = ()
    proven: tuple[str, ...] = ()  # names that count as the command's if the file says kommiljard wrote it
    proof: Callable[[Path], bool] | None = None  # another way an entry shows the folder is the command's

    def said(self) -> str:
        """The command, in the spoken language."""
        return say(f"refuse.command.{self.command.replace(' ', '_')}")

    def owns(self, entry: Path) -> bool:
        """Whether ``entry`` (in a folder without the mark) is one an interrupted run of the command leaves."""
        if entry.is_symlink():
            return False
        if entry.name in self.subfolders:
            return entry.is_dir() and all(self.owns(e) for e in entry.iterdir())
        if entry.name in self.proven:
            return written_by_kommiljard(entry)
        return any(fnmatch.fnmatch(entry.name, pattern) for pattern in self.leftovers)

    def proves(self, entry: Path) -> bool:
        """Whether ``entry`` shows the folder is the command's though its mark is damaged: an output that says
        kommiljard wrote it (a summary with its provenance, a part with its record)."""
        if entry.is_symlink():
            return False
        if self.proof is not None and self.proof(entry):
            return True
        if entry.name in self.subfolders and entry.is_dir():
            return any(self.proves(e) for e in entry.iterdir())
        proven = entry.name in self.proven or (entry.suffix == ".parquet" and entry.name.startswith("part-"))
        return proven and written_by_kommiljard(entry)


def claim_folder(folder: str | Path, kind: FolderKind) -> None:
    """Refuse, before anything is written, a folder the command may not write (see the module docstring)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(say("refuse.folder_is_file", folder=folder, command=kind.said()))
    if not folder.is_dir():
        return
    for name in kind.subfolders:
        _refuse_link(folder, folder / name, kind)
    mark = folder / kind.mark
    if mark.is_file() and not mark.is_symlink() and kind.marks(mark):
        return
    entries = list(folder.iterdir())
    if any(kind.proves(e) for e in entries):  # its own, the mark damaged: the command says what to do
        return
    strangers = sorted((e for e in entries if not kind.owns(e)), key=lambda e: e.name)
    for entry in strangers:  # a link is said as one (a folder linked away is the worst of them)
        _refuse_link(folder, entry, kind)
    foreign = [e.name for e in strangers]
    if foreign:
        shown = ", ".join(in_quotes(n) for n in foreign[:5])
        shown += say("refuse.and_more", n=len(foreign) - 5) if len(foreign) > 5 else ""
        raise OutputError(say("refuse.folder_foreign", folder=folder, shown=shown, command=kind.said(), mark=kind.mark))


def _refuse_link(folder: Path, entry: Path, kind: FolderKind) -> None:
    """Refuse ``entry`` of ``folder`` if it is a symbolic link, naming where it leads."""
    if entry.is_symlink():
        target = os.readlink(entry)
        raise OutputError(say("refuse.folder_link", folder=folder, name=entry.name, target=target, command=kind.said()))


def _json_kind(path: Path, key: str, value: str | None) -> bool:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and key in record and (value is None or record[key] == value)


SWEEP = FolderKind(
    "sweep",
    "manifest.json",
    lambda path: _json_kind(path, "kind", "kommiljard sweep"),
    ("part-*.parquet", ".*.part", ".kommiljard-sweep.lock"),  # the manifest is written before any part
    ("trajectories",),
    ("summary.parquet", "summary.xlsx", "variants.parquet", "variant_outcomes.parquet"),  # they carry provenance
)
BACKTEST = FolderKind("backtest", "summary.json", lambda path: _json_kind(path, "provenance", None))
LEVER_GRID = FolderKind(
    "lever grid",
    "improve+0",  # a lever grid's folder has no mark of its own: its sweeps' folders (improve+1 ...) are it
    lambda path: False,
    ("improve[+-]*",),
    proof=lambda entry: fnmatch.fnmatch(entry.name, "improve[+-]*") and SWEEP.marks(entry / SWEEP.mark),
)
