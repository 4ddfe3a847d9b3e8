"""Bolt glue for `/club profile`: the member's own profile form."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.profiles import ids, service, views
from slackapp.scheduler import outbox
from slackapp.slack.commands import starting_with
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values


def on_profile(ack, command, club: Club, slack: Slack, session: Session, user_id: str):
    profile = service.profile_of(session, team_id=club.team_id, user_id=user_id)
    ack()
    slack.open_modal(command["trigger_id"], views.profile_form(profile))


def on_edit(ack, body, club: Club, slack: Slack, session: Session, user_id: str):
    """App Home's "Edit my profile": the person's own, whoever's Home it is (it is always theirs)."""
    profile = service.profile_of(session, team_id=club.team_id, user_id=user_id)
    ack()
    slack.open_modal(body["trigger_id"], views.profile_form(profile))


def on_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    """Whoever submits the form saves their own profile: the form names nobody else."""
    draft = service.validate(form_values(view), today=club.today())
    with store.writing(session):
        profile = service.save(session, team_id=club.team_id, user_id=user_id, draft=draft)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.saved(profile))
    ack()


def register(app: App) -> None:
    app.command(ids.COMMAND, matchers=[starting_with(ids.WORD)])(on_profile)
    app.view(ids.FORM)(on_form)
    app.action(ids.EDIT)(on_edit)
