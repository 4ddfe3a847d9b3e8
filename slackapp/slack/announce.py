"""Posting to a channel the way every feature needs: join a public channel if we must."""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class CannotPost(Exception):
    """The bot can't post where it was asked to; the message says what a person can do about it."""


def is_channel_id(value: object) -> bool:
    return isinstance(value, str) and bool(_CHANNEL_ID.match(value))


def post(client: WebClient, *, channel: str, text: str, blocks: list[dict]) -> tuple[str, str]:
    """chat.postMessage, joining a public channel first when the bot isn't in it. Returns (channel, ts)."""
    try:
        response = client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error != "not_in_channel":
            raise _explained(error, channel) from exc
        try:
            client.conversations_join(channel=channel)
        except SlackApiError as join_exc:
            log.info("could not join %s: %s", channel, join_exc.response.get("error"))
            raise CannotPost(
                f"I'm not a member of <#{channel}> and can't join it by myself (it is probably private). "
                f"Invite me there with `/invite @slackapp`, then try again."
            ) from join_exc
        response = client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
    return response["channel"], response["ts"]


def _explained(error: str | None, channel: str) -> Exception:
    known = {
        "channel_not_found": f"I can't see the channel <#{channel}>. Invite me there with `/invite @slackapp`, or pick another channel in `/club config`.",
        "is_archived": f"<#{channel}> is archived. Pick another channel in `/club config`.",
        "restricted_action": f"This workspace doesn't let me post in <#{channel}>.",
    }
    if error in known:
        return CannotPost(known[error])
    return CannotPost(f"Slack refused the post ({error}). Please try again in a minute.")


def tell(client: WebClient, *, user_id: str, text: str) -> None:
    """A direct message to one person; failures are logged, never raised (it's a courtesy note)."""
    try:
        client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not DM %s: %s", user_id, exc.response.get("error"))
