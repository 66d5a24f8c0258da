"""`kommiljard sweep` refuses in the command's language: every refusal of the sweeps' room (a scenario file whose
numbers do not hold together, a locked, foreign or unusable output folder, an observed panel that lacks what the
draws start from, rule variants that cannot share draws, a Dask address that is not one) reads as Swedish under
``--lang sv`` (exit 2, ``fel:``, the file or option named, no English word or code name) and as before under
``--lang en``."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tomllib
from collections import namedtuple
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from swedish_check import offenders
from test_dask_checks import garbage, listening, silent
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import InputError
from kommiljard.language import speaking
from kommiljard.sweeps.dask_checks import SameVersions, probe
from kommiljard.sweeps.lock import LOCK_NAME
from kommiljard.sweeps.run import run_sweep

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "kommiljard" / "scenarios" / "default-2019.toml"
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
UNTIL_JULY = ROOT / "examples" / "sample_operations_until_july_2026.parquet"
UNTIL_MAY = ROOT / "examples" / "sample_panel_2023_until_may.parquet"
runner = CliRunner()


def scenario(tmp: Path, *edits: tuple[str, str], append: str = "") -> Path:
    """The default scenario with ``edits`` (each text replaced once) and ``append`` at its end, as a file."""
    text = DEFAULT.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp / "mitt-scenario.toml"
    path.write_text(text + append, encoding="utf-8")
    return path


def regrouped(tmp: Path, change) -> Path:
    """The default scenario with its groups changed by ``change(table)`` (every per-group table follows)."""
    table = tomllib.loads(DEFAULT.read_text(encoding="utf-8"))
    change(table)
    path = tmp / "grupper.toml"
    path.write_text(tomli_w.dumps(table), encoding="utf-8")
    return path


def per_group(table: dict):
    """Every per-group table of a scenario: the national series and the shock's and spread's values."""
    yield table["national"]
    for part in ("shock", "spread"):
        yield from (v for v in table[part].values() if isinstance(v, dict))


def one_group(table: dict) -> None:
    for values in per_group(table):
        values.pop("operation")


def three_groups(table: dict) -> None:
    for values in per_group(table):
        values["extra"] = values["operation"]
    table["shock"]["group_corr"] = -0.9


def without_rows(tmp: Path, source: Path, month: str, group: str | None = None) -> Path:
    frame = pd.read_parquet(source)
    gone = frame["month"].str.startswith(month) & (frame["group"] == group if group else True)
    path = tmp / "observerat.parquet"
    frame[~gone].to_parquet(path, index=False)
    return path


def lock_held(tmp: Path) -> Path:
    out = tmp / "korning"
    out.mkdir()
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": "2026-01-05T08:00:00+00:00",
             "command": "kommiljard sweep --n 1000000 --out korning"}  # fmt: skip
    (out / LOCK_NAME).write_text(json.dumps(owner), encoding="utf-8")
    return out


def under_a_file(tmp: Path) -> Path:
    (tmp / "fil.txt").write_text("x", encoding="utf-8")
    return tmp / "fil.txt" / "korning"


def foreign_sweep(tmp: Path) -> Path:
    """A folder holding a sweep of seed 7 (the case sweeps it with seed 9)."""
    out = tmp / "korning"
    run_sweep(None, 100, 7, out, chunk_size=100_000, threads=1)
    return out


# name: (extra arguments of `kommiljard sweep --n 100 --out OUT` given tmp, what the Swedish names, the English)
CASES = {
    "scenario_season": (
        lambda t: [scenario(t, ("season_pp = [-0.5, 0.0,", "season_pp = [9.5, 0.0,"))],
        ["mitt-scenario.toml", "`season_pp`", "nu är medelvärdet +0,792 procentenheter"],
        "season_pp must average 0 (level_pct is the annual mean); it averages +0.792 pp",
    ),
    "scenario_share": (
        lambda t: [scenario(t, ("level_pct = 80.2", "level_pct = 99.5"))],
        ["mitt-scenario.toml", "månad 3", "101,5 %"],
        "month 3: the national share_90 would be 101.5 % (baseline year)",
    ),
    "scenario_gap": (
        lambda t: [scenario(t, ("gap_pp = [14.8,", "gap_pp = [94.8,"))],
        ["mitt-scenario.toml", "`gap_pp` för månad 1 = 94,8", "(79,3 %)"],
        "gap_pp month 1 = 94.8 must be at least 0 and below the national share_90 (79.3 %)",
    ),
    "scenario_years": (
        lambda t: [scenario(t, ("measurement_year = 2019", "measurement_year = 2021"))],
        ["mitt-scenario.toml", "`measurement_year` (2021) måste vara året efter `baseline_year` (2018)"],
        "measurement_year (2021) must be the year after baseline_year (2018)",
    ),
    "scenario_no_value": (
        lambda t: [scenario(t, (", operation = 0.3 }", " }"))],
        ["mitt-scenario.toml", "shock.year_sd_pp: inget värde för grupp(erna) ['operation']"],
        "shock.year_sd_pp: no value for group(s) ['operation']",
    ),
    "scenario_unknown_group": (
        lambda t: [scenario(t, ("operation = 0.0 }", "operation = 0.0, operatoin = 0.0 }"))],
        ["shock.month_sd_pp.operatoin: okänd grupp; menade du 'operation'?"],
        "shock.month_sd_pp.operatoin: unknown group; did you mean 'operation'?",
    ),
    "scenario_county": (
        lambda t: [scenario(t, append='\n[regions."066"]\nnote = "x"\n')],
        ["regions.066: inte en länskod från SCB; menade du '06'? (skriv den inom citattecken"],
        "regions.066: not an SCB county code; did you mean '06'? (write it quoted",
    ),
    "scenario_correlation": (
        lambda t: [regrouped(t, three_groups)],
        ["grupper.toml", "shock.group_corr = -0,9: med 3 grupper", "minst -0,500"],
        "shock.group_corr = -0.9: with 3 groups a common correlation must be at least -0.500",
    ),
    "scenario_lacks_group": (
        lambda t: [regrouped(t, one_group)],
        ["grupper.toml", "scenariot saknar grupp(erna) ['operation'] (regelverket behöver dem)"],
        "no group(s) ['operation'] (the rules need them); the scenario describes ['first_visit']",
    ),
    "scenario_other_years": (
        lambda t: [scenario(t, ("_year = 2018", "_year = 2020"), ("_year = 2019", "_year = 2021"))],
        ["scenariot 'default-2019' gäller 2020 och 2021, men regelverket behöver"],
        "scenario 'default-2019' covers 2020 and 2021, but the rules need",
    ),
    "too_many_parts": (
        lambda t: ["--n", "100000", "--chunk-size", "1"],
        ["--chunk-size 1 skulle skriva 100000 delar", "Ange --chunk-size 10 eller mer"],
        "sweep: --chunk-size 1 would write 100000 parts of trajectories; at most 10000. Give --chunk-size 10 or more.",
    ),
    "no_block_to_draw": (
        lambda t: ["--rules", "kommiljard-2013"],
        ["kommiljard-2013", "exakt ett block", "(dess slag: absoluta nivåer)"],
        "a sweep can draw; this rule set has 0 (its kinds: absolute thresholds).",
    ),
    "counts_without_observed": (
        lambda t: ["--rules", "kommiljard-2026"],
        ["kommiljard-2026", "block 1", "ange --observed PANEL"],
        "a sweep of counts draws each region's operations around its own earlier years: give --observed PANEL",
    ),
    "counts_lacking_baseline": (
        lambda t: ["--rules", "kommiljard-2026", "--observed", without_rows(t, UNTIL_JULY, "2025-03")],
        ["saknar operationer för basmånaderna 2025-03", "har ingen rad för 2025-03 `"],
        "the observed panel lacks operations for the baseline months 2025-03",
    ),
    "drift_without_observed": (
        lambda t: ["--rules", "kommiljard-2023"],
        ["kommiljard-2023", "ange dem med --observed PANEL"],
        "its measures are drawn around the panel's own figures a year earlier: give them with --observed PANEL",
    ),
    "drift_lacking_a_year_earlier": (
        lambda t: ["--rules", "kommiljard-2023", "--observed", without_rows(t, UNTIL_MAY, "2022-07", "bup_treatment")],
        ["observerat.parquet saknar värdena ett år tidigare", "`performed_30` `bup_treatment` 2021-07"],
        "lacks the figures a year earlier that drawn months start from: performed_30 bup_treatment 2021-07",
    ),
    "nothing_to_draw": (
        lambda t: ["--observed", SAMPLE],
        ["sample_panel_2019.parquet", "inget kvar att dra", "`kommiljard payout PANEL`"],
        "is in it, so there is nothing left to draw: the payout is known exactly.",
    ),
    "variant_unsweepable": (
        lambda t: ["--rules", "kommiljard-2019", "--rules", "kommiljard-2013"],
        ["varianten 'kommiljard-2013' går inte att köra", "absoluta nivåer"],
        "variant 'kommiljard-2013' cannot be swept: ",
    ),
    "variant_other_draws": (
        lambda t: ["--rules", "kommiljard-2019", "--rules", "kommiljard-2020"],
        ["varianten 'kommiljard-2020' behöver andra förlopp", "mätmånader, jämförelsemånader"],
        "variant 'kommiljard-2020' needs other trajectories than 'kommiljard-2019' (its measurement months, comparison",
    ),
    "locked": (
        lambda t: ["--out", lock_held(t)],
        ["korning: en körning skriver i den", f"process {os.getpid()}", "--force", LOCK_NAME],
        f"a sweep is writing it (process {os.getpid()} on",
    ),
    "out_is_a_file": (
        lambda t: ["--out", under_a_file(t)],
        ["fil.txt är en fil, inte en mapp", "--out"],
        "fil.txt is a file, not a folder. Give --out a folder for the sweep.",
    ),
    "foreign_sweep": (
        lambda t: ["--out", foreign_sweep(t), "--seed", "9"],
        ["korning: innehåller en körning gjord med andra argument (frö (--seed): 7 då, 9 nu)", "lägg till --force"],
        "korning: holds a sweep made with other arguments (seed: 7 then, 9 now). Rerun with the same arguments",
    ),
    "local_workers": (
        lambda t: ["--scheduler", "local:0"],
        ["--scheduler 'local:0'", "från 1 till 256"],
        "--scheduler 'local:0': local:N needs a number of worker processes N from 1 to 256, e.g. local:2",
    ),
    "scheduler_address": (
        lambda t: ["--scheduler", "tcp://a b"],
        ["--scheduler 'tcp://a b'", "ange adressen till en Dask-schemaläggare"],
        "--scheduler 'tcp://a b': give a Dask scheduler's address",
    ),
}  # fmt: skip


SLOW = {"foreign_sweep"}  # it sweeps first
NAMES = [pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in CASES]


def sweep(tmp: Path, case: str, lang: str):
    extra = [str(a) for a in CASES[case][0](tmp)]
    out = [] if "--out" in extra else ["--out", str(tmp / "ut")]
    args = ["sweep", "--n", "100", *out, *extra, "--quiet", "--lang", lang]
    if "--n" in extra:
        args[1:3] = []
    return runner.invoke(app, args, env={"COLUMNS": "400"})


def refusal(result, tmp: Path) -> str:
    """The refusal on one line, the test's own folder (named after the test) written as ``MAPP``."""
    assert result.exit_code == 2, result.output
    said = " ".join(result.output[result.output.index("fel:" if "fel:" in result.output else "error:") :].split())
    return said.replace(str(tmp), "MAPP")


