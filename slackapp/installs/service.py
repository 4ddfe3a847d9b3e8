"""A workspace leaving: its tokens go at once, its scheduled work stops, and it is marked for
purging after a grace period (slackapp.privacy.purge) unless it installs the app again. Slack may
send both departure events, in either order, more than once: each step is idempotent, and the
grace runs from the first."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from slackapp.db import insert_for
from slackapp.installs import installations
from slackapp.installs.installations import Departure
from slackapp.scheduler import queue

log = logging.getLogger(__name__)

UNINSTALLED = "the app was uninstalled from this workspace"


def departed(session: Session, *, team_id: str, now: datetime, grace: timedelta) -> int:
    """Forget the workspace's tokens, cancel its pending work, and mark it for purging; how many
    pieces of work were cancelled."""
    installations.forget(session, team_id=team_id)
    cancelled = queue.cancel_team(session, team_id=team_id, reason=UNINSTALLED, now=now)
    session.execute(
        insert_for(session)(Departure).values(team_id=team_id, left_at=now, purge_after=now + grace).on_conflict_do_nothing(index_elements=["team_id"])
    )
    return cancelled
