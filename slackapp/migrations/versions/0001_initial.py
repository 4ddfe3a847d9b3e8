"""workspaces, officers, leads

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=3000), nullable=False),
    sa.Column('url_key', sa.String(length=3000), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('pay', sa.String(length=200), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('tags', sa.String(length=300), nullable=True),
    sa.Column('posted_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('announce_channel', sa.String(length=32), nullable=True),
    sa.Column('announce_ts', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads')),
    sa.UniqueConstraint('team_id', 'url_key', name=op.f('uq_leads_team_id_url_key'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_team_created', ['team_id', 'created_at'], unique=False)

    op.create_table('officers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('added_by', sa.String(length=32), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officers')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_officers_team_id_user_id'))
    )
    op.create_table('workspaces',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('leads_channel', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_workspaces'))
    )
    op.create_table('saved_leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_saved_leads_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_leads')),
    sa.UniqueConstraint('team_id', 'user_id', 'lead_id', name=op.f('uq_saved_leads_team_id_user_id_lead_id'))
    )
    with op.batch_alter_table('saved_leads', schema=None) as batch_op:
        batch_op.create_index('ix_saved_leads_lead', ['lead_id'], unique=False)

    _create_search_index()


def _create_search_index() -> None:
    """A real text index over role, company, description and tags, kept current by the database."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE leads_fts USING fts5(role, company, description, tags,"
            " content='leads', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads BEGIN"
            " INSERT INTO leads_fts(rowid, role, company, description, tags)"
            " VALUES (new.id, new.role, new.company, new.description, new.tags); END"
        )
        op.execute(
            "CREATE TRIGGER leads_fts_delete AFTER DELETE ON leads BEGIN"
            " INSERT INTO leads_fts(leads_fts, rowid, role, company, description, tags)"
            " VALUES ('delete', old.id, old.role, old.company, old.description, old.tags); END"
        )
        op.execute(
            "CREATE TRIGGER leads_fts_update AFTER UPDATE OF role, company, description, tags ON leads BEGIN"
            " INSERT INTO leads_fts(leads_fts, rowid, role, company, description, tags)"
            " VALUES ('delete', old.id, old.role, old.company, old.description, old.tags);"
            " INSERT INTO leads_fts(rowid, role, company, description, tags)"
            " VALUES (new.id, new.role, new.company, new.description, new.tags); END"
        )
    else:
        op.execute(
            "ALTER TABLE leads ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english',"
            " coalesce(role, '') || ' ' || coalesce(company, '') || ' ' || coalesce(description, '') || ' '"
            " || coalesce(tags, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_leads_search_vector ON leads USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("leads_fts_insert", "leads_fts_delete", "leads_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS leads_fts")
    with op.batch_alter_table('saved_leads', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_leads_lead')

    op.drop_table('saved_leads')
    op.drop_table('workspaces')
    op.drop_table('officers')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_team_created')

    op.drop_table('leads')
