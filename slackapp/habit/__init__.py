"""The weekly job-search hour: a checklist DM, ticks recorded per week, streaks."""
