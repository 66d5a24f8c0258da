"""The registry of kinds: found in the kinds folder, in entry points, or registered by hand.

Discovery runs once, on first use: every sub-folder of ``kommiljard/kinds/`` with a ``kind.py``
that defines ``KIND`` (as openfisca adds the variables of a directory), then every entry point
of the group ``kommiljard.kinds``. A folder whose ``__init__.py`` declares its kind's name
(``KIND_NAME``) is imported alone when that kind is asked for by name before anything asks for
them all (a payout imports the kinds of its rule file, not every kind: a fifth of a one-panel
command's own time) (an installed package's kind: the entry point names an object
that satisfies the contract, or a module that defines ``KIND``). :func:`register` adds a kind
defined anywhere else. Each kind is checked when it is added: every part of the contract, a
model whose ``kind`` is the kind's name, measures that agree with the panel's catalogue,
columns that do not take the engine's own.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import typing
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from pathlib import Path

from ..errors import RuleFileError
from ..inputs.measures import CATALOGUE
from .base import BlockKind, Column, missing_parts

ENTRY_POINTS = "kommiljard.kinds"
FOLDER = Path(__file__).parent
# The engine's own columns of every row (its table's key and money); a kind adds its own around them.
KEY_COLUMNS = ("region", "region_name", "block", "month", "group", "tier", "route", "bars")
SUMMARY = re.compile(r"block\d+(_.+)?")  # a payout summary's columns: the engine's too
MONEY_COLUMNS = ("population", "amount_sek", "data", "cell_pot_sek", "cell_lapsed_sek")


def model_kind(model: type) -> str | None:
    """The literal of a block model's ``kind`` field (``Literal["improvement_staircase"]``), or None."""
    fields = getattr(model, "model_fields", {})
    annotation = fields["kind"].annotation if "kind" in fields else None
    args = typing.get_args(annotation) if typing.get_origin(annotation) is typing.Literal else ()
    return args[0] if len(args) == 1 else None


def check_kind(kind: object) -> None:
    """Refuse a kind that does not satisfy the contract, naming what it lacks."""
    who = getattr(kind, "name", repr(kind))
    missing = missing_parts(kind)
    if missing:
        raise TypeError(f"kind {who!r} lacks {', '.join(missing)} (see kommiljard.kinds.base.BlockKind)")
    if model_kind(kind.model) != kind.name:
        raise TypeError(f"kind {who!r}: its model's field `kind` must be Literal[{who!r}]")
    taken = [c.name for c in kind.columns if c.name in KEY_COLUMNS + MONEY_COLUMNS or SUMMARY.fullmatch(c.name)]
    if taken or not all(isinstance(c, Column) for c in kind.columns):
        raise TypeError(f"kind {who!r}: columns must be Column declarations, none of the engine's own ({taken})")
    for measure in kind.measures:
        CATALOGUE.declare(measure, f"kind {who!r}")


