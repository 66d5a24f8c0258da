"""Terminal tables fit the terminal and hide no column; numbers are written one way everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.cli.render import _table_width, layout
from kommiljard.money import format_kronor, format_mnkr, format_number, format_percent, format_pp, kronor, mnkr, pp
from kommiljard.rules import load_rules

runner = CliRunner()
MIXED = Path(__file__).resolve().parents[1] / "data" / "sample_shares_and_operations.parquet"
THOUSANDS_WITH_COMMAS = re.compile(r"\d,\d{3}")


def run(columns: int, *args):
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def words(text: str) -> set[str]:
    return set(re.findall(r"[\w.%-]+", text))


def assert_fits(text: str, width: int) -> None:
    assert max(len(line) for line in text.splitlines()) <= width
    assert "…" not in text  # nothing cut with an ellipsis


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 100, 120])
def test_compare_shows_every_variant_at_any_width(sample_panel_path, columns):
    text = run(columns, "compare", sample_panel_path, "--alternatives")
    assert_fits(text, columns)
    from kommiljard.rules.texts import alternative_name

    shown = words(text)
    names = ["kommiljard-2019", *(alternative_name(a.name) for a in load_rules().ruleset.alternatives)]
    for name in names:  # every variant is there, by its short name (headers wrap between words)
        assert {w.strip(",") for w in name.split()} <= {w.strip(",") for w in shown}, name
    assert "(part 1 of" in " ".join(text.split()) or columns >= 200  # a title wraps at the terminal
    parts = re.search(r"\((\d+) parts to fit", text)
    for code in ("01", "25"):  # every part names its rows
        assert text.count(f"\n{code} ") == (int(parts.group(1)) if parts else 1)


def test_whatif_headers_are_whole_at_100_columns(sample_panel_path):
    text = run(100, "whatif", sample_panel_path, "--region", "06", "--improve", "3")
    assert_fits(text, 100)
    for header in ("share", "improvement", "tier", "before", "after", "difference", "next", "one more"):
        assert header in text
    assert "Nov 2019" in text and "+19 164 389 kr" in text


def test_payout_fits_80_columns_in_one_table(sample_panel_path):
    text = run(80, "payout", sample_panel_path)
    assert_fits(text, 80)
    assert "(part" not in text  # region, name, both groups, block 2 and the total side by side
    assert "382 932 865" in text and "Paid 1 600 000 000 kr" in text


def test_a_very_narrow_terminal_prints_blocks_of_lines_with_every_value(sample_panel_path):
    text = run(30, "payout", sample_panel_path)
    assert "382 932 865" in text and "total" in text and "block 2" in text
    assert "Jämtland" in text and "Härjedalen" in text  # names may wrap between words


@pytest.mark.parametrize(
    "args",
    [
        ("rules",),
        ("rules", "kommiljard-2019"),
        ("validate", "{panel}"),
        ("explain", "{panel}", "--region", "06", "--month", "2019-10", "--group", "operation"),
    ],
)
def test_other_commands_fit_80_columns(sample_panel_path, args):
    text = run(80, *(a.format(panel=sample_panel_path) for a in args))
    assert "…" not in text
    if args == ("rules",):
        assert_fits(text, 80)
        assert {"kommiljard-2009", "kommiljard-2020", "default"} <= words(text)


@given(
    widths=st.lists(st.integers(1, 30), min_size=2, max_size=12),
    keys=st.integers(0, 3),
    width=st.integers(20, 200),
)
def test_layout_puts_every_column_in_exactly_one_part_and_each_part_fits(widths, keys, width):
    headers = [f"h{i}" for i in range(len(widths))]
    rows = [["x" * w for w in widths]]
    fitted = layout(headers, rows, keys, width)
    if fitted is None:  # even the first column and one other do not fit: blocks of lines instead
        assert any(_table_width([max(widths[0], 2), max(w, 2)]) > width for w in widths[1:])
        return
    repeated, parts, sizes = fitted
    seen = [i for part in parts for i in part[repeated:]]
    assert sorted(seen + list(range(repeated)) * (1 if len(parts) else 0)) == list(range(len(widths)))
    for part in parts:
        assert part[:repeated] == list(range(repeated))
        assert all(sizes[i] >= max(widths[i], 2) for i in part)  # no cell is cut
        if len(parts) > 1:
            assert _table_width([sizes[i] for i in part]) <= width


@pytest.mark.slow
def test_one_number_format_everywhere(sample_panel_path, tmp_path):
    outputs = [
        run(120, "payout", sample_panel_path),
        run(120, "compare", sample_panel_path, "--alternatives"),
        run(120, "whatif", sample_panel_path, "--region", "06", "--improve", "3"),
        run(120, "rules"),
    ]
    report = tmp_path / "report.html"
    run(120, "report", sample_panel_path, "--out", report)
    outputs.append(report.read_text(encoding="utf-8").split("<style>")[0] + report.read_text().split("</style>")[1])
    for text in outputs:
        assert not THOUSANDS_WITH_COMMAS.search(text.replace("&nbsp;", " ")), THOUSANDS_WITH_COMMAS.search(text)
    assert "1 600.0" in outputs[1] and "1 280 000 000 kr" in outputs[-1].replace("&nbsp;", " ")


def test_the_formatters():
    assert format_kronor(1_280_000_000) == "1 280 000 000" and kronor(1_280_000_000.4) == "1 280 000 000 kr"
    assert format_kronor(-17_600_000.5, signed=True) == "-17 600 000"  # half to even, no "-0"
    assert format_kronor(1234.567, 2, lang="sv") == "1\u00a0234,57"  # babel: a no-break space between thousands
    assert format_mnkr(1_600_000_000) == "1 600.0" and mnkr(-17_640_000, signed=True) == "-17.6 mnkr"
    assert format_pp(3) == "+3.0" and pp(-0.04) == "-0.04 pp" and pp(-0.04, 1) == "+0.0 pp"  # as the figure has it
    assert pp(5.000001, None) == "+5.000001 pp"
    assert pp(2.5, lang="sv") == "+2,5\u00a0procentenheter" and format_percent(71) == "71.0 %"
    for missing in (float("nan"), None, pd.NA):
        assert format_kronor(missing) == "no data" and kronor(missing) == "no data"
    assert format_number(float("nan"), lang="sv") == "uppgift saknas"


def test_a_one_row_table_too_wide_for_one_part_reads_as_lines():
    text = run(80, "whatif", MIXED, "--rules", "kommiljard-2026", "--region", "06", "--more", "300")
    assert_fits(text, 80)
    assert "(part" not in text and "parts to fit" not in text  # one cell: no table in three parts
    lines = text.splitlines()
    cell = lines.index("Jan–Dec 2026")  # the cell's name on a line of its own, its values below it
    assert lines[cell + 1].split()[:2] == ["operations", "counted"] and "808 → 2 566" in lines[cell + 1]
    assert any(line.split()[0] == "difference" and line.endswith("7 823 000") for line in lines[cell:])
    assert "performs 300 more operations of each procedure in hip prosthesis, knee prosthesis" in " ".join(text.split())
