"""Migrations, not create_all: the schema Alembic builds is exactly the one the models describe."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from slackapp.events.models import Event
from slackapp.models import metadata, modelled

pytestmark = pytest.mark.fast


def test_the_migrated_schema_matches_the_models(migrated):
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False, "include_object": modelled})
        assert compare_metadata(context, metadata) == []


def test_the_partial_indexes_no_model_declares_are_made_by_the_migrations(migrated):
    inspector = inspect(migrated)
    made = {
        ("leads", "ix_leads_unmatched"): ["team_id"],
        ("micro_projects", "ix_micro_projects_unmatched"): ["team_id"],
        ("events", "ix_events_unmatched"): ["team_id"],
        ("inbox", "ix_inbox_waiting"): ["id"],
    }
    for (table, name), columns in made.items():
        assert {index["name"]: index["column_names"] for index in inspector.get_indexes(table)}.get(name) == columns, name


def test_a_deleted_events_number_is_never_handed_to_a_new_event(session):
    """Old buttons and messages carry an event's number. On SQLite that takes the AUTOINCREMENT
    the migration makes (the model leaves it out, see Event); PostgreSQL's sequences never go back."""

    def add() -> int:
        at = datetime(2030, 1, 1, 18, tzinfo=UTC)
        event = Event(team_id="TNUMBERS", title="Meet the Firm Night", starts_at=at, ends_at=at, created_by="UOFFICER")
        session.add(event)
        session.flush()
        return event.id

    first = add()
    session.delete(session.get(Event, first))
    session.flush()
    assert add() > first


def test_the_app_and_its_models_load_no_store_dialect_until_asked():
    """A worker doesn't carry the other store's dialect (bench/idle_rss): nothing the models
    declare, and no module's imports, need PostgreSQL's dialect and drivers or SQLite's dialect."""
    code = (
        "import sys, slackapp.app, slackapp.models, slackapp.db;"
        "before = sorted(m for m in sys.modules if m.startswith(('sqlalchemy.dialects.', 'psycopg')));"
        "slackapp.db.dialect_insert('postgresql');"
        "print(before, 'sqlalchemy.dialects.postgresql' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.split() == ["[]", "True"]


def test_every_revision_message_is_one_line():
    """Alembic logs each revision's message as the app starts; the operator's output (and the tests
    that read it for the one line an error makes) count lines, so a message is one line."""
    import ast
    from pathlib import Path

    import slackapp

    versions = Path(slackapp.__file__).parent / "migrations" / "versions"
    for path in sorted(versions.glob("*.py")):
        message = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False).split("\n\n")[0]
        assert "\n" not in message.strip(), path.name
