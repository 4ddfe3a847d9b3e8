"""A workspace leaving (the fast layer): its tokens go, its pending work is cancelled with the reason
an officer reads, and it is marked for purging; another workspace is untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from slackapp.installs import installations, service
from slackapp.installs.installations import Departure
from slackapp.installs.secrets import Sealer
from slackapp.scheduler import queue
from slackapp.scheduler.models import Job
from tests.conftest import new_id
from tests.installs.test_installations_rules import installation, row

pytestmark = pytest.mark.fast

T0 = datetime(2033, 3, 4, 5, 6, tzinfo=UTC)
GRACE = timedelta(days=30)
SEALER = Sealer(Fernet.generate_key().decode())


def planned(session, team: str, key: str) -> None:
    later = T0 + timedelta(days=1)
    queue.plan(session, team_id=team, kind="dm", key=key, target="ULEAVING", due_at=later, expires_at=later + timedelta(days=1))


def test_a_departure_forgets_the_tokens_cancels_the_work_and_marks_the_workspace(session):
    team, other = new_id("T"), new_id("T")
    session.add_all([row(installation(team)), row(installation(other))])
    planned(session, team, "dm:one")
    planned(session, team, "dm:two")
    planned(session, other, "dm:one")
    session.flush()

    assert service.departed(session, team_id=team, now=T0, grace=GRACE) == 2

    assert not installations.is_installed(session, team_id=team)
    assert installations.is_installed(session, team_id=other)
    jobs = session.execute(select(Job.team_id, Job.status, Job.reason, Job.finished_at).where(Job.team_id.in_([team, other])).order_by(Job.team_id == other, Job.key)).all()
    assert [tuple(job) for job in jobs] == [
        (team, "cancelled", "the app was uninstalled from this workspace", T0),
        (team, "cancelled", "the app was uninstalled from this workspace", T0),
        (other, "pending", None, None),
    ]
    assert session.execute(select(Departure.team_id, Departure.left_at, Departure.purge_after).where(Departure.team_id.in_([team, other]))).all() == [(team, T0, T0 + GRACE)]
