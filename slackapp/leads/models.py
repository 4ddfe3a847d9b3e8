from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slackapp.db import Base, UTCDateTime, utcnow


class LeadType(str, enum.Enum):
    internship = "internship"
    micro = "micro"
    part_time = "part-time"
    full_time = "full-time"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self.value]


_TYPE_LABELS = {"internship": "Internship", "micro": "Micro-internship", "part-time": "Part-time", "full-time": "Full-time"}


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


class LeadStatus(str, enum.Enum):
    """Whether a lead is shown (open), and why not: waiting for an officer's approval (a guest's
    first lead), hidden by reports until an officer reviews it, removed, or declined."""

    pending = "pending"
    open = "open"
    hidden = "hidden"
    removed = "removed"
    declined = "declined"


# A lead without a deadline stays open this long after it is shared (or kept open).
OPEN_FOR = timedelta(days=30)


def _first_expiry(context) -> date:
    values = context.get_current_parameters()
    if values.get("deadline"):
        return values["deadline"]
    return (values.get("created_at") or utcnow()).date() + OPEN_FOR


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("team_id", "url_key"),
        Index("ix_leads_team_created", "team_id", "created_at"),
        # The clock looks every few seconds for open leads about to expire.
        Index("ix_leads_expiry", "expires_on"),
        # Whether a member has a lead shown yet (first leads wait), and the officers' review queue.
        Index("ix_leads_team_poster", "team_id", "posted_by"),
        Index("ix_leads_team_status", "team_id", "status"),
        # What alerts haven't matched yet, a few new leads among all, looked for on every tick:
        # ix_leads_unmatched (team_id, where alerts_matched_at IS NULL), a partial index made in
        # 0012 only (see models.MADE_IN_MIGRATIONS).
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
    status: Mapped[str] = mapped_column(String(16), default=LeadStatus.open.value, server_default=LeadStatus.open.value)
    # The last day it is shown: the deadline, else 30 days after it was shared; Keep open adds 30.
    expires_on: Mapped[date] = mapped_column(Date, default=_first_expiry)
    # The expiry the poster's "Still open?" DM was planned for, and when expiry was recorded.
    still_open_asked_for: Mapped[date | None] = mapped_column(Date)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When members' alerts were matched against it (it was new and shown then).
    alerts_matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its company record (companies: linked by the normalized name of `company`).
    company_id: Mapped[int | None] = mapped_column(Integer, index=True)

    @property
    def is_open(self) -> bool:
        """Neither closed nor waiting, hidden or removed (it may have expired)."""
        # A Lead not yet stored has no status: it is stored open.
        return self.status in (None, LeadStatus.open.value) and self.closed_at is None

    @property
    def is_shown(self) -> bool:
        """Open and not recorded as expired: in search, digests and alerts (until its last day)."""
        return self.is_open and self.expired_at is None

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


class ReportReason(str, enum.Enum):
    closed = "closed"
    spam = "spam"
    wrong = "wrong"
    inappropriate = "inappropriate"
    other = "other"

    @property
    def label(self) -> str:
        return {
            "closed": "It's closed",
            "spam": "Spam or scam",
            "wrong": "Wrong details",
            "inappropriate": "Inappropriate",
            "other": "Other",
        }[self.value]


class LeadReport(Base):
    """A member's report of a lead; one per member and lead."""

    __tablename__ = "lead_reports"
    __table_args__ = (UniqueConstraint("team_id", "lead_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    by_officer: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LeadChange(Base):
    """One line of a lead's history: who did what, when. It names the lead in words and has no
    foreign key, so it outlives the lead."""

    __tablename__ = "lead_history"
    __table_args__ = (Index("ix_lead_history_lead", "team_id", "lead_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    lead_id: Mapped[int] = mapped_column(Integer)
    lead_name: Mapped[str] = mapped_column(String(400))
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
