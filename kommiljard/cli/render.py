"""How the command line prints: tables, narration of what was used, figures written atomically."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from ..money import format_kronor as kr
from .app import Format, err, out

if TYPE_CHECKING:
    import pandas as pd


def print_frame(frame: pd.DataFrame, fmt: Format, title: str, money: list[str]) -> None:
    import pandas as pd

    if fmt is Format.csv:
        sys.stdout.write(frame.to_csv(index=False))
        return
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(col, justify="right" if col in money or pd.api.types.is_numeric_dtype(frame[col]) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[kr(v) if c in money else ("" if pd.isna(v) else str(v)) for c, v in zip(frame.columns, row)])
    out.print(table)


def narrate(result) -> None:
    p = result.provenance
    err.print(
        f"rules: {p['rules']['origin']}" + (f" with {p['rules']['overrides']}" if p["rules"]["overrides"] else ""),
        highlight=False,
    )
    err.print(f"panel: {p['panel']['source']}", highlight=False)
    if result.panel.synthetic:
        err.print("[yellow]note: this panel is SYNTHETIC (made for trying the tool), not real regional data[/]")
    err.print(f"population: {p['population']['source']}; block-2 conditions: {p['conditions']}", highlight=False)


def write_figure(figure, path: Path) -> None:
    """Save a figure atomically (the suffix chooses the format)."""
    from ..outputs.files import atomic_path

    with atomic_path(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".") or "png", bbox_inches="tight", dpi=120)
