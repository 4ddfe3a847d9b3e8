"""A gig's messages, sent by the scheduler: its announcement and the updates of that post, a
request's review for the officers, and (once) the notice of a gig past its due date with free spots."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import posts
from slackapp.club import service as club
from slackapp.gigs import service, views
from slackapp.gigs.models import Gig, GigRequest, GigStatus
from slackapp.localtime import local
from slackapp.scheduler import outbox, queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

KIND = "gig_overdue"
ANNOUNCE = "gig_announcement"
POST = "gig_post"
REVIEW = "gig_request_review"


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
    gig = outbox.owed_row(session, job, Gig, id_key="gig_id", gone="the gig was deleted")
    current = service.roster(session, gig=gig)
    if gig.status != GigStatus.open.value or len(current.volunteers) >= gig.slots:
        raise Skip("the gig was filled or finished meanwhile")
    channel = club.workspace(session, team_id=job.team_id).officers_channel or job.target
    text, blocks = views.overdue(gig, current)
    return Outgoing(channel=channel, text=text, blocks=to_dicts(blocks))


def _post(session: Session, gig: Gig) -> tuple[str, list]:
    return views.announcement(gig, service.roster(session, gig=gig))


ANNOUNCEMENT = posts.AnnouncedPost(model=Gig, announce_kind=ANNOUNCE, update_kind=POST, render=_post, no_channel=views.NO_GIGS_CHANNEL, not_announced=views.NOT_ANNOUNCED)


def announce(session: Session, *, gig: Gig, channel: str | None, poster: str) -> None:
    """Owe the gig's post in the gigs channel from /club config, else in `channel`."""
    target = club.workspace(session, team_id=gig.team_id).gigs_channel or channel
    ANNOUNCEMENT.announce(session, row=gig, channel=target, poster=poster)


def refresh(session: Session, *, gig: Gig) -> None:
    ANNOUNCEMENT.refresh(session, row=gig)


REQUEST_REVIEW = posts.OfficersAsked(model=GigRequest, kind=REVIEW, id_key="request_id", render=views.request_review, asker=lambda request: request.requester, no_reviewers=views.NO_REVIEWERS)


def ask_officers(session: Session, *, request: GigRequest, reviewers: list[str]) -> None:
    REQUEST_REVIEW.ask_officers(session, row=request, reviewers=reviewers)


RENDERERS = {KIND: render, **ANNOUNCEMENT.work(), **REQUEST_REVIEW.work()}
PLANNERS = (plan,)
