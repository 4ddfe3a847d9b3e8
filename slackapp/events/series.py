"""Recurring events: the rule of a series, its occurrences on the club's wall clock, "Going to all",
and changing one occurrence or this and all later ones. Nothing here knows about Slack.

An occurrence is an ordinary Event row with `series_id` and its number, so answers, reminders,
check-in, the waitlist, the roster and passport points work per occurrence. Occurrences are made
lazily, `announce_days` before each starts (the planner in jobs.py), never hundreds up front."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from slackapp.db import insert_for, team_row, utcnow
from slackapp.errors import UserError
from slackapp.events import service
from slackapp.events.models import Event, EventSeries, Repeat, RsvpAction, Seat, SeriesMember, SeriesStatus
from slackapp.localtime import at_local, local

DEFAULT_ANNOUNCE_DAYS = 7
MAX_ANNOUNCE_DAYS = 60
MAX_TIMES = 100
MAX_SPAN = timedelta(days=2 * 366)
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The delivery id of an answer given by "Going to all" (one per series, occurrence and member).
BY_SERIES = "series:"


# --- the rule: pure arithmetic on the local calendar ---------------------------------------------


@dataclass(frozen=True)
class Rule:
    repeat: Repeat
    first_day: date  # the first occurrence's day, on the club's calendar
    until: date | None = None
    times: int | None = None

    @property
    def nth(self) -> int:
        """Which weekday of its month the first day is (2 for the 2nd Tuesday)."""
        return (self.first_day.day - 1) // 7 + 1


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth `weekday` of a month; None when the month has no such day (a 5th Tuesday)."""
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def days(rule: Rule, *, start: int = 0, limit: int = MAX_TIMES):
    """(number, day) of the occurrences from number `start` on, at most `limit` of them. Numbers
    count the occurrences held: a month without the rule's nth weekday is skipped and not counted."""
    number, step, made = 0, 0, 0
    while made < limit:
        if rule.repeat == Repeat.weekly:
            day = rule.first_day + timedelta(weeks=step)
        elif rule.repeat == Repeat.biweekly:
            day = rule.first_day + timedelta(weeks=2 * step)
        elif rule.repeat == Repeat.monthly:
            months = rule.first_day.month - 1 + step
            year, month = rule.first_day.year + months // 12, months % 12 + 1
            day = nth_weekday(year, month, rule.first_day.weekday(), rule.nth)
            if day is None:
                step += 1
                if step > 12 * MAX_TIMES:
                    return
                continue
        else:
            day = rule.first_day if step == 0 else None
            if day is None:
                return
        step += 1
        if (rule.until is not None and day > rule.until) or (rule.times is not None and number >= rule.times):
            return
        if number >= start:
            yield number, day
            made += 1
        number += 1


def occurrence_times(day: date, local_start: time, duration: timedelta, tz: str) -> tuple[datetime, datetime]:
    """An occurrence's start and end in UTC: its day at the series' wall-clock time in `tz`, so an
    18:00 meeting stays at 18:00 across a daylight-saving change."""
    starts = at_local(day, local_start, tz)
    return starts, starts + duration


def describe(rule: Rule, local_start: str, tz: str) -> str:
    weekday = WEEKDAY_NAMES[rule.first_day.weekday()]
    how = {
        Repeat.weekly: f"every {weekday}",
        Repeat.biweekly: f"every other {weekday}",
        Repeat.monthly: f"the {ORDINALS[rule.nth]} {weekday} of each month",
    }.get(rule.repeat, "once")
    end = f", until {rule.until:%b %-d, %Y}" if rule.until else f", {rule.times} times" if rule.times else ""
    return f"{how} at {local_start} ({tz}){end}"


# --- the form's Repeats --------------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatDraft:
    rule: Rule
    local_start: str
    duration_minutes: int
    announce_days: int
    timezone: str


def _whole(raw: dict, name: str, errors: dict, message: str, low: int, high: int) -> int | None:
    text = str(raw.get(name) or "").strip()
    if not text:
        return None
    if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        errors[name] = message
        return None
    return int(text)


