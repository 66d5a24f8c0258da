"""Files that analysts forward: Excel workbooks read back with openpyxl, Swedish CSV read back with
pandas, whole kronor that add up, and no text a spreadsheet would run as a formula."""

from __future__ import annotations

import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.outputs.dialects import FORMULA_STARTS, csv_text, neutralise
from kommiljard.outputs.exports import payout_in_whole_kronor
from kommiljard.outputs.files import read_provenance

runner = CliRunner()
HIGH_BARS = {  # some cells lapse, so that lapsed money is rounded too
    "block1.bars.blue.min_improvement": 6,
    "block1.bars.red.min_improvement": 7,
    "block1.bars.orange.min_improvement": 8,
    "block1.target.threshold": 99,
}
INJECTED = "=2+5*cmd|calc!A0"


def run(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


HEADERS = {  # the English headers of the workbook, and the columns they show
    "name": "region_name", "block 1, first visits, kr": "block1_first_visit", "block 1, operations, kr":
    "block1_operation", "block 2, kr": "block2", "total, kr": "total_sek", "amount, kr": "amount_sek",
    "pot, kr": "pot_sek", "paid, kr": "paid_sek", "lapsed, kr": "lapsed_sek",
}  # fmt: skip


def table_of(ws) -> pd.DataFrame:
    """A sheet's table, without its total row, columns named as the code names them: the header is the first row
    whose cells are all filled (the sheet's notes come before it)."""
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if all(v is not None for v in r))
    frame = pd.DataFrame(rows[head + 1 :], columns=[HEADERS.get(h, h) for h in rows[head]])
    return frame[~frame.isin(["total"]).any(axis=1)]


