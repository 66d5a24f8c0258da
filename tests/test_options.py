"""The option layer (kommiljard.inputs.options, wired by kommiljard.cli.options): one reading of every
number, month, region and name given as an option, one range per option, conflicting options refused."""

from __future__ import annotations

import typing

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.inputs import options
from kommiljard.inputs.options import RANGES, OptionError
from kommiljard.inputs.panel import MONTH_WORDS
from kommiljard.kinds.staircase.lever import LEVER as SHARE_LEVER

SAMPLE = "data/sample_panel_2019.parquet"
MEASURED = ["2019-09", "2019-10", "2019-11"]
runner = CliRunner()


def refused(args: list[str], *said: str) -> str:
    """Exit 2, one ``error:`` line (no usage box, no traceback), naming what ``said`` holds."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "\nerror: " in "\n" + result.output and "Traceback" not in result.output and "│" not in result.output
    for word in said:
        assert word in " ".join(result.output.split()), (word, result.output)
    return result.output


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("written", "value"),
    [("3", 3.0), ("3,5", 3.5), ("3.5", 3.5), ("-1,25", -1.25), ("−2", -2.0), ("+4", 4.0), (" 5 ", 5.0),
     ("100", 100.0), ("-100", -100.0), (2, 2.0), (1.5, 1.5)],
)  # fmt: skip
def test_percentage_points_in_every_spelling(written, value):
    assert SHARE_LEVER.check(written) == value  # a share's lever: its range is its kind's, the reading the layer's


@pytest.mark.parametrize(
    "written", ["nan", "NaN", "inf", "-inf", "1e400", "100.0001", "-101", "abc", "", "0x10", "1,000.5", "3 pp", True]
)
def test_percentage_points_refused_naming_the_option_and_the_range(written):
    with pytest.raises(OptionError, match=r"^--lo .*-100 to 100"):
        SHARE_LEVER.check(written, "--lo")


@pytest.mark.parametrize(
    ("written", "value"),
    [("2000", 2000), ("1 000 000", 1_000_000), ("1e6", 1_000_000), ("9223372036854775807", 2**63 - 1)],
)
def test_whole_numbers_in_every_spelling(written, value):
    assert options.whole(written, "--seed", "seed") == value


@pytest.mark.parametrize("written", ["-1", "2.5", "1,5", "9223372036854775808", "nan", 2000.0, False])
def test_whole_numbers_refused(written):
    with pytest.raises(OptionError, match=r"^--seed .*whole number from 0 to"):
        options.whole(written, "--seed", "seed")


def test_every_range_is_declared_once_with_its_ends():
    assert not RANGES["change_step"].holds(0) and RANGES["change_step"].holds(1e-9)
    assert RANGES["change_lo"].holds(0) and not RANGES["change_lo"].holds(0.1) and RANGES["change_lo"].holds(-1e300)
    assert RANGES["change_lo"].describe() == "a number at most 0 (the page's changes run from --lo <= 0 to --hi >= 0)"
    assert RANGES["seed"].holds(2**63 - 1) and not RANGES["seed"].holds(2**63)
    assert set(options.OPTION_RANGES.values()) == set(RANGES)  # each range belongs to some option
    assert (SHARE_LEVER.lo, SHARE_LEVER.hi) == (-100, 100)  # a lever's range is its kind's declaration


def test_a_lever_grid_with_a_decimal_comma_is_never_guessed():
    grid = options.number_list
    assert grid("0,1,2,3", "--improve") == [0, 1, 2, 3] and grid("0;1,5;3", "--improve") == [0, 1.5, 3]
    assert grid("3, 5", "--improve") == [3, 5]
    with pytest.raises(OptionError, match=r"ambiguous: the sizes 3 and 5, or 3.5\? Write 3.5"):
        grid("3,5", "--improve")
    with pytest.raises(OptionError, match="given twice"):
        grid("1;1,0", "--improve")


# ----------------------------------------------------------------------------- months


@pytest.mark.parametrize("number", range(1, 13))
def test_every_swedish_and_english_month_name_and_abbreviation(number):
    for word in MONTH_WORDS[number]:
        for written in (f"{word} 2019", f"{word.capitalize()} 2019", f"2019 {word}", f"{word}2019", f"{word}. 2019"):
            assert options.month(written) == f"2019-{number:02d}", written


@pytest.mark.parametrize("written", ["okt", "oktober", "Okt", "october", "2019-10", "10/2019", "2019-10-01"])
def test_a_month_without_its_year_is_the_measured_one(written):
    assert options.month(written, "--month", MEASURED) == "2019-10"


def test_months_refused_with_the_nearest():
    with pytest.raises(OptionError, match=r"^--month 2019-12: not among .*; did you mean 2019-11\?"):
        options.month("2019-12", "--month", MEASURED)
    with pytest.raises(OptionError, match=r"did you mean 2019-10\?"):  # the same month of another year first
        options.month("okt 2018", "--month", MEASURED)
    with pytest.raises(OptionError, match=r"did you mean 'oktober 2019'\?"):
        options.month("oktobr 2019")
    with pytest.raises(OptionError, match="give the year: 2018-10 or 2019-10"):
        options.month("okt", "--month", ["2018-10", "2019-10"])
    with pytest.raises(OptionError, match="give the year too"):
        options.month("okt", "--until")
    with pytest.raises(OptionError, match="month 13 does not exist"):
        options.month("2019-13")


# ----------------------------------------------------------------------------- regions, groups, names


@pytest.mark.parametrize(("written", "code"), [("06", "06"), ("6", "06"), ("Jönköping", "06"), ("VGR", "14")])
def test_regions_in_every_spelling(written, code):
    assert options.region(written) == code


@pytest.mark.parametrize(
    ("written", "nearest"),
    [
        ("Jönköpng", "06 Jönköping"),
        ("Göteborg", "14 Västra Götaland"),
        ("Malmö", "12 Skåne"),
        ("Gävle", "21 Gävleborg"),
    ],
)
def test_an_unknown_region_gets_the_region_it_means(written, nearest):
    with pytest.raises(OptionError, match=f"did you mean {nearest}"):
        options.region(written)


def test_groups_and_names_with_did_you_mean():
    assert options.group("förstabesök") == "first_visit" and options.group("Operation/åtgärd") == "operation"
    with pytest.raises(OptionError, match=r"not a group; did you mean 'operation'\?"):
        options.group("opration")
    procedures = ["höftprotes", "knäprotes", "grå starr"]
    assert options.name("Knäprotes", "--procedure", procedures, "procedure") == "knäprotes"
    with pytest.raises(OptionError, match=r"^--procedure knäprots: not a procedure; did you mean 'knäprotes'\?"):
        options.name("knäprots", "--procedure", procedures, "procedure")


# ----------------------------------------------------------------------------- every command uses the layer


def numeric(annotation) -> bool:
    return annotation in (int, float) or set(typing.get_args(annotation)) & {int, float}


def test_every_numeric_month_and_region_option_is_read_by_the_option_layer():
    """No option of any command is a bare int or float (typer's own parsing: no decimal comma, no range of ours),
    and every region and month option names the region or month it means."""
    unread = []
    for command_name, command in get_command(app).commands.items():
        for param in command.params:
            info = param.type_descriptor.parameter_info
            parser = getattr(info, "parser", None)
            wanted = numeric(param.type_descriptor.annotation) or param.name in ("region", "month", "until", "as_of")
            if wanted and (parser is None or parser.__module__ != "kommiljard.cli.options"):
                unread.append(f"{command_name} {param.opts or param.name}")
    assert not unread, unread


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["whatif", SAMPLE, "--region", "06", "--improve", "3", "--curve"], ["--improve and --curve"]),
        (["whatif", SAMPLE, "--region", "06", "--improve", "3", "--lo", "-2"], ["--lo: only goes with --curve"]),
        (["plot", "staircase", SAMPLE, "--violin", "--out", "x.png"], ["--violin: only goes with KIND 'sweep'"]),
        (["plot", "payouts", SAMPLE, "--region", "06", "--out", "x.png"], ["--region: only goes with KIND"]),
        (["rules", "kommiljard-2019", "--format", "csv"], ["--format csv"]),
        (["explain", SAMPLE, "--region", "06", "--month", "okt", "--group", "operation", "--format", "csv"],
         ["--format csv"]),
        (["import", "data/sample_export_sv.csv", "--sheet", "Data", "--out", "x.parquet"], ["--sheet 'Data'"]),
    ],
)  # fmt: skip
def test_options_that_do_not_go_together_are_refused(tmp_path, args, said):
    refused([str(tmp_path / a) if a.startswith("x.") else a for a in args], *said)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["page", SAMPLE, "--out", "x.html", "--lo", "-1e308", "--hi", "1e308"],
            "--lo -1e+308: give a number from -100",
        ),
        (["whatif", SAMPLE, "--region", "Göteborg", "--improve", "3"], "did you mean 14 Västra Götaland"),
        (["whatif", SAMPLE, "--region", "06", "--improve", "1e400"], "--improve 1e400"),
        (["sweep", "--out", "x", "--n", "2000", "--seed", "-1"], "--seed -1: give a whole number from 0"),
        (["backtest", "h.parquet", "--as-of", "2019-08", "--seed", "-1"], "--seed -1"),
        (["fit", "h.parquet", "--min-months", "99999", "--out", "x.toml"], "--min-months 99999: give a whole number"),
        (["history", "--until", "okt", "--out", "x.parquet"], "--until okt: give the year too"),
        (["sweep", "--out", "x", "--region", "06", "--improve", "3,5"], "--improve 3,5: ambiguous"),
        (["whatif", SAMPLE, "--region", "06", "--improve", "3", "--month", "oktobr"], "did you mean 'oktober'?"),
        (["payout", SAMPLE, "--bogus"], "No such option: --bogus"),
    ],
)
def test_a_bad_option_is_one_line_naming_it_before_anything_is_written(tmp_path, args, said):
    refused([str(tmp_path / a) if a.startswith(("x", "h.")) else a for a in args], said)
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_decimal_comma_and_swedish_months_reach_the_result():
    comma = runner.invoke(app, ["whatif", SAMPLE, "--region", "Jönköping", "--improve", "3,5", "--month", "okt",
                                "--group", "förstabesök", "--format", "json"])  # fmt: skip
    point = runner.invoke(app, ["whatif", SAMPLE, "--region", "06", "--improve", "3.5", "--month", "2019-10",
                                "--group", "first_visit", "--format", "json"])  # fmt: skip
    assert comma.exit_code == point.exit_code == 0, comma.output
    assert comma.stdout == point.stdout


def test_a_rule_sets_own_groups_are_read_by_their_names_and_refused_in_the_language_spoken():
    from kommiljard import speaking
    from kommiljard.kinds.naming import read_group

    procedures = ["cataract", "hip_prosthesis", "prolapse"]
    for written, meant in [("höftprotes", "hip_prosthesis"), ("Hip prosthesis", "hip_prosthesis"),
                           ("katarakt", "cataract"), ("grå starr", "cataract"), ("FRAMFALL", "prolapse")]:  # fmt: skip
        assert read_group(written, "--group", procedures) == meant
    assert read_group("8", "--group", ["bup_first_visit", "bup_assessment"]) == "bup_assessment"  # its number
    with speaking("sv"), pytest.raises(OptionError) as refused:
        read_group("höft", "--group", procedures)
    said = str(refused.value)
    assert "menade du 'höftprotes'?" in said and "'framfall', 'grå starr (katarakt)', 'höftprotes'" in said
    assert "_" not in said and "hip" not in said  # no code name under sv
    with speaking("en"), pytest.raises(OptionError, match=r"did you mean 'hip_prosthesis'\? Choose from cataract"):
        read_group("hip", "--group", procedures)  # the one name it begins
    with pytest.raises(OptionError, match=r"not a group\. Choose"):  # begins two names: no guess
        read_group("bup", "--group", ["bup_first_visit", "bup_assessment"])
