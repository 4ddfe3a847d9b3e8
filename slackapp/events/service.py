"""The rules of events and RSVPs, over the store. Nothing here knows about Slack."""

from __future__ import annotations

import functools
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from slackapp.db import dialect_insert, insert_for, inserted, team_row, utcnow
from slackapp.errors import UserError
from slackapp.events.models import Answer, Attendance, Category, Event, Rsvp, RsvpAction, Seat
from slackapp.slack.text import escape
from slackapp.validation import text_field

LIMITS = {"title": 150, "description": 2000, "location": 200, "online_link": 2000, "employer": 100}
CHECKIN_OPENS = timedelta(minutes=30)
MAX_CAPACITY = 100_000


class NotYet(UserError):
    def __init__(self, opens: datetime):
        super().__init__("Check-in opens 30 minutes before the start.")
        self.opens = opens


@dataclass(frozen=True)
class EventDraft:
    title: str
    description: str | None
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_link: str | None
    capacity: int | None
    channel: str | None
    category: str = Category.career_events.value
    # The company it is with (linked to its record by companies), if any.
    employer: str | None = None


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def validate(raw: dict, *, now: datetime, editing: bool = False) -> EventDraft:
    """Check the event form; all problems at once, keyed by field."""
    errors: dict[str, str] = {}

    def text(name: str, *, required: bool = False) -> str | None:
        return text_field(raw, name, errors, limit=LIMITS[name], required=required)

    title = text("title", required=True)
    description = text("description")
    location = text("location")
    link = text("online_link")
    if link and "online_link" not in errors:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in link:
            errors["online_link"] = "Give a web link starting with http:// or https://"
    starts, ends = _moment(raw.get("starts_at")), _moment(raw.get("ends_at"))
    if starts is None:
        errors["starts_at"] = "Pick when it starts."
    elif starts < now and not editing:
        errors["starts_at"] = "That time has passed."
    if ends is None:
        errors["ends_at"] = "Pick when it ends."
    elif starts is not None and ends <= starts:
        errors["ends_at"] = "It has to end after it starts."
    capacity = None
    raw_capacity = str(raw.get("capacity") or "").strip()
    if raw_capacity:
        if not raw_capacity.lstrip("-").isdigit() or not 1 <= int(raw_capacity) <= MAX_CAPACITY:
            errors["capacity"] = "Capacity is a whole number, at least 1 (leave it empty for no limit)."
        else:
            capacity = int(raw_capacity)
    channel = raw.get("channel") if isinstance(raw.get("channel"), str) else None
    if not location and not link:
        errors["location"] = "Give a place, an online link, or both."
    employer = text("employer")
    category = raw.get("category") or Category.career_events.value
    if category not in Category._value2member_map_:
        errors["category"] = "Pick what kind of event it is."
    if errors:
        raise UserError.in_fields(errors)
    return EventDraft(title, description, starts, ends, location, link, capacity, channel, category, employer=employer)


def create_event(session: Session, *, team_id: str, user_id: str, is_officer: bool, draft: EventDraft) -> Event:
    if not is_officer:
        raise UserError("Only club officers can create events.")
    # The draft's fields are the event's columns.
    event = Event(team_id=team_id, created_by=user_id, **asdict(draft))
    session.add(event)
    session.flush()
    return event


def get_event(session: Session, *, team_id: str, event_id: int, lock: bool = False) -> Event:
    # Locked, answers to one event are applied one at a time, so capacity can't be overrun.
    return team_row(session, Event, team_id=team_id, row_id=event_id, lock=lock, missing="That event no longer exists.")


def event_for_message(session: Session, *, team_id: str, channel: str, ts: str) -> Event | None:
    """The live event whose RSVP message this is, if any (a message can be made an RSVP post again
    after its first event was cancelled)."""
    return session.scalar(_EVENT_FOR_MESSAGE, {"team": team_id, "channel": channel, "ts": ts})


# Built once: every reaction asks it.
_EVENT_FOR_MESSAGE = (
    select(Event)
    .where(Event.team_id == bindparam("team"), Event.channel == bindparam("channel"), Event.rsvp_ts == bindparam("ts"), Event.cancelled_at.is_(None))
    .order_by(Event.id.desc())
    .limit(1)
)


