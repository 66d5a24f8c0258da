"""The refusals of the inputs, the rule files and the engine read as Swedish under ``--lang sv`` and as before
under ``--lang en``: each case runs a real bad input through the command line (a panel, a population table, a
rule file, an override, an export, an option) and checks the exit status, the ``fel:``/``error:`` start, that
the message names the file or option, and that the Swedish one holds no English word or code name."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from swedish_check import offenders
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import RuleFileError
from kommiljard.inputs import options
from kommiljard.language import speaking, words_of
from kommiljard.rules.loader import load_rules

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
RULES = ROOT / "kommiljard" / "rules" / "kommiljard-2019.toml"
runner = CliRunner()


def _panel(tmp: Path, change) -> Path:
    frame = pd.read_parquet(SAMPLE)
    frame = change(frame.copy())
    path = tmp / "panel.csv"
    frame.to_csv(path, index=False)
    return path


def _without_a_row_2013(tmp: Path) -> Path:
    """The 2013 sample panel (a threshold scheme) without Stockholm's first visits of December, as CSV."""
    path = tmp / "panel.csv"
    f = pd.read_parquet(ROOT / "data" / "sample_panel_2013.parquet")
    f[~((f.region == "01") & (f.month == "2013-12") & (f.group == "first_visit"))].to_csv(path, index=False)
    return path


def _with_a_note(tmp: Path, lineterminator: str = "\n", note: str = "\r0") -> Path:
    """The sample panel as CSV with a ``note`` column (pandas quotes a lone CR only when CR ends its lines)."""
    path = tmp / "panel.csv"
    pd.read_parquet(SAMPLE).assign(note=note).to_csv(path, index=False, lineterminator=lineterminator)
    return path


def _rules(tmp: Path, old: str, new: str) -> Path:
    text = RULES.read_text(encoding="utf-8")
    assert old in text
    path = tmp / "rules.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _file(tmp: Path, name: str, content: bytes) -> Path:
    path = tmp / name
    path.write_bytes(content)
    return path


def _duplicate(f):
    return pd.concat([f, f.iloc[[0]]], ignore_index=True)


def _cell(column: str, value):
    """A change of the panel: ``value`` in ``column`` of its first row."""

    def change(f):
        f[column] = f[column].astype(object)
        f.loc[0, column] = value
        return f

    return change


