"""No secret reaches the log, at any level: at LOG_LEVEL=DEBUG slack_sdk and Bolt log whole Web API
requests and answers (oauth.v2.access hands out the bot token; its request carries the `code`),
and a failed exchange is logged with its code."""

from __future__ import annotations

import pytest

from tests.conftest import SECRET, STORES, Workspace, new_id, serve
from tests.helpers import finish_install, share_lead, start_install
from tests.installs.conftest import distribution_env


@pytest.fixture(params=STORES)
def debug_app(request, fake_slack, tmp_path_factory):
    env = {**distribution_env(), "LOG_LEVEL": "DEBUG"}
    return serve(request, fake_slack, tmp_path_factory, "debug-log", **env), env


def _installed(app, fake) -> tuple[Workspace, str, str]:
    workspace = Workspace(server=app, fake=fake, team_id=new_id("T"))
    fake.add_channel(workspace.channel, name=workspace.channel.lower(), team_id=workspace.team_id)
    code, token = fake.grant(workspace.team_id)
    state, cookie = start_install(app.url)
    status, page = finish_install(app.url, code=code, state=state, cookie=cookie)
    assert status == 200, page
    return workspace, code, token


def test_no_token_code_or_secret_reaches_the_log_at_debug(debug_app, fake_slack):
    app, env = debug_app
    handed_out = []
    for _ in range(2):
        workspace, code, token = _installed(app, fake_slack)
        handed_out += [code, token]
        # Served with the workspace's token: a modal (users.info, views.open) and an announcement.
        assert workspace.command("/events", "new", user=workspace.officer()).status == 200
        fake_slack.wait_for("views.open", predicate=lambda call, token=token: call.token == token)
        share_lead(workspace, workspace.member(), role="Analyst", url=f"https://jobs.example/{workspace.team_id}")
        fake_slack.wait_for("chat.postMessage", predicate=lambda call, token=token: call.token == token)
    # A code used twice: Slack refuses it, and Bolt logs the failed exchange with the code.
    state, cookie = start_install(app.url)
    assert finish_install(app.url, code=code, state=state, cookie=cookie)[0] >= 400
    # Stopped, the app has written all it will (listeners and the clock finish first).
    app.stop()

    log = app.log()
    assert "Received the following response" in log and "Failed to fetch oauth.v2.access" in log  # what used to leak is logged
    secrets = [*handed_out, env["SLACK_CLIENT_SECRET"], env["SLACKAPP_ENCRYPTION_KEY"], SECRET]
    assert [secret for secret in secrets if secret in log] == []
