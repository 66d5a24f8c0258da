"""Bad input: a non-zero exit, a message that names the problem, no traceback, no output file.

Every bad file is derived from the bundled sample panel (written to ``tmp_path``) and run
through the command line in-process (``typer.testing.CliRunner``); a few also through the
installed ``.venv/bin/kommiljard`` to make sure the message really goes to stderr.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
RULE_FILE = ROOT / "kommiljard" / "rules" / "kommiljard-2019.toml"
POPULATION = ROOT / "kommiljard" / "data" / "population_2018.csv"
EXE = Path(sys.executable).parent / "kommiljard"

runner = CliRunner()


def sample() -> pd.DataFrame:
    return pd.read_parquet(SAMPLE)


def row_of(frame: pd.DataFrame, region: str, month: str, group: str) -> int:
    hit = frame.index[(frame["region"] == region) & (frame["month"] == month) & (frame["group"] == group)]
    assert len(hit) == 1
    return int(hit[0])


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """All columns as text, so that a CSV cell can hold anything."""
    return frame.astype(object).astype(str)


def invoke(args: list[str]):
    return runner.invoke(app, [str(a) for a in args])


def assert_clean_failure(result, out: Path | None, keywords: list[str], quiet_stdout: bool = True) -> str:
    """Exit 2 from the CLI's own error handling, the keywords on stderr, no output written."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # not a crash
    assert "Traceback" not in result.output
    message = result.stderr
    assert re.search(r"^error: ", message, re.M), message
    for word in keywords:
        assert word in message, f"{word!r} not in message:\n{message}"
    if quiet_stdout:
        assert result.stdout == "", "nothing on stdout for a failed run"
    if out is not None:
        assert not out.exists()
        assert not list(out.parent.glob(f"{out.name}*")), "no partial or sidecar files"
    return message


# ----------------------------------------------------------------------------- bad panels

# Each case builds a bad panel in tmp_path and returns (path, keywords for the message).


def case_missing_column(tmp):
    return write(sample().drop(columns=["share_60"]), tmp / "p.parquet"), ["missing column", "'share_60'"]


def case_unknown_region(tmp):
    f = sample()
    f.loc[0, "region"] = "99"
    return write(f, tmp / "p.csv"), ["row 1", "'99'", "unknown region code"]


def case_duplicate_row(tmp):
    f = sample()
    i = row_of(f, "06", "2019-10", "operation")
    f = pd.concat([f, f.iloc[[i]]], ignore_index=True)
    return write(f, tmp / "p.parquet"), ["duplicate row", "(06, 2019-10, operation)", f"row {i + 1}", f"row {len(f)}"]


def case_share_above_100(tmp):
    f = sample()
    i = row_of(f, "12", "2019-09", "first_visit")
    f.loc[i, "share_90"] = 104.2
    return write(f, tmp / "p.parquet"), ["share_90", "104.2", "outside 0-100", "(12, 2019-09, first_visit)"]


def case_share_negative(tmp):
    f = sample()
    i = row_of(f, "12", "2018-09", "operation")
    f.loc[i, ["share_90", "share_60"]] = -1.0  # share_60 too, so that share_60 > share_90 stays out of it
    return write(f, tmp / "p.parquet"), ["share_90", "-1", "outside 0-100", "(12, 2018-09, operation)"]


def case_nan_share_parquet(tmp):
    f = sample()
    f.loc[row_of(f, "03", "2019-11", "operation"), "share_90"] = np.nan
    return write(f, tmp / "p.parquet"), ["share_90", "empty or NaN", "(03, 2019-11, operation)"]


def case_empty_share_csv(tmp):
    f = as_text(sample())
    f.loc[row_of(f, "03", "2019-11", "first_visit"), "share_60"] = ""  # the 71 % target reads it there
    return write(f, tmp / "p.csv"), ["share_60", "empty or NaN", "(03, 2019-11, first_visit)"]


def case_nan_text_csv(tmp):
    f = as_text(sample())
    i = row_of(f, "04", "2019-09", "operation")
    f.loc[i, "share_90"] = "NaN"
    return write(f, tmp / "p.csv"), ["share_90", f"row {i + 1}", "'NaN'"]


def case_non_numeric_share(tmp):
    f = as_text(sample())
    i = row_of(f, "05", "2019-10", "first_visit")
    f.loc[i, "share_90"] = "78,4"  # a decimal comma
    return write(f, tmp / "p.csv"), ["share_90", "'78,4'", "is not a number", f"row {i + 1}"]


