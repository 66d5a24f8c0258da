"""The what-if page without a browser: the precomputed cell curves against the engine, and the file itself."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.curves import cell_curves, check_additive, default_step, grid_indices, share_decimals
from kommiljard.analysis.levers import choose_cells, improve_panel
from kommiljard.analysis.whatif import payout_curve, whatif
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.outputs.page import TEXT, build_page, page_data, read_lever_sweeps, write_page
from kommiljard.rules import load_rules
from kommiljard.sweeps.run import Lever, run_sweep


@pytest.fixture(scope="module")
def baseline(sample_panel_path):
    return payout(sample_panel_path)


@pytest.fixture(scope="module")
def curves(baseline):
    return cell_curves(baseline)


def test_grid_is_the_panels_precision(curves):
    assert curves.step == 0.1 and curves.k[0] == -200 and curves.k[-1] == 200
    assert curves.amount.shape == (21, 6, 401)
    assert curves.improve_pp[200] == 0.0 and curves.improve_pp[230] == 3.0


def test_each_cell_equals_payout_curve(curves, sample_panel_path):
    """A cell's curve is payout_curve of that cell, shifted by the cell's improvement today: same bits."""
    rng = np.random.default_rng(1)
    for _ in range(6):
        r, c = int(rng.integers(21)), int(rng.integers(6))
        region, (_, month, group) = curves.regions[r], curves.cells[c]
        today = round(curves.share[r, c] - curves.previous[r, c], 1)
        ref = payout_curve(sample_panel_path, region, month, group, lo=today - 20, hi=today + 20, step=0.1)
        assert len(ref) == len(curves.k)
        np.testing.assert_array_equal(curves.amount[r, c], ref["amount_sek"].to_numpy())
        np.testing.assert_array_equal(curves.tier[r, c], ref["tier"].to_numpy())


@pytest.mark.slow
def test_cells_and_totals_equal_whatif(curves, sample_panel_path):
    rng = np.random.default_rng(2)
    for _ in range(6):
        region = curves.regions[int(rng.integers(21))]
        x = float(curves.improve_pp[int(rng.integers(len(curves.k)))])
        w = whatif(sample_panel_path, region, x)
        assert curves.total(region, 0.0) == pytest.approx(w.baseline_sek, abs=1e-6)
        assert curves.total(region, x) == pytest.approx(w.scenario_sek, abs=1e-6)
        r, i = curves.regions.index(region), curves.index(x)
        for c, row in enumerate(w.cells.itertuples()):
            assert (row.month, row.group) == curves.cells[c][1:]
            assert curves.amount[r, c, i] == row.amount_after_sek
            assert (curves.tier[r, c, i], curves.routes[c][curves.route[r, c, i]]) == (row.tier_after, row.route_after)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::kommiljard.errors.MissingDataWarning")
def test_regions_without_data_are_left_off_and_the_others_equal_whatif(sample_panel_path, tmp_path):
    frame = pd.read_parquet(sample_panel_path)
    gaps = frame[(frame["region"] != "25") & ~((frame["region"] == "01") & (frame["month"] == "2018-11"))]
    with pytest.raises(InputError, match="25 Norrbotten has no rows"):
        cell_curves(payout(gaps))
    curves = cell_curves(payout(gaps, allow_missing_regions=True), -3, 6)
    assert curves.no_data == ("01", "25") and "01" not in curves.regions and len(curves.regions) == 19
    for region, x in (("06", 2.0), ("12", -1.5), ("03", 5.0)):
        w = whatif(gaps, region, x, allow_missing_regions=True)
        r, i = curves.regions.index(region), curves.index(x)
        np.testing.assert_array_equal(curves.amount[r, :, i], w.cells["amount_after_sek"].to_numpy())
        assert curves.total(region, x) == pytest.approx(w.scenario_sek, abs=1e-6)
    path = tmp_path / "gaps.parquet"
    gaps.to_parquet(path)
    runner = CliRunner()
    refused = runner.invoke(app, ["page", str(path), "--out", str(tmp_path / "p.html")])
    assert refused.exit_code == 2 and not (tmp_path / "p.html").exists()
    done = runner.invoke(app, ["page", str(path), "--out", str(tmp_path / "p.html"), "--allow-missing-regions"])
    assert done.exit_code == 0 and "left off the page (no data): 01 Stockholm, 25 Norrbotten" in done.output
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "left off this page" in html and "25 Norrbotten" in html
    assert re.search(r'"code":\s*"06"', html) and not re.search(r'"code":\s*"(25|01)"', html)


@pytest.mark.slow
def test_bounds_hit_exactly(curves, sample_panel_path):
    """On +1.0, +3.0 and +5.0 pp exactly the tier is the engine's (blue and red inclusive, orange exclusive)."""
    r, c = curves.regions.index("06"), curves.cells.index((1, "2019-10", "operation"))
    today = round(curves.share[r, c] - curves.previous[r, c], 1)
    for bound, tier, below in ((1.0, 1, 0), (3.0, 2, 1), (5.0, 2, 2)):
        x = round(bound - today, 1)
        w = whatif(sample_panel_path, "06", x, months="2019-10", groups="operation").cells.iloc[c]
        assert curves.tier[r, c, curves.index(x)] == w.tier_after == tier
        assert curves.tier[r, c, curves.index(round(x - 0.1, 1))] == below
        assert curves.amount[r, c, curves.index(x)] == w.amount_after_sek


