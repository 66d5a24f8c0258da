"""A fuzz suite: every command of the command line, driven with generated bad input.

For each command hypothesis draws arguments and input files that are mostly right and wrong
in one or a few places: text with rich markup, ``$...$`` and control characters, NaN, inf
and huge numbers, paths that are missing, directories or under a file, files of garbage bytes,
broken TOML, panels, populations and rule files with one value replaced. Every run must end
with exit status 0 or 2 (never a crash), print no traceback and no control character, and
leave no partial (``*.part``) or orphan output file: after a failure the output folder is as
it was, after a success every CSV output has a provenance that describes it. A payout that
succeeds must conserve its money.

The examples are fixed (``derandomize``) so that a run is repeatable; the whole suite takes a
minute or two. ``KOMMILJARD_FUZZ_EXAMPLES=N`` multiplies the examples by N and draws them at
random (for a longer hunt).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import shutil
import tempfile
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.outputs.files import read_provenance

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


# ----------------------------------------------------------------------------- what bad input looks like

NASTY_TEXT = [
    "[/x]",
    "[/]",
    "[bold red]x",
    "[utkast]",
    "$x_{$",
    "$\\frac{1}{$",
    "a$b$c",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x07",
    "\u202eevil",
    "x" * 3000,
    "",
    " ",
    "Jönköping",
    "06",
    "{0}",
    "%s",
    "\\",
    "'\"",
    "..",
    "1e400",
    "nan",
]
NASTY_NUMBERS = [
    "nan",
    "-nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "-1e400",
    "1e30",
    "-1e30",
    "1e-320",
    "0",
    "-0",
    "-1",
    "99999999999999999999",
    "0x10",
    "1_000",
    "abc",
    "",
    "3",
    "-3",
    "100.0000001",
    "-100",
    "[/x]",
]
ARG_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")  # argv cannot hold NUL
texts = st.one_of(st.sampled_from(NASTY_TEXT), st.text(ARG_CHARS, max_size=20))
numbers = st.one_of(
    st.sampled_from(NASTY_NUMBERS),
    st.floats().map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
values = st.one_of(texts, numbers)


NAMES = itertools.count()


def file_name(text: str, suffix: str) -> str:
    """A file name of its own that carries ``text`` (as far as a file name can)."""
    stem = text.replace("/", "_").replace("\x00", "")[:60] or "x"
    return f"{next(NAMES)} {stem}{suffix}"


@st.composite
def broken_file(draw, folder: Path, suffixes: tuple[str, ...]) -> Path:
    """A path that is missing, a directory, or a file of garbage bytes, with a drawn name."""
    name = file_name(draw(texts), draw(st.sampled_from(suffixes)))
    path = folder / name
    how = draw(st.sampled_from(["missing", "directory", "garbage", "empty"]))
    if how == "directory":
        path.mkdir(exist_ok=True)
    elif how == "garbage":
        path.write_bytes(draw(st.binary(max_size=300)))
    elif how == "empty":
        path.write_bytes(b"")
    return path


@st.composite
def panel_file(draw, folder: Path, bad: bool, base: Path = SAMPLE) -> Path:
    """The sample panel as CSV or Parquet; if ``bad``, with a few cells, a column or the rows spoilt."""
    if bad and draw(st.integers(0, 5)) == 0:
        return draw(broken_file(folder, (".csv", ".parquet", ".txt", "")))
    frame = pd.read_parquet(base).astype(object)
    change = draw(st.sampled_from(["cells", "cells", "drop column", "extra column", "duplicate row", "no rows"]))
    if bad and change == "cells":
        for _ in range(draw(st.integers(1, 3))):
            row = draw(st.integers(0, len(frame) - 1))
            frame.loc[row, draw(st.sampled_from(list(frame.columns)))] = draw(values)
    elif bad and change == "drop column":
        frame = frame.drop(columns=[draw(st.sampled_from(list(frame.columns)))])
    elif bad and change == "duplicate row":
        frame = pd.concat([frame, frame.iloc[[draw(st.integers(0, len(frame) - 1))]]], ignore_index=True)
    elif bad and change == "no rows":
        frame = frame.iloc[:0]
    elif change == "extra column":  # harmless: other columns are kept as they are
        frame[draw(texts) or "extra"] = draw(values)
    if draw(st.booleans()):
        path = folder / file_name(draw(texts), ".csv")
        frame.to_csv(path, index=False)
    else:
        path = folder / file_name(draw(texts), ".parquet")
        frame.astype(str).to_parquet(path, index=False)
    return path


@st.composite
def population_file(draw, folder: Path, bad: bool) -> Path:
    if bad and draw(st.integers(0, 5)) == 0:
        return draw(broken_file(folder, (".csv", ".parquet")))
    frame = pd.read_csv(POPULATION, dtype=str)
    if bad:
        row = draw(st.integers(0, len(frame) - 1))
        frame.loc[row, draw(st.sampled_from(["region", "population", "population"]))] = draw(values)
    path = folder / file_name(draw(texts), ".csv")
    frame.to_csv(path, index=False)
    return path


def toml_value(draw) -> str:
    """A TOML value that is wrong in kind or size: a NaN, a huge number, text with markup or escapes."""
    return draw(
        st.one_of(
            st.sampled_from(
                ["nan", "-nan", "inf", "-inf", "1e400", "1e30", "-1e30", "0", "-1", "99999999999999999999"]
            ),
            st.sampled_from(["true", "[]", "{}", "[1, 2]", '"2019-13"', '"x"']),
            texts.map(lambda t: json.dumps(t)),  # JSON string syntax is TOML basic-string syntax here
        )
    )


@st.composite
def toml_file(draw, folder: Path, base: Path, bad: bool) -> Path:
    """A rule or scenario file; if ``bad``, with a value replaced, cut short, or broken as TOML."""
    if bad and draw(st.integers(0, 7)) == 0:
        return draw(broken_file(folder, (".toml",)))
    text = base.read_text(encoding="utf-8")
    how = draw(st.sampled_from(["value", "value", "value", "text", "truncate", "garbage line", "twice", "non-utf8"]))
    lines = text.splitlines()
    if how == "text" or not bad:  # a name, title or note with markup, $...$ or escapes: shown as written
        texts_at = [i for i, line in enumerate(lines) if re.match(r'^\s*(title|name|label|note) = "', line)]
        i = draw(st.sampled_from(texts_at))
        key = lines[i].split("=", 1)[0]
        lines[i] = f"{key}= {json.dumps(draw(texts) + ' ' + lines[i].split('=', 1)[1].strip().strip(chr(34)))}"
        text = "\n".join(lines) + "\n"
    elif how == "value":
        assignments = [i for i, line in enumerate(lines) if re.match(r"^\s*[\w.\"-]+\s*=\s*\S", line)]
        i = draw(st.sampled_from(assignments))
        lines[i] = f"{lines[i].split('=', 1)[0]}= {toml_value(draw)}"
        text = "\n".join(lines) + "\n"
    elif how == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "garbage line":
        text = text + "\n" + draw(st.text(max_size=40)) + "\n"
    elif how == "twice":
        text = text.replace("\nid = ", '\nid = "x"\nid = ', 1)
    path = folder / file_name(draw(texts), ".toml")
    path.write_bytes(text.encode("utf-8") + (b"\xff\xfe" if bad and how == "non-utf8" else b""))
    return path


@st.composite
def out_path(draw, folder: Path, suffixes: tuple[str, ...], bad: bool) -> Path:
    """Where to write: a fine name (the first suffix is fine), else in a missing folder, under a file, a directory."""
    name = file_name(draw(texts), draw(st.sampled_from(suffixes)) if bad else suffixes[0])
    how = draw(st.sampled_from(["fine", "missing folder", "under a file", "directory"])) if bad else "fine"
    if how == "missing folder":
        return folder / "no such folder" / name
    if how == "under a file":
        (folder / "a file").write_text("x")
        return folder / "a file" / name
    if how == "directory":
        (folder / name).mkdir(exist_ok=True)
    return folder / name


OVERRIDE_KEYS = [
    "block1.bars.blue.min_improvement",
    "block1.target.threshold",
    "block1.total_sek",
    "block2.total_sek",
    "total_sek",
    "block1.improvement_decimals",
    "block1.compare_lag_months",
    "block1.sharing",
    "block1.name",
    "title",
]


def overrides(draw, bad: bool) -> list[str]:
    """``--set`` options: a good one (or none), or one with a drawn key or value."""
    if not bad:
        return draw(st.sampled_from([[], ["--set", "block1.sharing=equal"], ["--set", "block1.name=[utkast] $x$"]]))
    key = draw(st.one_of(st.sampled_from(OVERRIDE_KEYS), texts))
    return ["--set", f"{key}={draw(values)}" if draw(st.integers(0, 9)) else draw(texts)]


def spoilt(draw, *parts: str) -> str:
    """Which one part of a command's input is bad ("nothing" about one time in five)."""
    return draw(st.sampled_from(["nothing", *parts]))


