"""The proof that a kind is one folder: the toy quota (``tests/toykind/``), unknown to the package, is registered
and goes through payout, explain, report, xlsx, whatif, curves, sweep (with --observed), compare, page and plot,
each checked against amounts computed here by hand (a cell's pot shared by visits among the regions that reach
the threshold; paid + lapsed = pot)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.inputs.regions import region_codes

TOY = Path(__file__).parent / "toykind" / "toy.toml"
MONTHS, CLINICS, THRESHOLD, POT = ("2030-01", "2030-02"), ("clinic_a", "clinic_b"), 5, 1_200_000.0 / 4
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def toy_kind():
    from toykind.kind import register

    import kommiljard.kinds

    register()
    yield
    kommiljard.kinds.unregister("toy_quota")


def visits_of(r: int, m: int, g: int) -> int:
    return (3 * r + 2 * m + g) % 12


@pytest.fixture(scope="module")
def panel(tmp_path_factory) -> Path:
    rows = [
        {"region": code, "month": month, "procedure": clinic, "toy_visits": visits_of(r, m, g)}
        for r, code in enumerate(region_codes())
        for m, month in enumerate(MONTHS)
        for g, clinic in enumerate(CLINICS)
    ]
    path = tmp_path_factory.mktemp("toy") / "toy.parquet"
    pd.DataFrame(rows).to_parquet(path)  # the group column called procedure: mapped to group when read
    return path


def by_hand(visits: dict[str, float]) -> dict[str, float]:
    """One cell: the pot shared by visits among the regions with at least THRESHOLD."""
    members = {r: v for r, v in visits.items() if v >= THRESHOLD and v > 0}
    return {r: POT * members[r] / sum(members.values()) if r in members else 0.0 for r in visits}


def expected(changed: dict[tuple[str, str, str], float] | None = None) -> dict[tuple[str, str, str], float]:
    """(region, month, clinic) -> amount, by hand, with some regions' visits changed."""
    out = {}
    for m, month in enumerate(MONTHS):
        for g, clinic in enumerate(CLINICS):
            cell = {code: float(visits_of(r, m, g)) for r, code in enumerate(region_codes())}
            for (code, mo, cl), v in (changed or {}).items():
                if (mo, cl) == (month, clinic):
                    cell[code] = v
            out |= {(code, month, clinic): a for code, a in by_hand(cell).items()}
    return out


