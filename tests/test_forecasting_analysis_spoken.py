"""The refusals and warnings of the forecasting room (fit, backtest, a sweep of a fitted scenario) and of the
analysis room (whatif, explain, compare, the page's grid) in the command's language: under ``--lang sv`` each
starts with ``fel:``, names the file or option and says nothing in English or in code names; under ``--lang en``
the same input gives the English text as before."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from swedish_check import offenders
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import InputError
from kommiljard.forecasting.backtest import backtest
from kommiljard.forecasting.fit import HistoryWarning, fit_history
from kommiljard.forecasting.forecast import naive_forecast
from kommiljard.forecasting.history import synthetic_history
from kommiljard.language import speaking

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_panel_2019.parquet"
runner = CliRunner()


def run(args: list, lang: str):
    return runner.invoke(app, [*map(str, args), "--lang", lang], env={"COLUMNS": "400"})  # no path cut by a wrap


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A synthetic history (2014-01 to 2019-12), variants of it, and a scenario fitted to it up to 2019-08."""
    tmp = tmp_path_factory.mktemp("spoken")
    h = synthetic_history(3).frame
    h.to_parquet(tmp / "h.parquet", index=False)

    def write(name: str, frame: pd.DataFrame) -> None:
        (frame.to_csv if name.endswith(".csv") else frame.to_parquet)(tmp / name, index=False)

    def cell(frame, region, group, month):
        return (frame["region"] == region) & (frame["group"] == group) & (frame["month"] == month)

    write("twice.parquet", pd.concat([h, h[cell(h, "06", "first_visit", "2018-03")]]))
    write("no25.parquet", h[h["region"] != "25"])
    write("no13fv.parquet", h[~((h["region"] == "13") & (h["group"] == "first_visit"))])
    write("thin09.parquet", h[~((h["region"] == "09") & (h["month"] < "2018-09"))])
    text = h.astype(object)
    text.loc[cell(h, "06", "first_visit", "2016-05"), "share_90"] = "abc"
    write("word.csv", text)
    text = h.astype(object)
    text.loc[cell(h, "06", "first_visit", "2016-05"), "share_90"] = 150.0
    write("outside.csv", text)
    text = h.astype(object)
    text.loc[cell(h, "06", "operation", "2016-05"), "group"] = "operations"
    write("group.csv", text)
    write("to201910.parquet", h[h["month"] <= "2019-10"])
    write("gap2019.parquet", h[~cell(h, "06", "first_visit", "2019-10")])
    write("late.parquet", h[h["month"] >= "2019-09"])
    gap = h[h["month"] <= "2019-10"].copy()
    gap.loc[cell(gap, "06", "first_visit", "2019-09"), "share_90"] = np.nan
    write("suppressed.parquet", gap)
    sample = pd.read_parquet(SAMPLE)
    write("sample_no25.parquet", sample[sample["region"] != "25"])
    assert run(["fit", tmp / "h.parquet", "--until", "2019-08", "--out", tmp / "f.toml"], "en").exit_code == 0
    lines = (tmp / "f.toml").read_text(encoding="utf-8").splitlines()
    at = [i for i, line in enumerate(lines) if line == "baseline_year = 2018"][-1]  # the [fit] table's
    (tmp / "bad.toml").write_text("\n".join([*lines[:at], "baseline_year = 2017", *lines[at + 1 :]]) + "\n", "utf-8")
    return tmp


def fit(name: str, *more) -> list:
    return ["fit", name, *more, "--out", "out.toml"]


