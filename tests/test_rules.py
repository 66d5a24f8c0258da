"""The rule files: the bundled 2019 set carries every number of the spec, overrides change
results as they should (from Python and from ``--set``), rules are immutable, and broken
rule files or overrides are refused with a message that names the file, the key and a fix.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import RuleFileError
from kommiljard.inputs.population import read_population
from kommiljard.inputs.regions import region_codes
from kommiljard.kinds.population_share.rules import PopulationShare
from kommiljard.kinds.staircase.rules import ImprovementStaircase
from kommiljard.outputs.files import read_provenance
from kommiljard.rules import Rules, bundled_rule_names, load_rules, parse_override

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_FILE = ROOT / "kommiljard" / "rules" / "kommiljard-2019.toml"
FIXTURES = Path(__file__).parent / "fixtures" / "rules"
POT = 640_000_000 / 3  # one month and group
REGIONS = list(region_codes())
runner = CliRunner()


@pytest.fixture(scope="module")
def rules2019() -> Rules:
    return load_rules()


# ----------------------------------------------------------------------------- the bundled 2019 numbers


def test_bundled_names():
    assert "kommiljard-2019" in bundled_rule_names()


def test_scheme_totals(rules2019):
    rs = rules2019.ruleset
    assert rs.id == "kommiljard-2019"
    assert rs.schema_version == 1
    assert rs.total_sek == 1_600_000_000
    assert [b.number for b in rs.blocks] == [1, 2]
    assert sum(b.total_sek for b in rs.blocks) == rs.total_sek


def test_block1_numbers(rules2019):
    b = rules2019.ruleset.block(1)
    assert isinstance(b, ImprovementStaircase)
    assert b.total_sek == 1_280_000_000
    assert b.group_names == ("first_visit", "operation")
    assert [g.share for g in b.groups] == [0.5, 0.5]
    assert b.months == ("2019-09", "2019-10", "2019-11")
    assert b.compare_lag_months == 12
    assert b.measure == "share_90"
    assert b.bar_names == ("blue", "red", "orange")
    assert [x.pot_share for x in b.bars] == [0.70, 0.20, 0.10]
    assert [x.min_improvement for x in b.bars] == [1.0, 3.0, 5.0]
    assert [x.inclusive for x in b.bars] == [True, True, False]  # >= 1, >= 3, > 5
    t = b.target
    assert (t.bar, t.measure, t.threshold, t.inclusive, t.route) == ("blue", "share_60", 71.0, True, "target_60")


def test_block1_interpretation_defaults(rules2019):
    """The defaults of the spec's section 2 table."""
    b = rules2019.ruleset.block(1)
    assert b.improvement_unit == "pp"
    assert b.improvement_decimals == 6
    assert b.cumulative is True
    assert b.sharing == "population"
    assert b.cascade == "down"
    assert b.no_qualifier == "lapse"
    blue, red, orange = b.bars
    assert (blue.min_improvement, blue.inclusive) == (1.0, True)
    assert (red.min_improvement, red.inclusive) == (3.0, True)
    assert (orange.min_improvement, orange.inclusive) == (5.0, False)


def test_block2_numbers(rules2019):
    b = rules2019.ruleset.block(2)
    assert isinstance(b, PopulationShare)
    assert b.total_sek == 320_000_000
    assert b.sharing == "population"
    assert b.forfeit == "lapse"
    conditions = {c.name: c for c in b.conditions}
    assert list(conditions) == [  # every criterion of 4.4 Block 2
        "response_rate_waiting_pct",
        "response_rate_actual_pct",
        "actual_within_five_weeks",
        "reported_by_guidelines",
        "patient_chosen_by_regulation",
        "status_report",
    ]
    for name in ("response_rate_waiting_pct", "response_rate_actual_pct"):
        assert conditions[name].kind == "at_least" and conditions[name].threshold == 95.0
    assert all(c.kind == "flag" for n, c in conditions.items() if not n.startswith("response_rate"))
    assert all(c.source.startswith("4.4 Block 2") for c in conditions.values())


