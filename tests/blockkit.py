"""Checks a message or view the app sent against slack_sdk's models and Slack's documented limits
(`slack-specs/block-kit/limits.json`)."""

from __future__ import annotations

import json
from functools import lru_cache

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.helpers import walk
from tests.specs import specs_dir

MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")


@lru_cache
def docs_limits() -> dict[str, int]:
    data = json.loads((specs_dir() / "block-kit" / "limits.json").read_text())
    return {entry["id"]: entry["value"] for entry in data["docs_limits"] if isinstance(entry["value"], int)}


def _check_blocks(blocks: list[dict], problems: list[str]) -> None:
    limits = docs_limits()
    for raw in blocks:
        # Parsing and re-serialising runs every slack_sdk validator on the block.
        try:
            Block.parse(raw).to_dict()
        except Exception as exc:  # slack_sdk raises SlackObjectFormationError and friends
            problems.append(f"{raw.get('type')} block invalid: {exc}")
        if len(raw.get("block_id") or "") > limits["block.block_id.max"]:
            problems.append("block_id too long")
        if raw.get("type") == "actions" and len(raw.get("elements", [])) > limits["actions_block.elements.max"]:
            problems.append("too many elements in an actions block")
    seen: dict[str, set[str]] = {}
    for raw in blocks:
        ids = [node["action_id"] for node in walk(raw) if "action_id" in node]
        if len(ids) != len(set(ids)):
            problems.append(f"duplicate action_id inside block {raw.get('block_id')}")
        if raw.get("block_id"):
            if raw["block_id"] in seen:
                problems.append(f"duplicate block_id {raw['block_id']}")
            seen[raw["block_id"]] = set(ids)


def message_problems(args: dict) -> list[str]:
    problems: list[str] = []
    limits = docs_limits()
    blocks = args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > limits["message.blocks.max"]:
        problems.append(f"{len(blocks)} blocks in a message")
    if len(args.get("text") or "") > limits["message.text.truncate"]:
        problems.append("text longer than Slack keeps")
    if blocks and not args.get("text") and "delete_original" not in args:
        problems.append("blocks without fallback text (notifications and screen readers need it)")
    _check_blocks(blocks, problems)
    return problems


def view_problems(view: dict | str) -> list[str]:
    if isinstance(view, str):
        view = json.loads(view)
    problems: list[str] = []
    limits = docs_limits()
    key = "home.blocks.max" if view.get("type") == "home" else "modal.blocks.max"
    if len(view.get("blocks", [])) > limits[key]:
        problems.append(f"{len(view['blocks'])} blocks in a view")
    for part, limit in (("title", "modal.title.max"), ("close", "modal.close.max"), ("submit", "modal.submit.max")):
        if view.get(part) and len(view[part]["text"]) > limits[limit]:
            problems.append(f"{part} too long")
    if len(view.get("private_metadata") or "") > limits["view.private_metadata.max"]:
        problems.append("private_metadata too long")
    if len(view.get("callback_id") or "") > limits["view.callback_id.max"]:
        problems.append("callback_id too long")
    try:
        View(**{k: v for k, v in view.items() if k in ("type", "title", "blocks", "close", "submit", "private_metadata", "callback_id", "clear_on_close", "notify_on_close", "external_id")}).to_dict()
    except Exception as exc:
        problems.append(f"view invalid: {exc}")
    _check_blocks(view.get("blocks", []), problems)
    return problems


def call_problems(call) -> list[str]:
    if call.method in MESSAGE_METHODS:
        return message_problems(call.args)
    if call.method in VIEW_METHODS and call.args.get("view"):
        return view_problems(call.args["view"])
    return []
