"""Check-in at the door: officers open it, members press "I'm here" or type the code, officers mark people."""

from __future__ import annotations

from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.errors import UserError
from slackapp.events import ids, service, views
from slackapp.events.handlers.roster import managed
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import CannotPost, Slack, is_channel_id
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
    ack()
    message = check_in(store, team_id, user_id, event_id=number_in(action.get("value")))
    respond(**ephemeral(message), replace_original=False)


def on_open_checkin(ack, action, respond, club: Club, slack: Slack, store: Store, user_id: str):
    ack()
    event, is_officer = managed(club, store, user_id, action)
    with store.write() as session:
        event = service.open_checkin(session, team_id=club.team_id, event_id=event.id, user_id=user_id, is_officer=is_officer)
    if not event.checkin_ts and is_channel_id(event.channel):
        try:
            _, ts = slack.post(event.channel, *views.checkin_post(event))
        except CannotPost as exc:
            respond(**ephemeral(views.checkin_post_failed(str(exc))), replace_original=False)
        else:
            with store.write() as session:
                service.record_checkin_post(session, team_id=club.team_id, event_id=event.id, ts=ts)
    opens, _ = service.checkin_window(event)
    respond(**ephemeral(views.checkin_opened(event, opens)), replace_original=False)


def on_mark(ack, action, respond, club: Club, store: Store, user_id: str):
    """Officers mark people as attended with a multi-user select under the roster."""
    ack()
    event_id = number_in((action.get("block_id") or "").removeprefix(ids.ATTEND_BLOCK))
    members = [member for member in action.get("selected_users") or [] if isinstance(member, str)]
    with store.write() as session:
        added = service.mark_attended(session, team_id=club.team_id, event_id=event_id, user_id=user_id, is_officer=club.is_officer(user_id), members=members)
    respond(**ephemeral(views.marked(added)), replace_original=False)
