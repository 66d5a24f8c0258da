"""`kommiljard import` of counts of performed operations: kommiljard's operations layouts (long and wide), the
examples/ exports (the sample operations panel exactly), bad cells named, and one panel with the share exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.cli.app import app
from kommiljard.errors import InputError
from kommiljard.inputs.importer import import_exports
from kommiljard.inputs.operations_import import procedure_of

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "examples" / "exports"
OPERATIONS = ROOT / "examples" / "operations"
LONG = OPERATIONS / "operationer_feb_okt_2022_2025_lang.csv"
WIDE = OPERATIONS / "operationer_feb_okt_2022_2025_bred.csv"
SAMPLE = ROOT / "data" / "sample_operations_2022_2026.parquet"


def _csv(tmp_path: Path, text: str, name: str = "ops.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", [LONG, WIDE], ids=["long", "wide"])
def test_the_example_exports_give_the_sample_panel_back(path):
    imported = import_exports([path])
    assert imported.synthetic and imported.layout == ("operations-long" if path == LONG else "operations-wide")
    got = imported.frame
    sample = pd.read_parquet(SAMPLE)
    sample = sample[sample.set_index(["region", "month", "group"]).index.isin(got.set_index(KEY).index)]
    assert len(got) == 21 * 3 * 9 * 4 == len(sample)
    merged = got.merge(sample, on=KEY, suffixes=("", "_sample"))
    assert (merged["operations"] == merged["operations_sample"]).all()


KEY = ["region", "month", "group"]


def test_the_long_and_wide_exports_are_the_same_panel():
    a, b = import_exports([LONG]).frame, import_exports([WIDE]).frame
    pd.testing.assert_frame_equal(a, b)


def test_names_spellings_and_counts(tmp_path):
    path = _csv(
        tmp_path,
        "region;month;procedure;operations\n"
        "01;2025-06;cataract;1 234\n"
        "Uppsala;juni 2025;Höftprotes;120 st\n"
        "Region Skåne;2025-06;Gråstarr;7\n"
        "Riket;2025-06;Katarakt;9999\n",
    )
    imported = import_exports([path])
    rows = imported.frame.set_index(KEY)["operations"].to_dict()
    assert rows == {
        ("01", "2025-06", "cataract"): 1234,
        ("03", "2025-06", "hip_prosthesis"): 120,
        ("12", "2025-06", "cataract"): 7,
    }
    assert not imported.synthetic and any("no operations of" in w for w in imported.warnings)


def test_an_empty_cell_is_left_out_and_said(tmp_path):
    path = _csv(tmp_path, "Region;Ingrepp;jun 2025;jul 2025\nStockholm;Katarakt;100;\nSkåne;Knäprotes;50;55\n")
    imported = import_exports([path])
    assert len(imported.frame) == 3 and imported.left_out == ["01 Stockholm, 2025-07, cataract (empty)"]


@pytest.mark.parametrize(
    "row, said",
    [
        ("Stockholm;2025-06;Katarak;10", "procedure 'Katarak' is not one kommiljard knows"),
        ("Stockholm;2025-06;Katarak;10", "did you mean 'cataract'?"),
        ("Stockholm;2025-06;;10", "the procedure is empty"),
        ("Stockholm;2025-06;cataract;-1", "'-1' is not a whole number of operations at least 0"),
        ("Stockholm;2025-06;cataract;2,5", "'2,5' is not a whole number of operations at least 0"),
        ("Stockholm;2025-06;cataract;12 %", "'12 %' is not a count of operations"),
        ("Stockholm;2025-06;cataract;many", "'many' is not a count of operations"),
        ("Stokholm;2025-06;cataract;3", "region 'Stokholm' is not a Swedish region; did you mean 01 Stockholm?"),
        ("Stockholm;2025-13;cataract;3", "month '2025-13' is not a month"),
    ],
)
def test_a_bad_cell_is_named(tmp_path, row, said):
    path = _csv(tmp_path, f"Region;Månad;Ingrepp;Antal\n{row}\nUppsala;2025-06;cataract;4\n")
    with pytest.raises(InputError, match="row 2") as caught:
        import_exports([path])
    assert said in str(caught.value)


def test_a_count_given_twice_is_named_in_both_files(tmp_path):
    one = _csv(tmp_path, "Region;Månad;Ingrepp;Antal\nUppsala;2025-08;hip_prosthesis;3\n", "one.csv")
    two = _csv(
        tmp_path, "Region;Månad;Ingrepp;Antal\nUppsala;2025-08;Höftprotes;4\nSkåne;2025-08;Katarakt;1\n", "two.csv"
    )
    with pytest.raises(InputError, match=r"03 Uppsala, 2025-08, hip_prosthesis are given twice: here and .*one\.csv"):
        import_exports([one, two])


def test_share_exports_and_operations_make_one_panel():
    shares = sorted(EXPORTS.glob("socialstyrelsen_*.csv"))
    imported = import_exports([*shares, WIDE])
    frame = imported.frame
    assert set(frame["group"]) == {"first_visit", "operation", "hip_prosthesis", "cataract", "prolapse"}
    ops = frame[frame["operations"].notna()]
    assert ops["share_90"].isna().all() and frame[frame["operations"].isna()]["share_90"].notna().all()
    assert "socialstyrelsen" in imported.layout and "operations-wide" in imported.layout


def test_procedure_names():
    assert procedure_of("Knäprotes") == "knee_prosthesis" and procedure_of("LJUMSKBRÅCK") == "inguinal_hernia"
    assert procedure_of("Framfall") == "prolapse" and procedure_of("koloskopi") == "colonoscopy"
    assert procedure_of("hip prosthesis") == "hip_prosthesis"
    assert procedure_of("operation") is None and procedure_of("") is None


def test_the_command_writes_a_panel_the_price_schemes_pay_on(tmp_path):
    out = tmp_path / "ops.parquet"
    result = CliRunner().invoke(app, ["import", str(WIDE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        "operations layout, wide" in result.output
        and "--rules kommiljard-2025-jun-oct --out report.html" in " ".join(result.output.split())
    )
    paid = CliRunner().invoke(app, ["payout", str(out), "--rules", "kommiljard-2025-jun-oct", "--format", "csv"])
    assert paid.exit_code == 0, paid.output


def test_the_command_refuses_a_bad_count_and_writes_nothing(tmp_path):
    bad = _csv(tmp_path, "Region;Månad;Ingrepp;Antal\nUppsala;2025-08;Katarakt;-3\n")
    out = tmp_path / "ops.parquet"
    result = CliRunner().invoke(app, ["import", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "not a whole number of operations" in result.output
    assert not out.exists()


def test_the_example_exports_are_what_the_script_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_operations_panel", ROOT / "data" / "make_operations_panel.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for path in script.write_exports(pd.read_parquet(SAMPLE), tmp_path):
        assert path.read_bytes() == (OPERATIONS / path.name).read_bytes(), path.name


def test_the_panel_knows_the_importers_waiting_groups():
    from kommiljard.inputs.panel import WAITING_GROUPS
    from kommiljard.inputs.vocabulary import GROUP_NAMES

    assert set(WAITING_GROUPS) == set(GROUP_NAMES)


@pytest.mark.parametrize(
    "rows, said",
    [
        ("Uppsala;2025-08;;3", "the procedure is empty"),
        ("Uppsala;2025-08;Katarakt;-3", "not a whole number of operations"),
        ("Uppsala;2025-08;Katarakt;2,5", "not a whole number of operations"),
        ("Uppsala;2025-08;Katarakt;3\nUppsala;2025-08;cataract;4", "given twice"),
        ("Uppsala;2025-08;Katarakkt;3", "did you mean 'cataract'?"),
        ("Uppsala;2025-14;Katarakt;3", "is not a month"),
    ],
    ids=["missing procedure", "negative", "fractional", "duplicated", "unknown procedure", "bad month"],
)
def test_the_command_refuses_every_bad_operations_row_with_exit_2_and_writes_nothing(tmp_path, rows, said):
    bad = _csv(tmp_path, f"Region;Månad;Ingrepp;Antal\n{rows}\nSkåne;2025-08;Katarakt;1\n")
    out = tmp_path / "ops.parquet"
    result = CliRunner().invoke(app, ["import", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and said in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output and not out.exists() and list(tmp_path.iterdir()) == [bad]