def validate_repeat(raw: dict, *, draft: service.EventDraft, tz: str) -> RepeatDraft | None:
    """The form's Repeats, Until, Times and announce lead time; None for a one-off event. A
    repeating event needs exactly one of Until and Times."""
    errors: dict[str, str] = {}
    chosen = raw.get("repeats") or Repeat.none.value
    if chosen not in Repeat._value2member_map_:
        raise UserError("Pick how it repeats.", field="repeats")
    repeat = Repeat(chosen)
    times = _whole(raw, "times", errors, f"Times is a whole number from 2 to {MAX_TIMES}.", 2, MAX_TIMES)
    announce = _whole(raw, "announce_days", errors, f"Announce each one 1 to {MAX_ANNOUNCE_DAYS} days ahead.", 1, MAX_ANNOUNCE_DAYS)
    until = None
    if raw.get("until"):
        try:
            until = date.fromisoformat(str(raw["until"]))
        except ValueError:
            errors["until"] = "Pick a date."
    first = local(draft.starts_at, tz)
    if repeat == Repeat.none:
        if until or times or "until" in errors or "times" in errors:
            errors["repeats"] = "Choose how it repeats, or leave Until and Times empty."
    else:
        if until is not None and times is not None:
            errors["times"] = "Give Until or Times, not both."
        elif until is None and times is None and "until" not in errors and "times" not in errors:
            errors["until"] = "Give the last date, or how many times (Times)."
        elif until is not None and until <= first.date():
            errors["until"] = "Until is after the first date."
        elif until is not None and until - first.date() > MAX_SPAN:
            errors["until"] = "A series can run two years at most."
        if draft.ends_at - draft.starts_at > timedelta(days=6):
            errors["ends_at"] = "A repeating event lasts less than a week."
    if errors:
        raise UserError.in_fields(errors)
    if repeat == Repeat.none:
        return None
    duration = int((draft.ends_at - draft.starts_at).total_seconds() // 60)
    return RepeatDraft(Rule(repeat, first.date(), until, times), f"{first:%H:%M}", duration, announce or DEFAULT_ANNOUNCE_DAYS, tz)


# --- the store ------------------------------------------------------------------------------------


def rule_of(series: EventSeries) -> Rule:
    return Rule(Repeat(series.rule), series.first_day, series.until, series.times)


def _clock(series: EventSeries) -> time:
    return time.fromisoformat(series.local_start)


def _next(series: EventSeries) -> tuple[int, date] | None:
    return next(days(rule_of(series), start=series.next_occurrence, limit=1), None)


def _schedule_next(series: EventSeries) -> None:
    """When the next occurrence is due to be made; the series ends when there is none."""
    upcoming = _next(series)
    if upcoming is None:
        series.status, series.next_announce_at = SeriesStatus.ended.value, None
        return
    starts, _ = occurrence_times(upcoming[1], _clock(series), timedelta(minutes=series.duration_minutes), series.timezone)
    series.next_announce_at = starts - timedelta(days=series.announce_days)


def create_series(session: Session, *, team_id: str, user_id: str, is_officer: bool, draft: service.EventDraft, repeat: RepeatDraft) -> EventSeries:
    if not is_officer:
        raise UserError("Only club officers can create events.")
    series = EventSeries(
        team_id=team_id,
        rule=repeat.rule.repeat.value,
        first_day=repeat.rule.first_day,
        local_start=repeat.local_start,
        timezone=repeat.timezone,
        duration_minutes=repeat.duration_minutes,
        until=repeat.rule.until,
        times=repeat.rule.times,
        announce_days=repeat.announce_days,
        title=draft.title,
        description=draft.description,
        location=draft.location,
        online_link=draft.online_link,
        capacity=draft.capacity,
        category=draft.category,
        channel=draft.channel,
        employer=draft.employer,
        created_by=user_id,
        status=SeriesStatus.active.value,
        next_occurrence=0,
    )
    _schedule_next(series)
    session.add(series)
    session.flush()
    return series


def get_series(session: Session, *, team_id: str, series_id: int, lock: bool = False) -> EventSeries:
    return team_row(session, EventSeries, team_id=team_id, row_id=series_id, lock=lock, missing="That series no longer exists.")


def due_series(session: Session, *, now: datetime) -> list[EventSeries]:
    """Active series (of every workspace) whose next occurrence is due to be made, locked."""
    return list(
        session.scalars(
            select(EventSeries)
            .where(EventSeries.status == SeriesStatus.active.value, EventSeries.next_announce_at <= now)
            .order_by(EventSeries.next_announce_at, EventSeries.id)
            .with_for_update()
        )
    )


def make_due(session: Session, *, series: EventSeries, now: datetime) -> list[Event]:
    """Make every occurrence whose announcement is due by `now` (skipping those that already
    started: the app was down), each at most once (the unique series/number index)."""
    made = []
    while series.status == SeriesStatus.active.value and series.next_announce_at is not None and series.next_announce_at <= now:
        number, day = _next(series)
        starts, ends = occurrence_times(day, _clock(series), timedelta(minutes=series.duration_minutes), series.timezone)
        series.next_occurrence = number + 1
        _schedule_next(series)
        if starts <= now:
            continue
        values = dict(
            team_id=series.team_id, title=series.title, description=series.description, starts_at=starts, ends_at=ends, location=series.location,
            online_link=series.online_link, capacity=series.capacity, category=series.category, channel=None, created_by=series.created_by,
            series_id=series.id, occurrence=number, employer=series.employer, created_at=utcnow(), updated_at=utcnow(),
        )
        table = Event.__table__
        statement = insert_for(session)(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        new_id = session.execute(statement).scalar()
        if new_id is not None:
            made.append(session.get(Event, new_id))
    return made


def members(session: Session, *, series: EventSeries) -> list[str]:
    return list(
        session.scalars(
            select(SeriesMember.user_id).where(SeriesMember.team_id == series.team_id, SeriesMember.series_id == series.id).order_by(SeriesMember.id)
        )
    )


def is_member(session: Session, *, team_id: str, series_id: int, user_id: str) -> bool:
    found = select(SeriesMember.id).where(SeriesMember.team_id == team_id, SeriesMember.series_id == series_id, SeriesMember.user_id == user_id)
    return session.scalar(found) is not None


def upcoming_occurrences(session: Session, *, series: EventSeries, now: datetime, from_number: int = 0) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.team_id == series.team_id,
                Event.series_id == series.id,
                Event.occurrence >= from_number,
                Event.cancelled_at.is_(None),
                Event.ends_at > now,
            )
            .order_by(Event.occurrence)
        )
    )


