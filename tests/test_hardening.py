"""Every probe of the hardening issue, as a named regression test.

Each probe once ended in a traceback, in wrong money with exit 0, in text read as terminal
markup or as a matplotlib formula, in a hang, or in a lost or misleading file. Each test runs
the probe through the command line in-process (``typer.testing.CliRunner``) or the Python API
and asserts what must happen now: exit 2 with a message that names the file, key or option,
nothing written, and the rest of the world unharmed.
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import InputError, OutputError, RuleFileError
from kommiljard.outputs import files
from kommiljard.outputs.files import read_provenance, write_table, write_text
from kommiljard.rules import load_rules
from kommiljard.rules import loader as rule_loader
from kommiljard.sweeps.lock import LOCK_NAME, SweepLockedError, sweep_lock
from kommiljard.sweeps.run import run_sweep

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
RULES_2019 = ROOT / "kommiljard" / "rules" / "kommiljard-2019.toml"
POPULATION = ROOT / "kommiljard" / "data" / "population_2018.csv"
ESC = "\x1b"

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def refused(result, *keywords: str) -> str:
    """Exit 2 from the CLI's own error handling, no traceback, the keywords in the message."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert re.search(r"^error: ", result.stderr, re.M), result.stderr
    for word in keywords:
        assert word in result.stderr, f"{word!r} not in:\n{result.stderr}"
    assert ESC not in result.output
    return result.stderr


def succeeded(result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    assert ESC not in result.output
    return result.stdout


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def population_with(tmp_path: Path, value: str) -> Path:
    pop = pd.read_csv(POPULATION, dtype=str)
    pop.loc[pop["region"] == "01", "population"] = value
    path = tmp_path / "population.csv"
    pop.to_csv(path, index=False)
    return path


def rule_file(tmp_path: Path, old: str, new: str, name: str = "rules.toml", count: int = 1) -> Path:
    text = RULES_2019.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- wrong money with exit 0


@pytest.mark.parametrize("backend", ["numba", "check"])
def test_population_1e30_is_refused_not_overflowed(tmp_path, backend):
    pop = population_with(tmp_path, "1e30")
    refused(invoke("payout", SAMPLE, "--population", pop, "--backend", backend), "population.csv", "row 1", "'1e30'")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "2.5", "0", "-3", "100000001"])
def test_population_that_is_not_a_positive_whole_number_is_refused(tmp_path, value):
    pop = population_with(tmp_path, value)
    message = refused(invoke("payout", SAMPLE, "--population", pop), "population.csv", "row 1")
    assert "positive whole number" in message or "not a number" in message


def test_largest_populations_allowed_keep_money_exact(tmp_path):
    """Every region at the largest population allowed: sums stay exact, every amount finite and >= 0."""
    pop = pd.read_csv(POPULATION, dtype=str)
    pop["population"] = "100000000"
    path = tmp_path / "population.csv"
    pop.to_csv(path, index=False)
    result = invoke("payout", SAMPLE, "--population", path, "--format", "json", "--backend", "check")
    doc = json.loads(succeeded(result))
    amounts = [r["total_sek"] for r in doc["summary"]]
    assert all(np.isfinite(amounts)) and min(amounts) >= 0
    assert doc["paid_sek"] + doc["lapsed_sek"] == pytest.approx(1_600_000_000, abs=0.01)


def test_nan_threshold_in_a_rule_file_is_refused(tmp_path):
    rules = rule_file(tmp_path, "min_improvement = 1.0", "min_improvement = nan")
    for command in (
        ["payout", SAMPLE, "--rules", rules],
        ["explain", SAMPLE, "--rules", rules, "--region", "06", "--month", "2019-10", "--group", "operation"],
    ):
        refused(invoke(*command), "rules.toml", "bars[0] (blue).min_improvement", "finite")


