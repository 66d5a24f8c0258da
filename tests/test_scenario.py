"""Scenario files: the bundled default loads, every parameter is cited, broken files say where."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kommiljard.sweeps.scenario import DEFAULT_SCENARIO, ScenarioError, bundled_scenario_names, load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "kommiljard" / "scenarios" / "default-2019.toml"
TEXT = DEFAULT_FILE.read_text(encoding="utf-8")


def test_default_is_bundled_and_reachable_from_the_repository_root():
    assert DEFAULT_SCENARIO in bundled_scenario_names()
    s = load_scenario()
    assert s.name == "default-2019" and s.spec.group_names == ("first_visit", "operation")
    assert (s.spec.baseline_year, s.spec.measurement_year) == (2018, 2019)
    assert load_scenario(ROOT / "scenarios" / "default-2019.toml").sha256 == s.sha256
    assert load_scenario(s) is s


def test_every_parameter_of_the_default_cites_its_source():
    raw = tomllib.loads(TEXT)
    tables = [*raw["national"].values(), raw["shock"], raw["spread"]]
    for table in tables:
        params = [k for k, v in table.items() if not k.endswith(("_source", "_note")) and not isinstance(v, str)]
        sources = {k.removesuffix("_source") for k in table if k.endswith("_source")}
        for p in params:
            stem = p.removesuffix("_pct").removesuffix("_pp").removesuffix("_sd")
            assert any(stem.startswith(s) or s.startswith(stem) for s in sources), (p, sources)
            assert all(table[f"{s}_source"].strip() for s in sources)


def _broken(tmp_path: Path, old: str, new: str, append: str = "") -> Path:
    assert old in TEXT, old
    path = tmp_path / "broken.toml"
    path.write_text(TEXT.replace(old, new, 1) + append, encoding="utf-8")
    return path


BROKEN = {
    "misspelt_key_gets_a_suggestion": (
        "trend_sd_pp =",
        "trend_sdpp =",
        "",
        ["spread.trend_sdpp", "unknown key", "did you mean 'trend_sd_pp'", "spread.trend_sd_pp: missing key"],
    ),
    "unknown_group_gets_a_suggestion": (
        "operation = 0.3 }",
        "operations = 0.3 }",
        "",
        ["shock.year_sd_pp.operations", "did you mean 'operation'", "no value for group(s) ['operation']"],
    ),
    "season_must_average_zero": (
        "season_pp = [-0.5, 0.0, 2.0",
        "season_pp = [-0.5, 3.0, 2.0",
        "",
        ["national.first_visit", "season_pp must average 0"],
    ),
    "twelve_months": ("gap_pp = [14.8, 14.2, ", "gap_pp = [14.2, ", "", ["national.first_visit.gap_pp", "12"]),
    "negative_spread": (
        "noise_sd_pp = { first_visit = 1.3",
        "noise_sd_pp = { first_visit = -1.3",
        "",
        ["spread.noise_sd_pp.first_visit", "greater than or equal to 0"],
    ),
    "years_follow_each_other": (
        "measurement_year = 2019",
        "measurement_year = 2020",
        "",
        ["measurement_year (2020)", "baseline_year (2018)"],
    ),
    "region_code_unquoted": (
        "",
        "",
        "\n[regions.6]\nlevel_pct = { first_visit = 80.0 }\n",
        ["regions.6", "did you mean '06'", "quoted"],
    ),
    "region_level_inside_0_100": (
        "",
        "",
        '\n[regions."06"]\nlevel_pct = { first_visit = 100.0 }\n',
        ["regions.06.level_pct.first_visit", "less than 100"],
    ),
    "share_leaves_0_100": ("trend_pp = -0.4", "trend_pp = 25.0", "", ["national.first_visit", "inside 0-100"]),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_scenarios_name_the_file_and_the_key(tmp_path, case):
    old, new, append, words = BROKEN[case]
    path = _broken(tmp_path, old or "schema_version", new or "schema_version", append)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for word in words:
        assert word in message, (word, message)


def test_bad_toml_unknown_names_and_missing_files(tmp_path):
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(_broken(tmp_path, "level_corr = 0.5", "level_corr = "))
    with pytest.raises(ScenarioError, match="did you mean 'default-2019'|Did you mean 'default-2019'"):
        load_scenario("default-2018")
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "missing.toml")


def test_a_region_can_be_fixed(tmp_path):
    path = _broken(
        tmp_path,
        "schema_version",
        "schema_version",
        '\n[regions."06"]\nlevel_pct = { first_visit = 85.0 }\ntrend_pp = { operation = 2.0 }\n',
    )
    spec = load_scenario(path).spec
    assert spec.regions["06"].level_pct == {"first_visit": 85.0}
