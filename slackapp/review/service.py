"""A year in review: what the club did between two dates, read from every feature's own tables.
Read only, no Slack. Every figure carries how many members it stands for, so views can hide the
ones about fewer than SMALLEST_GROUP members, as the passport's numbers do."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.ask.models import HelpRequest
from slackapp.ask.models import Status as HelpStatus
from slackapp.errors import UserError
from slackapp.events.models import Attendance, Event
from slackapp.events.models import Category as EventKind
from slackapp.gigs.models import Gig, GigStatus, GigVolunteer
from slackapp.leads.models import Lead, LeadStatus
from slackapp.micro.models import DONE as MICRO_DONE
from slackapp.micro.models import Bid
from slackapp.passport import service as passport
from slackapp.passport.program import period_of

try:  # Introductions (/intros) are counted once the feature is installed.
    from slackapp.intros.models import Intro, IntroPerson
except ImportError:  # pragma: no cover - before /intros existed
    Intro = IntroPerson = None

SMALLEST_GROUP = passport.SMALLEST_GROUP
# A review reads at most two years: it ends before the day two years after its first.
LONGEST_YEARS = 2
USAGE = "Give the first and last day of the period: `/club review 2026-08-01 2027-05-31`."
# Leads that never went out (waiting for approval, declined) or that officers removed don't count.
NOT_SHARED = (LeadStatus.pending.value, LeadStatus.declined.value, LeadStatus.removed.value)


# --- the period ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: date
    end: date  # included

    @property
    def months(self) -> tuple[date, ...]:
        """The first day of every month the period touches."""
        found, month = [], self.start.replace(day=1)
        while month <= self.end:
            found.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return tuple(found)


def parse_period(words: list[str]) -> Span:
    """The two dates after `/club review`, checked."""
    if len(words) != 2:
        raise UserError(USAGE)
    days = []
    for word in words:
        try:
            days.append(date.fromisoformat(word))
        except ValueError:
            raise UserError(f"`{word[:20]}` is not a date: write it as YYYY-MM-DD. " + USAGE) from None
    start, end = days
    if end < start:
        raise UserError("The period's last day comes before its first day.")
    if end >= _years_after(start, LONGEST_YEARS):
        raise UserError(f"A review covers at most {LONGEST_YEARS} years: pick a shorter period.")
    return Span(start, end)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29 in a year that has none
        return date(day.year + years, 3, 1)


# --- figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One thing counted: in which month, how much (1, or hours), and who it is about, by role
    (one member; or the member who asked and the helper; or everyone an intro introduced)."""

    month: date
    amount: Decimal
    roles: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figure:
    value: Decimal
    # The smallest group of members the figure is about (for several roles, the smallest role).
    members: int

    @property
    def shown(self) -> Decimal | None:
        """The value, or None when it is about fewer than SMALLEST_GROUP members."""
        return self.value if self.members >= SMALLEST_GROUP else None


def figure(entries: Iterable[Entry]) -> Figure:
    entries = list(entries)
    if not entries:
        return Figure(Decimal(0), 0)
    roles = min(len(entry.roles) for entry in entries)
    members = min(len({person for entry in entries for person in entry.roles[role]}) for role in range(roles))
    return Figure(sum((entry.amount for entry in entries), Decimal(0)), members)


@dataclass(frozen=True)
class Area:
    """What happened in one area over the period, month by month."""

    key: str
    label: str
    entries: tuple[Entry, ...]
    months: tuple[date, ...]

    @property
    def total(self) -> Figure:
        return figure(self.entries)

    def by_month(self) -> list[tuple[date, Figure]]:
        grouped: dict[date, list[Entry]] = defaultdict(list)
        for entry in self.entries:
            grouped[entry.month].append(entry)
        return [(month, figure(grouped[month])) for month in self.months]


@dataclass(frozen=True)
class EventHeld:
    title: str
    day: date
    kind: str
    attended: Figure


@dataclass(frozen=True)
class CategoryPoints:
    label: str
    points: Figure


@dataclass(frozen=True)
class Review:
    span: Span
    events: tuple[EventHeld, ...]
    attendance: Area
    areas: tuple[Area, ...]  # leads, gigs, micro, help, intros (when /intros is installed)
    points: tuple[CategoryPoints, ...]
    points_total: Figure

    def area(self, key: str) -> Area | None:
        return next((area for area in (self.attendance, *self.areas) if area.key == key), None)


# --- reading the store ---------------------------------------------------------------------------


class _Window:
    def __init__(self, span: Span, tz: str):
        self.zone = ZoneInfo(tz)
        self.since = datetime.combine(span.start, time.min, self.zone)
        self.until = datetime.combine(span.end + timedelta(days=1), time.min, self.zone)

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def month(self, moment: datetime) -> date:
        return self.day(moment).replace(day=1)

    def holds(self, column) -> list:
        return [column >= self.since, column < self.until]


def _one(month: date, user: str, amount: Decimal | int = 1) -> Entry:
    return Entry(month, Decimal(amount), ((user,),))


def events_held(session: Session, *, team_id: str, window: _Window, now: datetime) -> tuple[list[EventHeld], list[Entry]]:
    """Events of the period that took place (not cancelled, started by now), with their check-ins."""
    held = session.execute(
        select(Event.id, Event.title, Event.starts_at, Event.category)
        .where(Event.team_id == team_id, Event.cancelled_at.is_(None), Event.starts_at <= now, *window.holds(Event.starts_at))
        .order_by(Event.starts_at, Event.id)
    ).all()
    starts = {event_id: starts_at for event_id, _, starts_at, _ in held}
    checked_in: dict[int, set[str]] = defaultdict(set)
    if starts:
        rows = session.execute(select(Attendance.event_id, Attendance.user_id).where(Attendance.team_id == team_id, Attendance.event_id.in_(list(starts))))
        for event_id, user in rows:
            checked_in[event_id].add(user)
    events = [EventHeld(title, window.day(starts_at), _kind_label(kind), Figure(Decimal(len(checked_in[event_id])), len(checked_in[event_id]))) for event_id, title, starts_at, kind in held]
    entries = [_one(window.month(starts[event_id]), user) for event_id in starts for user in sorted(checked_in[event_id])]
    return events, entries


