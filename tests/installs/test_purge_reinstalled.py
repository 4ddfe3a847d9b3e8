"""The purge never deletes a workspace that installed the app again (the fast layer).

Installing again normally clears the departure at once (the installation store does it), so through
the app this can't be seen today; the purge checks anyway, and this guards that check: a departure
left behind next to a newer installation is dropped, and the workspace's data stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from slackapp import models
from slackapp.installs import service
from slackapp.privacy import purge
from slackapp.profiles.models import Profile
from tests.conftest import new_id

pytestmark = pytest.mark.fast

T0 = datetime(2034, 2, 1, 8, 0, tzinfo=UTC)
GRACE = timedelta(days=30)


def with_data(session, team: str) -> None:
    session.add(Profile(team_id=team, user_id="UCOMESBACK", school="State U", major="Finance"))
    session.flush()


def rows_of(session, team: str) -> dict[str, int]:
    counts = {table.name: session.scalar(select(func.count()).select_from(table).where(table.c.team_id == team)) for table in purge.workspace_tables()}
    return {name: count for name, count in counts.items() if count}


def installed_again(session, team: str, at: datetime) -> None:
    """A new installation row for the team, written without clearing its departure."""
    installations = models.metadata.tables["installations"]
    session.execute(insert(installations).values(team_id=team, enterprise_id=None, is_enterprise_install=False, installer_id="UINSTALLER", installed_at=at, sealed="sealed-elsewhere"))


def test_a_workspace_installed_again_is_not_purged_and_its_departure_goes(session):
    back, gone = new_id("T"), new_id("T")
    for team in (back, gone):
        with_data(session, team)
        service.departed(session, team_id=team, now=T0, grace=GRACE)
    installed_again(session, back, T0 + timedelta(days=3))

    purged = purge.purge_due(session, now=T0 + GRACE + timedelta(days=1))

    # The one that stayed away is purged in the same run (other tests' workspaces may share the database).
    assert [team for team in purged if team in (back, gone)] == [gone]
    assert rows_of(session, gone) == {}
    assert set(rows_of(session, back)) == {"profiles", "installations"}  # data kept, departure dropped
    # Nothing left to purge for it later either.
    assert back not in purge.purge_due(session, now=T0 + GRACE * 10)
    assert set(rows_of(session, back)) == {"profiles", "installations"}
