"""Resume books: a sponsor's book, each member's invitation and consent to it, the signed links
officers give the firm and every access to them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class Status(str, enum.Enum):
    open = "open"  # members may opt in
    closed = "closed"  # deadline passed or closed by officers: exports; members may still withdraw
    sent = "sent"  # the firm has it (a link was made, or officers marked it sent): no more withdrawals


class Book(Base):
    """A resume book for one firm: who it is for (class years and/or majors) and until when."""

    __tablename__ = "resume_books"
    __table_args__ = (Index("ix_resume_books_status_closes", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    firm: Mapped[str] = mapped_column(String(150))
    deadline: Mapped[date] = mapped_column(Date)
    # The end of the deadline's day on the club's clock, in UTC.
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The audience, comma-separated: graduation years ("2027,2028") and majors as officers typed
    # them; empty means any.
    years: Mapped[str] = mapped_column(String(100), default="")
    majors: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default=Status.open.value)
    opened_by: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Consent(Base):
    """A member invited to a book, and their consent to it (the member's own: forget-me deletes it)."""

    __tablename__ = "resume_book_consents"
    __table_args__ = (UniqueConstraint("team_id", "book_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    book_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OptOut(Base):
    """A member who asked for no more resume book invitations by DM (Home still shows open books)."""

    __tablename__ = "resume_book_optouts"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Link(Base):
    """A signed link for the firm: only a hash of its random token is kept."""

    __tablename__ = "resume_book_links"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    book_id: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Access(Base):
    """One time a link was opened: when, what (the page or the CSV) and from which address."""

    __tablename__ = "resume_book_accesses"
    __table_args__ = (Index("ix_resume_book_accesses_link", "team_id", "link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    link_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    what: Mapped[str] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(64))
