"""text indexes for search ranked by relevance

PostgreSQL: each column of the text index gets its own weight label (role A, company B, tags C,
description D), so ts_rank can count a word in the role or the company above one in the
description; what each label weighs is chosen at query time (slackapp.leads.service.COLUMN_WEIGHTS).
A generated column's expression can't be altered in PostgreSQL 15, so the column and its index are
rebuilt: this rewrites the leads table once (about 10 s per 100,000 leads) under its lock.

SQLite: FTS5 keeps the columns apart already and bm25() takes the weights per query. What changes
is that leads_fts gets prefix indexes. A search term matches the words it begins, and without a
prefix index FTS5 gathers every match of such a term before returning the first (4-9 ms for
"team" at 100,000 leads, growing with the table); with one, the newest matches come straight
from the index. The lengths cover the stems people type (porter makes "engineering" "engin",
"software" "softwar"); a longer term still works, gathered as before. The index grows about
fourfold (16 to 70 MB per 100,000 leads) and is rebuilt here (about 7 s per 100,000 leads).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WEIGHTED = (
    "setweight(to_tsvector('english', coalesce(role, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(company, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce(tags, '')), 'C')"
    " || setweight(to_tsvector('english', coalesce(description, '')), 'D')"
)
UNWEIGHTED = (
    "to_tsvector('english', coalesce(role, '') || ' ' || coalesce(company, '') || ' '"
    " || coalesce(description, '') || ' ' || coalesce(tags, ''))"
)


def _rebuild_search_vector(expression: str) -> None:
    op.execute("DROP INDEX ix_leads_search_vector")
    op.execute("ALTER TABLE leads DROP COLUMN search_vector")
    op.execute(f"ALTER TABLE leads ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED")
    op.execute("CREATE INDEX ix_leads_search_vector ON leads USING gin (search_vector)")
    # The statistics target of 0004 belongs to the column, so it goes with the dropped one.
    op.execute("ALTER TABLE leads ALTER COLUMN search_vector SET STATISTICS 1000")
    op.execute("ANALYZE leads")


FTS5_COLUMNS = (
    "role, company, description, tags, content='leads', content_rowid='id',"
    " tokenize='porter unicode61 remove_diacritics 2'"
)


def _rebuild_fts5(options: str) -> None:
    # The triggers of 0001 name leads_fts and keep writing to the new table.
    op.execute("DROP TABLE leads_fts")
    op.execute(f"CREATE VIRTUAL TABLE leads_fts USING fts5({FTS5_COLUMNS}{options})")
    op.execute("INSERT INTO leads_fts(leads_fts) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild_search_vector(WEIGHTED)
    else:
        _rebuild_fts5(", prefix='3 4 5 6 7 8'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild_search_vector(UNWEIGHTED)
    else:
        _rebuild_fts5("")
