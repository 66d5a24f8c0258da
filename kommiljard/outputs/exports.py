"""What the commands write for people to forward: a payout, a what-if, a payout curve, a comparison
and a sweep summary, as workbook sheets or CSV in whole kronor that still add up.

A payout is rounded from the top down, so that every sum a reader can check holds in whole kronor:
the cells' pots are rounded together to the scheme's total (largest remainder), then in every
cell the regions' amounts and the lapsed money together to the cell's pot. The summary per region
is then summed from the rounded detail: columns add up to the total row, every cell's paid +
lapsed = pot, and everything paid and lapsed adds up to the scheme's total. A region without
data stays without ("no data", never 0).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import Payout
from ..errors import InputError
from ..kinds import kind_of, table_columns
from ..money import NO_DATA, format_number, kronor
from .dialects import in_whole_kronor
from .files import check_out_path, write_table
from .spreadsheets import Sheet, write_workbook

OUT_SUFFIXES = (".parquet", ".csv", ".xlsx")
CELL_KEY = ["block", "month", "group"]


def check_out(path: str | Path) -> Path:
    """An output path for tables people forward: Parquet, CSV or an Excel workbook."""
    return check_out_path(path, OUT_SUFFIXES)


@dataclasses.dataclass(frozen=True)
class WholeKronor:
    """A payout's tables in whole kronor (see the module docstring)."""

    table: pd.DataFrame
    cells: pd.DataFrame
    summary: pd.DataFrame


def payout_in_whole_kronor(result: Payout) -> WholeKronor:
    """The payout's detail, cells and summary in whole kronor that add up (:meth:`Payout.in_whole_kronor`); the
    kinds' other money columns (a region's cap, what it earned) each rounded to add up to its rounded total."""
    whole = result.in_whole_kronor()
    kinds = list({b.kind: kind_of(b) for b in result.rules.ruleset.blocks}.values())
    money = ["amount_sek", *(c.name for c in table_columns(kinds) if c.unit == "kr" and c.name in whole.table.columns)]
    return WholeKronor(in_whole_kronor(whole.table, money), whole.cells, in_whole_kronor(whole.summary()))


def _total_row(frame: pd.DataFrame, amounts: list[str], label_column: str, label: str) -> pd.DataFrame:
    """The frame with a last row of the amounts' sums, labelled in ``label_column``."""
    total = pd.DataFrame([{label_column: label, **{c: frame[c].sum() for c in amounts}}])
    return pd.concat([frame, total.astype({c: frame[c].dtype for c in amounts})], ignore_index=True)


def _notes(provenance: dict) -> list[str]:
    synthetic = provenance.get("panel", {}).get("synthetic") or provenance.get("synthetic_panel")
    notes = ["SYNTHETIC panel, made for trying the tool: not real regional data."] if synthetic else []
    gaps = provenance.get("no_data")
    if gaps:
        notes.append(
            f"{NO_DATA['en'].capitalize()} for: "
            + "; ".join(f"{r}: {what}" for r, what in gaps.items())
            + ". Treated as not qualifying there, paid nothing from those cells."
        )
    return notes


def payout_sheets(result: Payout) -> list[Sheet]:
    """Summary (per region, with a total row), the detail, the cells (pot, paid, lapsed)."""
    whole = payout_in_whole_kronor(result)
    rs = result.rules.ruleset
    amounts = [c for c in whole.summary.columns if c.startswith("block") or c.endswith("_sek")]
    summary = _total_row(whole.summary, amounts, "region_name", "all regions")
    paid, lapsed = (kronor(whole.cells[c].sum()) for c in ("paid_sek", "lapsed_sek"))
    notes = [
        f"{rs.title} ({result.rules.id}): payout per region in whole kronor. Paid {paid}, lapsed {lapsed}, of "
        f"{kronor(rs.total_sek)}.",
        *_notes(result.provenance),
    ]
    return [
        Sheet("Summary", summary, money=amounts, keys=2, notes=notes),
        Sheet("Detail", whole.table, keys=2, percent=["improvement_pp", "share_current", "share_previous", "share_60"]),
        Sheet("Cells", whole.cells, keys=3),
    ]


def payout_csv_frame(result: Payout, dialect: str, exact: bool) -> pd.DataFrame:
    """The detail as a CSV file holds it: exact (English dialect or asked) or in whole kronor that add up."""
    return result.table if dialect == "en" or exact else payout_in_whole_kronor(result).table


def whatif_sheets(w) -> list[Sheet]:
    """A what-if (:class:`kommiljard.analysis.whatif.WhatIf`): the region's totals and every cell."""
    before, after = (int(round(v)) for v in (w.baseline_sek, w.scenario_sek))
    change = f"{w.lever.option}_{w.lever.unit}" if w.lever is not None else "improve_pp"
    totals = pd.DataFrame(
        [
            {
                "region": w.region,
                "region_name": w.as_dict()["region_name"],
                change: w.improve_pp,
                "baseline_sek": before,
                "scenario_sek": after,
                "delta_sek": after - before,
            }
        ]
    )
    cells = whatif_cells_whole(w.cells)
    return [
        Sheet("Summary", totals, keys=2, notes=_notes(w.baseline.provenance)),
        Sheet("Cells", cells, keys=3, percent=[c for c in cells.columns if c.endswith("_pp") or "share" in c]),
    ]


