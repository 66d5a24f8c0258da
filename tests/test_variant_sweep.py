"""Variant sweeps: every rule variant allocated on the same drawn trajectories, with its scheme-level outcomes."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.sweeps.run import SweepConflictError, run_sweep, trajectory_panel
from kommiljard.sweeps.scheme_outcomes import gini

N, SEED = 60, 11
# the bars so steep and the target so high that many months pay nothing: lapses and empty cells to count
STEEP = {
    "block1.bars.blue.min_improvement": 6.0,
    "block1.bars.red.min_improvement": 8.0,
    "block1.bars.orange.min_improvement": 10.0,
    "block1.target.threshold": 95.0,
}
runner = CliRunner()


def variants(rules):
    return {
        "default": rules,
        "equal": rules.with_overrides({"block1.sharing": "equal"}),
        "exclusive-bars": rules.with_alternative("exclusive-bars"),
        "steep": rules.with_overrides(STEEP),
    }


@pytest.fixture(scope="module")
def swept(tmp_path_factory, rules):
    """A variant sweep in parts of 25 trajectories (the last one short)."""
    return run_sweep(None, N, SEED, tmp_path_factory.mktemp("v") / "out", chunk_size=25, variants=variants(rules))


def tables(out_dir) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(out_dir / "variants.parquet"), pd.read_parquet(out_dir / "variant_outcomes.parquet")


def amounts(result, k: int) -> np.ndarray:
    """Variant k's amounts (trajectory, region) from the parts."""
    column = result.manifest["variants"][k]["column"]
    frame = result.trajectories(["trajectory", "region", column]).sort_values(["trajectory", "region"])
    return frame[column].to_numpy().reshape(N, -1)


@pytest.mark.slow
def test_every_variant_equals_payout_on_the_drawn_panel_and_conserves_the_pot(swept, rules, population):
    frame = swept.trajectories().sort_values(["trajectory", "region"], ignore_index=True)
    assert len(frame) == N * 21
    for index in (0, 24, 25, 59):  # both sides of a part's edge, and the last trajectory
        panel = trajectory_panel(None, SEED, index)
        panel["share_60"] = panel["share_60"].fillna(panel["share_90"])  # not drawn where the rules do not use it
        rows = frame[frame["trajectory"] == index].set_index("region")
        for k, (name, variant) in enumerate(variants(rules).items()):
            result = payout(panel, variant, population)
            block = result.table.query("block == 1").groupby("region")["amount_sek"].sum()
            column = swept.manifest["variants"][k]["column"]
            np.testing.assert_allclose(rows[column].to_numpy(), block.loc[rows.index].to_numpy(), rtol=0, atol=1e-6)
            cells = result.cells.query("block == 1")
            np.testing.assert_allclose(cells["paid_sek"] + cells["lapsed_sek"], cells["pot_sek"], rtol=0, atol=1e-6)
            pot = cells["pot_sek"].sum()
            # conservation in the sweep: what a trajectory did not pay is what payout() says lapsed
            assert pot - rows[column].sum() == pytest.approx(cells["lapsed_sek"].sum(), abs=1e-6), (name, index)


def test_scheme_outcomes_from_the_trajectories(swept, rules, population):
    by_region, scheme = tables(swept.out_dir)
    people = population.of(tuple(by_region["region"].iloc[:21])).astype(float)
    assert list(scheme["variant"]) == list(variants(rules))
    improvement = swept.trajectories(["trajectory", "region", "improvement_pp"]).sort_values(["trajectory", "region"])
    d = improvement["improvement_pp"].to_numpy().reshape(N, -1)
    for k, row in scheme.iterrows():
        x = amounts(swept, k)
        lapsed = row["pot_sek"] - x.sum(axis=1)
        assert (lapsed > -1e-6).all() and (lapsed <= row["pot_sek"]).all()
        assert row["mean_lapsed_sek"] == pytest.approx(lapsed.mean(), abs=1e-2)
        assert row["p95_lapsed_sek"] == pytest.approx(np.percentile(np.round(lapsed, 2), 95), abs=1e-9)
        assert row["mean_paid_sek"] + row["mean_lapsed_sek"] == pytest.approx(row["pot_sek"], abs=1e-2)
        y = x / people
        naive = np.abs(y[:, :, None] - y[:, None, :]).sum(axis=(1, 2)) / (2 * 21**2 * y.mean(axis=1))
        assert row["gini_per_inhabitant"] == pytest.approx(np.where(y.sum(axis=1) > 0, naive, 0).mean(), rel=1e-12)
        slopes = [np.polyfit(d[:, r], x[:, r], 1)[0] for r in range(21)]
        assert row["sek_per_pp"] == pytest.approx(np.mean(slopes), rel=1e-6)
        assert row["paid_sek_per_improved_pp"] == pytest.approx(x.sum() / np.maximum(d, 0).sum(), rel=1e-12)
        mine = by_region[by_region["variant"] == row["variant"]]
        np.testing.assert_allclose(mine["mean_sek"], x.mean(axis=0), rtol=1e-12)
        np.testing.assert_array_equal(mine["p95_sek"], np.percentile(x, 95, axis=0))
    steep = scheme.set_index("variant").loc["steep"]
    assert steep["mean_lapsed_sek"] > 0 and steep["p_cell_pays_nothing"] > 0  # the test can see both