@pytest.mark.parametrize("case", NAMES)
def test_a_sweep_refuses_in_swedish(case, tmp_path):
    said = refusal(sweep(tmp_path, case, "sv"), tmp_path)
    assert said.startswith("fel:"), said
    for part in CASES[case][1]:
        assert part in said, (part, said)
    assert offenders(said) == [], said


@pytest.mark.parametrize("case", NAMES)
def test_and_in_english_as_before(case, tmp_path):
    said = refusal(sweep(tmp_path, case, "en"), tmp_path)
    assert said.startswith("error:") and CASES[case][2] in said, said


def test_a_disk_too_small_is_said_in_swedish_with_swedish_numbers(tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage(10**12, 10**12 - 300_000_000, 300_000_000))
    for lang, wanted in (
        ("sv", "en körning med 10 000 000 förlopp behöver omkring 0,6 GB för sina delar, men disken har bara 0,3 GB"),
        ("en", "a sweep of 10 000 000 trajectories needs about 0.6 GB for its parts, but the disk has 0.3 GB free."),
    ):
        result = runner.invoke(app, ["sweep", "--n", "10000000", "--out", str(tmp_path / "ut"), "--lang", lang])
        said = refusal(result, tmp_path)
        assert wanted.replace("\xa0", " ") in said.replace("\xa0", " "), said
        assert lang == "en" or offenders(said) == [], said


