"""inbox: events kept before they are acknowledged, handled in batches after

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
    sa.UniqueConstraint('team_id', 'event_id', name=op.f('uq_inbox_team_id_event_id'))
    )
    # The handler looks for waiting events only.
    op.create_index('ix_inbox_waiting', 'inbox', ['id'], postgresql_where=sa.text('done_at IS NULL'), sqlite_where=sa.text('done_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_inbox_waiting', table_name='inbox')
    op.drop_table('inbox')
