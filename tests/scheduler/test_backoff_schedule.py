"""The exact retry schedule when Slack can't be reached or answers with a server error: the first retry
comes about a second after the first try (most server errors pass that fast), the next 10 s after
the second, each later wait doubles, and the seventh failed try is the last. Every wait is spread by
up to a quarter either way at random, so that many messages failing at once don't retry at once.

The clock is moved by hand (every time here is the `now` handed to the sender), and Slack is a stub
client in this process that always fails, so nothing is waited for and nothing leaves the process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import select

from slackapp.db import Store
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import BACKOFF_CAP, Dispatcher, Outgoing, backoff
from slackapp.scheduler.models import Job
from tests.conftest import new_id

pytestmark = pytest.mark.fast

T0 = datetime(2033, 5, 2, 9, 0, tzinfo=UTC)
# What the schedule must be: waits after the 1st, 2nd, ... 6th failed try, each give or take a
# quarter; the 7th gives up.
SCHEDULE = [timedelta(seconds=s) for s in (1, 10, 20, 40, 80, 160)]
JITTER = 0.25
TRIES = 7


class Unreachable(WebClient):
    """Slack that never takes a message: the network fails, or Slack answers 503."""

    def __init__(self, how: str):
        super().__init__(token="xoxb-unreachable", base_url="http://127.0.0.1:9/")
        self.how = how
        self.tries = 0

    def chat_postMessage(self, **kwargs):
        self.tries += 1
        if self.how == "network":
            raise ConnectionRefusedError("Slack is unreachable")
        response = SlackResponse(
            client=self,
            http_verb="POST",
            api_url="chat.postMessage",
            req_args={},
            data={"ok": False, "error": "service_unavailable"},
            headers={},
            status_code=503,
        )
        raise SlackApiError("service_unavailable", response)


def render_note(session, job, now) -> Outgoing:
    return Outgoing(channel=job.target, text="note")


@pytest.fixture
def store(migrated_url):
    built = Store.from_url(migrated_url)
    yield built
    built.dispose()


def the_job(store, team: str) -> Job:
    with store.read() as session:
        [job] = session.scalars(select(Job).where(Job.team_id == team))
        return job


@pytest.mark.parametrize("how", ["network", "server-error"])
def test_retries_wait_a_second_then_10s_doubling_and_give_up_after_the_seventh_try(store, how):
    team, user = new_id("T"), new_id("U")
    with store.write() as session:
        queue.plan(session, team_id=team, kind="note", key=f"note:{user}", target=user, due_at=T0, expires_at=T0 + timedelta(days=1))
    slack = Unreachable("network" if how == "network" else "503")
    sender = Dispatcher(store, slack, renderers={"note": render_note}, worker=new_id("w"), senders=1, per_second=0)
    try:
        moment, waits, reasons = T0, [], []
        for attempt in range(1, TRIES + 1):
            # Not a moment before the retry is due ...
            if attempt > 1:
                assert sender.run_due(moment - timedelta(milliseconds=1), team_id=team).handled == 0
            # ... and then exactly one try.
            sender.run_due(moment, team_id=team)
            assert slack.tries == attempt
            job = the_job(store, team)
            assert job.attempts == attempt
            if job.status != "pending":
                break
            waits.append(job.next_attempt_at - moment)
            reasons.append(job.reason)
            moment = job.next_attempt_at
    finally:
        sender.shutdown()

    assert len(waits) == len(SCHEDULE)
    for wait, nominal in zip(waits, SCHEDULE):
        assert nominal * (1 - JITTER) <= wait <= nominal * (1 + JITTER), (wait, nominal)
    assert [reason.rsplit("; ", 1)[1] for reason in reasons] == [f"attempt {n} of {TRIES}" for n in range(1, TRIES)]
    assert job.status == "failed" and f"gave up after {TRIES} attempts" in job.reason
    assert (slack.tries, job.attempts) == (TRIES, TRIES)


def test_messages_failing_together_retry_spread_out(store):
    """A fan-out that meets a server error retries within about a second, but not all at one moment."""
    team = new_id("T")
    users = [new_id("U") for _ in range(20)]
    with store.write() as session:
        for user in users:
            queue.plan(session, team_id=team, kind="note", key=f"note:{user}", target=user, due_at=T0, expires_at=T0 + timedelta(days=1))
    slack = Unreachable("503")
    sender = Dispatcher(store, slack, renderers={"note": render_note}, worker=new_id("w"), senders=4, per_second=0)
    try:
        sender.run_due(T0, team_id=team)
    finally:
        sender.shutdown()
    with store.read() as session:
        retries = list(session.scalars(select(Job.next_attempt_at).where(Job.team_id == team)))
    assert slack.tries == len(users) and len(retries) == len(users)
    assert all(T0 + SCHEDULE[0] * (1 - JITTER) <= at <= T0 + SCHEDULE[0] * (1 + JITTER) for at in retries)
    assert len(set(retries)) > len(users) // 2


def test_the_jitter_is_a_quarter_either_way_at_most_and_the_cap_holds():
    for tries, nominal in enumerate(SCHEDULE, start=1):
        assert backoff(tries, lambda: -1.0) == nominal * (1 - JITTER)
        assert backoff(tries, lambda: 0.0) == nominal
        assert backoff(tries, lambda: 1.0) == nominal * (1 + JITTER)
    # Were more tries allowed, no wait would pass the cap.
    assert backoff(12, lambda: 1.0) == BACKOFF_CAP
