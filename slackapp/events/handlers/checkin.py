"""Check-in at the door: officers open it, members press "I'm here" or type the code, officers mark people."""

from __future__ import annotations

from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.errors import UserError
from slackapp.events import ids, jobs, service, views
from slackapp.events.handlers.roster import managed
from slackapp.slack.blocks import ephemeral
from slackapp.slack.forms import number_in


def check_in(store: Store, team_id: str, user_id: str, *, event_id: int | None = None, code: str | None = None) -> str:
    """Record a member as here, by the button's event or by the code; what to tell them."""
    try:
        with store.write() as session:
            event, new = service.check_in(session, team_id=team_id, user_id=user_id, now=utcnow(), event_id=event_id, code=code)
    except service.NotYet as exc:
        raise UserError(views.checkin_not_yet(exc.opens)) from None
    return views.checked_in(event, new=new, by_code=code is not None)


def on_here(ack, action, respond, store: Store, team_id: str, user_id: str):
    message = check_in(store, team_id, user_id, event_id=number_in(action.get("value")))
    ack()
    respond(**ephemeral(message), replace_original=False)


def on_open_checkin(ack, action, respond, club: Club, store: Store, user_id: str):
    event, is_officer = managed(club, store, user_id, action)
    with store.write() as session:
        event = service.open_checkin(session, team_id=club.team_id, event_id=event.id, user_id=user_id, is_officer=is_officer)
        jobs.open_checkin(session, event=event, officer=user_id)
    ack()
    opens, _ = service.checkin_window(event)
    respond(**ephemeral(views.checkin_opened(event, opens)), replace_original=False)


def on_mark(ack, action, respond, club: Club, store: Store, user_id: str):
    """Officers mark people as attended with a multi-user select under the roster."""
    event_id = number_in((action.get("block_id") or "").removeprefix(ids.ATTEND_BLOCK))
    members = [member for member in action.get("selected_users") or [] if isinstance(member, str)]
    is_officer = club.is_officer(user_id)
    with store.write() as session:
        added = service.mark_attended(session, team_id=club.team_id, event_id=event_id, user_id=user_id, is_officer=is_officer, members=members)
    ack()
    respond(**ephemeral(views.marked(added)), replace_original=False)
