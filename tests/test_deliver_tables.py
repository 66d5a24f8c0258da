"""Every table fits 80 columns and reads like the rest: a total row, region names whole, explain without wrapping,
rules in words and kronor (no 1280000000.0, no True), help without type placeholders, one convention for shares."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kommiljard.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "data" / "sample_panel_2019.parquet")
EXPORTS = sorted(str(p) for p in (ROOT / "examples" / "exports").glob("socialstyrelsen_*.csv"))
runner = CliRunner()


def run(*args, columns=80):
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)}, terminal_width=columns)
    assert result.exit_code == 0, result.output
    return result


COMMANDS = [
    ["payout", SAMPLE],
    ["whatif", SAMPLE, "--region", "06", "--improve", "3"],
    ["explain", SAMPLE, "--region", "06", "--month", "2019-10", "--group", "operation"],
    ["compare", SAMPLE, "--alternatives"],
    ["rules"],
    ["rules", "kommiljard-2019"],
    ["validate", SAMPLE],
]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "sv"])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:1] + a[2:3]))
def test_every_table_fits_80_columns(args, lang):
    result = run(*args, "--lang", lang)
    long = [line for line in result.stdout.splitlines() if len(line) > 80]
    assert not long, long[:3]


def test_import_summary_fits_80_columns(tmp_path):
    result = run("import", *EXPORTS, "--out", tmp_path / "panel.parquet")
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "Every region: Sep–Nov 2018, Sep–Nov 2019" in result.stdout


def test_payout_tables_have_total_rows_and_the_same_kronor():
    out = run("payout", SAMPLE, columns=120).stdout
    assert "total" in out and "1 600 000 000" in out and "640 000 000" in out


def test_explain_does_not_wrap_and_numbers_its_sources():
    out = run("explain", SAMPLE, "--region", "06", "--month", "2019-10", "--group", "operation").stdout
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80
    assert "Sources" in lines and any(line.startswith("  [1] 4.4.1") for line in lines)


def test_rules_are_words_and_kronor_not_raw_values():
    out = run("rules", "kommiljard-2019", columns=160).stdout
    assert "1280000000.0" not in out and "True" not in out and "False" not in out
    assert "1 280 000 000 kr" in out and "Sep–Nov 2019" in out


@pytest.mark.parametrize("command", ["payout", "whatif", "compare", "sweep", "report", "page", "plot", "explain"])
def test_help_shows_no_type_placeholders(command):
    out = run(command, "--help", columns=120).stdout
    assert "<bool>" not in out and "<str>" not in out and "<list[str]>" not in out and "<float>" not in out


def test_shares_and_points_are_written_one_way():
    from kommiljard.money import format_pp, format_share

    assert [format_share(v) for v in (71, 70.96, 67.1)] == ["71.0", "70.96", "67.1"]
    assert [format_pp(v) for v in (3, 2.95, -4.4, 1.100001)] == ["+3.0", "+2.95", "-4.4", "+1.100001"]
    whatif = run("whatif", SAMPLE, "--region", "06", "--improve", "3", columns=200).stdout
    assert "1.100001" in whatif and "67.1 → 70.1" in whatif  # the exact next tier and the shares as given
