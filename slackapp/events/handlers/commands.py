"""The /events command: the upcoming list, and the words that lead elsewhere."""

from __future__ import annotations

from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.events import service, views
from slackapp.events.handlers import checkin, forms, roster
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack


def on_command(ack, command, respond, club: Club, slack: Slack, store: Store, user_id: str):
    verb, _, rest = (command.get("text") or "").strip().partition(" ")
    verb = verb.lower()
    if verb == "help":
        ack(**ephemeral(views.HELP, views.help_blocks()))
    elif verb == "new":
        ack()
        forms.open_form(slack, club, command["trigger_id"], user_id, channel=command.get("channel_id"))
    elif verb == "roster":
        ack()
        roster.show_roster(respond, club, store, user_id, words=rest)
    elif verb == "checkin":
        answer = checkin.check_in(store, club.team_id, user_id, code=rest.strip())
        ack()
        respond(**ephemeral(answer))
    elif verb == "":
        with store.read() as session:
            upcoming = service.upcoming(session, team_id=club.team_id, now=utcnow())
            mine = service.seats_of(session, team_id=club.team_id, user_id=user_id, event_ids=[event.id for event in upcoming])
        ack(**ephemeral("Upcoming events", views.event_list(upcoming, mine=mine, officer=club.looks_like_officer(user_id))))
    else:
        ack(**ephemeral(views.unknown_command(verb)))
