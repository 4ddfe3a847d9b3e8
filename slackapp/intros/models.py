from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class State(str, enum.Enum):
    on = "on"
    off = "off"
    # Paused: by the member ("Pause intros"), or by the app after 3 intros left unanswered.
    paused = "paused"


class Cadence(str, enum.Enum):
    biweekly = "2w"
    monthly = "monthly"


class Kind(str, enum.Enum):
    """Whom a member is open to meet, and what each member is to the others."""

    peers = "peers"
    alumni = "alumni"
    officers = "officers"


class IntroMember(Base):
    """A member's introductions settings: on or not, how often, whom they are open to meet."""

    __tablename__ = "intro_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(8), default=State.on.value)
    cadence: Mapped[str] = mapped_column(String(8), default=Cadence.biweekly.value)
    # Comma-separated Kind values.
    open_to: Mapped[str] = mapped_column(String(40), default="peers,alumni,officers")
    # No intro in a round held before this day.
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    # What Slack said they are, when they last used /intros: a guest is an alum (so is a member
    # whose profile says so); an officer is met by those open to officers.
    guest: Mapped[bool] = mapped_column(Boolean, default=False)
    officer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Unanswered intros count towards the automatic pause from this day on (opting in, resuming).
    counted_since: Mapped[date] = mapped_column(Date)
    paused_by_app: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class IntroAvoid(Base):
    """`/intros avoid @someone`: the two are never paired, either way round. Private to `user_id`."""

    __tablename__ = "intro_avoids"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "avoided"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    avoided: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntroRound(Base):
    """One round, on the club's intro day: planned once."""

    __tablename__ = "intro_rounds"
    __table_args__ = (UniqueConstraint("team_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Intro(Base):
    """A pair or a trio of one round: with its people, the history of who met whom."""

    __tablename__ = "intros"
    __table_args__ = (Index("ix_intros_team_day", "team_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("intro_rounds.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # "Did you meet?" comes on this day, halfway to the next round.
    check_in_on: Mapped[date] = mapped_column(Date)


class IntroPerson(Base):
    """One person of an intro, and their answer to "Did you meet?" (yes, not_yet, skip)."""

    __tablename__ = "intro_people"
    __table_args__ = (UniqueConstraint("team_id", "intro_id", "user_id"), Index("ix_intro_people_team_user", "team_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    intro_id: Mapped[int] = mapped_column(ForeignKey("intros.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[str | None] = mapped_column(String(8))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