def whatif_cells_whole(cells: pd.DataFrame) -> pd.DataFrame:
    """A what-if's cells in whole kronor: before and after by largest remainder, the change between them."""
    extra = [c for c in cells.columns if c.startswith("sek_per_extra_")]  # what one more unit of the lever brings
    cells = in_whole_kronor(cells, ["amount_before_sek", "amount_after_sek", *extra])
    cells["delta_sek"] = cells["amount_after_sek"] - cells["amount_before_sek"]
    return cells


def curve_sheets(points: pd.DataFrame, region: str, provenance: dict) -> list[Sheet]:
    """A payout curve: the region's amount at every improvement (each rounded on its own)."""
    curve = points.assign(amount_sek=np.rint(points["amount_sek"]))
    return [Sheet("Curve", curve, keys=1, percent=["improvement_pp"], notes=[f"Payout curve of {region}."])]


def compare_sheets(frame: pd.DataFrame) -> list[Sheet]:
    """A comparison: every variant per region (whole kronor, each column adding up), the differences
    between the rounded columns, a total row, and the variants with their rules and totals."""
    from ..analysis.compare import DIFF_PREFIX, variant_columns

    names = variant_columns(frame)
    rounded = in_whole_kronor(frame, names)
    for name in names[1:]:
        rounded[DIFF_PREFIX + name] = rounded[name] - rounded[names[0]]
    money = [*names, *(DIFF_PREFIX + n for n in names[1:])]
    summary = _total_row(rounded, money, "region_name", "all regions")
    variants = pd.DataFrame(
        [
            {
                "variant": name,
                "rules": v["rules"],
                "origin": v["origin"],
                "overrides": ", ".join(f"{k}={val}" for k, val in v["overrides"].items()),
                **{k: int(round(x)) for k, x in frame.attrs["totals"][name].items()},
            }
            for name, v in frame.attrs["variants"].items()
        ]
    )
    notes = ["Payout per region under each variant, whole kronor; diff_<name>: the difference from the first."]
    notes += _notes({"synthetic_panel": frame.attrs.get("synthetic_panel")})
    return [Sheet("Summary", summary, money=money, keys=2, notes=notes), Sheet("Variants", variants)]


def sweep_sheets(summary: pd.DataFrame, manifest: dict) -> list[Sheet]:
    """A sweep's summary: amounts per region in whole kronor (each statistic rounded on its own), chances."""
    money = [c for c in summary.columns if c.endswith("_sek")]
    rounded = summary.assign(**{c: np.rint(summary[c]) for c in money})
    chances = [c for c in summary.columns if c.startswith("p_")]
    n = manifest.get("n")
    notes = [
        f"{manifest.get('scenario', {}).get('name', 'sweep')}: {format_number(n)} synthetic trajectories; "
        "block-1 amount per region (kronor) and the chance of reaching each bar."
    ]
    return [Sheet("Summary", rounded, money=money, chance=chances, keys=2, notes=notes)]


def variant_sheets(by_region: pd.DataFrame, scheme: pd.DataFrame, manifest: dict) -> list[Sheet]:
    """A variant sweep's tables: each variant's scheme-level outcomes, and its amounts per region (whole kronor)."""
    n = format_number(manifest.get("n"))
    sheets = []
    for name, frame, keys, what in (
        ("Variant outcomes", scheme, 1, "lapsed money, kronor per pp of improvement, spread per inhabitant"),
        ("Variants", by_region, 3, "amount per region (kronor) and the chance of reaching each bar"),
    ):
        money = [c for c in frame.columns if c.endswith("_sek")]
        rounded = frame.assign(**{c: np.rint(frame[c]) for c in money})
        chances = [c for c in frame.columns if c.startswith("p_")]
        notes = [f"{n} synthetic trajectories, every variant on the same draws: {what}."]
        sheets.append(Sheet(name, rounded, money=money, chance=chances, keys=keys, notes=notes))
    return sheets


def write_output(
    path: str | Path,
    frame: pd.DataFrame,
    provenance: dict,
    sheets: Callable[[], list[Sheet]] | None = None,
    dialect: str = "en",
    exact: bool = False,
) -> list[Path]:
    """Write ``frame`` (Parquet, or CSV in a dialect) or, for ``.xlsx``, the sheets (built only then) and the
    provenance."""
    path = check_out(path)
    if path.suffix.lower() == ".xlsx":
        if sheets is None:
            raise InputError(f"{path}: this output cannot be written as a workbook; use .csv or .parquet")
        return [write_workbook(path, sheets(), provenance)]
    return write_table(frame, path, provenance, dialect, exact)
