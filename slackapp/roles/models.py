"""Officer roles with their terms, each role's notes (every edit a row of its own) and handovers.

A role outlives its holders: it is never deleted by the app (a removed officer's role is left
without a holder), so its notes stay with it; only a departed workspace's purge deletes them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class OfficerRole(Base):
    """A role (President, VP Events, …), who holds it and until when."""

    __tablename__ = "officer_roles"
    __table_args__ = (UniqueConstraint("team_id", "key"), Index("ix_officer_roles_team_holder", "team_id", "holder"), Index("ix_officer_roles_term_end", "term_end"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(60))
    # The title lower-cased, with single spaces: one role per name, whatever the case.
    key: Mapped[str] = mapped_column(String(60))
    # None: nobody holds it (its holder was taken off the officer list).
    holder: Mapped[str | None] = mapped_column(String(32))
    term_end: Mapped[date] = mapped_column(Date)
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The term end whose checklist the officers were sent (or owed): once per term end.
    checklist_for: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoleNote(Base):
    """One version of a role's notes: every edit is a new row, so the history says who and when."""

    __tablename__ = "role_notes"
    __table_args__ = (Index("ix_role_notes_team_role", "team_id", "role_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    role_id: Mapped[int] = mapped_column(ForeignKey("officer_roles.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    edited_by: Mapped[str] = mapped_column(String(32))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Handover(Base):
    """One confirmed `/club handover`: who to whom, which role, who ran it and what moved."""

    __tablename__ = "role_handovers"
    __table_args__ = (UniqueConstraint("team_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # The preview's own token: confirming the same preview twice moves nothing twice.
    token: Mapped[str] = mapped_column(String(32))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("officer_roles.id", ondelete="SET NULL"))
    from_user: Mapped[str | None] = mapped_column(String(32))
    to_user: Mapped[str] = mapped_column(String(32))
    done_by: Mapped[str] = mapped_column(String(32))
    # What moved, by kind: {"event": [ids…], …}.
    moved: Mapped[dict] = mapped_column(JSON)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