def test_nan_override_is_refused_by_payout_and_explain_alike():
    key = "block1.bars.blue.min_improvement=nan"
    refused(invoke("payout", SAMPLE, "--set", key), "min_improvement", "finite")
    explain = ["explain", SAMPLE, "--region", "06", "--month", "2019-10", "--group", "operation", "--set", key]
    refused(invoke(*explain), "min_improvement", "finite")


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "150", "-101"])
def test_bar_bound_outside_the_range_of_a_share_is_refused(value):
    refused(invoke("payout", SAMPLE, "--set", f"block1.bars.orange.min_improvement={value}"), "min_improvement")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "100.5", "-1000"])
def test_whatif_improve_must_be_finite_and_within_100_pp(value):
    message = refused(invoke("whatif", SAMPLE, "--region", "06", "--improve", value), "--improve")
    assert "-100 to 100" in message


def test_whatif_improve_100_is_the_most_and_clamps():
    doc = json.loads(succeeded(invoke("whatif", SAMPLE, "--region", "06", "--improve", "100", "--format", "json")))
    assert all(c["share_after"] <= 100 for c in doc["cells"])


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_sweep_improve_nan_or_inf_is_refused_before_anything_is_written(tmp_path, value):
    out = tmp_path / "sweep"
    refused(invoke("sweep", "--n", "10", "--out", out, "--region", "06", "--improve", value), "--improve")
    assert not out.exists()


@pytest.mark.slow
def test_sweep_manifest_is_strict_json(tmp_path):
    out = tmp_path / "sweep"
    succeeded(invoke("sweep", "--n", "20", "--seed", "3", "--out", out, "--region", "06", "--improve", "2", "-q"))
    text = (out / "manifest.json").read_text(encoding="utf-8")
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in manifest.json"))


def test_total_sek_inf_is_refused(tmp_path):
    rules = rule_file(tmp_path, "total_sek = 1_600_000_000", "total_sek = inf")
    refused(invoke("payout", SAMPLE, "--rules", rules), "rules.toml", "total_sek", "finite")


def test_total_sek_beyond_a_million_mnkr_is_refused():
    refused(invoke("payout", SAMPLE, "--set", "block2.total_sek=1e13"), "total_sek", "less than or equal")


# ----------------------------------------------------------------------------- user text is shown as written

MARKUP = "[/x]"


def test_markup_in_a_path_is_shown_not_read(tmp_path):
    panel = tmp_path / f"panel {MARKUP} [bold].parquet"
    refused(invoke("payout", panel), f"panel {MARKUP} [bold].parquet", "no such panel file")


def test_markup_in_a_region_argument(tmp_path):
    refused(invoke("whatif", SAMPLE, "--region", MARKUP, "--improve", "3"), MARKUP)
    refused(invoke("explain", SAMPLE, "--region", MARKUP, "--month", "2019-10", "--group", "operation"), MARKUP)


def test_markup_in_a_set_key():
    refused(invoke("payout", SAMPLE, "--set", f"block1.{MARKUP}=1"), MARKUP)


def test_markup_in_a_panel_value(tmp_path):
    frame = pd.read_parquet(SAMPLE)
    frame.loc[0, "group"] = f"operation {MARKUP}"
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    refused(invoke("payout", path), MARKUP, "unknown group")


def test_markup_in_a_rule_title_and_brackets_survive(tmp_path):
    rules = rule_file(tmp_path, 'title = "En ny, uppdaterad kömiljard 2019"', f'title = "Kömiljard [utkast] {MARKUP}"')
    assert f"Kömiljard [utkast] {MARKUP}" in succeeded(invoke("rules", rules))


def test_bracketed_words_survive_in_messages(tmp_path):
    message = refused(invoke("payout", tmp_path / "väntetider [sic] [utkast].csv"))
    assert "väntetider [sic] [utkast].csv" in message


def test_escape_sequence_in_a_rule_file_is_refused(tmp_path):
    rules = rule_file(tmp_path, 'name = "Kortare väntetider (block 1)"', 'name = "Kortare \\u001b[2J väntetider"')
    message = refused(invoke("rules", rules), "rules.toml", "control characters", "blocks[0].name", "\\x1b")
    assert "\\x1b" in message


