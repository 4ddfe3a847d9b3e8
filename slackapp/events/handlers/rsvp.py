"""Answers by reaction or button, and the waitlist's DMs and post updates they owe."""

from __future__ import annotations

import logging
import threading

from slackapp.db import Store, utcnow
from slackapp.errors import UserError
from slackapp.events import ids, jobs, service, views
from slackapp.events.models import EMOJI, Answer, Event, Seat
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.forms import number_in

log = logging.getLogger(__name__)

BUTTON_ANSWERS = {ids.GOING: Answer.going, ids.MAYBE: Answer.maybe, ids.CANT: Answer.no}


class RsvpMessages:
    """Which event an RSVP message belongs to, remembered by this process.

    That never changes once a message is an RSVP post, so a burst of reactions looks it up once;
    other messages are looked up each time (they may become one later)."""

    def __init__(self, *, limit: int = 10_000):
        self._limit = limit
        self._known: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def event_of(self, store: Store, team_id: str, channel: str, ts: str) -> int | None:
        key = (team_id, channel, ts)
        with self._lock:
            if key in self._known:
                return self._known[key]
        with store.read() as session:
            found = service.event_for_message(session, team_id=team_id, channel=channel, ts=ts)
        if found is None:
            return None
        with self._lock:
            if len(self._known) > self._limit:
                self._known.clear()
            self._known[key] = found.id
        return found.id

    def forget(self, team_id: str, channel: str, ts: str) -> None:
        with self._lock:
            self._known.pop((team_id, channel, ts), None)


MESSAGES = RsvpMessages()


def on_reaction(body, event, context, store: Store):
    """reaction_added / reaction_removed on an RSVP message."""
    wanted = EMOJI.get(event.get("reaction", "").split("::")[0])
    item = event.get("item") or {}
    user_id = event.get("user")
    team_id = body.get("team_id") or context.team_id
    if wanted is None or item.get("type") != "message" or not user_id or user_id == context.bot_user_id:
        return
    message = (item.get("channel", ""), item.get("ts", ""))
    found = MESSAGES.event_of(store, team_id, *message)
    if found is None:
        return
    verb = "add" if event.get("type") == "reaction_added" else "remove"
    reaction = dict(
        delivery_id=body.get("event_id") or f"{verb}:{event.get('event_ts')}:{user_id}",
        action=f"{verb}:{wanted.value}",
        at=event.get("event_ts") or "0",
        message=message,
    )
    try:
        answer(store, team_id, found, user_id, **reaction)
    except UserError as exc:
        # The event remembered for this message was cancelled or deleted; it may carry a new one.
        MESSAGES.forget(team_id, *message)
        again = MESSAGES.event_of(store, team_id, *message)
        if again is None or again == found:
            log.info("ignored a reaction on event %s: %s", found, exc)
            return
        answer(store, team_id, again, user_id, **reaction)


def on_button(ack, action, respond, store: Store, team_id: str, user_id: str):
    wanted = BUTTON_ANSWERS[action["action_id"]]
    at = action.get("action_ts") or f"{utcnow().timestamp():.6f}"
    event, change = answer(store, team_id, number_in(action.get("value")), user_id, delivery_id=f"button:{at}:{user_id}", action=f"set:{wanted.value}", at=at)
    ack()
    seat = change.after if change else Seat(wanted.value)
    respond(**ephemeral(views.answered(event, seat)), replace_original=False)


def answer(
    store: Store, team_id: str, event_id: int, user_id: str, *, delivery_id: str, action: str, at: str, message: tuple[str, str] | None = None
) -> tuple[Event, service.Change | None]:
    """Record one answer, with the DMs and the post update it owes, in one transaction."""
    with store.write() as session:
        event, change = service.record_action(
            session, team_id=team_id, event_id=event_id, user_id=user_id, delivery_id=delivery_id, action=action, at=at, message=message
        )
        if change is None:
            return event, change
        if change.after == Seat.waitlist and change.before != Seat.waitlist:
            outbox.dm(session, team_id=team_id, user_id=change.user_id, text=views.waitlisted(event, change.waitlist_place))
        for promoted in change.promoted:
            outbox.dm(session, team_id=team_id, user_id=promoted, text=views.promoted(event))
        if change.changed:
            jobs.refresh(session, event=event)
    return event, change
