"""The weekly checklist DM and the 8-week view, as Block Kit."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import CheckboxesElement, Option

from slackapp.habit.ids import BLOCK_PREFIX, TICK
from slackapp.habit.models import HabitMember
from slackapp.habit.service import ITEMS, ClubHabit, History, schedule_text
from slackapp.slack.blocks import actions, context, header, section
from slackapp.slack.phrases import plural

BROKEN_CHECKLIST = "That checklist is broken; wait for next week's."
TURNED_OFF = "Weekly check-ins are off. `/internships habit on` brings them back."


def _streak_text(streak: int) -> str:
    if streak == 0:
        return "Tick a box to start a streak."
    return f":fire: {plural(streak, 'week')} in a row"


def checklist(week: date, ticked: set[str], streak: int) -> tuple[str, list]:
    """The check-in DM. The block id carries the week, so an old DM still records its own week."""
    options = [Option(value=item, label=label) for item, label in ITEMS.items()]
    blocks = [
        section(
            f"*Your job-search hour — week of {week:%b %-d}*\n"
            "Treat the search like an extra class: an hour this week. Tick what you did:"
        ),
        actions(
            CheckboxesElement(action_id=TICK, options=options, initial_options=[option for option in options if option.value in ticked] or None),
            block_id=f"{BLOCK_PREFIX}{week.isoformat()}",
        ),
        context(f"{_streak_text(streak)} · {len(ticked)} of {len(ITEMS)} this week · `/internships habit` for your last 8 weeks"),
    ]
    return "Your weekly job-search hour: what did you do this week?", blocks


def _bar(count: int) -> str:
    return "■" * count + "□" * (len(ITEMS) - count)


def my_history(found: HabitMember | None, mine: History, tz: str) -> list:
    if found is None or not found.enabled:
        status = "You're not taking part. `/internships habit on` sends you a checklist every week."
    else:
        status = f"Your check-in comes {schedule_text(found)} ({tz} time). `/internships habit day tue 18:00` moves it; `off` stops it."
    lines = [f"`{week:%b %d}`  {_bar(count)}  {count}/{len(ITEMS)}" for week, count in mine.weeks]
    return [
        header("Your weekly job-search habit"),
        section("\n".join(lines)),
        context(f"{_streak_text(mine.streak)} · {status}"),
    ]


def club_summary(summary: ClubHabit) -> list:
    """Officers' view: counts only."""
    lines = [f"`{week:%b %d}`  {count} of {summary.participants} kept the habit" for week, count in summary.weeks]
    return [
        section(f"*The club* — {plural(summary.participants, 'member')} taking part\n" + "\n".join(lines)),
        context("Counts only: no one's own record is shown to officers."),
    ]


USAGE = (
    "`/internships habit` — your last 8 weeks · `/internships habit on` / `off` · "
    "`/internships habit day tue 18:00` — when your weekly checklist arrives (your own time zone)"
)


def schedule_confirmed(found: HabitMember, tz: str) -> str:
    return f"You're in: your checklist arrives {schedule_text(found)} ({tz} time)."
