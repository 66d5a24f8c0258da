"""Broken rule files, one mistake each (``tests/fixtures/rules/``): every one is refused with a
message that names the file and says what to fix, in the library and through the CLI (exit 2,
no traceback, no output written). One table for every kind of rule block."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import RuleFileError
from kommiljard.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_panel_2019.parquet"
VALID = {
    "minimal-valid": ("blue", "red", "orange"),
    "threshold-valid": ("70", "80"),
    "price-valid": ("hip_prosthesis", "cataract"),
    "requirements-valid": ("first_visits", "median_wait"),
}

# fixture -> words its message must contain (the first is shown by the CLI too)
BROKEN = {
    # improvement staircase (2019 schema)
    "unknown-key": ["cumulativ", "unknown key", "did you mean 'cumulative'", "blocks[0] (block 1)"],
    "wrong-type": ["bars[1] (red).min_improvement", "valid number"],
    "shares-not-one": ["pot_share", "must add up to 1", "1.05"],
    "group-shares-not-one": ["group shares", "must add up to 1", "1.2"],
    "bounds-not-ascending": ["bars must ascend", "min_improvement", "[1.0, 0.5, 5.0]"],
    "duplicate-key": ["not valid TOML", "line 23", "a key written twice"],
    "target-unknown-bar": ["target.bar", "'green'", "not one of the bars", "'blue', 'red', 'orange'"],
    "staircase-month-outside-period": [
        "block 1 (Kortare väntetider)",
        "2020-01",
        "outside the scheme's period 2019-01 to 2019-12",
    ],
    "alternative-unknown-bar": ["alternative 'blue-above-0' does not apply", "'bleu'", "Did you mean 'blue'"],
    # absolute thresholds
    "threshold-unknown-key": ["gate.treshold", "unknown key", "did you mean 'threshold'"],
    "threshold-wrong-type": ["levels[0] (70).threshold", "valid number"],
    "threshold-period-shares": ["period shares must add up to 1", "1.1"],
    "threshold-levels-not-ascending": ["levels must ascend", "lowest threshold up", "[70.0, 65.0]"],
    "threshold-month-outside-period": [
        "2012-01",
        "outside the scheme's period 2011-01 to 2011-12",
        "valid_from/valid_to",
    ],
    "threshold-duplicate-key": ["not valid TOML", "line 43", "written twice"],
    "threshold-pots-not-total": ["pot_sek add up to 1 050 000 000.00", "total_sek 1 000 000 000.00"],
    "threshold-pot-unknown-group": ["level '70'", "an amount for each group", "'operations'"],
    "threshold-gate-above-100": ["gate.threshold", "less than or equal to 100"],
    "threshold-gate-scope": ["gate.scope", "'group' or 'all_groups'"],
    "threshold-valid-to-missing": ["give both valid_from and valid_to"],
    "threshold-month-in-two-periods": ["2011-06", "more than one period"],
    # price per operation
    "price-unknown-procedure": [
        "procedures[0] (hip_prostesis).name",
        "no procedure called 'hip_prostesis'",
        "did you mean 'hip_prosthesis'",
    ],
    "price-pot-shares-not-one": ["procedure pot_share values must add up to 1", "1.1"],
    "price-top-regions-one-pot": ["unearned.to 'top_regions'", "needs pot_by = 'procedure'"],
    "price-cap-table-missing-region": ["cap: table", "no number for region(s) 25", "1 problem"],
    "price-cap-table-unknown-region": ["cap: table", "'26' is not a region code"],
    "price-baseline-not-earlier": ["baseline_years must be earlier than the block's year 2025", "[2024, 2025]"],
    "price-months-two-years": ["months must lie in one calendar year", "2025-11 to 2026-01"],
    "price-negative-price": ["procedures[1] (cataract).price_sek", "greater than 0"],
    "price-no-baseline-years": ["counting 'above_baseline' needs baseline_years"],
    "price-unknown-key": ["unearned.shareing", "unknown key", "did you mean 'sharing'"],
    # requirements with a bonus pot
    "requirements-tranches-not-total": ["total_sek add up to 110 000 000.00", "block's total_sek 100 000 000.00"],
    "requirements-steps-not-ascending": ["(first_visits).improvement", "steps must ascend", "[0.0, -1.0]"],
    "requirements-fractions-fall": ["fractions must not fall", "[0.5, 0.4]"],
    "requirements-no-route": ["(median_wait)", "can be met by nothing", "[improvement] or a [fulfilment]"],
    "requirements-undeclared-measure": ["'median_wait_days'", "do not declare", "median_days, share_90"],
    "requirements-unsourced-without-note": ["'median_wait' is marked unsourced", "note must say"],
    "requirements-payments-short": ["covers through 2023-10", "measured until 2023-11"],
    "requirements-unknown-bonus": ["bonus", "'earned', 'met_population', 'per_requirement' or 'lapse'"],
    "requirements-unknown-key": ["fulfilment.treshold", "did you mean 'threshold'"],
    "requirements-fraction-above-1": ["steps[0] (any).fraction", "less than or equal to 1"],
}


def test_every_fixture_on_disk_is_in_the_table():
    assert {p.stem for p in FIXTURES.glob("*.toml")} == set(BROKEN) | set(VALID)


@pytest.mark.parametrize("name", sorted(VALID))
def test_the_valid_fixtures_load(name):
    block = load_rules(FIXTURES / f"{name}.toml").ruleset.block(1)
    attributes = ("bar_names", "level_names", "requirement_names", "procedure_names")
    names = next(getattr(block, a) for a in attributes if hasattr(block, a))
    assert names == VALID[name]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_rule_file_is_refused_with_what_to_fix(name):
    path = FIXTURES / f"{name}.toml"
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    message = str(info.value)
    assert message.startswith(str(path))  # names the file
    for words in BROKEN[name]:
        assert words in message, f"{words!r} not in:\n{message}"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_rule_file_through_the_cli(name, tmp_path):
    path = FIXTURES / f"{name}.toml"
    out = tmp_path / "payout.parquet"
    for args in (["rules", str(path)], ["payout", str(SAMPLE), "--rules", str(path), "--out", str(out)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
        assert str(path) in result.stderr and BROKEN[name][0] in result.stderr
    assert not out.exists()
