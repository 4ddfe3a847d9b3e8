"""The help queue's messages, owed through the store and rendered when sent: the request's post
(helpers' channel, else officers' channel, else a DM to each helper) and its updates, the officers'
notice of a request unclaimed for 48 h (once), the reminders 2 and 7 days after a claim, and the
close after 14 days (a planner, with a note to both). Each is skipped when it became moot: claimed,
closed, or handed back meanwhile (a new turn in the queue)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.ask import ids, service, views
from slackapp.ask.models import HelpRequest, Status
from slackapp.club import service as club
from slackapp.db import team_row
from slackapp.scheduler import outbox, queue
from slackapp.scheduler.dispatch import Outgoing, Skip, Work
from slackapp.scheduler.models import Job, JobStatus
from slackapp.slack.blocks import to_dicts

log = logging.getLogger(__name__)


def _request(session: Session, job: Job) -> HelpRequest:
    return outbox.owed_row(session, job, HelpRequest, id_key="request_id", gone="the request was deleted")


def _same_turn(request: HelpRequest, job: Job, status: Status, moot: str) -> None:
    if request.status != status.value or request.turn != int(job.payload["turn"]):
        raise Skip(moot)


# --- the request's post ------------------------------------------------------------------------------


def _post_key(request: HelpRequest, target: str) -> str:
    return f"{ids.POST}:{request.id}:{request.turn}:{target}"


def _post_prefix(request: HelpRequest, turn: int) -> str:
    return f"{ids.POST}:{request.id}:{turn}:"


def post(session: Session, *, request: HelpRequest, officers: list[str], now: datetime | None = None) -> list[str]:
    """Owe the request's post to the helpers: in the helpers' channel (else the officers'), or by DM
    to each helper who takes its kind and each officer. Returns the helpers asked by DM."""
    settings = club.workspace(session, team_id=request.team_id)
    helpers = _helpers(session, request, officers)
    channel = settings.helpers_channel or settings.officers_channel
    payload = {"request_id": request.id, "turn": request.turn, "helpers": helpers}
    if channel:
        outbox.send(session, team_id=request.team_id, kind=ids.POST, key=_post_key(request, channel), target=channel, payload=payload, now=now)
        return []
    _post_each(session, request, helpers, now=now)
    return helpers


def _helpers(session: Session, request: HelpRequest, officers: list[str]) -> list[str]:
    taking = service.helpers_for(session, team_id=request.team_id, kind=request.kind)
    return [user for user in dict.fromkeys([*officers, *taking]) if user != request.user_id]


def _post_each(session: Session, request: HelpRequest, helpers: list[str], *, now: datetime | None = None) -> None:
    for helper in helpers:
        payload = {"request_id": request.id, "turn": request.turn}
        outbox.send(session, team_id=request.team_id, kind=ids.POST, key=_post_key(request, helper), target=helper, payload=payload, now=now)


def _render_post(session: Session, job: Job, now: datetime) -> Outgoing:
    request = _request(session, job)
    _same_turn(request, job, Status.open, "it was claimed or closed before it was posted")
    text, blocks = views.post(request, turn=request.turn, in_dm=_is_person(job.target))
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks), join=True)


def _is_person(target: str) -> bool:
    return target.startswith(("U", "W"))


def _not_posted(session: Session, job: Job, error: str) -> None:
    """The channel refused the post: each helper is asked by DM instead."""
    if _is_person(job.target):
        return
    log.warning("helpers' channel unusable for team %s: %s", job.team_id, error)
    request = team_row(session, HelpRequest, team_id=job.team_id, row_id=int(job.payload["request_id"]))
    if request is not None and request.status == Status.open.value and request.turn == int(job.payload["turn"]):
        _post_each(session, request, list(job.payload.get("helpers") or []))


def show_now(session: Session, *, request: HelpRequest, turn: int | None = None, except_ts: str | None = None, now: datetime | None = None) -> None:
    """Owe an update of every post of the request's turn (`turn`: an earlier one) that went out,
    showing it as it is now (claimed, closed, handed back); not the message at `except_ts`, which
    the listener answers in place."""
    posted = session.execute(
        select(Job.result_channel, Job.result_ts).where(
            Job.team_id == request.team_id,
            Job.kind == ids.POST,
            Job.status == JobStatus.sent.value,
            Job.key.startswith(_post_prefix(request, turn or request.turn), autoescape=True),
        )
    ).all()
    text, blocks = views.post(request, turn=turn or request.turn)
    for channel, ts in posted:
        if channel and ts and ts != except_ts:
            payload = {"channel": channel, "ts": ts, "text": text, "blocks": to_dicts(blocks)}
            key = f"{outbox.UPDATE}:ask-{request.id}-{request.status}-{request.turn}-{channel}-{ts}"
            outbox.send(session, team_id=request.team_id, kind=outbox.UPDATE, key=key, target=channel, payload=payload, now=now)


# --- 48 h unclaimed: the officers, once -----------------------------------------------------------------


def plan_unclaimed(session: Session, *, request: HelpRequest, officers: list[str]) -> None:
    """In the transaction that put the request in the queue: the officers' notice, due 48 h later."""
    due = request.queued_at + service.UNCLAIMED_AFTER
    channel = club.workspace(session, team_id=request.team_id).officers_channel
    for target in [channel] if channel else officers:
        queue.plan(
            session, team_id=request.team_id, kind=ids.UNCLAIMED, key=f"{ids.UNCLAIMED}:{request.id}:{request.turn}:{target}", target=target,
            due_at=due, expires_at=due + outbox.KEEP_TRYING, payload={"request_id": request.id, "turn": request.turn},
        )


def _render_unclaimed(session: Session, job: Job, now: datetime) -> Outgoing:
    request = _request(session, job)
    _same_turn(request, job, Status.open, "it was claimed or closed in time")
    text, blocks = views.unclaimed(request, now=now)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks), join=True)