def test_a_dask_worker_with_other_versions_says_so_in_the_commands_language():
    class Worker:
        address = "tcp://10.0.0.9:4000"

    with speaking("sv"):
        plugin = SameVersions({"kommiljard": "0.0.1", "numba": "0.0.1", "numpy": "0.0.1"}, "sv")
    worker = Worker()
    with pytest.raises(Exception) as refused:  # on the worker, whose process speaks English by default
        plugin.setup(worker)
    said = str(refused.value)
    assert "arbetaren tcp://10.0.0.9:4000 kör kommiljard" in said and "(den här datorn: 0.0.1)" in said, said
    assert offenders(said) == [], said


@pytest.mark.parametrize(
    ("serve", "sv", "en"),
    [
        (silent, "ingen Dask-schemaläggare svarade där inom 0,5 s", "no Dask scheduler answered there within 0.5 s"),
        (
            garbage,
            "Kontrollera adressen (`dask scheduler` skriver ut den",
            "Check the address (`dask scheduler` prints it",
        ),
    ],
)
def test_an_address_that_is_no_dask_scheduler_is_refused_in_the_language_spoken(serve, sv, en):
    for lang, wanted in (("sv", sv), ("en", en)):
        with listening(serve) as address, speaking(lang), pytest.raises(InputError) as refused:
            probe(address, 0.5)
        said = str(refused.value)
        assert said.startswith(f"--scheduler {address!r}: ") and wanted in said, said
        assert lang == "en" or offenders(said) == [], said  # what Dask said is quoted as code
