"""The weekly job-search habit, as the careers page describes it: an hour a week on five things."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from slackapp.db import insert_for
from slackapp.errors import UserError
from slackapp.habit.models import HabitCheck, HabitMember
from slackapp.localtime import WEEKDAYS, parse_time, parse_weekday, week_start
from slackapp.slack.text import escape

ITEMS: dict[str, str] = {
    "resume": "Worked on my resume",
    "job_board": "Sent resumes through the school job board",
    "email": "Checked my email",
    "network": "Networked with someone",
    "prepare": "Prepared for a job fair or meeting",
}
HISTORY_WEEKS = 8


def member(session: Session, *, team_id: str, user_id: str) -> HabitMember | None:
    return session.scalar(select(HabitMember).where(HabitMember.team_id == team_id, HabitMember.user_id == user_id))


def turn(session: Session, *, team_id: str, user_id: str, on: bool) -> HabitMember:
    session.execute(
        insert_for(session)(HabitMember)
        .values(team_id=team_id, user_id=user_id, enabled=on, weekday=0, at_time="09:00")
        .on_conflict_do_update(index_elements=["team_id", "user_id"], set_={"enabled": on})
    )
    return member(session, team_id=team_id, user_id=user_id)


def parse_schedule(words: list[str]) -> tuple[int, time]:
    """`tue 18:00` -> (1, 18:00). Raises UserError with a usage line otherwise."""
    usage = "Say a day and a time, like `/internships habit day tue 18:00`."
    if len(words) != 2:
        raise UserError(usage)
    weekday, at = parse_weekday(words[0]), parse_time(words[1])
    if weekday is None:
        raise UserError(f"“{escape(words[0], 40)}” is not a day I know. Use mon, tue, wed, thu, fri, sat or sun.")
    if at is None:
        raise UserError(f"“{escape(words[1], 40)}” is not a time I understand. Use 24-hour time like 18:00, or 6pm.")
    return weekday, at


def reschedule(session: Session, *, team_id: str, user_id: str, weekday: int, at: time) -> HabitMember:
    found = member(session, team_id=team_id, user_id=user_id) or turn(session, team_id=team_id, user_id=user_id, on=True)
    found.weekday, found.at_time, found.enabled = weekday, at.strftime("%H:%M"), True
    return found


def schedule_text(found: HabitMember) -> str:
    return f"{WEEKDAYS[found.weekday].capitalize()} at {found.at_time}"


def record(session: Session, *, team_id: str, user_id: str, week: date, ticked: set[str], now: datetime) -> set[str]:
    """Make the week's ticks exactly `ticked` (Slack sends the whole selection on every click)."""
    unknown = ticked - set(ITEMS)
    if unknown:
        raise UserError("That checklist item is not one I know.")
    if week != week_start(week):
        raise UserError("That checklist belongs to no week I know.")
    current = ticks(session, team_id=team_id, user_id=user_id, week=week)
    for item in ticked - current:
        session.execute(
            insert_for(session)(HabitCheck)
            .values(team_id=team_id, user_id=user_id, week_start=week, item=item, checked_at=now)
            .on_conflict_do_nothing()
        )
    if current - ticked:
        session.execute(
            delete(HabitCheck).where(
                HabitCheck.team_id == team_id,
                HabitCheck.user_id == user_id,
                HabitCheck.week_start == week,
                HabitCheck.item.in_(current - ticked),
            )
        )
    return ticked


def ticks(session: Session, *, team_id: str, user_id: str, week: date) -> set[str]:
    return set(
        session.scalars(
            select(HabitCheck.item).where(HabitCheck.team_id == team_id, HabitCheck.user_id == user_id, HabitCheck.week_start == week)
        )
    )


def weeks_with_ticks(session: Session, *, team_id: str, user_id: str, since: date) -> dict[date, int]:
    rows = session.execute(
        select(HabitCheck.week_start, func.count())
        .where(HabitCheck.team_id == team_id, HabitCheck.user_id == user_id, HabitCheck.week_start >= since)
        .group_by(HabitCheck.week_start)
    )
    return {week: count for week, count in rows}


def streak(session: Session, *, team_id: str, user_id: str, this_week: date) -> int:
    """Weeks in a row with at least one box ticked, counting back from this week (or last week,
    when this week's boxes are still open)."""
    history = weeks_with_ticks(session, team_id=team_id, user_id=user_id, since=this_week - timedelta(weeks=104))
    week = this_week if history.get(this_week) else this_week - timedelta(weeks=1)
    count = 0
    while history.get(week):
        count += 1
        week -= timedelta(weeks=1)
    return count


@dataclass(frozen=True)
class History:
    weeks: list[tuple[date, int]]  # oldest first: (week start, boxes ticked)
    streak: int


def history(session: Session, *, team_id: str, user_id: str, this_week: date) -> History:
    first = this_week - timedelta(weeks=HISTORY_WEEKS - 1)
    counts = weeks_with_ticks(session, team_id=team_id, user_id=user_id, since=first)
    weeks = [(first + timedelta(weeks=n), counts.get(first + timedelta(weeks=n), 0)) for n in range(HISTORY_WEEKS)]
    return History(weeks=weeks, streak=streak(session, team_id=team_id, user_id=user_id, this_week=this_week))


@dataclass(frozen=True)
class ClubHabit:
    """Counts only: how many take part, and how many kept the habit each week. Never who."""

    participants: int
    weeks: list[tuple[date, int]]  # oldest first: (week start, members with at least one tick)


def club_habit(session: Session, *, team_id: str, this_week: date) -> ClubHabit:
    participants = session.scalar(
        select(func.count()).select_from(HabitMember).where(HabitMember.team_id == team_id, HabitMember.enabled.is_(True))
    )
    first = this_week - timedelta(weeks=HISTORY_WEEKS - 1)
    # Only members taking part now, so a week never reads "2 of 1" after someone opts out.
    rows = session.execute(
        select(HabitCheck.week_start, func.count(func.distinct(HabitCheck.user_id)))
        .join(HabitMember, (HabitMember.team_id == HabitCheck.team_id) & (HabitMember.user_id == HabitCheck.user_id))
        .where(HabitCheck.team_id == team_id, HabitCheck.week_start >= first, HabitMember.enabled.is_(True))
        .group_by(HabitCheck.week_start)
    )
    counts = dict(rows.all())
    return ClubHabit(participants=participants or 0, weeks=[(first + timedelta(weeks=n), counts.get(first + timedelta(weeks=n), 0)) for n in range(HISTORY_WEEKS)])


def enabled_members(session: Session) -> list[HabitMember]:
    # FOR SHARE (PostgreSQL): a schedule change made while the planner runs waits for it, then
    # cancels what it planned, instead of the planner reviving the cancelled job afterwards.
    return list(session.scalars(select(HabitMember).where(HabitMember.enabled.is_(True)).with_for_update(read=True)))
