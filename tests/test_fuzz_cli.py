"""A fuzz suite with an oracle: every command of the command line, driven with generated input whose right
outcome the test knows.

For each command hypothesis draws a case: arguments and input files that are all valid, or valid but for
one spoilt part, each spoiler certainly wrong (a number out of its range or not a number at all, a region
that is none, a month that is none or not measured, a panel cell that breaks the schema, a rule file that is
not valid, a path that cannot be written, options that do not go together, a folder that is not the
command's). The oracle: a valid case exits 0, and what it computes conserves its money (paid + lapsed = pot,
the regions' amounts add up to what was paid); a spoilt case exits 2 with one ``error:`` line that names
the field (the option, the column, the file or the key). Half the cases are run under ``--lang sv``
(``KOMMILJARD_LANG``): a refusal there is one ``fel:`` line with no English word or code name in it
(``swedish_check``), beside what the user typed. Every run prints no traceback and no control
character, and leaves no partial (``*.part``) file; a refused run leaves the output folder as it was, and
every CSV written has a provenance that describes it. Valid values come in every spelling the option layer
accepts (decimal commas, Swedish month names, region names), bad texts carry markup, ``$...$`` and escapes.

The examples are fixed (``derandomize``) so that a run is repeatable. ``KOMMILJARD_FUZZ_EXAMPLES=N``
multiplies the examples by N and draws them at random (for a longer hunt).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from swedish_check import offenders
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.inputs.options import RANGES, OptionError, Range, month_syntax
from kommiljard.inputs.regions import normalise_code, region_codes
from kommiljard.kinds.staircase.lever import LEVER as SHARE_LEVER
from kommiljard.outputs.files import read_provenance
from kommiljard.outputs.wording import column_header

pytestmark = pytest.mark.slow  # the slow tier (pytest -m 'not slow' leaves it out)

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
SAMPLE_2013 = ROOT / "data" / "sample_panel_2013.parquet"
EXPORT = ROOT / "data" / "sample_export_sv.csv"
RULES_2019 = ROOT / "kommiljard" / "rules" / "kommiljard-2019.toml"
SCENARIO = ROOT / "kommiljard" / "scenarios" / "default-2019.toml"
POPULATION = ROOT / "kommiljard" / "data" / "population_2018.csv"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
TOTAL_2019 = 1_600_000_000.0  # kommiljard-2019: 1 280 mnkr block 1 + 320 mnkr block 2
TOTAL_2013 = 988_000_000.0

runner = CliRunner()
MORE = int(os.environ.get("KOMMILJARD_FUZZ_EXAMPLES", "1"))


def fuzz(examples: int):
    return settings(
        max_examples=examples * MORE,
        deadline=None,
        derandomize=MORE == 1,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ----------------------------------------------------------------------------- values, good and certainly bad

NASTY_TEXT = ["[/x]", "[bold red]x", "$x_{$", "a$b$c", "\x1b[2J", "\x1b]0;title\x07", "\u202eevil", "x" * 3000,
              "{0}", "%s", "\\", "'\"", ".."]  # fmt: skip
ARG_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")  # argv cannot hold NUL
texts = st.one_of(st.sampled_from(NASTY_TEXT), st.text(ARG_CHARS, min_size=1, max_size=20)).filter(
    lambda t: not t.startswith("-") and t.strip()  # an option's value, never read as an option itself
)
NOT_NUMBERS = ["nan", "-nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "abc", "0x10", "1,000.5", "[/x]",
               "$x$", "\x1b[2J", "3 pp", "1..2", "½"]  # fmt: skip


PP = (SHARE_LEVER.lo, SHARE_LEVER.hi)  # a share's lever: the range its kind declares
SPANS = {  # the ranges of the lever options and of what is read with them (the option layer reads the rest)
    "pp": Range(*PP, "pp"),
    "pp_step": Range(0, PP[1], "pp", low_open=True),
    "page_lo": Range(PP[0], 0, "pp"),
    "page_hi": Range(0, PP[1], "pp"),
}


def span(key: str) -> Range:
    return SPANS.get(key) or RANGES[key]


def bad_number(draw, key: str) -> str:
    """A value certainly refused for an option of range ``span(key)``: not a number, or out of range."""
    allowed = span(key)
    outside = st.one_of(
        st.floats(max_value=allowed.low, exclude_max=not allowed.low_open, allow_nan=False, allow_infinity=False),
        st.floats(min_value=float(allowed.upper()), exclude_min=True, allow_nan=False, allow_infinity=False),
    ).map(lambda x: repr(int(x)) if allowed.whole and x.is_integer() and abs(x) < 1e18 else repr(x))
    choices = [st.sampled_from(NOT_NUMBERS), outside.filter(lambda t: "e" not in t or allowed.whole)]
    if allowed.whole:
        choices.append(st.sampled_from(["2.5", "0.1", "1,5"]))
    return draw(st.one_of(*choices))


def good_number(draw, key: str, low: float | None = None, high: float | None = None) -> str:
    """A value within ``span(key)`` (and ``low``..``high``), written with a point or a decimal comma."""
    allowed = span(key)
    low = max(allowed.low, low) if low is not None else allowed.low
    high = min(allowed.upper(), high) if high is not None else allowed.upper()
    if allowed.whole:
        return str(draw(st.integers(int(low), int(high))))
    x = round(draw(st.floats(low, high, exclude_min=allowed.low_open)), 2)
    x = min(max(x, low), high) if not (allowed.low_open and x <= low) else high
    text = f"{x:g}"
    return text.replace(".", ",") if draw(st.booleans()) else text


GOOD_REGIONS = ["06", "6", "Jönköping", "Region Jönköpings län", "jönköpings län", "Skåne", "14", "VGR", "12"]
BAD_REGIONS = ["Göteborg", "Atlantis", "99", "11", "Jönköpng", "Malmö", "Gävle"]


def bad_region(draw) -> str:
    codes = set(region_codes())
    return draw(st.one_of(st.sampled_from(BAD_REGIONS), texts.filter(lambda t: normalise_code(t) not in codes)))


GOOD_MONTHS_2019 = ["2019-10", "okt", "oktober 2019", "Okt2019", "2019 okt", "10/2019", "2019-10-01", "October 2019",
                    "okt 2019", "2019-09,2019-11", "sep,okt"]  # fmt: skip


def not_a_month(text: str) -> bool:
    try:
        month_syntax(text)
    except OptionError:
        return "," not in text
    return False


def bad_month(draw) -> str:
    """A month that is none, or one the 2019 rules do not measure."""
    return draw(
        st.one_of(
            st.sampled_from(["2019-13", "2019-12", "2018-10", "oktobr", "dec", "13/2019", "2019-10-15"]),
            texts.filter(not_a_month),
        )
    )


# ----------------------------------------------------------------------------- files, good and certainly bad

NAMES = itertools.count()


def name(suffix: str) -> str:
    """A file name of its own (plain, so that a message naming it can be checked)."""
    return f"f{next(NAMES)}{suffix}"


def broken_file(draw, folder: Path, suffix: str) -> Path:
    """A path that is missing, a directory, empty or garbage."""
    path = folder / name(suffix)
    how = draw(st.sampled_from(["missing", "directory", "garbage", "empty"]))
    if how == "directory":
        path.mkdir()
    elif how == "garbage":
        path.write_bytes(b"\x00\x01PK" + draw(st.binary(min_size=1, max_size=200)))
    elif how == "empty":
        path.write_bytes(b"")
    return path


BAD_CELLS = {
    "region": ["Atlantis", "99", "Göteborg"],
    "month": ["2019-13", "okt", "x", "2019/10/15"],
    "group": ["operations", "x", "besök"],
    "share_90": ["x", "101", "-1", "1e400", "75,3"],
    "share_60": ["x", "101", "-0.5"],
    "performed_60": ["x", "101", "-0.5"],
}


SUPPRESSED = {"x"}  # in a history's share: a suppressed cell, a missing month (not an error)


def panel(draw, folder: Path, bad: bool, base: Path = SAMPLE, *, history: bool = False) -> tuple[Path, tuple[str, ...]]:
    """A panel file and, if ``bad``, what its refusal must name (read as a ``history``: no suppressed cell counts as
    bad)."""
    if bad and draw(st.integers(0, 4)) == 0:
        path = broken_file(draw, folder, draw(st.sampled_from([".csv", ".parquet"])))
        return path, (str(path),)
    frame = pd.read_parquet(base).astype(object)
    columns = [c for c in BAD_CELLS if c in frame.columns]  # the key and the measures the rules need
    shares = [c for c in columns if c.startswith(("share", "performed"))]
    names: tuple[str, ...] = ()
    how = draw(st.sampled_from(["cell", "cell", "drop", "duplicate", "empty", "fractions"])) if bad else "good"
    if how == "cell":
        column = draw(st.sampled_from(columns))
        values = [v for v in BAD_CELLS[column] if not (history and column.startswith("share") and v in SUPPRESSED)]
        frame.loc[draw(st.integers(0, len(frame) - 1)), column] = draw(st.sampled_from(values))
        names = (column, "row")
    elif how == "drop":
        column = draw(st.sampled_from(columns))
        frame, names = frame.drop(columns=[column]), (f"missing column {column!r}",)
    elif how == "duplicate":
        frame, names = pd.concat([frame, frame.iloc[[draw(st.integers(0, len(frame) - 1))]]]), ("duplicate row",)
    elif how == "empty":
        frame, names = frame.iloc[:0], ("no rows",)
    elif how == "fractions":
        for share in shares:
            frame[share] = frame[share] / 100
        names = ("fractions",)
    elif draw(st.booleans()):  # good, in another spelling: region names, an extra column
        frame["region"] = frame["region"].map(lambda c: {"06": "Region Jönköpings län", "14": "VGR"}.get(c, c))
        frame["note"] = draw(texts)
    path = folder / name(draw(st.sampled_from([".csv", ".parquet"])))
    if path.suffix == ".csv":
        # as a spreadsheet writes it: a cell holding a line break (a note's "\r0") is quoted, which pandas does
        # for a bare CR only when it ends the lines itself
        frame.to_csv(path, index=False, lineterminator="\r\n")
    else:
        frame.astype(str).to_parquet(path, index=False)
    return path, names


def on_panel(draw, folder: Path, command: str, bad: str, year: str) -> Case:
    """``command PANEL [--rules ...]`` of ``year``'s sample, its rules or panel spoilt where ``bad`` says."""
    rule_args, said = rules(draw, folder, bad == "rules", year)
    case = Case([command, *rule_args])
    case.spoil(said)
    path, said = panel(draw, folder, bad == "panel", SAMPLE_2013 if year == "2013" else SAMPLE)
    case.args.insert(1, path)
    case.spoil(said)
    return case