def _micros(at: str) -> int:
    whole, _, fraction = at.partition(".")
    return int(whole) * 1_000_000 + int(fraction[:6].ljust(6, "0"))


def series_answer(session: Session, *, event: Event, user_id: str, answer: str, now: datetime, after: str | None = None) -> service.Change | None:
    """An answer given for the member by the series ("Going to all", or leaving it), logged like a
    button press so the member's own later reaction on the occurrence wins over it. `after` is an
    action's time this answer must come after (the series' own answer it takes back)."""
    moment = max(round(now.timestamp() * 1_000_000), _micros(after) + 1 if after else 0)
    at = f"{moment // 1_000_000}.{moment % 1_000_000:06d}"
    _, change = service.record_action(
        session,
        team_id=event.team_id,
        event_id=event.id,
        user_id=user_id,
        delivery_id=f"{BY_SERIES}{event.series_id}:{event.id}:{user_id}:{at}",
        action=f"set:{answer}",
        at=at,
    )
    return change


@dataclass(frozen=True)
class Joined:
    series: EventSeries
    changes: list[tuple[Event, service.Change]]
    new: bool


def join(session: Session, *, team_id: str, event_id: int, user_id: str, now: datetime) -> Joined:
    """Going to all: going to every upcoming occurrence (its capacity and waitlist apply), and to
    each one made from now on."""
    event = service.get_event(session, team_id=team_id, event_id=event_id)
    if event.series_id is None:
        raise UserError("This event doesn't repeat.")
    series = get_series(session, team_id=team_id, series_id=event.series_id, lock=True)
    if series.status == SeriesStatus.cancelled.value:
        raise UserError("This series was cancelled.")
    statement = insert_for(session)(SeriesMember).values(team_id=team_id, series_id=series.id, user_id=user_id, joined_at=now).on_conflict_do_nothing()
    new = session.execute(statement.returning(SeriesMember.id)).first() is not None
    changes = []
    for occurrence in upcoming_occurrences(session, series=series, now=now):
        seat = service.seats_of(session, team_id=team_id, user_id=user_id, event_ids=[occurrence.id]).get(occurrence.id)
        if seat in (Seat.going, Seat.waitlist):
            continue
        change = series_answer(session, event=occurrence, user_id=user_id, answer="going", now=now)
        if change is not None:
            changes.append((occurrence, change))
    return Joined(series=series, changes=changes, new=new)


