"""Inputs an analyst gets wrong on the way to a deliverable: an export given where a panel belongs, a
conditions table in any obvious shape (and nothing else), and one reading of rounding under the
one-decimal alternative for both shares."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.inputs.regions import region_codes
from kommiljard.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]

runner = CliRunner()
EXPORTS = ROOT / "examples" / "exports"


@pytest.mark.parametrize(
    ("export", "layout"),
    [
        (ROOT / "data" / "sample_export_sv.csv", "kommiljard wide layout"),
        (EXPORTS / "socialstyrelsen_forstabesok_andel_90.csv", "Socialstyrelsen statistics database export"),
        (EXPORTS / "socialstyrelsen_forstabesok_andel_90.xlsx", "Socialstyrelsen statistics database export"),
        (EXPORTS / "kontaktkort_2019_operation.csv", "SKR vantetider.se Kontaktkort table"),
    ],
    ids=lambda v: getattr(v, "name", v),
)
@pytest.mark.parametrize("command", ["payout", "report"])
def test_an_export_given_as_a_panel_says_what_it_is_and_how_to_import_it(export, layout, command, tmp_path):
    args = [command, str(export)] + (["--out", str(tmp_path / "r.html")] if command == "report" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert "spreadsheet export, not a panel" in message and layout in message
    assert f"kommiljard import {export} --out {export.stem}_panel.parquet" in message
    assert "Traceback" not in result.output and "tokenizing" not in message and "codec" not in message
    assert not list(tmp_path.iterdir())


def test_the_import_command_the_message_gives_reads_the_export(tmp_path):
    export = tmp_path / "sample_export_sv.csv"
    shutil.copy(ROOT / "data" / "sample_export_sv.csv", export)
    with pytest.raises(InputError) as refused:
        payout(export)
    assert "kommiljard import" in str(refused.value)
    panel = tmp_path / "sample_export_sv_panel.parquet"
    assert runner.invoke(app, ["import", str(export), "--out", str(panel)]).exit_code == 0
    assert payout(panel).paid_sek == pytest.approx(payout(ROOT / "data" / "sample_panel_2019.parquet").paid_sek)


def test_a_csv_that_is_neither_panel_nor_export_keeps_its_own_message(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("just,some\ntext,here\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'region'"):
        payout(path)


# --- conditions: the obvious shapes, and nothing else ------------------------------------------------------------

NAMES = [c.name for c in load_rules().ruleset.block(2).conditions]
NUMERIC = [c.name for c in load_rules().ruleset.block(2).conditions if c.kind != "flag"]
FLAGS = [n for n in NAMES if n not in NUMERIC]


KEEP = object()


def _met(value_yes, value_no=KEEP, failing="06") -> pd.DataFrame:
    frame = pd.DataFrame({"region": list(region_codes())})
    for name in NAMES:
        yes = 99.0 if name in NUMERIC else value_yes
        frame[name] = pd.Series([yes] * len(frame), dtype=object)
    if value_no is not KEEP:
        frame.loc[frame["region"] == failing, FLAGS[0]] = value_no
    return frame


@pytest.fixture(scope="module")
def forfeits_06(sample_panel_path):
    """Region 06's block-2 amount when it meets every condition, and when it fails one."""
    table = payout(sample_panel_path).table
    return table.query("block == 2").set_index("region")["amount_sek"]


@pytest.mark.parametrize(
    ("yes", "no"),
    [(True, False), (1, 0), (1.0, 0.0), ("ja", "nej"), ("Ja", "Nej"), ("yes", "no"), ("true", "false"), ("1", "0")],
)
@pytest.mark.parametrize("shape", ["column", "index", "named index", "names in the index"])
def test_conditions_frame_in_any_obvious_shape(sample_panel_path, forfeits_06, yes, no, shape):
    frame = _met(yes, no)
    if shape == "index":
        frame = frame.set_index("region").rename_axis(None)
    elif shape == "named index":
        frame = frame.set_index("region")
    elif shape == "names in the index":
        from kommiljard.inputs.regions import region_names

        frame = frame.assign(region=frame["region"].map(region_names())).set_index("region")
    b2 = payout(sample_panel_path, conditions=frame).table.query("block == 2").set_index("region")
    assert b2.loc["06", "amount_sek"] == 0.0 and not b2.loc["06", "conditions_met"]
    others = b2.drop("06")
    assert np.allclose(others["amount_sek"], forfeits_06.drop("06")) and others["conditions_met"].all()


@pytest.mark.parametrize("bad", ["kanske", "", None, np.nan, 2, 0.5, "maybe", "ja!"])
def test_conditions_frame_with_anything_else_is_refused_naming_the_region(sample_panel_path, bad):
    frame = _met("ja", bad)
    with pytest.raises(InputError) as refused:
        payout(sample_panel_path, conditions=frame)
    message = str(refused.value)
    assert "region 06" in message and FLAGS[0] in message and "is not yes or no" in message