def rules(draw, folder: Path, bad: bool, year: str = "2019") -> tuple[list, tuple[str, ...]]:
    """``--rules`` (or nothing: the default) and, if ``bad``, what its refusal must name."""
    if not bad:
        if year == "2013":
            return ["--rules", "kommiljard-2013"], ()
        if draw(st.booleans()):
            return [], ()
        copy = folder / name(".toml")
        shutil.copy(RULES_2019, copy)
        return ["--rules", copy], ()
    if draw(st.booleans()):
        unknown = draw(st.sampled_from(["kommiljard-2091", "2019", "my-rules", "kommiljard-2019.tom"]))
        return ["--rules", unknown], ("rule set",)
    text = RULES_2019.read_text(encoding="utf-8")
    how = draw(st.sampled_from(["number", "number", "syntax", "twice", "non-utf8"]))
    if how == "number":  # a number of the rules made NaN, infinite or text
        lines = text.splitlines()
        numeric = [i for i, line in enumerate(lines) if re.match(r"^\s*\w+\s*=\s*-?\d[\d_.eE+-]*\s*(#.*)?$", line)]
        i = draw(st.sampled_from(numeric))
        lines[i] = (
            f"{lines[i].split('=', 1)[0]}= {draw(st.sampled_from(['nan', 'inf', '-inf', '1e400', json.dumps('x')]))}"
        )
        text = "\n".join(lines) + "\n"
    elif how == "syntax":
        text += "\nthis = = is not toml\n"
    elif how == "twice":
        text = text.replace("\nid = ", '\nid = "x"\nid = ', 1)
    path = folder / name(".toml")
    path.write_bytes(text.encode("utf-8") + (b"\xff\xfe" if how == "non-utf8" else b""))
    return ["--rules", path], (str(path),)


