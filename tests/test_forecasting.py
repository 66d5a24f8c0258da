"""Fitted scenarios, forecasts through the sweep, backtests: end to end on SYNTHETIC histories.

`kommiljard history` -> `fit` -> `sweep --observed` -> `backtest`, checked against the truth
the histories were drawn from and against the engine. Parameter recovery and the shares'
calibration are in test_fit.py; here the payouts.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.forecasting.backtest import backtest
from kommiljard.forecasting.fit import fit_history
from kommiljard.forecasting.fitted import fit_from_entries, fitted_scenario, scenario_text
from kommiljard.forecasting.forecast import forecast
from kommiljard.forecasting.forecast_model import load_any_scenario, response_by_month
from kommiljard.forecasting.history import synthetic_history, with_params
from kommiljard.inputs.panel import Panel, read_panel
from kommiljard.outputs.files import write_panel
from kommiljard.sweeps.run import run_sweep, trajectory_panel
from kommiljard.sweeps.scenario import ScenarioError, load_scenario

runner = CliRunner()
UNTIL = "2019-08"
SCHEME = ["2019-09", "2019-10", "2019-11"]
COMPARISON = ["2018-09", "2018-10", "2018-11"]
SEED = 21


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def default_response() -> dict:
    return response_by_month(load_scenario("default-2019").spec)


def history_with_response(seed: int):
    return synthetic_history(seed, with_params(response_pp=default_response()))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A synthetic history written by the CLI (whole, and up to August 2019) and its fitted scenario."""
    d = tmp_path_factory.mktemp("forecasting")
    assert run("history", "--seed", SEED, "--out", d / "history.parquet", "--truth", d / "truth.csv").exit_code == 0
    assert run("history", "--seed", SEED, "--until", UNTIL, "--out", d / "aug.parquet").exit_code == 0
    result = run("fit", d / "history.parquet", "--until", UNTIL, "--out", d / "fitted.toml")
    assert result.exit_code == 0, result.output
    assert "this history is SYNTHETIC" in result.output and "[yellow]" not in result.output
    assert run("fit", d / "history.parquet", "--until", "2019-06", "--out", d / "fitted-june.toml").exit_code == 0
    return d


@pytest.fixture(scope="module")
def fitted_sweep(files):
    return run_sweep(
        load_any_scenario(files / "fitted.toml"),
        3000,
        5,
        files / "sweep",
        chunk_size=1000,
        observed_panel=files / "aug.parquet",
    )


# --- history, fit and the fitted scenario file ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["history", "fit", "backtest"])
def test_help_starts_with_an_example(name):
    text = re.sub(r"\s+", " ", run(name, "--help").output)
    assert "Example: kommiljard " + name in text


def test_history_command_writes_the_generator_s_synthetic_panel(files):
    panel = read_panel(files / "history.parquet")
    assert panel.synthetic and "seed 21" in panel.metadata["kommiljard.generator"]
    expected = history_with_response(SEED).frame
    pd.testing.assert_frame_equal(panel.frame[expected.columns].reset_index(drop=True), expected, check_dtype=False)
    aug = read_panel(files / "aug.parquet").frame
    assert aug["month"].max() == UNTIL and aug.equals(panel.frame[panel.frame["month"] <= UNTIL].reset_index(drop=True))
    truth = pd.read_csv(files / "truth.csv", dtype={"region": str})
    assert len(truth) == 42 and {"level_pct", "trend_logit", "ar1"} <= set(truth.columns)
    result = run("history", "--out", files / "h.csv")  # a CSV cannot say it is synthetic
    assert result.exit_code == 2 and ".parquet" in result.output and not (files / "h.csv").exists()


