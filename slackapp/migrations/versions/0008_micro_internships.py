"""micro-internships and member profiles

profiles: a member's school, major, graduation year, skills, link and job-board registration
(one per member per workspace). micro_projects with their micro_milestones; micro_bids, one per
member per project (a unique constraint, so a double submission can't make two), which carry
the accepted work through submitted, completed and paid (money in whole cents); and
micro_evaluations, one per finished piece of work, with the student's rating of the project.

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('micro_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('organization', sa.String(length=150), nullable=False),
    sa.Column('supervisor', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('fee_cents', sa.Integer(), nullable=False),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('positions', sa.Integer(), nullable=False),
    sa.Column('school', sa.String(length=100), nullable=True),
    sa.Column('bid_deadline', sa.Date(), nullable=False),
    sa.Column('posted_by', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('approval_needed', sa.String(length=100), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_micro_projects'))
    )
    with op.batch_alter_table('micro_projects', schema=None) as batch_op:
        batch_op.create_index('ix_micro_projects_team_status', ['team_id', 'status'], unique=False)

    op.create_table('profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('school', sa.String(length=100), nullable=True),
    sa.Column('major', sa.String(length=100), nullable=True),
    sa.Column('graduation_year', sa.Integer(), nullable=True),
    sa.Column('skills', sa.String(length=300), nullable=True),
    sa.Column('link', sa.String(length=2000), nullable=True),
    sa.Column('job_board', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profiles')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_profiles_team_id_user_id'))
    )
    op.create_table('micro_bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('application', sa.Text(), nullable=False),
    sa.Column('availability', sa.String(length=200), nullable=False),
    sa.Column('portfolio', sa.String(length=2000), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submission_link', sa.String(length=2000), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=32), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_cents', sa.Integer(), nullable=True),
    sa.Column('paid_by', sa.String(length=32), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['micro_projects.id'], name=op.f('fk_micro_bids_project_id_micro_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_micro_bids')),
    sa.UniqueConstraint('project_id', 'user_id', name=op.f('uq_micro_bids_project_id_user_id'))
    )
    with op.batch_alter_table('micro_bids', schema=None) as batch_op:
        batch_op.create_index('ix_micro_bids_team_user', ['team_id', 'user_id'], unique=False)

    op.create_table('micro_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['micro_projects.id'], name=op.f('fk_micro_milestones_project_id_micro_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_micro_milestones'))
    )
    with op.batch_alter_table('micro_milestones', schema=None) as batch_op:
        batch_op.create_index('ix_micro_milestones_project', ['project_id'], unique=False)

    op.create_table('micro_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('student', sa.String(length=32), nullable=False),
    sa.Column('quality', sa.Integer(), nullable=False),
    sa.Column('communication', sa.Integer(), nullable=False),
    sa.Column('timeliness', sa.Integer(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('evaluated_by', sa.String(length=32), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('project_rating', sa.Integer(), nullable=True),
    sa.Column('project_comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bid_id'], ['micro_bids.id'], name=op.f('fk_micro_evaluations_bid_id_micro_bids'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_micro_evaluations')),
    sa.UniqueConstraint('bid_id', name=op.f('uq_micro_evaluations_bid_id'))
    )
    with op.batch_alter_table('micro_evaluations', schema=None) as batch_op:
        batch_op.create_index('ix_micro_evaluations_team_student', ['team_id', 'student'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('micro_evaluations', schema=None) as batch_op:
        batch_op.drop_index('ix_micro_evaluations_team_student')

    op.drop_table('micro_evaluations')
    with op.batch_alter_table('micro_milestones', schema=None) as batch_op:
        batch_op.drop_index('ix_micro_milestones_project')

    op.drop_table('micro_milestones')
    with op.batch_alter_table('micro_bids', schema=None) as batch_op:
        batch_op.drop_index('ix_micro_bids_team_user')

    op.drop_table('micro_bids')
    op.drop_table('profiles')
    with op.batch_alter_table('micro_projects', schema=None) as batch_op:
        batch_op.drop_index('ix_micro_projects_team_status')

    op.drop_table('micro_projects')