def every_text(wb) -> list[str]:
    return [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


@pytest.fixture(scope="module")
def result(sample_panel_path):
    return payout(sample_panel_path, overrides=HIGH_BARS)


@pytest.fixture(scope="module")
def workbook(sample_panel_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "payout.xlsx"
    args = ["payout", sample_panel_path, "--out", out]
    for key, value in HIGH_BARS.items():
        args += ["--set", f"{key}={value}"]
    done = run(*args)
    assert done.exit_code == 0, done.output
    return openpyxl.load_workbook(out)


@pytest.mark.slow
def test_workbook_sheets_add_up_to_the_payout(workbook, result):
    assert workbook.sheetnames == ["Summary", "Detail", "Cells", "About the data"]
    summary = table_of(workbook["Summary"])
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    total = pd.Series(rows[-1], index=summary.columns)  # the total row
    regions = summary
    assert rows[-1][1] == "total" and len(regions) == 21
    detail, cells = table_of(workbook["Detail"]), table_of(workbook["Cells"])
    for col in ("block1_first_visit", "block1_operation", "block2", "total_sek"):
        assert regions[col].sum() == total[col]
    assert total["total_sek"] == detail["amount_sek"].sum() == cells["paid_sek"].sum()
    assert (cells["paid_sek"] + cells["lapsed_sek"] == cells["pot_sek"]).all()
    assert cells["pot_sek"].sum() == round(result.rules.ruleset.total_sek)
    assert cells["lapsed_sek"].sum() > 0
    assert abs(total["total_sek"] - result.paid_sek) < len(cells)  # whole kronor, never a krona per cell off
    exact = result.summary().set_index("region")["total_sek"]
    assert (abs(regions.set_index("region")["total_sek"] - exact.loc[regions["region"]]) < len(cells)).all()


def test_workbook_is_values_only_formatted_and_frozen(workbook, result):
    assert not any(str(v).startswith("=") for v in every_text(workbook))
    assert all(c.data_type != "f" for ws in workbook for row in ws.iter_rows() for c in row)
    summary = workbook["Summary"]
    header = next(i for i, r in enumerate(summary.iter_rows(values_only=True), 1) if r[0] == "region")
    assert summary.freeze_panes == f"C{header + 1}"
    money = [c for c in summary[header + 1] if isinstance(c.value, int)]
    assert money and all(c.number_format == "#,##0" for c in money)
    assert all(summary.column_dimensions[letter].width >= 4 for letter in "ABCDEF")
    assert any("SYNTHETIC" in v for v in every_text(workbook))  # the sample panel says so
    about = dict(workbook["About the data"].iter_rows(min_row=2, values_only=True))
    assert about["rule file SHA-256"] == result.rules.sha256 and about["synthetic panel"] == "yes"
    assert json.loads(about["JSON"])["rules"]["sha256"] == result.rules.sha256  # the whole provenance too


def test_formula_text_is_neutralised_in_csv_and_xlsx(sample_panel_path, tmp_path):
    variant = f"{INJECTED}:block1.sharing=equal"
    out = tmp_path / "compare.xlsx"
    done = run("compare", sample_panel_path, "--variant", variant, "--out", out, "--format", "csv")
    assert done.exit_code == 0, done.output
    header = done.stdout.splitlines()[0]
    assert "'" + INJECTED in header and ",=" not in header
    texts = every_text(openpyxl.load_workbook(out))
    assert any(t == "'" + INJECTED for t in texts) and not any(t.startswith("=") for t in texts)
    for start in FORMULA_STARTS:
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    assert neutralise(-5.0) == -5.0 and neutralise("Stockholm") == "Stockholm"
    frame = pd.DataFrame({"name": ["-2 pp", "@x", "ok"], "amount_sek": [-1234.0, 5.0, 0.0]})
    back = pd.read_csv(io.StringIO(csv_text(frame, "sv").lstrip("\ufeff")), sep=";", decimal=",")
    assert list(back["name"]) == ["'-2 pp", "'@x", "ok"] and list(back["amount_sek"]) == [-1234, 5, 0]


@pytest.mark.slow
def test_swedish_csv_reads_back_with_pandas(sample_panel_path, result, tmp_path):
    out = tmp_path / "payout.csv"
    args = ["payout", sample_panel_path, "--out", out, "--lang", "sv"]  # the Swedish dialect, for a spreadsheet
    for key, value in HIGH_BARS.items():
        args += ["--set", f"{key}={value}"]
    done = run(*args)
    assert done.exit_code == 0, done.output
    raw = out.read_bytes()
    lines = raw.splitlines()
    assert raw.startswith(b"\xef\xbb\xbfSYNTETISKA data") and b";" in lines[1]  # the synthetic line, then the header
    back = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig", skiprows=1, dtype={"region": str, "månad": str})
    assert back["namn"].str.contains("ö").any()  # Örebro, Jönköping: UTF-8 read back
    assert pd.api.types.is_integer_dtype(back["belopp, kr"])
    np.testing.assert_array_equal(back["förbättring, p.e."], result.table["improvement_pp"])  # decimal commas
    for _, cell in back.groupby(["block", "månad", "grupp"], dropna=False):
        assert cell["belopp, kr"].sum() + cell["ej utbetalt i cellen, kr"].iloc[0] == cell["cellens pott, kr"].iloc[0]
    assert back.groupby(["block", "månad", "grupp"], dropna=False)["cellens pott, kr"].first().sum() == 1_600_000_000
    assert read_provenance(out)["rules"]["sha256"] == result.rules.sha256
    exact = tmp_path / "exact.csv"
    assert run("payout", sample_panel_path, "--out", exact, "--lang", "sv", "--exact").exit_code == 0
    back = pd.read_csv(exact, sep=";", decimal=",", encoding="utf-8-sig", skiprows=1)
    plain = payout(sample_panel_path)
    np.testing.assert_array_equal(back["belopp, kr"], plain.table["amount_sek"])


def test_english_csv_keeps_the_amounts_exactly(sample_panel_path, tmp_path):
    out = tmp_path / "payout.csv"
    assert run("payout", sample_panel_path, "--out", out).exit_code == 0
    back = pd.read_csv(out)
    np.testing.assert_array_equal(back["amount_sek"], payout(sample_panel_path).table["amount_sek"])


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(
    blue=st.floats(-3, 12),
    red=st.floats(0.5, 6),
    cumulative=st.booleans(),
    sharing=st.sampled_from(["population", "equal"]),
)
def test_whole_kronor_add_up_in_every_cell_and_move_no_amount_by_a_krona(
    sample_panel_path, blue, red, cumulative, sharing
):
    result = payout(
        sample_panel_path,
        overrides={
            "block1.bars.blue.min_improvement": round(blue, 2),
            "block1.bars.red.min_improvement": round(blue + red, 2),
            "block1.bars.orange.min_improvement": round(blue + red + 1, 2),
            "block1.cumulative": cumulative,
            "block1.sharing": sharing,
        },
    )
    whole = payout_in_whole_kronor(result)
    cells = whole.cells
    assert (cells["paid_sek"] + cells["lapsed_sek"] == cells["pot_sek"]).all()
    assert cells["pot_sek"].sum() == 1_600_000_000
    assert (np.abs(whole.table["amount_sek"].astype(float) - result.table["amount_sek"]) < 1).all()
    assert (np.abs(cells["lapsed_sek"] - result.cells["lapsed_sek"]) < 1).all()
    assert whole.summary["total_sek"].sum() == cells["paid_sek"].sum() == whole.table["amount_sek"].sum()
    assert (whole.table.loc[result.table["amount_sek"] == 0, "amount_sek"] == 0).all()  # nobody gets a stray krona


@pytest.mark.slow
def test_whatif_and_compare_workbooks(sample_panel_path, tmp_path):
    out = tmp_path / "whatif.xlsx"
    done = run("whatif", sample_panel_path, "--region", "06", "--improve", "3", "--out", out, "--format", "json")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    wb = openpyxl.load_workbook(out)
    summary, cells = table_of(wb["Summary"]), table_of(wb["Cells"])
    assert summary["before, kr"].item() == round(doc["baseline_sek"]) and summary["after, kr"].item() == round(
        doc["scenario_sek"]
    )
    assert (cells["difference, kr"] == cells["after, kr"] - cells["before, kr"]).all()
    out = tmp_path / "compare.xlsx"
    done = run("compare", sample_panel_path, "--alternatives", "--out", out)
    assert done.exit_code == 0, done.output
    wb = openpyxl.load_workbook(out)
    summary = table_of(wb["Summary"])
    total = list(wb["Summary"].iter_rows(values_only=True))[-1]
    for variant in ("kommiljard-2019", "equal shares", "only the highest bar"):
        column = list(summary.columns).index(f"{variant}, kr")
        assert summary[f"{variant}, kr"].sum() == total[column] == 1_600_000_000
    equal, base = summary["equal shares, kr"], summary["kommiljard-2019, kr"]
    assert (summary["difference, equal shares, kr"] == equal - base).all()
    assert table_of(wb["Variants"])["variant"].tolist()[0] == "kommiljard-2019"


def test_an_unknown_out_suffix_is_refused_before_any_work(sample_panel_path, tmp_path):
    done = run("compare", sample_panel_path, "--out", tmp_path / "compare.ods")
    assert done.exit_code == 2 and ".xlsx" in done.stderr
    assert not list(tmp_path.iterdir())
