"""An event's messages, sent by the scheduler: its announcement (or the counts reply under an
officer's own message), updates of the post that shows the counts, the check-in post, reminders
(24 h and 1 h before) and cancellation notices; and the occurrences of recurring events, made and
announced ahead by their planner."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db import team_row
from slackapp.events import series, service, views
from slackapp.events.models import EMOJI, Event, EventSeries, Rsvp, Seat
from slackapp.scheduler import outbox, queue
from slackapp.scheduler.dispatch import NotYet, Outgoing, Skip, Work
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts
from slackapp.slack.facade import is_announceable, why_not_posted

REMIND = "event_reminder"
CANCELLED = "event_cancelled"
ANNOUNCE = "event_announcement"
COUNTS = "event_counts_reply"
POST = "event_post"
CHECKIN = "event_checkin_post"
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
                key = f"{reminder_prefix(event.id)}{user_id}:{event.starts_at.isoformat()}:{hours}"
                # Stale once the next reminder is due (or the event has started).
                stale = event.starts_at - timedelta(hours=min((h for h in BEFORE if h < hours), default=0))
                planned += _dm_about(session, event, REMIND, key, user_id, due, stale, hours=hours, starts_at=event.starts_at.isoformat())
    return planned


def _dm_about(session: Session, event: Event, kind: str, key: str, user_id: str, due: datetime, stale: datetime, **payload) -> bool:
    return queue.plan(session, team_id=event.team_id, kind=kind, key=key, target=user_id, due_at=due, expires_at=stale, payload={"event_id": event.id, **payload})


def _event_of(session: Session, job: Job, id_key: str = "event_id") -> Event:
    return outbox.owed_row(session, job, Event, id_key=id_key, gone="the event was deleted")


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
        _dm_about(session, event, CANCELLED, f"cancelled:{event.id}:{user_id}", user_id, now, max(event.ends_at, now + timedelta(hours=1)))


def replan_reminders(session: Session, *, event: Event, now: datetime) -> None:
    """After a time change: the old reminders go; the planner makes new ones for the new time."""
    queue.cancel(session, team_id=event.team_id, kind=REMIND, key_prefix=reminder_prefix(event.id), reason="the event's time changed", now=now)


def render_cancellation(session: Session, job: Job, now: datetime) -> Outgoing:
    event = _event_of(session, job)
    text, blocks = views.cancellation(event)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


# --- the event's posts ------------------------------------------------------------------------


def announce(session: Session, *, event: Event, channel: str | None, poster: str, now: datetime | None = None) -> None:
    if not is_announceable(channel):
        outbox.dm(session, team_id=event.team_id, user_id=poster, text=views.NO_EVENTS_CHANNEL)
        return
    payload = {"event_id": event.id, "poster": poster}
    outbox.send(session, team_id=event.team_id, kind=ANNOUNCE, key=f"{ANNOUNCE}:{event.id}", target=channel, payload=payload, now=now)


def adopt(session: Session, *, event: Event, channel: str, rsvp_ts: str, poster: str) -> None:
    """An officer's own message becomes the RSVP post: its reactions count from now on, and the
    counts live in the bot's reply under it."""
    service.record_posts(session, team_id=event.team_id, event_id=event.id, channel=channel, rsvp_ts=rsvp_ts, post_ts=None)
    outbox.react(session, team_id=event.team_id, channel=channel, ts=rsvp_ts, names=list(EMOJI))
    outbox.send(session, team_id=event.team_id, kind=COUNTS, key=f"{COUNTS}:{event.id}", target=channel, payload={"event_id": event.id, "poster": poster})


def refresh(session: Session, *, event: Event) -> None:
    outbox.refresh(session, team_id=event.team_id, kind=POST, subject=event.id)


def open_checkin(session: Session, *, event: Event, officer: str) -> None:
    """The "I'm here" post, once per event, in the event's channel."""
    if event.checkin_ts or not is_announceable(event.channel):
        return
    outbox.send(session, team_id=event.team_id, kind=CHECKIN, key=f"{CHECKIN}:{event.id}", target=event.channel, payload={"event_id": event.id, "poster": officer})


def _counts(session: Session, event: Event, *, own_post: bool) -> tuple[str, list]:
    text, blocks = views.announcement(event, service.roster(session, event=event), own_post=own_post)
    return text, to_dicts(blocks)


def render_announcement(session: Session, job: Job, now: datetime) -> Outgoing:
    text, blocks = _counts(session, _event_of(session, job), own_post=True)
    return Outgoing(channel=job.target, text=text, blocks=blocks, join=True)


