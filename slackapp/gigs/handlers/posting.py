"""The /gigs command and the officers' gig form."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.gigs import jobs, service, views
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata


def on_command(ack, command, club: Club, slack: Slack, session: Session, user_id: str):
    words = (command.get("text") or "").split()
    verb = words[0].lower() if words else ""
    if verb == "help":
        ack(**ephemeral(views.HELP, views.help_blocks()))
    elif verb == "post":
        club.require_officer(user_id, service.ONLY_OFFICERS_POST)
        ack()
        slack.open_modal(command["trigger_id"], views.gig_form(poster=user_id, channel=command.get("channel_id")))
    elif verb == "request":
        ack()
        slack.open_modal(command["trigger_id"], views.request_form())
    elif verb == "mine":
        volunteered, posted = service.my_gigs(session, team_id=club.team_id, user_id=user_id)
        ack(**ephemeral("Your gigs", views.my_gigs(volunteered, posted)))
    elif verb == "":
        found = service.open_gigs(session, team_id=club.team_id)
        ack(**ephemeral("Volunteer gigs", views.gig_list(found)))
    else:
        ack(**ephemeral(views.unknown_command(verb)))


def on_gig_form(ack, view, context, club: Club, session: Session, store: Store, user_id: str):
    draft = service.validate_gig(form_values(view), today=club.today(), poster=user_id, bot=context.bot_user_id)
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        club_service.ensure_workspace(session, team_id=club.team_id)
        gig = service.post_gig(session, team_id=club.team_id, user_id=user_id, is_officer=is_officer, draft=draft)
        jobs.announce(session, gig=gig, channel=metadata(view).get("channel"), poster=user_id)
    ack()
