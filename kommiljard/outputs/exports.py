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
from ..language import speaker
from ..money import format_number, kronor
from .dialects import in_whole_kronor, money_columns
from .files import check_out_path, sidecar_path, write_table
from .ownership import check_companion
from .spreadsheets import Sheet, is_synthetic, write_workbook
from .wording import column_header, no_data_text, provenance_value, readable, word

OUT_SUFFIXES = (".parquet", ".csv", ".xlsx")
say = speaker(__package__)
CELL_KEY = ["block", "month", "group"]


def for_people(frame: pd.DataFrame, lang: str = "sv", rules=None, exact: bool = False) -> pd.DataFrame:
    """A table as people read it in a spreadsheet: values in words (:func:`~kommiljard.outputs.wording.readable`)
    and headers in the language. The amounts stay numbers, in whole kronor unless ``exact`` (rounded before their
    headers lose the ``_sek`` that names them); a header says ``kr`` for an amount."""
    money = set(money_columns(frame))
    people = readable(frame if exact else in_whole_kronor(frame), lang, rules)
    headers = [column_header(str(c), lang) for c in frame.columns]
    people.columns = [
        h + (", kr" if c in money and not h.endswith(", kr") else "") for c, h in zip(frame.columns, headers)
    ]
    return people


def synthetic_line(lang: str = "en") -> str:
    """The line a synthetic result's Swedish CSV starts with."""
    return word("synthetic_banner", lang)


def check_out(path: str | Path) -> Path:
    """An output path for tables people forward: Parquet, CSV (whose provenance beside it replaces only one that
    kommiljard wrote) or an Excel workbook."""
    path = check_out_path(path, OUT_SUFFIXES)
    if path.suffix.lower() == ".csv":
        check_companion(sidecar_path(path), path)
    return path


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


def _notes(provenance: dict, lang: str = "en") -> list[str]:
    """Where regions had no data (the synthetic mark is each sheet's first line and the About sheet's)."""
    gaps = provenance.get("no_data")
    if not gaps:
        return []
    listed = "; ".join(f"{r}: {no_data_text(what, lang)}" for r, what in gaps.items())
    return [word("sheet_no_data", lang, regions=listed)]


def sheet_name(key: str, lang: str = "en") -> str:
    """A sheet's name in the language (``Summary``, ``Sammanfattning``)."""
    return word(f"sheet.{key}", lang)


def payout_sheets(result: Payout, lang: str = "en") -> list[Sheet]:
    """Summary (per region, with a total row), the detail and the cells (pot, paid, lapsed), each with a total."""
    whole = payout_in_whole_kronor(result)
    rs = result.rules.ruleset
    amounts = [c for c in whole.summary.columns if c.startswith("block") or c.endswith("_sek")]
    paid, lapsed = (kronor(whole.cells[c].sum(), lang=lang) for c in ("paid_sek", "lapsed_sek"))
    title = word("sheet_payout", lang, title=rs.title, rules=result.rules.id, paid=paid, lapsed=lapsed,
                 total=kronor(rs.total_sek, lang=lang))  # fmt: skip
    notes = [title, *_notes(result.provenance, lang)]
    detail = whole.table.drop(columns=["cell_pot_sek", "cell_lapsed_sek"])  # the cells sheet has them, once a cell
    declared = table_columns(list({b.kind: kind_of(b) for b in rs.blocks}.values()))
    shares = [c.name for c in declared if c.unit in ("pp", "percent") and c.name in detail.columns]
    counts = ["population", *(c.name for c in declared if c.unit == "count" and c.name in detail.columns)]
    return [
        Sheet(sheet_name("summary", lang), whole.summary, money=amounts, keys=2, notes=notes, total="region_name"),
        Sheet(sheet_name("detail", lang), detail, money=money_columns(detail), keys=2, percent=shares, counts=counts,
              total="region_name", rules=result.rules, notes=[word("sheet_detail", lang)]),
        Sheet(sheet_name("cells", lang), whole.cells, money=money_columns(whole.cells), keys=3,
              total="month", notes=[word("sheet_cells", lang)]),
    ]  # fmt: skip


def payout_csv_frame(result: Payout, dialect: str, exact: bool) -> pd.DataFrame:
    """The detail as a CSV file holds it: exact (English dialect or asked) or in whole kronor that add up."""
    return result.table if dialect == "en" or exact else payout_in_whole_kronor(result).table


def whatif_sheets(w, lang: str = "en") -> list[Sheet]:
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
    money = [c for c in money_columns(cells) if c in cells.columns]  # before, after, one more unit, a kind's own
    shares = [c for c in cells.columns if c.endswith("_pp") or "share" in c]
    notes = [
        word("sheet_whatif", lang, region=f"{w.region} {w.as_dict()['region_name']}"),
        *_notes(w.baseline.provenance, lang),
    ]
    return [
        Sheet(sheet_name("summary", lang), totals, keys=2, notes=notes, percent=["improve_pp"]),
        Sheet(sheet_name("cells", lang), cells, money=money, keys=3, percent=shares, total="month",
              rules=w.baseline.rules),
    ]  # fmt: skip


