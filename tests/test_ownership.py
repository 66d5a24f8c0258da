"""The folder-ownership rule, for every writer: an output never replaces an input of its command, another
output, a file beside it that kommiljard did not write, or anything in a folder that is not the command's."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import OutputError
from kommiljard.outputs.ownership import (
    BACKTEST,
    LEVER_GRID,
    SWEEP,
    check_not_input,
    claim_folder,
    reading,
    written_by_kommiljard,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
SAMPLE_CSV = ROOT / "data" / "sample_panel_2019.csv"
EXPORT = ROOT / "data" / "sample_export_sv.csv"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused_and_untouched(folder: Path, result, *said: str) -> None:
    assert result.exit_code == 2, result.output
    for word in said:
        assert word in " ".join(result.output.split()), (word, result.output)


# Every writer, its output option, and a way to make that output one of its own inputs.
INPUT_AS_OUTPUT = {
    "payout": lambda d: ["payout", d / "panel.csv", "--out", d / "panel.csv"],
    "compare": lambda d: ["compare", d / "panel.csv", "--out", d / "panel.csv"],
    "whatif": lambda d: ["whatif", d / "panel.csv", "--region", "06", "--improve", "1", "--out", d / "panel.csv"],
    "import": lambda d: ["import", d / "export.csv", "--out", d / "export.csv"],
    "payout population": lambda d: ["payout", SAMPLE, "--population", d / "pop.csv", "--out", d / "pop.csv"],
    "whatif curve": lambda d: [
        "whatif",
        SAMPLE,
        "--region",
        "06",
        "--curve",
        "--population",
        d / "pop.csv",
        "--out",
        d / "pop.csv",
    ],  # fmt: skip
    "history truth": lambda d: ["history", "--out", d / "h.parquet", "--truth", d / "h.parquet"],
    "compare population": lambda d: ["compare", SAMPLE, "--population", d / "pop.csv", "--out", d / "pop.csv"],
}


@pytest.mark.slow
@pytest.mark.parametrize("writer", list(INPUT_AS_OUTPUT))
def test_no_output_replaces_an_input_or_another_output(tmp_path, writer):
    shutil.copy(SAMPLE_CSV, tmp_path / "panel.csv")
    shutil.copy(EXPORT, tmp_path / "export.csv")
    shutil.copy(ROOT / "kommiljard" / "data" / "population_2018.csv", tmp_path / "pop.csv")
    before = contents(tmp_path)
    result = invoke(*INPUT_AS_OUTPUT[writer](tmp_path))
    assert result.exit_code == 2, result.output
    assert "this command reads that file" in result.output or "both name" in result.output, result.output
    assert contents(tmp_path) == before


def test_an_input_through_a_link_is_still_an_input(tmp_path):
    shutil.copy(SAMPLE_CSV, tmp_path / "panel.csv")
    (tmp_path / "link.csv").symlink_to(tmp_path / "panel.csv")
    with reading([tmp_path / "link.csv"]), pytest.raises(OutputError, match="this command reads that file"):
        check_not_input(tmp_path / "panel.csv")


# Writers that put a file beside their output without being told its name.
COMPANIONS = {
    "payout csv": (lambda d: ["payout", SAMPLE, "--out", d / "p.csv"], "p.csv.provenance.json"),
    "compare csv": (lambda d: ["compare", SAMPLE, "--out", d / "p.csv"], "p.csv.provenance.json"),
    "whatif csv": (
        lambda d: ["whatif", SAMPLE, "--region", "06", "--improve", "1", "--out", d / "p.csv"],
        "p.csv.provenance.json",
    ),  # fmt: skip
    "report --page": (lambda d: ["report", SAMPLE, "--out", d / "r.html", "--page"], "r-whatif.html"),
}


@pytest.mark.slow
@pytest.mark.parametrize("writer", list(COMPANIONS))
def test_a_file_beside_an_output_is_replaced_only_if_kommiljard_wrote_it(tmp_path, writer):
    args, companion = COMPANIONS[writer]
    (tmp_path / companion).write_text('{"mine": true}' if companion.endswith(".json") else "<p>mine</p>")
    refused_and_untouched(tmp_path, invoke(*args(tmp_path)), "is not one it wrote")
    assert (tmp_path / companion).read_text() in ('{"mine": true}', "<p>mine</p>")
    assert sorted(p.name for p in tmp_path.iterdir()) == [companion]
    (tmp_path / companion).unlink()
    assert invoke(*args(tmp_path)).exit_code == 0
    assert written_by_kommiljard(tmp_path / companion)
    assert invoke(*args(tmp_path)).exit_code == 0  # its own companion is replaced


# Writers of folders: a sweep, a lever grid, a backtest.
FOLDERS = {
    "sweep": ["sweep", "--n", "20", "--chunk-size", "10", "-q"],
    "sweep --force": ["sweep", "--n", "20", "--chunk-size", "10", "-q", "--force"],
    "lever grid": ["sweep", "--n", "20", "--chunk-size", "10", "-q", "--region", "06", "--improve", "0;1"],
    "backtest": ["backtest", "HISTORY", "--as-of", "2019-08", "--n", "20"],
}


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("history") / "history.parquet"
    assert invoke("history", "--seed", "2", "--out", out).exit_code == 0
    return out


@pytest.mark.slow
@pytest.mark.parametrize("writer", list(FOLDERS))
def test_a_folder_writer_never_touches_files_it_did_not_write(tmp_path, history, writer):
    args = [str(history) if a == "HISTORY" else a for a in FOLDERS[writer]]
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("mine\n")  # a name the writers themselves use
    (out / "notes.txt").write_text("also mine\n")
    before = contents(tmp_path)
    refused_and_untouched(tmp_path, invoke(*args, "--out", out), "did not write", "summary.csv")
    assert contents(tmp_path) == before
    # its own folder it writes, resumes and (with --force) starts again; another's files in it stay
    own = tmp_path / "own"
    assert invoke(*args, "--out", own).exit_code == 0
    (own / "notes.txt").write_text("mine, added later\n")
    assert invoke(*args, "--out", own).exit_code == 0
    assert (
        invoke(*args, "--out", own, *([] if "--force" in args or writer == "backtest" else ["--force"])).exit_code == 0
    )
    assert (own / "notes.txt").read_text() == "mine, added later\n"


@pytest.mark.slow
def test_a_trajectories_folder_linked_elsewhere_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (elsewhere / "precious.parquet").write_bytes(b"mine")
    (out / "trajectories").symlink_to(elsewhere)
    refused_and_untouched(tmp_path, invoke("sweep", "--n", "20", "--out", out, "-q"), "symbolic link")
    assert (elsewhere / "precious.parquet").read_bytes() == b"mine" and len(list(elsewhere.iterdir())) == 1


@pytest.mark.parametrize("kind", [SWEEP, LEVER_GRID, BACKTEST], ids=lambda k: k.command)
@pytest.mark.parametrize("name", ["trajectories", "notes.txt"])
def test_any_link_in_a_folder_not_yet_the_commands_is_said_as_a_link(tmp_path, kind, name):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / name).symlink_to(tmp_path)
    with pytest.raises(OutputError, match=rf"{name} is a symbolic link \(to {re.escape(str(tmp_path))}\)"):
        claim_folder(tmp_path / "out", kind)


def test_a_sweep_folder_is_the_sweeps_by_its_manifest_or_by_what_says_so(tmp_path):
    claim_folder(tmp_path / "new", SWEEP)  # new: fine, and nothing is made
    assert not (tmp_path / "new").exists()
    (tmp_path / "empty").mkdir()
    claim_folder(tmp_path / "empty", SWEEP)
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "manifest.json").write_text(json.dumps({"kind": "kommiljard sweep", "status": "running"}))
    (sweep / "notes.txt").write_text("mine")
    claim_folder(sweep, SWEEP)  # a sweep's, with the user's notes beside: fine (the notes are left alone)
    (sweep / "manifest.json").write_text(json.dumps({"kind": "something else"}))
    with pytest.raises(OutputError, match=r"holds files kommiljard did not write \(manifest.json, notes.txt\)"):
        claim_folder(sweep, SWEEP)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        claim_folder(tmp_path / "file", SWEEP)
