"""What an analyst reads from history, fit, backtest and a fitted sweep, under --lang sv and --lang en: a file of
another scheme's measures, rules a fitted forecast cannot draw, many rows of unknown groups, gaps, the next
command; each said in the language spoken, without a Python repr or a code name."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from swedish_check import offenders
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.forecasting.fit import HistoryWarning, fit_history
from kommiljard.forecasting.history import synthetic_history
from kommiljard.language import speaking

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "data" / "sample_operations_2022_2026.parquet"
PANEL_2024 = ROOT / "data" / "sample_panel_2024.parquet"
runner = CliRunner()


def run(args: list, lang: str):
    return runner.invoke(app, ["--lang", lang, *map(str, args)], env={"COLUMNS": "400"})


def refused(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    return result.stderr


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("audit")
    synthetic_history(3).frame.to_parquet(tmp / "h.parquet", index=False)
    return tmp / "h.parquet"


@pytest.mark.parametrize("panel", [OPERATIONS, PANEL_2024], ids=["operations", "2024"])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_panel_without_shares_is_refused_in_words_not_as_a_python_repr(tmp_path, panel, lang):
    said = refused(run(["fit", panel, "--out", tmp_path / "f.toml"], lang))
    assert "Problem(" not in said and "None" not in said, said
    assert "'share_90'" in said and "kommiljard sweep --rules" in said, said
    assert ("andelar väntande inom 90 och 60 dagar" if lang == "sv" else "shares waiting at most 90") in said, said
    if lang == "sv":
        assert offenders(said) == [], said


@pytest.mark.parametrize(("rules", "measure"), [("kommiljard-2024", "genomförda inom 30 dagar"),
                                                 ("kommiljard-2026", "utförda operationer")])  # fmt: skip
def test_a_backtest_of_rules_it_cannot_forecast_says_so_in_one_line(history, rules, measure):
    """It listed every row of the history as an unknown group (3 000 lines)."""
    said = refused(run(["backtest", history, "--rules", rules, "--as-of", "2019-08"], "sv"))
    assert len(said.strip().splitlines()) == 1 and measure in said and f"--rules {rules}" in said, said
    assert offenders(said) == [], said
    told = refused(run(["backtest", history, "--rules", rules, "--as-of", "2019-08"], "en"))
    assert "cannot forecast these rules" in told, told


def test_many_rows_of_unknown_groups_are_gathered_in_one_line(history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = pd.read_parquet(history)
    frame.loc[frame["group"] == "operation", "group"] = "operationer"
    frame.to_parquet("g.parquet", index=False)
    said = refused(run(["fit", "g.parquet", "--out", "f.toml"], "sv"))
    assert len(said.strip().splitlines()) == 2, said
    assert re.search(r"1\s512 rader med en grupp som inte läses här \('operationer'\)", said), said
    assert offenders(said) == [], said


def test_gaps_are_counted_without_naming_a_column_the_reader_does_not_see():
    """The warning pointed to 'n_months', a column backtest does not print and the fit's table calls 'months'."""
    frame = synthetic_history(3).frame
    frame = frame[frame["month"] >= "2017-01"]
    frame = frame.drop(frame[(frame["region"] == "07") & frame["month"].isin(["2018-04", "2018-05"])].index)
    for lang, words in (("sv", "flest i 07 Kronoberg (4 månader)"), ("en", "most in 07 Kronoberg (4 months)")):
        with speaking(lang), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", HistoryWarning)
            fit_history(frame, until="2019-08")
        said = [str(w.message) for w in caught if "07 Kronoberg" in str(w.message)]
        assert len(said) == 1 and words in said[0], said
        assert "n_months" not in said[0] and "per region" not in said[0] and "per region och grupp" not in said[0]


def test_fit_and_history_say_their_rows_and_next_step_in_swedish(history, tmp_path):
    """'--observed PANEL (the history up to 2019-08)' was English under sv; rows were written 3024."""
    said = run(["fit", history, "--until", "2019-08", "--out", tmp_path / "f.toml"], "sv")
    assert said.exit_code == 0, said.output
    assert "PANEL (historiken till och med 2019-08)" in said.stderr and "the history" not in said.stderr
    assert re.search(r"\(3\s024 rader,", said.stderr), said.stderr
    wrote = run(["history", "--seed", "1", "--out", tmp_path / "h.parquet"], "sv")
    assert wrote.exit_code == 0, wrote.output
    assert "response_pp" not in wrote.stderr and re.search(r"3\s024 rader", wrote.stderr), wrote.stderr
    assert "som scenariot default-2019 antar" in wrote.stderr, wrote.stderr


