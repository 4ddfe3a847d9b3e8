"""What a Slack workspace shows its people, as the fake Web API changes it: messages in channels
and threads, reactions, ephemeral messages, each person's stack of open modals and App Home.

The fake (slackapp.sandbox.fake) records here what the app asks of the Web API; the sandbox
records what people do (type, react, submit) and reads it all back to draw the page. Every change
bumps `version`, so a page can ask "anything new since version N?" cheaply.
"""

from __future__ import annotations

import copy
import threading
import uuid
from typing import Any

SLACKBOT = "USLACKBOT"


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:9].upper()


def with_ids(blocks: Any) -> list[dict]:
    """Blocks as Slack stores them: every block has a block_id and every interactive element an
    action_id (Slack makes them up when the app left them out)."""
    if not isinstance(blocks, list):
        return []
    stored = copy.deepcopy(blocks)
    for block in stored:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", _new_id("b")[:6])
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        elements += [block[key] for key in ("accessory", "element") if isinstance(block.get(key), dict)]
        for element in elements:
            if isinstance(element, dict) and element.get("type") not in ("image", "mrkdwn", "plain_text"):
                element.setdefault("action_id", _new_id("a")[:6])
    return stored


class Workspace:
    def __init__(self, *, bot_user_id: str) -> None:
        self.bot_user_id = bot_user_id
        self._lock = threading.RLock()
        self.version = 0
        self.messages: dict[str, list[dict]] = {}  # channel id -> messages, oldest first
        self.views: dict[str, list[dict]] = {}  # user id -> open modals, the top one last
        self.homes: dict[str, dict] = {}  # user id -> published App Home view
        self._triggers: dict[str, str] = {}  # trigger_id -> the user it was made for
        self._responses: dict[str, dict] = {}  # response_url tag -> where its answers go

    def _changed(self) -> None:
        self.version += 1

    # ---- messages ----------------------------------------------------------------------

    def post(self, channel: str, *, user: str, ts: str, text: str = "", blocks: Any = None, thread_ts: str | None = None,
             ephemeral_to: str | None = None, files: list[dict] | None = None) -> dict:
        message = {
            "channel": channel, "ts": ts, "user": user, "text": text or "", "blocks": with_ids(blocks),
            "thread_ts": thread_ts if thread_ts and thread_ts != ts else None, "reactions": {},
            "ephemeral_to": ephemeral_to, "files": files or [], "edited": False,
        }
        with self._lock:
            self.messages.setdefault(channel, []).append(message)
            self._changed()
        return copy.deepcopy(message)

    def find(self, channel: str, ts: str) -> dict | None:
        with self._lock:
            return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def update(self, channel: str, ts: str, *, text: str, blocks: Any = None) -> bool:
        with self._lock:
            message = self.find(channel, ts)
            if message is None:
                return False
            message["text"], message["edited"] = text or "", message["ephemeral_to"] is None
            message["blocks"] = with_ids(blocks)
            self._changed()
            return True

    def delete(self, channel: str, ts: str) -> bool:
        with self._lock:
            kept = [m for m in self.messages.get(channel, []) if m["ts"] != ts]
            if len(kept) == len(self.messages.get(channel, [])):
                return False
            self.messages[channel] = kept
            self._changed()
            return True

    def react(self, channel: str, ts: str, *, name: str, user: str, add: bool) -> bool:
        """Add or take away `user`'s `name` reaction; False when nothing changed."""
        with self._lock:
            message = self.find(channel, ts)
            if message is None:
                return False
            users = message["reactions"].setdefault(name, [])
            if add == (user in users):
                return False
            users.append(user) if add else users.remove(user)
            if not users:
                del message["reactions"][name]
            self._changed()
            return True

    def mark_played(self, *, since: float) -> None:
        """The messages posted from `since` on arrived in skipped time, played at once: the page
        shows them as they read at their own moment."""
        with self._lock:
            for message in (m for kept in self.messages.values() for m in kept if float(m["ts"]) >= since):
                message["played"] = True
            self._changed()

    def visible(self, channel: str, viewer: str, *, thread_ts: str | None = None) -> list[dict]:
        """What `viewer` sees in `channel` (or in one thread of it): others' ephemerals are hidden;
        a channel's own list shows each thread's first message with its number of replies."""
        with self._lock:
            mine = [m for m in self.messages.get(channel, []) if m["ephemeral_to"] in (None, viewer)]
            if thread_ts is not None:
                return copy.deepcopy([m for m in mine if m["ts"] == thread_ts or m["thread_ts"] == thread_ts])
            shown = []
            for message in mine:
                if message["thread_ts"] is None:
                    replies = sum(1 for m in mine if m["thread_ts"] == message["ts"])
                    shown.append({**copy.deepcopy(message), "reply_count": replies})
            return shown

    # ---- modals and App Home -----------------------------------------------------------

    def trigger_for(self, user: str) -> str:
        trigger = f"{uuid.uuid4().int % 10**13}.{uuid.uuid4().int % 10**11}.{uuid.uuid4().hex}"
        with self._lock:
            self._triggers[trigger] = user
        return trigger

    def user_of_trigger(self, trigger: str | None) -> str | None:
        with self._lock:
            return self._triggers.get(trigger or "")

    def open_view(self, user: str, view: dict, *, push: bool) -> None:
        with self._lock:
            stack = self.views.setdefault(user, [])
            if push and stack:
                view["previous_view_id"], view["root_view_id"] = stack[-1]["id"], stack[0]["id"]
            else:
                stack.clear()
            stack.append({**copy.deepcopy(view), "blocks": with_ids(view.get("blocks"))})
            self._changed()

    def _located(self, view_id: str | None, external_id: str | None) -> tuple[list[dict], int] | None:
        for stack in self.views.values():
            for index, view in enumerate(stack):
                if (view_id and view["id"] == view_id) or (external_id and view.get("external_id") == external_id):
                    return stack, index
        return None

    def update_view(self, view_id: str | None, view: dict, *, external_id: str | None = None) -> bool:
        with self._lock:
            found = self._located(view_id, external_id)
            if found is None:
                return False
            stack, index = found
            stack[index] = {**copy.deepcopy(view), "id": stack[index]["id"], "root_view_id": stack[index].get("root_view_id"),
                            "previous_view_id": stack[index].get("previous_view_id"), "blocks": with_ids(view.get("blocks"))}
            self._changed()
            return True

    def top_view(self, user: str) -> dict | None:
        with self._lock:
            stack = self.views.get(user) or []
            return copy.deepcopy(stack[-1]) if stack else None

    def set_errors(self, user: str, errors: dict[str, str]) -> None:
        with self._lock:
            stack = self.views.get(user) or []
            if stack:
                stack[-1]["errors"] = dict(errors)
                self._changed()

    def keep_state(self, user: str, values: dict) -> None:
        """What the person typed into the top modal, so it is still there when the modal is drawn again."""
        with self._lock:
            stack = self.views.get(user) or []
            if stack:
                stack[-1]["state"] = {"values": copy.deepcopy(values)}

    def close_view(self, user: str, *, all_views: bool = False) -> None:
        with self._lock:
            stack = self.views.get(user) or []
            if all_views:
                stack.clear()
            elif stack:
                stack.pop()
            self._changed()

    def publish_home(self, user: str, view: dict) -> None:
        with self._lock:
            self.homes[user] = {**copy.deepcopy(view), "blocks": with_ids(view.get("blocks"))}
            self._changed()

    def home(self, user: str) -> dict | None:
        with self._lock:
            return copy.deepcopy(self.homes.get(user))

    # ---- response_url ------------------------------------------------------------------

    def response_tag(self, *, channel: str, user: str, message_ts: str | None = None) -> str:
        """A response_url of its own for one command or click: its answers go to `user` in
        `channel`, and replace_original replaces the message at `message_ts`."""
        tag = _new_id("r")
        with self._lock:
            self._responses[tag] = {"channel": channel, "user": user, "message_ts": message_ts}
        return tag

    def respond(self, tag: str, args: dict, *, ts: str) -> bool:
        """An answer posted to a response_url, shown the way Slack shows it."""
        with self._lock:
            target = self._responses.get(tag)
            if target is None:
                return False
            channel, original = target["channel"], target["message_ts"]
            if args.get("delete_original") in (True, "true") and original:
                return self.delete(channel, original)
            if args.get("replace_original") in (True, "true") and original and self.find(channel, original):
                return self.update(channel, original, text=args.get("text") or "", blocks=args.get("blocks"))
            in_channel = args.get("response_type") == "in_channel"
            self.post(channel, user=self.bot_user_id, ts=ts, text=args.get("text") or "", blocks=args.get("blocks"),
                      thread_ts=args.get("thread_ts"), ephemeral_to=None if in_channel else target["user"])
            return True

    # ---- keeping it between runs -------------------------------------------------------

    def to_dict(self) -> dict:
        with self._lock:
            return copy.deepcopy({"messages": self.messages, "homes": self.homes})

    def load(self, saved: dict) -> None:
        with self._lock:
            self.messages = copy.deepcopy(saved.get("messages") or {})
            self.homes = copy.deepcopy(saved.get("homes") or {})
            self._changed()

