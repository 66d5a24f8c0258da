"""Pictures that say one thing at a glance, in English and Swedish: no text overlaps another or leaves the figure
(matplotlib knows every text's box once drawn), Swedish pictures hold no English word or code name, the payouts
chart has a few segments a bar, and numbers have their thousands separated."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pytest
from picture_text import problems, texts
from swedish_check import offenders

from kommiljard.analysis.compare import alternatives, compare
from kommiljard.engine import payout
from kommiljard.outputs.plots.compare import plot_compare
from kommiljard.outputs.plots.figures import cells_figure, curve_figure, payouts_figure, sweep_figure, variants_figure
from kommiljard.sweeps.run import Lever, run_sweep

matplotlib.use("Agg")
LANGS = ("en", "sv")


@pytest.fixture(scope="module")
def results(sample_panel_path):
    root = sample_panel_path.parent
    return (
        payout(sample_panel_path),
        payout(root / "sample_panel_2013.parquet", rules="kommiljard-2013"),
        payout(root / "sample_panel_2023.parquet", rules="kommiljard-2023"),
        payout(root / "sample_operations_2022_2026.parquet", rules="kommiljard-2026"),
        payout(root / "sample_operations_2022_2026.parquet", rules="kommiljard-2025-feb-oct"),
    )


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory, sample_panel_path):
    """A lever sweep and a variant sweep, small: the pictures read them from their folders."""
    folder = tmp_path_factory.mktemp("sweeps")
    run_sweep(None, 400, 1, folder / "lever", chunk_size=400, lever=Lever("06", 3.0), threads=1)
    variants = {
        **alternatives("kommiljard-2019"),
        "halv": ("kommiljard-2019", {"block1.bars.blue.min_improvement": 0.5}),
    }
    run_sweep(None, 400, 1, folder / "variants", chunk_size=400, threads=1, variants=variants)
    return folder


def _figures(results, sweeps, sample_panel_path, tmp_path, lang):
    from kommiljard.analysis.whatif import payout_curve
    from kommiljard.kinds import kind_of
    from kommiljard.outputs.files import write_table

    r19, r13, r23, r26, r25 = results
    requirements = r23.rules.ruleset.block(1)
    requirement = lambda cell: kind_of(requirements).figure(r23, requirements, cell, None, lang).figure  # noqa: E731
    curve = tmp_path / "curve.csv"
    write_table(payout_curve(sample_panel_path, "06", month="2019-10", group="operation"), curve, {"region": "06"})
    operations = tmp_path / "operations.csv"
    more = payout_curve(r26.panel, "03", rules="kommiljard-2026", lever="more", lo=-200, hi=600, step=50)
    write_table(more, operations, {"region": "03"})
    return {
        "staircase": cells_figure(r19, "2019-10", "operation", lang),
        "every staircase": cells_figure(r19, None, None, lang),
        "payouts": payouts_figure(r19, lang),
        "threshold periods": cells_figure(r13, None, None, lang),
        "curve": curve_figure(curve, "06", 1.0, lang),
        "sweep": sweep_figure(sweeps / "lever", None, "box", lang)[0],
        "variants": variants_figure(sweeps / "variants", lang)[0],
        "compare": plot_compare(compare(sample_panel_path, alternatives("kommiljard-2019")), lang=lang).figure,
        "requirement": requirement(("2023-05", "sc_first_visit")),
        "requirement over its months": requirement((None, "sc_first_visit")),
        "payouts of requirements": payouts_figure(r23, lang),
        "price per operation": cells_figure(r26, None, None, lang),
        "prices per procedure": cells_figure(r25, None, None, lang),
        "payouts of prices": payouts_figure(r25, lang),
        "curve of operations": curve_figure(operations, "03", 150.0, lang),
    }


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_no_text_overlaps_another_or_leaves_the_figure(results, sweeps, sample_panel_path, tmp_path, lang):
    found = {}
    for name, fig in _figures(results, sweeps, sample_panel_path, tmp_path, lang).items():
        if trouble := problems(fig):
            found[name] = trouble[:5]
        plt.close(fig)
    assert not found


@pytest.mark.slow
def test_swedish_pictures_say_nothing_in_english(results, sweeps, sample_panel_path, tmp_path):
    found = {}
    for name, fig in _figures(results, sweeps, sample_panel_path, tmp_path, "sv").items():
        words = [w for text, _ in texts(fig) for w in offenders(text)]
        if words:
            found[name] = sorted(set(words))
        plt.close(fig)
    assert not found


def test_the_check_finds_overlapping_text_and_text_outside_the_figure():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.text(0.5, 0.5, "one text", transform=ax.transAxes)
    ax.text(0.52, 0.5, "another text", transform=ax.transAxes)
    fig.text(0.98, 0.5, "beyond the right edge")
    found = problems(fig)
    plt.close(fig)
    assert any(p.startswith("overlap: 'one text' and 'another text'") for p in found)
    assert any(p.startswith("leaves the figure: 'beyond the right edge'") for p in found)


def test_title_and_synthetic_note_never_overlap_whatever_the_height(results):
    from kommiljard.kinds.look import label

    for height in (2.5, 6, 14):
        fig, ax = plt.subplots(figsize=(10, height), layout="constrained")
        label(
            ax, "A title long enough to wrap onto a second line in a narrow figure, " * 2, "SYNTHETIC data " * 12, True
        )
        assert not problems(fig), height
        plt.close(fig)


def test_payouts_chart_has_a_segment_per_block_and_group_and_separated_thousands(results):
    r19, *_ = results
    fig = payouts_figure(r19, "sv")
    ax = fig.axes[0]
    segments = {p.get_gid() for p in ax.patches if p.get_gid()}
    assert segments == {"block1-first_visit", "block1-operation", "block2"}
    assert any(t.get_text() == "382,9\u00a0mnkr" for t in ax.texts)  # the total after each bar, in Swedish
    assert "1\u00a0600,0\u00a0mnkr" in ax.get_title(loc="left")
    plt.close(fig)


@pytest.mark.slow
def test_sweep_picture_separates_thousands(sweeps):
    fig, _ = sweep_figure(sweeps / "lever", None, "box", "en")
    shown = " ".join(text for text, _ in texts(fig))
    assert "400 trajectories" in shown and "1000000" not in shown
    plt.close(fig)


def test_staircase_members_are_listed_below_the_picture_not_in_the_bars(results):
    r19, *_ = results
    fig = cells_figure(r19, "2019-10", "operation", "sv")
    ax = fig.axes[0]
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    cell = r19.table[(r19.table["month"] == "2019-10") & (r19.table["group"] == "operation")]
    blue = " ".join(sorted(cell.loc[cell["tier"] >= 1, "region"]))
    assert f"blå stapel, {len(cell[cell['tier'] >= 1])} regioner: {blue}" in legend
    assert not any(blue in t.get_text() for t in ax.texts)
    assert not problems(fig)
    plt.close(fig)
