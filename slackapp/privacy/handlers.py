"""Bolt glue for `/club mydata` and `/club forget-me`: a member's own data, only ever their own."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.privacy import ids, service, views
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import starting_with
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values


def on_mydata(ack, respond, club: Club, slack: Slack, session: Session, user_id: str):
    found = service.everything_about(session, team_id=club.team_id, user_id=user_id)
    content = service.as_json(found, user_id=user_id, team_id=club.team_id)
    ack()
    if slack.send_file(user_id, filename="my-club-data.json", title="Everything the club's app stores about you", content=content):
        respond(**ephemeral(views.MYDATA_SENT))


def on_forget(ack, command, slack: Slack):
    ack()
    slack.open_modal(command["trigger_id"], views.forget_form())


def on_forget_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    """Whoever submits forgets themselves: the form names nobody."""
    if str(form_values(view).get(ids.CONFIRM) or "").strip().upper() != ids.CONFIRM_WORD:
        raise UserError(views.TYPE_THE_WORD, field=ids.CONFIRM)
    with store.writing(session):
        service.forget(session, team_id=club.team_id, user_id=user_id)
    ack(response_action="update", view=views.forgotten())


def register(app: App) -> None:
    app.command(ids.COMMAND, matchers=[starting_with(ids.MYDATA)])(on_mydata)
    app.command(ids.COMMAND, matchers=[starting_with(ids.FORGET)])(on_forget)
    app.view(ids.FORGET_FORM)(on_forget_form)
