"""payout and explain end to end: the output contract, provenance, block 2, atomic writes,
and that every explained amount is the amount paid."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kommiljard.analysis.explain import explain
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import BackendMismatchError, InputError
from kommiljard.inputs.regions import region_codes
from kommiljard.kinds.staircase.kind import KIND as STAIRCASE
from kommiljard.money import largest_remainder
from kommiljard.outputs.files import read_provenance
from kommiljard.rules import load_rules

runner = CliRunner()
CONTRACT = ["region", "block", "month", "group", "tier", "route", "improvement_pp", "amount_sek"]


def test_output_file_follows_the_contract(sample_panel_path, tmp_path, rules):
    out = tmp_path / "payout.parquet"
    result = runner.invoke(app, ["payout", str(sample_panel_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert set(CONTRACT) <= set(table.columns)
    assert len(table) == 21 * 3 * 2 + 21  # block 1 per region, month and group; block 2 per region
    b1, b2 = table[table["block"] == 1], table[table["block"] == 2]
    assert not b1.duplicated(["region", "month", "group"]).any()
    assert b2["month"].isna().all() and b2["group"].isna().all()
    assert set(table["route"]) <= {"improvement", "target_60", "none"}
    assert table["tier"].between(0, 3).all() and table["amount_sek"].dtype == np.float64
    # paid + lapsed = pot in every cell, read back from the file alone
    for _, cell in b1.groupby(["month", "group"]):
        assert cell["amount_sek"].sum() + cell["cell_lapsed_sek"].iloc[0] == pytest.approx(
            cell["cell_pot_sek"].iloc[0], abs=0.01
        )
    assert b2["amount_sek"].sum() == pytest.approx(320_000_000, abs=0.01)
    prov = read_provenance(out)
    assert prov["rules"]["id"] == "kommiljard-2019" and prov["rules"]["sha256"] == rules.sha256
    assert prov["panel"]["synthetic"] is True and len(prov["panel"]["sha256"]) == 64
    assert prov["kommiljard_version"]


def test_csv_output_has_its_provenance_beside_it(sample_panel_path, tmp_path):
    out = tmp_path / "payout.csv"
    result = runner.invoke(app, ["payout", str(sample_panel_path), "--out", str(out), "--set", "block1.sharing=equal"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"region": str})
    assert set(table["region"]) == set(region_codes())
    assert read_provenance(out)["rules"]["overrides"] == {"block1.sharing": "equal"}


@pytest.mark.slow
def test_summary_and_json_agree_with_the_table(sample_panel_path):
    result = runner.invoke(app, ["payout", str(sample_panel_path), "--format", "json"])
    data = json.loads(result.stdout)
    direct = payout(sample_panel_path)
    totals = {row["region"]: row["total_sek"] for row in data["summary"]}
    by_region = direct.table.groupby("region")["amount_sek"].sum()
    for region, total in totals.items():
        assert total == pytest.approx(by_region[region], abs=0.01)
    assert data["paid_sek"] + data["lapsed_sek"] == pytest.approx(1_600_000_000, abs=0.05)


@pytest.mark.slow
def test_every_explained_amount_is_the_amount_paid(sample_panel_path):
    result = payout(sample_panel_path)
    rows = result.table[result.table["block"] == 1].sample(12, random_state=1)
    for row in rows.itertuples():
        e = explain(sample_panel_path, row.region, row.month, row.group)
        assert e.outcome.amount == pytest.approx(row.amount_sek, abs=0.01)
        assert e.outcome.tier == row.tier
        assert sum(e.outcome.by_bar) == pytest.approx(row.amount_sek, abs=0.01)


def test_explain_text_names_inputs_bars_and_rule_lines(sample_panel_path):
    result = runner.invoke(
        app, ["explain", str(sample_panel_path), "--region", "06", "--month", "2019-10", "--group", "operation"]
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    for words in [
        "share waiting at most 90 days, October 2019",
        "share waiting at most 90 days, October 2018",
        "Improvement",
        "tier",
        "4.4.1",
        "blue",
        "red",
        "orange",
        "SYNTHETIC",
        "Amount:",
    ]:
        assert words in text, words
    data = json.loads(
        runner.invoke(
            app,
            [
                "explain",
                str(sample_panel_path),
                "--region",
                "6",
                "--month",
                "2019-10",
                "--group",
                "operation",
                "--format",
                "json",
            ],
        ).stdout
    )
    assert [b["name"] for b in data["bars"]] == ["blue", "red", "orange"]
    assert sum(b["pot_sek"] + b["lapsed_sek"] for b in data["bars"]) == pytest.approx(data["cell_pot_sek"], abs=0.01)


CONDITIONS_MET = {
    "response_rate_waiting_pct": 99.0,
    "response_rate_actual_pct": 98.5,
    "actual_within_five_weeks": "ja",
    "reported_by_guidelines": "ja",
    "patient_chosen_by_regulation": "ja",
    "status_report": "ja",
}


@pytest.mark.slow
def test_block2_conditions_forfeit_lapses_or_is_redistributed_or_is_paid_in_june(
    sample_panel_path, tmp_path, population
):
    conditions = tmp_path / "conditions.csv"
    frame = pd.DataFrame({"region": region_codes(), **CONDITIONS_MET})
    frame.loc[frame["region"] == "06", "response_rate_actual_pct"] = 94.9  # actual waits: below 95 % in a month
    frame.to_csv(conditions, index=False)
    share_06 = 320_000_000 * population.counts["06"] / population.counts.sum()

    lapse = payout(sample_panel_path, conditions=conditions)
    b2 = lapse.table[lapse.table["block"] == 2].set_index("region")
    assert b2.loc["06", "amount_sek"] == 0.0 and not b2.loc["06", "conditions_met"]
    assert b2["cell_lapsed_sek"].iloc[0] == pytest.approx(share_06, abs=0.01)

    shared = payout(sample_panel_path, conditions=conditions, overrides={"block2.forfeit": "redistribute"})
    b2r = shared.table[shared.table["block"] == 2].set_index("region")
    assert b2r["amount_sek"].sum() == pytest.approx(320_000_000, abs=0.01)
    assert (b2r.drop("06")["amount_sek"] > b2.drop("06")["amount_sek"]).all()

    # 4.3: paid in June whatever the conditions; 06 still shows that it did not meet them (the 2020 money)
    june = payout(sample_panel_path, conditions=conditions, overrides={"block2.forfeit": "paid_regardless"})
    b2j = june.table[june.table["block"] == 2].set_index("region")
    assert b2j.loc["06", "amount_sek"] == pytest.approx(share_06, abs=0.01) and not b2j.loc["06", "conditions_met"]
    assert b2j["conditions_met"].drop("06").all() and b2j["cell_lapsed_sek"].iloc[0] == 0.0
    assert b2j["amount_sek"].sum() == pytest.approx(320_000_000, abs=0.01)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("response_rate_waiting_pct", 94.99),
        ("response_rate_actual_pct", 80),
        ("actual_within_five_weeks", "nej"),
        ("reported_by_guidelines", "no"),
        ("patient_chosen_by_regulation", "0"),
        ("status_report", "false"),
    ],
)
def test_every_block2_criterion_alone_forfeits_the_share(sample_panel_path, tmp_path, column, value):
    conditions = tmp_path / "conditions.csv"
    frame = pd.DataFrame({"region": region_codes(), **CONDITIONS_MET})
    frame[column] = frame[column].astype(object)
    frame.loc[frame["region"] == "12", column] = value
    frame.to_csv(conditions, index=False)
    b2 = payout(sample_panel_path, conditions=conditions).table.query("block == 2").set_index("region")
    assert b2.loc["12", "amount_sek"] == 0.0 and not b2.loc["12", "conditions_met"]
    assert (b2.drop("12")["amount_sek"] > 0).all()


def test_conditions_table_without_a_criterion_is_refused(sample_panel_path, tmp_path):
    conditions = tmp_path / "conditions.csv"
    old_layout = {"region": region_codes(), "status_report": "ja", "min_response_rate_pct": 99.0}
    pd.DataFrame(old_layout).to_csv(conditions, index=False)
    result = runner.invoke(app, ["payout", str(sample_panel_path), "--conditions", str(conditions)])
    assert result.exit_code == 2
    assert "response_rate_waiting_pct" in result.stderr and "patient_chosen_by_regulation" in result.stderr
    in_memory = pd.DataFrame({"status_report": True}, index=list(region_codes()))
    with pytest.raises(InputError, match="no column for response_rate_waiting_pct"):
        payout(sample_panel_path, conditions=in_memory)


def test_conditions_table_must_cover_every_region(sample_panel_path, tmp_path):
    conditions = tmp_path / "conditions.csv"
    pd.DataFrame({"region": ["01"], **{k: [v] for k, v in CONDITIONS_MET.items()}}).to_csv(conditions, index=False)
    result = runner.invoke(app, ["payout", str(sample_panel_path), "--conditions", str(conditions)])
    assert result.exit_code == 2 and "no row for region(s)" in result.stderr


def test_check_backend_fails_loudly_when_the_kernel_drifts(sample_panel_path, monkeypatch):
    real = STAIRCASE.fast

    def drifting(block, arrays):
        res = real(block, arrays)
        return dataclasses.replace(
            res, amount=res.amount + np.where(np.arange(res.amount.shape[1]) == 0, 0.02, 0.0)
        )  # two öre

    monkeypatch.setattr(STAIRCASE, "fast", drifting)
    with pytest.raises(BackendMismatchError, match="disagree"):
        payout(sample_panel_path, backend="check")


def test_interrupted_write_leaves_nothing(sample_panel_path, tmp_path, monkeypatch):
    out = tmp_path / "payout.parquet"

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", broken)
    result = runner.invoke(app, ["payout", str(sample_panel_path), "--out", str(out)])
    assert result.exit_code != 0  # interrupted (click turns the interrupt into an abort)
    assert list(tmp_path.iterdir()) == []  # neither the output nor a half-written temporary file


@given(st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=30))
def test_largest_remainder_rounds_each_amount_to_a_neighbour_and_keeps_the_total(amounts):
    rounded = largest_remainder(amounts)
    values = np.asarray(amounts)
    assert rounded.sum() == round(values.sum())  # the total rounded (half to even), then shared out
    assert np.all(np.abs(rounded - values) < 1.0)
    up = rounded > np.floor(values)  # the amounts rounded up have the largest remainders
    frac = values - np.floor(values)
    assert not up.any() or not (~up).any() or frac[up].min() >= frac[~up & (frac > 0)].max(initial=0.0) - 1e-9


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["default", "blue-above-0", "exclusive-bars"]), st.integers(0, 10_000))
def test_payout_in_whole_kronor_adds_up_everywhere(alternative, seed):
    """Rounded from the top down: every cell conserves its pot, rows and columns of the summary add up."""
    from kommiljard.sample import sample_panel

    rules = load_rules()
    rules = rules if alternative == "default" else rules.with_alternative(alternative)
    exact = payout(sample_panel(seed), rules)
    whole = exact.in_whole_kronor()
    amounts = whole.table["amount_sek"].to_numpy()
    assert np.array_equal(amounts, np.round(amounts)) and np.all(np.abs(amounts - exact.table["amount_sek"]) < 1.0)
    assert (whole.cells["paid_sek"] + whole.cells["lapsed_sek"] == whole.cells["pot_sek"]).all()
    assert whole.cells["pot_sek"].sum() == rules.ruleset.total_sek
    summary = exact.summary(whole_kronor=True)
    parts = [c for c in summary.columns if c.startswith("block")]
    assert (summary[parts].sum(axis=1) == summary["total_sek"]).all()
    assert summary["total_sek"].sum() == whole.cells["paid_sek"].sum()


def test_summary_rows_add_up_where_rounding_each_column_would_miss_by_one_krona(sample_panel_path):
    """Rounded column by column, a region's parts could miss its total by a krona; rounded top down they cannot."""
    summary = payout(sample_panel_path).summary(whole_kronor=True)
    parts = [c for c in summary.columns if c.startswith("block")]
    assert (summary[parts].sum(axis=1) == summary["total_sek"]).all()
    assert summary["total_sek"].sum() == 1_600_000_000
    assert summary[parts].sum().tolist() == [640_000_000, 640_000_000, 320_000_000]
