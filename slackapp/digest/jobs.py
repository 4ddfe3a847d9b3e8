"""Planning and rendering the weekly digest for each workspace."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import service as club
from slackapp.club.models import Workspace
from slackapp.digest import service, views
from slackapp.scheduler import queue
from slackapp.scheduler.clock import local, next_weekly, parse_time
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job, JobStatus
from slackapp.slack.blocks import to_dicts

KIND = "digest"
KEY_PREFIX = "digest:"
# A Monday-morning digest is still news on Monday evening, not on Tuesday.
USEFUL_FOR = timedelta(hours=12)


def plan(session: Session, now: datetime) -> int:
    # FOR SHARE: see habit.service.enabled_members; a settings change waits for the planner.
    workspaces = session.scalars(select(Workspace).where(Workspace.leads_channel.is_not(None)).with_for_update(read=True))
    upcoming = set(session.scalars(select(Job.team_id).where(Job.kind == KIND, Job.due_at > now, Job.status == JobStatus.pending.value)))
    planned = 0
    for workspace in workspaces:
        if workspace.team_id in upcoming:
            continue
        due = next_weekly(now, weekday=workspace.digest_weekday, at=parse_time(workspace.digest_time), tz=workspace.timezone)
        planned += queue.plan(
            session,
            team_id=workspace.team_id,
            kind=KIND,
            key=f"{KEY_PREFIX}{local(due, workspace.timezone).date().isoformat()}",
            target=workspace.leads_channel,
            due_at=due,
            expires_at=due + USEFUL_FOR,
        )
    return planned


def replan(session: Session, *, team_id: str, now: datetime) -> None:
    """After officers change the day, time, zone or channel: the old plan goes, the planner makes a new one."""
    queue.cancel(session, team_id=team_id, kind=KIND, key_prefix=KEY_PREFIX, reason="digest settings changed", now=now)


def render(session: Session, job: Job, now: datetime) -> Outgoing:
    workspace = club.workspace(session, team_id=job.team_id)
    if not workspace.leads_channel:
        raise Skip("no leads channel is configured")
    week = service.this_week(session, team_id=job.team_id, tz=workspace.timezone, now=now)
    if week.is_quiet:
        raise Skip("nothing new this week")
    text, blocks = views.digest(new=week.new, closing=week.closing, gigs=week.gigs, events=week.events, tz=workspace.timezone)
    return Outgoing(channel=workspace.leads_channel, text=text, blocks=to_dicts(blocks))


RENDERERS = {KIND: render}
PLANNERS = (plan,)
