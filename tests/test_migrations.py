"""Migrations, not create_all: the schema Alembic builds is exactly the one the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from slackapp.models import metadata

pytestmark = pytest.mark.fast


def test_the_migrated_schema_matches_the_models(migrated):
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    # The full-text index and its triggers are made by hand in the migrations; they have no model.
    relevant = [diff for diff in differences if "leads_fts" not in str(diff) and "search_vector" not in str(diff)]
    assert relevant == []


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
