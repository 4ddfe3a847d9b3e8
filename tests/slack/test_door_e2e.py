"""Nothing from an unverified request is acted on: unsigned, stale, malformed or foreign requests are
refused cheaply, with one log line and no call to anything the body names."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlencode, urlsplit

import pytest

from slackapp.leads import ids as lead_ids
from slackapp.sandbox import payloads
from tests.conftest import SECRET, fresh_database, new_id, start_app
from tests.helpers import leads_of, press, share_lead
from slackapp.sandbox.slackhttp import FORM, post_signed

JSON = "application/json"


def refused_lines(server, before: int) -> list[str]:
    return [line for line in server.log()[before:].splitlines() if "refused a request" in line]


def apology_bait(workspace) -> tuple[str, str]:
    """A command body whose response_url is the fake's: an app that acted on it would post there."""
    url = workspace.response_url()
    return url, payloads.slash_command("/internships", "", user_id="U1", team_id=workspace.team_id, response_url=url)


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature at all
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "yesterday"},
        {"X-Slack-Request-Timestamp": str(int(time.time()) - 600)},
    ],
    ids=["unsigned", "bad-signature", "text-timestamp", "stale"],
)
def test_unverified_requests_get_401_and_nothing_is_done(workspace, headers):
    url, body = apology_bait(workspace)
    before = len(workspace.server.log())
    secret = None if not headers else SECRET
    reply = post_signed(workspace.server.slack.url, body, content_type=FORM, secret=secret, headers=headers)
    assert reply.status == 401
    # The body named a response_url; nothing was posted to it (no apology, no answer).
    done = workspace.command("/internships", "help", user=workspace.member())
    assert done.status == 200
    assert [call for call in workspace.fake.calls_to("response_url") if call.tag == url.rsplit("/", 1)[1]] == []
    assert len(refused_lines(workspace.server, before)) == 1


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("payload=not-json", FORM),
        (urlencode({"payload": json.dumps([1, 2, 3])}), FORM),
        (json.dumps(["event_callback"]), JSON),
        (b"\xff\xfe not utf-8", FORM),
    ],
    ids=["payload-not-json", "payload-array", "json-array", "not-utf8"],
)
def test_signed_but_malformed_bodies_get_400(workspace, body, content_type):
    before = len(workspace.server.log())
    reply = post_signed(workspace.server.slack.url, body, content_type=content_type, secret=SECRET)
    assert reply.status == 400
    assert len(refused_lines(workspace.server, before)) == 1
    assert "Traceback" not in workspace.server.log()[before:]


