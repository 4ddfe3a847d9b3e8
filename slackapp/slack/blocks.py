"""Block Kit pieces every feature uses: built from slack_sdk models so limits are checked."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from slackapp.slack.forms import VALUE
from slackapp.slack.text import truncate


# Slack's limit on a section's text. Views fit user text within it before escaping (escape(limit=…)),
# so the cut below is only a last resort that never falls on the lines after the user's text.
SECTION_TEXT = 3000


def section(mrkdwn: str, *, block_id: str | None = None, accessory=None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(mrkdwn, SECTION_TEXT)), block_id=block_id, accessory=accessory)


def context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(mrkdwn, 3000))])


def button(
    text: str, action_id: str, value: str | None = None, *, style: str | None = None, url: str | None = None, confirm=None
) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=truncate(text, 75)), action_id=action_id, value=value, style=style, url=url, confirm=confirm
    )


def actions(*elements, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=[element for element in elements if element is not None], block_id=block_id)


def to_dicts(blocks) -> list[dict]:
    """Blocks as Slack's JSON; slack_sdk models check their limits on the way."""
    return [block if isinstance(block, dict) else block.to_dict() for block in blocks or ()]


def ephemeral(text: str, blocks=None) -> dict:
    """Keyword arguments for ack()/respond() that show something to one person only."""
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
