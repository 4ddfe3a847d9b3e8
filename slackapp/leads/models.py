from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slackapp.db import Base, UTCDateTime, utcnow


class LeadType(str, enum.Enum):
    internship = "internship"
    micro = "micro"
    part_time = "part-time"
    full_time = "full-time"

    @property
    def label(self) -> str:
        return {"internship": "Internship", "micro": "Micro-internship", "part-time": "Part-time", "full-time": "Full-time"}[
            self.value
        ]


class Stage(str, enum.Enum):
    """Where a member is with a lead they saved."""

    saved = "saved"
    applied = "applied"
    interviewing = "interviewing"
    offer = "offer"
    closed = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("team_id", "url_key"),
        Index("ix_leads_team_created", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    company: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(3000))
    # The link reduced to what identifies the posting, so the same lead can't be shared twice.
    url_key: Mapped[str] = mapped_column(String(3000))
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(200))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    pay: Mapped[str | None] = mapped_column(String(200))
    deadline: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(String(300))
    posted_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    announce_channel: Mapped[str | None] = mapped_column(String(32))
    announce_ts: Mapped[str | None] = mapped_column(String(32))

    @property
    def lead_type(self) -> LeadType:
        return LeadType(self.kind)

    @property
    def tag_list(self) -> list[str]:
        return tag_list(self.tags)


def tag_list(tags: str | None) -> list[str]:
    return [tag.strip() for tag in (tags or "").split(",") if tag.strip()]


class SavedLead(Base):
    """A member's own tracking of a lead: saved, applied, interviewing, offer or closed."""

    __tablename__ = "saved_leads"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "lead_id"),
        Index("ix_saved_leads_lead", "lead_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16), default=Stage.saved.value)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lead: Mapped[Lead] = relationship(lazy="joined")
