"""Bidding: the bid form (asking for School and Major when the profile lacks them), saving the
one bid per member per project, withdrawing it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.micro import service, views
from slackapp.profiles import service as profiles
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata, number_in


def on_bid(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    project_id = number_in(action.get("value"))
    project = service.get_project(session, team_id=club.team_id, project_id=project_id)
    profile = profiles.profile_of(session, team_id=club.team_id, user_id=user_id)
    bid = service.bid_of(session, team_id=club.team_id, project_id=project_id, user_id=user_id)
    service.check_may_bid(project, profile, user_id=user_id, today=club.today(), complete=False)
    ack()
    slack.open_modal(body["trigger_id"], views.bid_form(project, bid=bid, missing=profiles.missing_for_bidding(profile)))


def on_bid_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    """Stored before the form closes. The same form arriving twice (a double submission) makes one
    bid: the second edits it with the same text, and the poster hears of it once."""
    raw = form_values(view)
    draft = service.validate_bid(raw)
    project_id = number_in(metadata(view).get("project_id"))
    today = club.today()
    with store.writing(session):
        profiles.complete_for_bidding(session, team_id=club.team_id, user_id=user_id, raw=raw)
        _, new = service.place_bid(session, team_id=club.team_id, project_id=project_id, user_id=user_id, draft=draft, today=today)
        project = service.get_project(session, team_id=club.team_id, project_id=project_id)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.bid_saved(project, new=new))
        if new:
            outbox.dm(session, team_id=club.team_id, user_id=project.posted_by, text=views.new_bid(project, user_id))
    ack()


def on_withdraw(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    today = club.today()
    with store.writing(session):
        bid = service.withdraw_bid(session, team_id=club.team_id, project_id=number_in(action.get("value")), user_id=user_id, today=today)
        project = service.get_project(session, team_id=club.team_id, project_id=bid.project_id)
    ack()
    respond(**ephemeral(views.withdrawn(project)), replace_original=False)
