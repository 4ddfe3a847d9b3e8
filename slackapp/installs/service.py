"""A workspace leaving: its tokens go at once, its scheduled work stops, and its data is purged
after a grace period unless it installs the app again. Slack may send both departure events, in
either order, more than once: each step is idempotent, and the grace runs from the first."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from slackapp import models
from slackapp.db import insert_for
from slackapp.scheduler import queue
from slackapp.slack import installations
from slackapp.slack.installations import Departure

log = logging.getLogger(__name__)

UNINSTALLED = "the app was uninstalled from this workspace"
# Tables that hold no workspace's data: nothing to purge there.
NOT_WORKSPACE_DATA = frozenset({"oauth_states"})


def departed(session: Session, *, team_id: str, now: datetime, grace: timedelta) -> int:
    """Forget the workspace's tokens, cancel its pending work, and mark it for purging; how many
    pieces of work were cancelled."""
    installations.forget(session, team_id=team_id)
    cancelled = queue.cancel_team(session, team_id=team_id, reason=UNINSTALLED, now=now)
    session.execute(
        insert_for(session)(Departure).values(team_id=team_id, left_at=now, purge_after=now + grace).on_conflict_do_nothing(index_elements=["team_id"])
    )
    return cancelled


def workspace_tables():
    """Every table holding workspace data, children before parents."""
    return [table for table in reversed(models.metadata.sorted_tables) if table.name not in NOT_WORKSPACE_DATA]


def purge(session: Session, *, team_id: str) -> int:
    """Delete every row of the workspace, in every table; how many."""
    return sum(session.execute(delete(table).where(table.c.team_id == team_id)).rowcount for table in workspace_tables())


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
