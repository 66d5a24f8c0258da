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


def table_of(ws) -> pd.DataFrame:
    """A sheet's table: the first row whose cells are all filled is the header (notes may come before it)."""
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if all(v is not None for v in r))
    return pd.DataFrame(rows[head + 1 :], columns=rows[head])


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
    assert workbook.sheetnames == ["Summary", "Detail", "Cells", "Provenance"]
    summary = table_of(workbook["Summary"])
    regions, total = summary.iloc[:-1], summary.iloc[-1]
    assert total["region_name"] == "all regions" and len(regions) == 21
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
    assert all(summary.column_dimensions[letter].width >= 8 for letter in "ABCDEF")
    assert any("SYNTHETIC" in v for v in every_text(workbook))  # the sample panel says so
    provenance = dict(workbook["Provenance"].iter_rows(min_row=2, values_only=True))
    assert provenance["rules.sha256"] == result.rules.sha256 and provenance["panel.synthetic"] == "true"


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
    args = ["payout", sample_panel_path, "--out", out, "--csv-dialect", "sv"]
    for key, value in HIGH_BARS.items():
        args += ["--set", f"{key}={value}"]
    done = run(*args)
    assert done.exit_code == 0, done.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    back = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig", dtype={"region": str, "month": str})
    assert back["region_name"].str.contains("ö").any()  # Örebro, Jönköping: UTF-8 read back
    assert pd.api.types.is_integer_dtype(back["amount_sek"])
    np.testing.assert_array_equal(back["improvement_pp"], result.table["improvement_pp"])  # decimal commas
    for _, cell in back.groupby(["block", "month", "group"], dropna=False):
        assert cell["amount_sek"].sum() + cell["cell_lapsed_sek"].iloc[0] == cell["cell_pot_sek"].iloc[0]
    assert back.groupby(["block", "month", "group"], dropna=False)["cell_pot_sek"].first().sum() == 1_600_000_000
    assert read_provenance(out)["rules"]["sha256"] == result.rules.sha256
    exact = tmp_path / "exact.csv"
    assert run("payout", sample_panel_path, "--out", exact, "--csv-dialect", "sv", "--exact").exit_code == 0
    back = pd.read_csv(exact, sep=";", decimal=",", encoding="utf-8-sig")
    plain = payout(sample_panel_path)
    np.testing.assert_array_equal(back["amount_sek"], plain.table["amount_sek"])


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
    assert summary["baseline_sek"].item() == round(doc["baseline_sek"]) and summary["scenario_sek"].item() == round(
        doc["scenario_sek"]
    )
    assert (cells["delta_sek"] == cells["amount_after_sek"] - cells["amount_before_sek"]).all()
    out = tmp_path / "compare.xlsx"
    done = run("compare", sample_panel_path, "--alternatives", "--out", out)
    assert done.exit_code == 0, done.output
    wb = openpyxl.load_workbook(out)
    summary = table_of(wb["Summary"])
    for variant in ("kommiljard-2019", "equal-sharing", "exclusive-bars"):
        assert summary.iloc[:-1][variant].sum() == summary.iloc[-1][variant] == 1_600_000_000
    assert (summary["diff_equal-sharing"] == summary["equal-sharing"] - summary["kommiljard-2019"]).all()
    assert table_of(wb["Variants"])["variant"].tolist()[0] == "kommiljard-2019"


def test_an_unknown_out_suffix_is_refused_before_any_work(sample_panel_path, tmp_path):
    done = run("compare", sample_panel_path, "--out", tmp_path / "compare.ods")
    assert done.exit_code == 2 and ".xlsx" in done.stderr
    assert not list(tmp_path.iterdir())
