"""Kept events: stored once before their answer, done once, and handed over again when their
listener never finished (slackapp.slack.inbox)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from slackapp.db import Store, utcnow
from slackapp.slack import inbox
from tests.conftest import new_id


@pytest.fixture
def store(migrated_url):
    store = Store.from_url(migrated_url)
    yield store
    store.dispose()


def keep(store: Store, team: str, event_id: str) -> bool:
    return inbox.Keeper(store).keep(team_id=team, event_id=event_id, body={"event_id": event_id, "team": team})


def row(store: Store, team: str, event_id: str) -> inbox.InboxEvent:
    with store.read() as session:
        return session.scalar(select(inbox.InboxEvent).where(inbox.InboxEvent.team_id == team, inbox.InboxEvent.event_id == event_id))


def mine(bodies: list[dict], team: str) -> list[str]:
    return [body["event_id"] for body in bodies if body.get("team") == team]


def test_an_event_is_kept_once_and_slacks_retry_is_told_apart(store):
    team = new_id("T")
    assert keep(store, team, "Ev1") is True
    assert keep(store, team, "Ev1") is False
    # The same event id in another workspace is another event.
    assert keep(store, new_id("T"), "Ev1") is True
    assert row(store, team, "Ev1").done_at is None


def test_an_event_is_done_once(store):
    team = new_id("T")
    keep(store, team, "Ev1")
    with store.write() as session:
        assert inbox.done(session, {"event_id": "Ev1"}, team_id=team) is True
    with store.write() as session:
        assert inbox.done(session, {"event_id": "Ev1"}, team_id=team) is False
    # An event that was never kept (nothing to dedupe on) is always handled.
    with store.write() as session:
        assert inbox.done(session, {}, team_id=team) is True


def test_done_is_undone_with_the_work_it_went_with(store):
    team = new_id("T")
    keep(store, team, "Ev1")
    with pytest.raises(RuntimeError), store.write() as session:
        inbox.done(session, {"event_id": "Ev1"}, team_id=team)
        raise RuntimeError("the listener failed")
    assert row(store, team, "Ev1").done_at is None


def test_only_events_left_undone_for_a_lease_are_handed_over_again(store):
    team = new_id("T")
    keep(store, team, "EvLeft")
    keep(store, team, "EvDone")
    with store.write() as session:
        inbox.done(session, {"event_id": "EvDone"}, team_id=team)
    received = row(store, team, "EvLeft").received_at

    assert mine(inbox.overdue(store, now=received + inbox.LEASE - timedelta(seconds=1)), team) == []
    later = received + inbox.LEASE + timedelta(seconds=1)
    assert mine(inbox.overdue(store, now=later, limit=1000), team) == ["EvLeft"]
    # Claimed: not handed over again until that claim is a lease old.
    assert mine(inbox.overdue(store, now=later + timedelta(seconds=1), limit=1000), team) == []
    assert mine(inbox.overdue(store, now=later + inbox.LEASE + timedelta(seconds=1), limit=1000), team) == ["EvLeft"]
    assert row(store, team, "EvLeft").attempts == 2


def test_an_event_that_keeps_failing_is_given_up_with_the_reason(store):
    team = new_id("T")
    keep(store, team, "EvBad")
    now = utcnow()
    handed = 0
    for attempt in range(inbox.MAX_ATTEMPTS + 2):
        now += inbox.LEASE + timedelta(seconds=1)
        handed += len(mine(inbox.overdue(store, now=now, limit=1000), team))
    assert handed == inbox.MAX_ATTEMPTS
    given_up = row(store, team, "EvBad")
    assert given_up.done_at is not None and "gave up" in given_up.error


def test_an_event_set_aside_is_in_no_batch_and_is_handed_over_alone_a_lease_later(store):
    team = new_id("T")
    for event_id in ("EvMine", "EvFailed", "EvWaiting"):
        inbox.Keeper(store).keep(team_id=team, event_id=event_id, body={"event_id": event_id, "team": team, "event": {"type": "reaction_added"}})
    with store.write() as session:
        inbox.set_aside(session, {"event_id": "EvFailed"}, team_id=team)
    set_aside_at = row(store, team, "EvFailed").claimed_at

    with store.write() as session:
        batch = inbox.with_others_waiting(session, {"event_id": "EvMine"}, team_id=team, types=("reaction_added",))
    assert [body["event_id"] for body in batch] == ["EvMine", "EvWaiting"]
    assert mine(inbox.overdue(store, now=set_aside_at + inbox.LEASE - timedelta(seconds=1), limit=1000), team) == []
    handed = inbox.overdue(store, now=set_aside_at + inbox.LEASE + timedelta(seconds=1), limit=1000)
    assert "EvFailed" in mine(handed, team)


def test_a_storm_of_events_is_kept_together_each_answered_once_its_own_is_written(store):
    team = new_id("T")
    keeper = inbox.Keeper(store)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda n: keeper.keep(team_id=team, event_id=f"Ev{n}", body={"event_id": f"Ev{n}"}), range(200)))
    assert results == [True] * 200
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(inbox.InboxEvent).where(inbox.InboxEvent.team_id == team)) == 200
    # Slack's retries of them, arriving together again.
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert not any(pool.map(lambda n: keeper.keep(team_id=team, event_id=f"Ev{n}", body={}), range(200)))


def test_whoever_writes_a_batch_of_a_storm_has_its_own_event_in_it(store):
    """The request that wrote a batch answers Slack at once: the events that arrived meanwhile are
    written by one of their own requests."""
    team = new_id("T")
    keeper = inbox.Keeper(store)
    batches: list[tuple[str, set[str]]] = []

    def seen(_connection, statement, many, one, _options):
        if getattr(statement, "table", None) is inbox.InboxEvent.__table__:
            batches.append((threading.current_thread().name, {row["event_id"] for row in many or [one]}))

    with store.read() as session:
        sessions_engine = session.get_bind()  # on PostgreSQL not store.engine: sessions read in autocommit
    event.listen(sessions_engine, "before_execute", seen)

    def keep_naming_the_thread(n: int) -> bool:
        return keeper.keep(team_id=team, event_id=f"{threading.current_thread().name}/Ev{n}", body={})

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert all(pool.map(keep_naming_the_thread, range(300)))
    assert sorted(len(ids) for _, ids in batches)[-1] > 1  # the storm did share transactions
    assert sum(len(ids) for _, ids in batches) == 300
    for writer, ids in batches:
        assert any(event_id.startswith(f"{writer}/") for event_id in ids), (writer, sorted(ids))


def test_when_the_store_fails_every_waiting_request_fails(store, monkeypatch):
    keeper = inbox.Keeper(store)

    def broken():
        raise OSError("the disk is gone")

    monkeypatch.setattr(store, "write", broken)
    with pytest.raises(OSError), ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: keeper.keep(team_id="T1", event_id=f"Ev{n}", body={}), range(8)))
