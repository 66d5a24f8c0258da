"""The refusals of the outputs (paths, suffixes, folders a command owns, the page's sweeps, pictures) and of the
kinds (the conditions table, the panel's coverage, what an explanation cannot trace) are said in the command's
language: under ``--lang sv`` exit 2, ``fel:`` and Swedish text naming the file or option (tests/swedish_check.py);
under ``--lang en`` the same input gives the English text as before."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from swedish_check import offenders
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import InputError, OutputError
from kommiljard.language import speaking
from kommiljard.outputs.ownership import SWEEP, check_companion, check_outputs, claim_folder
from kommiljard.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
CONDITIONS = [c.name for c in load_rules("kommiljard-2019").ruleset.blocks[1].conditions]  # block 2's
runner = CliRunner()


def refusal(args: list, lang: str) -> str:
    """What the command says when it refuses ``args`` under ``--lang``: exit 2, one message starting with the
    language's word for error."""
    result = runner.invoke(app, [*map(str, args), "--lang", lang], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    start = {"sv": "fel:", "en": "error:"}[lang]
    assert start in result.output, result.output
    return result.output[result.output.index(start) :]


def panel_without(tmp: Path, name: str, drop=None, empty: bool = False) -> Path:
    frame = pd.read_parquet(SAMPLE)
    if drop is not None:
        frame = frame[~((frame["region"] == drop[0]) & (frame["month"] == drop[1]))]
    if empty:
        frame.loc[frame.index[5], "share_90"] = None
    path = tmp / name
    frame.to_parquet(path, index=False)
    return path


def conditions_file(tmp: Path) -> Path:
    frame = pd.read_csv(ROOT / "kommiljard" / "data" / "population_2018.csv", dtype=str)[["region"]]
    for name in CONDITIONS:
        frame[name] = "ja"
    frame.loc[2, "status_report"] = "kanske"
    path = tmp / "villkor.csv"
    frame.to_csv(path, index=False)
    return path


def curve_file(tmp: Path) -> Path:
    path = tmp / "kurva.csv"
    path.write_text("improvement_pp,amount_sek,tier\n1,abc,0\n2,,0.5\n", encoding="utf-8")
    return path


def folder(tmp: Path, name: str, *files: str) -> Path:
    path = tmp / name
    path.mkdir()
    for f in files:
        (path / f).write_text("x", encoding="utf-8")
    return path


# id -> (the arguments, given a temporary folder; what the message names; the English text as it was)
CASES = {
    "no folder": (lambda t: ["payout", SAMPLE, "--out", t / "saknas" / "x.csv"], "saknas", "does not exist"),
    "suffix": (lambda t: ["payout", SAMPLE, "--out", t / "x.txt"], "x.txt", "--out must end in .parquet or .csv"),
    "is a directory": (
        lambda t: ["report", SAMPLE, "--out", folder(t, "mapp.html")],
        "mapp.html",
        "is a directory. Give --out a file name",
    ),
    "output is the input": (
        lambda t: ["payout", panel_without(t, "panel.parquet"), "--out", t / "panel.parquet"],
        "panel.parquet",
        "this command reads that file",
    ),
    "page suffix": (lambda t: ["page", SAMPLE, "--out", t / "sida.txt"], "sida.txt", "must end in .html"),
    "page: not a sweep": (
        lambda t: ["page", SAMPLE, "--out", t / "sida.html", "--sweep", folder(t, "tom")],
        "tom",
        "not a sweep (no manifest.json) nor a folder of sweeps",
    ),
    "picture suffix": (
        lambda t: ["plot", "staircase", SAMPLE, "--out", t / "bild.txt"],
        "bild.txt",
        "--out must end in .png or .svg (or .pdf), not '.txt'",
    ),
    "plot sweep: not a sweep": (
        lambda t: ["plot", "sweep", folder(t, "tom"), "--out", t / "bild.png"],
        "tom",
        "not a sweep directory: no trajectories/part-*.parquet in it",
    ),
    "sweep into a foreign folder": (
        lambda t: ["sweep", "--n", "10", "--out", folder(t, "full", "anteckningar")],
        "anteckningar",
        "holds files kommiljard did not write (anteckningar); a sweep writes only into a new or empty folder",
    ),
    "conditions without their columns": (
        lambda t: ["payout", SAMPLE, "--conditions", ROOT / "kommiljard" / "data" / "population_2018.csv"],
        "population_2018.csv",
        "no column for response_rate_waiting_pct",
    ),
    "explain a region without data": (
        lambda t: [
            "explain",
            *(panel_without(t, "lucka.parquet", drop=("06", "2019-10")), "--region", "06", "--month", "2019-10"),
            *("--group", "operation", "--allow-missing-regions"),
        ],
        "06 Jönköping",
        "has no data for 2019-10 operation: it gets nothing from this cell",
    ),
}

# refusals whose problems the kinds and outputs say, listed by the input room's frame ("... has N problem(s)"):
# id -> (the arguments; the Swedish of the lines that are ours; the English as it was)
LISTED = {
    "panel without a region's rows": (
        lambda t: ["payout", panel_without(t, "lucka.parquet", drop=("06", "2019-10"))],
        ["saknar rad för förstabesök i oktober 2019, operationer och åtgärder i oktober 2019", "utan raderna ovan"],
        "region 06 Jönköping has no row for 2019-10 first_visit, 2019-10 operation",
    ),
    "panel with an empty measure": (
        lambda t: ["payout", panel_without(t, "tom.parquet", empty=True)],
        ["”share_90” är tom eller NaN (01, operationer och åtgärder i november 2018)"],
        "share_90 is empty or NaN (01, 2018-11, operation)",
    ),
    "conditions with a value neither yes nor no": (
        lambda t: ["payout", SAMPLE, "--conditions", conditions_file(t)],
        ["status_report = 'kanske' är varken ja eller nej", "Kolumner: region, ”response_rate_waiting_pct”"],
        "status_report = 'kanske' is not yes or no",
    ),
    "payout curve with bad values": (
        lambda t: ["plot", "curve", curve_file(t), "--out", t / "bild.png"],
        ["tier = '0.5' är ingen nivå", "”amount_sek” är tom", "En utbetalningskurva har kolumnerna"],
        "tier = '0.5' is not a tier (a whole number, 0 for none)",
    ),
}


SLOW = {"sweep into a foreign folder", "is a directory"}  # the sweep and the report load their libraries first


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c for c in CASES])
def test_a_refusal_is_said_in_swedish_and_in_english(case, tmp_path):
    args, names, english = CASES[case]
    (tmp_path / "sv").mkdir()
    said = refusal(args(tmp_path / "sv"), "sv")
    assert names in said
    assert offenders(said.replace(str(tmp_path), "")) == [], said
    (tmp_path / "en").mkdir()
    assert english in refusal(args(tmp_path / "en"), "en")


