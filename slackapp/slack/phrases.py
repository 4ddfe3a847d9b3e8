"""Dates, hours and counts as every feature words them in mrkdwn. Features share these instead of
importing each other's views."""

from __future__ import annotations

import functools
from datetime import date, datetime, timezone
from decimal import Decimal

from slackapp.localtime import end_of_day


def date_token(moment: datetime, style: str = "{date_short_pretty} at {time}") -> str:
    """A date every reader sees in their own time zone, with a UTC fallback for old clients."""
    fallback = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{style}|{fallback}>"


def time_range(starts: datetime, ends: datetime) -> str:
    return f"{date_token(starts)} – {date_token(ends, '{time}')}"


@functools.lru_cache(maxsize=4096)
def deadline(day: date | None, tz: str) -> str:
    """When applications close: open all of `day` on the club's clock. Remembered, as it depends
    on nothing else: a list of ten leads asks for ten, and most share a few days."""
    if day is None:
        return "rolling deadline"
    return f"apply by {date_token(end_of_day(day, tz))}"


def due_day(day: date | None) -> str:
    return f"{day:%b %-d}" if day else "no due date"


def day_with_year(day: date) -> str:
    """Jan 5, 2026: a day that may fall in another year than today's (a term's end, a review's span)."""
    return f"{day:%b} {day.day}, {day.year}"


def hours(value) -> str:
    """4.0 -> "4", 2.5 -> "2.5" (hours are stored with one decimal)."""
    return format(Decimal(value).normalize(), "f")


def plural(count: int | Decimal, noun: str, many: str | None = None) -> str:
    """1 -> "1 activity", 0 or 2 -> "0 activities"; `many` for nouns that don't take an s ("people").
    Hours (a Decimal) show as hours() does: "2.5 hours"."""
    shown = hours(count) if isinstance(count, Decimal) else count
    if count == 1:
        return f"{shown} {noun}"
    if many is None:
        many = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
    return f"{shown} {many}"


def money(cents: int) -> str:
    """Integer cents as dollars and cents: 123456 -> "$1,234.56"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"
