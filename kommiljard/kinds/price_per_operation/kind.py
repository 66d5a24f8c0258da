"""A price per operation as a :class:`~kommiljard.kinds.base.BlockKind`: what it declares and provides.

Its measure is ``operations`` (whole numbers, in rows whose group is a procedure); its cells are its
pots (the block's period, or the period of each procedure); its steps split a cell's money into what
was paid for the regions' own operations and what went to the top regions; its lever is a number of
operations more (:mod:`.lever`); a sweep draws its counts as Poisson or negative binomial around each
region's trend (``counts``).
"""

from __future__ import annotations

import numpy as np

from ...inputs.measures import OPERATIONS
from ..base import Cell, Column, Draw, kind_word
from .lever import LEVER
from .rules import PricePerOperation
from .words import KIND_WORDS

OPERATIONS_COLUMN = Column(
    "operations",
    (
        "operations performed in the block's months (in the cell's procedures)",
        "utförda operationer under blockets månader (cellens åtgärder)",
    ),
    "count",
    header=("operations", "operationer"),
)
BASELINE = Column(
    "baseline_operations",
    (
        "the baseline: the same months of the earlier years (mean or highest)",
        "baslinjen: samma månader tidigare år (medelvärde eller högsta)",
    ),
    "count",
    header=("baseline", "baslinje"),
)
COUNTED = Column(
    "operations_counted",
    (
        "operations paid for: above the baseline, in whole operations",
        "operationer som ersätts: över baslinjen, i hela operationer",
    ),
    "count",
    header=("operations counted", "räknade operationer"),
)
EARNED = Column(
    "earned_sek",
    ("operations counted x price, before the cap", "räknade operationer x pris, före taket"),
    "kr",
    header=("earned", "intjänat"),
)
CAP = Column(
    "cap_sek",
    ("the region's cap in the cell's pot (its maximum)", "regionens tak i cellens pott (maxbelopp)"),
    "kr",
    header=("cap", "tak"),
)
SHARE_OF_MAX = Column(
    "share_of_max_pct",
    ("paid for its own operations, in percent of its cap", "utbetalt för egna operationer, i procent av taket"),
    "percent",
    header=("% of its maximum", "% av maxbeloppet"),
)
TOP = Column(
    "top_regions_sek",
    (
        "paid as one of the regions with the most operations per inhabitant",
        "utbetalt som en av regionerna med flest operationer per invånare",
    ),
    "kr",
    after_money=True,
    header=("as a top region", "som toppregion"),
)