def test_escape_sequence_in_an_override_is_refused():
    refused(invoke("rules", "--set", f"block1.name=x{ESC}[2J"), "control characters", "\\x1b")


def test_escape_sequence_in_a_path_is_made_visible(tmp_path):
    message = refused(invoke("payout", tmp_path / f"p{ESC}[2J.csv"))
    assert "p\\x1b[2J.csv" in message


def test_escape_sequence_in_a_panel_value_is_made_visible(tmp_path):
    frame = pd.read_parquet(SAMPLE)
    frame.loc[0, "group"] = f"x{ESC}[2J"
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    assert "\\x1b[2J" in refused(invoke("payout", path))


def test_control_characters_in_json_and_csv_results_are_escaped(tmp_path):
    """A file name with DEL and ESC: JSON on stdout still reads back as that name, CSV shows it as text."""
    panel = tmp_path / f"panel \x7f{ESC}.parquet"
    panel.write_bytes(SAMPLE.read_bytes())
    doc = json.loads(succeeded(invoke("payout", panel, "--format", "json")))
    assert doc["provenance"]["panel"]["source"] == str(panel)
    variant = f"v{ESC}[2J:block1.sharing=equal"
    assert "diff_v\\u001b[2J" in succeeded(invoke("compare", SAMPLE, "--variant", variant, "--format", "csv"))


def test_very_long_values_are_cut_in_messages(tmp_path):
    message = refused(invoke("rules", "x" * 20_000))
    assert "characters left out" in message
    assert max(len(line) for line in message.splitlines()) < 1_000


def dollar_world(tmp_path: Path) -> tuple[Path, Path]:
    """A rule file and panel whose group, bar, block and title carry unbalanced $...$ (a broken formula)."""
    text = RULES_2019.read_text(encoding="utf-8")
    text = text.replace('"operation"', '"op$x_{$"').replace("blue", "bl$u_{$e")
    text = text.replace("Kortare väntetider (block 1)", "Kortare $väntetider_{$ (block 1)")
    rules = tmp_path / "dollars.toml"
    rules.write_text(text, encoding="utf-8")
    frame = pd.read_parquet(SAMPLE)
    frame["group"] = frame["group"].replace({"operation": "op$x_{$"})
    panel = tmp_path / "dollars.parquet"
    frame.to_parquet(panel, index=False)
    return rules, panel


def assert_drawn_as_written(fig) -> None:
    """The figure draws, and every $ in its text is escaped (never read as a formula)."""
    fig.canvas.draw()
    for artist in fig.findobj(Text):
        text = artist.get_text()
        assert not re.search(r"(?<!\\)\$", text) or not artist.get_parse_math(), text


@pytest.mark.slow
def test_dollars_in_group_and_bar_names_in_report_and_plot(tmp_path):
    rules, panel = dollar_world(tmp_path)
    succeeded(invoke("report", panel, "--rules", rules, "--out", tmp_path / "report.html"))
    assert "op$x_{$" in (tmp_path / "report.html").read_text(encoding="utf-8")
    for kind in ("staircase", "payouts"):
        succeeded(invoke("plot", kind, panel, "--rules", rules, "--out", tmp_path / f"{kind}.png"))
    variant = "w$x_{$:block1.sharing=equal"
    succeeded(invoke("compare", panel, "--rules", rules, "--variant", variant, "--plot", tmp_path / "c.png"))


@pytest.mark.slow
def test_dollars_reach_matplotlib_escaped(tmp_path):
    from kommiljard.analysis.compare import compare
    from kommiljard.engine import payout
    from kommiljard.outputs.plots.compare import plot_compare
    from kommiljard.outputs.plots.figures import cells_figure, payouts_figure

    rules, panel = dollar_world(tmp_path)
    result = payout(panel, rules)
    for fig in (cells_figure(result), payouts_figure(result)):
        assert_drawn_as_written(fig)
        plt.close(fig)
    frame = compare(panel, {"base": rules, "w$x_{$": (rules, {"block1.sharing": "equal"})})
    ax = plot_compare(frame)
    assert_drawn_as_written(ax.figure)
    plt.close(ax.figure)


