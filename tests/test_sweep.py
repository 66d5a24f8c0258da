"""Sweeps: reproducible whatever the chunks and threads, resumable, conditioned on observed months."""

from __future__ import annotations

import json

import numba
import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.whatif import whatif
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.inputs.panel import as_panel
from kommiljard.kinds.staircase.kernel import run_staircase
from kommiljard.kinds.staircase.lever import improved_share
from kommiljard.sample import sample_panel
from kommiljard.sweeps.model import draw
from kommiljard.sweeps.outcomes import setup_sweep
from kommiljard.sweeps.run import Lever, SweepConflictError, read_sweep, run_sweep, trajectory_panel
from kommiljard.sweeps.scenario import load_scenario

N = 2500  # not a multiple of the logical block (1 000) nor of the chunk sizes below
LEVER = Lever("06", 3.0)


def sweep(tmp_path, name, **kwargs):
    return run_sweep(None, kwargs.pop("n", N), kwargs.pop("seed", 7), tmp_path / name, **kwargs)


def parts(result) -> pd.DataFrame:
    return result.trajectories().sort_values(["trajectory", "region"], ignore_index=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference sweep with a lever: chunks of 1 000, two threads."""
    return run_sweep(None, N, 7, tmp_path_factory.mktemp("ref") / "out", chunk_size=1000, lever=LEVER, threads=2)


@pytest.mark.slow
def test_identical_whatever_the_chunk_size_and_the_threads(tmp_path, reference):
    before = numba.get_num_threads()
    other = sweep(tmp_path, "other", chunk_size=700, lever=LEVER, threads=1)
    assert numba.get_num_threads() == before
    pd.testing.assert_frame_equal(other.summary, reference.summary, check_exact=True)
    pd.testing.assert_frame_equal(parts(other), parts(reference), check_exact=True)
    assert len(list((tmp_path / "other" / "trajectories").glob("part-*.parquet"))) == 4


@pytest.mark.slow
def test_same_seed_same_output_other_seed_other_output(tmp_path, reference):
    again = sweep(tmp_path, "again", chunk_size=1000, lever=LEVER)
    pd.testing.assert_frame_equal(again.summary, reference.summary, check_exact=True)
    other = sweep(tmp_path, "seed8", seed=8, chunk_size=1000, lever=LEVER)
    assert not np.array_equal(other.summary["mean_sek"], reference.summary["mean_sek"])


def test_files_columns_and_manifest(reference):
    out = reference.out_dir
    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        manifest["status"] == "complete"
        and manifest["n"] == N
        and manifest["seed"] == 7
        and manifest["chunk_size"] == 1000
    )
    assert manifest["scenario"]["name"] == "default-2019" and len(manifest["scenario"]["sha256"]) == 64
    assert manifest["rules"]["id"] == "kommiljard-2019" and len(manifest["rules"]["sha256"]) == 64
    assert manifest["kommiljard_version"] and [p["file"] for p in manifest["parts"]] == [
        f"trajectories/part-0000{i}.parquet" for i in range(3)
    ]
    schema = pq.read_schema(out / "trajectories" / "part-00000.parquet")
    assert str(schema.field("trajectory").type) == "int64" and str(schema.field("amount_sek").type) == "double"
    assert str(schema.field("gain_sek").type) == "double" and str(schema.field("region").type.value_type) == "string"
    summary = reference.summary
    bars = [f"p_{b}_{g}" for g in ("first_visit", "operation") for b in ("blue", "red", "orange")]
    by_month = [f"p_{b}_{g}_{m}" for m in ("2019-09", "2019-10", "2019-11") for g in ("first_visit", "operation")
                for b in ("blue", "red", "orange")]  # fmt: skip
    expected = [
        "region",
        "region_name",
        "mean_sek",
        "p5_sek",
        "p50_sek",
        "p95_sek",
        *bars,
        *by_month,
        "mean_gain_sek",
        "p5_gain_sek",
        "p50_gain_sek",
        "p95_gain_sek",
        "mean_baseline_sek",
        *(f"{b}_baseline" for b in bars + by_month),
    ]
    assert list(summary.columns) == expected and len(summary) == 21
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "summary.csv", dtype={"region": str}), summary, check_exact=False, rtol=1e-12
    )
    pd.testing.assert_frame_equal(read_sweep(out).summary, summary)
    workbook = openpyxl.load_workbook(out / "summary.xlsx")  # the same summary for people, whole kronor
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "region")
    sheet = pd.DataFrame(rows[head + 1 : -1], columns=rows[head])  # the last row: the total of the means
    from kommiljard.outputs.wording import column_header

    money = {c for c in expected if c.endswith("_sek")}
    assert list(sheet.columns) == [column_header(c) + (", mnkr" if c in money else "") for c in expected]
    assert (sheet["mean, mnkr"] == summary["mean_sek"].round()).all()  # kronor in the cell, shown in mnkr
    assert (sheet["chance of blue, operations"] == summary["p_blue_operation"]).all()
    assert rows[-1][1] == "total" and rows[-1][2] == summary["mean_sek"].round().sum()
    assert workbook.sheetnames == ["Summary", "About the data"] and manifest["summary"]["xlsx"] == "summary.xlsx"


def test_summary_is_exact_from_the_trajectories(reference):
    t = parts(reference)
    for code, rows in t.groupby("region", observed=True):
        row = reference.summary.set_index("region").loc[code]
        amount = rows["amount_sek"].to_numpy()
        assert row["mean_sek"] == pytest.approx(amount.mean(), rel=1e-12)
        assert [row["p5_sek"], row["p50_sek"], row["p95_sek"]] == list(np.percentile(amount, [5, 50, 95]))
        assert row["p_red_operation"] == (rows["tier_operation"] >= 2).mean()
        assert row["p_blue_first_visit_baseline"] == (rows["baseline_tier_first_visit"] >= 1).mean()
        np.testing.assert_array_equal(rows["gain_sek"], rows["amount_sek"] - rows["baseline_sek"])


def test_month_chances_are_exact_from_the_drawn_shares(reference, rules, population):
    """The per-month columns (kept as counts, not per trajectory) against the per-cell kernel on the draws."""
    setup, _ = setup_sweep(load_scenario(), rules, population, LEVER, None)
    draws = draw(setup.model, 7, 0, N)
    months, groups, regions = list(setup.plan.months), list(setup.plan.groups), list(setup.regions)
    shape = (N, len(months) * len(groups), len(regions))
    current = draws.share_90[:, setup.plan.current].reshape(shape)
    improved = current.copy()
    r = regions.index(LEVER.region)
    improved[:, :, r] = improved_share(current[:, :, r], 3.0)
    target = draws.share_60[:, setup.plan.target].reshape(shape)
    capped = target.copy()
    capped[:, :, r] = np.minimum(target[:, :, r], improved[:, :, r])  # as in the what-if: share_60 <= share_90
    s = reference.summary.set_index("region").loc[regions]
    t = parts(reference)
    for shares, level, suffix, prefix in ((current, target, "_baseline", "baseline_"), (improved, capped, "", "")):
        tier = run_staircase(
            setup.plan.params,
            shares,
            draws.share_90[:, setup.plan.previous].reshape(shape),
            level,
            setup.plan.weights,
            setup.plan.pots,
        ).tier.reshape(N, len(months), len(groups), len(regions))
        for mi, month in enumerate(months):
            for gi, group in enumerate(groups):
                for bar, name in enumerate(("blue", "red", "orange"), start=1):
                    expected = (tier[:, mi, gi] >= bar).mean(axis=0)
                    np.testing.assert_array_equal(s[f"p_{name}_{group}_{month}{suffix}"].to_numpy(), expected)
        highest = tier.max(axis=1)  # (T, G, R): each trajectory keeps its highest tier over the months
        for gi, group in enumerate(groups):
            kept = t.pivot(index="trajectory", columns="region", values=f"{prefix}tier_{group}")
            np.testing.assert_array_equal(kept[regions].to_numpy(), highest[:, gi])


def test_lever_helps_its_region_and_costs_the_others(reference):
    s = reference.summary.set_index("region")
    assert s.loc["06", "mean_gain_sek"] > 0 and s.loc["06", "p_red_operation"] > s.loc["06", "p_red_operation_baseline"]
    t = reference.trajectories()
    assert (t.loc[t["region"] != "06", "gain_sek"] <= 1e-6).all()


@pytest.mark.slow
def test_a_trajectory_equals_the_engine_and_the_whatif(reference, rules, population):
    t = parts(reference)
    for index in (0, 1234):
        panel = trajectory_panel(None, 7, index)
        panel["share_60"] = panel["share_60"].fillna(panel["share_90"])  # not drawn where the rules do not use it
        base = payout(panel, rules, population).table.query("block == 1").groupby("region")["amount_sek"].sum()
        rows = t[t["trajectory"] == index].set_index("region")
        np.testing.assert_allclose(rows["baseline_sek"].to_numpy(), base.loc[rows.index].to_numpy(), rtol=0, atol=1e-6)
        assert rows.loc["06", "gain_sek"] == pytest.approx(
            whatif(panel, "06", 3.0, rules=rules, population=population).delta_sek, abs=1e-6
        )


@pytest.mark.slow
def test_interrupted_sweep_leaves_nothing_complete_and_resumes(tmp_path, reference):
    calls = []

    def stop_after_first_part(done, total):
        calls.append(done)
        if len(calls) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(tmp_path, "cut", chunk_size=1000, lever=LEVER, progress=stop_after_first_part)
    out = tmp_path / "cut"
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert not [f for f in ("summary.csv", "summary.parquet", "summary.xlsx") if (out / f).exists()]
    assert [p.name for p in (out / "trajectories").iterdir()] == ["part-00000.parquet"]
    with pytest.raises(InputError, match="not a complete sweep"):
        read_sweep(out)
    (out / "trajectories" / ".part-00001.parquet.x1y2.part").write_bytes(b"half a file")  # killed mid-write
    resumed = sweep(tmp_path, "cut", chunk_size=1000, lever=LEVER)
    assert (resumed.reused_parts, resumed.computed_parts) == (1, 2)
    pd.testing.assert_frame_equal(resumed.summary, reference.summary, check_exact=True)
    assert not list((out / "trajectories").glob(".*.part"))
    # without its manifest, the parts still say whose they are
    (out / "manifest.json").unlink()
    (out / "summary.csv").unlink()
    again = sweep(tmp_path, "cut", chunk_size=1000, lever=LEVER)
    assert (again.reused_parts, again.computed_parts) == (3, 0)
    pd.testing.assert_frame_equal(again.summary, reference.summary, check_exact=True)


@pytest.mark.slow
def test_other_arguments_are_refused_or_forced(tmp_path):
    first = sweep(tmp_path, "out", n=1000, chunk_size=500)
    assert first.computed_parts == 2 and sweep(tmp_path, "out", n=1000, chunk_size=500).computed_parts == 0
    with pytest.raises(SweepConflictError, match=r"seed: 7 then, 9 now.*--force"):
        sweep(tmp_path, "out", n=1000, seed=9, chunk_size=500)
    (tmp_path / "out" / "notes.txt").write_text("mine")
    forced = sweep(tmp_path, "out", n=1000, seed=9, chunk_size=1000, force=True)
    assert (forced.reused_parts, forced.computed_parts) == (0, 1)
    assert sorted(p.name for p in (tmp_path / "out" / "trajectories").iterdir()) == ["part-00000.parquet"]
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_observed_months_stay_fixed(tmp_path, rules, population):
    panel = sample_panel(2019)
    known = panel[panel["month"] != "2019-11"]
    result = sweep(tmp_path, "nov", n=1500, chunk_size=1500, observed_panel=known)
    assert result.manifest["observed"]["cells_used"] == len(known)
    drawn = trajectory_panel(None, 7, 3, observed_panel=known).merge(
        known, on=["region", "month", "group"], how="left", suffixes=("", "_known")
    )
    seen = drawn["share_90_known"].notna()
    assert seen.sum() == len(known) and (drawn.loc[seen, "share_90"] == drawn.loc[seen, "share_90_known"]).all()
    with_60 = seen & drawn["share_60"].notna()
    assert (drawn.loc[with_60, "share_60"] == drawn.loc[with_60, "share_60_known"]).all()
    # Sep and Oct are known for every region, so their payout has no variance; Nov varies
    setup, _ = setup_sweep(load_scenario(), rules, population, None, as_panel(known))
    base = setup.model.model
    draws = draw(setup.model, 7, 0, 500)
    current = draws.share_90[:, setup.plan.current].reshape(500, 6, 21)
    previous = draws.share_90[:, setup.plan.previous].reshape(500, 6, 21)
    level = draws.share_60[:, setup.plan.target].reshape(500, 6, 21)
    amount = run_staircase(
        setup.plan.params, current, previous, level, setup.plan.weights, setup.plan.pots
    ).amount  # cells: month-major
    assert np.ptp(amount[:, :4], axis=0).max() == 0.0 and np.ptp(amount[:, 4:], axis=0).max() > 0.0
    # the drawn November follows each region's observed level: close to the held-out truth
    truth = panel[panel["month"] == "2019-11"].set_index(["group", "region"])["share_90"]
    mean = draws.share_90[:, base.months.index("2019-11")].mean(axis=0)  # (group, region)
    held_out = truth.loc[[(g, r) for g in base.groups for r in base.regions]].to_numpy().reshape(mean.shape)
    assert np.corrcoef(mean.ravel(), held_out.ravel())[0, 1] > 0.9


def test_a_fully_observed_panel_is_not_swept_as_if_it_were_a_forecast(tmp_path, sample_panel_path):
    """Every month the rules read is observed: nothing is left to draw, so the sweep says so and names the exact
    payout's command, instead of writing 1 000 identical trajectories."""
    with pytest.raises(InputError, match=r"nothing left to draw: the payout is known exactly.*kommiljard payout"):
        sweep(tmp_path, "all", n=1000, chunk_size=1000, observed_panel=sample_panel_path)
    assert not (tmp_path / "all" / "manifest.json").exists()


def test_cli_sweep(tmp_path):
    res = CliRunner().invoke(
        app,
        [
            "sweep",
            "--n",
            "1500",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "cli"),
            "--chunk-size",
            "1000",
            "--region",
            "24",
            "--improve",
            "2",
            "--group",
            "operation",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["manifest"]["status"] == "complete" and doc["manifest"]["lever"]["groups"] == ["operation"]
    assert {r["region"] for r in doc["summary"]} == set(
        pd.read_csv(tmp_path / "cli" / "summary.csv", dtype={"region": str})["region"]
    )
    res = CliRunner().invoke(app, ["sweep", "--n", "10", "--out", str(tmp_path / "bad"), "--region", "24"])
    assert res.exit_code == 2 and "--improve" in res.output


@pytest.mark.slow
def test_off_grid_lever_still_equals_the_whatif(tmp_path, rules, population):
    """+2.55 pp puts the lever region's shares off the 0.1 grid: the same kernel, the same answer as a what-if."""
    result = sweep(tmp_path, "offgrid", n=300, chunk_size=300, lever=Lever("06", 2.55))
    t = parts(result)
    panel = trajectory_panel(None, 7, 123)
    panel["share_60"] = panel["share_60"].fillna(panel["share_90"])
    rows = t[t["trajectory"] == 123].set_index("region")
    base = payout(panel, rules, population).table.query("block == 1").groupby("region")["amount_sek"].sum()
    np.testing.assert_allclose(rows["baseline_sek"].to_numpy(), base.loc[rows.index].to_numpy(), rtol=0, atol=1e-6)
    assert rows.loc["06", "gain_sek"] == pytest.approx(
        whatif(panel, "06", 2.55, rules=rules, population=population).delta_sek, abs=1e-6
    )


@pytest.mark.kernels  # also with the JIT off (.ci/run): a sweep of 300
def test_sweep_works_with_renamed_bars(tmp_path):
    """Bar names come from the rules (the manifest), never parsed back out of column names."""
    out = tmp_path / "renamed"
    args = ["sweep", "--n", "300", "--seed", "1", "--out", str(out), "--quiet"]
    res = CliRunner().invoke(app, [*args, "--set", "block1.bars.blue.name=b1", "--set", "block1.target.bar=b1"])
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(out / "summary.csv", dtype={"region": str})
    assert {"p_b1_first_visit", "p_red_operation"} <= set(summary.columns)
    assert json.loads((out / "manifest.json").read_text())["block"]["bars"] == ["b1", "red", "orange"]
    assert "b1/red/orange" in res.stdout


def test_a_plain_sweep_allocates_as_it_draws_and_equals_the_levers_baseline(tmp_path, reference):
    """A sweep without a lever allocates each trajectory inside the drawing kernel; a sweep with a lever draws
    batches and allocates them after: on the same draws the plain sweep's amounts and tiers are the lever
    sweep's baseline, to the bit."""
    plain = parts(sweep(tmp_path, "plain", chunk_size=900, threads=2))
    levered = parts(reference)
    np.testing.assert_array_equal(plain["amount_sek"].to_numpy(), levered["baseline_sek"].to_numpy())
    for group in ("first_visit", "operation"):
        np.testing.assert_array_equal(plain[f"tier_{group}"], levered[f"baseline_tier_{group}"])


@pytest.mark.slow
def test_a_staircase_without_a_target_sweeps_with_and_without_a_lever(tmp_path):
    """No share_60 is drawn for a block without a target: the plain sweep (allocated as drawn) equals the lever
    sweep's baseline (drawn batches), which once failed to shape its empty share_60."""
    from importlib.resources import files

    text = (files("kommiljard") / "rules" / "kommiljard-2019.toml").read_text(encoding="utf-8")
    start = text.index("[blocks.target]")
    text = text[:start] + text[text.index("[[blocks]]", start) :]
    rules = tmp_path / "no-target.toml"
    rules.write_text(text[: text.index("[[alternatives]]")], encoding="utf-8")  # they change the target
    plain = parts(sweep(tmp_path, "plain", n=1300, chunk_size=700, rules=rules, threads=2))
    levered = parts(sweep(tmp_path, "lever", n=1300, chunk_size=1300, rules=rules, lever=LEVER))
    np.testing.assert_array_equal(plain["amount_sek"].to_numpy(), levered["baseline_sek"].to_numpy())
    np.testing.assert_array_equal(plain["tier_operation"], levered["baseline_tier_operation"])
    assert (levered["gain_sek"][levered["region"] == "06"] >= -1e-6).all()
