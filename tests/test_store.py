"""The store's transactions: reads outside one, writes in one, on both stores (slackapp.db.Store)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from slackapp.club.models import Workspace
from slackapp.db import Store
from tests.conftest import new_id


@pytest.fixture
def store(migrated_url):
    store = Store.from_url(migrated_url)
    yield store
    store.dispose()


def _stored(store: Store, team: str) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(Workspace).where(Workspace.team_id == team))


def test_a_write_that_fails_leaves_nothing_and_one_that_ends_is_kept(store):
    failed, kept = new_id("T"), new_id("T")
    with pytest.raises(RuntimeError), store.write() as session:
        session.add(Workspace(team_id=failed))
        session.flush()
        raise RuntimeError("the listener failed after its first statement")
    with store.write() as session:
        session.add(Workspace(team_id=kept))

    assert (_stored(store, failed), _stored(store, kept)) == (0, 1)


def test_postgresql_reads_run_outside_a_transaction_and_writes_inside_one(store):
    if store.dialect != "postgresql":
        pytest.skip("SQLite's reads take no BEGIN by the engine's own recipe (slackapp.db)")

    def autocommit(session) -> bool:
        return session.connection().connection.driver_connection.autocommit

    with store.read() as session:
        assert autocommit(session)
    with store.write() as session:
        assert not autocommit(session)
    # The connection a write had goes back to the pool in the readers' mode.
    with store.read() as session:
        assert autocommit(session)
    assert store.engine.pool.checkedin() == 1

    # Migrations and anything else given store.engine get PostgreSQL's transactions, as from any engine.
    team = new_id("T")
    with store.engine.connect() as connection:
        connection.execute(Workspace.__table__.insert().values(team_id=team, timezone="UTC"))
        connection.rollback()
    assert _stored(store, team) == 0


def test_writers_of_one_process_queue_on_sqlite_and_not_on_postgresql(store):
    """SQLite takes one writer at a time, so the store queues this process's writers itself (no
    sleeping in SQLite's busy handler); PostgreSQL locks rows, so a write of other rows goes ahead
    while one is open."""
    second_done = threading.Event()
    first_team, second_team = new_id("T"), new_id("T")

    def second():
        with store.write() as session:
            session.add(Workspace(team_id=second_team))
        second_done.set()

    with store.write() as session:
        session.add(Workspace(team_id=first_team))
        session.flush()
        writer = threading.Thread(target=second)
        writer.start()
        if store.dialect == "postgresql":
            assert second_done.wait(timeout=30), "the second write waited for the first"
        else:
            # The second writer is queued behind this one: it cannot end before this block does.
            writer.join(timeout=0.5)
            assert not second_done.is_set()
    writer.join(timeout=30)
    assert second_done.is_set() and (_stored(store, first_team), _stored(store, second_team)) == (1, 1)
