"""The verbs a listener uses to talk to Slack while the person waits: open a modal, send a file,
join a channel, look up a name. Messages the app owes someone (DMs, announcements, post updates)
are not sent from here but kept in the store and sent by the scheduler: see scheduler.outbox.

Each verb knows how Slack fails and what a person should hear about it: a modal that can't open
becomes "please try again".
"""

from __future__ import annotations

import logging
import re

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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


def why_not_posted(error: str, channel: str) -> str:
    """What a person can do when Slack refused a post in `channel` with `error`."""
    known = {
        "not_in_channel": f"I'm not a member of <#{channel}> and can't join it by myself (it is probably private). "
        "Invite me there with `/invite @slackapp`, then try again.",
        "channel_not_found": f"I can't see the channel <#{channel}>. Invite me there with `/invite @slackapp`, or pick another channel in `/club config`.",
        "is_archived": f"<#{channel}> is archived. Pick another channel in `/club config`.",
        "restricted_action": f"This workspace doesn't let me post in <#{channel}>.",
    }
    return known.get(error, f"Slack refused the post ({error}). Please try again in a minute.")


def tell(context: BoltContext, text: str) -> None:
    """Tell the person a request came from something only they see: at the request's response_url,
    or by DM where there is none (App Home, a submitted modal)."""
    try:
        if context.response_url:
            context.respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            context.client.chat_postMessage(channel=context.user_id, text=text)
    except (SlackApiError, OSError):
        log.warning("could not tell %s: %s", context.user_id, text, exc_info=True)


class Slack:
    """One request's verbs. They run after the listener has acknowledged the request, so a verb
    that fails tells the person itself (`tell`) and returns False, instead of raising."""

    def __init__(self, client: WebClient, directory: Directory, context: BoltContext):
        self.client = client
        self.directory = directory
        self._context = context

    def open_modal(self, trigger_id: str, view) -> bool:
        try:
            self.client.views_open(trigger_id=trigger_id, view=view)
            return True
        except (SlackApiError, OSError) as exc:
            log.warning("views.open failed: %s", exc.response.get("error") if isinstance(exc, SlackApiError) else exc)
            tell(self._context, SLOW_MODAL)
            return False

    def join(self, channel: str) -> bool:
        try:
            self.client.conversations_join(channel=channel)
            return True
        except SlackApiError as exc:
            log.info("could not join %s: %s", channel, exc.response.get("error"))
            return False

    def send_file(self, user_id: str, *, filename: str, title: str, content: str | bytes, comment: str | None = None) -> bool:
        """A file in the person's DM with the bot."""
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            self.client.files_upload_v2(channel=channel, filename=filename, title=title, content=content, initial_comment=comment)
            return True
        except (SlackApiError, OSError) as exc:
            log.warning("upload of %s failed: %s", filename, exc.response.get("error") if isinstance(exc, SlackApiError) else exc)
            tell(self._context, FILE_REFUSED)
            return False

    def send_files(self, user_id: str, files: list[dict], *, comment: str | None = None) -> bool:
        """Several files in the person's DM, in one message (each a dict of filename, title, content)."""
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            self.client.files_upload_v2(channel=channel, file_uploads=files, initial_comment=comment)
            return True
        except (SlackApiError, OSError) as exc:
            log.warning("upload of %d files failed: %s", len(files), exc.response.get("error") if isinstance(exc, SlackApiError) else exc)
            tell(self._context, FILE_REFUSED)
            return False

    def name_of(self, team_id: str, user_id: str) -> str:
        """A person's display name, or "" when Slack can't say."""
        person = self.directory.lookup(team_id, user_id)
        return person.name if person else ""
