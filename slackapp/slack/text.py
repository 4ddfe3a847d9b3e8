"""Making user text safe in Slack's mrkdwn."""

from __future__ import annotations

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str | None, limit: int | None = None) -> str:
    """Turn user text into inert mrkdwn: only &, < and > are control characters in Slack.

    With `limit`, the result is at most that long: the text is cut (ending in "…") before it is
    escaped, so what follows it in a message is never cut off and no entity is split."""
    if not text:
        return ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if limit is None or len(escaped) <= limit:
        return escaped
    kept, length = [], 0
    for char in text:
        piece = _ENTITIES.get(char, char)
        if length + len(piece) > limit - 1:
            break
        kept.append(piece)
        length += len(piece)
    return "".join(kept) + "…"


def unescape(text: str) -> str:
    """What Slack sends in message text back to the characters the author typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