# (case, how to build the command's arguments from tmp_path, what the message names, English words of it)
CASES = {
    "duplicate panel row": (lambda t: ["validate", _panel(t, _duplicate)], "panel.csv", "duplicate row"),
    "share above 100": (lambda t: ["validate", _panel(t, _cell("share_90", 150.0))], "panel.csv", "outside 0-100"),
    "share not a number": (lambda t: ["validate", _panel(t, _cell("share_90", "x"))], "panel.csv", "is not a number"),
    # (a region's missing rows are the kinds' problems: allowed here, so that the message is the panel's own)
    "empty region": (
        lambda t: ["validate", _panel(t, _cell("region", None)), "--allow-missing-regions"],
        "panel.csv",
        "is empty or NaN",
    ),
    "unknown region": (
        lambda t: ["validate", _panel(t, _cell("region", "Jönköpng")), "--allow-missing-regions"],
        "panel.csv",
        "unknown region code",
    ),
    "missing column": (
        lambda t: ["validate", _panel(t, lambda f: f.drop(columns="share_60"))],
        "share_60",
        "missing column",
    ),
    "fractions": (
        lambda t: ["validate", _panel(t, lambda f: f.assign(share_90=f.share_90 / 100, share_60=f.share_60 / 100))],
        "panel.csv",
        "look like fractions",
    ),
    "missing row, threshold scheme": (
        lambda t: ["validate", _without_a_row_2013(t), "--rules", "kommiljard-2013"],
        "panel.csv",
        "has no row for",
    ),
    "requirements' column missing": (
        lambda t: ["validate", ROOT / "data" / "sample_shares_and_operations.parquet", "--rules", "kommiljard-2024"],
        "performed_30",
        "read by requirements",
    ),
    "a line break in a cell": (lambda t: ["validate", _with_a_note(t)], "panel.csv", "carriage return (CR)"),
    "no such panel": (lambda t: ["validate", t / "nowhere.parquet"], "nowhere.parquet", "no such panel file"),
    "panel is a folder": (lambda t: ["validate", t], str(Path("/")), "is a directory"),
    "panel suffix": (lambda t: ["validate", _file(t, "panel.json", b"{}")], "panel.json", ".parquet or .csv"),
    "population": (
        lambda t: ["validate", SAMPLE, "--population", _file(t, "pop.csv", b"region,population\n01,-5\n")],
        "pop.csv",
        "positive whole number",
    ),
    "unknown rule set": (lambda t: ["validate", SAMPLE, "--rules", "kommiljard-2091"], "kommiljard-2091", "unknown"),
    "rule file key": (
        lambda t: ["validate", SAMPLE, "--rules", _rules(t, "total_sek =", "totl_sek =")],
        "rules.toml",
        "unknown key",
    ),
    "rule file type": (
        lambda t: ["validate", SAMPLE, "--rules", _rules(t, 'version = "', 'version = 5\nold = "')],
        "rules.toml",
        "Input should be",
    ),
    "rule file months": (
        lambda t: ["validate", SAMPLE, "--rules", _rules(t, '"2019-09"', '"2019-13"')],
        "rules.toml",
        "must be written YYYY-MM",
    ),
    "rule file syntax": (
        lambda t: ["validate", SAMPLE, "--rules", _file(t, "broken.toml", b"id = \n")],
        "broken.toml",
        "not valid TOML",
    ),
    "override without =": (lambda t: ["payout", SAMPLE, "--set", "block1"], "block1", "key=value"),
    "override key": (lambda t: ["payout", SAMPLE, "--set", "block1.nope=1"], "block1.nope", "no key"),
    "override block": (lambda t: ["payout", SAMPLE, "--set", "block7.name=x"], "block7", "nothing called"),
    "empty export": (
        lambda t: ["import", _file(t, "export.csv", b""), "--out", t / "out.parquet"],
        "export.csv",
        "the file is empty",
    ),
    "old workbook": (
        lambda t: ["import", _file(t, "export.xls", b"\xd0\xcf\x11\xe0" + bytes(60)), "--out", t / "o.parquet"],
        "export.xls",
        "old Excel workbook",
    ),
    "export suffix": (
        lambda t: ["import", _file(t, "export.doc", b"x"), "--out", t / "o.parquet"],
        "export.doc",
        "import reads",
    ),
    "import --group": (
        lambda t: ["import", SAMPLE, "--group", "opration", "--out", t / "o.parquet"],
        "--group",
        "is not a group",
    ),
    "import --sheet": (
        lambda t: ["import", SAMPLE, "--sheet", "Data", "--out", t / "o.parquet"],
        "--sheet",
        "names a sheet",
    ),
    "same export twice": (
        lambda t: ["import", SAMPLE, shutil.copy(SAMPLE, t / "copy.parquet"), "--out", t / "o.parquet"],
        "copy.parquet",
        "same content",
    ),
}


def _run(args, lang: str):
    result = runner.invoke(app, [*map(str, args), "--lang", lang], env={"COLUMNS": "400"})
    return result, result.output.strip()


def _words(said: str, *folders: Path) -> str:
    """The message without the test's folders (their names are pytest's) and without the keys of a rule file's
    problems (``  blocks[0] (block 1).months:``): both are typed as they are written."""
    for folder in (*folders, ROOT):
        said = said.replace(str(folder), "")
    return re.sub(r"(?m)^  [^:\n]+: ", "  ", said)


@pytest.mark.parametrize("case", list(CASES))
def test_a_refusal_is_said_in_swedish_and_in_english(case, tmp_path):
    build, named, english = CASES[case]
    args = build(tmp_path)
    result, said = _run(args, "sv")
    assert result.exit_code == 2, (said, result.exception)
    assert said.startswith("fel:"), said
    assert named in said, said
    assert offenders(_words(said, tmp_path)) == [], said
    assert english not in said
    result, said = _run(args, "en")
    assert result.exit_code == 2, (said, result.exception)
    assert said.startswith("error:"), said
    assert named in said and english in said, said


def test_the_import_report_is_said_in_swedish(tmp_path):
    export = ROOT / "data" / "sample_export_sv.csv"
    result, said = _run(["import", export, "--out", tmp_path / "panel.parquet"], "sv")
    assert result.exit_code == 0, said
    report = [line for line in said.splitlines() if "sample_export_sv.csv (" in line or line.startswith("  ")]
    assert any("månader:" in line and "regioner:" in line for line in report), said
    assert all(offenders(line) == [] for line in report), [offenders(line) for line in report]
    result, said = _run(["import", export, "--out", tmp_path / "panel_en.parquet"], "en")
    assert "months:" in said and "regions:" in said, said


