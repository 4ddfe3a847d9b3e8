"""Bolt glue for App Home: opening it publishes it (after the event is kept, like every event)."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.home import ids, jobs, service
from slackapp.leads import sections as lead_sections
from slackapp.slack import inbox


def on_opened(body: dict, event: dict, club: Club, session: Session, store: Store, user_id: str):
    if event.get("tab") != "home":
        return  # the Messages tab
    with store.writing(session):
        if not inbox.done(session, body, team_id=club.team_id):
            return
        # Known officers only: asking Slack whether they are an admin would hold the write open on
        # a network call. Admins who want the officers' Home join the list.
        service.opened(session, team_id=club.team_id, user_id=user_id, officer=club.is_known_officer(user_id))
        jobs.publish(session, team_id=club.team_id, user_id=user_id)


def register(app: App) -> None:
    app.event(ids.OPENED)(on_opened)
    # Leads hidden by reports or waiting for approval, and officers' decisions on them.
    lead_sections.watch_review("home", jobs.publish_officers)