class Registry(Mapping[str, BlockKind]):
    """Kind name -> kind, discovered on first use; :meth:`register` adds one. ``version`` counts the changes."""

    def __init__(self) -> None:
        self._kinds: dict[str, BlockKind] = {}
        self._discovered = False
        self._folders: dict[str, str] | None = None  # kind name -> its folder, where the folder declares it
        self.version = 0
        self._listeners: list = []

    def on_change(self, listener) -> None:
        """Call ``listener()`` whenever a kind is registered or removed (the CLI's lever options follow them)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        self.version += 1
        for listener in self._listeners:
            listener()

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        for info in sorted(pkgutil.iter_modules([str(FOLDER)]), key=lambda i: i.name):
            if info.ispkg and (FOLDER / info.name / "kind.py").is_file():
                self.register(importlib.import_module(f"{__package__}.{info.name}.kind").KIND)
        for point in entry_points(group=ENTRY_POINTS):
            found = point.load()
            self.register(getattr(found, "KIND", found))

    def _declared(self) -> dict[str, str]:
        """Kind name -> folder, for the folders of ``kommiljard/kinds/`` whose ``__init__`` declares ``KIND_NAME``."""
        if self._folders is None:
            self._folders = {}
            for info in pkgutil.iter_modules([str(FOLDER)]):
                if info.ispkg and (FOLDER / info.name / "kind.py").is_file():
                    name = getattr(importlib.import_module(f"{__package__}.{info.name}"), "KIND_NAME", None)
                    if name is not None:
                        self._folders[name] = info.name
        return self._folders

    def _load(self, name: str) -> None:
        """Import the folder that declares the kind ``name`` alone (nothing if none does)."""
        folder = self._declared().get(name)
        if folder is None:
            return
        kind = importlib.import_module(f"{__package__}.{folder}.kind").KIND
        if kind.name != name:
            raise TypeError(f"kinds/{folder} declares KIND_NAME {name!r} but its KIND is called {kind.name!r}")
        self._add(kind, replace=False)

    def register(self, kind: BlockKind, replace: bool = False) -> BlockKind:
        """Add ``kind`` (checked, see :func:`check_kind`); a name already taken is an error unless ``replace``."""
        self._discover()
        return self._add(kind, replace)

    def _add(self, kind: BlockKind, replace: bool) -> BlockKind:
        check_kind(kind)
        if kind.name in self._kinds and self._kinds[kind.name] is not kind and not replace:
            raise ValueError(f"a kind called {kind.name!r} is registered already; pass replace=True to replace it")
        self._kinds[kind.name] = kind
        self._changed()
        return kind

    def unregister(self, name: str) -> None:
        """Remove a kind registered by hand (a test's); the folder's kinds come back only with a new process."""
        self._discover()
        self._kinds.pop(name, None)
        self._changed()

    def __getitem__(self, name: str) -> BlockKind:
        if name not in self._kinds and not self._discovered:
            self._load(name)
        if name not in self._kinds:
            self._discover()
        return self._kinds[name]

    def __iter__(self) -> Iterator[str]:
        self._discover()
        return iter(self._kinds)

    def __len__(self) -> int:
        self._discover()
        return len(self._kinds)


KINDS = Registry()


def kind_of(block) -> BlockKind:
    """The kind of a rule block; an unknown kind is an error, never a fallback."""
    try:
        return KINDS[block.kind]
    except KeyError:
        raise no_kind(block.kind, list(KINDS)) from None


def no_kind(kind: str, known) -> RuleFileError:
    from ..language import in_quotes
    from .naming import tell

    kinds = ", ".join(in_quotes(k) for k in known)
    return RuleFileError(tell("refuse.no_kind", kind=kind, kinds=kinds))


def block_models() -> tuple[type, ...]:
    """Every registered kind's block model, in registration order."""
    return tuple(k.model for k in KINDS.values())


def rule_models() -> tuple[type, ...]:
    """Every model a rule file's blocks can hold (the block models and the models of their tables)."""
    found: dict[type, None] = {}

    def visit(annotation) -> None:
        if isinstance(annotation, type) and hasattr(annotation, "model_fields") and annotation not in found:
            found[annotation] = None
            for f in annotation.model_fields.values():
                visit(f.annotation)
        for arg in typing.get_args(annotation):
            visit(arg)

    for model in block_models():
        visit(model)
    return tuple(found)


def table_columns(kinds) -> list[Column]:
    """The union of ``kinds``' columns in declared order: each kind's order kept, a column listed once (its first
    declaration), the columns before the money first; where two kinds order columns differently, the first wins."""
    ordered: list[Column] = []
    for after in (False, True):
        names: list[str] = []
        first: dict[str, Column] = {}
        for kind in kinds:
            mine = [c for c in kind.columns if c.after_money == after]
            for k, column in enumerate(mine):
                first.setdefault(column.name, column)
                if column.name in names:
                    continue
                # before the first column this kind lists after it that is placed already
                later = [names.index(c.name) for c in mine[k + 1 :] if c.name in names]
                names.insert(min(later) if later else len(names), column.name)
        ordered += [first[n] for n in names]
    return ordered