def announced(session: Session, job: Job, channel: str | None, ts: str | None) -> None:
    event = team_row(session, Event, team_id=job.team_id, row_id=int(job.payload["event_id"]))
    if event is not None and channel and ts:
        event.channel, event.rsvp_ts, event.post_ts = channel, ts, ts
        # The bot's own reactions are a prompt; reaction events from the bot are ignored.
        outbox.react(session, team_id=job.team_id, channel=channel, ts=ts, names=list(EMOJI))


def render_counts_reply(session: Session, job: Job, now: datetime) -> Outgoing:
    event = _event_of(session, job)
    text, blocks = _counts(session, event, own_post=False)
    return Outgoing(channel=job.target, thread_ts=event.rsvp_ts, text=text, blocks=blocks)


def counts_replied(session: Session, job: Job, channel: str | None, ts: str | None) -> None:
    event = team_row(session, Event, team_id=job.team_id, row_id=int(job.payload["event_id"]))
    if event is not None:
        event.post_ts = ts


def _tell_poster(text: str):
    def tell(session: Session, job: Job, error: str) -> None:
        outbox.dm(session, team_id=job.team_id, user_id=job.payload["poster"], text=text.format(reason=why_not_posted(error, job.target)))

    return tell


def render_post(session: Session, job: Job, now: datetime) -> Outgoing:
    event = _event_of(session, job, id_key="subject")
    if not (event.channel and event.post_ts):
        first_post = f"{ANNOUNCE if event.rsvp_ts is None else COUNTS}:{event.id}"
        if queue.is_waiting(session, team_id=job.team_id, key=first_post):
            raise NotYet("the event's post is still on its way")
        raise Skip("the event has no post of ours")
    text, blocks = _counts(session, event, own_post=event.rsvp_ts == event.post_ts)
    return Outgoing(channel=event.channel, update_ts=event.post_ts, text=text, blocks=blocks)


def render_checkin(session: Session, job: Job, now: datetime) -> Outgoing:
    text, blocks = views.checkin_post(_event_of(session, job))
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks), join=True)


def checkin_posted(session: Session, job: Job, channel: str | None, ts: str | None) -> None:
    event = team_row(session, Event, team_id=job.team_id, row_id=int(job.payload["event_id"]))
    if event is not None:
        event.checkin_ts = ts


# --- recurring events ----------------------------------------------------------------------------


def plan_series(session: Session, now: datetime) -> int:
    """Make each series' occurrences that are due to be announced (`announce_days` ahead), count
    in the members going to all, and owe each its own RSVP post, once."""
    made = 0
    for found in series.due_series(session, now=now):
        made += len(occurrences_due(session, found, now=now))
    return made


def occurrences_due(session: Session, found: EventSeries, *, now: datetime) -> list[Event]:
    made = series.make_due(session, series=found, now=now)
    for event in made:
        for change in series.seat_new_occurrence(session, event=event, series=found, now=now):
            if change.after == Seat.waitlist:
                outbox.dm(session, team_id=event.team_id, user_id=change.user_id, text=views.waitlisted(event, change.waitlist_place))
        announce(session, event=event, channel=found.channel, poster=found.created_by, now=now)
    return made


def plan_series_change(session: Session, *, changed: series.Changed, now: datetime, cancelled: bool) -> None:
    """After changing (or cancelling) this and later occurrences: their reminders are planned
    again (or dropped), their posts show it, and everyone concerned is told once, in one DM."""
    reason = "the event was cancelled" if cancelled else "the event's time changed"
    for event in changed.events:
        queue.cancel(session, team_id=event.team_id, kind=REMIND, key_prefix=reminder_prefix(event.id), reason=reason, now=now)
        refresh(session, event=event)
    for event, promoted in changed.promoted:
        for user_id in promoted:
            outbox.dm(session, team_id=event.team_id, user_id=user_id, text=views.promoted(event))
    text, blocks = (views.series_cancelled if cancelled else views.series_changed)(changed.series, changed.events)
    for user_id in changed.told:
        outbox.dm(session, team_id=changed.series.team_id, user_id=user_id, text=text, blocks=blocks)


RENDERERS = {
    REMIND: render_reminder,
    CANCELLED: render_cancellation,
    ANNOUNCE: Work(render_announcement, sent=announced, failed=_tell_poster(f"{views.NOT_ANNOUNCED} {{reason}}")),
    COUNTS: Work(render_counts_reply, sent=counts_replied, failed=_tell_poster(views.NO_COUNTS_REPLY)),
    POST: Work(render_post),
    CHECKIN: Work(render_checkin, sent=checkin_posted, failed=_tell_poster(views.checkin_post_failed("{reason}"))),
}
# Occurrences first: one made now gets its reminders planned in the same turn.
PLANNERS = (plan_series, plan)
