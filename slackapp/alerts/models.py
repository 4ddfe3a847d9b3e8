from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class Delivery(str, enum.Enum):
    instant = "instant"
    daily = "daily"


class AlertState(str, enum.Enum):
    active = "active"
    paused = "paused"
    # Paused by the app: its DMs went unclicked for 8 weeks.
    idle = "idle"


class Alert(Base):
    """A member's saved `/internships` search, matched against every new lead and project."""

    __tablename__ = "lead_alerts"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    # The search as `/internships` reads it (words, remote, paid, type:…).
    query: Mapped[str] = mapped_column(String(300))
    delivery: Mapped[str] = mapped_column(String(8), default=Delivery.daily.value)
    state: Mapped[str] = mapped_column(String(8), default=AlertState.active.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The first DM of it nobody clicked in since; 8 weeks after it the alert pauses itself.
    unclicked_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertMatch(Base):
    """A lead or project owed to a member by their alerts: one row per member and item, whatever
    number of their alerts match it, so nobody gets the same one twice. `job_key` is the DM it
    goes out in (set when it is matched; that DM is planned in the same transaction)."""

    __tablename__ = "alert_matches"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "item_kind", "item_id"),
        Index("ix_alert_matches_job", "team_id", "job_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    item_kind: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[int] = mapped_column(Integer)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("lead_alerts.id", ondelete="SET NULL"))
    job_key: Mapped[str] = mapped_column(String(200))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
