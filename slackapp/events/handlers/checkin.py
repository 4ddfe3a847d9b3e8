"""Check-in at the door: officers open it, members press "I'm here" or type the code, officers mark people."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.errors import UserError
from slackapp.events import ids, jobs, service, views
from slackapp.events.handlers.roster import managed
from slackapp.slack.blocks import ephemeral
from slackapp.slack.forms import number_in


def check_in(session: Session, store: Store, team_id: str, user_id: str, *, event_id: int | None = None, code: str | None = None) -> str:
    """Record a member as here, by the button's event or by the code; what to tell them."""
    try:
        with store.writing(session):
            event, new = service.check_in(session, team_id=team_id, user_id=user_id, now=utcnow(), event_id=event_id, code=code)
    except service.NotYet as exc:
        raise UserError(views.checkin_not_yet(exc.opens)) from None
    return views.checked_in(event, new=new, by_code=code is not None)


def on_here(ack, action, respond, session: Session, store: Store, team_id: str, user_id: str):
    message = check_in(session, store, team_id, user_id, event_id=number_in(action.get("value")))
    ack()
    respond(**ephemeral(message), replace_original=False)


def on_open_checkin(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    event, is_officer = managed(club, session, user_id, action)
    with store.writing(session):
        event = service.open_checkin(session, team_id=club.team_id, event_id=event.id, user_id=user_id, is_officer=is_officer)
        jobs.open_checkin(session, event=event, officer=user_id)
    opens, _ = service.checkin_window(event)
    ack()
    respond(**ephemeral(views.checkin_opened(event, opens)), replace_original=False)


def on_mark(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    """Officers mark people as attended with a multi-user select under the roster."""
    event_id = number_in((action.get("block_id") or "").removeprefix(ids.ATTEND_BLOCK))
    members = [member for member in action.get("selected_users") or [] if isinstance(member, str)]
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        added = service.mark_attended(session, team_id=club.team_id, event_id=event_id, user_id=user_id, is_officer=is_officer, members=members)
    ack()
    respond(**ephemeral(views.marked(added)), replace_original=False)
