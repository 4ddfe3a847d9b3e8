from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class JobStatus(str, enum.Enum):
    pending = "pending"  # waiting for its time (or for a retry)
    claimed = "claimed"  # a process took it and is sending it now
    sent = "sent"
    skipped = "skipped"  # fell due but had nothing to say (an empty digest, an already-applied lead)
    dropped = "dropped"  # too late to be useful by the time we could send it
    cancelled = "cancelled"  # the reason for it went away before it fell due
    failed = "failed"  # Slack refused it for good, or retries ran out


class Job(Base):
    """One piece of timed work: what, for whom, due when, and how it ended."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_jobs_due", "status", "next_attempt_at"),
        Index("ix_jobs_team_kind", "team_id", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    # Makes planning idempotent: the same work planned twice is one row.
    key: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # After this moment the work is no longer useful and is dropped instead of sent.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    result_channel: Mapped[str | None] = mapped_column(String(32))
    result_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Member(Base):
    """What scheduling needs to know about a person: their own time zone, from users.info."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    tz: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SlackPause(Base):
    """Until when Slack asked (a 429's Retry-After) that nothing more be sent for a workspace. Kept
    in the store so that every process sending for the workspace waits, not only the one Slack
    answered."""

    __tablename__ = "slack_pauses"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
