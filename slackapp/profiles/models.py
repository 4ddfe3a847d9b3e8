from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class Profile(Base):
    """What a member tells the club about themselves (`/club profile`); only they change it."""

    __tablename__ = "profiles"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    school: Mapped[str | None] = mapped_column(String(100))
    major: Mapped[str | None] = mapped_column(String(100))
    graduation_year: Mapped[int | None] = mapped_column(Integer)
    skills: Mapped[str | None] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(2000))
    # Registered on the school's own job board (the careers page asks every member to be).
    job_board: Mapped[bool | None] = mapped_column(Boolean)
    # A graduate of the school: introductions match alumni with students (Slack guests are alumni too).
    alumni: Mapped[bool | None] = mapped_column(Boolean)
    # Companies they worked or interned at, comma-separated; listed on those company pages only
    # while `show_past_employers` is on (their consent).
    past_employers: Mapped[str | None] = mapped_column(String(500))
    show_past_employers: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
