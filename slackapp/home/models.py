from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class HomeViewer(Base):
    """A member who has opened the app's Home: theirs is published again when something on it
    changes. `officer` is what the officer check said when they last opened it (it decides which
    sections are shown; every action from Home is checked again)."""

    __tablename__ = "home_viewers"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    officer: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Changes after this moment have not been planned for publishing yet.
    seen_changes_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
