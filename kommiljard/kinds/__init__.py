"""Kinds of rule block, each a plug-in behind one protocol (:class:`~kommiljard.kinds.base.BlockKind`).

``KINDS`` is the registry: the engine, explain, the plots, the report and the sweep ask it
for the kind of a block (:func:`kind_of`). Adding a kind: its rules model in ``rules/``, its
folder here, and one entry below (see ``docs/developers.md``).
"""

from __future__ import annotations

from .base import BlockKind, no_kind
from .population_share.kind import KIND as POPULATION_SHARE
from .requirements.kind import KIND as REQUIREMENTS
from .staircase.kind import KIND as STAIRCASE
from .threshold.kind import KIND as THRESHOLD

KINDS: dict[str, BlockKind] = {k.name: k for k in (STAIRCASE, THRESHOLD, POPULATION_SHARE, REQUIREMENTS)}


def kind_of(block) -> BlockKind:
    """The kind of a rule block; an unknown kind is an error, never a fallback."""
    try:
        return KINDS[block.kind]
    except KeyError:
        raise no_kind(block.kind, list(KINDS)) from None
