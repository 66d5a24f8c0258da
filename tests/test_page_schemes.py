"""The what-if page of the schemes in force lately (requirements with a bonus pot 2022-2024, a price per operation
2025-2026) as an analyst forwards it: Swedish words and number formats, a link that does what the page says, and
no code name in what a reader sees."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from swedish_check import offenders

from kommiljard.analysis.curves import cell_curves
from kommiljard.engine import payout
from kommiljard.kinds import word
from kommiljard.kinds.requirements.words import LEVER_WORDS
from kommiljard.outputs.page import _pp, build_page, cell_key, link_examples

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "data" / "sample_shares_and_operations.parquet"


def test_requirements_next_step_reads_as_swedish():
    # it said "1,1 procentenheter till når steg 1", which is no Swedish sentence
    text = word(LEVER_WORDS, "page.next_in", "sv").format(pp="1,1", tier=1, bars="> 0 p.e.")
    assert text == "ytterligare 1,1 procentenheter når steg 1 (> 0 p.e.)"
    assert word(LEVER_WORDS, "page.next_in", "en").format(pp="1.1", tier=1, bars="> 0 pp") == (
        "1.1 pp more reaches step 1 (> 0 pp)"
    )


def test_page_numbers_keep_thousands_apart_and_the_languages_decimals():
    # the operations page said "+2000" and "−500,0 … +2000,0 operationer"
    assert _pp(2000, 0, "sv") == "+2\u202f000" and _pp(-500, 0, "en") == "\u2212500"
    assert _pp(-12345.5, 1, "sv") == "\u221212\u202f345,5" and _pp(12345.5, 1, "en") == "+12\u202f345.5"
    assert _pp(0.0, 1, "sv") == "0,0" and _pp(-0.01, 1, "en") == "0.0" and _pp(2.5, 1, "sv") == "+2,5"


def test_a_cell_of_every_group_is_named_by_its_month_alone():
    # a one-pot price block's cell was "2026-12.None" in the page's link
    assert cell_key("2026-12", None) == "2026-12" and cell_key("2019-10", "operation") == "2019-10.operation"


def test_the_link_examples_are_this_pages_own():
    # an operations page told its reader to write #region=03&improve=200, which the page ignored
    operations = {"grid": {"last": 2000, "step": 1.0, "decimals": 0}, "lever": "more",
                  "regions": [{"code": "01"}], "cells": [{"key": "2026-12"}]}  # fmt: skip
    assert link_examples(operations) == {
        "example_all": "#region=01&more=300",
        "example_cell": "#region=01&more.2026-12=300",
    }
    shares = {"grid": {"last": 200, "step": 0.1, "decimals": 1}, "lever": "improve",
              "regions": [{"code": "01"}], "cells": [{"key": "2022-02.pc_assessment"}]}  # fmt: skip
    assert link_examples(shares)["example_all"] == "#region=01&improve=3"


class _Text(HTMLParser):
    """The text a reader sees of the page as written (before its script runs), without the script and style."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _page(panel: Path, rules: str, lang: str) -> tuple[str, dict, str]:
    page = build_page(cell_curves(payout(panel, rules=rules)), lang)
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', page, re.DOTALL).group(1))
    reader = _Text()
    reader.feed(page)
    return page, data, " ".join(reader.parts)


@pytest.mark.slow
def test_operations_page_in_swedish():
    page, data, text = _page(OPERATIONS, "kommiljard-2026", "sv")
    assert "rutnät</th><td>\u2212500 … +2\u202f000 operationer i steg om 1</td>" in page
    assert "\u2212500 till +2\u202f000 i steg om 1" in text  # how the page computes
    assert "(SCB, 31 december 2018)" in text and "Dec 2018" not in text
    assert "#region=01&more=300 (alla celler) eller #region=01&more.2026-12=300 (en cell)" in text
    assert "improve" not in text and [c["key"] for c in data["cells"]] == ["2026-12"]
    assert "None" not in json.dumps(data["cells"])
    assert data["text"]["notice_key"].startswith("”{value}” i länken är ingen inställning")
    # one more is one more of each of the cell's six procedures (it said "en operation till här": +243 000 kr)
    assert data["text"]["extra_pp"] == "en operation till av varje åtgärd här"
    assert data["text"]["improvement_pp"] == "Fler operationer av varje åtgärd"
    assert not offenders(text), offenders(text)


