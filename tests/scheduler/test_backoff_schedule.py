"""The exact retry schedule when Slack can't be reached or answers with a server error: the first retry
comes 10 s after the first try, each later wait doubles, and the sixth failed try is the last.

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
from slackapp.scheduler.dispatch import Dispatcher, Outgoing
from slackapp.scheduler.models import Job
from tests.conftest import new_id

pytestmark = pytest.mark.fast

T0 = datetime(2033, 5, 2, 9, 0, tzinfo=UTC)
# What the schedule must be: waits after the 1st, 2nd, ... 5th failed try; the 6th gives up.
SCHEDULE = [timedelta(seconds=s) for s in (10, 20, 40, 80, 160)]
TRIES = 6


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
def test_retries_wait_10s_then_double_and_give_up_after_the_sixth_try(store, how):
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
                assert sender.run_due(moment - timedelta(seconds=1), team_id=team).handled == 0
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

    assert waits == SCHEDULE
    assert [reason.rsplit("; ", 1)[1] for reason in reasons] == [f"attempt {n} of {TRIES}" for n in range(1, TRIES)]
    assert job.status == "failed" and f"gave up after {TRIES} attempts" in job.reason
    assert (slack.tries, job.attempts) == (TRIES, TRIES)
