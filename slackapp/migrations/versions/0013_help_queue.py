"""help queue: requests for help (resume reviews, mock interviews, advice) and helpers

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=2000), nullable=True),
    sa.Column('availability', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('turn', sa.Integer(), nullable=False),
    sa.Column('helper', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_requests'))
    )
    op.create_index('ix_help_requests_team_status', 'help_requests', ['team_id', 'status'], unique=False)
    op.create_index('ix_help_requests_status_claimed', 'help_requests', ['status', 'claimed_at'], unique=False)
    op.create_table('helpers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('kinds', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpers')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_helpers_team_id_user_id'))
    )
    # Plain ADD COLUMN (a nullable column needs no default), as in 0012.
    op.add_column('workspaces', sa.Column('helpers_channel', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('helpers_channel')
    op.drop_table('helpers')
    op.drop_index('ix_help_requests_status_claimed', table_name='help_requests')
    op.drop_index('ix_help_requests_team_status', table_name='help_requests')
    op.drop_table('help_requests')
