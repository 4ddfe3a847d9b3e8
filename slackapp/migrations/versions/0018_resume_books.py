"""resume books: a sponsor's book, members' consent per book, signed links and their accesses

Revision ID: 0018
Revises: 0017
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('resume_books',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('firm', sa.String(length=150), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('years', sa.String(length=100), nullable=False),
    sa.Column('majors', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_by', sa.String(length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resume_books'))
    )
    op.create_index('ix_resume_books_status_closes', 'resume_books', ['status', 'closes_at'], unique=False)
    op.create_table('resume_book_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resume_book_consents')),
    sa.UniqueConstraint('team_id', 'book_id', 'user_id', name=op.f('uq_resume_book_consents_team_id_book_id_user_id'))
    )
    op.create_table('resume_book_optouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resume_book_optouts')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_resume_book_optouts_team_id_user_id'))
    )
    op.create_table('resume_book_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resume_book_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_resume_book_links_token_hash'))
    )
    op.create_table('resume_book_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('what', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resume_book_accesses'))
    )
    op.create_index('ix_resume_book_accesses_link', 'resume_book_accesses', ['team_id', 'link_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_resume_book_accesses_link', table_name='resume_book_accesses')
    op.drop_table('resume_book_accesses')
    op.drop_table('resume_book_links')
    op.drop_table('resume_book_optouts')
    op.drop_table('resume_book_consents')
    op.drop_index('ix_resume_books_status_closes', table_name='resume_books')
    op.drop_table('resume_books')
