"""Recurring events: "Going to all" and "Not going to all" on a series' posts, and cancelling this
date and every later one from the roster."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.events import jobs, series, views
from slackapp.events.handlers.roster import managed
from slackapp.events.models import Seat
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.forms import number_in


def on_join(ack, action, respond, session: Session, store: Store, team_id: str, user_id: str):
    with store.writing(session):
        joined = series.join(session, team_id=team_id, event_id=number_in(action.get("value")), user_id=user_id, now=utcnow())
        for event, change in joined.changes:
            if change.after == Seat.waitlist and change.before != Seat.waitlist:
                outbox.dm(session, team_id=team_id, user_id=user_id, text=views.waitlisted(event, change.waitlist_place))
            if change.changed:
                jobs.refresh(session, event=event)
    going = sum(1 for _, change in joined.changes if change.after == Seat.going)
    waiting = sum(1 for _, change in joined.changes if change.after == Seat.waitlist)
    ack()
    respond(**ephemeral(views.joined(joined.series, going, waiting)), replace_original=False)


def on_leave(ack, action, respond, session: Session, store: Store, team_id: str, user_id: str):
    with store.writing(session):
        left, changes = series.leave(session, team_id=team_id, event_id=number_in(action.get("value")), user_id=user_id, now=utcnow())
        for event, change in changes:
            for promoted in change.promoted:
                outbox.dm(session, team_id=team_id, user_id=promoted, text=views.promoted(event))
            if change.changed:
                jobs.refresh(session, event=event)
    ack()
    respond(**ephemeral(views.left(left, len(changes))), replace_original=False)


def on_cancel_rest(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    event, is_officer = managed(club, session, user_id, action)
    now = utcnow()
    with store.writing(session):
        changed = series.cancel_rest(session, team_id=club.team_id, event_id=event.id, user_id=user_id, is_officer=is_officer, now=now)
        jobs.plan_series_change(session, changed=changed, now=now, cancelled=True)
    ack()
    respond(**ephemeral(views.cancelled_rest(changed.series, len(changed.events), len(changed.told))), replace_original=False)
