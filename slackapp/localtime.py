"""Wall-clock arithmetic in a workspace's or a member's own time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The time zones' farthest offsets from UTC (Kiribati's +14, Baker Island's -12): every zone's
# date lies between the two bounds below.
AHEAD_OF_UTC = timedelta(hours=14)
BEHIND_UTC = timedelta(hours=12)


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def earliest_today(moment: datetime) -> date:
    """The earliest date any zone has at `moment`: a last day before it has passed everywhere."""
    return (moment - BEHIND_UTC).date()


def latest_today(moment: datetime) -> date:
    """The latest date any zone has at `moment`: a last day before it has passed somewhere."""
    return (moment + AHEAD_OF_UTC).date()


def at_local(day: date, at: time, tz: str) -> datetime:
    """`day` at `at` on the wall clock of `tz`, in UTC. Days are counted on the local calendar, so
    a weekly 9:00 stays 9:00 across daylight-saving changes."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def next_weekly(now: datetime, *, weekday: int, at: time, tz: str) -> datetime:
    """The first moment strictly after `now` that is `weekday` at `at` in `tz` (weekday 0 = Monday)."""
    today = local(now, tz).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    moment = at_local(day, at, tz)
    if moment <= now:
        moment = at_local(day + timedelta(days=7), at, tz)
    return moment


def end_of_day(day: date, tz: str) -> datetime:
    """The last minute of `day` in `tz`: a deadline is open all that day."""
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(tz))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_weekday(text: str) -> int | None:
    text = text.strip().lower()[:3]
    return WEEKDAYS.index(text) if text in WEEKDAYS else None


def parse_time(text: str) -> time | None:
    """'18:00', '9:30', '6pm', '9am' -> time; None when it isn't a time of day."""
    text = text.strip().lower().replace(".", "")
    suffix = None
    for ending in ("am", "pm"):
        if text.endswith(ending):
            suffix, text = ending, text[: -len(ending)].strip()
    hours, _, minutes = text.partition(":")
    if not hours.isdigit() or (minutes and not minutes.isdigit()):
        return None
    hour, minute = int(hours), int(minutes or 0)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)
