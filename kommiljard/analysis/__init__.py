"""Questions asked of payouts: what if a region improves (``whatif``, its ``levers``), what do other
readings of the rules pay (``compare``), and why did a region get what it got (``explain``)."""

import math

from ..language import speaker, spoken

say = speaker(__package__)  # the room's words (analysis/words.toml), in the language spoken


def number(value: float, spec: str = "g") -> str:
    """A number in a message: in English as ``format(value, spec)`` writes it (``g``: as many decimals as it has),
    in Swedish with a decimal comma and spaces between thousands (babel, through :func:`format_number`)."""
    if spoken() == "en" or not (math.isfinite(value) and abs(value) < 1e12):
        text = format(value, spec)
        return text if spoken() == "en" else text.replace(".", ",")
    from ..money import format_number

    return format_number(value, 0 if spec.endswith("f") else None, lang=spoken())