# (case, arguments (file names in the folder), what the English message says, what it names in either language)
CASES = [
    ("duplicates", fit("twice.parquet"), "duplicate rows: 1 month given more than once", "twice.parquet"),
    ("not a number", fit("word.csv"), "1 share that are not numbers", "word.csv"),
    ("outside 0-100", fit("outside.csv"), "1 share outside 0-100", "outside.csv"),
    ("unknown group", fit("group.csv"), "unknown group; did you mean 'operation'", "'operations'"),
    ("no region", fit("no25.parquet"), "no rows for 1 of the 21 regions up to 2019-12", "25 Norrbotten"),
    ("no group", fit("no13fv.parquet"), "no rows of first visits up to 2019-12 for 13 Halland", "13 Halland"),
    ("thin", fit("thin09.parquet", "--until", "2019-08"), "fewer than 24 months with data", "--borrow"),
    ("until after", fit("h.parquet", "--until", "2025-01"), "the history ends 2019-12, before --until", "--until"),
    ("until before", fit("h.parquet", "--until", "2010-01"), "no rows up to 2010-01", "--until"),
    ("too short", fit("h.parquet", "--until", "2014-06"), "6 months of history up to 2014-06", "h.parquet"),
    ("nothing to forecast", ["backtest", "h.parquet", "--as-of", "2019-12"], "so there is nothing to forecast",
     "--as-of"),
    ("realised ends", ["backtest", "to201910.parquet", "--as-of", "2019-08"], "the history ends 2019-10",
     "to201910.parquet"),
    ("realised missing", ["backtest", "gap2019.parquet", "--as-of", "2019-08"], "no row, or a suppressed share",
     "06 Jönköping"),
    ("no observed", ["sweep", "f.toml", "--out", "sweep"], "a fitted scenario forecasts from the months already",
     "--observed"),
    ("observed late", ["sweep", "f.toml", "--observed", "late.parquet", "--out", "sweep"],
     "the observed months begin 2019-09", "late.parquet"),
    ("known missing", ["sweep", "f.toml", "--observed", "suppressed.parquet", "--out", "sweep"],
     "1 of their cells are suppressed or missing (the share within 90 days of 06 Jönköping first visits 2019-09)",
     "06 Jönköping"),
    ("fitted file", ["sweep", "bad.toml", "--observed", "h.parquet", "--out", "sweep"],
     "fit.baseline_year = 2017: a fit until 2019-08 has baseline year 2018", "fit.baseline_year"),
    ("explain group", ["explain", SAMPLE, "--region", "06", "--month", "2019-10", "--group", "forstbesok"],
     "measures no group 'forstbesok'", "'forstbesok'"),
    ("explain no month", ["explain", SAMPLE, "--region", "06"], "give --month (and --group)", "--month"),
    ("explain region", ["explain", "sample_no25.parquet", "--region", "25", "--month", "2019-10", "--group",
                        "first_visit", "--allow-missing-regions"], "region 25 Norrbotten is not in the panel",
     "sample_no25.parquet"),
    ("whatif region", ["whatif", "sample_no25.parquet", "--region", "25", "--improve", "3", "--allow-missing-regions"],
     "region '25' is not in the panel", "sample_no25.parquet"),
    ("whatif lever", ["whatif", SAMPLE, "--region", "06", "--more", "3"], "no block with the lever --more",
     "--more"),
    ("curve bounds", ["whatif", SAMPLE, "--region", "06", "--curve", "--lo", "5", "--hi", "1"],
     "payout curve: need --step > 0 and --hi >= --lo", "--hi"),
    ("curve points", ["whatif", SAMPLE, "--region", "06", "--curve", "--lo", "-100", "--hi", "100", "--step",
                      "0.001"], "would be 2e+05 points; at most 20001", "--step"),
    ("page grid", ["page", SAMPLE, "--out", "page.html", "--step", "0.0001"],
     "what-if grid: -20 to 20 pp in steps of 0.0001 is 400001 points per cell", "--step"),
    ("variant form", ["compare", SAMPLE, "--variant", "bad"], "variant 'bad' (--variant): write it as", "--variant"),
    ("variant name", ["compare", SAMPLE, "--variant", "diff_x:block1.bars.blue.inclusive=false"],
     "variant name 'diff_x' is taken", "'diff_x'"),
]  # fmt: skip
# a refusal that another room wraps (a scenario file's validation, sweeps/): only this room's line is checked
OWN_LINE = {"fitted file": r"fit\.baseline_year = 2017.*"}


