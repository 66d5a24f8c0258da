"""The real export layouts (Socialstyrelsen, SKR Kontaktkort) and several files into one panel.

The fixtures in examples/exports/ are the sample panel written in each layout by
data/make_sample_exports.py; tests edit copies of them cell by cell.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import InputError
from kommiljard.inputs.importer import import_export, import_exports
from kommiljard.inputs.layouts import Hints, read_export
from kommiljard.inputs.panel import validate_panel
from kommiljard.inputs.regions import code_of_vantetider_id, normalise_code
from kommiljard.inputs.vocabulary import measure_named, read_title

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "examples" / "exports"
BUP_EXAMPLE = ROOT / "tests" / "fixtures" / "socialstyrelsen_bup_median_genomford.csv"
KEY = ["region", "month", "group"]
SOCIALSTYRELSEN_SHARES = [f"socialstyrelsen_{p}_andel_{d}.csv" for p in ("forstabesok", "operation") for d in (90, 60)]
SOCIALSTYRELSEN_ALL = sorted(p.name for p in EXPORTS.glob("socialstyrelsen_*.csv"))
KONTAKTKORT = ["kontaktkort_2019_forstabesok.csv", "kontaktkort_2019_operation.csv"]
runner = CliRunner()


@pytest.fixture(scope="module")
def sample(sample_panel_path) -> pd.DataFrame:
    return validate_panel(pd.read_parquet(sample_panel_path)).sort_values(KEY, ignore_index=True)


def copies(tmp_path: Path, names: list[str]) -> list[Path]:
    out = []
    for name in names:
        shutil.copy(EXPORTS / name, tmp_path / name)
        out.append(tmp_path / name)
    return out


def encoding_of(path: Path) -> str:
    return "cp1252" if path.name.startswith("kontaktkort") else "utf-8"


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding_of(path)), newline=""), delimiter=";"))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding_of(path)))


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set a cell as a spreadsheet names it (row 5, column E)."""
    rows = read_rows(path)
    rows[row - 1][ord(column) - ord("A")] = value
    write_rows(path, rows)


def drop_row(path: Path, first_cell: str) -> None:
    write_rows(path, [r for r in read_rows(path) if not r or r[0] != first_cell])


def cli(*args) -> object:
    return runner.invoke(app, ["import", *map(str, args)])


# --- the fixtures are the sample panel, in each layout ---------------------------------------


