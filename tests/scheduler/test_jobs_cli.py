"""`slackapp jobs`: what timed work is waiting or failed, and why — read from the store by a
separate process, the way an operator would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from slackapp.db import Store, upgrade
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Dispatcher, Outgoing
from slackapp.scheduler.models import Job
from tests.conftest import new_id

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2031, 3, 3, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    store = Store.from_url(url)
    upgrade(store.engine)
    yield url, store
    store.dispose()


def jobs_command(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK", "DATABASE_URL"))}
    env.update(DATABASE_URL=url, PYTHONPATH=str(ROOT))
    # Run from an empty folder so no .env is picked up.
    return subprocess.run([sys.executable, "-m", "slackapp", "jobs", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def render_note(session, job, now) -> Outgoing:
    return Outgoing(channel=job.target, text="note")


def plan(store, *, team: str, kind: str, key: str, target: str, due: datetime) -> None:
    with store.write() as session:
        queue.plan(session, team_id=team, kind=kind, key=key, target=target, due_at=due, expires_at=due + timedelta(days=1))


def line_for(output: str, target: str) -> str:
    [line] = [line for line in output.splitlines() if f" {target} " in line]
    return line


def test_lists_pending_and_failed_work_with_kind_when_and_reason(database, tmp_path, fake_slack):
    url, store = database
    team = new_id("T")
    waiting, refused, delivered = new_id("U"), new_id("C"), new_id("U")
    plan(store, team=team, kind="digest", key="digest:refused", target=refused, due=T0)
    plan(store, team=team, kind="nudge", key="nudge:delivered", target=delivered, due=T0 + timedelta(minutes=1))
    plan(store, team=team, kind="habit", key="habit:waiting", target=waiting, due=T0 + timedelta(days=2))

    dispatcher = Dispatcher(
        store, WebClient(token="xoxb-test", base_url=fake_slack.url),
        renderers={"digest": render_note, "nudge": render_note, "habit": render_note}, worker=new_id("w"), per_second=0,
    )
    try:
        fake_slack.fail("chat.postMessage", error="channel_not_found", times=1)
        assert dispatcher.run_due(T0, team_id=team).failed == 1
        assert dispatcher.run_due(T0 + timedelta(minutes=5), team_id=team).sent == 1
    finally:
        dispatcher.shutdown()
    with store.read() as session:
        statuses = {job.target: job.status for job in session.scalars(select(Job).where(Job.team_id == team))}
    assert statuses == {refused: "failed", delivered: "sent", waiting: "pending"}

    listed = jobs_command(url, tmp_path)
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert waiting in out and refused in out and delivered not in out
    pending_line, failed_line = line_for(out, waiting), line_for(out, refused)
    assert "pending" in pending_line and " habit " in pending_line
    assert (T0 + timedelta(days=2)).strftime("%Y-%m-%d %H:%M") in pending_line
    assert "failed" in failed_line and " digest " in failed_line
    assert T0.strftime("%Y-%m-%d %H:%M") in failed_line
    assert failed_line.rstrip().endswith("Slack refused it: channel_not_found")
    header = out.splitlines()[0]
    for column in ("status", "kind", "when", "why"):
        assert column in header

    everything = jobs_command(url, tmp_path, "--all")
    assert everything.returncode == 0, everything.stderr
    sent_line = line_for(everything.stdout, delivered)
    assert "sent" in sent_line and " nudge " in sent_line
    assert (T0 + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M") in sent_line
    assert waiting in everything.stdout and refused in everything.stdout

    other_team = jobs_command(url, tmp_path, "--team", new_id("T"))
    assert other_team.returncode == 0 and "no pending or failed work" in other_team.stdout


def test_a_pending_retry_shows_why_it_waits(database, tmp_path, fake_slack):
    url, store = database
    team, user = new_id("T"), new_id("U")
    plan(store, team=team, kind="nudge", key="nudge:retry", target=user, due=T0)
    dispatcher = Dispatcher(store, WebClient(token="xoxb-test", base_url=fake_slack.url), renderers={"nudge": render_note}, worker=new_id("w"), per_second=0)
    try:
        fake_slack.fail("chat.postMessage", status=429, retry_after=90, times=1)
        assert dispatcher.run_due(T0, team_id=team).rate_limited == 1
    finally:
        dispatcher.shutdown()

    listed = jobs_command(url, tmp_path)

    assert listed.returncode == 0, listed.stderr
    line = line_for(listed.stdout, user)
    assert "pending" in line and " nudge " in line
    assert (T0 + timedelta(seconds=90)).strftime("%Y-%m-%d %H:%M") in line
    assert "rate limited by Slack; retrying after 90s" in line


def test_an_empty_store_says_so(database, tmp_path):
    url, _ = database

    listed = jobs_command(url, tmp_path)

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "no pending or failed work"


def test_a_store_that_was_never_migrated_is_prepared_and_reported_empty(tmp_path):
    listed = jobs_command(f"sqlite:///{tmp_path / 'brand-new.db'}", tmp_path)

    assert listed.returncode == 0, listed.stderr
    assert "no pending or failed work" in listed.stdout


def sandbox_store(folder: Path) -> Store:
    """The database `slackapp sandbox` keeps in the folder it was run from."""
    store = Store.from_url(f"sqlite:///{folder / 'sandbox.db'}")
    upgrade(store.engine)
    return store


def jobs_without_a_database_url(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK", "DATABASE_URL"))}
    env.update(PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "slackapp", "jobs", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_jobs_sandbox_lists_the_sandboxs_work(tmp_path):
    store = sandbox_store(tmp_path)
    team, user = new_id("T"), new_id("U")
    try:
        plan(store, team=team, kind="habit", key="habit:sandbox", target=user, due=T0)
    finally:
        store.dispose()

    listed = jobs_without_a_database_url(tmp_path, "--sandbox")

    assert listed.returncode == 0, listed.stderr
    assert "pending" in line_for(listed.stdout, user)
    assert not (tmp_path / "slackapp.db").exists()


def test_jobs_where_only_the_sandbox_ran_points_at_its_data_instead_of_making_an_empty_database(tmp_path):
    sandbox_store(tmp_path).dispose()

    listed = jobs_without_a_database_url(tmp_path)

    assert listed.returncode == 2 and listed.stdout == ""
    said = listed.stderr.strip()
    assert str(tmp_path / "slackapp.db") in said and "slackapp jobs --sandbox" in said and "Traceback" not in said
    assert not (tmp_path / "slackapp.db").exists()


def test_jobs_with_no_database_at_all_says_where_it_looked(tmp_path):
    listed = jobs_without_a_database_url(tmp_path)

    assert listed.returncode == 2
    assert str(tmp_path / "slackapp.db") in listed.stderr and "DATABASE_URL" in listed.stderr and "--sandbox" not in listed.stderr
    assert list(tmp_path.iterdir()) == []
    nothing = jobs_without_a_database_url(tmp_path, "--sandbox")
    assert nothing.returncode == 2 and str(tmp_path / "sandbox.db") in nothing.stderr
    assert list(tmp_path.iterdir()) == []
