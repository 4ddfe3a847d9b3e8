"""introductions: members' settings, avoid lists, rounds, who met whom; intro day; alumni

Revision ID: 0014
Revises: 0013
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intro_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('cadence', sa.String(length=8), nullable=False),
    sa.Column('open_to', sa.String(length=40), nullable=False),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('guest', sa.Boolean(), nullable=False),
    sa.Column('officer', sa.Boolean(), nullable=False),
    sa.Column('counted_since', sa.Date(), nullable=False),
    sa.Column('paused_by_app', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_members')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_intro_members_team_id_user_id'))
    )
    op.create_table('intro_avoids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('avoided', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_avoids')),
    sa.UniqueConstraint('team_id', 'user_id', 'avoided', name=op.f('uq_intro_avoids_team_id_user_id_avoided'))
    )
    op.create_table('intro_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_rounds')),
    sa.UniqueConstraint('team_id', 'day', name=op.f('uq_intro_rounds_team_id_day'))
    )
    op.create_table('intros',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('check_in_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['intro_rounds.id'], name=op.f('fk_intros_round_id_intro_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intros'))
    )
    op.create_index('ix_intros_team_day', 'intros', ['team_id', 'day'])
    op.create_table('intro_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('intro_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['intro_id'], ['intros.id'], name=op.f('fk_intro_people_intro_id_intros'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_people')),
    sa.UniqueConstraint('team_id', 'intro_id', 'user_id', name=op.f('uq_intro_people_team_id_intro_id_user_id'))
    )
    op.create_index('ix_intro_people_team_user', 'intro_people', ['team_id', 'user_id'])
    # Plain ADD COLUMN, not batch (see 0012): SQLite takes it with a server default.
    op.add_column('workspaces', sa.Column('intro_weekday', sa.Integer(), server_default='0', nullable=False))
    op.add_column('profiles', sa.Column('alumni', sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column('profiles', 'alumni')
    op.drop_column('workspaces', 'intro_weekday')
    op.drop_index('ix_intro_people_team_user', table_name='intro_people')
    op.drop_table('intro_people')
    op.drop_index('ix_intros_team_day', table_name='intros')
    op.drop_table('intros')
    op.drop_table('intro_rounds')
    op.drop_table('intro_avoids')
    op.drop_table('intro_members')
