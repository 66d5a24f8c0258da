"""A panel without a region (or without some of its months): refused by default, naming the region
and what to do; computed only when asked, with the region "no data" (never 0 kr) in every output
and the money still conserved."""

from __future__ import annotations

import io
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.whatif import payout_curve, whatif
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import InputError, MissingDataWarning
from kommiljard.outputs.plots.payout import plot_payouts
from kommiljard.outputs.report import build_report

runner = CliRunner()


@pytest.fixture(scope="module")
def sample(sample_panel_path) -> pd.DataFrame:
    return pd.read_parquet(sample_panel_path)


@pytest.fixture(scope="module")
def without_06(sample, tmp_path_factory):
    path = tmp_path_factory.mktemp("panels") / "without_06.parquet"
    sample[sample["region"] != "06"].to_parquet(path)
    return path


@pytest.fixture(scope="module")
def computed(without_06):
    with pytest.warns(MissingDataWarning, match="06 Jönköping"):
        return payout(without_06, allow_missing_regions=True)


def test_a_missing_region_is_refused_with_its_code_name_and_what_to_do(without_06):
    with pytest.raises(InputError) as info:
        payout(without_06)
    message = str(info.value)
    assert "region 06 Jönköping has no rows" in message
    assert "population table" in message and "--allow-missing-regions" in message
    assert "allow_missing_regions=True" in message


def test_a_region_missing_one_month_is_refused_too(sample):
    panel = sample[~((sample["region"] == "01") & (sample["month"] == "2018-11") & (sample["group"] == "operation"))]
    with pytest.raises(InputError, match=r"01 Stockholm has no row for 2018-11 operation \(to compare with 2019-11\)"):
        payout(panel)


def test_cli_refuses_with_exit_2_and_computes_when_asked(without_06):
    refused = runner.invoke(app, ["payout", str(without_06)])
    assert refused.exit_code == 2 and "06 Jönköping" in refused.stderr and "Traceback" not in refused.output
    allowed = runner.invoke(app, ["payout", str(without_06), "--allow-missing-regions"], env={"COLUMNS": "100"})
    assert allowed.exit_code == 0, allowed.output
    assert "warning" in allowed.stderr and "06 Jönköping" in allowed.stderr
    row = next(line for line in allowed.stdout.splitlines() if line.startswith("06 "))
    assert row.count("no data") == 2  # both groups of block 1; block 2 and the total are amounts


def test_validate_says_the_same(without_06):
    refused = runner.invoke(app, ["validate", str(without_06)])
    assert refused.exit_code == 2 and "06 Jönköping has no rows" in refused.stderr
    allowed = runner.invoke(app, ["validate", str(without_06), "--allow-missing-regions"])
    assert allowed.exit_code == 0, allowed.output
    said = " ".join(allowed.stdout.split())  # the line wraps at the terminal's width
    assert "lacks data for 1 region of" in said and "06 Jönköping" in allowed.stderr


def test_the_missing_region_is_no_data_not_zero_and_the_money_is_conserved(computed, sample_panel_path):
    t = computed.table
    gone = t[(t["region"] == "06") & (t["block"] == 1)]
    assert len(gone) == 6 and (gone["data"] == "missing").all() and (gone["route"] == "no_data").all()
    assert gone["amount_sek"].isna().all() and (gone["tier"] == 0).all()
    assert (t.loc[t["region"] != "06", "data"] == "ok").all()
    cells = computed.cells
    np.testing.assert_allclose(cells["paid_sek"] + cells["lapsed_sek"], cells["pot_sek"], atol=0.01)
    for (block, month, group), rows in t.groupby(["block", "month", "group"], dropna=False):
        cell = cells[
            (cells["block"] == block) & (cells["month"].fillna("") == (month if isinstance(month, str) else ""))
        ]
        cell = cell[cell["group"].fillna("") == (group if isinstance(group, str) else "")]
        assert rows["amount_sek"].sum() == pytest.approx(float(cell["paid_sek"].iloc[0]), abs=0.01)
    assert (cells.loc[cells["block"] == 1, "no_data"] == 1).all()
    assert computed.paid_sek + computed.lapsed_sek == pytest.approx(1_600_000_000, abs=0.05)
    # block 2 needs no panel rows: the region is paid its population share as with a full panel
    full = payout(sample_panel_path)
    assert t.loc[(t["region"] == "06") & (t["block"] == 2), "amount_sek"].item() == pytest.approx(
        full.table.loc[(full.table["region"] == "06") & (full.table["block"] == 2), "amount_sek"].item()
    )
    summary = computed.summary().set_index("region")
    assert np.isnan(summary.loc["06", "block1_first_visit"]) and np.isnan(summary.loc["06", "block1_operation"])
    assert summary.loc["06", "total_sek"] == pytest.approx(summary.loc["06", "block2"])
    assert summary.loc["06", "no_data"] == "block 1 (every cell)" and summary.loc["01", "no_data"] == ""
    assert computed.provenance["no_data"] == {"06 Jönköping": "block 1 (every cell)"}


def test_the_reference_and_the_kernel_agree_on_a_panel_without_a_region(without_06):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        payout(without_06, backend="check", allow_missing_regions=True)  # raises if they differ


