"""What users take away: files written atomically with their provenance, the HTML report and the
pictures (``plots``)."""
