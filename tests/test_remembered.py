"""What the store remembers (slackapp.cache) lasts until a committed write changes a table it was
read from, whichever process wrote (slackapp.changes)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import event, select, text, update

from slackapp import changes
from slackapp.db import Store, upgrade
from slackapp.habit.models import HabitMember
from slackapp.leads import service as leads
from slackapp.leads.models import Lead, LeadType
from tests.conftest import new_id

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def stores(migrated_url):
    """Two stores on one database, each with its own engine and connections, as two processes have."""
    first, second = Store.from_url(migrated_url), Store.from_url(migrated_url)
    for store in (first, second):
        if isinstance(store.generations, changes.Listening):
            assert store.generations.wait_listening(10), "not listening to the store's notifications"
    yield first, second
    first.dispose()
    second.dispose()


def add_lead(store: Store, team_id: str, role: str = "Analyst", *, heard_by: Store | None = None) -> int:
    """A new lead; with `heard_by`, once that store has heard of it."""
    before = generation(heard_by, "leads") if heard_by else None
    draft = leads.LeadDraft(company="Acme", role=role, url=f"https://acme.example/{new_id('j')}", kind=LeadType.internship)
    with store.write() as session:
        lead_id = leads.create_lead(session, team_id=team_id, user_id="UPOSTER", draft=draft).id
    if heard_by:
        wait_for_change(heard_by, "leads", before)
    return lead_id


class Counted:
    """Counts how often the store really computed a value."""

    def __init__(self, store: Store, team_id: str):
        self.store, self.team_id, self.computed = store, team_id, 0

    def roles(self) -> list[str]:
        return self.store.remember(("test.roles", self.team_id), self._read)

    def _read(self) -> list[str]:
        self.computed += 1
        with self.store.read() as session:
            return list(session.scalars(select(Lead.role).where(Lead.team_id == self.team_id).order_by(Lead.id)))


def wait_for_change(store: Store, table: str, before: int) -> None:
    """Until `store` has heard of a write to `table` (at once on SQLite; a notification on PostgreSQL)."""
    slot = changes.slot_of(table)
    for _ in range(1000):
        vector = store.generations.vector()
        if vector is not None and store.generations.at(slot, vector) != before:
            return
        time.sleep(0.01)
    raise AssertionError(f"never heard of the write to {table}")


def generation(store: Store, table: str) -> int:
    vector = store.generations.vector()
    assert vector is not None
    return store.generations.at(changes.slot_of(table), vector)


def test_remembered_until_another_store_writes_what_it_read(stores):
    reader, writer = stores
    team = new_id("T")
    add_lead(writer, team, "First", heard_by=reader)
    counted = Counted(reader, team)
    assert counted.roles() == ["First"]
    assert counted.roles() == ["First"] and counted.computed == 1

    add_lead(writer, team, "Second", heard_by=reader)
    assert counted.roles() == ["First", "Second"] and counted.computed == 2


def test_a_write_to_another_table_or_one_rolled_back_keeps_it(stores):
    reader, writer = stores
    team = new_id("T")
    add_lead(writer, team, heard_by=reader)
    counted = Counted(reader, team)
    counted.roles()

    before = generation(reader, "habit_members")
    with writer.write() as session:
        session.add(HabitMember(team_id=team, user_id="U1"))
    wait_for_change(reader, "habit_members", before)
    with pytest.raises(RuntimeError), writer.write() as session:
        session.execute(update(Lead).where(Lead.team_id == team).values(role="Never"))
        raise RuntimeError("changed my mind")
    assert counted.roles() == ["Analyst"] and counted.computed == 1


def test_the_writing_store_sees_its_own_write_at_once(stores):
    store, _ = stores
    team = new_id("T")
    counted = Counted(store, team)
    assert counted.roles() == []
    add_lead(store, team, "Mine")
    assert counted.roles() == ["Mine"]


def test_a_delete_that_cascades_changes_the_rows_it_takes_along(stores):
    reader, writer = stores
    team = new_id("T")
    lead_id = add_lead(writer, team)
    before = generation(reader, "saved_leads")
    with writer.write() as session:
        leads.save_lead(session, team_id=team, user_id="USAVER", lead_id=lead_id)
    wait_for_change(reader, "saved_leads", before)

    def saved() -> int:
        with reader.read() as session:
            return session.scalar(text("SELECT count(*) FROM saved_leads WHERE team_id = :team"), {"team": team})

    assert reader.remember(("test.saved", team), saved) == 1
    before = generation(reader, "saved_leads")
    with writer.write() as session:
        session.execute(Lead.__table__.delete().where(Lead.id == lead_id))
    wait_for_change(reader, "saved_leads", before)
    assert reader.remember(("test.saved", team), saved) == 0


def test_a_write_by_another_process_is_seen(migrated_url, tmp_path):
    """A real second process (a subprocess with its own Store) writes; this one sees it."""
    reader = Store.from_url(migrated_url)
    try:
        if isinstance(reader.generations, changes.Listening):
            assert reader.generations.wait_listening(10)
        team = new_id("T")
        counted = Counted(reader, team)
        assert counted.roles() == []
        before = generation(reader, "leads")
        script = textwrap.dedent(
            f"""
            from slackapp.db import Store
            from tests.test_remembered import add_lead
            store = Store.from_url({migrated_url!r})
            add_lead(store, {team!r}, "From elsewhere")
            store.dispose()
            """
        )
        subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO, timeout=60)
        wait_for_change(reader, "leads", before)
        assert counted.roles() == ["From elsewhere"] and counted.computed == 2
    finally:
        reader.dispose()


def test_nothing_is_remembered_while_postgresql_is_not_listening(migrated_url):
    store = Store.from_url(migrated_url)
    try:
        if not isinstance(store.generations, changes.Listening):
            pytest.skip("SQLite needs no listener")
        store.generations.close()  # stops listening, as a dropped connection does
        counted = Counted(store, new_id("T"))
        counted.roles()
        counted.roles()
        assert counted.computed == 2
    finally:
        store.dispose()


@pytest.mark.fast
def test_statements_name_the_tables_they_read_and_write():
    assert changes.statement_tables('SELECT leads.id FROM leads JOIN "saved_leads" ON 1 = 1') == (frozenset({"leads", "saved_leads"}), False)
    assert changes.statement_tables("INSERT INTO inbox (team_id) VALUES (?) ON CONFLICT DO NOTHING") == (frozenset({"inbox"}), True)
    assert changes.statement_tables("UPDATE leads SET closed_at=? WHERE leads.id = ?")[1] is True
    assert changes.statement_tables("DELETE FROM officers WHERE team_id = ?") == (frozenset({"officers"}), True)
    # Reading a column named like updated_at is not a write.
    assert changes.statement_tables("SELECT updated_at FROM workspaces")[1] is False
    assert changes.statement_tables("ALTER TABLE leads ADD COLUMN x INTEGER") == (frozenset({changes.EVERYTHING}), True)


@pytest.mark.fast
def test_a_write_changes_what_the_database_changes_along_with_it():
    assert {"saved_leads", "leads_fts"} <= changes.affected({"leads"})
    assert "micro_bids" in changes.affected({"micro_projects"})
    assert changes.affected({"habit_members"}) == {"habit_members"}


def test_every_sqlite_trigger_is_known(tmp_path):
    """A trigger writes a table without a statement naming it: MAINTAINED_BY_TRIGGERS must say so."""
    store = Store.from_url(f"sqlite:///{tmp_path / 'triggers.db'}")
    try:
        upgrade(store.engine)
        with store.read() as session:
            triggers = session.execute(text("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    finally:
        store.dispose()
    assert triggers
    for table, sql in triggers:
        written = {name.lower() for name in changes._NAMED.findall(sql.split(" BEGIN", 1)[1])}
        assert written <= changes.affected({table}), (table, written)


def test_the_list_is_answered_from_memory_until_a_lead_changes(stores):
    """/internships' answer: remembered per member (no query at all), new after a change to the leads."""
    from slackapp.club.context import Club
    from slackapp.club.officers import Officers
    from slackapp.leads.handlers.browse import lead_list

    store, writer = stores
    team = new_id("T")
    add_lead(writer, team, "Remembered", heard_by=store)

    class NoDirectory:
        def cached(self, team_id, user_id):
            return None

    def club() -> Club:
        """What each request gets: a new Club."""
        officers = Officers(configured=frozenset(), store=store, directory=NoDirectory())
        return Club(team_id=team, store=store, officers=officers, directory=NoDirectory(), user_id="UMEMBER")

    first = lead_list(club(), store, "UMEMBER", leads.Query())
    statements = []

    def count(connection, cursor, statement, *rest):
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        again = lead_list(club(), store, "UMEMBER", leads.Query())
        assert again is first and statements == []
        before = generation(store, "leads")
        with writer.write() as session:
            session.execute(update(Lead).where(Lead.team_id == team).values(role="Renamed"))
        wait_for_change(store, "leads", before)
        changed = lead_list(club(), store, "UMEMBER", leads.Query())
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert statements, "the changed list was read again"
    assert "Renamed" in changed.json() and "Renamed" not in first.json()
