"""Companies: one record per employer, linked from leads, projects and events; the company page,
reviews, the officers' contact log, and Follow (through alerts)."""
