"""Telling officers, once, about a gig past its due date that still has free spots."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import service as club
from slackapp.db import team_row
from slackapp.gigs import service, views
from slackapp.gigs.models import Gig, GigStatus
from slackapp.scheduler import queue
from slackapp.scheduler.clock import local
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

KIND = "gig_overdue"


def plan(session: Session, now: datetime) -> int:
    teams = set(session.scalars(select(Gig.team_id).where(Gig.status == GigStatus.open.value, Gig.due_date.is_not(None))))
    planned = 0
    for team_id in teams:
        workspace = club.workspace(session, team_id=team_id)
        today = local(now, workspace.timezone).date()
        for gig, _ in service.overdue(session, team_id=team_id, today=today):
            planned += queue.plan(
                session,
                team_id=team_id,
                kind=KIND,
                key=f"{KIND}:{gig.id}",
                target=workspace.officers_channel or gig.posted_by,
                due_at=now,
                expires_at=now + timedelta(days=2),
                payload={"gig_id": gig.id},
            )
    return planned


def render(session: Session, job: Job, now: datetime) -> Outgoing:
    gig = team_row(session, Gig, team_id=job.team_id, row_id=int(job.payload["gig_id"]))
    if gig is None:
        raise Skip("the gig was deleted")
    current = service.roster(session, gig=gig)
    if gig.status != GigStatus.open.value or len(current.volunteers) >= gig.slots:
        raise Skip("the gig was filled or finished meanwhile")
    channel = club.workspace(session, team_id=job.team_id).officers_channel or job.target
    text, blocks = views.overdue(gig, current)
    return Outgoing(channel=channel, text=text, blocks=to_dicts(blocks))


RENDERERS = {KIND: render}
PLANNERS = (plan,)