def test_a_region_without_last_years_row_does_not_qualify_even_by_the_target(sample):
    full = payout(sample)
    by_target = full.table[(full.table["route"] == "target_60")].iloc[0]
    region, month, group = by_target["region"], by_target["month"], by_target["group"]
    previous = f"{int(month[:4]) - 1}{month[4:]}"
    panel = sample[~((sample["region"] == region) & (sample["month"] == previous) & (sample["group"] == group))]
    with pytest.warns(MissingDataWarning):
        result = payout(panel, allow_missing_regions=True)
    t = result.table.set_index(["region", "month", "group"])
    assert t.loc[(region, month, group), "data"] == "missing"
    assert t.loc[(region, month, group), "tier"] == 0 and np.isnan(t.loc[(region, month, group), "amount_sek"])
    assert result.no_data() == {region: f"block 1: {month} {group}"}


def test_a_threshold_block_marks_a_missing_region_too(sample_panel_path):
    panel = pd.read_parquet(sample_panel_path.with_name("sample_panel_2013.parquet"))
    with pytest.warns(MissingDataWarning):
        result = payout(panel[panel["region"] != "25"], "kommiljard-2013", allow_missing_regions=True)
    t = result.table
    assert (
        t.loc[t["region"] == "25", "amount_sek"].isna().all()
        and (t.loc[t["region"] == "25", "data"] == "missing").all()
    )
    cells = result.cells
    np.testing.assert_allclose(cells["paid_sek"] + cells["lapsed_sek"], cells["pot_sek"], atol=0.01)
    from kommiljard.analysis.explain import explain

    group = t["group"].iloc[0]
    e = explain(panel[panel["region"] != "25"], "01", "2013-12", group, "kommiljard-2013", allow_missing_regions=True)
    paid = t.query("region == '01' and group == @group")["amount_sek"].sum()
    assert e.outcome.amount == pytest.approx(paid, abs=0.005) and e.no_data == ("25",)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::kommiljard.errors.MissingDataWarning")
def test_a_whatif_of_the_missing_region_itself_is_refused(sample):
    panel = sample[~((sample["region"] == "06") & (sample["month"] == "2019-11"))]
    with pytest.raises(InputError, match="06 Jönköping has no data for block 1: 2019-11"):
        whatif(panel, "06", 1.0, allow_missing_regions=True)
    with pytest.raises(InputError, match="06 Jönköping has no data"):
        payout_curve(panel, "06", month="2019-11", allow_missing_regions=True)
    other = whatif(panel, "03", 1.0, allow_missing_regions=True)  # another region's what-if is fine
    assert other.delta_sek >= 0


@pytest.mark.slow
def test_every_output_says_no_data(computed, without_06, tmp_path):
    report = build_report(computed)
    assert "No data for 06 Jönköping" in report and report.count(">no&nbsp;data<") == 2  # both groups of block 1
    ax = plot_payouts(computed)
    assert any("no data: block 1 (every cell)" in t.get_text() for t in ax.texts)
    out = tmp_path / "payout.xlsx"
    result = runner.invoke(app, ["payout", str(without_06), "--allow-missing-regions", "--out", str(out)])
    assert result.exit_code == 0, result.output
    detail = openpyxl.load_workbook(out)["Detail"]
    rows = list(detail.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == "region")  # the header, under the sheet's notes
    header = list(rows[at])
    amounts = {
        (r[header.index("region")], r[header.index("block")]): r[header.index("amount, kr")]
        for r in rows[at + 1 :]
        if r[0] != "total"
    }
    assert amounts[("06", 1)] == "no data" and isinstance(amounts[("06", 2)], int)
    compared = runner.invoke(app, ["compare", str(without_06), "--allow-missing-regions", "--format", "csv"])
    frame = pd.read_csv(io.StringIO(compared.stdout), dtype={"region": str})
    assert frame.set_index("region").loc["06", "no_data"] == "block 1 (every cell)"


def test_explain_traces_a_region_beside_one_without_data_to_the_payouts_amount(without_06, computed, sample):
    from kommiljard.analysis.explain import explain

    with pytest.raises(InputError, match="06 Jönköping has no rows"):
        explain(without_06, "01", "2019-10", "operation")
    e = explain(without_06, "01", "2019-10", "operation", allow_missing_regions=True)
    paid = computed.table.query("block == 1 and region == '01' and month == '2019-10' and group == 'operation'")
    assert e.outcome.amount == pytest.approx(float(paid["amount_sek"].iloc[0]), abs=0.005)
    assert e.as_dict()["no_data_regions"] == ["06"] and "06 Jönköping" in e.render()
    with pytest.raises(InputError, match="06 Jönköping is not in the panel"):
        explain(without_06, "06", "2019-10", "operation", allow_missing_regions=True)
    one_month = sample[~((sample["region"] == "01") & (sample["month"] == "2018-11"))]
    with pytest.raises(InputError, match=r"01 Stockholm has no data for 2019-11 operation"):
        explain(one_month, "01", "2019-11", "operation", allow_missing_regions=True)
    assert explain(one_month, "01", "2019-10", "operation", allow_missing_regions=True).no_data == ()
    result = runner.invoke(app, ["explain", str(without_06), "--region", "01", "--month", "2019-10", "--group",
                                 "operation", "--allow-missing-regions"])  # fmt: skip
    assert result.exit_code == 0 and "No data (computed with --allow-missing-regions" in result.output
