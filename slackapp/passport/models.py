from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class ProgramSettings(Base):
    """The club's own program (categories' points and caps, target, required, period); the
    default program applies until officers change it."""

    __tablename__ = "passport_programs"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    program: Mapped[dict] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ClaimStatus(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    declined = "declined"


class Claim(Base):
    """Something a member did outside the club (a career fair, a résumé review), with evidence,
    waiting for an officer's decision."""

    __tablename__ = "passport_claims"
    __table_args__ = (Index("ix_passport_claims_team_status", "team_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    evidence: Mapped[str] = mapped_column(Text)
    done_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ClaimStatus.pending.value)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PassportMember(Base):
    """A member's own passport choices: whether they appear on the leaderboard (off unless they
    turn it on)."""

    __tablename__ = "passport_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    leaderboard: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
