"""gigs

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gig_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('requester', sa.String(length=32), nullable=False),
    sa.Column('organization', sa.String(length=150), nullable=False),
    sa.Column('needed', sa.Text(), nullable=False),
    sa.Column('skills', sa.String(length=300), nullable=True),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('gig_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gig_requests'))
    )
    with op.batch_alter_table('gig_requests', schema=None) as batch_op:
        batch_op.create_index('ix_gig_requests_team_status', ['team_id', 'status'], unique=False)

    op.create_table('gigs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('needed', sa.Text(), nullable=False),
    sa.Column('skills', sa.String(length=300), nullable=True),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('slots', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('contact', sa.String(length=32), nullable=False),
    sa.Column('organization', sa.String(length=150), nullable=True),
    sa.Column('posted_by', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=32), nullable=True),
    sa.Column('announce_channel', sa.String(length=32), nullable=True),
    sa.Column('announce_ts', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gigs'))
    )
    with op.batch_alter_table('gigs', schema=None) as batch_op:
        batch_op.create_index('ix_gigs_team_status', ['team_id', 'status'], unique=False)

    op.create_table('gig_volunteers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('gig_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('spot', sa.String(length=16), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('hours_confirmed_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['gig_id'], ['gigs.id'], name=op.f('fk_gig_volunteers_gig_id_gigs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gig_volunteers')),
    sa.UniqueConstraint('gig_id', 'user_id', name=op.f('uq_gig_volunteers_gig_id_user_id'))
    )
    with op.batch_alter_table('gig_volunteers', schema=None) as batch_op:
        batch_op.create_index('ix_gig_volunteers_team_user', ['team_id', 'user_id'], unique=False)

    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gigs_channel', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('officers_channel', sa.String(length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('officers_channel')
        batch_op.drop_column('gigs_channel')

    with op.batch_alter_table('gig_volunteers', schema=None) as batch_op:
        batch_op.drop_index('ix_gig_volunteers_team_user')

    op.drop_table('gig_volunteers')
    with op.batch_alter_table('gigs', schema=None) as batch_op:
        batch_op.drop_index('ix_gigs_team_status')

    op.drop_table('gigs')
    with op.batch_alter_table('gig_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_gig_requests_team_status')

    op.drop_table('gig_requests')
