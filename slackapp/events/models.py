from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class Answer(str, enum.Enum):
    going = "going"
    maybe = "maybe"
    no = "no"
    none = "none"

    @property
    def label(self) -> str:
        return {"going": "Going", "maybe": "Maybe", "no": "Can't go", "none": "No answer"}[self.value]


# The emoji that answer, as Slack names them.
EMOJI = {"white_check_mark": Answer.going, "thinking_face": Answer.maybe, "x": Answer.no}


class Seat(str, enum.Enum):
    """What a member actually holds: an answer, or a place on the waitlist when going is full."""

    going = "going"
    waitlist = "waitlist"
    maybe = "maybe"
    no = "no"
    none = "none"


class Category(str, enum.Enum):
    """What kind of event it is, for the passport (the keys are the passport's categories)."""

    career_events = "career_events"
    employer_meetings = "employer_meetings"
    workshops = "workshops"
    service = "service"
    professional_development = "professional_development"

    @property
    def label(self) -> str:
        return {
            "career_events": "Career event",
            "employer_meetings": "Employer meeting",
            "workshops": "Workshop",
            "service": "Service",
            "professional_development": "Professional development",
        }[self.value]


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_team_starts", "team_id", "starts_at"),
        Index("ix_events_rsvp_message", "team_id", "channel", "rsvp_ts"),
        # One row per occurrence of a series, however many planners run at once.
        Index("ux_events_series_occurrence", "series_id", "occurrence", unique=True),
        # What alerts (company follows) haven't matched yet: ix_events_unmatched, made in 0019 only (see leads' ix_leads_unmatched).
        # Never hand a deleted event's number to a new one: old buttons and messages carry it. On
        # SQLite that takes AUTOINCREMENT, which migration 0005 makes; said here, it would make
        # SQLAlchemy import SQLite's dialect in every process, PostgreSQL's too (see models.py).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(200))
    online_link: Mapped[str | None] = mapped_column(String(2000))
    capacity: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(32), default=Category.career_events.value, server_default=Category.career_events.value)
    channel: Mapped[str | None] = mapped_column(String(32))
    # The message whose reactions count, and the bot's own message that shows the counts. They are
    # the same message unless an officer turned their own post into an RSVP post.
    rsvp_ts: Mapped[str | None] = mapped_column(String(32))
    post_ts: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkin_code: Mapped[str | None] = mapped_column(String(12))
    checkin_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # An occurrence of a recurring event: its series and its number in it (0 for the first).
    series_id: Mapped[int | None] = mapped_column(Integer)
    occurrence: Mapped[int | None] = mapped_column(Integer)
    # The employer it is with (the form's optional Employer), and its company record (companies links it).
    employer: Mapped[str | None] = mapped_column(String(100))
    company_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # When the alerts matcher saw it (followers of its company get it by DM); None: not yet.
    alerts_matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Repeat(str, enum.Enum):
    none = "none"
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"  # on the nth weekday of the month, the nth of the first occurrence

    @property
    def label(self) -> str:
        return {"none": "Doesn't repeat", "weekly": "Weekly", "biweekly": "Every 2 weeks", "monthly": "Monthly on the same weekday (like 2nd Tuesday)"}[
            self.value
        ]


class SeriesStatus(str, enum.Enum):
    active = "active"
    ended = "ended"  # every occurrence has been made
    cancelled = "cancelled"  # an officer cancelled the rest


class EventSeries(Base):
    """A recurring event: the rule its occurrences follow, on the club's wall clock, and what each
    new occurrence is made from. Occurrences are made (and announced) `announce_days` ahead."""

    __tablename__ = "event_series"
    __table_args__ = (Index("ix_event_series_due", "status", "next_announce_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(16))
    first_day: Mapped[date] = mapped_column(Date)
    # The wall-clock start ("18:00") in the zone the club had when the series was made.
    local_start: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    until: Mapped[date | None] = mapped_column(Date)
    times: Mapped[int | None] = mapped_column(Integer)
    announce_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # What each occurrence is made from.
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(200))
    online_link: Mapped[str | None] = mapped_column(String(2000))
    capacity: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    # The form's Employer, given to each occurrence (companies links each to its record).
    employer: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default=SeriesStatus.active.value)
    # The number of the next occurrence to make, and when it is due to be made and announced.
    next_occurrence: Mapped[int] = mapped_column(Integer, default=0)
    next_announce_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SeriesMember(Base):
    """A member going to every occurrence of a series ("Going to all")."""

    __tablename__ = "event_series_members"
    __table_args__ = (UniqueConstraint("series_id", "user_id"), Index("ix_event_series_members_team_user", "team_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    series_id: Mapped[int] = mapped_column(ForeignKey("event_series.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rsvp(Base):
    """A member's answer and the seat it got them."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("event_id", "user_id"), Index("ix_rsvps_team_user", "team_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[str] = mapped_column(String(8))
    seat: Mapped[str] = mapped_column(String(8))
    # Order on the waitlist.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RsvpAction(Base):
    """Every reaction or button press, in the order the member made them (Slack's own timestamps).

    Slack may deliver them late, twice or out of order; the answer is replayed from this log, and
    a retried delivery (same event id) is refused by the unique key."""

    __tablename__ = "rsvp_actions"
    __table_args__ = (
        UniqueConstraint("team_id", "delivery_id"),
        Index("ix_rsvp_actions_event_user", "event_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(String(64))
    # "add:going", "remove:going", or "set:going" for a button press
    action: Mapped[str] = mapped_column(String(16))
    # Slack's timestamp of the action ("1360782804.083113"), zero-padded so text order is time order.
    at: Mapped[str] = mapped_column(String(24))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("event_id", "user_id"), Index("ix_attendance_team_user", "team_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(16))  # button, code, officer
    marked_by: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
