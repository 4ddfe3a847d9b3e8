"""Bolt glue for a workspace leaving: app_uninstalled and tokens_revoked."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from slackapp.db import utcnow
from slackapp.installs import service
from slackapp.slack.listeners import Registry

log = logging.getLogger(__name__)


def on_departure(event, team_id: str, session: Session, tenants, purge_after: timedelta):
    cancelled = service.departed(session, team_id=team_id, now=utcnow(), grace=purge_after)
    tenants.forget(team_id)
    log.info("team %s: %s; tokens deleted, %d pending jobs cancelled", team_id, event.get("type"), cancelled)


def register(app: Registry) -> None:
    app.event("app_uninstalled", on_departure)
    app.event("tokens_revoked", on_departure)
