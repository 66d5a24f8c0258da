"""A block of requirements summed up from a payout's tables (never by running the rules again): per
requirement, what its money became; per region, what it earned, its bonus and each payment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .payments import by_payment
from .rules import RequirementsBonus


def requirement_summary(result, block: RequirementsBonus) -> pd.DataFrame:
    """One row per requirement: its tranche, what regions earned from it, what went to the bonus pot and
    what lapsed, and how its region-months were met (by improvement, by level, not at all, no data)."""
    rows = result.table[result.table["block"] == block.number]
    cells = result.cells[result.cells["block"] == block.number]
    out = []
    for req in block.requirements:
        mine, money = rows[rows["group"] == req.name], cells[cells["group"] == req.name]
        routes = mine["route"].value_counts()
        out.append(
            {
                "requirement": req.name,
                "label": req.label,
                "area": req.area,
                "unsourced": req.unsourced,
                "tranche_sek": float(money["pot_sek"].sum()),
                "earned_sek": float(money["earned_sek"].sum()),
                "to_bonus_sek": float(money["pot_sek"].sum() - money["earned_sek"].sum()),
                "bonus_paid_sek": float(money["bonus_sek"].sum()),
                "lapsed_sek": float(money["lapsed_sek"].sum()),
                "by_improvement": int(routes.get("improvement", 0)),
                "by_level": int(routes.get("fulfilment", 0)),
                "not_met": int(routes.get("none", 0)),
                "no_data": int(routes.get("no_data", 0)),
                "mean_fraction": float(np.nanmean(mine["fraction"])) if len(mine) else np.nan,
            }
        )
    return pd.DataFrame(out)


def region_summary(result, block: RequirementsBonus) -> pd.DataFrame:
    """One row per region: earned, bonus and total from the block, the share of its earned money in all
    regions' (its bonus key under the reading ``earned``), and what each payment brings it."""
    rows = result.table[result.table["block"] == block.number]
    per = rows.groupby(["region", "region_name"], sort=True)[["earned_sek", "bonus_sek", "amount_sek"]].sum(min_count=1)
    per = per.rename(columns={"amount_sek": "total_sek"}).reset_index()
    per["earned_share"] = per["earned_sek"] / per["earned_sek"].sum()
    payments = by_payment(rows, block).add_prefix("paid_").add_suffix("_sek").rename_axis("region").reset_index()
    return per.merge(payments, on="region", how="left")
