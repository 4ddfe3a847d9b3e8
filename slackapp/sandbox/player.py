"""Slack's side of the sandbox: what a person does on the page becomes the signed request Slack
would send the app (slash command, block_actions, view_submission, message shortcut, reaction and
App Home events), and the app's answer is shown the way Slack shows it (a command's reply, a
modal's errors, the next view of the stack).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass

from slackapp.sandbox import payloads
from slackapp.sandbox.blockkit import element_state, find_element, state_values
from slackapp.sandbox.fake import APP_ID, BOT_ID, BOT_USER_ID, FakeSlack
from slackapp.sandbox.slackhttp import Response, SlackClient
from slackapp.sandbox.workspace import SLACKBOT, with_ids

log = logging.getLogger(__name__)

# Answers the app still owes after its HTTP reply (a modal, a respond()) come within this long.
SETTLE_SECONDS = 2.0
QUIET_SECONDS = 0.3


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    tz: str


class Player:
    def __init__(self, fake: FakeSlack, slack: SlackClient, *, team_id: str, commands: set[str], escaped_commands: frozenset[str] = frozenset()):
        self.fake = fake
        self.slack = slack
        self.team_id = team_id
        self.commands = commands
        self.escaped_commands = escaped_commands

    @property
    def workspace(self):
        return self.fake.workspace

    def person(self, user_id: str) -> Person:
        user = self.fake.user(user_id) or {}
        return Person(user_id=user_id, name=user.get("real_name") or user_id, tz=user.get("tz") or "UTC")

    def settle(self) -> None:
        """Wait (briefly) until the app has been quiet for a moment: a modal or a reply it sends
        after answering should be on the page the person sees next. (What comes later still
        arrives: the page asks for news every second.)"""
        began = time.monotonic()
        while time.monotonic() < began + SETTLE_SECONDS:
            calls = self.fake.calls
            last = max(began, calls[-1].at if calls else began)
            if time.monotonic() - last >= QUIET_SECONDS:
                return
            time.sleep(0.05)

    # ---- typing ------------------------------------------------------------------------

    def type(self, user_id: str, channel: str, text: str, *, thread_ts: str | None = None) -> None:
        """What the composer sends: a slash command, or a message."""
        text = text.strip()
        if not text:
            return
        if text.startswith("/") and thread_ts is None:
            command, _, rest = text.partition(" ")
            self.command(user_id, channel, command.lower(), rest.strip())
            return
        self.workspace.post(channel, user=user_id, ts=self.fake.next_ts(), text=_slack_escaped(text), thread_ts=thread_ts)

    def command(self, user_id: str, channel: str, command: str, text: str) -> None:
        if command not in self.commands:
            self.workspace.post(channel, user=SLACKBOT, ts=self.fake.next_ts(), ephemeral_to=user_id,
                                text=f"`{command}` is not a valid command. In Slack, all messages that start with \"/\" are interpreted as commands.")
            return
        if command in self.escaped_commands:
            text = self._escape_mentions(text)
        tag = self.workspace.response_tag(channel=channel, user=user_id)
        body = payloads.slash_command(
            command, text, user_id=user_id, team_id=self.team_id, channel_id=channel, enterprise_id=None,
            response_url=self.fake.response_url(tag), trigger_id=self.workspace.trigger_for(user_id),
            user_name=self.fake.user(user_id)["name"], channel_name=self._channel_name(channel), team_domain="sandbox",
        )
        answer = self.slack.command(body=body)
        self._show_reply(answer, channel, user_id, tag)
        self.settle()

    def _escape_mentions(self, text: str) -> str:
        """With "escape" on, Slack turns @name into <@U123|name>."""
        by_name = {user["name"].lower(): user["id"] for user in self.fake.users()}
        words = []
        for word in text.split(" "):
            found = by_name.get(word[1:].lower()) if word.startswith("@") else None
            words.append(f"<@{found}|{word[1:]}>" if found else word)
        return " ".join(words)

    def _channel_name(self, channel: str) -> str:
        return "directmessage" if channel.startswith("D") else (self.fake.channels().get(channel) or {}).get("name", channel)

    def _show_reply(self, answer: Response, channel: str, user_id: str, tag: str) -> None:
        """A command's HTTP answer is its first reply (a body of text or of JSON)."""
        if answer.status != 200:
            self.workspace.post(channel, user=SLACKBOT, ts=self.fake.next_ts(), ephemeral_to=user_id,
                                text=f"The app didn't answer as Slack expects (HTTP {answer.status}).")
            return
        if not answer.body.strip():
            return
        try:
            reply = answer.json()
        except ValueError:
            reply = {"text": answer.text}
        if isinstance(reply, dict) and (reply.get("text") or reply.get("blocks")):
            self.workspace.respond(tag, reply, ts=self.fake.next_ts())

    # ---- messages: buttons, selects, reactions, shortcuts ---------------------------------

    def act_on_message(self, user_id: str, channel: str, ts: str, block_id: str, action_id: str, sent: list[str], value: str | None) -> None:
        message = self.workspace.find(channel, ts)
        if message is None:
            return
        element = find_element(message["blocks"], block_id, action_id)
        if element is None:
            return
        ephemeral = message["ephemeral_to"] is not None
        tag = self.workspace.response_tag(channel=channel, user=user_id, message_ts=ts)
        payload = payloads.block_actions(
            action_id, value if element.get("type") in ("button", "overflow") else None,
            user_id=user_id, team_id=self.team_id, channel_id=channel, message_ts=ts, block_id=block_id,
            response_url=self.fake.response_url(tag), trigger_id=self.workspace.trigger_for(user_id),
            message=None if ephemeral else _as_slack_message(message), action_type=element.get("type", "button"),
            action=self._action_fields(element, sent, value, self.person(user_id).tz), enterprise_id=None,
            user_name=self.fake.user(user_id)["name"],
        )
        payload["channel"]["name"] = self._channel_name(channel)
        self._interact(payload)

    def act_in_view(self, user_id: str, view: dict, block_id: str, action_id: str, form: dict[str, list[str]], value: str | None) -> None:
        element = find_element(view.get("blocks"), block_id, action_id)
        if element is None:
            return
        values = state_values(view.get("blocks"), form, self.person(user_id).tz)
        self.workspace.keep_state(user_id, values) if view.get("type") == "modal" else None
        sent = form.get(json.dumps([block_id, action_id])) or ([value] if value is not None else [])
        shown = {key: item for key, item in view.items() if key != "errors"}
        shown["state"] = {"values": values}
        payload = payloads.block_actions(
            action_id, value if element.get("type") in ("button", "overflow") else None,
            user_id=user_id, team_id=self.team_id, block_id=block_id, view=shown,
            trigger_id=self.workspace.trigger_for(user_id), action_type=element.get("type", "button"),
            action=self._action_fields(element, sent, value, self.person(user_id).tz), enterprise_id=None,
            user_name=self.fake.user(user_id)["name"],
        )
        self._interact(payload)

    @staticmethod
    def _action_fields(element: dict, sent: list[str], value: str | None, tz: str) -> dict:
        kind = element.get("type")
        if kind == "button":
            return {"text": element.get("text") or {"type": "plain_text", "text": ""}}
        if kind == "overflow":
            option = next((o for o in element.get("options") or [] if o.get("value") == value), None)
            return {"selected_option": option}
        state = element_state(element, sent, tz)
        state.pop("type", None)
        return state

    def react(self, user_id: str, channel: str, ts: str, name: str) -> None:
        """Click a reaction: add it, or take it away when it is already yours."""
        message = self.workspace.find(channel, ts)
        if message is None or message["ephemeral_to"] is not None:
            return
        add = user_id not in message["reactions"].get(name, [])
        if not self.workspace.react(channel, ts, name=name, user=user_id, add=add):
            return
        build = payloads.reaction_added if add else payloads.reaction_removed
        event = build(name, user_id=user_id, team_id=self.team_id, channel_id=channel, item_ts=ts,
                      item_user=message["user"], event_ts=self.fake.next_ts(), enterprise_id=None)
        self.slack.event(event)
        self.settle()

    def shortcut(self, user_id: str, channel: str, ts: str, callback_id: str) -> None:
        message = self.workspace.find(channel, ts)
        if message is None:
            return
        tag = self.workspace.response_tag(channel=channel, user=user_id)
        payload = payloads.message_action(
            callback_id, text=message["text"], user_id=user_id, team_id=self.team_id, channel_id=channel, message_ts=ts,
            message_user=message["user"], response_url=self.fake.response_url(tag), trigger_id=self.workspace.trigger_for(user_id),
            enterprise_id=None, user_name=self.fake.user(user_id)["name"],
        )
        payload["message"]["blocks"] = message["blocks"] or payload["message"]["blocks"]
        self._interact(payload)

    def open_home(self, user_id: str) -> None:
        home = self.workspace.home(user_id)
        self.slack.event(payloads.app_home_opened(user_id=user_id, team_id=self.team_id, view=home, enterprise_id=None))
        self.settle()

    # ---- modals ------------------------------------------------------------------------

    def submit(self, user_id: str, form: dict[str, list[str]]) -> None:
        view = self.workspace.top_view(user_id)
        if view is None:
            return
        values = state_values(view.get("blocks"), form, self.person(user_id).tz)
        self.workspace.keep_state(user_id, values)
        shown = {key: item for key, item in view.items() if key not in ("errors", "state")}
        payload = payloads.view_submission(
            view.get("callback_id") or "", values, user_id=user_id, team_id=self.team_id,
            private_metadata=view.get("private_metadata") or "", view_id=view["id"], view=shown,
            trigger_id=self.workspace.trigger_for(user_id), enterprise_id=None, user_name=self.fake.user(user_id)["name"],
        )
        answer = self._interact(payload)
        self._follow(user_id, answer)
        self.settle()

    def _follow(self, user_id: str, answer: Response | None) -> None:
        """What Slack does with a view_submission's answer (`response_action`, or close)."""
        if answer is None or answer.status != 200:
            self.workspace.set_errors(user_id, {})
            return
        try:
            reply = answer.json() if answer.body.strip() else {}
        except ValueError:
            reply = {}
        action = reply.get("response_action") if isinstance(reply, dict) else None
        if action == "errors":
            self.workspace.set_errors(user_id, reply.get("errors") or {})
        elif action == "update":
            top = self.workspace.top_view(user_id)
            self.workspace.update_view(top["id"], _echo(reply.get("view") or {}))
        elif action == "push":
            self.workspace.open_view(user_id, _echo(reply.get("view") or {}), push=True)
        elif action == "clear":
            self.workspace.close_view(user_id, all_views=True)
        else:
            self.workspace.close_view(user_id)

    def close(self, user_id: str) -> None:
        """The dialog's close button (or Esc): its view goes; the app hears of it if the view asked."""
        view = self.workspace.top_view(user_id)
        self.workspace.close_view(user_id)
        if view is None or not view.get("notify_on_close"):
            return
        shown = {key: item for key, item in view.items() if key != "errors"}
        self._interact(payloads.view_closed(shown, user_id=user_id, team_id=self.team_id, enterprise_id=None, user_name=self.fake.user(user_id)["name"]))
        self.settle()

    def _interact(self, payload: dict) -> Response | None:
        try:
            return self.slack.interact(payload)
        except OSError:
            log.warning("the app did not answer a %s", payload.get("type"), exc_info=True)
            return None
        finally:
            if payload.get("type") == "block_actions":
                self.settle()


def _echo(view: dict) -> dict:
    """A view given in a response_action, as Slack stores it."""
    return {"id": "V" + uuid.uuid4().hex[:10].upper(), "type": "modal", "state": {"values": {}}, "private_metadata": "", "callback_id": "",
            "hash": uuid.uuid4().hex[:8], "bot_id": BOT_ID, **view, "blocks": with_ids(view.get("blocks"))}


def _as_slack_message(message: dict) -> dict:
    """A stored message the way Slack includes it in a block_actions payload."""
    shaped = {"type": "message", "ts": message["ts"], "text": message["text"], "blocks": message["blocks"], "user": message["user"]}
    if message["user"] == BOT_USER_ID:
        shaped.update({"subtype": "bot_message", "bot_id": BOT_ID, "app_id": APP_ID})
    if message["thread_ts"]:
        shaped["thread_ts"] = message["thread_ts"]
    return shaped


def _slack_escaped(text: str) -> str:
    """A person's message as Slack stores it: & < > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