def totals(amounts: dict[tuple[str, str, str], float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for (code, _, _), a in amounts.items():
        out[code] = out.get(code, 0.0) + a
    return out


def invoke(*args) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.mark.slow
def test_payout_pays_each_cell_by_visits_and_conserves_its_pot(panel, tmp_path):
    out = tmp_path / "payout.csv"
    invoke("payout", panel, "--rules", TOY, "--backend", "check", "--out", out)
    table = pd.read_csv(out, dtype={"region": str})
    assert list(table.columns[8:10]) == ["visits", "population"] and table.columns[-1] == "quota_met"
    want = expected()
    got = {(r.region, r.month, r.group): r.amount_sek for r in table.itertuples()}
    assert got.keys() == want.keys()
    np.testing.assert_allclose([got[k] for k in want], list(want.values()), rtol=0, atol=1e-6)
    for _, cell in table.groupby(["month", "group"]):
        assert cell["amount_sek"].sum() + cell["cell_lapsed_sek"].iloc[0] == pytest.approx(POT, abs=1e-6)
        assert (cell["quota_met"] == (cell["visits"] >= THRESHOLD)).all()


def test_bad_toy_input_is_refused_with_the_row(panel, tmp_path):
    frame = pd.read_parquet(panel).astype({"toy_visits": "float64"})
    frame.loc[3, "toy_visits"] = 2.5
    frame.to_parquet(bad := tmp_path / "fraction.parquet")
    res = runner.invoke(app, ["payout", str(bad), "--rules", str(TOY)])
    assert res.exit_code == 2 and "row 4: toy_visits = 2.5 must be a whole number" in res.output, res.output
    frame = pd.read_parquet(panel).astype({"toy_visits": "float64"})
    frame.loc[5, "toy_visits"] = np.nan
    frame.to_parquet(bad := tmp_path / "empty.parquet")
    res = runner.invoke(app, ["payout", str(bad), "--rules", str(TOY)])
    assert res.exit_code == 2 and "row 6: toy_visits is empty or NaN" in res.output, res.output


def test_explain_traces_a_region(panel):
    text = invoke("explain", panel, "--rules", TOY, "--region", "04", "--month", "2030-02", "--group", "clinic_b")
    visits = [visits_of(r, 1, 1) for r in range(len(region_codes()))]
    weight = sum(v for v in visits if v >= THRESHOLD)
    mine = visits[list(region_codes()).index("04")]
    amount = POT * mine / weight
    assert amount == 36_000 and f"{mine} visits of the {weight} that reached the threshold" in text, text
    assert "gets 36 000 in 2030-02 clinic_b" in text.replace("\u202f", " ").replace("\xa0", " "), text


@pytest.mark.slow
def test_whatif_more_visits_matches_the_hand_count(panel):
    doc = json.loads(
        invoke(
            "whatif",
            panel,
            "--rules",
            TOY,
            "--region",
            "01",
            "--extra",
            "4",
            "--month",
            "2030-01",
            "--procedure",
            "clinic_a",
            "--format",
            "json",
        )  # fmt: skip
    )
    before = visits_of(0, 0, 0)
    after = totals(expected({("01", "2030-01", "clinic_a"): before + 4}))["01"]
    assert doc["extra_visits"] == 4 and doc["scenario_sek"] == pytest.approx(after, abs=1e-6)
    assert doc["baseline_sek"] == pytest.approx(totals(expected())["01"], abs=1e-6)
    cell = next(c for c in doc["cells"] if c["month"] == "2030-01" and c["group"] == "clinic_a")
    assert (cell["visits_before"], cell["visits_after"], cell["changed"]) == (before, before + 4, True)
    text = invoke("whatif", panel, "--rules", TOY, "--region", "01", "--extra", "4")
    assert "What if 01 Stockholm performs 4 visits more of toy_visits" in text and "3 -> 7" in text, text


@pytest.mark.slow
def test_curves_equal_whatif_on_the_grid(panel):
    from kommiljard.analysis.curves import cell_curves
    from kommiljard.analysis.whatif import payout_curve, whatif
    from kommiljard.engine import payout

    curves = cell_curves(payout(panel, TOY), lo=-6, hi=6)
    assert curves.step == 1.0 and [c[1:] for c in curves.cells] == [(m, g) for m in MONTHS for g in CLINICS]
    for region, x in (("05", 3.0), ("12", -2.0)):
        assert curves.total(region, x) == pytest.approx(whatif(panel, region, x, rules=TOY).scenario_sek, abs=1e-6)
    points = payout_curve(panel, "03", "2030-01", "clinic_a", TOY, lo=0, hi=6, step=1)
    v = visits_of(list(region_codes()).index("03"), 0, 0)
    for x, amount in zip(points["extra_visits"], points["amount_sek"]):
        assert amount == pytest.approx(expected({("03", "2030-01", "clinic_a"): v + x})[("03", "2030-01", "clinic_a")])


@pytest.mark.slow
def test_sweep_with_every_month_observed_is_the_payout(panel, tmp_path):
    out = tmp_path / "sweep"
    invoke("sweep", "--rules", TOY, "--observed", panel, "--n", "40", "--seed", "3", "--out", out,
           "--region", "03", "--extra", "3", "--quiet")  # fmt: skip
    summary = pd.read_parquet(out / "summary.parquet").set_index("region")
    r = list(region_codes()).index("03")
    lever = {
        ("03", month, clinic): visits_of(r, m, g) + 3
        for m, month in enumerate(MONTHS)
        for g, clinic in enumerate(CLINICS)
    }
    want, moved = totals(expected()), totals(expected(lever))
    for code in region_codes():
        assert summary.loc[code, "mean_baseline_sek"] == pytest.approx(want[code], abs=1e-6)
        assert summary.loc[code, "mean_sek"] == pytest.approx(moved[code], abs=1e-6)
    assert summary.loc["03", "mean_gain_sek"] == pytest.approx(moved["03"] - want["03"], abs=1e-6)
    assert {"p_quota_clinic_a", "p_quota_clinic_b_2030-02"} <= set(summary.columns)


@pytest.mark.slow
def test_sweep_draws_the_months_not_observed_and_conserves(panel, tmp_path):
    known = pd.read_parquet(panel).query("month == '2030-01'")
    known.to_parquet(first := tmp_path / "january.parquet")
    out = tmp_path / "sweep"
    invoke("sweep", "--rules", TOY, "--observed", first, "--n", "300", "--seed", "4", "--out", out, "--quiet")
    rows = pd.concat(pd.read_parquet(p) for p in sorted((out / "trajectories").glob("*.parquet")))
    paid = rows.groupby("trajectory")["amount_sek"].sum()
    assert (paid <= 4 * POT + 1e-6).all() and paid.nunique() > 1  # February is drawn
    january = totals({k: v for k, v in expected().items() if k[1] == "2030-01"})
    assert (rows.groupby("region", observed=True)["amount_sek"].min() >= pd.Series(january) * 0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["observed"]["cells_used"] == len(known) and manifest["block"]["bars"] == ["quota"]


def test_compare_a_stricter_threshold(panel):
    doc = invoke("compare", panel, "--rules", TOY, "--variant", "strict:block1.threshold=8", "--format", "csv")
    frame = pd.read_csv(pd.io.common.StringIO(doc), dtype={"region": str}).set_index("region")
    global THRESHOLD
    keep, THRESHOLD = THRESHOLD, 8
    try:
        strict = totals(expected())
    finally:
        THRESHOLD = keep
    for code in region_codes():
        assert frame.loc[code, "diff_strict"] == pytest.approx(strict[code] - totals(expected())[code], abs=1e-6)


@pytest.mark.slow
def test_report_and_workbook_show_the_toy(panel, tmp_path):
    invoke("report", panel, "--rules", TOY, "--out", tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="toy-quotas"' in html and "Toy quotas" in html and "toy quota" in html and "at least 5 quota" in html
    assert html.count("<img") >= 4  # a picture per cell
    invoke("payout", panel, "--rules", TOY, "--out", tmp_path / "payout.xlsx")
    book = openpyxl.load_workbook(tmp_path / "payout.xlsx")
    rows, cells = (_sheet_rows(book[name]) for name in ("Detail", "Cells"))
    for month in MONTHS:
        for clinic in CLINICS:
            cell = [r for r in rows if r["month"] == month and r["group"] == clinic]
            lapsed = next(c["lapsed, kr"] for c in cells if c["month"] == month and c["group"] == clinic)
            assert sum(r["amount, kr"] for r in cell) + lapsed == POT  # whole kronor that add up


def _sheet_rows(sheet) -> list[dict]:
    """A sheet's rows by its headers (the first row whose cells are all filled; notes come before it), without its
    total row."""
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if all(v is not None for v in r))
    return [dict(zip(rows[head], r)) for r in rows[head + 1 :] if r[0] is not None and r[0] != "total"]


@pytest.mark.slow
def test_page_looks_up_the_toy_amounts(panel, tmp_path):
    from kommiljard.analysis.whatif import whatif

    invoke("page", panel, "--rules", TOY, "--out", tmp_path / "page.html", "--lang", "sv")
    data = json.loads(
        re.search(r'id="page-data">(.*?)</script>', (tmp_path / "page.html").read_text("utf-8"), re.DOTALL).group(1)
    )
    assert data["text"]["pp"] == "besök" and data["grid"]["step"] == 1.0
    region = next(r for r in data["regions"] if r["code"] == "07")
    cell = data["cells"].index(next(c for c in data["cells"] if c["key"] == "2030-02.clinic_a"))

    def at(k: int) -> float:
        runs = region["cells"][cell]["runs"]
        return [amount for first, amount, *_ in runs if first <= k - data["grid"]["first"]][-1]

    assert at(0) == pytest.approx(expected()[("07", "2030-02", "clinic_a")], abs=1e-6)
    w = whatif(panel, "07", 3, "2030-02", "clinic_a", TOY)
    assert at(3) == pytest.approx(
        w.cells.set_index(["month", "group"]).loc[("2030-02", "clinic_a"), "amount_after_sek"]
    )


@pytest.mark.slow
def test_plot_draws_the_toy_cells(panel, tmp_path):
    invoke(
        "plot", "cells", panel, "--rules", TOY, "--month", "2030-01", "--group", "clinic_b", "--out", tmp_path / "c.png"
    )
    assert (tmp_path / "c.png").stat().st_size > 10_000


def test_validate_and_rules_know_the_toy(panel):
    text = invoke("validate", panel, "--rules", TOY)
    assert "OK: 84 rows, 21 regions" in text and "covers every block of toy-2030" in text
    text = invoke("rules", TOY)
    assert "toy quota" in text and "threshold" in text and "made up" in text  # the kind by its word
