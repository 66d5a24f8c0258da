"""Every message a person reads when something is refused or warned about is said in the command's language:
no refusal or warning in the package is written as a literal English text (each says a key of its room's
``words.toml`` through :func:`kommiljard.language.speaker`), and under ``--lang sv`` the refusals of every
command read as Swedish."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kommiljard.errors import InputError
from kommiljard.language import speaker, speaking, spoken, words_of

PACKAGE = Path(__file__).resolve().parents[1] / "kommiljard"
BASES = {"KommiljardError", "UserWarning"}
NOUNS = {k.split(".", 1)[1] for k in words_of("kommiljard.inputs").keys() if k.startswith("noun.")}  # noqa: SIM118
ISSUES = {"Issue", "issue", "_issue", "Problem", "raise_problems"}  # problems collected and said


def error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """The names of kommiljard's errors and warnings: every class whose bases lead to one of :data:`BASES`."""
    names, grown = set(BASES), True
    classes = [n for tree in trees.values() for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    while grown:
        before = len(names)
        names |= {c.name for c in classes if any(getattr(b, "id", getattr(b, "attr", None)) in names for b in c.bases)}
        grown = len(names) > before
    return names


def literal(node: ast.AST, constants: set[str]) -> bool:
    """A text written out in the code: a string, an f-string, a sum of them, or a module's text constant."""
    if isinstance(node, ast.Constant):  # a table's name the room says (``"panel"``: its words' noun) is no text
        return isinstance(node.value, str) and node.value not in NOUNS
    if isinstance(node, ast.JoinedStr):  # words written between the fields (not only "{col}: {check}")
        return any(isinstance(v, ast.Constant) and re.search(r"[A-Za-zåäö]{2}", v.value) for v in node.values)
    if isinstance(node, ast.BinOp):
        return literal(node.left, constants) or literal(node.right, constants)
    return isinstance(node, ast.Name) and node.id in constants


def text_constants(tree: ast.Module) -> set[str]:
    return {
        t.id
        for n in tree.body
        if isinstance(n, ast.Assign)
        and isinstance(n.value, (ast.Constant, ast.JoinedStr))
        and isinstance(getattr(n.value, "value", ""), str)
        for t in n.targets
        if isinstance(t, ast.Name)
    }


def written_messages() -> list[str]:
    """Where an error or warning is raised, or an export's problem collected (``Issue(...)``, ``reading.issue(...)``),
    with a literal text: ``file:line``."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}
    errors = error_classes(trees)
    found = []
    for path, tree in trees.items():
        constants = text_constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            said = name in errors or name in ISSUES or name == "warn"
            if said and any(literal(a, constants) for a in [*node.args, *(k.value for k in node.keywords)]):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def test_no_message_is_written_out_in_one_language():
    assert written_messages() == []


def test_a_message_is_said_in_the_language_spoken():
    say = speaker("kommiljard.cli")
    assert spoken() == "en"
    assert say("refuse.one_lever", given="--improve and --more") == "give one lever, not --improve and --more"
    with speaking("sv"):
        assert spoken() == "sv"
        said = say("refuse.one_lever", given="--improve och --more")
        assert said == "ange en enda hävstång, inte --improve och --more"
    assert spoken() == "en"


def test_a_fraction_among_the_values_is_written_the_swedish_way():
    say = speaker("kommiljard.cli")
    with speaking("sv"):
        assert say("refuse.one_lever", given=70.96) == "ange en enda hävstång, inte 70,96"
        assert say("refuse.one_lever", given=1234) == "ange en enda hävstång, inte 1234"  # a count or a row: as given
    assert say("refuse.one_lever", given=70.96) == "give one lever, not 70.96"


def test_an_unknown_language_is_refused():
    with pytest.raises(InputError, match="en .* or sv"), speaking("fi"):
        pass


def test_what_a_command_records_is_the_same_in_every_language(tmp_path):
    """A provenance (and a sweep's identity, which is made of it) is data: the same in every language, said in
    Swedish only where people read it; else a sweep resumed under another --lang would not be the same sweep."""
    import pandas as pd
    from typer.testing import CliRunner

    from kommiljard.cli import app
    from kommiljard.outputs.files import read_provenance

    sample = pd.read_parquet(PACKAGE.parent / "data" / "sample_panel_2019.parquet")
    gone = (sample["region"] == "06") & (sample["month"] == "2019-10") & (sample["group"] == "operation")
    sample[~gone].to_parquet(tmp_path / "panel.parquet", index=False)  # a cell without data: recorded as no_data
    recorded = {}
    for lang in ("en", "sv"):
        out = tmp_path / f"payout-{lang}.csv"
        args = ["payout", tmp_path / "panel.parquet", "--out", out, "--csv-dialect", "en", "--allow-missing-regions"]
        result = CliRunner().invoke(app, [*map(str, args), "--lang", lang])
        assert result.exit_code == 0, result.output
        recorded[lang] = {k: v for k, v in read_provenance(out).items() if k != "created_utc"}
    assert recorded["sv"] == recorded["en"]
    assert "(bundled: " in recorded["sv"]["rules"]["origin"] and "(SCB, 31 Dec 2018)" in str(recorded["sv"])
    assert recorded["sv"]["no_data"] == {"06 Jönköping": "block 1: 2019-10 operation"}


def test_a_noun_after_a_count_is_in_its_number_in_both_languages():
    from kommiljard.kinds.naming import no_data_message
    from kommiljard.language import counted, speaking

    assert (
        counted("1 region(er), 7 region(er), 1 000 cell(s), 0 month(s)")
        == "1 region, 7 regioner, 1 000 cells, 0 months"
    )
    assert counted("2019-1 cell(s); argument(s)") == "2019-1 cell(s); argument(s)"  # no count before it: as written
    for lang, one, two in (("en", "for 1 region (", "for 2 regions ("), ("sv", "för 1 region (", "för 2 regioner (")):
        with speaking(lang):
            assert one in no_data_message({"06": "every cell"}) and "(s)" not in no_data_message({"06": "x"})
            assert two in no_data_message({"06": "every cell", "07": "every cell"})
