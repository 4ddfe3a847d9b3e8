"""followed events: a company's new events reach its followers; series dates keep their employer

Revision ID: 0019
Revises: 0018
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('events', sa.Column('alerts_matched_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('event_series', sa.Column('employer', sa.String(length=100), nullable=True))
    unmatched = sa.text('alerts_matched_at IS NULL')
    op.create_index('ix_events_unmatched', 'events', ['team_id'], sqlite_where=unmatched, postgresql_where=unmatched)
    # Follows are for what is new from now on: no event made before this revision is sent.
    events = sa.table('events', sa.column('alerts_matched_at'))
    op.execute(events.update().values(alerts_matched_at=sa.func.current_timestamp()))


def downgrade() -> None:
    op.drop_index('ix_events_unmatched', table_name='events')
    with op.batch_alter_table('event_series', schema=None) as batch_op:
        batch_op.drop_column('employer')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('alerts_matched_at')
