"""``--help`` in Swedish: every command's help under ``--lang sv`` (or KOMMILJARD_LANG=sv), English as before."""

from __future__ import annotations

import re

import pytest
import typer
from swedish_check import offenders
from typer.testing import CliRunner

from kommiljard.cli import COMMANDS, app
from kommiljard.cli.help import catalog, help_texts

runner = CliRunner()
# an option's values as it takes them (`table|json|csv`, `en|sv`): typed as written, like the option's name
CHOICES = r"\b[\w-]+(?:\|[\w-]+)+\b"
VARIABLE = r"\b[A-Z]+(?:_[A-Z]+)+\b"  # an environment variable's name (KOMMILJARD_LANG)
COMMAND = r"^│ [a-z]+ "  # a command's name in the list of commands


def helped(*args: str, env: dict | None = None) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})}, prog_name="kommiljard")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS], ["plot", "staircase"]], ids=str)
def test_every_help_is_swedish(command):
    text = helped(*command, "--help", "--lang", "sv")
    assert "Användning: " in text and "Flaggor" in text and "Options" not in text
    typed = re.sub(COMMAND, " ", re.sub(VARIABLE, " ", re.sub(CHOICES, " ", text)), flags=re.MULTILINE)
    assert offenders(typed) == [], text


def test_help_is_english_by_default_and_after_a_swedish_one():
    swedish = helped("payout", "--lang", "sv", "--help")
    assert "Räkna ut varje block i en satsning" in swedish and "[standard: " in swedish
    english = helped("payout", "--help")
    assert "Compute every block of a scheme" in english and "Usage: kommiljard payout [OPTIONS]" in english
    assert "Options" in english and "[default: kommiljard-2019]" in english and "FILE" in english
    assert "Räkna" not in english and "Flaggor" not in english


def test_the_language_variable_says_the_help_in_swedish():
    text = helped("--help", env={"KOMMILJARD_LANG": "sv"})
    assert "Simulera den svenska kömiljarden" in text and "Kommandon" in text
    assert "Gör om exporter av väntetidsstatistiken" in text  # a command's line in the list of commands
    assert "Simulate the Swedish" in helped("--help", "--lang", "en", env={"KOMMILJARD_LANG": "sv"})


def test_levers_and_numbers_are_said_in_swedish():
    text = re.sub(r"\s+", " ", helped("whatif", "--help", "--lang", "sv"))
    assert "Procentenheter" in text or "procentenheter" in text
    assert "TAL" in text and "VÄRDE" in text and "[måste anges]" in text
    sweep = re.sub(r"\s+", " ", helped("fit", "--help", "--lang", "sv"))
    assert "[standard: 0,5]" in sweep


def test_every_help_text_has_its_swedish():
    """A new or changed option, argument or command needs its Swedish in cli/help.toml (or its kind's words)."""
    said = catalog()
    missing = [text for text in help_texts(typer.main.get_command(app)) if text not in said]
    assert missing == []
    assert all(sv and sv != en for en, sv in said.items())