def test_pot_per_month_and_group(rules2019):
    b = rules2019.ruleset.block(1)
    for group in b.group_names:
        pot = b.pot_sek(group)
        assert pot == POT
        assert pot == pytest.approx(213_333_333.333333, abs=1e-5)
        assert round(pot, 2) == 213_333_333.33
        assert [round(pot * x.pot_share / 1e6, 2) for x in b.bars] == [149.33, 42.67, 21.33]
    assert math.fsum(b.pot_sek(g) for g in b.group_names) * len(b.months) == pytest.approx(1_280_000_000, abs=1e-6)


def test_every_number_is_in_the_file():
    """The numbers come from the TOML file, not from code."""
    text = BUNDLED_FILE.read_text(encoding="utf-8")
    for literal in (
        "1_600_000_000",
        "1_280_000_000",
        "320_000_000",
        "0.70",
        "0.20",
        "0.10",
        "71.0",
        "95.0",
        '"2019-09"',
        '"2019-11"',
    ):
        assert literal in text


def test_load_by_path_equals_bundled(rules2019):
    by_path = load_rules(BUNDLED_FILE)
    assert by_path.ruleset == rules2019.ruleset
    assert by_path.sha256 == rules2019.sha256
    assert by_path.origin == str(BUNDLED_FILE)


def test_minimal_fixture_is_valid():
    """Control for the broken fixtures: without the one mistake, the file loads."""
    r = load_rules(FIXTURES / "minimal-valid.toml")
    assert r.ruleset.block(1).bar_names == ("blue", "red", "orange")
    assert r.ruleset.total_sek == 1_600_000_000


# ----------------------------------------------------------------------------- immutability