def refusal(result) -> str:
    """The refusal's text: from its ``fel:``/``error:`` to the end of stderr."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    found = re.search(r"^(fel|error): .*", result.stderr, re.M | re.S)
    assert found, result.stderr
    return found.group(0)


@pytest.mark.parametrize(("case", "args", "english", "names"), CASES, ids=[c[0] for c in CASES])
def test_a_refusal_is_said_in_swedish_and_still_in_english(folder, monkeypatch, case, args, english, names):
    monkeypatch.chdir(folder)
    said = refusal(run(args, "sv"))
    assert said.startswith("fel: ") and names in said, said
    own = re.search(OWN_LINE[case], said).group(0) if case in OWN_LINE else said
    assert offenders(own) == [], said
    told = refusal(run(args, "en"))
    assert told.startswith("error: ") and english in told and names in told, told


def test_the_fit_warns_in_swedish(folder, monkeypatch):
    """Borrowed parameters, months left out, suppressed cells, a short history: 'varning:' and Swedish."""
    monkeypatch.chdir(folder)
    h = pd.read_parquet("h.parquet")
    h = h[~((h["region"] == "09") & (h["month"] < "2018-10"))]  # 09 Gotland thin: borrows
    h.loc[(h["region"] == "06") & (h["month"] == "2019-03"), "share_60"] = np.nan  # a share_60 alone
    h = h.drop(h[(h["region"] == "07") & (h["month"] == "2019-04")].index)  # a month missing
    early = (h["month"] < "2018-01") & ~h["region"].isin(["01", "03"])  # before 2018 only two regions report
    h[~early].to_parquet("warned.parquet", index=False)
    args = ["fit", "warned.parquet", "--until", "2019-08", "--borrow", "--out", "warned.toml"]
    results = {lang: run(args, lang) for lang in ("sv", "en")}
    assert all(r.exit_code == 0 for r in results.values()), results["sv"].output
    said = [line for line in results["sv"].stderr.splitlines() if line.startswith("varning: ")]
    told = [line for line in results["en"].stderr.splitlines() if line.startswith("warning: ")]
    assert len(said) == len(told) >= 4, results["sv"].stderr
    assert not [line for line in said if offenders(line)], said
    for words in ("lånas från den gemensamma skattningen", "utelämnade", "skyddade eller saknade", "månaders historik"):
        assert any(words in line for line in said), (words, said)
    for words in ("borrowed from the pooled estimate", "left out", "suppressed or missing", "months of history"):
        assert any(words in line for line in told), (words, told)


def test_refusals_only_the_api_reaches_are_said_too():
    """An --until or --as-of that is not a month, no trajectories, a naive forecast too far ahead: the API's own
    checks (the command line refuses such options before) are said in the language spoken."""
    history = synthetic_history(3).frame
    calls = [
        (lambda: fit_history(history, until="2019-13"), "är ingen månad", "is not a month"),
        (lambda: backtest(history, "aug", n=10), "är ingen månad", "is not a month"),
        (lambda: naive_forecast(history, ["2021-06"], "2019-12"), "mer än 12 månader", "more than 12 months"),
    ]
    for call, swedish, english in calls:
        with speaking("sv"), pytest.raises(InputError) as err:
            call()
        assert swedish in str(err.value) and offenders(str(err.value)) == [], str(err.value)
        with pytest.raises(InputError, match=english):
            call()


def test_a_short_history_warns_in_the_language_spoken():
    history = synthetic_history(3).frame
    short = history[history["month"] >= "2018-01"]
    with speaking("sv"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", HistoryWarning)
        fit_history(short, until="2019-08")
    said = [str(w.message) for w in caught if issubclass(w.category, HistoryWarning)]
    assert any("månaders historik, färre än" in s for s in said) and not [s for s in said if offenders(s)], said
