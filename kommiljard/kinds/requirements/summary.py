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


def report_tables(result, block: RequirementsBonus, lang: str) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """The report's tables of the block, in ``lang``: the requirements, and the regions (with each payment and, where
    the rule file names one, what was published about a payment beside it)."""
    from ..base import word
    from ..naming import month_name
    from .payments import published_amounts
    from .words import TABLE_WORDS

    def w(key: str, **fields) -> str:
        return word(TABLE_WORDS, key, lang, **fields)

    reqs = requirement_summary(result, block)
    pot = block.bonus != "lapse"  # without a bonus pot the unearned money lapses: no bonus column, no "to the pot"
    unearned = w("to_bonus") if pot else w("unearned")
    first = pd.DataFrame(
        {
            w("requirement"): reqs["label"].where(reqs["label"] != "", reqs["requirement"]),
            w("area"): reqs["area"],
            w("tranche"): reqs["tranche_sek"],
            w("earned"): reqs["earned_sek"],
            unearned: reqs["to_bonus_sek"],
            w("lapsed"): reqs["lapsed_sek"],
            w("by_improvement"): reqs["by_improvement"],
            w("by_level"): reqs["by_level"],
            w("not_met"): reqs["not_met"],
            w("source"): [w("unsourced") if u else w("sourced") for u in reqs["unsourced"]],
        }
    )
    regions = region_summary(result, block)
    second = pd.DataFrame(
        {
            w("code"): regions["region"],
            w("region"): regions["region_name"],
            w("earned"): regions["earned_sek"],
            **({w("bonus"): regions["bonus_sek"]} if pot else {}),
            w("total"): regions["total_sek"],
            **{w("paid", month=month_name(p.month, lang)): regions[f"paid_{p.name}_sek"] for p in block.payments},
        }
    )
    money = [w("tranche"), w("earned"), unearned, w("lapsed"), *([w("bonus")] if pot else []), w("total")]
    money += [w("paid", month=month_name(p.month, lang)) for p in block.payments]
    if block.published is not None:
        month = next(p.month for p in block.payments if p.name == block.published.payment)
        column = w("published", month=month_name(month, lang))
        second[column] = second[w("code")].map(published_amounts(block.published.file))
        money.append(column)
    return [
        (w("requirements_title"), first, money),
        (w("regions_title" if pot else "regions_title_lapse"), second, money),
    ]
