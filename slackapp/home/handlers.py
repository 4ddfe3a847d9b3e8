"""Bolt glue for App Home: opening it publishes it (after the event is kept, like every event)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.home import ids, jobs, service
from slackapp.slack.listeners import Registry


def on_opened(event: dict, club: Club, session: Session, user_id: str):
    if event.get("tab") != "home":
        return  # the Messages tab
    # Known officers only: asking Slack whether they are an admin would hold the batch's
    # transaction open on a network call. Admins who want the officers' Home join the list.
    service.opened(session, team_id=club.team_id, user_id=user_id, officer=club.officers.known(club.team_id, user_id))
    jobs.publish(session, team_id=club.team_id, user_id=user_id)


def register(app: Registry) -> None:
    app.event(ids.OPENED, on_opened)