def leave(session: Session, *, team_id: str, event_id: int, user_id: str, now: datetime) -> tuple[EventSeries, list[tuple[Event, service.Change]]]:
    """Not going to all: the member leaves the series, and withdraws from the upcoming occurrences
    where "Going to all" is still their answer (an answer they gave on one post themselves stays)."""
    event = service.get_event(session, team_id=team_id, event_id=event_id)
    if event.series_id is None:
        raise UserError("This event doesn't repeat.")
    series = get_series(session, team_id=team_id, series_id=event.series_id, lock=True)
    session.execute(delete(SeriesMember).where(SeriesMember.team_id == team_id, SeriesMember.series_id == series.id, SeriesMember.user_id == user_id))
    changes = []
    for occurrence in upcoming_occurrences(session, series=series, now=now):
        latest = session.execute(
            select(RsvpAction.delivery_id, RsvpAction.action, RsvpAction.at)
            .where(RsvpAction.team_id == team_id, RsvpAction.event_id == occurrence.id, RsvpAction.user_id == user_id)
            .order_by(RsvpAction.at.desc(), RsvpAction.id.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.delivery_id.startswith(BY_SERIES) and latest.action == "set:going":
            change = series_answer(session, event=occurrence, user_id=user_id, answer="none", now=now, after=latest.at)
            if change is not None:
                changes.append((occurrence, change))
    return series, changes


def seat_new_occurrence(session: Session, *, event: Event, series: EventSeries, now: datetime) -> list[service.Change]:
    """Count the members going to all in for an occurrence just made."""
    changes = []
    for user_id in members(session, series=series):
        change = series_answer(session, event=event, user_id=user_id, answer="going", now=now)
        if change is not None:
            changes.append(change)
    return changes


# --- changing a series ---------------------------------------------------------------------------


def _series_to_change(session: Session, *, team_id: str, event_id: int, user_id: str, is_officer: bool) -> tuple[Event, EventSeries]:
    """The occurrence and its series (locked), refused unless the member may change the series."""
    # The series is locked before its occurrences, as everywhere (no two requests wait on each other).
    event = service.get_event(session, team_id=team_id, event_id=event_id)
    if event.series_id is None:
        raise UserError("This event doesn't repeat.")
    series = get_series(session, team_id=team_id, series_id=event.series_id, lock=True)
    if not (is_officer or series.created_by == user_id):
        raise UserError("Only the person who created this series, or an officer, can change it.")
    return event, series


@dataclass(frozen=True)
class Changed:
    series: EventSeries
    events: list[Event]
    told: list[str]  # everyone who answered a changed occurrence, or is going to all, once each
    promoted: list[tuple[Event, list[str]]]


def update_rest(session: Session, *, team_id: str, event_id: int, user_id: str, is_officer: bool, draft: service.EventDraft, now: datetime) -> Changed:
    """Edit this occurrence and every later one (made or still to be made). The time of day and
    the length change for all of them, each on its own day; the day itself moves only for one."""
    event, series = _series_to_change(session, team_id=team_id, event_id=event_id, user_id=user_id, is_officer=is_officer)
    if series.status == SeriesStatus.cancelled.value:
        raise UserError("The rest of this series was cancelled.")
    tz = series.timezone
    new_start = local(draft.starts_at, tz)
    if new_start.date() != local(event.starts_at, tz).date():
        raise UserError("For this and later ones, change the time of day, not the date (edit only this one to move its day).", field="starts_at")
    clock = time(new_start.hour, new_start.minute)
    duration = draft.ends_at - draft.starts_at
    if duration > timedelta(days=6):
        raise UserError("A repeating event lasts less than a week.", field="ends_at")
    series.title, series.description, series.location = draft.title, draft.description, draft.location
    series.online_link, series.capacity, series.category = draft.online_link, draft.capacity, draft.category
    series.employer = draft.employer
    series.local_start, series.duration_minutes = f"{clock:%H:%M}", int(duration.total_seconds() // 60)
    if series.status == SeriesStatus.active.value:
        _schedule_next(series)
    changed, told, promoted = [], {}, []
    for occurrence in upcoming_occurrences(session, series=series, now=now, from_number=event.occurrence or 0):
        starts, ends = occurrence_times(local(occurrence.starts_at, tz).date(), clock, duration, tz)
        updated = service.update_event(
            session, team_id=team_id, event_id=occurrence.id, user_id=user_id, is_officer=True, draft=replace(draft, starts_at=starts, ends_at=ends)
        )
        changed.append(updated.event)
        promoted.append((updated.event, updated.promoted))
        told.update(dict.fromkeys(service.roster(session, event=updated.event).answered))
    told.update(dict.fromkeys(members(session, series=series)))
    return Changed(series=series, events=changed, told=list(told), promoted=promoted)


def cancel_rest(session: Session, *, team_id: str, event_id: int, user_id: str, is_officer: bool, now: datetime) -> Changed:
    """Cancel this occurrence and every later one; the series makes no more."""
    event, series = _series_to_change(session, team_id=team_id, event_id=event_id, user_id=user_id, is_officer=is_officer)
    if series.status == SeriesStatus.cancelled.value:
        raise UserError("The rest of this series is already cancelled.")
    series.status, series.next_announce_at = SeriesStatus.cancelled.value, None
    cancelled, told = [], {}
    for occurrence in upcoming_occurrences(session, series=series, now=now, from_number=event.occurrence or 0):
        occurrence, answered = service.cancel_event(session, team_id=team_id, event_id=occurrence.id, user_id=user_id, is_officer=True, now=now)
        cancelled.append(occurrence)
        told.update(dict.fromkeys(answered))
    told.update(dict.fromkeys(members(session, series=series)))
    return Changed(series=series, events=cancelled, told=list(told), promoted=[])