def event_answered_by(session: Session, *, team_id: str, channel: str, ts: str) -> Event | None:
    """event_for_message, asked once per transaction for each message: a batch of reactions is
    mostly reactions to one post."""
    known = session.info.setdefault("events_by_message", {})
    key = (team_id, channel, ts)
    if key not in known:
        # The event itself, not its id: the session only holds it weakly, and would read it again.
        known[key] = event_for_message(session, team_id=team_id, channel=channel, ts=ts)
    return known[key]


def ensure_message_free(session: Session, *, team_id: str, channel: str, ts: str) -> None:
    """A message is the RSVP post of one live event at most, or reactions would be ambiguous."""
    taken = event_for_message(session, team_id=team_id, channel=channel, ts=ts)
    if taken is not None:
        raise UserError(f"This message is already the RSVP post for “{escape(taken.title, 100)}”. Cancel that event first to reuse it.")


def record_posts(session: Session, *, team_id: str, event_id: int, channel: str, rsvp_ts: str, post_ts: str) -> None:
    event = get_event(session, team_id=team_id, event_id=event_id)
    event.channel, event.rsvp_ts, event.post_ts = channel, rsvp_ts, post_ts


def may_manage(event: Event, *, user_id: str, is_officer: bool) -> bool:
    return is_officer or event.created_by == user_id


def _ensure_may_manage(event: Event, *, user_id: str, is_officer: bool) -> None:
    if not may_manage(event, user_id=user_id, is_officer=is_officer):
        raise UserError("Only the person who created this event, or an officer, can change it.")


# --- answers ---------------------------------------------------------------------------------


def order_key(ts: str) -> str:
    """Slack's "1360782804.083113" as text that sorts in time order."""
    whole, _, fraction = str(ts).partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise UserError("That action carries no usable time.")
    return f"{int(whole):012d}.{fraction[:6]:0<6}"


def replay(actions: list[tuple[str, str]]) -> Answer:
    """The answer a member's actions add up to, in the order they made them.

    Each member has one answer and the latest wins; removing the reaction that is the current
    answer withdraws it, removing any other changes nothing."""
    answer = Answer.none
    for action, _ in sorted(actions, key=lambda pair: pair[1]):
        verb, _, value = action.partition(":")
        if verb in ("add", "set"):
            answer = Answer(value)
        elif verb == "remove" and answer.value == value:
            answer = Answer.none
    return answer


@dataclass
class Change:
    """What one action did: the member's seat before and after, and who moved up from the waitlist."""

    user_id: str
    before: Seat
    after: Seat
    promoted: list[str] = field(default_factory=list)
    waitlist_place: int = 0

    @property
    def changed(self) -> bool:
        return self.before != self.after or bool(self.promoted)


# Answers come in bursts (hundreds of reactions a minute), so their statements are built once and
# run on the connection; `_locked_event` locks an event once per transaction and reuses it.
_EVENTS, _RSVPS, _ACTIONS = Event.__table__, Rsvp.__table__, RsvpAction.__table__
_HISTORY = select(_ACTIONS.c.action, _ACTIONS.c.at).where(_ACTIONS.c.event_id == bindparam("event"), _ACTIONS.c.user_id == bindparam("user"))
_MY_RSVP = select(_RSVPS.c.id, _RSVPS.c.seat, _RSVPS.c.answer).where(_RSVPS.c.event_id == bindparam("event"), _RSVPS.c.user_id == bindparam("user"))
_GOING = select(func.count()).select_from(_RSVPS).where(_RSVPS.c.event_id == bindparam("event"), _RSVPS.c.seat == Seat.going.value)
_SET_SEAT = (
    update(_RSVPS)
    .where(_RSVPS.c.id == bindparam("rsvp"))
    .values(seat=bindparam("new_seat"), answer=bindparam("new_answer"), waiting_since=bindparam("since"), updated_at=bindparam("now"))
)
_WAITING = (
    select(_RSVPS.c.id, _RSVPS.c.user_id)
    .where(_RSVPS.c.event_id == bindparam("event"), _RSVPS.c.seat == Seat.waitlist.value)
    .order_by(_RSVPS.c.waiting_since, _RSVPS.c.id)
)
_PROMOTE = update(_RSVPS).where(_RSVPS.c.id.in_(bindparam("ids", expanding=True))).values(seat=Seat.going.value, waiting_since=None)