# ----------------------------------------------------------------------------- what must hold


def listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def run(args: list, out: Path) -> object:
    """Run the command; check the exit, the absence of tracebacks and control codes, and the files left."""
    before = listing(out)
    result = runner.invoke(app, [str(a) for a in args])
    shown = " ".join(map(repr, args))[:2000]
    assert result.exit_code in (0, 2), f"{shown}\nexit {result.exit_code}\n{result.output}\n{result.exception!r}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (shown, result.exception)
    assert "Traceback" not in result.output, (shown, result.output)
    assert not CONTROL.search(result.output.replace("\t", "")), (shown, result.output[:3000])
    after = listing(out)
    assert not [name for name in after if name.endswith(".part")], (shown, after)
    if result.exit_code == 2:
        assert re.search(r"^error: |^Usage: ", result.output, re.M), (shown, result.output)
        assert after == before, (shown, "files left by a failed run", set(after) - set(before))
    for name in after:
        if name.endswith(".csv") and (out / (name + ".provenance.json")).exists():
            read_provenance(out / name)  # describes the CSV beside it
    return result


def world():
    """A fresh folder for inputs and one for outputs."""
    folder = tempfile.TemporaryDirectory(prefix="fuzz-")
    root = Path(folder.name)
    (root / "in").mkdir()
    (root / "out").mkdir()
    return folder, root / "in", root / "out"