def test_pydantic_findings_are_said_by_their_type():
    """Under sv a rule file's wrong values are said by pydantic's error type, with the bound or the values allowed;
    in English pydantic's own text, as before."""
    cases = {
        "block1.total_sek": ("x", "ska vara ett tal, inte 'x'", "Input should be a valid number"),
        "block1.name": (5, "ska skrivas inom citattecken, inte 5", "Input should be a valid string"),
        "block1.sharing": ("foo", "ska vara 'population' eller 'equal', inte 'foo'", "Input should be 'population'"),
        "block2.total_sek": (-5.0, "ska vara större än 0", "greater than 0"),
        "block1.kind": ("stairs", "okänt slag stairs", "does not match any of the expected tags"),
    }
    for key, (value, swedish, english) in cases.items():
        for lang, text in (("sv", swedish), ("en", english)):
            with speaking(lang), pytest.raises(RuleFileError) as caught:
                load_rules("kommiljard-2019", {key: value})
            assert text in str(caught.value), (lang, str(caught.value))
            if lang == "sv":
                assert offenders(_words(str(caught.value).split(":", 1)[-1])) == [], str(caught.value)


# (the option's function, its arguments, the Swedish and the English message); the command line reads these
# options with the same functions
OPTIONS = [
    (
        options.region,
        ("Jönköpng",),
        "--region Jönköpng: inte en svensk region; menade du 06 Jönköping?",
        "not a Swedish",
    ),
    (
        options.number,
        ("tre", "--improve", "change"),
        "--improve tre: inte ett tal: ange ett ändligt tal",
        "not a number",
    ),
    (options.number, ("3,5.1", "--improve", "change"), "skriv talet med ett enda decimaltecken", "one decimal sign"),
    (
        options.whole,
        ("0", "--n", "trajectories"),
        "ange ett heltal från 1 till 1 000 000 000 förlopp",
        "give a",
    ),
    (options.whole, ("9999", "--threads", "threads"), "trådar (`NUMBA_NUM_THREADS` i numba)", "threads"),
    (options.number, ("-1", "--step", "change_step"), "ange ett tal som är större än 0", "more than 0"),
    (options.number, ("60", "--response-sd", "response_sd"), "från 0 till 50 procentenheter", "percentage points"),
    (options.number_list, ("3,5", "--improve"), "tvetydigt: storlekarna 3 och 5, eller 3.5?", "ambiguous"),
    (options.number_list, ("3;3", "--improve"), "3 anges två gånger", "given twice"),
    (options.month, ("oktobr",), "inte en månad: menade du 'oktober'?", "not a month: did you mean"),
    (options.month, ("2019-13",), "månad 13 finns inte", "does not exist"),
    (options.month, ("okt",), "ange året också, till exempel okt 2019 eller 2019-10", "give the year too"),
    (options.month, ("okt 2030", "--month", ["2019-09", "2019-10"]), "inte bland de tillåtna månaderna", "not among"),
    (
        options.group,
        ("opration",),
        "inte en patientgrupp; menade du 'operation'? Välj bland 'first_visit'",
        "not a group",
    ),
]


@pytest.mark.parametrize(("check", "args", "swedish", "english"), OPTIONS)
def test_an_option_is_refused_in_the_language_spoken(check, args, swedish, english):
    for lang, text in (("sv", swedish), ("en", english)):
        with speaking(lang), pytest.raises(options.OptionError) as caught:
            check(*args)
        assert text in str(caught.value), (lang, str(caught.value))
        if lang == "sv":
            assert offenders(str(caught.value)) == [], str(caught.value)


def test_each_words_file_of_these_rooms_has_the_same_fields_in_both_languages():
    import re

    for package in ("kommiljard", "kommiljard.inputs", "kommiljard.rules"):
        words = words_of(package)
        for key in words.keys():  # noqa: SIM118 - Words is no dict
            english, swedish = (sorted(re.findall(r"{(\w+)", words.get(key, lang))) for lang in ("en", "sv"))
            assert english == swedish, (package, key)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_hint_for_missing_rows_follows_them(lang, tmp_path):
    result, said = _run(["validate", _without_a_row_2013(tmp_path), "--rules", "kommiljard-2013"], lang)
    lines = said.splitlines()
    assert result.exit_code == 2 and len(lines) == 4, said
    assert "01 Stockholm" in lines[1] and "--allow-missing-regions" in lines[2], said


@pytest.mark.parametrize(
    ("lineterminator", "note"),
    [("\r\n", "\r0"), ("\r", ""), ("\r\n", "ok"), ("\n", "two\nlines")],
    ids=["CR quoted", "CR line ends", "CRLF line ends", "LF quoted"],
)
def test_a_csv_with_carriage_returns_where_they_belong_reads_as_written(lineterminator, note, tmp_path):
    result, said = _run(["validate", _with_a_note(tmp_path, lineterminator, note)], "en")
    assert result.exit_code == 0 and "OK: 252 rows" in said, said