def test_mixed_improvements_add_up(curves, baseline):
    """Different pp per cell: the sum of the cells equals payout() on the panel changed cell by cell."""
    rules, panel = baseline.rules, baseline.panel
    chosen = {("2019-09", "first_visit"): 1.3, ("2019-10", "operation"): 6.0, ("2019-11", "first_visit"): -2.2}
    for (month, group), x in chosen.items():
        panel = improve_panel(panel, rules, "17", x, choose_cells(rules, month, group))
    expected = payout(panel, rules).summary().set_index("region").loc["17", "total_sek"]
    assert curves.total("17", chosen) == pytest.approx(expected, abs=1e-6)


@pytest.mark.slow
def test_one_more_pp_is_the_curve_one_pp_on(curves, sample_panel_path):
    """What the page shows as "one more pp here" (the curve 10 steps on) is whatif's sek_per_extra_pp for x >= 0."""
    r = curves.regions.index("12")
    for x in (0.0, 2.3, 4.1):
        w = whatif(sample_panel_path, "12", x)
        i = curves.index(x)
        np.testing.assert_array_equal(curves.amount[r, :, i + 10] - curves.amount[r, :, i], w.cells["sek_per_extra_pp"])


def test_precision_and_grid():
    assert share_decimals([71.3, 80.0, 100.0]) == 1
    assert share_decimals([71.25, 80.0]) == 2
    assert share_decimals([71.0, 80.0]) == 0
    assert share_decimals([1 / 3]) == 6
    np.testing.assert_array_equal(grid_indices(-0.3, 0.25, 0.1), [-3, -2, -1, 0, 1, 2])
    bad = [(1.0, 2.0, 0.1, "contain 0"), (-1.0, -0.5, 0.1, "contain 0"), (-1.0, 1.0, 0.0, "positive"),
           (-1.0, 1.0, float("nan"), "positive"), (-1000.0, 1000.0, 0.01, "points per cell")]  # fmt: skip
    for lo, hi, step, said in bad:
        with pytest.raises(InputError, match=said):
            grid_indices(lo, hi, step)


@pytest.mark.slow
def test_two_decimal_panel_gets_a_finer_grid(sample_panel_path):
    """A panel with two decimals steps by 0.01 pp; the curves still equal whatif on that grid."""
    frame = pd.read_parquet(sample_panel_path)
    frame.loc[frame.index[::7], "share_90"] = (frame.loc[frame.index[::7], "share_90"] + 0.05).round(2)
    frame["share_60"] = np.minimum(frame["share_60"], frame["share_90"])
    result = payout(frame)
    assert default_step(result) == 0.01
    curves = cell_curves(result, lo=-1.0, hi=1.0)
    assert len(curves.k) == 201
    for region, x in (("06", 0.37), ("12", -0.83)):
        assert curves.total(region, x) == pytest.approx(whatif(frame, region, x).scenario_sek, abs=1e-6)
    with pytest.raises(InputError, match="not on the grid"):
        curves.index(0.375)


