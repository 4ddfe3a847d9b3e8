"""What a member's Home shows, read from every feature's own service. No Slack here.

Each list is read with one more row than Home shows, so the view knows to end it in "see all"
whatever lies behind it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from slackapp.ask import service as ask
from slackapp.ask.models import HelpRequest
from slackapp.db import insert_for, utcnow
from slackapp.events import service as events
from slackapp.events.models import Attendance, Event, Rsvp, Seat
from slackapp.gigs import service as gigs
from slackapp.gigs.models import Gig, GigRequest, GigVolunteer
from slackapp.habit import service as habit
from slackapp.home.models import HomeViewer
from slackapp.leads import moderation as lead_moderation
from slackapp.leads import service as leads
from slackapp.leads.models import Lead
from slackapp.localtime import week_start
from slackapp.micro import service as micro
from slackapp.micro.models import Bid, Project
from slackapp.passport import service as passport
from slackapp.passport.models import Claim
from slackapp.passport.program import Record
from slackapp.resumebook import service as resumebook

SHOWN = 5  # items per list before "see all"


@dataclass(frozen=True)
class Shown:
    """The first items of a list, and whether there are more."""

    items: list
    more: bool

    @classmethod
    def of(cls, rows: list) -> "Shown":
        return cls(items=rows[:SHOWN], more=len(rows) > SHOWN)


@dataclass(frozen=True)
class MonthNumbers:
    events: int
    checkins: int
    leads_shared: int
    volunteer_hours: Decimal


@dataclass(frozen=True)
class OfficerDesk:
    claims: Shown  # passport claims waiting
    requests: Shown  # gig requests waiting
    projects: Shown  # micro-internship posts waiting
    events: Shown  # upcoming events, each with its counts
    counts: dict[int, dict[Seat, int]]
    month: MonthNumbers
    leads: Shown = Shown.of([])  # leads to review: hidden by reports, or first leads waiting (moderation.ToReview)
    help_queue: Shown = Shown.of([])  # requests for help waiting for a helper (/ask), oldest first
    help_claims: ask.ClaimTimes = ask.ClaimTimes(claimed=0, median=None)  # this month's claims and median time to claim
    help_ratings: tuple = ()  # the latest requests marked done, with their ratings (officers only)


@dataclass(frozen=True)
class Dashboard:
    user_id: str
    tz: str
    today: date
    events: Shown  # (event, my seat or None)
    leads: Shown  # (saved, lead)
    gigs: Shown  # (gig, spot)
    bids: Shown  # (bid, project)
    passport: Record
    habit_on: bool
    habit_ticks: set[str] = field(default_factory=set)
    posted_gigs: Shown = Shown.of([])  # gigs the member posted or is the contact for
    projects: Shown = Shown.of([])  # (project, bids waiting) the member posted or supervises
    desk: OfficerDesk | None = None
    books: tuple = ()  # (resume book, the member's invitation) still in play


def dashboard(session: Session, *, team_id: str, user_id: str, officer: bool, now: datetime, tz: str) -> Dashboard:
    today = now.astimezone(ZoneInfo(tz)).date()
    upcoming = events.upcoming(session, team_id=team_id, now=now, limit=SHOWN + 1)
    seats = events.seats_of(session, team_id=team_id, user_id=user_id, event_ids=[event.id for event in upcoming])
    volunteered, posted = gigs.my_gigs(session, team_id=team_id, user_id=user_id)
    mine = micro.mine(session, team_id=team_id, user_id=user_id)
    running = mine.running[: SHOWN + 1]
    waiting = micro.waiting_bids(session, team_id=team_id, project_ids=[project.id for project in running])
    member = habit.member(session, team_id=team_id, user_id=user_id)
    return Dashboard(
        user_id=user_id,
        tz=tz,
        today=today,
        events=Shown.of([(event, seats.get(event.id)) for event in upcoming]),
        leads=Shown.of(leads.saved_in_play(session, team_id=team_id, user_id=user_id, limit=SHOWN + 1)),
        gigs=Shown.of(volunteered),
        bids=Shown.of([(bid, project) for bid, project, _ in mine.bids]),
        posted_gigs=Shown.of(posted),
        projects=Shown.of([(project, waiting.get(project.id, 0)) for project in running]),
        passport=passport.record(session, team_id=team_id, user_id=user_id, today=today, tz=tz),
        habit_on=bool(member and member.enabled),
        habit_ticks=habit.ticks(session, team_id=team_id, user_id=user_id, week=week_start(today)),
        desk=officer_desk(session, team_id=team_id, now=now, tz=tz) if officer else None,
        books=tuple(resumebook.books_of_member(session, team_id=team_id, user_id=user_id)),
    )


def officer_desk(session: Session, *, team_id: str, now: datetime, tz: str) -> OfficerDesk:
    upcoming = events.upcoming(session, team_id=team_id, now=now, limit=SHOWN + 1)
    return OfficerDesk(
        claims=Shown.of(passport.pending_claims(session, team_id=team_id, limit=SHOWN + 1)),
        requests=Shown.of(gigs.pending_requests(session, team_id=team_id, limit=SHOWN + 1)),
        projects=Shown.of(micro.awaiting_approval(session, team_id=team_id, limit=SHOWN + 1)),
        events=Shown.of(upcoming),
        counts=events.seat_counts(session, team_id=team_id, event_ids=[event.id for event in upcoming[:SHOWN]]),
        month=month_numbers(session, team_id=team_id, now=now, tz=tz),
        leads=Shown.of(lead_moderation.review_queue(session, team_id=team_id, limit=SHOWN + 1)),
        help_queue=Shown.of(ask.open_queue(session, team_id=team_id, limit=SHOWN + 1)),
        help_claims=ask.month_claims(session, team_id=team_id, now=now, tz=tz),
        help_ratings=tuple(ask.recent_ratings(session, team_id=team_id, limit=3)),
    )


def month_numbers(session: Session, *, team_id: str, now: datetime, tz: str) -> MonthNumbers:
    """This calendar month (club time), as counts that never name a member."""
    zone = ZoneInfo(tz)
    first = now.astimezone(zone).date().replace(day=1)
    since = datetime.combine(first, time.min, zone)
    until = datetime.combine((first + timedelta(days=32)).replace(day=1), time.min, zone)
    held = select(func.count()).where(Event.team_id == team_id, Event.cancelled_at.is_(None), Event.starts_at >= since, Event.starts_at < until)
    checkins = select(func.count()).select_from(Attendance).where(Attendance.team_id == team_id, Attendance.at >= since, Attendance.at < until)
    shared = select(func.count()).where(Lead.team_id == team_id, Lead.created_at >= since, Lead.created_at < until)
    hours = (
        select(func.coalesce(func.sum(GigVolunteer.hours), 0))
        .join(Gig, Gig.id == GigVolunteer.gig_id)
        .where(GigVolunteer.team_id == team_id, Gig.done_at >= since, Gig.done_at < until)
    )
    return MonthNumbers(
        events=session.scalar(held.select_from(Event)),
        checkins=session.scalar(checkins),
        leads_shared=session.scalar(shared.select_from(Lead)),
        volunteer_hours=Decimal(session.scalar(hours) or 0),
    )


# --- who has Home open, and what changed for them ------------------------------------------------


def opened(session: Session, *, team_id: str, user_id: str, officer: bool, now: datetime | None = None) -> None:
    now = now or utcnow()
    values = {"team_id": team_id, "user_id": user_id, "officer": officer, "opened_at": now, "seen_changes_at": now}
    statement = insert_for(session)(HomeViewer).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=["team_id", "user_id"], set_={"officer": officer, "opened_at": now, "seen_changes_at": now}))


def officer_viewers(session: Session, *, team_id: str) -> list[str]:
    """Officers of the workspace who have opened Home (their Home shows what waits for officers)."""
    return list(session.scalars(select(HomeViewer.user_id).where(HomeViewer.team_id == team_id, HomeViewer.officer.is_(True)).order_by(HomeViewer.id)))


def viewer(session: Session, *, team_id: str, user_id: str) -> HomeViewer | None:
    return session.scalar(select(HomeViewer).where(HomeViewer.team_id == team_id, HomeViewer.user_id == user_id))


def _changed_for_members(since_column):
    """Viewers with a change of their own since they were last planned: an answer or a seat
    (a promotion from the waitlist) of theirs, a decision on their claim, a bid of theirs or on a
    project they run."""
    rsvp = select(1).where(Rsvp.team_id == HomeViewer.team_id, Rsvp.user_id == HomeViewer.user_id, Rsvp.updated_at > since_column)
    claim = select(1).where(Claim.team_id == HomeViewer.team_id, Claim.user_id == HomeViewer.user_id, Claim.decided_at > since_column)
    bid = select(1).where(Bid.team_id == HomeViewer.team_id, Bid.user_id == HomeViewer.user_id, Bid.updated_at > since_column)
    runs = (Project.posted_by == HomeViewer.user_id) | (Project.supervisor == HomeViewer.user_id)
    on_theirs = select(1).select_from(Bid).join(Project, Project.id == Bid.project_id).where(Bid.team_id == HomeViewer.team_id, runs, Bid.updated_at > since_column)
    return rsvp.exists() | claim.exists() | bid.exists() | on_theirs.exists()


def _changed_for_officers(since_column):
    """What officers' Home shows of everyone: new claims, gig requests and posts to approve, and
    requests for help put in the queue, claimed or closed."""
    claim = select(1).where(Claim.team_id == HomeViewer.team_id, Claim.created_at > since_column)
    request = select(1).where(GigRequest.team_id == HomeViewer.team_id, GigRequest.created_at > since_column)
    project = select(1).where(Project.team_id == HomeViewer.team_id, Project.created_at > since_column)
    moved = (HelpRequest.queued_at > since_column) | (HelpRequest.claimed_at > since_column) | (HelpRequest.closed_at > since_column)
    help_asked = select(1).where(HelpRequest.team_id == HomeViewer.team_id, moved)
    return HomeViewer.officer.is_(True) & (claim.exists() | request.exists() | project.exists() | help_asked.exists())


# A change stamped just before `now` may commit just after the planner looked: it is looked for
# again once, so it is never missed (at worst a Home is published one extra time).
COMMIT_SLACK = timedelta(seconds=5)


def changed_viewers(session: Session, *, now: datetime, limit: int = 500) -> list[HomeViewer]:
    """Viewers whose Home shows something that changed since it was last planned, in every
    workspace; each is marked as planned up to a little before `now`."""
    found = list(session.scalars(_changed_viewers(), {"limit": limit}))
    for row in found:
        row.seen_changes_at = max(row.seen_changes_at, now - COMMIT_SLACK)
    return found


@functools.cache
def _changed_viewers() -> Select:
    """Built once, as every tick asks: building its nine subqueries took longer than running them."""
    since = HomeViewer.seen_changes_at
    changed = _changed_for_members(since) | _changed_for_officers(since)
    return select(HomeViewer).where(changed).order_by(HomeViewer.id).limit(bindparam("limit")).with_for_update(skip_locked=True)