def _kind_label(kind: str) -> str:
    return EventKind(kind).label if kind in EventKind._value2member_map_ else kind


def leads_shared(session: Session, *, team_id: str, window: _Window) -> list[Entry]:
    rows = session.execute(select(Lead.posted_by, Lead.created_at).where(Lead.team_id == team_id, Lead.status.not_in(NOT_SHARED), *window.holds(Lead.created_at)))
    return [_one(window.month(at), user) for user, at in rows]


def gig_hours(session: Session, *, team_id: str, window: _Window) -> list[Entry]:
    """Hours the gig's contact or an officer confirmed, in the month the gig was marked done."""
    rows = session.execute(
        select(GigVolunteer.user_id, GigVolunteer.hours, Gig.done_at)
        .join(Gig, Gig.id == GigVolunteer.gig_id)
        .where(GigVolunteer.team_id == team_id, Gig.status == GigStatus.done.value, GigVolunteer.hours > 0, *window.holds(Gig.done_at))
    )
    return [_one(window.month(done), user, hours) for user, hours, done in rows]


def micro_completed(session: Session, *, team_id: str, window: _Window) -> list[Entry]:
    rows = session.execute(select(Bid.user_id, Bid.completed_at).where(Bid.team_id == team_id, Bid.status.in_(MICRO_DONE), *window.holds(Bid.completed_at)))
    return [_one(window.month(done), user) for user, done in rows]


def help_closed(session: Session, *, team_id: str, window: _Window) -> list[Entry]:
    """Requests for help the member who asked marked done; about the members who asked and the helpers."""
    rows = session.execute(
        select(HelpRequest.user_id, HelpRequest.helper, HelpRequest.closed_at).where(HelpRequest.team_id == team_id, HelpRequest.status == HelpStatus.done.value, *window.holds(HelpRequest.closed_at))
    )
    return [Entry(window.month(closed), Decimal(1), ((asker,), (helper or "",))) for asker, helper, closed in rows]


def intros_made(session: Session, *, team_id: str, span: Span) -> list[Entry] | None:
    """Introductions of the period's rounds, about everyone they introduced (None before /intros)."""
    if Intro is None:
        return None
    rows = session.execute(
        select(Intro.id, Intro.day, IntroPerson.user_id)
        .join(IntroPerson, IntroPerson.intro_id == Intro.id)
        .where(Intro.team_id == team_id, Intro.day >= span.start, Intro.day <= span.end)
        .order_by(Intro.id, IntroPerson.user_id)
    )
    people: dict[int, list[str]] = defaultdict(list)
    days: dict[int, date] = {}
    for intro_id, day, user in rows:
        people[intro_id].append(user)
        days[intro_id] = day
    return [Entry(days[intro_id].replace(day=1), Decimal(1), (tuple(people[intro_id]),)) for intro_id in days]


def points_by_category(session: Session, *, team_id: str, span: Span, tz: str) -> tuple[list[CategoryPoints], Figure]:
    """Passport points after caps, by category: the passport's own records, one for each of its
    periods (semester or year) within the dates, each clipped to them, so caps apply per period."""
    program = passport.program(session, team_id=team_id)
    points: dict[str, int] = defaultdict(int)
    members: dict[str, set[str]] = defaultdict(set)
    anyone: set[str] = set()
    day = span.start
    while day <= span.end:
        period = period_of(day, program.period)
        last = min(period.end, span.end)
        for record in passport.records(session, team_id=team_id, start=day, end=last, tz=tz):
            for score in record.scores:
                if score.counted:
                    points[score.category.key] += score.counted
                    members[score.category.key].add(record.user_id)
                    anyone.add(record.user_id)
        day = last + timedelta(days=1)
    by_category = [CategoryPoints(category.label, Figure(Decimal(points[category.key]), len(members[category.key]))) for category in program.categories]
    return by_category, Figure(Decimal(sum(points.values())), len(anyone))


def review(session: Session, *, team_id: str, span: Span, tz: str, now: datetime) -> Review:
    window = _Window(span, tz)
    months = span.months
    events, attended = events_held(session, team_id=team_id, window=window, now=now)
    areas = [
        Area("leads", "Leads shared", tuple(leads_shared(session, team_id=team_id, window=window)), months),
        Area("gigs", "Gig hours confirmed", tuple(gig_hours(session, team_id=team_id, window=window)), months),
        Area("micro", "Micro-internships completed", tuple(micro_completed(session, team_id=team_id, window=window)), months),
        Area("help", "Help requests closed", tuple(help_closed(session, team_id=team_id, window=window)), months),
    ]
    intros = intros_made(session, team_id=team_id, span=span)
    if intros is not None:
        areas.append(Area("intros", "Introductions made", tuple(intros), months))
    points, points_total = points_by_category(session, team_id=team_id, span=span, tz=tz)
    return Review(
        span=span,
        events=tuple(events),
        attendance=Area("events", "Event check-ins", tuple(attended), months),
        areas=tuple(areas),
        points=tuple(points),
        points_total=points_total,
    )
