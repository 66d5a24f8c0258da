"""The fast tier's reach: a cheap, real check of the modules whose thorough tests are in the slow tier
(the backtest command, the variant sweep's picture, the population-share figure), so that
``pytest -m "not slow"`` runs code in nearly every module, not only imports it (Dask's is only
imported: the distributed extra takes a second to import)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import KommiljardError

runner = CliRunner()


def test_backtest_command_refuses_a_plot_it_cannot_draw_before_fitting(sample_panel_path, tmp_path):
    result = runner.invoke(
        app, ["backtest", str(sample_panel_path), "--as-of", "2019-08", "--plot", str(tmp_path / "b.txt")]
    )
    assert result.exit_code == 2 and "--plot must end in .png" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_no_variant_sweep_is_refused_by_name(tmp_path):
    from kommiljard.outputs.plots.variants import read_variant_sweep

    with pytest.raises(KommiljardError, match="empty"):
        read_variant_sweep(tmp_path / "empty")


def test_the_population_share_figure_has_a_bar_per_region(sample_panel_path, rules, population):
    from kommiljard.engine import payout
    from kommiljard.kinds.population_share.figure import plot_population_share

    result = payout(sample_panel_path, rules, population)
    block = next(b for b in rules.ruleset.blocks if b.kind == "population_share")
    ax = plot_population_share(result, block)
    try:
        paid = [p for p in ax.patches if p.get_gid() == "paid"]
        assert len(paid) == 21 and len(ax.get_yticklabels()) == 21
        total = result.table.query(f"block == {block.number}")["amount_sek"].sum()
        assert sum(p.get_width() for p in paid) * 1e6 == pytest.approx(total)
    finally:
        plt.close(ax.figure)