def out_path(draw, folder: Path, suffixes: tuple[str, ...], bad: bool) -> tuple[Path, tuple[str, ...]]:
    """Where to write (the first suffix is fine) and, if ``bad``, what its refusal must name."""
    if not bad:
        return folder / name(draw(st.sampled_from(suffixes))), ()
    how = draw(st.sampled_from(["suffix", "missing folder", "under a file", "directory"]))
    path = folder / name(suffixes[0])
    if how == "suffix":
        path = folder / name(draw(st.sampled_from([".txt", ".jpg", ""])))
    elif how == "missing folder":
        path = folder / "no such folder" / path.name
    elif how == "under a file":
        (folder / "a file").write_text("x")
        path = folder / "a file" / path.name
    else:
        path.mkdir()
    return path, (str(path),)


def overrides(draw, bad: bool) -> tuple[list, tuple[str, ...]]:
    if not bad:
        return draw(st.sampled_from([[], ["--set", "block1.sharing=equal"], ["--set", "block1.name=[utkast] $x$"]])), ()
    key = draw(st.sampled_from(["block1.sharng", "block1.bars.blu.min_improvement", "block9.total_sek"]))
    if draw(st.booleans()):
        return ["--set", f"{key}=1"], (key.split(".")[1],)
    key = draw(st.sampled_from(["block1.total_sek", "block1.bars.blue.min_improvement", "block1.compare_lag_months"]))
    return ["--set", f"{key}={draw(st.sampled_from(['nan', 'inf', '1e400', 'x']))}"], (key.split(".")[-1],)


# ----------------------------------------------------------------------------- the oracle


@dataclass
class Case:
    """A command line and its right outcome: ``refused`` is None for a valid case, else what the message names."""

    args: list
    refused: tuple[str, ...] | None = None

    def spoil(self, names: tuple[str, ...]) -> None:
        """The case is refused, naming ``names`` (nothing: the part is not spoilt)."""
        if names:
            assert self.refused is None, "one spoilt part per case"
            self.refused = names


def listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def spoken(args: list) -> str:
    """The language a case is run in: its own ``--lang``, else (through ``KOMMILJARD_LANG``) Swedish for every
    other case, chosen by the case's arguments (not its temporary paths) so that a case replays the same."""
    given = [b for a, b in itertools.pairwise(map(str, args)) if a == "--lang"]
    drawn = " ".join(str(a) for a in args if not isinstance(a, Path) and "fuzz-" not in str(a))  # not the temp names
    return given[-1] if given else ("sv" if zlib.crc32(drawn.encode()) % 2 else "en")


def unspoken(message: str, args: list) -> list[str]:
    """The English words and code names of a Swedish refusal, beside what the user typed (the case's arguments
    and the files' names, quoted back as written)."""
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(map(str, args)) if a.startswith("--")]  # an option as given
    paths = [str(q) for a in args if isinstance(a, Path) for q in (a, *a.parents) if len(q.parts) > 2]
    values = [a for a in map(str, args) if not a.startswith("--")]  # an option's name: as written (swedish_check)
    for arg in sorted({*pairs, *values, *paths}, key=len, reverse=True):
        for typed in (arg, repr(arg), Path(arg).name):
            message = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", " ", message) if len(typed) > 1 else message
    return offenders(message)


def run(case: Case, out: Path):
    """Run the case's command and check the outcome the oracle knows."""
    before = listing(out)
    lang = spoken(case.args)
    result = runner.invoke(app, [str(a) for a in case.args], env={"KOMMILJARD_LANG": lang})
    shown = " ".join(map(repr, case.args))[:2000]
    said = " ".join(result.output.split())
    assert "Traceback" not in result.output, (shown, result.output)
    assert not CONTROL.search(result.output.replace("\t", "")), (shown, result.output[:3000])
    after = listing(out)
    assert not [n for n in after if n.endswith(".part")], (shown, after)
    if case.refused is None:
        assert result.exit_code == 0, f"{shown}\nexit {result.exit_code}, expected 0\n{result.output}"
        for n in after:
            if n.endswith(".csv") and (out / (n + ".provenance.json")).exists():
                read_provenance(out / n)  # describes the CSV beside it
    else:
        assert result.exit_code == 2, f"{shown}\nexit {result.exit_code}, expected 2\n{result.output}"
        assert isinstance(result.exception, SystemExit), (shown, result.exception)
        prefix = {"en": "error: ", "sv": "fel: "}.get(lang, "error: ")
        assert re.search(f"^{prefix}", result.output, re.M), (shown, result.output)
        if lang == "sv":
            assert not unspoken(said, case.args), (shown, unspoken(said, case.args), result.output)
        for word in case.refused:
            if lang == "sv" and (re.fullmatch(r"[a-z ]+", word) or re.search("'.+'", word)):
                word = "".join(re.findall("'.+'", word))  # of English words, what is typed (a column's 'month')
            assert " ".join(word.split()) in said, f"{shown}\n{word!r} not named in:\n{result.output}"
        assert after == before, (shown, "files left by a refused run", set(after) - set(before))
    return result


