"""manifest.yml is what Slack accepts, and says exactly what the code handles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib import resources
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


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    """Slack's official app-manifest JSON Schema."""
    folder = specs_dir() / "manifest-schema"
    root = json.loads((folder / "manifest.schema.json").read_text())
    registry = Registry()
    for version in ("1.0.0", "2.0.0"):
        schema = json.loads((folder / "schemas" / f"manifest.schema.{version}.json").read_text())
        registry = registry.with_resource(SCHEMA_URL + f"manifest.schema.{version}.json", Resource.from_contents(schema))
    return jsonschema.Draft7Validator(root, registry=registry)


def test_manifest_passes_slacks_official_schema(manifest, validator):
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


def slackapp(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """The command as someone who installed the package runs it: no settings, in an empty folder."""
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "slackapp", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_the_package_ships_the_manifest_unchanged():
    shipped = resources.files("slackapp").joinpath("manifest.yml").read_text()
    assert shipped == (ROOT / "manifest.yml").read_text()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["slackapp"]
    assert "manifest.yml" in package_data


def test_slackapp_manifest_prints_it_for_socket_mode(tmp_path, manifest, validator):
    printed = slackapp(tmp_path, "manifest")
    assert printed.returncode == 0, printed.stderr
    assert yaml.safe_load(printed.stdout) == manifest
    assert list(validator.iter_errors(yaml.safe_load(printed.stdout))) == []


def test_slackapp_manifest_with_a_url_is_ready_for_http_mode(tmp_path, manifest, validator, wiring):
    printed = slackapp(tmp_path, "manifest", "--url", "https://careers.club.example/")
    assert printed.returncode == 0, printed.stderr
    http = yaml.safe_load(printed.stdout)
    assert [error.message for error in validator.iter_errors(http)] == []
    events = "https://careers.club.example/slack/events"
    settings = http["settings"]
    assert settings["socket_mode_enabled"] is False
    assert [command["url"] for command in http["features"]["slash_commands"]] == [events] * len(wiring["command"])
    assert settings["interactivity"] == {"is_enabled": True, "request_url": events}
    assert settings["event_subscriptions"]["request_url"] == events
    assert set(settings["event_subscriptions"]["bot_events"]) == wiring["event"]
    assert http["oauth_config"]["redirect_urls"] == ["https://careers.club.example/slack/oauth_redirect"]
    # Nothing else changes.
    for changed in (http, manifest):
        for command in changed["features"]["slash_commands"]:
            command.pop("url", None)
        changed["settings"].pop("socket_mode_enabled")
        changed["settings"]["interactivity"].pop("request_url", None)
        changed["settings"]["event_subscriptions"].pop("request_url", None)
        changed["oauth_config"].pop("redirect_urls", None)
    assert http == manifest


@pytest.mark.parametrize("url", ["careers.club.example", "ftp://careers.club.example", "https://"])
def test_slackapp_manifest_refuses_what_is_not_a_web_address(tmp_path, url):
    refused = slackapp(tmp_path, "manifest", "--url", url)
    assert refused.returncode == 2 and "https://" in refused.stderr and refused.stdout == ""


def test_the_setup_steps_send_people_to_slackapp_manifest():
    from slackapp.cli import setup_steps
    from slackapp.config import load_settings

    steps = setup_steps(load_settings(slack_bot_token=None, slack_app_token=None, slack_signing_secret=None), "socket")
    assert "slackapp manifest" in steps and "slackapp manifest --url https://" in steps
    assert "top of the slackapp repository" not in steps
