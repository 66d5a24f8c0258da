"""A block's money by payment, and what was published about a payment.

The money a region earns in a cell is paid with the first payment that covers the cell's month;
the bonus pot is paid with the last payment. A rule file may name a bundled table of what was
published about one payment (``[blocks.published]``), to set the model's figure beside it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

from ...errors import KommiljardError
from ...inputs.regions import normalise_code
from .rules import RequirementsBonus


def by_payment(table: pd.DataFrame, block: RequirementsBonus) -> pd.DataFrame:
    """Per region (rows) and payment (columns, by name): what the block pays in it, in kronor (NaN: no data
    in any cell the payment covers); the bonus pot goes with the last payment."""
    rows = table[table["block"] == block.number]
    out = {}
    for p in block.payments:
        mine = rows[rows["paid_in"] == p.month].groupby("region")["earned_sek"].sum(min_count=1)
        if p is block.payments[-1]:
            mine = mine.add(rows.groupby("region")["bonus_sek"].sum(min_count=1), fill_value=0.0)
        out[p.name] = mine
    return pd.DataFrame(out).reindex(sorted(set(rows["region"])))


@cache
def published_amounts(file: str) -> pd.Series:
    """A bundled published table (``kommiljard/data/<file>``: ``region`` as published, ``amount_kr``) by
    county code."""
    with (files("kommiljard") / "data" / file).open("rb") as fh:
        raw = pd.read_csv(fh, dtype={"region": str})
    codes = raw["region"].map(normalise_code)
    if codes.duplicated().any():
        from .arrays import tell

        raise KommiljardError(tell("refuse.published_twice", file=file))
    return pd.Series(raw["amount_kr"].to_numpy(np.float64), index=codes.to_numpy(), name="published_sek").sort_index()


def beside_published(table: pd.DataFrame, block: RequirementsBonus) -> pd.DataFrame | None:
    """The payment the rule file's ``published`` names: the model's amount per region beside the published
    one, with each region's share of the total in both (None if nothing was published)."""
    pub = block.published
    if pub is None:
        return None
    model = by_payment(table, block)[pub.payment].rename("model_sek")
    published = published_amounts(pub.file)
    frame = pd.concat([model, published], axis=1).reindex(sorted(set(model.index) | set(published.index)))
    frame["model_share"] = frame["model_sek"] / frame["model_sek"].sum()
    frame["published_share"] = frame["published_sek"] / frame["published_sek"].sum()
    return frame.rename_axis("region").reset_index()
