"""The one design for timed work: rows in the store, claimed atomically, sent once, within Slack's limits.

Every test moves a controllable clock far into the future, so the running app servers (which
share the fake Slack) never see these jobs fall due in real time."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from slackapp.db import Store, upgrade
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import MAX_ATTEMPTS, Dispatcher, Outgoing, Skip
from slackapp.scheduler.models import Job
from tests.conftest import STORES, fresh_database, new_id
from tests.helpers import eventually

T0 = datetime(2031, 3, 3, 14, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=STORES)
def store(request, tmp_path_factory):
    url = fresh_database(request.param, request, tmp_path_factory)
    built = Store.from_url(url)
    upgrade(built.engine)
    yield built
    built.dispose()


def render_note(session, job, now) -> Outgoing:
    if job.payload.get("skip"):
        raise Skip("nothing to say")
    return Outgoing(channel=job.target, text=job.payload.get("text", "note"))


def dispatcher(store, fake_slack, **kwargs) -> Dispatcher:
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    return Dispatcher(store, client, renderers={"note": render_note}, worker=new_id("w"), per_second=0, **kwargs)


def plan_notes(store, team_id: str, users: list[str], *, due=T0, useful=timedelta(hours=1), **payload) -> None:
    with store.write() as session:
        for user in users:
            queue.plan(session, team_id=team_id, kind="note", key=f"note:{user}", target=user, due_at=due, expires_at=due + useful, payload=payload)


def jobs_of(store, team_id: str) -> list[Job]:
    with store.read() as session:
        return list(session.scalars(select(Job).where(Job.team_id == team_id).order_by(Job.id)))


def dms_to(fake_slack, users) -> collections.Counter:
    wanted = set(users)
    return collections.Counter(
        call.args["channel"] for call in fake_slack.calls_to("chat.postMessage") if not call.failed and call.args["channel"] in wanted
    )


def test_due_work_is_sent_once_and_not_before_its_time(store, fake_slack):
    team, users = new_id("T"), [new_id("U") for _ in range(3)]
    plan_notes(store, team, users, text="hello")
    plan_notes(store, team, users, text="planned twice is one job")
    worker = dispatcher(store, fake_slack)
    assert worker.run_due(T0 - timedelta(seconds=1), team_id=team).handled == 0
    assert worker.run_due(T0, team_id=team).sent == 3
    assert worker.run_due(T0 + timedelta(hours=1), team_id=team).handled == 0
    assert dms_to(fake_slack, users) == {user: 1 for user in users}
    assert {job.status for job in jobs_of(store, team)} == {"sent"}
    assert all(job.result_ts for job in jobs_of(store, team))


def test_stale_work_is_dropped_with_a_reason(store, fake_slack):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user], useful=timedelta(hours=12))
    outcome = dispatcher(store, fake_slack).run_due(T0 + timedelta(days=2), team_id=team)
    assert outcome.dropped == 1
    [job] = jobs_of(store, team)
    assert job.status == "dropped" and job.reason.startswith("stale: due 2031-03-03 14:00 UTC")
    assert dms_to(fake_slack, [user]) == {}


def test_late_but_useful_work_is_still_sent(store, fake_slack):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user], useful=timedelta(hours=12))
    assert dispatcher(store, fake_slack).run_due(T0 + timedelta(hours=11), team_id=team).sent == 1


def test_nothing_to_say_is_recorded_as_skipped(store, fake_slack):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user], skip=True)
    dispatcher(store, fake_slack).run_due(T0, team_id=team)
    [job] = jobs_of(store, team)
    assert (job.status, job.reason) == ("skipped", "nothing to say")


def test_rate_limit_waits_the_retry_after_slack_names(store, fake_slack):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user])
    fake_slack.fail("chat.postMessage", status=429, retry_after=7, times=1)
    worker = dispatcher(store, fake_slack)
    outcome = worker.run_due(T0, team_id=team)
    assert (outcome.rate_limited, outcome.sent) == (1, 0)
    [job] = jobs_of(store, team)
    assert job.status == "pending" and job.next_attempt_at == T0 + timedelta(seconds=7)
    assert "rate limited" in job.reason
    assert worker.run_due(T0 + timedelta(seconds=6), team_id=team).handled == 0
    assert worker.run_due(T0 + timedelta(seconds=7), team_id=team).sent == 1
    assert dms_to(fake_slack, [user]) == {user: 1}


def test_server_errors_back_off_then_give_up(store, fake_slack):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user], useful=timedelta(days=3))
    fake_slack.fail("chat.postMessage", status=500, times=MAX_ATTEMPTS)
    worker = dispatcher(store, fake_slack)
    moment, waits = T0, []
    for _ in range(MAX_ATTEMPTS):
        worker.run_due(moment, team_id=team)
        [job] = jobs_of(store, team)
        if job.status != "pending":
            break
        waits.append(job.next_attempt_at - moment)
        moment = job.next_attempt_at
    assert waits == sorted(waits) and waits[0] < waits[-1]  # the waits grow
    assert job.status == "failed" and f"gave up after {MAX_ATTEMPTS} attempts" in job.reason


def test_a_server_error_then_success_sends_once(store, fake_slack):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user])
    fake_slack.fail("chat.postMessage", status=503, times=1)
    worker = dispatcher(store, fake_slack)
    worker.run_due(T0, team_id=team)
    [job] = jobs_of(store, team)
    worker.run_due(job.next_attempt_at, team_id=team)
    assert dms_to(fake_slack, [user]) == {user: 1}


@pytest.mark.parametrize("error", ["account_inactive", "user_not_found", "channel_not_found", "not_in_channel"])
def test_permanent_errors_are_recorded_and_not_retried(store, fake_slack, error):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user], useful=timedelta(days=3))
    fake_slack.fail("chat.postMessage", error=error, times=1)
    worker = dispatcher(store, fake_slack)
    assert worker.run_due(T0, team_id=team).failed == 1
    [job] = jobs_of(store, team)
    assert (job.status, job.reason) == ("failed", f"Slack refused it: {error}")
    assert worker.run_due(T0 + timedelta(days=1), team_id=team).handled == 0


def test_cancelled_work_is_not_sent_and_can_be_planned_again(store, fake_slack):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user])
    with store.write() as session:
        assert queue.cancel(session, team_id=team, kind="note", key_prefix="note:", reason="turned off", now=T0) == 1
    worker = dispatcher(store, fake_slack)
    assert worker.run_due(T0, team_id=team).handled == 0
    plan_notes(store, team, [user])
    assert worker.run_due(T0, team_id=team).sent == 1


def test_a_claim_left_by_a_dead_process_is_taken_over(store, fake_slack):
    team, user = new_id("T"), new_id("U")
    plan_notes(store, team, [user], useful=timedelta(hours=2))
    with store.write() as session:
        assert len(queue.claim(session, worker="dead-process", now=T0, team_id=team)) == 1
    worker = dispatcher(store, fake_slack)
    assert worker.run_due(T0 + timedelta(minutes=1), team_id=team).handled == 0  # still leased
    assert worker.run_due(T0 + queue.LEASE + timedelta(minutes=1), team_id=team).sent == 1


def _start_worker(store, fake_slack, team: str, name: str, now: datetime) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler.worker", store.engine.url.render_as_string(hide_password=False), fake_slack.url, now.isoformat(), team, name],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def claimed_by(store, team_id: str, worker: str) -> int:
    return sum(1 for job in jobs_of(store, team_id) if job.claimed_by == worker)


def test_two_scheduler_processes_send_each_item_exactly_once(store, fake_slack):
    team, users = new_id("T"), [new_id("U") for _ in range(300)]
    plan_notes(store, team, users)
    # Slack's answers wait until each process holds work of its own: without that, the first could
    # send all 300 before the second has started.
    fake_slack.hold("chat.postMessage")
    try:
        first = _start_worker(store, fake_slack, team, "first", T0)
        eventually(lambda: claimed_by(store, team, "first") > 0, timeout=60)
        second = _start_worker(store, fake_slack, team, "second", T0)
        eventually(lambda: claimed_by(store, team, "second") > 0, timeout=60)
    finally:
        fake_slack.release("chat.postMessage")
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    sent = [int(out.strip().rsplit("sent=", 1)[1]) for out, _ in outputs]
    assert sum(sent) == 300 and all(count > 0 for count in sent)  # both did part of the work
    assert dms_to(fake_slack, users) == {user: 1 for user in users}
    assert {job.status for job in jobs_of(store, team)} == {"sent"}


def test_a_restart_in_the_middle_of_a_fan_out_loses_nothing_and_repeats_nothing(store, fake_slack):
    team, users = new_id("T"), [new_id("U") for _ in range(200)]
    plan_notes(store, team, users)
    fake_slack.set_delay("chat.postMessage", 0.02)
    try:
        first = _start_worker(store, fake_slack, team, "before-restart", T0)
        # Stopped in the middle of the fan-out: once at least 40 of the 200 DMs have gone out.
        eventually(lambda: sum(dms_to(fake_slack, users).values()) >= 40, timeout=60)
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=60)
        sent_before = int(out.strip().rsplit("sent=", 1)[1])
        assert 0 < sent_before < 200, err
        second = _start_worker(store, fake_slack, team, "after-restart", T0)
        out, err = second.communicate(timeout=120)
    finally:
        fake_slack.set_delay("chat.postMessage", None)
    assert int(out.strip().rsplit("sent=", 1)[1]) == 200 - sent_before, err
    assert dms_to(fake_slack, users) == {user: 1 for user in users}
