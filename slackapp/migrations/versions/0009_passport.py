"""passport: the club's program, members' claims and choices; events get a category

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('category', sa.String(length=32), server_default='career_events', nullable=False))
    op.create_table('passport_programs',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('program', sa.JSON(), nullable=False),
    sa.Column('updated_by', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_passport_programs'))
    )
    op.create_table('passport_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passport_claims'))
    )
    op.create_index('ix_passport_claims_team_status', 'passport_claims', ['team_id', 'status'])
    op.create_table('passport_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('leaderboard', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passport_members')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_passport_members_team_id_user_id'))
    )


def downgrade() -> None:
    op.drop_table('passport_members')
    op.drop_index('ix_passport_claims_team_status', table_name='passport_claims')
    op.drop_table('passport_claims')
    op.drop_table('passport_programs')
    with op.batch_alter_table('events') as batch:
        batch.drop_column('category')
