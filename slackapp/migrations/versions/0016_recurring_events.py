"""recurring events: series of occurrences, going to all

Revision ID: 0016
Revises: 0015
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('local_start', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('times', sa.Integer(), nullable=True),
    sa.Column('announce_days', sa.Integer(), server_default='7', nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('online_link', sa.String(length=2000), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('next_occurrence', sa.Integer(), nullable=False),
    sa.Column('next_announce_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_series'))
    )
    op.create_index('ix_event_series_due', 'event_series', ['status', 'next_announce_at'])
    op.create_table('event_series_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['event_series.id'], name=op.f('fk_event_series_members_series_id_event_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_series_members')),
    sa.UniqueConstraint('series_id', 'user_id', name=op.f('uq_event_series_members_series_id_user_id'))
    )
    op.create_index('ix_event_series_members_team_user', 'event_series_members', ['team_id', 'user_id'])
    # Plain ADD COLUMN, not batch (see 0012): no table is rebuilt.
    op.add_column('events', sa.Column('series_id', sa.Integer(), nullable=True))
    op.add_column('events', sa.Column('occurrence', sa.Integer(), nullable=True))
    op.create_index('ux_events_series_occurrence', 'events', ['series_id', 'occurrence'], unique=True)


def downgrade() -> None:
    op.drop_index('ux_events_series_occurrence', table_name='events')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('occurrence')
        batch_op.drop_column('series_id')
    op.drop_index('ix_event_series_members_team_user', table_name='event_series_members')
    op.drop_table('event_series_members')
    op.drop_index('ix_event_series_due', table_name='event_series')
    op.drop_table('event_series')
