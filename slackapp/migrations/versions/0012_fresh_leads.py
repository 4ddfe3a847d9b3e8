"""fresh leads: alerts, expiry, reports, history

Revision ID: 0012
Revises: 0011

"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A 429's pause, seen by every process sending for the workspace (slackapp.scheduler.queue).
    op.create_table('slack_pauses',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_slack_pauses'))
    )
    op.create_table('lead_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('query', sa.String(length=300), nullable=False),
    sa.Column('delivery', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unclicked_since', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_alerts')),
    sa.UniqueConstraint('team_id', 'user_id', 'query', name=op.f('uq_lead_alerts_team_id_user_id_query'))
    )
    op.create_table('lead_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('lead_name', sa.String(length=400), nullable=False),
    sa.Column('actor', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_history'))
    )
    with op.batch_alter_table('lead_history', schema=None) as batch_op:
        batch_op.create_index('ix_lead_history_lead', ['team_id', 'lead_id', 'id'], unique=False)

    op.create_table('alert_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('item_kind', sa.String(length=8), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('job_key', sa.String(length=200), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['lead_alerts.id'], name=op.f('fk_alert_matches_alert_id_lead_alerts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_matches')),
    sa.UniqueConstraint('team_id', 'user_id', 'item_kind', 'item_id', name=op.f('uq_alert_matches_team_id_user_id_item_kind_item_id'))
    )
    with op.batch_alter_table('alert_matches', schema=None) as batch_op:
        batch_op.create_index('ix_alert_matches_job', ['team_id', 'job_key'], unique=False)

    op.create_table('lead_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('by_officer', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_reports_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_reports')),
    sa.UniqueConstraint('team_id', 'lead_id', 'user_id', name=op.f('uq_lead_reports_team_id_lead_id_user_id'))
    )
    # Plain ADD COLUMN, not batch: rebuilding `leads` on SQLite would drop its full-text triggers.
    op.add_column('leads', sa.Column('status', sa.String(length=16), server_default='open', nullable=False))
    op.add_column('leads', sa.Column('still_open_asked_for', sa.Date(), nullable=True))
    op.add_column('leads', sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('leads', sa.Column('alerts_matched_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('micro_projects', sa.Column('alerts_matched_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('workspaces', sa.Column('approve_first_leads', sa.Boolean(), server_default=sa.false(), nullable=False))
    sqlite = op.get_bind().dialect.name == 'sqlite'
    # SQLite adds a NOT NULL column only with a default; the app always sets the value itself.
    op.add_column('leads', sa.Column('expires_on', sa.Date(), nullable=not sqlite, server_default='1970-01-01' if sqlite else None))
    # Leads shared before this revision had no expiry: one without a deadline expires 30 days
    # after it was shared, but not before a week from now, so its poster is asked "Still open?"
    # first. Alerts are for what is new from now on: nothing shared before is matched.
    now = sa.func.current_timestamp()
    if sqlite:
        op.execute(
            "UPDATE leads SET expires_on = COALESCE(deadline, max(date(created_at, '+30 days'), date('now', '+7 days')))"
        )
    else:
        op.execute(
            "UPDATE leads SET expires_on = COALESCE(deadline, greatest((created_at + interval '30 days')::date, (now() + interval '7 days')::date))"
        )
        op.alter_column('leads', 'expires_on', nullable=False)
    op.create_index('ix_leads_expiry', 'leads', ['expires_on'])
    op.create_index('ix_leads_team_poster', 'leads', ['team_id', 'posted_by'])
    op.create_index('ix_leads_team_status', 'leads', ['team_id', 'status'])
    unmatched = sa.text('alerts_matched_at IS NULL')
    op.create_index('ix_leads_unmatched', 'leads', ['team_id'], sqlite_where=unmatched, postgresql_where=unmatched)
    op.create_index('ix_micro_projects_unmatched', 'micro_projects', ['team_id'], sqlite_where=unmatched, postgresql_where=unmatched)
    leads = sa.table('leads', sa.column('alerts_matched_at'))
    projects = sa.table('micro_projects', sa.column('alerts_matched_at'))
    op.execute(leads.update().values(alerts_matched_at=now))
    op.execute(projects.update().values(alerts_matched_at=now))


def downgrade() -> None:
    op.drop_table('slack_pauses')
    op.drop_index('ix_micro_projects_unmatched', table_name='micro_projects')
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('approve_first_leads')
    with op.batch_alter_table('micro_projects', schema=None) as batch_op:
        batch_op.drop_column('alerts_matched_at')
    # SQLite 3.35+ drops a column in place, which keeps the leads' full-text triggers.
    for index in ('ix_leads_expiry', 'ix_leads_team_poster', 'ix_leads_team_status', 'ix_leads_unmatched'):
        op.drop_index(index, table_name='leads')
    for column in ('expires_on', 'alerts_matched_at', 'expired_at', 'still_open_asked_for', 'status'):
        op.drop_column('leads', column)
    op.drop_table('lead_reports')
    with op.batch_alter_table('alert_matches', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_matches_job')

    op.drop_table('alert_matches')
    with op.batch_alter_table('lead_history', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_history_lead')

    op.drop_table('lead_history')
    op.drop_table('lead_alerts')