# --- claimed: reminders at 2 and 7 days ---------------------------------------------------------------


def plan_reminders(session: Session, *, request: HelpRequest) -> None:
    for days in service.REMIND_AFTER_DAYS:
        due = request.claimed_at + timedelta(days=days)
        for role, target in (("requester", request.user_id), ("helper", request.helper)):
            queue.plan(
                session, team_id=request.team_id, kind=ids.REMIND, key=f"{ids.REMIND}:{request.id}:{request.turn}:{days}:{role}", target=target,
                due_at=due, expires_at=due + outbox.KEEP_TRYING, payload={"request_id": request.id, "turn": request.turn, "role": role, "days": days},
            )


def _render_reminder(session: Session, job: Job, now: datetime) -> Outgoing:
    request = _request(session, job)
    _same_turn(request, job, Status.claimed, "it was closed or handed back meanwhile")
    text, blocks = views.reminder(request, role=job.payload["role"], days=int(job.payload["days"]))
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


# --- claimed and not closed for 14 days: closed, with a note to both -------------------------------------


def tell(session: Session, *, request: HelpRequest, user_id: str, what: str, text: str, blocks: list | None = None, now: datetime | None = None) -> None:
    """One DM about one moment of the request (`what`), owed once however often it is asked."""
    key = f"{outbox.DM}:ask-{request.id}-{request.turn}-{what}-{user_id}"
    outbox.send(session, team_id=request.team_id, kind=outbox.DM, key=key, target=user_id, payload={"text": text, "blocks": to_dicts(blocks)}, now=now)


def expire(session: Session, now: datetime) -> int:
    closed = service.expire_stale(session, now=now)
    for request in closed:
        for user_id in (request.user_id, request.helper):
            tell(session, request=request, user_id=user_id, what="expired", text=views.expired(request, to_helper=user_id == request.helper), now=now)
        show_now(session, request=request, now=now)
    return len(closed)


RENDERERS = {
    ids.POST: Work(_render_post, failed=_not_posted),
    ids.UNCLAIMED: Work(_render_unclaimed),
    ids.REMIND: Work(_render_reminder),
}
PLANNERS = (expire,)
