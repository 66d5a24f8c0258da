"""Comparing rule sets and parameter changes side by side, from Python and the command line."""

from __future__ import annotations

import io
import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.compare import DIFF_PREFIX, alternatives, compare, parse_variant, variant_columns
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import RuleFileError
from kommiljard.inputs.population import Population
from kommiljard.outputs.plots.compare import plot_compare
from kommiljard.rules import load_rules

THREE = ["blue-above-0", "equal-sharing", "exclusive-bars"]


@pytest.fixture(scope="module")
def frame(sample_panel_path):
    variants = alternatives("kommiljard-2019")
    return compare(sample_panel_path, {n: variants[n] for n in ["default", *THREE]})


def test_one_column_per_variant_and_differences_from_the_first(frame, sample_panel_path):
    assert variant_columns(frame) == ["default", *THREE]
    assert len(frame) == 21
    for name in THREE:
        np.testing.assert_allclose(frame[DIFF_PREFIX + name], frame[name] - frame["default"])
    baseline = payout(sample_panel_path).summary().set_index("region")["total_sek"]
    np.testing.assert_allclose(frame.set_index("region")["default"], baseline.loc[frame["region"]], atol=0.01)


def test_every_variant_conserves_its_money(frame):
    for name, t in frame.attrs["totals"].items():
        assert t["paid_sek"] + t["lapsed_sek"] == pytest.approx(t["total_sek"], abs=0.05), name
        assert frame[name].sum() == pytest.approx(t["paid_sek"], abs=0.05)
    assert frame.attrs["variants"]["equal-sharing"]["overrides"] == {"block1.sharing": "equal"}
    assert frame.attrs["synthetic_panel"] is True


def test_variants_as_names_files_and_overrides(sample_panel_path):
    rules = load_rules()
    out = compare(
        sample_panel_path,
        {
            "a": "kommiljard-2019",
            "b": (rules, {"block1.cumulative": False}),
            "c": rules.with_overrides({"block1.cumulative": False}),
        },
    )
    np.testing.assert_allclose(out["b"], out["c"])
    assert (out[DIFF_PREFIX + "b"].abs() > 1).any()


def test_two_rule_sets_on_one_panel():
    """2013 and 2014 on a panel with both years' figures: same data, 2014's smaller pots."""
    rows = []
    for year in (2013, 2014):
        for g in ("first_visit", "operation"):
            for i, code in enumerate(["01", "03", "04", "05"]):
                rows.append(
                    {
                        "region": code,
                        "month": f"{year}-12",
                        "group": g,
                        "performed_60": [85.0, 75.0, 70.0, 60.0][i],
                        "share_60": 72.0,
                    }
                )
    four = Population(pd.Series([1_000_000, 500_000, 250_000, 250_000], index=["01", "03", "04", "05"]), "four", "")
    out = compare(pd.DataFrame(rows), {"2013": "kommiljard-2013", "2014": "kommiljard-2014"}, population=four)
    totals = out.set_index("region")
    assert totals.loc["01", DIFF_PREFIX + "2014"] < 0
    assert out["2013"].sum() == pytest.approx(988_000_000.0) and out["2014"].sum() == pytest.approx(974_000_000.0)


def test_parse_variant_keeps_lists_whole():
    name, overrides = parse_variant('two-months: block1.months=["2019-10", "2019-11"], block1.sharing=equal')
    assert name == "two-months"
    assert overrides == {"block1.months": ["2019-10", "2019-11"], "block1.sharing": "equal"}
    with pytest.raises(RuleFileError, match="NAME:KEY=VALUE"):
        parse_variant("block1.sharing=equal")


def test_plot_compare_draws_on_the_given_axes(frame):
    fig, ax = plt.subplots()
    assert plot_compare(frame, ax=ax) is ax
    assert len(ax.get_lines()) == len(THREE) + 1  # one series per variant and the zero line
    assert len(ax.get_yticklabels()) == 21
    title = " ".join(ax.get_title(loc="left").split())
    assert "What each variant changes per region, against" in title  # the dots are differences, not payouts
    assert ax.get_ylabel().startswith("regions by their payout under") and ax.get_ylabel().endswith("at the top")
    plt.close(fig)


# ----------------------------------------------------------------------------- command line
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.slow
def test_cli_alternatives_in_one_table(sample_panel_path):
    result = run("compare", sample_panel_path, "--alternatives")
    assert result.exit_code == 0, result.output
    for header in (
        "kommiljard-2019",
        "blue above 0",
        "equal shares",
        "only the highest bar",
        "5.0 is orange",
        "above 71 %",
    ):
        assert header in " ".join(result.stdout.split())
    assert "paid" in result.stdout and "lapsed" in result.stdout


@pytest.mark.slow
def test_cli_variants_csv_json_and_plot(sample_panel_path, tmp_path):
    spec = [
        "--variant",
        "blue-from-0:block1.bars.blue.min_improvement=0,block1.bars.blue.inclusive=false",
        "--variant",
        "equal:block1.sharing=equal",
    ]
    csv = run("compare", sample_panel_path, *spec, "--format", "csv", "--plot", tmp_path / "c.png")
    assert csv.exit_code == 0, csv.output
    table = pd.read_csv(io.StringIO(csv.stdout), dtype={"region": str})
    assert list(table.columns) == [
        "region",
        "region_name",
        "kommiljard-2019",
        "blue-from-0",
        "equal",
        "diff_blue-from-0",
        "diff_equal",
    ]
    assert (tmp_path / "c.png").stat().st_size > 0
    data = json.loads(run("compare", sample_panel_path, *spec, "--format", "json").stdout)
    assert data["variants"]["blue-from-0"]["overrides"] == {
        "block1.bars.blue.min_improvement": 0,
        "block1.bars.blue.inclusive": False,
    }
    assert len(data["regions"]) == 21


def test_cli_bad_variant_says_what_to_fix(sample_panel_path):
    result = run("compare", sample_panel_path, "--variant", "x:block1.bars.bleu.inclusive=false")
    assert result.exit_code == 2
    assert "nothing called 'bleu'" in result.output and "Did you mean 'blue'" in result.output
    result = run("compare", sample_panel_path, "--variant", "block1.sharing=equal")
    assert result.exit_code == 2 and "NAME:KEY=VALUE" in result.output


def test_cli_rule_set_the_panel_cannot_serve(sample_panel_path):
    result = run("compare", sample_panel_path, "--rules", "kommiljard-2019", "--rules", "kommiljard-2013")
    assert result.exit_code == 2
    assert "missing column 'performed_60'" in result.output and "kommiljard-2013" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("width", [80, 120, 200])
def test_many_alternatives_fit_the_terminal_and_none_is_hidden(sample_panel_path, width, monkeypatch):
    """Every alternative of 2019 is shown, in order, at every width; no line is wider than the terminal."""
    monkeypatch.setenv("COLUMNS", str(width))
    result = runner.invoke(app, ["compare", str(sample_panel_path), "--alternatives"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert max(len(line) for line in text.splitlines()) <= width
    flat = " ".join(text.split())
    positions = []
    from kommiljard.rules.texts import alternative_name

    for alt in load_rules().ruleset.alternatives:
        words = alternative_name(alt.name).split()
        found = [m.start() for m in re.finditer(r"\s+".join(map(re.escape, words)), flat)]
        assert found, f"{alt.name} is not shown at {width} columns"
        positions.append(found[0])
    assert "hidden" not in text.lower() or "--format csv" in text
