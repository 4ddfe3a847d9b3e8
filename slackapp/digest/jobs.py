"""Planning and rendering the weekly digest for each workspace."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import service as club
from slackapp.club.models import Workspace
from slackapp.digest import service, views
from slackapp.localtime import local, next_weekly, parse_time
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job, JobStatus
from slackapp.slack.blocks import to_dicts

KIND = "digest"
KEY_PREFIX = "digest:"
# A Monday-morning digest is still news on Monday evening, not on Tuesday.
USEFUL_FOR = timedelta(hours=12)


def plan(session: Session, now: datetime) -> int:
    """The next digest of every workspace with a leads channel. One planned for another time or
    channel than the settings now say (officers changed the day, time, zone or channel) is
    cancelled and planned again."""
    # FOR SHARE: see habit.service.enabled_members; a settings change waits for the planner.
    workspaces = session.scalars(select(Workspace).where(Workspace.leads_channel.is_not(None)).with_for_update(read=True))
    pending = select(Job.team_id, Job.due_at, Job.target).where(Job.kind == KIND, Job.due_at > now, Job.status == JobStatus.pending.value)
    upcoming = {team_id: (due_at, target) for team_id, due_at, target in session.execute(pending)}
    planned = 0
    for workspace in workspaces:
        due = next_weekly(now, weekday=workspace.digest_weekday, at=parse_time(workspace.digest_time), tz=workspace.timezone)
        if upcoming.get(workspace.team_id) == (due, workspace.leads_channel):
            continue
        if workspace.team_id in upcoming:
            queue.cancel(session, team_id=workspace.team_id, kind=KIND, key_prefix=KEY_PREFIX, reason="digest settings changed", now=now)
        planned += queue.plan(
            session, team_id=workspace.team_id, kind=KIND, key=f"{KEY_PREFIX}{local(due, workspace.timezone).date().isoformat()}",
            target=workspace.leads_channel, due_at=due, expires_at=due + USEFUL_FOR,
        )
    return planned


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