def rules_option(draw, folder: Path, bad: bool) -> list:
    if bad:
        return ["--rules", draw(st.one_of(toml_file(folder, RULES_2019, True), texts))]
    choice = draw(st.sampled_from(["default", "2013", "file"]))
    if choice == "file":
        return ["--rules", draw(toml_file(folder, RULES_2019, False))]
    return ["--rules", "kommiljard-2013"] if choice == "2013" else []


# ----------------------------------------------------------------------------- the commands


@fuzz(60)
@given(st.data())
def test_payout(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "panel", "rules", "set", "population", "conditions", "out", "out")
        rules = rules_option(draw, inp, bad == "rules")
        panel = draw(panel_file(inp, bad == "panel", SAMPLE_2013 if "kommiljard-2013" in rules else SAMPLE))
        args = ["payout", panel, *rules, *overrides(draw, bad == "set")]
        if bad == "population" or draw(st.booleans()):
            args += ["--population", draw(population_file(inp, bad == "population"))]
        if bad == "conditions":
            args += ["--conditions", draw(st.one_of(panel_file(inp, True), population_file(inp, True)))]
        if bad == "out" or draw(st.booleans()):
            args += ["--out", draw(out_path(out, (".csv", ".parquet", ".xlsx", ""), bad == "out"))]
        fmt = draw(st.sampled_from(["json", "table", "csv"]))
        result = run([*args, "--format", fmt, "--backend", draw(st.sampled_from(["numba", "check"]))], out)
        if result.exit_code == 0 and fmt == "json":  # no wrong money with exit 0
            doc = json.loads(result.stdout)
            amounts = [r["total_sek"] for r in doc["summary"]]
            assert all(math.isfinite(a) and a >= 0 for a in amounts), amounts
            assert abs(math.fsum(amounts) - doc["paid_sek"]) < 0.1
            assert math.isfinite(doc["lapsed_sek"]) and doc["lapsed_sek"] >= 0


@fuzz(40)
@given(st.data())
def test_whatif(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "panel", "set", "region", "improve", "curve", "month", "out")
        region = draw(texts) if bad == "region" else draw(st.sampled_from(["06", "6", "Jönköping", "Region Skåne"]))
        args = ["whatif", draw(panel_file(inp, bad == "panel")), "--region", region, *overrides(draw, bad == "set")]
        curve = bad == "curve" or draw(st.booleans())
        if not curve or draw(st.booleans()):
            args += ["--improve", draw(numbers) if bad == "improve" else str(draw(st.floats(-100, 100)))]
        if curve:
            lo, hi = sorted(draw(st.lists(st.integers(-100, 100), min_size=2, max_size=2)))
            bounds = [str(lo), str(hi), draw(st.sampled_from(["0.5", "1", "0.25"]))]
            if bad == "curve":
                bounds[draw(st.integers(0, 2))] = draw(numbers)
            args += ["--curve", "--lo", bounds[0], "--hi", bounds[1], "--step", bounds[2]]
        if bad == "month" or draw(st.booleans()):
            args += ["--month", draw(texts) if bad == "month" else draw(st.sampled_from(["2019-10", "okt 2019"]))]
        if bad == "out" or draw(st.booleans()):
            args += ["--out", draw(out_path(out, (".csv", ".parquet", ".png"), bad == "out"))]
        run([*args, "--format", draw(st.sampled_from(["json", "table", "csv"]))], out)


