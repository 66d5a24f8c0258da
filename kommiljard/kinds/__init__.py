"""Kinds of rule block, each a plug-in behind one contract (:class:`~kommiljard.kinds.base.BlockKind`).

``KINDS`` is the registry: the rules loader takes its union of block models from it, and the
engine, explain, what-if, the page, the plots, the report and the sweep ask it for the kind of a
block (:func:`kind_of`). It finds every folder here with a ``kind.py`` (and the entry points of the
group ``kommiljard.kinds``); a kind defined elsewhere is added with :func:`register`::

    import kommiljard.kinds
    from mypackage.mykind import KIND

    kommiljard.kinds.register(KIND)

``docs/developers.md`` walks through writing one.
"""

from __future__ import annotations

from .base import BlockKind, Column, Draw, Lever, LeverActions, SweepPlan, kind_word, word
from .registry import KINDS, block_models, kind_of, no_kind, rule_models, table_columns


def register(kind: BlockKind, replace: bool = False) -> BlockKind:
    """Add a kind defined outside the kinds folder (checked against the contract); returns it."""
    return KINDS.register(kind, replace)


def unregister(name: str) -> None:
    """Remove a kind registered by hand (a test's own)."""
    KINDS.unregister(name)


__all__ = [
    "KINDS",
    "BlockKind",
    "Column",
    "Draw",
    "Lever",
    "LeverActions",
    "SweepPlan",
    "block_models",
    "kind_of",
    "kind_word",
    "no_kind",
    "register",
    "rule_models",
    "table_columns",
    "unregister",
    "word",
]
