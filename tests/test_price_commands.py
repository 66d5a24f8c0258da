"""The price schemes of 2025 and 2026 through every command: payout (terminal, Swedish CSV, workbook), explain,
whatif (--procedure, --more, --curve), report, plot, the page, compare (2025 against 2026; the staircase against a
price scheme on one panel), and bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.curves import cell_curves
from kommiljard.analysis.whatif import payout_curve, whatif
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.outputs.page import page_data

DATA = Path(__file__).resolve().parents[1] / "data"
OPERATIONS = str(DATA / "sample_operations_2022_2026.parquet")
MIXED = str(DATA / "sample_shares_and_operations.parquet")
OBSERVED = str(DATA.parent / "examples" / "sample_operations_until_july_2026.parquet")
SCHEMES = ("kommiljard-2025-feb-oct", "kommiljard-2025-jun-oct", "kommiljard-2026")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_june_october_sample_pays_46_8_pct_of_the_maximum_beside_the_published_48():
    result = payout(OPERATIONS, "kommiljard-2025-jun-oct")
    assert result.panel.synthetic
    assert round(result.paid_sek / 507.5e6 * 100, 1) == 46.8  # docs/rules/2025-jun-oct.md, data/README.md
    pct = result.table.set_index("region")["share_of_max_pct"]
    paid = result.table.set_index("region")["amount_sek"]
    cap = result.table.set_index("region")["cap_sek"]
    np.testing.assert_allclose(pct, paid / cap * 100, rtol=1e-12)
    assert cap.sum() == pytest.approx(507.5e6, abs=1e-3) and (paid <= cap).all()


@pytest.mark.slow
@pytest.mark.parametrize("name", SCHEMES)
def test_payout_in_swedish_csv_and_a_workbook_adds_up_in_whole_kronor(name, tmp_path):
    csv, xlsx = tmp_path / "p.csv", tmp_path / "p.xlsx"
    assert run("payout", OPERATIONS, "--rules", name, "--out", str(csv), "--csv-dialect", "sv").exit_code == 0
    assert run("payout", OPERATIONS, "--rules", name, "--out", str(xlsx)).exit_code == 0
    table = pd.read_csv(csv, sep=";", decimal=",", dtype={"region": str}, encoding="utf-8-sig", skiprows=1)
    headers = {"amount, kr": "amount_sek", "cap, kr": "cap_sek", "as a top region, kr": "top_regions_sek"}
    table = table.rename(columns=headers)  # a Swedish CSV is for people: headers in words, the synthetic line first
    cells = payout(OPERATIONS, name).cells
    paid = table["amount_sek"].sum()
    assert paid == pytest.approx(round(cells["paid_sek"].sum()), abs=0.5)
    assert (table["amount_sek"] == table["amount_sek"].round()).all() and (table["operations"].dropna() % 1 == 0).all()
    priced = table[table["cap_sek"].notna()]
    assert (priced["amount_sek"] - priced["top_regions_sek"] <= priced["cap_sek"] + 1).all()  # each rounded on its own
    assert xlsx.stat().st_size > 0


def test_explain_says_what_a_region_gets_for_how_many_operations_at_what_price_and_its_cap():
    done = run("explain", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03")
    assert done.exit_code == 0, done.output
    text = re.sub(r"\s+", " ", done.output)
    assert "Uppsala gets 22 441 000 kr: 59 knee prostheses over the baseline at 108 000 kr" in text
    assert "below its cap of 28 000 000 kr" in text and "SYNTHETIC" in text
    data = json.loads(run("explain", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "-f", "json").output)
    knee = next(p for p in data["procedures"] if p["procedure"] == "knee_prosthesis")
    assert knee["counted"] == 59 and knee["earned_sek"] == 59 * 108_000
    assert data["amount_sek"] == sum(p["earned_sek"] for p in data["procedures"])  # below its cap: all it earned


@pytest.mark.slow
def test_whatif_200_more_cataract_operations_below_the_cap_pays_200_times_19_000_kr():
    w = whatif(OPERATIONS, "03", 200, groups="cataract", rules="kommiljard-2026", lever="more")
    assert w.delta_sek == 200 * 19_000
    assert {g for _, _, g in w.chosen} == {"cataract"} and len(w.chosen) == 12
    done = run(
        "whatif", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "--procedure", "cataract", "--more", "200"
    )
    assert done.exit_code == 0, done.output
    assert (
        "+3 800 000 kr" in done.output
        and "performs 200 more operations of each procedure in cataract Jan–Dec 2026" in " ".join(done.output.split())
    )


@pytest.mark.slow
def test_whatif_past_the_cap_pays_exactly_the_cap_and_the_curve_agrees_with_whatif():
    curve = payout_curve(
        OPERATIONS, "03", group="cataract", rules="kommiljard-2026", lo=0, hi=1000, step=50, lever="more"
    )
    assert curve["amount_sek"].iloc[-1] == 28_000_000  # Uppsala's cap
    assert curve["amount_sek"].is_monotonic_increasing
    for more in (100, 350):
        w = whatif(OPERATIONS, "03", more, groups="cataract", rules="kommiljard-2026", lever="more")
        assert curve.set_index("more_operations").loc[float(more), "amount_sek"] == w.scenario_sek


@pytest.mark.slow
def test_the_curve_of_a_pot_per_procedure_and_no_conditions_where_no_block_has_any():
    args = ("whatif", OPERATIONS, "--rules", "kommiljard-2025-feb-oct", "--region", "03", "--curve", "--hi", "100")
    done = run(*args, "--procedure", "cataract")
    assert done.exit_code == 0, done.output  # the price arrays' gaps are per cell (one per procedure's pot)
    assert "more operations" in done.stdout and "conditions" not in done.stderr
    stated = run("payout", str(DATA / "sample_panel_2019.parquet")).stderr
    assert "the conditions of block 2: all regions met them" in stated


@pytest.mark.slow
def test_the_page_equals_whatif_on_its_grid_for_a_price_block_with_a_pot_per_procedure():
    result = payout(OPERATIONS, "kommiljard-2025-feb-oct")
    curves = cell_curves(result, lo=-100, hi=300, step=10)
    data = page_data(curves, "sv")
    assert len(data["cells"]) == 3 and "value" in data["regions"][0]["cells"][0]  # the operations, not a share
    assert data["cells"][0]["label"] == "feb–okt 2025 · Höftprotes"  # the period, not its last month
    r = curves.regions.index("22")
    c = [g for _, _, g in curves.cells].index("prolapse")
    w = whatif(OPERATIONS, "22", 200, groups="prolapse", rules="kommiljard-2025-feb-oct", lever="more")
    after = w.cells.set_index("group").loc["prolapse", "amount_after_sek"]
    assert curves.amount[r, c, curves.index(200)] == after
    assert (
        curves.total(r and "22", {(m, g): (200 if g == "prolapse" else 0) for _, m, g in curves.cells})
        == w.scenario_sek
    )


@pytest.mark.slow
def test_report_in_swedish_names_the_procedures_and_the_kind_in_swedish(tmp_path):
    out = tmp_path / "r.html"
    done = run("report", OPERATIONS, "--rules", "kommiljard-2025-feb-oct", "--lang", "sv", "--out", str(out))
    assert done.exit_code == 0, done.output
    page = out.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<[^>]*>", " ", page, flags=re.S)  # what a reader sees (no anchors, no data)
    assert "Ersättning per operation" in text and "höftprotes" in text
    assert "hip_prosthesis" not in text and "above_baseline" not in text


@pytest.mark.slow
def test_plot_of_a_price_block_and_its_payout_curve(tmp_path):
    cells, curve = tmp_path / "cells.png", tmp_path / "curve.csv"
    assert run("plot", "staircase", OPERATIONS, "--rules", "kommiljard-2026", "--out", str(cells)).exit_code == 0
    args = ("whatif", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "--curve", "--out", str(curve))
    assert run(*args).exit_code == 0
    assert run("plot", "curve", str(curve), "--out", str(tmp_path / "curve.png")).exit_code == 0
    assert cells.stat().st_size > 10_000


@pytest.mark.slow
def test_compare_2025_against_2026_and_the_staircase_against_a_price_scheme_on_one_panel():
    done = run("compare", OPERATIONS, "--rules", "kommiljard-2025-jun-oct", "--rules", "kommiljard-2026", "-f", "csv")
    assert done.exit_code == 0, done.output
    mixed = run("compare", MIXED, "--rules", "kommiljard-2019", "--rules", "kommiljard-2026", "-f", "json")
    assert mixed.exit_code == 0, mixed.output
    assert payout(MIXED, "kommiljard-2026").paid_sek == payout(OPERATIONS, "kommiljard-2026").paid_sek
    assert payout(MIXED, "kommiljard-2019").paid_sek == pytest.approx(1_600_000_000)


def _bad(frame: pd.DataFrame, case: str) -> pd.DataFrame:
    f = frame.copy()
    if case == "missing procedure":
        f.loc[f.index[:1], "group"] = None
    elif case == "negative count":
        f.loc[f.index[5], "operations"] = -3
    elif case == "fractional count":
        f["operations"] = f["operations"].astype(float)
        f.loc[f.index[7], "operations"] = 12.5
    elif case == "duplicated row":
        f = pd.concat([f, f.iloc[[10]]])
    elif case == "unknown procedure":
        f.loc[f.index[0], "group"] = "catarct"
    elif case == "region missing":
        f = f[f["region"] != "09"]
    elif case == "row missing":
        f = f[~((f["region"] == "03") & (f["month"] == "2026-05") & (f["group"] == "cataract"))]
    return f


BAD = {
    "missing procedure": "group is empty",
    "negative count": "operations = '-3' must be a count from 0",
    "fractional count": "must be a whole number (a count)",
    "duplicated row": "duplicate row for (01, 2022-02, knee_prosthesis)",
    "unknown procedure": "did you mean 'cataract'?",
    "region missing": "09 Gotland has no row",
    "row missing": "region 03 Uppsala has no row for 2026-05 cataract",
}


def _command(name: str, panel: Path, observed: Path, out: Path) -> list[str]:
    """One command that reads the operations panel (``sweep``: as its observed panel), writing under ``out``."""
    rules = ("--rules", "kommiljard-2026")
    return {
        "payout": ["payout", str(panel), *rules, "--out", str(out / "out.csv")],
        "explain": ["explain", str(panel), *rules, "--region", "03"],
        "report": ["report", str(panel), *rules, "--out", str(out / "report.html")],
        "whatif": ["whatif", str(panel), *rules, "--region", "03", "--more", "5", "--out", str(out / "w.csv")],
        "sweep": ["sweep", *rules, "--observed", str(observed), "--n", "50", "--out", str(out / "sweep")],
        "compare": ["compare", str(panel), "--rules", "kommiljard-2025-jun-oct", *rules, "--out", str(out / "c.csv")],
        "page": ["page", str(panel), *rules, "--out", str(out / "page.html")],
    }[name]


COMMANDS = ("payout", "explain", "report", "whatif", "sweep", "compare", "page")
REFUSALS = [  # a sweep draws the months its observed panel lacks (docs/cli.md): a missing row is no refusal there
    pytest.param(case, command, marks=[] if command == "payout" else [pytest.mark.slow])
    for command in COMMANDS
    for case in sorted(BAD)
    if not (command == "sweep" and case == "row missing")
]


@pytest.mark.parametrize("case, command", REFUSALS)
def test_bad_operations_panel_is_refused_by_every_command_with_exit_2_and_nothing_written(case, command, tmp_path):
    panel, observed, out = tmp_path / "panel.csv", tmp_path / "observed.csv", tmp_path / "out"
    _bad(pd.read_parquet(OPERATIONS), case).to_csv(panel, index=False)
    _bad(pd.read_parquet(OBSERVED), case).to_csv(observed, index=False)
    out.mkdir()
    done = run(*_command(command, panel, observed, out))
    assert done.exit_code == 2, done.output
    assert BAD[case] in re.sub(r"\s+", " ", done.stderr) and "Traceback" not in done.output
    assert not list(out.iterdir()) and done.stdout == ""


def test_a_month_outside_the_scheme_is_refused_with_a_suggestion():
    done = run(
        "whatif", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "--month", "2027-01", "--more", "5"
    )
    assert done.exit_code == 2 and "did you mean 2026-01?" in done.stderr


def test_the_procedure_column_is_accepted_as_the_group(tmp_path):
    panel = tmp_path / "p.csv"
    pd.read_parquet(OPERATIONS).rename(columns={"group": "procedure"}).to_csv(panel, index=False)
    assert payout(panel, "kommiljard-2026").paid_sek == payout(OPERATIONS, "kommiljard-2026").paid_sek


def test_explain_of_a_pot_per_procedure_needs_no_procedure_and_fits_80_columns():
    done = CliRunner(env={"COLUMNS": "80"}).invoke(
        app, ["explain", OPERATIONS, "--rules", "kommiljard-2025-feb-oct", "--region", "03"]
    )
    assert done.exit_code == 0, done.output
    assert "Uppsala gets 39 790 724 kr" in " ".join(done.stdout.split())
    assert max(map(len, done.stdout.splitlines())) <= 80
    assert not re.search(r"\d\n +\d{3}\b", done.stdout)  # no number broken at its thousands' spaces


def test_payout_of_february_october_shows_what_went_to_the_top_regions_and_no_data_only_where_data_lacks():
    done = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["payout", OPERATIONS, "--rules", "kommiljard-2025-feb-oct"])
    assert done.exit_code == 0, done.output
    said = " ".join(done.stdout.split())
    result = payout(OPERATIONS, "kommiljard-2025-feb-oct")
    top = result.cells["to_top_regions_sek"].sum()
    assert top == pytest.approx(result.table["top_regions_sek"].sum()) and top > 0
    paid_own = result.table["amount_sek"].sum() - top  # paid = the regions' own + to the top regions; nothing lapses
    assert paid_own + top + result.cells["lapsed_sek"].sum() == pytest.approx(497_000_000, abs=0.01)
    assert "(of which 211 084 170 kr to the top regions), lapsed 0 kr" in said
    assert "2 │ Feb–Oct 2025 │ hip prosthesis" in said  # a cell over a period shows its months
    assert "no data" not in said and "conditions" not in done.stderr


@pytest.mark.slow
def test_report_names_a_price_cell_by_its_period_and_a_staircase_cell_by_its_month(tmp_path):
    def seen(panel: str, rules: str) -> str:
        out = tmp_path / f"{rules}.html"
        assert run("report", panel, "--rules", rules, "--out", str(out)).exit_code == 0
        return re.sub(r"\s+", " ", re.sub(r"<script.*?</script>|<[^>]*>", " ", out.read_text("utf-8"), flags=re.S))

    price = seen(OPERATIONS, "kommiljard-2026")
    assert "Block 1: Jan–Dec 2026" in price and "Block 1: Jan–Dec 2026: pot 750 000 000 kr" in price
    assert "December 2026" not in price and ", :" not in price
    assert "Block 1: October 2019, operation" in seen(str(DATA / "sample_panel_2019.parquet"), "kommiljard-2019")


def test_the_workbook_says_no_data_only_where_data_lacks_and_dash_where_a_kind_has_no_such_amount(tmp_path):
    import openpyxl

    out = tmp_path / "p.xlsx"
    assert run("payout", OPERATIONS, "--rules", "kommiljard-2025-feb-oct", "--out", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    for sheet in ("Detail", "Cells"):
        rows = list(wb[sheet].iter_rows(values_only=True))
        start = next(i for i, r in enumerate(rows) if r[0] in ("region", "block"))  # after the notes: the header
        header, rows = rows[start], rows[start + 1 : -1]  # the total row left out
        values = [v for r in rows for v in r]
        assert "no data" not in values and "-" in values, sheet  # block 1 (equal shares) has no cap, earned, top
        if sheet == "Cells":
            top = header.index("to the top regions, kr")
            assert sum(r[top] for r in rows if isinstance(r[top], int)) == 211_084_170


@pytest.mark.parametrize(
    "panel, rules",
    [(OPERATIONS, "kommiljard-2025-feb-oct"), (str(DATA / "sample_panel_2019.parquet"), "kommiljard-2019")],
)
def test_the_swedish_csv_on_the_terminal_has_whole_kronor_in_every_amount(panel, rules):
    done = run("payout", panel, "--rules", rules, "--format", "csv", "--csv-dialect", "sv")
    assert done.exit_code == 0, done.output
    lines = done.stdout.lstrip("\ufeff").splitlines()
    header, *rows = lines[1:] if lines[0].startswith("SYNTHETIC") else lines
    amounts = [c for c in header.split(";") if c.startswith("block") or c == "total, kr"]
    for row in rows:
        cells = dict(zip(header.split(";"), row.split(";")))
        assert all(cells[c].isdigit() for c in amounts), row  # 4761905, not 4761905,0
        assert sum(int(cells[c]) for c in amounts if c != "total, kr") == int(cells["total, kr"])


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_explains_table_of_operations_keeps_its_rows_whole_at_80_columns(lang):
    """Where every year's column would not fit, the table drops the earlier years (the baseline keeps their mean)
    rather than wrap each row."""
    done = CliRunner(env={"COLUMNS": "80"}).invoke(
        app, ["explain", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "--lang", lang]
    )
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    cataract = next(line for line in lines if "katarakt" in line.lower() or "cataract" in line.lower().split()[:1])
    assert "9 291 000" in cataract.replace("\xa0", " ")  # on the row, not wrapped
    assert max(map(len, lines)) <= 80


def test_explain_of_a_price_block_takes_any_month_of_its_period_and_names_procedures_in_swedish():
    by_month = run("explain", MIXED, "--rules", "kommiljard-2026", "--region", "06", "--month", "2026-03")
    assert by_month.exit_code == 0, by_month.output
    assert "Jönköping gets 19 177 000 kr" in by_month.stdout.replace("\n  ", " ")
    wrong = run("explain", MIXED, "--rules", "kommiljard-2025-feb-oct", "--region", "06", "--group", "kata",
                "--month", "2025-04", "--lang", "sv")  # fmt: skip
    assert wrong.exit_code == 2
    said = wrong.output.replace("\n", " ")
    assert "menade du 'grå starr (katarakt)'?" in said and "None" not in said and "cataract" not in said
    assert "Månader: 2025-02 till 2025-10" in said
    asked = run("explain", MIXED, "--rules", "kommiljard-2025-feb-oct", "--region", "06", "--group", "katarakt",
                "--month", "2025-04")  # fmt: skip
    assert asked.exit_code == 0 and "cataract" in asked.stdout.lower()
