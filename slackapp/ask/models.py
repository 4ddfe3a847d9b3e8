from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class Kind(str, enum.Enum):
    resume = "resume"
    interview = "interview"
    advice = "advice"
    other = "other"

    @property
    def label(self) -> str:
        return {"resume": "Resume review", "interview": "Mock interview", "advice": "Career advice", "other": "Other"}[self.value]


class Status(str, enum.Enum):
    open = "open"  # waiting for a helper
    claimed = "claimed"  # a helper took it
    done = "done"  # the requester marked it done (and rated it)
    withdrawn = "withdrawn"  # the requester took it back
    expired = "expired"  # claimed, never closed: closed by itself after 14 days


CLOSED = (Status.done.value, Status.withdrawn.value, Status.expired.value)


class HelpRequest(Base):
    """A member asking the club's helpers for help. The link goes only to the helper who claims it;
    the rating and note only to the helper and officers."""

    __tablename__ = "help_requests"
    __table_args__ = (Index("ix_help_requests_team_status", "team_id", "status"), Index("ix_help_requests_status_claimed", "status", "claimed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # The member asking.
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(2000))
    availability: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default=Status.open.value)
    # Counts the times it was put in the queue (a helper may hand it back): timed work of an
    # earlier turn in the queue is moot.
    turn: Mapped[int] = mapped_column(Integer, default=1)
    helper: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it was last put in the queue (created, or handed back).
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class Helper(Base):
    """A member (or alumni guest) who takes requests for help of some kinds (`/ask helper on`).
    Officers are helpers without a row."""

    __tablename__ = "helpers"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    # Kind values, comma-separated.
    kinds: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
