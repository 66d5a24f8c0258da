"""Reference allocation of a population-share block (block 2 of 2019)."""

from __future__ import annotations

from collections.abc import Sequence

from .rules import PopulationShare


def allocate_population_share(
    block: PopulationShare, weights: Sequence[float], met: Sequence[bool]
) -> tuple[list[float], float]:
    """Amount per region and the amount that lapses.

    Each region's share is ``total x weight / sum of weights``. A region that did not meet
    the conditions forfeits its share: it lapses, or (``forfeit = "redistribute"``) is shared
    by the same key among the regions that met them. Under ``forfeit = "paid_regardless"`` it
    keeps it: the conditions decide money outside the scheme (2019: the money set aside for 2020).
    """
    if block.forfeit == "paid_regardless":
        met = [True] * len(weights)
    if block.forfeit == "redistribute":
        pool = sum(w for w, ok in zip(weights, met) if ok)
        if pool == 0:
            return [0.0] * len(weights), block.total_sek
        return [block.total_sek * w / pool if ok else 0.0 for w, ok in zip(weights, met)], 0.0
    pool = sum(weights)
    shares = [block.total_sek * w / pool for w in weights]
    return [s if ok else 0.0 for s, ok in zip(shares, met)], sum(s for s, ok in zip(shares, met) if not ok)