@pytest.mark.slow
def test_2020_rules_keep_the_population_blocks_fixed():
    result = payout("data/sample_panel_2020.parquet", "kommiljard-2020")
    curves = cell_curves(result, lo=-5.0, hi=5.0)
    assert [m for _, m, _ in curves.cells] == ["2020-01", "2020-01", "2020-02", "2020-02"]
    for region, x in (("01", 2.4), ("25", -3.0)):
        w = whatif("data/sample_panel_2020.parquet", region, x, rules="kommiljard-2020")
        assert curves.total(region, x) == pytest.approx(w.scenario_sek, abs=1e-6)
        assert curves.fixed[curves.regions.index(region)] > 0


def test_rule_sets_whose_cells_are_not_independent_are_refused():
    with pytest.raises(InputError, match=r"reads 2019-09 first_visit \(to compare with 2019-10\), which the lever"):
        check_additive(load_rules(overrides={"block1.compare_lag_months": 1}))
    with pytest.raises(InputError, match="no block a region's lever moves"):
        check_additive(load_rules("kommiljard-2013"))


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.scripts, self.styles, self._in = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.refs += [(tag, k, v) for k, v in attrs if k in ("src", "href", "action", "srcset", "data", "poster")]
        self._in = tag if tag in ("script", "style") else None
        self._json = dict(attrs).get("type") == "application/json"

    def handle_data(self, data):
        if self._in == "script" and not self._json:
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in = None


def test_page_is_self_contained_and_strict(curves):
    text = build_page(curves)
    refs = _Refs()
    refs.feed(text)
    assert all(v.startswith("#") for _, _, v in refs.refs), refs.refs
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", text)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    for block, directive in ((refs.scripts, "script-src"), (refs.styles, "style-src")):
        assert len(block) == 1
        digest = base64.b64encode(hashlib.sha256(block[0].encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp


def test_page_data_is_only_values_to_look_up(curves):
    data = page_data(curves, "sv")
    assert [c["label"] for c in data["cells"]][:2] == [
        "september 2019 · Förstabesök i specialistvården",
        "september 2019 · Operation/åtgärd i specialistvården",
    ]
    assert data["cells"][0]["tiers"] == ["ingen", "blå", "blå+röd", "blå+röd+orange"]
    assert page_data(curves, "en")["cells"][0]["tiers"] == ["none", "blue", "blue+red", "blue+red+orange"]
    r = curves.regions.index("06")
    for c, cell in enumerate(data["regions"][r]["cells"]):
        runs = cell["runs"]
        assert runs[0][0] == 0 and [s for s, *_ in runs] == sorted({s for s, *_ in runs})
        for i in range(len(curves.k)):  # expanding the runs gives back the dense curve
            run = [x for x in runs if x[0] <= i][-1]
            assert (run[1], run[2], run[3]) == (curves.amount[r, c, i], curves.tier[r, c, i], curves.route[r, c, i])
    assert data["regions"][r]["fixed"][0]["amount"] == pytest.approx(curves.fixed[r])
    with pytest.raises(InputError, match="--lang"):
        page_data(curves, "de")


def test_tier_words_follow_the_rules_not_a_fixed_list(baseline):
    """Exclusive bars: a tier shares only its highest bar, and the page says so."""
    rules = load_rules(overrides={"block1.cumulative": False})
    data = page_data(cell_curves(payout(baseline.panel, rules), lo=-1, hi=1), "sv")
    assert data["cells"][0]["tiers"] == ["ingen", "blå", "röd", "orange"]


def test_user_text_cannot_end_the_data_script(baseline):
    rules = load_rules(overrides={"block1.groups.first_visit.label": "</script><script>alert(1)</script>"})
    page = build_page(cell_curves(payout(baseline.panel, rules)), "sv")
    assert "</script><script>alert(1)" not in page
    data = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.DOTALL).group(1)
    assert "</script><script>alert(1)</script>" in json.loads(data)["cells"][0]["label"]


# ---- sweeps and lever grids -------------------------------------------------------------------------------------

RENAMED = {"block1.bars.blue.name": "b1", "block1.target.bar": "b1"}


@pytest.fixture(scope="module")
def lever_grid(tmp_path_factory):
    """A lever grid of region 06 (+0, +1, +3 pp in every cell) on the same 2 000 draws, with a renamed bar."""
    rules, folder = load_rules(overrides=RENAMED), tmp_path_factory.mktemp("grid")
    for x in (3.0, 0.0, 1.0):
        run_sweep(None, 2000, 5, folder / f"improve{x:+g}", lever=Lever("06", x), rules=rules)
    return rules, folder


def _rows(page: str) -> list[dict]:
    return [dict(re.findall(r'data-([a-z0-9-]+)="([^"]*)"', row)) for row in re.findall(r"<tr data-level=[^>]*>", page)]


@pytest.mark.slow
def test_sweep_section_of_a_lever_grid(lever_grid, sample_panel_path, tmp_path):
    rules, folder = lever_grid
    page = write_page(payout(sample_panel_path, rules), tmp_path / "p.html", sweep=folder).read_text(encoding="utf-8")
    sweeps = read_lever_sweeps([folder])
    assert [s.improve_pp for s in sweeps] == [0.0, 1.0, 3.0]  # in order of size, whatever the folders' order
    rows = _rows(page)
    assert [r["improve-pp"] for r in rows] == ["0", "1", "3"]
    for row, sweep in zip(rows, sweeps):
        s = sweep.summary.set_index("region").loc["06"]
        assert row["mean-gain-sek"] == f"{s['mean_gain_sek']:.2f}"
        assert (row["p5-gain-sek"], row["p95-gain-sek"]) == (f"{s['p5_gain_sek']:.2f}", f"{s['p95_gain_sek']:.2f}")
    assert rows[0]["mean-gain-sek"] == "0.00" and float(rows[1]["mean-gain-sek"]) < float(rows[2]["mean-gain-sek"])
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', page, re.DOTALL).group(1))["sweep"]
    assert [v["k"] for v in data["levels"]] == [0, 10, 30] and data["region"] == "06" and len(data["cells"]) == 6
    chances = re.findall(r'<div class="sweep-detail" data-level="2" hidden>.*?</div>', page, re.DOTALL)[0]
    found = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td class=\"num\">(\d+) %</td>", chances)
    assert [(g, b) for g, b, _ in found][:3] == [
        ("first visits", "b1"),
        ("first visits", "red"),
        ("first visits", "orange"),
    ]
    s = sweeps[2].summary.set_index("region").loc["06"]
    assert found[0][2] == f"{100 * s['p_b1_first_visit_baseline']:.0f}"
    assert "improve+3 · lever +3.0 pp · 2\u202f000 trajectories · seed 5 · scenario default-2019 · kommiljard" in page
    sv = write_page(payout(sample_panel_path, rules), tmp_path / "sv.html", "sv", sweep=folder)
    sv = sv.read_text(encoding="utf-8")
    assert "improve+3 · hävstång +3,0 p.e. · 2\u202f000 banor · frö 5 · scenariot default-2019 · kommiljard" in sv


