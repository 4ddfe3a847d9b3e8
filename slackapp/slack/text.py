"""Making user text safe in Slack's mrkdwn."""

from __future__ import annotations


def escape(text: str | None) -> str:
    """Turn user text into inert mrkdwn: only &, < and > are control characters in Slack."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What Slack sends in message text back to the characters the author typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
