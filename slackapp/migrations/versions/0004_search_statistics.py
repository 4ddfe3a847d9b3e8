"""finer planner statistics for the PostgreSQL text index

Without them the planner guesses ~300 matches for any word it has no statistics on, walks the
newest-first index and, for a word that matches nothing, reads every lead of the workspace.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE leads ALTER COLUMN search_vector SET STATISTICS 1000")
        op.execute("ANALYZE leads")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE leads ALTER COLUMN search_vector SET STATISTICS -1")
