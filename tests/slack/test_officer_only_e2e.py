"""Officer-only actions are checked on the server for every request: a member who crafts the
request a hidden button or form would send is refused, and nothing changes."""

from __future__ import annotations

import json

import pytest
from slackapp.club.models import Workspace as ClubSettings
from tests.conftest import new_id
from tests.events.support import command as events_command
from tests.events.support import create_event, event_row
from tests.gigs.test_gigs_e2e import request_values, requests_of
from tests.helpers import config_values, eventually_got, press


def settings_of(workspace):
    with workspace.server.store.read() as session:
        return session.get(ClubSettings, workspace.team_id)


def pending_request(workspace):
    guest = workspace.member()
    workspace.submit("gig_request_form", request_values(organization=f"Org {new_id('O')}"), user=guest)
    [request] = eventually_got(lambda: requests_of(workspace), count=1)
    return request


def test_club_settings_form_from_a_member_changes_nothing(workspace):
    member = workspace.member()
    reply = workspace.submit("club_config", config_values(timezone="Europe/Berlin", leads_channel=workspace.channel), user=member)
    answer = reply.json()
    assert answer["response_action"] == "errors" and "Only club officers" in " ".join(answer["errors"].values())
    assert settings_of(workspace) is None


@pytest.mark.parametrize("command, text", [("/club", "config"), ("/gigs", "post"), ("/events", "new"), ("/events", "roster 1")])
def test_officer_commands_refuse_members(workspace, command, text):
    member, url = workspace.member(), workspace.response_url()
    reply = workspace.command(command, text, user=member, response_url=url)
    assert reply.status == 200
    body = reply.json() if reply.body else workspace.responses(url)[-1].args
    assert "Only club officers" in body["text"]
    assert workspace.fake.calls_to("views.open", user=member) == []


@pytest.mark.parametrize("action_id", ["gig_request_approve", "gig_request_decline"])
def test_deciding_a_request_refuses_members(workspace, action_id):
    request = pending_request(workspace)
    answer = press(workspace, action_id, str(request.id), user=workspace.member())
    assert "Only club officers" in answer["text"]
    [still] = requests_of(workspace)
    assert still.status == "pending" and still.gig_id is None


def test_a_crafted_decline_form_from_a_member_changes_nothing(workspace):
    request = pending_request(workspace)
    metadata = json.dumps({"request_id": request.id, "channel": None, "ts": None})
    reply = workspace.submit("gig_decline_form", {"reason": {"value": {"type": "plain_text_input", "value": "no"}}}, user=workspace.member(), private_metadata=metadata)
    assert "Only club officers" in " ".join(reply.json()["errors"].values())
    assert requests_of(workspace)[0].status == "pending"


@pytest.mark.parametrize("action_id, refusal", [("event_cancel", "Only the person who created"), ("event_delete", "Only the person who created"), ("event_roster_csv", "Only club officers")])
def test_event_management_refuses_members(workspace, action_id, refusal):
    event = create_event(workspace, workspace.officer())
    before = len(workspace.fake.calls)
    answer = press(workspace, action_id, str(event.id), user=workspace.member())
    assert refusal in answer["text"]
    row = event_row(workspace, event.id)
    assert row is not None and row.cancelled_at is None
    assert [call.method for call in workspace.fake.calls[before:] if call.method in ("chat.delete", "files.completeUploadExternal")] == []


def test_roster_command_answers_officers(workspace):
    officer = workspace.officer()
    event = create_event(workspace, officer)
    assert "Roster" in events_command(workspace, f"roster {event.id}", user=officer)["text"]
