"""Every plot returns its Axes with the expected artists and labels, synthetic data marked."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.inputs.regions import region_codes
from kommiljard.kinds.look import lever_text, provenance_note
from kommiljard.outputs.plots import (
    bar_amounts,
    plot_payout_curve,
    plot_payouts,
    plot_staircase,
    plot_sweep_gain,
    plot_sweep_payouts,
    read_sweep,
)
from kommiljard.outputs.plots.figures import sweep_figure
from kommiljard.sweeps.run import Lever, run_sweep

SYNTHETIC = {
    "rules": {"id": "kommiljard-2019", "version": "2019.1"},
    "synthetic": True,
    "n": 40,
    "seed": 7,
    "lever": {"region": "06", "improve_pp": 3},
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def result(sample_panel_path):
    return payout(sample_panel_path)


def texts(ax) -> str:
    """Every piece of text on the Axes (title, notes, annotations, tick labels, legend), wrapping undone."""
    parts = [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
    parts += [t.get_text() for t in ax.get_yticklabels()]
    if ax.get_legend():
        parts += [t.get_text() for t in ax.get_legend().get_texts()]
    return " ".join(" ".join(parts).split())


def gids(ax) -> set[str]:
    return {a.get_gid() for a in ax.get_children() if a.get_gid()} | {p.get_gid() for p in ax.patches if p.get_gid()}


def test_staircase_draws_the_three_bars_their_members_and_every_region(result):
    ax = plot_staircase(result, "2019-10", "operation")
    assert {"bar-blue", "bar-red", "bar-orange"} <= gids(ax)
    assert {f"region-{c}" for c in region_codes()} <= gids(ax)
    text = texts(ax)
    assert "SYNTHETIC" in text and "kommiljard-2019" in text
    assert "October 2019, operations and treatments" in text and "pot 213.3 mnkr" in text
    cell = result.table[(result.table["month"] == "2019-10") & (result.table["group"] == "operation")]
    blue_members = " ".join(sorted(cell.loc[cell["tier"] >= 1, "region"]))
    assert f"blue bar, {len(cell[cell['tier'] >= 1])} regions: {blue_members}" in text  # in the legend below
    assert "entered by the target: share waiting at most 60 days ≥ 71 %" in text


@pytest.mark.slow
def test_staircase_shows_the_cascade_and_a_lapse(sample_panel_path):
    cascade = payout(
        sample_panel_path, overrides={"block1.bars.red.min_improvement": 8, "block1.bars.orange.min_improvement": 20}
    )
    ax = plot_staircase(cascade, "2019-09", "first_visit")
    dashed = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_linestyle() == "--"]
    assert {p.get_gid() for p in dashed} == {"bar-red", "bar-orange"}
    assert "red bar: nobody; passed down 64.0 mnkr" in texts(ax)
    assert "orange bar: nobody; passed down 21.3 mnkr" in texts(ax)
    nobody = {
        "block1.bars.blue.min_improvement": 20,
        "block1.bars.red.min_improvement": 25,
        "block1.bars.orange.min_improvement": 30,
        "block1.target.threshold": 99,
    }
    ax = plot_staircase(payout(sample_panel_path, overrides=nobody), "2019-09", "first_visit")
    assert "213.3 mnkr lapse" in texts(ax)
    assert "block1.target.threshold=99" in texts(ax)  # the overrides are named


def test_staircase_of_an_unknown_group_suggests_one(result):
    with pytest.raises(InputError, match=r"measures no group 'operaton' \(did you mean 'operation'\?\)"):
        plot_staircase(result, "2019-10", "operaton")


def test_bar_amounts_add_up_to_the_payout(result):
    amounts = bar_amounts(result).groupby("region")["amount_sek"].sum()
    expected = result.summary().set_index("region")["total_sek"]
    assert np.allclose(amounts.reindex(expected.index), expected, atol=0.01)


@pytest.mark.slow
def test_payouts_show_one_segment_per_group_and_block_2_and_add_up(result, rules):
    ax = plot_payouts(result)
    block = rules.ruleset.block(1)
    assert gids(ax) >= {f"block1-{g}" for g in block.group_names} | {"block2"}
    segments = [p for p in ax.patches if (p.get_gid() or "").startswith("block")]
    assert len(segments) == 3 * 21  # three segments a bar, not 18
    assert sum(p.get_width() for p in segments) == pytest.approx(result.table["amount_sek"].sum() / 1e6, rel=1e-9)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 21 and "06 Jönköping" in labels
    totals = result.summary().sort_values("total_sek")
    assert labels[-1].startswith(totals["region"].iloc[-1])  # largest on top
    assert "SYNTHETIC" in texts(ax) and "Block 1, operations and treatments" in texts(ax)


def curve_frame() -> pd.DataFrame:
    x = np.round(np.arange(-2.0, 8.01, 0.5), 1)
    tier = np.select([x > 5, x >= 3, x >= 1], [3, 2, 1], 0)
    return pd.DataFrame({"improvement_pp": x, "amount_sek": np.array([0, 7e6, 10e6, 13.5e6])[tier], "tier": tier})


def test_payout_curve_is_a_step_function_shaded_by_tier():
    ax = plot_payout_curve(curve_frame(), region="Jönköping", current=2.0, provenance=SYNTHETIC)
    line = next(line for line in ax.get_lines() if line.get_gid() == "curve")
    assert line.get_drawstyle() == "steps-post"
    assert np.allclose(line.get_ydata(), curve_frame()["amount_sek"] / 1e6)
    text = texts(ax)
    assert "06 Jönköping" in text and "now +2.0 pp: 7.0 mnkr" in text
    assert "tier 1 from +1" in text and "tier 3 from +5.5" in text
    assert "SYNTHETIC" in text and "kommiljard-2019 2019.1" in text


def test_payout_curve_needs_its_columns():
    with pytest.raises(InputError, match="no column 'amount_sek'"):
        plot_payout_curve(pd.DataFrame({"improvement_pp": [0.0]}))


def sweep_frame(n: int = 40, lever: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    regions = ["01", "06", "23"]
    frame = pd.DataFrame({"trajectory": np.repeat(np.arange(n, dtype="int64"), 3), "region": regions * n})
    frame["amount_sek"] = rng.gamma(4, 1, len(frame)) * np.tile([30e6, 3e6, 10e6], n)
    if lever:
        frame["gain_sek"] = np.where(
            frame["region"] == "06", rng.choice([0.0, 6e6, 12e6], len(frame)), -rng.uniform(0, 1e6, len(frame))
        )
    return frame


@pytest.mark.parametrize("kind", ["box", "violin"])
def test_sweep_payouts_are_sorted_by_median(kind):
    ax = plot_sweep_payouts(sweep_frame(), kind=kind, provenance=SYNTHETIC)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["06 Jönköping", "23 Jämtland Härjedalen", "01 Stockholm"]
    assert (
        "over 40 synthetic trajectories, with the lever" in texts(ax)
        and "SYNTHETIC" in texts(ax)
        and "seed 7" in texts(ax)
    )
    assert ("whiskers: 5th to 95th percentile" if kind == "box" else "violin") in ax.get_xlabel()


def test_sweep_payouts_refuse_an_unknown_kind():
    with pytest.raises(InputError, match="box or violin"):
        plot_sweep_payouts(sweep_frame(), kind="bar")


def test_sweep_gain_is_a_histogram_of_one_regions_gain():
    frame = sweep_frame()
    ax = plot_sweep_gain(frame, "6", provenance=SYNTHETIC)
    assert sum(p.get_height() for p in ax.patches) == 40
    gains = frame.loc[frame["region"] == "06", "gain_sek"]
    assert f"above 0 in {100 * np.mean(gains > 0):.0f} %" in ax.get_xlabel()
    assert (
        "What-if gain of 06 Jönköping" in texts(ax)
        and "SYNTHETIC" in texts(ax)
        and "lever: 06 Jönköping +3.0 pp in every measurement month and group" in texts(ax)
    )
    with pytest.raises(InputError, match="say which one"):
        plot_sweep_gain(frame)
    with pytest.raises(InputError, match="lever"):
        plot_sweep_gain(sweep_frame(lever=False), "06")


def write_sweep(directory, frame: pd.DataFrame, manifest: dict) -> None:
    (directory / "trajectories").mkdir(parents=True)
    half = frame["trajectory"] < frame["trajectory"].max() // 2
    frame[half].to_parquet(directory / "trajectories" / "part-00000.parquet", index=False)
    frame[~half].to_parquet(directory / "trajectories" / "part-00001.parquet", index=False)
    (directory / "manifest.json").write_text(json.dumps(manifest))


def test_read_sweep_joins_the_parts_and_reads_the_manifest(tmp_path):
    finished = {**SYNTHETIC, "status": "complete"}
    write_sweep(tmp_path, sweep_frame(), finished)
    frame, manifest = read_sweep(tmp_path)
    assert len(frame) == 120 and frame["trajectory"].is_monotonic_increasing
    assert manifest == finished
    with pytest.raises(InputError, match="not a sweep directory"):
        read_sweep(tmp_path / "trajectories")


@pytest.mark.parametrize("manifest", [None, SYNTHETIC], ids=["no manifest", "not finished"])
def test_a_sweep_not_finished_is_not_drawn(tmp_path, manifest):
    """Its parts hold only some of its trajectories: a picture of them would be of another sweep."""
    write_sweep(tmp_path, sweep_frame(), manifest or {})
    if manifest is None:
        (tmp_path / "manifest.json").unlink()
    with pytest.raises(InputError, match="not a complete sweep .* Rerun the sweep with the same arguments"):
        read_sweep(tmp_path)


# A real (small) sweep, so that the plots are checked against what kommiljard.sweeps.run writes.
N_SWEEP = 300


@pytest.fixture(scope="module")
def real_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "lever"
    run_sweep(
        "default-2019",
        N_SWEEP,
        3,
        out,
        chunk_size=200,
        lever=Lever("Jönköping", 3.0, months=("2019-10", "2019-11")),
        threads=1,
    )
    return out


def test_a_real_sweeps_manifest_has_what_the_plots_read(real_sweep):
    frame, manifest = read_sweep(real_sweep)
    assert len(frame) == 21 * N_SWEEP and {"gain_sek", "baseline_sek"} <= set(frame.columns)
    assert (
        len(list((real_sweep / "trajectories").glob("part-*.parquet"))) == 2
        and frame["trajectory"].is_monotonic_increasing
    )
    assert manifest["status"] == "complete" and manifest["scenario"]["name"] == "default-2019"
    assert manifest["rules"]["id"] == "kommiljard-2019" and manifest["n"] == N_SWEEP and manifest["seed"] == 3
    assert manifest["lever"]["region"] == "06" and len(manifest["lever"]["cells"]) == 4


def test_a_real_sweep_is_drawn_as_synthetic_with_a_readable_lever(real_sweep):
    fig, what = sweep_figure(real_sweep)
    assert what == "payout distribution per region and the gain of region 06"
    payouts, gain = fig.axes
    for ax in (payouts, gain):
        text = texts(ax)
        assert "SYNTHETIC trajectories drawn from scenario default-2019" in text
        assert "rules kommiljard-2019 2019.1" in text and f"{N_SWEEP} trajectories" in text and "seed 3" in text
        assert "lever: 06 Jönköping +3.0 pp in Oct 2019, Nov 2019 (both groups)" in text
        assert "cells" not in text and "{" not in text and "None" not in text  # no dict dumped
        assert any(t.get_gid() == "note" and t.get_color() == "#a11d1d" for t in ax.texts)  # the note is red
    assert f"Block-1 payout per region over {N_SWEEP} synthetic trajectories, with the lever" in texts(payouts)
    assert len(payouts.get_yticklabels()) == 21
    assert [t.get_text() for t in payouts.get_yticklabels() if t.get_fontweight() == "bold"] == ["06 Jönköping"]
    assert sum(p.get_height() for p in gain.patches) == N_SWEEP


@pytest.mark.slow
def test_a_real_sweep_without_a_lever_and_with_observed_months(tmp_path, sample_panel_path):
    known = pd.read_parquet(sample_panel_path)
    known = known[known["month"] != "2019-11"]
    run_sweep(None, 100, 1, tmp_path, observed_panel=known, threads=1)
    fig, what = sweep_figure(tmp_path, kind="violin")
    assert what == "payout distribution per region" and len(fig.axes) == 1
    text = texts(fig.axes[0])
    assert (
        f"SYNTHETIC trajectories drawn from scenario default-2019, given {len(known)} observed cells of " in text
        and "lever" not in text
    )


@pytest.mark.parametrize(("lang", "written"), [("en", "given 6 930 observed"), ("sv", "givet 6\u00a0930 observerade")])
def test_the_observed_cells_are_counted_with_thousands(lang, written):
    sweep = {"scenario": {"name": "s"}, "observed": {"source": "x.parquet", "cells_used": 6930}}
    assert written in provenance_note(sweep, lang)[0]


def test_an_incomplete_sweep_says_so():
    note, synthetic = provenance_note({"status": "running", "scenario": {"name": "mine"}, "n": 10})
    assert (
        synthetic
        and note.startswith("SYNTHETIC trajectories drawn from scenario mine")
        and "INCOMPLETE sweep (status running)" in note
    )


@pytest.mark.parametrize(
    ("lever", "text"),
    [
        (
            {
                "region": "06",
                "improve_pp": 3.0,
                "months": None,
                "groups": None,
                "cells": [
                    {"month": m, "group": g}
                    for m in ("2019-09", "2019-10", "2019-11")
                    for g in ("first_visit", "operation")
                ],
            },
            "lever: 06 Jönköping +3.0 pp in all 3 months and both groups",
        ),
        (
            {
                "region": "06",
                "improve_pp": 2.5,
                "months": None,
                "groups": ["operation"],
                "cells": [{"month": m, "group": "operation"} for m in ("2019-09", "2019-10", "2019-11")],
            },
            "lever: 06 Jönköping +2.5 pp in all 3 months (operations and treatments)",
        ),
        (
            {
                "region": "6",
                "improve_pp": 1,
                "months": ["okt 2019"],
                "groups": ["operation"],
                "cells": [{"month": "2019-10", "group": "operation"}],
            },
            "lever: 06 Jönköping +1.0 pp in Oct 2019 operations and treatments",
        ),
        (
            {
                "region": "01",
                "improve_pp": -1,
                "cells": [{"month": "2019-10", "group": "operation"}, {"month": "2019-11", "group": "first_visit"}],
            },
            "lever: 01 Stockholm -1.0 pp in Oct 2019 operations and treatments, Nov 2019 first visits",
        ),
        ({"region": "06", "improve_pp": 3}, "lever: 06 Jönköping +3.0 pp in every measurement month and group"),
        (
            {"region": "06", "improve_pp": 3, "months": ["2019-10"]},
            "lever: 06 Jönköping +3.0 pp in Oct 2019, every group",
        ),
    ],
)
def test_lever_text(lever, text):
    assert lever_text(lever) == text


def test_a_region_asked_for_is_marked_among_the_others_where_the_sweep_has_no_gain():
    without_lever = {k: v for k, v in SYNTHETIC.items() if k != "lever"}
    ax = plot_sweep_payouts(sweep_frame(lever=False), provenance=without_lever, region="23")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"] == ["23 Jämtland Härjedalen"]
    fills = [p.get_facecolor() for p in ax.patches]  # the boxes, bottom up as the labels
    marked = labels.index("23 Jämtland Härjedalen")
    assert all(fills[i] != fills[marked] for i in range(len(fills)) if i != marked)  # its own box filled darker
    unmarked = plot_sweep_payouts(sweep_frame(lever=False), provenance=without_lever)
    assert not [t for t in unmarked.get_yticklabels() if t.get_fontweight() == "bold"]
    assert len({p.get_facecolor() for p in unmarked.patches}) == 1
