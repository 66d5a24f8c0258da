"""The measures the bundled requirements read, for the panel's catalogue (checked wherever a panel gives a value,
named in exports for ``kommiljard import``).

A rule file declares the measures its requirements read (``[[blocks.measures]]``: name, unit); a measure
declared here or in the panel format's own catalogue must keep its unit there. One not in the catalogue is
checked only in the rows a requirement reads, by the unit its rule file gives it.
"""

from __future__ import annotations

from ...inputs.measures import SHARE, SHARE_60, SHARE_90, Measure


def _share(name: str, en: str, sv: str, export_names: tuple[str, ...] = ()) -> Measure:
    return Measure(name, "percent", 0.0, 100.0, (en, sv), export_names=export_names, range_error=SHARE)


ASSESSMENT_3D = _share(
    "assessment_3d",
    "percent of patients given a medical assessment in primary care within three days",
    "andel patienter som fått medicinsk bedömning i primärvården inom tre dagar, i procent",
    ("Andel medicinsk bedömning inom 3 dagar", "Medicinsk bedömning inom tre dagar"),
)
SHARE_OVER_150 = _share(
    "share_over_150",
    "percent of waiting patients who have waited longer than 150 days",
    "andel väntande som väntat längre än 150 dagar, i procent",
    ("Andel väntande mer än 150 dagar", "Andel över 150 dagar"),
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
    ("Andel inom 30 dagar", "Andel genomförda inom 30 dagar"),
)
MEASURES = (SHARE_90, SHARE_60, ASSESSMENT_3D, SHARE_OVER_150, WITHIN_TARGET, PERFORMED_30)
