from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slackapp.db import Base, UTCDateTime, utcnow


class Company(Base):
    """One employer of a workspace. Leads, projects and events link to it (their `company_id`);
    `key` is its name normalized (names.key), so every spelling finds it. A record merged into
    another keeps its key and points at the kept one, so new rows of that spelling follow."""

    __tablename__ = "companies"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # The first spelling seen (or the one an officer gave when splitting).
    name: Mapped[str] = mapped_column(String(150))
    key: Mapped[str] = mapped_column(String(150))
    merged_into: Mapped[int | None] = mapped_column(Integer)
    merged_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewStatus(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    declined = "declined"
    withdrawn = "withdrawn"


class Review(Base):
    """A member's review of a company (one each): shown only once an officer approved it."""

    __tablename__ = "company_reviews"
    __table_args__ = (UniqueConstraint("team_id", "company_id", "user_id"), Index("ix_company_reviews_team_status", "team_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # The author.
    user_id: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(150))
    # Shown to members without the author's name; officers always see it.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default=ReviewStatus.pending.value)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship(lazy="select")


class Contact(Base):
    """The officers' contact log: who from the club talked to whom at the company, when, notes.
    Only officers ever read it."""

    __tablename__ = "company_contacts"
    __table_args__ = (Index("ix_company_contacts_team_company", "team_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # A Slack user id: the club's side of the conversation.
    club_member: Mapped[str] = mapped_column(String(32))
    their_person: Mapped[str] = mapped_column(String(150))
    contacted_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    logged_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(Base):
    """A member follows a company: its new leads, projects and events come by DM through the alert the
    follow made (`alert_id`; deleting that alert — Stop in a DM — ends the follow)."""

    __tablename__ = "company_follows"
    __table_args__ = (UniqueConstraint("team_id", "company_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("lead_alerts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