def test_fitted_scenario_loads_and_carries_the_fit_with_its_data(files):
    scenario = load_any_scenario(files / "fitted.toml")
    spec, table = scenario.spec, scenario.spec.fit
    panel = read_panel(files / "history.parquet")
    assert table.history == str(files / "history.parquet") and table.history_sha256 == panel.sha256
    assert table.history_synthetic and table.until == UNTIL and table.months == ("2014-01", UNTIL)
    assert spec.baseline_year == 2018 and spec.measurement_year == 2019
    assert "not fitted" in table.response and "default-2019" in table.response
    default = load_scenario("default-2019").spec
    for g in ("first_visit", "operation"):
        assert spec.national[g].response_pp == default.national[g].response_pp
    jonkoping = table.regions["06"].groups["operation"]
    assert jonkoping.n_months == 68 and jonkoping.first_month == "2014-01" and not jonkoping.borrowed
    assert set(jonkoping.shrinkage) >= {"level", "trend", "ar1", "noise_sd", "gap_level"}
    # read back, the parameters are the fit's (to the 6 decimals written)
    direct = fit_history(panel, until=UNTIL)
    back = fit_from_entries(table.entries())
    assert np.abs(back.region.level - direct.region.level).max() < 1e-6
    assert np.abs(back.gap.season - direct.gap.season).max() < 1e-6
    assert np.abs(back.group_corr - direct.group_corr).max() < 1e-6
    # and they are close to the truth the history was drawn from
    truth = pd.read_csv(files / "truth.csv", dtype={"region": str}).set_index(["region", "group"])
    fitted = direct.regions_table().set_index(["region", "group"])
    assert (fitted["level_pct"] - truth.loc[fitted.index, "level_pct"]).abs().max() < 3.5


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("\nar1 = ", "\nar_1 = ", 1), "unknown key; did you mean 'ar1'?"),
        (
            lambda t: t.replace("[fit.regions.06.operation", "[fit.regions.06.operaton"),
            "fit.regions.06.operaton: unknown group or key; did you mean 'operation'?",
        ),
        (lambda t: re.sub(r"\ngroup_corr_shrinkage = ", "\ngroup_cor_shrinkage = ", t, count=1), "did you mean"),
        (lambda t: re.sub(r"\nar1 = [0-9.e-]+", "\nar1 = 1.5", t, count=1), "ar1: Input should be less than 1"),
        (lambda t: t.replace('until = "2019-08"', 'until = "2019-07"'), "fit.months"),
        (lambda t: t.replace("[fit.regions.25", "[fit.regions.26"), "no table for region(s) 25"),
        (lambda t: re.sub(r"\nn_months = 68", "\nn_months = 70", t, count=1), "is 68 months"),
        (lambda t: re.sub(r"\nlevel_logit = [0-9.e-]+", "\nlevel_logit = nan", t, count=1), "finite"),
    ],
    ids=[
        "misspelt-key",
        "misspelt-group",
        "misspelt-region-key",
        "ar1-out-of-range",
        "until",
        "region",
        "months",
        "nan",
    ],
)
def test_a_broken_fitted_scenario_is_refused_by_key(files, tmp_path, edit, message):
    text = (files / "fitted.toml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(edit(text), encoding="utf-8")
    assert edit(text) != text
    with pytest.raises(ScenarioError) as err:
        load_any_scenario(broken)
    assert message in str(err.value) and "broken.toml" in str(err.value), str(err.value)


def _drop(frame, **where):
    mask = np.ones(len(frame), bool)
    for col, value in where.items():
        mask &= frame[col] == value
    return frame[~mask]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda f: _drop(f, region="25"), ["no rows for 1 of the 21 regions", "25 Norrbotten"]),
        (lambda f: f[f["region"] == "06"], ["no rows for 20 of the 21 regions", "rows for 1"]),
        (lambda f: pd.concat([f, f[f["month"] == "2017-05"]]), ["2017-05", "given more than once"]),
        (lambda f: f.assign(share_60=f["share_60"].where(f.index != 3, -2.0)), ["outside 0-100", "share_60 = -2.0"]),
        (lambda f: f[f["month"] >= "2018-10"], ["month"]),  # fit: 11 months, too few; backtest: no 2018-09
    ],
    ids=["region-missing", "one-region", "month-twice", "share-out-of-range", "too-short"],
)
def test_bad_histories_are_refused_by_the_cli(files, tmp_path, edit, expected):
    """One clear line for each problem, exit 2, nothing written."""
    frame = read_panel(files / "history.parquet").frame
    bad = tmp_path / "bad.parquet"
    write_panel(edit(frame).reset_index(drop=True), bad, {"kommiljard.synthetic": "true"}, synthetic=True)
    out, where = tmp_path / "fitted.toml", tmp_path / "backtest"
    for args in (("fit", bad, "--until", UNTIL, "--out", out), ("backtest", bad, "--as-of", UNTIL, "--out", where)):
        result = run(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "bad.parquet" in result.output and all(text in result.output for text in expected), result.output
        assert len([line for line in result.output.splitlines() if line.strip()]) <= 3, result.output
    assert not out.exists() and not where.exists()


def test_a_gappy_short_history_fits_and_says_how_many_months_each_region_used(files, tmp_path):
    """13 months with suppressed cells (N, .., <5, blank) fit; the table says per region the months used."""
    frame = read_panel(files / "history.parquet").frame
    frame = frame[(frame["month"] >= "2018-08") & (frame["month"] <= UNTIL)].astype({"share_90": object})
    marks = {0: "N", 5: "..", 9: "<5", 14: ""}
    for row, mark in marks.items():
        frame.iloc[row, frame.columns.get_loc("share_90")] = mark
    path = tmp_path / "short.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "short.toml"
    result = run("fit", path, "--out", out)
    assert result.exit_code == 0, result.output
    assert "3 months suppressed or missing" in result.output and "13 months of history" in result.output
    assert re.search(r"01 +│ Stockholm +│.*│ +11 \(2\) │", result.output), result.output
    spec = load_any_scenario(out).spec
    assert spec.fit.seasons == "reference" and spec.fit.regions["01"].groups["first_visit"].n_months == 11


def test_a_panel_of_the_scheme_months_only_is_not_a_history(sample_panel_path):
    """The six months a payout reads are too few to fit: one line says so."""
    with pytest.raises(InputError) as err:
        fit_history(sample_panel_path, until=UNTIL)
    assert "a forecast needs at least 12" in str(err.value) and len(str(err.value).splitlines()) == 1


def test_a_thin_region_is_borrowed_with_a_warning(files, tmp_path):
    frame = read_panel(files / "aug.parquet").frame
    thin = tmp_path / "thin.parquet"
    write_panel(frame[(frame["region"] != "10") | (frame["month"] >= "2018-09")], thin, {}, synthetic=True)
    out = tmp_path / "thin.toml"
    result = run("fit", thin, "--out", out, "--borrow")
    assert result.exit_code == 0 and "10 Blekinge (12)" in result.output and "borrowed" in result.output
    assert re.search(r"10 +│ Blekinge +│.*│ +12 │ +yes", result.output), result.output
    spec = load_any_scenario(out).spec
    blekinge = spec.fit.regions["10"].groups["first_visit"]
    assert blekinge.borrowed and blekinge.n_months == 12 and blekinge.shrinkage["trend"] == 1.0
    assert any("10 Blekinge" in w for w in spec.fit.warnings)
    swedish = run("fit", thin, "--out", out, "--borrow", "--lang", "sv")
    assert swedish.exit_code == 0 and "förstabesök" in swedish.output and "lånar" in swedish.output
    assert re.search(r"10 +│ Blekinge +│ +\d+,\d [+-]\d+,\d", swedish.output), swedish.output


@pytest.mark.slow
def test_standing_in_a_response_month_learns_each_region_s_response():
    """Standing in October, the November forecast knows September's and October's response: not biased by it,
    and each region's own response partially pooled (nearer the truth than standing in August)."""
    response = default_response()
    errors = {"2019-08": [], "2019-10": []}
    for seed in range(300, 306):
        h = synthetic_history(seed, with_params(response_pp=response, irregular={"response_cv": 0.6}))
        fit = fit_history(h.panel(), until=UNTIL)
        real = h.frame.query("month == '2019-11' and group == 'operation'").set_index("region")["share_90"]
        for as_of in errors:
            iv = forecast(fit, ["2019-11"], h.until(as_of), response, 0.0, 0.6).intervals()
            med = iv.query("measure == 'share_90' and group == 'operation'").set_index("region")["median"]
            errors[as_of].append((real - med.loc[real.index]).to_numpy())
    august, october = np.concatenate(errors["2019-08"]), np.concatenate(errors["2019-10"])
    assert abs(october.mean()) < 0.6, october.mean()
    assert np.sqrt(np.mean(october**2)) < 0.8 * np.sqrt(np.mean(august**2))


# --- forecasts through the sweep -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_fitted_sweep_keeps_the_known_months_and_equals_the_engine(files, fitted_sweep, rules, population):
    m = fitted_sweep.manifest
    assert m["observed"]["forecast_from"] == UNTIL and m["observed"]["months_forecast"] == SCHEME
    assert m["observed"]["months_known"] == COMPARISON and m["scenario"]["name"].startswith("fitted-")
    history = read_panel(files / "history.parquet").frame.set_index(["region", "month", "group"])
    t = fitted_sweep.trajectories().sort_values(["trajectory", "region"])
    for index in (0, 2345):
        panel = trajectory_panel(
            load_any_scenario(files / "fitted.toml"), 5, index, observed_panel=files / "aug.parquet"
        )
        known = panel[panel["month"].isin(COMPARISON)].set_index(["region", "month", "group"])
        assert known["share_90"].equals(history.loc[known.index, "share_90"])  # kept as observed
        panel["share_60"] = panel["share_60"].fillna(panel["share_90"])  # not drawn where the rules do not use it
        paid = payout(panel, rules, population).table.query("block == 1").groupby("region")["amount_sek"].sum()
        rows = t[t["trajectory"] == index].set_index("region")
        np.testing.assert_allclose(rows["amount_sek"], paid.loc[rows.index], rtol=0, atol=1e-6)


def test_fitted_sweep_draws_each_region_from_its_own_forecast(files, fitted_sweep, rules):
    """Each region's chance of the blue bar in each month and group is its own forecast's (drawn apart)."""
    block = rules.ruleset.blocks[0]
    blue, target = block.bars[0], block.target
    scenario = load_any_scenario(files / "fitted.toml")
    fit = scenario.spec.fit
    fc = forecast(
        fit_from_entries(fit.entries()), SCHEME, read_panel(files / "aug.parquet"), default_response(),
        fit.response_sd_pp, fit.response_cv,
    )  # fmt: skip
    s90, s60 = fc.draw(4000, seed=11)  # (n, month, group, region)
    before = read_panel(files / "aug.parquet").frame.set_index(["month", "group", "region"])["share_90"]
    summary = fitted_sweep.summary.set_index("region")
    worst = 0.0
    for k, month in enumerate(SCHEME):
        for gi, group in enumerate(fc.groups):
            last_year = before.xs((f"2018-{month[5:]}", group), level=("month", "group")).loc[list(fc.regions)]
            last_year = last_year.to_numpy()
            improved = np.round(s90[:, k, gi] - last_year, 6) >= blue.min_improvement
            reached = improved | (s60[:, k, gi] >= target.threshold)
            swept = summary.loc[list(fc.regions), f"p_blue_{group}_{month}"].to_numpy()
            worst = max(worst, np.abs(reached.mean(axis=0) - swept).max())
    assert worst < 0.06  # Monte Carlo: 3 000 and 4 000 draws, 126 cells
    spread = summary["p_blue_operation_2019-09"]
    assert spread.min() < 0.3 and spread.max() > 0.9  # regions differ: not drawn alike


def test_fitted_sweep_is_the_same_whatever_the_chunks(files, fitted_sweep, tmp_path):
    other = run_sweep(
        load_any_scenario(files / "fitted.toml"),
        3000,
        5,
        tmp_path / "other",
        chunk_size=700,
        observed_panel=files / "aug.parquet",
    )
    pd.testing.assert_frame_equal(other.summary, fitted_sweep.summary, check_exact=True)


def test_fitted_sweep_needs_the_observed_months(files, tmp_path):
    fitted = load_any_scenario(files / "fitted.toml")
    with pytest.raises(InputError, match="give them with --observed PANEL"):
        run_sweep(fitted, 10, 1, tmp_path / "a")
    aug = read_panel(files / "aug.parquet")
    holed = Panel(_drop(aug.frame, region="13", month="2018-10"), "holed.parquet")
    with pytest.raises(InputError, match=r"holed\.parquet: .*\(both shares of 13 Halland first visits 2018-10"):
        run_sweep(fitted, 10, 1, tmp_path / "b", observed_panel=holed)
    early = Panel(aug.frame[aug.frame["month"] <= "2019-06"], "early.parquet")
    with pytest.raises(InputError, match=r"early\.parquet: the history ends 2019-06, before the fit's until"):
        run_sweep(fitted, 10, 1, tmp_path / "c", observed_panel=early)
    result = run("sweep", files / "fitted.toml", "--n", 10, "--out", tmp_path / "d")
    assert result.exit_code == 2 and "--observed" in result.output and "Traceback" not in result.output
    late = Panel(aug.frame[aug.frame["month"] >= "2019-08"], "late.parquet")
    with pytest.raises(InputError, match=r"late\.parquet: the observed months begin 2019-08, after the fit's last"):
        run_sweep(load_any_scenario(files / "fitted-june.toml"), 10, 1, tmp_path / "e", observed_panel=late)


def test_a_sweep_with_nothing_left_to_draw_says_so_and_writes_nothing(files, tmp_path):
    """Every month the rules read known: no thousands of identical trajectories, a clear error (exit 2)."""
    for scenario in (files / "fitted.toml", "default-2019"):
        result = run("sweep", scenario, "--observed", files / "history.parquet", "--n", 20000, "--out", tmp_path / "s")
        assert result.exit_code == 2 and "nothing left to draw" in result.output, result.output
        assert "kommiljard payout" in result.output and not (tmp_path / "s" / "manifest.json").exists()


def test_a_fitted_scenario_without_its_own_model_is_refused_by_the_sweep(files, tmp_path):
    """The sweeps' own loader reads [fit] as it is: a sweep of what it loads would draw the regions alike,
    so it is refused and names the loader that gives the scenario its model."""
    plain = load_scenario(files / "fitted.toml")
    assert plain.own_model is None and isinstance(plain.spec.fit, dict)
    with pytest.raises(InputError, match=r"kommiljard\.load_scenario"):
        run_sweep(files / "fitted.toml", 10, 1, tmp_path / "a", observed_panel=files / "aug.parquet")
    assert not (tmp_path / "a" / "manifest.json").exists()
    assert load_any_scenario(plain) is plain and load_any_scenario(files / "fitted.toml").own_model is not None


def test_fitted_sweep_cli_prints_the_forecast_and_the_chances_by_month(files, tmp_path):
    result = run(
        "sweep", files / "fitted.toml", "--observed", files / "aug.parquet", "--n", 500, "--out", tmp_path / "s"
    )
    assert result.exit_code == 0, result.output
    assert "forecast from 2019-08 with each region's own fit" in result.output
    assert "Chance (%) to reach at least the blue bar, by month" in result.output
    assert "Sep 2019, first visits" in " ".join(result.output.split()) and "operations" in result.output


# --- backtests -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tested(files):
    return backtest(files / "history.parquet", UNTIL, n=1000, seed=3)


@pytest.mark.slow
def test_backtest_compares_with_the_engine_s_payout(files, tested, rules, population):
    history = read_panel(files / "history.parquet").frame
    rows = history[history["month"].isin(SCHEME + COMPARISON)]
    paid = payout(rows, rules, population).table.query("block == 1").groupby("region")["amount_sek"].sum()
    table = tested.regions.set_index("region")
    np.testing.assert_allclose(table["realised_sek"], paid.loc[table.index], rtol=0, atol=1e-6)
    assert tested.summary["realised_total_sek"] <= tested.summary["pot_sek"] + 1e-3
    assert tested.summary["forecast_total_sek"] == pytest.approx(tested.summary["pot_sek"], rel=0.02)
    ordered = table[["p5_sek", "p25_sek", "p50_sek", "p75_sek", "p95_sek"]].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()
    inside = (table["p5_sek"] <= table["realised_sek"]) & (table["realised_sek"] <= table["p95_sek"])
    assert (table["inside_90"] == inside).all() and tested.summary["coverage_90"] == inside.mean()
    assert tested.summary["months_known"] == COMPARISON and tested.summary["months_forecast"] == SCHEME
    assert tested.provenance["history"]["synthetic"] and tested.provenance["fit"]["until"] == UNTIL


def test_backtest_naive_forecast_is_last_year_plus_the_trend_through_the_engine(files, tested, rules, population):
    from kommiljard.forecasting.forecast import naive_forecast

    history = read_panel(files / "history.parquet").frame
    naive = naive_forecast(history[history["month"] <= UNTIL], SCHEME, UNTIL)
    rows = pd.concat([history[history["month"].isin(COMPARISON)], naive])
    paid = payout(rows, rules, population).table.query("block == 1").groupby("region")["amount_sek"].sum()
    table = tested.regions.set_index("region")
    np.testing.assert_allclose(table["naive_sek"], paid.loc[table.index], rtol=0, atol=1e-6)


@pytest.mark.slow
def test_backtest_is_deterministic_for_a_seed(files, tested):
    again = backtest(files / "history.parquet", UNTIL, n=1000, seed=3)
    pd.testing.assert_frame_equal(again.regions, tested.regions, check_exact=True)
    other = backtest(files / "history.parquet", UNTIL, n=1000, seed=4)
    assert not np.array_equal(other.regions["mean_sek"], tested.regions["mean_sek"])
    assert np.array_equal(other.regions["realised_sek"], tested.regions["realised_sek"])


def test_backtest_later_as_of_knows_more(files, tested):
    later = backtest(files / "history.parquet", "2019-10", n=1000, seed=3)
    assert later.summary["months_forecast"] == ["2019-11"]
    width = (later.regions["p95_sek"] - later.regions["p5_sek"]).mean()
    assert width < (tested.regions["p95_sek"] - tested.regions["p5_sek"]).mean()


@pytest.mark.parametrize(
    ("as_of", "cut", "message"),
    [
        ("2019-12", None, "nothing to forecast"),
        ("2019-13", None, "is not a month"),
        (UNTIL, "2019-10", "the history ends 2019-10"),
    ],
)
def test_backtest_refuses_what_it_cannot_do(files, as_of, cut, message):
    history = read_panel(files / "history.parquet")
    if cut:
        history = Panel(history.frame[history.frame["month"] <= cut], "cut.parquet")
    with pytest.raises(InputError, match=message):
        backtest(history, as_of, n=10)


@pytest.mark.slow
def test_backtests_are_calibrated_and_beat_the_naive_forecast():
    """Over 30 synthetic histories whose regions all respond alike, forecast as such (``response_cv`` 0), fitted
    to August 2019: the 90 % intervals of the Sep-Nov payouts hold 85-95 % of the realised payouts of the 21
    regions (every family, with unequal responses, is tests/test_families.py).

    Regions share a national factor, so one history's coverage varies (SD about 0.08); over 30
    it is known to about 0.015. The 50 % intervals are checked loosely (0.35-0.65). The forecast's mean
    absolute error is below the naive forecast's in total and in at least 25 of the 30 histories.
    """
    coverage, mae, naive = [], [], []
    for seed in range(100, 130):
        result = backtest(history_with_response(seed).panel(), UNTIL, n=1000, seed=seed, response_cv=0.0)
        coverage.append((result.summary["coverage_50"], result.summary["coverage_90"]))
        mae.append(result.summary["mae_sek"])
        naive.append(result.summary["mae_naive_sek"])
    cover50, cover90 = np.mean(coverage, axis=0)
    assert 0.85 <= cover90 <= 0.95, cover90
    assert 0.35 <= cover50 <= 0.65, cover50
    assert np.mean(mae) < 0.6 * np.mean(naive) and np.sum(np.array(mae) < np.array(naive)) >= 25


@pytest.mark.slow
def test_backtest_cli_table_csv_json_files_and_plot(files, tmp_path):
    history = files / "history.parquet"
    result = run(
        "backtest", history, "--as-of", UNTIL, "--n", 300, "--out", tmp_path / "bt", "--plot", tmp_path / "b.png"
    )
    assert result.exit_code == 0, result.output
    assert "Inside the 50 % interval" in result.output and "naive forecast" in result.output
    assert "note: this history is SYNTHETIC" in result.output and "[/" not in result.output  # styled, not markup
    assert {p.name for p in (tmp_path / "bt").iterdir()} == {
        "backtest.csv", "backtest.csv.provenance.json", "summary.json", "fitted-scenario.toml",
    }  # fmt: skip
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    load_any_scenario(tmp_path / "bt" / "fitted-scenario.toml")  # the scenario it drew from, loadable
    summary = json.loads((tmp_path / "bt" / "summary.json").read_text())
    as_json = json.loads(run("backtest", history, "--as-of", UNTIL, "--n", 300, "--format", "json").stdout)
    assert as_json["summary"] == summary["summary"] and len(as_json["regions"]) == 21
    as_csv = run("backtest", history, "--as-of", UNTIL, "--n", 300, "--format", "csv").stdout
    frame = pd.read_csv(pd.io.common.StringIO(as_csv), dtype={"region": str})
    assert list(frame["region"]) == [r["region"] for r in as_json["regions"]]
    assert {"mean_sek", "p5_sek", "p95_sek", "realised_sek", "inside_90", "naive_sek"} <= set(frame.columns)
    bad = run("backtest", history, "--as-of", UNTIL, "--plot", tmp_path / "b.txt")
    assert bad.exit_code == 2 and "--plot must end in .png" in bad.output


def test_backtest_plot_marks_the_realised_payout(tested):
    import matplotlib.pyplot as plt

    from kommiljard.outputs.plots.backtest import plot_backtest

    provenance = dict(tested.provenance, history={"source": "cost $5.parquet", "synthetic": True})
    ax = plot_backtest(tested.regions, tested.summary, provenance)
    assert ax.get_title(loc="left").startswith("Backtest as of Aug 2019") and len(ax.get_yticklabels()) == 21
    assert "inside the 90 % interval" in ax.get_xlabel()
    ax.figure.savefig(pd.io.common.BytesIO(), format="png")  # a "$" in a file name is not read as a formula
    plt.close(ax.figure)


def test_fitted_scenario_is_written_only_when_it_reads_back(files):
    fit = fit_history(read_panel(files / "aug.parquet"), until=UNTIL)
    document = fitted_scenario(fit, synthetic=True)
    document["fit"]["regions"]["06"]["operation"]["ar1"] = 1.2  # what a bug in the fit would write
    with pytest.raises(ScenarioError, match=r"fit\.regions\.06\.operation\.ar1"):
        scenario_text(document)


@pytest.mark.slow
def test_an_early_fit_forecasts_the_comparison_months_too_and_the_response_only_in_the_scheme(files, rules):
    """Fitted in June 2018, the sweep draws 2018's comparison months as well; the assumed response
    moves the scheme's months of 2019, not the same calendar months of 2018."""
    from kommiljard.forecasting.forecast_model import fitted_from_text

    june = Panel(read_panel(files / "aug.parquet").frame.query("month <= '2018-06'"), "june.parquet")
    fit = fit_history(june, until="2018-06")
    from kommiljard.kinds import kind_of

    block = rules.ruleset.blocks[0]
    means = {}
    for name, source in (("with", "default-2019"), ("without", None)):
        scenario = fitted_from_text(scenario_text(fitted_scenario(fit, True, source)), name)
        model, info = scenario.own_model.sweep_model(kind_of(block).draw(block), None, june)
        assert info["months_forecast"] == COMPARISON + SCHEME and info["months_known"] == []
        means[name] = model.mean[: model.model.n90].reshape(6, 2, 21)  # share_90: (month, group, region)
    shift = means["with"] - means["without"]
    operation = fit.groups.index("operation")
    assert np.abs(shift[:3]).max() == 0  # 2018: no response
    assert 0.2 < shift[4, operation].mean() < 0.4  # 2019-10: +5 pp on operations, about 0.27 logit at 70 %


@pytest.mark.slow  # compiles the kernel for both models: about 2 s
def test_the_conditioned_draw_side_by_side_gives_each_trajectory_the_same_bits():
    """The fused sweep draws a fitted model's trajectories side by side (the loop over them vectorised, a factor's
    zeros left out): each one's logits equal the one-at-a-time kernel's to the bit."""
    from numba import njit

    from kommiljard.sweeps import model

    @njit
    def side_by_side(drawn, z, rows, out):
        model._block_logits(drawn, model._block_work(drawn), z, rows, out)

    rng = np.random.default_rng(3)
    m, n_vars = 9, 13
    factor = np.tril(rng.normal(size=(m, m)))
    factor[6:, :4] = 0.0  # an independent block, as a fitted model's gaps
    order = rng.permutation(n_vars)
    for triangular in (True, False):
        given = model.Given(
            rng.normal(size=m), factor if triangular else rng.normal(size=(m, m)), triangular, order[:m].copy(),
            order[m:].copy(), rng.normal(size=n_vars - m),
        )  # fmt: skip
        z = rng.normal(size=(model.FUSED_ROWS, m))
        one, block = np.full((len(z), n_vars), np.nan), np.full((len(z), n_vars), np.nan)
        model._conditional_logits(z, given, one)
        side_by_side(given, z, len(z), block)
        np.testing.assert_array_equal(block, one)
        rows = 5  # a last block of fewer trajectories leaves the others alone
        part = np.full_like(block, 7.0)
        side_by_side(given, z, rows, part)
        np.testing.assert_array_equal(part[:rows], one[:rows])
        assert (part[rows:] == 7.0).all()


def test_a_suppressed_cell_in_a_month_the_payout_reads_is_refused_with_what_to_do_instead(files, tmp_path):
    """A scheme month after the fit's with a cell suppressed: give the share, or the panel up to the month before
    (then it is forecast); a comparison month's cell cannot be forecast, and the line says so. Nothing written."""
    frame = read_panel(files / "history.parquet").frame
    frame = frame[frame["month"] <= "2019-09"].astype({"share_90": object})
    gotland = (frame["region"] == "09") & (frame["group"] == "operation")
    frame.loc[gotland & (frame["month"] == "2019-09"), "share_90"] = "N"
    sep = tmp_path / "sep.csv"
    frame.to_csv(sep, index=False)
    result = run("sweep", files / "fitted.toml", "--observed", sep, "--n", 100, "--out", tmp_path / "a")
    assert result.exit_code == 2 and "09 Gotland operations and treatments 2019-09" in result.output
    assert "or give the panel up to 2019-08 (the months from 2019-09 are then forecast)" in result.output
    frame.loc[gotland & (frame["month"] == "2018-10"), "share_90"] = "<5"
    frame.to_csv(sep, index=False)
    result = run("sweep", files / "fitted.toml", "--observed", sep, "--n", 100, "--out", tmp_path / "b")
    assert result.exit_code == 2 and "a month the payout compares with is not forecast" in result.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
