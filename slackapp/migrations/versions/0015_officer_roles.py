"""officer roles with terms, role notes and their edits (handover)

Revision ID: 0015
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('officer_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('holder', sa.String(length=32), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('assigned_by', sa.String(length=32), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checklist_for', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_roles')),
    sa.UniqueConstraint('team_id', 'key', name=op.f('uq_officer_roles_team_id_key'))
    )
    op.create_index('ix_officer_roles_team_holder', 'officer_roles', ['team_id', 'holder'])
    op.create_index('ix_officer_roles_term_end', 'officer_roles', ['term_end'])
    # Every edit of a role's notes is a row of its own: the history is who and when.
    op.create_table('role_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('edited_by', sa.String(length=32), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['officer_roles.id'], name=op.f('fk_role_notes_role_id_officer_roles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_notes'))
    )
    op.create_index('ix_role_notes_team_role', 'role_notes', ['team_id', 'role_id', 'id'])
    op.create_table('role_handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.Column('from_user', sa.String(length=32), nullable=True),
    sa.Column('to_user', sa.String(length=32), nullable=False),
    sa.Column('done_by', sa.String(length=32), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['officer_roles.id'], name=op.f('fk_role_handovers_role_id_officer_roles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_handovers')),
    sa.UniqueConstraint('team_id', 'token', name=op.f('uq_role_handovers_team_id_token'))
    )


def downgrade() -> None:
    op.drop_table('role_handovers')
    op.drop_index('ix_role_notes_team_role', table_name='role_notes')
    op.drop_table('role_notes')
    op.drop_index('ix_officer_roles_term_end', table_name='officer_roles')
    op.drop_index('ix_officer_roles_team_holder', table_name='officer_roles')
    op.drop_table('officer_roles')
