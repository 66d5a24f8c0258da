"""The HTML report: self-contained, and everything an analyst needs is in it."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from kommiljard.engine import payout
from kommiljard.inputs.regions import region_codes, region_names
from kommiljard.money import format_kronor
from kommiljard.outputs.exports import payout_in_whole_kronor
from kommiljard.outputs.report import build_report, report_steps
from kommiljard.outputs.wording import month_name, rule_rows
from kommiljard.rules import load_rules


class Collect(HTMLParser):
    """Parses the whole document (raising nothing on valid HTML) and keeps what the tests look at."""

    def __init__(self):
        super().__init__()
        self.images: list[dict] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self.links += [v for k, v in attrs.items() if k in ("href", "src") and v]
        if tag not in ("img", "meta", "br", "link"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data.replace("\xa0", " "))  # numbers are kept on one line by no-break spaces


@pytest.fixture(scope="module")
def result(sample_panel_path):
    high_bars = {
        "block1.bars.blue.min_improvement": 6,
        "block1.bars.red.min_improvement": 7,
        "block1.bars.orange.min_improvement": 8,
        "block1.target.threshold": 99,
    }  # 2019-09 operation lapses
    names = [c.name for c in load_rules().ruleset.block(2).conditions]
    conditions = pd.DataFrame(dict.fromkeys(names, True), index=list(region_codes()))
    conditions.loc["09", "status_report"] = False
    return payout(sample_panel_path, conditions=conditions, overrides=high_bars)


@pytest.fixture(scope="module")
def document(result):
    steps = []
    page = build_report(result, steps.append)
    assert len(steps) == report_steps(result)
    parser = Collect()
    parser.feed(page)
    parser.close()
    assert parser.open == []  # every element closed
    return page, parser


@pytest.mark.slow
def test_report_is_self_contained(document):
    page, parser = document
    assert page.startswith("<!DOCTYPE html>")
    assert all(link.startswith(("#", "data:image/png;base64,")) for link in parser.links)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert "@import" not in page and "url(" not in page
    for img in parser.images:
        assert base64.b64decode(img["src"].split(",", 1)[1]).startswith(b"\x89PNG")
        assert img["alt"]


def test_report_has_every_region_with_code_and_name(document, result):
    text = " ".join(document[1].text)
    summary = payout_in_whole_kronor(result).summary
    for code, total in zip(summary["region"], summary["total_sek"]):
        assert code in text and region_names()[code] in text and format_kronor(total) in text
    assert set(summary["region"]) == set(region_codes())


def test_report_has_a_staircase_for_every_month_and_group(document, rules):
    page, parser = document
    block = rules.ruleset.block(1)
    for month in block.months:
        for group in block.group_names:
            assert f"cell-1-{month}-{group}" in parser.ids
            assert any(img["alt"].startswith(f"Block 1: {month_name(month)}") for img in parser.images)
    assert len(parser.images) == 1 + len(block.months) * len(block.group_names)


def test_report_says_what_lapsed(document, result):
    text = " ".join(document[1].text)
    cells = payout_in_whole_kronor(result).cells
    lapsed = cells[cells["lapsed_sek"] > 0]
    assert len(lapsed) > 0
    assert f"In all, {format_kronor(lapsed['lapsed_sek'].sum())} kr lapsed" in text
    for amount in lapsed["lapsed_sek"]:
        assert format_kronor(amount) in text
    assert 'class="lapsed"' in document[0]
    assert "Did not meet the conditions of block(s) 2: 09 Gotland" in text


def test_report_has_every_rule_parameter_in_words_with_its_source_and_the_overrides(document, result):
    text = " ".join(document[1].text)
    for block in result.rules.ruleset.blocks:
        for parameter, value, source in rule_rows(block):
            assert parameter in text and value in text and source in text
    assert "block1.target.threshold=99" in text
    rules = document[0].split('id="rules"')[1].split('id="provenance"')[0]
    assert "{" not in rules and '"name"' not in rules  # words, not JSON
    for words in ("1 280 000 000 kr", "Sep–Nov 2019", "yes", "improvement at least 6 pp", "more than 8 pp"):
        assert words in text


def test_report_provenance_has_no_duplicates_and_no_empty_rows(document):
    provenance = document[0].split('id="provenance"')[1]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", provenance)
    assert rows and len(rows) == len(set(rows)) and len({what for what, _ in rows}) == len(rows)
    assert all(what and value for what, value in rows)
    assert ("synthetic panel", "yes") in rows


@pytest.mark.slow
def test_swedish_report_has_swedish_words_and_the_same_numbers(result, document):
    swedish = build_report(result, lang="sv")
    parser = Collect()
    parser.feed(swedish)
    sv = " ".join(parser.text)
    en = " ".join(document[1].text)
    assert swedish.startswith('<!DOCTYPE html>\n<html lang="sv">')
    for words in ("Utbetalning per region", "oktober 2019", "förstabesök", "operationer och åtgärder", "ja", "kod"):
        assert words in sv
    for words in ("Payout per region", "October 2019", "first visits"):
        assert words not in sv
    amounts = set(re.findall(r"\d{1,3}(?: \d{3})+ kr", en))
    assert len(amounts) > 5 and amounts == set(re.findall(r"\d{1,3}(?: \d{3})+ kr", sv))


def test_report_has_the_provenance_and_says_the_data_are_synthetic(document, result):
    text = " ".join(document[1].text)
    assert result.provenance["panel"]["sha256"] in text and result.rules.sha256 in text
    assert "SYNTHETIC data, not real regional figures" in text
    assert "@media print" in document[0]