# ----------------------------------------------------------------------------- bounds


def test_sweep_n_beyond_the_limit_is_refused_at_once(tmp_path):
    out = tmp_path / "sweep"
    refused(invoke("sweep", "--n", "99999999999999999999", "--out", out), "--n", "1 000 000 000")
    assert not out.exists()


@pytest.mark.parametrize(
    "args, keyword",
    [
        (["--n", "0"], "--n"),
        (["--n", "-5"], "--n"),
        (["--chunk-size", "0"], "--chunk-size"),
        (["--n", "1000000", "--chunk-size", "1"], "--chunk-size 100 or more"),
        (["--threads", "0"], "--threads"),
        (["--threads", "99999"], "--threads"),
        (["--seed", "99999999999999999999"], "--seed"),
    ],
)
def test_sweep_numbers_out_of_range_are_refused(tmp_path, args, keyword):
    out = tmp_path / "sweep"
    refused(invoke("sweep", "--out", out, *(args if "--n" in args else ["--n", "10", *args])), keyword)
    assert not out.exists()


def test_curve_from_minus_to_plus_a_billion_is_refused():
    refused(invoke("whatif", SAMPLE, "--region", "06", "--curve", "--lo", "-1e9", "--hi", "1e9"), "--lo")


@pytest.mark.parametrize(
    "args, keyword",
    [
        (["--lo", "-100", "--hi", "100", "--step", "0.001"], "at most 20001"),
        (["--step", "1e-300"], "at most 20001"),
        (["--step", "0"], "--step 0: give a number more than 0"),
        (["--step", "nan"], "--step"),
        (["--lo", "nan"], "--lo"),
        (["--hi", "inf"], "--hi"),
        (["--lo", "5", "--hi", "1"], "--hi >= --lo"),
    ],
)
def test_curve_points_and_range_are_bounded(args, keyword):
    refused(invoke("whatif", SAMPLE, "--region", "06", "--curve", *args), keyword)


def test_the_whole_range_of_a_share_by_a_hundredth_is_allowed():
    curve = ["--curve", "--lo", "-100", "--hi", "100", "--step", "0.01"]
    output = succeeded(invoke("whatif", SAMPLE, "--region", "06", *curve, "--format", "csv"))
    assert output.count("\n") >= 20_001


