"""Block Kit pieces every feature uses.

The pieces of messages (sections, context, buttons, actions, headers) are built as plain dicts
that respect Slack's limits by construction: they are on every hot path, and slack_sdk's models
cost more to check than the rest of a request. Forms and other rarer views use slack_sdk's models
(which check their limits in to_dict()); to_dicts() takes both. The test suite checks everything
the app sends against Block Kit's limits.
"""

from __future__ import annotations

import json

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from slackapp.slack.forms import VALUE
from slackapp.slack.text import truncate

# Slack's limit on a section's text. Views fit user text within it before escaping (escape(limit=…)),
# so the cut below is only a last resort that never falls on the lines after the user's text.
SECTION_TEXT = 3000
BUTTON_TEXT = 75
HEADER_TEXT = 150
ID_LENGTH = 255
BUTTON_VALUE = 2000


def _element(element) -> dict:
    return element if isinstance(element, dict) else element.to_dict()


def _plain(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def section(mrkdwn: str, *, block_id: str | None = None, accessory=None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn, SECTION_TEXT)}}
    if block_id:
        block["block_id"] = block_id[:ID_LENGTH]
    if accessory is not None:
        block["accessory"] = _element(accessory)
    return block


def context(mrkdwn: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(mrkdwn, SECTION_TEXT)}]}


def header(text: str) -> dict:
    return {"type": "header", "text": _plain(text, HEADER_TEXT)}


def divider() -> dict:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str | None = None, *, style: str | None = None, url: str | None = None, confirm=None) -> dict:
    element = {"type": "button", "text": _plain(text, BUTTON_TEXT), "action_id": action_id[:ID_LENGTH]}
    if value is not None:
        element["value"] = value[:BUTTON_VALUE]
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    if confirm is not None:
        element["confirm"] = _element(confirm)
    return element


def actions(*elements, block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": [_element(element) for element in elements if element is not None]}
    if block_id:
        block["block_id"] = block_id[:ID_LENGTH]
    return block


def to_dicts(blocks) -> list[dict]:
    """Blocks as Slack's JSON, whether built as dicts or as slack_sdk models."""
    return [_element(block) for block in blocks or ()]


def ephemeral(text: str, blocks=None) -> dict:
    """What ack()/respond() take as keywords to show something to one person only."""
    message = {"response_type": "ephemeral", "text": text}
    if blocks is not None:
        message["blocks"] = to_dicts(blocks)
    return message


def modal(callback_id: str, title: str, blocks: list, *, submit: str, metadata: dict | None = None) -> View:
    """A form with Cancel; `metadata` comes back with the submission (read it with forms.metadata)."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=json.dumps(metadata) if metadata is not None else None,
        blocks=blocks,
    )


def text_input(
    block_id: str,
    label: str,
    *,
    max_length: int,
    initial: str | None = None,
    optional: bool = False,
    multiline: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=VALUE,
            max_length=max_length,
            multiline=multiline,
            initial_value=truncate(initial, max_length) if initial else None,
            placeholder=placeholder,
        ),
    )
