"""The command line's own refusals, and click's usage errors, in the command's language: under ``--lang sv`` (or
``KOMMILJARD_LANG=sv``, and wherever ``--lang`` stands on the command line) each is one Swedish ``fel:`` line naming
the option, file or value, exit status 2; under ``--lang en`` the same input says what it always said."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import pytest
import typer
from swedish_check import offenders
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.cli.app import CommandLine, os_problem, reports_errors
from kommiljard.cli.options import _check, one_of
from kommiljard.cli.usage import asked_language, in_spoken
from kommiljard.errors import InputError
from kommiljard.language import speaking, spoken, words_of

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "data" / "sample_panel_2019.parquet")
runner = CliRunner()


def said(args: list, lang: str | None = None, env: dict | None = None) -> str:
    """The refusal of ``args`` (in ``lang``, appended as ``--lang``): exit 2, no traceback, one message."""
    args = [str(a) for a in args] + (["--lang", lang] if lang else [])
    result = runner.invoke(app, args, env={"COLUMNS": "400", **(env or {})})
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output and "Usage:" not in result.output and "│" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith(("fel: ", "error: "))]
    assert len(errors) == 1, result.output
    return errors[0]


def no_alternatives(tmp: Path) -> Path:
    """A rule file with no [[alternatives]]."""
    text = (ROOT / "kommiljard" / "rules" / "kommiljard-2019.toml").read_text(encoding="utf-8")
    path = tmp / "no-alternatives.toml"
    path.write_text(text[: text.index("[[alternatives]]")], encoding="utf-8")
    return path


# args ("x." and "d" are made paths in tmp_path; "RULES" a rule file without alternatives), what the Swedish names
# (the option, file or value), and the English as it was
REFUSALS = [
    (["whatif", SAMPLE, "--region", "06", "--improve", "3", "--curve"], ["--improve och --curve", "utbetalningskurvan"],
     "--improve and --curve do not go together (a lever's change: one what-if; --curve: the payout curve)"),
    (["whatif", SAMPLE, "--region", "06", "--improve", "3", "--lo", "-2"], ["--lo", "--curve"],
     "--lo: only goes with --curve: give --curve too, or leave out --lo"),
    (["plot", "staircase", SAMPLE, "--violin", "--out", "x.png"], ["--violin", "KIND 'sweep'", "KIND 'staircase'"],
     "--violin: only goes with KIND 'sweep', not KIND 'staircase': leave it out"),
    (["plot", "payouts", SAMPLE, "--region", "06", "--out", "x.png"], ["--region", "KIND 'curve' eller 'sweep'"],
     "--region: only goes with KIND 'curve' or 'sweep', not KIND 'payouts'"),
    (["whatif", SAMPLE, "--region", "06"], ["--improve", "--curve"],
     "give the change, e.g. --improve X (percentage points), or --curve for the payout curve"),
    (["sweep", "--n", "10", "--out", "d", "--region", "06", "--improve", "3", "--more", "5"], ["--improve och --more"],
     "give one lever, not --improve and --more"),
    (["backtest", "h.parquet", "--as-of", "2019-08", "--plot", "x.jpg"], ["x.jpg", "--plot", ".png"],
     "x.jpg: --plot must end in .png or .svg (or .pdf)"),
    (["compare", SAMPLE, "--variant", "a:block1.sharing=equal", "--variant", "a:block1.cumulative=false"],
     ["'a'", "--variant"], "variant name 'a' is used twice; give each --variant its own name"),
    (["compare", SAMPLE, "--rules", "RULES", "--alternatives"], ["no-alternatives.toml", "--variant"],
     "has no named alternatives ([[alternatives]]); use --variant NAME:KEY=VALUE instead"),
    (["compare"], ["`kommiljard compare`", "--sweep"],
     "compare needs a panel (or --sweep with a variant sweep's folder)"),
    (["compare", SAMPLE, "--sweep", "d", "--rules", "kommiljard-2019"], ["--sweep", "en panel, --rules"],
     "--sweep reads the variants and their payouts from the sweep's folder: leave out a panel, --rules (the sweep's"),
    (["explain", SAMPLE, "--region", "06", "--format", "csv"], ["--format csv", "--format table"],
     "--format csv: an explanation is text; give --format table (the default) or json"),
    (["history", "--out", "x.csv"], ["x.csv", "--out", ".parquet"],
     "x.csv: --out must end in .parquet (a synthetic history must say so, and CSV cannot)"),
    (["report", SAMPLE, "--out", "x.pdf"], ["x.pdf", "--out", ".html"], "x.pdf: --out must end in .html"),
    (["rules", "kommiljard-2019", "--format", "csv"], ["--format csv"],
     "--format csv lists the bundled rule sets (no name); a rule set is shown as a table or json"),
    (["sweep", "--n", "10", "--out", "d", "--alternatives", "--set", "block1.sharing=equal"], ["--set", "--variant"],
     "--set changes one rule set: in a variant sweep, put the changes in a --variant"),
    (["sweep", "--n", "10", "--out", "d", "--alternatives", "--region", "06", "--improve", "1"], ["--region"],
     "a variant sweep has no lever: leave out --region, --improve, --month and --group"),
    (["sweep", "--n", "10", "--out", "d", "--region", "06"], ["--region", "--improve"],
     "a lever needs both --region and --improve"),
    (["sweep", "--n", "10", "--out", "d", "--month", "okt"], ["--month", "--region", "--improve"],
     "--month and --group choose the lever's cells: give --region and --improve too"),
    (["sweep", "--n", "10", "--out", "d", "--region", "06", "--more", "10"], ["--more", "--improve"],
     "--more: the swept block 1 (Kortare väntetider) has no such lever; its lever is --improve"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "names", "english"), REFUSALS, ids=[" ".join(c[0][:1] + c[0][2:5]) for c in REFUSALS])
def test_a_refusal_of_the_command_line_in_swedish_and_in_english(tmp_path, monkeypatch, args, names, english):
    monkeypatch.chdir(tmp_path)  # the files named as written: x.jpg, d
    args = [no_alternatives(tmp_path).name if a == "RULES" else a for a in args]
    swedish = said(args, "sv")
    assert swedish.startswith("fel: ") and offenders(swedish) == [], swedish
    for name in names:
        assert name in swedish, (name, swedish)
    assert english in said(args, "en")
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".toml"]  # nothing written


# click's own usage errors: args, what the Swedish names, the English
USAGE = [
    (["payout", SAMPLE, "--bogus"], ["okänd flagga: --bogus"], "No such option: --bogus"),
    (["payout", SAMPLE, "--forma", "csv"], ["--forma", "menade du --format?"],
     "No such option: --forma (Possible options: --format)"),
    (["payout"], ["argumentet 'panel' saknas", "`root payout --help` visar flaggorna"], "Missing argument 'panel'."),
    (["whatif", SAMPLE, "--improve", "3"], ["flaggan '--region' saknas"], "Missing option '--region'."),
    (["payout", SAMPLE, "--format", "xml"], ["--format 'xml'", "'table', 'json', 'csv'"],
     "--format 'xml' is not one of 'table', 'json', 'csv'."),
    (["payout", SAMPLE, "extra"], ["oväntade extra argument (extra)"], "Got unexpected extra argument(s) (extra)."),
    (["payout", SAMPLE, "--exact=3"], ["flaggan '--exact' tar inget värde"], "Option '--exact' does not take a value."),
    (["nosuch"], ["okänt kommando 'nosuch'"], "No such command 'nosuch'."),
    (["payot", SAMPLE], ["okänt kommando 'payot'. Menade du 'payout', 'plot'?"],
     "No such command 'payot'. Did you mean 'payout', 'plot'? (`root --help` lists the options)"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "names", "english"), USAGE, ids=[" ".join(c[0][:1] + c[0][2:3]) for c in USAGE])
def test_a_usage_error_in_swedish_and_in_english(args, names, english):
    swedish = said(args, "sv")
    assert swedish.startswith("fel: ") and offenders(swedish) == [], swedish
    for name in names:
        assert name in swedish, (name, swedish)
    assert english in said(args, "en")


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["payout", "--lang", "sv", SAMPLE, "--bogus"], {}),  # --lang before what click refuses
        (["payout", "--lang=sv", SAMPLE, "--bogus"], {}),
        (["payout", SAMPLE, "--bogus"], {"KOMMILJARD_LANG": "sv"}),
        (["payout", SAMPLE, "--bogus", "--lang", "sv"], {"KOMMILJARD_LANG": "en"}),  # the command line first
        (["payout", SAMPLE, "--format"], {"KOMMILJARD_LANG": "sv"}),  # an option without its value
    ],
)
def test_the_language_is_read_wherever_it_is_asked_for(args, env):
    swedish = said(args, env=env)
    assert swedish.startswith("fel: ") and offenders(swedish) == [], swedish


def test_an_unknown_language_is_refused_in_the_language_otherwise_asked_for():
    assert said(["payout", SAMPLE, "--lang", "fi"]).startswith("error: --lang 'fi' is not one of 'en', 'sv'")
    swedish = said(["payout", SAMPLE, "--lang", "fi"], env={"KOMMILJARD_LANG": "sv"})
    assert swedish.startswith("fel: --lang 'fi' går inte: välj ett av 'en', 'sv'")


def test_asked_language(monkeypatch):
    monkeypatch.delenv("KOMMILJARD_LANG", raising=False)
    assert asked_language([]) == asked_language(["payout", "--lang"]) == asked_language(["--lang", "fi"]) == "en"
    assert asked_language(["payout", "x", "--lang", "sv"]) == asked_language(["--lang=sv", "x"]) == "sv"
    assert asked_language(["--lang", "sv", "--lang", "en"]) == "en"  # the last, as click reads it
    monkeypatch.setenv("KOMMILJARD_LANG", "sv")
    assert asked_language(["payout"]) == asked_language(["--lang", "fi"]) == "sv"
    assert asked_language(["--lang", "en"]) == "en"


HEARD: list[str] = []


def hear(value: str) -> str:
    """An option's parser that notes the language it is read in, and refuses."""
    HEARD.append(spoken())
    raise typer.BadParameter(value)


