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
