from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class GigStatus(str, enum.Enum):
    open = "open"
    done = "done"


class Spot(str, enum.Enum):
    """Where a member stands on a gig."""

    volunteer = "volunteer"
    waitlist = "waitlist"
    withdrawn = "withdrawn"


class Gig(Base):
    __tablename__ = "gigs"
    __table_args__ = (Index("ix_gigs_team_status", "team_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    needed: Mapped[str] = mapped_column(Text)
    skills: Mapped[str | None] = mapped_column(String(300))
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    slots: Mapped[int] = mapped_column(Integer, default=1)
    due_date: Mapped[date | None] = mapped_column(Date)
    contact: Mapped[str] = mapped_column(String(32))
    organization: Mapped[str | None] = mapped_column(String(150))
    posted_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=GigStatus.open.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(32))
    announce_channel: Mapped[str | None] = mapped_column(String(32))
    announce_ts: Mapped[str | None] = mapped_column(String(32))


class GigVolunteer(Base):
    __tablename__ = "gig_volunteers"
    __table_args__ = (UniqueConstraint("gig_id", "user_id"), Index("ix_gig_volunteers_team_user", "team_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    gig_id: Mapped[int] = mapped_column(ForeignKey("gigs.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    spot: Mapped[str] = mapped_column(String(16))
    # Order on the waitlist: the moment they asked, ties broken by id.
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    hours_confirmed_by: Mapped[str | None] = mapped_column(String(32))


class RequestStatus(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    declined = "declined"


class GigRequest(Base):
    """Another organization asking the club for a volunteer (a webmaster for its page, say)."""

    __tablename__ = "gig_requests"
    __table_args__ = (Index("ix_gig_requests_team_status", "team_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    requester: Mapped[str] = mapped_column(String(32))
    organization: Mapped[str] = mapped_column(String(150))
    needed: Mapped[str] = mapped_column(Text)
    skills: Mapped[str | None] = mapped_column(String(300))
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.pending.value)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    gig_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