def test_nej_in_a_region_indexed_frame_is_never_paid(sample_panel_path):
    """The issue's case: "nej" in a region-indexed frame was counted as met and paid 1.85 mnkr."""
    frame = _met("ja", "nej", failing="09").set_index("region")
    b2 = payout(sample_panel_path, conditions=frame).table.query("block == 2").set_index("region")
    assert b2.loc["09", "amount_sek"] == 0.0


def test_conditions_frame_without_regions_is_refused(sample_panel_path):
    frame = _met("ja").drop(columns="region")
    with pytest.raises(InputError, match="neither a region column nor regions in its index"):
        payout(sample_panel_path, conditions=frame)


def test_conditions_frame_numbers_compare_with_the_threshold(sample_panel_path):
    frame = _met("ja")
    frame.loc[frame["region"] == "12", NUMERIC[0]] = 94.9
    b2 = payout(sample_panel_path, conditions=frame).table.query("block == 2").set_index("region")
    assert b2.loc["12", "amount_sek"] == 0.0 and b2.drop("12")["conditions_met"].all()


def test_compare_reads_a_conditions_frame_the_same_way(sample_panel_path):
    from kommiljard.analysis.compare import compare

    frame = _met("ja", "nej").set_index("region")
    result = compare(sample_panel_path, {"default": "kommiljard-2019"}, conditions=frame).set_index("region")
    expected = payout(sample_panel_path, conditions=frame).summary().set_index("region")["total_sek"]
    assert result["default"].to_numpy() == pytest.approx(expected.reindex(result.index).to_numpy())
    with pytest.raises(InputError, match="region 06"):
        compare(sample_panel_path, {"default": "kommiljard-2019"}, conditions=_met("ja", "kanske"))


# --- rounding under the one-decimal alternative: both shares as published ---------------------------------------


def _cell(result, region="06", month="2019-10", group="operation"):
    table = result.table.query("block == 1")
    return table[(table.region == region) & (table.month == month) & (table.group == group)].iloc[0]


@pytest.mark.parametrize(
    ("share_60", "default_tier", "one_decimal_tier"),
    [(70.96, 0, 1), (70.95, 0, 1), (70.94, 0, 0), (71.0, 1, 1)],
)
def test_one_decimal_alternative_rounds_share_60_as_it_rounds_share_90(
    sample_panel_path, share_60, default_tier, one_decimal_tier
):
    panel = pd.read_parquet(sample_panel_path)
    cell = (panel.region == "06") & (panel.group == "operation")
    panel.loc[cell & (panel.month == "2018-10"), ["share_90", "share_60"]] = [80.0, 50.0]
    panel.loc[cell & (panel.month == "2019-10"), ["share_90", "share_60"]] = [80.4, share_60]  # +0.4 pp: no bar
    default = _cell(payout(panel))
    alternative = _cell(payout(panel, rules=load_rules().with_alternative("rounded-1-decimal")))
    assert (default.tier, alternative.tier) == (default_tier, one_decimal_tier)
    if one_decimal_tier:
        assert alternative.route == "target_60" and alternative.amount_sek > 0


def test_one_decimal_alternative_reads_both_shares_as_published(sample_panel_path):
    """37.97 - 35.02 is 38.0 - 35.0 = 3.0 pp (red) and share_60 70.96 is 71.0: one reading for both."""
    panel = pd.read_parquet(sample_panel_path)
    cell = (panel.region == "06") & (panel.group == "operation")
    panel.loc[cell & (panel.month == "2018-10"), ["share_90", "share_60"]] = [35.02, 30.0]
    panel.loc[cell & (panel.month == "2019-10"), ["share_90", "share_60"]] = [37.97, 30.0]
    rules = load_rules().with_alternative("rounded-1-decimal")
    block = rules.ruleset.block(1)
    assert block.improvement_decimals == 1 and block.target.decimals == 1
    row = _cell(payout(panel, rules=rules))
    assert row.improvement_pp == 3.0 and row.tier == 2
    assert _cell(payout(panel)).tier == 1  # 2.95 pp at 6 decimals: blue only


def test_one_decimal_alternative_agrees_in_every_backend(sample_panel_path):
    panel = pd.read_parquet(sample_panel_path)
    later = panel.month.str.startswith("2019")
    panel.loc[later, "share_60"] = 70.96
    panel.loc[later, "share_90"] = panel.loc[later, "share_90"].clip(lower=71.0)
    rules = load_rules().with_alternative("rounded-1-decimal")
    result = payout(panel, rules=rules, backend="check")
    assert (result.table.query("block == 1")["route"] == "target_60").any()


def test_explain_shows_the_share_60_as_compared(sample_panel_path):
    panel = pd.read_parquet(sample_panel_path)
    cell = (panel.region == "06") & (panel.group == "operation") & (panel.month == "2019-10")
    panel.loc[cell, ["share_90", "share_60"]] = [80.0, 70.96]
    from kommiljard.analysis.explain import explain

    text = explain(panel, "06", "2019-10", "operation", rules=load_rules().with_alternative("rounded-1-decimal"))
    assert "70.96 (as published with 1 decimals: 71)" in text.render()
