"""The contract between a kind of rule block and every command: what a kind declares and provides.

A *kind* is one folder under ``kommiljard/kinds/`` (or a package of your own, registered with
:func:`kommiljard.kinds.register`). Its ``kind.py`` holds ``KIND``, an object that satisfies
:class:`BlockKind`; the registry (:data:`kommiljard.kinds.KINDS`) finds it there, as openfisca
finds variables in a folder, so nothing lists the kinds by hand. Every command asks the kind of a
block (:func:`kommiljard.kinds.kind_of`) and speaks only the words of this module; no module
outside ``kinds/`` names a kind, a kind's folder or its rules model (``tests/test_design.py``).

What a kind declares (plain data, read without computing anything):

- ``name``: the rule file's ``kind = "..."``; ``model``: its pydantic block model (its ``kind``
  field is ``Literal[name]``). The rules loader validates a rule file against the union of the
  registered kinds' models.
- ``measures``: the panel columns it may read (:class:`~kommiljard.inputs.measures.Measure`:
  name, unit, range, whole number or not, names in exports). Each block says which it needs
  (``block.measure_columns()``) and checks them in the rows it reads (``coverage``).
- ``columns``: the columns its blocks add to the engine's table (:class:`Column`), with their
  meaning. The engine's table is the union of the rule set's kinds' columns, in declared order.
- ``words``: every user-facing text of the kind, in English and Swedish (:func:`word`).
- ``step_word``: what one step is called (``bar``, ``level``; a key of ``words``).
- ``levers``: the :class:`Lever` declarations its blocks can have (what a region can change, its
  unit, option word and range); empty if a region cannot act on its blocks.

What a kind provides (methods of :class:`BlockKind`): the block's cells, its arrays, its
allocation by a readable ``reference`` and a ``fast`` kernel that agree to the öre (an
:class:`~kommiljard.kinds.tables.Allocation`), the engine's tables, the explanation of one region's
amount, the picture of one cell, the words of its rule parameters; and, where a region can act,
its :class:`Lever` (what-if, payout curves, the what-if page), and where a sweep can draw its
measures, its :class:`Draw`.

``docs/developers.md`` walks through adding a kind with the toy kind of the test suite
(``tests/toykind/``), which goes through every command.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, runtime_checkable

from ..inputs.measures import Measure

Cell = tuple[str | None, str | None]  # (month, group): the month a cell is reported under, and its group


class Need(NamedTuple):
    """A panel row a block reads: its month and group, how a message names it, the measures it needs there, and
    the cell whose amount it feeds."""

    month: str
    group: str
    label: str
    measures: tuple[str, ...]
    cell: Cell


Words = Mapping[str, tuple[str, str]]  # key -> (English, Swedish)
LANGS = ("en", "sv")


@dataclass(frozen=True)
class Column:
    """One column a kind's blocks add to the engine's table (one row per region, block, month and group).

    ``unit`` says how outputs show it (``pp``, ``percent``, ``count``, ``kr`` or ``""``);
    ``empty`` is its value in the rows of a block that does not fill it (NaN for numbers, None for
    yes/no or text); ``after_money`` places it after the money columns (``population`` ...
    ``cell_lapsed_sek``) rather than before them; an ``optional`` column is in a table only when
    some block of the rule set fills it (``improvement_pct``: only a relative staircase has one);
    ``header`` its short name in a table people read, (English, Swedish) (outputs add ", kr" for ``kr``).
    """

    name: str
    meaning: tuple[str, str]  # (English, Swedish)
    unit: str = ""
    empty: Any = math.nan
    after_money: bool = False
    optional: bool = False
    header: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class Lever:
    """What one region can change in a block (the EMA workbench's *lever*), as a declaration.

    A what-if moves the region's lever in chosen panel rows by a *change* (``--improve 3``: 3 pp
    of a share; ``--more 200``: 200 operations); everything else of the panel stays. ``option`` is
    the command-line word (``improve`` for ``--improve``); ``unit`` the unit of a change (``pp``,
    ``operations``: the what-if's column ``sek_per_extra_<unit>`` says what one more unit brings);
    ``lo``/``hi`` the range a change may take; ``step`` the default step of a payout curve,
    ``curve`` its default range (``whatif --curve``) and ``grid`` the default range of the what-if
    page; ``axis`` the column of a payout curve's x values; ``whole`` whether changes are whole
    numbers; ``marginal`` which rows the what-if's ``sek_per_extra_<unit>`` moves one more unit (``every``:
    every cell of the block together, as a staircase's points; ``chosen``: the rows the what-if moved, as one
    more operation of the procedure asked for); ``words`` its texts (:func:`word` keys ``label``, ``unit``,
    ``help``: the option's help,
    ``range``: why a change is bounded, ``whatif``: the what-if's headline, with ``{measure}`` and
    ``{change}``; ``page.<key>``: the what-if page's words where they differ). How a change acts on a panel and on a
    block's arrays is the kind's (:class:`LeverActions`).
    """

    option: str
    unit: str
    lo: float
    hi: float
    step: float
    curve: tuple[float, float]
    grid: tuple[float, float]
    axis: str
    words: Words = field(default_factory=dict)
    whole: bool = False
    marginal: str = "every"

    def check(self, value: object, option: str | None = None) -> float:
        """``value`` as a change of this lever (``3``, ``3,5``: :func:`kommiljard.inputs.options.number`, within
        ``lo``..``hi``), or an :class:`~kommiljard.inputs.options.OptionError` naming the option."""
        from ..inputs.options import OptionError, Range, number
        from ..language import spoken
        from .naming import tell

        lang = spoken()
        what = word(self.words, "unit", lang) if "unit" in self.words else self.unit
        why = word(self.words, "range", lang) if "range" in self.words else ""
        allowed = Range(self.lo, self.hi, what, why, whole=self.whole)
        option = option or f"--{self.option}"
        change = number(value, option, allowed)
        if self.whole and change != round(change):
            raise OptionError(option, value, tell("refuse.give", allowed=allowed.describe()))
        return change


@runtime_checkable
class LeverActions(Protocol):
    """How a block's lever acts (:meth:`BlockKind.lever`): its declaration, the rows it moves, and what a move
    does to a panel, to the what-if's table and, in batches through the fast kernel, to a payout curve.

    ``measures``: the panel measures a move changes (a share and the share capped by it).
    """

    lever: Lever
    measures: tuple[str, ...]

    def rows(self) -> list[tuple[Cell, tuple[tuple[str, str], ...]]]:
        """Each cell whose amount a region's lever changes, with the panel rows (month, group) it moves there, in
        the block's order of cells."""

    def move(self, frame, region: str, rows: Sequence[tuple[str, str]], change: float):
        """A copy of the panel ``frame`` with ``change`` applied to the region's ``rows`` (as the kind defines it:
        rounded, clamped, other measures capped)."""

    def describe(self, before, after, changed, change: float) -> tuple[dict, dict]:
        """What-if columns of the region's cells (``before``/``after``: its engine rows in the block's lever cells,
        ``changed``: whether each cell's rows were moved): (columns shown before the tiers, e.g. the shares and
        improvements; columns shown after the amounts, e.g. how far the next step is)."""

    def view(self, cells, lang: str = "en") -> tuple[dict, dict]:
        """The what-if's cells (its table, with :meth:`describe`'s columns) as text columns for the terminal, in
        ``lang`` (``en``, ``sv``): (shown before the tiers, shown after the amounts)."""

    # Optional: ``next_steps(state) -> list[float]``, per tier the change from a cell's ``state`` (as :meth:`curves`
    # gives it) that reaches the next step, counted exactly as the what-if counts it (the what-if page's "to the next
    # step"; without it the page walks its grid).
    # Optional: ``together(arrays, region, grid) -> array``, the region's amount from the whole block, (len(grid),), as
    # every cell moves by each grid value at once: for a lever whose cells do not add up (a bonus pot ties them), the
    # what-if page's exact total of one change in every cell.

    def curves(self, arrays, region: int, grid) -> dict:
        """The region's ``amount``, ``tier`` and ``route`` in every lever cell, each (len(grid), C), as it adds each
        grid value to its lever in that cell (every other region fixed), by the fast kernel; and ``state``: the
        cell values the what-if page shows (name -> (C,) array)."""

    def curve(self, arrays, region: int, cells: Sequence[int], grid, rows: Sequence[tuple[str, str]] = ()) -> tuple:
        """The region's amount summed over ``cells`` and its highest tier there, each (len(grid),), with its lever
        at each grid value in all of them at once (the x values of ``whatif --curve``: ``Lever.axis``); ``rows``: the
        panel rows (month, group) chosen in the block, for a lever whose cell holds several groups (all: empty)."""


@dataclass(frozen=True)
class Draw:
    """What a sweep draws for a block (the EMA workbench's *uncertainties*): which draw model draws which
    measures in which months and groups.

    ``model`` names a draw model of the sweeps (``logit_shares``: shares drawn on the logit scale from a
    scenario, conditioned on ``--observed`` months; ``kommiljard.sweeps.draws.register_draw`` adds one);
    ``months`` maps each measure drawn to the months it is drawn for (sorted); ``paid`` are the months the
    block pays for (a scenario's response to the scheme acts in them); ``needs`` is what variants allocated
    on the same draws must share. A sweep draws one block that has a draw; the allocation of the drawn
    batches is the kind's (:meth:`BlockKind.sweep_plan`).
    """

    model: str
    months: Mapping[str, tuple[str, ...]]
    groups: tuple[str, ...]
    paid: tuple[str, ...]
    needs: Mapping[str, tuple] = field(default_factory=dict)

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(self.months)

    def every_month(self) -> list[str]:
        """Every month some measure is drawn for, sorted."""
        return sorted({m for months in self.months.values() for m in months})


class SweepPlan(Protocol):
    """A block prepared for a sweep (:meth:`BlockKind.sweep_plan`): it allocates batches of drawn trajectories.

    ``groups`` (G) and ``months`` (M) are the outcome's groups and the months it pays for, ``steps`` (K) the
    steps whose chances the summary gives (``p_<step>_<group>``), ``pots`` (C,) each cell's pot, ``axis`` the
    name of a variant sweep's x (the lever's :attr:`Lever.axis`).

    Optional, for speed: ``fused(measures)``, the plan as the sweep's drawing kernel allocates each trajectory
    as it draws it (a NamedTuple for which the kind registers the numba overloads of
    :mod:`kommiljard.kinds.trajectory`), or None; ``measures`` are the draw model's, in its order. A plan
    without it allocates batches (:meth:`outcomes`), with the same results.
    """

    groups: tuple[str, ...]
    months: tuple[str, ...]
    steps: tuple[str, ...]
    pots: Any
    axis: str

    def outcomes(self, drawn: Mapping[str, Any], out: Mapping[str, Any]) -> None:
        """Fill ``out["amount"]`` (T, G, R) kronor, ``out["tier"]`` (T, G, R) and ``out["month_tier"]`` (T, M, G, R)
        from the drawn measures (name -> (T, the draw's months of that measure, groups, R)); with a lever the
        region's lever moved first, and ``baseline_amount``, ``baseline_tier``, ``baseline_month_tier`` without."""

    def allocate(self, drawn: Mapping[str, Any], out, threads: int = 1) -> tuple:
        """(amount, tier, month_tier) of the drawn measures without a lever (into ``out``, a triple, if given)."""

    def lever_values(self, drawn: Mapping[str, Any], out) -> None:
        """Fill ``out`` (T, R) with each region's value of the lever's quantity in the drawn trajectories (a
        staircase: its improvement in pp averaged over the cells): a variant sweep's x."""


class Vocabulary(Protocol):
    """The report's words and number formats in one language, handed to a kind's :meth:`BlockKind.parameter_text`."""

    lang: str

    def word(self, key: str, **fields) -> str:
        """A word of the report's rule vocabulary (``at_least``, ``more_than``, ``of_the_pot``, ``route`` ...)."""

    def bound(self, inclusive: bool, threshold: float, unit: str) -> str:
        """``at least 3 pp`` / ``more than 71 %``."""

    def percent(self, value: float, decimals: int) -> str:
        """A percentage (``value`` in percent) as the language writes it."""

    def kronor(self, value: float) -> str:
        """An amount of money as the language writes it."""

    def group(self, name: str) -> str:
        """A group's name in words."""

    def months(self, months: Sequence[str]) -> str:
        """Months as a range or a list (``sep–nov 2019``)."""

    def value(self, text: str) -> str:
        """A rule file's word (``population``, ``last``, ``share_90``) in words."""


class BlockKind(Protocol):
    """A kind of rule block: its declarations and what every command asks of it (see the module docstring)."""

    name: str
    model: type
    measures: tuple[Measure, ...]
    columns: tuple[Column, ...]
    words: Words
    step_word: str
    levers: tuple[Lever, ...]

    def route_names(self, block) -> tuple[str, ...]:
        """Route codes 0, 1, ... as written in outputs."""

    def step_names(self, block) -> tuple[str, ...]:
        """The block's steps, lowest first (bars, levels, procedures: whatever splits a cell's money)."""

    def cells(self, block) -> list[Cell]:
        """The block's cells (month reported under, group), in order; (None, None) for a block without any."""

    def cell_of(self, block, month: str, group: str) -> Cell | None:
        """The cell that measures ``month`` (``YYYY-MM``) for ``group``, or None."""

    def needs(self, block) -> list[Need]:
        """Every panel row the block reads, with the measures it reads there (in the block's order)."""

    def coverage(self, frame, block, population, *, allow_missing: bool = False) -> list:
        """Every problem a panel (its canonical frame) or the population has for this block: missing rows of any
        region (not problems with ``allow_missing``), a needed measure empty in a row it reads, missing columns
        (:func:`kommiljard.kinds.tables.coverage_problems` does it from the rows the block needs)."""

    def arrays(self, panel, block, population, *, conditions=None, allow_missing: bool = False) -> Any:
        """The block's contiguous input arrays; an InputError lists every gap. With ``allow_missing`` a region's
        cell without its rows is computed as not qualifying and marked in ``arrays.missing`` (C, R)."""

    def reference(self, block, arrays):
        """The readable specification: an :class:`~kommiljard.kinds.tables.Allocation`."""

    def fast(self, block, arrays):
        """The fast kernel: the same :class:`~kommiljard.kinds.tables.Allocation`, to the öre."""

    def tables(self, block, arrays, allocation, names: dict[str, str]):
        """The allocation as the engine's tables (:func:`kommiljard.kinds.tables.block_tables`); its rows hold the
        engine's own columns and the kind's declared ``columns``, no other."""

    def explain(
        self, rules, block, cell: Cell, *, panel, population, region: str, conditions=None, allow_missing=False
    ):
        """One region's amount in one cell traced through the reference: ``render(lang, width)`` (text) and
        ``as_dict()``. A kind whose cells are pots of one period (a price per procedure) may explain all of them at
        once."""

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        """The picture of one cell of a payout (a matplotlib Axes), drawn from the payout's tables, its words in
        ``lang`` (en, sv)."""

    def parameter_text(self, key: str, value, block, say: Vocabulary) -> str | None:
        """One rule parameter of the block (``value``: as the rule file gives it, an item of a list for a list's
        key) in words for the report, composed with ``say``; None for the report's plain rendering."""

    def lever(self, block) -> LeverActions | None:
        """What a region can change in this block, or None (nothing: the block does not depend on a region's acts)."""

    def draw(self, block) -> Draw | None:
        """What a sweep draws for this block, or None (the block cannot be swept)."""

    def sweep_plan(self, block, layout, population, lever: tuple | None) -> SweepPlan:
        """The block prepared for a sweep whose draw model has ``layout`` (its regions and each measure's months and
        groups); ``lever``: (region index, lever cells, change, the chosen (month, group) rows of those cells that
        the lever moves) or None."""

    def page_cell(self, block, cell: Cell, lang: str) -> dict:
        """The what-if page's words and colours of one cell: ``label``, ``measure``, ``tiers`` (tier 0, 1, ...),
        ``routes`` (route codes), ``colours`` (tier 0, 1, ...), as plain JSON-able data."""


def word(words: Words, key: str, lang: str = "en", **fields) -> str:
    """``words[key]`` in ``lang`` (``en`` or ``sv``), with ``{name}`` fields filled in. ``words`` is a mapping of
    (English, Swedish) pairs, or a words file's object with ``text(key, lang)`` (a kind may keep its words in a
    ``words.toml``)."""
    if hasattr(words, "text"):
        return words.text(key, lang, **fields)
    text = words[key][1 if lang == "sv" else 0]
    return text.format(**fields) if fields else text


def kind_word(kind: BlockKind, key: str, lang: str = "en", **fields) -> str:
    """A kind's own word (:attr:`BlockKind.words`); the key itself if the kind has none for it."""
    return word(kind.words, key, lang, **fields) if key in kind.words else key


REQUIRED = (
    "name",
    "model",
    "measures",
    "columns",
    "words",
    "step_word",
    "levers",
    *(name for name in BlockKind.__dict__ if not name.startswith("_") and callable(BlockKind.__dict__[name])),
)


def missing_parts(kind: object) -> list[str]:
    """What of the contract ``kind`` lacks (empty if it satisfies :class:`BlockKind`)."""
    return [name for name in REQUIRED if not hasattr(kind, name)]
