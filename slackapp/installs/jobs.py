"""The purge of departed workspaces runs with the clock (and on demand: `slackapp purge`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slackapp.installs import service


def purge(session: Session, now: datetime) -> int:
    return len(service.purge_due(session, now=now))


RENDERERS = {}
PLANNERS = (purge,)