def test_rules_are_immutable(rules2019):
    b = rules2019.ruleset.block(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules2019.ruleset = None  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        rules2019.ruleset.total_sek = 1.0
    with pytest.raises(ValidationError, match="frozen"):
        b.sharing = "equal"
    with pytest.raises(ValidationError, match="frozen"):
        b.bars[0].pot_share = 0.5
    with pytest.raises(ValidationError, match="frozen"):
        b.target.threshold = 70.0
    with pytest.raises(TypeError):
        b.bars[0] = b.bars[1]  # type: ignore[index]
    with pytest.raises(AttributeError):
        b.months.append("2019-12")  # type: ignore[attr-defined]
    assert load_rules().ruleset == rules2019.ruleset  # nothing changed


def test_with_overrides_leaves_the_original_alone(rules2019):
    before = rules2019.ruleset.model_dump()
    changed = rules2019.with_overrides({"block1.sharing": "equal", "block1.bars.blue.min_improvement": 0.5})
    assert changed.ruleset.block(1).sharing == "equal"
    assert changed.ruleset.block(1).bars[0].min_improvement == 0.5
    assert rules2019.ruleset.model_dump() == before
    assert rules2019.overrides == {}
    assert dict(changed.overrides) == {"block1.sharing": "equal", "block1.bars.blue.min_improvement": 0.5}
    assert changed.sha256 == rules2019.sha256  # same file, overrides recorded separately


def test_caller_dict_is_not_aliased():
    overrides = {"block1.sharing": "equal"}
    r = load_rules(overrides=overrides)
    overrides["block1.sharing"] = "population"
    assert r.ruleset.block(1).sharing == "equal"
    assert r.overrides["block1.sharing"] == "equal"


def test_overrides_record_is_immutable():
    r = load_rules(overrides={"block1.sharing": "equal"})
    with pytest.raises(TypeError):
        r.overrides["block1.cumulative"] = False  # type: ignore[index]


# ----------------------------------------------------------------------------- overrides change results


def staircase_panel(improvements: dict[str, float], share_60: float = 10.0, base: float = 60.0) -> pd.DataFrame:
    """A full 2019 panel in which each region improves by the same amount in every cell."""
    rows = []
    for month in ("09", "10", "11"):
        for group in ("first_visit", "operation"):
            for region in REGIONS:
                imp = improvements.get(region, 0.0)
                rows.append(
                    {"region": region, "month": f"2018-{month}", "group": group, "share_90": base, "share_60": share_60}
                )
                rows.append(
                    {
                        "region": region,
                        "month": f"2019-{month}",
                        "group": group,
                        "share_90": base + imp,
                        "share_60": share_60,
                    }
                )
    return pd.DataFrame(rows)


# seven regions in each tier: blue (+2), red (+4), orange (+6)
TIERED = {r: (2.0, 4.0, 6.0)[i // 7] for i, r in enumerate(REGIONS)}


def block1(result) -> pd.DataFrame:
    t = result.table
    return t[t["block"] == 1]


def test_default_sharing_is_by_population():
    t = block1(payout(staircase_panel(TIERED)))
    pop = read_population().counts
    for _, g in t.groupby(["month", "group", "tier"]):
        per_person = g["amount_sek"].to_numpy() / pop.loc[g["region"]].to_numpy()
        np.testing.assert_allclose(per_person, per_person[0], rtol=1e-12)
        assert g["amount_sek"].nunique() > 1


@pytest.mark.parametrize("how", ["load_rules", "payout_overrides", "with_overrides"])
def test_equal_sharing_override_gives_equal_amounts(how):
    panel = staircase_panel(TIERED)
    if how == "load_rules":
        result = payout(panel, rules=load_rules(overrides={"block1.sharing": "equal"}))
    elif how == "payout_overrides":
        result = payout(panel, overrides={"block1.sharing": "equal"})
    else:
        result = payout(panel, rules=load_rules().with_overrides({"block1.sharing": "equal"}))
    assert result.rules.ruleset.block(1).sharing == "equal"
    t = block1(result)
    expected = {
        1: 0.7 * POT / 21,
        2: 0.7 * POT / 21 + 0.2 * POT / 14,
        3: 0.7 * POT / 21 + 0.2 * POT / 14 + 0.1 * POT / 7,
    }
    for tier, g in t.groupby("tier"):
        np.testing.assert_allclose(g["amount_sek"], expected[tier], rtol=0, atol=0.01)
    assert result.provenance["rules"]["overrides"] == {"block1.sharing": "equal"}


def test_exclusive_bars_override():
    t = block1(payout(staircase_panel(TIERED), overrides={"block1.cumulative": False, "block1.sharing": "equal"}))
    expected = {1: 0.7 * POT / 7, 2: 0.2 * POT / 7, 3: 0.1 * POT / 7}
    for tier, g in t.groupby("tier"):
        np.testing.assert_allclose(g["amount_sek"], expected[tier], rtol=0, atol=0.01)
    assert set(t.loc[t["tier"] == 3, "bars"]) == {"orange"}


def test_orange_inclusive_override_moves_exactly_five():
    panel = staircase_panel({"01": 5.0, "03": 1.0})
    default = block1(payout(panel))
    assert set(default.loc[default["region"] == "01", "tier"]) == {2}
    changed = block1(payout(panel, overrides={"block1.bars.orange.inclusive": True}))
    assert set(changed.loc[changed["region"] == "01", "tier"]) == {3}


def test_blue_bound_override():
    panel = staircase_panel({"01": 0.5})
    assert (block1(payout(panel))["tier"] == 0).all()
    changed = block1(
        payout(panel, overrides={"block1.bars.blue.min_improvement": 0.0, "block1.bars.blue.inclusive": False})
    )
    assert set(changed.loc[changed["region"] == "01", "tier"]) == {1}
    assert (changed.loc[changed["region"] != "01", "amount_sek"] == 0).all()
    np.testing.assert_allclose(changed.loc[changed["region"] == "01", "amount_sek"], POT, atol=0.01)


def test_target_threshold_override():
    panel = staircase_panel({}, share_60=70.5, base=75.0)
    assert (block1(payout(panel))["tier"] == 0).all()
    changed = block1(payout(panel, overrides={"block1.target.threshold": 70.5}))
    assert (changed["tier"] == 1).all() and (changed["route"] == "target_60").all()


def test_cascade_lapse_override():
    panel = staircase_panel({"01": 2.0})
    result = payout(panel, overrides={"block1.cascade": "lapse"})
    cells = result.cells[result.cells["block"] == 1]
    np.testing.assert_allclose(cells["lapsed_sek"], 0.3 * POT, atol=0.01)
    default = payout(panel).cells
    np.testing.assert_allclose(default.loc[default["block"] == 1, "lapsed_sek"], 0.0, atol=0.01)


# ----------------------------------------------------------------------------- --set on the command line


def test_cli_set_equal_sharing(tmp_path):
    panel = tmp_path / "tiered.parquet"
    staircase_panel(TIERED).to_parquet(panel, index=False)
    default_out, equal_out = tmp_path / "default.parquet", tmp_path / "equal.parquet"
    r1 = runner.invoke(app, ["payout", str(panel), "--out", str(default_out)])
    r2 = runner.invoke(app, ["payout", str(panel), "--set", "block1.sharing=equal", "--out", str(equal_out)])
    assert r1.exit_code == 0 and r2.exit_code == 0, (r1.output, r2.output)
    default = pd.read_parquet(default_out).query("block == 1")
    equal = pd.read_parquet(equal_out).query("block == 1")
    for (_, _, tier), g in equal.groupby(["month", "group", "tier"]):
        assert g["amount_sek"].max() - g["amount_sek"].min() <= 0.01, tier
    assert default.groupby(["month", "group", "tier"])["amount_sek"].nunique().max() > 1
    assert read_provenance(equal_out)["rules"]["overrides"] == {"block1.sharing": "equal"}
    assert read_provenance(default_out)["rules"]["overrides"] == {}


def test_cli_set_is_repeatable_and_typed(tmp_path):
    result = runner.invoke(
        app,
        [
            "rules",
            "--set",
            "block1.cumulative=false",
            "--set",
            "block1.bars.blue.min_improvement=0.5",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["overrides"] == {"block1.cumulative": False, "block1.bars.blue.min_improvement": 0.5}
    block = next(b for b in data["rules"]["blocks"] if b["number"] == 1)
    assert block["cumulative"] is False
    assert block["bars"][0]["min_improvement"] == 0.5


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("block1.sharing=equal", "block1.sharing", "equal"),
        ("block1.cumulative=false", "block1.cumulative", False),
        ("block1.bars.blue.min_improvement=0", "block1.bars.blue.min_improvement", 0),
        ("block1.target.threshold = 70.5", "block1.target.threshold", 70.5),
        ('block1.months=["2019-10"]', "block1.months", ["2019-10"]),
    ],
)
def test_parse_override(text, key, value):
    assert parse_override(text) == (key, value)


@pytest.mark.parametrize(
    "overrides",
    [
        {"block1.cumulative": False, "block1.cascade": "down_then_up"},
        {"block1.bars.blue.min_improvement": 0.0, "block1.bars.blue.inclusive": True},
        {"block1.target.threshold": 70.5, "block1.improvement_decimals": 1},
        {"block1.months": ["2026-06", "2026-07"], "block1.baseline_years": [2025]},
    ],
)
def test_changes_are_written_as_set_reads_them(overrides):
    from kommiljard.rules import changes_text

    text = changes_text(overrides, sep="; ")
    assert "True" not in text and "False" not in text and "{" not in text and "(" not in text and "'" not in text
    assert dict(parse_override(part) for part in text.split("; ")) == overrides


# ----------------------------------------------------------------------------- override errors


@pytest.mark.parametrize(
    ("overrides", "keywords"),
    [
        ({"block1.sharng": "equal"}, ["'block1.sharng'", "no key 'sharng'", "Did you mean 'sharing'"]),
        (
            {"block1.bars.bleu.min_improvement": 0},
            ["nothing called 'bleu'", "Did you mean 'blue'", "blue, red, orange"],
        ),
        ({"block1.bars.blue.min_improvment": 0}, ["no key 'min_improvment'", "Did you mean 'min_improvement'"]),
        ({"block3.sharing": "equal"}, ["nothing called 'block3'", "block1, block2"]),
        ({"blok1.sharing": "equal"}, ["no key 'blok1'", "Did you mean 'block1'"]),
        ({"totl_sek": 1}, ["no key 'totl_sek'", "Did you mean 'total_sek'"]),
        ({"block1.target.treshold": 70}, ["no key 'treshold'", "Did you mean 'threshold'"]),
        ({"block1.bars.blue": 1}, ["names a whole item"]),
        ({"block1.sharing": "equl"}, ["with overrides", "sharing", "'population' or 'equal'"]),
        ({"block1.bars.red.pot_share": 0.3}, ["with overrides", "add up to 1"]),
        ({"block1.bars.red.min_improvement": 0.5}, ["with overrides", "bars must ascend"]),
        ({"block1.target.bar": "green"}, ["with overrides", "'green' is not one of the bars"]),
    ],
)
def test_override_errors(overrides, keywords):
    with pytest.raises(RuleFileError) as exc:
        load_rules(overrides=overrides)
    message = str(exc.value)
    assert "kommiljard-2019" in message  # names the rule set
    for word in keywords:
        assert word in message, f"{word!r} not in {message}"


def test_override_without_equals_sign():
    with pytest.raises(RuleFileError, match="key=value"):
        parse_override("block1.sharing")


def test_cli_bad_set_names_the_key():
    result = runner.invoke(app, ["rules", "--set", "block1.sharng=equal"])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "Did you mean 'sharing'" in result.stderr and "Traceback" not in result.output


def test_unknown_rule_set_name():
    with pytest.raises(RuleFileError, match=r"unknown rule set 'kommiljard-2091'\. Did you mean 'kommiljard-2019'\?"):
        load_rules("kommiljard-2091")


def test_missing_rule_file(tmp_path):
    with pytest.raises(RuleFileError, match="no such rule file"):
        load_rules(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("old", "new"),
    [("min_improvement = 1.0", "min_improvement = true"), ("inclusive = false", 'inclusive = "false"')],
    ids=["bool_as_number", "string_as_bool"],
)
def test_wrong_toml_types_are_refused(old, new, tmp_path):
    text = (FIXTURES / "minimal-valid.toml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "lax.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(RuleFileError):
        load_rules(path)


def test_a_changed_table_is_shortened_not_dumped():
    from kommiljard.rules import changes_text

    periods = [{"name": "2013-H1", "months": ("2013-01",), "share": 0.5, "source": "Alternative: the first half"}]
    text = changes_text({"block1.periods": periods, "block1.cascade": "down"})
    assert text == "block1.periods=[{…}], block1.cascade=down"


def test_the_rule_sets_a_panel_can_be_paid_under():
    import pandas as pd

    from kommiljard.inputs.months import runs_text
    from kommiljard.rules.loader import rule_sets_measured_in

    data = Path(__file__).resolve().parents[1] / "data"
    expected = {
        "sample_panel_2019": ["kommiljard-2019"],
        "sample_panel_2013": ["kommiljard-2013"],
        "sample_operations_2022_2026": ["kommiljard-2025-feb-oct", "kommiljard-2025-jun-oct", "kommiljard-2026"],
    }
    for name, fitting in expected.items():
        panel = pd.read_parquet(data / f"{name}.parquet")
        assert rule_sets_measured_in(panel["month"].unique(), panel["group"].unique(), panel.columns) == fitting
        without_months = panel[panel["month"] < panel["month"].max()[:4]]  # its last year gone: no set of it
        assert fitting[-1] not in rule_sets_measured_in(without_months["month"].unique(), panel["group"].unique(),
                                                        panel.columns)  # fmt: skip
    assert (
        runs_text(["2019-10", "2018-09", "2019-09", "2018-10", "2020-01"])
        == "2018-09–2018-10, 2019-09–2019-10, 2020-01"
    )
