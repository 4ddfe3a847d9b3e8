"""Bolt glue for a workspace leaving: app_uninstalled and tokens_revoked."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.db import Store, utcnow
from slackapp.installs import service
from slackapp.slack import inbox

log = logging.getLogger(__name__)


def on_departure(body, event, team_id: str, session: Session, store: Store, tenants, purge_after: timedelta):
    with store.writing(session):
        if not inbox.done(session, body, team_id=team_id):
            return
        cancelled = service.departed(session, team_id=team_id, now=utcnow(), grace=purge_after)
    tenants.forget(team_id)
    log.info("team %s: %s; tokens deleted, %d pending jobs cancelled", team_id, event.get("type"), cancelled)


def register(app: App) -> None:
    app.event("app_uninstalled")(on_departure)
    app.event("tokens_revoked")(on_departure)
