"""Fitting regions from their history, shrinkage, forecasts: recovery and calibration on SYNTHETIC histories."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from kommiljard.errors import InputError
from kommiljard.forecasting.fit import HistoryWarning, expit_pct, fit_history, logit
from kommiljard.forecasting.forecast import forecast, naive_forecast
from kommiljard.forecasting.history import synthetic_history, with_params
from kommiljard.forecasting.shrinkage import dersimonian_laird, shrink
from kommiljard.inputs.regions import region_table

UNTIL = "2019-08"
SCHEME = ["2019-09", "2019-10", "2019-11"]


@pytest.fixture(scope="module")
def history():
    return synthetic_history(3)


@pytest.fixture(scope="module")
def fitted(history):
    return fit_history(history.until(UNTIL))


def _realised(history, months) -> pd.DataFrame:
    rows = history.frame[history.frame["month"].isin(months)]
    return rows.melt(id_vars=["region", "month", "group"], var_name="measure", value_name="real")


# --- recovery ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_levels_trends_and_noise_are_recovered(seed):
    """Levels within 3.5 pp of the truth (1 pp on average) and 95 % of them within 3 standard errors;
    regions ranked right by level and trend (Spearman above 0.95 and 0.85 in each group)."""
    h = synthetic_history(seed)
    fit = fit_history(h.panel(), until=UNTIL)
    truth = h.truth.region
    err_pp = np.abs(expit_pct(fit.region.level) - expit_pct(truth.level))
    se = np.hypot(fit.region.level_se, fit.national.level_se)  # own part and the national factor's
    assert err_pp.max() < 3.5 and err_pp.mean() < 1.0
    assert np.mean(np.abs(fit.region.level - truth.level) < 3 * se) > 0.95
    for g in range(2):
        assert spearmanr(fit.region.level[:, g], truth.level[:, g])[0] > 0.95
        assert spearmanr(fit.region.trend[:, g], truth.trend[:, g])[0] > 0.85
    trend_se = np.hypot(fit.region.trend_se, fit.national.trend_se)
    assert np.mean(np.abs(fit.region.trend - truth.trend) < 3 * trend_se) > 0.95
    assert abs(np.mean(fit.region.ar1 - truth.ar1)) < 0.08
    assert 0.9 < np.mean(fit.region.sd / truth.sd) < 1.1
    assert np.abs(fit.region.season - truth.season).max() < 0.25  # logit; national swings reach 0.6
    assert np.abs(fit.gap.level - h.truth.gap.level).max() < 0.05
    assert np.mean(np.abs(fit.group_corr - h.truth.group_corr)) < 0.15
    assert abs(fit.national_group_corr - h.truth.national_group_corr) < 0.35


def test_fit_reports_its_data_and_shrinkage(fitted):
    data = fitted.data
    assert len(data) == 42 and set(data["n_months"]) == {68} and set(data["first_month"]) == {"2014-01"}
    assert not data["borrowed"].any() and fitted.national_months == ("2014-01", UNTIL)
    table = fitted.shrinkage
    params = {
        "ar1",
        "noise_sd",
        "level",
        "season_rms",
        "trend",
        "gap_ar1",
        "gap_noise_sd",
        "gap_level",
        "gap_season_rms",
    }
    assert set(table["parameter"]) == params | {"group_corr"}
    assert table["shrinkage"].between(0, 1).all() and (table["n_months"] == 68).all()
    # a shrunk scalar lies between the region's own estimate and the pooled value
    scalar = table[table["parameter"].isin(["ar1", "noise_sd", "group_corr", "gap_ar1"])]
    lo, hi = np.minimum(scalar["estimate"], scalar["pooled"]), np.maximum(scalar["estimate"], scalar["pooled"])
    assert scalar["value"].between(lo - 1e-12, hi + 1e-12).all()
    assert fitted.baseline_year == 2018 and fitted.until == UNTIL
    regions = fitted.regions_table()
    assert len(regions) == 42 and np.allclose(regions.filter(like="season_").filter(regex=r"^season_\d").sum(axis=1), 0)


# --- shrinkage -----------------------------------------------------------------------------------------------------


def test_dersimonian_laird_by_hand():
    est, var = np.array([1.0, 2.0, 4.0]), np.array([0.5, 1.0, 0.25])
    w = 1 / var
    mu_w = (w * est).sum() / w.sum()
    q = (w * (est - mu_w) ** 2).sum()
    tau2 = (q - 2) / (w.sum() - (w**2).sum() / w.sum())
    pooled = dersimonian_laird(est, var)
    assert pooled.tau2[0] == pytest.approx(tau2)
    assert pooled.mu[0] == pytest.approx((est / (var + tau2)).sum() / (1 / (var + tau2)).sum())
    s = shrink(est, var)
    assert s.shrinkage == pytest.approx(var / (var + tau2))
    assert s.value == pytest.approx(pooled.mu[0] + (1 - s.shrinkage) * (est - pooled.mu[0]))
    mu_var = 1 / (1 / (var + tau2)).sum()
    assert s.var == pytest.approx((1 - s.shrinkage) * var + s.shrinkage**2 * mu_var)
    # regions that do not differ beyond their noise are pooled entirely
    same = shrink(np.array([1.0, 1.1, 0.9, 1.0]), np.full(4, 1.0))
    assert same.pooled.tau2[0] == 0 and np.allclose(same.value, same.value[0]) and np.allclose(same.shrinkage, 1)


def test_thin_regions_are_shrunk_more_and_borrowed_with_a_warning():
    starts = {"06": "2017-07", "10": "2018-09"}  # 26 months (thin but enough), 12 months (borrowed)
    h = synthetic_history(5, with_params(starts=starts))
    with pytest.warns(HistoryWarning) as caught:
        fit = fit_history(h.panel(), until=UNTIL, borrow=True)
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 1 and all("trend" in m and "borrowed" in m for m in messages)  # one line, both groups
    assert messages[0].startswith("fewer than 24 months with data up to 2019-08: 10 Blekinge (12); ")
    table = fit.shrinkage.set_index(["region", "group", "parameter"])["shrinkage"]
    rich = [r for r in fit.regions if r not in starts]
    for group in fit.groups:
        for param in ("level", "trend", "season_rms", "ar1", "noise_sd"):
            assert table["06", group, param] > np.median([table[r, group, param] for r in rich]), (group, param)
        assert table["10", group, "trend"] == 1 and table["10", group, "ar1"] == 1 and table["10", group, "level"] < 1
    blekinge = fit.regions.index("10")
    assert fit.borrowed[blekinge].all() and not fit.borrowed[fit.regions.index("06")].any()
    assert fit.data.set_index(["region", "group"]).loc[("10", "operation"), "n_months"] == 12
    assert sorted(fit.warnings) == messages
    # the borrowed region's level is still its own (shrunk), not the pool's
    own = fit.shrinkage.query("region == '10' and parameter == 'level'")
    assert np.all(np.abs(own["value"] - own["estimate"]) < np.abs(own["value"] - own["pooled"]))
    assert np.abs(expit_pct(fit.region.level[blekinge]) - expit_pct(h.truth.region.level[blekinge])).max() < 4


def test_months_where_few_regions_report_are_left_out_with_a_warning():
    late = {code: "2016-01" for code in ("01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13")}
    h = synthetic_history(6, with_params(starts=late))  # 10 regions report from 2014, 11 from 2016
    with pytest.warns(HistoryWarning, match=r"480 cells before 2016-01 left out"):  # 10 regions, 2 groups, 24 months
        fit = fit_history(h.panel(), until=UNTIL)
    assert fit.national_months == ("2016-01", UNTIL) and set(fit.data["first_month"]) == {"2016-01"}
    assert set(fit.data["n_months"]) == {44} and fit.diagnostics["rows_before_national_factor_dropped"] == 480


# --- determinism --------------------------------------------------------------------------------------------------


def test_same_seed_same_history_fit_and_draws():
    a, b = synthetic_history(7), synthetic_history(7)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert not synthetic_history(8).frame.equals(a.frame)
    fa, fb = fit_history(a.panel(), until=UNTIL), fit_history(b.panel(), until=UNTIL)
    pd.testing.assert_frame_equal(fa.shrinkage, fb.shrinkage)
    da, db = forecast(fa, SCHEME).draw(50, seed=1), forecast(fb, SCHEME).draw(50, seed=1)
    assert np.array_equal(da[0], db[0]) and np.array_equal(da[1], db[1])


def test_history_is_marked_synthetic_and_valid(history):
    panel = history.panel()
    assert panel.synthetic and list(panel.frame.columns) == ["region", "month", "group", "share_90", "share_60"]
    frame = panel.frame
    assert (frame["share_60"] <= frame["share_90"]).all() and frame["share_90"].between(0, 100).all()
    assert np.allclose(frame["share_90"], frame["share_90"].round(1))
    assert len(frame) == 21 * 2 * 72


def test_scheme_response_changes_only_its_months():
    response = {"2019-10": {"operation": 5.0}}
    plain, reacted = synthetic_history(4), synthetic_history(4, with_params(response_pp=response))
    diff = reacted.frame["share_90"] - plain.frame["share_90"]
    changed = reacted.frame[diff != 0]
    assert set(changed["month"]) == {"2019-10"} and set(changed["group"]) == {"operation"}
    assert diff[diff != 0].mean() == pytest.approx(5.0, abs=0.1)


# --- bad histories ------------------------------------------------------------------------------------------------


def _drop(frame: pd.DataFrame, **where) -> pd.DataFrame:
    mask = np.ones(len(frame), bool)
    for col, value in where.items():
        mask &= frame[col] == value
    return frame[~mask]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda f: _drop(f, region="25"),
            ["no rows for 1 of the 21 regions up to 2019-08 (25 Norrbotten; rows for 20)", "every region"],
        ),
        (lambda f: f[f["region"] == "01"], ["no rows for 20 of the 21 regions", "rows for 1"]),
        (lambda f: _drop(f, group="operation"), ["no rows for operations up to 2019-08"]),
        (
            lambda f: _drop(f, region="13", group="first_visit"),
            ["no rows of first visits up to 2019-08 for 13 Halland"],
        ),
        (lambda f: f[f["month"] >= "2018-10"], ["11 months of history up to 2019-08", "at least 12"]),
    ],
    ids=["region-missing", "one-region", "group-missing", "region-group-missing", "too-short"],
)
def test_bad_histories_are_refused_by_name(history, edit, expected):
    frame = edit(history.until(UNTIL))
    with pytest.raises(InputError) as err:
        fit_history(frame, until=UNTIL)
    for text in expected:
        assert text in str(err.value), (text, str(err.value))
    assert len(str(err.value).splitlines()) <= 2  # one line for the one problem (after the file's, if any)


def test_many_thin_regions_are_one_line():
    """Regions with too little history are one problem, on one line that names them all."""
    starts = {code: "2018-09" for code in ("03", "04", "05", "06", "07", "08", "09", "10", "12", "13")}
    thin = synthetic_history(3, with_params(starts=starts)).until(UNTIL)
    with pytest.raises(InputError) as err:
        fit_history(thin, until=UNTIL)
    lines = str(err.value).splitlines()
    assert len(lines) == 2 and "fewer than 24 months with data" in lines[1] and "--borrow" in lines[1]
    assert "03 Uppsala (12), 04 Södermanland (12)" in lines[1] and "and 2 more" in lines[1]  # a region once


def test_a_region_thin_in_one_group_names_that_group_in_words():
    """Only its operations are short: the line names the group as a user reads it, with its months."""
    frame = synthetic_history(3).until(UNTIL)
    frame = frame[~((frame["region"] == "09") & (frame["group"] == "operation") & (frame["month"] < "2018-09"))]
    with pytest.raises(InputError) as err:
        fit_history(frame, until=UNTIL)
    assert "09 Gotland (operations and treatments 12)" in str(err.value) and "operation (" not in str(err.value)


def test_duplicate_rows_shares_out_of_range_and_bad_until_are_refused(history):
    frame = history.until(UNTIL)
    doubled = pd.concat([frame, frame[frame["month"] == "2018-03"]], ignore_index=True)
    with pytest.raises(InputError) as err:
        fit_history(doubled)
    lines = str(err.value).splitlines()
    assert len(lines) == 2 and "1 month given more than once" in lines[1] and "2018-03" in lines[1]
    assert "42 cells, e.g. 01 Stockholm first visits 2018-03" in lines[1]
    wrong = frame.assign(share_90=frame["share_90"].where(frame.index != 7, 120.0))
    with pytest.raises(InputError, match=r"1 share outside 0-100, e\.g\. row 8: share_90 = 120\.0"):
        fit_history(wrong)
    with pytest.raises(InputError, match="until = '2019-13' is not a month"):
        fit_history(frame, until="2019-13")
    with pytest.raises(InputError, match="the history ends 2019-08, before --until 2019-10"):
        fit_history(frame, until="2019-10")


@pytest.mark.parametrize("mark", ["N", "..", "-", "", "<5", "x"])
def test_suppressed_cells_are_missing_months(history, tmp_path, mark):
    """A suppressed cell, as exports print it, is a missing month: the fit uses the others and says how many."""
    frame = history.until(UNTIL).astype({"share_90": object, "share_60": object})
    hit = (frame["region"] == "06") & (frame["group"] == "operation") & frame["month"].isin(["2017-03", "2019-08"])
    frame.loc[hit, "share_90"] = mark
    frame.loc[(frame["region"] == "07") & (frame["group"] == "first_visit") & (frame["month"] == "2018-02"),
              "share_60"] = mark  # fmt: skip
    path = tmp_path / "history.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(HistoryWarning, match=r"2 months suppressed or missing .* and 1 of share_60 alone"):
        fit = fit_history(path, until=UNTIL)
    data = fit.data.set_index(["region", "group"])
    assert data.loc[("06", "operation"), "n_months"] == 66 and data.loc[("06", "operation"), "missing_months"] == 1
    assert data.loc[("06", "operation"), "last_data"] == "2019-07" and data.loc[("06", "first_visit"), "n_months"] == 68
    assert np.isfinite(fit.region.level).all()
    # the forecast starts from what is there: 06's operations from July, two months to September
    fc, known = forecast(fit, ["2019-09"]), forecast(fit, ["2019-09"], history=history.until(UNTIL))
    i = fit.regions.index("06")
    assert fc.sd_90[0, 1, i] > 1.03 * known.sd_90[0, 1, i]  # two months ahead, not one
    others = np.arange(21) != i
    assert np.allclose(fc.sd_90[0, 1, others], known.sd_90[0, 1, others], rtol=0.05)


def test_a_gap_costs_only_its_month(history, fitted):
    with pytest.warns(HistoryWarning, match=r"1 month suppressed or missing"):
        gappy = fit_history(_drop(history.until(UNTIL), region="06", group="operation", month="2017-03"), until=UNTIL)
    i = fitted.regions.index("06")
    assert abs(gappy.region.level[i, 1] - fitted.region.level[i, 1]) < 0.02
    assert gappy.data.set_index(["region", "group"]).loc[("06", "operation"), "n_months"] == 67


def test_months_after_until_are_ignored(history, fitted):
    later = fit_history(history.panel(), until=UNTIL)
    assert later.diagnostics["rows_after_until_ignored"] == 42 * 4
    assert fitted.diagnostics["rows_after_until_ignored"] == 0
    pd.testing.assert_frame_equal(later.shrinkage, fitted.shrinkage)


# --- forecasts ----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_forecast_draws_agree_with_its_intervals(fitted, history):
    fc = forecast(fitted, SCHEME)
    s90, s60 = fc.draw(20_000, seed=2)
    assert s90.shape == (20_000, 3, 2, 21) and (s60 <= s90).all()
    iv = fc.intervals().set_index(["measure", "month", "group", "region"]).sort_index()
    for measure, draws in (("share_90", s90), ("share_60", s60)):
        rows = iv.loc[measure]
        q5, q95 = (np.percentile(draws, q, axis=0).ravel() for q in (5, 95))
        assert np.abs(q5 - rows["lo90"].to_numpy()).max() < 0.25  # pp: Monte Carlo and rounding to 0.1
        assert np.abs(q95 - rows["hi90"].to_numpy()).max() < 0.25
        assert np.abs(draws.mean(axis=0).ravel() - rows["mean"].to_numpy()).max() < 0.1
    cov = fc.covariance()
    n = 3 * 2 * 21
    assert np.array_equal(fc.mean_vector()[:n], fc.mean_90.ravel()) and len(fc.mean_vector()) == len(cov) == 2 * n
    assert np.allclose(cov, cov.T) and np.allclose(np.sqrt(np.diag(cov)[:n]), fc.sd_90.ravel())
    assert np.allclose(np.sqrt(np.diag(cov)[n:]), fc.sd_gap.ravel())
    assert np.linalg.eigvalsh(cov).min() > -1e-12
    # the draws have that covariance (correlations within 0.05; shares are rounded to 0.1)
    empirical = np.corrcoef(logit(s90.reshape(len(s90), -1)).T)
    sd = np.sqrt(np.diag(cov)[:n])
    assert np.abs(empirical - cov[:n, :n] / np.outer(sd, sd)).max() < 0.05
    # two regions are correlated through the national factor and, shrunk, their own innovations
    i, j = 0, 1  # Sep, first visits, regions 01 and 03
    assert 0 < cov[i, j] < 0.5 * np.sqrt(cov[i, i] * cov[j, j])


def test_forecast_starts_from_a_given_history(fitted, history):
    same = forecast(fitted, SCHEME, history=history.until(UNTIL))
    assert np.allclose(same.mean_90, forecast(fitted, SCHEME).mean_90)
    later = forecast(fitted, ["2019-10", "2019-11"], history=history.until("2019-09"))
    assert later.as_of == "2019-09" and later.sd_90[0].mean() < forecast(fitted, ["2019-10"]).sd_90.mean()
    with pytest.raises(InputError, match="not after the last month of the history"):
        forecast(fitted, ["2019-08", "2019-09"])
    with pytest.raises(InputError, match="before the fit's until"):
        forecast(fitted, SCHEME, history=history.until("2019-06"))
    with pytest.raises(InputError, match="the observed months begin 2019-09, after the fit's last month"):
        forecast(fitted, ["2019-11"], history=history.frame.query("month >= '2019-09'"))


@pytest.mark.slow
def test_forecast_is_calibrated_and_beats_the_naive_forecast():
    """Over 30 synthetic histories, the 90 % intervals of Sep-Nov shares (fitted to August) cover
    85-95 % of the realised shares, the 50 % ones 42-58 %; the mean absolute error is below the
    naive forecast's (last year's share plus the national trend)."""
    inside, errors = [], []
    for seed in range(100, 130):
        h = synthetic_history(seed)
        panel = h.panel()
        fc = forecast(fit_history(panel, until=UNTIL), SCHEME)
        m = fc.intervals().merge(_realised(h, SCHEME), on=["region", "month", "group", "measure"])
        naive = naive_forecast(h.until(UNTIL), SCHEME).melt(
            id_vars=["region", "month", "group"], var_name="measure", value_name="naive"
        )
        m = m.merge(naive, on=["region", "month", "group", "measure"])
        m["in90"] = m["real"].between(m["lo90"], m["hi90"])
        m["in50"] = m["real"].between(m["lo50"], m["hi50"])
        inside.append(m.groupby("measure")[["in50", "in90"]].mean())
        errors.append(
            m.assign(fit=(m["real"] - m["mean"]).abs(), naive=(m["real"] - m["naive"]).abs())
            .groupby("measure")[["fit", "naive"]]
            .mean()
        )
    coverage = pd.concat(inside).groupby(level=0).mean()
    assert coverage["in90"].between(0.85, 0.95).all(), coverage
    assert coverage["in50"].between(0.42, 0.58).all(), coverage
    mae = pd.concat(errors).groupby(level=0).mean()
    assert (mae["fit"] < 0.8 * mae["naive"]).all(), mae


def test_scheme_response_is_an_assumption_the_forecast_takes():
    """A pre-scheme fit cannot see the response; given as an assumption, the forecast centres on it."""
    response = {m: {"operation": pp} for m, pp in zip(SCHEME, (2.5, 5.0, 4.4))}
    errors = {"without": [], "with": []}
    for seed in range(200, 205):
        h = synthetic_history(seed, with_params(response_pp=response))
        fit = fit_history(h.panel(), until=UNTIL)
        real = _realised(h, SCHEME).query("group == 'operation' and measure == 'share_90'")
        for name, resp in (("without", None), ("with", response)):
            iv = (
                forecast(fit, SCHEME, response_pp=resp)
                .intervals()
                .merge(real, on=["region", "month", "group", "measure"])
            )
            errors[name].append((iv["real"] - iv["median"]).groupby(iv["month"]).mean())
    without, with_ = (pd.concat(errors[k], axis=1).mean(axis=1) for k in ("without", "with"))
    assert without["2019-10"] > 3.5 and np.abs(with_).max() < 1.0


def test_naive_forecast_by_hand(history):
    frame = history.until(UNTIL)
    naive = naive_forecast(frame, ["2019-09"]).set_index(["region", "group"])
    w = frame["region"].map(region_table().set_index("region")["population"])
    ops = frame.assign(w=w)[frame["group"] == "operation"]
    nat = ops.groupby("month").apply(lambda d: np.average(d["share_90"], weights=d["w"]), include_groups=False)
    recent = [f"2018-{m:02d}" for m in range(9, 13)] + [f"2019-{m:02d}" for m in range(1, 9)]
    trend = np.mean([nat[m] - nat[f"{int(m[:4]) - 1}{m[4:]}"] for m in recent])
    last = ops[(ops["month"] == "2018-09") & (ops["region"] == "06")]["share_90"].item()
    assert naive.loc[("06", "operation"), "share_90"] == pytest.approx(last + trend)
    with pytest.raises(InputError, match="more than 12 months"):
        naive_forecast(frame, ["2020-09"])


def test_logit_clips_the_bounds():
    assert np.isfinite(logit(np.array([0.0, 100.0]))).all()


# --- the fitted scenario's tables ------------------------------------------------------------------------------------


def test_scenario_entries_carry_the_fit_and_read_back(fitted, history):
    from kommiljard.forecasting.fitted import fit_from_entries, scenario_entries
    from kommiljard.sweeps.scenario import ScenarioSpec

    response = {"operation": [0] * 8 + [2.5, 5.0, 4.4, 0]}
    entries = json.loads(
        json.dumps(scenario_entries(fitted, response, "default-2019", min_months=24))
    )  # plain types only
    table = entries["fit"]
    assert table["until"] == UNTIL and table["months"] == ["2014-01", UNTIL] and "not fitted" in table["response"]
    assert set(table["regions"]) == set(fitted.regions)
    jonkoping = table["regions"]["06"]["operation"]
    assert (
        jonkoping["n_months"] == 68 and jonkoping["first_month"] == "2014-01" and len(jonkoping["season_logit"]) == 12
    )
    assert (
        set(jonkoping["shrinkage"]) >= {"level", "trend", "ar1", "noise_sd", "gap_level"}
        and "06 Jönköping" in jonkoping["note"]
    )
    # today's model accepts the sections the fit implies
    implied = {k: v for k, v in entries.items() if k != "fit"}
    head = {"schema_version": 1, "name": "fitted", "title": "t", "baseline_year": 2018, "measurement_year": 2019}
    spec = ScenarioSpec.model_validate(head | implied)
    assert (
        spec.national["operation"].response_pp[9] == 5.0
        and "default-2019" in spec.national["operation"].response_source
    )
    # the between-region spreads it implies are the generator's (8 and 10 pp of level, 1.0 and 1.3 pp a year of trend)
    assert spec.spread.level_sd_pp["first_visit"] == pytest.approx(8.0, rel=0.35)
    assert spec.spread.level_sd_pp["operation"] == pytest.approx(10.0, rel=0.35)
    assert spec.spread.trend_sd_pp["operation"] == pytest.approx(1.3, rel=0.5)
    # a forecast from the tables and the observed history is the fit's own
    again = forecast(fit_from_entries(table), SCHEME, history=history.until(UNTIL))
    direct = forecast(fitted, SCHEME)
    assert np.abs(again.mean_90 - direct.mean_90).max() < 1e-5 and np.abs(again.sd_90 - direct.sd_90).max() < 1e-5
    with pytest.raises(InputError, match="forecasts from the observed history"):
        forecast(fit_from_entries(table), SCHEME)
    del table["regions"]["06"]["operation"]["ar1"]
    with pytest.raises(InputError, match=r"fit\.regions\.06\.operation\.ar1: missing"):
        fit_from_entries(table)
