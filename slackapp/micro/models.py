from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db import Base, UTCDateTime, utcnow


class ProjectStatus(str, enum.Enum):
    pending = "pending"  # waiting for an officer's approval (a guest's post, or a fee below the floor)
    open = "open"  # taking bids
    closed = "closed"  # bidding is over: positions filled, or the poster closed it
    declined = "declined"  # an officer declined to publish it

    @property
    def label(self) -> str:
        return {"pending": "waiting for approval", "open": "taking bids", "closed": "bidding closed", "declined": "declined"}[self.value]


class BidStatus(str, enum.Enum):
    """A bid, and for an accepted one how far the work has come."""

    pending = "pending"
    withdrawn = "withdrawn"
    not_selected = "not_selected"
    in_progress = "in_progress"
    submitted = "submitted"
    completed = "completed"
    paid = "paid"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# Bids that hold one of the project's positions.
ACCEPTED = (BidStatus.in_progress.value, BidStatus.submitted.value, BidStatus.completed.value, BidStatus.paid.value)
DONE = (BidStatus.completed.value, BidStatus.paid.value)


class Project(Base):
    __tablename__ = "micro_projects"
    __table_args__ = (
        Index("ix_micro_projects_team_status", "team_id", "status"),
        # What alerts haven't matched yet: ix_micro_projects_unmatched, made in 0012 only (see leads' ix_leads_unmatched).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    organization: Mapped[str] = mapped_column(String(150))
    supervisor: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    hours: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    # Money is whole cents, never a float: the fee for the deliverables, paid once, per position.
    fee_cents: Mapped[int] = mapped_column(Integer)
    remote: Mapped[bool] = mapped_column(Boolean)
    positions: Mapped[int] = mapped_column(Integer, default=1)
    # None: everyone in the club may bid; else only members whose profile names this school.
    school: Mapped[str | None] = mapped_column(String(100))
    bid_deadline: Mapped[date] = mapped_column(Date)
    posted_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    # Why it waits for an officer ("guest", "fee below the floor"), comma-separated; None if it didn't.
    approval_needed: Mapped[str | None] = mapped_column(String(100))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When members' alerts were matched against it (it was open for bids then).
    alerts_matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its company record (companies: linked by the normalized name of `organization`).
    company_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Milestone(Base):
    __tablename__ = "micro_milestones"
    __table_args__ = (Index("ix_micro_milestones_project", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[int] = mapped_column(ForeignKey("micro_projects.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(150))
    due_date: Mapped[date] = mapped_column(Date)


class Bid(Base):
    """One member's bid on one project (never two: the unique constraint holds under double
    submissions), and the work that follows if it is accepted."""

    __tablename__ = "micro_bids"
    __table_args__ = (UniqueConstraint("project_id", "user_id"), Index("ix_micro_bids_team_user", "team_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[int] = mapped_column(ForeignKey("micro_projects.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    application: Mapped[str] = mapped_column(Text)
    availability: Mapped[str] = mapped_column(String(200))
    portfolio: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission_link: Mapped[str | None] = mapped_column(String(2000))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(32))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_cents: Mapped[int | None] = mapped_column(Integer)
    paid_by: Mapped[str | None] = mapped_column(String(32))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Evaluation(Base):
    """The poster's evaluation of a student's finished work, and the student's rating of the project."""

    __tablename__ = "micro_evaluations"
    __table_args__ = (UniqueConstraint("bid_id"), Index("ix_micro_evaluations_team_student", "team_id", "student"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    bid_id: Mapped[int] = mapped_column(ForeignKey("micro_bids.id", ondelete="CASCADE"))
    student: Mapped[str] = mapped_column(String(32))
    quality: Mapped[int] = mapped_column(Integer)
    communication: Mapped[int] = mapped_column(Integer)
    timeliness: Mapped[int] = mapped_column(Integer)
    feedback: Mapped[str] = mapped_column(Text)
    evaluated_by: Mapped[str] = mapped_column(String(32))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    project_rating: Mapped[int | None] = mapped_column(Integer)
    project_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