def test_a_fitted_sweeps_missing_known_cells_are_named_in_words(history, tmp_path):
    frame = pd.read_parquet(history)
    frame = frame[frame["month"] <= "2019-10"].copy()
    frame.loc[(frame["region"] == "06") & (frame["month"] == "2019-09"), ["share_90", "share_60"]] = np.nan
    frame.to_parquet(tmp_path / "gap.parquet", index=False)
    assert run(["fit", history, "--until", "2019-08", "--out", tmp_path / "f.toml"], "en").exit_code == 0
    args = ["sweep", tmp_path / "f.toml", "--observed", tmp_path / "gap.parquet", "--out", tmp_path / "s"]
    said = refused(run(args, "sv"))
    assert "båda andelarna för 06 Jönköping förstabesök 2019-09" in said and "share_" not in said, said


def _backtest_table() -> tuple[pd.DataFrame, dict, dict]:
    """A backtest's table of three regions, its summary and provenance, as `kommiljard backtest` writes them."""
    mean = np.array([350.0, 44.0, 5.6]) * 1e6
    regions = pd.DataFrame({
        "region": ["01", "03", "09"], "mean_sek": mean, "p5_sek": mean * 0.6, "p25_sek": mean * 0.9,
        "p50_sek": mean, "p75_sek": mean * 1.1, "p95_sek": mean * 1.3, "realised_sek": mean * [1.2, 0.3, 0.7],
        "naive_sek": mean * 0.5,
    })  # fmt: skip
    summary = {"as_of": "2019-08", "months_forecast": ["2019-09", "2019-11"], "coverage_50": 1 / 3,
               "coverage_90": 2 / 3, "mae_sek": 17.9e6, "mae_naive_sek": 58.6e6}  # fmt: skip
    provenance = {"history": {"source": "h.parquet", "synthetic": True}, "rules": {"id": "kommiljard-2019"},
                  "n": 2000, "seed": 0}  # fmt: skip
    return regions, summary, provenance


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_backtest_pictures_legend_swatches_stay_clear_of_their_labels(lang):
    """The 50 % interval's swatch (a 6-point line with projecting caps) ran into its label."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from picture_text import problems

    from kommiljard.outputs.plots.backtest import plot_backtest

    ax = plot_backtest(*_backtest_table(), lang=lang)
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend()
    for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
        if isinstance(handle, Line2D) and handle.get_marker() not in ("None", "", None):
            continue  # a marker: drawn in the middle of its handle
        box = handle.get_window_extent(fig.canvas.get_renderer())
        right = box.x1
        if isinstance(handle, Line2D) and handle.get_solid_capstyle() == "projecting":
            right += handle.get_linewidth() / 2 * fig.dpi / 72  # the cap reaches half the line's width beyond its end
        assert right < text.get_window_extent().x0, (text.get_text(), right, text.get_window_extent().x0)
    assert problems(fig) == []
    if lang == "sv":
        assert re.search(r"17,9\smnkr", ax.get_xlabel()) and offenders(ax.get_xlabel()) == [], ax.get_xlabel()
    plt.close(fig)


def test_plot_backtest_draws_a_backtest_folder_again_in_either_language(tmp_path, monkeypatch):
    """`kommiljard plot backtest DIR` was no kind of plot; a backtest's folder is drawn again without running it."""
    import json

    from PIL import Image

    monkeypatch.chdir(tmp_path)
    regions, summary, provenance = _backtest_table()
    Path("bt").mkdir()
    regions.to_csv("bt/backtest.csv", index=False)
    Path("bt/summary.json").write_text(json.dumps({"summary": summary, "provenance": provenance}), "utf-8")
    for lang, said in (("sv", "varje regions prognos mot utfallet"), ("en", "each region's forecast against")):
        result = run(["plot", "backtest", "bt", "--out", f"bt-{lang}.png"], lang)
        assert result.exit_code == 0 and said in result.stderr, result.output
        assert Image.open(f"bt-{lang}.png").size[1] > 300
    Path("empty").mkdir()
    said = refused(run(["plot", "backtest", "empty", "--out", "x.png"], "sv"))
    assert "inte en mapp med ett efterhandsprov" in said and "kommiljard backtest" in said, said
    assert offenders(said) == [] and not Path("x.png").exists(), said