@pytest.mark.slow
def test_requirements_page_in_swedish_and_english():
    page, data, text = _page(ROOT / "data" / "sample_panel_2022.parquet", "kommiljard-2022", "sv")
    assert "rutnät</th><td>\u221210,0 … +10,0 p.e. i steg om 0,1</td>" in page
    assert "#region=01&improve=1.5 (alla celler) eller #region=01&improve.2022-02.pc_assessment=1.5 (en cell)" in text
    assert "(SCB, 31 december 2018)" in text and not offenders(text), offenders(text)
    assert data["text"]["next_in"] == "ytterligare {pp} procentenheter når steg {tier} ({bars})"
    # a cell's amount after a move may be below 0 (the bonus it moves elsewhere): its row says so (it said "kronor")
    lowest = min(run[1] for region in data["regions"] for cell in region["cells"] for run in cell["runs"])
    assert lowest < 0 and data["text"]["kronor"] == "kronor, med bonusen den flyttar i andra celler"
    page, data, text = _page(ROOT / "data" / "sample_panel_2022.parquet", "kommiljard-2022", "en")
    assert "grid</th><td>\u221210.0 … +10.0 pp, steps of 0.1</td>" in page and "(SCB, 31 Dec 2018)" in text


def test_a_requirements_months_are_named_as_a_reader_names_them():
    # the report's picture of a requirement wrote its months 23-02, 23-03, ...
    from kommiljard.kinds.requirements.figure import _month_ticks

    assert _month_ticks(["2022-11", "2022-12", "2023-01", "2023-02"], "sv") == ["nov\n2022", "dec", "jan\n2023", "feb"]
    assert _month_ticks(["2023-02", "2023-03"], "en") == ["Feb\n2023", "Mar"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_requirements_picture_reads_its_months_and_keeps_its_text_apart(lang):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from picture_text import problems, texts

    from kommiljard.kinds import kind_of

    year = "2024" if lang == "sv" else "2023"  # 2024 has no bonus pot: its regions' money says no "+ 0,0 bonus"
    result = payout(ROOT / "data" / f"sample_panel_{year}.parquet", rules=f"kommiljard-{year}")
    block = next(b for b in result.rules.ruleset.blocks if getattr(b, "bonus", None))
    ax = kind_of(block).figure(result, block, (None, block.requirements[0].name), lang=lang)
    try:
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        assert ticks[:2] == ([f"feb\n{year}", "mar"] if lang == "sv" else [f"Feb\n{year}", "Mar"]), ticks
        words = " ".join(text for text, _ in texts(ax.figure))
        assert ("bonus" in words) == (block.bonus != "lapse"), words
        assert not problems(ax.figure), problems(ax.figure)
        if lang == "sv":
            assert not offenders(" ".join(text for text, _ in texts(ax.figure)))
    finally:
        plt.close(ax.figure)


@pytest.mark.slow
def test_every_cell_moved_alike_is_whatifs_total_under_a_bonus_pot():
    # the page added the cells' separate effects: 06 +2 pp in 2022 gave +25 914 860 kr, whatif +25 659 582 kr
    from kommiljard.analysis.whatif import whatif

    panel = ROOT / "data" / "sample_panel_2023.parquet"
    curves = cell_curves(payout(panel, rules="kommiljard-2023"))
    assert curves.together is not None
    for region, x in (("14", -3.0), ("14", 3.0), ("06", 0.7), ("23", -10.0)):
        r, k = curves.regions.index(region), round(x / curves.step) - curves.k[0]
        expected = whatif(panel, region, x, rules="kommiljard-2023").scenario_sek
        assert abs(curves.together[r, k] + curves.fixed[r] - expected) < 1e-6 * max(1.0, abs(expected)), (region, x)
        assert abs(curves.amount[r, :, k].sum() + curves.fixed[r] - expected) > 1.0  # the cells' sum is not it
    r = curves.regions.index("14")
    assert abs(curves.together[r, -curves.k[0]] - curves.amount[r, :, -curves.k[0]].sum()) < 1e-3  # unmoved alike


def test_cells_that_add_up_have_no_joint_curve(sample_panel_path):
    curves = cell_curves(payout(sample_panel_path), -0.2, 0.2)
    assert curves.together is None


@pytest.mark.parametrize("rules", ["kommiljard-2024", "kommiljard-2023"])
def test_requirements_tables_name_a_bonus_pot_only_where_there_is_one(rules):
    # 2024 has none (its unearned money lapses): the report said "till bonuspotten, kr 71 155 652" and "bonus, kr 0"
    from kommiljard.kinds.requirements.summary import report_tables

    panel = ROOT / "data" / f"sample_panel_{rules[-4:]}.parquet"
    result = payout(panel, rules=rules)
    block = next(b for b in result.rules.ruleset.blocks if getattr(b, "bonus", None))
    (_, requirements, money), (_, regions, _) = report_tables(result, block, "sv")
    pot = block.bonus != "lapse"
    assert ("till bonuspotten, kr" in requirements.columns) == pot and ("bonus, kr" in regions.columns) == pot
    assert ("ej intjänat, kr" in requirements.columns) == (not pot) and ("bonus, kr" in money) == pot
    paid = [c for c in regions.columns if c.startswith("utbetalt")]  # it said "utbetalt 2024-08, kr"
    assert paid and all(re.fullmatch(r"utbetalt [a-zåäö]+ 20\d\d, kr", c) for c in paid), paid