def test_option_parsers_run_in_the_language_asked_for():
    """Click reads the options (and an option's parser refuses a value) before the command runs: the language is
    already the one asked for."""
    heard = HEARD
    heard.clear()
    tiny = typer.Typer(cls=CommandLine)

    @tiny.command()
    def one(x: Annotated[str, typer.Option(parser=hear)], lang: Annotated[str, typer.Option()] = "en") -> None:
        """One."""

    @tiny.command()
    def two() -> None:
        """Two."""

    for asked in ("sv", "en"):
        result = runner.invoke(tiny, ["one", "--x", "1", "--lang", asked])
        assert result.exit_code == 2 and result.output.startswith({"sv": "fel: ", "en": "error: "}[asked])
    assert heard == ["sv", "en"] and spoken() == "en"


def test_every_usage_text_has_its_fields_in_both_languages():
    words = words_of("kommiljard.cli")
    for key in words.keys():  # noqa: SIM118 - Words is no dict
        fields = [sorted(re.findall(r"{(\w+)", words.get(key, lang))) for lang in ("en", "sv")]
        assert fields[0] == fields[1], key


def test_a_message_click_has_that_the_words_do_not_know_is_said_as_click_wrote_it():
    with speaking("sv"):
        assert in_spoken("Something click says now.") == "Something click says now."
        assert in_spoken("Invalid value for '--x': 'y' is not one of 'a', 'b'.") == (
            "ogiltigt värde för '--x': 'y' går inte: välj ett av 'a', 'b'."
        )
    assert in_spoken("No such option: --x") == "No such option: --x"