@pytest.mark.slow
def test_a_backtests_csv_under_sv_is_for_people_and_under_en_for_programs(tmp_path):
    """Under sv it printed the code names (mean_sek, inside_50 True/False, pit_lo) and no synthetic mark."""
    assert run(["history", "--seed", "3", "--out", tmp_path / "h.parquet"], "en").exit_code == 0
    args = ["backtest", tmp_path / "h.parquet", "--as-of", "2019-08", "--n", "100", "--format", "csv"]
    said = run(args, "sv")
    assert said.exit_code == 0, said.output
    lines = said.stdout.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("SYNTETISKA data") and lines[1].startswith("region;namn;medelvärde, kr;"), lines[:2]
    assert "PIT, nedre" in lines[1] and "CRPS, naiv prognos, kr" in lines[1] and offenders(lines[1]) == [], lines[1]
    assert set(lines[2].split(";")[9:11]) <= {"ja", "nej"}, lines[2]
    told = run(args, "en")
    assert told.stdout.splitlines()[0].startswith("region,region_name,mean_sek,p5_sek"), told.stdout[:200]


def test_the_backtest_picture_says_which_regions_borrowed():
    """The picture (what is forwarded) said nothing of --borrow; the terminal's warning does not travel with it."""
    import matplotlib.pyplot as plt
    from picture_text import problems

    from kommiljard.outputs.plots.backtest import plot_backtest

    regions, summary, provenance = _backtest_table()
    provenance["fit"] = {"borrowed": ["09"], "warnings": []}
    ax = plot_backtest(regions, summary, provenance, lang="sv")
    note = " ".join(t.get_text() for t in ax.texts if t.get_gid() == "note").replace("\n", " ")
    assert "lånar säsong, trend och brus från de andra regionerna: 09 Gotland" in note, note
    assert problems(ax.figure) == []
    plt.close(ax.figure)
    ax = plot_backtest(*_backtest_table(), lang="sv")
    assert "lånar" not in " ".join(t.get_text() for t in ax.texts)
    plt.close(ax.figure)


def test_a_narrow_parts_title_is_wrapped_to_the_terminal_not_to_the_part(monkeypatch):
    """A fitted sweep's chances by month under sv: the last part, one column wide, had its title broken into
    five lines of 20 characters ('Chans (%) att nå' / 'minst stapeln blå,' / ...)."""
    import io

    from rich.console import Console

    from kommiljard.cli import render

    buffer = io.StringIO()
    monkeypatch.setattr(render, "out", Console(file=buffer, width=80, color_system=None))
    monkeypatch.setattr(render, "terminal_width", lambda: 80)
    headers = ["region", *(f"{m} 2019, {g}" for m in ("sep", "okt", "nov") for g in ("förstabesök", "operationer"))]
    rows = [[f"{r:02d}", *(f"{10 * r + i}" for i in range(6))] for r in range(1, 6)]
    title = "Chans (%) att nå minst stapeln blå, per månad"
    render._print_table(headers, rows, title, keys=1, sections=[], right=[False] + [True] * 6, wrap=[False] * 7)
    lines = buffer.getvalue().splitlines()
    assert max(map(len, lines)) <= 80
    titled = [i for i, line in enumerate(lines) if line.startswith("Chans (%)")]
    assert len(titled) >= 2, lines  # in parts
    for i in titled:
        assert len(lines[i]) > 60 or "(del" in lines[i], lines[i : i + 3]  # the title's first line is not cut short


@pytest.mark.parametrize(("lang", "promised", "printed"), [
    ("en", "its 50 % and 90 % intervals", ("its 90 % interval", "CRPS")),
    ("sv", "dess 50- och 90-procentiga intervall", ("dess 90-procentiga intervall", "CRPS")),
])  # fmt: skip
def test_backtests_help_says_what_its_table_prints(lang, promised, printed):
    """The help promised both intervals per region (the table has the 90 % one) and did not name the CRPS."""
    text = " ".join(run(["backtest", "--help"], lang).stdout.split())
    assert promised not in text and all(p in text for p in printed), text
