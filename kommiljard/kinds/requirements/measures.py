"""The measures the bundled requirements read: the panel format's own (:mod:`kommiljard.inputs.measures`), checked
wherever a panel gives a value and named in exports for ``kommiljard import``.

A rule file declares the measures its requirements read (``[[blocks.measures]]``: name, unit); a measure the
panel format knows must keep its unit there. One it does not know is checked only in the rows a requirement
reads, by the unit its rule file gives it.
"""

from __future__ import annotations

from ...inputs.measures import ASSESSMENT_3D, PERFORMED_30, SHARE_60, SHARE_90, SHARE_OVER_150, WITHIN_TARGET

MEASURES = (SHARE_90, SHARE_60, ASSESSMENT_3D, SHARE_OVER_150, WITHIN_TARGET, PERFORMED_30)