@pytest.mark.slow
def test_sweeps_must_be_one_lever_grid_of_the_same_rules(lever_grid, sample_panel_path, tmp_path):
    rules, folder = lever_grid
    result = payout(sample_panel_path, rules)
    with pytest.raises(InputError, match="the sweep used rules kommiljard-2019"):
        write_page(payout(sample_panel_path), tmp_path / "p.html", sweep=folder)
    other_seed = run_sweep(None, 2000, 6, tmp_path / "seed6", lever=Lever("06", 2.0), rules=rules)
    with pytest.raises(InputError, match="differ in seed"):
        write_page(result, tmp_path / "p.html", sweep=[folder, other_seed.out_dir])
    other_cells = run_sweep(None, 2000, 5, tmp_path / "oct", lever=Lever("06", 2.0, months=("2019-10",)), rules=rules)
    with pytest.raises(InputError, match="differ in lever"):
        write_page(result, tmp_path / "p.html", sweep=[folder, other_cells.out_dir])
    with pytest.raises(InputError, match=r"more than one sweep with the lever \+1 pp"):
        write_page(result, tmp_path / "p.html", sweep=[folder, folder / "improve+1"])
    plain = run_sweep(None, 1000, 5, tmp_path / "plain", rules=rules)
    with pytest.raises(InputError, match="has no lever"):
        write_page(result, tmp_path / "p.html", sweep=plain.out_dir)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="not a sweep"):
        write_page(result, tmp_path / "p.html", sweep=tmp_path / "empty")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(folder / "improve+1", unfinished)
    manifest = json.loads((unfinished / "manifest.json").read_text(encoding="utf-8"))
    (unfinished / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}), encoding="utf-8")
    with pytest.raises(InputError, match="not a complete sweep"):
        write_page(result, tmp_path / "p.html", sweep=unfinished)
    assert not (tmp_path / "p.html").exists()


