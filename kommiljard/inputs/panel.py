"""Waiting-time panels: reading, normalising and validating them once, at the edge.

A panel has one row per region, month and group, and one column per measure (see
``docs/data-formats.md`` and :mod:`kommiljard.inputs.measures`): ``share_90`` and ``share_60`` in
percent, counts such as ``n_waiting`` and ``operations``. A row may leave a measure empty that it
does not have; a rule set names the measures it needs, and its blocks check them in the rows they
read. ``procedure`` is accepted as the name of the ``group`` column (a per-operation panel). Every
problem is collected and reported in one :class:`~kommiljard.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from ..errors import InputError, closest
from ..language import speaker, spoken
from .measures import CATALOGUE, Measure
from .months import MONTH_WORDS, normalise_month, shift_month  # noqa: F401 - re-exported: the panel's months
from .plausibility import fractions_problem
from .regions import normalise_code, region_codes, suggest_region
from .tables import (
    MAX_COLLECTED_PROBLEMS,
    Problem,
    file_sha256,
    missing_columns,
    numeric_column,
    raise_problems,
    read_table,
)

KEY = ["region", "month", "group"]
WAITING_GROUPS = (  # the waiting-time groups: the importer's GROUP_NAMES, named here without importing it (its
    # vocabulary reads spreadsheets, and openpyxl costs a payout a third of a second); a test keeps them equal
    "first_visit",
    "operation",
    "revisit",
    "primary_care",
    "bup_first_visit",
    "bup_assessment",
    "bup_treatment",
)
GROUP_ALIASES = ("procedure",)  # other names of the group column: a per-operation panel's procedure
SHARE_COLUMNS = ["share_90", "share_60"]  # the measures needed unless a rule set names others (2019)
REQUIRED = KEY + SHARE_COLUMNS
FrameCheck = Callable[[pd.DataFrame], list[Problem]]
say = speaker(__package__)


@dataclass(frozen=True)
class Panel:
    """A validated panel in canonical form, with where it came from."""

    frame: pd.DataFrame
    source: str = "(in memory)"
    sha256: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return self.metadata.get("kommiljard.synthetic") == "true"

    def with_frame(self, frame: pd.DataFrame) -> Panel:
        """The same provenance with other values (a what-if); the hash marks the change."""
        return Panel(frame, self.source, self.sha256 + "+modified" if self.sha256 else "", self.metadata)


def _month_of(value: object) -> str | None:
    """:func:`normalise_month`, computed once per distinct value (a panel repeats each month in every row)."""
    try:
        return _cached_month(value)
    except TypeError:  # a value that cannot be a key (never a month)
        return normalise_month(value)


_cached_month = cache(normalise_month)


def known_groups(groups: Iterable[str] = ()) -> list[str]:
    """``groups`` (a rule set's) and every group the panel format knows: the waiting-time groups and the
    procedures of the measures that fix their groups; a panel may hold rows of any of them (a rule set reads
    its own and leaves the others)."""
    fixed = {g for m in CATALOGUE.values() for g in m.groups}
    return sorted(set(groups) | set(WAITING_GROUPS) | fixed)


@cache
def _pandera():
    """pandera, imported when a panel is first checked (a command that reads no panel never pays for it).

    pandera also offers data synthesis, which imports hypothesis if it is installed (a development
    install): a few hundred milliseconds of every command's time for a feature the package never
    uses, so hypothesis is hidden while pandera loads, unless something imported it already.
    """
    import sys

    hide = "hypothesis" not in sys.modules
    if hide:
        sys.modules["hypothesis"] = None  # import hypothesis raises ImportError: pandera goes without it
    try:
        import pandera.backends.pandas.builtin_checks  # noqa: F401 - loaded on the first validation otherwise
        import pandera.pandas as pa
    finally:
        if hide:
            del sys.modules["hypothesis"]
    return pa


def _at_most_error(measure: Measure) -> str:
    return say("problem.above_check", measure=measure.name, at_most=measure.at_most)


def _float_measures(columns: Iterable[str]) -> list[Measure]:
    """The catalogue's measures among ``columns`` that are read as float64 (the counts are checked on reading)."""
    return [CATALOGUE[c] for c in columns if c in CATALOGUE and not CATALOGUE[c].whole]


def _schema(groups: Iterable[str] | None, present: Iterable[str], needed: Iterable[str]):
    """Key columns, and each float measure column present (empty cells allowed unless ``needed``)."""
    pa = _pandera()
    group_checks = [pa.Check.isin(sorted(groups), error=say("problem.unknown_group"))] if groups else []
    measures = _float_measures(present)
    columns = {
        m.name: pa.Column(
            "float64", [pa.Check.in_range(m.lo, m.hi, error=m.out_of_range())], nullable=m.name not in needed
        )
        for m in measures
    }
    pairs = [m for m in measures if m.at_most in columns]
    return pa.DataFrameSchema(
        {
            "region": pa.Column(
                str, pa.Check.isin(region_codes(), error=say("problem.unknown_region")), nullable=False
            ),
            "month": pa.Column(
                str, pa.Check.str_matches(r"^\d{4}-\d{2}$", error=say("problem.month_format")), nullable=False
            ),
            "group": pa.Column(str, group_checks, nullable=False),
            **columns,
        },
        checks=[
            pa.Check(lambda d, m=m: ~(d[m.name] > d[m.at_most]), error=_at_most_error(m), name=_at_most_error(m))
            for m in pairs
        ],
        unique=KEY,
        report_duplicates="all",
    )


def _describe(frame: pd.DataFrame, row: int) -> str:
    r = frame.loc[row]
    group = r["group"] if spoken() == "en" else f"'{r['group']}'"  # as the file writes it (quoted: a code name)
    return f"({r['region']}, {r['month']}, {group})"


def _plainly_valid(frame: pd.DataFrame, groups: Iterable[str] | None, needed: Iterable[str]) -> bool:
    """True when the frame passes every check of :func:`_schema`, found with a few vectorised pandas tests (a
    panel that is valid, as nearly all are, needs no pandera: about a tenth of a second of a command). Stricter
    than the schema where that is simpler (every key a ``str``): False only means "let pandera say"."""
    keys = frame[KEY]
    if not all(keys[c].dtype == object and keys[c].map(type).eq(str).all() for c in KEY):
        return False
    ok = keys["region"].isin(region_codes()) & keys["month"].str.match(r"^\d{4}-\d{2}$")
    if groups:
        ok &= keys["group"].isin(sorted(groups))
    for m in _float_measures(frame.columns):
        values = frame[m.name]
        if values.dtype != "float64":
            return False
        ok &= values.between(m.lo, m.hi) | (values.isna() & (m.name not in needed))
        if m.at_most in frame.columns:
            ok &= ~(values > frame[m.at_most])
    return bool(ok.all()) and not keys.duplicated().any()


def _schema_problems(
    frame: pd.DataFrame, groups: Iterable[str] | None, unparsable: set, needed: Iterable[str]
) -> list[Problem]:
    """What the panel's schema finds: nothing for a plainly valid panel, pandera's findings otherwise."""
    return [] if _plainly_valid(frame, groups, needed) else _pandera_problems(frame, groups, unparsable, needed)


def _pandera_problems(
    frame: pd.DataFrame, groups: Iterable[str] | None, unparsable: set, needed: Iterable[str]
) -> list[Problem]:
    try:
        _schema(groups, frame.columns, needed).validate(frame, lazy=True)
        return []
    except _pandera().errors.SchemaErrors as exc:
        cases = exc.failure_cases
    above = {_at_most_error(m): m for m in _float_measures(frame.columns) if m.at_most}
    problems = []
    allowed = sorted(groups or [])  # groups; regions are suggested by name or code
    for case in cases.itertuples():
        col, check, value, index = case.column, str(case.check), case.failure_case, case.index
        if index is None or pd.isna(index):
            problems.append(Problem(f"{col}: {check}: {value}"))
            continue
        row = int(index)
        if (row, col) in unparsable and check != "multiple_fields_uniqueness":
            continue  # reported already as not a number or not a month
        if len(problems) >= MAX_COLLECTED_PROBLEMS:  # beyond, only counted (in a few words, no suggestion)
            problems.append(Problem(f"{col}: {check}", row + 1))
            continue
        problems += _case_problem(frame, (col, check, value, row), allowed, above)
    return problems


def _case_problem(frame: pd.DataFrame, case: tuple, allowed: list[str], above: dict) -> list[Problem]:
    """The problem pandera found in one cell (``case``: column, check, value, row), said with its row's region,
    month and group (``allowed``: the groups, ``above``: the at-most checks by their error)."""
    col, check, value, row = case
    where = _describe(frame, row)
    if check == "multiple_fields_uniqueness":
        if col != "region":  # report a duplicate once, not once per key column
            return []
        return [Problem(say("problem.duplicate", where=where), row + 1)]
    if check == "not_nullable":
        return [Problem(say("problem.empty", column=col, where=where), row + 1)]
    if check in above:
        m, r = above[check], frame.loc[row]
        values = {"measure": m.name, "value": r[m.name], "at_most": m.at_most, "bound": r[m.at_most]}
        return [Problem(say("problem.above", **values, where=where), row + 1)]
    if col == "region":
        close = suggest_region(value)
    else:
        close = closest(value, allowed if col == "group" else [])
        close = repr(close) if close else None
    did = say("refuse.did_you_mean", close=close) if close else ""
    return [Problem(f"{col} = {value!r} {where}: {check}{did}", row + 1)]


def _counts(raw: pd.DataFrame, measure: Measure, problems: list[Problem]) -> pd.Series:
    """A count column as nullable whole numbers; a value outside the measure's range or with a fraction is a problem."""
    counts = numeric_column(raw, measure.name, problems)
    outside = counts.notna() & ~counts.between(measure.lo, measure.hi)
    fraction = counts.notna() & ~outside & (counts != counts.round())
    for i in raw.index[outside | fraction]:
        what = measure.out_of_range() if outside[i] else say("problem.not_whole")
        value = raw[measure.name][i]
        value = value.item() if hasattr(value, "item") else value  # 2.5, not np.float64(2.5)
        problems.append(Problem(f"{measure.name} = {value!r} {what}", i + 1))
    return counts.where(~(outside | fraction)).astype("Int64")


def group_column(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """``raw`` with its group column called ``group`` (a per-operation panel may call it ``procedure``)."""
    aliases = [a for a in GROUP_ALIASES if a in raw.columns]
    if not aliases:
        return raw, []
    if "group" in raw.columns or len(aliases) > 1:
        named = ", ".join(repr(c) for c in ["group", *aliases] if c in raw.columns)
        return raw, [Problem(say("problem.group_columns", named=named))]
    return raw.rename(columns={aliases[0]: "group"}), []


def normalise_panel(raw: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Canonical column types: region codes zero-padded, months ``YYYY-MM``, shares float64, counts Int64."""
    frame = pd.DataFrame(index=raw.index)
    frame["region"] = _each_distinct(raw["region"], normalise_code)
    months = _each_distinct(raw["month"], _month_of)
    for i in raw.index[months.isna() & raw["month"].notna()]:
        problems.append(Problem(say("problem.not_a_month", value=repr(raw["month"][i])), i + 1))
    frame["month"] = months.where(months.notna(), raw["month"].map(lambda v: None if pd.isna(v) else str(v))).astype(
        object
    )
    frame["group"] = raw["group"].map(lambda v: None if pd.isna(v) else str(v).strip()).astype(object)
    for col in raw.columns:
        if col in CATALOGUE:
            measure = CATALOGUE[col]
            frame[col] = _counts(raw, measure, problems) if measure.whole else numeric_column(raw, col, problems)
    for col in raw.columns:
        if col not in frame.columns:
            frame[col] = raw[col]
    return frame


class Reported(frozenset):
    """The (row, column) of values already refused, kept in a frame's ``attrs`` for the checks: shared, never
    copied (pandas deep-copies ``attrs`` at every step, and a bad file may have a hundred thousand of them)."""

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def _each_distinct(column: pd.Series, read: Callable[[object], object]) -> pd.Series:
    """``read`` of every value (None where empty), computed once per distinct value: a panel's regions and
    months repeat row after row."""
    present = column.dropna()
    meaning = {value: read(value) for value in present.unique()}
    return pd.Series([meaning[v] for v in present], index=present.index, dtype=object).reindex(column.index)


Measures = Mapping[str, str] | Sequence[str]


def missing_measures(raw: pd.DataFrame, measures: Measures) -> list[Problem]:
    """A problem for each needed measure column that is absent, saying what it is and who needs it."""
    who = measures if isinstance(measures, Mapping) else {}
    present = ", ".join(map(repr, raw.columns))
    return [
        Problem(
            say(
                "problem.missing_measure",
                column=repr(m),
                what=CATALOGUE[m].describe(spoken()) if m in CATALOGUE else say("problem.a_measure"),
                who=say("problem.measured_by", who=who[m]) if who.get(m) else "",
                present=present,
            )
        )
        for m in measures
        if m not in raw.columns
    ]


def panel_problems(
    raw: pd.DataFrame,
    groups: Iterable[str] | None = None,
    checks: Sequence[FrameCheck] = (),
    measures: Measures = SHARE_COLUMNS,
    *,
    complete: bool = True,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Normalise and check a raw panel frame; return the canonical frame and all problems.

    ``measures`` are the measure columns that must be present (default: the 2019 ones); a mapping
    says, per column, who needs it. With ``complete`` they must have a value in every row; without,
    a row may leave them empty and the ``checks`` say which rows need them (a rule set's blocks
    check the rows they read). ``checks`` see the rows whose region, month and group are valid,
    so that their problems are reported together with the others. Every measure column of
    :data:`~kommiljard.inputs.measures.CATALOGUE` is checked wherever it has a value.
    """
    raw, problems = group_column(raw)
    problems += missing_columns(raw, KEY) + missing_measures(raw, measures)
    if problems:
        return None, problems
    if raw.empty:
        return None, [Problem(say("problem.no_rows"))]
    raw = raw.reset_index(drop=True)
    frame = normalise_panel(raw, problems)
    # values already reported as unreadable: the schema's checks on them would only repeat it
    present = [c for c in raw.columns if c in CATALOGUE]
    unparsable = {(i, c) for c in present for i in raw.index[frame[c].isna() & raw[c].notna()]}
    months = frame["month"].dropna()
    odd = {m for m in months.unique() if _month_of(m) != m}
    unparsable |= {(i, "month") for i in months.index[months.isin(odd)]} if odd else set()
    frame.attrs["reported"] = Reported(unparsable)  # values already refused: a check finding them empty would repeat it
    problems += _schema_problems(frame, groups, unparsable, list(measures) if complete else [])
    percents = [c for c in present if CATALOGUE[c].unit == "percent"]
    if fractions := fractions_problem(frame, percents):
        problems.append(Problem(fractions))
    keyed = (
        frame["region"].isin(region_codes())
        & frame["month"].str.match(r"^\d{4}-\d{2}$", na=False)
        & frame["group"].notna()
    )
    for check in checks:
        problems += check(frame[keyed])
    del frame.attrs["reported"]  # for the checks only: a table's attrs are written with it
    return frame, list(dict.fromkeys(problems))


def validate_panel(
    raw: pd.DataFrame,
    source: str = "(in memory)",
    groups: Iterable[str] | None = None,
    checks: Sequence[FrameCheck] = (),
    measures: Measures = SHARE_COLUMNS,
    *,
    complete: bool = True,
) -> pd.DataFrame:
    """Return the canonical frame or raise one :class:`InputError` listing every problem."""
    frame, problems = panel_problems(raw, groups, checks, measures, complete=complete)
    raise_problems(source, "panel", problems, say("panel_hint"))
    return frame


def read_panel(
    path: str | Path,
    groups: Iterable[str] | None = None,
    checks: Sequence[FrameCheck] = (),
    measures: Measures = SHARE_COLUMNS,
    *,
    complete: bool = True,
) -> Panel:
    """Read and validate a panel file (Parquet or CSV); a spreadsheet export is refused with the import command
    that reads it."""
    try:
        raw, meta = read_table(path, "panel")
    except InputError:
        _refuse_export(path)
        raise
    if not {"region", "month"} <= set(raw.columns):  # a panel names its region and month (its groups: a kind's word)
        _refuse_export(path)
    frame = validate_panel(raw, str(path), groups, checks, measures, complete=complete)
    return Panel(frame, str(path), file_sha256(path), meta)


def _refuse_export(path: str | Path) -> None:
    """An :class:`InputError` that says so if ``path`` is a waiting-time export (``kommiljard import`` reads it)."""
    from .layouts import export_hint

    hint = export_hint(path)
    if hint:
        raise InputError(hint)


def as_panel(
    panel: Panel | pd.DataFrame | str | Path,
    groups: Iterable[str] | None = None,
    checks: Sequence[FrameCheck] = (),
    measures: Measures = SHARE_COLUMNS,
    *,
    complete: bool = True,
) -> Panel:
    """Accept a :class:`Panel`, a data frame or a path; validate what is not a Panel yet (:func:`panel_problems`)."""
    if isinstance(panel, Panel):
        return panel
    if isinstance(panel, pd.DataFrame):
        return Panel(validate_panel(panel, groups=groups, checks=checks, measures=measures, complete=complete))
    return read_panel(panel, groups, checks, measures, complete=complete)
