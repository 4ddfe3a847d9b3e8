"""The purge's grace runs from the *first* departure (the fast layer).

Slack may send app_uninstalled and tokens_revoked both, in either order, and more than once; a
later one must not restart the grace period: the workspace's data is purged once the grace has run
out counted from the first, not pushed back by every repeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from slackapp import models
from slackapp.installs import service
from slackapp.privacy import purge
from slackapp.profiles.models import Profile
from slackapp.scheduler import queue
from tests.conftest import new_id

pytestmark = pytest.mark.fast

T0 = datetime(2034, 1, 10, 8, 0, tzinfo=UTC)
GRACE = timedelta(days=30)


def with_data(session, team: str) -> None:
    session.add(Profile(team_id=team, user_id="UKEPTUNTIL", school="State U", major="Finance"))
    later = T0 + timedelta(days=1)
    queue.plan(session, team_id=team, kind="dm", key="dm:later", target="UKEPTUNTIL", due_at=later, expires_at=later + timedelta(days=1))
    session.flush()


def rows_of(session, team: str) -> dict[str, int]:
    counts = {table.name: session.scalar(select(func.count()).select_from(table).where(table.c.team_id == team)) for table in purge.workspace_tables()}
    return {name: count for name, count in counts.items() if count}


def departure_of(session, team: str):
    departures = models.metadata.tables["departures"]
    return session.execute(select(departures.c.left_at, departures.c.purge_after).where(departures.c.team_id == team)).one_or_none()


@pytest.mark.parametrize("later", [timedelta(seconds=1), timedelta(days=10), GRACE - timedelta(seconds=1)], ids=["a-second", "ten-days", "just-before"])
def test_a_second_departure_keeps_the_first_grace(session, later):
    team = new_id("T")
    with_data(session, team)
    assert service.departed(session, team_id=team, now=T0, grace=GRACE) == 1
    # The other event (or the same one again), later, and once more.
    assert service.departed(session, team_id=team, now=T0 + later, grace=GRACE) == 0
    assert service.departed(session, team_id=team, now=T0 + later + timedelta(seconds=1), grace=GRACE) == 0

    assert tuple(departure_of(session, team)) == (T0, T0 + GRACE)
    # (Other tests' workspaces may share the database: only this one's fate is looked at.)
    assert team not in purge.purge_due(session, now=T0 + GRACE - timedelta(seconds=1))
    assert {"profiles", "jobs", "departures"} <= set(rows_of(session, team))
    assert team in purge.purge_due(session, now=T0 + GRACE)
    assert rows_of(session, team) == {}