@pytest.mark.slow
def test_cli_lever_grid_runs_one_sweep_per_size_on_the_same_draws(tmp_path):
    runner = CliRunner()
    args = ["sweep", "--n", "1200", "--seed", "4", "--chunk-size", "600", "--region", "Jönköping"]
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "grid"), "--improve", "2,-1,0", "--format", "csv"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(io.StringIO(res.stdout), dtype={"region": str})
    assert table["improve_pp"].tolist() == [2.0, -1.0, 0.0] and set(table["region"]) == {"06"}
    assert sorted(p.name for p in (tmp_path / "grid").iterdir()) == ["improve+0", "improve+2", "improve-1"]
    # the same draws: every size's baseline is the same, and each sub-sweep is the plain sweep of that size
    assert (
        table["mean_baseline_sek"].nunique() == 1 and (table.loc[table["improve_pp"] == 0, "mean_gain_sek"] == 0).all()
    )
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "one"), "--improve", "2", "--format", "csv"])
    one = pd.read_csv(tmp_path / "one" / "summary.csv", dtype={"region": str})
    pd.testing.assert_frame_equal(
        one, pd.read_csv(tmp_path / "grid" / "improve+2" / "summary.csv", dtype={"region": str})
    )
    for bad, said in (("1,x", "--improve x: not a number"), ("1;1", "1 is given twice"), ("nan", "not a number"),
                      ("1,5", "ambiguous"), ("200", "-100 to 100")):  # fmt: skip
        res = runner.invoke(app, [*args, "--out", str(tmp_path / "bad"), "--improve", bad])
        assert res.exit_code == 2 and said in res.output, res.output


@pytest.mark.slow
def test_cli_page_and_report_link(tmp_path, sample_panel_path):
    runner = CliRunner()
    out = tmp_path / "whatif.html"
    res = runner.invoke(
        app, ["page", str(sample_panel_path), "--out", str(out), "--lang", "sv", "--lo", "-5", "--hi", "5"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', out.read_text(encoding="utf-8"), re.DOTALL).group(1))
    assert data["lang"] == "sv" and data["grid"] == {"first": -50, "last": 50, "step": 0.1, "decimals": 1}
    for args, said in (
        (["--lang", "de"], "--lang 'de'"),
        (["--lo", "1"], "--lo 1: give a number at most 0"),
        (["--sweep", str(tmp_path)], "not a sweep"),
    ):
        res = runner.invoke(app, ["page", str(sample_panel_path), "--out", str(tmp_path / "x.html"), *args])
        assert res.exit_code == 2 and said in res.output, res.output
    threshold = ["data/sample_panel_2013.parquet", "--rules", "kommiljard-2013"]
    res = runner.invoke(app, ["page", *threshold, "--out", str(tmp_path / "x.html")])
    assert res.exit_code == 2 and "no block a region's lever moves" in res.output, res.output
    assert not (tmp_path / "x.html").exists()
    res = runner.invoke(app, ["page", str(sample_panel_path), "--out", str(tmp_path / "page.txt")])
    assert res.exit_code == 2 and "must end in .html" in res.output
    report = tmp_path / "report.html"
    res = runner.invoke(app, ["report", str(sample_panel_path), "--out", str(report), "--page", "--lang", "sv"])
    assert res.exit_code == 0, res.output
    assert '<html lang="sv">' in (tmp_path / "report-whatif.html").read_text(encoding="utf-8")
    text = report.read_text(encoding="utf-8")
    link = '<a href="report-whatif.html">vad händer om-sidan</a>'
    assert link in text and '<a href="#whatif">' in text  # both in Swedish
    res = runner.invoke(app, ["report", str(sample_panel_path), "--out", str(tmp_path / "plain.html")])
    assert res.exit_code == 0 and 'id="whatif"' not in (tmp_path / "plain.html").read_text(encoding="utf-8")


def test_both_languages_have_every_word_with_the_same_blanks():
    assert set(TEXT["en"]) == set(TEXT["sv"])
    for key, english in TEXT["en"].items():
        if isinstance(english, str):
            assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", TEXT["sv"][key])), key
    assert len(TEXT["en"]["months"]) == len(TEXT["sv"]["months"]) == 12
