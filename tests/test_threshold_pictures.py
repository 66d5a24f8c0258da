"""A threshold scheme gets its own pictures, in ``plot``, the report and the payouts chart, drawn
from what the engine computed."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from test_report import Collect
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.kinds.look import MN
from kommiljard.outputs.plots import bar_amounts, plot_cell, plot_payouts
from kommiljard.outputs.report import build_report, report_steps
from kommiljard.outputs.wording import group_name


@pytest.fixture(scope="module")
def result(sample_panel_path):
    return payout(sample_panel_path.with_name("sample_panel_2013.parquet"), "kommiljard-2013")


def test_a_threshold_period_is_drawn_with_its_levels_figures_and_members(result):
    ax = plot_cell(result, "2013-06", "operation")  # any month of the period picks it
    gids = {a.get_gid() for a in ax.get_children() if a.get_gid()}
    assert {"level-70", "level-80", "figures"} <= gids
    bars = [p for p in ax.patches if p.get_gid() == "figures"]
    table = result.table[(result.table["block"] == 1) & (result.table["group"] == "operation")]
    assert sorted(b.get_width() for b in bars) == pytest.approx(sorted(table["share_current"]))
    texts = " ".join(t.get_text() for t in ax.texts)
    steps = result.steps[(result.steps["group"] == "operation")]
    for step in steps.itertuples():  # each level says what it paid, or where its money went
        assert (f"pays {step.pot_sek / MN:.1f} mnkr" in texts) or ("nobody" in texts and step.members == 0)
    if (table["route"] == "gate_not_met").any():
        assert "gate-not-met" in gids
    plt.close(ax.figure)


def test_payouts_chart_of_a_threshold_scheme_shows_its_amounts(result):
    ax = plot_payouts(result)
    drawn = [p for p in ax.patches if (p.get_gid() or "").startswith("block1-")]
    assert drawn, "no bars for the threshold block"
    assert sum(p.get_width() for p in drawn) == pytest.approx(result.table["amount_sek"].sum() / MN, rel=1e-9)
    plt.close(ax.figure)


def test_bar_amounts_of_a_threshold_scheme_add_up_to_the_payout(result):
    amounts = bar_amounts(result)
    assert set(amounts["bar"]) == {"70", "80"}
    per_region = amounts.groupby("region")["amount_sek"].sum()
    expected = result.table.groupby("region")["amount_sek"].sum()
    np.testing.assert_allclose(per_region.loc[expected.index], expected, rtol=0, atol=1e-6)


@pytest.mark.slow
def test_report_of_a_threshold_scheme_has_a_figure_for_every_period_and_group(result):
    parser = Collect()
    parser.feed(build_report(result))
    for group in ("first_visit", "operation"):
        assert f"cell-1-2013-12-{group}" in parser.ids
        assert any(img["alt"] == f"Block 1: December 2013, {group_name(group)}" for img in parser.images)
    assert "threshold-levels" in parser.ids and "staircases" not in parser.ids
    assert report_steps(result) == 1 + 2


@pytest.mark.slow
def test_plot_command_draws_a_threshold_scheme(tmp_path, sample_panel_path):
    out = tmp_path / "levels.png"
    panel = sample_panel_path.with_name("sample_panel_2013.parquet")
    res = CliRunner().invoke(app, ["plot", "cells", str(panel), "--rules", "kommiljard-2013", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