def world():
    """A fresh folder for inputs and one for outputs."""
    folder = tempfile.TemporaryDirectory(prefix="fuzz-")
    root = Path(folder.name)
    (root / "in").mkdir()
    (root / "out").mkdir()
    return folder, root / "in", root / "out"


def which(draw, *parts: str) -> str:
    """The one part of a case that is spoilt ("nothing": a valid case)."""
    return draw(st.sampled_from(["nothing", "nothing", *parts]))


def conserved(doc: dict, total: float = TOTAL_2019) -> None:
    """A payout's money adds up: the regions' totals to what was paid, paid and lapsed to the scheme's total."""
    amounts = [r["total_sek"] for r in doc["summary"]]
    assert all(math.isfinite(a) and a >= 0 for a in amounts), amounts
    assert math.fsum(amounts) == pytest.approx(doc["paid_sek"], abs=0.1)
    assert doc["paid_sek"] + doc["lapsed_sek"] == pytest.approx(total, abs=0.1)


# ----------------------------------------------------------------------------- the commands


@fuzz(40)
@given(st.data())
def test_payout(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "panel", "rules", "set", "population", "out", "dialect")
        case = Case(["payout"])
        year = draw(st.sampled_from(["2019", "2019", "2013"])) if bad not in ("set",) else "2019"
        rule_args, said = rules(draw, inp, bad == "rules", year)
        case.spoil(said)
        path, said = panel(draw, inp, bad == "panel", SAMPLE_2013 if year == "2013" else SAMPLE)
        case.spoil(said)
        case.args += [path, *rule_args]
        set_args, said = overrides(draw, bad == "set")
        case.args += set_args if year == "2019" else []
        case.spoil(said)
        if bad == "population":
            pop = pd.read_csv(POPULATION, dtype=str)
            column, value = draw(st.sampled_from([("population", "-5"), ("population", "x"), ("population", "0"),
                                                  ("population", "1e12"), ("region", "Atlantis")]))  # fmt: skip
            pop.loc[draw(st.integers(0, len(pop) - 1)), column] = value
            pop.to_csv(inp / "population.csv", index=False)
            case.args += ["--population", inp / "population.csv"]
            case.spoil((column,))
        target, said = out_path(draw, out, (".csv", ".parquet", ".xlsx"), bad == "out")
        if bad == "out" or draw(st.booleans()):
            case.args += ["--out", target]
            case.spoil(said)
        if bad == "dialect":
            case.args += ["--csv-dialect", draw(st.sampled_from(["se", "EN", "swedish"]))]
            case.spoil(("--csv-dialect",))
        case.args += ["--format", "json", "--backend", draw(st.sampled_from(["auto", "numba", "check"]))]
        result = run(case, out)
        if case.refused is None:
            conserved(json.loads(result.stdout), TOTAL_2013 if year == "2013" else TOTAL_2019)


def add(case: Case, draw, spoilt: bool, option: str, good, bad) -> None:
    """Give ``option`` a good value (``good(draw)``), or, if ``spoilt``, a bad one that names the option."""
    if spoilt:
        case.args += [option, bad(draw)]
        case.spoil((option,))
    else:
        case.args += [option, good(draw)]


@fuzz(40)
@given(st.data())
def test_whatif(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "panel", "region", "improve", "curve", "month", "group", "conflict", "out")
        path, said = panel(draw, inp, bad == "panel")
        case = Case(["whatif", path])
        case.spoil(said)
        add(case, draw, bad == "region", "--region", lambda d: d(st.sampled_from(GOOD_REGIONS)), bad_region)
        curve = bad == "curve" or (bad != "improve" and draw(st.booleans()))
        if curve:
            lo = good_number(draw, "pp", -100, 0)
            hi = good_number(draw, "pp", 0, 100)
            case.args += ["--curve", "--lo", lo, "--hi", hi, "--step", draw(st.sampled_from(["0.5", "1", "0,25"]))]
            if bad == "curve":
                option = draw(st.sampled_from(["--lo", "--hi", "--step"]))
                i = case.args.index(option) + 1
                case.args[i] = bad_number(draw, "pp_step" if option == "--step" else "pp")
                case.spoil((option,))
        else:
            add(
                case, draw, bad == "improve", "--improve", lambda d: good_number(d, "pp"), lambda d: bad_number(d, "pp")
            )
        if bad == "conflict":
            case.args += ["--lo", "-1"] if not curve else ["--improve", "3"]
            case.spoil(("--lo", "--curve") if not curve else ("--improve", "--curve"))
        if bad == "month" or draw(st.booleans()):
            add(case, draw, bad == "month", "--month", lambda d: d(st.sampled_from(GOOD_MONTHS_2019)), bad_month)
        if bad == "group" or draw(st.booleans()):
            good = st.sampled_from(["operation", "first_visit", "förstabesök", "operation/åtgärd"])
            add(case, draw, bad == "group", "--group", lambda d: d(good), lambda d: d(st.sampled_from(["x", "op"])))
        target, said = out_path(draw, out, (".csv", ".parquet", ".xlsx"), bad == "out")
        if bad == "out" or draw(st.booleans()):
            case.args += ["--out", target]
            case.spoil(said)
        result = run(case, out) if draw(st.booleans()) else None
        if result is None:
            case.args += ["--format", "json"]
            result = run(case, out)
            if case.refused is None:
                doc = json.loads(result.stdout)
                if "baseline_sek" in doc:  # the region's totals before and after, and their difference
                    assert doc["scenario_sek"] - doc["baseline_sek"] == pytest.approx(doc["delta_sek"], abs=1e-6)
                    assert 0 <= doc["baseline_sek"] <= TOTAL_2019 and 0 <= doc["scenario_sek"] <= TOTAL_2019
                for point in doc.get("curve", []):
                    assert 0 <= point["amount_sek"] <= TOTAL_2019


