"""Every action and block id the habit feature uses."""

COMMAND = "/internships"
SUBCOMMAND = "habit"
TICK = "habit_tick"
# The checklist's block id carries its week, so an old DM still records its own week.
BLOCK_PREFIX = "habit_week_"