def whatif_cells_whole(cells: pd.DataFrame) -> pd.DataFrame:
    """A what-if's cells in whole kronor: before and after by largest remainder, the change between them."""
    extra = [c for c in cells.columns if c.startswith("sek_per_extra_")]  # what one more unit of the lever brings
    cells = in_whole_kronor(cells, ["amount_before_sek", "amount_after_sek", *extra])
    cells["delta_sek"] = cells["amount_after_sek"] - cells["amount_before_sek"]
    return cells


def curve_sheets(points: pd.DataFrame, region: str, provenance: dict, lang: str = "en") -> list[Sheet]:
    """A payout curve: the region's amount at every improvement (each rounded on its own)."""
    curve = points.assign(amount_sek=np.rint(points["amount_sek"]))
    notes = [word("sheet_curve", lang, region=region)]
    return [Sheet(sheet_name("curve", lang), curve, keys=1, percent=["improvement_pp"], notes=notes)]


def compare_in_whole_kronor(frame: pd.DataFrame) -> pd.DataFrame:
    """A comparison in whole kronor: every variant's column rounded to add up (largest remainder), the differences
    taken between the rounded columns, so that each ``diff_`` is exactly what a reader sees."""
    from ..analysis.compare import DIFF_PREFIX, variant_columns

    names = variant_columns(frame)
    rounded = in_whole_kronor(frame, names)
    for name in names[1:]:
        rounded[DIFF_PREFIX + name] = rounded[name] - rounded[names[0]]
    return rounded


def compare_csv_frame(frame: pd.DataFrame, dialect: str, exact: bool) -> pd.DataFrame:
    """A comparison as a CSV file holds it: exact (English dialect or asked) or in whole kronor."""
    return frame if dialect == "en" or exact else compare_in_whole_kronor(frame)


def write_comparison(
    path: str | Path, frame: pd.DataFrame, provenance: dict, dialect: str, exact: bool, lang: str = "en"
) -> list[Path]:
    """A comparison as Parquet, CSV (in the Swedish dialect in whole kronor unless ``exact``) or a workbook."""
    table = compare_csv_frame(frame, dialect, exact)
    return write_output(path, table, provenance, lambda: compare_sheets(frame, lang), dialect, exact, lang=lang)


def compare_sheets(frame: pd.DataFrame, lang: str = "en") -> list[Sheet]:
    """A comparison: every variant per region (whole kronor, each column adding up), the differences
    between the rounded columns, a total row, and the variants with their rules and totals."""
    from ..analysis.compare import DIFF_PREFIX, variant_columns

    names = variant_columns(frame)
    rounded = compare_in_whole_kronor(frame)
    money = [*names, *(DIFF_PREFIX + n for n in names[1:])]
    variants = pd.DataFrame(
        [
            {
                "variant": name,
                "rules": v["rules"],
                "origin": provenance_value(v["origin"], lang),
                "overrides": ", ".join(f"{k}={val}" for k, val in v["overrides"].items()),
                **{k: int(round(x)) for k, x in frame.attrs["totals"][name].items()},
            }
            for name, v in frame.attrs["variants"].items()
        ]
    )
    notes = [word("sheet_compare", lang), *_notes({"no_data": frame.attrs.get("no_data")}, lang)]
    totals = [c for c in variants.columns if c.endswith("_sek")]
    return [
        Sheet(sheet_name("summary", lang), rounded, money=money, keys=2, notes=notes, total="region_name"),
        Sheet(sheet_name("variants", lang), variants, money=[], mnkr=totals, notes=[word("sheet_variants", lang)]),
    ]


def sweep_sheets(summary: pd.DataFrame, manifest: dict, lang: str = "en") -> list[Sheet]:
    """A sweep's summary: amounts per region in mnkr (each statistic rounded to whole kronor on its own; the means
    add up to a total row), chances."""
    money = [c for c in summary.columns if c.endswith("_sek")]
    rounded = summary.assign(**{c: np.rint(summary[c]) for c in money})
    chances = [c for c in summary.columns if c.startswith("p_")]
    name = (manifest.get("scenario") or {}).get("name", "")
    rules = (manifest.get("rules") or {}).get("id", "")
    notes = [word("sheet_sweep", lang, rules=rules, scenario=name, n=format_number(manifest.get("n"), lang=lang))]
    means = [c for c in money if c.startswith("mean")]
    table = Sheet(sheet_name("summary", lang), rounded, money=[], mnkr=money, chance=chances, keys=2, notes=notes)
    return [dataclasses.replace(table, total="region_name" if means else None, mnkr=money)]


