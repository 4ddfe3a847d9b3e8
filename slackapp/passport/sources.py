"""Where stamps come from: one function per kind of activity, reading the feature's own tables.

The record is always computed from what happened, never kept as a second copy: a cancelled event,
a corrected gig hour count or a forgotten member changes the passport by itself. A new source (a
feature that earns points) adds a function here and lists it in SOURCES."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from slackapp.ask.models import HelpRequest, Kind
from slackapp.ask.models import Status as HelpStatus
from slackapp.events.models import Attendance, Event
from slackapp.gigs.models import Gig, GigStatus, GigVolunteer
from slackapp.habit.models import HabitCheck
from slackapp.intros.models import Intro, IntroPerson
from slackapp.leads.models import Lead
from slackapp.micro.models import DONE as MICRO_DONE
from slackapp.micro.models import Bid, Project
from slackapp.passport.models import Claim, ClaimStatus
from slackapp.passport.program import DEVELOPMENT, HELPING, MICRO, SERVICE, Stamp

# A week of the job-search habit counts when the member ticked at least this many of its items.
HABIT_WEEK_TICKS = 3


class Window:
    """The dates asked for, as the club's local days, and the same as moments for timestamps."""

    def __init__(self, start: date, end: date, tz: str):
        self.start, self.end, self.zone = start, end, ZoneInfo(tz)
        self.since = datetime.combine(start, time.min, self.zone)
        self.until = datetime.combine(end + timedelta(days=1), time.min, self.zone)

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


Source = Callable[[Session, str, Collection[str] | None, Window], list[Stamp]]


def _whose(team_column, team_id: str, user_column, users: Collection[str] | None) -> list:
    """The workspace's rows of these members (None: everyone)."""
    return [team_column == team_id, true() if users is None else user_column.in_(list(users))]


def _within(moment, window: Window) -> list:
    return [moment >= window.since, moment < window.until]


def event_checkins(session: Session, team_id: str, users: Collection[str] | None, window: Window) -> list[Stamp]:
    rows = session.execute(
        select(Attendance.user_id, Event.id, Event.title, Event.category, Event.starts_at)
        .join(Event, Event.id == Attendance.event_id)
        .where(*_whose(Attendance.team_id, team_id, Attendance.user_id, users), Event.cancelled_at.is_(None), *_within(Event.starts_at, window))
    )
    return [Stamp(user, category, window.day(starts), "event", title, f"event:{event_id}") for user, event_id, title, category, starts in rows]


def gig_hours(session: Session, team_id: str, users: Collection[str] | None, window: Window) -> list[Stamp]:
    rows = session.execute(
        select(GigVolunteer.user_id, Gig.id, Gig.title, GigVolunteer.hours, Gig.done_at)
        .join(Gig, Gig.id == GigVolunteer.gig_id)
        .where(*_whose(GigVolunteer.team_id, team_id, GigVolunteer.user_id, users), Gig.status == GigStatus.done.value, GigVolunteer.hours > 0, *_within(Gig.done_at, window))
    )
    return [Stamp(user, SERVICE, window.day(done), "gig", title, f"gig:{gig_id}", units=hours) for user, gig_id, title, hours, done in rows]


def leads_shared(session: Session, team_id: str, users: Collection[str] | None, window: Window) -> list[Stamp]:
    rows = session.execute(
        select(Lead.posted_by, Lead.id, Lead.company, Lead.role, Lead.created_at).where(*_whose(Lead.team_id, team_id, Lead.posted_by, users), *_within(Lead.created_at, window))
    )
    return [Stamp(user, DEVELOPMENT, window.day(at), "lead", f"Shared a lead: {role} at {company}", f"lead:{lead_id}") for user, lead_id, company, role, at in rows]


def habit_weeks(session: Session, team_id: str, users: Collection[str] | None, window: Window) -> list[Stamp]:
    rows = session.execute(
        select(HabitCheck.user_id, HabitCheck.week_start)
        .where(*_whose(HabitCheck.team_id, team_id, HabitCheck.user_id, users), HabitCheck.week_start >= window.start, HabitCheck.week_start <= window.end)
        .group_by(HabitCheck.user_id, HabitCheck.week_start)
        .having(func.count() >= HABIT_WEEK_TICKS)
    )
    return [Stamp(user, DEVELOPMENT, week, "habit", f"Job-search habit, week of {week:%b} {week.day}", f"habit:{week.isoformat()}") for user, week in rows]


def approved_claims(session: Session, team_id: str, users: Collection[str] | None, window: Window) -> list[Stamp]:
    rows = session.execute(
        select(Claim.user_id, Claim.id, Claim.title, Claim.category, Claim.done_on).where(
            *_whose(Claim.team_id, team_id, Claim.user_id, users), Claim.status == ClaimStatus.approved.value, Claim.done_on >= window.start, Claim.done_on <= window.end
        )
    )
    return [Stamp(user, category, done_on, "claim", title, f"claim:{claim_id}") for user, claim_id, title, category, done_on in rows]


def completed_projects(session: Session, team_id: str, users: Collection[str] | None, window: Window) -> list[Stamp]:
    """Micro-internships whose supervisor confirmed the work (paid or not yet)."""
    rows = session.execute(
        select(Bid.user_id, Project.id, Project.title, Project.organization, Bid.completed_at)
        .join(Project, Project.id == Bid.project_id)
        .where(*_whose(Bid.team_id, team_id, Bid.user_id, users), Bid.status.in_(MICRO_DONE), *_within(Bid.completed_at, window))
    )
    return [Stamp(user, MICRO, window.day(done), "micro", f"{title} ({organization})", f"micro:{project_id}") for user, project_id, title, organization, done in rows]


def help_given(session: Session, team_id: str, users: Collection[str] | None, window: Window) -> list[Stamp]:
    """Requests for help the member claimed and the member who asked marked done (/ask)."""
    rows = session.execute(
        select(HelpRequest.helper, HelpRequest.id, HelpRequest.kind, HelpRequest.closed_at).where(
            *_whose(HelpRequest.team_id, team_id, HelpRequest.helper, users), HelpRequest.status == HelpStatus.done.value, *_within(HelpRequest.closed_at, window)
        )
    )
    return [Stamp(user, HELPING, window.day(done), "help", f"Helped a member: {Kind(kind).label.lower()}", f"help:{request_id}") for user, request_id, kind, done in rows]


def intros_met(session: Session, team_id: str, users: Collection[str] | None, window: Window) -> list[Stamp]:
    """Introductions the member said they followed up on ("Did you meet?" → Yes, /intros): networking."""
    rows = session.execute(
        select(IntroPerson.user_id, Intro.id, Intro.day)
        .join(Intro, Intro.id == IntroPerson.intro_id)
        .where(*_whose(IntroPerson.team_id, team_id, IntroPerson.user_id, users), IntroPerson.answer == "yes", Intro.day >= window.start, Intro.day <= window.end)
    )
    return [Stamp(user, DEVELOPMENT, day, "intro", f"Met a member through an introduction, week of {day:%b} {day.day}", f"intro:{intro_id}") for user, intro_id, day in rows]


SOURCES: tuple[Source, ...] = (event_checkins, gig_hours, leads_shared, habit_weeks, approved_claims, completed_projects, help_given, intros_met)


def stamps(session: Session, *, team_id: str, users: Collection[str] | None, start: date, end: date, tz: str) -> list[Stamp]:
    """Every stamp of these members (None: everyone) between two local dates, both included."""
    window = Window(start, end, tz)
    return [stamp for source in SOURCES for stamp in source(session, team_id, users, window)]