@fuzz(20)
@given(st.data())
def test_explain(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "panel", "rules", "region", "month", "group", "format")
        year = "2013" if bad == "nothing" and draw(st.booleans()) else "2019"
        case = on_panel(draw, inp, "explain", bad, year)
        add(case, draw, bad == "region", "--region", lambda d: d(st.sampled_from(GOOD_REGIONS)), bad_region)
        months = ["2013-12", "dec 2013"] if year == "2013" else ["2019-10", "okt", "oktober 2019", "2019-09-01"]
        explain_bad = st.sampled_from(["2019-12", "oktobr", "2018-10", "x"])
        add(case, draw, bad == "month", "--month", lambda d: d(st.sampled_from(months)), lambda d: d(explain_bad))
        groups = st.sampled_from(["operation", "first_visit", "förstabesök"])
        add(case, draw, bad == "group", "--group", lambda d: d(groups), lambda d: d(st.sampled_from(["ops", "x"])))
        if bad == "group":
            case.refused = ("group",)  # said with the months and groups the rules measure
        case.args += ["--format", "csv" if bad == "format" else draw(st.sampled_from(["json", "table"]))]
        if bad == "format":
            case.spoil(("--format csv",))
        run(case, out)


@fuzz(15)
@given(st.data())
def test_validate(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "panel", "panel", "rules")
        year = draw(st.sampled_from(["2019", "2013"])) if bad != "rules" else "2019"
        case = on_panel(draw, inp, "validate", bad, year)
        result = run(case, out)
        if case.refused is None:
            assert ": OK: " in result.output


@fuzz(12)
@given(st.data())
def test_compare(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "panel", "rules", "variant", "plot", "out")
        path, said = panel(draw, inp, bad == "panel")
        case = Case(["compare", path])
        case.spoil(said)
        rule_args, said = rules(draw, inp, bad == "rules")
        case.args += rule_args
        case.spoil(said)
        if bad == "variant":
            text, names = draw(st.sampled_from([("eq:block1.sharng=equal", ("sharng",)), ("no colon", ("--variant",)),
                                                ("eq:block1.total_sek=nan", ("total_sek",))]))  # fmt: skip
            case.args += ["--variant", text]
            case.spoil(names)
        else:
            case.args += ["--variant", f"{draw(st.sampled_from(['eq', 'w$x_{$', '[utkast]']))}:block1.sharing=equal"]
        if draw(st.booleans()):
            case.args += ["--alternatives"]
        if bad == "plot" or draw(st.integers(0, 3)) == 0:
            target, said = out_path(draw, out, (".png", ".svg"), bad == "plot")
            case.args += ["--plot", target]
            case.spoil(said)
        sv = out / name(".csv")
        if bad == "out":
            target, said = out_path(draw, out, (".csv",), True)
            case.args += ["--out", target]
            case.spoil(said)
        else:
            case.args += ["--out", sv, "--csv-dialect", "sv"]
        case.args += ["--format", "json"]
        result = run(case, out)
        if case.refused is None:
            doc = json.loads(result.stdout)
            for totals in doc["totals"].values():  # every variant pays out or lapses the whole scheme
                assert totals["paid_sek"] + totals["lapsed_sek"] == pytest.approx(totals["total_sek"], abs=0.1)
            written = pd.read_csv(sv, sep=";", decimal=",", encoding="utf-8-sig")
            for variant, totals in doc["totals"].items():  # in whole kronor that add up to the rounded total
                column = written[column_header(variant, spoken(case.args))]  # a Swedish CSV names a variant in words
                assert pd.api.types.is_integer_dtype(column), (variant, column.dtype)
                assert column.sum() == round(totals["paid_sek"]), variant


@fuzz(25)
@given(st.data())
def test_rules(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "rules", "rules", "set", "format")
        rule_args, said = rules(draw, inp, bad == "rules")
        case = Case(["rules", *(rule_args[1:] or ["kommiljard-2019"])])
        case.spoil(said)
        set_args, said = overrides(draw, bad == "set")
        case.args += set_args
        case.spoil(said)
        fmt = "csv" if bad == "format" else draw(st.sampled_from(["json", "table"]))
        if bad == "format":
            case.spoil(("--format csv",))
        case.args += ["--format", fmt]
        result = run(case, out)
        if case.refused is None and fmt == "json":
            doc = json.loads(result.stdout)["rules"]
            assert sum(b["total_sek"] for b in doc["blocks"]) == pytest.approx(doc["total_sek"])


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A small finished sweep with a lever, made once."""
    out = tmp_path_factory.mktemp("fuzz-sweep") / "sweep"
    result = runner.invoke(app, ["sweep", "--n", "30", "--chunk-size", "10", "--out", str(out), "--region", "06",
                                 "--improve", "2", "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """A synthetic history (2014-01 to 2019-12), made once."""
    out = tmp_path_factory.mktemp("fuzz-history") / "history.parquet"
    result = runner.invoke(app, ["history", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def known(history, tmp_path_factory) -> Path:
    """The history up to 2019-08: the months known when the scheme's months are still ahead."""
    import pandas as pd

    out = tmp_path_factory.mktemp("fuzz-known") / "known.parquet"
    frame = pd.read_parquet(history)
    frame[frame["month"] <= "2019-08"].to_parquet(out)
    return out


