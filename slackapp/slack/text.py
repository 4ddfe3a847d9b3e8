"""Making user text safe and dates readable in Slack's mrkdwn."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def escape(text: str | None) -> str:
    """Turn user text into inert mrkdwn: only &, < and > are control characters in Slack."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What Slack sends in message text back to the characters the author typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def date_token(moment: datetime, style: str = "{date_short_pretty} at {time}") -> str:
    """A date every reader sees in their own time zone, with a UTC fallback for old clients."""
    fallback = moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{style}|{fallback}>"


def end_of_day(day: date, tz: str) -> datetime:
    """The last minute of `day` in the workspace's zone: a deadline is open all that day."""
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(tz))


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
