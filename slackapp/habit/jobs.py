"""Planning and rendering the weekly check-in DM."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club.models import Workspace
from slackapp.habit import service, views
from slackapp.localtime import local, next_weekly, parse_time, week_start
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job, JobStatus, Member
from slackapp.slack.blocks import to_dicts

KIND = "habit"
# A check-in that arrives a day late is still worth it; later than that it is noise.
USEFUL_FOR = timedelta(days=1)


def key_prefix(user_id: str) -> str:
    return f"habit:{user_id}:"


def cancel_upcoming(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    """A moved or stopped check-in must not still arrive at the old time."""
    queue.cancel(session, team_id=team_id, kind=KIND, key_prefix=key_prefix(user_id), reason="check-in moved or turned off", now=now)


def plan(session: Session, now: datetime) -> int:
    members = service.enabled_members(session)
    if not members:
        return 0
    zones = {(m.team_id, m.user_id): m.tz for m in session.scalars(select(Member))}
    club_zones = dict(session.execute(select(Workspace.team_id, Workspace.timezone)).all())
    upcoming = set(
        session.execute(select(Job.team_id, Job.key).where(Job.kind == KIND, Job.due_at > now, Job.status == JobStatus.pending.value)).all()
    )
    planned = 0
    for member in members:
        tz = zones.get((member.team_id, member.user_id)) or club_zones.get(member.team_id) or "UTC"
        due = next_weekly(now, weekday=member.weekday, at=parse_time(member.at_time), tz=tz)
        day = local(due, tz).date()
        key = f"{key_prefix(member.user_id)}{day.isoformat()}"
        if (member.team_id, key) in upcoming:
            continue
        planned += queue.plan(
            session,
            team_id=member.team_id,
            kind=KIND,
            key=key,
            target=member.user_id,
            due_at=due,
            expires_at=due + USEFUL_FOR,
            payload={"week": week_start(day).isoformat()},
        )
    return planned


def render(session: Session, job: Job, now: datetime) -> Outgoing:
    member = service.member(session, team_id=job.team_id, user_id=job.target)
    if member is None or not member.enabled:
        raise Skip("the member turned the weekly check-in off")
    week = date.fromisoformat(job.payload["week"])
    ticked = service.ticks(session, team_id=job.team_id, user_id=job.target, week=week)
    streak = service.streak(session, team_id=job.team_id, user_id=job.target, this_week=week)
    text, blocks = views.checklist(week, ticked, streak)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


RENDERERS = {KIND: render}
PLANNERS = (plan,)
