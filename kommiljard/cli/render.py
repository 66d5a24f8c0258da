"""How the command line prints: tables that fit the terminal, narration of what was used, figures
written atomically.

A table never loses a column to the terminal's width: its headers wrap first, then it is printed
in parts (each repeating the key columns, e.g. region and name), and in a very narrow terminal
as one block of ``column: value`` lines per row. Numbers never wrap. Amounts are written by
:mod:`kommiljard.money` (``1 280 000 000``; "no data" where a region had none).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from ..money import format_kronor, format_number
from .app import Format, err, out
from .terminal import write_out

if TYPE_CHECKING:
    import pandas as pd

BORDER = 3  # a column's padding (one space each side) and its separator, less the two outer edges
WRAP = ("region_name", "name")  # names may wrap between words; numbers and codes never do


def terminal_width() -> int:
    """The width to fit: the terminal's, or ``COLUMNS`` (piped or captured output: 200 unless set)."""
    return out.width


def cell_text(value, money: bool) -> str:
    """One cell as text: kronor in the money columns ("no data" where missing), numbers compactly."""
    import pandas as pd  # loaded by then: the command computed a frame (--help imports no pandas)

    if money:
        return format_kronor(value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return format_number(value, 0) if value.is_integer() and abs(value) >= 1e4 else f"{value:.6g}"
    return str(value)


def header_text(column: str) -> str:
    """A column name as a header that may wrap between its words (amounts: the title says kronor)."""
    return column.removesuffix("_sek").replace("_", " ")


def _table_width(widths: Sequence[int]) -> int:
    return sum(widths) + BORDER * len(widths) - 3


def layout(
    headers: Sequence[str], rows: Sequence[Sequence[str]], keys: int, width: int, wrap: Sequence[bool] = ()
) -> tuple[int, list[list[int]], list[int]] | None:
    """How a table fits ``width``: the number of key columns repeated in each part, the columns of
    each part, and every column's width; None if even one column beside the first key does not fit
    (then print the rows as blocks of lines).

    Every column appears in exactly one part (key columns in every part). A column is at least as
    wide as its longest cell (cells never wrap, except in ``wrap`` columns: their longest word) and
    its header's longest word (headers wrap); spare width goes to what would otherwise wrap.
    """
    n = len(headers)
    wrap = list(wrap) or [False] * n
    cells = [max([len(r[i]) for r in rows] + [1]) for i in range(n)]
    words = [max([len(w) for r in rows for w in r[i].split()] + [1]) if wrap[i] else cells[i] for i in range(n)]
    natural = [max(c, len(h)) for c, h in zip(cells, headers)]
    compact = [max([c] + [len(w) for w in h.split()]) for c, h in zip(words, headers)]

    def widths(columns: list[int]) -> list[int]:
        sized = {i: compact[i] for i in columns}
        spare = width - _table_width(list(sized.values()))
        for i in columns:
            grow = min(max(spare, 0), natural[i] - sized[i])
            sized[i] += grow
            spare -= grow
        return [sized.get(i, natural[i]) for i in range(n)]

    if _table_width(compact) <= width:
        return 0, [list(range(n))], widths(list(range(n)))
    keys = min(keys, n - 1)
    for key_columns in (list(range(keys)), [0] if keys else []):
        others = [i for i in range(n) if i not in key_columns]
        base = [compact[i] for i in key_columns]
        if any(_table_width([*base, compact[i]]) > width for i in others):
            continue
        parts, part = [], []
        for i in others:
            if part and _table_width([*base, *(compact[j] for j in part), compact[i]]) > width:
                parts.append(part)
                part = []
            part.append(i)
        parts.append(part)
        return len(key_columns), [key_columns + p for p in parts], compact
    return None


def print_frame(
    frame: pd.DataFrame,
    fmt: Format,
    title: str,
    money: Sequence[str] = (),
    keys: int = 1,
    sections: Sequence[int] = (),
    dialect: str = "en",
    exact: bool = False,
    numbers: Sequence[str] = (),
    wrap: Sequence[str] = WRAP,
) -> None:
    """Print a frame as CSV (in a dialect, :mod:`kommiljard.outputs.dialects`) or as a table that fits
    the terminal (see the module docstring).

    ``money`` columns are written as kronor; ``keys`` leading columns name a row and are repeated in
    every part; a line is drawn before each row index in ``sections``; ``numbers`` are text columns
    that hold numbers (aligned right, like numeric columns); ``wrap`` columns may wrap between words.
    Cell text is never read as markup.
    """
    import pandas as pd

    if fmt is Format.csv:
        from ..outputs.dialects import csv_text

        write_out(csv_text(frame, dialect, exact))
        return
    headers = [header_text(str(c)) for c in frame.columns]
    rows = [[cell_text(v, c in money) for c, v in zip(frame.columns, row)] for row in frame.itertuples(index=False)]
    right = [c in money or c in numbers or pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    width = terminal_width()
    wrap = [c in wrap for c in frame.columns]
    fitted = layout(headers, rows, keys, width, wrap)
    if fitted is None:
        print_blocks(headers, rows, title, keys)
        return
    repeated, parts, sizes = fitted
    for p, columns in enumerate(parts):
        heading = title
        if len(parts) > 1:
            shown = ", ".join(headers[i] for i in columns[repeated:])
            heading = f"{title} (part {p + 1} of {len(parts)}: {shown})".strip()
        table = Table(
            title=Text(heading) if heading else None,
            title_justify="left",
            box=box.HEAVY_HEAD,
            show_edge=False,
            pad_edge=False,
        )
        for i in columns:
            table.add_column(Text(headers[i]), justify="right" if right[i] else "left", overflow="fold", width=sizes[i])
        for r, row in enumerate(rows):
            if r in sections:
                table.add_section()
            table.add_row(*(Text(row[i], no_wrap=not wrap[i]) for i in columns))
        out.print(table, width=width)
    if len(parts) > 1:
        out.print(
            Text(f"({len(parts)} parts to fit {width} columns; a wider terminal or --format csv shows one table)"),
            width=width,
        )


def print_blocks(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str, keys: int) -> None:
    """A table too wide for the terminal even in parts: one block of ``column: value`` lines per row."""
    label = max(len(h) for h in headers)
    if title:
        out.print(Text(title), soft_wrap=True)
    for row in rows:
        out.print(Text(" ".join(row[:keys]) if keys else ""), soft_wrap=True)
        for h, v in zip(headers[keys:], row[keys:]):
            out.print(Text(f"  {h:<{label}}  {v}"), soft_wrap=True)


def cell_months_text(rules, blocks, months, groups) -> list[str]:
    """The month column of cells as the terminal shows it: a cell over a period as its months
    (``2026-01 - 2026-12``), a month's cell as its month, nothing for a cell without one."""
    from ..kinds import cell_months

    shown = []
    for number, month, group in zip(blocks, months, groups):
        if not isinstance(month, str):
            shown.append("")
            continue
        group = group if isinstance(group, str) else None
        every = cell_months(rules.ruleset.block(int(number)), (month, group))
        shown.append(f"{every[0]} - {every[-1]}" if len(every) > 1 else month)
    return shown


def narrate(result) -> None:
    p = result.provenance
    err.print(
        f"rules: {p['rules']['origin']}" + (f" with {p['rules']['overrides']}" if p["rules"]["overrides"] else ""),
        highlight=False,
    )
    err.print(f"panel: {p['panel']['source']}", highlight=False)
    if result.panel.synthetic:
        err.print("note: this panel is SYNTHETIC (made for trying the tool), not real regional data", style="yellow")
    conditions = f"; block conditions: {p['conditions']}" if p.get("conditions") else ""
    err.print(f"population: {p['population']['source']}{conditions}", highlight=False)
    warn_no_data(result.no_data())


def warn_no_data(gaps: dict[str, str], computed: bool = True) -> None:
    """Say which regions were (or would be) computed without data (``--allow-missing-regions``), and what
    that means."""
    from ..engine import no_data_message

    if gaps:
        err.print(Text(f"warning: {no_data_message(gaps, computed)}", style="yellow"), soft_wrap=True)


def write_figure(figure, path: Path) -> None:
    """Save a figure atomically (the suffix chooses the format)."""
    from ..outputs.files import atomic_path

    with atomic_path(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".") or "png", bbox_inches="tight", dpi=120)
