"""Write data/sample_export_sv.csv: the SYNTHETIC sample panel laid out as a spreadsheet export.

    .venv/bin/python data/make_sample_export.py

Wide layout as the waiting-time statistics export it: one row per region, group (Vårdkontakt)
and measure (Mått), one column per month (``sep 2018`` ...), semicolons, decimal commas,
official region names, UTF-8 with a byte-order mark (so that Excel shows å, ä, ö), and a
title line that says the data are synthetic. ``kommiljard import`` reads it back into the
sample panel exactly.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from kommiljard.inputs.regions import region_names
from kommiljard.outputs.files import write_text

HERE = Path(__file__).resolve().parent
OFFICIAL = {
    "04": "Region Sörmland",
    "06": "Region Jönköpings län",
    "08": "Region Kalmar län",
    "14": "Västra Götalandsregionen",
    "18": "Region Örebro län",
}
GROUP_NAMES = {"first_visit": "Förstabesök", "operation": "Operation/åtgärd"}
MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
MEASURE_NAMES = {
    "share_90": "Andel väntande inom 90 dagar",
    "share_60": "Andel väntande inom 60 dagar",
    "n_waiting": "Antal väntande",
}


def decimal_comma(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


def export_rows(panel: pd.DataFrame) -> list[list[str]]:
    months = sorted(panel["month"].unique())
    labels = [f"{MONTHS_SV[int(m[5:]) - 1]} {m[:4]}" for m in months]
    rows = [["Region", "Vårdkontakt", "Mått", *labels]]
    wide = panel.set_index(["region", "group", "month"])
    for region, name in region_names().items():
        for group, group_name in GROUP_NAMES.items():
            for measure, measure_name in MEASURE_NAMES.items():
                values = [wide.loc[(region, group, m), measure] for m in months]
                rows.append(
                    [
                        OFFICIAL.get(region, f"Region {name}"),
                        group_name,
                        measure_name,
                        *(decimal_comma(v, 0 if measure == "n_waiting" else 1) for v in values),
                    ]
                )
    return rows


def main() -> None:
    panel = pd.read_parquet(HERE / "sample_panel_2019.parquet")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "Väntetider i vården, specialiserad vård: SYNTETISKA data (SYNTHETIC sample, not real regional data), "
            "från data/sample_panel_2019.parquet"
        ]
    )
    writer.writerow([])
    writer.writerows(export_rows(panel))
    out = HERE / "sample_export_sv.csv"
    write_text(out, "\ufeff" + buffer.getvalue())
    print(f"wrote {out}: {len(panel['region'].unique())} regions x 2 groups x 3 measures, SYNTHETIC")


if __name__ == "__main__":
    main()
