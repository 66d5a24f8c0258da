"""Why did a region get what it got from a toy quota? One cell traced through the reference."""

from __future__ import annotations

from dataclasses import dataclass

from kommiljard.money import format_kronor, format_number

from .arrays import toy_input
from .reference import allocate_cell


@dataclass(frozen=True)
class ToyExplanation:
    region: str
    month: str
    group: str
    visits: float
    threshold: int
    weight: float
    pot: float
    amount: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def render(self, lang: str = "en", width: int = 100) -> str:  # the toy says it in English only
        if self.amount == 0:
            why = f"{format_number(self.visits, 0)} visits, below the threshold of {self.threshold}"
        else:
            why = (
                f"{format_number(self.visits, 0)} visits of the {format_number(self.weight, 0)} that reached the "
                f"threshold of {self.threshold}, times the pot of {format_kronor(self.pot)}"
            )
        return f"Region {self.region} gets {format_kronor(self.amount)} in {self.month} {self.group}: {why}."


def explain_cell(block, cell, panel, population, region: str, allow_missing: bool = False) -> ToyExplanation:
    inp = toy_input(panel, block, population, allow_missing)
    c, r = inp.cells.index(tuple(cell)), inp.regions.index(region)
    visits = inp.visits[c].tolist()
    amounts, tiers, _ = allocate_cell(float(inp.pots[c]), visits, block.threshold)
    weight = sum(v for v, t in zip(visits, tiers) if t)
    return ToyExplanation(region, cell[0], cell[1], visits[r], block.threshold, weight, float(inp.pots[c]), amounts[r])