def case_share_60_above_share_90(tmp):
    f = sample()
    i = row_of(f, "07", "2019-11", "operation")
    f.loc[i, "share_60"] = f.loc[i, "share_90"] + 0.1
    return write(f, tmp / "p.parquet"), ["share_60", "above share_90", "(07, 2019-11, operation)"]


def case_no_comparison_month(tmp):
    f = sample()
    f = f[~((f["region"] == "06") & (f["month"] == "2018-10"))]
    return write(f, tmp / "p.parquet"), ["region 06", "2018-10", "to compare with 2019-10"]


def case_unknown_group(tmp):
    f = sample()
    f.loc[row_of(f, "01", "2019-09", "operation"), "group"] = "operations"
    return write(f, tmp / "p.parquet"), ["'operations'", "unknown group", "did you mean 'operation'"]


def case_bad_month(tmp):
    f = as_text(sample())
    f.loc[0, "month"] = "autumn 2019"  # "sept 2019" is a month name, and accepted
    return write(f, tmp / "p.csv"), ["'autumn 2019'", "YYYY-MM", "row 1"]


def case_month_not_first_day(tmp):
    f = as_text(sample())
    f.loc[0, "month"] = "2018-09-15"
    return write(f, tmp / "p.csv"), ["'2018-09-15'", "is not a month", "row 1"]


def case_file_not_found(tmp):
    return tmp / "no_such_panel.parquet", ["no_such_panel.parquet", "no such panel file"]


def case_wrong_suffix(tmp):
    path = tmp / "p.xlsx"
    path.write_bytes(SAMPLE.read_bytes())
    return path, ["p.xlsx", "'.xlsx'", ".parquet or .csv"]


def case_corrupt_parquet(tmp):
    path = tmp / "p.parquet"
    path.write_text("region,month\n01,2019-09\n")
    return path, ["p.parquet", "could not read the panel"]


PANEL_CASES = {name.removeprefix("case_"): fn for name, fn in dict(globals()).items() if name.startswith("case_")}


@pytest.mark.parametrize("name", sorted(PANEL_CASES))
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_bad_panel_payout(name, suffix, tmp_path):
    panel, keywords = PANEL_CASES[name](tmp_path)
    out = tmp_path / "out" / f"payout{suffix}"
    out.parent.mkdir()
    message = assert_clean_failure(invoke(["payout", panel, "--out", out]), out, keywords)
    assert panel.name in message  # the message names the file


@pytest.mark.parametrize("name", sorted(PANEL_CASES))
def test_bad_panel_validate(name, tmp_path):
    panel, keywords = PANEL_CASES[name](tmp_path)
    assert_clean_failure(invoke(["validate", panel]), None, keywords)


def test_bad_panel_explain(tmp_path):
    panel, keywords = case_unknown_region(tmp_path)
    args = ["explain", panel, "--region", "01", "--month", "2019-10", "--group", "operation"]
    assert_clean_failure(invoke(args), None, keywords)


def test_good_sample_panel_passes(tmp_path):
    """Control: the sample panel itself is fine, so the failures above come from the edits."""
    out = tmp_path / "payout.parquet"
    result = invoke(["payout", SAMPLE, "--out", out])
    assert result.exit_code == 0, result.output
    assert out.exists()
    result = invoke(["validate", SAMPLE])
    assert result.exit_code == 0 and "OK" in result.stdout


# ----------------------------------------------------------------------------- several problems at once