@fuzz(20)
@given(st.data())
def test_explain(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "panel", "rules", "set", "region", "month", "group")
        rules = rules_option(draw, inp, bad == "rules")
        y2013 = "kommiljard-2013" in rules
        args = ["explain", draw(panel_file(inp, bad == "panel", SAMPLE_2013 if y2013 else SAMPLE)), *rules]
        args += overrides(draw, bad == "set") if not y2013 else []
        args += ["--region", draw(texts) if bad == "region" else draw(st.sampled_from(["06", "Skåne"]))]
        args += ["--month", draw(texts) if bad == "month" else ("2013-12" if y2013 else "2019-10")]
        args += ["--group", draw(texts) if bad == "group" else draw(st.sampled_from(["operation", "first_visit"]))]
        run([*args, "--format", draw(st.sampled_from(["json", "table"]))], out)


@fuzz(20)
@given(st.data())
def test_validate(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "panel", "panel", "rules", "population")
        rules = rules_option(draw, inp, bad == "rules")
        panel = draw(panel_file(inp, bad == "panel", SAMPLE_2013 if "kommiljard-2013" in rules else SAMPLE))
        args = ["validate", panel, *rules]
        if bad == "population" or draw(st.booleans()):
            args += ["--population", draw(population_file(inp, bad == "population"))]
        run(args, out)


@fuzz(15)
@given(st.data())
def test_compare(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "panel", "rules", "variant", "plot")
        args = ["compare", draw(panel_file(inp, bad == "panel")), *rules_option(draw, inp, bad == "rules")]
        name = draw(
            st.one_of(st.sampled_from(["eq", "w$x_{$", "[/x] [utkast]"]), texts if bad == "variant" else st.nothing())
        )
        value = draw(values) if bad == "variant" else "equal"
        args += ["--variant", f"{name}:block1.sharing={value}"] if "kommiljard-2013" not in args else []
        if draw(st.booleans()):
            args += ["--alternatives"]
        if bad == "plot" or draw(st.integers(0, 3)) == 0:
            args += ["--plot", draw(out_path(out, (".png", ".svg", ".txt"), bad == "plot"))]
        run([*args, "--format", draw(st.sampled_from(["json", "table", "csv"]))], out)


