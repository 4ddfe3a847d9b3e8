"""The verbs features use to talk to Slack. Listeners call these, never the Web API.

Each verb knows how Slack fails and what a person should hear about it: a modal that can't open
becomes "please try again" (a UserError), an announcement that can't be posted becomes a DM to the
poster saying why, a post refresh is coalesced and retried after Slack's Retry-After.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.errors import UserError
from slackapp.slack.blocks import to_dicts
from slackapp.slack.client import is_retryable, retry_after
from slackapp.slack.coalesce import Coalescer
from slackapp.slack.people import Directory

log = logging.getLogger(__name__)

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")

SLOW_MODAL = "Slack took too long to open the form. Please try again."
FILE_REFUSED = "Slack didn't take the file. Please try again."


def is_channel_id(value: object) -> bool:
    return isinstance(value, str) and bool(_CHANNEL_ID.match(value))


def is_announceable(value: object) -> bool:
    """A channel people can see a post in: not a DM."""
    return is_channel_id(value) and not value.startswith("D")


class CannotPost(Exception):
    """The bot can't post where it was asked to; the message says what a person can do about it."""


@dataclass(frozen=True)
class Post:
    """A message as it should look now: where it is, and what it says."""

    channel: str
    ts: str
    text: str
    blocks: Sequence


# Reads the store at refresh time and says how the post should look: None when it has no post,
# UserError when what it shows is gone.
Render = Callable[[], Post | None]


class Slack:
    def __init__(self, client: WebClient, directory: Directory, *, refresh_interval: float = 1.0):
        self.client = client
        self.directory = directory
        self._posts = _PostRefresher(client, interval=refresh_interval)

    # --- modals ------------------------------------------------------------------------------

    def open_modal(self, trigger_id: str, view) -> None:
        try:
            self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            raise UserError(SLOW_MODAL) from None

    # --- posting -------------------------------------------------------------------------------

    def post(self, channel: str, text: str, blocks: Sequence = (), *, thread_ts: str | None = None) -> tuple[str, str]:
        """chat.postMessage, joining a public channel first when the bot isn't in it. Returns (channel, ts)."""
        message = dict(channel=channel, text=text, blocks=to_dicts(blocks) or None, unfurl_links=False, thread_ts=thread_ts)
        try:
            response = self.client.chat_postMessage(**message)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error != "not_in_channel":
                raise _explained(error, channel) from exc
            if not self.join(channel):
                raise CannotPost(
                    f"I'm not a member of <#{channel}> and can't join it by myself (it is probably private). "
                    f"Invite me there with `/invite @slackapp`, then try again."
                ) from exc
            response = self.client.chat_postMessage(**message)
        return response["channel"], response["ts"]

    def announce(self, channel: str | None, text: str, blocks: Sequence, *, poster: str, no_channel: str, cannot_post: str) -> tuple[str, str] | None:
        """Post in `channel`; when there is none or Slack refuses, tell the poster why in a DM."""
        if not is_announceable(channel):
            self.dm(poster, no_channel)
            return None
        try:
            return self.post(channel, text, blocks)
        except CannotPost as exc:
            self.dm(poster, f"{cannot_post} {exc}")
            return None

    def dm(self, user_id: str, text: str, blocks: Sequence | None = None) -> bool:
        """A direct message; a failure is logged, never raised (the work it reports is already done)."""
        try:
            self.client.chat_postMessage(channel=user_id, text=text, blocks=to_dicts(blocks) or None)
            return True
        except SlackApiError as exc:
            log.warning("could not DM %s: %s", user_id, exc.response.get("error"))
            return False

    def refresh(self, key: Hashable, render: Render) -> None:
        """Show the current state in a posted message soon: bursts become one chat.update per
        interval, and an update Slack refuses for now is tried again after its Retry-After."""
        self._posts.touch(key, render)

    def update(self, channel: str, ts: str, text: str, blocks: Sequence) -> bool:
        try:
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=to_dicts(blocks))
            return True
        except SlackApiError as exc:
            log.info("could not update %s/%s: %s", channel, ts, exc.response.get("error"))
            return False

    def delete(self, channel: str, ts: str) -> None:
        try:
            self.client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as exc:
            log.info("could not delete %s/%s: %s", channel, ts, exc.response.get("error"))

    def react(self, channel: str, ts: str, names: Sequence[str]) -> None:
        for name in names:
            try:
                self.client.reactions_add(channel=channel, timestamp=ts, name=name)
            except SlackApiError as exc:
                log.info("could not add :%s: to %s/%s: %s", name, channel, ts, exc.response.get("error"))

    def join(self, channel: str) -> bool:
        try:
            self.client.conversations_join(channel=channel)
            return True
        except SlackApiError as exc:
            log.info("could not join %s: %s", channel, exc.response.get("error"))
            return False

    # --- files and people ------------------------------------------------------------------------

    def send_file(self, user_id: str, *, filename: str, title: str, content: str | bytes, comment: str | None = None) -> None:
        """A file in the person's DM with the bot."""
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            self.client.files_upload_v2(channel=channel, filename=filename, title=title, content=content, initial_comment=comment)
        except SlackApiError as exc:
            log.warning("upload of %s failed: %s", filename, exc.response.get("error"))
            raise UserError(FILE_REFUSED) from None

    def name_of(self, team_id: str, user_id: str) -> str:
        """A person's display name, or "" when Slack can't say."""
        person = self.directory.lookup(team_id, user_id)
        return person.name if person else ""


def _explained(error: str | None, channel: str) -> CannotPost:
    known = {
        "channel_not_found": f"I can't see the channel <#{channel}>. Invite me there with `/invite @slackapp`, or pick another channel in `/club config`.",
        "is_archived": f"<#{channel}> is archived. Pick another channel in `/club config`.",
        "restricted_action": f"This workspace doesn't let me post in <#{channel}>.",
    }
    return CannotPost(known.get(error, f"Slack refused the post ({error}). Please try again in a minute."))


class _PostRefresher:
    """Coalesced chat.update per post; the render of the latest touch wins."""

    def __init__(self, client: WebClient, *, interval: float):
        self._client = client
        self._renders: dict[Hashable, Render] = {}
        self._lock = threading.Lock()
        self._coalescer = Coalescer(self._update, interval=interval)

    def touch(self, key: Hashable, render: Render) -> None:
        with self._lock:
            self._renders[key] = render
        self._coalescer.touch(key)

    def _update(self, key: Hashable) -> None:
        with self._lock:
            render = self._renders.pop(key, None)
        try:
            post = render() if render else None
        except UserError as gone:
            log.info("not refreshing %s: %s", key, gone)
            return
        if post is None:
            return
        try:
            self._client.chat_update(channel=post.channel, ts=post.ts, text=post.text, blocks=to_dicts(post.blocks))
        except SlackApiError as exc:
            log.warning("could not update %s/%s: %s", post.channel, post.ts, exc.response.get("error"))
            if is_retryable(exc.response.status_code):
                # Nothing else may touch this post soon; show the final state once Slack lets us.
                retry = threading.Timer(retry_after(exc.response.headers), self.touch, args=(key, render))
                retry.daemon = True
                retry.start()
