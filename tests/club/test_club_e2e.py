"""/club end to end: help, the officer list, settings, and where new leads are announced."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from slackapp.club import service as club
from slackapp.club.ids import CONFIG_FORM
from slackapp.club.models import Officer, Workspace
from tests.conftest import CONFIGURED_OFFICER, new_id
from tests.helpers import all_text, announced_leads, answer_to, config_values, eventually_got, leads_of, share_lead

ROOT = Path(__file__).resolve().parents[2]
NOT_OFFICER = "Only club officers can do that"


# ---- helpers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def club_command(workspace, text: str, *, user: str):
    """Run `/club text` as `user`; returns the HTTP reply and the response_url the app may answer on."""
    response_url = workspace.response_url()
    reply = workspace.command("/club", text, user=user, response_url=response_url)
    assert reply.status == 200
    return reply, response_url


def answer(workspace, response_url: str) -> dict:
    """The one message the app sent to `response_url`."""
    [call] = workspace.responses(response_url)
    return call.args


def mention(user_id: str) -> str:
    # /club has should_escape on, so Slack sends mentions as <@U…|name>.
    return f"<@{user_id}|{user_id.lower()}>"


def officer_rows(workspace) -> list[tuple[str, str]]:
    with workspace.server.store.read() as session:
        return list(session.execute(select(Officer.user_id, Officer.added_by).where(Officer.team_id == workspace.team_id)).all())


def settings_row(workspace) -> tuple[str, str | None] | None:
    with workspace.server.store.read() as session:
        found = session.get(Workspace, workspace.team_id)
        return None if found is None else (found.timezone, found.leads_channel)


def configure(workspace, *, timezone: str = "UTC", leads_channel: str | None = None) -> None:
    with workspace.server.store.write() as session:
        club.configure(session, team_id=workspace.team_id, change=club.ConfigChange(timezone=timezone, leads_channel=leads_channel))


def add_officer_directly(workspace, user_id: str, *, added_by: str) -> None:
    with workspace.server.store.write() as session:
        club.add_officer(session, team_id=workspace.team_id, user_id=user_id, added_by=added_by)


def config_forms_opened(workspace) -> list:
    def ours(call) -> bool:
        view = call.args.get("view")
        if not isinstance(view, dict) or view.get("callback_id") != CONFIG_FORM:
            return False
        return json.loads(view.get("private_metadata") or "{}").get("team_id") == workspace.team_id

    return [call for call in workspace.fake.calls_to("views.open") if ours(call)]


def _alternatives(hint: str) -> list[str]:
    """Split a usage hint on the `|` that are not inside brackets."""
    parts, depth, current = [], 0, ""
    for char in hint:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


# ---- help ---------------------------------------------------------------------------------


def test_help_lists_every_command_the_app_registers(workspace, manifest):
    reply, _ = club_command(workspace, "help", user=workspace.member())

    body = reply.json()
    assert body["response_type"] == "ephemeral"
    text = all_text(body["blocks"])
    features = manifest["features"]
    for command in features["slash_commands"]:
        name = command["command"]
        assert f"`{name}" in text, name
        # Every subcommand the usage hint offers (`post`, `mine`, `officers [list | add … | remove …]` …).
        for alternative in _alternatives(command["usage_hint"]):
            word = re.match(r"[a-z]+", alternative)
            if word is None:
                continue  # "[words] [remote] …": the search form, shown as `/internships <words>`
            assert f"{name} {word.group()}" in text, alternative
            nested = re.search(r"\[(.*)\]", alternative)
            for inner in _alternatives(nested.group(1)) if nested else []:
                assert inner in text, inner
    for shortcut in features["shortcuts"]:
        assert shortcut["name"] in text


# ---- officers -----------------------------------------------------------------------------


def test_officers_list_shows_configured_and_added_officers(workspace):
    added, adder = workspace.member(), workspace.officer()
    add_officer_directly(workspace, added, added_by=adder)

    _, response_url = club_command(workspace, "officers list", user=workspace.member())

    message = answer(workspace, response_url)
    assert message["response_type"] == "ephemeral"
    lines = message["text"].splitlines()
    assert f"• <@{CONFIGURED_OFFICER}> (from SLACKAPP_OFFICERS)" in lines
    assert f"• <@{added}> (added by <@{adder}>)" in lines


def test_workspace_admin_can_add_an_officer(workspace):
    admin, member = workspace.member(admin=True), workspace.member()

    _, response_url = club_command(workspace, f"officers add {mention(member)}", user=admin)

    assert answer(workspace, response_url)["text"] == f"<@{member}> is now an officer."
    assert officer_rows(workspace) == [(member, admin)]


def test_added_officer_can_open_club_config(workspace):
    admin, member = workspace.member(admin=True), workspace.member()
    _, added = club_command(workspace, f"officers add {mention(member)}", user=admin)
    answer(workspace, added)

    club_command(workspace, "config", user=member)

    [opened] = eventually_got(lambda: config_forms_opened(workspace), count=1)
    assert opened.args["view"]["callback_id"] == CONFIG_FORM


def test_removed_officer_can_no_longer_open_club_config(workspace):
    admin, member = workspace.member(admin=True), workspace.member()
    _, added = club_command(workspace, f"officers add {mention(member)}", user=admin)
    answer(workspace, added)

    _, removed = club_command(workspace, f"officers remove {mention(member)}", user=admin)

    assert answer(workspace, removed)["text"] == f"<@{member}> is no longer on the officer list."
    assert officer_rows(workspace) == []
    reply, refused = club_command(workspace, "config", user=member)
    assert NOT_OFFICER in answer_to(workspace, reply, refused)["text"]
    assert config_forms_opened(workspace) == []


def test_plain_member_cannot_add_officers(workspace):
    member, target = workspace.member(), workspace.member()

    reply, response_url = club_command(workspace, f"officers add {mention(target)}", user=member)

    message = answer_to(workspace, reply, response_url)
    assert message["response_type"] == "ephemeral"
    assert NOT_OFFICER in message["text"] and "/club officers list" in message["text"]
    assert officer_rows(workspace) == []


# ---- settings -----------------------------------------------------------------------------


def test_config_by_a_non_officer_is_refused(workspace):
    member = workspace.member()

    reply, response_url = club_command(workspace, "config", user=member)

    message = answer_to(workspace, reply, response_url)
    assert message["response_type"] == "ephemeral"
    assert NOT_OFFICER in message["text"]
    # The refusal is the listener's last step; a modal would have been opened instead of it.
    assert config_forms_opened(workspace) == []


def test_config_by_an_officer_opens_the_form_prefilled(workspace):
    channel = new_id("C")
    configure(workspace, timezone="Europe/Berlin", leads_channel=channel)

    club_command(workspace, "config", user=workspace.officer())

    [opened] = eventually_got(lambda: config_forms_opened(workspace), count=1)
    blocks = {block["block_id"]: block for block in opened.args["view"]["blocks"]}
    assert blocks["timezone"]["element"]["initial_value"] == "Europe/Berlin"
    assert blocks["leads_channel"]["element"]["initial_conversation"] == channel


def test_configured_officer_opens_the_form_with_the_default_time_zone(workspace):
    club_command(workspace, "config", user=CONFIGURED_OFFICER)

    [opened] = eventually_got(lambda: config_forms_opened(workspace), count=1)
    blocks = {block["block_id"]: block for block in opened.args["view"]["blocks"]}
    assert blocks["timezone"]["element"]["initial_value"] == "UTC"


def test_config_submission_stores_time_zone_and_leads_channel(workspace):
    channel = new_id("C")

    reply = workspace.submit(CONFIG_FORM, config_values(timezone="America/Chicago", leads_channel=channel), user=workspace.officer())

    assert reply.status == 200 and reply.body == b""
    assert settings_row(workspace) == ("America/Chicago", channel)


def test_config_submission_with_an_unknown_time_zone_is_answered_in_the_form(workspace):
    configure(workspace, timezone="Europe/Berlin")

    reply = workspace.submit(CONFIG_FORM, config_values(timezone="Mars/Olympus_Mons", leads_channel=new_id("C")), user=workspace.officer())

    body = reply.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["timezone"]
    assert "Mars/Olympus_Mons" in body["errors"]["timezone"]
    assert settings_row(workspace) == ("Europe/Berlin", None)


def test_config_submission_by_a_non_officer_is_refused(workspace):
    configure(workspace, timezone="Europe/Berlin")

    reply = workspace.submit(CONFIG_FORM, config_values(timezone="Asia/Tokyo", leads_channel=new_id("C")), user=workspace.member())

    body = reply.json()
    assert body["response_action"] == "errors"
    assert NOT_OFFICER in body["errors"]["timezone"]
    assert settings_row(workspace) == ("Europe/Berlin", None)


# ---- where leads are announced ------------------------------------------------------------


def test_lead_is_announced_in_the_configured_leads_channel(workspace):
    leads_channel = new_id("C")
    configure(workspace, leads_channel=leads_channel)
    poster = workspace.member()

    share_lead(workspace, poster, role="Channel routed", url=f"https://routed.example/{uuid.uuid4().hex}")

    [announcement] = workspace.posted(channel=leads_channel)
    assert "Channel routed" in announcement.args["text"]
    [lead] = eventually_got(lambda: announced_leads(workspace), count=1)
    assert (lead.announce_channel, lead.announce_ts) == (leads_channel, announcement.response["ts"])
    # Recording the announcement is the last thing the listener does.
    assert workspace.fake.calls_to("chat.postMessage", channel=workspace.channel) == []


def test_announcing_in_a_public_channel_the_bot_is_not_in_joins_it_first(workspace):
    workspace.fake.add_channel(workspace.channel, name=f"leads-{workspace.channel.lower()}", is_member=False)
    poster = workspace.member()

    share_lead(workspace, poster, role="Joined first", url=f"https://join.example/{uuid.uuid4().hex}")

    [lead] = eventually_got(lambda: announced_leads(workspace), count=1)
    calls = [call for call in workspace.fake.calls if call.args.get("channel") == workspace.channel]
    assert [(call.method, call.failed) for call in calls] == [
        ("chat.postMessage", True),
        ("conversations.join", False),
        ("chat.postMessage", False),
    ]
    assert calls[0].response["error"] == "not_in_channel"
    assert "Joined first" in calls[2].args["text"]
    assert (lead.announce_channel, lead.announce_ts) == (workspace.channel, calls[2].response["ts"])


def test_lead_shared_in_a_private_channel_the_bot_cannot_join_is_kept_and_the_poster_told(workspace):
    workspace.fake.add_channel(workspace.channel, name=f"secret-{workspace.channel.lower()}", is_private=True, is_member=False)
    poster = workspace.member()
    url = f"https://private.example/{uuid.uuid4().hex}"

    reply = share_lead(workspace, poster, role="Kept anyway", url=url)

    assert reply.status == 200 and reply.body == b""
    [note] = workspace.posted(channel=poster)
    assert not note.failed and note.response["channel"] == f"D{poster}"
    assert f"<#{workspace.channel}>" in note.args["text"]
    assert "/invite @slackapp" in note.args["text"]
    [lead] = leads_of(workspace)
    assert (lead.role, lead.url, lead.posted_by) == ("Kept anyway", url, poster)
    assert (lead.announce_channel, lead.announce_ts) == (None, None)
    posted_in_channel = workspace.fake.calls_to("chat.postMessage", channel=workspace.channel)
    assert [call.failed for call in posted_in_channel] == [True]