def alternatives_file(tmp_path: Path, count: int) -> Path:
    extra = "".join(
        f'\n[[alternatives]]\nname = "alt-{i}"\noverrides = {{ "block1.bars.blue.min_improvement" = {i % 3}.0 }}\n'
        for i in range(count)
    )
    path = tmp_path / f"alternatives-{count}.toml"
    path.write_text(RULES_2019.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_three_thousand_alternatives_are_refused(tmp_path):
    refused(invoke("rules", alternatives_file(tmp_path, 3000)), "alternatives", "at most 200")


def test_loading_alternatives_is_linear_in_their_number(tmp_path, monkeypatch):
    """Each alternative is checked against the rule set without the others: the alternatives
    validated in all add up to the file's own, once (not once per alternative)."""
    validated = []
    original = rule_loader._validate

    def counting(raw, origin):
        validated.append(len(raw.get("alternatives", ())))
        return original(raw, origin)

    bundled = len(load_rules().ruleset.alternatives)
    monkeypatch.setattr(rule_loader, "_validate", counting)
    rules = load_rules(alternatives_file(tmp_path, 150))
    assert len(rules.ruleset.alternatives) == bundled + 150
    assert len(validated) == bundled + 151  # the file, then each alternative once
    assert sum(validated) == bundled + 150


def test_a_huge_note_is_refused_before_it_is_read(tmp_path):
    rules = rule_file(tmp_path, 'note = "', 'note = "' + "lång anteckning " * 100_000)
    refused(invoke("rules", rules), "rules.toml", "MB", "at most 1 MB")


def test_a_long_note_is_refused_by_its_key(tmp_path):
    rules = rule_file(tmp_path, 'note = "', 'note = "' + "x" * 20_000)
    refused(invoke("rules", rules), "rules.toml", "note", "at most 10000 characters")


# ----------------------------------------------------------------------------- lost or misleading files


def test_csv_provenance_is_committed_after_its_data(tmp_path, monkeypatch):
    """The data are moved into place first (the commit point), then their provenance."""
    moved = []
    real = os.replace

    def replace(src, dst):
        moved.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv", {"run": 1})
    assert moved == ["t.csv", "t.csv.provenance.json"]


def test_failed_csv_write_leaves_no_orphan_provenance(tmp_path, monkeypatch):
    real = Path.write_text

    def full(self, text, *args, **kwargs):
        real(self, text[:3], *args, **kwargs)  # part of the data, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OutputError, match="no space left"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv", {"run": 1})
    assert listing(tmp_path) == []


def test_failure_after_the_commit_point_leaves_neither_file(tmp_path, monkeypatch):
    """The sidecar cannot be moved into place after the CSV was: both go, the write failed as a whole."""
    write_table(pd.DataFrame({"a": [0]}), tmp_path / "t.csv", {"run": 0})
    real = os.replace

    def replace(src, dst):
        if str(dst).endswith(".provenance.json"):
            raise OSError(errno.EIO, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OutputError, match="t.csv.provenance.json"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv", {"run": 1})
    assert listing(tmp_path) == []


def test_a_provenance_of_other_data_is_refused(tmp_path):
    write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv", {"run": 1})
    assert read_provenance(tmp_path / "t.csv") == {"run": 1}
    (tmp_path / "t.csv").write_text("a\n2\n")
    with pytest.raises(InputError, match="does not belong to"):
        read_provenance(tmp_path / "t.csv")


def hold_sweep(out: Path, started: threading.Event, release: threading.Event, outcome: dict) -> threading.Thread:
    """A sweep in a thread that waits, lock held, after its first part until ``release`` is set."""

    def progress(done, total):
        started.set()
        assert release.wait(120)

    def work():
        try:
            outcome["result"] = run_sweep(None, 4000, 7, out, chunk_size=1000, progress=progress)
        except BaseException as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(300)
    return thread


def test_second_sweep_with_or_without_force_cannot_touch_a_running_one(tmp_path):
    out = tmp_path / "sweep"
    started, release, outcome = threading.Event(), threading.Event(), {}
    thread = hold_sweep(out, started, release, outcome)
    try:
        before = listing(out)
        for force in (False, True):
            with pytest.raises(SweepLockedError, match=f"process {os.getpid()}"):
                run_sweep(None, 10, 1, out, force=force)
        result = invoke("sweep", "--n", "10", "--out", out, "--force", "-q")
        refused(result, "a sweep is writing it", f"process {os.getpid()}", "--force")
        assert listing(out) == before
    finally:
        release.set()
        thread.join()
    assert "error" not in outcome, outcome
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and len(manifest["parts"]) == 4
    assert not (out / LOCK_NAME).exists()


HOLD_LOCK = """
import sys
from kommiljard.sweeps.lock import sweep_lock
with sweep_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.mark.slow
def test_a_sweep_in_another_process_keeps_the_folder_until_it_ends(tmp_path):
    out = tmp_path / "sweep"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        for force in ([], ["--force"]):
            refused(invoke("sweep", "--n", "10", "--out", out, "-q", *force), f"process {holder.pid} on")
        assert listing(out) == [LOCK_NAME]
    finally:
        holder.communicate("")
    assert holder.returncode == 0
    succeeded(invoke("sweep", "--n", "10", "--out", out, "-q"))
    assert not (out / LOCK_NAME).exists()


def test_lock_of_a_finished_process_is_stale_and_taken(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    out = tmp_path / "sweep"
    out.mkdir()
    (out / LOCK_NAME).write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname()}))
    with sweep_lock(out):
        owner = json.loads((out / LOCK_NAME).read_text())
        assert owner["pid"] == os.getpid()
    assert not (out / LOCK_NAME).exists()


def test_a_lock_being_written_is_respected_and_an_old_broken_one_is_not(tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / LOCK_NAME).write_text("")  # created, its owner not yet written: a sweep is starting
    with pytest.raises(SweepLockedError, match="a sweep is starting in it"), sweep_lock(out):
        pass
    os.utime(out / LOCK_NAME, (0, 0))  # ... or it never was: left by a crash long ago
    with sweep_lock(out):
        assert json.loads((out / LOCK_NAME).read_text())["pid"] == os.getpid()


def test_lock_of_another_host_is_respected(tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": "then"}))
    with pytest.raises(SweepLockedError, match="on elsewhere"), sweep_lock(out):
        pass
    assert (out / LOCK_NAME).exists()


def test_a_lock_is_released_when_the_sweep_fails(tmp_path):
    out = tmp_path / "sweep"
    with pytest.raises(RuntimeError), sweep_lock(out):
        (out / "kept.txt").write_text("x")
        raise RuntimeError("boom")
    assert listing(out) == ["kept.txt"]


def test_sweep_seed_minus_one_leaves_nothing_and_the_folder_usable(tmp_path):
    out = tmp_path / "sweep"
    refused(invoke("sweep", "--n", "10", "--seed", "-1", "--out", out), "--seed")
    assert not out.exists()
    succeeded(invoke("sweep", "--n", "10", "--seed", "1", "--out", out, "-q"))
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_refused_sweep_leaves_no_new_folder(tmp_path):
    out = tmp_path / "deeper" / "sweep"
    refused(invoke("sweep", "--n", "10", "--out", out, "--rules", tmp_path / "missing.toml"), "missing.toml")
    assert listing(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe"])
def test_broken_manifest_is_a_clear_error(tmp_path, content):
    out = tmp_path / "sweep"
    succeeded(invoke("sweep", "--n", "10", "--out", out, "-q"))
    (out / "manifest.json").write_bytes(content.encode("latin-1"))
    refused(invoke("sweep", "--n", "10", "--out", out, "-q"), "manifest.json", "--force")
    refused(invoke("plot", "sweep", out, "--out", tmp_path / "s.png"), "manifest.json")
    succeeded(invoke("sweep", "--n", "10", "--out", out, "-q", "--force"))


# ----------------------------------------------------------------------------- OS errors while writing

WRITERS = {
    "payout-csv": lambda d: ["payout", SAMPLE, "--out", d / "p.csv"],
    "payout-parquet": lambda d: ["payout", SAMPLE, "--out", d / "p.parquet"],
    "whatif": lambda d: ["whatif", SAMPLE, "--region", "06", "--improve", "3", "--out", d / "w.csv"],
    "import": lambda d: ["import", ROOT / "data" / "sample_export_sv.csv", "--out", d / "i.parquet"],
    "plot": lambda d: ["plot", "payouts", SAMPLE, "--out", d / "p.png"],
    "report": lambda d: ["report", SAMPLE, "--out", d / "r.html"],
    "compare": lambda d: ["compare", SAMPLE, "--variant", "eq:block1.sharing=equal", "--plot", d / "c.png"],
    "sweep": lambda d: ["sweep", "--n", "10", "--out", d / "s", "-q"],
}
# The writers as parameters; drawing a plot or a report takes a second or more (the slow tier).
WRITER_PARAMS = [pytest.param(w, marks=pytest.mark.slow) if w in ("plot", "report") else w for w in sorted(WRITERS)]


@pytest.mark.parametrize("writer", WRITER_PARAMS)
def test_disk_full_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch, writer):
    out = tmp_path / "out"
    out.mkdir()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    refused(invoke(*WRITERS[writer](out)), "no space left", str(out))
    assert listing(out) == []


def test_disk_full_in_the_middle_of_a_sweep_keeps_it_resumable(tmp_path, monkeypatch):
    """The second part cannot be written: the error names it, the finished part and the running
    manifest stay (nothing half-written, no lock), and the same command then finishes the sweep."""
    out = tmp_path / "sweep"
    calls = []
    real = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 5:  # the lock, the manifest, part 0, the manifest, part 1
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    args = ["sweep", "--n", "20", "--chunk-size", "10", "--out", out, "-q"]
    refused(invoke(*args), "part-00001.parquet", "no space left")
    assert listing(out) == ["manifest.json", "trajectories", "trajectories/part-00000.parquet"]
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    monkeypatch.setattr(os, "fsync", real)
    resumed = invoke(*args)
    succeeded(resumed)
    assert "1 part computed, 1 reused" in resumed.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_no_permission_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch, writer):
    """Simulated: the tests may run as root, who may write anywhere."""
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != out)
    refused(invoke(*WRITERS[writer](out)), "no permission to write in", str(out))
    assert listing(out) == []


@pytest.mark.parametrize("writer", WRITER_PARAMS)
def test_permission_denied_while_writing_is_a_clear_error(tmp_path, monkeypatch, writer):
    out = tmp_path / "out"
    out.mkdir()
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    refused(invoke(*WRITERS[writer](out)), "no permission", str(out))
    assert listing(out) in ([], ["s", "s/trajectories"])  # a sweep may leave its empty folders, no file


@pytest.mark.parametrize("writer", sorted(set(WRITERS) - {"sweep"}))
def test_out_that_is_a_directory(tmp_path, writer):
    out = tmp_path / "out"
    out.mkdir()
    args = WRITERS[writer](out)
    target = Path(args[args.index("--plot" if writer == "compare" else "--out") + 1])
    target.mkdir()
    refused(invoke(*args), "is a directory")
    assert listing(out) == [target.name]


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_out_under_a_file(tmp_path, writer):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    refused(invoke(*WRITERS[writer](blocker)), "file.txt")
    assert listing(tmp_path) == ["file.txt"]


def test_write_text_names_the_path_on_any_os_error(tmp_path, monkeypatch):
    def broken(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OutputError, match=r"x\.txt: could not write it \(Input/output error\)"):
        write_text(tmp_path / "x.txt", "hello")
    assert listing(tmp_path) == []


# ----------------------------------------------------------------------------- bad files given as input


def test_non_utf8_rule_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(RULES_2019.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    refused(invoke("rules", path), "latin1.toml", "not UTF-8")


def test_deeply_nested_toml(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n")
    refused(invoke("rules", path), "deep.toml", "nested too deeply")
    refused(invoke("sweep", path, "--n", "10", "--out", tmp_path / "s"), "deep.toml", "nested too deeply")


@pytest.mark.parametrize("content", [b"\x00\x01\x02garbage\xff", b"PK\x03\x04not really a zip", b"", b";;;\n;;\n"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".txt"])
def test_garbage_given_to_import(tmp_path, content, suffix):
    path = tmp_path / f"export{suffix}"
    path.write_bytes(content)
    out = tmp_path / "out.parquet"
    refused(invoke("import", path, "--out", out), f"export{suffix}")
    assert not out.exists()


@pytest.mark.parametrize(
    "command",
    [
        lambda d: ["payout", d],
        lambda d: ["validate", d],
        lambda d: ["payout", SAMPLE, "--population", d],
        lambda d: ["payout", SAMPLE, "--conditions", d],
        lambda d: ["payout", SAMPLE, "--rules", d],
        lambda d: ["rules", d],
        lambda d: ["import", d, "--out", d.parent / "x.parquet"],
        lambda d: ["plot", "curve", d, "--out", d.parent / "x.png"],
        lambda d: ["sweep", d, "--n", "10", "--out", d.parent / "s"],
        lambda d: ["sweep", "--observed", d, "--n", "10", "--out", d.parent / "s"],
    ],
)
def test_a_directory_given_as_input_is_called_one(tmp_path, command):
    folder = tmp_path / "input.toml"  # a .toml name: rule and scenario files are recognised by it
    folder.mkdir()
    message = refused(invoke(*command(folder)), "is a directory")
    assert "no such" not in message


@pytest.mark.parametrize(
    "edit, keyword",
    [
        (lambda f: f.assign(improvement_pp=f["improvement_pp"].astype(str).where(f.index != 3, "nan")), "'nan'"),
        (lambda f: f.assign(amount_sek=f["amount_sek"].astype(str).where(f.index != 0, "inf")), "'inf'"),
        (lambda f: f.assign(tier=f["tier"].astype(str).where(f.index != 0, "abc")), "'abc'"),
        (lambda f: f.iloc[:0], "no rows"),
        (lambda f: f.drop(columns=["amount_sek"]), "amount_sek"),
    ],
)
def test_bad_payout_curve_file(tmp_path, edit, keyword):
    curve = tmp_path / "curve.csv"
    succeeded(invoke("whatif", SAMPLE, "--region", "06", "--curve", "--out", curve))
    edit(pd.read_csv(curve)).to_csv(curve, index=False)
    refused(invoke("plot", "curve", curve, "--out", tmp_path / "c.png"), "curve.csv", keyword)
    assert not (tmp_path / "c.png").exists()


def test_plot_current_must_be_finite(tmp_path):
    curve = tmp_path / "curve.csv"
    succeeded(invoke("whatif", SAMPLE, "--region", "06", "--curve", "--out", curve))
    refused(invoke("plot", "curve", curve, "--current", "nan", "--out", tmp_path / "c.png"), "--current")


@pytest.mark.slow
def test_conditions_value_must_be_finite(tmp_path):
    flags = ("actual_within_five_weeks", "reported_by_guidelines", "patient_chosen_by_regulation", "status_report")
    table = pd.DataFrame({"region": pd.read_csv(POPULATION, dtype=str)["region"], **dict.fromkeys(flags, "yes")})
    table["response_rate_waiting_pct"] = table["response_rate_actual_pct"] = "97"
    table.loc[0, "response_rate_actual_pct"] = "inf"
    path = tmp_path / "conditions.csv"
    table.to_csv(path, index=False)
    refused(invoke("payout", SAMPLE, "--conditions", path), "conditions.csv", "row 1", "not a finite number")


def test_n_waiting_beyond_any_count_is_refused(tmp_path):
    frame = pd.read_parquet(SAMPLE).astype({"n_waiting": float})
    frame.loc[0, "n_waiting"] = 1e30
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    refused(invoke("payout", path), "panel.csv", "row 1", "n_waiting")


def test_rule_file_error_names_file_and_key_for_python_callers(tmp_path):
    rules = rule_file(tmp_path, "threshold = 71.0", "threshold = nan")
    with pytest.raises(RuleFileError, match=r"rules\.toml.*\n.*target\.threshold: Input should be a finite number"):
        load_rules(rules)


def test_a_bug_is_one_line_and_exit_3_not_a_traceback(monkeypatch, sample_panel_path):
    """Not bad input but a bug: the user gets one line saying so (exit 3, not 2), the traceback only when asked."""
    import kommiljard.engine

    def broken(*args, **kwargs):
        raise AttributeError("'Payout' object has no attribute 'x'")

    monkeypatch.setattr(kommiljard.engine, "payout", broken)
    monkeypatch.delenv("KOMMILJARD_TRACEBACK", raising=False)
    result = CliRunner().invoke(app, ["payout", str(sample_panel_path)])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert "internal error in kommiljard" in result.output and "This is a bug, not your input" in result.output
    monkeypatch.setenv("KOMMILJARD_TRACEBACK", "1")
    result = CliRunner().invoke(app, ["payout", str(sample_panel_path)])
    assert isinstance(result.exception, AttributeError)
    interrupted = CliRunner().invoke(app, ["payout", str(sample_panel_path), "--format", "nonsense"])
    assert interrupted.exit_code == 2 and "internal error" not in interrupted.output  # typer's own usage errors