@pytest.fixture(scope="module")
def fitted(history, tmp_path_factory) -> Path:
    """The history fitted up to 2019-08, made once."""
    out = tmp_path_factory.mktemp("fuzz-fit") / "fitted.toml"
    result = runner.invoke(app, ["fit", str(history), "--until", "2019-08", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def spoil_sweep(draw, folder: Path) -> tuple[str, ...]:
    """Break a sweep folder: its manifest, or its parts; what the refusal names."""
    how = draw(st.sampled_from(["manifest garbage", "manifest gone", "parts gone"]))
    if how == "manifest garbage":
        (folder / "manifest.json").write_bytes(b"{" + draw(st.binary(max_size=50)))
        return ("manifest.json",)
    if how == "manifest gone":
        (folder / "manifest.json").unlink()
        return ("not a complete sweep",)
    for part in (folder / "trajectories").glob("part-*.parquet"):
        part.unlink()
    return ("part",)


@fuzz(16)
@given(data=st.data())
def test_plot(sweep_dir, data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "kind", "source", "option", "wrong kind", "out")
        kind = draw(st.sampled_from(["staircase", "payouts", "curve", "sweep"]))
        case = Case(["plot", draw(st.sampled_from(["stair", "pie", "sweeps"])) if bad == "kind" else kind])
        if bad == "kind":
            case.spoil(("kind of plot",))
        if kind == "curve":
            curve = pd.DataFrame({"improvement_pp": [-1.0, 0.0, 1.0], "amount_sek": [0.0, 5e6, 9e6], "tier": [0, 1, 1]})
            if bad == "source":
                column = draw(st.sampled_from(list(curve.columns)))
                curve = curve.astype(object)
                curve.loc[draw(st.integers(0, 2)), column] = draw(st.sampled_from(["x", "nan", "inf"]))
                case.spoil((column,))
            source = inp / name(".csv")
            curve.to_csv(source, index=False)
            case.args += [source, "--region", "06"]
            add(case, draw, bad == "option", "--current", lambda d: good_number(d, "pp"),
                lambda d: d(st.sampled_from(NOT_NUMBERS)))  # fmt: skip
        elif kind == "sweep":
            source = inp / name("")
            shutil.copytree(sweep_dir, source)
            if bad == "source":
                case.spoil(spoil_sweep(draw, source))
            case.args += [source]
            add(case, draw, bad == "option", "--region", lambda d: d(st.sampled_from(["06", "Jönköping"])), bad_region)
            case.args += ["--violin"] if draw(st.booleans()) else []
        else:
            source, said = panel(draw, inp, bad == "source")
            case.spoil(said)
            case.args += [source]
            if kind == "staircase":
                add(case, draw, bad == "option", "--month", lambda d: d(st.sampled_from(["2019-10", "okt"])), bad_month)
                case.args += ["--group", "operation"]
            elif bad == "option":
                case.args += ["--rules", "kommiljard-2091"]
                case.spoil(("rule set",))
        if bad == "wrong kind":  # an option of another kind of picture
            option = {"staircase": ["--violin"], "payouts": ["--region", "06"], "curve": ["--violin"],
                      "sweep": ["--month", "2019-10"]}[kind]  # fmt: skip
            case.args += option
            case.spoil((option[0],))
        target, said = out_path(draw, out, (".png", ".svg"), bad == "out")
        case.args += ["--out", target]
        case.spoil(said)
        run(case, out)
        if case.refused is None:
            assert target.read_bytes()[:5] in (b"\x89PNG\r", b"<?xml")


@fuzz(6)
@given(st.data())
def test_report(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "panel", "set", "out", "lang")
        path, said = panel(draw, inp, bad == "panel")
        case = Case(["report", path])
        case.spoil(said)
        set_args, said = overrides(draw, bad == "set")
        case.args += set_args
        case.spoil(said)
        target, said = out_path(draw, out, (".html", ".htm"), bad == "out")
        case.args += ["--out", target]
        case.spoil(said)
        add(case, draw, bad == "lang", "--lang", lambda d: d(st.sampled_from(["en", "sv"])), lambda d: "de")
        run(case, out)


PAGE_GOOD = {
    "page_lo": lambda d: good_number(d, "page_lo", -20, None),
    "page_hi": lambda d: good_number(d, "page_hi", None, 20),
    "pp_step": lambda d: d(st.sampled_from(["0.1", "0,5", "1"])),
}


@fuzz(8)
@given(data=st.data())
def test_page(sweep_dir, data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "panel", "lo", "hi", "step", "lang", "sweep", "out")
        path, said = panel(draw, inp, bad == "panel")
        case = Case(["page", path])
        case.spoil(said)
        for option, key in (("--lo", "page_lo"), ("--hi", "page_hi"), ("--step", "pp_step")):
            if bad == option.strip("-") or draw(st.booleans()):
                good = PAGE_GOOD[key]
                add(case, draw, bad == option.strip("-"), option, good, lambda d, k=key: bad_number(d, k))
        if bad == "lang":
            case.args += ["--lang", "de"]
            case.spoil(("--lang",))
        if bad == "sweep":
            case.args += ["--sweep", inp]
            case.spoil((str(inp),))
        elif draw(st.integers(0, 3)) == 0:
            case.args += ["--sweep", sweep_dir]
        target, said = out_path(draw, out, (".html",), bad == "out")
        case.args += ["--out", target]
        case.spoil(said)
        run(case, out)


@fuzz(20)
@given(st.data())
def test_import(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "export", "export", "option", "out")
        lines = EXPORT.read_text(encoding="utf-8").splitlines()
        case = Case(["import"])
        if bad == "export":
            how = draw(st.sampled_from(["cell", "cell", "file", "long cell"]))
            if how == "cell":  # a share made no number, or out of 0-100; a region made none
                i = draw(st.integers(1 + next(j for j, line in enumerate(lines) if line.startswith("Region")),
                                     len(lines) - 1))  # fmt: skip
                cells = lines[i].split(";")
                column = draw(st.integers(0, len(cells) - 1))
                while not re.fullmatch(r"[\d,]+", cells[column]) and column:  # a value, not the region or group
                    column -= 1
                wrong = ["x", "-3", *(["150"] if "Andel" in cells[2] else [])]  # 150 patients may wait
                cells[column] = draw(st.sampled_from(wrong)) if column else "Atlantis"
                lines[i] = ";".join(cells)
                case.spoil(("row",))
            elif how == "long cell":
                lines.append("x" * 200_000)
                case.spoil(("characters", "row"))
        if bad == "export" and how == "file":
            path = broken_file(draw, inp, draw(st.sampled_from([".csv", ".xlsx", ".parquet"])))
            case.spoil((str(path),))
        else:
            path = inp / name(".csv")
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        case.args += [path]
        target, said = out_path(draw, out, (".parquet",), bad == "out")  # a synthetic panel: Parquet says so
        case.args += ["--out", target]
        case.spoil(said)
        if bad == "option":
            option, value = draw(st.sampled_from([("--group", "operations"), ("--measure", "share_99"),
                                                  ("--sheet", "Data")]))  # fmt: skip
            case.args += [option, value]
            case.spoil((option,))
        result = run(case, out)
        if case.refused is None:
            imported = pd.read_parquet(target) if target.suffix == ".parquet" else pd.read_csv(target, dtype=str)
            assert set(imported["region"]) == set(region_codes()) and not result.stderr.count("error")


def sweep_summary_holds(out_dir: Path) -> None:
    """A finished sweep: complete, no lock left, and no region expected to get more than block 1 holds."""
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and not (out_dir / ".kommiljard-sweep.lock").exists()
    summary = pd.read_parquet(out_dir / "summary.parquet")
    assert (summary["mean_sek"] >= 0).all() and summary["mean_sek"].sum() <= 1_280_000_000 * (1 + 1e-9)
    assert np.isfinite(summary[["mean_sek", "p5_sek", "p95_sek"]].to_numpy()).all()


@fuzz(12)
@given(st.data())
def test_sweep(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "n", "seed", "chunk", "threads", "lever", "scenario", "observed", "folder", "set")
        target = out / name("")
        case = Case(["sweep", "--out", target, "-q"])
        add(case, draw, bad == "n", "--n", lambda d: d(st.sampled_from(["20", "1e2", "35"])),
            lambda d: bad_number(d, "trajectories"))  # fmt: skip
        for option, key, good in (("--seed", "seed", "1"), ("--chunk-size", "chunk_size", "7"),
                                  ("--threads", "threads", "1")):  # fmt: skip
            spoilt = bad == option.strip("-").split("-")[0]
            if spoilt or draw(st.booleans()):
                add(case, draw, spoilt, option, lambda d, g=good: g, lambda d, k=key: bad_number(d, k))
        if bad == "lever" or draw(st.booleans()):
            which_bad = draw(st.sampled_from(["--region", "--improve", "alone"])) if bad == "lever" else None
            if which_bad == "alone":  # a lever needs both
                case.args += ["--region", "06"]
                case.spoil(("--region", "--improve"))
            else:
                add(case, draw, which_bad == "--region", "--region", lambda d: d(st.sampled_from(GOOD_REGIONS)),
                    bad_region)  # fmt: skip
                add(case, draw, which_bad == "--improve", "--improve",
                    lambda d: d(st.sampled_from(["2", "2.5", "0;1,5", "-1"])),
                    lambda d: d(st.sampled_from(["3,5", "1,1", "nan", "200", "2,2"])))  # fmt: skip
        if bad == "scenario":
            bad_toml = inp / name(".toml")
            bad_toml.write_text(SCENARIO.read_text(encoding="utf-8") + "\nthis = = is not toml\n", encoding="utf-8")
            scenario, said = draw(st.sampled_from([(bad_toml, (str(bad_toml),)), ("default-2091", ("scenario",))]))
            case.args.insert(1, scenario)
            case.spoil(said)
        if bad == "observed":
            observed, said = panel(draw, inp, True)
            case.args += ["--observed", observed]
            case.spoil(said)
        if bad == "folder":  # a folder that is not the sweep's: the user's file in it, or trajectories linked away
            target.mkdir()
            if draw(st.booleans()):
                (target / "summary.csv").write_text("mine\n")
                case.spoil(("did not write", "summary.csv"))
            else:
                (target / "trajectories").symlink_to(inp)
                case.spoil(("symbolic link",))
        if bad == "set":
            set_args, said = overrides(draw, True)
            case.args += set_args
            case.spoil(said)
        before = (target / "summary.csv").read_text() if (target / "summary.csv").exists() else None
        run(case, out)
        if case.refused is None:
            for manifest in target.rglob("manifest.json"):
                sweep_summary_holds(manifest.parent)
        elif before is not None:
            assert (target / "summary.csv").read_text() == before, "the user's file is untouched"


@fuzz(4)
@given(data=st.data())
def test_forecast(history, known, fitted, data):
    """A fitted scenario swept with the history it was fitted on (`kommiljard sweep fitted.toml --observed`); the
    whole history (every scheme month known) leaves nothing to draw and is refused."""
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "fitted", "observed", "whole")
        scenario = fitted
        if bad == "fitted":
            scenario = inp / name(".toml")
            text = fitted.read_text(encoding="utf-8")
            scenario.write_text(text.replace("ar1 = ", "ar1 = nan #", 1) if draw(st.booleans()) else text[:200])
        observed, said = panel(draw, inp, True, history=True) if bad == "observed" else (known, ())
        if bad == "whole":
            observed, said = history, ("nothing left to draw",)
        case = Case(["sweep", scenario, "--observed", observed, "--n", "30", "--out", out / "forecast", "-q"])
        if bad == "fitted":
            case.spoil((str(scenario),))
        case.spoil(said)
        run(case, out)
        if case.refused is None:
            sweep_summary_holds(out / "forecast")


@fuzz(8)
@given(data=st.data())
def test_fit(history, data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "history", "until", "min-months", "response-sd", "response-from", "out")
        source, said = panel(draw, inp, True, history=True) if bad == "history" else (history, ())
        case = Case(["fit", source])
        case.spoil(said)
        if bad == "until" or draw(st.booleans()):
            add(case, draw, bad == "until", "--until", lambda d: d(st.sampled_from(["2019-08", "aug 2019", "2018-12"])),
                lambda d: d(st.sampled_from(["2019-13", "aug", "x", "2019-08-15"])))  # fmt: skip
        for option, key in (("--min-months", "min_months"), ("--response-sd", "response_sd")):
            spoilt = bad == option.strip("-")
            if spoilt or draw(st.booleans()):
                good = (lambda d: d(st.sampled_from(["12", "24"]))) if key == "min_months" else (
                    lambda d: good_number(d, "response_sd"))  # fmt: skip
                add(case, draw, spoilt, option, good, lambda d, k=key: bad_number(d, k))
        if bad == "response-from":
            case.args += ["--response-from", "default-2091"]
            case.spoil(("scenario",))
        target, said = out_path(draw, out, (".toml",), bad == "out")
        case.args += ["--out", target]
        case.spoil(said)
        run(case, out)
        if case.refused is None:
            from kommiljard.sweeps.scenario import load_scenario

            assert load_scenario(target).name


@fuzz(5)
@given(data=st.data())
def test_backtest(history, data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "as-of", "n", "seed", "folder", "plot")
        case = Case(["backtest", history])
        add(case, draw, bad == "as-of", "--as-of", lambda d: d(st.sampled_from(["2019-08", "aug 2019", "2019-09"])),
            lambda d: d(st.sampled_from(["2019-13", "aug", "x"])))  # fmt: skip
        add(case, draw, bad == "n", "--n", lambda d: d(st.sampled_from(["50", "1e2"])),
            lambda d: bad_number(d, "forecast_trajectories"))  # fmt: skip
        add(case, draw, bad == "seed", "--seed", lambda d: str(d(st.integers(0, 2**63 - 1))),
            lambda d: bad_number(d, "seed"))  # fmt: skip
        folder_out = out / name("")
        if bad == "folder":
            folder_out.mkdir()
            (folder_out / "notes.txt").write_text("mine\n")
            case.spoil(("did not write", "notes.txt"))
        case.args += ["--out", folder_out, "--format", "json"]
        if bad == "plot":
            target, said = out_path(draw, out, (".png",), True)
            case.args += ["--plot", target]
            case.spoil(said)
        result = run(case, out)
        if case.refused is None:
            doc = json.loads(result.stdout)
            realised = [r["realised_sek"] for r in doc["regions"]]
            assert all(math.isfinite(x) and x >= 0 for x in realised)
            assert math.fsum(realised) == pytest.approx(doc["summary"]["realised_total_sek"], abs=1.0)
            assert doc["summary"]["realised_total_sek"] <= doc["summary"]["pot_sek"] * (1 + 1e-9)


@fuzz(10)
@given(st.data())
def test_history(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = which(draw, "seed", "until", "response-sd", "out", "truth")
        target, said = out_path(draw, out, (".parquet",), bad == "out")
        case = Case(["history", "--out", target])
        case.spoil(said)
        add(case, draw, bad == "seed", "--seed", lambda d: str(d(st.integers(0, 2**63 - 1))),
            lambda d: bad_number(d, "seed"))  # fmt: skip
        if bad == "until" or draw(st.booleans()):
            add(case, draw, bad == "until", "--until", lambda d: d(st.sampled_from(["2019-08", "okt 2016", "2014-01"])),
                lambda d: d(st.sampled_from(["1999-01", "2020-01", "okt", "x"])))  # fmt: skip
        if bad == "response-sd":
            case.args += ["--response-sd", bad_number(draw, "response_sd")]
            case.spoil(("--response-sd",))
        if bad == "truth":
            case.args += ["--truth", target]
            case.spoil(("--truth",))
        run(case, out)
        if case.refused is None:
            frame = pd.read_parquet(target)
            assert len(frame) and frame["month"].min() >= "2014-01" and frame["month"].max() <= "2019-12"
            assert frame["share_90"].between(0, 100).all() and (frame["share_60"] <= frame["share_90"]).all()
