"""Write examples/exports/: the SYNTHETIC sample panel in the real export layouts, for `kommiljard import`.

    .venv/bin/python data/make_sample_exports.py [--out examples/exports]

- ``socialstyrelsen_<phase>_<measure>.csv``: one file per phase (``forstabesok``, ``operation``)
  and measure (``andel_90``, ``andel_60``, ``antal``), laid out as Socialstyrelsen's statistics
  database exports them: a title line naming contact status, phase and measure, a row with
  the year of each column, ``Region;September;Oktober;...``, the national row ``Alla regioner``,
  one row per region as the database names them, decimal commas, a footer line; UTF-8, ``;``.
  ``socialstyrelsen_forstabesok_andel_90.xlsx`` is the first of them as a workbook.
- ``kontaktkort_2019_<phase>.csv``: one table per phase in the style of SKR's vantetider.se
  Kontaktkort tables of 2019: month headers ``Sep 2018 ... Nov 2019``, values ``75,3 %`` and
  ``70 942 st``, rows for the country (id 1), the six healthcare regions (ids 101-106), the
  county councils (vantetider.se ids, Stockholm 10 ... Norrbotten 65, vantetider.se's names)
  and a few hospitals (ids of this example), four measure rows per unit (one of them, the
  share waiting longer than 90 days, is not imported), ``Ejdeltagit`` and ``N/A`` in hospital
  rows; Windows-1252 with CRLF, as Excel on a Swedish Windows saves CSV.

Every title says the data are SYNTHETIC, so the imported panel is marked synthetic. The six
Socialstyrelsen CSV files, or the two Kontaktkort tables, import back to
``data/sample_panel_2019.parquet`` exactly (``tests/test_import_layouts.py`` checks it).
The healthcare regions' and hospitals' rows are only there to be left aside: their figures
are weighted means of (or offsets from) the regions' and mean nothing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from kommiljard.outputs import atomic_path
from kommiljard.regions import region_identifiers

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample_panel_2019.parquet"
OUT = HERE.parent / "examples" / "exports"
SYNTHETIC = "SYNTETISKA data (SYNTHETIC sample made from data/sample_panel_2019.parquet: not real regional data)"
PHASES = {
    "first_visit": ("forstabesok", "Första besök", "förstabesök"),
    "operation": ("operation", "Operation/åtgärd", "operation/åtgärd"),
}
MEASURES = {
    "share_90": ("andel_90", "Andel inom 90 dagar"),
    "share_60": ("andel_60", "Andel inom 60 dagar"),
    "n_waiting": ("antal", "Antal"),
}
MONTHS = (
    "Januari",
    "Februari",
    "Mars",
    "April",
    "Maj",
    "Juni",
    "Juli",
    "Augusti",
    "September",
    "Oktober",
    "November",
    "December",
)
SHORT = ("Jan", "Feb", "Mars", "April", "Maj", "Juni", "Juli", "Aug", "Sep", "Okt", "Nov", "Dec")
HEALTHCARE_REGIONS = {  # this example's ids and members (kommiljard reads none of it)
    101: ("Norra sjukvårdsregionen", ("22", "23", "24", "25")),
    102: ("Uppsala-Örebro sjukvårdsregion", ("03", "04", "17", "18", "19", "20", "21")),
    103: ("Stockholm-Gotland sjukvårdsregion", ("01", "09")),
    104: ("Sydöstra sjukvårdsregionen", ("05", "06", "08")),
    105: ("Södra sjukvårdsregionen", ("07", "10", "12")),
    106: ("Västra sjukvårdsregionen", ("13", "14")),
}
HOSPITALS = {  # region -> (id, name, offset in pp from the region's figures; None: a missing mark)
    "01": (2001, "Karolinska Universitetssjukhuset", -2.5),
    "03": (2002, "Akademiska sjukhuset", "Ejdeltagit"),
    "06": (2003, "Länssjukhuset Ryhov", 1.5),
    "12": (2004, "Skånes universitetssjukhus", "N/A"),
    "14": (2005, "Sahlgrenska Universitetssjukhuset", -1.0),
    "25": (2006, "Sunderby sjukhus", 0.5),
}
KONTAKTKORT_MEASURES = {
    "share_90": "Andel väntande inom 90 dagar",
    "share_60": "Andel väntande inom 60 dagar",
    "n_waiting": "Totalt antal väntande",
    "over_90": "Andel väntande mer än 90 dagar",
}


def decimal_comma(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


def weighted(panel: pd.DataFrame, regions, group: str, month: str, measure: str) -> float | int:
    """The figure of several regions together: shares weighted by the number waiting, counts summed."""
    cells = panel[panel["region"].isin(regions) & (panel["group"] == group) & (panel["month"] == month)]
    if measure == "n_waiting":
        return int(cells["n_waiting"].sum())
    return round(float((cells[measure] * cells["n_waiting"]).sum() / cells["n_waiting"].sum()), 1)


def socialstyrelsen_rows(panel: pd.DataFrame, group: str, measure: str) -> list[list[object]]:
    """The cells of one Socialstyrelsen export (numbers as numbers; the CSV writer formats them)."""
    months = sorted(panel["month"].unique())
    names = region_identifiers().set_index("scb_lan_code")["name_socialstyrelsen_sdb_2026"]
    title = (
        f"Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: {PHASES[group][1]}, {MEASURES[measure][1]}, "
        f"Alla kön, Ålder: Alla åldrar, {SYNTHETIC}"
    )
    rows: list[list[object]] = [
        [title],
        ["", *(int(m[:4]) for m in months)],
        ["Region", *(MONTHS[int(m[5:]) - 1] for m in months)],
    ]
    rows.append(["Alla regioner", *(weighted(panel, names.index, group, m, measure) for m in months)])
    cells = panel[panel["group"] == group].set_index(["region", "month"])[measure]
    for code, name in names.items():
        rows.append([name, *(cells[(code, m)].item() for m in months)])
    rows.append(["Syntetiskt exempel i Socialstyrelsens exportformat, data/make_sample_exports.py"])
    return rows


def kontaktkort_rows(panel: pd.DataFrame, group: str) -> list[list[str]]:
    """The cells of one Kontaktkort table in the 2019 style, as text."""
    months = sorted(panel["month"].unique())
    ids = region_identifiers().set_index("scb_lan_code")
    wide = panel[panel["group"] == group].set_index(["region", "month"])

    def figures(values: dict[str, float]) -> list[list[str]]:
        """The four measure rows of a unit from its share_90, share_60 and n_waiting per month."""
        out = []
        for measure, label in KONTAKTKORT_MEASURES.items():
            cells = []
            for m in months:
                v = values[m]
                if isinstance(v, str):
                    cells.append(v)
                elif measure == "n_waiting":
                    cells.append(decimal_comma(v["n_waiting"], 0) + " st")
                else:
                    share = 100 - v["share_90"] if measure == "over_90" else v[measure]
                    cells.append(decimal_comma(share, 1) + " %")
            out.append([label, *cells])
        return out

    def together(regions) -> dict[str, dict[str, float]]:
        return {
            m: {x: weighted(panel, regions, group, m, x) for x in ("share_90", "share_60", "n_waiting")} for m in months
        }

    rows = [
        [f"Väntetider i vården, Kontaktkort: specialiserad vård, {PHASES[group][2]}, väntande, {SYNTHETIC}"],
        [],
        ["Id", "Enhet", "Mått", *(f"{SHORT[int(m[5:]) - 1]} {m[:4]}" for m in months)],
    ]
    rows += [["1", "Riket", *r] for r in figures(together(ids.index))]
    for unit, (name, members) in HEALTHCARE_REGIONS.items():
        rows += [[str(unit), name, *r] for r in figures(together(members))]
    for code, row in ids.iterrows():
        own = {m: {x: float(wide.loc[(code, m), x]) for x in ("share_90", "share_60", "n_waiting")} for m in months}
        rows += [[row["vantetider_landstingskod"], row["name_vantetider_2016"], *r] for r in figures(own)]
        if code in HOSPITALS:
            unit, name, offset = HOSPITALS[code]
            if isinstance(offset, str):
                values = {m: (offset if i % 2 else own[m]) for i, m in enumerate(months)}
            else:
                values = {
                    m: {
                        "share_90": min(100.0, v["share_90"] + offset),
                        "share_60": min(100.0, v["share_60"] + offset),
                        "n_waiting": round(v["n_waiting"] / 3),
                    }
                    for m, v in own.items()
                }
            rows += [[str(unit), name, *r] for r in figures(values)]
    return rows


def csv_text(rows: list[list[object]], line_end: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator=line_end)
    for row in rows:
        writer.writerow(
            [decimal_comma(v, 0 if float(v).is_integer() else 1) if isinstance(v, float) else v for v in row]
        )
    return buffer.getvalue()


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Statistikdatabasen"
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    book.properties.created = book.properties.modified = dt.datetime(2026, 1, 1)
    with atomic_path(path) as tmp:
        book.save(tmp)


def main(out: Path = OUT) -> list[Path]:
    panel = pd.read_parquet(SAMPLE)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for group, (phase, *_) in PHASES.items():
        for measure, (name, _) in MEASURES.items():
            path = out / f"socialstyrelsen_{phase}_{name}.csv"
            rows = socialstyrelsen_rows(panel, group, measure)
            write_bytes(path, csv_text(rows, "\n").encode("utf-8"))
            written.append(path)
            if (group, measure) == ("first_visit", "share_90"):
                written.append(path.with_suffix(".xlsx"))
                write_xlsx(written[-1], rows)
        path = out / f"kontaktkort_2019_{phase}.csv"
        write_bytes(path, csv_text(kontaktkort_rows(panel, group), "\r\n").encode("cp1252"))
        written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write to (default: examples/exports)")
    for path in main(parser.parse_args().out):
        print(f"wrote {path}")