@fuzz(40)
@given(st.data())
def test_rules(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "file", "file", "name", "set")
        if bad == "name":
            source = draw(texts)
        elif bad == "file" or draw(st.booleans()):
            source = draw(toml_file(inp, RULES_2019, bad == "file"))
        else:
            source = "kommiljard-2019"
        run(
            ["rules", source, *overrides(draw, bad == "set"), "--format", draw(st.sampled_from(["json", "table"]))], out
        )


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A small finished sweep with a lever, made once."""
    out = tmp_path_factory.mktemp("fuzz-sweep") / "sweep"
    result = runner.invoke(app, ["sweep", "--n", "30", "--chunk-size", "10", "--out", str(out), "--region", "06",
                                 "--improve", "2", "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def spoil_sweep(draw, folder: Path) -> None:
    """Break a sweep folder: its manifest, or a part."""
    how = draw(st.sampled_from(["manifest garbage", "manifest gone", "manifest text", "part garbage", "part gone"]))
    parts = sorted((folder / "trajectories").glob("part-*.parquet"))
    if how == "manifest garbage":
        (folder / "manifest.json").write_bytes(draw(st.binary(max_size=100)))
    elif how == "manifest gone":
        (folder / "manifest.json").unlink()
    elif how == "manifest text":  # texts a manifest carries that reach a picture's note
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest["lever"]["region"] = draw(texts)
        manifest["scenario"]["name"] = draw(texts)
        manifest["status"] = draw(texts)
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    elif how == "part garbage":
        draw(st.sampled_from(parts)).write_bytes(draw(st.binary(max_size=100)))
    else:
        for part in parts:
            part.unlink()


@fuzz(16)
@given(data=st.data())
def test_plot(sweep_dir, data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "kind", "source", "option", "out")
        kind = draw(texts) if bad == "kind" else draw(st.sampled_from(["staircase", "payouts", "curve", "sweep"]))
        extra = []
        if kind == "curve":
            curve = pd.DataFrame({"improvement_pp": [-1.0, 0.0, 1.0], "amount_sek": [0.0, 5e6, 9e6], "tier": [0, 1, 1]})
            curve = curve.astype(object)
            if bad == "source":
                curve.loc[draw(st.integers(0, 2)), draw(st.sampled_from(list(curve.columns)))] = draw(values)
            source = inp / file_name(draw(texts), ".csv")
            curve.to_csv(source, index=False)
            extra = [
                "--region",
                draw(texts) if bad == "option" else "06",
                "--current",
                draw(numbers) if bad == "option" else "0.5",
            ]
        elif kind == "sweep":
            source = inp / file_name(draw(texts), "")
            shutil.copytree(sweep_dir, source)
            if bad == "source":
                spoil_sweep(draw, source)
            extra = ["--region", draw(texts) if bad == "option" else "06"] + (
                ["--violin"] if draw(st.booleans()) else []
            )
        else:
            source = draw(panel_file(inp, bad == "source"))
            extra = ["--month", draw(texts) if bad == "option" else "2019-10", "--group", "operation"]
        run(["plot", kind, source, *extra, "--out", draw(out_path(out, (".png", ".svg", ".jpg"), bad == "out"))], out)


@fuzz(8)
@given(st.data())
def test_report(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "panel", "rules", "set", "out")
        args = ["report", draw(panel_file(inp, bad == "panel")), *rules_option(draw, inp, bad == "rules")]
        args += [*overrides(draw, bad == "set"), "--out", draw(out_path(out, (".html", ".htm", ".pdf"), bad == "out"))]
        run(args, out)


@fuzz(30)
@given(st.data())
def test_import(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "export", "export", "option", "out")
        lines = EXPORT.read_text(encoding="utf-8").splitlines()
        if bad == "export":
            how = draw(st.sampled_from(["cell", "cell", "broken", "garbage text", "panel"]))
            if how == "cell":
                i = draw(st.integers(0, len(lines) - 1))
                cells = lines[i].split(";")
                cells[draw(st.integers(0, len(cells) - 1))] = draw(values).replace(";", ",").replace("\n", " ")
                lines[i] = ";".join(cells)
            elif how == "broken":
                lines = None
                path = draw(broken_file(inp, (".csv", ".xlsx", ".parquet", ".xls", "")))
            elif how == "garbage text":
                lines = [draw(st.text(max_size=400))]
            else:
                lines = None
                path = draw(panel_file(inp, True))
        if lines is not None:
            path = inp / file_name(draw(texts), ".csv")
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        args = ["import", path, "--out", draw(out_path(out, (".parquet", ".csv", ".xlsx"), bad == "out"))]
        if bad == "option":
            args += [draw(st.sampled_from(["--group", "--measure", "--sheet"])), draw(texts)]
        run([*args, "--format", draw(st.sampled_from(["json", "table", "csv"]))], out)


SWEEP_SIZES = ["0", "-5", "nan", "1e3", "abc", "", "10000001", "99999999999999999999"]  # none is slow


@fuzz(12)
@given(st.data())
def test_sweep(data):
    folder, inp, out = world()
    with folder:
        draw = data.draw
        bad = spoilt(draw, "n", "scenario", "seed", "chunk", "threads", "lever", "observed", "set")
        target = out / file_name(draw(texts), "")
        n = draw(st.sampled_from(SWEEP_SIZES)) if bad == "n" else "20"
        args = ["sweep", "--out", target, "-q", "--n", n, *overrides(draw, bad == "set")]
        if bad == "scenario":
            args.insert(1, draw(st.one_of(toml_file(inp, SCENARIO, True), texts)))
        for option, good in (("--seed", "1"), ("--chunk-size", "7"), ("--threads", "1")):
            if bad == option.strip("-").split("-")[0] or draw(st.booleans()):
                args += [option, draw(numbers) if bad == option.strip("-").split("-")[0] else good]
        if bad == "lever" or draw(st.booleans()):
            region, improve = (draw(texts), draw(numbers)) if bad == "lever" else ("06", "2")
            args += ["--region", region, "--improve", improve]
        if bad == "observed":
            args += ["--observed", draw(panel_file(inp, True))]
        run([*args, "--format", draw(st.sampled_from(["json", "table", "csv"]))], out)
        assert not list(out.rglob(".kommiljard-sweep.lock")), "the lock is released"
        for manifest in out.rglob("manifest.json"):
            assert json.loads(manifest.read_text(encoding="utf-8"))["status"] == "complete"
