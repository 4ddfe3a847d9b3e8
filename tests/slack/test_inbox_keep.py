"""Kept events share their transactions under a storm, and each request returns only once its own
event is committed (slackapp.slack.inbox.keep)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from slackapp.db import Store
from slackapp.slack import inbox
from tests.conftest import new_id


@pytest.fixture
def stores(migrated_url):
    keeping, checking = Store.from_url(migrated_url), Store.from_url(migrated_url)
    yield keeping, checking
    keeping.dispose()
    checking.dispose()


def stored(store: Store, team: str, event_id: str | None = None) -> int:
    with store.read() as session:
        query = select(func.count()).select_from(inbox.InboxEvent).where(inbox.InboxEvent.team_id == team)
        if event_id is not None:
            query = query.where(inbox.InboxEvent.event_id == event_id)
        return session.scalar(query)


def test_a_storm_of_events_is_kept_each_before_its_answer(stores):
    keeping, checking = stores
    team = new_id("T")
    seen_at_return: list[int] = []
    failures: list[BaseException] = []

    def request(index: int) -> None:
        try:
            event_id = f"Ev{index:04d}"
            # A retry of the same event, in flight at the same time, is kept once.
            inbox.keep(keeping, team_id=team, event_id=event_id, body={"event_id": event_id, "n": index})
            seen_at_return.append(stored(checking, team, event_id))
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=request, args=(index % 150,)) for index in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert seen_at_return == [1] * 200
    assert stored(checking, team) == 150


def test_when_the_store_fails_every_waiting_request_fails(stores, monkeypatch):
    keeping, checking = stores
    team = new_id("T")
    gate = threading.Event()
    calls = []
    real_insert = inbox._insert

    def failing(store, rows, **_):
        calls.append(len(rows))
        gate.wait(10)  # hold the first batch so that the others queue up behind it
        raise OSError("disk full")

    monkeypatch.setattr(inbox, "_insert", failing)
    outcomes: list[str] = []

    def request(index: int) -> None:
        try:
            inbox.keep(keeping, team_id=team, event_id=f"Ev{index}", body={})
            outcomes.append("kept")
        except OSError:
            outcomes.append("failed")

    threads = [threading.Thread(target=request, args=(index,)) for index in range(10)]
    threads[0].start()
    while not calls:
        threading.Event().wait(0.001)
    for thread in threads[1:]:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == ["failed"] * 10
    assert sum(calls) == 10 and len(calls) >= 2  # the ones queued behind the first went in later batches
    monkeypatch.setattr(inbox, "_insert", real_insert)
    inbox.keep(keeping, team_id=team, event_id="EvAfter", body={})
    assert stored(checking, team) == 1


def storm_of_two(keeping: Store, monkeypatch, team: str, *, gap: float) -> tuple[list[threading.Thread], threading.Event]:
    """Two events, the second arriving while the first is being kept (held until `release` is set):
    a storm, whose pause is `gap` long. Returns the two requests' threads and `release`."""
    first_in, release = threading.Event(), threading.Event()
    real_insert = inbox._insert

    def slow_first(store, rows, **options):
        first_in.set()
        release.wait(10)
        real_insert(store, rows, **options)

    monkeypatch.setattr(inbox, "_insert", slow_first)
    monkeypatch.setattr(inbox, "STORM_GAP", gap)
    threads = [threading.Thread(target=inbox.keep, args=(keeping,), kwargs={"team_id": team, "event_id": f"Ev{n}", "body": {"n": n}}) for n in (1, 2)]
    threads[0].start()
    assert first_in.wait(10)
    threads[1].start()
    while inbox._keeper(keeping)._in_flight < 2:
        threading.Event().wait(0.001)
    assert inbox._keeper(keeping).storm_underway()
    return threads, release


def test_a_storm_is_handled_once_it_pauses(stores, monkeypatch):
    """Events arriving while others are being kept wait; when the storm pauses they are handled."""
    keeping, _ = stores
    # A pause as long as the test: the storm can't end before the test says so.
    threads, release = storm_of_two(keeping, monkeypatch, new_id("T"), gap=60.0)
    release.set()
    for thread in threads:
        thread.join(10)
    handled = []

    def handle(session, body):
        handled.append(body["n"])

    assert inbox._keeper(keeping).storm_underway()
    assert inbox.handle_waiting(keeping, handle, worker="w1") == 0 and handled == []
    monkeypatch.setattr(inbox, "STORM_GAP", 0.0)  # the pause
    assert not inbox._keeper(keeping).storm_underway()
    for _ in range(100):  # other tests' events of this database may come first
        if {1, 2} <= set(handled):
            break
        assert inbox.handle_waiting(keeping, handle, worker="w1", limit=500)
    assert {1, 2} <= set(handled)


def test_the_sender_is_told_when_a_storm_ends(stores, monkeypatch):
    keeping, _ = stores
    team = new_id("T")
    told = threading.Event()

    def hook(flags):
        # Commits during the storm may tell too (the first began before it); the storm's end must.
        if inbox.KEPT in flags and not inbox._keeper(keeping).storm_underway():
            told.set()

    threads, release = storm_of_two(keeping, monkeypatch, team, gap=0.5)
    keeping.on_commit(hook)
    release.set()
    for thread in threads:
        thread.join(10)
    assert told.wait(5), "the sender was never told the storm had ended"
    assert not inbox._keeper(keeping).storm_underway()
