"""A workspace leaving: app_uninstalled and tokens_revoked (either order, more than once) delete its
tokens at once and stop its work; its data is purged after the grace period, unless it comes back."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from slackapp.db import utcnow
from slackapp.installs import service
from slackapp.installs.installations import Departure, Installed
from slackapp.privacy import purge
from slackapp.sandbox import payloads
from slackapp.scheduler import queue
from slackapp.scheduler.models import Job, JobStatus
from tests.conftest import new_id
from tests.helpers import eventually, install, leads_of, share_lead
from tests.installs.conftest import installed_workspace


def _leave(workspace, order: tuple[str, ...]) -> None:
    for kind in order:
        event = {"type": kind, "event_ts": payloads.new_ts()}
        if kind == "tokens_revoked":
            event["tokens"] = {"oauth": [], "bot": ["UBOT"]}
        reply = workspace.server.slack.event(payloads.event_callback(event, team_id=workspace.team_id, enterprise_id=None))
        assert reply.status == 200


def _with_data(workspace) -> None:
    share_lead(workspace, workspace.member(), role="Kept or purged", url=f"https://jobs.example/{workspace.team_id}")
    with workspace.server.store.write() as session:
        later = utcnow() + timedelta(days=1)
        queue.plan(session, team_id=workspace.team_id, kind="dm", key=f"dm:{new_id('k')}", target="U1", due_at=later, expires_at=later + timedelta(days=1), payload={"text": "hi"})


def _rows_of(store, team_id: str) -> dict[str, int]:
    with store.read() as session:
        counts = {table.name: session.scalar(select(func.count()).select_from(table).where(table.c.team_id == team_id)) for table in purge.workspace_tables()}
    return {name: count for name, count in counts.items() if count}


def _departed(store, team_id: str) -> bool:
    with store.read() as session:
        return session.scalar(select(Departure.id).where(Departure.team_id == team_id)) is not None


def _pending(store, team_id: str) -> list[Job]:
    with store.read() as session:
        return list(session.scalars(select(Job).where(Job.team_id == team_id, Job.status == JobStatus.pending.value)))


@pytest.mark.parametrize("order", [("app_uninstalled", "tokens_revoked", "app_uninstalled"), ("tokens_revoked", "tokens_revoked", "app_uninstalled")])
def test_leaving_deletes_tokens_stops_work_and_purges_after_the_grace(distributed, fake_slack, order):
    workspace, token = installed_workspace(distributed, fake_slack)
    _with_data(workspace)
    store = distributed.store
    assert _pending(store, workspace.team_id)

    _leave(workspace, order)

    eventually(lambda: _departed(store, workspace.team_id) and not _pending(store, workspace.team_id))
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Installed).where(Installed.team_id == workspace.team_id)) == 0
        reasons = set(session.scalars(select(Job.reason).where(Job.team_id == workspace.team_id, Job.status == JobStatus.cancelled.value)))
    assert reasons == {service.UNINSTALLED}
    eventually(lambda: "isn't installed" in workspace.command("/internships", user=workspace.member()).text, timeout=15)
    assert {"leads", "jobs", "departures"} <= set(_rows_of(store, workspace.team_id))

    # Not yet: the grace period (30 days by default) has not run out.
    with store.write() as session:
        assert workspace.team_id not in purge.purge_due(session, now=utcnow())
    with store.write() as session:
        session.execute(update(Departure).where(Departure.team_id == workspace.team_id).values(purge_after=utcnow() - timedelta(seconds=1)))
    printed = _purge_command(distributed)
    # The app's own clock purges what is due too, and may get there first: exactly one of them did.
    purged_by_the_clock = f"purged team {workspace.team_id}" in distributed.log()
    assert (workspace.team_id in printed) != purged_by_the_clock
    assert _rows_of(store, workspace.team_id) == {}


def test_a_workspace_back_within_the_grace_keeps_its_data(distributed, fake_slack):
    workspace, _ = installed_workspace(distributed, fake_slack)
    _with_data(workspace)
    _leave(workspace, ("app_uninstalled", "tokens_revoked"))
    eventually(lambda: _departed(distributed.store, workspace.team_id))

    install(distributed.url, fake_slack, workspace.team_id)

    assert not _departed(distributed.store, workspace.team_id)
    with distributed.store.write() as session:
        assert workspace.team_id not in purge.purge_due(session, now=utcnow() + timedelta(days=365))
    assert [lead.role for lead in leads_of(workspace)] == ["Kept or purged"]


def test_every_table_holds_a_team_id_so_the_purge_reaches_it():
    from slackapp import models

    tables = {table.name for table in models.metadata.sorted_tables}
    assert {table.name for table in purge.workspace_tables()} == tables - purge.NOT_WORKSPACE_DATA
    assert [table.name for table in purge.workspace_tables() if "team_id" not in table.c] == []


def _purge_command(app) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK")}
    env["DATABASE_URL"] = app.database_url
    done = subprocess.run([sys.executable, "-m", "slackapp", "purge"], env=env, capture_output=True, text=True, timeout=60, cwd=Path(app.log_path).parent)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_sealed_tokens_are_not_in_the_database_file_nor_the_log(distributed, fake_slack):
    if not distributed.database_url.startswith("sqlite"):
        pytest.skip("reads the SQLite file's bytes")
    _, token = installed_workspace(distributed, fake_slack)
    path = Path(distributed.database_url.split("///", 1)[1])
    on_disk = b"".join(file.read_bytes() for file in path.parent.glob(path.name + "*"))
    with distributed.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Installed)) > 0
    assert token.encode() not in on_disk and b"xoxb-" not in on_disk
    assert token not in distributed.log()
