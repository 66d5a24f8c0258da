"""The 21 Swedish regions (SCB county codes) and normalisation of region identifiers."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import pandas as pd


@cache
def region_table() -> pd.DataFrame:
    """Code, name and population (31 Dec 2018) of the 21 regions, from the packaged table."""
    path = files("kommiljard") / "data" / "population_2018.csv"
    with path.open("rb") as fh:
        return pd.read_csv(fh, dtype={"region": str, "name": str, "population": "int64"})


def region_codes() -> tuple[str, ...]:
    """The valid two-digit county codes, ascending."""
    return tuple(region_table()["region"])


def region_names() -> dict[str, str]:
    """Map county code to the short region name."""
    t = region_table()
    return dict(zip(t["region"], t["name"]))


def normalise_code(value: object) -> str:
    """Turn ``6``, ``"6"`` or ``"06"`` into ``"06"``; other values are returned as text."""
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if text.isdigit() and len(text) <= 2:
        return text.zfill(2)
    return text