def test_the_fixtures_are_what_the_script_writes_from_the_sample_panel(tmp_path):
    spec = importlib.util.spec_from_file_location("make_sample_exports", ROOT / "data" / "make_sample_exports.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    written = script.main(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in EXPORTS.iterdir())
    for path in written:
        if path.suffix == ".csv":
            assert path.read_bytes() == (EXPORTS / path.name).read_bytes(), path.name
        else:
            new, old = load_workbook(path).active, load_workbook(EXPORTS / path.name).active
            assert [list(r) for r in new.values] == [list(r) for r in old.values]


def test_the_socialstyrelsen_exports_import_back_to_the_sample_panel(sample):
    imported = import_exports([EXPORTS / name for name in SOCIALSTYRELSEN_ALL])
    pd.testing.assert_frame_equal(imported.frame, sample)
    assert (
        imported.layout == "socialstyrelsen" and imported.synthetic and not imported.left_out and not imported.warnings
    )
    assert imported.region_spellings["04"] == ["Södermanland"] and imported.region_spellings["23"] == [
        "Jämtland Härjedalen"
    ]


def test_the_four_share_exports_make_a_panel_without_n_waiting(sample):
    imported = import_exports([EXPORTS / name for name in SOCIALSTYRELSEN_SHARES])
    assert list(imported.frame.columns) == [*KEY, "share_90", "share_60"]
    pd.testing.assert_frame_equal(imported.frame, sample[[*KEY, "share_90", "share_60"]])


def test_an_xlsx_export_reads_as_its_csv(sample):
    names = [EXPORTS / n for n in SOCIALSTYRELSEN_SHARES]
    names[0] = names[0].with_suffix(".xlsx")
    imported = import_exports(names)
    pd.testing.assert_frame_equal(imported.frame, sample[[*KEY, "share_90", "share_60"]])
    assert imported.files[0].kind == "xlsx, sheet 'Statistikdatabasen'"


def test_the_kontaktkort_tables_import_back_to_the_sample_panel(sample):
    imported = import_exports([EXPORTS / name for name in KONTAKTKORT])
    pd.testing.assert_frame_equal(imported.frame, sample)
    reading = imported.files[0]
    assert reading.layout == "kontaktkort" and reading.kind == "CSV (';', Windows-1252)"
    assert len(reading.skipped["the national figure"]) == 4
    assert len(reading.skipped["a healthcare region"]) == 24
    assert {text for _, text in reading.skipped["a hospital or other unit"]} >= {
        "Akademiska sjukhuset",
        "Sunderby sjukhus",
    }
    assert {text for _, text in reading.skipped["a measure kommiljard does not use"]} == {
        "Andel väntande mer än 90 dagar"
    }
    assert imported.region_spellings["04"] == ["Sörmland"]


def test_files_of_different_layouts_make_one_panel(sample, tmp_path):
    own = tmp_path / "operation_long.csv"
    operations = sample[sample["group"] == "operation"]
    own.write_text(operations.rename(columns={"region": "Region", "month": "Månad"}).to_csv(sep="\t", index=False))
    files = [EXPORTS / "kontaktkort_2019_forstabesok.csv", own]
    imported = import_exports(files, synthetic=True)
    pd.testing.assert_frame_equal(imported.frame, sample)
    assert imported.layout == "kontaktkort, long" and imported.source == f"{files[0]}; {files[1]}"
    assert len(imported.sha256.split("; ")) == 2


def test_a_panel_written_by_import_can_be_imported_again(sample, tmp_path):
    out = tmp_path / "panel.parquet"
    assert cli(*[EXPORTS / n for n in KONTAKTKORT], "--out", out).exit_code == 0
    again = import_export(out)
    pd.testing.assert_frame_equal(again.frame, sample)
    assert again.synthetic and again.layout == "long"  # the Parquet metadata says SYNTHETIC


# --- what the import prints -------------------------------------------------------------------


def test_the_import_says_per_file_what_it_read_and_left_aside(tmp_path):
    out = tmp_path / "panel.parquet"
    result = cli(
        *[EXPORTS / n for n in SOCIALSTYRELSEN_SHARES], EXPORTS / KONTAKTKORT[0], "--out", out, "--format", "csv"
    )
    assert result.exit_code == 2  # the Kontaktkort table gives the first-visit shares again
    assert "cells are also given by" in result.output
    result = cli(*[EXPORTS / n for n in SOCIALSTYRELSEN_ALL], "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.output
    text = result.output
    assert (
        "socialstyrelsen_operation_andel_60.csv (CSV (';', UTF-8)): Socialstyrelsen statistics database export" in text
    )
    assert (
        "phase: operation (title: 'Fas: Operation/åtgärd')" in text
        and "measure: share_60 (title: 'Andel inom 60 dagar')" in text
    )
    assert "months: 2018-09–2018-11, 2019-09–2019-11; regions: 21" in text
    assert "left aside 1 row, the national figure: 'Alla regioner' (row 4)" in text
    assert "a note or footer without values (ignored): 'Syntetiskt exempel" in text
    assert "panel: 252 rows, 21 regions" in text and "marked SYNTHETIC" in text
    assert pd.read_parquet(out).shape == (252, 6)


def test_a_flag_for_a_file_that_does_not_say_is_reported(tmp_path):
    (path,) = copies(tmp_path, ["socialstyrelsen_forstabesok_andel_90.csv"])
    rows = read_rows(path)
    rows[0] = ["Väntetider i specialiserad vård, Kontaktstatus: Väntande, Andel inom 90 dagar, SYNTETISKA data"]
    write_rows(path, rows)
    result = cli(path, "--out", tmp_path / "p.parquet")
    assert result.exit_code == 2 and "the file does not say its phase: give it with --group" in result.output
    result = cli(path, "--group", "Förstabesök", "--out", tmp_path / "p.parquet")
    assert (
        result.exit_code == 2
        and "the import has no share_60 (Andel väntande inom 60 dagar) of first visits" in result.output
    )
    reading, issues = read_export(path, Hints(group="first_visit"))
    assert not issues and reading.said["phase"] == "first_visit (from --group: the file does not say its phase)"


# --- suppressed, missing and repeated cells ---------------------------------------------------


def test_n_in_a_needed_cell_names_the_file_row_and_column(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    set_cell(files[1], 5, "E", "N")  # forstabesok_andel_60: Stockholm, September 2019
    with pytest.raises(InputError) as err:
        import_exports(files)
    message = str(err.value)
    assert f"{files[1]}: 1 problem" in message
    assert (
        "row 5, column E ('September 2019'): no value (suppressed: N) "
        "for the share_60 of 01 Stockholm, 2019-09, first_visit" in message
    )
    assert f"whose share_90 is given ({files[0]}, row 5, column E ('September 2019'))" in message


def test_n_in_cells_not_needed_is_fine(tmp_path, sample):
    files = copies(tmp_path, SOCIALSTYRELSEN_ALL)
    by_name = {p.name: p for p in files}
    set_cell(by_name["socialstyrelsen_forstabesok_antal.csv"], 12, "B", "N")  # Gotland's number waiting, Sep 2018
    for name in ("socialstyrelsen_operation_andel_90.csv", "socialstyrelsen_operation_andel_60.csv"):
        set_cell(by_name[name], 25, "G", "N")  # Norrbotten, operations, November 2019: both shares suppressed
    imported = import_exports(files)
    f = imported.frame.set_index(KEY)
    assert pd.isna(f.loc[("09", "2018-09", "first_visit"), "n_waiting"])
    assert ("25", "2019-11", "operation") not in f.index and len(f) == len(sample) - 1
    assert imported.dropped_rows == 1
    assert imported.left_out == ["25 Norrbotten, 2019-11, operation (share_90 suppressed: N; share_60 suppressed: N)"]
    expected = sample.set_index(KEY).drop(("25", "2019-11", "operation"))
    pd.testing.assert_frame_equal(f[["share_90", "share_60"]], expected[["share_90", "share_60"]])


def test_a_region_missing_from_one_file_is_named(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    drop_row(files[3], "Gotland")  # operation_andel_60
    with pytest.raises(InputError) as err:
        import_exports(files)
    message = str(err.value)
    assert f"{files[3]}: 1 problem" in message
    assert (
        "no row for 09 Gotland in this export of the share_60 of operations/treatment, while its share_90 is given"
        in message
    )
    assert f"{files[2]}, row 12" in message and "every export must cover the same regions" in message


def test_a_region_missing_from_every_file_is_a_warning_that_names_it(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    for path in files:
        drop_row(path, "Gotland")
    result = cli(*files, "--out", tmp_path / "p.parquet")
    assert result.exit_code == 0, result.output
    assert "warning: no file has a row for 09 Gotland: the panel does not cover it" in result.output


def test_a_misspelt_region_in_a_kontaktkort_table_is_left_aside_and_suggested(tmp_path):
    files = copies(tmp_path, KONTAKTKORT)
    for path in files:
        # misspelt, and without its id, so that the row is known by its name only
        write_rows(path, [["", "Gottland", *r[2:]] if r[1:2] == ["Gotland"] else r for r in read_rows(path)])
    imported = import_exports(files)
    assert "09" not in set(imported.frame["region"])
    assert (
        "09 Gotland (left aside: " in imported.warnings[0]
        and "'Gottland'; is it the region, misspelt?" in imported.warnings[0]
    )


def test_a_month_missing_from_one_file_is_named(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    write_rows(files[1], [r[:-1] if len(r) > 1 else r for r in read_rows(files[1])])  # drop November 2019
    with pytest.raises(InputError, match="no column for 2019-11 in this export of the share_60 of first visits"):
        import_exports(files)


def test_the_same_file_twice_is_refused(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    result = cli(*files, files[0], "--out", tmp_path / "p.parquet")
    assert result.exit_code == 2 and f"{files[0]}: has the same content as {files[0]}" in " ".join(
        result.output.split()
    )
    copy = tmp_path / "copy.csv"
    shutil.copy(files[0], copy)
    set_cell(copy, 5, "B", "75,4")
    with pytest.raises(InputError) as err:
        import_exports([*files, copy])
    message = str(err.value)
    assert f"{copy}: 1 problem" in message and f"126 cells are also given by {files[0]}" in message
    assert "share_90 of 01 Stockholm, 2018-09, first_visit (row 5, column B ('September 2018') here" in message
    assert "Is an export given twice?" in message


def test_a_region_written_twice_in_one_file_names_both_rows(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    rows = read_rows(files[0])
    rows.insert(8, ["Region Sörmland", *rows[6][1:]])  # row 7 is Södermanland
    write_rows(files[0], rows)
    with pytest.raises(InputError) as err:
        import_exports(files)
    assert (
        "row 9, column B ('September 2018'): the share_90 of 04 Södermanland, 2018-09, first_visit is given twice: "
        in str(err.value)
    )
    assert "here and at row 7, column B ('September 2018')" in str(err.value)


def test_share_60_above_share_90_names_both_files(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    set_cell(files[1], 5, "B", "99,9")
    with pytest.raises(InputError) as err:
        import_exports(files)
    message = str(err.value)
    assert f"{files[1]}: 1 problem" in message
    assert (
        f"row 5, column B ('September 2018'): share_60 = 99.9 is above share_90 = 75.3 ({files[0]}, row 5, column B"
        in message
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8x,1", "'8x,1' is not a number"), ("181,2", "'181,2' is not a percentage (0-100)"),
     ("70 942 st", "'70 942 st' is a count (st), but the cell is the share_90 of 01 Stockholm")],
)  # fmt: skip
def test_a_bad_value_is_located(tmp_path, value, expected):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    set_cell(files[0], 5, "C", value)
    with pytest.raises(InputError) as err:
        import_exports(files)
    assert f"{files[0]}: 1 problem" in str(err.value) and f"row 5, column C ('Oktober 2018'): {expected}" in str(
        err.value
    )


# --- titles: what a file holds ----------------------------------------------------------------


def test_the_real_socialstyrelsen_example_is_recognised_and_refused_for_what_it_holds(tmp_path):
    result = cli(BUP_EXAMPLE, "--out", tmp_path / "p.parquet")
    assert result.exit_code == 2 and "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "row 1, column A: the title says the file (Socialstyrelsen statistics database export) holds" in text
    assert "'Kontaktstatus: Genomförd' (not waiting patients)" in text and "(a median or mean waiting time)" in text
    assert "kommiljard imports waiting patients (Kontaktstatus: Väntande)" in text
    # a flag cannot make it what it is not
    assert (
        cli(BUP_EXAMPLE, "--measure", "share_90", "--group", "first_visit", "--out", tmp_path / "p.parquet").exit_code
        == 2
    )


def test_the_real_example_read_as_if_it_held_waiting_shares(tmp_path):
    """The real file's layout, with a title that names a measure kommiljard uses: N cells, national row, footer."""
    path = tmp_path / "export.csv"
    lines = BUP_EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[0] = "Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: Första besök, Andel inom 90 dagar"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:  # medians in days are no shares
        import_export(path)
    assert "row 7, column B ('Juli 2025'): '111' is not a percentage (0-100), but the cell is the share_90" in str(
        err.value
    )
    lines[0] = "Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: Första besök, Antal"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reading, issues = read_export(path, Hints())
    assert not issues and reading.said["measure"] == "n_waiting (title: 'Antal')"
    values = {(v.region, v.month): v for v in reading.values}
    assert values[("03", "2025-08")].value == 10.5 and values[("06", "2026-01")].value == 33.0
    assert values[("10", "2025-11")].value is None and values[("10", "2025-11")].written == "suppressed: N"
    assert len(reading.values) == 21 * 12 and sorted({v.month for v in reading.values})[::11] == ["2025-07", "2026-06"]
    assert reading.skipped["the national figure"] == [(3, "Alla regioner")]
    assert reading.notes == ["Socialstyrelsens statistikdatabas 2026-08-24"]


@pytest.mark.parametrize(
    ("title", "flags", "expected"),
    [
        ("Kontaktstatus: Väntande, Fas: Första besök, Andel väntande längre än 90 dagar", [], "waiting longer than 90"),
        ("Kontaktstatus: Väntande, Fas: Första besök, Andel 61-90 dagar", [], "the share waiting 61-90 days"),
        ("Kontaktstatus: Väntande, Fas: Utredning, Andel inom 90 dagar", [], "'Fas: Utredning' (not a phase"),
        ("Kontaktstatus: Väntande, Fas: Första besök, Andel inom 30 dagar", [], "the share within 30 days"),
        ("Kontaktstatus: Väntande, Fas: Första besök, Andel inom 90 dagar", ["--measure", "share_60"],
         "--measure share_60 contradicts the file, whose title says 'Andel inom 90 dagar' (share_90)"),
        ("Kontaktstatus: Väntande, Fas: Första besök, Andel inom 90 dagar", ["--group", "operation"],
         "--group operation contradicts the file, whose title says 'Fas: Första besök' (first_visit)"),
        ("Kontaktstatus: Väntande, Fas: Första besök", [], "the file does not say its measure: give it with --measure"),
    ],
)  # fmt: skip
def test_titles_that_name_something_else_or_contradict_a_flag(tmp_path, title, flags, expected):
    (path,) = copies(tmp_path, ["socialstyrelsen_forstabesok_andel_90.csv"])
    rows = read_rows(path)
    rows[0] = [title]
    write_rows(path, rows)
    result = cli(path, *flags, "--out", tmp_path / "p.parquet")
    assert result.exit_code == 2
    assert expected in " ".join(result.output.split())


def test_a_title_without_a_measure_takes_it_from_the_flag(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    rows = read_rows(files[0])
    rows[0] = ["Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: Första besök, SYNTETISKA data"]
    write_rows(files[0], rows)
    reading, issues = read_export(files[0], Hints(measure="share_90"))
    assert not issues and reading.said["measure"] == "share_90 (from --measure: the file does not say its measure)"
    assert {v.measure for v in reading.values} == {"share_90"}
    # the flag is for every file: the files that say another measure contradict it
    with pytest.raises(
        InputError, match="--measure share_90 contradicts the file, whose title says 'Andel inom 60 dagar'"
    ):
        import_exports(files, measure="share_90")


def test_a_table_without_its_phase_takes_it_from_the_flag(tmp_path, sample):
    (path,) = copies(tmp_path, [KONTAKTKORT[1]])
    rows = read_rows(path)
    rows[0] = ["Väntetider i vården, Kontaktkort, SYNTETISKA data"]
    write_rows(path, rows)
    with pytest.raises(InputError, match="the file does not say its phase: give it with --group"):
        import_export(path)
    imported = import_export(path, group="operation")
    operations = sample[sample["group"] == "operation"].reset_index(drop=True)
    pd.testing.assert_frame_equal(imported.frame, operations)
    assert imported.files[0].said["phase"] == "operation (from --group: the file does not say its phase)"
    assert imported.warnings == ["the panel has operations/treatment only; the 2019 rules need both phases."]


def test_an_own_layout_may_name_its_phase_and_measure_in_a_title(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text("Väntande, Fas: Operation/åtgärd, Andel inom 60 dagar\nRegion;sep 2019;okt 2019\nUppsala;61,5;62\n")
    reading, issues = read_export(path, Hints())
    assert not issues and reading.layout == "wide"
    assert {(v.region, v.month, v.group, v.measure, v.value) for v in reading.values} == {
        ("03", "2019-09", "operation", "share_60", 61.5), ("03", "2019-10", "operation", "share_60", 62.0)}  # fmt: skip
    path.write_text("Region;sep 2019\nUppsala;61,5\n")
    issues = read_export(path, Hints(group="operation"))[1]
    assert "no measure column (Mått)" in issues[0].message and "give it with --measure" in issues[0].message


@pytest.mark.parametrize(
    ("label", "measure", "other"),
    [("Andel inom 90 dagar", "share_90", None), ("Andel väntande inom 60 dagar (%)", "share_60", None),
     ("Andel väntande 0-90 dagar", "share_90", None), ("Antal väntande", "n_waiting", None),
     ("Totalt antal väntande", "n_waiting", None),
     ("share_90", "share_90", None), ("Andel väntande > 90 dagar", None, "the share waiting longer than 90 days"),
     ("Andel väntande mer än 90 dagar", None, "the share waiting longer than 90 days"),
     ("Andel väntande 61-90 dagar", None, "the share waiting 61-90 days"),
     ("Medianvärdet för väntetid", None, "a median or mean waiting time"),
     ("Antal väntande 0-30 dagar", None, "a count by waiting time"), ("Väntetider i specialiserad vård", None, None)],
)  # fmt: skip
def test_measure_labels(label, measure, other):
    assert measure_named(label) == (measure, other)


def test_titles_with_behandling_or_without_labels():
    says = read_title(["Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: Behandling, Antal"])
    assert (says.phase, says.measure, says.unusable) == ("operation", "n_waiting", [])
    says = read_title(["Kontaktstatus: Väntande, Fas: Första besök, Medianväntetid"])
    assert says.unusable_for(phase=True, measure=False) == [] and says.unusable_for(phase=False, measure=True)
    says = read_title(["Kontaktkort: specialiserad vård, förstabesök, Andel väntande inom 60 dagar"])
    assert (says.phase, says.measure, says.unusable) == ("first_visit", "share_60", [])
    says = read_title(["Genomförda operationer, Andel inom 90 dagar"])
    assert says.unusable_for(phase=False, measure=False) == ["performed contacts, not waiting patients"]


# --- SKR Kontaktkort: the 2016 style, ids and SCB codes ---------------------------------------

KONTAKTKORT_2016 = (
    "Väntetider i vården; Väntande till förstabesök; Andel som väntat högst 90 dagar\n"
    ";Sep2015;Okt2015;Nov2015;Dec2015;Jan2016;Feb2016;Mars2016;April2016;Maj2016;Juni2016;Juli2016;Aug2016\n"
    "Riket;73 %;78 %;80 %;79 %;78 %;79 %;81 %;81 %;81 %;80 %;76 %;72 %\n"
    "Sörmland;64 %;66 %;Ejdeltagit;70 %;71 %;70 %;72 %;71 %;70 %;69 %;65 %;60 %\n"
    "Mälarsjukhuset;61 %;N/A;66 %;67 %;70 %;70 %;71 %;70 %;69 %;68 %;64 %;59 %\n"
    "Västra Götalandsregionen;70 %;75 %;77 %;76 %;75 %;76 %;78 %;78 %;78 %;77 %;73 %;69 %\n"
    "Jämtland Härjedalen;55 %;58 %;60 %;61 %;62 %;N/A;64 %;63 %;62 %;61 %;57 %;52 %\n"
)


def test_a_kontaktkort_table_in_the_2016_style(tmp_path):
    path = tmp_path / "kontaktkort_2016.csv"
    path.write_text(KONTAKTKORT_2016, encoding="cp1252")
    reading, issues = read_export(path, Hints())
    assert not issues and reading.layout == "kontaktkort"
    assert reading.said == {"phase": "first_visit (title: 'Väntande till förstabesök')",
                            "measure": "share_90 (title: 'Andel som väntat högst 90 dagar')"}  # fmt: skip
    values = {(v.region, v.month): v for v in reading.values}
    assert sorted({v.region for v in reading.values}) == ["04", "14", "23"]
    assert values[("04", "2015-09")].value == 64.0 and values[("14", "2016-03")].value == 78.0
    assert (
        values[("04", "2015-11")].value is None and values[("04", "2015-11")].written == "did not take part: Ejdeltagit"
    )
    assert values[("23", "2016-02")].written == "not available: N/A"
    assert reading.skipped == {
        "the national figure": [(2, "Riket")],
        "a hospital or other unit": [(4, "Mälarsjukhuset")],
    }


@pytest.mark.parametrize(
    ("row", "expected"),
    [("10;Stockholm;Andel väntande inom 90 dagar", {"01"}), ("65;Norrbotten;Andel väntande inom 90 dagar", {"25"}),
     ("10;;Andel väntande inom 90 dagar", {"01"}), ("27;Region Blekinge;Andel väntande inom 90 dagar", {"10"})],
)  # fmt: skip
def test_kontaktkort_ids_are_vantetider_ids(tmp_path, row, expected):
    path = tmp_path / "kk.csv"
    path.write_text(
        "Förstabesök\nId;Enhet;Mått;Okt 2018;Nov 2018\n1;Riket;Andel väntande inom 90 dagar;80 %;82 %\n"
        f"{row};81 %;83 %\n"
    )
    reading, issues = read_export(path, Hints())
    assert not issues and {v.region for v in reading.values} == expected


def test_an_scb_code_in_a_kontaktkort_id_column_is_refused(tmp_path):
    path = tmp_path / "kk.csv"
    path.write_text("Förstabesök\nId;Enhet;Mått;Okt 2018\n10;Blekinge;Andel väntande inom 90 dagar;81 %\n")
    result = cli(path, "--out", tmp_path / "p.parquet")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert (
        "row 3, column A ('Id'): the id 10 is vantetider.se's county-council id of 01 Stockholm, "
        "but the row names 10 Blekinge" in text
    )
    assert "not SCB county codes" in text


def test_a_bare_number_in_a_kontaktkort_name_column_is_ambiguous(tmp_path):
    path = tmp_path / "kk.csv"
    path.write_text("Förstabesök, Andel väntande inom 90 dagar\nEnhet;Okt 2018\nRiket;80 %\n10;81 %\n")
    with pytest.raises(InputError) as err:
        import_export(path)
    assert "row 4, column A ('Enhet'): '10' is a number where the table names its units" in str(err.value)
    assert "vantetider.se's id of 01 Stockholm or the SCB code of 10 Blekinge" in str(err.value)


def test_own_layouts_read_numbers_as_scb_codes_and_hint_at_vantetider_ids(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text("Region;Månad;Grupp;share_90;share_60\n10;2019-09;first_visit;81;70\n")
    assert list(import_export(path).frame["region"]) == ["10"]  # Blekinge
    path.write_text("Region;Månad;Grupp;share_90;share_60\n65;2019-09;first_visit;81;70\n")
    with pytest.raises(InputError) as err:
        import_export(path)
    assert "region '65' is not a Swedish region (65 is a vantetider.se county-council id, of 25 Norrbotten" in str(
        err.value
    )


@pytest.mark.parametrize(
    ("written", "code"),
    [("Sörmland", "04"), ("Södermanland", "04"), ("Region Sörmland", "04"), ("Västra Götalandsregionen", "14"),
     ("Västra Götaland", "14"), ("Stockholms läns landsting", "01"), ("Jämtland Härjedalen", "23"), ("Jämtland", "23"),
     ("Region Jämtland Härjedalen", "23"), ("01", "01"), ("1", "01"), ("25", "25")],
)  # fmt: skip
def test_region_spellings_in_use_map_to_the_scb_code(written, code):
    assert normalise_code(written) == code


def test_every_vantetider_id_maps_to_one_scb_code():
    ids = {str(i): code_of_vantetider_id(i) for i in range(1, 110)}
    found = {i: c for i, c in ids.items() if c}
    assert len(found) == 21 and len(set(found.values())) == 21
    assert (found["10"], found["13"], found["27"], found["51"], found["65"]) == ("01", "04", "10", "14", "25")
    assert code_of_vantetider_id(1) is None and code_of_vantetider_id(101) is None


def test_region_spellings_in_a_socialstyrelsen_file(tmp_path, sample):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    names = {
        "Södermanland": "Region Sörmland",
        "Västra Götaland": "Västra Götalandsregionen",
        "Stockholm": "Stockholms läns landsting",
    }
    write_rows(files[0], [[names.get(r[0], r[0]) if r else r, *r[1:]] for r in read_rows(files[0])])
    imported = import_exports(files)
    pd.testing.assert_frame_equal(imported.frame, sample[[*KEY, "share_90", "share_60"]])
    assert imported.region_spellings["04"] == ["Region Sörmland", "Södermanland"]


# --- workbooks --------------------------------------------------------------------------------


def test_a_workbook_with_percent_cells_and_the_layout_on_its_second_sheet(tmp_path, sample):
    rows = read_rows(EXPORTS / "socialstyrelsen_forstabesok_andel_60.csv")
    book = Workbook()
    book.active.title = "Om statistiken"
    book.active.append(["Källa: Socialstyrelsen"])
    sheet = book.create_sheet("Data")
    for r, row in enumerate(rows):
        values = [
            int(v) if r == 1 and v else (float(v.replace(",", ".")) / 100 if 3 <= r < 25 and c else v)
            for c, v in enumerate(row)
        ]
        sheet.append(values)
        for cell in sheet[sheet.max_row][1:] if 3 <= r < 25 else []:
            cell.number_format = "0.0%"
    path = tmp_path / "andel_60.xlsx"
    book.save(path)
    files = [EXPORTS / SOCIALSTYRELSEN_SHARES[0], path]
    imported = import_exports(files)
    first = sample[sample["group"] == "first_visit"].reset_index(drop=True)
    pd.testing.assert_frame_equal(imported.frame, first[[*KEY, "share_90", "share_60"]])
    assert imported.files[1].kind == "xlsx, sheet 'Data'"
    with pytest.raises(InputError, match=r"no sheet 'data'; did you mean 'Data'\?"):
        import_exports(files, sheet="data")


# --- garbage in: exit 2 and a message, never a traceback ---------------------------------------


def _workbook_without_layout(path: Path) -> None:
    book = Workbook()
    book.active.append(["Namn", "Värde"])
    book.active.append(["a", 1])
    book.save(path)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("binary.csv", bytes(range(256)) * 4, "is not a text (CSV) file: it holds binary data"),
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n \n\n", "the file is empty"),
        ("one_column.csv", "Väntetider\nStockholm 81,2\nUppsala 79\n".encode(), "every row has at most one cell"),
        ("no_layout.csv", b"Namn;X\n1;2\n", "found no header row with a region column"),
        ("no_layout.xlsx", _workbook_without_layout, "found no header row with a region column"),
        ("not_a_workbook.xlsx", b"Region;sep 2019\n", "is not an Excel workbook"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "could not read the workbook"),
        ("old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old Excel workbook (.xls)"),
        ("report.pdf", b"%PDF-1.4", "import reads .csv (or .txt/.tsv), .xlsx and .parquet files, not '.pdf'"),
        ("broken.parquet", b"PAR1 nothing", "could not read the Parquet file"),
    ],
)  # fmt: skip
def test_garbage_files_are_refused_with_a_message(tmp_path, name, content, expected):
    path = tmp_path / name
    content(path) if callable(content) else path.write_bytes(content)
    result = cli(path, "--out", tmp_path / "p.parquet")
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert path.name in result.output
    assert expected in " ".join(result.output.split())
    assert not (tmp_path / "p.parquet").exists()


def test_a_missing_file_and_bad_flags(tmp_path):
    assert "no such export file" in cli(tmp_path / "nope.csv", "--out", tmp_path / "p.parquet").output
    result = cli(EXPORTS / SOCIALSTYRELSEN_SHARES[0], "--group", "operatoin", "--out", tmp_path / "p.parquet")
    assert result.exit_code == 2 and "--group 'operatoin' is not a group; did you mean 'operation'?" in result.output
    result = cli(EXPORTS / SOCIALSTYRELSEN_SHARES[0], "--measure", "median", "--out", tmp_path / "p.parquet")
    assert (
        result.exit_code == 2
        and "--measure 'median' is not a measure kommiljard imports (it names a median" in result.output
    )
    result = cli(EXPORTS / SOCIALSTYRELSEN_SHARES[0], "--out", tmp_path / "p.xlsx")
    assert result.exit_code == 2 and "--out must end in .parquet or .csv" in result.output


def test_a_utf16_tab_separated_export(tmp_path, sample):
    text = (EXPORTS / SOCIALSTYRELSEN_SHARES[1]).read_text(encoding="utf-8").replace(";", "\t")
    path = tmp_path / "unicode.txt"
    path.write_bytes(text.encode("utf-16"))
    imported = import_exports([EXPORTS / SOCIALSTYRELSEN_SHARES[0], path])
    assert imported.files[1].kind == "CSV (tab, UTF-16)"
    first = sample[sample["group"] == "first_visit"].reset_index(drop=True)
    pd.testing.assert_frame_equal(imported.frame, first[[*KEY, "share_90", "share_60"]])


def test_a_region_row_without_values_is_a_row_of_empty_cells(tmp_path):
    files = copies(tmp_path, SOCIALSTYRELSEN_SHARES)
    rows = read_rows(files[1])
    write_rows(files[1], [[r[0], *[""] * (len(r) - 1)] if r[:1] == ["Gotland"] else r for r in rows])
    with pytest.raises(InputError) as err:
        import_exports(files)
    message = str(err.value)
    assert f"{files[1]}: 6 problems" in message
    assert "row 12, column B ('September 2018'): no value (empty) for the share_60 of 09 Gotland, 2018-09" in message
    assert "no row for" not in message


def test_a_kontaktkort_table_with_a_phase_column(tmp_path):
    path = tmp_path / "kk.csv"
    path.write_text(
        "Andel väntande inom 60 dagar\n"
        "Landstingskod;Landsting;Vårdkontakt;Okt 2018;Nov 2018;Dec 2018\n"
        "1;Riket;Förstabesök;70 %;71 %;69 %\n"
        "51;Västra Götalandsregionen;Förstabesök;68 %;69,5 %;N/A\n"
        "51;Västra Götalandsregionen;Operation/åtgärd;58 %;59 %;57 %\n"
        "51;Västra Götalandsregionen;Återbesök;58 %;59 %;57 %\n",
        encoding="utf-8",
    )
    reading, issues = read_export(path, Hints())
    assert [i.render() for i in issues] == [
        "row 6, column C ('Vårdkontakt'): 'Återbesök' is not first visits (Förstabesök) "
        "or operations (Operation/åtgärd)"
    ]
    assert reading.said == {"measure": "share_60 (title: 'Andel väntande inom 60 dagar')",
                            "phase": "from column C ('Vårdkontakt') in each row"}  # fmt: skip
    values = {(v.group, v.month): v.value for v in reading.values}
    assert {v.region for v in reading.values} == {"14"} and values[("operation", "2018-11")] == 59.0
    assert values[("first_visit", "2018-12")] is None
    issues = read_export(path, Hints(group="first_visit"))[1]
    assert any("--group first_visit contradicts the file, which names it in each row" in i.message for i in issues)


def test_a_workbook_whose_years_are_merged_cells(tmp_path, sample):
    rows = read_rows(EXPORTS / "socialstyrelsen_forstabesok_andel_60.csv")
    book = Workbook()
    for r, row in enumerate(rows):
        book.active.append([None if r == 1 and c not in (1, 4) else (v or None) for c, v in enumerate(row)])
    book.active.merge_cells("B2:D2")
    book.active.merge_cells("E2:G2")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    imported = import_exports([EXPORTS / SOCIALSTYRELSEN_SHARES[0], path])
    first = sample[sample["group"] == "first_visit"].reset_index(drop=True)
    pd.testing.assert_frame_equal(imported.frame, first[[*KEY, "share_90", "share_60"]])


@pytest.mark.parametrize(
    ("year_cells", "expected"),
    [
        (None, "row 2, column B ('September'): the month names of row 2 have no row of years"),
        ({1: ""}, "row 2, column B: no year above this month"),
        ({3: "nittonhundra"}, "row 2, column D: 'nittonhundra' is not a year"),
        ({4: ""}, "the months do not follow one another once the blank year cells take the year to their left"),
    ],
)  # fmt: skip
def test_the_year_row_of_a_socialstyrelsen_export(tmp_path, year_cells, expected):
    (path,) = copies(tmp_path, [SOCIALSTYRELSEN_SHARES[0]])
    rows = read_rows(path)
    if year_cells is None:
        del rows[1]
    else:
        rows[1] = [year_cells.get(c, v) for c, v in enumerate(rows[1])]
    write_rows(path, rows)
    with pytest.raises(InputError) as err:
        import_export(path)
    assert expected in str(err.value)


def test_a_comma_separated_panel_and_a_semicolon_export_with_decimal_commas(tmp_path, sample):
    imported = import_export(ROOT / "data" / "sample_panel_2019.csv", synthetic=True)
    assert imported.files[0].kind == "CSV (',', UTF-8)" and imported.layout == "long"
    pd.testing.assert_frame_equal(imported.frame, sample)
    # decimal commas put ',' on more lines than ';' once the year row is gone: the cells decide, not the lines
    (path,) = copies(tmp_path, [SOCIALSTYRELSEN_SHARES[0]])
    write_rows(path, [r for i, r in enumerate(read_rows(path)) if i != 1])
    assert read_export(path, Hints())[0].kind == "CSV (';', UTF-8)"