def test_a_huge_unsigned_body_is_refused_without_being_logged(workspace):
    """Refused on its declared length, before the app reads (or logs) a byte of it."""
    before = len(workspace.server.log())
    marker = new_id("HUGE")
    parts = urlsplit(workspace.server.slack.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("POST", parts.path)
    connection.putheader("Content-Type", FORM)
    connection.putheader("Content-Length", str(5 * 1024 * 1024))
    connection.endheaders()
    connection.send((marker * 1000).encode())
    assert connection.getresponse().status == 413
    connection.close()
    added = workspace.server.log()[before:]
    assert marker not in added and len(refused_lines(workspace.server, before)) == 1


@pytest.fixture(scope="module", params=["sqlite"])
def single_workspace_app(request, fake_slack, tmp_path_factory):
    """An app whose token belongs to one workspace (not an Enterprise Grid org-wide install)."""
    token, team = "xoxb-one-workspace", new_id("T")
    fake_slack.set_identity(token, team_id=team)
    database_url = fresh_database(request.param, request, tmp_path_factory)
    app = start_app(database_url, fake_slack, tmp_path_factory.mktemp("single") / "app.log", SLACK_BOT_TOKEN=token)
    yield app, team
    app.stop()


def test_a_request_from_another_workspace_is_refused(single_workspace_app, fake_slack):
    app, own_team = single_workspace_app
    stranger, channel = new_id("U"), new_id("C")
    fake_slack.add_user(stranger, team_id="TSTRANGER", is_admin=True)
    before = len(fake_slack.calls)

    reply = app.slack.command("/events", "new", user_id=stranger, team_id=new_id("T"), channel_id=channel, enterprise_id=None)

    assert reply.status == 200 and "isn't installed for your workspace" in reply.json()["text"]
    # Not a single Web API call was made with our token on the stranger's behalf.
    assert [call.method for call in fake_slack.calls[before:] if call.token == "xoxb-one-workspace"] == []
    # Its own workspace is served as usual.
    mine = app.slack.command("/events", "help", user_id=new_id("U"), team_id=own_team, channel_id=channel, enterprise_id=None)
    assert mine.status == 200 and "/events new" in mine.json()["text"]


def test_a_request_from_another_org_is_refused(workspace):
    reply = workspace.server.slack.command(
        "/internships", "help", user_id=workspace.member(), team_id=workspace.team_id, channel_id=workspace.channel, enterprise_id="EOTHERORG"
    )
    assert reply.status == 200 and "isn't installed for your workspace" in reply.json()["text"]


def _reaction(workspace, **changes) -> dict:
    body = payloads.reaction_added("white_check_mark", user_id=workspace.member(), team_id=workspace.team_id, channel_id=workspace.channel)
    body.update(changes)
    return body


def _deeply_nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _interaction(workspace, **changes) -> str:
    payload = payloads.block_actions("gig_volunteer", "1", user_id=workspace.member(), team_id=workspace.team_id, channel_id=workspace.channel)
    payload.update(changes)
    if "response_urls" in changes:  # as in a view submission, where Bolt reads the first one
        del payload["response_url"]
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize(
    "shape",
    ["event-a-string", "event-a-list", "authorizations-a-string", "authorizations-of-strings", "nested-50000-deep", "event-nested-50000-deep"],
)
def test_signed_events_of_the_wrong_shape_get_400(workspace, shape):
    """Signed, so the door lets them through to its shape check: Bolt and the middleware would
    fail on them (with a traceback and a 500, which Slack retries)."""
    bodies = {
        "event-a-string": lambda: json.dumps(_reaction(workspace, event="reaction_added")),
        "event-a-list": lambda: json.dumps(_reaction(workspace, event=[{"type": "reaction_added"}])),
        "authorizations-a-string": lambda: json.dumps(_reaction(workspace, authorizations="T1")),
        "authorizations-of-strings": lambda: json.dumps(_reaction(workspace, authorizations=["T1"])),
        "nested-50000-deep": lambda: _deeply_nested(50_000),
        "event-nested-50000-deep": lambda: json.dumps(_reaction(workspace, event="DEEP")).replace('"DEEP"', _deeply_nested(50_000)),
    }
    before = len(workspace.server.log())
    reply = post_signed(workspace.server.slack.url, bodies[shape](), content_type=JSON, secret=SECRET)
    assert reply.status == 400
    added = workspace.server.log()[before:]
    assert len(refused_lines(workspace.server, before)) == 1 and "Traceback" not in added, added[-3000:]


@pytest.mark.parametrize("shape", ["payload-nested-50000-deep", "actions-a-string", "view-a-string", "response-urls-of-strings", "two-payloads"])
def test_signed_interactions_of_the_wrong_shape_get_400(workspace, shape):
    bodies = {
        "payload-nested-50000-deep": lambda: urlencode({"payload": _deeply_nested(50_000)}),
        "actions-a-string": lambda: _interaction(workspace, actions="gig_volunteer"),
        "view-a-string": lambda: _interaction(workspace, type="view_submission", view="gig_form"),
        "response-urls-of-strings": lambda: _interaction(workspace, response_urls=["https://example.com"]),
        # Bolt reads the last payload of a form, so the door must check every one.
        "two-payloads": lambda: _interaction(workspace) + "&" + urlencode({"payload": json.dumps([1])}),
    }
    before = len(workspace.server.log())
    reply = post_signed(workspace.server.slack.url, bodies[shape](), content_type=FORM, secret=SECRET)
    assert reply.status == 400
    added = workspace.server.log()[before:]
    assert len(refused_lines(workspace.server, before)) == 1 and "Traceback" not in added, added[-3000:]


def test_json_nested_too_deep_inside_a_signed_payload_is_read_as_broken(workspace):
    """A form's private_metadata and a button's value are JSON in a string, which the door doesn't
    open: read too deep, they are what they are when tampered with, not a traceback."""
    user, deep = workspace.member(), _deeply_nested(1_400)
    before = len(workspace.server.log())
    reply = share_lead(workspace, user, role="Deep intern", private_metadata=deep)
    assert reply.status == 200 and reply.body == b"", reply.text
    assert [lead.role for lead in leads_of(workspace)] == ["Deep intern"]
    answer = press(workspace, lead_ids.PAGE, deep, user=user)
    assert "That page link is broken" in answer["text"]
    assert "Traceback" not in workspace.server.log()[before:]