@functools.cache
def log_action_statement(dialect: str):
    """The INSERT that logs an action unless its delivery is logged already: built once per store."""
    return dialect_insert(dialect)(_ACTIONS).on_conflict_do_nothing().returning(_ACTIONS.c.id)


def _log_action(session: Session, values: dict) -> bool:
    """Log an action unless its delivery is logged already (Slack's retry); whether it is new."""
    statement = log_action_statement(session.get_bind().dialect.name)
    return session.connection().execute(statement, values).first() is not None


def _locked_event(session: Session, *, team_id: str, event_id: int) -> Event:
    locked = session.info.setdefault("locked_events", set())
    if (team_id, event_id) in locked:
        event = session.get(Event, event_id)
        if event is not None and event.team_id == team_id:
            return event
    event = get_event(session, team_id=team_id, event_id=event_id, lock=True)
    locked.add((team_id, event_id))
    return event


def record_action(
    session: Session,
    *,
    team_id: str,
    event_id: int,
    user_id: str,
    delivery_id: str,
    action: str,
    at: str,
    message: tuple[str, str] | None = None,
) -> tuple[Event, Change | None]:
    """Log one reaction or button press and re-seat the member. The change is None for a repeated
    delivery. `message` (channel, ts) is the message reacted to, which must be the event's."""
    event = _locked_event(session, team_id=team_id, event_id=event_id)
    if event.cancelled_at is not None:
        raise UserError("This event was cancelled.")
    if message is not None and (event.channel, event.rsvp_ts) != message:
        raise UserError("That message is not this event's RSVP post.")
    logged = dict(team_id=team_id, event_id=event.id, user_id=user_id, delivery_id=delivery_id, action=action, at=order_key(at), received_at=utcnow())
    if not _log_action(session, logged):
        return event, None
    history = session.connection().execute(_HISTORY, {"event": event.id, "user": user_id}).all()
    return event, _seat(session, event=event, user_id=user_id, answer=replay([tuple(row) for row in history]))


def _going_count(session: Session, event: Event) -> int:
    return session.connection().execute(_GOING, {"event": event.id}).scalar() or 0


def _seat(session: Session, *, event: Event, user_id: str, answer: Answer) -> Change:
    connection = session.connection()
    mine = connection.execute(_MY_RSVP, {"event": event.id, "user": user_id}).first()
    before = Seat(mine.seat) if mine else Seat.none
    after, since = before, None
    if answer == Answer.going:
        if before not in (Seat.going, Seat.waitlist):
            full = event.capacity is not None and _going_count(session, event) >= event.capacity
            after, since = (Seat.waitlist, utcnow()) if full else (Seat.going, None)
        elif before == Seat.waitlist:
            # Still waiting: keep the place in the line.
            return Change(user_id=user_id, before=before, after=after, waitlist_place=_waitlist_place(session, event, user_id))
    else:
        after = Seat(answer.value)
    if mine is not None and (mine.seat, mine.answer) == (after.value, answer.value):
        return Change(user_id=user_id, before=before, after=after)
    values = {"new_seat": after.value, "new_answer": answer.value, "since": since, "now": utcnow()}
    if mine is None:
        connection.execute(_RSVPS.insert(), {"team_id": event.team_id, "event_id": event.id, "user_id": user_id, "seat": after.value, "answer": answer.value, "waiting_since": since})
    else:
        connection.execute(_SET_SEAT, {"rsvp": mine.id, **values})
    change = Change(user_id=user_id, before=before, after=after)
    if before == Seat.going and after != Seat.going:
        change.promoted = promote(session, event=event)
    if after == Seat.waitlist:
        change.waitlist_place = _waitlist_place(session, event, user_id)
    return change


def _waitlist_place(session: Session, event: Event, user_id: str) -> int:
    waiting = [member for _, member in session.connection().execute(_WAITING, {"event": event.id})]
    return waiting.index(user_id) + 1


def promote(session: Session, *, event: Event) -> list[str]:
    """Fill free seats from the waitlist, first come first served."""
    waiting = session.connection().execute(_WAITING, {"event": event.id}).all()
    if event.capacity is not None:
        waiting = waiting[: max(0, event.capacity - _going_count(session, event))]
    if waiting:
        session.connection().execute(_PROMOTE, {"ids": [rsvp_id for rsvp_id, _ in waiting]})
    return [member for _, member in waiting]