@pytest.mark.slow
def test_months_paying_nothing_and_bar_chances_match_payout(swept, rules, population):
    by_region, scheme = tables(swept.out_dir)
    steep = variants(rules)["steep"]
    empty, blue = 0, np.zeros(21)
    for index in range(N):
        panel = trajectory_panel(None, SEED, index)
        panel["share_60"] = panel["share_60"].fillna(panel["share_90"])
        result = payout(panel, steep, population)
        cells = result.cells.query("block == 1")
        empty += int((cells["paid_sek"] == 0).sum())
        tiers = result.table.query("block == 1 and group == 'operation'").groupby("region")["tier"].max()
        blue += tiers.sort_index().to_numpy() >= 1
    cells = len(steep.ruleset.blocks[0].months) * len(steep.ruleset.blocks[0].group_names)
    assert scheme.set_index("variant").loc["steep", "p_cell_pays_nothing"] == empty / (N * cells)
    mine = by_region[by_region["variant"] == "steep"].sort_values("region")
    np.testing.assert_array_equal(mine["p_blue_operation"].to_numpy(), blue / N)


def test_the_first_variant_is_the_plain_sweep(swept, rules, tmp_path):
    plain = run_sweep(None, N, SEED, tmp_path / "plain", chunk_size=25, rules=rules)
    pd.testing.assert_frame_equal(swept.summary, plain.summary)
    assert (swept.out_dir / "summary.csv").read_text() == (plain.out_dir / "summary.csv").read_text()
    plain_columns = set(pq.read_schema(plain.out_dir / "trajectories" / "part-00000.parquet").names)
    assert not {"improvement_pp", "amount_sek_v1"} & plain_columns and "variants" not in plain.manifest
    assert not (plain.out_dir / "variants.csv").exists()
    frame = swept.trajectories().sort_values(["trajectory", "region"], ignore_index=True)
    np.testing.assert_array_equal(frame["amount_sek"], plain.trajectories().sort_values(["trajectory", "region"])
                                  ["amount_sek"])  # fmt: skip
    book = openpyxl.load_workbook(swept.out_dir / "summary.xlsx")
    assert {"Summary", "Variants", "Variant outcomes"} <= set(book.sheetnames)
    manifest = json.loads((swept.out_dir / "manifest.json").read_text())
    assert [v["name"] for v in manifest["variants"]] == list(variants(rules))
    assert manifest["identity"]["variants"][1]["overrides"] == {"block1.sharing": "equal"}


