"""Event reminders (24 h and 1 h before) and cancellation notices, through the scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db import team_row
from slackapp.events import views
from slackapp.events.models import Event, Rsvp, Seat
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

REMIND = "event_reminder"
CANCELLED = "event_cancelled"
BEFORE = (24, 1)
REMINDED = (Seat.going.value, Seat.maybe.value)


def reminder_prefix(event_id: int) -> str:
    return f"remind:{event_id}:"


def plan(session: Session, now: datetime) -> int:
    """Plan reminders for events starting within a day, for everyone going or maybe."""
    events = session.scalars(
        select(Event).where(Event.cancelled_at.is_(None), Event.starts_at > now, Event.starts_at <= now + timedelta(hours=max(BEFORE) + 1))
    ).all()
    planned = 0
    for event in events:
        answers = session.execute(select(Rsvp.user_id, Rsvp.updated_at).where(Rsvp.event_id == event.id, Rsvp.seat.in_(REMINDED))).all()
        for user_id, answered_at in answers:
            for hours in BEFORE:
                due = event.starts_at - timedelta(hours=hours)
                # A reminder that fell due before the member answered would only repeat what they know.
                if due <= now and answered_at > due:
                    continue
                planned += queue.plan(
                    session,
                    team_id=event.team_id,
                    kind=REMIND,
                    key=f"{reminder_prefix(event.id)}{user_id}:{event.starts_at.isoformat()}:{hours}",
                    target=user_id,
                    due_at=due,
                    # Stale once the next reminder is due (or the event has started).
                    expires_at=event.starts_at - timedelta(hours=min((h for h in BEFORE if h < hours), default=0)),
                    payload={"event_id": event.id, "hours": hours, "starts_at": event.starts_at.isoformat()},
                )
    return planned


def _event_of(session: Session, job: Job) -> Event:
    event = team_row(session, Event, team_id=job.team_id, row_id=int(job.payload["event_id"]))
    if event is None:
        raise Skip("the event was deleted")
    return event


def render_reminder(session: Session, job: Job, now: datetime) -> Outgoing:
    event = _event_of(session, job)
    if event.cancelled_at is not None:
        raise Skip("the event was cancelled")
    if event.starts_at.isoformat() != job.payload["starts_at"]:
        raise Skip("the event's time changed")
    seat = session.scalar(select(Rsvp.seat).where(Rsvp.event_id == event.id, Rsvp.user_id == job.target))
    if seat not in REMINDED:
        raise Skip("the member no longer plans to come")
    text, blocks = views.reminder(event, hours=int(job.payload["hours"]), seat=seat)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def plan_cancellation(session: Session, *, event: Event, users: list[str], now: datetime) -> None:
    queue.cancel(session, team_id=event.team_id, kind=REMIND, key_prefix=reminder_prefix(event.id), reason="the event was cancelled", now=now)
    for user_id in users:
        queue.plan(
            session,
            team_id=event.team_id,
            kind=CANCELLED,
            key=f"cancelled:{event.id}:{user_id}",
            target=user_id,
            due_at=now,
            expires_at=max(event.ends_at, now + timedelta(hours=1)),
            payload={"event_id": event.id},
        )


def replan_reminders(session: Session, *, event: Event, now: datetime) -> None:
    """After a time change: the old reminders go; the planner makes new ones for the new time."""
    queue.cancel(session, team_id=event.team_id, kind=REMIND, key_prefix=reminder_prefix(event.id), reason="the event's time changed", now=now)


def render_cancellation(session: Session, job: Job, now: datetime) -> Outgoing:
    event = _event_of(session, job)
    text, blocks = views.cancellation(event)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


RENDERERS = {REMIND: render_reminder, CANCELLED: render_cancellation}
PLANNERS = (plan,)
