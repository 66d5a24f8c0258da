"""Questions asked of payouts: what if a region improves (``whatif``, its ``levers``), what do other
readings of the rules pay (``compare``), and why did a region get what it got (``explain``)."""
