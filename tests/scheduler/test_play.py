"""Playing skipped time (the sandbox's "skip ahead"): what falls due in it is sent in due order, each
with `now` at its own due moment, so nothing is dropped as stale for the jump; work already overdue
when playing begins is still judged as after real downtime. The clock is this process's: each test
puts it back."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from slackapp.db import Store, skip_ahead, upgrade, utcnow
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Dispatcher, Outgoing
from slackapp.scheduler.models import Job
from slackapp.scheduler.runner import play
from tests.conftest import STORES, fresh_database, new_id


# A database of its own: playing sends whatever falls due in the store, other tests' work included.
@pytest.fixture(scope="module", params=STORES)
def store(request, tmp_path_factory):
    url = fresh_database(request.param, request, tmp_path_factory)
    built = Store.from_url(url)
    upgrade(built.engine)
    yield built
    built.dispose()


@pytest.fixture
def clock_put_back():
    before = skip_ahead(timedelta(0))
    yield
    skip_ahead(before - skip_ahead(timedelta(0)))


def render_with_its_moment(session, job, now) -> Outgoing:
    return Outgoing(channel=job.target, text=f"{job.payload['name']} at {now.isoformat()}")


def plan_note(store, team: str, user: str, name: str, *, due: datetime, useful: timedelta) -> None:
    with store.write() as session:
        queue.plan(session, team_id=team, kind="note", key=f"note:{name}", target=user, due_at=due, expires_at=due + useful, payload={"name": name})


def test_playing_a_day_sends_what_falls_due_in_it_at_its_own_moment(store, fake_slack, clock_put_back):
    team, user = new_id("T"), new_id("U")
    began = utcnow()
    until = began + timedelta(days=1)
    due = {"first": began + timedelta(hours=1), "second": began + timedelta(hours=5), "last": began + timedelta(hours=23)}
    # Each is useful for minutes only: sent at the day's end, all three would be dropped as stale.
    for name in ("last", "first", "second"):
        plan_note(store, team, user, name, due=due[name], useful=timedelta(minutes=10))
    plan_note(store, team, user, "overdue", due=began - timedelta(hours=2), useful=timedelta(hours=1))
    plan_note(store, team, user, "after", due=until + timedelta(hours=1), useful=timedelta(hours=1))
    # A planner that looks only 2 hours ahead, as the events' reminders look 25 hours ahead.
    late = began + timedelta(hours=20)

    def plan_late(session, now) -> int:
        if now < late - timedelta(hours=2):
            return 0
        return queue.plan(session, team_id=team, kind="note", key="note:planned-late", target=user, due_at=late, expires_at=late + timedelta(minutes=10), payload={"name": "planned-late"})

    worker = Dispatcher(store, WebClient(token="xoxb-test", base_url=fake_slack.url), renderers={"note": render_with_its_moment}, worker=new_id("w"), per_second=0)

    sent = play(store, worker, [plan_late], until=until)

    texts = [call.args["text"] for call in fake_slack.calls_to("chat.postMessage") if call.args["channel"] == user]
    assert texts == [
        f"first at {due['first'].isoformat()}",
        f"second at {due['second'].isoformat()}",
        f"planned-late at {late.isoformat()}",
        f"last at {due['last'].isoformat()}",
    ]
    assert sent.get("note") == 4
    with store.read() as session:
        statuses = {key: status for key, status in session.execute(select(Job.key, Job.status).where(Job.team_id == team))}
    assert statuses["note:overdue"] == "dropped"  # real downtime before the skip stays downtime
    assert statuses["note:after"] == "pending"
    assert utcnow() >= until