def variant_sheets(by_region: pd.DataFrame, scheme: pd.DataFrame, manifest: dict, lang: str = "en") -> list[Sheet]:
    """A variant sweep's tables: each variant's scheme-level outcomes, and its amounts per region (mnkr)."""
    n = format_number(manifest.get("n"), lang=lang)
    sheets = []
    for key, frame, keys in (("variant_outcomes", scheme, 1), ("variants", by_region, 3)):
        money = [c for c in frame.columns if c.endswith("_sek") and "per_inhabitant" not in c]
        rounded = frame.assign(**{c: np.rint(frame[c]) for c in money})
        chances = [c for c in frame.columns if c.startswith("p_")]
        notes = [word(f"sheet_{key}_sweep", lang, n=n)]
        sheets.append(
            Sheet(sheet_name(key, lang), rounded, money=[], mnkr=money, chance=chances, keys=keys, notes=notes)
        )
    return sheets


def write_output(
    path: str | Path,
    frame: pd.DataFrame,
    provenance: dict,
    sheets: Callable[[], list[Sheet]] | None = None,
    dialect: str = "en",
    exact: bool = False,
    *,
    lang: str = "en",
    rules=None,
) -> list[Path]:
    """Write ``frame`` (Parquet, or CSV in a dialect: the Swedish one for people, in ``lang``, with ``rules``'
    route words and a first line for synthetic data) or, for ``.xlsx``, the sheets (built only then) and the
    provenance."""
    path = check_out(path)
    if path.suffix.lower() == ".xlsx":
        if sheets is None:
            raise InputError(say("refuse.no_workbook", path=path))
        return [write_workbook(path, sheets(), provenance, lang=lang, rules=rules)]
    note = None
    if dialect == "sv" and path.suffix.lower() == ".csv":
        frame = for_people(frame, lang, rules, exact)
        note = synthetic_line(lang) if is_synthetic(provenance) else None
    return write_table(frame, path, provenance, dialect, exact, note=note)


def sweep_for_people(out_dir: str | Path, lang: str = "en", dialect: str = "en") -> None:
    """Write a finished sweep's workbook in ``lang`` and its CSV tables in ``dialect`` where they are not so already
    (a sweep writes them in English; a complete sweep reused keeps what its last command wrote)."""
    out_dir = Path(out_dir)
    if _workbook_lang(out_dir / "summary.xlsx") != lang:
        write_sweep_workbook(out_dir, lang)
    if _csv_dialect(out_dir / "summary.csv") != dialect:
        write_sweep_csvs(out_dir, lang, dialect)


def _workbook_lang(path: Path) -> str | None:
    """The language of a sweep's workbook, by its first sheet's name (None: unreadable)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as book:
            names = book.read("xl/workbook.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return next((lang for lang in ("sv", "en") if f'name="{sheet_name("summary", lang)}"' in names), None)


def _csv_dialect(path: Path) -> str | None:
    """The dialect of a CSV table kommiljard wrote: the Swedish one starts with a byte-order mark."""
    try:
        with path.open("rb") as file:
            return "sv" if file.read(3) == "\ufeff".encode() else "en"
    except OSError:
        return None


def write_sweep_csvs(out_dir: str | Path, lang: str = "sv", dialect: str = "sv") -> list[Path]:
    """Write a finished sweep's CSV tables (``summary.csv`` and a variant sweep's) again: in the English dialect
    the contract's columns, exact; in the Swedish one as people read them in ``lang`` (headers in words, whole
    kronor, the synthetic mark on the first line)."""
    from .dialects import csv_text
    from .files import read_complete_sweep, write_text

    out_dir = Path(out_dir)
    manifest = read_complete_sweep(out_dir, say("refuse.run_sweep_first"))
    names = ["summary", *(["variants", "variant_outcomes"] if manifest.get("variants") else [])]
    for name in names:
        table = pd.read_parquet(out_dir / f"{name}.parquet")
        note = synthetic_line(lang)
        text = csv_text(table) if dialect == "en" else csv_text(for_people(table, lang), "sv", note=note)
        write_text(out_dir / f"{name}.csv", text)
    return [out_dir / f"{name}.csv" for name in names]


def write_sweep_workbook(out_dir: str | Path, lang: str = "en") -> Path:
    """Write a finished sweep's ``summary.xlsx`` again, in ``lang``, from the tables the sweep wrote (its summary
    and, for a variant sweep, the variants' tables)."""
    from .files import read_complete_sweep

    out_dir = Path(out_dir)
    manifest = read_complete_sweep(out_dir, say("refuse.run_sweep_first"))
    sheets = sweep_sheets(pd.read_parquet(out_dir / "summary.parquet"), manifest, lang)
    if manifest.get("variants"):
        tables = [pd.read_parquet(out_dir / f"{name}.parquet") for name in ("variants", "variant_outcomes")]
        sheets += variant_sheets(*tables, manifest, lang)
    provenance = {k: v for k, v in manifest.items() if k not in ("parts", "status")}
    return write_workbook(out_dir / "summary.xlsx", sheets, provenance, lang=lang)
