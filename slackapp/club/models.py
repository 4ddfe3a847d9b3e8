from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class Workspace(Base):
    """Per-workspace settings that officers change with `/club config`."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    leads_channel: Mapped[str | None] = mapped_column(String(32))
    gigs_channel: Mapped[str | None] = mapped_column(String(32))
    events_channel: Mapped[str | None] = mapped_column(String(32))
    # Where requests for officers go; without one, each officer gets a DM.
    officers_channel: Mapped[str | None] = mapped_column(String(32))
    # Where requests for help (/ask) are posted; without one, the officers' channel; without
    # either, each helper gets a DM.
    helpers_channel: Mapped[str | None] = mapped_column(String(32))
    # The weekly digest: weekday 0 = Monday, time of day on the workspace's clock.
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    digest_time: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    # A guest's first lead always waits for an officer's approval; with this, every member's does.
    approve_first_leads: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Introductions' rounds start on this weekday (0 = Monday), on the workspace's calendar.
    intro_weekday: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Officer(Base):
    """Someone an officer promoted with `/club officers add`."""

    __tablename__ = "officers"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
