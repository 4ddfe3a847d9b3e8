"""companies: one record per employer, links from leads, projects and events, reviews, contacts, follows

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

from slackapp.companies.names import clean, key

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('key', sa.String(length=150), nullable=False),
    sa.Column('merged_into', sa.Integer(), nullable=True),
    sa.Column('merged_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('team_id', 'key', name=op.f('uq_companies_team_id_key'))
    )
    op.create_table('company_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=150), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_reviews_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_reviews')),
    sa.UniqueConstraint('team_id', 'company_id', 'user_id', name=op.f('uq_company_reviews_team_id_company_id_user_id'))
    )
    op.create_index('ix_company_reviews_team_status', 'company_reviews', ['team_id', 'status'])
    op.create_table('company_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('club_member', sa.String(length=32), nullable=False),
    sa.Column('their_person', sa.String(length=150), nullable=False),
    sa.Column('contacted_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('logged_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_contacts_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_contacts'))
    )
    op.create_index('ix_company_contacts_team_company', 'company_contacts', ['team_id', 'company_id'])
    op.create_table('company_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['lead_alerts.id'], name=op.f('fk_company_follows_alert_id_lead_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_follows_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_follows')),
    sa.UniqueConstraint('team_id', 'company_id', 'user_id', name=op.f('uq_company_follows_team_id_company_id_user_id'))
    )
    # Plain ADD COLUMN, not batch (see 0012): no table is rebuilt (leads has its FTS triggers).
    op.add_column('leads', sa.Column('company_id', sa.Integer(), nullable=True))
    op.create_index('ix_leads_company_id', 'leads', ['company_id'])
    op.add_column('micro_projects', sa.Column('company_id', sa.Integer(), nullable=True))
    op.create_index('ix_micro_projects_company_id', 'micro_projects', ['company_id'])
    op.add_column('events', sa.Column('employer', sa.String(length=100), nullable=True))
    op.add_column('events', sa.Column('company_id', sa.Integer(), nullable=True))
    op.create_index('ix_events_company_id', 'events', ['company_id'])
    op.add_column('profiles', sa.Column('past_employers', sa.String(length=500), nullable=True))
    op.add_column('profiles', sa.Column('show_past_employers', sa.Boolean(), nullable=True))
    _link_existing()


def _link_existing() -> None:
    """Every lead and project there is gets its company record, by its name's key (the app's
    clock links new ones the same way; events have no employer yet)."""
    bind = op.get_bind()
    companies = sa.table('companies', sa.column('id', sa.Integer), sa.column('team_id', sa.String), sa.column('name', sa.String),
                         sa.column('key', sa.String), sa.column('created_at', sa.DateTime(timezone=True)))
    known: dict[tuple[str, str], int] = {}
    for table, column in (('leads', 'company'), ('micro_projects', 'organization')):
        rows = sa.table(table, sa.column('id', sa.Integer), sa.column('team_id', sa.String), sa.column(column, sa.String), sa.column('company_id', sa.Integer))
        found = bind.execute(sa.select(rows.c.id, rows.c.team_id, rows.c[column]).order_by(rows.c.id)).all()
        for row_id, team_id, name in found:
            if not clean(name):
                continue
            wanted = (team_id, key(name))
            if wanted not in known:
                known[wanted] = bind.execute(
                    companies.insert().values(team_id=team_id, name=clean(name), key=wanted[1], created_at=sa.func.now()).returning(companies.c.id)
                ).scalar_one()
            bind.execute(rows.update().where(rows.c.id == row_id).values(company_id=known[wanted]))


def downgrade() -> None:
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_column('show_past_employers')
        batch_op.drop_column('past_employers')
    op.drop_index('ix_events_company_id', table_name='events')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('company_id')
        batch_op.drop_column('employer')
    op.drop_index('ix_micro_projects_company_id', table_name='micro_projects')
    with op.batch_alter_table('micro_projects', schema=None) as batch_op:
        batch_op.drop_column('company_id')
    op.drop_index('ix_leads_company_id', table_name='leads')
    op.drop_column('leads', 'company_id')
    op.drop_table('company_follows')
    op.drop_index('ix_company_contacts_team_company', table_name='company_contacts')
    op.drop_table('company_contacts')
    op.drop_index('ix_company_reviews_team_status', table_name='company_reviews')
    op.drop_table('company_reviews')
    op.drop_table('companies')
