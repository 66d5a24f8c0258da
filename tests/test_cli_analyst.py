"""The analyst's commands as a newcomer uses them: plot, report, import, and help with examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.engine import payout

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("name", ["payout", "explain", "validate", "rules", "plot", "report", "import"])
def test_every_help_starts_with_an_example(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    text = re.sub(r"\s+", " ", result.output)
    usage_and_summary = text.split("Example:")[0]
    assert "Example: kommiljard " + name in text and len(usage_and_summary) < 400


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_staircase_writes_png_and_svg(sample_panel_path, tmp_path, suffix):
    out = tmp_path / f"staircase.{suffix}"
    result = run("plot", "staircase", sample_panel_path, "--month", "okt 2019", "--group", "operation", "--out", out)
    assert result.exit_code == 0, result.output
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in out.read_bytes()
    assert f"wrote {out}" in result.output and "SYNTHETIC" in result.output


@pytest.mark.slow
def test_plot_payouts_and_every_staircase(sample_panel_path, tmp_path):
    for kind in ("payouts", "staircase"):
        result = run("plot", kind, sample_panel_path, "--out", tmp_path / f"{kind}.png")
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"{kind}.png").read_bytes().startswith(b"\x89PNG")


def test_plot_curve_from_a_csv(tmp_path):
    x = np.round(np.arange(-2, 8.01, 0.1), 1)
    tier = np.select([x > 5, x >= 3, x >= 1], [3, 2, 1], 0)
    pd.DataFrame({"improvement_pp": x, "amount_sek": tier * 4e6, "tier": tier}).to_csv(
        tmp_path / "curve.csv", index=False
    )
    result = run(
        "plot",
        "curve",
        tmp_path / "curve.csv",
        "--region",
        "Jönköping",
        "--current",
        "2.5",
        "--out",
        tmp_path / "curve.svg",
    )
    assert result.exit_code == 0, result.output
    assert "Jönköping" in (tmp_path / "curve.svg").read_text(encoding="utf-8")


@pytest.mark.slow
def test_plot_sweep_with_a_lever_draws_the_gain(tmp_path):
    n, regions = 30, ["01", "06", "12"]
    frame = pd.DataFrame({"trajectory": np.repeat(np.arange(n, dtype="int64"), 3), "region": regions * n})
    frame["amount_sek"] = np.random.default_rng(1).uniform(0, 50e6, len(frame))
    frame["gain_sek"] = np.where(frame["region"] == "06", 5e6, -1e6)
    (tmp_path / "trajectories").mkdir()
    frame.to_parquet(tmp_path / "trajectories" / "part-00000.parquet", index=False)
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "rules": "kommiljard-2019",
                "seed": 1,
                "n": n,
                "lever": {"region": "06", "improve_pp": 3},
                "status": "complete",
            }
        )
    )
    result = run("plot", "sweep", tmp_path, "--out", tmp_path / "sweep.png")
    assert result.exit_code == 0, result.output
    assert "the gain of region 06" in result.output
    assert (tmp_path / "sweep.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plot", "stair", "{panel}", "--out", "x.png"], "did you mean 'staircase'?"),
        (["plot", "payouts", "{panel}", "--out", "x.jpg"], "--out must end in .png or .svg"),
        (
            ["plot", "staircase", "{panel}", "--group", "operaton", "--out", "x.png"],
            "group 'operaton' (did you mean 'operation'?)",
        ),
        (["plot", "sweep", "{panel}", "--out", "x.png"], "not a sweep directory"),
        (["report", "{panel}", "--out", "x.pdf"], "--out must end in .html"),
        (
            ["explain", "{panel}", "--region", "Jönkobing", "--month", "2019-10", "--group", "operation"],
            "did you mean 06 Jönköping?",
        ),
    ],
)
def test_mistakes_get_a_suggestion_and_status_2(sample_panel_path, tmp_path, args, message):
    result = run(
        *[
            a.replace("{panel}", str(sample_panel_path))
            if a.startswith("{")
            else (tmp_path / a if a.startswith("x.") else a)
            for a in args
        ]
    )
    assert result.exit_code == 2
    assert message in re.sub(r"\s+", " ", result.output)


@pytest.mark.slow
def test_report_command_writes_one_html_file(sample_panel_path, tmp_path):
    out = tmp_path / "report.html"
    result = run("report", sample_panel_path, "--out", out)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") == 7
    assert "self-contained" in result.output


def test_import_then_payout_gives_the_sample_payout(sample_panel_path, tmp_path):
    out = tmp_path / "panel.parquet"
    result = run("import", ROOT / "data" / "sample_export_sv.csv", "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "region,region_name,written_as,months,groups,rows" in result.output
    assert "06,Jönköping,Region Jönköpings län" in result.output
    imported, sample = payout(out), payout(sample_panel_path)
    assert imported.panel.synthetic
    pd.testing.assert_frame_equal(imported.summary(), sample.summary())


def test_version_and_the_list_of_rule_sets():
    from kommiljard import __version__
    from kommiljard.rules import bundled_rule_names, load_rules

    version = run("--version")
    assert version.exit_code == 0 and version.stdout.strip() == f"kommiljard {__version__}"
    listed = runner.invoke(app, ["rules", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["rule set"].split()[0] for r in rows] == bundled_rule_names()
    for row in rows:
        rs = load_rules(row["rule set"].split()[0]).ruleset
        assert row["title"] == rs.title and row["years"] and row["years"][:4] in (rs.valid_from or row["years"])
    assert next(r for r in rows if r["rule set"].startswith("kommiljard-2020"))["years"] == "2020"
