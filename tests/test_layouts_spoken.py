"""An export's problems (a title that says something else, Kontaktkort ids, years above months, cells that are
no number, regions that are none, an export given where a panel belongs...) read as Swedish under ``--lang sv``
and as before under ``--lang en``: each case writes a real bad export, runs it through the command line and checks
the exit status, the ``fel:``/``error:`` start, that the message names the file and the cell as a spreadsheet
shows them, and that the Swedish one holds no English word or code name."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from swedish_check import offenders
from typer.testing import CliRunner

from kommiljard.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "examples" / "exports"
SOCIAL_90 = "socialstyrelsen_forstabesok_andel_90.csv"
KONTAKTKORT = "kontaktkort_2019_forstabesok.csv"
runner = CliRunner()


def _encoding(name: str) -> str:
    return "cp1252" if name.startswith("kontaktkort") else "utf-8"


def _edited(tmp: Path, name: str, edit) -> Path:
    """A copy of an example export with ``edit(rows)`` applied to its rows (lists of cells, row 1 first)."""
    text = (EXPORTS / name).read_bytes().decode(_encoding(name))
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    edit(rows)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    path = tmp / name
    path.write_bytes(buffer.getvalue().encode(_encoding(name)))
    return path


def _cell(row: int, column: str, value: str):
    """Set a cell as a spreadsheet names it (row 5, column E)."""

    def edit(rows):
        rows[row - 1][ord(column) - ord("A")] = value

    return edit


def _title(old: str, new: str):
    def edit(rows):
        assert old in rows[0][0]
        rows[0][0] = rows[0][0].replace(old, new)

    return edit


def _text(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(*paths, extra=()):
    return lambda t: ["import", *[p(t) for p in paths], *extra, "--out", t / "panel.parquet"]


def social(edit):
    return lambda t: _edited(t, SOCIAL_90, edit)


def kontaktkort(edit):
    return lambda t: _edited(t, KONTAKTKORT, edit)


WIDE = "Region;Vårdkontakt;Mått;2019-09;2019-10\n"
LONG = "Region;Månad;Vårdkontakt;share_90;share_60\n"
OPERATIONS = "Region;Månad;Ingrepp;Antal operationer\n"


def wide(rows: str):
    return lambda t: _text(t, "wide.csv", WIDE + rows)


# case -> (the command line from tmp_path, the file's name, the cell (row, column) or None, English words of it)
CASES = {
    "--measure against the title": (
        _import(social(lambda rows: None), extra=["--measure", "share_60"]),
        SOCIAL_90,
        (1, "A"),
        "contradicts the file, whose title says 'Andel inom 90 dagar'",
    ),
    "a title without its phase": (
        _import(social(_title("Fas: Första besök, ", ""))),
        SOCIAL_90,
        (1, "A"),
        "the file does not say its phase: give it with --group",
    ),
    "a title of performed contacts and a median": (
        _import(social(_title("Kontaktstatus: Väntande", "Kontaktstatus: Genomförd"))),
        SOCIAL_90,
        (1, "A"),
        "(not waiting patients)",
    ),
    "a title of a median": (
        _import(social(_title("Andel inom 90 dagar", "Medianvärde för väntetid"))),
        SOCIAL_90,
        (1, "A"),
        "(a median or mean waiting time)",
    ),
    "no row of years": (
        _import(social(lambda rows: rows.pop(1))),
        SOCIAL_90,
        (2, "B"),
        "have no row of years above them",
    ),
    "not a year": (_import(social(_cell(2, "C", "20x8"))), SOCIAL_90, (2, "C"), "'20x8' is not a year"),
    "months out of order": (
        _import(social(lambda rows: rows.__setitem__(1, ["", "2019", "", "", "2018", "", ""]))),
        SOCIAL_90,
        (2, "B"),
        "the months do not follow one another",
    ),
    "not a number": (_import(social(_cell(5, "C", "abc"))), SOCIAL_90, (5, "C"), "'abc' is not a number"),
    "not a percentage": (
        _import(social(_cell(5, "C", "150"))),
        SOCIAL_90,
        (5, "C"),
        "'150' is not a percentage (0-100), but the cell is the share_90 of 01 Stockholm",
    ),
    "a place for a region": (
        _import(social(_cell(5, "A", "Göteborg"))),
        SOCIAL_90,
        (5, "A"),
        "region 'Göteborg' is not a Swedish region; did you mean 14 Västra Götaland (Göteborg is its county seat)?",
    ),
    "a count for a share": (
        _import(kontaktkort(_cell(32, "D", "128 st"))),
        KONTAKTKORT,
        (32, "D"),
        "is a count (st), but the cell is the share_90",
    ),
    "a Kontaktkort id against its name": (
        _import(kontaktkort(_cell(32, "A", "11"))),
        KONTAKTKORT,
        (32, "A"),
        "the id 11 is not a county-council id of vantetider.se, but the row names 01 Stockholm",
    ),
    "a Kontaktkort id that is no number": (
        _import(kontaktkort(_cell(32, "A", "x1"))),
        KONTAKTKORT,
        (32, "A"),
        "the id 'x1' is not a number",
    ),
    "a Kontaktkort column that is no month": (
        _import(kontaktkort(_cell(3, "I", "Summa"))),
        KONTAKTKORT,
        (3, "I"),
        "column 'Summa' is not a month (the months are written like",
    ),
    "a Kontaktkort row without a unit": (
        _import(kontaktkort(lambda rows: rows[31].__setitem__(slice(0, 2), ["", ""]))),
        KONTAKTKORT,
        (32, "A"),
        "values without a unit",
    ),
    "--measure against a Kontaktkort's Mått column": (
        _import(kontaktkort(lambda rows: None), extra=["--measure", "share_90"]),
        KONTAKTKORT,
        (3, "C"),
        "which names it in each row of this column",
    ),
    "a wide export's unknown measure": (
        _import(wide("Stockholm;Förstabesök;Median;60;61\n")),
        "wide.csv",
        (2, "C"),
        "measure 'Median' is not one of 'Andel väntande inom 90 dagar'",
    ),
    "a wide export's misspelt month": (
        _import(lambda t: _text(t, "wide.csv", WIDE.replace("2019-10", "oktobr 2019") + "Uppsala;Förstabesök;x;1;2\n")),
        "wide.csv",
        (1, "E"),
        "is not a month (write 2019-09, sep 2019 or september 2019); did you mean 'oktober 2019'?",
    ),
    "a wide export's unknown group": (
        _import(wide("Uppsala;Akut;Andel väntande inom 90 dagar;60;61\n")),
        "wide.csv",
        (2, "B"),
        "group 'Akut' is not first visits (Förstabesök) or operations",
    ),
    "a vantetider.se id in a wide export": (
        _import(wide("65;Förstabesök;Andel väntande inom 90 dagar;60;61\n")),
        "wide.csv",
        (2, "A"),
        "65 is a vantetider.se county-council id, of 25 Norrbotten",
    ),
    "a wide export without measure column": (
        _import(lambda t: _text(t, "wide.csv", "Region;Vårdkontakt;2019-09\nUppsala;Förstabesök;60\n")),
        "wide.csv",
        (1, "A"),
        "no month column (Månad) and no measure column (Mått)",
    ),
    "a long export's month": (
        _import(lambda t: _text(t, "long.csv", LONG + "Uppsala;2019-13;Förstabesök;60;50\n")),
        "long.csv",
        (2, "B"),
        "month '2019-13' is not a month",
    ),
    "a long export without group": (
        _import(lambda t: _text(t, "long.csv", "Region;Månad;share_90\nUppsala;2019-09;60\n")),
        "long.csv",
        None,
        "no group column (Vårdkontakt or Grupp; columns: Region, Månad, share_90): add one: give it with --group",
    ),
    "no layout": (
        _import(lambda t: _text(t, "other.csv", "Namn;Värde\nx;1\ny;2\n")),
        "other.csv",
        None,
        "found no header row with a region column",
    ),
    "one column": (
        _import(lambda t: _text(t, "other.csv", "Stockholm 75\nUppsala 64\n")),
        "other.csv",
        None,
        "every row has at most one cell",
    ),
    "an unknown procedure": (
        _import(lambda t: _text(t, "ops.csv", OPERATIONS + "Stockholm;2025-09;Katarakter;10\n")),
        "ops.csv",
        (2, "C"),
        "procedure 'Katarakter' is not one kommiljard knows",
    ),
    "operations that are no count": (
        _import(lambda t: _text(t, "ops.csv", OPERATIONS + "Stockholm;2025-09;Katarakt;12,5\n")),
        "ops.csv",
        (2, "D"),
        "is not a whole number of operations at least 0 (the operations of 01 Stockholm, 2025-09, cataract)",
    ),
    "operations given twice": (
        _import(lambda t: _text(t, "ops.csv", OPERATIONS + "Stockholm;2025-09;Katarakt;10\n" * 2)),
        "ops.csv",
        (3, "D"),
        "are given twice: here and row 2",
    ),
    "an export given as a panel": (
        lambda t: ["payout", shutil.copy(ROOT / "data" / "sample_export_sv.csv", t / "export.csv")],
        "export.csv",
        None,
        "this is a spreadsheet export, not a panel: a kommiljard wide layout",
    ),
}


def _run(args, lang: str):
    result = runner.invoke(app, [*map(str, args), "--lang", lang], env={"COLUMNS": "400"})
    return result, result.output.strip()


@pytest.mark.parametrize("case", list(CASES))
def test_an_export_s_problem_is_said_in_swedish_and_in_english(case, tmp_path):
    build, name, cell, english = CASES[case]
    args = build(tmp_path)
    result, said = _run(args, "sv")
    assert result.exit_code == 2, (said, result.exception)
    assert said.startswith("fel:") and name in said, said
    if cell:
        assert f"rad {cell[0]}, kolumn {cell[1]}" in said, said
    assert offenders(said.replace(str(tmp_path), "")) == [], said
    assert english not in said
    result, said = _run(args, "en")
    assert result.exit_code == 2, (said, result.exception)
    assert said.startswith("error:") and name in said, said
    if cell:
        assert f"row {cell[0]}, column {cell[1]}" in said, said
    assert english in " ".join(said.split()), said


def test_a_place_is_said_as_what_it_is_in_the_region(tmp_path):
    """The suggestion for a place that is no region says what the place is, in the language spoken."""
    args = _import(social(_cell(5, "A", "Malmöhus län")))(tmp_path)
    _, said = _run(args, "sv")
    assert "menade du 12 Skåne (Malmöhus län är ett tidigare län som 1997 gick upp i regionen)?" in said, said
    _, said = _run(args, "en")
    assert "12 Skåne (Malmöhus län is a former county merged into it in 1997)" in said, said


def test_the_missing_marks_and_the_long_layout_s_measures_are_said_in_swedish(tmp_path):
    """What the import's report says of the file (the long layout's measure columns) and of a suppressed cell."""
    rows = "Uppsala;2019-09;Förstabesök;-;..\nUppsala;2019-10;Förstabesök;61;50\n"
    export = _text(tmp_path, "long.csv", LONG + rows)
    result, said = _run(["import", export, "--out", tmp_path / "panel.parquet"], "sv")
    assert result.exit_code == 0, said
    lines = [line for line in said.splitlines() if "kolumnnamnen" in line or "skrivet '-'" in line]
    assert len(lines) == 2 and all(offenders(re.sub(r"\S*long\.csv", "", line)) == [] for line in lines), said
    result, said = _run(["import", export, "--out", tmp_path / "panel_en.parquet"], "en")
    assert "from the column names: 'share_90' (share_90), 'share_60' (share_60)" in said, said
    assert "(share_90 written '-'; share_60 written '..')" in said, said
