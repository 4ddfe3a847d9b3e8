"""manifest.yml is what Slack accepts, and says exactly what the code handles."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from slackapp.app import registered
from tests.specs import specs_dir

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_URL = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.fixture(scope="module")
def wiring() -> dict[str, set[str]]:
    return registered()


def test_manifest_passes_slacks_official_schema(manifest):
    folder = specs_dir() / "manifest-schema"
    root = json.loads((folder / "manifest.schema.json").read_text())
    registry = Registry()
    for version in ("1.0.0", "2.0.0"):
        schema = json.loads((folder / "schemas" / f"manifest.schema.{version}.json").read_text())
        registry = registry.with_resource(SCHEMA_URL + f"manifest.schema.{version}.json", Resource.from_contents(schema))
    validator = jsonschema.Draft7Validator(root, registry=registry)
    errors = [error.message for error in validator.iter_errors(manifest)]
    assert errors == []
    # The schema really is checking: a manifest without its required display name fails.
    broken = {key: value for key, value in manifest.items() if key != "display_information"}
    assert list(validator.iter_errors(broken))


def test_manifest_lists_what_the_code_handles(manifest, wiring):
    features = manifest["features"]
    assert {command["command"] for command in features.get("slash_commands", [])} == wiring["command"]
    assert {s["callback_id"] for s in features.get("shortcuts", [])} == wiring["shortcut"]
    events = set(manifest["settings"].get("event_subscriptions", {}).get("bot_events", []))
    assert events == wiring["event"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_every_command_has_a_description_and_usage_hint(manifest):
    for command in manifest["features"]["slash_commands"]:
        assert command["description"] and command["usage_hint"]


def test_bot_scopes_are_only_what_the_code_uses(manifest):
    """Each scope is justified by a Web API method the code calls (or by having commands)."""
    needed_by = {
        "commands": ["app.command("],
        "chat:write": ["chat_postMessage", "chat_update", '"chat.delete"'],
        "channels:join": ["conversations_join"],
        "users:read": ["users_info"],
        "reactions:read": ['app.event("reaction_added"'],
        "reactions:write": ['"reactions.add"'],
        "files:write": ["files_upload_v2"],
        "im:write": ["conversations_open"],
    }
    source = "\n".join(path.read_text() for path in (ROOT / "slackapp").rglob("*.py"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == set(needed_by)
    for scope, uses in needed_by.items():
        assert any(use in source for use in uses), scope


def test_the_oauth_flow_asks_for_the_manifests_scopes(manifest):
    from slackapp.installs.installations import BOT_SCOPES

    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])