@pytest.mark.parametrize("case", list(LISTED))
def test_the_problems_a_refusal_lists_are_said_in_swedish_and_in_english(case, tmp_path):
    args, swedish, english = LISTED[case]
    (tmp_path / "sv").mkdir()
    said = refusal(args(tmp_path / "sv"), "sv")
    for text in swedish:
        line = next((line for line in said.splitlines() if text in line), None)
        assert line is not None, (text, said)
        assert offenders(line.split(": ", 1)[1] if line.startswith("  - row") else line) == [], line
    (tmp_path / "en").mkdir()
    assert english in refusal(args(tmp_path / "en"), "en")


def test_the_cells_a_panel_lacks_are_named_in_words_under_swedish(tmp_path):
    said = refusal(["payout", panel_without(tmp_path, "lucka.parquet", drop=("06", "2019-10"))], "sv")
    assert "förstabesök i oktober 2019, operationer och åtgärder i oktober 2019" in said


def test_what_a_command_refuses_in_its_folder_is_said_in_swedish(tmp_path):
    """The refusals of the outputs' own API (a folder a command owns, two outputs in one file, a companion file
    kommiljard did not write), under Swedish and English."""
    (tmp_path / "fil").write_text("x", encoding="utf-8")
    (tmp_path / "x.csv.provenance.json").write_text("inte json", encoding="utf-8")
    cases = [
        (lambda: claim_folder(tmp_path / "fil", SWEEP), "is a file, not a folder", "är en fil, inte en mapp"),
        (
            lambda: check_outputs({"--out": tmp_path / "a.csv", "--plot": tmp_path / "a.csv"}),
            "--out and --plot both name",
            "--out och --plot anger båda",
        ),
        (
            lambda: check_companion(tmp_path / "x.csv.provenance.json", tmp_path / "x.csv"),
            "kommiljard writes this file beside",
            "kommiljard skriver den här filen bredvid",
        ),
    ]
    for refuse, english, swedish in cases:
        with pytest.raises(OutputError, match=english):
            refuse()
        with speaking("sv"), pytest.raises(OutputError, match=swedish) as raised:
            refuse()
        assert offenders(str(raised.value).replace(str(tmp_path), "")) == [], raised.value


def test_a_broken_json_file_is_named_with_its_line_under_swedish(tmp_path):
    from kommiljard.outputs.files import read_provenance

    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "x.csv.provenance.json").write_text('{"a": 1,\n oops}', encoding="utf-8")
    with pytest.raises(InputError, match="the provenance is not valid JSON"):
        read_provenance(tmp_path / "x.csv")
    with speaking("sv"), pytest.raises(InputError, match="rad 2, kolumn 2") as raised:
        read_provenance(tmp_path / "x.csv")
    assert offenders(str(raised.value).replace(str(tmp_path), "")) == [], raised.value


def test_the_missing_data_warning_is_said_in_the_language_spoken():
    from kommiljard.engine import no_data_message

    gaps = {"06": "block 1 (2019-10 operation)"}
    english = no_data_message(gaps)
    assert english.startswith("computed without data for 1 region (06 Jönköping: block 1 (2019-10 operation))")
    with speaking("sv"):
        swedish = no_data_message(gaps, computed=False)
    assert swedish.startswith("uppgifter saknas för 1 region (06 Jönköping: block 1 (oktober 2019")
    assert offenders(swedish) == [], swedish


def test_a_blocks_own_panel_problems_are_said_in_swedish_with_its_name_once(tmp_path):
    panel = pd.read_parquet(Path(__file__).resolve().parents[1] / "data" / "sample_panel_2019.parquet")
    panel.loc[(panel["month"] == "2018-10") & (panel["region"] == "06"), ["share_90", "share_60"]] = 0.0
    panel.to_parquet(tmp_path / "zero.parquet")
    args = ["payout", str(tmp_path / "zero.parquet"), "--set", "block1.improvement_unit=relative_pct"]
    swedish = CliRunner().invoke(app, [*args, "--lang", "sv"])
    said = " ".join(swedish.stderr.split())
    assert swedish.exit_code == 2 and "panelen (för block 1, Kortare väntetider) har 2 fel" in said
    assert "En relativ förbättring" in said and offenders(said.replace(str(tmp_path), "")) == []
    english = " ".join(CliRunner().invoke(app, args).stderr.split())
    assert "the panel (for block 1, Kortare väntetider) has 2 problems" in english and "(block 1))" not in english