def test_resume_reuses_parts_and_gives_the_same_tables(swept, rules, tmp_path):
    calls = []

    def stop_after_two_parts(done, total):
        calls.append(done)
        if len(calls) == 2:
            raise KeyboardInterrupt

    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(None, N, SEED, out, chunk_size=25, variants=variants(rules), progress=stop_after_two_parts)
    assert not (out / "variants.csv").exists()
    resumed = run_sweep(None, N, SEED, out, chunk_size=25, variants=variants(rules))
    assert resumed.reused_parts == 2 and resumed.computed_parts == 1
    for a, b in zip(tables(out), tables(swept.out_dir)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    # the variants are part of the sweep's identity: other variants are another sweep
    fewer = dict(list(variants(rules).items())[:3])
    with pytest.raises(SweepConflictError, match="variants"):
        run_sweep(None, N, SEED, out, chunk_size=25, variants=fewer)


def test_identical_whatever_the_chunk_size_and_the_threads(swept, rules, tmp_path):
    again = run_sweep(None, N, SEED, tmp_path / "one", chunk_size=N, threads=1, variants=variants(rules))
    for a, b in zip(tables(again.out_dir), tables(swept.out_dir)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_gini():
    values = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(gini(values), [0.0, 2 / 3, 0.0, 8 / 36], rtol=0, atol=1e-15)


def test_variants_that_cannot_share_the_draws_are_refused(rules, tmp_path):
    two_months = rules.with_overrides({"block1.months": ["2019-10", "2019-11"]})
    with pytest.raises(InputError, match="variant 'short' needs other trajectories .*measurement months"):
        run_sweep(None, 10, 1, tmp_path / "a", variants={"default": rules, "short": two_months})
    with pytest.raises(InputError, match="variant 'kommiljard-2013' cannot be swept"):
        run_sweep(None, 10, 1, tmp_path / "b", variants={"default": rules, "kommiljard-2013": "kommiljard-2013"})
    with pytest.raises(InputError, match="at least two"):
        run_sweep(None, 10, 1, tmp_path / "c", variants={"default": rules})
    with pytest.raises(InputError, match="no lever"):
        run_sweep(None, 10, 1, tmp_path / "d", lever={"region": "06", "improve_pp": 1}, variants=variants(rules))
    assert not any((tmp_path / d / "manifest.json").exists() for d in "abcd")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variant", "x:block1.bars.blue.min_improvment=0"], "min_improvment"),
        (["--variant", "equal:block1.sharing=equal", "--variant", "equal:block1.cumulative=false"], "used twice"),
        (["--rules", "kommiljard-2019", "--rules", "kommiljard-2013"], "'kommiljard-2013' cannot be swept"),
        (["--rules", "kommiljard-2019", "--rules", "kommiljard-2020"], "'kommiljard-2020' needs other trajectories"),
        (["--variant", "noname"], "NAME:KEY=VALUE"),
        (["--variant", "region:block1.sharing=equal"], "variant name 'region' is taken"),
        (["--variant", "diff_x:block1.sharing=equal"], "variant name 'diff_x' is taken"),
        (["--alternatives", "--region", "06", "--improve", "1"], "no lever"),
        (["--alternatives", "--set", "block1.sharing=equal"], "--set"),
    ],
)
def test_bad_variants_on_the_command_line(tmp_path, args, message):
    result = runner.invoke(app, ["sweep", "--n", "10", "--out", str(tmp_path / "s"), "-q", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    assert not (tmp_path / "s" / "manifest.json").exists()


@pytest.mark.slow
def test_command_line_sweep_compare_and_plot(tmp_path):
    out = tmp_path / "variants"
    args = ["sweep", "--n", "30", "--seed", "3", "--out", str(out), "-q", "--variant", "equal:block1.sharing=equal"]
    args += ["--variant", "=x:block1.bars.blue.min_improvement=0.5"]
    result = runner.invoke(app, [*args, "--variant", "$x:block1.cumulative=false", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "'=x" in (out / "variant_outcomes.csv").read_text()  # a name a spreadsheet would run is neutralised
    frame = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert list(frame.columns[:6]) == ["region", "region_name", "kommiljard-2019", "equal", "'=x", "$x"]
    shown = runner.invoke(app, ["compare", "--sweep", str(out), "--format", "csv"])
    assert shown.exit_code == 0 and shown.stdout == result.stdout
    table = runner.invoke(app, ["compare", "--sweep", str(out)], env={"COLUMNS": "80"})
    assert table.exit_code == 0 and "per pp of own improvement" in " ".join(table.stdout.split())
    assert "Stockholm" in table.stdout
    printed = runner.invoke(app, ["compare", "--sweep", str(out), "--format", "json"]).stdout
    doc = json.loads(printed, parse_constant=lambda word: pytest.fail(f"not JSON: {word}"))
    assert [v["variant"] for v in doc["variant_outcomes"]] == ["kommiljard-2019", "equal", "=x", "$x"]
    book = tmp_path / "compare.xlsx"
    assert runner.invoke(app, ["compare", "--sweep", str(out), "--out", str(book)]).exit_code == 0
    assert "About the data" in openpyxl.load_workbook(book).sheetnames
    picture = tmp_path / "variants.png"
    drawn = runner.invoke(app, ["plot", "variants", str(out), "--out", str(picture)])
    assert drawn.exit_code == 0, drawn.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = runner.invoke(app, ["compare", "--sweep", str(out), "--variant", "a:block1.sharing=equal"])
    assert wrong.exit_code == 2 and "--variant" in wrong.output
    plain = tmp_path / "plain"
    assert runner.invoke(app, ["sweep", "--n", "10", "--out", str(plain), "-q"]).exit_code == 0
    refused = runner.invoke(app, ["compare", "--sweep", str(plain)])
    assert refused.exit_code == 2 and "without variants" in " ".join(refused.output.split())


@pytest.mark.slow
def test_many_variants_are_computed_in_smaller_batches_with_the_same_amounts(rules, tmp_path):
    """17 variants: 4 000 trajectories at once instead of 10 000 (memory stays that of about 8 variants);
    the amounts do not depend on it."""
    n = 5000
    many = {"default": rules} | {
        f"blue-{k}": rules.with_overrides({"block1.bars.blue.min_improvement": 1.0 + k / 100}) for k in range(1, 17)
    }
    swept = run_sweep(None, n, SEED, tmp_path / "many", chunk_size=n, variants=many)
    plain = run_sweep(None, n, SEED, tmp_path / "plain", chunk_size=n, rules=rules)
    part = "trajectories/part-00000.parquet"
    assert pq.ParquetFile(swept.out_dir / part).num_row_groups == 2  # batches of 4 000 and 1 000
    assert pq.ParquetFile(plain.out_dir / part).num_row_groups == 1
    pd.testing.assert_frame_equal(swept.summary, plain.summary, check_exact=True)
    one = rules.with_overrides({"block1.bars.blue.min_improvement": 1.05})
    alone = run_sweep(None, n, SEED, tmp_path / "alone", chunk_size=n, rules=one).trajectories()
    column = next(v["column"] for v in swept.manifest["variants"] if v["name"] == "blue-5")
    frame = swept.trajectories(["trajectory", "region", column]).sort_values(["trajectory", "region"])
    np.testing.assert_array_equal(frame[column], alone.sort_values(["trajectory", "region"])["amount_sek"])
