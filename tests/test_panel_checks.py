"""The panel's quick check: a panel it passes is one the pandera schema passes too, so a valid panel (nearly every
panel) is checked without importing pandera; any doubt leaves the verdict and its messages to pandera."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommiljard.inputs.panel import _pandera_problems, _plainly_valid, panel_problems
from kommiljard.sample import sample_panel

GROUPS = ("first_visit", "operation")


def spoiled(frame: pd.DataFrame, how: str, row: int, value) -> pd.DataFrame:
    """The frame with one thing wrong (or not: some spoilings are harmless)."""
    frame = frame.copy()
    if how == "duplicate":
        frame = pd.concat([frame, frame.iloc[[row]]], ignore_index=True)
    elif how == "drop":
        frame = frame.drop(index=row).reset_index(drop=True)
    else:
        column = {"region": "region", "month": "month", "group": "group", "share": "share_90", "share60": "share_60"}
        frame[column[how]] = frame[column[how]].astype(object)
        frame.loc[row, column[how]] = value
        if how.startswith("share"):
            frame[column[how]] = pd.to_numeric(frame[column[how]], errors="coerce").astype("float64")
    return frame


VALUES = st.one_of(
    st.sampled_from(["06", "6", "99", "2019-10", "2019-1", "19-10", "operation", "opera", None, "", "01\n"]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, 100.0, 100.0000001, -0.0, -1e-12, 71.0]),
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(how=st.sampled_from(["duplicate", "drop", "region", "month", "group", "share", "share60"]),
       row=st.integers(0, 200), value=VALUES)  # fmt: skip
def test_a_panel_the_quick_check_passes_is_one_pandera_passes(how, row, value):
    frame, problems = panel_problems(spoiled(sample_panel(), how, row, value), GROUPS)
    if frame is None:
        return
    if _plainly_valid(frame, GROUPS, ["share_90", "share_60"]):
        assert not problems
        assert _pandera_problems(frame, GROUPS, set(), ["share_90", "share_60"]) == []


def test_the_sample_panel_passes_the_quick_check_and_a_spoiled_one_does_not():
    frame, problems = panel_problems(sample_panel(), GROUPS)
    assert not problems and _plainly_valid(frame, GROUPS, ["share_90", "share_60"])
    bad, problems = panel_problems(spoiled(sample_panel(), "share60", 3, 100.0), GROUPS)  # share_60 above share_90
    assert not _plainly_valid(bad, GROUPS, ["share_90", "share_60"]) and problems
    assert any("share_60" in p.message for p in problems)  # pandera's message, as before
    frame = frame.assign(region=frame["region"].astype("category"))
    assert not _plainly_valid(frame, GROUPS, [])  # not plainly a column of str: pandera says
    assert np.isfinite(frame["share_90"]).all()
