"""Input read in time that grows with its size and stays near the cost of parsing it, or refused with the
reason: problems collected up to a bound and counted beyond, each text left aside looked up once, cells and
workbook sheets above a documented size refused before they are read on; and a panel whose numbers are
plausibly not what their columns say (shares written as fractions) refused with the hint."""

from __future__ import annotations

import errno
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import kommiljard.inputs.importer as importer
from kommiljard.cli import app
from kommiljard.errors import InputError, OutputError
from kommiljard.inputs.grid import MAX_CELL_CHARS, MAX_SHEET_BYTES
from kommiljard.inputs.importer import import_exports
from kommiljard.inputs.panel import validate_panel
from kommiljard.inputs.plausibility import FRACTION_LIMIT
from kommiljard.inputs.tables import MAX_COLLECTED_PROBLEMS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
XLSX = ROOT / "examples" / "exports" / "socialstyrelsen_forstabesok_andel_90.xlsx"
runner = CliRunner()


def long_layout(rows: list[str]) -> str:
    return "Region;Månad;Vårdkontakt;Andel väntande inom 90 dagar;Andel väntande inom 60 dagar\n" + "\n".join(rows)


def test_problems_beyond_a_few_hundred_are_counted_not_collected(tmp_path):
    path = tmp_path / "bad.csv"
    rows = [f"06;{1000 + i // 12}-{i % 12 + 1:02d};Förstabesök;x;70" for i in range(5000)]
    path.write_text(long_layout(rows), encoding="utf-8")
    with pytest.raises(InputError) as refusal:
        import_exports([path])
    said = str(refusal.value)
    assert said.startswith(f"{path}: 5000 problems") and "... and 4960 more" in said
    assert MAX_COLLECTED_PROBLEMS <= 500


def test_each_text_left_aside_is_looked_up_once(tmp_path, monkeypatch):
    """A table of many hospitals besides a few regions: each hospital's name is compared with the missing
    regions once (it was once per region and row: quadratic, about 40 s a megabyte)."""
    lines = ["Kontaktkort, förstabesök, väntande", "", "Id;Enhet;Mått;Sep 2018;Sep 2019"]
    for m in ("Andel väntande inom 90 dagar", "Andel väntande inom 60 dagar"):
        lines.append(f"10;Stockholm;{m};70 %;71 %")
    for i in range(1500):
        lines += [f"{1000 + i};Sjukhus {i % 700};{m};64 %;65 %" for m in ("Andel väntande inom 90 dagar",)]
    path = tmp_path / "kontaktkort.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    looked_up = []
    monkeypatch.setattr(importer, "nearest_region", lambda text: looked_up.append(text))
    imported = import_exports([path])
    assert len(looked_up) == len(set(looked_up)) <= importer.MAX_ASIDE_LOOKED_UP
    assert any("no file has a row for" in w for w in imported.warnings)


def test_a_cell_longer_than_the_limit_is_refused_naming_it(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(long_layout(["06;2019-09;Förstabesök;" + "9" * (MAX_CELL_CHARS + 1) + ";70"]), encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column D holds 100 001 characters"):
        import_exports([path])
    path.write_text("x" * (2 * 131_072) + "\n", encoding="utf-8")  # beyond the csv module's own limit, one column
    with pytest.raises(InputError, match=r"row 1, column A holds 262 144 characters"):
        import_exports([path])


@pytest.mark.slow
def test_a_sheet_that_would_inflate_too_far_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(XLSX) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":  # padded past the limit: compresses to little
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (MAX_SHEET_BYTES + 1), 1)
            out.writestr(member, data)
    assert path.stat().st_size < MAX_SHEET_BYTES / 100
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: pytest.fail("the sheet was read"))
    with pytest.raises(InputError, match=r"sheet 'Statistikdatabasen' would take 50 MB .* at most 50 MB"):
        import_exports([path])


@pytest.mark.slow
def test_a_workbook_is_made_in_memory_so_a_full_disk_is_one_clean_error(tmp_path, monkeypatch):
    """A full disk used to print ZipFile.__del__'s traceback before the error: the archive was on disk."""
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    for args in (["payout", SAMPLE], ["compare", SAMPLE, "--alternatives"]):
        result = runner.invoke(app, [*map(str, args), "--out", str(tmp_path / "x.xlsx")])
        assert result.exit_code == 2 and "no space left on the device" in result.output, result.output
        assert "Traceback" not in result.output and not list(tmp_path.iterdir())
    import gc

    gc.collect()
    assert not unraisable
    with pytest.raises(OutputError):
        from kommiljard.outputs.spreadsheets import Sheet, write_workbook

        write_workbook(tmp_path / "y.xlsx", [Sheet("S", pd.DataFrame({"a": [1]}))])


def test_shares_written_as_fractions_are_refused_with_the_hint():
    frame = pd.read_parquet(SAMPLE)
    fractions = frame.assign(share_90=frame["share_90"] / 100, share_60=frame["share_60"] / 100)
    with pytest.raises(InputError, match=r"look like fractions .*multiply them by 100"):
        validate_panel(fractions)
    nobody = frame.assign(share_90=0.0, share_60=0.0)  # nobody in time anywhere: implausible, but not fractions
    validate_panel(nobody)
    just_above = frame.assign(share_90=FRACTION_LIMIT + 0.1, share_60=FRACTION_LIMIT + 0.1)
    validate_panel(just_above)


def test_fractions_through_the_command_line(tmp_path):
    frame = pd.read_parquet(SAMPLE)
    path = tmp_path / "fractions.csv"
    frame.assign(share_90=frame["share_90"] / 100, share_60=frame["share_60"] / 100).to_csv(path, index=False)
    for command in ("payout", "validate"):
        result = runner.invoke(app, [command, str(path)])
        assert result.exit_code == 2 and "look like fractions" in result.output, result.output


@pytest.mark.slow
def test_history_until_outside_the_history_is_refused_not_empty(tmp_path):
    out = tmp_path / "h.parquet"
    result = runner.invoke(app, ["history", "--until", "1999-01", "--out", str(out)])
    assert result.exit_code == 2 and "--until 1999-01: not among the history's months (2014-01 to 2019-12)" in (
        " ".join(result.output.split())
    )
    assert not out.exists()


def test_an_xlsx_export_within_the_limit_still_reads():
    share_60 = XLSX.with_name("socialstyrelsen_forstabesok_andel_60.csv")
    assert len(import_exports([XLSX, share_60]).frame) == 21 * 6