@dataclass(frozen=True)
class Roster:
    seats: dict[Seat, list[str]]
    attended: list[str]

    def count(self, seat: Seat) -> int:
        return len(self.seats[seat])

    @property
    def answered(self) -> list[str]:
        return [user for seat in (Seat.going, Seat.waitlist, Seat.maybe, Seat.no) for user in self.seats[seat]]


def roster(session: Session, *, event: Event) -> Roster:
    rows = session.execute(
        select(Rsvp.user_id, Rsvp.seat).where(Rsvp.event_id == event.id).order_by(Rsvp.waiting_since, Rsvp.updated_at, Rsvp.id)
    ).all()
    seats = {seat: [] for seat in Seat}
    for user_id, seat in rows:
        seats[Seat(seat)].append(user_id)
    attended = list(session.scalars(select(Attendance.user_id).where(Attendance.event_id == event.id).order_by(Attendance.at, Attendance.id)))
    return Roster(seats=seats, attended=attended)


def seats_of(session: Session, *, team_id: str, user_id: str, event_ids: list[int]) -> dict[int, Seat]:
    if not event_ids:
        return {}
    rows = session.execute(select(Rsvp.event_id, Rsvp.seat).where(Rsvp.team_id == team_id, Rsvp.user_id == user_id, Rsvp.event_id.in_(event_ids)))
    return {event_id: Seat(seat) for event_id, seat in rows}


def seat_counts(session: Session, *, team_id: str, event_ids: list[int]) -> dict[int, dict[Seat, int]]:
    """How many hold each seat, by event."""
    counts: dict[int, dict[Seat, int]] = {event_id: dict.fromkeys(Seat, 0) for event_id in event_ids}
    if event_ids:
        rows = session.execute(
            select(Rsvp.event_id, Rsvp.seat, func.count()).where(Rsvp.team_id == team_id, Rsvp.event_id.in_(event_ids)).group_by(Rsvp.event_id, Rsvp.seat)
        )
        for event_id, seat, count in rows:
            counts[event_id][Seat(seat)] = count
    return counts


def upcoming(session: Session, *, team_id: str, now: datetime, limit: int = 10) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(Event.team_id == team_id, Event.ends_at > now, Event.cancelled_at.is_(None))
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def find(session: Session, *, team_id: str, words: str, now: datetime) -> Event:
    """An event named by its number (`12` or `#12`) or by words of its title."""
    words = words.strip()
    if words.lstrip("#").isdigit():
        return get_event(session, team_id=team_id, event_id=int(words.lstrip("#")))
    if not words:
        raise UserError("Which event? Give its number or part of its title, like `/events roster meet the firm`.")
    candidates = [
        event
        for event in session.scalars(select(Event).where(Event.team_id == team_id).order_by(Event.starts_at.desc()).limit(200))
        if words.lower() in event.title.lower()
    ]
    current = [event for event in candidates if event.ends_at > now - timedelta(days=1)]
    found = current or candidates
    if not found:
        raise UserError(f"No event matches “{escape(words, 100)}”. `/events` lists the upcoming ones with their numbers.")
    return sorted(found, key=lambda event: abs((event.starts_at - now).total_seconds()))[0]


# --- changing an event ----------------------------------------------------------------------


@dataclass(frozen=True)
class Updated:
    event: Event
    time_changed: bool
    promoted: list[str]


def update_event(session: Session, *, team_id: str, event_id: int, user_id: str, is_officer: bool, draft: EventDraft) -> Updated:
    event = get_event(session, team_id=team_id, event_id=event_id, lock=True)
    _ensure_may_manage(event, user_id=user_id, is_officer=is_officer)
    if event.cancelled_at is not None:
        raise UserError("This event was cancelled; create a new one instead.")
    time_changed = (event.starts_at, event.ends_at) != (draft.starts_at, draft.ends_at)
    grew = event.capacity is not None and (draft.capacity is None or draft.capacity > event.capacity)
    if draft.capacity is not None and draft.capacity < _going_count(session, event):
        raise UserError(f"{_going_count(session, event)} people are already going; capacity can't be lower.", field="capacity")
    event.title, event.description, event.location = draft.title, draft.description, draft.location
    event.online_link, event.capacity, event.category = draft.online_link, draft.capacity, draft.category
    event.starts_at, event.ends_at = draft.starts_at, draft.ends_at
    if event.employer != draft.employer:
        # Linked again to the record its new name is (companies).
        event.employer, event.company_id = draft.employer, None
    session.flush()
    return Updated(event=event, time_changed=time_changed, promoted=promote(session, event=event) if grew else [])


