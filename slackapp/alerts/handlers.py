"""Bolt glue for alerts: Alert me under a search, `/internships alerts`, and the alert DMs' buttons.

Every id a button carries is checked against the store by workspace and member: an alert that is
not the clicker's own is not touched. A click on any button of an alert DM counts as a click for
its alerts (they won't pause themselves for the next 8 weeks)."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.alerts import ids, jobs, service, views
from slackapp.alerts.models import Alert
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.leads import sections
from slackapp.leads.handlers import tracking
from slackapp.micro.handlers import bidding
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import starting_with
from slackapp.slack.facade import Slack
from slackapp.slack.forms import number_in


def below_search(club: Club, user_id: str, query: str, page: int) -> list:
    """Under an `/internships` search's first page (leads.sections)."""
    return views.alert_me(query) if page == 1 and query else []


# ---- /internships alerts ---------------------------------------------------------------------


def on_command(ack, command, club: Club, session: Session, user_id: str):
    words = (command.get("text") or "").split()[1:]
    if words and words[0].lower() == "help":
        ack(**ephemeral(views.HELP, views.help_blocks()))
        return
    ack(**_listing(club, session, user_id))


def _listing(club: Club, session: Session, user_id: str) -> dict:
    text, blocks = views.alert_list(service.mine(session, team_id=club.team_id, user_id=user_id), tz=club.member_timezone(user_id))
    return ephemeral(text, blocks)


def on_create(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    tz = club.member_timezone(user_id)
    with store.writing(session):
        # Daily DMs come at 09:00 in the member's own zone: the clock needs it.
        club.keep_timezone(user_id)
        alert, fresh = service.create_alert(session, team_id=club.team_id, user_id=user_id, text=str(action.get("value") or ""))
    text, blocks = views.created(alert, fresh=fresh, tz=tz)
    ack()
    respond(**ephemeral(text, blocks), replace_original=False)


def on_delivery(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    alert_id, _, delivery = str(action.get("value") or "").partition(":")
    tz = club.member_timezone(user_id)
    with store.writing(session):
        club.keep_timezone(user_id)
        alert = service.set_delivery(session, team_id=club.team_id, user_id=user_id, alert_id=number_in(alert_id), delivery=delivery)
    ack()
    if str(action.get("block_id") or "").startswith(views.LIST_BLOCK):
        respond(**_listing(club, session, user_id), replace_original=True)
    else:
        text, blocks = views.created(alert, fresh=True, tz=tz)
        respond(**ephemeral(text, blocks), replace_original=True)


def _delete(session: Session, *, team_id: str, user_id: str, alert_ids: list[int]) -> list[str]:
    """Delete them (the searches they were); with none left, the DMs owed for them go too."""
    queries = service.delete_alerts(session, team_id=team_id, user_id=user_id, alert_ids=alert_ids)
    if not service.has_alerts(session, team_id=team_id, user_id=user_id):
        jobs.cancel_all(session, team_id=team_id, user_id=user_id, now=datetime.now(UTC), reason="the member has no alerts left")
    return queries


_LIST_CHANGES = {ids.LIST_PAUSE: service.pause, ids.LIST_RESUME: service.resume, ids.LIST_DELETE: _delete}


def on_list_change(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    change = _LIST_CHANGES[action["action_id"]]
    with store.writing(session):
        change(session, team_id=club.team_id, user_id=user_id, alert_ids=[number_in(action.get("value"))])
    ack()
    respond(**_listing(club, session, user_id), replace_original=True)


# ---- an alert DM's buttons -------------------------------------------------------------------


def _carried(action: dict) -> tuple[list[int], int | None]:
    alert_ids, item = views.read_carried(action.get("value"))
    if not alert_ids:
        raise UserError(views.BROKEN)
    return alert_ids, item


def _clicked(club: Club, session: Session, store: Store, user_id: str, alert_ids: list[int]) -> None:
    with store.writing(session):
        service.clicked(session, team_id=club.team_id, user_id=user_id, alert_ids=alert_ids)


def on_open(ack, action, club: Club, session: Session, store: Store, user_id: str):
    # A link button still reports its click; the browser has already opened the link.
    alert_ids, _ = views.read_carried(action.get("value"))
    _clicked(club, session, store, user_id, alert_ids)
    ack()


def on_save(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    alert_ids, lead_id = _carried(action)
    _clicked(club, session, store, user_id, alert_ids)
    # Saved as leads' own Save does it (with its deadline reminders).
    tracking.on_save(ack, {"value": str(lead_id or 0)}, respond, club, session, store, user_id)


def on_bid(ack, body, action, club: Club, slack: Slack, session: Session, store: Store, user_id: str):
    alert_ids, project_id = _carried(action)
    _clicked(club, session, store, user_id, alert_ids)
    bidding.on_bid(ack, body, {"value": str(project_id or 0)}, club, slack, session, user_id)


def _pause_from_dm(session: Session, *, team_id: str, user_id: str, alert_ids: list[int]) -> list[Alert]:
    # A click on the DM, as any of its buttons is (Resume and Stop clear the mark themselves).
    service.clicked(session, team_id=team_id, user_id=user_id, alert_ids=alert_ids)
    return service.pause(session, team_id=team_id, user_id=user_id, alert_ids=alert_ids)


# A DM button's change, and what the member is told of what it returned.
_DM_CHANGES = {ids.PAUSE: (_pause_from_dm, views.paused), ids.STOP: (_delete, views.stopped), ids.RESUME: (service.resume, views.resumed)}


def on_dm_change(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    change, told = _DM_CHANGES[action["action_id"]]
    alert_ids, _ = _carried(action)
    with store.writing(session):
        changed = change(session, team_id=club.team_id, user_id=user_id, alert_ids=alert_ids)
    ack()
    respond(**ephemeral(told(changed)), replace_original=False)


def register(app: App) -> None:
    sections.answer_word(ids.WORD)
    sections.add_below_search("alerts", below_search)
    app.command(ids.COMMAND, matchers=[starting_with(ids.WORD)])(on_command)
    app.action(ids.CREATE)(on_create)
    app.action(ids.DELIVERY)(on_delivery)
    for action_id in _LIST_CHANGES:
        app.action(action_id)(on_list_change)
    app.action(ids.OPEN)(on_open)
    app.action(ids.SAVE)(on_save)
    app.action(ids.BID)(on_bid)
    for action_id in _DM_CHANGES:
        app.action(action_id)(on_dm_change)
