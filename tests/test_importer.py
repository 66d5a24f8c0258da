"""Importing spreadsheet exports with Swedish names and decimal commas into the canonical panel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from kommiljard.errors import InputError
from kommiljard.inputs.importer import import_export, import_summary, number
from kommiljard.inputs.panel import read_panel, validate_panel
from kommiljard.outputs.files import write_panel

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_EXPORT = ROOT / "data" / "sample_export_sv.csv"
KEY = ["region", "month", "group"]


def write(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_the_sample_export_round_trips_to_the_sample_panel(sample_panel_path):
    imported = import_export(SAMPLE_EXPORT)
    expected = validate_panel(pd.read_parquet(sample_panel_path)).sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(imported.frame.sort_values(KEY, ignore_index=True)[expected.columns], expected)
    assert (
        imported.layout == "wide" and imported.synthetic and "SYNTETISKA" in imported.metadata["kommiljard.description"]
    )
    summary = import_summary(imported).set_index("region")
    assert (
        summary.loc["06", "written_as"] == "Region Jönköpings län" and summary.loc["06", "region_name"] == "Jönköping"
    )
    assert summary.loc["14", "written_as"] == "Västra Götalandsregionen"


def test_a_wide_export_with_every_month_format_names_and_decimal_commas(tmp_path):
    text = (
        "Väntetider i vården, export 2020-01-15\n\n"
        "REGION;Vårdkontakt;Mått;2018-09;sep 2019;Oktober 2018;okt. 2019;2018-11-01;2019 nov\n"
        "06;Förstabesök;Andel väntande inom 90 dagar (%);81,2;82,7 %;80;84,0;79,9;83,3\n"
        "Jönköpings län;Förstabesök;Andel väntande inom 60 dagar;70,1;71,0;69;72,5;68,8;70\n"
        "6;Förstabesök;Antal väntande;12\u00a0345;12 001;;;11 800;11 900\n"
        "Region Jönköpings län;Operation/åtgärd;Andel väntande inom 90 dagar;64,5;66;70;71;72;73\n"
        "Jönköping;OPERATION/ÅTGÄRD;Andel väntande inom 60 dagar;55,5;56;60;61;62;63\n"
        ";;;;;;;;\n"
    )
    imported = import_export(write(tmp_path, text, encoding="cp1252"))  # Excel's CSV on Swedish Windows
    f = imported.frame.set_index(KEY)
    assert sorted(f.index.get_level_values("month").unique()) == [
        "2018-09",
        "2018-10",
        "2018-11",
        "2019-09",
        "2019-10",
        "2019-11",
    ]
    assert set(f.index.get_level_values("region")) == {"06"}
    assert f.loc[("06", "2019-09", "first_visit"), "share_90"] == 82.7
    assert f.loc[("06", "2019-10", "first_visit"), "share_60"] == 72.5
    assert f.loc[("06", "2018-09", "first_visit"), "n_waiting"] == 12345
    assert pd.isna(f.loc[("06", "2018-10", "first_visit"), "n_waiting"])
    assert f.loc[("06", "2019-11", "operation"), "share_90"] == 73.0
    assert imported.title == ["Väntetider i vården, export 2020-01-15"] and not imported.synthetic
    assert imported.region_spellings["06"] == ["06", "6", "Jönköping", "Jönköpings län", "Region Jönköpings län"]


def test_a_long_export_with_the_group_given_on_the_command_line(tmp_path):
    text = (
        "Län\tMånad\tAndel väntande inom 90 dagar\tAndel väntande inom 60 dagar\n"
        "Region Skåne\tseptember 2019\t71,3\t60,2\n12\tseptember 2018\t70\t59,9\n"
    )
    imported = import_export(write(tmp_path, text), group="operation")
    assert imported.layout == "long"
    assert imported.frame[KEY + ["share_90"]].values.tolist() == [
        ["12", "2018-09", "operation", 70.0],
        ["12", "2019-09", "operation", 71.3],
    ]


def test_an_xlsx_export_with_dates_as_month_headers(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Info"
    book.active.append(["nothing here"])
    sheet = book.create_sheet("Väntetider")
    sheet.append(["SYNTETISKA data för test"])
    sheet.append(["Region", "Vårdkontakt", "Mått", dt.datetime(2018, 9, 1), dt.datetime(2019, 9, 1)])
    sheet.append(["Region Gotland", "Förstabesök", "Andel väntande inom 90 dagar", 80.5, 82.25])
    sheet.append(["Region Gotland", "Förstabesök", "Andel väntande inom 60 dagar", "70,5", 71])
    path = tmp_path / "export.xlsx"
    book.save(path)
    imported = import_export(path, sheet="Väntetider")
    assert imported.frame[KEY + ["share_90", "share_60"]].values.tolist() == [
        ["09", "2018-09", "first_visit", 80.5, 70.5],
        ["09", "2019-09", "first_visit", 82.25, 71.0],
    ]
    assert imported.synthetic
    with pytest.raises(InputError, match="no sheet 'Vantetider'; did you mean 'Väntetider'"):
        import_export(path, sheet="Vantetider")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("81,2", 81.2),
        ("81,2 %", 81.2),
        ("81.2", 81.2),
        ("12 345", 12345.0),
        ("12\u00a0345", 12345.0),
        ("", None),
        ("..", None),
        ("-", None),
        (7, 7.0),
    ],
)
def test_numbers_as_spreadsheets_write_them(text, value):
    assert number(text) == value


def test_bad_exports_get_every_problem_at_once_with_suggestions(tmp_path):
    text = (
        "Region;Vårdkontakt;Mått;septmber 2019;okt 2019\n"
        "Region Jönkobing;Förstabesök;Andel väntande inom 90 dagar;81,2;8x,1\n"
        "Region Stockholm;Återbesök;Andel väntande inom 90 dagar;81,2;80\n"
        "Stockholm;Förstabesök;Medelväntetid;71,2;70\n"
    )
    with pytest.raises(InputError) as err:
        import_export(write(tmp_path, text))
    message = str(err.value)
    assert "5 problems" in message
    assert "column 'septmber 2019' is not a month" in message and "did you mean 'september 2019'?" in message
    assert "row 2, column E ('okt 2019'): '8x,1' is not a number" in message
    assert (
        "row 2, column A ('Region'): region 'Region Jönkobing' is not a Swedish region; did you mean 06 Jönköping?"
        in message
    )
    assert "row 3, column B ('Vårdkontakt'): group 'Återbesök' is not first visits" in message
    assert "row 4, column C ('Mått'): measure 'Medelväntetid' is not one of" in message


@pytest.mark.parametrize(
    ("text", "group", "expected"),
    [
        ("Namn;X\n1;2\n", None, "no header row with a region column"),
        (
            "Region;Månad;Andel väntande inom 90 dagar;Andel väntande inom 60 dagar\n06;2019-09;81;70\n",
            None,
            "no group column",
        ),
        (
            "Region;Månad;Andel väntande inom 90 dagar;Andel väntande inom 60 dagar\n06;2019-09;81;70\n",
            "operatoin",
            "did you mean 'operation'",
        ),
        ("Region;Vårdkontakt;sep 2019\n06;Förstabesök;81\n", None, "no measure column (Mått)"),
        ("Region;Månad;Grupp;Andel väntande inom 90 dagar\n06;2019-09;Förstabesök;81\n", None, "has no share_60"),
        (
            "Region;Månad;Grupp;Andel väntande inom 90 dagar;Andel väntande inom 60 "
            "dagar\n06;2019-09;Förstabesök;0,81;0,7\n",
            None,
            "look like fractions",
        ),
        (
            "Region;Månad;Grupp;Andel väntande inom 90 dagar;Andel väntande inom 60 "
            "dagar\n06;2019-09;Förstabesök;81;70\nJönköping;2019-09;Förstabesök;82;70\n",
            None,
            "row 3, column D ('Andel väntande inom 90 dagar'): the share_90 of 06 Jönköping, 2019-09, first_visit is "
            "given twice: here and at row 2, column D",
        ),
        (
            "Region;Månad;Grupp;Andel väntande inom 90 dagar;Andel väntande inom 60 "
            "dagar\n06;2019-09;Förstabesök;71;80\n",
            None,
            "share_60 = 80.0 is above share_90 = 71.0",
        ),
    ],
)
def test_bad_exports_are_refused_clearly(tmp_path, text, group, expected):
    with pytest.raises(InputError) as err:
        import_export(write(tmp_path, text), group=group)
    assert expected in str(err.value)


def test_the_imported_panel_keeps_where_it_came_from_and_that_it_is_synthetic(tmp_path):
    imported = import_export(SAMPLE_EXPORT)
    out = write_panel(imported.frame, tmp_path / "panel.parquet", imported.metadata, imported.synthetic)
    meta = pq.read_schema(out).metadata
    assert meta[b"kommiljard.synthetic"] == b"true" and meta[b"kommiljard.imported_from"] == str(SAMPLE_EXPORT).encode()
    panel = read_panel(out)
    assert panel.synthetic and len(panel.frame) == 252
    with pytest.raises(InputError, match="SYNTHETIC and a CSV file cannot say so"):
        write_panel(imported.frame, tmp_path / "panel.csv", imported.metadata, imported.synthetic)