class PricePerOperationKind:
    name = "price_per_operation"
    model = PricePerOperation
    measures = (OPERATIONS,)
    columns = (OPERATIONS_COLUMN, BASELINE, COUNTED, EARNED, CAP, SHARE_OF_MAX, TOP)
    words = KIND_WORDS
    period_cells = True  # a cell is the block's whole period (its month: the last one), as outputs name it
    levers = (LEVER,)
    step_word = "part"

    def route_names(self, block: PricePerOperation) -> tuple[str, ...]:
        from .allocation import ROUTE_NAMES

        return ROUTE_NAMES

    def step_names(self, block: PricePerOperation) -> tuple[str, ...]:
        from .allocation import STEPS

        return STEPS

    def cells(self, block: PricePerOperation) -> list[Cell]:
        if block.pot_by == "procedure":
            return [(block.period_month, p) for p in block.procedure_names]
        return [(block.period_month, None)]

    def cell_of(self, block: PricePerOperation, month: str, group: str) -> Cell | None:
        if month not in block.months or group not in (None, *block.procedure_names):
            return None
        if block.pot_by == "procedure":  # a pot per procedure: the cell needs one
            return (block.period_month, group) if group is not None else None
        return (block.period_month, None)

    def needs(self, block: PricePerOperation):
        from .arrays import needed_rows

        cells = self.cells(block)
        return [
            n._replace(cell=self.cell_of(block, block.period_month, n.group) or cells[0]) for n in needed_rows(block)
        ]

    def coverage(self, frame, block: PricePerOperation, population, *, allow_missing: bool = False):
        from ..tables import coverage_problems

        return coverage_problems(frame, block, population, allow_missing, self.needs(block))

    def arrays(self, panel, block: PricePerOperation, population, *, conditions=None, allow_missing: bool = False):
        from .arrays import price_input

        return price_input(panel, block, population, allow_missing)

    def reference(self, block: PricePerOperation, inp):
        from .allocation import detail_of_cell
        from .explain import price_cell_of

        return self._allocation(block, inp, detail_of_cell(price_cell_of(block, inp)))

    def fast(self, block: PricePerOperation, inp):
        from .allocation import detail_of_result
        from .kernel import PriceParams, run_price

        res = run_price(PriceParams.from_block(block), inp.operations, inp.history, inp.population, inp.cap_key)
        return self._allocation(block, inp, detail_of_result(res))

    def _allocation(self, block: PricePerOperation, inp, detail):
        from ..tables import Allocation
        from .allocation import cell_values, flows_of, routes, share_of_max

        values = cell_values(block, inp, detail)
        amount = values["amount"]
        return Allocation(
            amount=amount,
            tier=(amount > 0).astype(np.int8),
            route=routes(values, block.cap.key != "none"),
            lapsed=detail.lapsed.copy(),
            by_step=np.stack([values["paid"], values["top"]], axis=-1),
            flows=flows_of(block, values, detail.lapsed),
            extra={
                "earned": values["earned"],
                "cap": values["cap"],
                "counted": values["counted"],
                "share_of_max": share_of_max(values),
                "by_procedure": detail.by_procedure[None],
            },
        )

    def tables(self, block: PricePerOperation, inp, allocation, names: dict[str, str]):
        from ..tables import block_tables
        from .allocation import ROUTE_NAMES, STEPS, base_values

        cells = self.cells(block)
        bases = base_values(block, inp)
        per_cell = (lambda a: a.T) if block.pot_by == "procedure" else (lambda a: a.sum(axis=1)[None])
        cap = np.where(np.isfinite(allocation.extra["cap"]), allocation.extra["cap"], np.nan)
        t = block_tables(
            block,
            ROUTE_NAMES,
            cells,
            inp.regions,
            names,
            inp.population,
            pots=np.array(block.pot_sek()),
            allocation=allocation,
            step_names=STEPS,
            missing=inp.missing,
            columns={
                "operations": per_cell(inp.operations),
                "baseline_operations": per_cell(bases) if block.counting == "above_baseline" else np.nan,
                "operations_counted": allocation.extra["counted"],
                "earned_sek": allocation.extra["earned"],
                "cap_sek": cap,
                "share_of_max_pct": allocation.extra["share_of_max"],
                "top_regions_sek": allocation.by_step[..., 1],
            },
        )
        t.rows["operations"] = t.rows["operations"].round().astype("Int64")  # sums of whole operations
        paid_parts = [[STEPS[k] for k in range(2) if v[k] > 0] for v in allocation.by_step.reshape(-1, 2)]
        t.rows["bars"] = ["+".join(p) for p in paid_parts]
        if block.unearned.to == "top_regions":  # a cell's paid = its regions' own + what went to the top regions
            t.cells["to_top_regions_sek"] = allocation.by_step[..., 1].sum(axis=1)
        return t

    def explain(
        self, rules, block, cell: Cell, *, panel, population, region: str, conditions=None, allow_missing=False
    ):
        from .explain import explain_price

        return explain_price(rules, block, panel, population, region, allow_missing)

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        from .figure import plot_price
        from .words import procedure_name

        steps, rows, _ = result.cell_tables(block.number, cell[0], cell[1])
        name = kind_word(self, "block_name", lang, number=block.number, name=block.title)
        title = name + (f", {procedure_name(cell[1], lang)}" if cell[1] else "")
        pot = float(steps["base_sek"].iloc[0])
        return plot_price(rows, pot, float(steps["lapsed_sek"].sum()), title, result.provenance, ax, lang=lang)

    def parameter_text(self, key: str, value, block: PricePerOperation, say) -> str | None:
        from .describe import parameter_text

        return parameter_text(key, value, block, say)

    def lever(self, block: PricePerOperation):
        from .lever import OperationsLever

        return OperationsLever(block)

    def draw(self, block: PricePerOperation) -> Draw:
        years = block.baseline_years if block.counting == "above_baseline" else ()
        baseline = tuple(m for y in years for m in block.baseline_months(y))
        months = tuple(sorted(set(block.months) | set(baseline)))
        return Draw(
            "counts",
            {"operations": months},
            block.procedure_names,
            tuple(block.months),
            {"procedures": block.procedure_names, "months": tuple(block.months), "baseline months": baseline},
        )

    def sweep_plan(self, block: PricePerOperation, layout, population, lever=None):
        from .sweep import sweep_plan

        return sweep_plan(block, layout, population, lever)

    def page_cell(self, block: PricePerOperation, cell: Cell, lang: str) -> dict:
        from ..look import NONE_COLOUR
        from .figure import PAID_COLOUR
        from .words import procedure_name

        group = cell[1]
        label = procedure_name(group, lang) if group else kind_word(self, "all_procedures", lang)
        return {
            "group": label,
            "measure": kind_word(self, "operations_done", lang),
            "steps": list(self.step_names(block)),
            "tiers": [kind_word(self, "tier_none", lang), kind_word(self, "tier_paid", lang)],
            "routes": [kind_word(self, f"route_{r}", lang) for r in self.route_names(block)],
            "colours": [NONE_COLOUR, PAID_COLOUR],
        }


KIND = PricePerOperationKind()
