"""The measures a panel can hold: what each column means, its unit and range, and how exports name it.

A panel is long: one row per region, month and group, and one column per measure. A row holds
the measures it has and leaves the others empty, so one panel can hold waiting-time shares
(groups ``first_visit``, ``operation``) and counts of operations (groups that are procedures,
``hip_prosthesis``, ``cataract``) side by side. Each kind of rule block declares the measures it
reads (:attr:`kommiljard.kinds.base.BlockKind.measures`); the panel's reader checks every
measure column it knows wherever a value is given (unit, range, whole number), and each block
checks that the rows it needs have its measures (never a silent zero).

The measures below are the panel format's own (``docs/data-formats.md``), shared by every kind
that reads them. A kind may declare a measure of its own: registering the kind adds it to
:data:`CATALOGUE`, and its name must not be taken by another declaration.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """One measure column of a panel.

    ``lo``/``hi``: the range a value must lie in (inclusive); ``whole``: a count, a whole number
    (read as a nullable integer); ``at_most``: another measure this one can never exceed in the
    same row (``share_60`` is at most ``share_90``); ``export_names``: how exports of the statistics
    name it (matched on folded text by ``kommiljard import``); ``meaning``: what it is, in English
    and Swedish; ``range_error``: how a value outside the range is described; ``groups``: the groups whose
    rows carry it where the panel format fixes them (the procedures of a count of operations; empty: the groups
    a rule file names).
    """

    name: str
    unit: str  # "percent", "count"
    lo: float
    hi: float
    meaning: tuple[str, str]  # (English, Swedish)
    whole: bool = False
    at_most: str | None = None
    export_names: tuple[str, ...] = ()
    range_error: str = ""
    groups: tuple[str, ...] = ()

    def describe(self, lang: str = "en") -> str:
        """What the measure is, in words (``lang``: ``en`` or ``sv``)."""
        return self.meaning[1 if lang == "sv" else 0]

    def out_of_range(self) -> str:
        """How a value outside ``lo``..``hi`` is described in a problem."""
        from ..language import speaker, words_of

        say = speaker(__package__)
        if self.range_error:
            key = f"problem.range.{self.range_error}"
            return say(key) if key in words_of(__package__) else self.range_error
        most = f"{self.hi:,.0f}".replace(",", " ")
        if self.whole:
            return say("problem.range.count", lo=f"{self.lo:g}", most=most)
        return say("problem.range.outside", lo=f"{self.lo:g}", hi=f"{self.hi:g}")


MAX_WAITING = 100_000_000  # patients waiting in one region, month and group: far above any real count
MAX_OPERATIONS = 10_000_000  # operations of one procedure in one region and month: far above any real count
SHARE = "share"  # a share's range_error: the words of problem.range.share

SHARE_90 = Measure(
    "share_90",
    "percent",
    0.0,
    100.0,
    (
        "percent of waiting patients who have waited <= 90 days",
        "andel väntande som väntat högst 90 dagar, i procent",
    ),
    export_names=("Andel väntande inom 90 dagar",),
    range_error=SHARE,
)
SHARE_60 = Measure(
    "share_60",
    "percent",
    0.0,
    100.0,
    (
        "percent of waiting patients who have waited <= 60 days",
        "andel väntande som väntat högst 60 dagar, i procent",
    ),
    at_most="share_90",
    export_names=("Andel väntande inom 60 dagar",),
    range_error=SHARE,
)
PERFORMED_60 = Measure(
    "performed_60",
    "percent",
    0.0,
    100.0,
    (
        "percent of performed first visits or operations that were performed within 60 days",
        "andel genomförda förstabesök eller operationer som genomfördes inom 60 dagar, i procent",
    ),
    range_error=SHARE,
)
N_WAITING = Measure(
    "n_waiting",
    "count",
    0,
    MAX_WAITING,
    ("number of patients waiting", "antal väntande"),
    whole=True,
    export_names=("Antal väntande",),
)
# The procedures a count of operations is given for: a per-operation panel's groups (its ``procedure`` column).
PROCEDURES = ("hip_prosthesis", "knee_prosthesis", "cataract", "prolapse", "inguinal_hernia", "colonoscopy")
OPERATIONS = Measure(
    "operations",
    "count",
    0,
    MAX_OPERATIONS,
    ("number of operations performed", "antal utförda operationer"),
    whole=True,
    export_names=("Antal operationer", "Antal utförda operationer"),
    groups=PROCEDURES,
)


def _share(name: str, en: str, sv: str, export_names: tuple[str, ...] = ()) -> Measure:
    return Measure(name, "percent", 0.0, 100.0, (en, sv), export_names=export_names, range_error=SHARE)


# The measures of the performance requirements of 2022-2024, each read in its own group's rows
ASSESSMENT_3D = _share(
    "assessment_3d",
    "percent of patients given a medical assessment in primary care within three days",
    "andel patienter som fått medicinsk bedömning i primärvården inom tre dagar, i procent",
    ("Andel medicinsk bedömning inom 3 dagar",),
)
SHARE_OVER_150 = _share(
    "share_over_150",
    "percent of waiting patients who have waited longer than 150 days",
    "andel väntande som väntat längre än 150 dagar, i procent",
    ("Andel väntande mer än 150 dagar",),
)
WITHIN_TARGET = _share(
    "within_target",
    "percent of revisits held by their medical target date",
    "andel återbesök inom medicinskt måldatum, i procent",
    ("Andel inom medicinskt måldatum",),
)
PERFORMED_30 = _share(
    "performed_30",
    "percent of performed first visits, assessments or treatments performed within 30 days",
    "andel genomförda förstabesök, utredningar eller behandlingar som genomfördes inom 30 dagar, i procent",
    ("Kontaktstatus: Genomförd, Andel inom 30 dagar",),
)


class Catalogue(Mapping[str, Measure]):
    """Every measure a panel can hold, by name: the panel format's own and those registered kinds declare."""

    def __init__(self, *measures: Measure):
        self._measures: dict[str, Measure] = {}
        for m in measures:
            self.declare(m)

    def declare(self, measure: Measure, by: str = "the panel format") -> None:
        """Add a measure; a name already declared otherwise is an error (one name, one meaning)."""
        known = self._measures.get(measure.name)
        if known is not None and known != measure:
            raise ValueError(
                f"measure {measure.name!r} declared by {by} differs from the one already known ({known}); use that "
                "declaration, or give the new measure another name"
            )
        self._measures[measure.name] = measure

    def __getitem__(self, name: str) -> Measure:
        return self._measures[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._measures)

    def __len__(self) -> int:
        return len(self._measures)


CATALOGUE = Catalogue(
    SHARE_90, SHARE_60, PERFORMED_60, N_WAITING, OPERATIONS, ASSESSMENT_3D, SHARE_OVER_150, WITHIN_TARGET, PERFORMED_30
)
