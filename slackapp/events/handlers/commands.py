"""The /events command: the upcoming list, and the words that lead elsewhere."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.events import service, views
from slackapp.events.handlers import checkin, forms, roster
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack


def on_command(ack, command, respond, club: Club, slack: Slack, session: Session, store: Store, user_id: str):
    verb, _, rest = (command.get("text") or "").strip().partition(" ")
    verb = verb.lower()
    if verb == "help":
        ack(**ephemeral(views.HELP, views.help_blocks()))
    elif verb == "new":
        form = forms.event_form(club, user_id, channel=command.get("channel_id"))
        ack()
        slack.open_modal(command["trigger_id"], form)
    elif verb == "roster":
        answer = roster.roster_of(club, session, user_id, words=rest)
        ack()
        respond(**answer, replace_original=False)
    elif verb == "checkin":
        answer = checkin.check_in(session, store, club.team_id, user_id, code=rest.strip())
        ack()
        respond(**ephemeral(answer))
    elif verb == "":
        upcoming = service.upcoming(session, team_id=club.team_id, now=utcnow())
        mine = service.seats_of(session, team_id=club.team_id, user_id=user_id, event_ids=[event.id for event in upcoming])
        ack(**ephemeral("Upcoming events", views.event_list(upcoming, mine=mine, officer=club.looks_like_officer(user_id))))
    else:
        ack(**ephemeral(views.unknown_command(verb)))