def test_a_measure_no_block_reads_in_a_row_may_be_empty(tmp_path, sample_panel_path):
    """share_60 is read in the measurement months only (the target): empty a year earlier it changes nothing."""
    from kommiljard.engine import payout

    f = sample()
    f.loc[f["month"] < "2019-01", "share_60"] = np.nan
    res = invoke(["payout", str(write(f, tmp_path / "p.parquet")), "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout == invoke(["payout", str(sample_panel_path), "--format", "csv"]).stdout
    pd.testing.assert_frame_equal(payout(f).table, payout(sample_panel_path).table)


def test_several_problems_in_one_message(tmp_path):
    f = as_text(sample())
    f.loc[0, "region"] = "99"
    f.loc[1, "share_90"] = "104.2"
    f.loc[2, "share_90"] = "abc"
    f.loc[3, "group"] = "operatoin"
    f.loc[7, "share_60"] = ""  # 2019-09: the target reads it
    f.loc[5, "month"] = "2019-13"
    f = pd.concat([f, f.iloc[[10]]], ignore_index=True)
    panel = write(f, tmp_path / "many.csv")
    out = tmp_path / "payout.parquet"
    message = assert_clean_failure(
        invoke(["payout", panel, "--out", out]),
        out,
        [
            "row 1: region = '99'",
            "row 2: share_90 = 104.2",
            "row 3: share_90 = 'abc' is not a number",
            "row 4: group = 'operatoin'",
            "did you mean 'operation'",
            "row 8: share_60 is empty or NaN",
            "row 6: month = '2019-13'",
            "row 11: duplicate row",
            f"row {len(f)}: duplicate row",
        ],
    )
    assert message.count("error:") == 1  # one message, not one per problem
    listed = re.findall(r"^  - ", message, re.M)
    # the count is what is listed
    assert f"the panel has {len(listed)} problem{'' if len(listed) == 1 else 's'}" in message
    assert len(listed) >= 8


def test_share_60_above_share_90_reported_once(tmp_path):
    """The dataframe-wide check fails once per column in pandera; it must be listed once."""
    panel, _ = case_share_60_above_share_90(tmp_path)
    message = invoke(["validate", panel]).stderr
    assert message.count("above share_90") == 1
    assert "1 problem" in message


def test_bad_month_reported_once(tmp_path):
    panel, _ = case_bad_month(tmp_path)
    message = invoke(["validate", panel]).stderr
    assert len(re.findall(r"^  - row 1: month", message, re.M)) == 1, message


# ----------------------------------------------------------------------------- population


def population_without(region: str, path: Path) -> Path:
    pop = pd.read_csv(POPULATION, dtype=str)
    pop[pop["region"] != region].to_csv(path, index=False)
    return path


def test_region_without_population(tmp_path):
    pop = population_without("25", tmp_path / "pop.csv")
    out = tmp_path / "payout.csv"
    message = assert_clean_failure(
        invoke(["payout", SAMPLE, "--population", pop, "--out", out]), out, ["region 25", "no population", "pop.csv"]
    )
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("edit", "keywords"),
    [
        (
            lambda p: p.assign(population=p["population"].where(p["region"] != "06", "-5")),
            ["population = '-5'", "positive whole number"],
        ),
        (
            lambda p: p.assign(population=p["population"].where(p["region"] != "06", "many")),
            ["population = 'many'", "not a number"],
        ),
        (
            lambda p: p.assign(region=p["region"].where(p["region"] != "06", "66")),
            ["region '66'", "is not a Swedish region", "county code"],
        ),
        (lambda p: pd.concat([p, p.iloc[[3]]]), ["appears more than once"]),
        (lambda p: p.drop(columns=["population"]), ["missing column 'population'"]),
    ],
    ids=["negative", "text", "unknown_region", "duplicate", "no_column"],
)
def test_bad_population_table(edit, keywords, tmp_path):
    pop = tmp_path / "pop.csv"
    edit(pd.read_csv(POPULATION, dtype=str)).to_csv(pop, index=False)
    out = tmp_path / "payout.parquet"
    assert_clean_failure(invoke(["payout", SAMPLE, "--population", pop, "--out", out]), out, ["pop.csv", *keywords])


def test_population_file_not_found(tmp_path):
    out = tmp_path / "payout.parquet"
    assert_clean_failure(
        invoke(["payout", SAMPLE, "--population", tmp_path / "nope.csv", "--out", out]),
        out,
        ["nope.csv", "no such population table file"],
    )


# ----------------------------------------------------------------------------- rules and overrides


def test_rule_file_with_typo_in_key(tmp_path):
    text = RULE_FILE.read_text(encoding="utf-8")
    assert text.count("pot_share = 0.70") == 1
    bad = tmp_path / "typo-rules.toml"
    bad.write_text(text.replace("pot_share = 0.70", "pot_shar = 0.70"), encoding="utf-8")
    out = tmp_path / "payout.parquet"
    message = assert_clean_failure(
        invoke(["payout", SAMPLE, "--rules", bad, "--out", out]),
        out,
        [str(bad), "pot_shar", "unknown key", "did you mean 'pot_share'"],
    )
    assert "bars[0] (blue)" in message  # says where in the file


def test_rule_file_shares_not_adding_to_one(tmp_path):
    text = RULE_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "sum-rules.toml"
    bad.write_text(text.replace("pot_share = 0.20", "pot_share = 0.25"), encoding="utf-8")
    out = tmp_path / "payout.parquet"
    assert_clean_failure(
        invoke(["payout", SAMPLE, "--rules", bad, "--out", out]), out, [str(bad), "pot_share", "add up to 1", "1.05"]
    )


def test_rule_file_not_found(tmp_path):
    out = tmp_path / "payout.parquet"
    missing = tmp_path / "missing.toml"
    assert_clean_failure(
        invoke(["payout", SAMPLE, "--rules", missing, "--out", out]), out, [str(missing), "no such rule file"]
    )


def test_unknown_rules_name(tmp_path):
    out = tmp_path / "payout.parquet"
    assert_clean_failure(
        invoke(["payout", SAMPLE, "--rules", "kommiljard-2091", "--out", out]),
        out,
        ["unknown rule set 'kommiljard-2091'", "Did you mean 'kommiljard-2019'"],
    )


@pytest.mark.parametrize(
    ("override", "keywords"),
    [
        ("block1.sharng=equal", ["'block1.sharng'", "no key 'sharng'", "Did you mean 'sharing'"]),
        ("block1.bars.bleu.min_improvement=0", ["nothing called 'bleu'", "Did you mean 'blue'"]),
        ("blok1.sharing=equal", ["no key 'blok1'", "Did you mean 'block1'"]),
        ("block1.sharing=equl", ["sharing", "'population' or 'equal'"]),
        ("block1.sharing", ["write it as key=value"]),
        ("block1.bars.red.min_improvement=0.5", ["bars must ascend"]),
    ],
)
def test_bad_set_override(override, keywords, tmp_path):
    out = tmp_path / "payout.parquet"
    assert_clean_failure(invoke(["payout", SAMPLE, "--set", override, "--out", out]), out, keywords)


# ----------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("name", ["payout.ods", "no_dir/payout.parquet"])
def test_bad_out_path(name, tmp_path):
    out = tmp_path / name
    # the summary is printed before the file is written, so stdout is not checked here
    keywords = ["--out", ".parquet or .csv or .xlsx"] if name.endswith("ods") else ["no_dir", "does not exist"]
    assert_clean_failure(invoke(["payout", SAMPLE, "--out", out]), None, keywords, quiet_stdout=False)
    assert not out.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "nothing written at all (no sidecar either)"


# ----------------------------------------------------------------------------- the installed command


def run_exe(*args) -> subprocess.CompletedProcess:
    assert EXE.exists(), f"{EXE} is not installed"
    return subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.mark.slow
def test_installed_command_reports_on_stderr(tmp_path):
    f = as_text(sample())
    f.loc[0, "region"] = "99"
    f.loc[1, "share_90"] = "104.2"
    panel = write(f, tmp_path / "bad.csv")
    out = tmp_path / "payout.parquet"
    proc = run_exe("payout", panel, "--out", out)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert proc.stdout == ""
    assert re.search(r"^error: .*bad\.csv: the panel has \d+ problems?", proc.stderr, re.M), proc.stderr
    assert "'99'" in proc.stderr and "104.2" in proc.stderr
    assert not out.exists()


@pytest.mark.slow
def test_installed_command_rule_typo_on_stderr(tmp_path):
    bad = tmp_path / "typo-rules.toml"
    bad.write_text(
        RULE_FILE.read_text(encoding="utf-8").replace("pot_share = 0.70", "pot_shar = 0.70"), encoding="utf-8"
    )
    proc = run_exe("rules", bad)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(bad) in proc.stderr and "did you mean 'pot_share'" in proc.stderr
    assert proc.stdout == ""


# ----------------------------------------------------------------------------- regressions of bugs found and fixed


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_empty_panel_says_it_is_empty(suffix, tmp_path):
    panel = write(sample().iloc[:0], tmp_path / f"empty{suffix}")
    out = tmp_path / "payout.parquet"
    message = assert_clean_failure(invoke(["payout", panel, "--out", out]), out, [panel.name])
    assert re.search(r"no (data )?rows|is empty|has no rows", message), message
    assert "dtype(" not in message


def test_date_month_not_first_of_month(tmp_path):
    f = sample()
    f["month"] = pd.to_datetime(f["month"] + "-01")
    f.loc[0, "month"] = pd.Timestamp("2018-09-15")
    panel = write(f, tmp_path / "dates.parquet")
    out = tmp_path / "payout.parquet"
    message = assert_clean_failure(invoke(["payout", panel, "--out", out]), out, ["2018-09-15", "row 1"])
    assert "dtype(" not in message
    assert len(re.findall(r"^  - row 1: month", message, re.M)) == 1, message


def test_date_month_on_first_of_month_is_accepted(tmp_path):
    """Control for the case above: the spec allows a date (first of month) as the month."""
    f = sample()
    f["month"] = pd.to_datetime(f["month"] + "-01")
    panel = write(f, tmp_path / "dates.parquet")
    result = invoke(["validate", panel])
    assert result.exit_code == 0, result.output


def test_float32_panel_keeps_exact_boundaries(tmp_path):
    f = sample()
    rows = (f["region"] == "06") & (f["group"] == "operation")
    f.loc[rows & (f["month"] == "2018-09"), ["share_90", "share_60"]] = [11.2, 5.0]
    f.loc[rows & (f["month"] == "2019-09"), ["share_90", "share_60"]] = [16.2, 5.0]
    f[["share_90", "share_60"]] = f[["share_90", "share_60"]].astype("float32")
    panel = write(f, tmp_path / "float32.parquet")
    out = tmp_path / "payout.parquet"
    result = invoke(["payout", panel, "--out", out])
    if result.exit_code != 0:  # refusing float32 with a clear message would be fine too
        assert_clean_failure(result, out, ["float32"])
        return
    table = pd.read_parquet(out)
    row = table[(table["region"] == "06") & (table["month"] == "2019-09") & (table["group"] == "operation")]
    assert row["improvement_pp"].item() == 5.0
    assert row["tier"].item() == 2


def test_relative_change_from_a_share_of_0_is_refused_naming_region_month_and_group(tmp_path):
    f = sample()
    f.loc[row_of(f, "09", "2018-10", "operation"), ["share_90", "share_60"]] = [0.0, 0.0]
    panel = write(f, tmp_path / "zero.parquet")
    out = tmp_path / "payout.parquet"
    relative = ["--set", "block1.improvement_unit=relative_pct"]
    result = invoke(["payout", panel, *relative, "--out", out])
    assert_clean_failure(result, out, ["region 09", "2019-10 operation", "share_90 in 2018-10 is 0", "undefined"])
    assert invoke(["payout", panel, "--out", out]).exit_code == 0  # in percentage points the same panel is fine


def test_relative_improvement_is_written_as_improvement_pct_beside_the_pp_difference(tmp_path):
    out = tmp_path / "payout.parquet"
    result = invoke(["payout", SAMPLE, "--set", "block1.improvement_unit=relative_pct", "--out", out])
    assert result.exit_code == 0, result.output
    rows = pd.read_parquet(out).query("block == 1")
    pp = np.round(rows["share_current"] - rows["share_previous"], 6)
    assert np.allclose(rows["improvement_pp"], pp, rtol=0, atol=1e-9)
    assert np.allclose(rows["improvement_pct"], np.round(pp / rows["share_previous"] * 100, 6), rtol=0, atol=1e-6)
    default = tmp_path / "default.parquet"
    assert invoke(["payout", SAMPLE, "--out", default]).exit_code == 0
    assert "improvement_pct" not in pd.read_parquet(default).columns  # a pp block has no relative column


def test_a_panel_saved_by_a_swedish_spreadsheet_reads_as_the_same_panel(tmp_path):
    from kommiljard import payout
    from kommiljard.errors import KommiljardError

    plain = Path(__file__).resolve().parents[1] / "data" / "sample_panel_2019.csv"
    text = plain.read_text(encoding="utf-8").replace(",", ";").replace(".", ",")  # 75.3 -> 75,3; cells by ;
    saved = {"sv-bom.csv": text.replace("\n", "\r\n").encode("utf-8-sig"), "sv-1252.csv": text.encode("cp1252"),
             "sv-tab.csv": text.replace(";", "\t").encode("utf-8")}  # fmt: skip
    expected = payout(plain).summary()
    for name, data in saved.items():
        (tmp_path / name).write_bytes(data)
        got = payout(tmp_path / name).summary()
        assert got.equals(expected), name  # every öre the same
    (tmp_path / "words.csv").write_bytes(text.replace("75,3", "75,3 %").encode("utf-8"))
    with pytest.raises(KommiljardError, match="share_90"):  # a cell that is no number is still refused
        payout(tmp_path / "words.csv")
