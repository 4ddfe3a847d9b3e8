"""A departed workspace's data, deleted from every table once its grace period is over (by the
clock of any app process, or by `slackapp purge`), unless it installed the app again."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from slackapp import models
from slackapp.installs import installations
from slackapp.installs.installations import Departure
from slackapp.privacy import service

log = logging.getLogger(__name__)

# Tables that hold no workspace's data: nothing to purge there.
NOT_WORKSPACE_DATA = frozenset({"oauth_states"})


def workspace_tables():
    """Every table holding workspace data, children before parents."""
    return [table for table in reversed(models.metadata.sorted_tables) if table.name not in NOT_WORKSPACE_DATA]


def purge(session: Session, *, team_id: str) -> int:
    """Delete every row of the workspace, in every table; how many."""
    deleted = sum(session.execute(delete(table).where(table.c.team_id == team_id)).rowcount for table in workspace_tables())
    service.erased(session)
    return deleted


def purge_due(session: Session, *, now: datetime) -> list[str]:
    """Purge the workspaces whose grace period is over; the teams purged."""
    purged = []
    for team_id in session.scalars(select(Departure.team_id).where(Departure.purge_after <= now)).all():
        if installations.is_installed(session, team_id=team_id):
            # Installed again (the installation store normally clears this already).
            session.execute(delete(Departure).where(Departure.team_id == team_id))
            continue
        log.info("purged team %s: %d rows", team_id, purge(session, team_id=team_id))
        purged.append(team_id)
    return purged


def plan(session: Session, now: datetime) -> int:
    """The clock's turn: purge what is due (a planner that sends nothing)."""
    return len(purge_due(session, now=now))


RENDERERS = {}
PLANNERS = (plan,)