def test_an_option_rule_that_wants_one_of_them():
    rule = one_of("--improve", "--curve", why="lever_or_curve")
    with pytest.raises(InputError, match=r"^give --improve or --curve \(a lever's change"):
        _check(rule, set(), {}, {})
    with speaking("sv"), pytest.raises(InputError) as refused:
        _check(rule, set(), {}, {})
    assert str(refused.value).startswith("ange --improve eller --curve (en hävstångs") and not offenders(
        str(refused.value)
    )
    _check(rule, {"--curve"}, {}, {})


def test_what_the_operating_system_says_and_a_bug_in_swedish(capsys):
    @reports_errors
    def cannot(lang: str = "en") -> None:
        raise PermissionError(13, "Permission denied", "/no/such/out.csv")

    @reports_errors
    def bug(lang: str = "en") -> None:
        raise ZeroDivisionError("division by zero")

    with pytest.raises(typer.Exit) as exit_:
        cannot(lang="sv")
    swedish = " ".join(capsys.readouterr().err.split())
    assert exit_.value.exit_code == 2 and swedish.startswith("fel: /no/such/out.csv: åtkomst nekad. Kontrollera")
    assert offenders(swedish) == []
    with pytest.raises(typer.Exit):
        cannot(lang="en")
    assert "/no/such/out.csv: Permission denied. Check the path" in " ".join(capsys.readouterr().err.split())
    with pytest.raises(typer.Exit) as exit_:
        bug(lang="sv")
    swedish = " ".join(capsys.readouterr().err.split())
    assert exit_.value.exit_code == 3 and swedish.startswith("fel: internt fel i kommiljard")
    assert os_problem(OSError(9999, "Something odd")) == "Something odd"  # the system's words for one not known


def test_a_very_long_line_is_cut_saying_so_in_swedish():
    swedish = said(["rules", "x" * 20_000], "sv")
    assert "[... 19" in swedish and "tecken utelämnade ...]" in swedish and len(swedish) < 1_000


def test_an_argument_is_named_as_the_help_names_it_and_the_sentence_ends():
    from typer.testing import CliRunner

    from kommiljard.cli import app

    swedish = CliRunner().invoke(app, ["plot", "bogus", "x", "--out", "x.png", "--lang", "sv"])
    assert swedish.exit_code == 2
    assert swedish.stderr.startswith("fel: slag 'bogus': det finns ingen sådan bild. Bilder: 'staircase'")
    english = CliRunner().invoke(app, ["plot", "stair", "x", "--out", "x.png"])
    assert english.stderr.startswith("error: KIND 'stair': no such kind of plot; did you mean 'staircase'? Kinds:")
