"""Rule model of a price per operation: each region is paid a price for every operation it performs
above its own earlier years (or for every operation), up to a cap per region; money no region earns
lapses or goes to the regions that operate the most per inhabitant (the schemes of 2025 and 2026)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ...errors import closest
from ...inputs.measures import PROCEDURES as PROCEDURE_NAMES
from ...rules.common import MAX_SEK, Block, Frozen, check_months, check_names_unique, check_shares_sum

# The procedures a price block can pay for (the panel format's, kommiljard.inputs.measures.PROCEDURES), with
# their Swedish and English names. A panel's group (or ``procedure``) column names them so; a rule file's
# procedure must be one of them.
PROCEDURES = dict(
    zip(
        PROCEDURE_NAMES,
        (
            ("Höftprotes", "hip prosthesis"),
            ("Knäprotes", "knee prosthesis"),
            ("Grå starr (katarakt)", "cataract"),
            ("Framfall", "prolapse"),
            ("Ljumskbråck", "inguinal hernia"),
            ("Koloskopi", "colonoscopy"),
        ),
        strict=True,
    )
)
MAX_PRICE_SEK = 1e7  # kronor per operation: far above any price paid (108 000 kr per hip prosthesis in 2025)
YEARS = (1990, 2100)


class Procedure(Frozen):
    """A procedure paid for, with its price; ``pot_share``: its part of the block's money when the block
    keeps one pot per procedure (``pot_by = "procedure"``)."""

    name: str
    label: str = ""
    price_sek: float = Field(gt=0, le=MAX_PRICE_SEK)
    source: str = ""
    note: str = ""
    pot_share: float | None = Field(default=None, gt=0, le=1)
    pot_share_note: str = ""

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in PROCEDURES:
            close = closest(name, PROCEDURES)
            did = f"; did you mean {close!r}?" if close else ""
            raise ValueError(f"no procedure called {name!r}{did} Procedures: {', '.join(PROCEDURES)}")
        return name


class Cap(Frozen):
    """Each region's maximum: the pot (or each procedure's pot) times the region's part of a key.

    ``key``: ``table`` (the numbers in ``table``, one per region), ``population``, ``equal``, or
    ``none`` (no cap); a table is read only with key ``table``. Caps always add up to the pot they share,
    so the key's scale does not matter: the published 2026 caps in mnkr, which add up to the 750 mnkr
    pot, are the caps themselves.
    """

    key: Literal["table", "population", "equal", "none"]
    table: dict[str, float] = Field(default_factory=dict)
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _table(self) -> Cap:
        if self.key == "table" and not self.table:
            raise ValueError("key 'table' needs a table: one number per region (read only with key 'table')")
        if self.table:
            from ...inputs.regions import region_codes  # pandas: only when a table is read, not for --help

            codes = region_codes()
            unknown = [k for k in self.table if k not in codes]
            if unknown:
                close = closest(unknown[0], codes)
                did = f"; did you mean {close!r}?" if close else ""
                raise ValueError(f"table: {unknown[0]!r} is not a region code (01 ... 25){did}")
            missing = [c for c in codes if c not in self.table]
            if missing:
                raise ValueError(f"table: no number for region(s) {', '.join(missing)}; give one for every region")
            bad = [k for k, v in self.table.items() if not 0 < v <= MAX_SEK]
            if bad:
                raise ValueError(f"table: the number of region {bad[0]} must be above 0 (and at most 10^12)")
        return self


class Unearned(Frozen):
    """What happens to money no region earns: it lapses, or goes to the ``regions`` regions with the most
    operations per inhabitant in each procedure (all regions tied at the last place included), shared by
    ``sharing``; ``within_cap``: whether that money, too, stops at each region's cap (the rest lapses)."""

    to: Literal["lapse", "top_regions"]
    regions: int = Field(default=5, ge=1, le=21)
    ranking: Literal["operations_per_inhabitant"] = "operations_per_inhabitant"
    sharing: Literal["population", "operations", "equal"] = "population"
    sharing_note: str = ""
    within_cap: bool = False
    within_cap_note: str = ""
    source: str = ""
    note: str = ""


