"""One install, many workspaces: each workspace installs the app through Slack's OAuth flow, is
served with its own token only, and sees only its own data; strangers are refused."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from slackapp.installs.installations import Installed
from tests.conftest import new_id
from tests.helpers import all_text, finish_install, share_lead, start_install
from tests.installs.conftest import installed_workspace


def test_two_workspaces_each_served_with_its_own_token_and_data(distributed, fake_slack):
    first, first_token = installed_workspace(distributed, fake_slack)
    second, second_token = installed_workspace(distributed, fake_slack)
    before = len(fake_slack.calls)
    deadline = (date.today() + timedelta(days=20)).isoformat()

    for workspace, role in ((first, "Analyst in the first"), (second, "Analyst in the second")):
        poster = workspace.member()
        assert share_lead(workspace, poster, role=role, url=f"https://jobs.example/{workspace.team_id}", deadline=deadline).body == b""
        workspace.posted(channel=workspace.channel)
        # An officer-only command asks users.info (admin?) with the workspace's token.
        officer = workspace.officer()
        assert workspace.command("/events", "new", user=officer).status == 200
        workspace.fake.wait_for("views.open", predicate=lambda call, token=(first_token if workspace is first else second_token): call.token == token)

    first_list = all_text(first.command("/internships", user=first.member()).json()["blocks"])
    second_list = all_text(second.command("/internships", user=second.member()).json()["blocks"])
    assert "Analyst in the first" in first_list and "Analyst in the second" not in first_list
    assert "Analyst in the second" in second_list and "Analyst in the first" not in second_list

    calls = [call for call in fake_slack.calls[before:] if call.method not in ("response_url", "auth.test", "oauth.v2.access")]
    tokens = {first.team_id: first_token, second.team_id: second_token}
    # Every call naming a user or channel of a workspace used that workspace's token, and only ours.
    named = [(call.method, fake_slack.workspace_named_by(call), call.token) for call in calls]
    assert {token for _, _, token in named} == {first_token, second_token}
    assert [entry for entry in named if entry[1] is not None and tokens[entry[1]] != entry[2]] == []
    assert {"chat.postMessage", "users.info", "views.open"} <= {method for method, _, _ in named}
    assert [call for call in fake_slack.token_mismatches if call.token in (first_token, second_token)] == []


def test_a_workspace_that_did_not_install_is_refused_in_one_line(distributed, fake_slack):
    stranger = new_id("T")
    log_before, calls_before = len(distributed.log()), len(fake_slack.calls)
    reply = distributed.slack.command("/internships", "help", user_id=new_id("U"), team_id=stranger, channel_id=new_id("C"))
    assert reply.status == 200 and "isn't installed for your workspace" in reply.json()["text"]
    added = [line for line in distributed.log()[log_before:].splitlines() if stranger in line]
    assert len(added) == 1 and "refused" in added[0]
    assert [call for call in fake_slack.calls[calls_before:] if call.method != "response_url"] == []


def test_the_oauth_state_is_checked_and_good_once(distributed, fake_slack):
    team = new_id("T")
    code, _ = fake_slack.grant(team)
    state, cookie = start_install(distributed.url)

    assert finish_install(distributed.url, code=code, state="made-up", cookie=cookie)[0] >= 400
    assert finish_install(distributed.url, code=code, state=state, cookie="slack-app-oauth-state=other")[0] >= 400
    assert finish_install(distributed.url, code=code, state=state, cookie=cookie)[0] == 200
    # The same redirect again (a replay) finds its state used up.
    again, _ = fake_slack.grant(team)
    assert finish_install(distributed.url, code=again, state=state, cookie=cookie)[0] >= 400
    reply = distributed.slack.command("/internships", "help", user_id=new_id("U"), team_id=team, channel_id=new_id("C"))
    assert "isn't installed" not in reply.text


def test_a_token_of_another_workspace_than_the_one_named_is_refused_and_nothing_saved(distributed, fake_slack):
    named, other = new_id("T"), new_id("T")
    code, token = fake_slack.grant(named)
    # oauth.v2.access names `named`, but the token it hands out belongs to `other`.
    fake_slack.set_identity(token, team_id=other)
    log_before = len(distributed.log())
    state, cookie = start_install(distributed.url)

    status, page = finish_install(distributed.url, code=code, state=state, cookie=cookie)
    assert status == 400 and "was not installed" in page and "another workspace" in page
    with distributed.store.read() as session:
        assert session.scalars(select(Installed).where(Installed.team_id.in_([named, other]))).all() == []
    said = [line for line in distributed.log()[log_before:].splitlines() if named in line]
    assert len(said) == 1 and "refused" in said[0] and other in said[0] and token not in said[0]
    for team in (named, other):
        reply = distributed.slack.command("/internships", "help", user_id=new_id("U"), team_id=team, channel_id=new_id("C"))
        assert "isn't installed for your workspace" in reply.json()["text"]
