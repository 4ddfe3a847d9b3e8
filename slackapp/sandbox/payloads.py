"""Builders for the requests Slack sends, starting from Slack's own samples.

Each builder loads a real payload from ``slack_payloads/`` beside this file and overrides only what
the caller cares about (a test, or the sandbox playing Slack), keeping user and team ids consistent
in every nested copy.  The samples come from an Enterprise Grid org (``E111``); the builders put
them in the test org ``ORG``, where the test app is installed org-wide (see the fake's auth.test);
``enterprise_id=None`` drops them.

Set ``SLACK_SPECS_DIR`` to a ``slack-specs`` folder (or its ``payloads`` folder) to use a copy
elsewhere.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

# The same installation slackapp.sandbox.fake describes in its auth.test answer and view echoes.
BOT_USER_ID = "UBOT"
# The Enterprise Grid org the test app is installed in (org-wide), so that every test can have a
# workspace of its own; pass enterprise_id=None for a request from outside any org.
ORG = "E0FAKE"
BOT_ID = "BBOT"
API_APP_ID = "AFAKE"

_counter = itertools.count(1)
_counter_lock = threading.Lock()


SAMPLES = Path(__file__).resolve().parent / "slack_payloads"


def payloads_dir() -> Path:
    env = os.environ.get("SLACK_SPECS_DIR")
    if env:
        path = Path(env)
        return path if path.name == "payloads" else path / "payloads"
    return SAMPLES


@lru_cache(maxsize=None)
def _load_text(name: str) -> str:
    return (payloads_dir() / name).read_text(encoding="utf-8")


def load(name: str) -> dict:
    """A fresh copy of a JSON sample, e.g. ``load("block_actions.json")``."""
    return json.loads(_load_text(name))


def _seq() -> int:
    with _counter_lock:
        return next(_counter)


def new_ts() -> str:
    """A unique, increasing Slack-style timestamp near the current time."""
    n = _seq()
    return f"{int(time.time())}.{n % 1_000_000:06d}"


def new_trigger_id() -> str:
    n = _seq()
    return f"{1_000_000_000_000 + n}.{47445629121}.{uuid.uuid4().hex}"


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


def _default_response_url(kind: str, team_id: str) -> str:
    # Real-looking but never served: tests that exercise respond() pass fake.response_url().
    return f"https://hooks.slack.com/{kind}/{team_id}/{_seq()}/{uuid.uuid4().hex[:24]}"


def _set_team(payload: dict, team_id: str, enterprise_id: str | None) -> None:
    team = payload.setdefault("team", {})
    team["id"] = team_id
    if enterprise_id is None:
        team.pop("enterprise_id", None)
        team.pop("enterprise_name", None)
    else:
        team["enterprise_id"] = enterprise_id
    payload["enterprise"] = {"id": enterprise_id, "name": team.get("enterprise_name")} if enterprise_id else None
    payload["is_enterprise_install"] = False


def _set_user(payload: dict, user_id: str, team_id: str, user_name: str | None) -> None:
    user = payload.setdefault("user", {})
    user["id"] = user_id
    user["team_id"] = team_id
    if user_name is not None:
        user["name"] = user_name
        if "username" in user:
            user["username"] = user_name


def _from_person(sample: str, *, user_id: str, team_id: str, enterprise_id: str | None, user_name: str | None) -> dict:
    """An interaction sample as sent by `user_id` of `team_id`, in the org `enterprise_id`."""
    p = load(sample)
    _set_user(p, user_id, team_id, user_name)
    _set_team(p, team_id, enterprise_id)
    return p


def _view_from_sample(view: dict | None, team_id: str) -> dict:
    view = copy.deepcopy(view or {})
    base = load("view_submission.json")["view"]
    vid = view.get("id") or _new_id("V")
    base.update({"id": vid, "root_view_id": vid, "app_id": API_APP_ID, "bot_id": BOT_ID, "blocks": [],
                 "state": {"values": {}}, "private_metadata": "", "callback_id": ""})
    if view.get("type") == "home":
        for key in ("title", "close", "submit"):
            base.pop(key, None)
    base.update(view)
    base["team_id"] = team_id
    base["app_installed_team_id"] = team_id
    return base


# ---- slash commands ------------------------------------------------------------------

def slash_command(
    command: str,
    text: str = "",
    *,
    user_id: str = "U1", team_id: str = "T1", enterprise_id: str | None = ORG, channel_id: str = "C1",
    response_url: str | None = None,
    trigger_id: str | None = None,
    **extra: Any,
) -> str:
    """A form-encoded slash command body; ``extra`` sets other fields (``user_name``…)."""
    fields = dict(parse_qsl(_load_text("slash_command.txt"), keep_blank_values=True))
    fields.update({
        "team_id": team_id,
        "channel_id": channel_id,
        "user_id": user_id,
        "command": command,
        "text": text,
        "response_url": response_url or _default_response_url("commands", team_id),
        "trigger_id": trigger_id or new_trigger_id(),
    })
    if enterprise_id is None:
        fields.pop("enterprise_id", None)
        fields.pop("enterprise_name", None)
    else:
        fields["enterprise_id"] = enterprise_id
    if channel_id[:1] == "D":
        fields["channel_name"] = "directmessage"
    fields.update({k: str(v) for k, v in extra.items()})
    return urlencode(fields)


# ---- interactivity -------------------------------------------------------------------

def block_actions(
    action_id: str,
    value: str | None = None,
    *,
    user_id: str = "U1", user_name: str | None = None, team_id: str = "T1", enterprise_id: str | None = ORG, channel_id: str = "C1",
    message_ts: str | None = None,
    response_url: str | None = None,
    block_id: str | None = None,
    trigger_id: str | None = None,
    view: dict | None = None,
    message: dict | None = None,
    action_type: str = "button",
    selected_option: dict | str | None = None,
    action: dict | None = None,
) -> dict:
    """A ``block_actions`` payload from a message button (default) or from ``view``.

    Without ``message`` the container is marked ephemeral, as Slack only omits the message
    for ephemeral ones.  ``selected_option`` may be a plain value string.  ``action``
    merges extra fields into the action (``selected_date``, ``selected_user``…).
    """
    p = _from_person("block_actions.json", user_id=user_id, team_id=team_id, enterprise_id=enterprise_id, user_name=user_name)
    p["api_app_id"] = API_APP_ID
    p["trigger_id"] = trigger_id or new_trigger_id()

    _fill_action(p["actions"][0], action_id, value, block_id=block_id, action_type=action_type, selected_option=selected_option, action=action)
    if view is not None:
        return _from_view(p, view, team_id, response_url)
    return _on_message(p, message, message_ts=message_ts, channel_id=channel_id, team_id=team_id, response_url=response_url)


def _fill_action(act: dict, action_id: str, value: str | None, *, block_id, action_type: str, selected_option, action: dict | None) -> None:
    act.update({"action_id": action_id, "block_id": block_id or _new_id("b")[:5], "type": action_type,
                "action_ts": new_ts()})
    if action_type != "button":
        act.pop("text", None)
    if value is None:
        act.pop("value", None)
    else:
        act["value"] = value
    if selected_option is not None:
        if isinstance(selected_option, str):
            selected_option = {
                "text": {"type": "plain_text", "text": selected_option, "emoji": True},
                "value": selected_option,
            }
        act["selected_option"] = selected_option
    act.update(action or {})


def _on_message(p: dict, message: dict | None, *, message_ts: str | None, channel_id: str, team_id: str, response_url: str | None) -> dict:
    """A block_actions payload from a message: a posted one, or (without `message`) an ephemeral one."""
    if message is not None:
        message = copy.deepcopy(message)
        ts = message_ts or message.get("ts") or new_ts()
        message.setdefault("ts", ts)
        message.setdefault("type", "message")
        p["message"] = message
    else:
        ts = message_ts or new_ts()
    p["container"] = {
        "type": "message", "message_ts": ts, "channel_id": channel_id,
        "is_ephemeral": message is None,
    }
    p["channel"]["id"] = channel_id
    p["response_url"] = response_url or _default_response_url("actions", team_id)
    return p


def _from_view(p: dict, view: dict, team_id: str, response_url: str | None) -> dict:
    """A block_actions payload from an element in a view: no channel or message, the view instead."""
    v = _view_from_sample(view, team_id)
    p["view"] = v
    p["container"] = {"type": "view", "view_id": v["id"]}
    p.pop("channel", None)
    p.pop("response_url", None)
    if response_url is not None:
        p["response_url"] = response_url
    return p


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, Any]],
    *,
    user_id: str = "U1", user_name: str | None = None, team_id: str = "T1", enterprise_id: str | None = ORG,
    private_metadata: str = "",
    view_id: str | None = None,
    view: dict | None = None,
    trigger_id: str | None = None,
) -> dict:
    """A ``view_submission``; ``values`` maps block_id -> action_id -> element state.

    A bare string state means a ``plain_text_input`` with that value.  Input blocks are
    generated to match ``values`` unless ``view`` supplies its own ``blocks``.
    """
    p = _from_person("view_submission.json", user_id=user_id, team_id=team_id, enterprise_id=enterprise_id, user_name=user_name)
    p["api_app_id"] = API_APP_ID
    p["trigger_id"] = trigger_id or new_trigger_id()

    state: dict[str, dict[str, dict]] = {}
    blocks = []
    for block_id, actions in values.items():
        state[block_id] = {}
        for action_id, element_state in actions.items():
            if not isinstance(element_state, dict):
                element_state = {"type": "plain_text_input", "value": element_state}
            state[block_id][action_id] = copy.deepcopy(element_state)
            blocks.append({
                "type": "input", "block_id": block_id,
                "label": {"type": "plain_text", "text": block_id},
                "optional": False, "dispatch_action": False,
                "element": {"type": element_state.get("type", "plain_text_input"), "action_id": action_id},
            })

    vid = view_id or _new_id("V")
    # The view's own fields win over the generated ones, but not over its id and the submitted state.
    generated = {"root_view_id": vid, "callback_id": callback_id, "private_metadata": private_metadata, "blocks": blocks}
    p["view"] = _view_from_sample({**generated, **(view or {}), "id": vid, "state": {"values": state}}, team_id)
    return p


def view_closed(
    view: dict,
    *,
    user_id: str = "U1", user_name: str | None = None, team_id: str = "T1", enterprise_id: str | None = ORG,
    is_cleared: bool = False,
) -> dict:
    """A ``view_closed``: sent when a person closes a modal whose view set ``notify_on_close``.
    Shaped as the view_submission sample, less what only a submission carries (a trigger,
    response_urls)."""
    p = _from_person("view_submission.json", user_id=user_id, team_id=team_id, enterprise_id=enterprise_id, user_name=user_name)
    p["type"] = "view_closed"
    for key in ("trigger_id", "response_urls"):
        p.pop(key, None)
    p["api_app_id"] = API_APP_ID
    p["view"] = _view_from_sample(view, team_id)
    p["is_cleared"] = is_cleared
    return p


def message_action(
    callback_id: str,
    *,
    text: str,
    message_ts: str | None = None,
    message_user: str | None = None,
    user_id: str = "U1", user_name: str | None = None, team_id: str = "T1", enterprise_id: str | None = ORG, channel_id: str = "C1",
    response_url: str | None = None,
    trigger_id: str | None = None,
) -> dict:
    """A message shortcut on a message with ``text`` written by ``message_user``."""
    p = _from_person("message_action.json", user_id=user_id, team_id=team_id, enterprise_id=enterprise_id, user_name=user_name)
    p["trigger_id"] = trigger_id or new_trigger_id()
    p["callback_id"] = callback_id
    p["action_ts"] = new_ts()
    p["channel"]["id"] = channel_id
    ts = message_ts or new_ts()
    p["message_ts"] = ts
    m = p["message"]
    m.update({
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": message_user or user_id,
        "ts": ts,
        "team": team_id,
        "blocks": [{
            "type": "rich_text", "block_id": _new_id("")[:4],
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
        }],
    })
    p["response_url"] = response_url or _default_response_url("app", team_id)
    return p


def global_shortcut(
    callback_id: str,
    *,
    user_id: str = "U1", team_id: str = "T1", enterprise_id: str | None = ORG,
    trigger_id: str | None = None,
) -> dict:
    p = _from_person("shortcut.global.json", user_id=user_id, team_id=team_id, enterprise_id=enterprise_id, user_name=None)
    p.update({"callback_id": callback_id, "trigger_id": trigger_id or new_trigger_id(),
              "action_ts": new_ts()})
    return p


# ---- Events API ----------------------------------------------------------------------

def event_callback(
    event: dict,
    *,
    team_id: str = "T1",
    event_id: str | None = None,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
    enterprise_id: str | None = ORG,
) -> dict:
    """Wrap ``event`` like Slack does; ``authorizations`` names the bot's installation."""
    p = load("event_callback.reaction_added.json")
    p["team_id"] = team_id
    p["api_app_id"] = API_APP_ID
    p["event"] = copy.deepcopy(event)
    p["event_id"] = event_id or "Ev" + uuid.uuid4().hex[:10].upper()
    if event_time is None:
        ts = event.get("event_ts") or event.get("ts")
        event_time = int(float(ts)) if ts else int(time.time())
    p["event_time"] = event_time
    p["enterprise_id"] = enterprise_id
    p["authorizations"] = [{
        "enterprise_id": enterprise_id, "team_id": team_id, "user_id": bot_user_id,
        "is_bot": True, "is_enterprise_install": enterprise_id is not None,
    }]
    p["is_ext_shared_channel"] = False
    return p


