"""A population share's rule parameters in words for the report: its conditions."""

from __future__ import annotations

from .rules import PopulationShare


def parameter_text(key: str, value, block: PopulationShare, say) -> str | None:
    """A condition in words (a flag that must hold, or a number to reach); None for every other parameter."""
    if key == "conditions":
        return say.word("must_hold") if value["kind"] == "flag" else say.bound(True, value["threshold"], "")
    return None