def cancel_event(session: Session, *, team_id: str, event_id: int, user_id: str, is_officer: bool, now: datetime | None = None) -> tuple[Event, list[str]]:
    """Cancel; returns everyone who had answered, so they can be told."""
    event = get_event(session, team_id=team_id, event_id=event_id, lock=True)
    _ensure_may_manage(event, user_id=user_id, is_officer=is_officer)
    if event.cancelled_at is not None:
        raise UserError("This event is already cancelled.")
    event.cancelled_at = now or utcnow()
    return event, roster(session, event=event).answered


def delete_event(session: Session, *, team_id: str, event_id: int, user_id: str, is_officer: bool) -> Event:
    event = get_event(session, team_id=team_id, event_id=event_id, lock=True)
    _ensure_may_manage(event, user_id=user_id, is_officer=is_officer)
    if roster(session, event=event).answered:
        raise UserError("People have answered this event, so it can't be deleted; cancel it instead and they will be told.")
    session.delete(event)
    return event


# --- check-in -------------------------------------------------------------------------------


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    return event.starts_at - CHECKIN_OPENS, event.ends_at


def open_checkin(session: Session, *, team_id: str, event_id: int, user_id: str, is_officer: bool) -> Event:
    event = get_event(session, team_id=team_id, event_id=event_id, lock=True)
    _ensure_may_manage(event, user_id=user_id, is_officer=is_officer)
    if event.cancelled_at is not None:
        raise UserError("This event was cancelled.")
    if not event.checkin_code:
        # No 0/O or 1/I: people read it off a screen and type it.
        event.checkin_code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    return event


def record_checkin_post(session: Session, *, team_id: str, event_id: int, ts: str) -> None:
    get_event(session, team_id=team_id, event_id=event_id).checkin_ts = ts


def check_in(session: Session, *, team_id: str, user_id: str, now: datetime, event_id: int | None = None, code: str | None = None) -> tuple[Event, bool]:
    """Record that a member is here; by button (event id) or by code. Returns (event, newly recorded)."""
    if code is not None:
        event = session.scalar(select(Event).where(Event.team_id == team_id, Event.checkin_code == code.strip().upper()))
        if event is None:
            raise UserError("That check-in code doesn't match any event. Check it with the officer at the door.")
    else:
        event = get_event(session, team_id=team_id, event_id=event_id or 0)
        if not event.checkin_code:
            raise UserError("Check-in for this event isn't open.")
    if event.cancelled_at is not None:
        raise UserError("This event was cancelled.")
    opens, closes = checkin_window(event)
    if now < opens:
        raise NotYet(opens)
    if now > closes:
        raise UserError("Check-in has closed: the event is over.")
    return event, _attend(session, event=event, user_id=user_id, method="code" if code else "button", by=user_id)


def mark_attended(session: Session, *, team_id: str, event_id: int, user_id: str, is_officer: bool, members: list[str]) -> int:
    if not is_officer:
        raise UserError("Only officers can mark attendance.")
    event = get_event(session, team_id=team_id, event_id=event_id)
    return sum(_attend(session, event=event, user_id=member, method="officer", by=user_id) for member in dict.fromkeys(members))


def _attend(session: Session, *, event: Event, user_id: str, method: str, by: str) -> bool:
    statement = (
        insert_for(session)(Attendance)
        .values(team_id=event.team_id, event_id=event.id, user_id=user_id, method=method, marked_by=by)
        .on_conflict_do_nothing()
    )
    return inserted(session, statement, Attendance.id)


def attended_count(session: Session, *, team_id: str, user_id: str) -> int:
    """Events a member attended, for the passport."""
    return session.scalar(select(func.count()).select_from(Attendance).where(Attendance.team_id == team_id, Attendance.user_id == user_id)) or 0