def _channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


def _reaction_event(sample: str, reaction: str, *, user_id: str = "U1", team_id: str = "T1", channel_id: str = "C1", item_ts: str | None = None,
                    item_user: str | None = None, event_ts: str | None = None, event_id: str | None = None, enterprise_id: str | None = ORG) -> dict:
    ev = load(sample)["event"]
    ev.update({"user": user_id, "reaction": reaction, "event_ts": event_ts or new_ts()})
    ev["item"].update({"channel": channel_id, "ts": item_ts or new_ts(), "channel_type": _channel_type(channel_id)})
    if item_user is None:
        ev.pop("item_user", None)
    else:
        ev["item_user"] = item_user
    return event_callback(ev, team_id=team_id, event_id=event_id, enterprise_id=enterprise_id)


def reaction_added(reaction: str = "thumbsup", **fields) -> dict:
    """A wrapped ``reaction_added`` on a message; ``item_user`` is left out unless given. ``fields``:
    user_id, team_id, channel_id, item_ts, item_user, event_ts, event_id, enterprise_id."""
    return _reaction_event("event_callback.reaction_added.json", reaction, **fields)


def reaction_removed(reaction: str = "thumbsup", **fields) -> dict:
    return _reaction_event("event_callback.reaction_removed.json", reaction, **fields)


def app_home_opened(
    *,
    user_id: str = "U1", team_id: str = "T1", enterprise_id: str | None = ORG,
    tab: str = "home",
    view: dict | None = None,
    event_id: str | None = None,
) -> dict:
    """``view`` is the currently published Home view; ``None`` means never published."""
    ev = load("event_callback.app_home_opened.json")["event"]
    ev.update({"user": user_id, "channel": "D" + user_id, "tab": tab, "event_ts": new_ts()})
    if view is None:
        ev.pop("view", None)
    else:
        ev["view"] = _view_from_sample({"type": "home", **view}, team_id)
    return event_callback(ev, team_id=team_id, event_id=event_id, enterprise_id=enterprise_id)


def url_verification(challenge: str | None = None) -> dict:
    p = load("url_verification.json")
    if challenge is not None:
        p["challenge"] = challenge
    return p
