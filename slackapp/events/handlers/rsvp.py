"""Answers by reaction or button, and the waitlist's DMs and post updates they owe."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from slackapp.db import Store, utcnow
from slackapp.events import ids, jobs, service, views
from slackapp.events.models import EMOJI, Answer, Event, Seat
from slackapp.scheduler import outbox
from slackapp.slack import inbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.forms import number_in

log = logging.getLogger(__name__)

BUTTON_ANSWERS = {ids.GOING: Answer.going, ids.MAYBE: Answer.maybe, ids.CANT: Answer.no}


REACTIONS = ("reaction_added", "reaction_removed")


def on_reaction(body, context, session: Session, store: Store):
    """reaction_added / reaction_removed on an RSVP message (kept before Slack was answered): this
    one and the others waiting, in one transaction (inbox.with_others_waiting; a savepoint each
    would cost two more round trips an event). Should one of the others fail, the transaction is
    undone, that one is set aside for the inbox to hand over again alone, and this one is handled
    by itself: one that always fails holds up none of the rest."""
    team_id = body.get("team_id") or context.team_id
    handling = body
    try:
        with store.writing(session):
            for handling in inbox.with_others_waiting(session, body, team_id=team_id, types=REACTIONS):
                _react_once(handling, context, session, team_id)
    except Exception:
        if handling is body:
            raise
        log.exception("reaction event %s failed; set aside, and event %s handled alone", handling.get("event_id"), body.get("event_id"))
        with store.writing(session):
            inbox.set_aside(session, handling, team_id=team_id)
        with store.writing(session):
            _react_once(body, context, session, team_id)


def _react_once(kept: dict, context, session: Session, team_id: str) -> None:
    if inbox.done(session, kept, team_id=team_id):
        _react(kept, kept.get("event") or {}, context, session)


def _react(body: dict, event: dict, context, session: Session) -> None:
    wanted = EMOJI.get(event.get("reaction", "").split("::")[0])
    item = event.get("item") or {}
    user_id = event.get("user")
    team_id = body.get("team_id") or context.team_id
    if wanted is None or item.get("type") != "message" or not user_id or user_id == context.bot_user_id:
        return
    message = (item.get("channel", ""), item.get("ts", ""))
    found = service.event_answered_by(session, team_id=team_id, channel=message[0], ts=message[1])
    if found is None:
        return
    verb = "add" if event.get("type") == "reaction_added" else "remove"
    delivery_id = body.get("event_id") or f"{verb}:{event.get('event_ts')}:{user_id}"
    answer(session, team_id, found.id, user_id, delivery_id=delivery_id, action=f"{verb}:{wanted.value}", at=event.get("event_ts") or "0", message=message)


def on_button(ack, action, respond, session: Session, store: Store, team_id: str, user_id: str):
    wanted = BUTTON_ANSWERS[action["action_id"]]
    at = action.get("action_ts") or f"{utcnow().timestamp():.6f}"
    with store.writing(session):
        event, change = answer(session, team_id, number_in(action.get("value")), user_id, delivery_id=f"button:{at}:{user_id}", action=f"set:{wanted.value}", at=at)
    seat = change.after if change else Seat(wanted.value)
    ack()
    respond(**ephemeral(views.answered(event, seat)), replace_original=False)


def answer(
    session: Session, team_id: str, event_id: int, user_id: str, *, delivery_id: str, action: str, at: str, message: tuple[str, str] | None = None
) -> tuple[Event, service.Change | None]:
    """Record one answer, with the DMs and the post update it owes, in the caller's transaction."""
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
