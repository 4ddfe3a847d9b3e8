"""Planning work under a key that was already sent (or otherwise settled) plans nothing: `plan`
answers False, the row stays exactly as it was, and nothing is sent again. Only cancelled work can be
planned anew (a check-in turned off, then on again).

Planners run every turn of the clock and plan the same keys over and over; this is what keeps a DM
from going out twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from slackapp.db import Store
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Dispatcher, Outgoing
from slackapp.scheduler.models import Job, JobStatus
from tests.conftest import new_id

pytestmark = pytest.mark.fast

T0 = datetime(2033, 6, 6, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)
KIND = "note"


def plan(session, team: str, key: str, *, due=T0, payload=None) -> bool:
    return queue.plan(session, team_id=team, kind=KIND, key=key, target="UTARGET", due_at=due, expires_at=due + timedelta(days=1), payload=payload or {"text": "first"})


def row(session, team: str, key: str) -> dict:
    session.expire_all()
    job = session.scalar(select(Job).where(Job.team_id == team, Job.key == key))
    return {attribute.key: getattr(job, attribute.key) for attribute in Job.__mapper__.column_attrs}


def settle(session, team: str, key: str, status: JobStatus) -> None:
    """Take the job as a sender would, and record how it ended (or leave it being sent)."""
    [job] = queue.claim(session, worker="sender", now=T0, team_id=team)
    assert job.key == key
    if status is not JobStatus.claimed:
        assert queue.finish(session, job_id=job.id, worker="sender", status=status, now=T0, reason=f"was {status.value}", channel="C1", ts="111.222")


@pytest.mark.parametrize("status", [JobStatus.sent, JobStatus.skipped, JobStatus.dropped, JobStatus.failed, JobStatus.claimed], ids=lambda status: status.value)
def test_planning_settled_work_again_plans_nothing_and_leaves_it_as_it_was(session, status):
    team, key = new_id("T"), f"note:{new_id('k')}"
    assert plan(session, team, key) is True
    settle(session, team, key, status)
    before = row(session, team, key)

    # Planned again later, due again later, with new content: nothing planned.
    assert plan(session, team, key, due=LATER, payload={"text": "second"}) is False
    assert row(session, team, key) == before
    # Nothing new to send: settled work is never due again, and work being sent stays its sender's
    # (until its lease runs out, which is another rule).
    when = T0 + queue.LEASE - timedelta(seconds=1) if status is JobStatus.claimed else LATER + timedelta(days=2)
    assert queue.claim(session, worker="another", now=when, team_id=team) == []
    assert queue.is_waiting(session, team_id=team, key=key) is (status is JobStatus.claimed)


def test_planning_pending_work_again_keeps_the_first_plan(session):
    team, key = new_id("T"), f"note:{new_id('k')}"
    assert plan(session, team, key) is True
    before = row(session, team, key)
    assert plan(session, team, key, due=LATER, payload={"text": "second"}) is False
    assert row(session, team, key) == before


def test_cancelled_work_is_planned_anew(session):
    team, key = new_id("T"), f"note:{new_id('k')}"
    plan(session, team, key)
    assert queue.cancel(session, team_id=team, kind=KIND, key_prefix="note:", reason="turned off", now=T0) == 1
    assert plan(session, team, key, due=LATER, payload={"text": "second"}) is True
    again = row(session, team, key)
    assert (again["status"], again["due_at"], again["payload"], again["attempts"]) == ("pending", LATER, {"text": "second"}, 0)


# ---- through the sender: nothing goes out twice ---------------------------------------------------


class RecordingSlack(WebClient):
    """Slack in this process: takes every message and remembers it."""

    def __init__(self):
        super().__init__(token="xoxb-recording", base_url="http://127.0.0.1:9/")
        self.posted: list[dict] = []

    def chat_postMessage(self, **kwargs):
        self.posted.append(kwargs)
        return {"ok": True, "channel": kwargs["channel"], "ts": f"{1_900_000_000 + len(self.posted)}.000100"}


def render(session, job, now) -> Outgoing:
    return Outgoing(channel=job.target, text=job.payload["text"])


@pytest.fixture
def store(migrated_url):
    built = Store.from_url(migrated_url)
    yield built
    built.dispose()


def test_work_already_sent_is_not_sent_again_when_planned_again(store):
    team, key = new_id("T"), f"note:{new_id('k')}"
    slack = RecordingSlack()
    sender = Dispatcher(store, slack, renderers={KIND: render}, worker=new_id("w"), senders=1, per_second=0)
    try:
        with store.write() as session:
            assert plan(session, team, key) is True
        assert sender.run_due(T0, team_id=team).sent == 1
        with store.read() as session:
            sent = row(session, team, key)
        assert sent["status"] == "sent" and len(slack.posted) == 1

        with store.write() as session:
            planned_again = plan(session, team, key, due=LATER, payload={"text": "second"})
        handled = [sender.run_due(LATER, team_id=team).handled, sender.run_due(LATER + timedelta(hours=2), team_id=team).handled]
    finally:
        sender.shutdown()

    assert [message["text"] for message in slack.posted] == ["first"]
    assert handled == [0, 0]
    assert planned_again is False
    with store.read() as session:
        assert row(session, team, key) == sent