class PricePerOperation(Block):
    """Block kind: a price per operation above a baseline of earlier years, capped per region."""

    kind: Literal["price_per_operation"]
    months: tuple[str, ...] = Field(min_length=1)
    months_source: str = ""
    months_note: str = ""
    counting: Literal["above_baseline", "every_operation"]
    counting_source: str = ""
    counting_note: str = ""
    baseline_years: tuple[int, ...] = ()
    baseline_years_source: str = ""
    baseline_years_note: str = ""
    baseline_statistic: Literal["mean", "max"] = "mean"
    baseline_statistic_note: str = ""
    whole_operations: bool = True
    whole_operations_note: str = ""
    pot_by: Literal["block", "procedure"]
    pot_by_note: str = ""
    overflow: Literal["pro_rata"] = "pro_rata"
    overflow_note: str = ""
    procedures: tuple[Procedure, ...] = Field(min_length=1)
    cap: Cap
    unearned: Unearned

    _months = field_validator("months")(check_months)

    @model_validator(mode="after")
    def _consistent(self) -> PricePerOperation:
        check_names_unique(self.procedures, "procedure")
        if len({m[:4] for m in self.months}) > 1:
            raise ValueError(
                f"months must lie in one calendar year (the baseline is the same months of earlier years), got "
                f"{self.months[0]} to {self.months[-1]}"
            )
        self._check_baseline()
        shares = [p.pot_share for p in self.procedures]
        if self.pot_by == "procedure":
            if None in shares:
                missing = [p.name for p in self.procedures if p.pot_share is None]
                raise ValueError(f"pot_by 'procedure' needs a pot_share for every procedure, missing for {missing}")
            check_shares_sum(shares, "procedure pot_share values")
        elif any(s is not None for s in shares):
            raise ValueError("pot_share is given per procedure only with pot_by = 'procedure' (one pot per procedure)")
        if self.unearned.to == "top_regions" and self.pot_by != "procedure":
            raise ValueError(
                "unearned.to 'top_regions' gives each procedure's unearned money to the regions that operate the "
                "most in that procedure: it needs pot_by = 'procedure' (one pot per procedure)"
            )
        return self

    def _check_baseline(self) -> None:
        years = self.baseline_years
        if self.counting == "above_baseline" and not years:
            raise ValueError("counting 'above_baseline' needs baseline_years (e.g. [2022, 2023, 2024])")
        outside = [y for y in years if not YEARS[0] <= y <= YEARS[1]]
        if outside:
            raise ValueError(f"baseline_years must lie between {YEARS[0]} and {YEARS[1]}, got {outside}")
        if list(years) != sorted(set(years)):
            raise ValueError(f"baseline_years must be listed once each, in ascending order, got {list(years)}")
        year = int(self.months[0][:4])
        if years and years[-1] >= year:
            raise ValueError(f"baseline_years must be earlier than the block's year {year}, got {list(years)}")

    @property
    def procedure_names(self) -> tuple[str, ...]:
        """The procedures this block pays for, in file order."""
        return tuple(p.name for p in self.procedures)

    @property
    def group_names(self) -> tuple[str, ...]:
        """The block's groups: its procedures (a panel may hold others, which the block leaves aside)."""
        return self.procedure_names

    @property
    def period_month(self) -> str:
        """The month the block's one cell is reported under: its last month."""
        return self.months[-1]

    def baseline_months(self, year: int) -> tuple[str, ...]:
        """The block's months in an earlier ``year``."""
        return tuple(f"{year}-{m[5:]}" for m in self.months)

    def pot_names(self) -> tuple[str, ...]:
        """The block's pots: one per procedure, or one for the block (``all``)."""
        return self.procedure_names if self.pot_by == "procedure" else ("all",)

    def pot_sek(self) -> tuple[float, ...]:
        """The money of each pot of :meth:`pot_names`."""
        if self.pot_by == "procedure":
            return tuple(self.total_sek * p.pot_share for p in self.procedures)
        return (self.total_sek,)

    def measure_columns(self) -> tuple[str, ...]:
        return ("operations",)
