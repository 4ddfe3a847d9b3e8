"""A gig's messages, sent by the scheduler: its announcement and the updates of that post, a
request's review for the officers, and (once) the notice of a gig past its due date with free spots."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import service as club
from slackapp.db import team_row
from slackapp.gigs import service, views
from slackapp.gigs.models import Gig, GigRequest, GigStatus
from slackapp.scheduler import outbox, queue
from slackapp.scheduler.clock import local
from slackapp.scheduler.dispatch import Outgoing, Skip, Work
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

log = logging.getLogger(__name__)

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
    gig = team_row(session, Gig, team_id=job.team_id, row_id=int(job.payload["gig_id"]))
    if gig is None:
        raise Skip("the gig was deleted")
    current = service.roster(session, gig=gig)
    if gig.status != GigStatus.open.value or len(current.volunteers) >= gig.slots:
        raise Skip("the gig was filled or finished meanwhile")
    channel = club.workspace(session, team_id=job.team_id).officers_channel or job.target
    text, blocks = views.overdue(gig, current)
    return Outgoing(channel=channel, text=text, blocks=to_dicts(blocks))


def _post(session: Session, gig: Gig) -> tuple[str, list]:
    return views.announcement(gig, service.roster(session, gig=gig))


ANNOUNCEMENT = outbox.AnnouncedPost(
    model=Gig,
    announce_kind=ANNOUNCE,
    update_kind=POST,
    render=_post,
    no_channel=views.NO_GIGS_CHANNEL,
    not_announced=views.NOT_ANNOUNCED,
)


def announce(session: Session, *, gig: Gig, channel: str | None, poster: str) -> None:
    """Owe the gig's post in the gigs channel from /club config, else in `channel`."""
    target = club.workspace(session, team_id=gig.team_id).gigs_channel or channel
    ANNOUNCEMENT.announce(session, row=gig, channel=target, poster=poster)


def refresh(session: Session, *, gig: Gig) -> None:
    ANNOUNCEMENT.refresh(session, row=gig)


def ask_officers(session: Session, *, request: GigRequest, reviewers: list[str]) -> None:
    """The request goes to the officers' channel; without one, to each officer by DM."""
    channel = club.workspace(session, team_id=request.team_id).officers_channel
    if channel:
        payload = {"request_id": request.id, "reviewers": reviewers}
        outbox.send(session, team_id=request.team_id, kind=REVIEW, key=f"{REVIEW}:{request.id}", target=channel, payload=payload)
    else:
        _ask_each(session, request=request, reviewers=reviewers)


def _ask_each(session: Session, *, request: GigRequest, reviewers: list[str]) -> None:
    text, blocks = views.request_review(request)
    for officer_id in reviewers:
        outbox.dm(session, team_id=request.team_id, user_id=officer_id, text=text, blocks=blocks)
    if not reviewers:
        outbox.dm(session, team_id=request.team_id, user_id=request.requester, text=views.NO_REVIEWERS)


def _request_of(session: Session, job: Job) -> GigRequest:
    request = team_row(session, GigRequest, team_id=job.team_id, row_id=int(job.payload["request_id"]))
    if request is None:
        raise Skip("the request was deleted")
    return request


def render_review(session: Session, job: Job, now: datetime) -> Outgoing:
    text, blocks = views.request_review(_request_of(session, job))
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks), join=True)


def review_not_posted(session: Session, job: Job, error: str) -> None:
    log.warning("officers' channel unusable for team %s: %s", job.team_id, error)
    _ask_each(session, request=_request_of(session, job), reviewers=list(job.payload.get("reviewers") or []))


RENDERERS = {
    KIND: render,
    **ANNOUNCEMENT.work(),
    REVIEW: Work(render_review, failed=review_not_posted),
}
PLANNERS = (plan,)
